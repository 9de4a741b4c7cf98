"""Find what a ``$ref`` points at, in the schema or in the documents it references.

An export must be self-contained, so every target (a local ``$defs`` entry, another subject's
document passed as a resource, a pointer or an ``$anchor`` in either) becomes one named
definition of the exported schema. Targets are found by location, so each one is transformed
once and its issues name the place it was written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from registry_core.dialects.keywords import child_pointer

__all__ = ["Locator", "Target"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_DEF_KEYWORDS = ("$defs", "definitions")


@dataclass(frozen=True)
class Target:
    """What a reference resolves to: the document, the pointer inside it and the schema."""

    doc: str
    ptr: str
    schema: Any

    @property
    def key(self) -> tuple[str, str]:
        """Identity of the target."""
        return (self.doc, self.ptr)


class Locator:
    """Resolves references among the source schema (document ``""``) and its resources.

    Pointers inside a resource carry its URL and ``#`` before the JSON pointer, so an issue
    found there names the document too.
    """

    def __init__(self, document: Any, resources: Sequence[tuple[str, Any]]) -> None:
        self.documents: dict[str, Any] = {"": document}
        self._aliases: dict[str, str] = {}
        self._bases: dict[str, str] = {"": _id_of(document)}
        for url, resource in resources:
            self.documents[url] = resource
            self._bases[url] = _id_of(resource) or url
            self._aliases[url] = url
        for key, base in self._bases.items():
            if base:
                self._aliases.setdefault(urldefrag(base)[0], key)
        self._names: dict[tuple[str, str], str] = {}
        self._taken: set[str] = set()
        # Local definitions keep their own names; reserve them before any other target.
        if isinstance(document, dict):
            for keyword in _DEF_KEYWORDS:
                definitions = document.get(keyword)
                for name in definitions if isinstance(definitions, dict) else ():
                    self.name_of(Target("", child_pointer("", keyword, name), None))

    def root_pointer(self, doc: str) -> str:
        """The pointer prefix of document ``doc``."""
        return f"{doc}#" if doc else ""

    def resolve(self, ref: str, doc: str) -> Target | str:
        """The target of ``ref`` written in document ``doc``, or why it cannot be found."""
        uri, fragment = urldefrag(ref)
        target_doc = doc
        if uri:
            joined = urljoin(self._bases[doc], uri)
            found = self._aliases.get(joined, self._aliases.get(uri))
            if found is None:
                known = ", ".join(sorted(k for k in self.documents if k)) or "none"
                return f"'{ref}' names a document that was not passed (resources: {known})"
            target_doc = found
        document = self.documents[target_doc]
        if fragment.startswith("/") or fragment == "":
            tokens = [_unescape(t) for t in unquote(fragment).split("/")[1:]]
            schema = _follow(document, tokens)
            if schema is _MISSING:
                return f"'{ref}' points at nothing"
            ptr = child_pointer(self.root_pointer(target_doc), *tokens)
            return Target(target_doc, ptr, schema)
        for ptr, schema in _walk(document, self.root_pointer(target_doc)):
            if schema.get("$anchor") == fragment or schema.get("$id") == f"#{fragment}":
                return Target(target_doc, ptr, schema)
        return f"'{ref}' names an anchor that does not exist"

    def name_of(self, target: Target) -> str:
        """The ``$defs`` name the target gets in the export (``"#"`` for the source root)."""
        if target.key in self._names:
            return self._names[target.key]
        prefix = self.root_pointer(target.doc)
        tokens = [_unescape(t) for t in target.ptr[len(prefix) :].split("/")[1:]]
        if not target.doc and not tokens:
            return "#"
        stem = (
            [target.doc.rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")] if target.doc else []
        )
        parts = stem + [t for t in tokens if t not in _DEF_KEYWORDS]
        base = _UNSAFE.sub("_", "_".join(parts)) or "root"
        name, n = base, 1
        while name in self._taken:
            n += 1
            name = f"{base}_{n}"
        self._taken.add(name)
        self._names[target.key] = name
        return name


_MISSING = object()


def _id_of(document: Any) -> str:
    found = document.get("$id") if isinstance(document, dict) else None
    return found if isinstance(found, str) else ""


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _follow(document: Any, tokens: list[str]) -> Any:
    node = document
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _MISSING
    return node


def _walk(node: Any, ptr: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema-like object under ``node`` with its pointer."""
    if isinstance(node, dict):
        yield ptr, node
        for key, value in node.items():
            if key not in ("enum", "const", "default", "examples"):
                yield from _walk(value, child_pointer(ptr, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, child_pointer(ptr, i))
