"""Audit: the registry's append-only trail, filtered by actor, subject, action and time, and
exportable as CSV or JSON lines."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

import streamlit as st

from dashboard.deps import database_url, registry, signed_in, table
from registry_core.lifecycle import Role


@st.cache_data(ttl=30, show_spinner=False)
def _trail(
    url: str,
    subject: str | None,
    actor: str | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[dict[str, Any]]:
    rows = registry().audit_events(
        subject=subject, actor=actor, action=action, since=since, until=until, limit=5000
    )
    # before/after differ in shape from one action to the next: shown as JSON text
    return [
        {
            **r,
            "before": json.dumps(r["before"], default=str) if r["before"] is not None else "",
            "after": json.dumps(r["after"], default=str) if r["after"] is not None else "",
        }
        for r in rows
    ]


user = signed_in()
st.title("Audit")
if not user.role.includes(Role.REVIEWER):
    st.error(f"The audit trail is for reviewers and admins; {user.name} is a {user.role.value}.")
    st.stop()
columns = st.columns(4)
actor = columns[0].text_input("Actor", key="audit-actor").strip() or None
subject = columns[1].text_input("Subject", key="audit-subject").strip() or None
action = (
    columns[2]
    .text_input("Action (a prefix ends in '.')", key="audit-action", placeholder="proposal.")
    .strip()
    or None
)
days = columns[3].date_input("Between", value=[], key="audit-days")
since = until = None
if isinstance(days, tuple) and len(days) == 2 and all(isinstance(d, date) for d in days):
    since = datetime.combine(days[0], time.min, tzinfo=UTC)
    until = datetime.combine(days[1], time.max, tzinfo=UTC)
rows = _trail(database_url(), subject, actor, action, since, until)
st.caption(f"{len(rows)} event(s), oldest first")
if rows:
    frame = table(rows)
    st.dataframe(frame, hide_index=True, width="stretch")
    left, right = st.columns(2)
    left.download_button(
        "Export CSV", frame.to_csv(index=False), "audit.csv", "text/csv", key="audit-csv"
    )
    right.download_button(
        "Export JSON lines",
        "".join(json.dumps(r, default=str) + "\n" for r in rows),
        "audit.jsonl",
        "application/jsonl",
        key="audit-jsonl",
    )
