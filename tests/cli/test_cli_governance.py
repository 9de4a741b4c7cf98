"""The governance commands of ``llmsr``: users, policy, propose, review, lifecycle, audit,
sinks and deliveries, with their exit codes; and ``serve`` refusing to be open to the network."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from registry_core.cli import main
from tests.cli.test_cli import Run, run, schemas  # noqa: F401  (fixtures)
from tests.receivers import WebhookReceiver
from tests.servers import free_port


def test_bootstrap_users_and_keys(run: Run) -> None:  # noqa: F811
    code, out, _ = run("users", "add", "ada", "--role", "admin")
    assert code == 0 and "shown once" in out and "basic.auth.user.info=ada:llmsr_" in out
    code, out, _ = run("users", "add", "walt", "--role", "writer", "--as", "ada", "--json")
    assert code == 0 and json.loads(out)["apiKey"].startswith("llmsr_")
    # once users exist, only an admin adds more
    code, _, err = run("users", "add", "eve", "--role", "admin", "--as", "walt")
    assert code == 2 and "needs the admin role; 'walt' is a writer" in err
    code, _, err = run("users", "add", "eve", "--role", "admin", "--as", "nobody")
    assert code == 2 and "User 'nobody' not found" in err
    code, out, _ = run("users", "list")
    assert out.splitlines() == ["ada\tadmin", "walt\twriter"]
    code, out, _ = run("users", "set", "walt", "--disable", "--as", "ada")
    assert code == 0 and "disabled" in out


def test_propose_review_and_audit_from_the_command_line(
    run: Run,  # noqa: F811
    schemas: dict[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    for name, role in [("ada", "admin"), ("walt", "writer"), ("rita", "reviewer")]:
        assert run("users", "add", name, "--role", role, "--as", "ada")[0] == 0
    assert run("register", "events-value", str(schemas["v1"]))[0] == 0
    code, out, _ = run(
        "policy", "set", "--prefix", "events", "--review-required", "--reviewer", "rita",
        "--as", "ada",
    )  # fmt: skip
    assert code == 0 and "review required" in out and "reviewers rita" in out
    code, out, _ = run("policy", "show", "events-value", "--json")
    assert json.loads(out)["policy"]["prefix"] == "events"

    # a plain registration is held for review (exit 1, the proposal named)
    code, _, err = run("register", "events-value", str(schemas["v2"]), "--as", "walt")
    assert code == 1 and "review required" in err and "proposal 1" in err
    code, out, _ = run("propose", "events-value", str(schemas["v2"]), "--as", "walt")
    assert code == 0 and out.startswith("proposal 1: events-value")  # the same proposal
    assert "added" in out and "/lang" in out and "semver bump: minor -> 1.1.0" in out
    code, _, err = run("propose", "events-value", str(schemas["breaking"]), "--as", "walt")
    assert code == 1 and "incompatible" in err

    code, _, err = run("review", "1", "--approve", "--as", "walt")
    assert code == 2 and "only reviewers of subject 'events-value' (rita)" in err
    code, _, err = run("review", "1", "--reject", "--as", "rita")
    assert code == 2 and "comment is required" in err
    code, out, _ = run("review", "1", "--approve", "--comment", "ok", "--as", "rita")
    assert code == 0 and "registered as version 2" in out
    code, out, _ = run("proposals", "--state", "APPROVED")
    assert out.startswith("1\tAPPROVED\tevents-value\twalt\tminor\t")

    code, out, _ = run("lifecycle", "events-value", "1", "DEPRECATED", "--as", "ada")
    assert code == 0 and out.strip() == "events-value version 1: DEPRECATED"
    code, _, err = run("lifecycle", "events-value", "1", "DRAFT", "--as", "ada")
    assert code == 2 and "allowed next states: ACTIVE, ARCHIVED" in err
    code, out, _ = run("lifecycle")
    assert "IN_REVIEW   -> APPROVED    approve     by admin or reviewer (never the author)" in out

    code, out, _ = run("audit", "--subject", "events-value")
    actions = [line.split()[3] for line in out.splitlines()]
    assert actions == [
        "schema.registered",
        "proposal.created",
        "schema.registered",
        "proposal.approved",
        "version.deprecated",
    ]
    export = tmp_path / "audit.jsonl"
    code, _, err = run("audit", "--action", "proposal.*", "--jsonl", "--out", str(export))
    assert code == 0 and "wrote 2 audit events" in err
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert [e["actor"] for e in lines][1] == "rita"
    code, _, err = run("audit", "--since", "last week")
    assert code == 2 and "--since must be an ISO-8601 time" in err


def test_sinks_deliveries_and_one_dispatch_round(run: Run, schemas: dict[str, Path]) -> None:  # noqa: F811
    with WebhookReceiver(secret="s") as receiver:
        code, out, _ = run("sinks", "add-webhook", "hook", receiver.url, "--secret", "s")
        assert code == 0 and "delivers *" in out
        code, _, err = run("sinks", "add-webhook", "bad", "ftp://x", "--secret", "s")
        assert code == 2 and "needs a http or https URL" in err
        run("register", "events-value", str(schemas["v1"]))
        receiver.fail_next(1)
        code, _, err = run("dispatch", "--once", "--base-delay", "0")
        assert code == 1 and "retrying 1" in err
        code, _, err = run("dispatch", "--once")
        assert code == 0 and "delivered 1" in err
        code, out, _ = run("deliveries", "--json")
        [delivery] = json.loads(out)
        assert (delivery["state"], delivery["attempts"]) == ("delivered", 2)
        code, out, _ = run("sinks", "list")
        assert "delivered=1" in out


def test_serve_refuses_a_public_address_without_users(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["--database-url", db_url, "serve", "--host", "0.0.0.0", "--port", "1"])
    assert code == 2
    assert "refusing to listen on 0.0.0.0 with no users defined" in capsys.readouterr().err
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "registry_core.cli", "--database-url", db_url, "serve",
         "--host", "0.0.0.0", "--port", str(port), "--insecure"],
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                break
            import time

            time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{port}/subjects", timeout=5).json() == []
    finally:
        server.terminate()
        _, err = server.communicate(timeout=15)
    assert b"WARNING: open API (no users) on 0.0.0.0" in err
