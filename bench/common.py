"""What every benchmark shares: Django set up against the benchmark database, percentiles, the stamp of
date, commit and machine, and the writing of results.

Each benchmark calls `record(...)`, which appends a section to docs/benchmarks.md and keeps the same
figures as JSON in var/bench/<name>.json, from which `python -m bench.summary` writes the one table of
a complete run (`make bench`)."""
from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "var" / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/quota_registry_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


def environment() -> dict:
    """The environment variables a benchmark (and any process it starts) runs with."""
    env = dict(os.environ)
    env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    env["DJANGO_SETTINGS_MODULE"] = "quota_registry.settings.bench"
    env.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    if os.environ.get("BENCH_REPLICA_URL"):  # a streaming replica of the benchmark database (public pages, exports)
        env["DATABASE_REPLICA_URL"] = os.environ["BENCH_REPLICA_URL"]
    return env


def setup_django() -> None:
    os.environ.update({k: v for k, v in environment().items() if k not in os.environ or k in (
        "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DATABASE_REPLICA_URL")})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def pg(*args: str, check: bool = True) -> str:
    """Run a PostgreSQL client command (dropdb, createdb, psql, pgbench) against the benchmark database's
    server; returns what it printed."""
    url = urlparse(environment()["DATABASE_URL"])
    conn = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    cmd, *rest = args
    return subprocess.run([cmd, *conn, *rest], capture_output=True, text=True, check=check).stdout


def stop(process: subprocess.Popen) -> None:
    """Ask a server or worker the benchmark started to stop, and kill it if it has not within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False).stdout.strip()
    except OSError:
        return ""


def commit() -> str:
    """The commit measured, marked +changes when tracked files differ from it (besides this results file)."""
    sha = _run(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    changed = _run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/benchmarks.md"])
    return sha + ("+changes" if changed else "")


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                      if x.startswith("MemTotal"))
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "?"
    pg = ""
    try:
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("SHOW server_version")
                pg = f", PostgreSQL {c.fetchone()[0].split()[0]}"
    except Exception:  # noqa: BLE001 (Django not set up: the stamp does without the database version)
        pg = ""
    return f"{os.cpu_count()} cores ({cpu or platform.machine()}), {mem}, Python {platform.python_version()}{pg}"


@dataclass
class Row:
    measure: str
    result: str
    target: str = ""
    met: bool | None = None  # None: no target

    @property
    def verdict(self) -> str:
        return "" if self.met is None else ("yes" if self.met else "**no**")


def record(name: str, title: str, rows: list[Row], *, params: str = "", notes: str = "") -> None:
    """Append a section to docs/benchmarks.md and keep the figures in var/bench/<name>.json."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    stamp = {"name": name, "title": title, "date": now, "commit": commit(), "machine": machine(),
             "params": params, "notes": notes, "rows": [asdict(r) for r in rows],
             "run": os.environ.get("BENCH_RUN", "")}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(stamp, ensure_ascii=False, indent=1))
    lines = [f"\n### {title}", "", f"{now}, commit `{stamp['commit']}`, {stamp['machine']}"
             + (f"; {params}" if params else ""), "", "| measure | result | target | met |", "|---|---|---|---|"]
    lines += [f"| {r.measure} | {r.result} | {r.target} | {r.verdict} |" for r in rows]
    if notes:
        lines += ["", notes]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    if not DOC.exists():
        DOC.write_text("# Benchmarks\n")
    with DOC.open("a") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
