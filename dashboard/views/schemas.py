"""Schemas: find a subject (by name, field, tag or owner), pick versions, see the field-level diff,
the semver bump and the compatibility report, references and referrers, lifecycle states."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from dashboard.deps import database_url, registry, signed_in, table
from registry_core.diff import field_diff
from registry_core.lifecycle import effective_policy

TAG_KEYS = ("tags", "x-tags", "confluent:tags")  # where schemas carry tags (Confluent's too)


def _tags(node: Any) -> set[str]:
    """Every tag a schema document carries, on the record or on any field."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TAG_KEYS and isinstance(value, list):
                found.update(str(v) for v in value)
            else:
                found |= _tags(value)
    elif isinstance(node, list):
        for item in node:
            found |= _tags(item)
    return found


@st.cache_data(ttl=300, show_spinner="Reading the registry...")
def _catalog(url: str) -> list[dict[str, Any]]:
    reg = registry()
    policies = reg.policies()
    out = []
    for latest in reg.list_schemas(latest_only=True):
        policy = effective_policy(policies, latest.subject)
        owners = policy.owners if policy else ()
        out.append(
            {
                "subject": latest.subject,
                "latest": latest.version,
                "type": latest.schema_type.value,
                "semver": str(latest.semver),
                "state": latest.state,
                "owners": sorted(set(owners)),
                "tags": sorted(_tags(json.loads(latest.schema))),
                "fields": [f.path for f in reg.fields(latest.subject)],
            }
        )
    return out


@st.cache_data(ttl=60, show_spinner=False)
def _versions(url: str, subject: str) -> list[dict[str, Any]]:
    reg = registry()
    out = []
    for number in reg.list_versions(subject):
        found = reg.get_version(subject, number)
        out.append(
            {
                "version": found.version,
                "id": found.schema_id,
                "semver": str(found.semver),
                "state": found.state,
                "registered": found.created_at,
                "references": [f"{r.subject}:{r.version}" for r in found.references],
                "referenced by (ids)": reg.referenced_by(subject, found.version),
            }
        )
    return out


@st.cache_data(ttl=60, show_spinner=False)
def _compare(url: str, subject: str, old: int, new: int) -> dict[str, Any]:
    reg = registry()
    changes = field_diff(reg.fields(subject, old), reg.fields(subject, new))
    candidate = reg.get_version(subject, new)
    report = reg.check_compatibility(
        subject, candidate.schema, candidate.schema_type, candidate.references, version=old
    )
    return {
        "changes": [c.to_dict() for c in changes],
        "compatible": report.is_compatible,
        "level": report.level.value,
        "bump": report.semver_bump.value if report.semver_bump else None,
        "messages": list(report.messages),
        "schema": candidate.schema,
    }


def _matches(entry: dict[str, Any], query: str) -> bool:
    text = query.lower()
    return (
        text in entry["subject"].lower()
        or any(text in path.lower() for path in entry["fields"])
        or any(text in owner.lower() for owner in entry["owners"])
        or any(text in tag.lower() for tag in entry["tags"])
    )


signed_in()
st.title("Schemas")
catalog = _catalog(database_url())
query = st.text_input("Search subjects, fields, tags or owners", key="schema-search").strip()
found = [e for e in catalog if _matches(e, query)] if query else catalog
st.caption(f"{len(found)} of {len(catalog)} subjects")
if not found:
    st.stop()
st.dataframe(
    table(
        [
            {
                **{k: e[k] for k in ("subject", "latest", "type", "semver", "state")},
                "tags": ", ".join(e["tags"]),
            }
            for e in found
        ]
    ),
    hide_index=True,
    width="stretch",
)
choices = [e["subject"] for e in found]
linked = st.query_params.get("subject")  # from the Lineage page's links
subject = st.selectbox(
    "Subject",
    choices,
    index=choices.index(linked) if linked in choices else 0,
    key="schema-subject",
)
versions = _versions(database_url(), subject)
st.subheader("Versions")
st.dataframe(table(versions), hide_index=True, width="stretch")
numbers = [v["version"] for v in versions]
if len(numbers) < 2:
    st.caption("One version: nothing to compare.")
    st.stop()
left, right = st.columns(2)
old = left.selectbox("From version", numbers, index=len(numbers) - 2, key=f"diff-from-{subject}")
new = right.selectbox("To version", numbers, index=len(numbers) - 1, key=f"diff-to-{subject}")
if old == new:
    st.caption("Pick two different versions.")
    st.stop()
comparison = _compare(database_url(), subject, int(old), int(new))
st.subheader(f"Version {old} → {new}")
verdict = "compatible" if comparison["compatible"] else "incompatible"
st.markdown(
    f"**{verdict}** at {comparison['level']} · semver bump: **{comparison['bump'] or 'none'}**"
)
for message in comparison["messages"]:
    st.error(message)
if comparison["changes"]:
    st.dataframe(
        table([{k: c[k] for k in ("kind", "path", "message")} for c in comparison["changes"]]),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption("No field-level changes.")
with st.expander(f"Schema of version {new}"):
    st.code(comparison["schema"], language="json")
