"""pandera schemas built from registered versions flag the same rows as our engine."""

from __future__ import annotations

import json

import pandas as pd
import pandera.errors
import polars as pl
import pytest

from registry_core.errors import InvalidInput
from registry_core.service import Registry

FLAT = {
    "type": "object",
    "required": ["id", "provider", "tokens", "temperature"],
    "properties": {
        "id": {"type": "string", "pattern": "^r[0-9]+$", "maxLength": 8},
        "provider": {"enum": ["openai", "anthropic", "google"]},
        "tokens": {"type": "integer", "minimum": 0, "maximum": 4096},
        "temperature": {"type": "number", "minimum": 0, "exclusiveMaximum": 2},
        "note": {"type": ["string", "null"], "minLength": 2},
    },
}
ROWS = [
    {"id": "r1", "provider": "openai", "tokens": 10, "temperature": 0.5, "note": "ok"},
    {"id": "x2", "provider": "openai", "tokens": 10, "temperature": 0.5, "note": None},
    {"id": "r3", "provider": "acme", "tokens": 10, "temperature": 0.5, "note": "ok"},
    {"id": "r4", "provider": "google", "tokens": 9000, "temperature": 0.5, "note": "ok"},
    {"id": "r5", "provider": "google", "tokens": 1, "temperature": 2.0, "note": "ok"},
    {"id": "r6", "provider": "anthropic", "tokens": 1, "temperature": 1.5, "note": "x"},
    {"id": "r7", "provider": "anthropic", "tokens": 1, "temperature": 1.5, "note": None},
    {"id": "r123456789", "provider": "google", "tokens": 1, "temperature": 0.0, "note": "ok"},
]
INVALID = {1, 2, 3, 4, 5, 7}


def pandera_invalid_rows(schema: object, frame: object) -> set[int]:
    try:
        schema.validate(frame, lazy=True)  # type: ignore[attr-defined]
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        if isinstance(cases, pl.DataFrame):
            return set(cases.get_column("index").drop_nulls().to_list())
        return {int(i) for i in cases["index"].dropna()}
    return set()


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_pandera_reports_the_invalid_rows_our_engine_reports(
    registry: Registry, backend: str
) -> None:
    registry.register("flat-value", json.dumps(FLAT), "JSON")
    frame = pd.DataFrame(ROWS) if backend == "pandas" else pl.DataFrame(ROWS)
    ours = {position for position, _ in registry.validate(frame, "flat-value").failures}
    assert ours == INVALID
    schema = registry.to_pandera("flat-value", backend=backend)
    assert pandera_invalid_rows(schema, frame) == ours


def test_nested_schemas_keep_their_columns_unchecked(registry: Registry) -> None:
    nested = {
        "type": "object",
        "properties": {"usage": {"type": "object"}, "id": {"type": "string"}},
    }
    registry.register("nested-value", json.dumps(nested), "JSON")
    schema = registry.to_pandera("nested-value")
    assert schema.columns["usage"].checks == [] and schema.columns["usage"].dtype is None
    registry.register("scalar-value", json.dumps({"type": "string"}), "JSON")
    with pytest.raises(InvalidInput, match="objects with properties"):
        registry.to_pandera("scalar-value")


def test_great_expectations_suite_checkpoint_flags_the_same_rows(
    registry: Registry, tmp_path: object
) -> None:
    from pathlib import Path

    from registry_core.validation.gx import unexpected_rows

    root = Path(str(tmp_path)) / "great_expectations"
    registry.register("flat-value", json.dumps(FLAT), "JSON")
    artifacts = registry.to_great_expectations("flat-value", context_root=root)
    frame = pd.DataFrame(ROWS)
    result = artifacts.run(frame)
    assert not result.success
    assert unexpected_rows(result) == INVALID
    assert (root / "expectations" / "flat-value" / "v1.json").exists()  # GX splits on dots
    assert (root / "checkpoints" / "flat-value.v1.json").exists()
    assert not (root / "__init__.py").exists()
    # saved: a fresh context finds the checkpoint by name and runs it again
    import great_expectations as gx

    context = gx.get_context(mode="file", context_root_dir=str(root))
    again = context.checkpoints.get("flat-value.v1").run(
        batch_parameters={"dataframe": frame.assign(__row__=range(len(frame)))}
    )
    assert unexpected_rows(again) == INVALID
    clean = registry.to_great_expectations("flat-value", context_root=root).run(
        pd.DataFrame([ROWS[0], ROWS[6]])
    )
    assert unexpected_rows(clean) == set() and clean.success  # a null note is allowed
