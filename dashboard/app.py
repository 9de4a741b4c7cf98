"""The governance dashboard: ``streamlit run dashboard/app.py`` (``make run`` serves it on
:8501). Each page is a module under ``views/``."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` from anywhere
    sys.path.insert(0, str(ROOT))

from dashboard.deps import current_user  # noqa: E402

st.set_page_config(page_title="LLM Schema Registry", page_icon=":material/schema:", layout="wide")

VIEWS = Path(__file__).resolve().parent / "views"
pages = {
    "Registry": [
        st.Page(VIEWS / "schemas.py", title="Schemas", icon=":material/schema:", default=True),
        st.Page(VIEWS / "approvals.py", title="Approvals", icon=":material/fact_check:"),
        st.Page(VIEWS / "audit.py", title="Audit", icon=":material/history:"),
    ],
    "Data": [
        st.Page(VIEWS / "lineage.py", title="Lineage", icon=":material/account_tree:"),
        st.Page(VIEWS / "data_quality.py", title="Data quality", icon=":material/monitoring:"),
        st.Page(VIEWS / "benchmarks.py", title="Benchmarks", icon=":material/rule:"),
    ],
}
navigation = st.navigation(pages)
user = current_user()
with st.sidebar:
    st.caption(f"Signed in as **{user.name}** ({user.role.value})")
navigation.run()
