"""The registry's use cases. Each runs in one transaction; every write appends an audit event.

``Registry`` is what the REST API, the CLI, Dagster and the dashboard all call.
"""

from __future__ import annotations

from registry_core.service.base import DEFAULT_MAX_SCHEMA_BYTES, EVENT_TYPES, RegisterResult
from registry_core.service.datasets import DatasetsMixin
from registry_core.service.governance import ANONYMOUS
from registry_core.service.llm import LLMMixin
from registry_core.service.reads import ReadsMixin
from registry_core.service.settings import SettingsMixin
from registry_core.service.validation import ValidationResult

__all__ = [
    "ANONYMOUS",
    "DEFAULT_MAX_SCHEMA_BYTES",
    "EVENT_TYPES",
    "RegisterResult",
    "Registry",
    "ValidationResult",
]


class Registry(DatasetsMixin, LLMMixin, ReadsMixin, SettingsMixin):
    """A schema registry over one database (``LLMSR_DATABASE_URL`` by default).

    Args:
        url: SQLAlchemy URL; SQLite (embedded default) or ``postgresql+psycopg://...``.
        database: an existing ``Database`` to share instead of ``url``.
        max_schema_bytes: schemas larger than this are refused with 42209.
    """
