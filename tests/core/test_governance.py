"""Governance through the Python API, on SQLite and PostgreSQL: users and keys, policies,
proposals with four-eyes review, lifecycle moves, the append-only audit trail and the outbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from registry_core.errors import (
    AlreadyExists,
    CommentRequired,
    Forbidden,
    IllegalTransition,
    IncompatibleSchema,
    InvalidInput,
    ReviewRequired,
    Unauthenticated,
    UserNotFound,
)
from registry_core.lifecycle import LifecycleState, Role
from registry_core.service import Registry


def record(*fields: tuple[str, Any]) -> str:
    """An Avro record of (name, type) fields; optional ones are unions with a null default."""
    body = []
    for name, kind in fields:
        field: dict[str, Any] = {"name": name, "type": kind}
        if isinstance(kind, list) and "null" in kind:
            field["default"] = None
        body.append(field)
    return json.dumps({"type": "record", "name": "Turn", "fields": body})


V1 = record(("prompt", "string"))
V2 = record(("prompt", "string"), ("model", ["null", "string"]))
V3 = record(("prompt", "string"), ("model", ["null", "string"]), ("tokens", ["null", "long"]))
BREAKING = record(("prompt", "string"), ("temperature", "double"))  # required, no default


@pytest.fixture
def gov(registry: Registry) -> Registry:
    """A registry with an admin, a writer, two reviewers and a reader."""
    registry.add_user("ada", "admin")
    for name, role in [("walt", "writer"), ("rita", "reviewer"), ("ravi", "reviewer")]:
        registry.add_user(name, role, actor="ada")
    registry.add_user("rhea", "reader", actor="ada")
    return registry


# --- users and keys ----------------------------------------------------------------------------


def test_api_keys_authenticate_and_are_stored_only_as_hashes(gov: Registry) -> None:
    key = gov.rotate_key("walt", actor="ada")
    assert key.startswith("llmsr_")
    assert gov.authenticate(key).name == "walt"
    assert gov.authenticate(key, username="walt").role is Role.WRITER
    with pytest.raises(Unauthenticated, match="does not belong to 'rita'"):
        gov.authenticate(key, username="rita")
    with pytest.raises(Unauthenticated, match="unknown or revoked"):
        gov.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B"))
    with gov.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT key_hash FROM api_keys")).scalars().all()
    secret = key.split("_", 2)[2]
    assert all(secret not in value and key not in value for value in stored)

    newer = gov.rotate_key("walt", actor="ada")
    with pytest.raises(Unauthenticated):
        gov.authenticate(key)  # rotated: the old key is revoked
    assert gov.authenticate(newer).name == "walt"
    gov.update_user("walt", disabled=True, actor="ada")
    with pytest.raises(Unauthenticated, match="disabled"):
        gov.authenticate(newer)


def test_only_admins_manage_users_once_users_exist(gov: Registry) -> None:
    with pytest.raises(Forbidden, match="needs the admin role; 'rita' is a reviewer"):
        gov.add_user("eve", "admin", actor="rita")
    with pytest.raises(UserNotFound):
        gov.add_user("eve", "admin", actor="nobody")
    with pytest.raises(AlreadyExists):
        gov.add_user("walt", "reader", actor="ada")
    assert gov.update_user("rhea", role="writer", actor="ada").role is Role.WRITER
    actions = [(e["actor"], e["action"]) for e in gov.audit_events(action="user.")]
    assert ("ada", "user.updated") in actions and ("anonymous", "user.added") in actions


# --- policies ----------------------------------------------------------------------------------


def test_policies_by_subject_and_prefix_set_the_compatibility_level(gov: Registry) -> None:
    gov.set_policy("llm.", prefix=True, compatibility="NONE", owners=["walt"], actor="ada")
    gov.register("llm.turn-value", V1, actor="walt")
    # NONE from the prefix policy: a breaking change registers
    assert gov.register("llm.turn-value", BREAKING, actor="walt").version.version == 2
    gov.set_policy("llm.turn-value", compatibility="BACKWARD", actor="ada")
    seeded = record(("prompt", "string"), ("temperature", "double"), ("seed", "long"))
    with pytest.raises(IncompatibleSchema):
        gov.register("llm.turn-value", seeded, actor="walt")  # a new field without default
    # the subject's own Confluent config beats every policy
    gov.set_config("llm.turn-value", compatibility="NONE", actor="ada")
    assert gov.register("llm.turn-value", seeded, actor="walt").version.version == 3
    effective = gov.policy_for("llm.turn-value")
    assert effective is not None and effective.compatibility is not None
    assert effective.compatibility.value == "BACKWARD" and not effective.is_prefix
    assert gov.policy_for("llm.other")  # the prefix
    with pytest.raises(Forbidden):
        gov.set_policy("llm.x", review_required=True, actor="walt")


def test_major_line_lets_a_breaking_change_open_a_new_line(gov: Registry) -> None:
    gov.register("eval-value", V1, actor="walt")
    gov.register("eval-value", V2, actor="walt")
    with pytest.raises(IncompatibleSchema):
        gov.register("eval-value", BREAKING, actor="walt")
    gov.set_policy("eval-value", major_line=True, actor="ada")
    opened = gov.register("eval-value", BREAKING, actor="walt")
    assert (opened.version.version, str(opened.version.semver)) == (3, "2.0.0")
    assert opened.semver_bump == "major"
    # the new line is checked on its own: compatible with v3, though not with v1
    later = record(("prompt", "string"), ("temperature", "double"), ("seed", ["null", "long"]))
    assert str(gov.register("eval-value", later, actor="walt").version.semver) == "2.1.0"


# --- proposals and review ----------------------------------------------------------------------


def test_proposal_shows_report_bump_and_field_diff(gov: Registry) -> None:
    gov.register("chat-value", V1, actor="walt")
    proposal = gov.propose("chat-value", V3, note="track usage", actor="walt")
    assert proposal.state is LifecycleState.IN_REVIEW and proposal.base_version == 1
    report = proposal.report
    assert report["compatible"] and report["level"] == "BACKWARD"
    assert report["comparedVersions"] == [1]
    assert (report["semverBump"], report["semver"]) == ("minor", "1.1.0")
    added = {c["path"] for c in report["diff"] if c["kind"] == "added"}
    assert added == {"/model", "/tokens"}
    # proposing the same schema again finds the open proposal instead of a second one
    assert gov.propose("chat-value", V3, actor="rita").id == proposal.id
    with pytest.raises(AlreadyExists, match="already registered as version 1"):
        gov.propose("chat-value", V1, actor="walt")
    with pytest.raises(IncompatibleSchema):
        gov.propose("chat-value", BREAKING, actor="walt")
    with pytest.raises(Forbidden):
        gov.propose("chat-value", V2, actor="rhea")  # a reader


def test_four_eyes_and_reviewer_rules(gov: Registry) -> None:
    gov.register("chat-value", V1, actor="walt")
    gov.set_policy("chat-value", review_required=True, reviewers=["rita"], actor="ada")
    own = gov.propose("chat-value", V2, actor="rita")  # a reviewer's own proposal
    with pytest.raises(Forbidden, match="Four-eyes"):
        gov.review(own.id, approve=True, actor="rita")
    with pytest.raises(Forbidden, match=r"only reviewers of subject 'chat-value' \(rita\)"):
        gov.review(own.id, approve=True, actor="ravi")  # a reviewer, not of this subject
    with pytest.raises(Forbidden):
        gov.review(own.id, approve=True, actor="walt")
    with pytest.raises(CommentRequired):
        gov.review(own.id, approve=False, actor="ada")
    assert gov.get_version("chat-value", "latest").version == 1  # nothing registered yet

    approved = gov.review(own.id, approve=True, comment="ok", actor="ada")
    assert (approved.state, approved.decided_by, approved.version) == (
        LifecycleState.APPROVED,
        "ada",
        2,
    )
    assert gov.get_version("chat-value", "latest").schema_id == approved.schema_id
    with pytest.raises(IllegalTransition, match="already APPROVED by ada"):
        gov.review(own.id, approve=False, comment="late", actor="rita")

    rejected = gov.propose("chat-value", V3, actor="walt")
    done = gov.review(rejected.id, approve=False, comment="not now", actor="rita")
    assert (done.state, done.comment) == (LifecycleState.REJECTED, "not now")
    assert gov.list_versions("chat-value") == [1, 2]
    trail = [(e["actor"], e["action"]) for e in gov.audit_events(subject="chat-value")]
    assert ("ada", "proposal.approved") in trail and ("rita", "proposal.rejected") in trail
    assert ("ada", "schema.registered") in trail  # the approver registered it


def test_registration_on_a_review_required_subject_creates_a_proposal(gov: Registry) -> None:
    gov.register("prefs-value", V1, actor="walt")
    gov.set_policy("prefs", prefix=True, review_required=True, actor="ada")
    with pytest.raises(ReviewRequired) as pending:
        gov.register("prefs-value", V2, actor="walt")
    assert f"proposal {pending.value.proposal_id}" in pending.value.message
    assert pending.value.http_status == 422
    # a client that retries does not pile up proposals; an identical schema is not reviewed
    with pytest.raises(ReviewRequired) as again:
        gov.register("prefs-value", V2, actor="walt")
    assert again.value.proposal_id == pending.value.proposal_id
    assert gov.register("prefs-value", V1, actor="walt").version.version == 1
    assert [p.id for p in gov.proposals(state="IN_REVIEW")] == [pending.value.proposal_id]
    gov.review(pending.value.proposal_id, approve=True, actor="rita")
    assert gov.get_version("prefs-value", "latest").version == 2


def test_a_proposal_whose_subject_changed_is_checked_again(gov: Registry) -> None:
    gov.register("tool-value", V1, actor="walt")
    as_string = gov.propose("tool-value", V2, actor="walt")
    as_long = record(("prompt", "string"), ("model", ["null", "long"]))
    other = gov.propose("tool-value", as_long, actor="walt")
    gov.review(as_string.id, approve=True, actor="rita")
    with pytest.raises(IncompatibleSchema, match=r"changed since the proposal was made"):
        gov.review(other.id, approve=True, actor="rita")
    assert gov.get_proposal(other.id).state is LifecycleState.IN_REVIEW
    assert gov.list_versions("tool-value") == [1, 2]


def test_two_reviewers_approving_at_once_make_exactly_one_decision(gov: Registry) -> None:
    gov.register("race-value", V1, actor="walt")
    proposal = gov.propose("race-value", V2, actor="walt")
    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def decide(reviewer: str) -> None:
        barrier.wait()
        try:
            outcomes[reviewer] = gov.review(proposal.id, approve=True, actor=reviewer)
        except IllegalTransition as exc:
            outcomes[reviewer] = exc

    threads = [threading.Thread(target=decide, args=(r,)) for r in ("rita", "ravi")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wins = [r for r, o in outcomes.items() if not isinstance(o, Exception)]
    assert len(wins) == 1, outcomes
    loser = next(o for o in outcomes.values() if isinstance(o, Exception))
    assert f"already APPROVED by {wins[0]}" in str(loser)
    assert gov.list_versions("race-value") == [1, 2]
    approvals = gov.audit_events(action="proposal.approved")
    assert [e["actor"] for e in approvals] == wins
    assert len(gov.events(type_="proposal.approved")) == 1


def test_drafts_are_submitted_or_discarded_by_their_author(gov: Registry) -> None:
    gov.register("draft-value", V1, actor="walt")
    draft = gov.propose("draft-value", V2, draft=True, actor="walt")
    assert draft.state is LifecycleState.DRAFT
    with pytest.raises(IllegalTransition, match="allowed next states: IN_REVIEW, REJECTED"):
        gov.review(draft.id, approve=True, actor="rita")
    with pytest.raises(Forbidden):
        gov.submit_proposal(draft.id, actor="rita")
    assert gov.submit_proposal(draft.id, actor="walt").state is LifecycleState.IN_REVIEW
    with pytest.raises(IllegalTransition, match="a reviewer rejects it"):
        gov.discard_proposal(draft.id, actor="walt")
    second = gov.propose("draft-value", V3, draft=True, actor="walt")
    assert gov.discard_proposal(second.id, actor="walt").state is LifecycleState.REJECTED


# --- lifecycle of versions ---------------------------------------------------------------------


def test_deprecated_versions_serve_flagged_and_archived_ones_leave_latest(gov: Registry) -> None:
    gov.set_policy("life-value", owners=["walt"], actor="ada")
    gov.register("life-value", V1, actor="walt")
    second = gov.register("life-value", V2, actor="walt").version
    with pytest.raises(Forbidden, match="Only the admin or owner may deprecate"):
        gov.set_version_state("life-value", 1, "DEPRECATED", actor="rita")
    gov.set_version_state("life-value", 1, "DEPRECATED", actor="walt")
    assert gov.get_version("life-value", 1).state == "DEPRECATED"
    gov.set_version_state("life-value", 2, "ARCHIVED", actor="walt")
    latest = gov.get_version("life-value", "latest")
    assert (latest.version, latest.state) == (1, "DEPRECATED")
    assert gov.get_schema(second.schema_id).schema  # archived: still fetchable by id
    assert gov.get_version("life-value", 2).state == "ARCHIVED"
    with pytest.raises(IllegalTransition, match="is ARCHIVED; allowed next states: DEPRECATED"):
        gov.set_version_state("life-value", 2, "ACTIVE", actor="ada")
    with pytest.raises(Forbidden, match="Only the admin may restore"):
        gov.set_version_state("life-value", 2, "DEPRECATED", actor="walt")
    gov.set_version_state("life-value", 2, "DEPRECATED", actor="ada")
    assert gov.get_version("life-value", "latest").version == 2
    types = [e["type"] for e in gov.events() if e["subject"] == "life-value"]
    assert types.count("schema.deprecated") == 1 and "schema.archived" in types


# --- audit and outbox --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"]
)
def test_the_audit_trail_is_append_only_in_the_database(gov: Registry, statement: str) -> None:
    before = gov.audit_events()
    with pytest.raises(Exception, match="append-only"), gov.db.engine.begin() as conn:
        conn.execute(text(statement))
    assert gov.audit_events() == before


def test_every_change_is_audited_with_its_actor_and_has_an_event(gov: Registry) -> None:
    gov.register("all-value", V1, actor="walt")
    gov.register("all-value", V2, actor="walt")
    gov.set_config("all-value", compatibility="FULL", actor="ada")
    gov.set_mode("all-value", "READONLY", actor="ada")
    gov.delete_mode("all-value", actor="ada")
    proposal = gov.propose("all-value", V3, actor="walt")
    gov.review(proposal.id, approve=False, comment="no", actor="rita")
    gov.delete_version("all-value", 1, actor="ada")
    gov.delete_subject("all-value", actor="ada")
    trail = [(e["actor"], e["action"]) for e in gov.audit_events(subject="all-value")]
    assert trail == [
        ("walt", "schema.registered"),
        ("walt", "schema.registered"),
        ("ada", "config.set"),
        ("ada", "mode.set"),
        ("ada", "mode.deleted"),
        ("walt", "proposal.created"),
        ("rita", "proposal.rejected"),
        ("ada", "version.deleted"),
        ("ada", "subject.deleted"),
    ]
    events = [e for e in gov.events() if e["subject"] == "all-value"]
    assert [e["type"] for e in events] == [
        "schema.registered",
        "schema.registered",
        "config.changed",
        "config.changed",
        "config.changed",
        "proposal.created",
        "proposal.rejected",
        "schema.deleted",
        "subject.deleted",
    ]
    assert len({e["id"] for e in events}) == len(events)  # stable, distinct ids
    assert events[0]["data"]["actor"] == "walt"


def test_a_failed_change_writes_neither_audit_nor_event(gov: Registry) -> None:
    gov.register("atomic-value", V1, actor="walt")
    audit, events = len(gov.audit_events()), len(gov.events())
    with pytest.raises(IncompatibleSchema):
        gov.register("atomic-value", BREAKING, actor="walt")
    with pytest.raises(Forbidden):
        gov.set_policy("atomic-value", review_required=True, actor="walt")
    assert (len(gov.audit_events()), len(gov.events())) == (audit, events)


def test_audit_filters_by_actor_action_prefix_and_time(gov: Registry) -> None:
    gov.register("f-value", V1, actor="walt")
    middle = gov.audit_events()[-1]["at"]
    gov.register("f-value", V2, actor="ravi")
    assert [e["actor"] for e in gov.audit_events(action="schema.*")] == ["walt", "ravi"]
    assert [e["actor"] for e in gov.audit_events(actor="ravi")] == ["ravi"]
    assert all(e["at"] > middle for e in gov.audit_events(since=middle)[1:])
    assert gov.audit_events(until=middle, action="schema.registered") == []


@pytest.fixture
def open_registry(registry: Registry) -> Iterator[Registry]:
    yield registry


def test_without_users_everyone_is_an_admin_and_review_still_applies(
    open_registry: Registry,
) -> None:
    assert not open_registry.auth_required()
    open_registry.register("o-value", V1, actor="someone")
    open_registry.set_policy("o-value", review_required=True, actor="someone")
    with pytest.raises(ReviewRequired) as pending:
        open_registry.register("o-value", V2, actor="someone")
    with pytest.raises(Forbidden, match="Four-eyes"):
        open_registry.review(pending.value.proposal_id, approve=True, actor="someone")
    done = open_registry.review(pending.value.proposal_id, approve=True, actor="other")
    assert done.version == 2


def test_governance_actions_must_name_their_actor_once_users_exist(gov: Registry) -> None:
    with pytest.raises(Unauthenticated, match="pass actor="):
        gov.set_policy("x-value", review_required=True)
    with pytest.raises(Unauthenticated):
        gov.add_user("eve", "reader")


def test_data_events_go_to_the_outbox(gov: Registry) -> None:
    event_id = gov.publish_event("drift.detected", "telemetry-value", {"column": "latency_ms"})
    [event] = gov.events(type_="drift.detected")
    assert (event["id"], event["subject"], event["data"]) == (
        event_id,
        "telemetry-value",
        {"column": "latency_ms"},
    )
    with pytest.raises(InvalidInput, match="dot-separated"):
        gov.publish_event("Drift Detected", None, {})
    with pytest.raises(InvalidInput, match="not JSON"):
        gov.publish_event("drift.detected", None, {"at": object()})
