"""Model output against a registered schema: find the JSON in a reply, check it, say how to fix it.

Providers' structured-output modes "guarantee" a shape, yet replies still fail: a dialect that
cannot express a bound only describes it, a reply is cut off at the token limit, a model wraps the
JSON in prose or a fenced block. So a reply is always checked against the canonical registered
schema, never against the exported dialect, and a failure comes with a short instruction that can
be sent back to the model as the next turn.

How the JSON is found in raw text, first match wins:

1. the whole text is one JSON value (``source="json"``);
2. a fenced block (```` ```json ... ``` ````, or an unlabelled fence), labelled ones first
   (``source="fenced"``);
3. the first ``{`` or ``[`` from which a complete JSON value decodes, prose around it ignored
   (``source="embedded"``).

A value that is not text (a dict, a list, a Pydantic model) is checked as it is
(``source="object"``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from registry_core.validation.exact import Issue

__all__ = [
    "Extracted",
    "ResponseValidation",
    "extract_json",
    "repair_instruction",
]

# At most this many problems are listed in a repair instruction: a model fixes a handful of
# named problems better than a wall of them, and the next round reports whatever is left.
MAX_LISTED = 10

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_JSON_LABELS = frozenset({"json", "jsonc", "json5", "javascript", "js"})
_DECODER = json.JSONDecoder()
_OPENER = re.compile(r"[{\[]")


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


def _decode_embedded(text: str) -> tuple[Any, str | None] | None:
    """The longest complete JSON object or array inside ``text``, or the first failure.

    The longest, not the first: prose like "as shown in [1], here it is: {...}" holds a small
    array before the answer.
    """
    best: tuple[int, Any] | None = None
    first_failure: str | None = None
    position = 0
    while (match := _OPENER.search(text, position)) is not None:
        start = match.start()
        try:
            value, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            cut_off = exc.pos >= len(text) or exc.msg.startswith("Unterminated string")
            if cut_off and best is None:
                # Cut off (a reply that hit the token limit): the values nested inside it are
                # fragments, not the answer.
                return None, "the JSON value is incomplete, the output ends inside it (" + (
                    _where(text, exc) + ")"
                )
            if first_failure is None:
                first_failure = _where(text, exc)
            position = start + 1
            continue
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
    try:
        return Extracted(found=True, value=json.loads(text), source="json")
    except json.JSONDecodeError as exc:
        whole_failure = _where(text, exc)
    fences = sorted(
        _FENCE.finditer(text), key=lambda m: m.group(1).lower() not in _JSON_LABELS
    )  # stable: labelled blocks first, each group in text order
    fence_failure: str | None = None
    for fence in fences:
        body = fence.group(2)
        try:
            return Extracted(found=True, value=json.loads(body), source="fenced")
        except json.JSONDecodeError as exc:
            if fence_failure is None:
                fence_failure = "in the fenced block, " + _where(body, exc)
    embedded = _decode_embedded(text)
    if embedded is not None and embedded[1] is None:
        return Extracted(found=True, value=embedded[0], source="embedded")
    # Say why with the most specific failure: a broken fenced block, then a broken object
    # inside prose, then the whole text.
    problem = fence_failure or (embedded[1] if embedded else None) or whole_failure
    return Extracted(found=False, problem=problem)


def no_json_issue(extracted: Extracted) -> Issue:
    """The single issue of an output without a JSON value."""
    return Issue(path="", rule="json", message=f"no JSON value found ({extracted.problem})")


def repair_instruction(errors: tuple[Issue, ...] | list[Issue]) -> str | None:
    """A short message to send back to the model: what is wrong where, and what to answer."""
    if not errors:
        return None
    if len(errors) == 1 and errors[0].rule == "json":
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
