"""Dagster as a data engineer runs it: the CLI on the workspace, and a PostgreSQL instance."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import psycopg
import pytest
import yaml

from dagster_defs.definitions import build_definitions
from registry_core.demo import seed_demo
from registry_core.service import Registry
from tests.conftest import PG_ADMIN_DSN, _admin
from tests.dagster.conftest import DAY, write_catalog

ROOT = Path(__file__).resolve().parents[2]
DAGSTER = str(Path(sys.executable).with_name("dagster"))


def _env(tmp_path: Path, db_url: str) -> dict[str, str]:
    home = tmp_path / "dagster-home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "LLMSR_DATABASE_URL": db_url,
        "LLMSR_CATALOG": str(write_catalog(tmp_path)),
        "LLMSR_GX_ROOT": str(tmp_path / "great_expectations"),
        "PYTHONWARNINGS": "ignore",
    }


@pytest.mark.slow
def test_workspace_validates_and_the_cli_materializes_everything(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'registry.db'}"
    registry = Registry(db_url)
    registry.migrate()
    seed_demo(registry)
    env = _env(tmp_path, db_url)
    validate = subprocess.run(
        [DAGSTER, "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert validate.returncode == 0, (validate.stdout + validate.stderr)[-3000:]
    assert "All code locations passed validation" in validate.stdout + validate.stderr
    run = subprocess.run(
        [
            DAGSTER,
            "asset",
            "materialize",
            "-m",
            "dagster_defs",
            "--select",
            "*",
            "--partition",
            DAY,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "RUN_SUCCESS" in run.stdout + run.stderr
    storage = tmp_path / "storage"
    for key in ("chat_sft/valid_records/all", f"inference_telemetry/drift_report/{DAY}"):
        assert list(storage.glob(f"{key}.*")), key
    assert {d.name for d in registry.datasets()} == {
        "chat_sft",
        "preference_pairs",
        "inference_telemetry",
        "mmlu_mini",
    }
    registry.close()


@pytest.mark.postgres
def test_a_run_on_a_dagster_postgres_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instance storage of deploy/dagster.yaml (scheme postgresql+psycopg2) runs a job."""
    db_url = f"sqlite:///{tmp_path / 'registry.db'}"
    registry = Registry(db_url)
    registry.migrate()
    seed_demo(registry)
    monkeypatch.setenv("LLMSR_DATABASE_URL", db_url)
    name = f"llmsr_dagster_{os.getpid()}"
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(f"CREATE DATABASE {name}")
    base = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_DSN)
    shipped = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    postgres_db = dict(shipped["storage"]["postgres"]["postgres_db"])
    postgres_db.update(
        username=base.get("user", "postgres"),
        password=base.get("password", ""),
        hostname=base.get("host", "127.0.0.1"),
        db_name=name,
        port=int(base.get("port", 5432)),
    )
    assert postgres_db["scheme"] == "postgresql+psycopg2"
    try:
        with dg.instance_for_test(
            overrides={"storage": {"postgres": {"postgres_db": postgres_db}}}
        ) as instance:
            defs = build_definitions(write_catalog(tmp_path))
            result = defs.resolve_job_def("chat_sft_job").execute_in_process(instance=instance)
            assert result.success
            runs = instance.get_runs()
            assert [r.run_id for r in runs] == [result.run_id]
            assert "Postgres" in type(instance.run_storage).__name__
        with psycopg.connect(PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}") as conn:
            stored = conn.execute("SELECT run_id, status FROM runs").fetchall()
        assert stored == [(result.run_id, "SUCCESS")]
    finally:
        registry.close()
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_dagster_dev_shows_every_asset_check_job_schedule_and_sensor(tmp_path: Path) -> None:
    """The UI's GraphQL API (what `dagster dev -w workspace.yaml` serves) lists them all."""
    import signal
    import time

    import httpx

    db_url = f"sqlite:///{tmp_path / 'registry.db'}"
    registry = Registry(db_url)
    registry.migrate()
    registry.close()
    port = _free_port()
    process = subprocess.Popen(
        [DAGSTER, "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=_env(tmp_path, db_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its webserver, daemon and code server go with it
    )
    query = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
        assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks {
            checks { name } } } }
        jobs { name } schedules { name } sensors { name } } } } }"""
    try:
        deadline = time.monotonic() + 90
        nodes = None
        while time.monotonic() < deadline:
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=5
                )
                found = answer.json()["data"]["repositoriesOrError"].get("nodes")
                if found:
                    nodes = found[0]
                    break
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            time.sleep(1)
        assert nodes is not None, "dagster dev did not answer within 90 s"
        assets = {"/".join(a["assetKey"]["path"]) for a in nodes["assetNodes"]}
        assert {
            "chat_sft/valid_records",
            "inference_telemetry/drift_report",
            "mmlu_mini/verdict",
        } <= assets
        checks = {c["name"] for a in nodes["assetNodes"] for c in a["assetChecksOrError"]["checks"]}
        assert {"quarantine_within_threshold", "content_hash_pinned", "schema_drift"} <= checks
        assert {"chat_sft_job", "mmlu_mini_job"} <= {j["name"] for j in nodes["jobs"]}
        assert "inference_telemetry_daily" in {s["name"] for s in nodes["schedules"]}
        assert {s["name"] for s in nodes["sensors"]} == {
            "registry_changes",
            "dataset_files",
            "record_run_failures",
        }
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
