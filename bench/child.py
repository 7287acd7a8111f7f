"""Running a benchmark's work in a fresh child process, so that its wall time and peak memory are its own.

The parent calls `run(module, task)`, which starts `python -m <module> --child <task>`; the child calls
`serve(tasks)`, sets Django up, runs the task and prints its result as JSON. The peak RSS is the
kernel's figure for the finished child (getrusage RUSAGE_CHILDREN, KiB on Linux). That figure is the
maximum over all children waited for so far, and on Linux a child's starts from the size of the process
that spawned it, so the parent stays small (no Django) and runs the lighter child first."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Callable

from .common import ROOT, environment, setup_django


def run(module: str, task: str) -> tuple[dict, float]:
    """The child's result and its peak resident memory in MB."""
    done = subprocess.run([sys.executable, "-m", module, "--child", task], cwd=ROOT, env=environment(),
                          stdout=subprocess.PIPE, text=True, check=True)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return json.loads(done.stdout.splitlines()[-1]), peak_kib / 1024


def idle() -> dict:
    """A Django process that has connected to the database and done nothing else: the baseline."""
    from django.db import connection

    connection.ensure_connection()
    return {}


def serve(tasks: dict[str, Callable[[], dict]]) -> None:
    """The child's side: `python -m <module> --child <task>` prints the task's result as one JSON line."""
    setup_django()
    print(json.dumps({"idle": idle, **tasks}[sys.argv[2]]()))
