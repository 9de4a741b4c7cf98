"""What every dashboard page shares: the registry (one per process), cached reads, and who the
user is. The dashboard reads and writes only through ``registry_core``'s service."""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from registry_core.errors import RegistryError
from registry_core.lifecycle import User
from registry_core.service import Registry

__all__ = ["clear_caches", "current_user", "database_url", "registry", "signed_in", "table"]

DEV_USER_KEY = "dev-user"


def database_url() -> str:
    return os.environ.get("LLMSR_DATABASE_URL", "")


@st.cache_resource(show_spinner=False)
def _registry(url: str) -> Registry:
    reg = Registry(url or None)
    if not reg.db.has_schema():
        reg.migrate()
    return reg


def registry() -> Registry:
    """The registry of ``LLMSR_DATABASE_URL``, one engine per process (``st.cache_resource``)."""
    return _registry(database_url())


def clear_caches() -> None:
    """After a write: every cached read may be stale now."""
    st.cache_data.clear()


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all (Streamlit raises on reading it): not set up
        return False


def current_user() -> User:
    """Who is using the dashboard, decided in one place:

    1. OIDC through ``st.login`` when ``.streamlit/secrets.toml`` has an ``[auth]`` section;
    2. a trusted proxy's header when ``LLMSR_DASHBOARD_USER_HEADER`` names one
       (``X-Forwarded-User``): only run it that way behind a proxy that sets the header;
    3. otherwise development mode, clearly marked, where the user types a name.

    The role comes from the registry (while the registry has no users, anyone is an admin, as
    the API is open then). A name the registry does not know stops the page.
    """
    source: str
    if _oidc_configured():
        if not st.user.is_logged_in:
            st.info("Sign in to review schema changes.")
            st.button("Sign in", on_click=st.login, type="primary")
            st.stop()
        name = str(st.user.get("email") or st.user.get("name") or "")
        source = "oidc"
    elif header := os.environ.get("LLMSR_DASHBOARD_USER_HEADER"):
        name = st.context.headers.get(header, "")
        if not name:
            st.error(f"No {header} header: the dashboard expects a trusted proxy in front of it.")
            st.stop()
        source = "proxy"
    else:
        with st.sidebar:
            st.warning("Development mode: anyone can act as any name.", icon=":material/lock_open:")
            name = st.text_input(
                "Your name", value=os.environ.get("LLMSR_USER", ""), key=DEV_USER_KEY
            ).strip()
        source = "dev"
        if not name:
            st.info("Type your name in the sidebar (development mode).")
            st.stop()
    try:
        user = registry().resolve_user(name)
    except RegistryError as exc:
        st.error(f"{exc}. Ask an admin to add you: llmsr users add {name} --role reviewer")
        st.stop()
    st.session_state["identity_source"] = source
    st.session_state["user"] = user
    return user


def signed_in() -> User:
    """The user ``current_user`` found for this run (``app.py`` asks before any page runs)."""
    user = st.session_state.get("user")
    if not isinstance(user, User):
        st.error("Open the dashboard through dashboard/app.py.")
        st.stop()
    return user


def table(rows: list[dict[str, Any]]) -> Any:
    import pandas as pd

    return pd.DataFrame(rows)
