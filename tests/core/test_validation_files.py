"""Validation of files and in-memory data against registered schemas, on SQLite and
PostgreSQL: every format, nothing lost or doubled, order kept, valid records unchanged, every
failure of a record reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fastavro
import orjson
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from registry_core.errors import InvalidInput, SubjectNotFound, VersionNotFound
from registry_core.service import Registry

TURN = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "role", "tokens", "usage", "messages"],
    "properties": {
        "id": {"type": "string", "pattern": "^t[0-9]+$"},
        "role": {"enum": ["user", "assistant"]},
        "tokens": {"type": "integer", "minimum": 0, "maximum": 4096},
        "score": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "usage": {
            "type": "object",
            "required": ["prompt"],
            "properties": {"prompt": {"type": "integer", "minimum": 0}},
        },
        "messages": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "maxLength": 20},
        },
    },
}


def good(n: int) -> dict[str, Any]:
    return {
        "id": f"t{n}",
        "role": "user" if n % 2 else "assistant",
        "tokens": n,
        "score": 0.5,
        "usage": {"prompt": n},
        "messages": ["hello"],
    }


@pytest.fixture
def subject(registry: Registry) -> str:
    registry.register("turn-value", json.dumps(TURN), "JSON")
    return "turn-value"


def write_jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_jsonl_splits_keeps_order_and_valid_lines_byte_for_byte(
    registry: Registry, subject: str, tmp_path: Path
) -> None:
    bad_many = {**good(3), "tokens": -1, "role": "bot", "messages": [], "extra": 1}
    lines = [
        orjson.dumps(good(1)),
        b'{"id": "t2",   "role": "user", "tokens": 2, "usage": {"prompt": 1}, "messages": ["x"]}',
        orjson.dumps(bad_many),
        b"{not json",
        b"",
        b"   ",
        orjson.dumps(good(4)),
        b"[1, 2]",
    ]
    source = write_jsonl(tmp_path / "turns.jsonl", lines)
    report = registry.validate_files(source, subject, out_dir=tmp_path / "out")
    assert (report.total, report.valid, report.quarantined) == (6, 3, 3)
    valid = (tmp_path / "out" / "valid.jsonl").read_bytes().splitlines()
    assert valid == [lines[0], lines[1], lines[6]]  # unchanged, spacing included, in order
    quarantined = [
        json.loads(x) for x in (tmp_path / "out" / "quarantine.jsonl").read_bytes().splitlines()
    ]
    assert [q.get("id") for q in quarantined] == ["t3", None, None]
    rules = {e["rule"] for e in quarantined[0]["_errors"]}
    assert {"minimum", "enum", "min_items", "additional_properties"} <= rules  # every failure
    paths = {e["path"] for e in quarantined[0]["_errors"]}
    assert {"/tokens", "/role", "/messages"} <= paths
    assert quarantined[1]["_line"] == 4 and quarantined[1]["_raw"] == "{not json"
    assert quarantined[1]["_errors"][0]["rule"] == "not_json"
    assert quarantined[2]["_line"] == 8 and quarantined[2]["_errors"][0]["rule"] == "type"
    assert report.errors_by_rule["not_json"] == 1
    events = registry.events(type_="validation.completed")
    assert events[-1]["data"]["quarantined"] == 3 and events[-1]["subject"] == subject


def test_parquet_with_nested_structs_and_lists(
    registry: Registry, subject: str, tmp_path: Path
) -> None:
    rows = [good(n) for n in range(1, 9)]
    rows[2]["tokens"] = 5000  # over the maximum
    rows[4]["usage"] = {"prompt": -3}  # nested
    rows[5]["messages"] = ["fine", "x" * 30]  # an item too long
    rows[6]["score"] = None  # allowed: the type includes null
    rows[7]["id"] = "bad"  # pattern
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, tmp_path / "turns.parquet")
    report = registry.validate_files(tmp_path / "turns.parquet", subject, out_dir=tmp_path / "o")
    assert (report.total, report.valid, report.quarantined) == (8, 4, 4)
    valid = pq.read_table(tmp_path / "o" / "valid.parquet")
    assert valid.schema.equals(table.schema)
    assert valid.to_pylist() == [rows[i] for i in (0, 1, 3, 6)]
    quarantine = pq.read_table(tmp_path / "o" / "quarantine.parquet").to_pylist()
    assert [q["id"] for q in quarantine] == ["t3", "t5", "t6", "bad"]
    found = [[(e["path"], e["rule"]) for e in json.loads(q["_errors"])] for q in quarantine]
    assert found == [
        [("/tokens", "maximum")],
        [("/usage/prompt", "minimum")],
        [("/messages/1", "max_length")],
        [("/id", "pattern")],
    ]


def test_csv_cells_are_typed_by_the_schema(registry: Registry, tmp_path: Path) -> None:
    flat = {
        "type": "object",
        "required": ["id", "tokens"],
        "properties": {
            "id": {"type": "string"},
            "tokens": {"type": "integer", "minimum": 0},
            "ok": {"type": "boolean"},
        },
    }
    registry.register("flat-value", json.dumps(flat), "JSON")
    (tmp_path / "rows.csv").write_text(
        "id,tokens,ok\na,1,true\nb,abc,false\nc,-2,\nd,,TRUE\ne,3,maybe\n"
    )
    report = registry.validate_files(tmp_path / "rows.csv", "flat-value", out_dir=tmp_path / "o")
    assert (report.total, report.valid) == (5, 1)
    valid = pacsv.read_csv(tmp_path / "o" / "valid.csv").to_pylist()
    assert [r["id"] for r in valid] == ["a"]
    quarantine = pacsv.read_csv(tmp_path / "o" / "quarantine.csv").to_pylist()
    rules = {q["id"]: [e["rule"] for e in json.loads(q["_errors"])] for q in quarantine}
    assert rules == {"b": ["type"], "c": ["minimum"], "d": ["required"], "e": ["type"]}


AVRO_TURN = {
    "type": "record",
    "name": "Turn",
    "namespace": "llm",
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "role", "type": {"type": "enum", "name": "Role", "symbols": ["user", "bot"]}},
        {"name": "tokens", "type": "int"},
        {"name": "score", "type": ["null", "double"], "default": None},
    ],
}


def test_avro_subject_and_avro_container_files(registry: Registry, tmp_path: Path) -> None:
    registry.register("avro-turn-value", json.dumps(AVRO_TURN), "AVRO")
    records = [
        {"id": "a", "role": "user", "tokens": 1, "score": None},
        {"id": "b", "role": "bot", "tokens": 2, "score": 0.5},
    ]
    with (tmp_path / "turns.avro").open("wb") as handle:
        fastavro.writer(handle, fastavro.parse_schema(AVRO_TURN), records)
    report = registry.validate_files(
        tmp_path / "turns.avro", "avro-turn-value", out_dir=tmp_path / "o"
    )
    assert (report.total, report.valid, report.quarantined) == (2, 2, 0)
    with (tmp_path / "o" / "valid.avro").open("rb") as handle:
        assert list(fastavro.reader(handle)) == records
    # the same subject checks plain JSON records the way an Avro serializer would
    lines = [
        orjson.dumps(records[0]),
        orjson.dumps({"id": "c", "role": "admin", "tokens": 2**40}),  # enum and int range
        orjson.dumps({"role": "user", "tokens": 1, "extra": True}),  # missing id, extra key
    ]
    source = write_jsonl(tmp_path / "turns.jsonl", lines)
    report = registry.validate_files(source, "avro-turn-value", out_dir=tmp_path / "j")
    assert (report.valid, report.quarantined) == (1, 2)
    quarantined = [
        json.loads(x) for x in (tmp_path / "j" / "quarantine.jsonl").read_text().splitlines()
    ]
    assert sorted(e["rule"] for e in quarantined[0]["_errors"]) == ["enum", "maximum"]
    assert sorted(e["rule"] for e in quarantined[1]["_errors"]) == [
        "additional_properties",
        "required",
    ]


def test_directories_globs_and_input_errors(
    registry: Registry, subject: str, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", [orjson.dumps(good(1))])
    write_jsonl(folder / "b.jsonl", [orjson.dumps(good(2)), b"oops"])
    report = registry.validate_files(folder, subject, out_dir=tmp_path / "o1")
    assert (report.total, report.valid, report.quarantined) == (3, 2, 1)
    [bad] = (tmp_path / "o1" / "quarantine.jsonl").read_text().splitlines()
    assert json.loads(bad)["_file"].endswith("b.jsonl")
    report = registry.validate_files(str(folder / "*.jsonl"), subject, out_dir=tmp_path / "o2")
    assert report.total == 3
    (folder / "c.parquet").write_bytes(b"")
    with pytest.raises(InvalidInput, match="mix formats"):
        registry.validate_files(folder, subject, out_dir=tmp_path / "o3")
    with pytest.raises(InvalidInput, match="no such file"):
        registry.validate_files(tmp_path / "missing.jsonl", subject, out_dir=tmp_path / "o4")
    with pytest.raises(InvalidInput, match="cannot read Parquet"):
        registry.validate_files(folder / "c.parquet", subject, out_dir=tmp_path / "o5")
    with pytest.raises(SubjectNotFound):
        registry.validate_files(folder / "a.jsonl", "nope", out_dir=tmp_path / "o6")
    with pytest.raises(VersionNotFound):
        registry.validate_files(folder / "a.jsonl", subject, 9, out_dir=tmp_path / "o7")


def test_in_memory_records_pandas_polars_and_arrow(registry: Registry, subject: str) -> None:
    rows = [good(1), {**good(2), "tokens": -5}, good(3)]
    result = registry.validate(rows, subject)
    assert (result.report.valid, result.report.quarantined) == (2, 1)
    assert result.valid == [rows[0], rows[2]]
    assert result.quarantined[0]["_errors"][0]["rule"] == "minimum"
    for data, kind in [
        (pd.DataFrame(rows), pd.DataFrame),
        (pl.DataFrame(rows), pl.DataFrame),
        (pa.Table.from_pylist(rows), pa.Table),
    ]:
        result = registry.validate(data, subject)
        assert isinstance(result.valid, kind) and isinstance(result.quarantined, kind)
        assert len(result.valid) == 2 and len(result.quarantined) == 1
        assert [p for p, _ in result.failures] == [1]
    with pytest.raises(InvalidInput, match="cannot validate a int"):
        registry.validate(5, subject)


def test_jsonl_judged_in_parallel_gives_the_same_result(
    registry: Registry, subject: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry_core.validation import engine

    lines = []
    for n in range(3000):
        record = good(n)
        if n % 97 == 0:
            record["tokens"] = -n - 1
        lines.append(orjson.dumps(record) if n % 501 else b"{broken")
    source = write_jsonl(tmp_path / "many.jsonl", lines)
    monkeypatch.setattr(engine, "CHUNK_BYTES", 16 << 10)  # many chunks
    serial = registry.validate_files(source, subject, out_dir=tmp_path / "serial")
    monkeypatch.setattr(engine, "PARALLEL_BYTES", 1)
    parallel = registry.validate_files(source, subject, out_dir=tmp_path / "parallel")
    assert (parallel.total, parallel.valid, parallel.quarantined) == (
        serial.total,
        serial.valid,
        serial.quarantined,
    )
    for name in ("valid.jsonl", "quarantine.jsonl"):
        assert (tmp_path / "parallel" / name).read_bytes() == (
            tmp_path / "serial" / name
        ).read_bytes()
    assert serial.errors_by_rule == parallel.errors_by_rule and serial.quarantined > 30


@pytest.mark.parametrize("kernel_copy", [True, False], ids=["copy_file_range", "read-write"])
def test_jsonl_line_endings_blank_lines_and_both_copy_paths(
    registry: Registry,
    subject: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kernel_copy: bool,
) -> None:
    """Valid lines reach the output byte for byte (CRLF kept, a last line without a newline
    gets one), whether the kernel copies the ranges or the engine reads and writes them, and
    whether one process or several judge the chunks."""
    from registry_core.validation import engine

    if not kernel_copy:

        def unsupported(*_: Any, **__: Any) -> int:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(engine.os, "copy_file_range", unsupported, raising=False)
    body = [orjson.dumps(good(n)) + (b"\r" if n % 3 == 0 else b"") for n in range(400)]
    body[7] = orjson.dumps({**good(7), "id": "x7"})  # breaks the hoisted top-level pattern
    body[150] = b""
    body[151] = b"{oops"
    source = tmp_path / "crlf.jsonl"
    source.write_bytes(b"\n".join(body))  # no newline after the last line
    monkeypatch.setattr(engine, "CHUNK_BYTES", 4 << 10)
    expected_valid = b"".join(line + b"\n" for n, line in enumerate(body) if n not in (7, 150, 151))
    for parallel in (False, True):
        monkeypatch.setattr(engine, "PARALLEL_BYTES", 1 if parallel else 1 << 40)
        out = tmp_path / f"out-{parallel}"
        report = registry.validate_files(source, subject, out_dir=out)
        assert (report.total, report.valid, report.quarantined) == (399, 397, 2)
        assert (out / "valid.jsonl").read_bytes() == expected_valid
        quarantined = [
            orjson.loads(x) for x in (out / "quarantine.jsonl").read_bytes().splitlines()
        ]
        assert [q.get("id") for q in quarantined] == ["x7", None]
        assert quarantined[0]["_errors"][0]["rule"] == "pattern"
        assert quarantined[1]["_line"] == 152 and quarantined[1]["_raw"] == "{oops"
