"""Load the registry's read and write paths and print one table (``make bench``).

Steps: create a fresh PostgreSQL database (or use ``--database-url``), migrate it with
``llmsr db upgrade``, seed ``--schemas`` distinct Avro schemas, start ``llmsr serve --workers W``,
then for each worker count: a wrk run per read scenario (``GET /`` as the HTTP stack's ceiling,
``GET /schemas/ids/{id}``, ``GET /subjects/{s}/versions/latest``, random id or subject per
request, and latest again while new versions of the read subjects are registered at a steady
rate, which invalidates the servers' caches), and the latency of registering new schemas over
HTTP (one client, then 8 concurrent clients). The table goes to stdout, everything else to
``bench/results/<timestamp>.json`` and ``bench/results/<timestamp>/``. The server is stopped and
the bench database dropped at the end, also on Ctrl-C or failure. See bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
LUA_SCRIPT = BENCH_DIR / "wrk_random.lua"
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/llmsr_bench"
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
CLK_TCK = os.sysconf("SC_CLK_TCK")

try:
    import httpx
    import psycopg
    from llm_schemas import SchemaSpec, iter_subjects, plan, subject_schemas
    from sqlalchemy.engine import URL, make_url

    from registry_core import Registry, SchemaType
except ImportError as exc:  # pragma: no cover - depends on how the script is started
    sys.exit(
        f"bench: cannot import {exc.name!r}: run it with the project's venv "
        "(`make bench`, or `.venv/bin/python bench/run.py`)"
    )


class BenchError(Exception):
    """A failure worth one line on stderr (exit 2), not a traceback."""


@dataclass
class Credentials:
    """API keys of the ``--auth`` run (users bench-reader and bench-writer); empty otherwise."""

    reader_header: str | None = None  # "Authorization: Basic ..." for wrk
    writer: tuple[str, str] | None = None  # (user, key) for httpx

    def headers(self) -> dict[str, str]:
        if self.reader_header is None:
            return {}
        name, value = self.reader_header.split(": ", 1)
        return {name: value}


CREDENTIALS = Credentials()


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- targets and results -----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    min_rps: float | None = None
    max_p95_ms: float | None = None
    max_p99_ms: float | None = None

    def describe(self) -> str:
        parts = []
        if self.min_rps is not None:
            parts.append(f">={self.min_rps:,.0f}/s")
        if self.max_p95_ms is not None:
            parts.append(f"p95<{self.max_p95_ms:g}ms")
        if self.max_p99_ms is not None:
            parts.append(f"p99<{self.max_p99_ms:g}ms")
        return ", ".join(parts) or "-"

    def met(self, rps: float, latency_ms: dict[str, float], errors: int) -> bool | None:
        if self.min_rps is None and self.max_p95_ms is None and self.max_p99_ms is None:
            return None
        return (
            errors == 0
            and (self.min_rps is None or rps >= self.min_rps)
            and (self.max_p95_ms is None or latency_ms["p95"] < self.max_p95_ms)
            and (self.max_p99_ms is None or latency_ms["p99"] < self.max_p99_ms)
        )


@dataclass(frozen=True)
class ReadScenario:
    name: str
    label: str
    target: Target


BASELINE = ReadScenario("baseline", "GET / (baseline: HTTP stack only)", Target())
BY_ID = ReadScenario("schema_by_id", "GET /schemas/ids/{id}", Target(min_rps=10_000, max_p99_ms=10))
LATEST = ReadScenario("latest_version", "GET /subjects/{s}/versions/latest", Target(min_rps=5_000))
# the same paths while new versions of those subjects are registered (informational)
LATEST_WRITING = ReadScenario("latest_while_writing", "  ... while registering", Target())
REGISTER_TARGET = Target(max_p95_ms=20)


@dataclass
class Result:
    scenario: str
    label: str
    workers: int
    requests: int
    duration_s: float
    rps: float
    latency_ms: dict[str, float]
    errors: dict[str, int]
    target: str
    met: bool | None
    vs_baseline: float | None = None
    cpu_cores: dict[str, float] = field(default_factory=dict)
    server_cpu_us_per_request: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


# --- machine and CPU accounting ------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return " ".join(line.split(":", 1)[1].split())
    return platform.processor() or "unknown CPU"


def memory_gib() -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def proc_ticks(pid: int) -> int:
    """utime + stime of one process (its own, not its children's), in jiffies."""
    try:
        rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(rest[11]) + int(rest[12])


def _all_pids() -> Iterator[int]:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            yield int(entry.name)


def process_tree(root: int) -> set[int]:
    parents: dict[int, list[int]] = {}
    for pid in _all_pids():
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(pid)
    tree, todo = {root}, [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in tree:
                tree.add(child)
                todo.append(child)
    return tree


def postgres_backends(dbname: str) -> set[int]:
    """PostgreSQL backends serving ``dbname`` (their title is 'postgres: USER DB HOST ...')."""
    found = set()
    needle = f" {dbname} ".encode()
    for pid in _all_pids():
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres: ") and needle in title.replace(b"\0", b" "):
            found.add(pid)
    return found


class CpuMeter:
    """CPU used during a run by the server's processes, the load generator, the database's
    backends and everything else on the machine, in cores (1.0 = one core busy)."""

    def __init__(self, server_pid: int | None, dbname: str | None) -> None:
        self.server_pid = server_pid
        self.dbname = dbname

    def _groups(self) -> dict[str, set[int]]:
        groups: dict[str, set[int]] = {}
        if self.server_pid is not None:
            groups["server"] = process_tree(self.server_pid)
        if self.dbname:
            groups["postgres"] = postgres_backends(self.dbname)
        return groups

    def _client_seconds(self) -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    def __enter__(self) -> CpuMeter:
        self._start_groups = {
            name: {pid: proc_ticks(pid) for pid in pids} for name, pids in self._groups().items()
        }
        self._start_client = self._client_seconds()
        self._start_machine = machine_ticks()
        self._started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        busy = (machine_ticks()[0] - self._start_machine[0]) / CLK_TCK / elapsed
        cores: dict[str, float] = {}
        for name, pids in self._groups().items():
            before = self._start_groups.get(name, {})
            ticks = sum(max(proc_ticks(pid) - before.get(pid, 0), 0) for pid in pids)
            cores[name] = ticks / CLK_TCK / elapsed
        cores["client"] = (self._client_seconds() - self._start_client) / elapsed
        cores["other"] = max(busy - sum(cores.values()), 0.0)
        cores["machine"] = busy
        self.cores = {k: round(v, 2) for k, v in cores.items()}
        self.elapsed = elapsed

    def server_us_per_request(self, requests: int) -> float | None:
        """Server CPU time per request, in microseconds."""
        if not requests or "server" not in self.cores:
            return None
        return round(self.cores["server"] * self.elapsed / requests * 1e6, 1)


NOISY_CORES = 0.3  # "other" CPU above this during a run marks its figures as disturbed


def background_load(seconds: float = 2.0) -> float:
    """Cores kept busy by other processes while the bench itself is idle."""
    start, began = machine_ticks()[0], time.monotonic()
    time.sleep(seconds)
    return (machine_ticks()[0] - start) / CLK_TCK / (time.monotonic() - began)


def wait_quiet(max_wait: float) -> None:
    """Wait up to ``max_wait`` seconds for other processes to leave the CPUs idle."""
    if max_wait <= 0:
        return
    deadline = time.monotonic() + max_wait
    load = background_load(1.0)
    if load <= NOISY_CORES:
        return
    say(f"  waiting up to {max_wait:.0f}s for a quiet machine (others use {load:.2f} cores)")
    while load > NOISY_CORES and time.monotonic() < deadline:
        load = background_load(1.0)
    if load > NOISY_CORES:
        say(f"  still busy ({load:.2f} cores): measuring anyway")


# --- tools: wrk, the llmsr CLI ---------------------------------------------------------------


def ensure_wrk() -> str:
    """The path of wrk, installing it with apt-get (Debian/Ubuntu) when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") is None:
        raise BenchError(
            "wrk is not installed and apt-get is not available: install wrk "
            "(https://github.com/wg/wrk, or your package manager) and run again"
        )
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise BenchError(
                "wrk is not installed and installing it needs root: apt-get install wrk"
            )
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        say(f"wrk not found; running: {' '.join(prefix + command)}")
        done = subprocess.run(prefix + command, env=env, check=False)
        if done.returncode != 0:
            raise BenchError(
                f"`{' '.join(prefix + command)}` failed (exit {done.returncode}); install wrk "
                "by hand and run again"
            )
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get installed wrk, but it is not on PATH")
    return found


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split("Copyright")[0].strip() if first else "wrk"


def llmsr_command() -> list[str]:
    script = Path(sys.executable).parent / "llmsr"
    return [str(script)] if script.exists() else [sys.executable, "-m", "registry_core.cli"]


def git_commit() -> str | None:
    """HEAD's short hash, with "+changes" when registry_core differs from it (read-only git)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # never refresh or write the index

    def git(*args: str) -> str | None:
        done = subprocess.run(
            ["git", *args], cwd=BENCH_DIR, env=env, capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else None

    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return None
    changes = git("status", "--porcelain", "--untracked-files=no", "--", "../registry_core")
    return f"{head}+changes" if changes else head


# --- the database ----------------------------------------------------------------------------


class BenchDatabase:
    """The database under test: created fresh (and dropped at the end) unless given."""

    def __init__(self, url: str | None) -> None:
        self.owned = url is None
        self.url: URL = make_url(url or DEFAULT_DATABASE_URL)
        self.created = False

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @property
    def dbname(self) -> str | None:
        return self.url.database if self.is_postgres else None

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=self.url.host or "127.0.0.1",
            port=self.url.port or 5432,
            user=self.url.username or "postgres",
            password=self.url.password or None,
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        )

    def create(self) -> None:
        if not self.owned:
            return
        name = self.url.database
        try:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
        except psycopg.Error as exc:
            raise BenchError(
                f"cannot create database {name} on {self.url.host}:{self.url.port or 5432}: "
                f"{str(exc).strip().splitlines()[0]}"
            ) from exc
        self.created = True

    def drop(self) -> None:
        if not (self.owned and self.created):
            return
        try:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.url.database}" WITH (FORCE)')
        except psycopg.Error as exc:
            say(f"WARNING: could not drop database {self.url.database}: {exc}".strip())
            return
        self.created = False
        say(f"dropped database {self.url.database}")

    def migrate(self) -> None:
        command = [*llmsr_command(), "--database-url", self.url_text, "db", "upgrade"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or [f"exit {done.returncode}"]
            raise BenchError(f"`llmsr db upgrade` failed: {lines[0][:300]}")

    @property
    def url_text(self) -> str:
        return self.url.render_as_string(hide_password=False)

    def describe(self) -> str:
        if not self.is_postgres:
            return f"{self.url.get_backend_name()} {self.url.database}"
        version = "?"
        with contextlib.suppress(psycopg.Error), self._admin() as admin:
            row = admin.execute("SHOW server_version").fetchone()
            version = str(row[0]).split()[0] if row else "?"
        where = f"{self.url.host}:{self.url.port or 5432}/{self.url.database}"
        return f"PostgreSQL {version} at {where}" + (" (fresh)" if self.owned else "")


# --- seeding ---------------------------------------------------------------------------------


@dataclass
class Seeded:
    ids: list[int]
    latest: dict[str, int]  # subject -> id of its latest version


def create_users(db_url: str) -> tuple[str, tuple[str, str]]:
    """A reader (wrk's Basic header) and a writer (httpx's auth) for ``--auth`` runs."""
    registry = Registry(db_url)
    try:
        registry.add_user("bench-admin", "admin")
        reader = registry.add_user("bench-reader", "reader", actor="bench-admin")
        writer = registry.add_user("bench-writer", "writer", actor="bench-admin")
    finally:
        registry.close()
    token = base64.b64encode(f"bench-reader:{reader}".encode()).decode()
    return f"Authorization: Basic {token}", ("bench-writer", writer)


def seed(db_url: str, specs: Sequence[SchemaSpec], threads: int = 4) -> Seeded:
    """Register ``specs`` directly through ``registry_core.Registry`` (no HTTP), in parallel
    over subjects, each subject's versions in order."""
    registry = Registry(db_url, pool_size=threads)
    subjects = list(iter_subjects(list(specs)))
    lanes: list[list[SchemaSpec]] = [[] for _ in range(threads)]
    lane_of = {subject: i % threads for i, subject in enumerate(subjects)}
    for spec in specs:
        lanes[lane_of[spec.subject]].append(spec)
    ids: dict[tuple[str, int], int] = {}
    failures: list[BaseException] = []

    def work(lane: list[SchemaSpec]) -> None:
        try:
            for spec in lane:
                result = registry.register(spec.subject, spec.schema, SchemaType.AVRO)
                ids[(spec.subject, spec.version)] = result.version.schema_id
        except BaseException as exc:  # reported by the caller
            failures.append(exc)

    pool = [threading.Thread(target=work, args=(lane,), daemon=True) for lane in lanes]
    try:
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    finally:
        registry.close()
    if failures:
        raise BenchError(f"seeding failed: {failures[0]!r}")
    all_ids = [ids[(s.subject, s.version)] for s in specs]
    if len(set(all_ids)) != len(all_ids):
        raise BenchError(
            f"seeding gave {len(set(all_ids))} distinct ids for {len(all_ids)} schemas"
        )
    highest: dict[str, int] = {}
    for spec in specs:
        highest[spec.subject] = max(highest.get(spec.subject, 0), spec.version)
    latest = {subject: ids[(subject, version)] for subject, version in highest.items()}
    return Seeded(ids=all_ids, latest=latest)


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``llmsr serve`` in its own process group, logging to a file."""

    def __init__(self, db_url: str, workers: int, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_path = log_path
        env = {**os.environ, "LLMSR_DATABASE_URL": db_url}
        command = [*llmsr_command(), "serve", "--port", str(self.port), "--workers", str(workers)]
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # Ctrl-C goes to us; we stop it (and its workers)
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-1500:]
                raise BenchError(f"llmsr serve exited with {self.process.returncode}:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise BenchError(f"llmsr serve did not answer /health within {timeout:.0f}s")
        # with several workers /health proves only one of them is up: wait for the rest
        deadline = time.monotonic() + timeout
        while self.workers > 1 and len(process_tree(self.pid)) < self.workers + 1:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(1.0 if self.workers > 1 else 0.2)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # a worker left behind in our session
            os.killpg(self.process.pid, signal.SIGKILL)


# --- read scenarios (wrk) ------------------------------------------------------------------


def write_paths(path: Path, paths: Sequence[str]) -> Path:
    path.write_text("".join(f"{p}\n" for p in paths))
    return path


def subject_path(subject: str) -> str:
    return f"/subjects/{quote(subject, safe='')}/versions/latest"


def run_wrk(
    wrk: str,
    url: str,
    paths_file: Path,
    *,
    duration: float,
    connections: int,
    threads: int,
    seed_value: int,
    raw_out: Path | None,
) -> dict[str, Any]:
    command = [
        wrk,
        "--latency",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(round(duration), 1)}s",
        "--timeout",
        "5s",
        *(["-H", CREDENTIALS.reader_header] if CREDENTIALS.reader_header else []),
        "-s",
        str(LUA_SCRIPT),
        url,
        "--",
        str(paths_file),
        str(seed_value),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    if raw_out is not None:
        raw_out.write_text(f"$ {' '.join(command)}\n{done.stdout}{done.stderr}")
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            parsed: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
            return parsed
    raise BenchError(f"wrk failed (exit {done.returncode}): {(done.stderr or done.stdout)[-500:]}")


def read_result(scenario: ReadScenario, workers: int, raw: dict[str, Any]) -> Result:
    seconds = raw["duration_us"] / 1e6
    latency = {k: v / 1000 for k, v in raw["latency_us"].items()}
    errors = {
        "http": raw["errors"]["status"],
        "socket": sum(raw["errors"][k] for k in ("connect", "read", "write", "timeout")),
    }
    rps = raw["requests"] / seconds
    return Result(
        scenario=scenario.name,
        label=scenario.label,
        workers=workers,
        requests=raw["requests"],
        duration_s=round(seconds, 3),
        rps=round(rps, 1),
        latency_ms={k: round(v, 3) for k, v in latency.items()},
        errors=errors,
        target=scenario.target.describe(),
        met=scenario.target.met(rps, latency, sum(errors.values())),
    )


# --- registration latency (httpx) ----------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(int(-(-q / 100 * len(sorted_values) // 1)) - 1, 0)
    return sorted_values[min(rank, len(sorted_values) - 1)]


def register_over_http(
    url: str, specs: Sequence[SchemaSpec], clients: int
) -> tuple[list[float], float, list[str]]:
    """POST every spec (``clients`` threads, one keep-alive httpx client each, taking the next
    spec from a shared cursor); returns the latencies in ms, the wall time and the failures."""
    cursor = iter(range(len(specs)))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def work() -> None:
        with httpx.Client(
            base_url=url,
            timeout=60.0,
            headers={"Content-Type": CONTENT_TYPE},
            auth=CREDENTIALS.writer,
        ) as c:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                spec = specs[index]
                body = json.dumps({"schema": spec.schema})
                started = time.perf_counter()
                try:
                    response = c.post(
                        f"/subjects/{quote(spec.subject, safe='')}/versions", content=body
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    ok = response.status_code == 200 and isinstance(response.json().get("id"), int)
                    problem = None if ok else f"{response.status_code} {response.text[:200]}"
                except httpx.HTTPError as exc:
                    elapsed = (time.perf_counter() - started) * 1000
                    problem = f"{type(exc).__name__}: {exc}"
                with lock:
                    latencies.append(elapsed)
                    if problem:
                        failures.append(problem)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - began, failures


class PacedWriter:
    """Registers ``specs`` one by one at ``rate`` per second in a thread, until stopped."""

    def __init__(self, url: str, specs: Iterator[SchemaSpec], rate: float) -> None:
        self.url, self.specs, self.rate = url, specs, rate
        self.sent = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, daemon=True)

    def _work(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60.0, auth=CREDENTIALS.writer) as client:
            began = time.perf_counter()
            while not self._stop.is_set():
                spec = next(self.specs, None)
                if spec is None:
                    self.failures.append("ran out of schemas to register")
                    return
                answer = client.post(
                    f"/subjects/{quote(spec.subject, safe='')}/versions",
                    json={"schema": spec.schema},
                )
                self.sent += 1
                if answer.status_code != 200:
                    self.failures.append(f"{answer.status_code} {answer.text[:200]}")
                self._stop.wait(max(0.0, began + self.sent / self.rate - time.perf_counter()))

    def __enter__(self) -> PacedWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def next_versions(specs: Sequence[SchemaSpec], count: int) -> Iterator[SchemaSpec]:
    """``count`` further versions of the seeded subjects, version by version across subjects."""
    have: dict[str, int] = {}
    for spec in specs:
        have[spec.subject] = max(have.get(spec.subject, 0), spec.version)
    extra = -(-count // len(have)) + 1
    later = [
        subject_schemas(index, versions + extra)[versions:]
        for index, versions in enumerate(have.values())
    ]
    for round_ in range(extra):
        for subject_specs in later:
            yield subject_specs[round_]


def register_result(
    name: str, label: str, workers: int, latencies: list[float], wall: float, failures: list[str]
) -> Result:
    ordered = sorted(latencies)
    latency = {
        "min": ordered[0] if ordered else float("nan"),
        "mean": sum(ordered) / len(ordered) if ordered else float("nan"),
        **{f"p{q:g}": percentile(ordered, q) for q in (50, 75, 90, 95, 99, 99.9)},
        "max": ordered[-1] if ordered else float("nan"),
    }
    target = REGISTER_TARGET if name == "register_1" else Target()
    rps = len(latencies) / wall if wall else 0.0
    return Result(
        scenario=name,
        label=label,
        workers=workers,
        requests=len(latencies),
        duration_s=round(wall, 3),
        rps=round(rps, 1),
        latency_ms={k: round(v, 3) for k, v in latency.items()},
        errors={"http": len(failures), "socket": 0},
        target=target.describe(),
        met=target.met(rps, latency, len(failures)),
        notes=failures[:3],
    )


# --- the table -------------------------------------------------------------------------------


def fmt_ms(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def render_table(results: Sequence[Result]) -> str:
    headers = [
        "W",
        "scenario",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "target",
        "met?",
        "x base",
        "CPU srv/cli/pg/other",
    ]
    right = {0, 2, 3, 4, 5, 6, 9}
    rows = []
    for r in results:
        cpu = r.cpu_cores
        rows.append(
            [
                str(r.workers),
                r.label,
                f"{r.rps:,.0f}",
                fmt_ms(r.latency_ms["p50"]),
                fmt_ms(r.latency_ms["p95"]),
                fmt_ms(r.latency_ms["p99"]),
                str(r.error_count),
                r.target,
                {True: "yes", False: "NO", None: "-"}[r.met],
                f"{r.vs_baseline:.2f}" if r.vs_baseline is not None else "-",
                "/".join(f"{cpu.get(k, 0):.2f}" for k in ("server", "client", "postgres", "other"))
                + (" *" if cpu.get("other", 0) > NOISY_CORES else ""),
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    previous = None
    for r, row in zip(results, rows, strict=True):
        if previous is not None and r.workers != previous:
            out.append("")
        previous = r.workers
        out.append(line(row))
    if any(r.cpu_cores.get("other", 0) > NOISY_CORES for r in results):
        out.append(
            f"* other processes used more than {NOISY_CORES} cores during this run: "
            "its figures are low and noisy"
        )
    return "\n".join(out)


# --- orchestration ---------------------------------------------------------------------------


def worker_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or N,M,...: {text!r}") from None
    if not counts or any(c < 1 or c > 64 for c in counts):
        raise argparse.ArgumentTypeError(f"worker counts must be 1-64: {text!r}")
    return counts


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Load the registry with wrk and httpx; print one table (bench/README.md).",
    )
    parser.add_argument("--duration", type=float, help="seconds per wrk run (default 15; quick 3)")
    parser.add_argument(
        "--warmup", type=float, help="seconds per warm-up round before each run (3; quick 1)"
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--workers",
        type=worker_counts,
        default=[2],
        help="server workers; a list such as 1,2,3 repeats every scenario per count (2)",
    )
    parser.add_argument(
        "--schemas", type=int, help="schemas to seed, 10 per subject (1000; quick 200)"
    )
    parser.add_argument(
        "--registrations",
        type=int,
        help="new schemas registered per pass for the write latency, 0 to skip (500; quick 100)",
    )
    parser.add_argument(
        "--register-clients", type=int, default=8, help="clients of the concurrent pass (8)"
    )
    parser.add_argument(
        "--database-url",
        help="use this database as is (not dropped); default: a fresh PostgreSQL database "
        "llmsr_bench on 127.0.0.1:5432, dropped at the end",
    )
    parser.add_argument(
        "--write-rate",
        type=float,
        default=10.0,
        help="registrations per second during the second latest run, 0 to skip it (10)",
    )
    parser.add_argument(
        "--auth",
        action="store_true",
        help="create users first, so every request carries an API key (HTTP Basic)",
    )
    parser.add_argument("--quick", action="store_true", help="a 3 s smoke run with less data")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the wrk scripts (42)")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each run, wait up to SECONDS for other processes to leave the CPUs idle "
        "(for shared machines; default 0: do not wait)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "duration": 3.0 if quick else 15.0,
        "warmup": 1.0 if quick else 3.0,
        "schemas": 200 if quick else 1000,
        "registrations": 100 if quick else 500,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.schemas < 1:
        parser.error("--schemas must be at least 1")
    if args.threads < 1 or args.connections < args.threads:
        parser.error("wrk needs --threads >= 1 and --connections >= --threads")
    return args


MAX_WARMUP_ROUNDS = 8


def warm_up(
    wrk: str,
    url: str,
    paths_file: Path,
    *,
    workers: int,
    seconds: float,
    common: dict[str, Any],
) -> int:
    """Run wrk unmeasured until every worker has most likely seen every path; return the rounds.

    A round lasts ``seconds``. Caches live in each worker process and the kernel spreads the
    connections over the workers, so a path is cached everywhere once each worker has received
    about 20 requests per distinct path (coupon collector, with slack for an uneven spread of
    connections). Rounds go on until that many requests were sent, at most 8.
    """
    distinct = sum(1 for line in paths_file.read_text().splitlines() if line)
    needed = 20 * distinct * workers
    sent = 0
    for round_number in range(1, MAX_WARMUP_ROUNDS + 1):
        raw = run_wrk(wrk, url, paths_file, duration=seconds, raw_out=None, **common)
        sent += int(raw["requests"])
        if sent >= needed:
            return round_number
    say(f"  warm-up stopped after {MAX_WARMUP_ROUNDS} rounds: {sent} of {needed} requests")
    return MAX_WARMUP_ROUNDS


def run_workers(
    args: argparse.Namespace,
    workers: int,
    *,
    wrk: str,
    database: BenchDatabase,
    seeded: Seeded,
    files: dict[str, Path],
    out_dir: Path,
    stack: contextlib.ExitStack,
    run_id: str,
    later_versions: Iterator[SchemaSpec],
) -> list[Result]:
    say(f"starting llmsr serve --workers {workers}")
    server = Server(database.url_text, workers, out_dir / f"server-w{workers}.log")
    stack.callback(server.stop)
    server.wait_healthy()
    check_server(server.url, seeded)
    results: list[Result] = []
    scenarios = [BASELINE, BY_ID, LATEST] + ([LATEST_WRITING] if args.write_rate > 0 else [])
    for scenario in scenarios:
        writing = scenario is LATEST_WRITING
        paths_file = files[LATEST.name if writing else scenario.name]
        common: dict[str, Any] = {
            "connections": args.connections,
            "threads": args.threads,
            "seed_value": args.seed,
        }
        label = f"{scenario.label} {args.write_rate:g}/s" if writing else scenario.label
        say(f"W={workers} {label.strip()}: {args.duration:g}s, {args.connections} connections")
        wait_quiet(args.wait_quiet)
        if args.warmup > 0 and not writing:  # latest is warm from the run before
            warm_up(
                wrk, server.url, paths_file, workers=workers, seconds=args.warmup, common=common
            )
        raw_out = out_dir / f"wrk-w{workers}-{scenario.name}.txt"
        with contextlib.ExitStack() as running:
            writer = None
            if writing:
                writer = running.enter_context(
                    PacedWriter(server.url, later_versions, args.write_rate)
                )
            meter = running.enter_context(CpuMeter(server.pid, database.dbname))
            raw = run_wrk(
                wrk, server.url, paths_file, duration=args.duration, raw_out=raw_out, **common
            )
        result = read_result(scenario, workers, raw)
        result.label = label
        result.cpu_cores = meter.cores
        result.server_cpu_us_per_request = meter.server_us_per_request(result.requests)
        if writer is not None:
            result.notes = [f"{writer.sent} registrations during the run", *writer.failures[:3]]
            result.errors["registrations"] = len(writer.failures)
            if writer.failures:
                say(f"  {len(writer.failures)} failed registrations: {writer.failures[0]}")
        if result.error_count:
            say(f"  {result.error_count} errors: {result.errors} (see {raw_out.name})")
        results.append(result)
    baseline = results[0].rps
    for result in results[1:]:
        result.vs_baseline = round(result.rps / baseline, 3) if baseline else None

    if args.registrations > 0:
        warm = plan(20, prefix=f"{run_id}w{workers}warm.")
        register_over_http(server.url, warm, 1)  # first requests pay imports and caches
        passes = (("register_1", 1), ("register_n", args.register_clients))
        for name, clients in passes:
            specs = plan(args.registrations, prefix=f"{run_id}w{workers}c{clients}.")
            label = f"POST /subjects/{{s}}/versions, {clients} client{'s' if clients > 1 else ''}"
            say(f"W={workers} {label}: {len(specs)} new schemas")
            wait_quiet(args.wait_quiet)
            with CpuMeter(server.pid, database.dbname) as meter:
                latencies, wall, failures = register_over_http(server.url, specs, clients)
            result = register_result(name, label, workers, latencies, wall, failures)
            result.cpu_cores = meter.cores
            result.server_cpu_us_per_request = meter.server_us_per_request(result.requests)
            if failures:
                say(f"  {len(failures)} failed registrations, first: {failures[0]}")
            results.append(result)
    say(f"stopping the server (W={workers})")
    server.stop()
    return results


def check_server(url: str, seeded: Seeded) -> None:
    """Fail early if the endpoints under test do not answer what was seeded."""
    with httpx.Client(base_url=url, timeout=10.0, headers=CREDENTIALS.headers()) as client:
        root = client.get("/")
        if root.status_code != 200:
            raise BenchError(f"GET / answered {root.status_code}")
        for schema_id in (seeded.ids[0], seeded.ids[-1]):
            response = client.get(f"/schemas/ids/{schema_id}")
            if response.status_code != 200 or "schema" not in response.json():
                raise BenchError(f"GET /schemas/ids/{schema_id} answered {response.status_code}")
        for subject in list(seeded.latest)[:3]:
            response = client.get(subject_path(subject))
            if response.status_code != 200 or response.json().get("id") != seeded.latest[subject]:
                raise BenchError(
                    f"GET {subject_path(subject)} answered {response.status_code} "
                    f"{response.text[:200]}, expected id {seeded.latest[subject]}"
                )


def machine_info(wrk: str, database: BenchDatabase) -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "memory_gib": round(memory_gib(), 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk_version(wrk),
        "database": database.describe(),
        "git_commit": git_commit(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = dt.datetime.now()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    run_id = "r" + started.strftime("%Y%m%d%H%M%S")  # keeps registration schemas new per run
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out_dir = RESULTS_DIR / stamp
    out_dir.mkdir(exist_ok=True)

    wrk = ensure_wrk()
    database = BenchDatabase(args.database_url)
    results: list[Result] = []
    with contextlib.ExitStack() as stack:
        say(f"database: {database.url.render_as_string(hide_password=True)}")
        database.create()
        stack.callback(database.drop)
        database.migrate()

        specs = plan(args.schemas)
        subjects = len(set(iter_subjects(specs)))
        say(f"seeding {len(specs)} Avro schemas over {subjects} subjects (registry_core.Registry)")
        began = time.perf_counter()
        seeded = seed(database.url_text, specs)
        if args.auth:
            CREDENTIALS.reader_header, CREDENTIALS.writer = create_users(database.url_text)
            say("--auth: users bench-reader and bench-writer; every request sends an API key")
        seed_seconds = time.perf_counter() - began
        say(f"seeded in {seed_seconds:.1f}s ({len(specs) / seed_seconds:.0f} schemas/s)")

        files = {
            BASELINE.name: write_paths(out_dir / "paths-baseline.txt", ["/"]),
            BY_ID.name: write_paths(
                out_dir / "paths-ids.txt", [f"/schemas/ids/{i}" for i in seeded.ids]
            ),
            LATEST.name: write_paths(
                out_dir / "paths-latest.txt", [subject_path(s) for s in seeded.latest]
            ),
        }
        machine = machine_info(wrk, database)
        idle_load = background_load()
        machine["background_load_cores"] = round(idle_load, 2)
        if idle_load > 0.25:
            say(
                f"WARNING: other processes keep {idle_load:.2f} of {os.cpu_count()} cores busy; "
                "figures will be low and noisy"
            )
        later_versions = next_versions(
            specs, int(args.write_rate * (args.duration + 5) * len(args.workers)) + 10
        )
        for workers in args.workers:
            results += run_workers(
                args,
                workers,
                wrk=wrk,
                database=database,
                seeded=seeded,
                files=files,
                out_dir=out_dir,
                stack=stack,
                run_id=run_id,
                later_versions=later_versions,
            )

    table = render_table(results)
    header = (
        f"machine: {machine['cores']} cores, {machine['cpu']}, {machine['memory_gib']} GiB, "
        f"Linux {machine['kernel']}, Python {machine['python']}, {machine['wrk']}; "
        f"background load {machine['background_load_cores']} cores\n"
        f"database: {machine['database']}, {len(seeded.ids)} schemas over "
        f"{len(seeded.latest)} subjects; server: llmsr serve --workers "
        f"{','.join(map(str, args.workers))}; wrk: {args.threads} threads, {args.connections} "
        f"connections, {args.duration:g}s per run after {args.warmup:g}s warm-up; "
        f"registrations: {args.registrations} per pass; commit {machine['git_commit']}; "
        f"{started:%Y-%m-%d %H:%M}"
    )
    print()
    print(header)
    print(table)
    print(
        "\nx base: req/s relative to GET / on the same server. CPU: cores used during the run by "
        "the server (all workers), the load generator (wrk or the httpx clients), the bench "
        "database's PostgreSQL backends, and everything else."
    )
    report = {
        "started": started.isoformat(timespec="seconds"),
        "settings": {**vars(args), "database_url": database.url.render_as_string()},
        "machine": machine,
        "seeding": {
            "schemas": len(seeded.ids),
            "subjects": len(seeded.latest),
            "seconds": round(seed_seconds, 2),
        },
        "results": [asdict(r) for r in results],
        "header": header,
        "table": table,
        "artifacts": str(out_dir.relative_to(BENCH_DIR.parent)),
    }
    json_path = RESULTS_DIR / f"{stamp}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"\nresults: {json_path.relative_to(BENCH_DIR.parent)} (logs and raw wrk output in "
        f"{out_dir.relative_to(BENCH_DIR.parent)}/)"
    )
    return 0


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def entry(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    try:
        return main(argv)
    except BenchError as exc:
        say(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        say("interrupted; the server was stopped and the bench database dropped")
        return 130


if __name__ == "__main__":
    sys.exit(entry())
