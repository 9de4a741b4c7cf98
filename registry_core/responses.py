"""Model output against a registered schema: find the JSON in a reply, check it, say how to fix it.

Providers' structured-output modes "guarantee" a shape, yet replies still fail: a dialect that
cannot express a bound only describes it, a reply is cut off at the token limit, a model wraps the
JSON in prose or a fenced block. So a reply is always checked against the canonical registered
schema (one written under an export is first read back with ``restore_reply``), and a failure
comes with a short instruction that can be sent back to the model as the next turn.

How the JSON is found in raw text, first match wins:

1. the whole text is one JSON value (``source="json"``);
2. a fenced block (```` ```json ... ``` ````, or an unlabelled fence), labelled ones first
   (``source="fenced"``);
3. the longest complete JSON object or array inside the prose (``source="embedded"``); a value
   the text ends inside (a reply cut off at the token limit) is reported as incomplete instead.

JSON here is strict (no NaN or Infinity), and a value nested deeper than ``MAX_DEPTH`` is not
validated.

A value that is not text (a dict, a list, a Pydantic model) is checked as it is
(``source="object"``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from registry_core.validation.exact import RULE_NOT_JSON, RULE_TOO_DEEP, Issue

__all__ = [
    "Extracted",
    "ResponseValidation",
    "extract_json",
    "repair_instruction",
]

# At most this many problems are listed in a repair instruction: a model fixes a handful of
# named problems better than a wall of them, and the next round reports whatever is left.
MAX_LISTED = 10
# Deeper replies are refused before validation: far beyond any record shape, and the verdict
# echoes the value as JSON, whose encoder (orjson) stops at 255 levels; native validators
# overflow their stack (and crash) not much deeper than a few thousand.
MAX_DEPTH = 250

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_JSON_LABELS = frozenset({"json", "jsonc", "json5", "javascript", "js"})


_OPENER = re.compile(r"[{\[]")


class _NotJson(ValueError):
    """Text the standard library would accept that JSON does not (NaN, Infinity)."""


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON (JSON has no NaN or Infinity)")


# Strict: Python's json takes NaN and Infinity by default, JSON does not.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_TOO_DEEP = "the JSON value is nested too deeply to be read"


@dataclass(frozen=True, kw_only=True, slots=True)
class Extracted:
    """The JSON value found in a model's output, or why none was."""

    found: bool
    value: Any = None
    source: str = "none"  # object, json, fenced, embedded or none
    problem: str | None = None  # why no JSON was found: the parser's message with its place


@dataclass(frozen=True, kw_only=True, slots=True)
class ResponseValidation:
    """The verdict on one model output against one registered version."""

    valid: bool
    value: Any
    errors: tuple[Issue, ...]
    repair_instruction: str | None
    subject: str
    version: int
    schema_id: int
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "value": self.value,
            "errors": [issue.to_dict() for issue in self.errors],
            "repair_instruction": self.repair_instruction,
            "subject": self.subject,
            "version": self.version,
            "schema_id": self.schema_id,
            "source": self.source,
        }


def _plain(output: Any) -> Any:
    """A Pydantic model or a dataclass-like object as plain JSON data; anything else as is."""
    dump = getattr(output, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    return output


def _where(text: str, error: json.JSONDecodeError, offset: int = 0) -> str:
    position = offset + error.pos
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"line {line} column {column}: {error.msg}"


def _parse(text: str, where: str = "") -> tuple[bool, Any, str | None]:
    """(parsed, value, why not): the whole of ``text`` as one strict JSON value."""
    try:
        return True, _DECODER.decode(text), None
    except json.JSONDecodeError as exc:
        return False, None, where + _where(text, exc)
    except _NotJson as exc:
        return False, None, where + str(exc)
    except RecursionError:
        return False, None, where + _TOO_DEEP


def _decode_embedded(text: str) -> tuple[Any, str | None] | None:
    """The longest complete JSON object or array inside ``text``, or why there is none.

    The longest, not the first: prose like "as shown in [1], here it is: {...}" holds a small
    array before the answer. A value the output ends inside (a reply cut off at the token
    limit) ends the search: whatever decodes inside it is a fragment, not the answer.
    """
    best: tuple[int, Any] | None = None
    first_failure: str | None = None
    position = 0
    while (match := _OPENER.search(text, position)) is not None:
        start = match.start()
        try:
            value, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text) or exc.msg.startswith("Unterminated string"):
                where = _where(text, exc)
                return None, f"the JSON value is incomplete, the output ends inside it ({where})"
            if first_failure is None:
                first_failure = _where(text, exc)
            position = start + 1
            continue
        except _NotJson as exc:
            first_failure = first_failure or str(exc)
            position = start + 1
            continue
        except RecursionError:
            return None, _TOO_DEEP
        if best is None or end - start > best[0]:
            best = (end - start, value)
        position = end
    if best is not None:
        return best[1], None
    return (None, first_failure) if first_failure else None


def extract_json(output: Any) -> Extracted:
    """Find the JSON value in a model's output (raw text or an already parsed value)."""
    if isinstance(output, bytes | bytearray):
        try:
            output = bytes(output).decode("utf-8")
        except UnicodeDecodeError as exc:
            return Extracted(found=False, problem=f"the output is not UTF-8 text: {exc}")
    if not isinstance(output, str):
        return Extracted(found=True, value=_plain(output), source="object")
    text = output.strip()
    if not text:
        return Extracted(found=False, problem="the output is empty")
    parsed, value, whole_failure = _parse(text)
    if parsed:
        return Extracted(found=True, value=value, source="json")
    fences = sorted(
        _FENCE.finditer(text), key=lambda m: m.group(1).lower() not in _JSON_LABELS
    )  # stable: labelled blocks first, each group in text order
    fence_failure: str | None = None
    for fence in fences:
        parsed, value, failure = _parse(fence.group(2), "in the fenced block, ")
        if parsed:
            return Extracted(found=True, value=value, source="fenced")
        fence_failure = fence_failure or failure
    embedded = _decode_embedded(text)
    if embedded is not None and embedded[1] is None:
        return Extracted(found=True, value=embedded[0], source="embedded")
    # Say why with the most specific failure: a broken fenced block, then a broken object
    # inside prose, then the whole text.
    problem = fence_failure or (embedded[1] if embedded else None) or whole_failure
    return Extracted(found=False, problem=problem)


def no_json_issue(extracted: Extracted) -> Issue:
    """The single issue of an output without a JSON value."""
    return Issue(path="", rule=RULE_NOT_JSON, message=f"no JSON value found ({extracted.problem})")


def nested_too_deeply(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a parsed value nests lists and objects deeper than ``limit`` (checked without
    recursion: native validators overflow their stack on absurd depths, and crash)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def too_deep_issue() -> Issue:
    """The single issue of a parsed value nested deeper than the validator can follow."""
    return Issue(path="", rule=RULE_TOO_DEEP, message=_TOO_DEEP)


def repair_instruction(errors: tuple[Issue, ...] | list[Issue]) -> str | None:
    """A short message to send back to the model: what is wrong where, and what to answer."""
    if not errors:
        return None
    if len(errors) == 1 and errors[0].rule in (RULE_NOT_JSON, RULE_TOO_DEEP):
        return (
            f"Your previous reply could not be read as JSON: {errors[0].message}. "
            "Reply again with only the JSON value the schema asks for: no prose, no code fence, "
            "and make sure the value is complete."
        )
    lines = [
        "Your previous reply did not match the required JSON schema. Fix these problems and "
        "reply with only the corrected JSON, no prose or code fence:"
    ]
    for issue in errors[:MAX_LISTED]:
        lines.append(f"- at {issue.path or '/'} ({issue.rule}): {issue.message}")
    if len(errors) > MAX_LISTED:
        lines.append(f"- and {len(errors) - MAX_LISTED} more problems of the same kinds")
    return "\n".join(lines)
