"""notify listeners when subject versions change (PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Every API process caches each subject's ``latest`` version and drops the cache when this trigger
fires; on SQLite there is no cache and no trigger. The trigger runs once per statement, and
PostgreSQL delivers the notification only when (and if) the writing transaction commits, so a
rolled-back write never invalidates and a committed one always does, whichever process made it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "llmsr_versions_changed"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # one notification per changed subject (PostgreSQL folds identical ones within a
    # transaction); an empty payload (TRUNCATE) means "any subject"
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION llmsr_notify_versions_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            changed text := '';
        BEGIN
            IF TG_LEVEL = 'ROW' THEN
                SELECT name INTO changed FROM subjects
                WHERE id = COALESCE(NEW.subject_id, OLD.subject_id);
            END IF;
            PERFORM pg_notify('{CHANNEL}', COALESCE(changed, ''));
            RETURN NULL;
        END;
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER subject_versions_changed
        AFTER INSERT OR UPDATE OR DELETE ON subject_versions
        FOR EACH ROW EXECUTE FUNCTION llmsr_notify_versions_changed()
        """
    )
    op.execute(
        """
        CREATE TRIGGER subject_versions_truncated
        AFTER TRUNCATE ON subject_versions
        FOR EACH STATEMENT EXECUTE FUNCTION llmsr_notify_versions_changed()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS subject_versions_truncated ON subject_versions")
    op.execute("DROP TRIGGER IF EXISTS subject_versions_changed ON subject_versions")
    op.execute("DROP FUNCTION IF EXISTS llmsr_notify_versions_changed()")
