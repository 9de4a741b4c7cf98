"""Field-by-field differences between two versions of a schema, for reviewers of a change.

Where a compatibility check answers "may this change break readers?", a diff answers "what
changed?": every field added or removed, and for fields on both sides every change of type,
of being required, of a validation constraint and of documentation. Results are values.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from registry_core.formats import ParsedSchema, format_for
from registry_core.models import FieldInfo

__all__ = ["ChangeKind", "FieldChange", "field_diff", "schema_diff"]

_SHOWN_VALUE_CHARS = 80  # longer values are cut in messages; before/after keep them whole


class ChangeKind(StrEnum):
    """What happened to one field; changes at one path are reported in this order."""

    ADDED = "added"
    REMOVED = "removed"
    TYPE_CHANGED = "type_changed"
    REQUIRED_CHANGED = "required_changed"
    CONSTRAINT_CHANGED = "constraint_changed"
    DOC_CHANGED = "doc_changed"


_KIND_ORDER = {kind: index for index, kind in enumerate(ChangeKind)}


@dataclass(frozen=True, kw_only=True, slots=True)
class FieldChange:
    """One difference at one field (``path`` is a JSON pointer into the data).

    ``before`` and ``after`` are the old and new value of what changed: the type label, the
    required flag, a constraint's value or the doc; for an added or removed field, a summary
    of the field. The side where the thing is absent is ``None``.
    """

    kind: ChangeKind
    path: str
    before: Any
    after: Any
    message: str

    def __str__(self) -> str:
        return f"{self.kind.value} at {self.path}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON-serialisable data (copies: mutating them changes nothing here)."""
        return {
            "kind": self.kind.value,
            "path": self.path,
            "before": copy.deepcopy(self.before),
            "after": copy.deepcopy(self.after),
            "message": self.message,
        }


def field_diff(old: Sequence[FieldInfo], new: Sequence[FieldInfo]) -> list[FieldChange]:
    """Every difference between two field listings, matched by path.

    A path listed several times (the same field name in two union branches) is matched
    occurrence by occurrence, in listing order. Children of an added or removed field are
    listed too, each at its own path.

    Returns:
        The changes ordered by path (a parent before its children), then by ``ChangeKind``
        declaration order, then by constraint keyword.
    """
    old_by_path = _by_path(old)
    new_by_path = _by_path(new)
    changes: list[FieldChange] = []
    for path in old_by_path.keys() | new_by_path.keys():
        before = old_by_path.get(path, [])
        after = new_by_path.get(path, [])
        for index in range(max(len(before), len(after))):
            if index >= len(after):
                changes.append(_removed(before[index]))
            elif index >= len(before):
                changes.append(_added(after[index]))
            else:
                changes.extend(_changed(before[index], after[index]))
    # stable: changes of one path were appended in their final relative order
    changes.sort(key=lambda c: (c.path.split("/"), _KIND_ORDER[c.kind]))
    return changes


def schema_diff(old: ParsedSchema | None, new: ParsedSchema) -> list[FieldChange]:
    """Every field difference from ``old`` to ``new``; with no ``old``, every field is added.

    Each schema is listed by its own format, so schemas of different types can be compared,
    though their type labels will all differ.
    """
    before = [] if old is None else format_for(old.schema_type).fields(old)
    return field_diff(before, format_for(new.schema_type).fields(new))


def _by_path(fields: Sequence[FieldInfo]) -> dict[str, list[FieldInfo]]:
    out: defaultdict[str, list[FieldInfo]] = defaultdict(list)
    for info in fields:
        out[info.path].append(info)
    return out


def _summary(info: FieldInfo) -> dict[str, Any]:
    return {
        "type": info.type,
        "required": info.required,
        "doc": info.doc,
        "constraints": dict(info.constraints),
    }


def _presence(required: bool) -> str:
    return "required" if required else "optional"


def _added(info: FieldInfo) -> FieldChange:
    return FieldChange(
        kind=ChangeKind.ADDED,
        path=info.path,
        before=None,
        after=_summary(info),
        message=f"field added ({_presence(info.required)}, {info.type})",
    )


def _removed(info: FieldInfo) -> FieldChange:
    return FieldChange(
        kind=ChangeKind.REMOVED,
        path=info.path,
        before=_summary(info),
        after=None,
        message=f"field removed (was {_presence(info.required)}, {info.type})",
    )


def _changed(old: FieldInfo, new: FieldInfo) -> list[FieldChange]:
    path = new.path
    out: list[FieldChange] = []
    if old.type != new.type:
        out.append(
            FieldChange(
                kind=ChangeKind.TYPE_CHANGED,
                path=path,
                before=old.type,
                after=new.type,
                message=f"type changed from {old.type} to {new.type}",
            )
        )
    if old.required != new.required:
        out.append(
            FieldChange(
                kind=ChangeKind.REQUIRED_CHANGED,
                path=path,
                before=old.required,
                after=new.required,
                message=f"field became {_presence(new.required)} (was {_presence(old.required)})",
            )
        )
    out.extend(_constraint_changes(path, old.constraints, new.constraints))
    if old.doc != new.doc:
        verb = "added" if old.doc is None else "removed" if new.doc is None else "changed"
        out.append(
            FieldChange(
                kind=ChangeKind.DOC_CHANGED,
                path=path,
                before=old.doc,
                after=new.doc,
                message=f"doc {verb}",
            )
        )
    return out


def _constraint_changes(
    path: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[FieldChange]:
    out: list[FieldChange] = []
    for keyword in sorted(old.keys() | new.keys()):
        if keyword not in new:
            message = f"{keyword} removed (was {_show(old[keyword])})"
        elif keyword not in old:
            message = f"{keyword} added: {_show(new[keyword])}"
        elif _same(old[keyword], new[keyword]):
            continue
        else:
            message = f"{keyword} changed from {_show(old[keyword])} to {_show(new[keyword])}"
            message += _members_changed(old[keyword], new[keyword])
        out.append(
            FieldChange(
                kind=ChangeKind.CONSTRAINT_CHANGED,
                path=path,
                before=old.get(keyword),
                after=new.get(keyword),
                message=message,
            )
        )
    return out


def _members_changed(old: Any, new: Any) -> str:
    """For list values (``enum``, ``symbols``): which members came and went."""
    if not (isinstance(old, list) and isinstance(new, list)):
        return ""
    added = [v for v in new if not any(_same(v, o) for o in old)]
    removed = [v for v in old if not any(_same(v, n) for n in new)]
    parts = [
        f"{label} {', '.join(_show(v) for v in values)}"
        for label, values in (("added", added), ("removed", removed))
        if values
    ]
    return f" ({'; '.join(parts)})" if parts else ""


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1`` (as Python has it), ``1`` is ``1.0``, NaN is NaN."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b) or (a != a and b != b)  # NaN, which Python's json reads, is not == itself


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) > _SHOWN_VALUE_CHARS:
        return text[: _SHOWN_VALUE_CHARS - 3] + "..."
    return text
