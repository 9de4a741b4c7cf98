"""Ollama's pattern rewrite: llama.cpp matches a ``^...$`` pattern against the whole string,
JSON Schema searches, and an anchor binds only its own branch of a top-level alternation."""

from __future__ import annotations

import itertools
import re

import pytest

from registry_core.dialects import export_schema
from registry_core.dialects.patterns import anchored, top_level_branches
from tests.core.test_dialects_table import P, closed, pointers


@pytest.mark.parametrize(
    ("pattern", "exported"),
    [
        # a top-level alternation: each branch keeps its own anchors
        ("^a|b$", "^(a.*|.*b)$"),
        ("^a|b", "^(a.*|.*b.*)$"),
        ("a$|^b", "^(.*a|b.*)$"),
        ("^a$|^b$", "^(a|b)$"),
        ("^$|x", "^(|.*x.*)$"),
        # no anchor anywhere: one group searched anywhere is the same
        ("a|b", "^.*(a|b).*$"),
        # "|" in a group, a class or escaped does not split the pattern
        ("(a|b)", "^.*((a|b)).*$"),
        ("^(a|b)$", "^(a|b)$"),
        ("[|]", "^.*([|]).*$"),
        ("^[|]$", "^[|]$"),
        (r"\|", r"^.*(\|).*$"),
        (r"^a\|b$", r"^a\|b$"),
        # the plain cases
        ("^[a-z]+$", "^[a-z]+$"),
        ("[a-z]+", "^.*([a-z]+).*$"),
        ("^ab", "^(ab).*$"),
        ("ab$", "^.*(ab)$"),
        # an escaped "$" is a character, an escaped backslash before "$" is not
        (r"a\$", r"^.*(a\$).*$"),
        ("a\\\\$|b", "^(.*a\\\\|.*b.*)$"),
    ],
)
def test_ollama_anchors_each_top_level_branch(pattern: str, exported: str) -> None:
    result = export_schema(closed({"p": {"type": "string", "pattern": pattern}}), "ollama")

    assert result.errors == ()
    assert result.schema is not None
    assert result.schema["properties"]["p"]["pattern"] == exported


PATTERNS = ["^a|b$", "^a|b", "a$|^b", "a|b", "(a|b)", "^(a|b)$", "[|]", r"\|", "^ab", "b$", "a|^$"]
STRINGS = ["".join(chars) for n in range(4) for chars in itertools.product("ab|x", repeat=n)]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_anchored_pattern_matches_whole_strings_exactly_where_the_search_did(
    pattern: str,
) -> None:
    whole = anchored(pattern)
    assert whole is not None and whole.startswith("^") and whole.endswith("$")

    for text in STRINGS:
        assert bool(re.search(pattern, text)) == bool(re.fullmatch(whole, text)), text


def test_the_branches_are_split_only_at_the_top_level() -> None:
    assert top_level_branches("^a|b$") == ["^a", "b$"]
    assert top_level_branches(r"(a|b)|[|]|\||c") == ["(a|b)", "[|]", r"\|", "c"]
    assert top_level_branches("[(]|a") == ["[(]", "a"]  # a "(" in a class opens no group
    assert top_level_branches("a|") == ["a", ""]


@pytest.mark.parametrize("pattern", ["(a|b", "a)|b", "[ab", "a|[b"])
def test_an_unbalanced_pattern_is_refused_rather_than_sent(pattern: str) -> None:
    result = export_schema(closed({"p": {"type": "string", "pattern": pattern}}), "ollama")

    assert pointers(result.errors) == [(f"{P}/pattern", "pattern")]
    assert "not closed" in result.errors[0].message
