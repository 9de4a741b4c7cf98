"""Fixtures of the Dagster tests: a copy of the demo catalog and data in a temporary folder,
a seeded registry (SQLite and PostgreSQL), and the definitions built from that catalog."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

from dagster_defs.definitions import build_definitions
from dagster_defs.demo import CATALOG, ensure_demo_data
from registry_core.demo import seed_demo
from registry_core.service import Registry

DAY = "2026-11-26"


def write_catalog(tmp_path: Path, edit: Callable[[dict], None] | None = None) -> Path:
    """The demo catalog, with its data copied under ``tmp_path`` (and ``edit`` applied)."""
    ensure_demo_data(tmp_path / "data")
    document = yaml.safe_load(CATALOG.read_text())
    document["storage_root"] = str(tmp_path / "storage")
    if edit is not None:
        edit(document)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture
def seeded(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Registry]:
    """The demo registry on a fresh database, which the Dagster resources will use."""
    monkeypatch.setenv("LLMSR_DATABASE_URL", db_url)
    monkeypatch.setenv("LLMSR_GX_ROOT", str(tmp_path / "great_expectations"))
    monkeypatch.delenv("LLMSR_DAGSTER_STORAGE", raising=False)
    registry = Registry(db_url)
    seed_demo(registry)
    yield registry
    registry.close()


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


@pytest.fixture
def demo_defs(tmp_path: Path, seeded: Registry) -> dg.Definitions:
    return build_definitions(write_catalog(tmp_path))
