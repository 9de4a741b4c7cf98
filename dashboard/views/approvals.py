"""Approvals: pending proposals with their diff and compatibility report; approve or reject
under the same rules as the API (four eyes, reviewers only, a rejection needs a comment)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import streamlit as st

from dashboard.deps import clear_caches, database_url, registry, signed_in, table
from registry_core.errors import RegistryError
from registry_core.lifecycle import LifecycleState, Party, parties_for


@st.cache_data(ttl=30, show_spinner=False)
def _pending(url: str) -> list[dict[str, Any]]:
    return [p.to_dict() for p in registry().proposals(state=LifecycleState.IN_REVIEW)]


@st.cache_data(ttl=30, show_spinner=False)
def _decided(url: str) -> list[dict[str, Any]]:
    done = (LifecycleState.APPROVED, LifecycleState.REJECTED)
    return [p.to_dict() for p in registry().proposals(limit=500) if p.state in done][:200]


def _age(created: str) -> str:
    seconds = (datetime.now(UTC) - datetime.fromisoformat(created)).total_seconds()
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def _decide(proposal: dict[str, Any], approve: bool, comment: str, user: Any) -> None:
    if not approve and not comment.strip():
        st.error("A rejection needs a comment.")
        return
    try:
        decided = registry().review(
            proposal["id"], approve=approve, comment=comment.strip() or None, actor=user
        )
    except RegistryError as exc:
        st.error(str(exc))
        return
    clear_caches()
    verdict = "approved" if approve else "rejected"
    extra = f" as version {decided.version}" if decided.version else ""
    st.session_state["flash"] = f"Proposal {proposal['id']} {verdict}{extra}."
    st.rerun()


user = signed_in()
st.title("Approvals")
if flash := st.session_state.pop("flash", None):
    st.success(flash)

pending = _pending(database_url())
st.caption(f"{len(pending)} proposal(s) waiting for review")
for proposal in pending:
    report = proposal.get("report") or {}
    with st.container(border=True):
        st.subheader(f"#{proposal['id']} · {proposal['subject']}")
        columns = st.columns(4)
        columns[0].metric("Author", proposal["author"])
        columns[1].metric("Age", _age(proposal["createdAt"]))
        columns[2].metric("Semver bump", str(report.get("semverBump", "-")))
        compatible = report.get("compatible")
        columns[3].metric(
            "Compatibility",
            "compatible" if compatible else ("incompatible" if compatible is False else "-"),
            help=f"level {report.get('level', '-')}",
        )
        if proposal.get("note"):
            st.markdown(f"> {proposal['note']}")
        diff, compatibility, schema = st.tabs(["Diff", "Compatibility report", "Schema"])
        with diff:
            changes = report.get("diff") or []
            if changes:
                st.dataframe(
                    table([{k: c[k] for k in ("kind", "path", "message")} for c in changes]),
                    hide_index=True,
                    width="stretch",
                )
            else:
                st.caption("No field changes.")
        with compatibility:
            messages = report.get("messages") or []
            st.write(
                f"Checked against version(s) {report.get('comparedVersions', [])} "
                f"at {report.get('level', '-')}: "
                + ("compatible." if compatible else f"{len(messages)} incompatibilities.")
            )
            for message in messages:
                st.error(message)
        with schema:
            st.code(proposal["schema"], language="json")
        policy = registry().policy_for(proposal["subject"])
        parties = parties_for(user, policy, author=proposal["author"])
        if Party.AUTHOR in parties:
            st.info("You wrote this proposal: another reviewer decides it (four-eyes rule).")
        elif not parties & {Party.REVIEWER, Party.ADMIN}:
            st.caption("Only the subject's reviewers (or an admin) decide this proposal.")
        else:
            with st.form(key=f"decide-{proposal['id']}"):
                comment = st.text_area("Comment", key=f"comment-{proposal['id']}")
                approve, reject = st.columns(2)
                if approve.form_submit_button("Approve", type="primary"):
                    _decide(proposal, True, comment, user)
                if reject.form_submit_button("Reject"):
                    _decide(proposal, False, comment, user)

st.header("Decision history")
history = _decided(database_url())
if history:
    st.dataframe(
        table(
            [
                {
                    "id": p["id"],
                    "subject": p["subject"],
                    "state": p["state"],
                    "author": p["author"],
                    "decided by": p["decidedBy"],
                    "decided at": p["decidedAt"],
                    "comment": p["comment"],
                    "version": p["version"],
                }
                for p in history
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption("No decisions yet.")
