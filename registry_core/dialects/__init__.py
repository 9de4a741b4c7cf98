"""Export a registered JSON Schema to LLM providers' structured-output dialects.

Each dialect's rules are versioned data (``profiles/<dialect>-<date>.json``): per JSON Schema
keyword ``keep``, ``error``, ``describe`` (moved into the description: lossy), ``drop`` or a
named rewrite, with conditions where a provider has them, plus limits and recursion support.
One interpreter walks the schema by those rules and reports every issue with the source JSON
pointer it comes from::

    result = export_schema(schema, "openai", name="invoice")
    if result.ok:
        send(result.schema)          # the bare schema for the provider's schema slot
    for issue in result.errors + result.warnings:
        print(issue.path, issue.keyword, issue.message)

Modules: ``keywords`` (the keywords every profile decides), ``rules`` (actions and
conditions), ``profiles`` (loading and validating profile files), ``bundle`` (resolving
``$ref``s across resources), ``nodes`` (located keywords, ``allOf`` merging), ``output``
(exported objects, references, issues), ``walker`` (the interpreter), ``rewrites``,
``expand`` (``allOf`` flattening, ``$ref`` inlining, counted copies), ``patterns`` (anchoring
a pattern for whole-string matchers), ``finalize`` (references, recursion, root wrapping),
``limits``, ``export`` (``export_schema``), ``restore`` (``restore_reply``: a model's reply
back in the source schema's shape, for validation).

A reply produced under a lossy export must be validated against the source schema; undo first
what the export reshaped (a wrapped root, optional properties sent as null)::

    reply = restore_reply(json.loads(text), schema, "openai")
"""

from __future__ import annotations

from registry_core.dialects.export import export_schema
from registry_core.dialects.profiles import DIALECTS, Limits, Profile, get_profile, profiles
from registry_core.dialects.restore import restore_reply
from registry_core.dialects.results import ExportIssue, ExportResult

__all__ = [
    "DIALECTS",
    "ExportIssue",
    "ExportResult",
    "Limits",
    "Profile",
    "export_schema",
    "get_profile",
    "profiles",
    "restore_reply",
]
