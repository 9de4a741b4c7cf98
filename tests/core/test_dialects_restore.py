"""``restore_reply``: a model's reply under an export, back in the source schema's shape.

Each case checks the round trip the registry relies on: the reply is valid under the export,
and once restored it is valid under the source schema (or, where the model broke a rule of the
source, the validator still sees it).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from registry_core.dialects import DIALECTS, export_schema, restore_reply
from registry_core.dialects.bundle import Locator
from registry_core.dialects.restore import _restore
from registry_core.errors import UnknownDialect
from tests.core.test_dialects_table import closed

ADDRESS = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "nick": {"type": "string"},  # optional: the export makes it required and nullable
        "note": {"type": ["string", "null"]},  # optional, and null is valid in the source
        "age": {"type": "integer"},
        "home": {"$ref": "#/$defs/Address"},
        "past": {"type": "array", "items": {"$ref": "#/$defs/Address"}},
        "work": {"anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}]},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
    "$defs": {"Address": ADDRESS},
}


def valid(schema: dict[str, Any], value: Any) -> bool:
    return bool(Draft202012Validator(schema).is_valid(value))


def round_trip(source: dict[str, Any], dialect: str, reply: Any) -> Any:
    """The restored reply, after checking that ``reply`` is valid under the export."""
    exported = export_schema(source, dialect).schema
    assert exported is not None and valid(exported, reply)
    return restore_reply(reply, source, dialect)


# -- OpenAI: optional properties sent as null ---------------------------------------------


def test_nulls_the_export_added_are_dropped_and_the_reply_fits_the_source() -> None:
    reply = {
        "name": "Ada",
        "nick": None,
        "note": None,
        "age": 36,
        "home": {"city": "London", "zip": None},
        "past": [{"city": "Paris", "zip": None}, {"city": "Rome", "zip": "00100"}],
        "work": {"city": "Cambridge", "zip": None},
    }
    assert not valid(PERSON, reply)

    restored = round_trip(PERSON, "openai", reply)

    assert restored == {
        "name": "Ada",
        "note": None,  # the source allows null here: kept
        "age": 36,
        "home": {"city": "London"},  # through a $ref
        "past": [{"city": "Paris"}, {"city": "Rome", "zip": "00100"}],  # objects in an array
        "work": {"city": "Cambridge"},  # the one object branch of an anyOf with null
    }
    assert valid(PERSON, restored)


def test_a_null_on_a_required_property_is_kept_for_the_validator_to_report() -> None:
    reply = {"name": None, "age": 1}

    restored = restore_reply(reply, PERSON, "openai")

    assert restored == {"name": None, "age": 1}
    assert not valid(PERSON, restored)


def test_the_input_is_not_modified() -> None:
    reply = {"name": "A", "nick": None, "age": 1, "home": {"city": "B", "zip": None}}
    before = copy.deepcopy(reply)

    restore_reply(reply, PERSON, "openai")

    assert reply == before


def test_required_in_one_allof_member_counts_for_properties_of_another() -> None:
    source = {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}},
            {"required": ["a"]},
        ]
    }

    restored = round_trip(source, "openai", {"a": "x", "b": None})

    assert restored == {"a": "x"}
    assert restore_reply({"a": None, "b": None}, source, "openai") == {"a": None}


def test_a_value_that_may_be_one_of_several_objects_is_left_alone() -> None:
    one = closed({"x": {"type": "string"}}, required=[])
    other = closed({"y": {"type": "string"}}, required=[])
    source = closed({"p": {"anyOf": [one, other]}})

    # Only the first branch fits, but telling which would take validation: the null stays
    # and the validator reports it.
    assert round_trip(source, "openai", {"p": {"x": None}}) == {"p": {"x": None}}


def test_references_into_bundled_resources_are_followed() -> None:
    source = closed({"home": {"$ref": "address.json"}})
    resources = [("address.json", ADDRESS)]
    reply = {"home": {"city": "Oslo", "zip": None}}

    restored = restore_reply(reply, source, "openai", resources=resources)

    assert restored == {"home": {"city": "Oslo"}}


def test_additional_properties_schemas_are_walked() -> None:
    # OpenAI refuses open maps, so its export fails and there is nothing to undo; the walk
    # still covers them, for a profile that would keep them.
    source = {"type": "object", "additionalProperties": ADDRESS}
    reply = {"k": {"city": "x", "zip": None}}

    assert restore_reply(reply, source, "openai") is reply
    assert _restore(Locator(source, ()), reply, [(source, "")]) == {"k": {"city": "x"}}


# -- the wrapped root -----------------------------------------------------------------------

ROOT_ARRAY = {"type": "array", "items": ADDRESS}


@pytest.mark.parametrize("dialect", ["openai", "anthropic"])
def test_a_wrapped_root_is_unwrapped(dialect: str) -> None:
    reply = {"value": [{"city": "Lima", "zip": "15001"}]}

    assert round_trip(ROOT_ARRAY, dialect, reply) == [{"city": "Lima", "zip": "15001"}]
    assert round_trip({"type": "string"}, dialect, {"value": "x"}) == "x"


def test_a_wrapped_root_is_unwrapped_then_its_nulls_restored() -> None:
    reply = {"value": [{"city": "Lima", "zip": None}]}

    assert round_trip(ROOT_ARRAY, "openai", reply) == [{"city": "Lima"}]
    assert restore_reply(reply, ROOT_ARRAY, "anthropic") == [{"city": "Lima", "zip": None}]


def test_an_object_root_with_a_value_property_is_not_unwrapped() -> None:
    source = closed({"value": {"type": "string"}})

    assert restore_reply({"value": "x"}, source, "openai") == {"value": "x"}


def test_a_recursive_wrapped_root_is_unwrapped_and_walked() -> None:
    tree = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"kids": {"$ref": "#"}, "tag": {"type": "string"}},
            "required": ["kids"],
            "additionalProperties": False,
        },
    }
    reply = {"value": [{"kids": [{"kids": [], "tag": None}], "tag": "t"}]}

    restored = round_trip(tree, "openai", reply)

    assert restored == [{"kids": [{"kids": []}], "tag": "t"}]
    assert valid(tree, restored)


# -- nothing to undo, and odd input ---------------------------------------------------------


@pytest.mark.parametrize("dialect", [d for d in DIALECTS if d not in ("openai", "anthropic")])
def test_dialects_whose_rewrites_keep_the_shape_of_data_return_the_reply_as_is(
    dialect: str,
) -> None:
    reply = {"value": {"name": None}}

    assert restore_reply(reply, ROOT_ARRAY, dialect) is reply
    assert restore_reply(reply, PERSON, dialect) is reply


@pytest.mark.parametrize(
    "reply",
    [None, 3, "text", [1, None], {"value": 1, "other": 2}, {"name": {"deep": None}}, {"age": []}],
)
def test_a_reply_that_does_not_fit_comes_back_as_it_is(reply: Any) -> None:
    assert restore_reply(reply, PERSON, "openai") == reply
    assert restore_reply(reply, ROOT_ARRAY, "openai") == reply


def test_odd_schemas_never_raise() -> None:
    cycle = {"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}}
    self_all_of = closed({"v": {"type": "string"}}, allOf=[{"$ref": "#"}])
    odd_keywords = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": [{"not": "a string"}],
        "$defs": 5,
    }

    for source in (cycle, self_all_of, odd_keywords, True, False):
        for reply in ({"a": None, "v": None}, [None], None):
            restore_reply(reply, source, "openai")


def test_a_reply_nested_too_deeply_comes_back_as_it_is() -> None:
    deep: Any = None
    for _ in range(5000):
        deep = {"kids": [deep]}
    node = closed({"kids": {"type": "array", "items": {"$ref": "#/$defs/N"}}})
    source = {"$ref": "#/$defs/N", "$defs": {"N": node}}
    assert export_schema(source, "openai").ok

    assert restore_reply(deep, source, "openai") is deep


def test_an_unknown_dialect_is_refused() -> None:
    with pytest.raises(UnknownDialect):
        restore_reply({}, PERSON, "llama")


def test_the_export_behind_a_restore_is_kept_for_the_same_schema_object(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from registry_core.dialects import restore as module

    exports: list[object] = []
    real = module.run_export

    def counted(*args: Any, **kwargs: Any) -> Any:
        exports.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "run_export", counted)
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    for _ in range(3):
        assert restore_reply({"a": "x", "b": None}, schema, "openai") == {"a": "x"}
    assert len(exports) == 1
    twin = copy.deepcopy(schema)  # equal but another object: exported for itself
    assert restore_reply({"a": "x", "b": None}, twin, "openai") == {"a": "x"}
    assert len(exports) == 2 and exports[1] is twin
    assert restore_reply({"a": "x", "b": None}, schema, "anthropic") == {"a": "x", "b": None}
