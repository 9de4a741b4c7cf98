"""The profile files: they load, decide every keyword, and a malformed one is refused."""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

import pytest

from registry_core.dialects import DIALECTS, get_profile, profiles
from registry_core.dialects.keywords import KEYWORDS
from registry_core.dialects.profiles import build_profile
from registry_core.dialects.rules import BASIC_ACTIONS, KEYWORD_REWRITES


def test_the_packaged_profiles_are_the_known_ones_newest_first() -> None:
    assert [p.id for p in profiles()] == [
        "openai/2025-11",
        "openai/2024-08",
        "anthropic/2025-11",
        "gemini/2025-11",
        "gemini-json/2025-11",
        "ollama/2025-11",
        "vllm-xgrammar/2025-11",
        "vllm-guidance/2025-11",
    ]
    files = resources.files("registry_core.dialects").joinpath("profiles").iterdir()
    assert len([f for f in files if f.name.endswith(".json")]) == len(profiles())


def test_every_dialect_has_exactly_one_default_profile() -> None:
    for dialect in DIALECTS:
        assert [p.id for p in profiles() if p.dialect == dialect and p.default] == [
            get_profile(dialect).id
        ]


@pytest.mark.parametrize("profile", profiles(), ids=lambda p: p.id)
def test_every_profile_decides_every_keyword(profile: Any) -> None:
    assert set(profile.keywords) == KEYWORDS
    for keyword, rule in profile.keywords.items():
        while rule is not None:  # every branch of a conditional rule names known actions
            assert set(rule.actions) <= BASIC_ACTIONS | KEYWORD_REWRITES, keyword
            rule = rule.otherwise


@pytest.mark.parametrize("profile", profiles(), ids=lambda p: p.id)
def test_a_profile_round_trips_through_its_data(profile: Any) -> None:
    assert build_profile(profile.id, profile.to_dict(rules=True)) == profile


def test_profile_metadata_for_listing() -> None:
    data = get_profile("openai").to_dict()

    assert list(data) == [
        "dialect",
        "id",
        "title",
        "api",
        "api_version",
        "date",
        "default",
        "sources",
        "notes",
    ]
    assert data["default"] is True and data["sources"] and data["notes"]


def test_an_extending_profile_inherits_rules_and_overrides_limits() -> None:
    old, new = get_profile("openai", "2024-08"), get_profile("openai")

    assert old.keywords["uniqueItems"] == new.keywords["uniqueItems"]
    assert old.keywords["pattern"] != new.keywords["pattern"]
    assert old.limits is not None and new.limits is not None
    assert (old.limits.properties, new.limits.properties) == (100, 5000)
    assert old.limits.large_enum_values == new.limits.large_enum_values == 250


def valid_data() -> dict[str, Any]:
    return copy.deepcopy(get_profile("ollama").to_dict(rules=True))


def test_a_profile_leaving_a_keyword_undecided_is_refused() -> None:
    data = valid_data()
    del data["keywords"]["uniqueItems"]

    with pytest.raises(ValueError, match=r"undecided \['uniqueItems'\]"):
        build_profile("ollama/test", data)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("smudge", "unknown action 'smudge'"),
        ({"action": "keep", "when": "is_false"}, "needs 'otherwise'"),
        ({"action": "keep", "when": "is_blue", "otherwise": "error"}, "unknown condition"),
        ({"action": "keep", "when": "value_in", "otherwise": "error"}, "argument"),
        (["keep", "describe"], "one basic action"),
        ({"action": "keep", "colour": 1}, "unknown rule fields"),
    ],
)
def test_a_malformed_rule_is_refused(rule: Any, message: str) -> None:
    data = valid_data()
    data["keywords"]["minimum"] = rule

    with pytest.raises(ValueError, match=message):
        build_profile("ollama/test", data)


def test_a_profile_for_an_unknown_dialect_is_refused() -> None:
    data = valid_data() | {"dialect": "llama"}

    with pytest.raises(ValueError, match="id must start with"):
        build_profile("llama/1", data)
