"""``llmsr validate``: the summary, exit codes 0 / 1 / 2, --max-invalid-fraction."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from tests.cli.test_cli import Run, run  # noqa: F401  (fixture)
from tests.core.test_validation_files import TURN, good


def test_validate_exit_codes_and_json_summary(run: Run, tmp_path: Path) -> None:  # noqa: F811
    schema = tmp_path / "turn.json"
    schema.write_text(json.dumps(TURN))
    assert run("register", "turn-value", str(schema))[0] == 0
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(b"\n".join(orjson.dumps(good(n)) for n in range(1, 5)) + b"\n")
    code, out, _ = run(
        "validate", str(clean), "--subject", "turn-value", "--out", str(tmp_path / "a"), "--json"
    )
    summary = json.loads(out)
    assert code == 0 and summary["passed"] is True
    assert {k: summary[k] for k in ("total", "valid", "quarantined", "version")} == {
        "total": 4,
        "valid": 4,
        "quarantined": 0,
        "version": 1,
    }
    assert {"subject", "schema_id", "errors_by_rule", "seconds"} <= set(summary)

    dirty = tmp_path / "dirty.jsonl"
    lines = [orjson.dumps(good(n)) for n in range(1, 10)] + [b"not json"]
    dirty.write_bytes(b"\n".join(lines) + b"\n")
    out_dir = str(tmp_path / "b")
    code, out, _ = run(
        "validate", str(dirty), "--subject", "turn-value", "--out", out_dir, "--json"
    )
    assert code == 1 and json.loads(out)["errors_by_rule"] == {"not_json": 1}
    code, out, _ = run(
        "validate", str(dirty), "--subject", "turn-value", "--out", out_dir,
        "--max-invalid-fraction", "0.1",
    )  # fmt: skip
    assert code == 0 and "1 quarantined (10.00%)" in out
    code, _, _ = run(
        "validate", str(dirty), "--subject", "turn-value", "--out", out_dir,
        "--max-invalid-fraction", "0.05",
    )  # fmt: skip
    assert code == 1

    for args, message in [
        ((str(tmp_path / "missing.jsonl"), "--subject", "turn-value"), "no such file"),
        ((str(clean), "--subject", "nope-value"), "Subject 'nope-value' not found"),
        ((str(clean), "--subject", "turn-value", "--version", "7"), "Version 7 not found"),
        ((str(schema), "--subject", "turn-value", "--format", "parquet"), "cannot read Parquet"),
    ]:
        code, _, err = run("validate", *args, "--out", str(tmp_path / "c"))
        assert code == 2 and message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1


def test_drift_exit_codes_and_json(run: Run, tmp_path: Path) -> None:  # noqa: F811
    from tests.core.test_drift import sample

    sample(2000, 11).write_parquet(tmp_path / "ref.parquet")
    sample(2000, 12).write_parquet(tmp_path / "same.parquet")
    sample(2000, 12, shifted=True).write_parquet(tmp_path / "cur.parquet")
    code, out, _ = run(
        "drift", str(tmp_path / "ref.parquet"), str(tmp_path / "same.parquet"), "--json"
    )
    assert code == 0 and json.loads(out)["drift_detected"] is False
    code, out, _ = run(
        "drift", str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet"), "--json"
    )
    report = json.loads(out)
    assert code == 1 and report["drift_detected"] is True
    assert set(report["drifted_columns"]) == {"n03", "n07", "n12", "n18", "c1", "c3"}
    assert set(report["schema_drift"]) == {"added", "removed", "type_changed"}
    column = report["columns"][0]
    assert {"column", "kind", "method", "statistic", "p_value", "threshold", "drifted"} <= set(
        column
    )
    code, out, _ = run(
        "drift", str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet"),
        "--columns", "n00,n01", "--wasserstein", "0.5",
    )  # fmt: skip
    assert code == 0 and "drift not detected" in out and "n00" in out
    code, _, err = run("drift", str(tmp_path / "ref.parquet"), str(tmp_path / "nope.parquet"))
    assert code == 2 and "no such file" in err
    code, _, err = run(
        "drift", str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet"), "--columns", "zz"
    )
    assert code == 2 and "has no column zz" in err
