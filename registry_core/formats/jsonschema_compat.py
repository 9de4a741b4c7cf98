"""JSON Schema compatibility: can the reader schema accept everything the writer schema accepts?

The rules are Confluent's (``json/diff/SchemaDiff``), including what Karapace's checker misses:
newly required properties, ``multipleOf``, ``const`` and ``uniqueItems``, plus the LENIENT policy.
Drafts 7, 2019-09 and 2020-12 are read alike (``definitions``/``$defs``, ``items`` arrays and
``prefixItems``, ``dependencies``/``dependent*``).

How it works: each schema position is a conjunction of *parts* (see
``jsonschema_compat_base``). ``$ref`` and ``allOf`` are flattened into that conjunction;
``anyOf``/``oneOf`` are resolved here, by splitting the writer into its alternatives and
matching them to the reader's; what is left goes to the keyword rules. Paths in the results are
*logical*: JSON pointers into the reader as if its references were inlined, so an issue inside a
``$ref``'d definition is reported where the property sits, e.g. ``/properties/usage/...``; the
root is "/".

Choices worth knowing:

- Keywords beside a ``$ref`` apply together with its target (2019-09 semantics; in draft 7
  they are usually annotations, which constrain nothing anyway).
- Ignored, as by Confluent and Karapace: ``format``, ``if``/``then``/``else``,
  ``unevaluatedItems``, ``minContains``/``maxContains`` and the ``content*`` keywords.
  ``unevaluatedProperties`` stands in for ``additionalProperties`` when that is absent.
- Regexes cannot be compared, so any new or changed ``pattern`` is a break (as in Confluent).
- A recursive schema meeting a (reader, writer) pair already under comparison assumes it
  compatible; that is what makes the recursion end.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import unquote

from registry_core.formats.jsonschema_compat_arrays import array_rules
from registry_core.formats.jsonschema_compat_base import (
    NUMERIC,
    Kind,
    Part,
    Parts,
    declared_types,
    describe_types,
    issue,
    join,
    pointer_join,
    subject,
    writer_types,
)
from registry_core.formats.jsonschema_compat_objects import object_rules
from registry_core.formats.jsonschema_compat_values import (
    limit_rules,
    not_rules,
    number_rules,
    pattern_rules,
    type_rules,
    value_rules,
)
from registry_core.models import Incompatibility

__all__ = ["Kind", "check_compatibility"]

# Deeper than any real schema; it stops runaway recursion through synthetic combinations.
MAX_DEPTH = 64
_SUMS = ("anyOf", "oneOf")
_MISSING = object()
_Pair = tuple[frozenset[Any], frozenset[Any]]  # (reader, writer) positions, see _Expanded.key


def check_compatibility(
    reader: Any,
    writer: Any,
    *,
    lenient: bool = False,
    resolve: Callable[[str], Any] | None = None,
    labels: tuple[str, str] = ("new", "old"),
) -> list[Incompatibility]:
    """Return every reason why data valid under `writer` may be rejected by `reader`.

    An empty list means compatible.

    ``reader`` and ``writer`` are parsed JSON Schema documents (dict or bool). BACKWARD checks
    pass reader=new, writer=old; FORWARD swaps them. ``lenient`` applies Confluent's LENIENT
    policy. ``resolve(uri)`` returns the document behind a non-local ``$ref`` (the part before
    ``#``) or raises KeyError; a reference it cannot provide is reported as
    ``UNRESOLVED_REFERENCE``, never raised. ``labels`` names the (reader, writer) schemas in
    messages: keep ("new", "old") for BACKWARD, pass ("old", "new") for FORWARD.
    """
    checker = _Checker(lenient=lenient, resolve=resolve, labels=labels)
    found = checker.compare(
        (Part(reader, reader, "reader:", ""),), (Part(writer, writer, "writer:", ""),), "/"
    )
    return list(dict.fromkeys(found))  # a writer split into alternatives may repeat a reason


@dataclass(frozen=True)
class _Sum:
    """An ``anyOf``/``oneOf`` found among a position's parts, with its alternatives."""

    keyword: str
    owner: tuple[str, str]
    branches: tuple[Part, ...]


@dataclass(frozen=True)
class _Expanded:
    """A position after flattening ``$ref`` and ``allOf``."""

    parts: tuple[Part, ...]
    sums: tuple[_Sum, ...]
    errors: tuple[str, ...]  # unresolved references, reported where the position is compared
    false: bool  # some part is the `false` schema: nothing is valid here
    all_of: int  # how many allOf subschemas were flattened

    @property
    def combinator(self) -> str | None:
        """The combinator this position is built with (Confluent's "criterion"), if any."""
        return self.sums[0].keyword if self.sums else "allOf" if self.all_of else None

    @cached_property
    def key(self) -> frozenset[Any]:
        """Identity of the position, for the recursion guard and the verdict memo."""
        return frozenset((p.location, p.skip) for p in self.parts) | {self.false}

    def choose(self, alternative: _Sum, index: int) -> tuple[Part, ...]:
        """The position with ``alternative`` replaced by its branch ``index``."""
        kept = tuple(
            p.with_skip(alternative.keyword) if p.location == alternative.owner else p
            for p in self.parts
        )
        return (*kept, alternative.branches[index])


class _Checker:
    def __init__(
        self, *, lenient: bool, resolve: Callable[[str], Any] | None, labels: tuple[str, str]
    ) -> None:
        self.lenient = lenient
        self.reader_label, self.writer_label = labels
        self._resolve = resolve
        self._documents: dict[str, Any] = {}
        # (reader, writer) positions under comparison: meeting one again means a recursive
        # schema came round, and assuming it compatible is what makes the recursion terminate.
        self._active: set[_Pair] = set()
        self._depth = 0
        # Verdicts of finished comparisons, so shared definitions and alternatives tried against
        # each other are compared once. Assuming a pair compatible can only hide issues, never
        # create one, so "incompatible" is always final; "compatible" is kept only when no
        # assumption (a recursion cut or the depth limit) was needed to reach it.
        self._verdicts: dict[_Pair, bool] = {}
        self._assumptions = 0
        self._probes = 0  # > 0 while only a yes/no answer is wanted: stop at the first issue
        self._expansions: dict[Any, _Expanded] = {}

    @property
    def probing(self) -> bool:
        """Whether only a yes/no answer is wanted, so rules may stop at the first issue."""
        return self._probes > 0

    def compare(self, reader: Parts, writer: Parts, path: str) -> list[Incompatibility]:
        """Every reason a value the ``writer`` parts accept is rejected by the ``reader`` parts.

        While probing, the list may stop at the first reason (only its emptiness is used).
        """
        if self._depth >= MAX_DEPTH:
            self._assumptions += 1
            return []
        rx = self._expand(reader, self.reader_label)
        wx = self._expand(writer, self.writer_label)
        found = [issue(Kind.UNRESOLVED_REFERENCE, path, e) for e in (*rx.errors, *wx.errors)]
        pair = (rx.key, wx.key)
        if wx.false:
            return found
        if pair in self._active:
            self._assumptions += 1
            return found
        verdict = self._verdicts.get(pair)
        if verdict is True:
            return found
        if verdict is False and self.probing:
            # a probe only asks yes or no; the reasons are recomputed if they are reported
            return [*found, issue(Kind.COMBINED_TYPE_SUBSCHEMAS_CHANGED, path, "known mismatch")]
        assumptions = self._assumptions
        self._active.add(pair)
        self._depth += 1
        try:
            found += self._compare(rx, wx, path)
        finally:
            self._active.discard(pair)
            self._depth -= 1
        if found or self._assumptions == assumptions:
            self._verdicts[pair] = not found
        return found

    def fits(self, reader: Parts, writer: Parts, path: str) -> bool:
        """Whether the reader accepts everything the writer does (cheaper than ``compare``)."""
        self._probes += 1
        try:
            return not self.compare(reader, writer, path)
        finally:
            self._probes -= 1

    def flatten(self, parts: Parts) -> Parts:
        """The parts with ``$ref`` and ``allOf`` followed (for rules that read a subschema)."""
        return self._expand(parts, "").parts

    def _compare(self, rx: _Expanded, wx: _Expanded, path: str) -> list[Incompatibility]:
        who, rl, wl = subject(path), self.reader_label, self.writer_label
        if rx.false:
            return [
                issue(
                    Kind.TYPE_CHANGED,
                    path,
                    f"{who} is `false` in the {rl} schema and rejects every value, which the "
                    f"{wl} schema accepted",
                )
            ]
        found: list[Incompatibility] = []
        r_kind, w_kind = rx.combinator, wx.combinator
        if r_kind and w_kind and r_kind != w_kind and r_kind != "anyOf":
            # Confluent: changing the combinator is a break unless the new one is anyOf
            effect = {
                "oneOf": "values matching several alternatives are rejected",
                "allOf": "values must now match every subschema",
            }
            found.append(
                issue(
                    Kind.COMBINED_TYPE_CHANGED,
                    join(path, r_kind),
                    f"{who} changed from {w_kind} ({wl} schema) to {r_kind} ({rl} schema): "
                    f"{effect.get(r_kind, '')}",
                )
            )
        if wx.all_of and rx.all_of > wx.all_of:
            found.append(
                issue(
                    Kind.ALL_OF_SUBSCHEMAS_ADDED,
                    join(path, "allOf"),
                    f"{who} has {rx.all_of} allOf subschemas in the {rl} schema but "
                    f"{wx.all_of} in the {wl} schema: each added subschema is a new constraint",
                )
            )
        if wx.sums and rx.sums:
            return found + self._match_alternatives(rx, wx, path)
        if wx.sums:  # every writer alternative must be readable on its own
            alternative = wx.sums[0]
            for index in range(len(alternative.branches)):
                found += self.compare(rx.parts, wx.choose(alternative, index), path)
                if found and self.probing:
                    break
            return found
        if rx.sums:
            return found + self._some_alternative(rx, wx, path)
        return found + _keyword_rules(self, rx.parts, wx.parts, path)

    def _match_alternatives(self, rx: _Expanded, wx: _Expanded, path: str) -> list[Incompatibility]:
        """Each writer alternative needs its own compatible reader alternative (order-free)."""
        r_sum, w_sum = rx.sums[0], wx.sums[0]
        where, who = join(path, r_sum.keyword), subject(path)
        rl, wl = self.reader_label, self.writer_label
        found: list[Incompatibility] = []
        readers = [rx.choose(r_sum, i) for i in range(len(r_sum.branches))]
        writers = [wx.choose(w_sum, j) for j in range(len(w_sum.branches))]
        edges: dict[tuple[int, int], bool] = {}

        def edge(j: int, i: int) -> bool:
            if (j, i) not in edges:
                edges[(j, i)] = self.fits(readers[i], writers[j], join(where, i))
            return edges[(j, i)]

        owner = _max_matching(len(writers), len(readers), edge)
        for j in sorted(set(range(len(writers))) - set(owner.values())):
            if j < len(readers) and j not in owner:
                # the same position is the likeliest intended match: explain why it fails
                found += self.compare(readers[j], writers[j], join(where, j))
                continue
            kind = (
                Kind.SUM_TYPE_NARROWED
                if len(readers) < len(writers)
                else Kind.COMBINED_TYPE_SUBSCHEMAS_CHANGED
            )
            types = describe_types(writer_types(self.flatten(writers[j])))
            found.append(
                issue(
                    kind,
                    where,
                    f"{who}: {w_sum.keyword} alternative {j} of the {wl} schema ({types}) "
                    f"matches no remaining {r_sum.keyword} alternative of the {rl} schema",
                )
            )
        return found

    def _some_alternative(self, rx: _Expanded, wx: _Expanded, path: str) -> list[Incompatibility]:
        """A writer without alternatives is readable if one reader alternative accepts it all."""
        r_sum = rx.sums[0]
        where = join(path, r_sum.keyword)
        count = len(r_sum.branches)
        for index in range(count):
            if self.fits(rx.choose(r_sum, index), wx.parts, join(where, index)):
                return []
        w_types = writer_types(wx.parts)
        near = [
            index
            for index in range(count)
            if declared_types(self.flatten(rx.choose(r_sum, index))) & w_types
        ]
        if count == 1 or len(near) == 1:  # explain the alternative that comes closest
            best = near[0] if len(near) == 1 else 0
            return self.compare(rx.choose(r_sum, best), wx.parts, join(where, best))
        return [
            issue(
                Kind.COMBINED_TYPE_SUBSCHEMAS_CHANGED,
                where,
                f"{subject(path)} holds {describe_types(w_types)} in the {self.writer_label} "
                f"schema, but none of the {count} {r_sum.keyword} alternatives of the "
                f"{self.reader_label} schema accepts all of those values",
            )
        ]

    def _expand(self, parts: Parts, label: str) -> _Expanded:
        """Flatten ``$ref`` and ``allOf`` into one conjunction of parts, one part per location."""
        cache_key = (tuple((p.location, p.skip) for p in parts), label)
        if (cached := self._expansions.get(cache_key)) is not None:
            return cached
        merged: dict[tuple[str, str], Part] = {}
        errors: list[str] = []
        false, all_of = False, 0
        queue = deque(parts)
        while queue:
            part = queue.popleft()
            if part.schema is False:
                false = True
            if not isinstance(part.schema, dict):
                continue  # `true` constrains nothing
            if (known := merged.get(part.location)) is not None:
                # Seen already (a cycle, or a branch already chosen): keep what was consumed.
                merged[part.location] = known.with_skip(*part.skip)
                continue
            ref = part.get("$ref")
            if isinstance(ref, str):
                target = self._follow(part, ref)
                if isinstance(target, Part):
                    queue.append(target)
                else:
                    errors.append(f"cannot resolve $ref {ref!r} in the {label} schema: {target}")
            branches = part.get("allOf")
            if isinstance(branches, list):
                all_of += len(branches)
                queue.extend(part.child("allOf", i) for i in range(len(branches)))
            merged[part.location] = part.with_skip("$ref", "allOf")
        sums = tuple(
            _Sum(keyword, p.location, tuple(p.child(keyword, i) for i in range(len(branches))))
            for p in merged.values()
            for keyword in _SUMS
            if isinstance(branches := p.get(keyword), list) and branches
        )
        expanded = _Expanded(tuple(merged.values()), sums, tuple(errors), false, all_of)
        self._expansions[cache_key] = expanded
        return expanded

    def _follow(self, part: Part, ref: str) -> Part | str:
        """The part a ``$ref`` points at, or why it cannot be found."""
        base, _, fragment = ref.partition("#")
        doc, doc_key = part.doc, part.doc_key
        own_id = doc.get("$id") if isinstance(doc, dict) else None
        if base and base != own_id:
            doc_key = "uri:" + base
            if base not in self._documents:
                if self._resolve is None:
                    return "no resolver was given for external references"
                try:
                    self._documents[base] = self._resolve(base)
                except LookupError:
                    self._documents[base] = _MISSING
            doc = self._documents[base]
            if doc is _MISSING:
                return f"{base!r} is not a known schema"
        fragment = unquote(fragment)
        # "#/a/b" is a JSON pointer, "#name" an anchor
        ptr = fragment if fragment.startswith("/") or not fragment else _anchor(doc, fragment)
        target = _MISSING if ptr is None else _pointer(doc, ptr)
        if target is _MISSING or ptr is None:
            return f"nothing at {'#' + fragment!r}"
        if not isinstance(target, dict | bool):
            return f"{'#' + fragment!r} is not a schema"
        return Part(target, doc, doc_key, ptr)


def _keyword_rules(ck: _Checker, r: Parts, w: Parts, path: str) -> list[Incompatibility]:
    """Compare the reader's and the writer's own keywords, for the types both admit."""
    w_types = writer_types(w)
    if not w_types:
        return []  # the writer accepts no value, so it writes nothing a reader could reject
    found = type_rules(ck, r, w_types, path)
    shared = w_types & declared_types(r)
    if not shared or (found and ck.probing):
        return found  # keywords of types the reader rejects anyway add nothing
    found += value_rules(ck, r, w, shared, path)
    rules: list[Callable[[], list[Incompatibility]]] = []
    if shared & NUMERIC:
        rules.append(lambda: number_rules(ck, r, w, w_types, path))
    if "string" in shared:
        rules.append(lambda: limit_rules(ck, r, w, path, "maxLength", "longer strings"))
        rules.append(lambda: limit_rules(ck, r, w, path, "minLength", "shorter strings"))
        rules.append(lambda: pattern_rules(ck, r, w, path))
    if "array" in shared:
        rules.append(lambda: array_rules(ck, r, w, path))
    if "object" in shared:
        rules.append(lambda: object_rules(ck, r, w, path))
    rules.append(lambda: not_rules(ck, r, w, shared, path))
    for rule in rules:
        if found and ck.probing:
            break
        found += rule()
    return found


def _pointer(doc: Any, pointer: str) -> Any:
    """Resolve a JSON pointer (with ~0/~1 escapes) in ``doc``; ``_MISSING`` if absent."""
    node = doc
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isascii() and token.isdigit():
            if int(token) >= len(node):
                return _MISSING
            node = node[int(token)]
        else:
            return _MISSING
    return node


def _anchor(doc: Any, name: str) -> str | None:
    """The pointer of the subschema named ``name`` by ``$anchor`` (or a draft 7 ``$id: #name``)."""
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        node, ptr = stack.pop()
        if isinstance(node, dict):
            if node.get("$anchor") == name or node.get("$id") == "#" + name:
                return ptr
            stack += [(v, pointer_join(ptr, k)) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [(v, pointer_join(ptr, i)) for i, v in enumerate(node)]
    return None


def _max_matching(n_left: int, n_right: int, fits: Callable[[int, int], bool]) -> dict[int, int]:
    """Maximum bipartite matching by augmenting paths (Kuhn); returns right -> left."""
    owner: dict[int, int] = {}

    def augment(left: int, seen: set[int]) -> bool:
        for right in range(n_right):
            if right in seen or not fits(left, right):
                continue
            seen.add(right)
            if right not in owner or augment(owner[right], seen):
                owner[right] = left
                return True
        return False

    for left in range(n_left):
        augment(left, set())
    return owner
