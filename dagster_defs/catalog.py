"""The dataset catalog: a YAML file where data engineers declare datasets without Python.

```yaml
storage_root: ../.llmsr/dagster-storage     # where the IO manager writes (relative to this file)
datasets:
  - name: chat_sft
    kind: training                          # training | evaluation | telemetry
    path: data/chat_sft/*.jsonl             # a file, a glob or a directory (relative to this
                                            # file), or an object-store URI: s3://bucket/chat/*.jsonl
    subject: llm.chat-finetune-value
    version: latest-approved                # a number, latest or latest-approved
    reference: data/chat_sft_reference.jsonl  # drift reference (optional)
    max_invalid_fraction: 0.05              # the blocking quarantine check's threshold
    drift: {wasserstein: 0.1, p_value: 0.05}  # any DriftConfig field
    schedule: "0 3 * * *"                   # revalidation (training, evaluation)
    great_expectations: true                # also run the generated GX checkpoint (WARN)
  - name: inference_telemetry
    kind: telemetry
    path: data/telemetry/{partition}.parquet  # one file per daily partition
    partitions_start: "2026-11-01"
    subject: llm.inference-event-value
  - name: mmlu_mini
    kind: evaluation
    path: data/mmlu_mini.jsonl
    subject: llm.eval-item-value
    version: 1
    content_hash: sha256:...                # the pinned hash of the canonical items
    label_distribution: {A: 0.25, B: 0.25, C: 0.25, D: 0.25}  # pinned shares (optional)
    contamination_against: [chat_sft]       # training datasets to check for overlap
```

Loading checks every entry and reports every problem with its place (``datasets[2].kind``),
so a typo fails ``dagster definitions validate`` with a clear message, not at run time.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from registry_core.drift import DriftConfig
from registry_core.errors import InvalidInput
from registry_core.lineage import DatasetKind, validate_pin

__all__ = ["Catalog", "CatalogError", "DatasetSpec", "load_catalog"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")  # a Dagster asset key part and a Python name
_DRIFT_FIELDS = {f.name for f in dataclasses.fields(DriftConfig)}
_KEYS = {
    "name",
    "kind",
    "path",
    "subject",
    "version",
    "reference",
    "max_invalid_fraction",
    "drift",
    "schedule",
    "partitions_start",
    "content_hash",
    "label_distribution",
    "contamination_against",
    "owner",
    "description",
    "great_expectations",
}


class CatalogError(ValueError):
    """The catalog file is unreadable or declares something invalid (every problem listed)."""


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    kind: DatasetKind
    path: str  # absolute, or an object-store URI (see remote.py); telemetry holds {partition}
    subject: str
    version: str = "latest-approved"
    reference: str | None = None
    max_invalid_fraction: float = 0.05
    drift: dict[str, Any] = field(default_factory=dict)
    schedule: str | None = None
    partitions_start: str | None = None
    content_hash: str | None = None
    label_distribution: dict[str, float] | None = None
    contamination_against: tuple[str, ...] = ()
    owner: str | None = None
    description: str | None = None
    great_expectations: bool = False  # also run the Great Expectations checkpoint (WARN)

    @property
    def partitioned(self) -> bool:
        return self.kind is DatasetKind.TELEMETRY

    def drift_config(self) -> DriftConfig:
        return DriftConfig(**self.drift)

    def settings(self) -> dict[str, Any]:
        """What the registry keeps about the dataset beyond subject, pin and location."""
        out: dict[str, Any] = {"max_invalid_fraction": self.max_invalid_fraction}
        for key in ("reference", "schedule", "partitions_start", "content_hash"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.drift:
            out["drift"] = self.drift
        if self.contamination_against:
            out["contamination_against"] = list(self.contamination_against)
        return out


@dataclass(frozen=True)
class Catalog:
    path: Path
    storage_root: Path
    datasets: tuple[DatasetSpec, ...]

    def get(self, name: str) -> DatasetSpec:
        for spec in self.datasets:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def bound_to(self, subject: str) -> list[DatasetSpec]:
        """The datasets validated against ``subject``."""
        return [d for d in self.datasets if d.subject == subject]


def load_catalog(path: str | os.PathLike[str]) -> Catalog:
    source = Path(path).resolve()
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"cannot read the dataset catalog {source}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CatalogError(f"{source}{where}: not valid YAML: {exc}") from None
    problems: list[str] = []
    if not isinstance(document, dict):
        raise CatalogError(f"{source}: expected a mapping with 'datasets', got {document!r}")
    unknown = set(document) - {"datasets", "storage_root"}
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}")
    base = source.parent
    storage_root = _resolve(base, str(document.get("storage_root", "../.llmsr/dagster-storage")))
    entries = document.get("datasets")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{source}: 'datasets' must be a non-empty list")
    specs: list[DatasetSpec] = []
    for index, entry in enumerate(entries):
        where = f"datasets[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping, got {entry!r}")
            continue
        spec = _spec(entry, where, base, problems)
        if spec is not None:
            specs.append(spec)
    names = [s.name for s in specs]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"dataset name {name!r} is declared more than once")
    training = {s.name for s in specs if s.kind is DatasetKind.TRAINING}
    for spec in specs:
        for other in spec.contamination_against:
            if other not in training:
                problems.append(
                    f"{spec.name}.contamination_against: {other!r} is not a training dataset"
                )
    if problems:
        raise CatalogError(f"{source}: " + "; ".join(problems))
    return Catalog(source, storage_root, tuple(specs))


def _spec(entry: dict[str, Any], where: str, base: Path, problems: list[str]) -> DatasetSpec | None:
    before = len(problems)
    unknown = set(entry) - _KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    missing = [
        key
        for key in ("name", "kind", "path", "subject")
        if not isinstance(entry.get(key), str) or not entry[key].strip()
    ]
    for key in missing:
        problems.append(f"{where}.{key}: required, a non-empty string")
    if missing:
        return None
    name = entry["name"]
    where = f"{where} ({name})"
    if not _NAME.fullmatch(name):
        problems.append(f"{where}.name: lower-case letters, digits and '_', starting with a letter")
    try:
        kind = DatasetKind.parse(entry["kind"])
    except InvalidInput as exc:
        problems.append(f"{where}.kind: {exc}")
        return None
    try:
        version = validate_pin(entry.get("version", "latest-approved"))
    except InvalidInput as exc:
        problems.append(f"{where}.version: {exc}")
        version = "latest"
    fraction = entry.get("max_invalid_fraction", 0.05)
    if (
        isinstance(fraction, bool)
        or not isinstance(fraction, int | float)
        or not 0 <= fraction <= 1
    ):
        problems.append(f"{where}.max_invalid_fraction: a number from 0 to 1, got {fraction!r}")
        fraction = 0.05
    drift = entry.get("drift") or {}
    if not isinstance(drift, dict) or set(drift) - _DRIFT_FIELDS:
        problems.append(f"{where}.drift: a mapping of {sorted(_DRIFT_FIELDS)}, got {drift!r}")
        drift = {}
    else:
        try:
            DriftConfig(**drift)
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}.drift: {exc}")
    path = entry["path"]
    partitions_start = entry.get("partitions_start")
    if kind is DatasetKind.TELEMETRY:
        if "{partition}" not in path:
            problems.append(f"{where}.path: a telemetry path holds '{{partition}}' (the day)")
        if not isinstance(partitions_start, str) or not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", partitions_start
        ):
            problems.append(f"{where}.partitions_start: a date YYYY-MM-DD")
    elif partitions_start is not None:
        problems.append(f"{where}.partitions_start: only telemetry datasets are partitioned")
    schedule = entry.get("schedule")
    if schedule is not None and (not isinstance(schedule, str) or len(schedule.split()) != 5):
        problems.append(f"{where}.schedule: a cron expression of 5 fields, got {schedule!r}")
    labels = entry.get("label_distribution")
    if labels is not None and (
        not isinstance(labels, dict)
        or not all(isinstance(v, int | float) and v >= 0 for v in labels.values())
    ):
        problems.append(f"{where}.label_distribution: a mapping of label to share")
    against = entry.get("contamination_against") or []
    if not isinstance(against, list) or not all(isinstance(a, str) for a in against):
        problems.append(f"{where}.contamination_against: a list of dataset names")
        against = []
    gx = entry.get("great_expectations", False)
    if not isinstance(gx, bool):
        problems.append(f"{where}.great_expectations: true or false, got {gx!r}")
    elif gx and kind is DatasetKind.EVALUATION:
        problems.append(f"{where}.great_expectations: for training and telemetry datasets")
    content_hash = entry.get("content_hash")
    if content_hash is not None and not re.fullmatch(r"sha256:[0-9a-f]{64}", str(content_hash)):
        problems.append(f"{where}.content_hash: 'sha256:' and 64 hex digits")
    if kind is not DatasetKind.EVALUATION and (content_hash or labels or against):
        problems.append(
            f"{where}: content_hash, label_distribution and contamination_against are for "
            "evaluation datasets"
        )
    if len(problems) > before:
        return None
    reference = entry.get("reference")
    return DatasetSpec(
        name=name,
        kind=kind,
        path=_resolve_text(base, path),
        subject=entry["subject"],
        version=version,
        reference=_resolve_text(base, reference) if reference else None,
        max_invalid_fraction=float(fraction),
        drift=dict(drift),
        schedule=schedule,
        partitions_start=partitions_start,
        content_hash=content_hash,
        label_distribution={str(k): float(v) for k, v in labels.items()} if labels else None,
        contamination_against=tuple(against),
        owner=entry.get("owner"),
        description=entry.get("description"),
        great_expectations=bool(gx),
    )


def _resolve(base: Path, text: str) -> Path:
    path = Path(os.path.expanduser(text))
    return path if path.is_absolute() else (base / path).resolve()


def _resolve_text(base: Path, text: str) -> str:
    if "://" in text:
        return text  # an object-store URI, as given
    return str(_resolve(base, text))
