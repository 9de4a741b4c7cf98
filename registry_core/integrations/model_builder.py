"""Pydantic model classes generated at run time from a JSON Schema (any registered schema's view).

Objects become nested models (``extra="forbid"`` for ``additionalProperties: false``), with
required and optional fields, descriptions and aliases for names that are not identifiers;
``type`` lists and nullable fields become unions; ``enum``/``const`` become ``Literal``; arrays
become lists; ``$ref``/``$defs`` become shared models, recursion included; bounds become
``Field(ge=, le=, gt=, lt=, min_length=, max_length=)``.

The verdict of a generated model is exactly the registry's: every type is strict (``"1"`` is not
an integer, ``true`` is not ``1``), and what a Pydantic type cannot state exactly (``pattern``
and ``multipleOf`` in the registry's regex and number semantics, ``oneOf``, ``allOf``, ``not``,
``if``/``then``/``else``, ``patternProperties``, ``uniqueItems``, ...) is checked by the
registry's own validator at that node, in a ``BeforeValidator`` (or at the root, in a
``model_validator``); the class docstring lists those places.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, ForwardRef, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    Strict,
    create_model,
    model_validator,
)

from registry_core.dialects.keywords import child_pointer
from registry_core.integrations.model_checks import NodeChecker
from registry_core.integrations.model_types import (
    ALL_TYPES,
    Check,
    check_runner,
    class_name,
    field_name,
    fits_number,
    has_scoped,
    integer_type,
    length_bounds,
    model_docstring,
    never,
    node_types,
    numeric_bounds,
    with_checks,
)
from registry_core.integrations.schema_nav import json_type, last_token, resolve
from registry_core.validation.view import SchemaView

__all__ = ["build_model"]

_LEGACY = {
    "http://json-schema.org/draft-04/schema",
    "http://json-schema.org/draft-06/schema",
    "http://json-schema.org/draft-07/schema",
}
# Keywords a validator acts on; anything else in a node is an annotation.
_VALIDATION = frozenset(
    """type enum const properties required additionalProperties items minItems maxItems
    minLength maxLength minimum maximum exclusiveMinimum exclusiveMaximum multipleOf
    pattern uniqueItems minProperties maxProperties propertyNames patternProperties
    dependentRequired dependentSchemas dependencies contains minContains maxContains
    prefixItems additionalItems unevaluatedItems unevaluatedProperties not if then else
    allOf anyOf oneOf $ref $dynamicRef $recursiveRef""".split()  # noqa: SIM905
)
# What the Pydantic types below state exactly (the rest goes to NodeChecker).
_NATIVE = frozenset(
    """type properties required additionalProperties items minItems maxItems minLength
    maxLength minimum maximum exclusiveMinimum exclusiveMaximum anyOf""".split()  # noqa: SIM905
)
_DRAFT_4 = "http://json-schema.org/draft-04/schema"


def build_model(view: SchemaView, *, name: str, doc: str = "") -> type[BaseModel]:
    """A model class whose instances are exactly the records ``view`` accepts."""
    return _Builder(view).build(name, doc)


class _Builder:
    def __init__(self, view: SchemaView) -> None:
        self.view = view
        self.document = view.document
        self.legacy = view.draft in _LEGACY
        self.draft4 = view.draft == _DRAFT_4
        self.checker = NodeChecker(view)
        self.models: dict[str, type[BaseModel] | str] = {}  # pointer -> class (or its name)
        self.namespace: dict[str, Any] = {}
        self.checked: list[str] = []  # "keywords at pointer", for the docstring
        self.root_checks: list[Check] = []
        self.whole_document = False  # a construct only the whole-document check can judge

    def build(self, name: str, doc: str) -> type[BaseModel]:
        validators: dict[str, Any] = {
            "registry_checks": model_validator(mode="before")(check_runner(self.root_checks))
        }
        root, pointer = self.document, ""
        ref = root.get("$ref") if isinstance(root, dict) else None
        if isinstance(ref, str) and not set(root) & (_VALIDATION - {"$ref"}):
            root, pointer = resolve(root, self.document), ref[1:]  # Avro views: a named record
        cls: type[BaseModel]
        if has_scoped(self.document):
            # $id, $anchor or dynamic references move the base of references: no types, one check
            self.whole_document = True
            cls = create_model(name, __base__=RootModel[Any], __validators__=validators)
        elif isinstance(root, dict) and self._is_model(root) and node_types(root) == ("object",):
            cls = self._model(pointer, root, name, validators=validators)
        else:
            annotation = self._annotation(self.document, "", name)
            cls = create_model(
                name,
                __base__=RootModel[annotation],  # type: ignore[valid-type]
                __validators__=validators,
            )
        if self.whole_document:
            self.root_checks.append(self.checker.whole(self.view))
            self.checked.append("the whole document (references the generator cannot follow)")
        cls.__doc__ = model_docstring(doc, self.checked)
        for model in [*self.namespace.values(), cls]:
            model.model_rebuild(_types_namespace=self.namespace, force=True)
        return cls

    # --- nodes ------------------------------------------------------------------------------

    def _annotation(self, node: Any, pointer: str, hint: str) -> Any:
        """A type accepting exactly the values ``node`` accepts (checks attached)."""
        kind, checks = self._node(node, pointer, hint)
        return with_checks(kind, checks)

    def _node(self, node: Any, pointer: str, hint: str) -> tuple[Any, list[Check]]:
        if node is True or node == {}:
            return Any, []
        if node is False or not isinstance(node, dict):
            self.checked.append(f"false at {pointer or '/'}")
            return Any, [never(pointer)]
        if "$ref" in node:
            return self._ref(node, pointer, hint)
        validating = {k: v for k, v in node.items() if k in _VALIDATION}
        if "enum" in node or "const" in node or any(k.startswith("unevaluated") for k in node):
            # every keyword of the node in one check; the type is just the members
            return self._members(node), self._checks(validating, pointer)
        rest = {k: v for k, v in validating.items() if k not in _NATIVE}
        if any(isinstance(node.get(k), bool) for k in ("exclusiveMinimum", "exclusiveMaximum")):
            # draft 4: a boolean exclusive bound changes minimum/maximum; check them together
            bounds = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
            rest.update({k: node[k] for k in bounds if k in node})
        checks = self._checks(rest, pointer)
        return self._typed(node, pointer, hint, checks), checks

    def _ref(self, node: dict[str, Any], pointer: str, hint: str) -> tuple[Any, list[Check]]:
        ref = node["$ref"]
        target = resolve(node, self.document)
        if target is node or not isinstance(ref, str):  # not a local pointer
            self.whole_document = True
            return Any, []
        siblings = {} if self.legacy else {k: v for k, v in node.items() if k in _VALIDATION}
        siblings.pop("$ref", None)
        checks = self._checks(siblings, pointer)
        target_pointer = ref[1:]
        hint = last_token(target_pointer) or hint
        if isinstance(target, dict) and self._is_model(target):
            plain_object = not {"$ref", "enum", "const"} & target.keys()
            if plain_object and node_types(target) == ("object",):
                return self._model_ref(target_pointer, target, hint), checks
            # other types allowed too: the union holds the model, built once at this pointer
            kind, inner = self._node(target, target_pointer, hint)
            return kind, [*inner, *checks]
        if target_pointer in self.models:  # a cycle through non-object schemas
            self.whole_document = True
            return Any, checks
        self.models[target_pointer] = "..."
        kind, inner = self._node(target, target_pointer, hint)
        del self.models[target_pointer]
        return kind, [*inner, *checks]

    def _checks(self, keywords: dict[str, Any], pointer: str) -> list[Check]:
        if not keywords:
            return []
        check = self.checker.keywords(keywords, self.document)
        self.checked.append(f"{', '.join(sorted(keywords))} at {pointer or '/'}")
        if check is None:  # refers out of $defs: the whole-document check has it
            self.whole_document = True
            return []
        return [check]

    def _members(self, node: dict[str, Any]) -> Any:
        members = node["enum"] if "enum" in node else [node.get("const")]
        if not isinstance(members, list) or ("enum" in node and "const" in node):
            return Any
        allowed = node_types(node)
        scalars = [m for m in members if m is None or isinstance(m, str | int | bool)]
        kept = [m for m in scalars if json_type(m) in allowed or fits_number(m, allowed)]
        if len(scalars) == len(members) and kept:
            return Literal[tuple(kept)]
        return Any

    def _typed(self, node: dict[str, Any], pointer: str, hint: str, checks: list[Check]) -> Any:
        native = {k for k in node if k in _NATIVE}
        if "anyOf" in node and isinstance(node["anyOf"], list):
            if native == {"anyOf"}:
                branches = [
                    self._annotation(b, f"{pointer}/anyOf/{i}", hint)
                    for i, b in enumerate(node["anyOf"])
                ]
                return Union[tuple(branches)] if branches else Any  # noqa: UP007
            checks.extend(self._checks({"anyOf": node["anyOf"]}, pointer))
        types = node_types(node)
        if len(types) == len(ALL_TYPES) and not native - {"type", "anyOf"}:
            return Any
        kinds = [self._branch(t, node, pointer, hint) for t in types]
        return kinds[0] if len(kinds) == 1 else Union[tuple(kinds)]  # noqa: UP007

    def _branch(self, kind: str, node: dict[str, Any], pointer: str, hint: str) -> Any:
        if kind == "null":
            return None
        if kind == "boolean":
            return Annotated[bool, Strict()]
        if kind == "string":
            return Annotated[str, Strict(), Field(**length_bounds(node, "minLength", "maxLength"))]
        if kind == "integer":
            return integer_type(node, whole_floats=not self.draft4)
        if kind == "number":
            floats = Annotated[float, Strict(), numeric_bounds(node)]
            return Union[integer_type(node, whole_floats=not self.draft4), floats]  # noqa: UP007
        if kind == "array":
            return self._array(node, pointer, hint)
        if self._is_model(node):
            return self._model_ref(pointer, node, hint)
        return self._dict(node, pointer, hint)

    def _array(self, node: dict[str, Any], pointer: str, hint: str) -> Any:
        items = node.get("items", True)
        bounds = Field(**length_bounds(node, "minItems", "maxItems"))
        if isinstance(items, list) or "prefixItems" in node:
            # tuples: positions the list type cannot state; items rides with them in one check
            keys = ("items", "prefixItems", "additionalItems")
            checks = self._checks({k: node[k] for k in keys if k in node}, pointer)
            return Annotated[list[Any], bounds, *(BeforeValidator(c) for c in checks)]
        item = self._annotation(items, f"{pointer}/items", f"{hint} item")
        return Annotated[list[item], bounds]  # type: ignore[valid-type]

    def _dict(self, node: dict[str, Any], pointer: str, hint: str) -> Any:
        """An object without named properties: a dict of its additionalProperties values."""
        extra = node.get("additionalProperties", True)
        keywords = {k: node[k] for k in ("required",) if k in node}
        if "patternProperties" in node and extra is not True:
            keywords["additionalProperties"] = extra  # beside patternProperties (in the check)
            keywords["patternProperties"] = node["patternProperties"]
            extra = True
        checks = self._checks(keywords, pointer)
        values = self._annotation(extra, f"{pointer}/additionalProperties", hint)
        return with_checks(dict[str, values], checks)  # type: ignore[valid-type]

    # --- objects ----------------------------------------------------------------------------

    def _is_model(self, node: dict[str, Any]) -> bool:
        """An object with named properties (or a closed one) is a model; others are dicts."""
        if "object" not in node_types(node):
            return False
        return bool(node.get("properties")) or node.get("additionalProperties") is False

    def _model_ref(self, pointer: str, node: dict[str, Any], hint: str) -> Any:
        built = self.models.get(pointer)
        if built is None:
            built = self._model(pointer, node, class_name(hint, self.namespace))
        return built if isinstance(built, type) else ForwardRef(built)

    def _model(
        self,
        pointer: str,
        node: dict[str, Any],
        name: str,
        *,
        validators: dict[str, Any] | None = None,
    ) -> type[BaseModel]:
        self.models[pointer] = name  # a reference back to it while building: its name
        self.namespace[name] = None
        props: dict[str, Any] = node.get("properties") or {}
        required = {r for r in node.get("required") or () if isinstance(r, str)}
        extra = node.get("additionalProperties", True)
        closed = extra is False and "patternProperties" not in node
        keywords: dict[str, Any] = {}
        if required - props.keys():
            keywords["required"] = sorted(required - props.keys())
        if not closed and extra is not True:
            keywords["properties"] = {p: True for p in props}
            keywords["additionalProperties"] = extra
            if "patternProperties" in node:
                keywords["patternProperties"] = node["patternProperties"]
        own = self._checks(keywords, pointer)
        if validators is None:
            validators = {"registry_checks": model_validator(mode="before")(check_runner(own))}
        else:
            self.root_checks.extend(own)
        fields: dict[str, Any] = {}
        taken: set[str] = set()
        for prop, sub in props.items():
            annotation = self._annotation(sub, child_pointer(pointer, "properties", prop), prop)
            info = sub if isinstance(sub, dict) else {}
            python_name = field_name(prop, taken)
            default: Any = ... if prop in required else copy.deepcopy(info.get("default"))
            fields[python_name] = (
                annotation,
                Field(
                    default,
                    alias=prop if python_name != prop else None,
                    description=info.get("description"),
                    title=info.get("title"),
                ),
            )
        config = ConfigDict(
            extra="forbid" if closed else "allow",
            serialize_by_alias=True,
            protected_namespaces=(),
            defer_build=True,
        )
        model: type[BaseModel] = create_model(
            name,
            __config__=config,
            __doc__=node.get("description"),
            __validators__=validators,
            **fields,
        )
        self.models[pointer] = model
        self.namespace[name] = model
        return model
