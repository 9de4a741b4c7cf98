"""``llmsr datasets`` and ``llmsr lineage``."""

from __future__ import annotations

import json
from pathlib import Path

from registry_core.service import Registry
from tests.cli.test_cli import Run, run  # noqa: F401  (fixture)


def test_datasets_and_lineage(run: Run, db_url: str, tmp_path: Path) -> None:  # noqa: F811
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object"}))
    assert run("register", "chat-value", str(schema))[0] == 0
    code, out, _ = run("datasets")
    assert (code, out.strip()) == (0, "no datasets")
    registry = Registry(db_url)
    registry.register_dataset("chat_sft", kind="training", subject="chat-value", location="c.jsonl")
    registry.record_dataset_report("chat_sft", "validation", passed=False, summary={}, run_id="r9")
    registry.record_lineage([("schema:chat-value@1", "dataset:chat_sft")], run_id="r9")
    registry.close()
    code, out, _ = run("datasets", "--reports")
    assert code == 0 and "chat_sft" in out and "last validation: FAILED" in out
    code, out, _ = run("datasets", "--kind", "training", "--json")
    [listed] = json.loads(out)
    assert (listed["name"], listed["subject"]) == ("chat_sft", "chat-value")
    code, out, _ = run("lineage", "dataset:chat_sft")
    assert code == 0 and "schema:chat-value@1 -> dataset:chat_sft  (1 run(s))" in out
    code, out, _ = run("lineage", "dataset:chat_sft", "--json")
    assert json.loads(out)["edges"][0]["runs"] == ["r9"]
    code, _, err = run("lineage", "nonsense")
    assert code == 2 and "Invalid lineage node" in err
