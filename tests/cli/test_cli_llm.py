"""``llmsr validate-response`` and ``llmsr export``: output, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry_core.cli.llm import split_target
from tests.cli.test_cli import Run, run  # noqa: F401  (fixture)
from tests.core.test_responses import GOOD, TRIAGE


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("triage", ("triage", "latest")),
        ("triage:3", ("triage", "3")),
        ("triage:latest", ("triage", "latest")),
        (":.ctx:triage", (":.ctx:triage", "latest")),  # a Confluent context keeps its colons
        (":.ctx:triage:2", (":.ctx:triage", "2")),
    ],
)
def test_subject_and_version_are_split_at_a_trailing_version_only(
    target: str, expected: tuple[str, str]
) -> None:
    assert split_target(target) == expected


@pytest.fixture
def triage(run: Run, tmp_path: Path) -> None:  # noqa: F811
    schema = tmp_path / "triage.json"
    schema.write_text(json.dumps(TRIAGE))
    assert run("register", "triage", str(schema))[0] == 0


@pytest.mark.usefixtures("triage")
def test_validate_response_exit_codes_and_repair_instruction(
    run: Run,  # noqa: F811
    tmp_path: Path,
) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Sure:\n```json\n" + json.dumps(GOOD) + "\n```\n")
    code, out, _ = run("validate-response", "triage:1", str(good))
    assert code == 0 and out.startswith("valid against triage v1 (id 1) (JSON found: fenced)")

    bad = tmp_path / "bad.txt"
    bad.write_text(json.dumps({**GOOD, "priority": "high"}))
    code, out, _ = run("validate-response", "triage", str(bad))
    assert code == 1
    assert "/priority: type:" in out and "repair instruction:" in out
    code, out, _ = run("validate-response", "triage", str(bad), "--json")
    assert code == 1 and json.loads(out)["errors"][0]["path"] == "/priority"

    strict = tmp_path / "strict.txt"
    strict.write_text(json.dumps({**GOOD, "tags": None}))
    assert run("validate-response", "triage", str(strict))[0] == 1
    assert run("validate-response", "triage", str(strict), "--dialect", "openai")[0] == 0

    code, _, err = run("validate-response", "triage", str(tmp_path / "missing.txt"))
    assert code == 2 and "reply file not found" in err
    code, _, err = run("validate-response", "nope", str(good))
    assert code == 2 and "error 40401" in err


@pytest.mark.usefixtures("triage")
def test_export_prints_the_schema_warnings_on_stderr_and_fails_on_errors(
    run: Run,  # noqa: F811
    tmp_path: Path,
) -> None:
    code, out, err = run("export", "triage:1", "--dialect", "openai")
    assert code == 0
    schema = json.loads(out)
    assert schema["additionalProperties"] is False and "tags" in schema["required"]
    assert "warning: /properties/tags:" in err and "warning: /properties/summary/maxLength" in err

    code, out, _ = run("export", "triage", "-d", "GEMINI", "--json")
    exported = json.loads(out)
    assert code == 0 and exported["schema"]["type"] == "OBJECT"
    assert (exported["dialect"], exported["profile"]) == ("gemini", "gemini/2025-11")

    target = tmp_path / "anthropic.json"
    code, out, _ = run("export", "triage", "-d", "anthropic", "-o", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["properties"]["priority"]["description"]

    code, out, _ = run("export", "--list-profiles", "--json")
    assert code == 0 and {"openai/2025-11", "openai/2024-08"} <= {p["id"] for p in json.loads(out)}

    code, _, err = run("export", "triage", "--dialect", "cohere")
    assert code == 2 and "error 42211" in err and "openai" in err
    code, _, err = run("export", "triage")
    assert code == 2 and "--dialect" in err


def test_export_exits_1_naming_every_place_the_dialect_cannot_express(
    run: Run,  # noqa: F811
    tmp_path: Path,
) -> None:
    schema = tmp_path / "odd.json"
    schema.write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {
                    "a": {"type": "array", "uniqueItems": True},
                    "b": {"not": {"type": "null"}},
                },
            }
        )
    )
    assert run("register", "odd", str(schema))[0] == 0
    code, out, err = run("export", "odd", "--dialect", "ollama")
    assert code == 1 and out == ""
    assert "error: /properties/a/uniqueItems:" in err and "error: /properties/b/not:" in err
    assert "cannot be exported to ollama/2025-11: 2 error(s)" in err


def test_reindex_plan_names_what_the_index_needs_and_fails_on_broken_queries(
    run: Run,  # noqa: F811
    tmp_path: Path,
) -> None:
    def chunk(**extra: object) -> dict[str, object]:
        props: dict[str, object] = {
            "text": {"type": "string", "x-embed": True, "x-filterable": False},
            "lang": {"type": "string", "x-embed": False, "x-filterable": True},
            **extra,
        }
        return {"type": "object", "properties": props, "required": ["text"]}

    v1, v2, v3 = (tmp_path / f"v{n}.json" for n in (1, 2, 3))
    v1.write_text(json.dumps(chunk()))
    v2.write_text(json.dumps(chunk(title={"type": "string", "x-embed": True})))
    lang_gone = chunk(title={"type": "string", "x-embed": True})
    del lang_gone["properties"]["lang"]  # type: ignore[attr-defined]
    v3.write_text(json.dumps(lang_gone))
    assert run("config", "chunks", "--set", "NONE")[0] == 0
    for path in (v1, v2, v3):
        assert run("register", "chunks", str(path))[0] == 0

    code, out, _ = run("reindex-plan", "chunks", "--to", "2", "--json")
    plan = json.loads(out)
    assert code == 0 and (plan["from_version"], plan["to_version"]) == (1, 2)
    assert plan["needs_reembed"] is True and plan["breaking"] is False
    assert [(f["path"], f["action"]) for f in plan["fields"]] == [("/title", "reembed")]

    code, out, _ = run("reindex-plan", "chunks")  # latest against the one before
    assert code == 1
    assert "BREAKING for stored queries" in out and "/lang: removed -> update_metadata" in out

    code, _, err = run("reindex-plan", "chunks", "--to", "1")
    assert code == 2 and "first version" in err
