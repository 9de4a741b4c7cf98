"""The one interpreter of profiles: walk a schema, apply each keyword's rule, collect issues.

The walk never stops at the first problem: every keyword of every reachable schema object is
decided, and every error and warning names the source pointer it comes from. ``$ref``s become
``RefMarker``s; ``finalize`` later turns them into ``$defs`` references or inlined copies.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

from registry_core.dialects.bundle import Locator, Target
from registry_core.dialects.expand import Copy, expand
from registry_core.dialects.keywords import (
    ANNOTATION_KEYWORDS,
    LIST_APPLICATORS,
    MAP_APPLICATORS,
    SINGLE_APPLICATORS,
)
from registry_core.dialects.node_rewrites import NODE_REWRITERS
from registry_core.dialects.nodes import Entry, Node, node_of
from registry_core.dialects.output import Edge, Emitted, IssueLog, RefMarker, State
from registry_core.dialects.profiles import Profile, load_profiles
from registry_core.dialects.rewrites import KEYWORD_REWRITERS
from registry_core.dialects.rules import BASIC_ACTIONS, Rule

__all__ = ["MAX_INLINED_NODES", "Walk"]

# How many schema objects one export may copy in place of $refs. It guards the registry (CPU,
# memory, response size), not a provider's rule, so it is one constant for every dialect
# rather than profile data: definitions that each refer to the next twice double at every
# level, and 25 levels would be gigabytes.
MAX_INLINED_NODES = 10_000

_TYPED_BY = ("type", "enum", "const", "anyOf", "$ref")


class Walk:
    """One export in progress: the profile, the documents, the definitions found so far."""

    def __init__(self, profile: Profile, locator: Locator) -> None:
        self.profile = profile
        self.locator = locator
        self.log = IssueLog()
        self.defs: dict[str, Any] = {}
        self.edges: list[Edge] = []
        self._pending: list[tuple[str, Target]] = []
        self._queued: set[str] = set()
        self.copying: list[Copy] = []  # the targets whose copies are being walked, innermost last
        self.copies = 0  # schema objects copied in place of $refs so far
        self.root_wrapped = False  # set by finalize

    def run(self, document: Any) -> Any:
        """The exported root (with ``RefMarker``s), every reachable definition in ``defs``."""
        root = self.schema(document, "", "", State("#"))
        while self._pending:
            name, target = self._pending.pop(0)
            self.defs[name] = self.schema(target.schema, target.ptr, target.doc, State(name))
        return root

    # -- schema objects -------------------------------------------------------------------

    def schema(self, value: Any, ptr: str, doc: str, state: State) -> Any:
        """The export of the subschema ``value`` written at ``ptr``."""
        if value is True:
            value = {}
        if value is False:
            self.error(ptr, "false", "the schema 'false' (no value is valid) has no form here")
            return False
        if not isinstance(value, dict):
            self.log.error(ptr, "", f"expected a schema object, found {json.dumps(value)}")
            return Emitted(ptr)
        return self.node(node_of(value, ptr, doc), state)

    def node(self, node: Node, state: State, *, inline_ref: bool = False) -> Any:
        """The export of one schema object: every keyword by its rule, then node rewrites.

        ``inline_ref`` copies the target of a ``$ref`` in place even where the profile keeps
        references (a rewrite needs the target's keywords).
        """
        if self.copying and not self.count_copy(self.copying[-1][0]):
            return Emitted(node.ptr)
        errors_before = len(self.log.errors)
        expanded = expand(self, node, inline_ref=inline_ref)
        if expanded is None:
            return Emitted(node.ptr)
        node, copies = expanded
        self.copying.extend(copies)
        try:
            return self._keywords(node, state, errors_before)
        finally:
            del self.copying[len(self.copying) - len(copies) :]

    def _keywords(self, node: Node, state: State, errors_before: int) -> Any:
        out = Emitted(node.ptr)
        described: list[tuple[str, Any]] = []
        later: list[tuple[str, str, Entry, Rule]] = []
        for keyword, entry in node.entries.items():
            # Draft 7 wrote tuples as an items array; 2020-12 calls that prefixItems.
            as_keyword = keyword
            if keyword == "items" and isinstance(entry.value, list):
                as_keyword = "prefixItems"
            rule = self.profile.rule(as_keyword).resolve(keyword, node, self.profile.drops)
            if rule.action in BASIC_ACTIONS:
                self.apply(rule, as_keyword, keyword, entry, node, out, state, described)
            else:  # rewrites run once every kept keyword is in place: they read and amend it
                later.append((as_keyword, keyword, entry, rule))
        for as_keyword, keyword, entry, rule in later:
            self.apply(rule, as_keyword, keyword, entry, node, out, state, described)
        if later:  # rewritten keywords back in the author's order, added ones after
            out = Emitted(node.ptr, {k: out[k] for k in node.entries if k in out} | out)
        if described:
            self._describe(out, described)
        for name in self.profile.node_rewrites:
            NODE_REWRITERS[name](self, node, out)
        typed = any(k in out for k in _TYPED_BY)
        if self.profile.requires_type and not typed and len(self.log.errors) == errors_before:
            self.error(
                node.ptr,
                "type",
                "this schema accepts any value, but every schema needs a 'type' (or enum, "
                "const, anyOf, $ref); give it one",
            )
        return out

    def apply(
        self,
        rule: Rule,
        out_keyword: str,
        keyword: str,
        entry: Entry,
        node: Node,
        out: Emitted,
        state: State,
        described: list[tuple[str, Any]],
    ) -> None:
        """Carry out ``rule`` for ``keyword``, writing the result under ``out_keyword``."""
        match rule.action:
            case "keep":
                if out_keyword not in ("$defs", "definitions"):  # targets are found by $ref
                    out[out_keyword] = self.value(keyword, entry, node, state)
            case "drop":
                pass
            case "describe":
                described.append((keyword, entry.value))
                self.log.warn(
                    entry.pointer(keyword),
                    keyword,
                    f"{self.profile.title} does not enforce '{keyword}'; it was moved into the "
                    f"description ({keyword}: {_text(entry.value)}) as a hint to the model"
                    + (f"; {rule.hint}" if rule.hint else "")
                    + ". Validate the output against the source schema",
                    lossy=keyword not in ANNOTATION_KEYWORDS,
                )
            case "error":
                self.error(entry.pointer(keyword), keyword, self.refusal(out_keyword, rule))
            case _:
                for action in rule.actions:
                    KEYWORD_REWRITERS[action](self, node, keyword, entry, out, state, rule)

    def redispatch(
        self, out_keyword: str, keyword: str, entry: Entry, node: Node, out: Emitted, state: State
    ) -> None:
        """Apply the rule of ``out_keyword`` to a rewritten ``keyword`` (oneOf → anyOf, ...)."""
        rule = self.profile.rule(out_keyword).resolve(keyword, node, self.profile.drops)
        described: list[tuple[str, Any]] = []
        self.apply(rule, out_keyword, keyword, entry, node, out, state, described)
        if described:
            self._describe(out, described)

    def value(self, keyword: str, entry: Entry, node: Node, state: State) -> Any:
        """A kept keyword's value, its subschemas exported in turn."""
        value, doc = entry.value, entry.doc
        if keyword == "$ref":
            return self.reference(entry, state, inline=False)
        if keyword == "properties" and isinstance(value, dict):
            required = node.get("required") or []
            return {
                name: self.schema(
                    sub,
                    entry.child(keyword, name),
                    doc,
                    replace(state, optional=state.optional or name not in required),
                )
                for name, sub in value.items()
            }
        if keyword in MAP_APPLICATORS and isinstance(value, dict):
            return {
                name: self.schema(sub, entry.child(keyword, name), doc, state)
                for name, sub in value.items()
            }
        if (keyword in LIST_APPLICATORS or keyword == "items") and isinstance(value, list):
            return [
                self.schema(sub, entry.child(keyword, i), doc, state) for i, sub in enumerate(value)
            ]
        if keyword in SINGLE_APPLICATORS and isinstance(value, dict):
            return self.schema(value, entry.pointer(keyword), doc, state)
        return copy.deepcopy(value)

    def reference(self, entry: Entry, state: State, *, inline: bool) -> RefMarker | None:
        """A marker for the ``$ref`` of ``entry``; its target is queued for export."""
        target = self.locator.resolve(str(entry.value), entry.doc)
        if isinstance(target, str):
            self.log.error(entry.pointer("$ref"), "$ref", f"unresolvable reference: {target}")
            return None
        name = self.locator.name_of(target)
        if name != "#" and name not in self._queued:
            self._queued.add(name)
            self._pending.append((name, target))
        ptr = entry.pointer("$ref")
        self.edges.append(Edge(state.owner, name, ptr, state.optional, inline))
        return RefMarker(name, ptr, inline)

    # -- helpers --------------------------------------------------------------------------

    def count_copy(self, ptr: str) -> bool:
        """Count one schema object copied in place of the ``$ref`` at ``ptr``: False once the
        export has copied more than ``MAX_INLINED_NODES`` (an error at ``ptr`` the first time)."""
        self.copies += 1
        if self.copies == MAX_INLINED_NODES + 1:
            self.error(ptr, "$ref", self._too_many_copies())
        return self.copies <= MAX_INLINED_NODES

    def _too_many_copies(self) -> str:
        def keeps_defs(profile: Profile) -> bool:
            rule = profile.rule("$ref")
            return rule.when is not None or rule.action != "inline_refs"

        if keeps_defs(self.profile):
            how = "a $ref with sibling keywords or inside an allOf is copied in place"
            fix = (
                "use plain $refs there (no siblings, no allOf), which stay references into "
                "$defs, or restructure the schema"
            )
        else:
            how = "it takes no $defs, so every $ref is copied in place"
            keeping = [
                p.dialect
                for p in load_profiles().values()
                if p.default and p.dialect != self.profile.dialect and keeps_defs(p)
            ]
            fix = f"export to a dialect that keeps $defs ({', '.join(keeping)}), or restructure it"
        return (
            f"{how}, and the copies passed {MAX_INLINED_NODES:,} schema objects at this $ref, "
            "so the export stopped (definitions that each refer to the next several times "
            f"double at every level); {fix} so that no definition is reached along that many "
            "paths"
        )

    def error(self, path: str, keyword: str, message: str) -> None:
        """Record an error, prefixed with the profile's title."""
        self.log.error(path, keyword, f"{self.profile.title}: {message}")

    def refusal(self, keyword: str, rule: Rule) -> str:
        """Why ``keyword`` cannot be exported, and what to do instead."""
        text = f"'{keyword}' cannot be expressed"
        if rule.hint:
            return f"{text}; {rule.hint}"
        if keyword not in self.profile.keywords:
            return (
                f"'{keyword}' is not a JSON Schema keyword this exporter knows; it refuses to "
                "pass unknown keywords through, since a backend that ignores them would not "
                "enforce them. Remove it"
            )
        keeping = [
            p.dialect
            for p in load_profiles().values()
            if p.default
            and p.dialect != self.profile.dialect
            and p.rule(keyword).actions == ("keep",)
            and p.rule(keyword).when is None
        ]
        where = f" or export to {', '.join(keeping)}" if keeping else ""
        return f"{text}; remove it from the schema{where}"

    def _describe(self, out: Emitted, described: list[tuple[str, Any]]) -> None:
        # The same shape as the Anthropic SDK's transform_schema, so models see one convention.
        block = "{" + ", ".join(f"{k}: {_text(v)}" for k, v in described) + "}"
        prior = out.get("description")
        out["description"] = f"{prior}\n\n{block}" if isinstance(prior, str) and prior else block


def _text(value: Any) -> str:
    """A keyword value as the description shows it: strings bare, the rest as JSON."""
    return value if isinstance(value, str) else json.dumps(value)
