"""JSON Schema (drafts 7, 2019-09, 2020-12): parsing, ``$ref`` references, fields, compatibility."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import Any, cast

import jsonschema
import jsonschema.exceptions
import referencing
import referencing.exceptions
import referencing.jsonschema

from registry_core.errors import InvalidSchema
from registry_core.formats.base import ParsedSchema, ResolvedReference, compact_json, load_json
from registry_core.formats.jsonschema_compat import check_compatibility
from registry_core.models import CompatibilityPolicy, FieldInfo, Incompatibility, SchemaType

__all__ = ["DRAFTS", "JsonSchemaFormat", "pointer"]

# $schema URI (without trailing '#') -> validator class; absent means draft 7, as in Confluent
DRAFTS: dict[str, type[Any]] = {
    "http://json-schema.org/draft-04/schema": jsonschema.Draft4Validator,
    "http://json-schema.org/draft-06/schema": jsonschema.Draft6Validator,
    "http://json-schema.org/draft-07/schema": jsonschema.Draft7Validator,
    "https://json-schema.org/draft/2019-09/schema": jsonschema.Draft201909Validator,
    "https://json-schema.org/draft/2020-12/schema": jsonschema.Draft202012Validator,
}
_DOC_KEYS = frozenset({"description", "title", "examples", "$comment"})


def pointer(parts: Iterator[Any] | Sequence[Any]) -> str:
    """A JSON pointer (RFC 6901) from path parts; the root is ``/``."""
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return "/" + "/".join(escaped) if escaped else "/"


def _strip(node: Any, drop: frozenset[str]) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v, drop) for k, v in node.items() if k not in drop}
    if isinstance(node, list):
        return [_strip(v, drop) for v in node]
    return node


def _validator_class(document: Any) -> type[Any]:
    if not isinstance(document, dict) or "$schema" not in document:
        return cast(type[Any], jsonschema.Draft7Validator)
    uri = document["$schema"]
    if not isinstance(uri, str) or uri.rstrip("#") not in DRAFTS:
        raise InvalidSchema(
            f"Invalid JSON Schema: unsupported $schema {uri!r}; supported drafts are "
            + ", ".join(DRAFTS)
        )
    return DRAFTS[uri.rstrip("#")]


def _refs(node: Any, path: list[Any]) -> Iterator[tuple[str, str]]:
    """Every ``$ref`` in the document with the JSON pointer where it stands."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref, pointer([*path, "$ref"])
        for key, value in node.items():
            if key not in ("enum", "const", "default", "examples"):
                yield from _refs(value, [*path, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _refs(value, [*path, index])


# Validation keywords of a property's own node that a reviewer of a change wants to see
_CONSTRAINT_KEYWORDS = (
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "additionalProperties",
    "default",
)


def _constraints(node: Any) -> dict[str, Any]:
    """The validation keywords of one schema node, as written (copies, not the document's own).

    ``additionalProperties`` counts only as ``true``/``false``: a schema there is structure.
    """
    if not isinstance(node, dict):
        return {}
    out = {k: copy.deepcopy(node[k]) for k in _CONSTRAINT_KEYWORDS if k in node}
    if not isinstance(out.get("additionalProperties", False), bool):
        del out["additionalProperties"]
    return out


class JsonSchemaFormat:
    """The JSON Schema language (``schemaType`` JSON)."""

    schema_type = SchemaType.JSON

    def parse(self, text: str, references: Sequence[ResolvedReference] = ()) -> ParsedSchema:
        document = load_json(text, "JSON Schema")
        if not isinstance(document, dict | bool):
            raise InvalidSchema(
                f"Invalid JSON Schema: the root must be an object or a boolean, "
                f"not {type(document).__name__}"
            )
        validator = _validator_class(document)
        self._check_against_metaschema(validator, document, "JSON Schema")
        registry = self._registry(document, references)
        self._check_refs_resolve(document, registry)
        return ParsedSchema(
            schema_type=SchemaType.JSON,
            document=document,
            canonical=compact_json(document),
            normalized=compact_json(document, sort_keys=True),
            structure=compact_json(_strip(document, _DOC_KEYS), sort_keys=True),
            native=registry,
            references=tuple(references),
        )

    @staticmethod
    def _check_against_metaschema(validator: type[Any], document: Any, where: str) -> None:
        try:
            validator.check_schema(document)
        except jsonschema.exceptions.SchemaError as exc:
            raise InvalidSchema(f"Invalid {where} at {pointer(exc.path)}: {exc.message}") from None
        except RecursionError:
            raise InvalidSchema(f"Invalid {where}: nested too deeply") from None

    def _registry(
        self, document: Any, references: Sequence[ResolvedReference]
    ) -> referencing.Registry[Any]:
        """A ``referencing`` registry holding every reference under its name (its ``$ref`` URL)."""
        resources = []
        for ref in references:
            if ref.schema_type is not SchemaType.JSON:
                raise InvalidSchema(
                    f"Invalid schema: reference '{ref.name}' points to a "
                    f"{ref.schema_type.value} schema; JSON Schema can only reference JSON schemas"
                )
            contents = load_json(ref.schema, f"referenced schema '{ref.name}'")
            spec = referencing.jsonschema.specification_with(
                _validator_class(contents).META_SCHEMA["$schema"]
            )
            resources.append((ref.name, spec.create_resource(contents)))
        root_spec = referencing.jsonschema.specification_with(
            _validator_class(document).META_SCHEMA["$schema"]
        )
        registry: referencing.Registry[Any] = referencing.Registry().with_resources(resources)
        root: referencing.Registry[Any] = registry.with_resource(
            "", root_spec.create_resource(document)
        )
        return root

    @staticmethod
    def _check_refs_resolve(document: Any, registry: referencing.Registry[Any]) -> None:
        resolver = registry.resolver(base_uri="")
        for ref, where in _refs(document, []):
            if ref.startswith("#"):
                continue
            try:
                resolver.lookup(ref)
            except referencing.exceptions.Unresolvable:
                raise InvalidSchema(
                    f"Invalid schema: $ref '{ref}' at {where} cannot be resolved; register the "
                    "schema it names and pass it in 'references' as "
                    f'{{"name": "{ref.split("#")[0]}", "subject": ..., "version": ...}}'
                ) from None

    def fields(self, schema: ParsedSchema) -> list[FieldInfo]:
        out: list[FieldInfo] = []
        self._collect(schema.document, "", out, depth=0)
        return out

    def _collect(self, node: Any, prefix: str, out: list[FieldInfo], depth: int) -> None:
        if not isinstance(node, dict) or depth > 32:
            return
        required = set(node.get("required", []) or [])
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                path = f"{prefix}/{name}"
                out.append(
                    FieldInfo(
                        path=path,
                        type=self._type_label(sub),
                        required=name in required,
                        doc=sub.get("description") if isinstance(sub, dict) else None,
                        constraints=_constraints(sub),
                    )
                )
                self._collect(sub, path, out, depth + 1)
        items = node.get("items")
        if isinstance(items, dict):
            self._collect(items, f"{prefix}/*", out, depth + 1)
        for combinator in ("allOf", "anyOf", "oneOf"):
            for branch in node.get(combinator, []) or []:
                self._collect(branch, prefix, out, depth + 1)

    @staticmethod
    def _type_label(node: Any) -> str:
        if not isinstance(node, dict):
            return "any" if node is True else "never"
        kind = node.get("type")
        if isinstance(kind, list):
            return "|".join(str(k) for k in kind)
        if isinstance(kind, str):
            if kind == "array" and isinstance(node.get("items"), dict):
                return f"array<{JsonSchemaFormat._type_label(node['items'])}>"
            return kind
        if "$ref" in node:
            return f"$ref:{node['$ref']}"
        for combinator in ("anyOf", "oneOf", "allOf"):
            if combinator in node:
                return combinator
        if "enum" in node:
            return "enum"
        return "any"

    def check(
        self,
        *,
        reader: ParsedSchema,
        writer: ParsedSchema,
        policy: CompatibilityPolicy,
        labels: tuple[str, str] = ("new", "old"),
    ) -> list[Incompatibility]:
        registries: list[referencing.Registry[Any]] = [reader.native, writer.native]

        def resolve(uri: str) -> Any:
            # reader and writer may carry different references: look in both
            for registry in registries:
                try:
                    return registry.contents(uri)
                except (referencing.exceptions.NoSuchResource, LookupError):
                    continue
            raise KeyError(uri)

        return check_compatibility(
            reader.document,
            writer.document,
            lenient=policy is CompatibilityPolicy.LENIENT,
            resolve=resolve,
            labels=labels,
        )
