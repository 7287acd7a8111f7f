"""Web throughput: gunicorn serving the portal (bench settings, the benchmark database), loaded over loopback by
wrk from another process: the public ledger page and the balances API, requests per second and latency.

    .venv/bin/python -m bench.throughput [--seconds 15] [--connections 8] [--workers N]

Any response that is not 2xx makes the run invalid.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .common import ROOT, Row, environment, record, setup_django, stop

PUBLIC_TARGET = 300  # requests/s of the public ledger page
# One sync worker per core and one more: a worker waits on PostgreSQL and Redis for a small part of each request,
# and the spare one keeps the cores busy meanwhile. Not gunicorn's (2 x cores) + 1: these requests are mostly CPU,
# and wrk, PostgreSQL and Redis run on the same cores, so more workers only add switching between them.
WORKERS = (os.cpu_count() or 1) + 1
# wrk counts only 4xx/5xx as errors; this script counts every response outside 2xx (3xx included).
COUNT_STATUS = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status < 200 or status > 299 then bad = bad + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("bad") end
  io.write(string.format("non-2xx: %d\\n", n))
end
"""


def token() -> str:
    """An API token for a county reviewer (no second factor: that is for city staff)."""
    from quota_registry.orgs.models import Role, User
    from quota_registry.orgs.token import token_issue

    user = (User.objects.filter(role=Role.COUNTY_REVIEWER, is_active=True, username="county_qilin").first()
            or User.objects.filter(role=Role.COUNTY_REVIEWER, is_active=True).order_by("id").first())
    if user is None:
        raise SystemExit("No county reviewer in the benchmark database: run `manage.py seed_demo` first.")
    return token_issue(user=user)[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict) -> tuple[int, bytes]:
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http://127.0.0.1, built here
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until_up(base: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            get(base + "/public/", {})
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serving_pids(master: int, database: str) -> set[int]:
    """The gunicorn master and its workers, and the PostgreSQL backends connected to the benchmark database."""
    pids = {master}
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit():
                continue
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if ppid == master or (cmdline.startswith("postgres:") and f" {database} " in cmdline):
            pids.add(int(proc.name))
    return pids


def wrk(url: str, headers: dict, seconds: int, connections: int, script: Path) -> dict:
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "--latency",
           "-s", str(script), url]
    for name, value in headers.items():
        cmd[1:1] = ["-H", f"{name}: {value}"]
    with tempfile.TemporaryFile("w+") as out_file:
        process = subprocess.Popen(cmd, stdout=out_file, stderr=subprocess.STDOUT, text=True)
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        out = out_file.read()
    if process.returncode:
        raise SystemExit(f"wrk failed:\n{out}")

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)), "p50": ms("50%"), "p99": ms("99%"),
            "non2xx": int(re.search(r"non-2xx: (\d+)", out).group(1)),
            "socket_errors": errors.group(1) if errors else "", "wrk_cpu": usage.ru_utime + usage.ru_stime}


def measure(url: str, headers: dict, seconds: int, connections: int, script: Path, pids: set[int]) -> dict:
    """wrk's figures, and the CPU time per request of gunicorn, its PostgreSQL backends and wrk together."""
    before = {pid: cpu_seconds(pid) for pid in pids}
    result = wrk(url, headers, seconds, connections, script)
    server = sum(cpu_seconds(pid) - before[pid] for pid in pids)
    result["cpu_ms"] = (server + result["wrk_cpu"]) * 1000 / max(result["requests"], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=WORKERS)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian), or `make system-packages-bench`.")
    setup_django()
    from django.db import connection

    from ledger.models import Movement

    targets = [("public ledger page", "/public/", {}, PUBLIC_TARGET),
               ("balances API (county reviewer)", "/api/v1/balances/", {"Authorization": f"Token {token()}"}, None)]
    data = f"{Movement.objects.count():,} movements"
    database = connection.settings_dict["NAME"]
    connection.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        log, script = Path(tmp) / "gunicorn.log", Path(tmp) / "status.lua"
        script.write_text(COUNT_STATUS)
        with log.open("w") as log_file:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "quota_registry.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(args.workers)], cwd=ROOT, env=environment(), stdout=log_file,
                stderr=subprocess.STDOUT)
        try:
            wait_until_up(base, server, log)
            results = []
            for name, path, headers, _target in targets:
                status, body = get(base + path, headers)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}, not 200:\n{body[:500].decode(errors='replace')}")
                wrk(base + path, headers, 3, args.connections, script)  # warm-up: every worker, every cache
                pids = serving_pids(server.pid, database)
                result = measure(base + path, headers, args.seconds, args.connections, script, pids)
                print(f"{name}: {result}")
                if result["non2xx"] or result["socket_errors"]:
                    raise SystemExit(f"{path}: {result['non2xx']} responses were not 2xx "
                                     f"(socket errors: {result['socket_errors'] or 'none'}): the run is invalid")
                results.append(result)
        finally:
            stop(server)
    rows = []
    for (name, _path, _headers, target), r in zip(targets, results, strict=True):
        rows += [Row(f"{name}: requests/s", f"{r['rps']:.0f}", f">= {target}" if target else "",
                     r["rps"] >= target if target else None),
                 Row(f"{name}: latency p50 / p99", f"{r['p50']:.1f} ms / {r['p99']:.1f} ms"),
                 Row(f"{name}: responses, not 2xx", f"{r['requests']:,}, {r['non2xx']}"),
                 Row(f"{name}: CPU per request, gunicorn + PostgreSQL + wrk (ceiling on {os.cpu_count()} idle cores)",
                     f"{r['cpu_ms']:.1f} ms ({os.cpu_count() * 1000 / r['cpu_ms']:.0f}/s)")]
    record(name="throughput", title="Web throughput: gunicorn under wrk over loopback",
           params=f"{data}; gunicorn {args.workers} sync workers, wrk 2 threads, {args.connections} connections, "
                  f"{args.seconds} s per target after a 3 s warm-up",
           rows=rows,
           notes="gunicorn runs quota_registry.wsgi with the bench settings (DEBUG off, Redis cache, persistent "
                 "database connections); wrk runs on the same machine, anonymous for the public page, with a county "
                 "reviewer's token (Authorization: Token) for the balances API. Workers: one sync worker per core and "
                 "one more, since a worker waits on PostgreSQL and Redis for a small part of each request; not more, "
                 "since the requests are mostly CPU and wrk, PostgreSQL and Redis share the cores. CPU per request is "
                 "the CPU time of gunicorn's processes, the PostgreSQL backends of the benchmark database and wrk over "
                 "the run, divided by the requests: the ceiling it gives holds for an otherwise idle machine.")


if __name__ == "__main__":
    main()
