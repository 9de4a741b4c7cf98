"""Persistence: tables, migrations, transactions and the queries the service needs."""

from registry_core.storage.database import DEFAULT_DATABASE_URL, Database, upgrade

__all__ = ["DEFAULT_DATABASE_URL", "Database", "upgrade"]
