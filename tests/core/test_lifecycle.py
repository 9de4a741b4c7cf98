"""The lifecycle state machine as a table: every pair of states is either an allowed move (made
by the parties the table names, refused to others) or refused with the allowed next states."""

from __future__ import annotations

import itertools

import pytest

from registry_core.errors import CommentRequired, Forbidden, IllegalTransition
from registry_core.lifecycle import (
    TRANSITIONS,
    LifecycleState,
    Party,
    Policy,
    Role,
    User,
    allowed_next,
    check_transition,
    effective_policy,
    parties_for,
)

ALL_PARTIES = frozenset(Party)
PAIRS = list(itertools.product(LifecycleState, LifecycleState))
TABLE = {(t.source, t.target): t for t in TRANSITIONS}


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=lambda s: s.value)
def test_every_pair_is_allowed_by_the_table_or_refused_naming_the_allowed_states(
    source: LifecycleState, target: LifecycleState
) -> None:
    transition = TABLE.get((source, target))
    if transition is None:
        with pytest.raises(IllegalTransition) as refused:
            check_transition(source, target, ALL_PARTIES - {Party.AUTHOR}, comment="c", what="x")
        message = refused.value.message
        assert f"x is {source.value}" in message and f"Cannot move to {target.value}" in message
        nexts = allowed_next(source)
        assert all(s.value in message for s in nexts)
        if not nexts:
            assert "final state" in message
        return
    for party in Party:
        parties = frozenset({party})
        if party in transition.parties and not (
            transition.author_excluded and party is Party.AUTHOR
        ):
            assert check_transition(source, target, parties, comment="why") is transition
        else:
            with pytest.raises(Forbidden):
                check_transition(source, target, parties, comment="why")


def test_the_author_never_approves_even_as_an_admin_reviewer() -> None:
    with pytest.raises(Forbidden, match="Four-eyes"):
        check_transition(
            LifecycleState.IN_REVIEW,
            LifecycleState.APPROVED,
            frozenset({Party.AUTHOR, Party.ADMIN, Party.REVIEWER}),
            what="proposal 7",
        )


@pytest.mark.parametrize("comment", [None, "", "   "])
def test_a_rejection_needs_a_comment(comment: str | None) -> None:
    with pytest.raises(CommentRequired, match="comment is required to reject proposal 3"):
        check_transition(
            LifecycleState.IN_REVIEW,
            LifecycleState.REJECTED,
            frozenset({Party.REVIEWER}),
            comment=comment,
            what="proposal 3",
        )


def test_parties_follow_roles_and_the_subject_policy() -> None:
    listed = Policy(scope="llm.", is_prefix=True, owners=("olga",), reviewers=("rita",))
    rita = User(name="rita", role=Role.REVIEWER)
    ravi = User(name="ravi", role=Role.REVIEWER)
    walt = User(name="walt", role=Role.WRITER)
    olga = User(name="olga", role=Role.READER)
    ada = User(name="ada", role=Role.ADMIN)
    assert parties_for(rita, listed) == {Party.REVIEWER}  # not an owner: owners are listed
    assert parties_for(ravi, listed) == frozenset()  # a reviewer, but not of this subject
    assert parties_for(ravi, None) == {Party.REVIEWER, Party.OWNER}
    assert parties_for(walt, None, author="walt") == {Party.AUTHOR, Party.OWNER}
    assert parties_for(olga, listed) == {Party.OWNER}
    assert Party.ADMIN in parties_for(ada, listed)


def test_a_subjects_own_policy_beats_the_longest_prefix() -> None:
    policies = [
        Policy(scope="llm.", is_prefix=True, review_required=True),
        Policy(scope="llm.chat.", is_prefix=True),
        Policy(scope="llm.chat.turn-value", major_line=True),
    ]
    assert effective_policy(policies, "llm.chat.turn-value") == policies[2]
    assert effective_policy(policies, "llm.chat.other-value") == policies[1]
    assert effective_policy(policies, "llm.eval-value") == policies[0]
    assert effective_policy(policies, "billing-value") is None


def test_roles_include_the_ones_before_them() -> None:
    assert Role.ADMIN.includes(Role.REVIEWER) and Role.REVIEWER.includes(Role.WRITER)
    assert not Role.WRITER.includes(Role.REVIEWER) and not Role.READER.includes(Role.WRITER)
    assert Role.parse("Admin") is Role.ADMIN


def test_the_docs_table_is_the_code_table() -> None:
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "governance.md").read_text()
    table = text.split("<!-- transitions:start -->")[1].split("<!-- transitions:end -->")[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in table.strip().splitlines()[2:]
    ]
    documented = {(r[0], r[1], r[2]): r[3] for r in rows}
    assert set(documented) == {(t.source.value, t.target.value, t.action) for t in TRANSITIONS}
    for t in TRANSITIONS:
        who = documented[(t.source.value, t.target.value, t.action)]
        for party in t.parties:
            assert party.value in who
        assert ("never the author" in who) == t.author_excluded
        assert ("comment required" in who) == t.comment_required
