"""The registry's tables as typed SQLAlchemy 2 mappings; Alembic migrations are made from these."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditEventRow",
    "Base",
    "ConfigRow",
    "ModeRow",
    "SchemaReferenceRow",
    "SchemaRow",
    "SubjectRow",
    "SubjectVersionRow",
    "utcnow",
]

# Names for constraints, so migrations are the same on SQLite and PostgreSQL
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# 64-bit on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid (and autoincrements)
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SchemaRow(Base):
    """One distinct schema. Rows are immutable and never deleted, so ids are never reused.

    Ids come from an identity column (PostgreSQL) or AUTOINCREMENT (SQLite): the database hands
    them out without serialising writers on a counter row.
    """

    __tablename__ = "schemas"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, Identity(start=1), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(32), unique=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    schema_type: Mapped[str] = mapped_column(String(16))
    schema_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SchemaReferenceRow(Base):
    """A schema's reference to another subject's version, in the order the client gave them."""

    __tablename__ = "schema_references"

    schema_id: Mapped[int] = mapped_column(
        ForeignKey("schemas.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(1024))
    subject: Mapped[str] = mapped_column(String(512), index=True)
    version: Mapped[int] = mapped_column(Integer)


class SubjectRow(Base):
    """A subject; its row is what concurrent writers to one subject lock."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(Integer, Identity(start=1), primary_key=True)
    name: Mapped[str] = mapped_column(String(512), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SubjectVersionRow(Base):
    __tablename__ = "subject_versions"
    __table_args__ = (
        UniqueConstraint("subject_id", "version"),
        # at most one live version per (subject, schema): the idempotent-register guarantee
        Index(
            "uq_subject_versions_live_schema",
            "subject_id",
            "schema_id",
            unique=True,
            sqlite_where=text("deleted = 0"),
            postgresql_where=text("NOT deleted"),
        ),
        Index("ix_subject_versions_schema_id", "schema_id"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(start=1), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    schema_id: Mapped[int] = mapped_column(ForeignKey("schemas.id"))
    semver: Mapped[str] = mapped_column(String(32))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConfigRow(Base):
    """Compatibility settings; ``scope`` is a subject name, or '' for the global default."""

    __tablename__ = "configs"

    scope: Mapped[str] = mapped_column(String(512), primary_key=True)
    compatibility: Mapped[str | None] = mapped_column(String(32))
    normalize: Mapped[bool | None] = mapped_column(Boolean)
    policy: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ModeRow(Base):
    """Read/write mode; ``scope`` is a subject name, or '' for the global mode."""

    __tablename__ = "modes"

    scope: Mapped[str] = mapped_column(String(512), primary_key=True)
    mode: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEventRow(Base):
    """Append-only trail of every write, written in the same transaction as the write."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject_at", "subject", "at"),
        Index("ix_audit_events_actor_at", "actor", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, Identity(start=1), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(512))
    version: Mapped[int | None] = mapped_column(Integer)
    schema_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
