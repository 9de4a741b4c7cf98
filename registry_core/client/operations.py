"""Every client operation once: the requests it makes and how it reads the answers.

Each function returns an ``Operation``: a generator that yields ``Call`` values, receives each
decoded answer (or has the mapped ``RegistryError`` thrown in) and returns the result. The sync
and async clients run the same generators.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from registry_core.client import answers
from registry_core.client.answers import Registration
from registry_core.client.calls import (
    Call,
    Operation,
    Safety,
    schema_text,
    subject_segment,
    version_segment,
)
from registry_core.errors import SubjectConfigNotFound
from registry_core.lifecycle import Proposal
from registry_core.models import (
    CompatibilityLevel,
    CompatibilityReport,
    SchemaRecord,
    SchemaReference,
    SchemaType,
    SubjectVersion,
)

if TYPE_CHECKING:
    from registry_core.dialects.results import ExportResult
    from registry_core.responses import ResponseValidation

Schema = str | Mapping[str, Any]
Reference = SchemaReference | Mapping[str, Any]


def _schema_body(
    schema: Schema, schema_type: SchemaType | str, references: Sequence[Reference]
) -> dict[str, Any]:
    return {
        "schema": schema_text(schema),
        "schemaType": SchemaType.parse(schema_type).value,
        "references": [
            r.as_dict() if isinstance(r, SchemaReference) else dict(r) for r in references
        ],
    }


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _version_path(subject: str, version: int | str, tail: str = "") -> str:
    return f"/subjects/{subject_segment(subject)}/versions/{version_segment(version)}{tail}"


def register(
    subject: str,
    schema: Schema,
    schema_type: SchemaType | str,
    references: Sequence[Reference],
    normalize: bool | None,
) -> Operation[Registration]:
    params = {} if normalize is None else {"normalize": _flag(normalize)}
    call = Call(
        method="POST",
        path=f"/subjects/{subject_segment(subject)}/versions",
        params=params,
        body=_schema_body(schema, schema_type, references),
        # the server returns the existing id and version for a schema already registered
        safety=Safety.IDEMPOTENT,
        context={"subject": subject},
    )
    return answers.registration(call, (yield call), subject)


def get_schema(schema_id: int) -> Operation[SchemaRecord]:
    call = Call(method="GET", path=f"/schemas/ids/{int(schema_id)}")
    return answers.schema_record(call, (yield call), int(schema_id))


def get_version(subject: str, version: int | str, deleted: bool) -> Operation[SubjectVersion]:
    call = Call(
        method="GET",
        path=_version_path(subject, version),
        params={"deleted": "true"} if deleted else {},
        context={"subject": subject, "version": version},
    )
    return answers.subject_version(call, (yield call))


def subjects(prefix: str | None, deleted: bool) -> Operation[list[str]]:
    params = {"deleted": _flag(deleted)}
    if prefix:
        params["subjectPrefix"] = prefix
    call = Call(method="GET", path="/subjects", params=params)
    return answers.listing(call, (yield call), str)


def versions(subject: str, deleted: bool) -> Operation[list[int]]:
    call = Call(
        method="GET",
        path=f"/subjects/{subject_segment(subject)}/versions",
        params={"deleted": _flag(deleted)},
        context={"subject": subject},
    )
    return answers.listing(call, (yield call), int)


def _effective_level(subject: str) -> Operation[CompatibilityLevel]:
    """The level a check of ``subject`` runs at, resolved as the server does: the subject's own
    config, else its governance policy's level, else the global config."""
    own = Call(method="GET", path=f"/config/{subject_segment(subject)}")
    try:
        return answers.compatibility_level(own, (yield own))
    except SubjectConfigNotFound:
        pass
    policy_call = Call(
        method="GET", path="/governance/policies/effective", params={"subject": subject}
    )
    found = answers.json_object(policy_call, (yield policy_call)).get("policy")
    if isinstance(found, dict) and found.get("compatibility") is not None:
        return answers.compatibility_level(policy_call, found, "compatibility")
    global_call = Call(method="GET", path="/config")
    return answers.compatibility_level(global_call, (yield global_call))


def check(
    subject: str,
    schema: Schema,
    schema_type: SchemaType | str,
    references: Sequence[Reference],
    version: int | str | None,
) -> Operation[CompatibilityReport]:
    """The check, then the level it ran at (the check's answer does not carry it)."""
    tail = "" if version is None else f"/{version_segment(version)}"
    call = Call(
        method="POST",
        path=f"/compatibility/subjects/{subject_segment(subject)}/versions{tail}",
        params={"verbose": "true"},
        body=_schema_body(schema, schema_type, references),
        context={"subject": subject, "version": version},
    )
    body = yield call
    level = yield from _effective_level(subject)
    if version is not None and level.transitive:
        # against one named version the server checks that version alone, non-transitively
        level = CompatibilityLevel(level.value.removesuffix("_TRANSITIVE"))
    return answers.compatibility_report(call, body, level)


def validate(records: Sequence[Any], subject: str, version: int | str) -> Operation[dict[str, Any]]:
    call = Call(
        method="POST",
        path=_version_path(subject, version, "/validate"),
        body={"records": list(records)},
        context={"subject": subject, "version": version},
    )
    return answers.json_object(call, (yield call))


def _dialect_params(dialect: str | None, profile: str | None) -> dict[str, str]:
    params = {"dialect": dialect} if dialect is not None else {}
    if profile is not None:
        params["profile"] = profile
    return params


def export(
    subject: str, version: int | str, dialect: str, profile: str | None
) -> Operation[ExportResult]:
    call = Call(
        method="GET",
        path=_version_path(subject, version, "/export"),
        params=_dialect_params(dialect, profile),
        context={"subject": subject, "version": version},
    )
    return answers.export_result(call, (yield call))


def validate_response(
    output: Any, subject: str, version: int | str, dialect: str | None, profile: str | None
) -> Operation[ResponseValidation]:
    call = Call(
        method="POST",
        path=_version_path(subject, version, "/validate-response"),
        params=_dialect_params(dialect, profile),
        body={"output": output},
        context={"subject": subject, "version": version},
    )
    return answers.response_validation(call, (yield call))


def propose(
    subject: str,
    schema: Schema,
    schema_type: SchemaType | str,
    references: Sequence[Reference],
    note: str | None,
    draft: bool,
) -> Operation[Proposal]:
    body = {"subject": subject, **_schema_body(schema, schema_type, references), "draft": draft}
    if note is not None:
        body["note"] = note
    call = Call(
        method="POST",
        path="/governance/proposals",
        body=body,
        safety=Safety.UNSAFE,  # a second request would open a second proposal
        context={"subject": subject},
    )
    return answers.proposal(call, (yield call))


def _proposal_call(proposal_id: int, action: str = "", body: Any = None) -> Call:
    return Call(
        method="POST" if action else "GET",
        path=f"/governance/proposals/{int(proposal_id)}" + (f"/{action}" if action else ""),
        body=body,
        safety=Safety.UNSAFE if action else Safety.IDEMPOTENT,
        context={"proposal_id": int(proposal_id)},
    )


def review(proposal_id: int, approve: bool, comment: str | None) -> Operation[Proposal]:
    body: dict[str, Any] = {"decision": "approve" if approve else "reject"}
    if comment is not None:
        body["comment"] = comment
    call = _proposal_call(proposal_id, "review", body)
    return answers.proposal(call, (yield call))


def proposal_action(proposal_id: int, action: str) -> Operation[Proposal]:
    """``submit`` a draft to review, or ``discard`` it."""
    call = _proposal_call(proposal_id, action, {})
    return answers.proposal(call, (yield call))


def get_proposal(proposal_id: int) -> Operation[Proposal]:
    call = _proposal_call(proposal_id)
    return answers.proposal(call, (yield call))


def proposals(
    state: str | None, subject: str | None, author: str | None, limit: int
) -> Operation[list[Proposal]]:
    params = {"limit": str(int(limit))}
    for name, value in (("state", state), ("subject", subject), ("author", author)):
        if value is not None:
            params[name] = str(value)
    call = Call(method="GET", path="/governance/proposals", params=params)
    found = yield call
    if not isinstance(found, list):
        answers.Answer(call, found).fail("expected a list of proposals")
    return [answers.proposal(call, item) for item in found]
