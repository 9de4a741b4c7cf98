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
    "ApiKeyRow",
    "AuditEventRow",
    "Base",
    "ConfigRow",
    "DatasetReportRow",
    "DatasetRow",
    "DeliveryRow",
    "DriftReportRow",
    "EventSinkRow",
    "LineageEdgeRow",
    "ModeRow",
    "OutboxEventRow",
    "PolicyRow",
    "ProposalRow",
    "SchemaReferenceRow",
    "SchemaRow",
    "SubjectRow",
    "SubjectVersionRow",
    "UserRow",
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
    # ACTIVE, DEPRECATED or ARCHIVED (registry_core.lifecycle); ARCHIVED leaves ``latest``
    state: Mapped[str] = mapped_column(String(16), server_default="ACTIVE", default="ACTIVE")


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


class PolicyRow(Base):
    """Governance of a subject (``is_prefix`` false) or of every subject under a prefix."""

    __tablename__ = "policies"

    scope: Mapped[str] = mapped_column(String(512), primary_key=True)
    is_prefix: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    review_required: Mapped[bool] = mapped_column(Boolean, default=False)
    owners: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of user names
    reviewers: Mapped[str] = mapped_column(Text, default="[]")
    compatibility: Mapped[str | None] = mapped_column(String(32))
    major_line: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(256))


class ProposalRow(Base):
    """A proposed version of a subject, its compatibility report and its review decision."""

    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_state_subject", "state", "subject"),
        ({"sqlite_autoincrement": True}),
    )

    id: Mapped[int] = mapped_column(BigId, Identity(start=1), primary_key=True)
    subject: Mapped[str] = mapped_column(String(512), index=True)
    schema_type: Mapped[str] = mapped_column(String(16))
    schema_text: Mapped[str] = mapped_column(Text)
    references: Mapped[str] = mapped_column(Text, default="[]")  # JSON, pinned versions
    fingerprint: Mapped[str] = mapped_column(String(32))
    author: Mapped[str] = mapped_column(String(256))
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    base_version: Mapped[int | None] = mapped_column(Integer)
    report: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    decided_by: Mapped[str | None] = mapped_column(String(256))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int | None] = mapped_column(Integer)
    schema_id: Mapped[int | None] = mapped_column(Integer)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, Identity(start=1), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(256))


class ApiKeyRow(Base):
    """An API key: its public id and the SHA-256 of its secret, never the secret itself."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, Identity(start=1), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxEventRow(Base):
    """A change event, written in the same transaction as the change it reports."""

    __tablename__ = "outbox_events"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, Identity(start=1), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)  # UUID, for consumers' dedupe
    type: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(512))
    data: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventSinkRow(Base):
    """Where events go (a webhook or a RabbitMQ exchange); ``cursor``: the last event fanned out."""

    __tablename__ = "event_sinks"

    id: Mapped[int] = mapped_column(Integer, Identity(start=1), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # webhook | rabbitmq
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(Text)  # the webhook's HMAC key
    exchange: Mapped[str | None] = mapped_column(String(255))
    event_types: Mapped[str] = mapped_column(Text, default='["*"]')  # JSON list of patterns
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DeliveryRow(Base):
    """One event to one sink: pending until delivered, or dead after the last attempt."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("sink_id", "event_pk"),
        Index("ix_deliveries_state_due", "state", "next_attempt_at"),
        ({"sqlite_autoincrement": True}),
    )

    id: Mapped[int] = mapped_column(BigId, Identity(start=1), primary_key=True)
    sink_id: Mapped[int] = mapped_column(ForeignKey("event_sinks.id", ondelete="CASCADE"))
    event_pk: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DriftReportRow(Base):
    """A drift report, stored when a dataset or subject is named, for charts over time."""

    __tablename__ = "drift_reports"
    __table_args__ = (
        Index("ix_drift_reports_subject_at", "subject", "created_at"),
        Index("ix_drift_reports_dataset_at", "dataset", "created_at"),
        ({"sqlite_autoincrement": True}),
    )

    id: Mapped[int] = mapped_column(BigId, Identity(start=1), primary_key=True)
    subject: Mapped[str | None] = mapped_column(String(512))
    dataset: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    drift_detected: Mapped[bool] = mapped_column(Boolean)
    report: Mapped[str] = mapped_column(Text)  # JSON (DriftReport.to_dict)


class DatasetRow(Base):
    """A dataset the registry knows: where it lives, what kind it is and the schema it is
    validated against (``version_pin``: a version number, or ``latest`` / ``latest-approved``)."""

    __tablename__ = "datasets"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, Identity(start=1), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # training, evaluation, telemetry
    subject: Mapped[str] = mapped_column(String(512), index=True)
    version_pin: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(Text)  # a path, a glob or an object-store URI
    owner: Mapped[str | None] = mapped_column(String(255))
    settings: Mapped[str] = mapped_column(Text, default="{}")  # JSON: thresholds, reference...
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LineageEdgeRow(Base):
    """One edge seen by one run: ``source`` -> ``target``, nodes named ``kind:name`` (for
    example ``schema:chat-value@3`` -> ``dataset:chat_sft`` -> ``asset:chat_sft/valid``)."""

    __tablename__ = "lineage_edges"
    __table_args__ = (
        Index("ix_lineage_edges_source", "source"),
        Index("ix_lineage_edges_target", "target"),
        ({"sqlite_autoincrement": True}),
    )

    id: Mapped[int] = mapped_column(BigId, Identity(start=1), primary_key=True)
    source: Mapped[str] = mapped_column(String(1024))
    target: Mapped[str] = mapped_column(String(1024))
    run_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DatasetReportRow(Base):
    """What a run found about a dataset: a validation (quarantine counts by reason), a
    benchmark verdict (each check passed or blocked) or a failed run."""

    __tablename__ = "dataset_reports"
    __table_args__ = (
        Index("ix_dataset_reports_dataset_kind_at", "dataset", "kind", "created_at"),
        ({"sqlite_autoincrement": True}),
    )

    id: Mapped[int] = mapped_column(BigId, Identity(start=1), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))  # validation, benchmark, run_failure
    run_id: Mapped[str | None] = mapped_column(String(64))
    partition: Mapped[str | None] = mapped_column(String(255))
    passed: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
