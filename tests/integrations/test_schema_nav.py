"""The one place the adapters read a JSON Schema document: pointer tokens (escaped by the
exporter's ``keywords.escape``, unescaped here), local ``$ref``s, the ``type`` keyword, JSON types
of values, ``x-*`` flags."""

from __future__ import annotations

from typing import Any

import pytest

from registry_core.dialects.keywords import child_pointer, escape
from registry_core.integrations.schema_nav import (
    flagged,
    json_type,
    last_token,
    local_target,
    resolve,
    type_keyword,
    unescape,
)

DOCUMENT: dict[str, Any] = {
    "$defs": {
        "a/b": {"type": "string"},
        "til~de": {"type": "integer"},
        "alias": {"$ref": "#/$defs/a~1b"},
        "loop": {"$ref": "#/$defs/loop"},
        "list": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/alias"}]},
    },
    "properties": {"x": {"$ref": "#/$defs/alias"}, "y": {"$ref": "other.json#/a"}},
}


@pytest.mark.parametrize("token", ["plain", "a/b", "til~de", "~1", "~0/~", ""])
def test_unescape_undoes_the_exporters_escape(token: str) -> None:
    assert unescape(escape(token)) == token
    assert last_token(child_pointer("#/$defs", token)) == token


def test_last_token_of_the_root_is_empty() -> None:
    assert (last_token(""), last_token("#"), last_token("#/$defs/person")) == ("", "", "person")


def test_local_target_follows_escaped_keys_and_list_indexes() -> None:
    assert local_target("#/$defs/a~1b", DOCUMENT) == {"type": "string"}
    assert local_target("#/$defs/til~0de", DOCUMENT) == {"type": "integer"}
    assert local_target("#/$defs/list/anyOf/1", DOCUMENT) == {"$ref": "#/$defs/alias"}
    assert local_target("#", DOCUMENT) is DOCUMENT
    nowhere_at_all = ("#/$defs/missing", "#/$defs/list/anyOf/2", "#/$defs/list/anyOf/x")
    for nowhere in (*nowhere_at_all, "a.json#", "#anchor"):
        assert local_target(nowhere, DOCUMENT) is None, nowhere


def test_resolve_follows_chains_and_leaves_what_it_cannot_follow() -> None:
    assert resolve(DOCUMENT["properties"]["x"], DOCUMENT) == {"type": "string"}
    external = DOCUMENT["properties"]["y"]
    assert resolve(external, DOCUMENT) is external
    dangling = {"$ref": "#/$defs/missing"}
    assert resolve(dangling, DOCUMENT) is dangling
    assert resolve(DOCUMENT["$defs"]["loop"], DOCUMENT) == {"$ref": "#/$defs/loop"}  # no hang
    assert resolve(True, DOCUMENT) is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "boolean"),
        (3, "integer"),
        (1.5, "number"),  # a float is a JSON number, not "other"
        (2.0, "number"),
        ("s", "string"),
        ([1], "array"),
        ({"a": 1}, "object"),
    ],
)
def test_json_type(value: Any, expected: str) -> None:
    assert json_type(value) == expected


def test_type_keyword_reads_a_name_or_a_list() -> None:
    assert type_keyword({"type": "string"}) == {"string"}
    assert type_keyword({"type": ["integer", "null", 3]}) == {"integer", "null"}
    assert type_keyword({"enum": [1]}) is None  # no keyword: the caller decides what that means


ANNOTATIONS: dict[str, dict[str, Any]] = {
    "/title": {"x-embed": True},
    "/lang": {"x-filterable": True},
    "/meta": {"x-embed": False},
    "/meta/source": {},
    "/tags": {},
}


def test_a_flag_marks_only_the_fields_set_true() -> None:
    embed = flagged(ANNOTATIONS, "x-embed")
    assert embed.marked and embed.paths == {"/title"}
    assert "/title" in embed and "/meta" not in embed
    filterable = flagged(ANNOTATIONS, "x-filterable", top_level=True)
    assert filterable.marked and filterable.paths == {"/lang"}


def test_no_field_marked_means_every_field() -> None:
    unmarked: dict[str, dict[str, Any]] = {path: {} for path in ANNOTATIONS}
    every = flagged(unmarked, "x-embed")
    assert not every.marked and every.paths == set(ANNOTATIONS)
    top = flagged(unmarked, "x-filterable", top_level=True)
    assert not top.marked and top.paths == {"/title", "/lang", "/meta", "/tags"}


def test_a_flagged_parent_covers_its_fields() -> None:
    parent = flagged({"/meta": {"x-embed": True}, "/meta/source": {}}, "x-embed")
    assert parent.covers("/meta/source") and parent.covers("/meta")
    assert not parent.covers("/metadata") and not parent.covers("/other/meta")
