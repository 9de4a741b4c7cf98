"""Orchestration overhead: a 1M-event Parquet dataset validated as a Dagster asset, against the
same split done by the registry directly, side by side (``make bench-orchestration``).

Scenarios, each against its named baseline in the same run:
- in process: ``Registry.validate_files`` (baseline) vs the dataset's Dagster job executed in
  process on an ephemeral instance (the split multi-asset, its blocking quarantine check, the
  IO manager, input hashing, registry reports and lineage);
- end to end: ``llmsr validate`` (baseline) vs ``dagster asset materialize`` of the dataset,
  both as subprocesses (interpreter, imports, definitions loading and all).
Target (issue 5): the asset takes less than 1.5x the time of ``llmsr validate``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

from data import SCHEMA, events, say  # noqa: E402

SUBJECT = "events-value"


def timed(action: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each (best is kept)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="llmsr-bench-dagster-"))
    db = f"sqlite:///{work / 'registry.db'}"
    env = {
        **os.environ,
        "LLMSR_DATABASE_URL": db,
        "DAGSTER_HOME": str(work / "dagster-home"),
        "LLMSR_CATALOG": str(work / "catalog.yaml"),
        "PYTHONWARNINGS": "ignore",
    }
    os.environ.update({k: env[k] for k in ("LLMSR_DATABASE_URL", "LLMSR_CATALOG")})
    (work / "dagster-home").mkdir()
    (work / "dagster-home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    try:
        from registry_core.service import Registry

        registry = Registry(db)
        registry.migrate()
        registry.register(SUBJECT, json.dumps(SCHEMA), "JSON")
        say(f"generating {args.rows:,} events")
        records, defects = events(args.rows)
        parquet = work / "events.parquet"
        pq.write_table(pa.Table.from_pylist(records), parquet, row_group_size=250_000)
        del records
        catalog = {
            "storage_root": str(work / "storage"),
            "datasets": [
                {
                    "name": "events",
                    "kind": "training",
                    "path": str(parquet),
                    "subject": SUBJECT,
                    "version": "latest",
                    "max_invalid_fraction": 0.05,
                }
            ],
        }
        (work / "catalog.yaml").write_text(yaml.safe_dump(catalog))

        import dagster as dg

        from dagster_defs.definitions import build_definitions

        defs = build_definitions(work / "catalog.yaml")
        job = defs.resolve_job_def("events_job")
        results = []

        def direct() -> Any:
            out = work / "direct"
            shutil.rmtree(out, ignore_errors=True)
            return registry.validate_files(parquet, SUBJECT, out_dir=out)

        def asset() -> Any:
            with dg.DagsterInstance.ephemeral() as instance:
                result = job.execute_in_process(instance=instance)
            assert result.success
            return result

        base = min(timed(direct)[0] for _ in range(args.repeat))
        ours = min(timed(asset)[0] for _ in range(args.repeat))
        results.append(("Registry.validate_files, in process (baseline)", base, None))
        results.append(("events_job in process (asset + check + IO)", ours, base))

        def cli(command: list[str], ok: tuple[int, ...]) -> float:
            seconds, done = timed(
                lambda: subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
            )
            if done.returncode not in ok:
                raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
            return float(seconds)

        llmsr = [sys.executable, "-m", "registry_core.cli", "validate", str(parquet),
                 "--subject", SUBJECT, "--out", str(work / "cli")]  # fmt: skip
        dagster = [str(Path(sys.executable).with_name("dagster")), "asset", "materialize",
                   "-m", "dagster_defs", "--select", "group:events"]  # fmt: skip
        base_cli = min(cli(llmsr, (0, 1)) for _ in range(args.repeat))  # 1: some quarantined
        ours_cli = min(cli(dagster, (0,)) for _ in range(args.repeat))
        results.append(("llmsr validate, end to end (baseline)", base_cli, None))
        results.append(("dagster asset materialize, end to end", ours_cli, base_cli))
        registry.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.rows:,} events, {defects:,} invalid, Parquet; best of {args.repeat}")
    print(f"{'scenario':<50} {'seconds':>8} {'x base':>7}")
    for name, seconds, baseline in results:
        ratio = f"{seconds / baseline:.2f}" if baseline else "-"
        print(f"{name:<50} {seconds:>8.2f} {ratio:>7}")
    print("target: the asset under 1.5x llmsr validate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
