"""Validation use cases: records, tables and files against a registered version."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from registry_core.errors import InvalidInput, StoreError, SubjectNotFound, VersionNotFound
from registry_core.formats import ParsedSchema
from registry_core.models import LATEST, SubjectVersion, parse_version
from registry_core.service.governance import GovernanceMixin
from registry_core.storage import governance, repository

if TYPE_CHECKING:
    from registry_core.drift import DriftConfig, DriftReport
    from registry_core.validation import Engine, Issue, ValidationReport

__all__ = ["ValidationMixin", "ValidationResult"]


@dataclass
class ValidationResult:
    """In-memory validation: the report, the valid rows and the quarantined rows (with an
    ``_errors`` column or key), in the type the data came in."""

    report: ValidationReport
    valid: Any
    quarantined: Any
    failures: list[tuple[int, list[Issue]]]


class ValidationMixin(GovernanceMixin):
    def parsed_version(
        self, subject: str, version: int | str = LATEST
    ) -> tuple[ParsedSchema, SubjectVersion]:
        """A live (not deleted) version and its parsed schema, references resolved (parsed
        schemas are cached by id: they never change)."""
        number = parse_version(version)

        def work(conn: Connection) -> tuple[ParsedSchema, SubjectVersion]:
            row = repository.version(conn, subject, number, deleted=False)
            if row is None:
                if not repository.versions(conn, subject, deleted=False):
                    raise SubjectNotFound(subject)
                raise VersionNotFound(subject, version)
            return self._parsed(conn, row), self._to_model(conn, row)

        return self.db.read(work)

    def _engine(self, subject: str, version: int | str) -> tuple[Engine, SubjectVersion]:
        from registry_core.validation import Engine, schema_view

        parsed, found = self.parsed_version(subject, version)
        cached = self._engines.get(found.schema_id)
        if cached is None:
            cached = Engine(schema_view(parsed))
            self._engines.put(found.schema_id, cached)
        return cached, found

    def _report(self, found: SubjectVersion) -> ValidationReport:
        from registry_core.validation import ValidationReport

        return ValidationReport(
            subject=found.subject, version=found.version, schema_id=found.schema_id
        )

    def validate(self, data: Any, subject: str, version: int | str = LATEST) -> ValidationResult:
        """Validate records (a list of dicts), a pandas or polars DataFrame, or an Arrow table.

        Every failure of a record is reported; ``valid`` and ``quarantined`` come back in the
        input's type (records: lists; quarantined records gain ``_errors``).
        """
        import time

        import pyarrow as pa

        engine, found = self._engine(subject, version)
        report = self._report(found)
        started = time.perf_counter()
        if isinstance(data, Sequence) and not isinstance(data, str | bytes):
            records = list(data)
            failures = engine.check_objects(records)
            bad = {p for p, _ in failures}
            report.total, report.valid = len(records), len(records) - len(bad)
            for position, issues in failures:
                report.add_failure(position, issues)
            report.seconds = time.perf_counter() - started
            quarantined = [_with_errors(records[p], issues) for p, issues in failures]
            valid = [r for i, r in enumerate(records) if i not in bad]
            return ValidationResult(report, valid, quarantined, failures)
        kind, table = _as_arrow(data)
        result = engine.split_table(table)
        report.total, report.valid = table.num_rows, result.valid.num_rows
        for position, issues in result.issues:
            report.add_failure(position, issues)
        report.seconds = time.perf_counter() - started
        assert isinstance(result.valid, pa.Table)
        return ValidationResult(
            report,
            _from_arrow(result.valid, kind),
            _from_arrow(result.quarantined, kind),
            result.issues,
        )

    def validate_files(
        self,
        data: str | os.PathLike[str] | list[Path],
        subject: str,
        version: int | str = LATEST,
        *,
        out_dir: str | os.PathLike[str],
        fmt: str | None = None,
        progress: Callable[[int], None] | None = None,
        publish: bool = True,
    ) -> ValidationReport:
        """Validate a file, a directory or a glob of JSONL, Parquet, CSV or Avro files into
        ``out_dir/valid.<ext>`` and ``out_dir/quarantine.<ext>``; with ``publish`` a
        ``validation.completed`` event goes to the outbox."""
        from registry_core.validation import detect_format, expand_inputs

        files = data if isinstance(data, list) else expand_inputs(data)  # a list: already expanded
        kind = detect_format(files, fmt)
        engine, found = self._engine(subject, version)
        report = engine.validate_files(files, Path(out_dir), kind, self._report(found), progress)
        if publish:
            summary = report.to_dict()
            summary.pop("samples", None)
            try:
                self.publish_event("validation.completed", subject, summary)
            except StoreError:  # the validation itself succeeded; say so, do not fail it
                logging.getLogger(__name__).warning("could not record validation.completed")
        return report

    def to_pandera(
        self, subject: str, version: int | str = LATEST, *, backend: str = "pandas"
    ) -> Any:
        """A pandera ``DataFrameSchema`` (pandas or polars) built from a registered version's
        top-level properties: types, nullability, required, enum, bounds, lengths, pattern."""
        from registry_core.validation.adapters import pandera_schema

        engine, _ = self._engine(subject, version)
        try:
            return pandera_schema(engine.view, backend)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None

    def to_great_expectations(
        self,
        subject: str,
        version: int | str = LATEST,
        *,
        context_root: str | os.PathLike[str] | None = None,
    ) -> Any:
        """Save a Great Expectations suite, validation definition and checkpoint of a version
        in the file data context at ``context_root`` (default: ``great_expectations/``);
        returns them (``.run(pandas_frame)`` runs the checkpoint)."""
        from registry_core.validation.gx import build_gx

        engine, found = self._engine(subject, version)
        root = Path(context_root) if context_root is not None else None
        try:
            return build_gx(engine.view, found.subject, found.version, root)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None

    # --- drift ---------------------------------------------------------------------------------

    def drift(
        self,
        reference: Any,
        current: Any,
        *,
        columns: list[str] | None = None,
        config: DriftConfig | None = None,
        subject: str | None = None,
        version: int | str = LATEST,
        dataset: str | None = None,
        fmt: str | None = None,
        store: bool = True,
    ) -> DriftReport:
        """Schema and distribution drift of ``current`` against ``reference`` (files, a
        directory or glob, or DataFrames). With ``subject`` the current sample is also compared
        with the registered schema; with ``subject`` or ``dataset`` the report is stored (and a
        ``drift.detected`` event published when drift was found)."""
        from registry_core.drift_io import compare_samples, registered_differences

        report, cur_frame = compare_samples(reference, current, columns, config, fmt)
        if subject is not None:
            engine, found = self._engine(subject, version)
            root = _deref_root(engine.view.document)
            registered = registered_differences(root, cur_frame)
            report.schema_drift["registered"] = {
                "subject": subject,
                "version": found.version,
                **registered,
            }
            if any(registered[k] for k in ("missing", "unexpected", "type_mismatch")):
                report.drift_detected = True
        if store and (subject is not None or dataset is not None):
            data = report.to_dict()

            def work(conn: Connection) -> None:
                governance.insert_drift_report(
                    conn,
                    subject=subject,
                    dataset=dataset,
                    drift_detected=report.drift_detected,
                    report=data,
                )
                if report.drift_detected:
                    summary = {
                        "dataset": dataset,
                        "drifted_columns": report.drifted_columns,
                        "schema_drift": report.schema_drift,
                    }
                    governance.append_event(conn, "drift.detected", subject, summary)

            self.db.run(work)
        return report

    def drift_reports(
        self, *, subject: str | None = None, dataset: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Stored drift reports, newest first."""
        return self.db.read(
            lambda conn: governance.drift_reports(
                conn, subject=subject, dataset=dataset, limit=limit
            )
        )


def _deref_root(document: Any) -> Any:
    ref = document.get("$ref") if isinstance(document, dict) else None
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return document.get("$defs", {}).get(ref.removeprefix("#/$defs/"), document)
    return document


def _with_errors(record: Any, issues: list[Any]) -> Any:
    errors = [i.to_dict() for i in issues]
    if isinstance(record, dict):
        return {**record, "_errors": errors}
    return {"_value": record, "_errors": errors}


def _as_arrow(data: Any) -> tuple[str, Any]:
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return "arrow", data
    if isinstance(data, pa.RecordBatch):
        return "arrow", pa.Table.from_batches([data])
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        return "polars", data.to_arrow()
    if module == "pandas":
        return "pandas", pa.Table.from_pandas(data, preserve_index=False)
    raise InvalidInput(
        f"cannot validate a {type(data).__name__}: pass records (a list of dicts), a pandas or "
        "polars DataFrame, or a pyarrow Table"
    )


def _from_arrow(table: Any, kind: str) -> Any:
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table)
    if kind == "pandas":
        return table.to_pandas()
    return table
