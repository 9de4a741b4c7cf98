"""JSON Schema compatibility, specified by example.

``check_compatibility(reader, writer)`` lists every reason a value valid under ``writer`` may be
rejected by ``reader``. BACKWARD passes reader=new, writer=old; FORWARD swaps them.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry_core.formats.jsonschema_compat import Kind, check_compatibility
from registry_core.models import Incompatibility
from tests.core import schema_pairs as pairs
from tests.core.schema_pairs import JSON_PAIRS, SchemaPair, obj


def backward(pair: SchemaPair, *, lenient: bool = False) -> list[Incompatibility]:
    return check_compatibility(pair.new, pair.old, lenient=lenient)


def forward(pair: SchemaPair) -> list[Incompatibility]:
    return check_compatibility(pair.old, pair.new, labels=("old", "new"))


def kinds(found: list[Incompatibility]) -> list[str]:
    return [i.kind for i in found]


def only(found: list[Incompatibility]) -> Incompatibility:
    assert len(found) == 1, found
    return found[0]


# --- the corpus -----------------------------------------------------------------------------------


@pytest.mark.parametrize("pair", JSON_PAIRS, ids=lambda p: p.name)
def test_backward_verdict(pair: SchemaPair) -> None:
    assert (backward(pair) == []) is pair.backward, backward(pair)


@pytest.mark.parametrize("pair", JSON_PAIRS, ids=lambda p: p.name)
def test_forward_verdict(pair: SchemaPair) -> None:
    assert (forward(pair) == []) is pair.forward, forward(pair)


@pytest.mark.parametrize(
    "pair", [p for p in JSON_PAIRS if p.lenient_backward is not None], ids=lambda p: p.name
)
def test_lenient_backward_verdict(pair: SchemaPair) -> None:
    found = backward(pair, lenient=True)
    assert (found == []) is pair.lenient_backward, found


@pytest.mark.parametrize("pair", JSON_PAIRS, ids=lambda p: p.name)
def test_lenient_never_rejects_what_default_accepts(pair: SchemaPair) -> None:
    if pair.backward:
        assert backward(pair, lenient=True) == []


def test_corpus_is_large_named_and_unique() -> None:
    assert len(JSON_PAIRS) >= 40
    assert len(pairs.AVRO_PAIRS) >= 20
    names = [p.name for p in [*JSON_PAIRS, *pairs.AVRO_PAIRS]]
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(pairs, name).name == name  # each pair is importable by its own name


def test_every_schema_in_the_corpus_is_compatible_with_itself() -> None:
    for pair in JSON_PAIRS:
        assert check_compatibility(pair.old, pair.old) == []
        assert check_compatibility(pair.new, pair.new) == []


# --- what the common mistakes report --------------------------------------------------------------


def test_narrowed_type_names_property_and_both_types() -> None:
    found = only(backward(pairs.TYPE_NUMBER_TO_INTEGER))
    assert found.kind == Kind.TYPE_NARROWED == "TYPE_NARROWED"
    assert found.path == "/properties/latency_ms/type"
    assert "'latency_ms'" in found.message
    assert "from number (old schema) to integer (new schema)" in found.message
    assert "1.5" in found.message  # an example of the data that breaks


def test_unrelated_type_change_is_type_changed() -> None:
    found = only(backward(pairs.TYPE_STRING_TO_INTEGER))
    assert (found.kind, found.path) == ("TYPE_CHANGED", "/properties/seed/type")


def test_newly_required_property_is_reported_even_though_karapace_misses_it() -> None:
    found = only(backward(pairs.REQUIRED_ADDED))
    assert (found.kind, found.path) == ("REQUIRED_ATTRIBUTE_ADDED", "/required")
    assert "'content'" in found.message and "required" in found.message


def test_required_property_added_to_closed_model_needs_a_default() -> None:
    found = only(backward(pairs.REQUIRED_ADDED_TO_CLOSED_NO_DEFAULT))
    assert found.kind == "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
    assert "'model'" in found.message
    assert backward(pairs.REQUIRED_WITH_DEFAULT_ADDED_TO_CLOSED) == []


def test_property_added_to_open_model() -> None:
    found = only(backward(pairs.OPTIONAL_ADDED_TO_OPEN))
    assert found.kind == "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
    assert found.path == "/properties/name"
    assert "'name'" in found.message and "open" in found.message


def test_lenient_allows_optional_additions_but_not_new_required_ones() -> None:
    assert backward(pairs.OPTIONAL_ADDED_TO_OPEN, lenient=True) == []
    assert backward(pairs.REQUIRED_WITH_DEFAULT_ADDED_TO_OPEN, lenient=True) == []
    found = backward(pairs.REQUIRED_ADDED_TO_OPEN_NO_DEFAULT, lenient=True)
    assert "REQUIRED_ATTRIBUTE_ADDED" in kinds(found)


def test_property_removed_from_closed_model() -> None:
    found = only(backward(pairs.PROPERTY_REMOVED_FROM_CLOSED))
    assert found.kind == "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"
    assert found.path == "/additionalProperties"
    assert "'system'" in found.message


def test_additional_properties_closed() -> None:
    found = only(backward(pairs.ADDITIONAL_PROPERTIES_CLOSED))
    assert (found.kind, found.path) == ("ADDITIONAL_PROPERTIES_REMOVED", "/additionalProperties")
    found = only(backward(pairs.ADDITIONAL_PROPERTIES_NARROWED))
    assert found.kind == "ADDITIONAL_PROPERTIES_NARROWED"


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (None, 2, "MULTIPLE_OF_ADDED"),
        (2, 4, "MULTIPLE_OF_EXPANDED"),
        (2, 3, "MULTIPLE_OF_CHANGED"),
        (0.01, 0.1, "MULTIPLE_OF_EXPANDED"),
        (4, 2, None),
        (0.1, 0.01, None),
        (0.3, 0.1, None),  # exact decimal arithmetic: 0.3 / 0.1 is 3, not 2.9999999999999996
        (2, None, None),
    ],
)
def test_multiple_of(old: float | None, new: float | None, kind: str | None) -> None:
    def schema(step: float | None) -> dict[str, Any]:
        return obj({"cost": {"type": "number", **({"multipleOf": step} if step else {})}})

    found = check_compatibility(schema(new), schema(old))
    if kind is None:
        assert found == []
    else:
        assert (only(found).kind, found[0].path) == (kind, "/properties/cost/multipleOf")
        assert "'cost'" in found[0].message


def test_multiple_of_added_to_integers_that_already_divide() -> None:
    # every integer is a multiple of 0.5, so this narrows nothing
    assert check_compatibility({"type": "integer", "multipleOf": 0.5}, {"type": "integer"}) == []


def test_enum_narrowed_names_the_lost_value() -> None:
    found = only(backward(pairs.ENUM_VALUE_REMOVED))
    assert (found.kind, found.path) == ("ENUM_ARRAY_NARROWED", "/properties/role/enum")
    assert '"tool"' in found.message and "'role'" in found.message


def test_const_changes() -> None:
    assert only(backward(pairs.CONST_ADDED)).kind == "CONST_ADDED"
    found = only(backward(pairs.CONST_CHANGED))
    assert (found.kind, found.path) == ("CONST_CHANGED", "/properties/object/const")
    assert '"chat.completion"' in found.message and '"text_completion"' in found.message


def test_bounds_report_nested_path_and_values() -> None:
    found = only(backward(pairs.MINIMUM_ADDED))
    assert (found.kind, found.path) == (
        "MINIMUM_ADDED",
        "/properties/usage/properties/prompt_tokens/minimum",
    )
    assert "'usage.prompt_tokens'" in found.message and "minimum 0" in found.message
    assert kinds(backward(pairs.MAXIMUM_TO_EXCLUSIVE_MAXIMUM)) == ["EXCLUSIVE_MAXIMUM_DECREASED"]
    # an inclusive and an exclusive bound are weighed together
    assert check_compatibility({"exclusiveMaximum": 11}, {"type": "integer", "maximum": 10}) == []


@pytest.mark.parametrize(
    ("pair", "kind"),
    [
        (pairs.MAX_LENGTH_ADDED, "MAX_LENGTH_ADDED"),
        (pairs.MAX_LENGTH_DECREASED, "MAX_LENGTH_DECREASED"),
        (pairs.MIN_LENGTH_INCREASED, "MIN_LENGTH_INCREASED"),
        (pairs.PATTERN_ADDED, "PATTERN_ADDED"),
        (pairs.PATTERN_CHANGED, "PATTERN_CHANGED"),
        (pairs.UNIQUE_ITEMS_ADDED, "UNIQUE_ITEMS_ADDED"),
        (pairs.MAX_ITEMS_DECREASED, "MAX_ITEMS_DECREASED"),
        (pairs.MIN_ITEMS_ADDED, "MIN_ITEMS_ADDED"),
        (pairs.MAX_PROPERTIES_ADDED, "MAX_PROPERTIES_ADDED"),
        (pairs.DEPENDENT_REQUIRED_ADDED, "DEPENDENCY_ARRAY_ADDED"),
        (pairs.DEPENDENCIES_ADDED_DRAFT7, "DEPENDENCY_ARRAY_ADDED"),
        (pairs.LIST_TO_TUPLE, "ARRAY_ITEMS_KIND_CHANGED"),
        (pairs.TUPLE_ITEM_ADDED_TO_OPEN, "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"),
        (pairs.ANY_OF_BRANCH_REMOVED, "SUM_TYPE_NARROWED"),
        (pairs.ALL_OF_SUBSCHEMA_ADDED, "ALL_OF_SUBSCHEMAS_ADDED"),
        (pairs.NOT_ADDED, "NOT_TYPE_EXTENDED"),
        (pairs.PATTERN_PROPERTIES_ADDED, "TYPE_NARROWED"),
    ],
    ids=lambda v: v.name if isinstance(v, SchemaPair) else v,
)
def test_reason_codes(pair: SchemaPair, kind: str) -> None:
    assert kind in kinds(backward(pair))


def test_combinator_changes_are_breaks_unless_to_any_of() -> None:
    found = only(forward(pairs.ONE_OF_TO_ANY_OF))  # anyOf -> oneOf
    assert (found.kind, found.path) == ("COMBINED_TYPE_CHANGED", "/oneOf")
    assert "changed from anyOf (new schema) to oneOf (old schema)" in found.message
    assert "COMBINED_TYPE_CHANGED" in kinds(forward(pairs.ALL_OF_TO_ANY_OF))  # anyOf -> allOf
    one_of = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    all_of = {"allOf": [{"type": ["string", "integer"]}]}
    assert kinds(check_compatibility(all_of, one_of)) == ["COMBINED_TYPE_CHANGED"]


def test_forward_reason_codes() -> None:
    assert kinds(forward(pairs.TUPLE_ITEM_ADDED_TO_CLOSED)) == [
        "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"
    ]
    found = only(forward(pairs.TYPE_INTEGER_TO_NUMBER))
    assert "from number (new schema) to integer (old schema)" in found.message


def test_nullable_field_made_required_points_at_the_type() -> None:
    found = only(backward(pairs.NULLABLE_REMOVED))
    assert (found.kind, found.path) == ("TYPE_CHANGED", "/properties/finish_reason/type")
    assert "null" in found.message


def test_every_reason_is_collected_not_just_the_first() -> None:
    old = pairs.chat_message()
    new = {
        **pairs.chat_message(
            {"enum": ["user", "assistant"]}, content={"type": "string", "maxLength": 10}
        ),
        "required": ["role", "content"],
    }
    assert sorted(kinds(check_compatibility(new, old))) == [
        "ENUM_ARRAY_NARROWED",
        "MAX_LENGTH_ADDED",
        "REQUIRED_ATTRIBUTE_ADDED",
    ]


def test_ref_is_seen_through_and_reported_where_the_property_sits() -> None:
    found = only(backward(pairs.REF_TARGET_NARROWED))
    assert found.path == "/properties/usage/properties/prompt_tokens/type"
    assert "'usage.prompt_tokens'" in found.message


def test_draft7_and_2020_12_tuples_read_alike() -> None:
    draft7 = {"type": "array", "items": [{"type": "string"}], "additionalItems": False}
    draft2020 = {"type": "array", "prefixItems": [{"type": "string"}], "items": False}
    assert check_compatibility(draft7, draft2020) == []
    assert check_compatibility(draft2020, draft7) == []


def test_root_path_is_slash() -> None:
    assert only(check_compatibility(False, {"type": "string"})).path == "/"
    assert only(check_compatibility({"type": "string"}, True)).path == "/type"


# --- recursion and references ---------------------------------------------------------------------


@pytest.mark.timeout(20)
def test_recursive_schemas_terminate() -> None:
    tree = pairs.RECURSIVE_TREE_UNCHANGED.old
    assert check_compatibility(tree, tree) == []
    narrowed = forward(pairs.RECURSIVE_TREE_WIDENED)  # old integer reads new number
    assert [i.path for i in narrowed] == [
        "/properties/score/type",
        "/properties/replies/items/properties/score/type",
    ]
    # mutual recursion through $defs, and a reference to itself
    mutual = {
        "$defs": {
            "a": {"type": "object", "properties": {"b": {"$ref": "#/$defs/b"}}},
            "b": {"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}},
        },
        "$ref": "#/$defs/a",
    }
    assert check_compatibility(mutual, mutual) == []
    assert check_compatibility({"$ref": "#"}, {"$ref": "#"}) == []
    looping = {"anyOf": [{"type": "null"}, {"$ref": "#"}], "allOf": [{"$ref": "#"}]}
    assert check_compatibility(looping, looping) == []
    assert isinstance(check_compatibility(looping, tree), list)


def test_external_ref_is_resolved_through_resolve() -> None:
    documents = {
        "https://llm.example/usage.json": {
            "$defs": {"count/tokens": {"type": "integer", "minimum": 0}}
        }
    }
    asked: list[str] = []

    def resolve(uri: str) -> Any:
        asked.append(uri)
        return documents[uri]

    ref = {"$ref": "https://llm.example/usage.json#/$defs/count~1tokens"}
    new = obj({"prompt_tokens": ref})
    old = obj({"prompt_tokens": {"type": "integer"}})
    found = check_compatibility(new, old, resolve=resolve)
    assert kinds(found) == ["MINIMUM_ADDED"]
    assert found[0].path == "/properties/prompt_tokens/minimum"
    assert set(asked) == {"https://llm.example/usage.json"}
    assert check_compatibility(old, new, resolve=resolve) == []


def test_unresolved_ref_is_reported_not_raised() -> None:
    new = obj({"usage": {"$ref": "usage.json#/$defs/usage"}})
    old = obj({"usage": {"type": "object"}})
    found = check_compatibility(new, old)
    assert kinds(found) == ["UNRESOLVED_REFERENCE"]
    assert found[0].path == "/properties/usage"
    assert "usage.json" in found[0].message

    def missing(uri: str) -> Any:
        raise KeyError(uri)

    assert kinds(check_compatibility(new, old, resolve=missing)) == ["UNRESOLVED_REFERENCE"]
    dangling = {"$ref": "#/$defs/nowhere"}
    assert kinds(check_compatibility(dangling, True)) == ["UNRESOLVED_REFERENCE"]


def test_anchor_refs() -> None:
    schema = {"$defs": {"u": {"$anchor": "usage", "type": "integer"}}, "$ref": "#usage"}
    assert kinds(check_compatibility(schema, {"type": "number"})) == ["TYPE_NARROWED"]


# --- properties over random schemas ---------------------------------------------------------------

_NAMES = st.sampled_from(["role", "content", "model", "a/b", "t~1"])
_TYPES = st.sampled_from(["null", "boolean", "object", "array", "number", "integer", "string"])
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, 2.0, "", "user"])
)
_NUMBERS = st.one_of(st.integers(-3, 10), st.sampled_from([0.1, 0.5, 2.5]))
_SIZES = st.integers(0, 3)


def _schemas(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keywords = {
        "type": st.one_of(_TYPES, st.lists(_TYPES, min_size=1, max_size=3, unique=True)),
        "properties": st.dictionaries(_NAMES, children, max_size=3),
        "required": st.lists(_NAMES, max_size=2, unique=True),
        "additionalProperties": children,
        "patternProperties": st.dictionaries(st.sampled_from(["^a", "[", "l$"]), children),
        "items": st.one_of(children, st.lists(children, max_size=2)),
        "prefixItems": st.lists(children, max_size=2),
        "additionalItems": children,
        "enum": st.lists(_SCALARS, min_size=1, max_size=3),
        "const": _SCALARS,
        "minimum": _NUMBERS,
        "maximum": _NUMBERS,
        "exclusiveMinimum": _NUMBERS,
        "exclusiveMaximum": _NUMBERS,
        "multipleOf": st.sampled_from([1, 2, 0.5, 0.1]),
        "minLength": _SIZES,
        "maxLength": _SIZES,
        "pattern": st.sampled_from(["^a", "("]),
        "minItems": _SIZES,
        "uniqueItems": st.booleans(),
        "anyOf": st.lists(children, min_size=1, max_size=3),
        "oneOf": st.lists(children, min_size=1, max_size=2),
        "allOf": st.lists(children, min_size=1, max_size=2),
        "not": children,
        "$ref": st.sampled_from(["#", "#/$defs/a", "#/definitions/b"]),
        "dependencies": st.dictionaries(_NAMES, st.one_of(st.lists(_NAMES), children)),
        "dependentRequired": st.dictionaries(_NAMES, st.lists(_NAMES, max_size=2)),
        "contains": children,
        "propertyNames": children,
        "maxProperties": _SIZES,
        "default": _SCALARS,
    }
    # a few keywords per schema: drawing all of them at every level makes generation slow
    chosen = st.lists(st.sampled_from(sorted(keywords)), max_size=5, unique=True)
    schema = chosen.flatmap(lambda names: st.fixed_dictionaries({k: keywords[k] for k in names}))
    return st.one_of(st.booleans(), schema)


_LEAVES = st.one_of(
    st.booleans(),
    st.fixed_dictionaries({}, optional={"type": _TYPES, "minimum": _NUMBERS, "enum": st.just([1])}),
)
_SCHEMA = st.recursive(_LEAVES, _schemas, max_leaves=10)
# every local $ref the strategy writes has a target at the root
_DOCUMENT = st.builds(
    lambda s, a, b: {**s, "$defs": {"a": a}, "definitions": {"b": b}} if isinstance(s, dict) else s,
    _SCHEMA,
    _SCHEMA,
    _SCHEMA,
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_DOCUMENT, _DOCUMENT, st.booleans())
def test_random_schemas_never_raise_and_are_compatible_with_themselves(
    a: Any, b: Any, lenient: bool
) -> None:
    found = check_compatibility(a, b, lenient=lenient)
    assert all(isinstance(i, Incompatibility) and i.path.startswith("/") for i in found)
    assert len(found) == len(set(found))
    assert check_compatibility(a, a, lenient=lenient) == []


_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
_MALFORMED = st.dictionaries(
    st.sampled_from(["type", "properties", "required", "items", "enum", "anyOf", "$ref"])
    | st.sampled_from(["multipleOf", "maximum", "pattern", "additionalProperties", "allOf"]),
    _JSON,
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_MALFORMED, _MALFORMED)
def test_malformed_keyword_values_never_raise(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert isinstance(check_compatibility(a, b), list)
    assert isinstance(check_compatibility(b, a, resolve=lambda uri: {}), list)
