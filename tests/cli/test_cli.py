"""The ``llmsr`` command line: results, JSON output, and exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from registry_core.cli import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(db_url: str, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run llmsr in-process against the test database; return (exit code, stdout, stderr)."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main(["--database-url", db_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def schemas(tmp_path: Path) -> dict[str, Path]:
    def write(name: str, document: object) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(document))
        return path

    record = {"type": "record", "name": "Event", "fields": [{"name": "id", "type": "string"}]}
    compatible = {
        **record,
        "fields": [*record["fields"], {"name": "lang", "type": "string", "default": "en"}],
    }
    breaking = {**record, "fields": [*record["fields"], {"name": "n", "type": "int"}]}
    return {
        "v1": write("event.avsc", record),
        "v2": write("event-v2.avsc", compatible),
        "breaking": write("event-breaking.avsc", breaking),
        "json": write("prompt.json", {"type": "object", "properties": {"p": {"type": "string"}}}),
        "bad": write("bad.avsc", {"type": "recrd"}),
        "unknown_ext": write("schema.txt", record),
    }


def test_register_infers_type_from_extension_and_reports_id_and_semver(
    run: Run, schemas: dict[str, Path]
) -> None:
    code, out, _ = run("register", "events-value", str(schemas["v1"]), "--json")
    assert code == 0
    first = json.loads(out)
    assert (first["version"], first["semver"], first["created"]) == (1, "1.0.0", True)
    code, out, _ = run("register", "prompts-value", str(schemas["json"]), "--json")
    assert code == 0
    code, out, _ = run("get", "prompts-value", "--json")
    assert json.loads(out)["schemaType"] == "JSON"
    code, out, _ = run("register", "events-value", str(schemas["v2"]))
    assert code == 0 and "version 2" in out and "semver 1.1.0" in out


def test_check_exits_1_when_incompatible_and_names_the_field(
    run: Run, schemas: dict[str, Path]
) -> None:
    run("register", "events-value", str(schemas["v1"]))
    code, out, _ = run("check", "events-value", str(schemas["v2"]))
    assert code == 0 and out.startswith("compatible")
    code, out, _ = run("check", "events-value", str(schemas["breaking"]), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["is_compatible"] is False
    assert report["incompatibilities"][0]["path"] == "/fields/1"
    assert "'n'" in report["incompatibilities"][0]["message"]
    code, _, _ = run("check", "events-value", str(schemas["breaking"]), "--level", "NONE")
    assert code == 0


def test_register_of_incompatible_schema_exits_1(run: Run, schemas: dict[str, Path]) -> None:
    run("register", "events-value", str(schemas["v1"]))
    code, _, err = run("register", "events-value", str(schemas["breaking"]))
    assert code == 1 and "incompatible" in err


def test_usage_and_input_errors_exit_2_with_one_line(
    run: Run, schemas: dict[str, Path], tmp_path: Path
) -> None:
    cases = [
        ("register", "s", str(tmp_path / "missing.avsc")),
        ("register", "s", str(schemas["bad"])),
        ("register", "s", str(schemas["unknown_ext"])),
        ("get", "no-such-subject"),
        ("config", "--set", "SIDEWAYS"),
        ("get", "s", "--version", "zero"),
    ]
    for args in cases:
        code, _, err = run(*args)
        assert code == 2, args
        assert len(err.strip().splitlines()) == 1, (args, err)
        assert "Traceback" not in err
    _, _, err = run("register", "s", str(tmp_path / "missing.avsc"))
    assert "missing.avsc" in err
    _, _, err = run("config", "--set", "SIDEWAYS")
    assert "SIDEWAYS" in err and "BACKWARD" in err


def test_subjects_versions_config_mode_delete(run: Run, schemas: dict[str, Path]) -> None:
    run("register", "events-value", str(schemas["v1"]))
    run("register", "events-value", str(schemas["v2"]))
    assert json.loads(run("subjects", "--json")[1]) == ["events-value"]
    versions = json.loads(run("versions", "events-value", "--json")[1])
    assert [(v["version"], v["semver"]) for v in versions] == [(1, "1.0.0"), (2, "1.1.0")]
    assert (
        json.loads(run("config", "events-value", "--set", "FULL", "--json")[1])[
            "compatibilityLevel"
        ]
        == "FULL"
    )
    assert run("config", "events-value")[1].startswith("FULL")
    assert run("mode", "--set", "READONLY")[1].strip() == "READONLY"
    code, _, err = run("register", "events-value", str(schemas["breaking"]))
    assert code == 2 and "read-only" in err
    run("mode", "--set", "READWRITE")
    assert run("delete", "events-value", "--version", "1")[0] == 0
    assert json.loads(run("delete", "events-value", "--json")[1]) == [2]
    assert json.loads(run("delete", "events-value", "--permanent", "--json")[1]) == [1, 2]
    assert json.loads(run("subjects", "--deleted", "--json")[1]) == []


def test_demo_seed_is_idempotent(run: Run) -> None:
    code, out, _ = run("demo", "seed", "--json")
    assert code == 0
    first = json.loads(out)
    assert len({row["subject"] for row in first}) >= 4
    assert json.loads(run("demo", "seed", "--json")[1]) == first


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "registry_core.cli", "--database-url", url, "get", "--id", "42"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "llmsr: error 40403: Schema 42 not found"
    upgrade = subprocess.run(
        [sys.executable, "-m", "registry_core.cli", "--database-url", url, "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert upgrade.returncode == 0 and "up to date" in upgrade.stdout
