"""Benchmarks: each evaluation benchmark's pin (schema version, content hash), its last
validation, and which checks passed or blocked it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.deps import database_url, registry, signed_in, table


@st.cache_data(ttl=60, show_spinner=False)
def _benchmarks(url: str) -> list[dict[str, Any]]:
    reg = registry()
    out = []
    for dataset in reg.datasets(kind="evaluation"):
        reports = reg.dataset_reports(dataset=dataset.name, kind="benchmark", limit=200)
        last_run = reports[0]["runId"] if reports else None
        checks = [r for r in reports if r["runId"] == last_run and r["summary"].get("check")]
        out.append(
            {
                "name": dataset.name,
                "subject": dataset.subject,
                "pin": dataset.version_pin,
                "content_hash": dataset.settings.get("content_hash"),
                "last_run": last_run,
                "last_at": reports[0]["createdAt"] if reports else None,
                "checks": [
                    {
                        "check": r["summary"]["check"],
                        "result": "passed" if r["passed"] else "BLOCKED",
                        "detail": r["summary"].get("description", ""),
                    }
                    for r in reversed(checks)
                ],
            }
        )
    return out


signed_in()
st.title("Benchmarks")
benchmarks = _benchmarks(database_url())
if not benchmarks:
    st.info("No evaluation benchmarks yet: declare one in the dataset catalog.")
    st.stop()
for bench in benchmarks:
    with st.container(border=True):
        st.subheader(bench["name"])
        blocked = [c for c in bench["checks"] if c["result"] != "passed"]
        columns = st.columns(3)
        columns[0].metric("Pinned schema", f"{bench['subject']} v{bench['pin']}")
        columns[1].metric(
            "Status",
            "no run yet" if not bench["checks"] else ("BLOCKED" if blocked else "passed"),
        )
        columns[2].metric("Last validation", str(bench["last_at"] or "-")[:19])
        st.caption(f"Pinned content hash: `{bench['content_hash'] or 'none'}`")
        if bench["checks"]:
            st.dataframe(table(bench["checks"]), hide_index=True, width="stretch")
