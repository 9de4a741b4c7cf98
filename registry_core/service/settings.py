"""Compatibility config and read/write modes, globally or per subject."""

from __future__ import annotations

from sqlalchemy import Connection

from registry_core.errors import (
    OperationNotPermitted,
    SubjectConfigNotFound,
    SubjectModeNotFound,
    SubjectNotFound,
)
from registry_core.models import (
    CompatibilityLevel,
    CompatibilityPolicy,
    Mode,
    SubjectConfig,
)
from registry_core.service.base import (
    SYSTEM_ACTOR,
    RegistryBase,
    _check_subject,
    _config_dict,
)
from registry_core.storage import repository
from registry_core.storage.repository import GLOBAL


class SettingsMixin(RegistryBase):
    # --- config and mode -----------------------------------------------------------------

    def get_config(
        self, subject: str | None = None, *, default_to_global: bool = False
    ) -> SubjectConfig:
        def work(conn: Connection) -> SubjectConfig:
            if subject:
                found = repository.get_config(conn, subject)
                if found is not None:
                    return found
                if not default_to_global:
                    raise SubjectConfigNotFound(
                        f"Subject '{subject}' does not have subject-level compatibility configured"
                    )
            return repository.get_config(conn, GLOBAL) or SubjectConfig()

        return self.db.read(work)

    def set_config(
        self,
        subject: str | None,
        *,
        compatibility: CompatibilityLevel | str | None = None,
        normalize: bool | None = None,
        policy: CompatibilityPolicy | str | None = None,
        actor: str = SYSTEM_ACTOR,
    ) -> SubjectConfig:
        """Set the compatibility level (and normalize, policy) globally or for one subject."""
        if subject:
            _check_subject(subject)
        level = CompatibilityLevel.parse(compatibility) if compatibility is not None else None
        chosen_policy = CompatibilityPolicy.parse(policy) if policy is not None else None
        scope = subject or GLOBAL

        def work(conn: Connection) -> SubjectConfig:
            before = repository.get_config(conn, scope)
            base = before or SubjectConfig()
            after = SubjectConfig(
                compatibility=level or base.compatibility,
                normalize=base.normalize if normalize is None else normalize,
                policy=chosen_policy or base.policy,
            )
            repository.put_config(conn, scope, after)
            self._record(
                conn,
                actor=actor,
                action="config.set",
                subject=subject,
                before=_config_dict(before),
                after=_config_dict(after),
            )
            return after

        return self.db.run(work)

    def delete_config(self, subject: str | None, *, actor: str = SYSTEM_ACTOR) -> SubjectConfig:
        """Remove a subject's config (or reset the global one); returns what was removed."""
        scope = subject or GLOBAL

        def work(conn: Connection) -> SubjectConfig:
            before = repository.get_config(conn, scope)
            if before is None:
                if subject:
                    if repository.subject_id(conn, subject) is None:
                        raise SubjectNotFound(subject)
                    raise SubjectConfigNotFound(
                        f"Subject '{subject}' does not have subject-level compatibility configured"
                    )
                before = SubjectConfig()
            repository.delete_config(conn, scope)
            self._record(
                conn,
                actor=actor,
                action="config.deleted",
                subject=subject,
                before=_config_dict(before),
            )
            return before

        return self.db.run(work)

    def get_mode(self, subject: str | None = None, *, default_to_global: bool = False) -> Mode:
        def work(conn: Connection) -> Mode:
            if subject:
                found = repository.get_mode(conn, subject)
                if found is not None:
                    return found
                if not default_to_global:
                    raise SubjectModeNotFound(f"Subject '{subject}' does not have a mode set")
            return repository.get_mode(conn, GLOBAL) or Mode.READWRITE

        return self.db.read(work)

    def set_mode(
        self,
        subject: str | None,
        mode: Mode | str,
        *,
        force: bool = False,
        actor: str = SYSTEM_ACTOR,
    ) -> Mode:
        """Set READWRITE, READONLY, READONLY_OVERRIDE or IMPORT globally or for one subject.

        IMPORT on a scope that already holds schemas needs ``force``, as in Confluent, because
        imported ids could collide with existing ones.
        """
        chosen = Mode.parse(mode)
        if subject:
            _check_subject(subject)
        scope = subject or GLOBAL

        def work(conn: Connection) -> Mode:
            if chosen is Mode.IMPORT and not force:
                occupied = (
                    bool(repository.versions(conn, subject, deleted=True))
                    if subject
                    else repository.any_versions(conn)
                )
                if occupied:
                    raise OperationNotPermitted(
                        f"Cannot import since found existing subjects in "
                        f"{'subject ' + repr(subject) if subject else 'the registry'}; "
                        "retry with force=true to import anyway"
                    )
            before = repository.get_mode(conn, scope)
            repository.put_mode(conn, scope, chosen)
            self._record(
                conn,
                actor=actor,
                action="mode.set",
                subject=subject,
                before=before.value if before else None,
                after=chosen.value,
            )
            return chosen

        return self.db.run(work)

    def delete_mode(self, subject: str | None, *, actor: str = SYSTEM_ACTOR) -> Mode:
        scope = subject or GLOBAL

        def work(conn: Connection) -> Mode:
            before = repository.get_mode(conn, scope)
            if before is None:
                if subject:
                    raise SubjectModeNotFound(f"Subject '{subject}' does not have a mode set")
                before = Mode.READWRITE
            repository.delete_mode(conn, scope)
            self._record(
                conn, actor=actor, action="mode.deleted", subject=subject, before=before.value
            )
            return before

        return self.db.run(work)
