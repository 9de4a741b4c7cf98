"""Dashboard speed: every page rendered against a registry the size of a busy deployment,
side by side with a baseline page (``make bench-dashboard``).

The registry: ``--subjects`` subjects x ``--versions`` versions (JSON Schema, each version one
field more), 25 pending proposals, ``--datasets`` datasets with a year of daily validation
reports, drift reports, benchmark verdicts and lineage edges (backdated a day apart), and the
audit trail all that wrote. Each page is run the way Streamlit's server runs it (AppTest,
in process): cold (caches cleared) and warm (cached reads). The baseline is a page that only
prints a title: the framework's own cost. With Chromium installed, each page is also timed in
a real browser against ``streamlit run``: a full page load (the app boots again, its scripts
from the browser's cache) until Streamlit's status widget is gone, after one warm-up load.
Target (issue 6): every page under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["schemas", "approvals", "lineage", "data_quality", "benchmarks", "audit"]


def say(message: str) -> None:
    print(f"bench-dashboard: {message}", file=sys.stderr, flush=True)


def seed(url: str, subjects: int, versions: int, datasets: int, days: int) -> None:
    from sqlalchemy import insert

    from registry_core.service import Registry
    from registry_core.storage.datasets import LE, RP
    from registry_core.storage.governance import DR

    registry = Registry(url)
    registry.migrate()
    registry.add_user("root", "admin")
    registry.add_user("rita", "reviewer", actor="root")
    registry.add_user("author", "writer", actor="root")
    registry.set_policy("team0.", prefix=True, owners=["data-platform"], actor="root")
    started = time.perf_counter()
    for s in range(subjects):
        subject = f"team{s % 10}.subject-{s:04d}-value"
        for v in range(versions):
            schema = {
                "title": f"Record{s}",
                "type": "object",
                "additionalProperties": False,
                "properties": {f"field_{i}": {"type": "string"} for i in range(v + 3)},
            }
            registry.register(subject, json.dumps(schema), "JSON", actor="author")
        if s % 100 == 99:
            rate = (s + 1) * versions / (time.perf_counter() - started)
            say(f"{s + 1:,} subjects registered ({rate:,.0f} versions/s)")
    registry.set_policy("team1.", prefix=True, review_required=True, actor="root")
    for p in range(25):
        schema = {
            "title": f"Record{p}",
            "type": "object",
            "additionalProperties": False,
            "properties": {f"field_{i}": {"type": "string"} for i in range(versions + 4)},
        }
        registry.propose(
            f"team1.subject-{10 * p + 1:04d}-value", json.dumps(schema), "JSON", actor="author"
        )
    now = datetime.now(UTC)
    reports, drifts, edges = [], [], []
    for d in range(datasets):
        name = f"dataset_{d:02d}"
        evaluation = d % 4 == 3
        subject = f"team{d % 10}.subject-{d:04d}-value"
        registry.register_dataset(
            name,
            kind="evaluation" if evaluation else "training",
            subject=subject,
            location=f"/data/{name}/*.jsonl",
            actor="root",
        )
        for day in range(days):
            at = now - timedelta(days=days - day)
            run = f"run-{d}-{day}"
            if evaluation:
                for check in ("unique_ids", "content_hash_pinned", "no_contamination"):
                    reports.append(
                        {"dataset": name, "kind": "benchmark", "run_id": run, "partition": None,
                         "passed": True, "created_at": at,
                         "summary": json.dumps({"check": check, "description": "ok"})}
                    )  # fmt: skip
                continue
            bad = (day * 7 + d) % 40
            summary = {
                "total": 10_000,
                "quarantined": bad,
                "quarantined_fraction": bad / 10_000,
                "threshold": 0.05,
                "errors_by_rule": {"enum": bad // 2, "type": bad - bad // 2},
                "samples": [
                    {"record": 1, "errors": [{"path": "/a", "rule": "enum", "message": "x"}]}
                ],
            }
            reports.append(
                {"dataset": name, "kind": "validation", "run_id": run, "partition": None,
                 "passed": True, "created_at": at, "summary": json.dumps(summary)}
            )  # fmt: skip
            columns = [
                {"column": f"c{c}", "kind": "numeric", "method": "wasserstein",
                 "statistic": ((day + c) % 17) / 100, "p_value": 0.5, "threshold": 0.1,
                 "drifted": False}
                for c in range(10)
            ]  # fmt: skip
            drifts.append(
                {"subject": subject, "dataset": name, "created_at": at, "drift_detected": False,
                 "report": json.dumps({"columns": columns, "drifted_columns": []})}
            )  # fmt: skip
            for source, target in (
                (f"schema:{subject}@{versions}", f"dataset:{name}"),
                (f"dataset:{name}", f"asset:{name}/valid_records"),
                (f"dataset:{name}", f"asset:{name}/quarantined_records"),
            ):
                edges.append({"source": source, "target": target, "run_id": run, "created_at": at})

    def bulk(conn: Any) -> None:
        conn.execute(insert(RP), reports)
        if drifts:
            conn.execute(insert(DR), drifts)
        if edges:
            conn.execute(insert(LE), edges)

    registry.db.run(bulk)
    say(f"{len(reports):,} reports, {len(drifts):,} drift reports, {len(edges):,} lineage edges")
    registry.close()


def measure(url: str, repeat: int) -> list[tuple[str, float, float]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["LLMSR_DATABASE_URL"] = url
    os.environ["LLMSR_USER"] = "rita"
    app = str(ROOT / "dashboard" / "app.py")
    baseline = Path(tempfile.mkdtemp()) / "baseline.py"
    baseline.write_text("import streamlit as st\nst.title('Baseline')\n")
    AppTest.from_file(str(baseline), default_timeout=120).run()  # warm up Streamlit itself
    rows = []
    for page in ["baseline", *PAGES]:
        cold, warm = [], []
        for _ in range(repeat):
            st.cache_data.clear()
            if page == "baseline":
                at = AppTest.from_file(str(baseline), default_timeout=120)
                started = time.perf_counter()
                at.run()
                cold.append(time.perf_counter() - started)
                started = time.perf_counter()
                at.run()
                warm.append(time.perf_counter() - started)
                continue
            at = AppTest.from_file(app, default_timeout=120)
            at.run()  # the default page (Schemas), caches filled for it
            st.cache_data.clear()
            started = time.perf_counter()
            at.switch_page(f"views/{page}.py").run()
            cold.append(time.perf_counter() - started)
            assert not at.exception, (page, at.exception)
            started = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - started)
        rows.append((page, min(cold), min(warm)))
    return rows


def measure_browser(url: str, repeat: int) -> dict[str, float]:
    """Seconds from navigating to a page until Streamlit finished rendering it (its status
    widget gone), in headless Chromium against ``streamlit run``; {} without Chromium."""
    import shutil as sh

    if not (sh.which("chromium") and sh.which("chromedriver")):
        say("no chromium/chromedriver: browser timings skipped")
        return {}
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.dashboard.test_browser import chrome, streamlit_app

    env = {**os.environ, "LLMSR_DATABASE_URL": url, "LLMSR_USER": "rita"}
    env.pop("LLMSR_DASHBOARD_USER_HEADER", None)
    chromium = (str(sh.which("chromium")), str(sh.which("chromedriver")))
    log = Path(tempfile.mkdtemp(prefix="llmsr-bench-streamlit-")) / "streamlit.log"
    timings: dict[str, float] = {}
    with streamlit_app(env, log) as base, chrome(chromium) as driver:
        wait = WebDriverWait(driver, 60)
        driver.get(f"{base}/")  # warm-up: the browser caches the app's scripts
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "h1"))
        for page in PAGES:
            path = "" if page == "schemas" else page
            best = float("inf")
            for _ in range(repeat):
                started = time.perf_counter()
                driver.get(f"{base}/{path}")
                wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "h1"))
                wait.until(
                    lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
                )
                best = min(best, time.perf_counter() - started)
            timings[page] = best
    shutil.rmtree(log.parent, ignore_errors=True)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--datasets", type=int, default=12)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--database-url", help="an existing seeded registry (skips seeding)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="llmsr-bench-dashboard-"))
    url = args.database_url or f"sqlite:///{work / 'registry.db'}"
    try:
        if not args.database_url:
            say(f"seeding {args.subjects:,} subjects x {args.versions} versions")
            seed(url, args.subjects, args.versions, args.datasets, args.days)
        rows = measure(url, args.repeat)
        browser = {} if args.no_browser else measure_browser(url, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base_cold = rows[0][1]
    print(
        f"\n{args.subjects:,} subjects x {args.versions} versions, {args.datasets} datasets x "
        f"{args.days} days; best of {args.repeat}"
    )
    print(f"{'page':<14} {'cold s':>7} {'x base':>7} {'warm s':>7} {'browser s':>10}  < 2 s?")
    for page, cold, warm in rows:
        ratio = "-" if page == "baseline" else f"{cold / base_cold:.1f}"
        seen = browser.get(page)
        shown = f"{seen:>10.2f}" if seen is not None else f"{'-':>10}"
        worst = max(cold, warm, seen or 0.0)
        met = "-" if page == "baseline" else ("yes" if worst < 2 else "NO")
        print(f"{page:<14} {cold:>7.2f} {ratio:>7} {warm:>7.2f} {shown}  {met}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
