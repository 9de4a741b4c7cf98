"""Write use cases: compatibility checks, registration and deletion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from registry_core import compatibility
from registry_core.diff import schema_diff
from registry_core.errors import (
    AlreadyExists,
    IdMismatch,
    IncompatibleSchema,
    InvalidInput,
    OperationNotPermitted,
    ReferenceExists,
    ReviewRequired,
    SubjectNotFound,
    SubjectNotSoftDeleted,
    SubjectSoftDeleted,
    VersionNotFound,
    VersionNotSoftDeleted,
    VersionSoftDeleted,
)
from registry_core.formats import ParsedSchema, fingerprint, guid_of
from registry_core.lifecycle import LifecycleState, Policy, Proposal
from registry_core.models import (
    FIRST_SEMVER,
    LATEST,
    MAX_SCHEMA_ID,
    CompatibilityLevel,
    CompatibilityReport,
    Mode,
    SchemaReference,
    SchemaType,
    SemVer,
    SemVerBump,
    SubjectConfig,
    parse_version,
)
from registry_core.service.base import (
    SYSTEM_ACTOR,
    RegisterResult,
    RegistryBase,
    _check_subject,
)
from registry_core.storage import governance, repository
from registry_core.storage.repository import VersionRow


class WritesMixin(RegistryBase):
    # --- compatibility -------------------------------------------------------------------

    def check_compatibility(
        self,
        subject: str,
        schema: str,
        schema_type: SchemaType | str | None = SchemaType.AVRO,
        references: Sequence[SchemaReference] = (),
        *,
        version: int | str | None = None,
        level: CompatibilityLevel | str | None = None,
    ) -> CompatibilityReport:
        """Check a candidate schema against the subject without registering it.

        With ``version`` it is compared with that one version (as Confluent does, even for
        transitive levels); without, with every live version the level requires.
        """
        kind = SchemaType.parse(schema_type)
        number = parse_version(version) if version is not None else None

        def work(conn: Connection) -> CompatibilityReport:
            config = self._config(conn, subject, self._governing_policy(conn, subject))
            chosen = CompatibilityLevel.parse(level) if level is not None else config.compatibility
            parsed = self._parse_new(conn, schema, kind, self._pin_references(conn, references))
            rows = repository.versions(conn, subject, deleted=False)
            if number is not None:
                if number == LATEST and not rows:
                    return compatibility.check_against(parsed, [], chosen, config.policy)
                row = repository.version(conn, subject, number, deleted=False)
                if row is None:
                    if not rows:
                        raise SubjectNotFound(subject)
                    raise VersionNotFound(subject, version if version is not None else "")
                rows = [row]
                if chosen.transitive:
                    chosen = CompatibilityLevel(chosen.value.removesuffix("_TRANSITIVE"))
            existing = [(r.version, self._parsed(conn, r)) for r in rows]
            report = compatibility.check_against(parsed, existing, chosen, config.policy)
            if rows and report.is_compatible:
                bump = compatibility.semver_bump(
                    self._parsed(conn, rows[-1]),
                    parsed,
                    chosen,
                    config.policy,
                    known_compatible=True,
                )
                return replace(report, semver_bump=bump)
            if rows:
                return replace(report, semver_bump=SemVerBump.MAJOR)
            return report

        return self.db.read(work)

    # --- writes --------------------------------------------------------------------------

    def register(
        self,
        subject: str,
        schema: str,
        schema_type: SchemaType | str | None = SchemaType.AVRO,
        references: Sequence[SchemaReference] = (),
        *,
        normalize: bool | None = None,
        schema_id: int | None = None,
        version: int | None = None,
        force: bool = False,
        actor: str = SYSTEM_ACTOR,
    ) -> RegisterResult:
        """Register ``schema`` under ``subject`` and return its global id and version.

        An identical schema already live in the subject returns the existing version before any
        compatibility check; otherwise the subject's compatibility level is enforced (except in
        IMPORT mode or with ``force``). ``schema_id`` and ``version`` are for IMPORT mode only.
        """
        _check_subject(subject)
        kind = SchemaType.parse(schema_type)
        if version is not None:
            parse_version(version)
        if schema_id is not None and not 1 <= schema_id <= MAX_SCHEMA_ID:
            raise InvalidInput(
                f"Invalid schema id {schema_id}: ids are integers from 1 to {MAX_SCHEMA_ID}"
            )
        result, parsed = self.db.run(
            lambda conn: self._register(
                conn,
                subject,
                schema,
                kind,
                tuple(references),
                normalize,
                schema_id,
                version,
                force,
                actor,
            )
        )
        if isinstance(result, Proposal):  # committed: the proposal waits for its reviewers
            raise ReviewRequired(
                f"Subject '{subject}' requires review: the schema was not registered; it waits "
                f"in proposal {result.id} ({result.state.value}) for a reviewer "
                f"(llmsr review {result.id} --approve)",
                result.id,
            )
        if result.created:
            # committed now: the next registration's compatibility check needs this parse
            self._parsed_cache.put(result.version.schema_id, parsed)
        return result

    def _register(
        self,
        conn: Connection,
        subject: str,
        schema: str,
        kind: SchemaType,
        references: tuple[SchemaReference, ...],
        normalize: bool | None,
        schema_id: int | None,
        version: int | None,
        force: bool,
        actor: str,
        *,
        reviewed: bool = False,
    ) -> tuple[RegisterResult | Proposal, ParsedSchema]:
        """Register in ``conn``'s transaction; on a review-required subject (unless ``reviewed``,
        i.e. approving a proposal, or importing) create or find the proposal instead."""
        mode = repository.effective_mode(conn, subject)
        if not mode.writable:
            raise OperationNotPermitted(f"Subject '{subject}' is in read-only mode ({mode.value})")
        importing = mode is Mode.IMPORT
        if schema_id is not None and not importing:
            raise OperationNotPermitted(
                "Schema ids can only be specified in IMPORT mode; set the mode of the subject "
                "or the registry to IMPORT first"
            )
        policy = self._governing_policy(conn, subject)
        config = self._config(conn, subject, policy)
        use_normalized = config.normalize if normalize is None else normalize
        pinned = self._pin_references(conn, references)
        parsed = self._parse_new(conn, schema, kind, pinned)
        stored, fp, same_schema = _identity(kind, parsed, pinned, use_normalized)

        subject_id = repository.lock_subject(conn, subject)
        live = repository.versions(conn, subject, deleted=False)
        for row in live:
            same = row.fingerprint in same_schema and schema_id in (None, row.schema_id)
            if same and version in (None, LATEST, row.version):
                return RegisterResult(version=self._to_model(conn, row), created=False), parsed
        if version == LATEST and live and live[-1].fingerprint in same_schema:
            return RegisterResult(version=self._to_model(conn, live[-1]), created=False), parsed
        if policy is not None and policy.review_required and not (reviewed or importing):
            # no bypass of review through the Confluent API: the caller gets the proposal
            proposal = self._propose(conn, subject, schema, kind, references, None, False, actor)
            return proposal, parsed

        existing_id = repository.schema_id_by_fingerprint(conn, fp)
        if schema_id is not None:
            if existing_id is not None and existing_id != schema_id:
                raise IdMismatch(
                    f"Schema already registered with id {existing_id} instead of input id "
                    f"{schema_id}"
                )
            taken = repository.schema_by_id(conn, schema_id)
            if taken is not None and existing_id is None:
                raise IdMismatch(
                    f"Overwrite new schema with id {schema_id} is not permitted: the id is "
                    "taken by a different schema"
                )

        bump = None
        semver = FIRST_SEMVER
        if live:
            previous = self._parsed(conn, live[-1])
            opens_line = False
            if not (importing or force):
                major_line = policy is not None and policy.major_line
                line = self._major_line(live) if major_line else live
                report = compatibility.check_against(
                    parsed,
                    [(r.version, self._parsed(conn, r)) for r in line],
                    config.compatibility,
                    config.policy,
                )
                if not report.is_compatible and not major_line:
                    raise IncompatibleSchema(
                        f"Schema being registered is incompatible with an earlier schema for "
                        f"subject '{subject}' ({config.compatibility.value}): "
                        + "; ".join(report.messages),
                        list(report.messages),
                    )
                # the subject's policy lets a breaking change open a new major line
                opens_line = not report.is_compatible
            bump = (
                SemVerBump.MAJOR
                if opens_line
                else compatibility.semver_bump(
                    previous,
                    parsed,
                    config.compatibility,
                    config.policy,
                    known_compatible=not (importing or force),
                )
            )
            semver = SemVer.parse(live[-1].semver).bump(bump)
        new_id = existing_id or repository.insert_schema(
            conn,
            fingerprint=fp,
            guid=guid_of(fp),
            schema_type=kind,
            schema=stored,
            references=pinned,
            schema_id=schema_id,
        )
        number = version if version not in (None, LATEST) else None
        if number is not None:
            if repository.version(conn, subject, number, deleted=True) is not None:
                raise OperationNotPermitted(
                    f"Version {number} of subject '{subject}' already exists"
                )
        else:
            number = repository.max_version(conn, subject_id) + 1
        created_at = repository.insert_version(
            conn, subject_id_=subject_id, version_=number, schema_id=new_id, semver=str(semver)
        )
        self._record(
            conn,
            actor=actor,
            action="schema.registered",
            subject=subject,
            version=number,
            schema_id=new_id,
            after={"schema_type": kind.value, "semver": str(semver), "fingerprint": fp},
        )
        created = VersionRow(
            subject=subject,
            version=number,
            schema_id=new_id,
            fingerprint=fp,
            guid=guid_of(fp),
            schema_type=kind,
            schema=stored,
            semver=str(semver),
            deleted=False,
            created_at=created_at,
        )
        result = RegisterResult(
            # not through the caches: this transaction may still roll back
            version=created.to_model(pinned),
            created=True,
            semver_bump=bump.value if bump else None,
        )
        return result, parsed

    def _propose(
        self,
        conn: Connection,
        subject: str,
        schema: str,
        kind: SchemaType,
        references: tuple[SchemaReference, ...],
        note: str | None,
        draft: bool,
        author: str,
    ) -> Proposal:
        mode = repository.effective_mode(conn, subject)
        if not mode.writable:
            raise OperationNotPermitted(f"Subject '{subject}' is in read-only mode ({mode.value})")
        pinned = self._pin_references(conn, references)
        parsed = self._parse_new(conn, schema, kind, pinned)
        policy = self._governing_policy(conn, subject)
        config = self._config(conn, subject, policy)
        stored, fp, same = _identity(kind, parsed, pinned, config.normalize)
        live = repository.versions(conn, subject, deleted=False)
        for row in live:
            if row.fingerprint in same:
                raise AlreadyExists(
                    f"Schema is already registered as version {row.version} of subject "
                    f"'{subject}' (id {row.schema_id}); there is nothing to review"
                )
        pending = governance.open_proposal(conn, subject, fp)
        if pending is not None:
            return pending
        report = self._proposal_report(conn, subject, parsed, live, config, policy)
        proposal_id = governance.insert_proposal(
            conn,
            subject=subject,
            schema_type=kind.value,
            schema=stored,
            references=[r.as_dict() for r in pinned],
            fingerprint=fp,
            author=author,
            note=note,
            state=LifecycleState.DRAFT if draft else LifecycleState.IN_REVIEW,
            base_version=live[-1].version if live else None,
            report=report,
        )
        self._record(
            conn,
            actor=author,
            action="proposal.created",
            subject=subject,
            after={
                "proposal": proposal_id,
                "state": "DRAFT" if draft else "IN_REVIEW",
                "semverBump": report["semverBump"],
                "note": note,
            },
        )
        found = governance.proposal(conn, proposal_id)
        assert found is not None
        return found

    def _proposal_report(
        self,
        conn: Connection,
        subject: str,
        parsed: ParsedSchema,
        live: Sequence[VersionRow],
        config: SubjectConfig,
        policy: Policy | None,
    ) -> dict[str, Any]:
        """Compatibility against what the level requires, semver bump and field diff."""
        line = self._major_line(live) if policy is not None and policy.major_line else list(live)
        existing = [(r.version, self._parsed(conn, r)) for r in line]
        report = compatibility.check_against(parsed, existing, config.compatibility, config.policy)
        previous = self._parsed(conn, live[-1]) if live else None
        opens_line = False
        if not report.is_compatible:
            if policy is None or not policy.major_line:
                raise IncompatibleSchema(
                    f"Schema being proposed is incompatible with an earlier schema for subject "
                    f"'{subject}' ({config.compatibility.value}): " + "; ".join(report.messages),
                    list(report.messages),
                )
            opens_line = True
            bump = SemVerBump.MAJOR
        elif previous is not None:
            bump = compatibility.semver_bump(
                previous, parsed, config.compatibility, config.policy, known_compatible=True
            )
        else:
            bump = None
        semver = str(SemVer.parse(live[-1].semver).bump(bump)) if live and bump else "1.0.0"
        return {
            "compatible": report.is_compatible,
            "level": report.level.value,
            "comparedVersions": list(report.compared_versions),
            "messages": list(report.messages),
            "semverBump": bump.value if bump else None,
            "semver": semver,
            "opensMajorLine": opens_line,
            "diff": [c.to_dict() for c in schema_diff(previous, parsed)],
        }

    def _refuse_if_referenced(self, conn: Connection, subject: str, numbers: Sequence[int]) -> None:
        for number in numbers:
            users = repository.referrers(conn, subject, number)
            if users:
                raise ReferenceExists(
                    f"One or more references exist to the schema {{subject={subject}, "
                    f"version={number}}}: schema ids {users}"
                )

    def delete_subject(
        self, subject: str, *, permanent: bool = False, actor: str = SYSTEM_ACTOR
    ) -> list[int]:
        """Soft-delete every version (or, with ``permanent``, remove soft-deleted ones)."""

        def work(conn: Connection) -> list[int]:
            subject_id = repository.subject_id(conn, subject)
            rows = repository.versions(conn, subject, deleted=True) if subject_id else []
            if subject_id is None or not rows:
                raise SubjectNotFound(subject)
            live = [r.version for r in rows if not r.deleted]
            if permanent:
                if live:
                    raise SubjectNotSoftDeleted(
                        f"Subject '{subject}' was not deleted first before being permanently "
                        "deleted"
                    )
                numbers = [r.version for r in rows]
                self._refuse_if_referenced(conn, subject, numbers)
                repository.remove_versions(conn, subject_id, numbers)
                repository.remove_subject_if_empty(conn, subject_id, subject)
                action = "subject.deleted_permanently"
            else:
                if not live:
                    raise SubjectSoftDeleted(f"Subject '{subject}' was soft deleted")
                numbers = live
                self._refuse_if_referenced(conn, subject, numbers)
                repository.mark_deleted(conn, subject_id, numbers)
                action = "subject.deleted"
            self._record(
                conn, actor=actor, action=action, subject=subject, before={"versions": numbers}
            )
            return numbers

        return self.db.run(work)

    def delete_version(
        self,
        subject: str,
        version: int | str,
        *,
        permanent: bool = False,
        actor: str = SYSTEM_ACTOR,
    ) -> int:
        """Soft-delete one version (or, with ``permanent``, remove a soft-deleted one)."""
        number = parse_version(version)

        def work(conn: Connection) -> int:
            subject_id = repository.subject_id(conn, subject)
            if subject_id is None or not repository.versions(conn, subject, deleted=True):
                raise SubjectNotFound(subject)
            row = repository.version(conn, subject, number, deleted=permanent or number != LATEST)
            if row is None:
                raise VersionNotFound(subject, version)
            if permanent:
                if not row.deleted:
                    raise VersionNotSoftDeleted(
                        f"Subject '{subject}' Version {row.version} was not deleted first before "
                        "being permanently deleted"
                    )
                self._refuse_if_referenced(conn, subject, [row.version])
                repository.remove_versions(conn, subject_id, [row.version])
                repository.remove_subject_if_empty(conn, subject_id, subject)
                action = "version.deleted_permanently"
            else:
                if row.deleted:
                    raise VersionSoftDeleted(
                        f"Subject '{subject}' Version {row.version} was soft deleted. Set "
                        "permanent=true to delete permanently"
                    )
                self._refuse_if_referenced(conn, subject, [row.version])
                repository.mark_deleted(conn, subject_id, [row.version])
                action = "version.deleted"
            self._record(
                conn,
                actor=actor,
                action=action,
                subject=subject,
                version=row.version,
                schema_id=row.schema_id,
            )
            return row.version

        return self.db.run(work)


def _identity(
    kind: SchemaType, parsed: ParsedSchema, pinned: Sequence[SchemaReference], normalize: bool
) -> tuple[str, str, set[str]]:
    """The text to store, its fingerprint, and every fingerprint of the same schema (it may be
    live in its other form, registered with or without normalize)."""
    stored = parsed.text(normalize=normalize)
    fp = fingerprint(kind, stored, pinned)
    same = {fp, fingerprint(kind, parsed.canonical, pinned)}
    same.add(fingerprint(kind, parsed.normalized, pinned))
    return stored, fp, same
