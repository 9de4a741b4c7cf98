"""The dataset catalog: what loads, and the errors a data engineer sees for a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dagster_defs.catalog import CatalogError, load_catalog
from dagster_defs.demo import CATALOG
from registry_core.lineage import DatasetKind


def test_demo_catalog_loads_with_paths_relative_to_it() -> None:
    catalog = load_catalog(CATALOG)
    kinds = {spec.name: spec.kind for spec in catalog.datasets}
    assert kinds == {
        "chat_sft": DatasetKind.TRAINING,
        "preference_pairs": DatasetKind.TRAINING,
        "inference_telemetry": DatasetKind.TELEMETRY,
        "mmlu_mini": DatasetKind.EVALUATION,
    }
    telemetry = catalog.get("inference_telemetry")
    assert telemetry.partitioned and telemetry.path.startswith(str(CATALOG.parent))
    assert telemetry.path.endswith("data/telemetry/{partition}.parquet")
    assert telemetry.drift_config().wasserstein == 0.1
    assert catalog.get("mmlu_mini").contamination_against == ("chat_sft",)
    assert [s.name for s in catalog.bound_to("llm.chat-finetune-value")] == ["chat_sft"]
    assert catalog.storage_root == (CATALOG.parent / "../../.llmsr/dagster-storage").resolve()


def _load(tmp_path: Path, datasets: object, **top: object) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"datasets": datasets, **top}))
    load_catalog(path)


def test_every_problem_is_reported_with_its_place(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        _load(
            tmp_path,
            [
                {"name": "a", "kind": "trainin", "path": "x.jsonl", "subject": "s"},
                {"name": "b", "kind": "training", "subject": "s"},
                {
                    "name": "tele",
                    "kind": "telemetry",
                    "path": "t.parquet",
                    "subject": "s",
                    "max_invalid_fraction": 2,
                },
                {
                    "name": "c",
                    "kind": "training",
                    "path": "x",
                    "subject": "s",
                    "drift": {"wasserstien": 0.1},
                    "colour": "red",
                },
            ],
            extra=1,
        )
    message = str(caught.value)
    assert "unknown top-level keys ['extra']" in message
    assert "datasets[0] (a).kind: Unknown dataset kind 'trainin'" in message
    assert "datasets[1].path: required" in message
    assert "datasets[2] (tele).path: a telemetry path holds '{partition}'" in message
    assert "datasets[2] (tele).partitions_start: a date YYYY-MM-DD" in message
    assert "datasets[2] (tele).max_invalid_fraction: a number from 0 to 1, got 2" in message
    assert "datasets[3]: unknown keys ['colour']" in message
    assert "datasets[3] (c).drift:" in message and "wasserstien" in message


def test_names_pins_references_and_yaml_errors(tmp_path: Path) -> None:
    base = {"kind": "training", "path": "x.jsonl", "subject": "s"}
    with pytest.raises(CatalogError, match="'dup' is declared more than once"):
        _load(tmp_path, [{"name": "dup", **base}, {"name": "dup", **base}])
    with pytest.raises(CatalogError, match=r"\.version: Invalid version pin 'newest'"):
        _load(tmp_path, [{"name": "a", "version": "newest", **base}])
    with pytest.raises(CatalogError, match="'nope' is not a training dataset"):
        _load(
            tmp_path,
            [
                {
                    "name": "bench",
                    "kind": "evaluation",
                    "path": "b.jsonl",
                    "subject": "s",
                    "contamination_against": ["nope"],
                }
            ],
        )
    with pytest.raises(CatalogError, match="content_hash, label_distribution"):
        _load(tmp_path, [{"name": "a", "content_hash": "sha256:" + "0" * 64, **base}])
    with pytest.raises(CatalogError, match="lower-case letters"):
        _load(tmp_path, [{"name": "Bad-Name", **base}])
    broken = tmp_path / "broken.yaml"
    broken.write_text("datasets:\n  - name: a\n    kind: [training\n")
    with pytest.raises(CatalogError, match="at line 4"):
        load_catalog(broken)
    with pytest.raises(CatalogError, match="cannot read the dataset catalog"):
        load_catalog(tmp_path / "missing.yaml")
    with pytest.raises(CatalogError, match="'datasets' must be a non-empty list"):
        _load(tmp_path, [])
