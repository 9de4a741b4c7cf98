"""Scalar rules of the JSON Schema compatibility check: types, enum/const, numbers, strings.

Every rule answers one question: can a value that the writer accepts be rejected by the reader?
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import reduce
from typing import Any

from registry_core.formats.jsonschema_compat_base import (
    EXAMPLES,
    Checker,
    Kind,
    Parts,
    contains,
    declared_types,
    describe_types,
    fmt_number,
    issue,
    join,
    json_equal,
    number,
    show,
    show_all,
    subject,
    writer_values,
)
from registry_core.models import Incompatibility


def type_rules(ck: Checker, r: Parts, w_types: frozenset[str], path: str) -> list[Incompatibility]:
    """Every type the writer can produce must be one the reader accepts (integer is a number)."""
    r_types = declared_types(r)
    missing = w_types - r_types
    if not missing:
        return []
    where = join(path, "type") if any(p.has("type") for p in r) else path
    kind = Kind.TYPE_NARROWED if w_types & r_types else Kind.TYPE_CHANGED
    example = EXAMPLES["number" if "number" in missing else sorted(missing)[0]]
    return [
        issue(
            kind,
            where,
            f"{subject(path)} changed type from {describe_types(w_types)} "
            f"({ck.writer_label} schema) to {describe_types(r_types)} ({ck.reader_label} "
            f"schema): values like {example} written with the {ck.writer_label} schema are "
            "rejected",
        )
    ]


def value_rules(
    ck: Checker, r: Parts, w: Parts, shared: frozenset[str], path: str
) -> list[Incompatibility]:
    """``enum`` must keep every value the writer can produce; ``const`` must be unchanged."""
    values = writer_values(w, shared)
    who, rl, wl = subject(path), ck.reader_label, ck.writer_label
    found: list[Incompatibility] = []
    for part in r:
        if part.has("const"):
            const = part.get("const")
            if values is None:
                found.append(
                    issue(
                        Kind.CONST_ADDED,
                        join(path, "const"),
                        f"{who} must equal {show(const)} ({rl} schema) but could be any value "
                        f"({wl} schema)",
                    )
                )
            elif bad := [v for v in values if not json_equal(v, const)]:
                found.append(
                    issue(
                        Kind.CONST_CHANGED,
                        join(path, "const"),
                        f"{who} must equal {show(const)} ({rl} schema) but the {wl} schema "
                        f"allows {show_all(bad)}",
                    )
                )
        enum_values = part.get("enum")
        if not isinstance(enum_values, list):
            continue
        missing = None if values is None else [v for v in values if not contains(enum_values, v)]
        if missing is None or missing:
            lost = "any value" if missing is None else show_all(missing)
            found.append(
                issue(
                    Kind.ENUM_ARRAY_NARROWED,
                    join(path, "enum"),
                    f"{who} allows only {show_all(enum_values)} ({rl} schema), so {lost} "
                    f"written with the {wl} schema is rejected",
                )
            )
    return found


# --- numbers and strings --------------------------------------------------------------------------

Bound = tuple[float, bool, str]  # value, exclusive?, keyword
_BOUND_KINDS = {  # keyword -> (kind when the writer had no bound, kind when it was looser)
    "maximum": (Kind.MAXIMUM_ADDED, Kind.MAXIMUM_DECREASED),
    "exclusiveMaximum": (Kind.EXCLUSIVE_MAXIMUM_ADDED, Kind.EXCLUSIVE_MAXIMUM_DECREASED),
    "minimum": (Kind.MINIMUM_ADDED, Kind.MINIMUM_INCREASED),
    "exclusiveMinimum": (Kind.EXCLUSIVE_MINIMUM_ADDED, Kind.EXCLUSIVE_MINIMUM_INCREASED),
}


def _covers(outer: Bound, inner: Bound, upper: bool) -> bool:
    """Whether bound ``outer`` admits every number bound ``inner`` admits."""
    if outer[0] != inner[0]:
        return outer[0] > inner[0] if upper else outer[0] < inner[0]
    return inner[1] or not outer[1]


def _tightest(parts: Parts, upper: bool) -> Bound | None:
    # Inclusive and exclusive bounds are weighed together: max 10 and exclusiveMax 11 agree.
    keywords = ("maximum", "exclusiveMaximum") if upper else ("minimum", "exclusiveMinimum")
    best: Bound | None = None
    for part in parts:
        for keyword in keywords:
            value = number(part.get(keyword))
            if value is None:
                continue
            bound = (value, keyword.startswith("exclusive"), keyword)
            if best is None or not _covers(bound, best, upper):
                best = bound
    return best


def number_rules(
    ck: Checker, r: Parts, w: Parts, w_types: frozenset[str], path: str
) -> list[Incompatibility]:
    """Bounds (inclusive and exclusive weighed together) and ``multipleOf``."""
    who, rl, wl = subject(path), ck.reader_label, ck.writer_label
    found: list[Incompatibility] = []
    for upper in (True, False):
        rb = _tightest(r, upper)
        wb = _tightest(w, upper)
        if rb is None or (wb is not None and _covers(rb, wb, upper)):
            continue
        added, tightened = _BOUND_KINDS[rb[2]]
        old = f"{wb[2]} {fmt_number(wb[0])}" if wb else f"no {'upper' if upper else 'lower'} bound"
        found.append(
            issue(
                added if wb is None else tightened,
                join(path, rb[2]),
                f"{who} has {rb[2]} {fmt_number(rb[0])} ({rl} schema) but {old} ({wl} schema): "
                f"{'larger' if upper else 'smaller'} values written with the {wl} schema are "
                "rejected",
            )
        )
    return found + _multiple_of_rules(ck, r, w, w_types, path)


def _fraction(value: Any) -> Fraction | None:
    # Exact arithmetic on the decimal text: 0.3 must divide 0.9, which floats get wrong.
    n = number(value)
    if n is None or n <= 0:
        return None
    return Fraction(repr(n)) if isinstance(n, float) else Fraction(n)


def _lcm(a: Fraction, b: Fraction) -> Fraction:
    return Fraction(math.lcm(a.numerator, b.numerator), math.gcd(a.denominator, b.denominator))


def _multiple_of_rules(
    ck: Checker, r: Parts, w: Parts, w_types: frozenset[str], path: str
) -> list[Incompatibility]:
    """Writer values are multiples of the writer's step; each reader multipleOf must divide it."""
    steps = [f for part in w if (f := _fraction(part.get("multipleOf"))) is not None]
    declared = bool(steps)
    if "number" not in w_types:
        steps.append(Fraction(1))  # integers are multiples of 1 (and of 1/2, 1/4, ...)
    step = reduce(_lcm, steps) if steps else None
    who, rl, wl = subject(path), ck.reader_label, ck.writer_label
    found: list[Incompatibility] = []
    for part in r:
        needed = _fraction(part.get("multipleOf"))
        if needed is None or (step is not None and (step / needed).denominator == 1):
            continue
        example = step if step is not None else needed / 2
        if not declared:
            kind, old = Kind.MULTIPLE_OF_ADDED, "no multipleOf"
        else:
            assert step is not None
            expanded = (needed / step).denominator == 1
            kind = Kind.MULTIPLE_OF_EXPANDED if expanded else Kind.MULTIPLE_OF_CHANGED
            old = f"multipleOf {fmt_number(step)}"
        found.append(
            issue(
                kind,
                join(path, "multipleOf"),
                f"{who} has multipleOf {fmt_number(needed)} ({rl} schema) but {old} ({wl} "
                f"schema): values like {fmt_number(example)} written with the {wl} schema are "
                "rejected",
            )
        )
    return found


_LIMIT_KINDS = {  # keyword -> (kind when the writer had no limit, kind when it was looser)
    "maxLength": (Kind.MAX_LENGTH_ADDED, Kind.MAX_LENGTH_DECREASED),
    "minLength": (Kind.MIN_LENGTH_ADDED, Kind.MIN_LENGTH_INCREASED),
    "maxItems": (Kind.MAX_ITEMS_ADDED, Kind.MAX_ITEMS_DECREASED),
    "minItems": (Kind.MIN_ITEMS_ADDED, Kind.MIN_ITEMS_INCREASED),
    "maxProperties": (Kind.MAX_PROPERTIES_ADDED, Kind.MAX_PROPERTIES_DECREASED),
    "minProperties": (Kind.MIN_PROPERTIES_ADDED, Kind.MIN_PROPERTIES_INCREASED),
}


def limit_rules(
    ck: Checker, r: Parts, w: Parts, path: str, keyword: str, rejected: str
) -> list[Incompatibility]:
    """A size limit (maxLength, minItems, ...) added or tightened by the reader."""
    is_max = keyword.startswith("max")
    pick = min if is_max else max

    def limit(parts: Parts) -> float | None:
        values = [v for p in parts if (v := number(p.get(keyword))) is not None]
        return pick(values) if values else None

    rv, wv = limit(r), limit(w)
    if rv is None:
        return []
    if is_max and wv is not None and rv >= wv:
        return []
    if not is_max and rv <= (wv if wv is not None else 0):
        return []  # a missing minimum is 0, so minLength 0 adds nothing
    added, tightened = _LIMIT_KINDS[keyword]
    old = f"{keyword} {fmt_number(wv)}" if wv is not None else f"no {keyword}"
    return [
        issue(
            added if wv is None else tightened,
            join(path, keyword),
            f"{subject(path)} has {keyword} {fmt_number(rv)} ({ck.reader_label} schema) but "
            f"{old} ({ck.writer_label} schema): {rejected} written with the {ck.writer_label} "
            "schema are rejected",
        )
    ]


def pattern_rules(ck: Checker, r: Parts, w: Parts, path: str) -> list[Incompatibility]:
    """Regexes cannot be compared, so any new or different pattern is a break (Confluent)."""
    old = [p for part in w if isinstance(p := part.get("pattern"), str)]
    found: list[Incompatibility] = []
    for part in r:
        pattern = part.get("pattern")
        if not isinstance(pattern, str) or pattern in old:
            continue
        before = f"pattern {show(old[0])}" if old else "no pattern"
        found.append(
            issue(
                Kind.PATTERN_CHANGED if old else Kind.PATTERN_ADDED,
                join(path, "pattern"),
                f"{subject(path)} must match pattern {show(pattern)} ({ck.reader_label} schema) "
                f"but had {before} ({ck.writer_label} schema): strings written with the "
                f"{ck.writer_label} schema may be rejected",
            )
        )
    return found


def not_rules(
    ck: Checker, r: Parts, w: Parts, w_types: frozenset[str], path: str
) -> list[Incompatibility]:
    """A reader ``not`` is safe if the writer already excluded that much, or never overlaps it."""
    found: list[Incompatibility] = []
    for part in r:
        if not part.has("not"):
            continue
        negated = (part.child("not"),)
        if not declared_types(ck.flatten(negated)) & w_types:
            continue  # e.g. not null, while the writer only writes strings
        # Reversed comparison: everything `negated` accepts must be excluded by a writer `not`.
        excluded = [q.child("not") for q in w if q.has("not")]
        if any(ck.fits((ex,), negated, join(path, "not")) for ex in excluded):
            continue
        found.append(
            issue(
                Kind.NOT_TYPE_EXTENDED,
                join(path, "not"),
                f"{subject(path)} must not match the {ck.reader_label} schema's `not` subschema, "
                f"which the {ck.writer_label} schema did not exclude: some values written with "
                f"the {ck.writer_label} schema are rejected",
            )
        )
    return found
