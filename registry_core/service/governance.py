"""Governance use cases: users and API keys, subject policies, lifecycle moves, proposals and
their review, the audit trail and the event outbox."""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from registry_core.errors import (
    AlreadyExists,
    DeliveryNotFound,
    Forbidden,
    IllegalTransition,
    IncompatibleSchema,
    InvalidInput,
    PolicyNotFound,
    ProposalNotFound,
    Unauthenticated,
    UserNotFound,
    VersionNotFound,
)
from registry_core.lifecycle import (
    LifecycleState,
    Party,
    Policy,
    Proposal,
    Role,
    User,
    check_transition,
    effective_policy,
    parties_for,
)
from registry_core.models import (
    CompatibilityLevel,
    SchemaReference,
    SchemaType,
    parse_version,
)
from registry_core.service.base import _check_subject
from registry_core.service.writes import WritesMixin
from registry_core.storage import governance, repository
from registry_core.storage.tables import utcnow

__all__ = ["ANONYMOUS", "GovernanceMixin", "Identity"]

ANONYMOUS = User(name="anonymous", role=Role.ADMIN)  # everyone, while no user exists
KEY_PREFIX = "llmsr_"
_KEY_ID_LENGTH = 12

Identity = User | str


def _hash(secret: str) -> str:
    # API keys carry 256 random bits, so a fast hash is safe (no dictionary to attack) and keeps
    # authentication off the request's critical path
    return hashlib.sha256(secret.encode()).hexdigest()


def _split_key(api_key: str) -> tuple[str, str] | None:
    if not api_key.startswith(KEY_PREFIX):
        return None
    rest = api_key[len(KEY_PREFIX) :]
    key_id, sep, secret = rest[:_KEY_ID_LENGTH], rest[_KEY_ID_LENGTH : _KEY_ID_LENGTH + 1], rest
    if sep != "_" or len(key_id) != _KEY_ID_LENGTH:
        return None
    return key_id, secret[_KEY_ID_LENGTH + 1 :]


class GovernanceMixin(WritesMixin):
    # --- identity ------------------------------------------------------------------------

    def auth_required(self) -> bool:
        """Whether any user exists (then every request must authenticate)."""
        return bool(self.db.read(governance.user_count))

    def authenticate(self, api_key: str, *, username: str | None = None) -> User:
        """The user an API key belongs to; with ``username`` (HTTP Basic) the names must match.

        Always asks the database: the API keeps its own short-lived cache (``api.auth``)."""
        parts = _split_key(api_key)
        if parts is None:
            raise Unauthenticated("Unauthorized: the API key is malformed")
        key_id, secret = parts
        found = self.db.read(lambda conn: governance.key(conn, key_id))
        if found is None or not hmac.compare_digest(found[0], _hash(secret)):
            raise Unauthenticated("Unauthorized: unknown or revoked API key")
        user = found[1]
        if username is not None and username != user.name:
            raise Unauthenticated(f"Unauthorized: the API key does not belong to '{username}'")
        if user.disabled:
            raise Unauthenticated(f"Unauthorized: user '{user.name}' is disabled")
        return user

    def resolve_user(self, actor: Identity | None) -> User:
        """The user acting: a ``User`` as is; a name looked up. While no user exists anyone is
        an admin (``anonymous`` when unnamed), as ``llmsr serve`` is open then; once users
        exist a governance action must name its actor."""
        if isinstance(actor, User):
            return actor
        if actor is None:
            if self.db.read(governance.user_count):
                raise Unauthenticated(
                    "Users exist: pass actor= (a user name) to act on the registry's governance"
                )
            return ANONYMOUS
        found = self.db.read(lambda conn: governance.user(conn, actor))
        if found is None:
            if not self.db.read(governance.user_count):
                return User(name=actor, role=Role.ADMIN)
            raise UserNotFound(f"User '{actor}' not found")
        user = found[1]
        if user.disabled:
            raise Forbidden(f"User '{actor}' is disabled")
        return user

    def _require(self, actor: Identity | None, role: Role, what: str) -> User:
        user = self.resolve_user(actor)
        if not user.role.includes(role):
            raise Forbidden(
                f"Forbidden: {what} needs the {role.value} role; '{user.name}' is a "
                f"{user.role.value}"
            )
        return user

    # --- users and keys ------------------------------------------------------------------

    def add_user(self, name: str, role: Role | str, *, actor: Identity | None = None) -> str:
        """Create a user and return its API key (shown once; only its hash is stored)."""
        chosen = Role.parse(role)
        name = name.strip()
        if not name or ":" in name or len(name) > 256 or any(ord(c) < 0x20 for c in name):
            raise InvalidInput(
                f"Invalid user name {name!r}: 1-256 characters, no ':' or control characters"
            )
        admin = self._require(actor, Role.ADMIN, "adding a user")

        def work(conn: Connection) -> str:
            if governance.user(conn, name) is not None:
                raise AlreadyExists(f"User '{name}' already exists")
            user_id = governance.insert_user(conn, name, chosen, admin.name)
            api_key = self._issue_key(conn, user_id)
            self._record(
                conn, actor=admin.name, action="user.added", after={"user": name, "role": chosen}
            )
            return api_key

        return self.db.run(work)

    def _issue_key(self, conn: Connection, user_id: int) -> str:
        key_id = secrets.token_hex(_KEY_ID_LENGTH // 2)
        secret = secrets.token_urlsafe(32)
        governance.insert_key(conn, user_id, key_id, _hash(secret))
        return f"{KEY_PREFIX}{key_id}_{secret}"

    def users(self) -> list[User]:
        return self.db.read(governance.users)

    def update_user(
        self,
        name: str,
        *,
        role: Role | str | None = None,
        disabled: bool | None = None,
        actor: Identity | None = None,
    ) -> User:
        chosen = Role.parse(role) if role is not None else None
        admin = self._require(actor, Role.ADMIN, "changing a user")

        def work(conn: Connection) -> User:
            found = governance.user(conn, name)
            if found is None:
                raise UserNotFound(f"User '{name}' not found")
            user_id, before = found
            governance.update_user(conn, user_id, role=chosen, disabled=disabled)
            after = replace(
                before,
                role=chosen or before.role,
                disabled=before.disabled if disabled is None else disabled,
            )
            self._record(
                conn,
                actor=admin.name,
                action="user.updated",
                before={"user": name, "role": before.role, "disabled": before.disabled},
                after={"user": name, "role": after.role, "disabled": after.disabled},
            )
            return after

        return self.db.run(work)

    def rotate_key(self, name: str, *, actor: Identity | None = None) -> str:
        """Revoke every key of the user and issue a new one (returned once)."""
        admin = self._require(actor, Role.ADMIN, "rotating a key")

        def work(conn: Connection) -> str:
            found = governance.user(conn, name)
            if found is None:
                raise UserNotFound(f"User '{name}' not found")
            revoked = governance.revoke_keys(conn, found[0])
            api_key = self._issue_key(conn, found[0])
            self._record(
                conn,
                actor=admin.name,
                action="user.key_rotated",
                after={"user": name, "revoked": revoked},
            )
            return api_key

        return self.db.run(work)

    # --- policies --------------------------------------------------------------------------

    def policies(self) -> list[Policy]:
        return self.db.read(governance.policies)

    def policy_for(self, subject: str) -> Policy | None:
        """The policy governing ``subject``: its own, else the longest matching prefix."""
        return effective_policy(self.policies(), subject)

    def set_policy(
        self,
        scope: str,
        *,
        prefix: bool = False,
        review_required: bool | None = None,
        owners: Sequence[str] | None = None,
        reviewers: Sequence[str] | None = None,
        compatibility: CompatibilityLevel | str | None = None,
        major_line: bool | None = None,
        actor: Identity | None = None,
    ) -> Policy:
        """Create or change the policy of a subject (or of every subject under ``prefix``).

        Arguments left None keep their current value (or the default for a new policy);
        ``compatibility=""`` clears the level.
        """
        if not prefix:
            _check_subject(scope)
        elif not scope:
            raise InvalidInput("Invalid prefix: an empty prefix would match every subject")
        level = (
            CompatibilityLevel.parse(compatibility)
            if compatibility not in (None, "")
            else compatibility
        )
        admin = self._require(actor, Role.ADMIN, "setting a policy")

        def work(conn: Connection) -> Policy:
            before = governance.policy(conn, scope, prefix) or Policy(scope=scope, is_prefix=prefix)
            after = replace(
                before,
                review_required=before.review_required
                if review_required is None
                else review_required,
                owners=before.owners if owners is None else _names(owners),
                reviewers=before.reviewers if reviewers is None else _names(reviewers),
                compatibility=before.compatibility
                if level is None
                else (level if isinstance(level, CompatibilityLevel) else None),
                major_line=before.major_line if major_line is None else major_line,
            )
            governance.upsert_policy(conn, after, admin.name)
            self._record(
                conn,
                actor=admin.name,
                action="policy.set",
                subject=None if prefix else scope,
                before=_policy_audit(before),
                after=_policy_audit(after),
            )
            found = governance.policy(conn, scope, prefix)
            assert found is not None
            return found

        return self.db.run(work)

    def delete_policy(
        self, scope: str, *, prefix: bool = False, actor: Identity | None = None
    ) -> Policy:
        admin = self._require(actor, Role.ADMIN, "deleting a policy")

        def work(conn: Connection) -> Policy:
            before = governance.policy(conn, scope, prefix)
            if before is None or not governance.delete_policy(conn, scope, prefix):
                kind = "prefix" if prefix else "subject"
                raise PolicyNotFound(f"No policy for {kind} '{scope}'")
            self._record(
                conn,
                actor=admin.name,
                action="policy.deleted",
                subject=None if prefix else scope,
                before=_policy_audit(before),
            )
            return before

        return self.db.run(work)

    # --- lifecycle of registered versions -------------------------------------------------

    def set_version_state(
        self,
        subject: str,
        version: int | str,
        state: LifecycleState | str,
        *,
        comment: str | None = None,
        actor: Identity | None = None,
    ) -> LifecycleState:
        """Deprecate, archive, reactivate or restore a registered version."""
        target = LifecycleState.parse(state)
        number = parse_version(version)
        user = self._require(actor, Role.WRITER, "changing a version's lifecycle")

        def work(conn: Connection) -> LifecycleState:
            subject_id = repository.lock_subject(conn, subject)
            row = repository.version(conn, subject, number, deleted=False)
            if row is None:
                raise VersionNotFound(subject, version)
            current = LifecycleState(row.state)
            what = f"version {row.version} of subject '{subject}'"
            parties = parties_for(user, self._governing_policy(conn, subject))
            transition = check_transition(current, target, parties, comment=comment, what=what)
            repository.set_version_state(conn, subject_id, row.version, target.value)
            self._record(
                conn,
                actor=user.name,
                action=f"version.{_past(transition.action)}",
                subject=subject,
                version=row.version,
                schema_id=row.schema_id,
                before={"state": current.value},
                after={"state": target.value, "comment": comment},
            )
            return target

        return self.db.run(work)

    # --- proposals ---------------------------------------------------------------------------

    def propose(
        self,
        subject: str,
        schema: str,
        schema_type: SchemaType | str | None = SchemaType.AVRO,
        references: Sequence[SchemaReference] = (),
        *,
        note: str | None = None,
        draft: bool = False,
        actor: Identity | None = None,
    ) -> Proposal:
        """Propose a new version of ``subject``: checked, diffed, and waiting for review.

        Proposing the same schema again while a proposal of it is open returns that proposal.
        """
        _check_subject(subject)
        kind = SchemaType.parse(schema_type)
        author = self._require(actor, Role.WRITER, "proposing a schema")
        return self.db.run(
            lambda conn: self._propose(
                conn, subject, schema, kind, tuple(references), note, draft, author.name
            )
        )

    def proposals(
        self,
        *,
        state: LifecycleState | str | None = None,
        subject: str | None = None,
        author: str | None = None,
        limit: int = 500,
    ) -> list[Proposal]:
        states = (LifecycleState.parse(state),) if state else ()
        return self.db.read(
            lambda conn: governance.proposals(
                conn, states=states, subject=subject, author=author, limit=limit
            )
        )

    def get_proposal(self, proposal_id: int) -> Proposal:
        found = self.db.read(lambda conn: governance.proposal(conn, proposal_id))
        if found is None:
            raise ProposalNotFound(f"Proposal {proposal_id} not found")
        return found

    def submit_proposal(self, proposal_id: int, *, actor: Identity | None = None) -> Proposal:
        """Move a DRAFT proposal into review."""
        return self._move_proposal(proposal_id, LifecycleState.IN_REVIEW, None, actor)

    def discard_proposal(
        self, proposal_id: int, *, comment: str | None = None, actor: Identity | None = None
    ) -> Proposal:
        """Drop a DRAFT proposal (its author or an admin); a proposal in review is rejected by
        a reviewer instead."""
        current = self.get_proposal(proposal_id)
        if current.state is not LifecycleState.DRAFT:
            raise IllegalTransition(
                f"Only drafts are discarded: proposal {proposal_id} is {current.state.value}"
                + ("; a reviewer rejects it" if current.state is LifecycleState.IN_REVIEW else "")
            )
        return self._move_proposal(proposal_id, LifecycleState.REJECTED, comment, actor)

    def review(
        self,
        proposal_id: int,
        *,
        approve: bool,
        comment: str | None = None,
        actor: Identity | None = None,
    ) -> Proposal:
        """Approve (which registers the version, in the same transaction) or reject a proposal.

        Four eyes: the author never approves their own proposal; only reviewers of the subject
        (or admins) decide; a rejection needs a comment. A proposal whose subject changed since
        it was made is checked again before it is registered. Of two reviewers deciding at the
        same moment exactly one succeeds; the other is told the proposal's new state.
        """
        target = LifecycleState.APPROVED if approve else LifecycleState.REJECTED
        return self._move_proposal(proposal_id, target, comment, actor)

    def _move_proposal(
        self,
        proposal_id: int,
        target: LifecycleState,
        comment: str | None,
        actor: Identity | None,
    ) -> Proposal:
        user = self._require(actor, Role.READER, "deciding a proposal")

        def work(conn: Connection) -> tuple[Proposal, Any]:
            proposal = governance.proposal(conn, proposal_id, lock=True)
            if proposal is None:
                raise ProposalNotFound(f"Proposal {proposal_id} not found")
            if proposal.state in (LifecycleState.APPROVED, LifecycleState.REJECTED):
                raise IllegalTransition(
                    f"Proposal {proposal_id} was already {proposal.state.value} by "
                    f"{proposal.decided_by or proposal.author}; there is nothing left to decide"
                )
            policy = self._governing_policy(conn, proposal.subject)
            parties = parties_for(user, policy, author=proposal.author)
            deciding = target in (LifecycleState.APPROVED, LifecycleState.REJECTED)
            in_review = proposal.state is LifecycleState.IN_REVIEW
            if deciding and in_review and not parties & {Party.REVIEWER, Party.ADMIN}:
                listed = ", ".join(policy.reviewers) if policy and policy.reviewers else ""
                raise Forbidden(
                    f"Forbidden: only reviewers of subject '{proposal.subject}' "
                    f"({listed or 'users with the reviewer role'}) or an admin may decide "
                    f"proposal {proposal_id}; '{user.name}' is not one"
                )
            transition = check_transition(
                proposal.state,
                target,
                parties,
                comment=comment,
                what=f"proposal {proposal_id}",
            )
            values: dict[str, Any] = {"state": target}
            parsed = None
            if transition.action == "approve":
                parsed = self._approve(conn, proposal, user)
                values["version"], values["schema_id"] = parsed[0].version, parsed[0].schema_id
                values["report"] = {**proposal.report, "registeredSemver": str(parsed[0].semver)}
            if transition.action in ("approve", "reject", "discard"):
                values.update(decided_by=user.name, decided_at=_now(), comment=comment)
            governance.update_proposal(conn, proposal_id, **values)
            self._record(
                conn,
                actor=user.name,
                action=f"proposal.{_past(transition.action)}",
                subject=proposal.subject,
                version=values.get("version"),
                schema_id=values.get("schema_id"),
                before={"proposal": proposal_id, "state": proposal.state.value},
                after={"proposal": proposal_id, "state": target.value, "comment": comment},
            )
            found = governance.proposal(conn, proposal_id)
            assert found is not None
            return found, parsed

        found, parsed = self.db.run(work)
        if parsed is not None:
            self._parsed_cache.put(parsed[0].schema_id, parsed[1])
        return found

    def _approve(self, conn: Connection, proposal: Proposal, user: User) -> Any:
        # APPROVED -> ACTIVE is the registry's own move, made in this same transaction
        check_transition(LifecycleState.APPROVED, LifecycleState.ACTIVE, frozenset({Party.SYSTEM}))
        references = tuple(
            SchemaReference(name=r["name"], subject=r["subject"], version=int(r["version"]))
            for r in proposal.references
        )
        latest = repository.version(conn, proposal.subject, -1, deleted=False)
        changed = (latest.version if latest else None) != proposal.base_version
        try:
            result, parsed = self._register(
                conn,
                proposal.subject,
                proposal.schema,
                SchemaType.parse(proposal.schema_type),
                references,
                None,
                None,
                None,
                False,
                user.name,
                reviewed=True,
            )
        except IncompatibleSchema as exc:
            if not changed:
                raise
            raise IncompatibleSchema(
                f"Proposal {proposal.id} no longer fits subject '{proposal.subject}': it changed "
                f"since the proposal was made (latest was version {proposal.base_version}, now "
                f"{latest.version if latest else 'none'}); re-checked: {exc.message}",
                exc.messages,
            ) from exc
        return result.version, parsed

    # --- events ----------------------------------------------------------------------------

    # --- event sinks and deliveries --------------------------------------------------------

    def add_sink(
        self,
        name: str,
        kind: str,
        url: str,
        *,
        secret: str | None = None,
        exchange: str | None = None,
        event_types: Sequence[str] = ("*",),
        from_start: bool = False,
        actor: Identity | None = None,
    ) -> dict[str, Any]:
        """Send events to a webhook (signed with ``secret``) or a RabbitMQ exchange.

        A new sink gets the events recorded from now on, or all of them with ``from_start``.
        ``event_types`` are shell-style patterns such as ``schema.*``.
        """
        if kind not in SINK_KINDS:
            raise InvalidInput(f"Unknown sink kind '{kind}'; the kinds are webhook, rabbitmq")
        if not name or len(name) > 128:
            raise InvalidInput("A sink needs a name of 1-128 characters")
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        wanted = ("http", "https") if kind == "webhook" else ("amqp", "amqps")
        if scheme not in wanted:
            raise InvalidInput(f"A {kind} sink needs a {' or '.join(wanted)} URL, not {url!r}")
        if kind == "webhook" and not secret:
            raise InvalidInput("A webhook sink needs a secret: its deliveries are signed with it")
        patterns = [p.strip() for p in event_types if p.strip()] or ["*"]
        admin = self._require(actor, Role.ADMIN, "adding an event sink")

        def work(conn: Connection) -> dict[str, Any]:
            if governance.sink(conn, name) is not None:
                raise AlreadyExists(f"Event sink '{name}' already exists")
            self._record(
                conn,
                actor=admin.name,
                action="sink.added",
                after={"sink": name, "kind": kind, "eventTypes": patterns},
            )
            governance.insert_sink(
                conn,
                name=name,
                kind=kind,
                url=url,
                secret=secret,
                exchange=(exchange or "llmsr.events") if kind == "rabbitmq" else None,
                event_types=patterns,
                # from now on: after every event so far, its own "added" event included
                cursor=0 if from_start else governance.max_event_seq(conn),
            )
            found = governance.sink(conn, name)
            assert found is not None
            return _public_sink(found)

        return self.db.run(work)

    def sinks(self) -> list[dict[str, Any]]:
        return [_public_sink(s) for s in self.db.read(governance.sinks)]

    def delete_sink(self, name: str, *, actor: Identity | None = None) -> None:
        admin = self._require(actor, Role.ADMIN, "removing an event sink")

        def work(conn: Connection) -> None:
            if not governance.delete_sink(conn, name):
                raise DeliveryNotFound(f"Event sink '{name}' not found")
            self._record(conn, actor=admin.name, action="sink.deleted", before={"sink": name})

        self.db.run(work)

    def deliveries(
        self, *, state: str | None = None, sink: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        """Deliveries of events to sinks; ``state='dead'`` lists the dead letters."""
        if state not in (None, "pending", "delivered", "dead"):
            raise InvalidInput(f"Unknown delivery state '{state}': pending, delivered or dead")
        return self.db.read(
            lambda conn: governance.deliveries(conn, state=state, sink_name=sink, limit=limit)
        )

    def delivery_counts(self) -> dict[str, dict[str, int]]:
        return self.db.read(governance.delivery_counts)

    def retry_delivery(self, delivery_id: int, *, actor: Identity | None = None) -> dict[str, Any]:
        """Give a dead letter a fresh set of attempts."""
        admin = self._require(actor, Role.ADMIN, "retrying a delivery")

        def work(conn: Connection) -> dict[str, Any]:
            if not governance.requeue(conn, delivery_id):
                found = governance.deliveries(conn, ids=[delivery_id])
                if not found:
                    raise DeliveryNotFound(f"Delivery {delivery_id} not found")
                raise IllegalTransition(
                    f"Delivery {delivery_id} is {found[0]['state']}; only dead deliveries are "
                    "retried"
                )
            repository.append_audit(
                conn, actor=admin.name, action="delivery.retried", after={"delivery": delivery_id}
            )
            return governance.deliveries(conn, ids=[delivery_id])[0]

        return self.db.run(work)

    # the dispatcher's side (``llmsr dispatch``)

    def fan_out_events(self) -> int:
        """Create the deliveries of new outbox events for every active sink; how many."""

        def work(conn: Connection) -> int:
            created = 0
            for sink in governance.sinks(conn, lock=True):
                if not sink["active"]:
                    continue
                patterns = sink["eventTypes"]

                def matches(event_type: str, patterns: list[str] = patterns) -> bool:
                    return any(fnmatch.fnmatchcase(event_type, p) for p in patterns)

                created += governance.fan_out(conn, sink, matches)
            return created

        return self.db.run(work)

    def claim_deliveries(
        self, *, limit: int = 100, lease_seconds: float = 30.0
    ) -> list[dict[str, Any]]:
        """Lease due deliveries, with their sink's settings, for one dispatcher."""

        def work(conn: Connection) -> list[dict[str, Any]]:
            claimed = governance.claim_due(
                conn, limit=limit, lease=timedelta(seconds=lease_seconds), now=utcnow()
            )
            if claimed:
                by_id = {s["id"]: s for s in governance.sinks(conn)}
                for delivery in claimed:
                    delivery["sinkConfig"] = by_id[delivery["sinkId"]]
            return claimed

        return self.db.run(work)

    def delivery_succeeded(self, delivery_id: int) -> None:
        self.db.run(lambda conn: governance.mark_delivered(conn, delivery_id))

    def delivery_failed(
        self, delivery_id: int, error: str, *, next_attempt_at: datetime | None
    ) -> None:
        """Record a failed attempt; ``next_attempt_at`` None makes it a dead letter."""
        self.db.run(
            lambda conn: governance.mark_failed(
                conn, delivery_id, error=error, next_attempt_at=next_attempt_at
            )
        )

    def publish_event(self, type_: str, subject: str | None, data: dict[str, Any]) -> str:
        """Write a data event (``validation.completed``, ``quarantine.threshold_exceeded``,
        ``drift.detected``, ``benchmark.failed``, ...) to the outbox for ``llmsr dispatch``;
        returns its id. ``data`` must be JSON-serialisable."""
        if not _EVENT_TYPE.fullmatch(type_):
            raise InvalidInput(
                f"Invalid event type {type_!r}: dot-separated words such as 'drift.detected'"
            )
        try:
            json.dumps(data)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"Event data of {type_} is not JSON: {exc}") from None
        return self.db.run(lambda conn: governance.append_event(conn, type_, subject, data))

    def last_event_seq(self) -> int:
        """The sequence number of the newest outbox event (0 when there is none): where a
        consumer that wants only future events starts."""
        return self.db.read(governance.max_event_seq)

    def events(
        self, *, after: int = 0, type_: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        """Outbox events after sequence number ``after``, oldest first."""
        return self.db.read(
            lambda conn: governance.events(conn, after=after, type_=type_, limit=limit)
        )


SINK_KINDS = ("webhook", "rabbitmq")
_EVENT_TYPE = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")


def _public_sink(sink: dict[str, Any]) -> dict[str, Any]:
    shown = dict(sink)
    shown["secret"] = "***" if sink.get("secret") else None
    return shown


def _names(values: Sequence[str]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    for name in names:
        if ":" in name or len(name) > 256:
            raise InvalidInput(f"Invalid user name {name!r} in a policy")
    return names


def _policy_audit(policy: Policy) -> dict[str, Any]:
    data = policy.to_dict()
    data.pop("updatedAt", None)
    data.pop("updatedBy", None)
    return data


def _past(action: str) -> str:
    return {
        "submit": "submitted",
        "discard": "discarded",
        "approve": "approved",
        "reject": "rejected",
        "deprecate": "deprecated",
        "reactivate": "reactivated",
        "archive": "archived",
        "restore": "restored",
        "register": "registered",
    }[action]


def _now() -> datetime:
    return utcnow()
