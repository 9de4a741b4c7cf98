"""``llmsr starters``: list, install (exit 0 / 1 / 2) and show, with the OTel compatibility
report."""

from __future__ import annotations

import json

from tests.cli.test_cli import Run, run  # noqa: F401  (fixture)

OTEL = "otel.gen_ai.inference"


def test_list_shows_every_starter_with_versions_and_levels(run: Run) -> None:  # noqa: F811
    code, out, _ = run("starters", "list")
    assert code == 0
    assert any(line.split()[:3] == [OTEL, "v1,2", "NONE"] for line in out.splitlines())
    assert "naming: <domain>.<family>[.<variant>]" in out
    listed = json.loads(run("starters", "list", "--json")[1])
    assert len(listed) == 8 and listed[0]["subject"] == "llm.chat_sft"
    assert listed[0]["sources"] and listed[0]["versions"][0]["version"] == 1


def test_install_twice_reports_already_registered(run: Run) -> None:  # noqa: F811
    code, out, err = run("starters", "install", "--as", "ada")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 9
    assert lines[0] == (
        "registered: llm.chat_sft v1: registered as version 1 (semver 1.0.0); "
        "compatibility set to BACKWARD"
    )
    assert f"registered: {OTEL} v2: registered as version 2 (semver 2.0.0); " in lines[4]
    assert "passes only NONE" in lines[4]
    code, out, _ = run("starters", "install", "--json")
    assert code == 0
    assert {row["status"] for row in json.loads(out)} == {"already registered"}


def test_install_with_prefix_and_only(run: Run) -> None:  # noqa: F811
    code, out, _ = run(
        "starters", "install", "--prefix", "team-a.", "--only", "rag.chunk", "--only",
        "prompt.rag_qa.input", "--json",
    )  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert [r["subject"] for r in rows] == ["team-a.rag.chunk", "team-a.prompt.rag_qa.input"]
    assert json.loads(run("subjects", "--json")[1]) == sorted(r["subject"] for r in rows)


def test_an_unknown_starter_is_a_usage_error_before_anything_is_written(
    run: Run,  # noqa: F811
) -> None:
    code, out, err = run("starters", "install", "--only", "rag.chunk", "--only", "rag.chunks")
    assert code == 2 and out == ""
    assert err.strip().startswith("llmsr: error 422: Unknown starter 'rag.chunks'; use one of")
    assert json.loads(run("subjects", "--json")[1]) == []


def test_review_policy_and_conflicts_exit_1_with_a_line_on_stderr(run: Run) -> None:  # noqa: F811
    assert run("policy", "set", "--prefix", "otel.", "--review-required")[0] == 0
    code, out, err = run("starters", "install", "--only", OTEL)
    assert code == 1
    assert out.splitlines() == [
        f"proposed: {OTEL} v1: proposal 1 waits for a reviewer (llmsr review 1 --approve); "
        "compatibility set to NONE",
        f"skipped: {OTEL} v2: waits for starter version 1 (proposed)",
    ]
    assert err == "llmsr: 2 of 2 starter versions are not installed (1 proposed, 1 skipped)\n"


def test_show_prints_the_schemas_and_the_recorded_compatibility_report(
    run: Run,  # noqa: F811
) -> None:
    code, out, _ = run("starters", "show", OTEL)
    assert code == 0
    assert "--- version 1: semconv <= v1.36" in out and "--- version 2: semconv >= v1.37" in out
    assert "passes: NONE\n" in out
    assert "fails:  BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL," in out
    assert "BACKWARD: REQUIRED_ATTRIBUTE_ADDED at /required: property 'gen_ai.provider.name'" in out
    shown = json.loads(run("starters", "show", OTEL, "--version", "2", "--json")[1])
    assert list(shown["schemas"]) == ["2"]
    assert shown["schemas"]["2"]["required"] == ["gen_ai.operation.name", "gen_ai.provider.name"]
    assert shown["compatibility_notes"][0]["passes"] == ["NONE"]


def test_show_check_runs_the_live_check_on_the_installed_subject(run: Run) -> None:  # noqa: F811
    code, _, err = run("starters", "show", OTEL, "--check")
    assert code == 2
    assert "is not registered under subject 'otel.gen_ai.inference'; install it first" in err
    assert run("starters", "install", "--only", OTEL)[0] == 0
    code, out, _ = run("starters", "show", OTEL, "--check", "--json")
    assert code == 0
    [check] = json.loads(out)["checks"]
    verdicts = {level: found["compatible"] for level, found in check["levels"].items()}
    assert verdicts == {
        "NONE": True,
        "BACKWARD": False,
        "BACKWARD_TRANSITIVE": False,
        "FORWARD": False,
        "FORWARD_TRANSITIVE": False,
        "FULL": False,
        "FULL_TRANSITIVE": False,
    }


def test_show_refuses_unknown_subjects_and_versions(run: Run) -> None:  # noqa: F811
    code, _, err = run("starters", "show", "rag.chunk", "--version", "3")
    assert code == 2 and "Starter 'rag.chunk' has no version 3; it ships 1" in err
    code, _, err = run("starters", "show", "otel")
    assert code == 2 and "Unknown starter 'otel'" in err
