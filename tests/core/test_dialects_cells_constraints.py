"""The keyword x dialect table, part 2: string, number, array and object constraints,
conditionals and annotations (the harness is in test_dialects_table.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.test_dialects_table import (
    CLOSED,
    GEMINI_CLOSED,
    Cell,
    P,
    Table,
    at_p,
    check,
    described,
    everywhere,
    kept,
    refused,
    rewritten,
)

TABLE = Table()
row = TABLE.row

# -- strings -----------------------------------------------------------------------------
ANCHORED = {"type": "string", "pattern": "^[a-z]+$"}
row(
    "pattern",
    ANCHORED,
    {
        **everywhere(kept()),
        "gemini": rewritten({"type": "STRING", "pattern": "^[a-z]+$"}),
        "gemini-json": described(
            {"type": "string", "description": "{pattern: ^[a-z]+$}"}, "pattern"
        ),
    },
)
row(
    "unanchored pattern",
    {"type": "string", "pattern": "[a-z]+"},
    {
        **everywhere(kept()),
        "gemini": rewritten({"type": "STRING", "pattern": "[a-z]+"}),
        "gemini-json": described({"type": "string", "description": "{pattern: [a-z]+}"}, "pattern"),
        "ollama": rewritten({"type": "string", "pattern": "^.*([a-z]+).*$"}),
    },
)
row(
    "pattern with a top-level alternation",
    {"type": "string", "pattern": "^a|b$"},
    {
        **everywhere(kept()),
        "gemini": rewritten({"type": "STRING", "pattern": "^a|b$"}),
        "gemini-json": described({"type": "string", "description": "{pattern: ^a|b$}"}, "pattern"),
        # "starts with a, or ends with b": llama.cpp would read ^a|b$ as "a" or "b" exactly.
        "ollama": rewritten({"type": "string", "pattern": "^(a.*|.*b)$"}),
    },
)
row(
    "pattern with lookahead",
    {"type": "string", "pattern": "^(?!x)[a-z]+$"},
    {
        **everywhere(kept()),
        "anthropic": described(
            {"type": "string", "description": "{pattern: ^(?!x)[a-z]+$}"}, "pattern"
        ),
        "gemini": described(
            {"type": "STRING", "description": "{pattern: ^(?!x)[a-z]+$}"}, "pattern"
        ),
        "gemini-json": described(
            {"type": "string", "description": "{pattern: ^(?!x)[a-z]+$}"}, "pattern"
        ),
    },
)


def format_described(fmt: str, *, upper: bool = False) -> Cell:
    kind = "STRING" if upper else "string"
    return described({"type": kind, "description": f"{{format: {fmt}}}"}, "format")


row(
    "format email (one of the common nine)",
    {"type": "string", "format": "email"},
    {
        **everywhere(kept()),
        "gemini": format_described("email", upper=True),
        "ollama": format_described("email"),
    },
)
row(
    "format uri",
    {"type": "string", "format": "uri"},
    {
        **everywhere(kept()),
        "openai": format_described("uri"),
        "gemini": format_described("uri", upper=True),
        "ollama": format_described("uri"),
        "vllm-guidance": format_described("uri"),
    },
)
row(
    "format date-time",
    {"type": "string", "format": "date-time"},
    {**everywhere(kept()), "gemini": rewritten({"type": "STRING", "format": "date-time"})},
)
LENGTHS = {"type": "string", "minLength": 1, "maxLength": 5}
LENGTHS_DESCRIBED = described(
    {"type": "string", "description": "{minLength: 1, maxLength: 5}"}, "minLength", "maxLength"
)
row(
    "minLength/maxLength",
    LENGTHS,
    {
        **everywhere(kept()),
        "openai": LENGTHS_DESCRIBED,
        "anthropic": LENGTHS_DESCRIBED,
        "gemini": rewritten({"type": "STRING", "minLength": 1, "maxLength": 5}),
        "gemini-json": LENGTHS_DESCRIBED,
    },
)
row(
    "maxLength beside pattern",
    {"type": "string", "pattern": "^a+$", "maxLength": 5},
    {
        **everywhere(kept()),
        "openai": described(
            {"type": "string", "pattern": "^a+$", "description": "{maxLength: 5}"}, "maxLength"
        ),
        "anthropic": described(
            {"type": "string", "pattern": "^a+$", "description": "{maxLength: 5}"}, "maxLength"
        ),
        "gemini": rewritten({"type": "STRING", "pattern": "^a+$", "maxLength": 5}),
        "gemini-json": described(
            {"type": "string", "description": "{pattern: ^a+$, maxLength: 5}"},
            "pattern",
            "maxLength",
        ),
        "vllm-xgrammar": refused(at_p("maxLength")),
    },
)

# -- numbers -----------------------------------------------------------------------------
row(
    "minimum/maximum on an integer",
    {"type": "integer", "minimum": 0, "maximum": 10},
    {
        **everywhere(kept()),
        "anthropic": described(
            {"type": "integer", "description": "{minimum: 0, maximum: 10}"}, "minimum", "maximum"
        ),
        "gemini": rewritten({"type": "INTEGER", "minimum": 0, "maximum": 10}),
    },
)
row(
    "minimum/maximum on a number",
    {"type": "number", "minimum": 0.5, "maximum": 10},
    {
        **everywhere(kept()),
        "anthropic": described(
            {"type": "number", "description": "{minimum: 0.5, maximum: 10}"}, "minimum", "maximum"
        ),
        "gemini": rewritten({"type": "NUMBER", "minimum": 0.5, "maximum": 10}),
        "ollama": refused(at_p("minimum"), at_p("maximum")),
    },
)
row(
    "exclusive bounds on an integer",
    {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
    {
        **everywhere(kept()),
        "anthropic": described(
            {"type": "integer", "description": "{exclusiveMinimum: 0, exclusiveMaximum: 10}"},
            "exclusiveMinimum",
            "exclusiveMaximum",
        ),
        "gemini": rewritten({"type": "INTEGER", "minimum": 1, "maximum": 9}),
        "gemini-json": rewritten({"type": "integer", "minimum": 1, "maximum": 9}),
    },
)
row(
    "exclusive bound on a number",
    {"type": "number", "exclusiveMinimum": 0},
    {
        **everywhere(kept()),
        "anthropic": described(
            {"type": "number", "description": "{exclusiveMinimum: 0}"}, "exclusiveMinimum"
        ),
        "gemini": described(
            {"type": "NUMBER", "description": "{exclusiveMinimum: 0}"}, "exclusiveMinimum"
        ),
        "gemini-json": described(
            {"type": "number", "description": "{exclusiveMinimum: 0}"}, "exclusiveMinimum"
        ),
        "ollama": refused(at_p("exclusiveMinimum")),
    },
)
MULTIPLE_DESCRIBED = described({"type": "integer", "description": "{multipleOf: 5}"}, "multipleOf")
row(
    "multipleOf",
    {"type": "integer", "multipleOf": 5},
    {
        **everywhere(kept()),
        "anthropic": MULTIPLE_DESCRIBED,
        "gemini": described({"type": "INTEGER", "description": "{multipleOf: 5}"}, "multipleOf"),
        "gemini-json": MULTIPLE_DESCRIBED,
        "ollama": refused(at_p("multipleOf")),
        "vllm-xgrammar": refused(at_p("multipleOf")),
    },
)

# -- arrays ------------------------------------------------------------------------------
STRINGS = {"type": "array", "items": {"type": "string"}}
row(
    "minItems 1 and maxItems",
    {**STRINGS, "minItems": 1, "maxItems": 3},
    {
        **everywhere(kept()),
        "anthropic": described(
            {**STRINGS, "minItems": 1, "description": "{maxItems: 3}"}, "maxItems"
        ),
        "gemini": rewritten(
            {"type": "ARRAY", "items": {"type": "STRING"}, "minItems": 1, "maxItems": 3}
        ),
    },
)
row(
    "minItems above 1",
    {**STRINGS, "minItems": 2},
    {
        **everywhere(kept()),
        "anthropic": described({**STRINGS, "description": "{minItems: 2}"}, "minItems"),
        "gemini": rewritten({"type": "ARRAY", "items": {"type": "STRING"}, "minItems": 2}),
    },
)
TUPLE = {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False}
NO_TUPLES = refused(at_p("prefixItems"))
row(
    "prefixItems",
    TUPLE,
    {
        **everywhere(kept()),
        "openai": NO_TUPLES,
        "anthropic": NO_TUPLES,
        "gemini": NO_TUPLES,
        "ollama": NO_TUPLES,
    },
)
DRAFT7_TUPLE = {"type": "array", "items": [{"type": "string"}], "additionalItems": False}
NO_DRAFT7_TUPLES = refused(at_p("items"))
row(
    "draft-7 tuple items",
    DRAFT7_TUPLE,
    {
        **everywhere(
            rewritten({"type": "array", "prefixItems": [{"type": "string"}], "items": False})
        ),
        "openai": NO_DRAFT7_TUPLES,
        "anthropic": NO_DRAFT7_TUPLES,
        "gemini": NO_DRAFT7_TUPLES,
        "ollama": NO_DRAFT7_TUPLES,
    },
)
row("uniqueItems", {**STRINGS, "uniqueItems": True}, everywhere(refused(at_p("uniqueItems"))))
row(
    "contains",
    {"type": "array", "contains": {"type": "string"}},
    everywhere(refused(at_p("contains"))),
)

# -- objects beyond properties -----------------------------------------------------------
row(
    "patternProperties",
    {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
    {**everywhere(refused(at_p("patternProperties"))), "vllm-xgrammar": kept()},
)
row(
    "patternProperties with two patterns",
    {"type": "object", "patternProperties": {"^x": {"type": "string"}, "^y": {"type": "integer"}}},
    everywhere(refused(at_p("patternProperties"))),
)
CLOSED_EMPTY = ((P, "additionalProperties"),)  # closing an object with no properties warns
row(
    "propertyNames",
    {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}},
    {
        **everywhere(refused(at_p("propertyNames"))),
        "openai": refused(at_p("propertyNames"), warnings=CLOSED_EMPTY),
        "anthropic": refused(at_p("propertyNames"), warnings=CLOSED_EMPTY),
        "vllm-xgrammar": kept(),
    },
)
row(
    "propertyNames beside properties",
    {**CLOSED, "propertyNames": {"pattern": "^[a-z]+$"}},
    everywhere(refused(at_p("propertyNames"))),
)
row(
    "minProperties",
    {**CLOSED, "minProperties": 1},
    {
        **everywhere(refused(at_p("minProperties"))),
        "gemini": rewritten({**GEMINI_CLOSED, "minProperties": 1}),
        "gemini-json": described(
            {**CLOSED, "description": "{minProperties: 1}", "propertyOrdering": ["x"]},
            "minProperties",
        ),
    },
)
row(
    "dependentRequired",
    {**CLOSED, "dependentRequired": {"x": ["x"]}},
    everywhere(refused(at_p("dependentRequired"))),
)

# -- conditionals ------------------------------------------------------------------------
row("not", {"not": {"type": "string"}}, everywhere(refused(at_p("not"))))
row(
    "if/then/else",
    {"type": "string", "if": {"minLength": 1}, "then": {"pattern": "^a"}, "else": {"const": ""}},
    everywhere(refused(at_p("if"), at_p("then"), at_p("else"))),
)

# -- annotations and the rest ------------------------------------------------------------
STRING = {"type": "string"}
row(
    "title",
    {"type": "string", "title": "T"},
    {
        **everywhere(rewritten(STRING)),
        "openai": kept(),
        "anthropic": kept(),
        "gemini": rewritten({"type": "STRING"}),
        "gemini-json": kept(),
    },
)
DEFAULT_DESCRIBED = described(
    {"type": "string", "description": "{default: x}"}, "default", lossy=False
)
row(
    "default",
    {"type": "string", "default": "x"},
    {
        **everywhere(rewritten(STRING)),
        "openai": DEFAULT_DESCRIBED,
        "anthropic": DEFAULT_DESCRIBED,
        "gemini": rewritten({"type": "STRING"}),
    },
)
row(
    "default null",
    {"type": ["string", "null"], "default": None},
    {
        **everywhere(rewritten({"type": ["string", "null"]})),
        "anthropic": described(
            {"type": ["string", "null"], "description": "{default: null}"}, "default", lossy=False
        ),
        "gemini": rewritten({"type": "STRING", "nullable": True}),
    },
)
EXAMPLES_DESCRIBED = described(
    {"type": "string", "description": '{examples: ["x"]}'}, "examples", lossy=False
)
row(
    "examples",
    {"type": "string", "examples": ["x"]},
    {
        **everywhere(rewritten(STRING)),
        "openai": EXAMPLES_DESCRIBED,
        "anthropic": EXAMPLES_DESCRIBED,
        "gemini": rewritten({"type": "STRING"}),
    },
)
row(
    "$comment",
    {"type": "string", "$comment": "why"},
    {**everywhere(rewritten(STRING)), "gemini": rewritten({"type": "STRING"})},
)
row(
    "unknown keyword",
    {"type": "string", "x-color": "red"},
    everywhere(refused(at_p("x-color"))),
)


@pytest.mark.parametrize(("schema", "at", "dialect", "cell"), TABLE.cases())
def test_cell(schema: Any, at: str, dialect: str, cell: Cell) -> None:
    check(schema, at, dialect, cell)


def test_the_two_parts_of_the_table_cover_every_row_of_the_notes_table() -> None:
    from tests.core.test_dialects_cells_shape import TABLE as SHAPES

    names = [name for name, *_ in SHAPES.rows + TABLE.rows]
    assert len(names) == len(set(names)) >= 55
    for row_of_the_note in ["non-object root", "optional property", "recursion", "prefixItems"]:
        assert any(row_of_the_note in name for name in names)
