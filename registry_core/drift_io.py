"""Reading drift samples from files, and comparing a sample with a registered schema."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from registry_core.errors import InvalidInput

if TYPE_CHECKING:
    from registry_core.drift import DriftConfig, DriftReport

__all__ = ["compare_samples", "load_sample", "registered_differences"]


def load_sample(files: list[Path], fmt: str, columns: list[str] | None = None) -> pl.DataFrame:
    """The rows of a file set (as ``validation.expand_inputs`` lists them) as one frame."""
    frames = []
    for path in files:
        try:
            if fmt in ("parquet", "csv") and columns is not None:
                names = (
                    pl.read_parquet_schema(path)
                    if fmt == "parquet"
                    else pl.read_csv(path, n_rows=0).schema
                )
                absent = [c for c in columns if c not in names]
                if absent:
                    raise InvalidInput(f"{path} has no column {', '.join(absent)}")
            if fmt == "parquet":
                frame = pl.read_parquet(path, columns=columns)
            elif fmt == "csv":
                frame = pl.read_csv(path, infer_schema_length=10_000, columns=columns)
            elif fmt == "jsonl":
                frame = pl.read_ndjson(path, infer_schema_length=10_000, ignore_errors=True)
            else:
                import fastavro

                with path.open("rb") as handle:
                    rows: list[Any] = list(fastavro.reader(handle))
                    frame = pl.from_dicts(rows)
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            raise InvalidInput(f"cannot read {path} as {fmt}: {exc}") from None
        if columns is not None and fmt in ("jsonl", "avro"):
            absent = [c for c in columns if c not in frame.columns]
            if absent:
                raise InvalidInput(f"{path} has no column {', '.join(absent)}")
            frame = frame.select(columns)
        frames.append(frame)
    try:
        return pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    except pl.exceptions.PolarsError as exc:
        raise InvalidInput(f"the input files do not share their columns' types: {exc}") from None


_JSON_TYPES = {
    "integer": ("integer",),
    "number": ("integer", "number"),
    "string": ("string",),
    "boolean": ("boolean",),
    "object": ("object",),
    "array": ("array",),
}


def _column_type(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        return "number"
    if dtype == pl.Boolean:
        return "boolean"
    if isinstance(dtype, pl.Struct):
        return "object"
    if isinstance(dtype, pl.List | pl.Array):
        return "array"
    return "string"


def registered_differences(document: Any, frame: pl.DataFrame) -> dict[str, Any]:
    """How a sample's columns differ from a registered schema's top-level properties."""
    if not isinstance(document, dict):
        return {"missing": [], "unexpected": [], "type_mismatch": []}
    properties = document.get("properties", {})
    required = [r for r in document.get("required", []) if isinstance(r, str)]
    closed = document.get("additionalProperties") is False
    mismatched = []
    for name, dtype in frame.schema.items():
        node = properties.get(name)
        kind = node.get("type") if isinstance(node, dict) else None
        if kind is None:
            continue
        allowed = {kind} if isinstance(kind, str) else set(kind)
        found = _column_type(dtype)
        accepted = {t for a in allowed for t in _JSON_TYPES.get(a, ())}
        if found not in accepted:
            mismatched.append({"column": name, "registered": sorted(allowed), "found": str(dtype)})
    return {
        "missing": [r for r in required if r not in frame.columns],
        "unexpected": [c for c in frame.columns if c not in properties] if closed else [],
        "type_mismatch": mismatched,
    }


def compare_samples(
    reference: Any,
    current: Any,
    columns: list[str] | None = None,
    config: DriftConfig | None = None,
    fmt: str | None = None,
) -> tuple[DriftReport, Any]:
    """Drift of two samples (files or frames), no registry involved; also the current frame."""
    from registry_core.drift import detect_drift

    ref_frame = _frame(reference, fmt, columns)
    cur_frame = _frame(current, fmt, columns)
    try:
        return detect_drift(ref_frame, cur_frame, columns=columns, config=config), cur_frame
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _frame(data: Any, fmt: str | None, columns: list[str] | None) -> Any:
    from registry_core.validation import detect_format, expand_inputs

    if isinstance(data, str | os.PathLike):
        files = expand_inputs(data)
        return load_sample(files, detect_format(files, fmt), columns)
    if isinstance(data, pl.DataFrame):
        return data
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return pl.from_arrow(data)
    if type(data).__module__.split(".")[0] == "pandas":
        return pl.from_pandas(data)
    raise InvalidInput(
        f"cannot compare a {type(data).__name__}: pass files, polars or pandas DataFrames, or "
        "pyarrow Tables"
    )
