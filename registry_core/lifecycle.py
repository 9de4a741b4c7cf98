"""Governance rules as data: roles, the lifecycle state machine, the four-eyes rule (pure).

A schema change moves through one table of states::

    DRAFT --submit--> IN_REVIEW --approve--> APPROVED --register--> ACTIVE
      |                   |                                           |  ^
      +--discard--+       +--reject--> REJECTED                deprecate  reactivate
                  v                                                   v  |
              REJECTED                                             DEPRECATED
                                        ACTIVE or DEPRECATED --archive--> ARCHIVED
                                        ARCHIVED --restore--> DEPRECATED

DRAFT, IN_REVIEW, APPROVED and REJECTED are states of a proposal; ACTIVE, DEPRECATED and ARCHIVED
are states of a registered version (approval registers the version, ACTIVE, in the same
transaction). ``TRANSITIONS`` is the whole machine: what is not in it is refused with
``IllegalTransition`` naming the current state and the allowed next ones. Who may make a move is
a set of parties, worked out by the service from the caller's role and the subject's policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from registry_core.errors import CommentRequired, Forbidden, IllegalTransition
from registry_core.models import Choice, CompatibilityLevel

__all__ = [
    "PROPOSAL_STATES",
    "TRANSITIONS",
    "VERSION_STATES",
    "ApiKeyInfo",
    "LifecycleState",
    "Party",
    "Policy",
    "Proposal",
    "Role",
    "Transition",
    "User",
    "allowed_next",
    "check_transition",
    "effective_policy",
    "parties_for",
]


class Role(Choice):
    """What a user may do; each role includes the ones before it."""

    READER = "reader"  # every read, compatibility checks, lookups
    WRITER = "writer"  # register schemas, create proposals
    REVIEWER = "reviewer"  # decide proposals of subjects it reviews, read the audit trail
    ADMIN = "admin"  # everything: config, mode, deletes, policies, users, dead letters

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANKS = {role: rank for rank, role in enumerate(Role)}


class LifecycleState(Choice):
    DRAFT = "DRAFT"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    ACTIVE = "ACTIVE"
    DEPRECATED = "DEPRECATED"
    ARCHIVED = "ARCHIVED"

    @classmethod
    def label(cls) -> str:
        return "lifecycle state"


PROPOSAL_STATES = frozenset(
    {
        LifecycleState.DRAFT,
        LifecycleState.IN_REVIEW,
        LifecycleState.APPROVED,
        LifecycleState.REJECTED,
    }
)
VERSION_STATES = frozenset(
    {LifecycleState.ACTIVE, LifecycleState.DEPRECATED, LifecycleState.ARCHIVED}
)


class Party(StrEnum):
    """Who the caller is with respect to one change."""

    AUTHOR = "author"  # wrote the proposal
    REVIEWER = "reviewer"  # role reviewer+, and listed in the subject's reviewers (if any)
    OWNER = "owner"  # listed in the subject's owners; any writer+ when none are listed
    ADMIN = "admin"
    SYSTEM = "system"  # the registry itself (registration on approval)


@dataclass(frozen=True, slots=True)
class Transition:
    source: LifecycleState
    target: LifecycleState
    action: str
    parties: frozenset[Party]
    comment_required: bool = False
    author_excluded: bool = False  # the four-eyes rule


def _t(
    source: LifecycleState,
    target: LifecycleState,
    action: str,
    *parties: Party,
    comment_required: bool = False,
    author_excluded: bool = False,
) -> Transition:
    return Transition(source, target, action, frozenset(parties), comment_required, author_excluded)


S, P = LifecycleState, Party
TRANSITIONS: tuple[Transition, ...] = (
    _t(S.DRAFT, S.IN_REVIEW, "submit", P.AUTHOR, P.ADMIN),
    _t(S.DRAFT, S.REJECTED, "discard", P.AUTHOR, P.ADMIN),
    _t(S.IN_REVIEW, S.APPROVED, "approve", P.REVIEWER, P.ADMIN, author_excluded=True),
    _t(S.IN_REVIEW, S.REJECTED, "reject", P.REVIEWER, P.ADMIN, comment_required=True),
    _t(S.APPROVED, S.ACTIVE, "register", P.SYSTEM),
    _t(S.ACTIVE, S.DEPRECATED, "deprecate", P.OWNER, P.ADMIN),
    _t(S.DEPRECATED, S.ACTIVE, "reactivate", P.OWNER, P.ADMIN),
    _t(S.ACTIVE, S.ARCHIVED, "archive", P.OWNER, P.ADMIN),
    _t(S.DEPRECATED, S.ARCHIVED, "archive", P.OWNER, P.ADMIN),
    _t(S.ARCHIVED, S.DEPRECATED, "restore", P.ADMIN),
)
del S, P
_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def allowed_next(state: LifecycleState) -> list[LifecycleState]:
    return [t.target for t in TRANSITIONS if t.source is state]


def check_transition(
    current: LifecycleState,
    target: LifecycleState,
    parties: frozenset[Party],
    *,
    comment: str | None = None,
    what: str = "",
) -> Transition:
    """The transition from ``current`` to ``target`` if ``parties`` may make it; else raise.

    ``what`` names the object in messages ("proposal 12", "version 3 of subject 'x'").
    """
    transition = _BY_PAIR.get((current, target))
    label = f"{what} is {current.value}" if what else f"the state is {current.value}"
    if transition is None:
        nexts = allowed_next(current)
        allowed = ", ".join(s.value for s in nexts) if nexts else "none (a final state)"
        raise IllegalTransition(
            f"Cannot move to {target.value}: {label}; allowed next states: {allowed}"
        )
    if transition.author_excluded and Party.AUTHOR in parties:
        raise Forbidden(
            f"Four-eyes rule: the author of {what or 'a proposal'} cannot "
            f"{transition.action} it; another reviewer must"
        )
    if not parties & transition.parties:
        who = " or ".join(sorted(p.value for p in transition.parties))
        raise Forbidden(f"Only the {who} may {transition.action} ({label})")
    if transition.comment_required and not (comment or "").strip():
        raise CommentRequired(f"A comment is required to {transition.action} {what}".rstrip())
    return transition


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """Governance of one subject or of every subject under a prefix (a namespace)."""

    scope: str
    is_prefix: bool = False
    review_required: bool = False
    owners: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    compatibility: CompatibilityLevel | None = None
    major_line: bool = False  # a breaking change opens a new major line instead of failing
    updated_at: datetime | None = None
    updated_by: str | None = None

    def matches(self, subject: str) -> bool:
        return subject.startswith(self.scope) if self.is_prefix else subject == self.scope

    def to_dict(self) -> dict[str, Any]:
        return {
            ("prefix" if self.is_prefix else "subject"): self.scope,
            "reviewRequired": self.review_required,
            "owners": list(self.owners),
            "reviewers": list(self.reviewers),
            "compatibility": self.compatibility.value if self.compatibility else None,
            "majorLine": self.major_line,
            "updatedAt": self.updated_at.isoformat() if self.updated_at else None,
            "updatedBy": self.updated_by,
        }


def effective_policy(policies: Sequence[Policy], subject: str) -> Policy | None:
    """The policy of ``subject``: its own, else the one with the longest matching prefix."""
    best: Policy | None = None
    for policy in policies:
        if not policy.matches(subject):
            continue
        if not policy.is_prefix:
            return policy
        if best is None or len(policy.scope) > len(best.scope):
            best = policy
    return best


@dataclass(frozen=True, kw_only=True, slots=True)
class User:
    name: str
    role: Role
    disabled: bool = False
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "disabled": self.disabled,
            "createdAt": self.created_at.isoformat() if self.created_at else None,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class ApiKeyInfo:
    """What is kept of an API key: its public id, never the secret."""

    key_id: str
    user: str
    created_at: datetime
    revoked_at: datetime | None = None


def parties_for(
    user: User, policy: Policy | None, *, author: str | None = None
) -> frozenset[Party]:
    """The parties ``user`` belongs to for a change under ``policy`` (by ``author``)."""
    parties: set[Party] = set()
    if user.role is Role.ADMIN:
        parties.add(Party.ADMIN)
    if author is not None and user.name == author:
        parties.add(Party.AUTHOR)
    reviewers = policy.reviewers if policy else ()
    if user.role.includes(Role.REVIEWER) and (not reviewers or user.name in reviewers):
        parties.add(Party.REVIEWER)
    owners = policy.owners if policy else ()
    if (owners and user.name in owners) or (not owners and user.role.includes(Role.WRITER)):
        parties.add(Party.OWNER)
    return frozenset(parties)


@dataclass(frozen=True, kw_only=True, slots=True)
class Proposal:
    """A proposed new version of a subject and its review."""

    id: int
    subject: str
    schema_type: str
    schema: str
    references: tuple[Mapping[str, Any], ...]
    author: str
    note: str | None
    state: LifecycleState
    created_at: datetime
    base_version: int | None  # the subject's latest version when the proposal was made
    report: Mapping[str, Any] = field(default_factory=dict)
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None
    version: int | None = None  # the registered version, once approved
    schema_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject": self.subject,
            "schemaType": self.schema_type,
            "schema": self.schema,
            "references": [dict(r) for r in self.references],
            "author": self.author,
            "note": self.note,
            "state": self.state.value,
            "createdAt": self.created_at.isoformat(),
            "baseVersion": self.base_version,
            "report": dict(self.report),
            "decidedBy": self.decided_by,
            "decidedAt": self.decided_at.isoformat() if self.decided_at else None,
            "comment": self.comment,
            "version": self.version,
            "schemaId": self.schema_id,
        }
