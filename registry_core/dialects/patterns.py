"""A JSON Schema ``pattern`` as a grammar backend that matches whole strings must read it.

JSON Schema patterns search: ``b`` matches any string containing a ``b``, and an anchor binds
only its own branch of a top-level alternation (``^a|b$`` is "starts with a, or ends with b").
llama.cpp's ``json_schema_to_grammar`` wants ``^...$`` around the whole pattern, drops those two
characters and reads the rest as the entire string; an ``^`` or ``$`` inside would be a literal
character, and a ``(?:`` group is "unsupported pattern syntax". So each top-level branch gets
``.*`` on each side it does not anchor, its own anchors go, and the branches are joined in one
plain group: ``^a|b$`` becomes ``^(a.*|.*b)$``.
"""

from __future__ import annotations

__all__ = ["anchored", "top_level_branches"]


def top_level_branches(pattern: str) -> list[str] | None:
    """The branches of the pattern's top-level alternation (one when it has none): ``|`` inside
    a group or a character class, or escaped, does not split. None when a group or a class is
    not closed (or closed without being opened), since the pattern cannot be read then."""
    branches: list[str] = []
    start = depth = i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":  # ECMA-262 (and llama.cpp): the first unescaped "]" closes the class
            i += 1
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            if i >= len(pattern):
                return None
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
        i += 1
    if depth:
        return None
    return [*branches, pattern[start:]]


def anchored(pattern: str) -> str | None:
    """A pattern that matches a whole string exactly when ``pattern`` matches somewhere in it,
    anchored by ``^`` and ``$`` at both ends; None when the pattern cannot be read."""
    branches = top_level_branches(pattern)
    if branches is None:
        return None
    sides = [(branch.startswith("^"), _ends_with_anchor(branch)) for branch in branches]
    if len(branches) == 1 or not any(starts or ends for starts, ends in sides):
        # One branch, or anchors nowhere: the sides of the whole pattern are its branches' sides.
        starts, ends = sides[0] if len(branches) == 1 else (False, False)
        if starts and ends:
            return pattern
        return f"^{_pad(starts)}({_core(pattern, starts, ends)}){_pad(ends)}$"
    padded = [
        f"{_pad(starts)}{_core(branch, starts, ends)}{_pad(ends)}"
        for branch, (starts, ends) in zip(branches, sides, strict=True)
    ]
    return f"^({'|'.join(padded)})$"


def _ends_with_anchor(branch: str) -> bool:
    """Whether the branch ends with a ``$`` that is not escaped (an even run of ``\\`` before)."""
    if not branch.endswith("$"):
        return False
    body = branch[:-1]
    return (len(body) - len(body.rstrip("\\"))) % 2 == 0


def _core(branch: str, starts: bool, ends: bool) -> str:
    return branch[1 if starts else 0 : len(branch) - 1 if ends else len(branch)]


def _pad(anchored_side: bool) -> str:
    """What an unanchored side may have beyond the match: anything."""
    return "" if anchored_side else ".*"
