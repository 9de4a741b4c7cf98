"""Copying $refs in place: bounded (no exponential export, no endless recursion), and the
nullable union's $ref branch inlined where Gemini's responseSchema needs it."""

from __future__ import annotations

import time
from typing import Any

import pytest

from registry_core.dialects import export_schema
from registry_core.dialects.walker import MAX_INLINED_NODES
from tests.core.test_dialects_table import closed, pointers

# -- exponential copies --------------------------------------------------------------------


def doubling(levels: int, use: str = "plain") -> dict[str, Any]:
    """Definitions D0..D<levels-1>, each referring to the next twice: 2**levels copies when
    inlined. ``use`` is how a reference is written: a plain $ref, one with a sibling, the
    branch of a nullable union, or an allOf member."""

    def ref(i: int) -> dict[str, Any]:
        plain: dict[str, Any] = {"$ref": f"#/$defs/D{i}"}
        uses: dict[str, dict[str, Any]] = {
            "plain": plain,
            "sibling": {**plain, "description": "d"},
            "nullable": {"anyOf": [plain, {"type": "null"}]},
            "allOf": {"allOf": [plain]},
        }
        return uses[use]

    defs: dict[str, Any] = {
        f"D{i}": closed({"a": ref(i + 1), "b": ref(i + 1)}) for i in range(levels)
    }
    defs[f"D{levels}"] = {"type": "string"}
    return closed({"root": {"$ref": "#/$defs/D0"}}, **{"$defs": defs})


def export_timed(schema: dict[str, Any], dialect: str) -> tuple[Any, float]:
    start = time.perf_counter()
    result = export_schema(schema, dialect)
    return result, time.perf_counter() - start


@pytest.mark.parametrize("dialect", ["gemini", "ollama"])
def test_inlining_a_doubling_schema_stops_at_the_cap_with_an_error(dialect: str) -> None:
    # A 2 KB schema: 16 levels of definitions each referring to the next twice. Inlined
    # whole it was an 8 MB export; 25 levels would be gigabytes (a denial of service).
    schema = doubling(16)

    result, seconds = export_timed(schema, dialect)

    assert seconds < 1.0
    assert result.schema is None
    (error,) = result.errors
    assert error.keyword == "$ref" and error.path.startswith("/$defs/D")
    assert error.path.endswith("/$ref")
    assert f"{MAX_INLINED_NODES:,} schema objects" in error.message
    assert "keeps $defs (openai, anthropic, gemini-json" in error.message
    assert "restructure" in error.message


@pytest.mark.parametrize(
    ("use", "dialect", "fix"),
    [
        # Where $defs are kept, a $ref with siblings and an allOf member are still copied.
        ("sibling", "openai", "use plain $refs there (no siblings, no allOf)"),
        ("allOf", "vllm-xgrammar", "use plain $refs there (no siblings, no allOf)"),
        ("nullable", "gemini", "export to a dialect that keeps $defs"),
    ],
)
def test_every_kind_of_copy_counts_toward_the_cap(use: str, dialect: str, fix: str) -> None:
    result, seconds = export_timed(doubling(16, use), dialect)

    assert seconds < 1.0
    assert [e.keyword for e in result.errors] == ["$ref"]
    assert f"{MAX_INLINED_NODES:,} schema objects" in result.errors[0].message
    assert fix in result.errors[0].message


@pytest.mark.parametrize("dialect", ["gemini", "ollama", "openai", "vllm-xgrammar"])
@pytest.mark.parametrize("use", ["plain", "sibling", "allOf"])
def test_a_definition_shared_along_a_few_paths_is_still_copied(dialect: str, use: str) -> None:
    # 2**6 copies: a diamond of shared definitions is not recursion, and is under the cap.
    result = export_schema(doubling(6, use), dialect)

    assert result.errors == ()


def test_a_diamond_of_allof_references_is_not_taken_for_recursion() -> None:
    defs: dict[str, Any] = {
        f"D{i}": {"allOf": [{"$ref": f"#/$defs/D{i + 1}"}, {"$ref": f"#/$defs/D{i + 1}"}]}
        for i in range(4)
    }
    defs["D4"] = closed({"a": {"type": "string"}})
    schema = closed({"root": {"$ref": "#/$defs/D0"}}, **{"$defs": defs})

    result = export_schema(schema, "vllm-xgrammar")

    assert result.errors == ()
    assert result.schema is not None
    assert result.schema["$defs"]["D0"] == closed({"a": {"type": "string"}})


def test_recursion_through_allof_is_an_error_not_endless_recursion() -> None:
    schema = closed(
        {"r": {"$ref": "#/$defs/D"}},
        **{
            "$defs": {
                "D": {"allOf": [{"$ref": "#/$defs/E"}]},
                "E": closed({"x": {"allOf": [{"$ref": "#/$defs/D"}]}}),
            }
        },
    )

    for dialect in ("openai", "gemini", "vllm-xgrammar"):
        result = export_schema(schema, dialect)  # was a RecursionError

        assert ("/$defs/D/allOf/0", "allOf") in pointers(result.errors)


# -- the nullable union's $ref branch (Gemini responseSchema) -------------------------------

ADDRESS = closed({"city": {"type": "string"}})
GEMINI_ADDRESS = {
    "type": "OBJECT",
    "properties": {"city": {"type": "STRING"}},
    "required": ["city"],
    "propertyOrdering": ["city"],
}


def test_a_nullable_reference_is_inlined_and_made_nullable() -> None:
    schema = closed(
        {"home": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}], "description": "d"}},
        **{"$defs": {"A": {**ADDRESS, "description": "an address"}}},
    )

    result = export_schema(schema, "gemini")

    assert result.errors == ()
    assert result.schema is not None
    # The union's description wins over the definition's own.
    assert result.schema["properties"]["home"] == {
        "description": "d",
        **GEMINI_ADDRESS,
        "nullable": True,
    }


def test_a_nullable_reference_to_a_union_adds_null_to_its_branches() -> None:
    union = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    bare = closed(
        {"p": {"anyOf": [{"$ref": "#/$defs/U"}, {"type": "null"}]}}, **{"$defs": {"U": union}}
    )
    described = closed(
        {"p": {"anyOf": [{"$ref": "#/$defs/U"}, {"type": "null"}], "description": "d"}},
        **{"$defs": {"U": union}},
    )

    result = export_schema(bare, "gemini")
    refused = export_schema(described, "gemini")

    assert result.schema is not None
    assert result.schema["properties"]["p"] == {
        "anyOf": [{"type": "STRING"}, {"type": "INTEGER"}, {"type": "NULL"}]
    }
    assert pointers(refused.errors) == [("/properties/p/anyOf", "anyOf")]


def test_a_one_of_with_null_whose_branch_accepts_null_too_is_lossy() -> None:
    schema = closed({"p": {"oneOf": [{"type": ["string", "null"]}, {"type": "null"}]}})

    result = export_schema(schema, "gemini")

    assert result.schema is not None
    assert result.schema["properties"]["p"] == {"type": "STRING", "nullable": True}
    assert pointers(result.warnings) == [("/properties/p/oneOf", "oneOf")]
    assert result.lossy


def test_a_recursive_nullable_reference_is_refused_where_the_dialect_has_no_recursion() -> None:
    node = closed({"next": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}})
    schema = closed({"n": {"$ref": "#/$defs/N"}}, **{"$defs": {"N": node}})

    result = export_schema(schema, "gemini")

    assert pointers(result.errors) == [("/$defs/N/properties/next/anyOf/0/$ref", "$ref")]
    assert export_schema(schema, "gemini-json").ok is False  # required: no way out of it
    assert export_schema(schema, "openai").ok
