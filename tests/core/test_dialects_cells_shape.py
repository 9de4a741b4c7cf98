"""The keyword x dialect table, part 1: the root, objects, types, enums, combinators,
references and recursion (the harness is in test_dialects_table.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.test_dialects_table import (
    CLOSED,
    GEMINI_CLOSED,
    Cell,
    Table,
    at_p,
    check,
    described,
    everywhere,
    kept,
    refused,
    rewritten,
    root_object,
)

TABLE = Table()
row = TABLE.row

WRAPPED_STRING = {
    "type": "object",
    "properties": {"value": {"type": "string"}},
    "required": ["value"],
    "additionalProperties": False,
}
TWO_TYPES = [{"type": "string"}, {"type": "integer"}]
TWO_TYPES_UPPER = [{"type": "STRING"}, {"type": "INTEGER"}]
WRAPPED_ANY_OF = {**WRAPPED_STRING, "properties": {"value": {"anyOf": TWO_TYPES}}}

# -- root and objects --------------------------------------------------------------------
row(
    "non-object root",
    {"type": "string"},
    {
        **everywhere(kept()),
        "openai": rewritten(WRAPPED_STRING, ("", "type")),
        "anthropic": rewritten(WRAPPED_STRING, ("", "type")),
        "gemini": rewritten({"type": "STRING"}),
    },
    root=True,
)
row(
    "root anyOf",
    {"anyOf": TWO_TYPES},
    {
        **everywhere(kept()),
        "openai": rewritten(WRAPPED_ANY_OF, ("", "anyOf")),
        "anthropic": rewritten(WRAPPED_ANY_OF, ("", "anyOf")),
        "gemini": rewritten({"anyOf": TWO_TYPES_UPPER}),
    },
    root=True,
)
OPTIONAL = {
    "type": "object",
    "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
    "required": ["a"],
    "additionalProperties": False,
}
row(
    "optional property",
    OPTIONAL,
    {
        **everywhere(kept()),
        "openai": rewritten(
            {
                **OPTIONAL,
                "properties": {"a": {"type": "string"}, "b": {"type": ["integer", "null"]}},
                "required": ["a", "b"],
            },
            ("/properties/b", "required"),
            lossy=True,
        ),
        "gemini": rewritten(
            {
                "type": "OBJECT",
                "properties": {"a": {"type": "STRING"}, "b": {"type": "INTEGER"}},
                "required": ["a"],
                "propertyOrdering": ["a", "b"],
            }
        ),
        "gemini-json": rewritten({**OPTIONAL, "propertyOrdering": ["a", "b"]}),
    },
    root=True,
)
row(
    "additionalProperties false",
    CLOSED,
    {
        **everywhere(kept()),
        "gemini": rewritten(GEMINI_CLOSED),
        "gemini-json": rewritten({**CLOSED, "propertyOrdering": ["x"]}),
    },
)
OPEN = {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}
row(
    "object without additionalProperties",
    OPEN,
    {
        **everywhere(kept()),
        "openai": rewritten(CLOSED),
        "anthropic": rewritten(CLOSED),
        "gemini": rewritten(GEMINI_CLOSED),
        "gemini-json": rewritten({**OPEN, "propertyOrdering": ["x"]}),
    },
)
row(
    "additionalProperties schema",
    {"type": "object", "additionalProperties": {"type": "string"}},
    {
        **everywhere(kept()),
        "openai": refused(at_p("additionalProperties")),
        "anthropic": refused(at_p("additionalProperties")),
        "gemini": refused(at_p("additionalProperties")),
    },
)
row(
    "additionalProperties true",
    {**OPEN, "additionalProperties": True},
    {
        **everywhere(kept()),
        "openai": refused(at_p("additionalProperties")),
        "anthropic": refused(at_p("additionalProperties")),
        "gemini": refused(at_p("additionalProperties")),
        "gemini-json": rewritten({**OPEN, "additionalProperties": True, "propertyOrdering": ["x"]}),
    },
)

# -- types, enums, const -----------------------------------------------------------------
row(
    "type array with null",
    {"type": ["string", "null"]},
    {**everywhere(kept()), "gemini": rewritten({"type": "STRING", "nullable": True})},
)
row(
    "type array of two types",
    {"type": ["string", "integer"]},
    {**everywhere(kept()), "gemini": refused(at_p("type"))},
)
row(
    "enum of strings",
    {"type": "string", "enum": ["a", "b"]},
    {**everywhere(kept()), "gemini": rewritten({"type": "STRING", "enum": ["a", "b"]})},
)
row(
    "enum of numbers",
    {"type": "integer", "enum": [1, 2]},
    {**everywhere(kept()), "gemini": refused(at_p("enum"))},
)
row(
    "nullable string enum (Avro style)",
    {"type": ["string", "null"], "enum": ["a", None]},
    {
        **everywhere(kept()),
        "gemini": rewritten({"type": "STRING", "enum": ["a"], "nullable": True}),
    },
)
row(
    "enum of objects",
    {"enum": [{"a": 1}]},
    {
        **everywhere(kept()),
        "anthropic": refused(at_p("enum")),
        "gemini": refused(at_p("enum")),
        "gemini-json": refused(at_p("enum")),
    },
)
row(
    "const string",
    {"const": "x"},
    {
        **everywhere(kept()),
        "gemini": rewritten({"enum": ["x"]}),
        "gemini-json": rewritten({"enum": ["x"]}),
    },
)
row(
    "const number",
    {"const": 3},
    {
        **everywhere(kept()),
        "gemini": refused(at_p("const")),
        "gemini-json": rewritten({"enum": [3]}),
    },
)

# -- combinators -------------------------------------------------------------------------
row(
    "anyOf",
    {"anyOf": TWO_TYPES},
    {**everywhere(kept()), "gemini": rewritten({"anyOf": TWO_TYPES_UPPER})},
)
row(
    "anyOf with a sibling",
    {"description": "d", "anyOf": TWO_TYPES},
    {**everywhere(kept()), "gemini": refused(at_p("anyOf"))},
)
ONE_OF_WARNING = at_p("oneOf")
STRING_OR_NULL = [{"type": "string"}, {"type": "null"}]
A_OR_B = {"type": "string", "enum": ["a", "b"]}
row(
    "anyOf with null (Optional)",
    {"anyOf": STRING_OR_NULL},
    {**everywhere(kept()), "gemini": rewritten({"type": "STRING", "nullable": True})},
)
# Pydantic's own output for `x: str | None = Field(None, description="the x")` (the oracle
# tests check that it still is): before the null union rewrite, gemini refused it.
PYDANTIC_OPTIONAL = {
    "anyOf": STRING_OR_NULL,
    "default": None,
    "description": "the x",
    "title": "X",
}
OPTIONAL_DESCRIBED = {"anyOf": STRING_OR_NULL, "description": "the x"}
row(
    "anyOf with null beside annotations (Pydantic X | None = Field(description=...))",
    PYDANTIC_OPTIONAL,
    {
        **everywhere(rewritten(OPTIONAL_DESCRIBED)),
        "openai": rewritten({**OPTIONAL_DESCRIBED, "title": "X"}),
        "anthropic": described(
            {**OPTIONAL_DESCRIBED, "description": "the x\n\n{default: null}", "title": "X"},
            "default",
            lossy=False,
        ),
        "gemini": rewritten({"description": "the x", "type": "STRING", "nullable": True}),
        "gemini-json": rewritten({**OPTIONAL_DESCRIBED, "title": "X"}),
    },
)
row(
    "oneOf with null",
    {"oneOf": [{"type": "null"}, A_OR_B]},
    {
        **everywhere(
            rewritten(
                {"anyOf": [{"type": "null"}, A_OR_B]},
                ONE_OF_WARNING,
                lossy=True,
            )
        ),
        "gemini": rewritten({"type": "STRING", "enum": ["a", "b"], "nullable": True}),
    },
)
row(
    "anyOf with null beside a constraint",
    {"type": "string", "anyOf": STRING_OR_NULL},
    {**everywhere(kept()), "gemini": refused(at_p("anyOf"))},
)
WITH_PROPS_AND_ANY_OF = {**CLOSED, "anyOf": [CLOSED]}
row(
    "anyOf beside properties",
    WITH_PROPS_AND_ANY_OF,
    {
        **everywhere(kept()),
        "gemini": refused(at_p("anyOf")),
        "gemini-json": rewritten(
            {
                **CLOSED,
                "anyOf": [{**CLOSED, "propertyOrdering": ["x"]}],
                "propertyOrdering": ["x"],
            }
        ),
        "ollama": refused(at_p("anyOf")),
    },
)
row(
    "oneOf",
    {"oneOf": TWO_TYPES},
    {
        **everywhere(rewritten({"anyOf": TWO_TYPES}, ONE_OF_WARNING, lossy=True)),
        "gemini": rewritten({"anyOf": TWO_TYPES_UPPER}, ONE_OF_WARNING, lossy=True),
    },
)
A_AND_B = {
    "allOf": [
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
        {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]},
    ]
}
FLAT = {
    "type": "object",
    "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
    "required": ["a", "b"],
}
row(
    "allOf that merges exactly",
    A_AND_B,
    {
        **everywhere(rewritten(FLAT)),
        "openai": rewritten({**FLAT, "additionalProperties": False}),
        "anthropic": rewritten({**FLAT, "additionalProperties": False}),
        "gemini": rewritten(
            {
                "type": "OBJECT",
                "properties": {"a": {"type": "STRING"}, "b": {"type": "INTEGER"}},
                "required": ["a", "b"],
                "propertyOrdering": ["a", "b"],
            }
        ),
        "gemini-json": rewritten({**FLAT, "propertyOrdering": ["a", "b"]}),
    },
)
row(
    "allOf that contradicts itself",
    {"allOf": TWO_TYPES},
    everywhere(refused(at_p("type", "allOf", "1"))),
)

# -- references and recursion ------------------------------------------------------------
NAME_DEFS = {"Name": {"type": "string"}}
LOCAL_REF = {**root_object({"$ref": "#/$defs/Name"}), "$defs": NAME_DEFS}
INLINED = root_object({"type": "string"})
row(
    "local $ref",
    LOCAL_REF,
    {
        **everywhere(kept()),
        "gemini": rewritten(
            {
                **GEMINI_CLOSED,
                "properties": {"p": {"type": "STRING"}},
                "required": ["p"],
                "propertyOrdering": ["p"],
            }
        ),
        "gemini-json": rewritten({**LOCAL_REF, "propertyOrdering": ["p"]}),
        "ollama": rewritten(INLINED),
    },
    root=True,
)
REF_WITH_SIBLING = {**root_object({"$ref": "#/$defs/Name", "description": "d"}), "$defs": NAME_DEFS}
INLINED_WITH_SIBLING = root_object({"description": "d", "type": "string"})
row(
    "$ref with a sibling",
    REF_WITH_SIBLING,
    {
        **everywhere(rewritten(INLINED_WITH_SIBLING)),
        "gemini": rewritten(
            {
                **GEMINI_CLOSED,
                "properties": {"p": {"description": "d", "type": "STRING"}},
                "required": ["p"],
                "propertyOrdering": ["p"],
            }
        ),
        "gemini-json": rewritten({**INLINED_WITH_SIBLING, "propertyOrdering": ["p"]}),
        "vllm-xgrammar": kept(),
        "vllm-guidance": kept(),
    },
    root=True,
)
NEXT_REF = "/$defs/Node/properties/next/anyOf/0/$ref"
LINKED_REQUIRED = {
    **root_object({"$ref": "#/$defs/Node"}),
    "$defs": {
        "Node": {
            "type": "object",
            "properties": {"next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}},
            "required": ["next"],
            "additionalProperties": False,
        }
    },
}
row(
    "recursion through a required property",
    LINKED_REQUIRED,
    {
        **everywhere(kept()),
        "anthropic": refused((NEXT_REF, "$ref")),
        "gemini": refused((NEXT_REF, "$ref")),
        "gemini-json": refused((NEXT_REF, "$ref")),
        "ollama": refused((NEXT_REF, "$ref")),
    },
    root=True,
)
LINKED_OPTIONAL = {
    **root_object({"$ref": "#/$defs/Node"}),
    "$defs": {
        "Node": {
            "type": "object",
            "properties": {"next": {"$ref": "#/$defs/Node"}},
            "additionalProperties": False,
        }
    },
}
row(
    "recursion through an optional property",
    LINKED_OPTIONAL,
    {
        **everywhere(kept()),
        "openai": rewritten(
            {
                **root_object({"$ref": "#/$defs/Node"}),
                "$defs": {
                    "Node": {
                        "type": "object",
                        "properties": {
                            "next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}
                        },
                        "additionalProperties": False,
                        "required": ["next"],
                    }
                },
            },
            ("/$defs/Node/properties/next", "required"),
            lossy=True,
        ),
        "anthropic": refused(("/$defs/Node/properties/next/$ref", "$ref")),
        "gemini": refused(("/$defs/Node/properties/next/$ref", "$ref")),
        "gemini-json": rewritten(
            {
                **LINKED_OPTIONAL,
                "propertyOrdering": ["p"],
                "$defs": {
                    "Node": {**LINKED_OPTIONAL["$defs"]["Node"], "propertyOrdering": ["next"]}
                },
            }
        ),
        "ollama": refused(("/$defs/Node/properties/next/$ref", "$ref")),
    },
    root=True,
)


@pytest.mark.parametrize(("schema", "at", "dialect", "cell"), TABLE.cases())
def test_cell(schema: Any, at: str, dialect: str, cell: Cell) -> None:
    check(schema, at, dialect, cell)
