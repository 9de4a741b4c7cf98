"""Alembic environment: runs on the connection the registry hands it, or on LLMSR_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from registry_core.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        context.run_migrations()
        return
    from registry_core.storage.database import Database

    db = Database()
    with db.engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        context.run_migrations()


run()
