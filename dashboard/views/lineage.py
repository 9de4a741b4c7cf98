"""Lineage: schema versions -> datasets -> Dagster assets -> quarantine, drift reports and
benchmark verdicts, as recorded by runs; centred on a chosen node, to a chosen depth."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.deps import database_url, registry, signed_in
from registry_core.errors import RegistryError

COLOURS = {"schema": "#dbeafe", "dataset": "#dcfce7", "asset": "#fef9c3", "report": "#fee2e2"}


@st.cache_data(ttl=60, show_spinner=False)
def _starts(url: str) -> list[str]:
    reg = registry()
    datasets = reg.datasets()
    nodes = [f"dataset:{d.name}" for d in datasets]
    for dataset in datasets:
        try:
            version = reg.resolve_pin(dataset.subject, dataset.version_pin).version
        except RegistryError:
            continue
        nodes.append(f"schema:{dataset.subject}@{version}")
    return sorted(set(nodes))


@st.cache_data(ttl=60, show_spinner=False)
def _graph(url: str, node: str, depth: int) -> dict[str, Any]:
    return registry().lineage(node, depth=depth).to_dict()


def dot(graph: dict[str, Any]) -> str:
    """The graph as Graphviz DOT, left to right, the centre in bold, quarantine in red."""
    lines = [
        "digraph lineage {",
        '  rankdir=LR; node [shape=box, style="rounded,filled", fontname="Helvetica"];',
    ]
    for node in graph["nodes"]:
        name = node["id"]
        fill = COLOURS.get(node["kind"], "#f3f4f6")
        bold = ", penwidth=3" if name == graph["center"] else ""
        if "quarantine" in name:
            fill = "#fecaca"
        lines.append(f'  "{name}" [fillcolor="{fill}"{bold}];')
    for edge in graph["edges"]:
        runs = len(edge["runs"])
        label = f' [label="{runs} run{"s" if runs != 1 else ""}"]' if runs else ""
        lines.append(f'  "{edge["source"]}" -> "{edge["target"]}"{label};')
    lines.append("}")
    return "\n".join(lines)


signed_in()
st.title("Lineage")
starts = _starts(database_url())
if not starts:
    st.info(
        "No lineage yet: it is recorded when the Dagster assets run (see docs/orchestration.md)."
    )
    st.stop()
picked = st.query_params.get("node")
left, right = st.columns([3, 1])
node = left.selectbox(
    "Centre on",
    starts,
    index=starts.index(picked) if picked in starts else 0,
    key="lineage-node",
)
depth = right.slider("Depth", 1, 6, 2, key="lineage-depth")
graph = _graph(database_url(), node, depth)
st.graphviz_chart(dot(graph), width="stretch")
st.caption(f"{len(graph['nodes'])} nodes, {len(graph['edges'])} edges")
st.subheader("Go to")
for item in graph["nodes"]:
    kind, _, name = item["id"].partition(":")
    if kind == "schema":
        subject = name.rsplit("@", 1)[0]
        st.page_link(
            "views/schemas.py", label=f"{item['id']} (Schemas)", query_params={"subject": subject}
        )
    elif kind == "dataset":
        st.page_link(
            "views/data_quality.py",
            label=f"{item['id']} (Data quality)",
            query_params={"dataset": name},
        )
    elif kind == "report" and name.startswith("benchmark:"):
        st.page_link("views/benchmarks.py", label=f"{item['id']} (Benchmarks)")
