"""Split data into valid and quarantined records: files streamed in batches, or data in memory.

Every input record ends in exactly one output, in input order; valid records are written back
unchanged (JSONL lines byte for byte, Parquet and Avro with their own schema, CSV cells as
read); a quarantined record is the original plus ``_errors`` (a list in JSONL; JSON text in
Parquet, CSV and Avro). Memory stays bounded by the batch size.
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from registry_core.errors import InvalidInput
from registry_core.validation.exact import RULE_TOO_DEEP, Issue
from registry_core.validation.inputs import EXTENSIONS
from registry_core.validation.records import JsonView, RecordValidator
from registry_core.validation.report import ValidationReport
from registry_core.validation.view import SchemaView

if TYPE_CHECKING:
    from registry_core.validation.columnar import ColumnarChecker

__all__ = ["Engine", "TableResult"]

BATCH_ROWS = 65_536
GROUP_ROWS = 262_144  # row groups up to this size are read whole
CHUNK_BYTES = 8 << 20
PARALLEL_BYTES = 64 << 20  # JSONL inputs from this size are judged by several processes
MAX_WORKERS = 8
ERRORS = "_errors"
Progress = Callable[[int], None]  # called with the bytes of input consumed since the last call


@dataclass
class _Run:
    """One validation of files: the inputs, the two outputs, the report, the progress hook."""

    files: list[Path]
    valid_path: Path
    quarantine_path: Path
    report: ValidationReport
    progress: Progress

    def parts(self) -> tuple[list[Path], Path, Path, ValidationReport, Progress]:
        return self.files, self.valid_path, self.quarantine_path, self.report, self.progress


@dataclass
class TableResult:
    """An in-memory table split: the valid rows, the invalid rows, and each one's issues."""

    valid: pa.Table
    quarantined: pa.Table  # with an ``_errors`` column of JSON text
    issues: list[tuple[int, list[Issue]]]


class Engine:
    """Validates records, tables and files against one schema view."""

    def __init__(self, view: SchemaView) -> None:
        self.view = view
        self.records = RecordValidator(view)
        self.json = JsonView(view.document)

    @cached_property
    def columnar(self) -> ColumnarChecker:
        """The vectorized checks, compiled on first use (JSONL runs never import Polars)."""
        from registry_core.validation.columnar import ColumnarChecker

        return ColumnarChecker(self.view)

    # --- in memory ---------------------------------------------------------------------------

    def check_objects(self, values: Iterable[Any]) -> list[tuple[int, list[Issue]]]:
        """The failures among Python records (JSON-like objects): ``(position, issues)``."""
        out = []
        root = self.view.document
        for position, value in enumerate(values):
            try:
                issues = self.records.check_object(self.json.convert(value, root))
            except RecursionError:  # a record nested deeper than any schema means
                issues = [Issue("", RULE_TOO_DEEP, "the record is nested too deeply to validate")]
            if issues:
                out.append((position, issues))
        return out

    def check_table(self, table: pa.Table | pa.RecordBatch) -> list[tuple[int, list[Issue]]]:
        """The failures among a table's rows: vectorized suspects, then the exact verdict."""
        if table.num_rows == 0:
            return []
        import polars as pl

        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        suspects = self.columnar.suspects(frame).arg_true().to_list()
        if not suspects:
            return []
        rows = table.take(pa.array(suspects, pa.int64())).to_pylist()
        root = self.view.document
        out = []
        for position, row in zip(suspects, rows, strict=True):
            issues = self.records.exact.issues(self.json.convert(row, root))
            if issues:
                out.append((position, issues))
        return out

    def split_table(self, table: pa.Table) -> TableResult:
        failures = self.check_table(table)
        bad = [p for p, _ in failures]
        keep = _mask(table.num_rows, bad)
        quarantined = table.take(pa.array(bad, pa.int64())).append_column(
            ERRORS, pa.array([_errors_json(i) for _, i in failures], pa.string())
        )
        return TableResult(table.filter(keep), quarantined, failures)

    # --- files ---------------------------------------------------------------------------------

    def validate_files(
        self,
        files: list[Path],
        out_dir: Path,
        fmt: str,
        report: ValidationReport,
        progress: Progress | None = None,
    ) -> ValidationReport:
        out_dir.mkdir(parents=True, exist_ok=True)
        ext = EXTENSIONS[fmt]
        valid_path, quarantine_path = out_dir / f"valid.{ext}", out_dir / f"quarantine.{ext}"
        for path in (valid_path, quarantine_path):
            if any(path.resolve() == f.resolve() for f in files):
                raise InvalidInput(f"the output {path} would overwrite an input; pick --out")
        started = time.perf_counter()
        report.format, report.inputs = fmt, [str(f) for f in files]
        report.valid_path, report.quarantine_path = str(valid_path), str(quarantine_path)
        handler = {
            "jsonl": self._jsonl,
            "parquet": self._parquet,
            "csv": self._csv,
            "avro": self._avro,
        }[fmt]
        # Everything alive now (the registry, imported modules) is frozen out of the cyclic
        # collector for the run: its full collections, triggered by the millions of records
        # made, would otherwise rescan all of it each time (and forked workers would copy the
        # pages it touches).
        gc.freeze()
        try:
            handler(_Run(files, valid_path, quarantine_path, report, progress or (lambda _: None)))
        finally:
            gc.unfreeze()
        report.seconds = time.perf_counter() - started
        return report

    def _jsonl(self, run: _Run) -> None:
        """Lines are judged in chunks (by worker processes for large inputs, each reading its
        chunk itself); valid lines go to the output as byte ranges of the input, copied by the
        kernel, so the parent never holds the data."""
        files, valid_path, quarantine_path, report, progress = run.parts()
        several = len(files) > 1
        workers = _jsonl_workers(files)
        pool = None
        if workers > 1:
            pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(self.view,))
        try:
            with (
                valid_path.open("wb", buffering=0) as valid_out,
                quarantine_path.open("wb") as quarantine_out,
            ):
                for path in files:
                    with _open_input(path) as source:
                        copy = _RangeCopier(source, valid_out)
                        line_no = 0
                        for (first, stop), lines, verdicts in self._jsonl_verdicts(
                            path, source, pool, workers
                        ):
                            bad: list[bytes] = []
                            blank = 0
                            cursor = first  # valid lines between failures go out as one range
                            for index, start, end, value, issues, raw in verdicts:
                                copy(cursor, first + start)
                                cursor = first + end + 1
                                if issues is None:
                                    blank += 1
                                    continue  # a blank line: not a record
                                report.add_failure(report.total + index - blank, issues)
                                line = raw[:-1] if raw.endswith(b"\r") else raw
                                bad.append(
                                    _quarantined_line(
                                        value, line, line_no + index + 1, path, several, issues
                                    )
                                )
                            if cursor < stop:
                                copy(cursor, stop)
                                valid_out.write(b"\n")
                            line_no += lines
                            records = lines - blank
                            report.total += records
                            report.valid += records - len(bad)
                            if bad:
                                quarantine_out.write(b"\n".join(bad) + b"\n")
                            progress(stop - first + 1)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    def _jsonl_verdicts(
        self, path: Path, source: int, pool: ProcessPoolExecutor | None, workers: int
    ) -> Iterator[tuple[tuple[int, int], int, list[Verdict]]]:
        """Byte ranges of whole lines with their line count and verdicts, in file order; with a
        pool, a few ranges are judged in parallel while the caller writes the earlier ones."""
        if pool is None:
            for first, stop in _line_ranges(source):
                lines, verdicts = _judge_lines(self.records, os.pread(source, stop - first, first))
                yield (first, stop), lines, verdicts
            return
        pending: deque[tuple[tuple[int, int], Future[Any]]] = deque()
        for first, stop in _line_ranges(source):
            pending.append(((first, stop), pool.submit(_judge_in_worker, str(path), first, stop)))
            if len(pending) > workers:
                done, future = pending.popleft()
                yield done, *future.result()
        while pending:
            done, future = pending.popleft()
            yield done, *future.result()

    def _parquet(self, run: _Run) -> None:
        files, valid_path, quarantine_path, report, progress = run.parts()
        writers = _TableWriters(valid_path, quarantine_path, "parquet", background=True)
        try:
            for path in files:
                try:
                    source = pq.ParquetFile(path)
                except (pa.ArrowInvalid, OSError) as exc:
                    raise InvalidInput(f"cannot read Parquet file {path}: {exc}") from None
                size = path.stat().st_size
                step = size // max(source.num_row_groups, 1)
                for table in _prefetched(_parquet_pieces(source)):
                    self._table_batch(table, writers, report)
                    progress(step if table.num_rows else 0)
        finally:
            writers.close()

    def _csv(self, run: _Run) -> None:
        files, valid_path, quarantine_path, report, progress = run.parts()
        writers = _TableWriters(valid_path, quarantine_path, "csv")
        try:
            for path in files:
                try:
                    reader = pacsv.open_csv(
                        path,
                        read_options=pacsv.ReadOptions(block_size=CHUNK_BYTES),
                        convert_options=pacsv.ConvertOptions(
                            column_types=_all_strings(path), strings_can_be_null=True
                        ),
                    )
                except (pa.ArrowInvalid, OSError) as exc:
                    raise InvalidInput(f"cannot read CSV file {path}: {exc}") from None
                size, done = path.stat().st_size, 0
                for batch in reader:
                    text = pa.Table.from_batches([batch])
                    self._table_batch(text, writers, report, failures=self._check_csv(text))
                    step = min(size - done, CHUNK_BYTES)
                    done += step
                    progress(step)
        finally:
            writers.close()

    def _avro(self, run: _Run) -> None:
        files, valid_path, quarantine_path, report, progress = run.parts()
        import fastavro

        root = self.view.document
        valid_out = quarantine_out = None
        with valid_path.open("wb") as valid_file, quarantine_path.open("wb") as quarantine_file:
            for path in files:
                with path.open("rb") as handle:
                    try:
                        reader = fastavro.reader(handle)
                    except (ValueError, OSError) as exc:
                        raise InvalidInput(f"cannot read Avro file {path}: {exc}") from None
                    schema = reader.writer_schema
                    if valid_out is None:
                        valid_out = fastavro.write.Writer(valid_file, schema)
                        quarantine_out = fastavro.write.Writer(
                            quarantine_file, _with_errors_field(schema)
                        )
                    assert quarantine_out is not None
                    last = 0
                    for record in reader:
                        report.total += 1
                        issues = self.records.check_object(self.json.convert(record, root))
                        if issues is None:
                            report.valid += 1
                            valid_out.write(record)
                        else:
                            report.add_failure(report.total - 1, issues)
                            assert isinstance(record, dict)
                            quarantine_out.write({**record, ERRORS: _errors_json(issues)})
                        if report.total % BATCH_ROWS == 0:
                            position = handle.tell()
                            progress(position - last)
                            last = position
                    progress(path.stat().st_size - last)
            for writer in (valid_out, quarantine_out):
                if writer is not None:
                    writer.flush()

    # --- shared --------------------------------------------------------------------------------

    def _table_batch(
        self,
        table: pa.Table,
        writers: _TableWriters,
        report: ValidationReport,
        failures: list[tuple[int, list[Issue]]] | None = None,
    ) -> None:
        if failures is None:
            failures = self.check_table(table)
        offset = report.total
        report.total += table.num_rows
        for position, issues in failures:
            report.add_failure(offset + position, issues)
        bad = [p for p, _ in failures]
        report.valid += table.num_rows - len(bad)
        writers.write(table, bad, [_errors_json(i) for _, i in failures])

    def _check_csv(self, text: pa.Table) -> list[tuple[int, list[Issue]]]:
        """The failures of a batch of CSV rows, read as text and typed as the schema's
        top-level properties say. A cell that does not convert (``abc`` for an integer) keeps
        its text, so the exact validator reports its type."""
        document = self.view.document
        properties = document.get("properties", {}) if isinstance(document, dict) else {}
        import polars as pl

        frame = pl.from_arrow(text)
        assert isinstance(frame, pl.DataFrame)
        columns, failed = [], []
        for name in frame.columns:
            node = properties.get(name) if isinstance(properties, dict) else None
            kind = node.get("type") if isinstance(node, dict) else None
            names = {kind} if isinstance(kind, str) else set(kind or ())
            cell = pl.col(name).str.strip_chars()
            if "string" in names or not names & {"integer", "number", "boolean"}:
                columns.append(pl.col(name))
                continue
            if "number" in names:
                converted = cell.cast(pl.Float64, strict=False)
            elif "integer" in names:
                converted = cell.cast(pl.Int64, strict=False)
            else:
                lowered = cell.str.to_lowercase()
                converted = (
                    pl.when(lowered == "true").then(True).when(lowered == "false").then(False)
                )
            columns.append(converted.alias(name))
            failed.append(pl.col(name).is_not_null() & converted.is_null())
        typed = frame.select(columns).to_arrow()
        failures = {p: i for p, i in self.check_table(typed)}
        if failed:
            rows = frame.select(pl.any_horizontal(failed)).to_series().arg_true().to_list()
            if rows:
                picked = pa.array(rows, pa.int64())
                root = self.view.document
                for position, typed_row, text_row in zip(
                    rows, typed.take(picked).to_pylist(), text.take(picked).to_pylist(), strict=True
                ):
                    row = {
                        key: text_row[key] if value is None else value
                        for key, value in typed_row.items()
                    }
                    issues = self.records.exact.issues(self.json.convert(row, root))
                    if issues:
                        failures[position] = issues
                    else:
                        failures.pop(position, None)
        return sorted(failures.items())


class _TableWriters:
    """Streaming writers of the valid and the quarantined rows, opened on the first batch.

    With ``background`` the writes run in one thread, in order, while the next batch is
    validated (Parquet encoding releases the GIL); at most two batches wait.
    """

    def __init__(
        self, valid_path: Path, quarantine_path: Path, fmt: str, *, background: bool = False
    ) -> None:
        self.paths = (valid_path, quarantine_path)
        self.fmt = fmt
        self.writers: list[Any] = [None, None]
        self.schemas: list[pa.Schema | None] = [None, None]
        self._thread = (
            ThreadPoolExecutor(1, thread_name_prefix="llmsr-write") if background else None
        )
        self._pending: deque[Future[None]] = deque()

    def write(self, table: pa.Table, bad: list[int], errors: list[str]) -> None:
        """Split ``table`` into its valid rows and its rows ``bad`` (with their ``errors``) and
        write both; in the background, the split's copying runs in the writer thread too."""
        if self._thread is None:
            self._write(table, bad, errors)
            return
        while len(self._pending) >= 2:
            self._pending.popleft().result()  # re-raises a failed write here
        self._pending.append(self._thread.submit(self._write, table, bad, errors))

    def _write(self, source: pa.Table, bad: list[int], errors: list[str]) -> None:
        valid = source.filter(_mask(source.num_rows, bad)) if bad else source
        quarantined = source.take(pa.array(bad, pa.int64())).append_column(
            ERRORS, pa.array(errors, pa.string())
        )
        for index, table in enumerate((valid, quarantined)):
            if self.writers[index] is None:
                self.schemas[index] = table.schema
                if self.fmt == "parquet":
                    self.writers[index] = pq.ParquetWriter(self.paths[index], table.schema)
                else:
                    self.writers[index] = pacsv.CSVWriter(self.paths[index], table.schema)
            schema = self.schemas[index]
            assert schema is not None
            if not table.schema.equals(schema):
                try:
                    table = table.cast(schema)
                except (pa.ArrowInvalid, ValueError) as exc:
                    raise InvalidInput(
                        f"the input files have different columns or types: {exc}"
                    ) from None
            if table.num_rows:
                self.writers[index].write_table(table)

    def close(self) -> None:
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            if self._thread is not None:
                self._thread.shutdown(wait=True, cancel_futures=True)
            for writer in self.writers:
                if writer is not None:
                    writer.close()


def _parquet_pieces(source: pq.ParquetFile) -> Iterator[pa.Table]:
    """A file's rows in pieces: whole row groups when small enough (faster to decode),
    batches of a huge one (memory stays bounded)."""
    for group in range(source.num_row_groups):
        if source.metadata.row_group(group).num_rows <= GROUP_ROWS:
            yield source.read_row_group(group)
        else:
            for batch in source.iter_batches(batch_size=BATCH_ROWS, row_groups=[group]):
                yield pa.Table.from_batches([batch])


def _prefetched(pieces: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """``pieces`` with the next one decoding in a thread while the caller works on this one
    (Arrow decodes without the GIL); at most two pieces are in memory."""
    with ThreadPoolExecutor(1, thread_name_prefix="llmsr-read") as reader:
        upcoming = reader.submit(next, pieces, None)
        while True:
            piece = upcoming.result()
            if piece is None:
                return
            upcoming = reader.submit(next, pieces, None)
            yield piece


def _jsonl_workers(files: list[Path]) -> int:
    """Processes for a JSONL run: one per core for large inputs (msgspec holds the GIL)."""
    if sum(f.stat().st_size for f in files) < PARALLEL_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


# (line index in the chunk, start, end offsets of the line in the chunk, parsed value, issues or
# None for a blank line, the line's bytes)
Verdict = tuple[int, int, int, Any, "list[Issue] | None", bytes]


def _judge_lines(records: RecordValidator, block: bytes) -> tuple[int, list[Verdict]]:
    """The number of lines in a chunk, and those that are not plainly valid with where they
    stand. Valid lines are not listed."""
    lines = block.split(b"\n")
    fast = records.fast
    # the hot path: msgspec decides most lines in C, a batch regex pass does the patterns
    suspects = fast.suspects(lines) if fast is not None else range(len(lines))
    out: list[Verdict] = []
    start, upto = 0, 0  # the offset of line ``upto``
    for index in suspects:
        start += sum(map(len, lines[upto:index])) + index - upto
        upto = index
        raw = lines[index]
        end = start + len(raw)
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line.strip():
            out.append((index, start, end, None, None, raw))
        else:
            value, issues = records.check_line(line)
            if issues is not None:
                out.append((index, start, end, value, issues, raw))
    return len(lines), out


_WORKER: dict[str, Any] = {}


def _init_worker(view: SchemaView) -> None:
    _WORKER["records"] = RecordValidator(view)


def _judge_in_worker(path: str, first: int, stop: int) -> tuple[int, list[Verdict]]:
    """A worker reads its range itself: the data never travels through a pipe."""
    source = _WORKER.get(path)
    if source is None:
        for old in [k for k in _WORKER if k != "records"]:
            os.close(_WORKER.pop(old))
        source = _WORKER[path] = os.open(path, os.O_RDONLY)
    return _judge_lines(_WORKER["records"], os.pread(source, stop - first, first))


@contextlib.contextmanager
def _open_input(path: Path) -> Iterator[int]:
    try:
        source = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        yield source
    finally:
        os.close(source)


def _line_ranges(source: int) -> Iterator[tuple[int, int]]:
    """A file as ranges ``[first, stop)`` of whole lines, about CHUNK_BYTES each; ``stop`` is a
    newline's offset (or the end of a file whose last line has none)."""
    size = os.fstat(source).st_size
    if size and os.pread(source, 1, size - 1) == b"\n":
        size -= 1  # the last newline ends the last line; it does not start an empty one
    first = 0
    while first < size:
        stop = _newline_after(source, first + CHUNK_BYTES, size)
        yield first, stop
        first = stop + 1
    if size == 0 and os.fstat(source).st_size:
        yield 0, 0  # a file holding one newline: one blank line


def _newline_after(source: int, at: int, size: int) -> int:
    while at < size:
        window = os.pread(source, min(1 << 16, size - at), at)
        found = window.find(b"\n")
        if found >= 0:
            return at + found
        at += len(window)
    return size


class _RangeCopier:
    """Copies byte ranges of the input to the end of the output: ``copy_file_range`` (inside
    the kernel) where the system offers it, else read and write."""

    def __init__(self, source: int, out: Any) -> None:
        self.source = source
        self.out = out
        self.kernel = hasattr(os, "copy_file_range")

    def __call__(self, first: int, stop: int) -> None:
        while first < stop:
            if self.kernel:
                try:
                    done = os.copy_file_range(self.source, self.out.fileno(), stop - first, first)
                except OSError:  # across file systems on some kernels, or not supported
                    self.kernel = False
                    continue
                if done == 0:
                    raise InvalidInput("the input file shrank while it was being validated")
            else:
                done = self.out.write(os.pread(self.source, min(stop - first, CHUNK_BYTES), first))
            first += done


def _quarantined_line(
    value: Any, line: bytes, line_no: int, path: Path, several: bool, issues: list[Issue]
) -> bytes:
    errors = [i.to_dict() for i in issues]
    if isinstance(value, dict) and issues[0].rule != "not_json":
        out: dict[str, Any] = {**value, ERRORS: errors}
    else:
        out = {"_line": line_no, "_raw": line.decode("utf-8", "replace"), ERRORS: errors}
    if several:
        out["_file"] = str(path)
    return orjson.dumps(out)


def _errors_json(issues: list[Issue]) -> str:
    return orjson.dumps([i.to_dict() for i in issues]).decode()


def _mask(rows: int, bad: list[int]) -> pa.Array:
    keep = np.ones(rows, dtype=bool)
    keep[bad] = False
    return pa.array(keep, pa.bool_())


def _all_strings(path: Path) -> dict[str, pa.DataType]:
    """Every column of a CSV file as text (typing follows the schema, not Arrow's guesses)."""
    names = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16)).schema.names
    return {name: pa.string() for name in names}


def _with_errors_field(schema: Any) -> Any:
    if isinstance(schema, dict) and schema.get("type") == "record":
        return {
            **schema,
            "fields": [*schema["fields"], {"name": ERRORS, "type": "string"}],
        }
    raise InvalidInput("Avro files whose top-level type is not a record cannot be quarantined")
