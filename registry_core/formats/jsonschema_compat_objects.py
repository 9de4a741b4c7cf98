"""Object rules of the JSON Schema compatibility check: properties and content models.

An object's *content model* decides what a property name not listed in ``properties`` may hold:
``patternProperties`` for names matching a pattern, then ``additionalProperties``. A model is
*open* when that fallback accepts anything, *closed* when it accepts nothing, *partially open*
otherwise. Adding or removing a property is judged against the other side's content model, as
Confluent's ``SchemaDiff`` does; the LENIENT policy forgives the changes it lists.
"""

from __future__ import annotations

import re

from registry_core.formats.jsonschema_compat_base import (
    Checker,
    Kind,
    Part,
    Parts,
    closed,
    issue,
    join,
    subject,
    texts,
    unconstrained,
)
from registry_core.formats.jsonschema_compat_values import limit_rules
from registry_core.models import Incompatibility

__all__ = ["object_rules"]


def object_rules(ck: Checker, r: Parts, w: Parts, path: str) -> list[Incompatibility]:
    """Every way an object the writer accepts can be rejected by the reader."""
    r_names, w_names = _names(r, "properties"), _names(w, "properties")
    required = _required(r)
    # required first: it is cheap and, while probing, often settles the answer on its own
    found = _required_rules(ck, r, w, path, required, _required(w), w_names)
    for name in dict.fromkeys([*r_names, *w_names]):
        if found and ck.probing:
            return found
        found += _property_rules(ck, r, w, path, name, name in r_names, name in w_names, required)
    found += _pattern_rules(ck, r, w, path)
    found += _rest_rules(ck, r, w, path)
    found += _dependency_rules(ck, r, w, path)
    found += limit_rules(ck, r, w, path, "maxProperties", "objects with more properties")
    found += limit_rules(ck, r, w, path, "minProperties", "objects with fewer properties")
    names = [p.child("propertyNames") for p in r if p.has("propertyNames")]
    if names:
        writer_names = [q.child("propertyNames") for q in w if q.has("propertyNames")]
        found += ck.compare(names, writer_names, join(path, "propertyNames"))
    return found


def _names(parts: Parts, keyword: str) -> list[str]:
    found: dict[str, None] = {}
    for part in parts:
        value = part.get(keyword)
        if isinstance(value, dict):
            found.update(dict.fromkeys(value))
    return list(found)


def _required(parts: Parts) -> list[str]:
    return list(dict.fromkeys(name for part in parts for name in texts(part.get("required"))))


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except (re.error, ValueError, OverflowError, RecursionError):
        return False  # an ECMA-262 regex Python cannot read is treated as matching nothing


def _rest(part: Part) -> Part | None:
    """The part's fallback for unlisted names (``unevaluatedProperties`` as a stand-in)."""
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if part.has(keyword):
            return part.child(keyword)
    return None


def value_schema(parts: Parts, name: str) -> list[Part]:
    """The schemas a value of property ``name`` must satisfy: its own, matching patterns, rest."""
    found: list[Part] = []
    for part in parts:
        patterns = part.get("patternProperties")
        matched = [
            part.child("patternProperties", pattern)
            for pattern in (patterns if isinstance(patterns, dict) else {})
            if _matches(pattern, name)
        ]
        properties = part.get("properties")
        if isinstance(properties, dict) and name in properties:
            found += [part.child("properties", name), *matched]
        elif matched:
            found += matched
        elif (rest := _rest(part)) is not None:
            found.append(rest)
    return found


def has_default(ck: Checker, parts: Parts) -> bool:
    """Whether the reader gives the value a ``default`` (so it may be filled in when missing)."""
    return any(isinstance(p.schema, dict) and "default" in p.schema for p in ck.flatten(parts))


def _property_rules(
    ck: Checker,
    r: Parts,
    w: Parts,
    path: str,
    name: str,
    in_reader: bool,
    in_writer: bool,
    required: list[str],
) -> list[Incompatibility]:
    where = join(path, "properties", name)
    reader_value, writer_value = value_schema(r, name), value_schema(w, name)
    sub = ck.compare(reader_value, writer_value, where)
    if not sub or (in_reader and in_writer):
        return sub
    who, rl, wl = subject(where), ck.reader_label, ck.writer_label
    if in_writer:  # dropped by the reader: its content model now judges the writer's values
        if ck.lenient:
            return []
        if closed(reader_value):
            return [
                issue(
                    Kind.PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL,
                    join(path, "additionalProperties"),
                    f"{who} was removed from the {rl} schema, whose object allows no other "
                    f"properties: objects written with the {wl} schema that carry '{name}' are "
                    "rejected",
                )
            ]
        return [
            issue(
                Kind.PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
                where,
                f"{who} was removed from the {rl} schema, and the schema its patternProperties "
                f"or additionalProperties give it rejects {wl} values: {sub[0].message}",
            )
        ]
    # Added by the reader: the writer let this name through its own content model.
    if ck.lenient and (name not in required or has_default(ck, reader_value)):
        return []  # LENIENT: optional (or defaulted) additions are allowed in open models
    if unconstrained(writer_value):
        return [
            issue(
                Kind.PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL,
                where,
                f"{who} was added to the {rl} schema, but the {wl} schema's object is open (any "
                f"extra property allowed), so {wl} data may already carry '{name}' with values "
                f"the {rl} schema rejects",
            )
        ]
    return [
        issue(
            Kind.PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
            where,
            f"{who} was added to the {rl} schema, but the {wl} schema's patternProperties or "
            f"additionalProperties allowed '{name}' with values the {rl} schema rejects: "
            f"{sub[0].message}",
        )
    ]


def _required_rules(
    ck: Checker,
    r: Parts,
    w: Parts,
    path: str,
    required: list[str],
    was_required: list[str],
    w_names: list[str],
) -> list[Incompatibility]:
    """A newly required property breaks data that omits it, unless the reader has a default."""
    found: list[Incompatibility] = []
    rl, wl = ck.reader_label, ck.writer_label
    for name in required:
        if name in was_required or has_default(ck, value_schema(r, name)):
            continue  # Confluent: REQUIRED_*_WITH_DEFAULT_ADDED is compatible
        who = subject(join(path, "properties", name))
        if name in w_names or not closed(value_schema(w, name)):
            found.append(
                issue(
                    Kind.REQUIRED_ATTRIBUTE_ADDED,
                    join(path, "required"),
                    f"{who} is required by the {rl} schema but optional in the {wl} schema: "
                    f"objects written with the {wl} schema without '{name}' are rejected",
                )
            )
        else:
            found.append(
                issue(
                    Kind.REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL,
                    join(path, "required"),
                    f"{who} is required by the {rl} schema but the {wl} schema's closed object "
                    f"never contains it: no {wl} object is accepted (add a default)",
                )
            )
    return found


def _pattern_rules(ck: Checker, r: Parts, w: Parts, path: str) -> list[Incompatibility]:
    """Names matching a reader pattern: compare with the same writer pattern, or its rest."""
    writer_patterns = set(_names(w, "patternProperties"))
    found: list[Incompatibility] = []
    for part in r:
        patterns = part.get("patternProperties")
        for pattern in patterns if isinstance(patterns, dict) else {}:
            if ck.lenient and pattern not in writer_patterns:
                continue  # LENIENT: narrowing what unlisted names may hold is allowed
            writer_side = []
            for q in w:
                own = q.get("patternProperties")
                if isinstance(own, dict) and pattern in own:
                    writer_side.append(q.child("patternProperties", pattern))
                elif (rest := _rest(q)) is not None:
                    writer_side.append(rest)
            reader_side = (part.child("patternProperties", pattern),)
            found += ck.compare(reader_side, writer_side, join(path, "patternProperties", pattern))
    return found


def _rest_rules(ck: Checker, r: Parts, w: Parts, path: str) -> list[Incompatibility]:
    """``additionalProperties`` (or a dropped writer pattern) narrowed by the reader."""
    reader_rest = [rest for p in r if (rest := _rest(p)) is not None]
    if ck.lenient or not reader_rest:
        return []  # LENIENT allows narrowing or removing additionalProperties
    writer_rest = [rest for q in w if (rest := _rest(q)) is not None]
    reader_patterns = set(_names(r, "patternProperties"))
    where, who = join(path, "additionalProperties"), subject(path)
    rl, wl = ck.reader_label, ck.writer_label
    found: list[Incompatibility] = []
    if ck.compare(reader_rest, writer_rest, where):
        kind = (
            Kind.ADDITIONAL_PROPERTIES_REMOVED
            if closed(reader_rest)
            else Kind.ADDITIONAL_PROPERTIES_NARROWED
        )
        what = "allows no" if closed(reader_rest) else "restricts"
        found.append(
            issue(
                kind,
                where,
                f"{who} {what} additional properties in the {rl} schema but the {wl} schema "
                f"allowed more: objects written with the {wl} schema that carry extra properties "
                "are rejected",
            )
        )
    for q in w:
        patterns = q.get("patternProperties")
        for pattern in patterns if isinstance(patterns, dict) else {}:
            dropped = (q.child("patternProperties", pattern),)
            if pattern not in reader_patterns and ck.compare(reader_rest, dropped, where):
                found.append(
                    issue(
                        Kind.ADDITIONAL_PROPERTIES_NARROWED,
                        where,
                        f"{who}: names matching {pattern!r} were allowed by the {wl} schema's "
                        f"patternProperties but the {rl} schema's additionalProperties rejects "
                        "their values",
                    )
                )
    return found


def _dependencies(parts: Parts) -> tuple[dict[str, list[str]], dict[str, list[Part]]]:
    """Property dependencies from draft 7 ``dependencies`` and 2019-09 ``dependent*``.

    Returns the required-name lists and the dependent schemas, keyed by the triggering name.
    """
    arrays: dict[str, list[str]] = {}
    schemas: dict[str, list[Part]] = {}
    for part in parts:
        for keyword in ("dependencies", "dependentRequired", "dependentSchemas"):
            value = part.get(keyword)
            for key, dep in (value if isinstance(value, dict) else {}).items():
                if isinstance(dep, list) and keyword != "dependentSchemas":
                    arrays[key] = [*arrays.get(key, []), *texts(dep)]
                elif isinstance(dep, dict | bool) and keyword != "dependentRequired":
                    schemas.setdefault(key, []).append(part.child(keyword, key))
    return arrays, schemas


def _dependency_rules(ck: Checker, r: Parts, w: Parts, path: str) -> list[Incompatibility]:
    (r_arrays, r_schemas), (w_arrays, w_schemas) = _dependencies(r), _dependencies(w)
    who, rl, wl = subject(path), ck.reader_label, ck.writer_label
    found: list[Incompatibility] = []
    for key, needs in r_arrays.items():
        had = w_arrays.get(key)
        extra = [n for n in needs if had is None or n not in had]
        if not extra:
            continue
        if had is None:
            kind = Kind.DEPENDENCY_ARRAY_ADDED
        elif set(had) <= set(needs):
            kind = Kind.DEPENDENCY_ARRAY_EXTENDED
        else:
            kind = Kind.DEPENDENCY_ARRAY_CHANGED
        found.append(
            issue(
                kind,
                join(path, _keyword_of(r, key, "dependentRequired"), key),
                f"{who}: when '{key}' is present the {rl} schema also requires {extra}, which "
                f"the {wl} schema did not: such objects written with the {wl} schema are "
                "rejected",
            )
        )
    for key, parts in r_schemas.items():
        where = join(path, _keyword_of(r, key, "dependentSchemas"), key)
        if key in w_schemas:
            found += ck.compare(parts, w_schemas[key], where)
        elif not unconstrained(parts):
            found.append(
                issue(
                    Kind.DEPENDENCY_SCHEMA_ADDED,
                    where,
                    f"{who}: when '{key}' is present the {rl} schema applies a dependent schema "
                    f"the {wl} schema did not have",
                )
            )
    return found


def _keyword_of(parts: Parts, key: str, modern: str) -> str:
    """Which keyword (draft 7 ``dependencies`` or a 2019-09 one) holds ``key``, for paths."""
    for part in parts:
        if isinstance(value := part.get("dependencies"), dict) and key in value:
            return "dependencies"
    return modern
