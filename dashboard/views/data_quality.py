"""Data quality: quarantine by reason per dataset over time, sample quarantined records, and
each column's drift statistic over time against its threshold."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.deps import database_url, registry, signed_in, table


@st.cache_data(ttl=60, show_spinner=False)
def _datasets(url: str) -> list[str]:
    return [d.name for d in registry().datasets() if d.kind.value != "evaluation"]


@st.cache_data(ttl=60, show_spinner=False)
def _validations(url: str, dataset: str) -> list[dict[str, Any]]:
    rows = registry().dataset_reports(dataset=dataset, kind="validation", limit=1000)
    return list(reversed(rows))  # oldest first, for charts


@st.cache_data(ttl=60, show_spinner=False)
def _drift(url: str, dataset: str) -> list[dict[str, Any]]:
    return list(reversed(registry().drift_reports(dataset=dataset, limit=1000)))


signed_in()
st.title("Data quality")
names = _datasets(database_url())
if not names:
    st.info("No datasets yet: they appear when the Dagster assets run (docs/orchestration.md).")
    st.stop()
wanted = st.query_params.get("dataset")
dataset = st.selectbox(
    "Dataset", names, index=names.index(wanted) if wanted in names else 0, key="dq-dataset"
)
runs = _validations(database_url(), dataset)
st.header("Quarantine")
if not runs:
    st.caption("No validation runs recorded.")
else:
    last = runs[-1]["summary"]
    columns = st.columns(4)
    columns[0].metric("Last run: records", f"{last.get('total', 0):,}")
    columns[1].metric("Quarantined", f"{last.get('quarantined', 0):,}")
    columns[2].metric("Share", f"{last.get('quarantined_fraction', 0):.2%}")
    columns[3].metric("Threshold", f"{last.get('threshold', 0):.2%}")
    reasons = [
        {"at": run["createdAt"], "reason": rule, "records": count}
        for run in runs
        for rule, count in (run["summary"].get("errors_by_rule") or {}).items()
    ]
    if reasons:
        st.subheader("Quarantined by reason")
        st.bar_chart(table(reasons), x="at", y="records", color="reason")
    shares = [
        {
            "at": run["createdAt"],
            "quarantined share": run["summary"].get("quarantined_fraction", 0.0),
            "threshold": run["summary"].get("threshold", 0.0),
        }
        for run in runs
    ]
    st.subheader("Quarantined share against the threshold")
    st.line_chart(table(shares), x="at", y=["quarantined share", "threshold"])
    samples = [
        {"record": s.get("record"), **issue}
        for s in last.get("samples", [])
        for issue in s.get("errors", [])
    ]
    st.subheader("Sample quarantined records (last run)")
    if samples:
        st.dataframe(table(samples), hide_index=True, width="stretch")
    else:
        st.caption("None quarantined.")

st.header("Drift")
reports = _drift(database_url(), dataset)
if not reports:
    st.caption("No drift reports recorded (the dataset has no reference, or has not run).")
else:
    points = [
        {
            "at": report["createdAt"],
            "column": column["column"],
            "statistic": column["statistic"],
            "threshold": column["threshold"],
            "method": column["method"],
            "drifted": column["drifted"],
        }
        for report in reports
        for column in report["report"]["columns"]
        if column.get("statistic") is not None
    ]
    columns_seen = sorted({p["column"] for p in points})
    latest = reports[-1]["report"]
    drifted = latest.get("drifted_columns", [])
    st.markdown(
        f"Last report: **{len(drifted)}** drifted column(s)"
        + (f": {', '.join(drifted)}" if drifted else "")
    )
    column = st.selectbox(
        "Column",
        columns_seen,
        index=columns_seen.index(drifted[0]) if drifted and drifted[0] in columns_seen else 0,
        key="dq-column",
    )
    chosen = [p for p in points if p["column"] == column]
    st.line_chart(table(chosen), x="at", y=["statistic", "threshold"])
    st.dataframe(table([p for p in points if p["at"] == reports[-1]["createdAt"]]),
                 hide_index=True, width="stretch")  # fmt: skip
