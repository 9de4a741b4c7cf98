"""Great Expectations 1.x from a registered version: a suite, a validation definition and a
checkpoint saved in the project's ``great_expectations/`` folder (a file data context), runnable
from Python and from Dagster on a pandas DataFrame.

One expectation per keyword of each top-level property (what GX checks per column):

| JSON Schema | expectation |
|---|---|
| ``additionalProperties: false`` | ExpectTableColumnsToMatchSet (exact) |
| ``required`` | ExpectColumnToExist, ExpectColumnValuesToNotBeNull (unless null is allowed) |
| ``type`` | ExpectColumnValuesToBeOfType (int64, float64, str, bool) |
| ``enum`` / ``const`` | ExpectColumnValuesToBeInSet |
| ``minimum`` ... ``exclusiveMaximum`` | ExpectColumnValuesToBeBetween (strict bounds) |
| ``pattern`` | ExpectColumnValuesToMatchRegex |
| ``minLength`` / ``maxLength`` | ExpectColumnValueLengthsToBeBetween |

``ExpectColumnValuesToBeInTypeList`` is avoided: on pandas 3 it misjudges string columns.
Nested properties get ExpectColumnToExist only; ``llmsr validate`` checks them fully.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry_core.validation.adapters import _deref, _root
from registry_core.validation.records import accepts_null
from registry_core.validation.view import SchemaView

__all__ = ["GxArtifacts", "build_gx", "default_context_root", "unexpected_rows"]

_TYPES = {"integer": "int64", "number": "float64", "string": "str", "boolean": "bool"}
_ROW_ID = "__row__"


def default_context_root() -> Path:
    """``LLMSR_GX_ROOT``, else the ``great_expectations/`` folder of the working directory."""
    return Path(os.environ.get("LLMSR_GX_ROOT", "great_expectations")).resolve()


@dataclass
class GxArtifacts:
    """What was saved, by name, and the objects to run."""

    context: Any
    suite: Any
    validation_definition: Any
    checkpoint: Any

    def run(self, frame: Any) -> Any:
        """Run the checkpoint on a pandas DataFrame; returns GX's CheckpointResult."""
        return self.checkpoint.run(batch_parameters={"dataframe": _with_row_ids(frame)})


def _name(subject: str, version: int) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{subject}.v{version}")


def build_gx(
    view: SchemaView, subject: str, version: int, context_root: Path | None = None
) -> GxArtifacts:
    """Create or update the suite, validation definition and checkpoint of a version."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    root_dir = context_root or default_context_root()
    if (root_dir / "__init__.py").exists():
        raise ValueError(f"{root_dir} has an __init__.py: it would shadow great_expectations")
    context = gx.get_context(mode="file", context_root_dir=str(root_dir))
    name = _name(subject, version)
    suite = context.suites.add_or_update(
        gx.ExpectationSuite(name=name, expectations=_expectations(view))
    )
    source = context.data_sources.add_or_update_pandas("llmsr_pandas")
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name)
    try:
        batch = asset.get_batch_definition("whole")
    except KeyError:
        batch = asset.add_batch_definition_whole_dataframe("whole")
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=name,
            validation_definitions=[definition],
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [_ROW_ID],
            },
        )
    )
    return GxArtifacts(context, suite, definition, checkpoint)


def _expectations(view: SchemaView) -> list[Any]:
    gxe: Any = importlib.import_module("great_expectations.expectations")
    root = _root(view)
    required = set(root.get("required", []))
    out: list[Any] = []
    if root.get("additionalProperties") is False:
        out.append(
            gxe.ExpectTableColumnsToMatchSet(column_set=list(root["properties"]), exact_match=False)
        )
    for column, node in root["properties"].items():
        node = _deref(node, view.document)
        if column in required:
            out.append(gxe.ExpectColumnToExist(column=column))
            if not accepts_null(node, view.document):
                out.append(gxe.ExpectColumnValuesToNotBeNull(column=column))
        if not isinstance(node, dict):
            continue
        kinds = node.get("type")
        names = [kinds] if isinstance(kinds, str) else list(kinds or [])
        scalar = [n for n in names if n in _TYPES]
        if len(scalar) == 1 and scalar[0] in ("string", "boolean"):
            out.append(gxe.ExpectColumnValuesToBeOfType(column=column, type_=_TYPES[scalar[0]]))
        values = node.get("enum", [node["const"]] if "const" in node else None)
        if values is not None:
            out.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=column, value_set=[v for v in values if v is not None]
                )
            )
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum", node.get("exclusiveMaximum"))
        if low is not None or high is not None:
            out.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column,
                    min_value=low,
                    max_value=high,
                    strict_min="exclusiveMinimum" in node and "minimum" not in node,
                    strict_max="exclusiveMaximum" in node and "maximum" not in node,
                )
            )
        if isinstance(node.get("pattern"), str):
            out.append(gxe.ExpectColumnValuesToMatchRegex(column=column, regex=node["pattern"]))
        if "minLength" in node or "maxLength" in node:
            out.append(
                gxe.ExpectColumnValueLengthsToBeBetween(
                    column=column, min_value=node.get("minLength"), max_value=node.get("maxLength")
                )
            )
    return out


def _with_row_ids(frame: Any) -> Any:
    return frame.assign(**{_ROW_ID: range(len(frame))})


def unexpected_rows(result: Any) -> set[int]:
    """Row positions any expectation flagged, from a checkpoint result (COMPLETE format)."""
    rows: set[int] = set()
    for run in result.run_results.values():
        for outcome in run.results:
            for item in outcome.result.get("unexpected_index_list") or []:
                if isinstance(item, dict) and _ROW_ID in item:
                    rows.add(int(item[_ROW_ID]))
    return rows
