"""Array rules of the JSON Schema compatibility check: item layouts, sizes, uniqueness.

Items are compared position by position: a tuple (``prefixItems``, or a draft 7 ``items`` array)
gives each leading position its own schema, and the rest (``items``/``additionalItems``) covers
the positions after it. A position one side defines and the other leaves to its rest schema is
an item added to or removed from an open, partially open or closed content model, as Confluent
calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry_core.formats.jsonschema_compat_base import (
    Checker,
    Kind,
    Part,
    Parts,
    closed,
    issue,
    join,
    subject,
    unconstrained,
)
from registry_core.formats.jsonschema_compat_values import limit_rules
from registry_core.models import Incompatibility


@dataclass(frozen=True)
class _Layout:
    """How one part lays out array items: a tuple prefix, then one schema for the rest."""

    prefix: tuple[Part, ...]
    rest: Part | None
    form: str  # "tuple", "list" or "none"
    prefix_keyword: str
    rest_keyword: str


def _layout(part: Part) -> _Layout:
    # 2020-12 spells a tuple prefixItems + items; drafts 7 and 2019-09 items[] + additionalItems.
    if isinstance(prefix := part.get("prefixItems"), list):
        rest = part.child("items") if part.has("items") else None
        items = tuple(part.child("prefixItems", i) for i in range(len(prefix)))
        return _Layout(items, rest, "tuple", "prefixItems", "items")
    if isinstance(items := part.get("items"), list):
        rest = part.child("additionalItems") if part.has("additionalItems") else None
        prefix_parts = tuple(part.child("items", i) for i in range(len(items)))
        return _Layout(prefix_parts, rest, "tuple", "items", "additionalItems")
    if part.has("items"):
        return _Layout((), part.child("items"), "list", "items", "items")
    return _Layout((), None, "none", "items", "items")


def _form(layouts: Sequence[_Layout]) -> str:
    forms = {lay.form for lay in layouts}
    return "tuple" if "tuple" in forms else "list" if "list" in forms else "none"


def _at(layouts: Sequence[_Layout], index: int) -> list[Part]:
    """The schemas an item at ``index`` must satisfy (empty = any item)."""
    found = []
    for lay in layouts:
        if index < len(lay.prefix):
            found.append(lay.prefix[index])
        elif lay.rest is not None:
            found.append(lay.rest)
    return found


def array_rules(ck: Checker, r: Parts, w: Parts, path: str) -> list[Incompatibility]:
    """Sizes, uniqueness, ``contains`` and the items, position by position."""
    found = limit_rules(ck, r, w, path, "maxItems", "longer arrays")
    found += limit_rules(ck, r, w, path, "minItems", "shorter arrays")
    who, rl, wl = subject(path), ck.reader_label, ck.writer_label
    if any(p.get("uniqueItems") is True for p in r) and not any(
        p.get("uniqueItems") is True for p in w
    ):
        found.append(
            issue(
                Kind.UNIQUE_ITEMS_ADDED,
                join(path, "uniqueItems"),
                f"{who} must have unique items ({rl} schema) but duplicates were allowed ({wl} "
                f"schema): arrays like [1, 1] written with the {wl} schema are rejected",
            )
        )
    found += _contains_rules(ck, r, w, path)
    r_lay, w_lay = [_layout(p) for p in r], [_layout(p) for p in w]
    r_form, w_form = _form(r_lay), _form(w_lay)
    if "none" not in (r_form, w_form) and r_form != w_form:
        # Confluent treats a list <-> tuple switch as a break without looking further.
        return [
            *found,
            issue(
                Kind.ARRAY_ITEMS_KIND_CHANGED,
                join(path, "items"),
                f"{who} changed from a {w_form} of items ({wl} schema) to a {r_form} ({rl} schema)",
            ),
        ]
    return found + _item_rules(ck, r_lay, w_lay, path)


def _contains_rules(ck: Checker, r: Parts, w: Parts, path: str) -> list[Incompatibility]:
    found: list[Incompatibility] = []
    promised = [q.child("contains") for q in w if q.has("contains")]
    for part in r:
        if not part.has("contains"):
            continue
        wanted, where = (part.child("contains"),), join(path, "contains")
        if not promised:
            found.append(
                issue(
                    Kind.CONTAINS_ADDED,
                    where,
                    f"{subject(path)} must contain an item matching `contains` ({ck.reader_label} "
                    f"schema), which the {ck.writer_label} schema did not require",
                )
            )
            continue
        attempts = [ck.compare(wanted, (p,), where) for p in promised]
        if all(attempts):
            found += attempts[0]
    return found


def _item_rules(
    ck: Checker, r_lay: Sequence[_Layout], w_lay: Sequence[_Layout], path: str
) -> list[Incompatibility]:
    who, rl, wl = subject(path), ck.reader_label, ck.writer_label
    r_width = max((len(lay.prefix) for lay in r_lay), default=0)
    w_width = max((len(lay.prefix) for lay in w_lay), default=0)
    prefix_kw = next((lay.prefix_keyword for lay in [*r_lay, *w_lay] if lay.prefix), "items")
    rest_kw = next((lay.rest_keyword for lay in r_lay if lay.rest), "items")
    found: list[Incompatibility] = []
    for index in range(max(r_width, w_width)):
        reader_at, writer_at = _at(r_lay, index), _at(w_lay, index)
        where = join(path, prefix_kw, index) if index < r_width else join(path, rest_kw)
        sub = ck.compare(reader_at, writer_at, where)
        if not sub:
            continue
        if index < r_width and index < w_width:
            found += sub
        elif index < r_width:  # position added by the reader; the writer left it to its rest
            open_model = unconstrained(writer_at)
            kind = (
                Kind.ITEM_ADDED_TO_OPEN_CONTENT_MODEL
                if open_model
                else Kind.ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
            )
            found.append(
                issue(
                    kind,
                    where,
                    f"{who} item {index} is constrained by the {rl} schema, but the {wl} schema "
                    f"allowed {'any value' if open_model else 'other values'} there: "
                    f"{sub[0].message}",
                )
            )
        else:  # position dropped by the reader, whose rest schema now judges it
            kind = (
                Kind.ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL
                if closed(reader_at)
                else Kind.ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
            )
            found.append(
                issue(
                    kind,
                    where,
                    f"{who} item {index} exists in the {wl} schema but the {rl} schema's "
                    f"{rest_kw} rejects it: {sub[0].message}",
                )
            )
    reader_rest = [lay.rest for lay in r_lay if lay.rest is not None]
    writer_rest = [lay.rest for lay in w_lay if lay.rest is not None]
    sub = ck.compare(reader_rest, writer_rest, join(path, rest_kw))
    if not sub or max(r_width, w_width) == 0:
        return found + sub  # a plain list: the item-level reasons say it best
    kind = Kind.ADDITIONAL_ITEMS_REMOVED if closed(reader_rest) else Kind.ADDITIONAL_ITEMS_NARROWED
    found.append(
        issue(
            kind,
            join(path, rest_kw),
            f"{who} accepts fewer items after the first {max(r_width, w_width)} ({rl} schema: "
            f"{rest_kw}) than the {wl} schema did: {sub[0].message}",
        )
    )
    return found
