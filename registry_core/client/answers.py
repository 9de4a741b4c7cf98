"""The server's JSON answers read into the registry's own values.

Every reader checks the shape it relies on and names the request and the field when the answer
does not have it (``UnexpectedResponse``), rather than failing later with a ``KeyError``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from registry_core.client.calls import Call
from registry_core.client.errors import UnexpectedResponse
from registry_core.errors import RegistryError
from registry_core.lifecycle import LifecycleState, Proposal
from registry_core.models import (
    FIRST_SEMVER,
    CompatibilityLevel,
    CompatibilityReport,
    Incompatibility,
    SchemaRecord,
    SchemaReference,
    SchemaType,
    SemVer,
    SemVerBump,
    SubjectVersion,
)

if TYPE_CHECKING:  # imported when first read: they cost the client's import ~60 ms
    from registry_core.dialects.results import ExportResult
    from registry_core.responses import ResponseValidation

__all__ = ["Registration"]

V = TypeVar("V")
# compatibility.check_against writes "{kind} at {path}: {message} (against version {n})"
_ISSUE = re.compile(
    r"(?P<kind>\S+) at (?P<path>.*?): (?P<message>.*) \(against version (?P<v>\d+)\)"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Registration:
    """What registering a schema under a subject gave: its global id and the subject's version.

    Registering a schema the subject already has returns the existing id and version.
    """

    subject: str
    schema_id: int
    version: int
    guid: str | None
    semver: SemVer | None
    schema_type: SchemaType


class Answer:
    """A JSON object answered to ``call``, read field by field."""

    def __init__(self, call: Call, body: Any, where: str = "") -> None:
        self.call, self.body, self.where = call, body, where
        if not isinstance(body, dict):
            self.fail(f"expected a JSON object, got {type(body).__name__}")

    def fail(self, problem: str) -> NoReturn:
        at = f" at {self.where}" if self.where else ""
        raise UnexpectedResponse(f"{self.call.describe()}: unexpected answer{at}: {problem}")

    def get(self, name: str, kind: type[V]) -> V:
        """The field ``name``, which must be present and a ``kind``."""
        found = self.optional(name, kind)
        if found is None:
            self.fail(f"'{name}' is missing")
        return found

    def optional(self, name: str, kind: type[V]) -> V | None:
        """The field ``name`` if present and not null; a ``kind`` then."""
        value = self.body.get(name)
        if value is None:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.fail(f"'{name}' should be {kind.__name__}, not {value!r}")
        return value

    def field(self, name: str) -> Any:
        """The field ``name``, which must be present; any JSON value, null included."""
        if name not in self.body:
            self.fail(f"'{name}' is missing")
        return self.body[name]

    def objects(self, name: str) -> list[Answer]:
        """The list field ``name`` (which must be present), each item read as an object."""
        found = self.get(name, list)
        return [Answer(self.call, item, f"{name}[{index}]") for index, item in enumerate(found)]

    def schema_type(self) -> SchemaType:
        try:
            return SchemaType.parse(self.optional("schemaType", str))
        except RegistryError as exc:  # a type this client does not know
            self.fail(exc.message)

    def references(self) -> tuple[SchemaReference, ...]:
        found = self.optional("references", list) or []
        refs = []
        for index, item in enumerate(found):
            ref = Answer(self.call, item, f"references[{index}]")
            refs.append(
                SchemaReference(
                    name=ref.get("name", str),
                    subject=ref.get("subject", str),
                    version=ref.get("version", int),
                )
            )
        return tuple(refs)

    def semver(self) -> SemVer | None:
        text = self.optional("semver", str)
        try:
            return SemVer.parse(text) if text else None
        except ValueError:
            self.fail(f"'semver' should be MAJOR.MINOR.PATCH, not {text!r}")

    def time(self, name: str) -> datetime | None:
        text = self.optional(name, str)
        try:
            return datetime.fromisoformat(text) if text else None
        except ValueError:
            self.fail(f"'{name}' should be an ISO-8601 time, not {text!r}")


def schema_record(call: Call, body: Any, schema_id: int) -> SchemaRecord:
    """``GET /schemas/ids/{id}``."""
    answer = Answer(call, body)
    return SchemaRecord(
        id=schema_id,
        guid=answer.get("guid", str),
        schema_type=answer.schema_type(),
        schema=answer.get("schema", str),
        references=answer.references(),
    )


def subject_version(call: Call, body: Any) -> SubjectVersion:
    """``GET /subjects/{s}/versions/{v}``."""
    answer = Answer(call, body)
    return SubjectVersion(
        subject=answer.get("subject", str),
        version=answer.get("version", int),
        schema_id=answer.get("id", int),
        guid=answer.get("guid", str),
        schema_type=answer.schema_type(),
        schema=answer.get("schema", str),
        references=answer.references(),
        semver=answer.semver() or FIRST_SEMVER,
        deleted=bool(answer.optional("deleted", bool)),
        state=answer.optional("lifecycle", str) or "ACTIVE",
    )


def registration(call: Call, body: Any, subject: str) -> Registration:
    """``POST /subjects/{s}/versions``."""
    answer = Answer(call, body)
    return Registration(
        subject=subject,
        schema_id=answer.get("id", int),
        version=answer.get("version", int),
        guid=answer.optional("guid", str),
        semver=answer.semver(),
        schema_type=answer.schema_type(),
    )


def compatibility_level(
    call: Call, body: Any, name: str = "compatibilityLevel"
) -> CompatibilityLevel:
    """A level from a config (``compatibilityLevel``) or a policy (``compatibility``)."""
    answer = Answer(call, body)
    text = answer.get(name, str)
    try:
        return CompatibilityLevel.parse(text)
    except RegistryError as exc:
        answer.fail(exc.message)


def compatibility_report(call: Call, body: Any, level: CompatibilityLevel) -> CompatibilityReport:
    """``POST /compatibility/...?verbose=true``: each message that has the registry's
    ``KIND at PATH: MESSAGE (against version N)`` shape also becomes an ``Incompatibility``."""
    answer = Answer(call, body)
    messages = tuple(answer.optional("messages", list) or ())
    issues, versions = [], []
    for index, text in enumerate(messages):
        if not isinstance(text, str):
            answer.fail(f"'messages[{index}]' should be str, not {text!r}")
        match = _ISSUE.fullmatch(text)
        if match is None:
            continue
        issues.append(
            Incompatibility(kind=match["kind"], path=match["path"], message=match["message"])
        )
        if int(match["v"]) not in versions:
            versions.append(int(match["v"]))
    bump = answer.optional("semver_bump", str)
    try:
        semver_bump = SemVerBump(bump) if bump else None
    except ValueError:
        answer.fail(f"'semver_bump' should be major, minor or patch, not {bump!r}")
    return CompatibilityReport(
        is_compatible=answer.get("is_compatible", bool),
        level=level,
        incompatibilities=tuple(issues),
        compared_versions=tuple(versions),
        semver_bump=semver_bump,
        messages=messages,
    )


def proposal(call: Call, body: Any) -> Proposal:
    """A proposal as ``Proposal.to_dict`` writes it."""
    answer = Answer(call, body)
    refs = answer.optional("references", list) or []
    state = answer.get("state", str)
    try:
        parsed_state = LifecycleState.parse(state)
    except RegistryError as exc:
        answer.fail(exc.message)
    created = answer.time("createdAt")
    if created is None:
        answer.fail("'createdAt' is missing")
    report: Mapping[str, Any] = answer.optional("report", dict) or {}
    return Proposal(
        id=answer.get("id", int),
        subject=answer.get("subject", str),
        schema_type=answer.get("schemaType", str),
        schema=answer.get("schema", str),
        references=tuple(dict(r) for r in refs if isinstance(r, dict)),
        author=answer.get("author", str),
        note=answer.optional("note", str),
        state=parsed_state,
        created_at=created,
        base_version=answer.optional("baseVersion", int),
        report=report,
        decided_by=answer.optional("decidedBy", str),
        decided_at=answer.time("decidedAt"),
        comment=answer.optional("comment", str),
        version=answer.optional("version", int),
        schema_id=answer.optional("schemaId", int),
    )


def export_result(call: Call, body: Any) -> ExportResult:
    """``GET /subjects/{s}/versions/{v}/export``: the schema, or the errors that stopped it."""
    from registry_core.dialects.results import ExportIssue, ExportResult

    answer = Answer(call, body)

    def issues(name: str) -> tuple[ExportIssue, ...]:
        return tuple(
            ExportIssue(
                path=item.get("path", str),
                keyword=item.get("keyword", str),
                message=item.get("message", str),
            )
            for item in answer.objects(name)
        )

    errors = issues("errors")
    schema = answer.optional("schema", dict)
    if schema is None and not errors:
        answer.fail("'schema' is missing, and 'errors' does not say why")
    if schema is not None and errors:
        answer.fail(f"'schema' is given although 'errors' lists {len(errors)}")
    return ExportResult(
        dialect=answer.get("dialect", str),
        profile=answer.get("profile", str),
        schema=schema,
        warnings=issues("warnings"),
        errors=errors,
        lossy=answer.get("lossy", bool),
    )


def response_validation(call: Call, body: Any) -> ResponseValidation:
    """``POST /subjects/{s}/versions/{v}/validate-response``: the verdict on a model's output."""
    from registry_core.responses import ResponseValidation
    from registry_core.validation.exact import Issue

    answer = Answer(call, body)
    errors = tuple(
        Issue(
            path=item.get("path", str),
            rule=item.get("rule", str),
            message=item.get("message", str),
        )
        for item in answer.objects("errors")
    )
    valid = answer.get("valid", bool)
    if valid == bool(errors):
        answer.fail(f"'valid' is {str(valid).lower()} but 'errors' lists {len(errors)}")
    return ResponseValidation(
        valid=valid,
        value=answer.field("value"),
        errors=errors,
        repair_instruction=answer.optional("repair_instruction", str),
        subject=answer.get("subject", str),
        version=answer.get("version", int),
        schema_id=answer.get("schema_id", int),
        source=answer.get("source", str),
    )


def listing(call: Call, body: Any, kind: type[V]) -> list[V]:
    """A JSON list whose items are all ``kind`` (subject names, version numbers)."""
    if not isinstance(body, list) or not all(
        isinstance(item, kind) and not isinstance(item, bool) for item in body
    ):
        raise UnexpectedResponse(
            f"{call.describe()}: unexpected answer: expected a list of {kind.__name__}, "
            f"got {str(body)[:200]}"
        )
    return body


def json_object(call: Call, body: Any) -> dict[str, Any]:
    """An answer passed on as it is, once known to be a JSON object."""
    answer = Answer(call, body)
    found: dict[str, Any] = answer.body
    return found
