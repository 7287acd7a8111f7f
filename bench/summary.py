"""The one table of a complete run: every benchmark's figures from var/bench/*.json that carry this run's
id (BENCH_RUN, set by `make bench`), written at the top of docs/benchmarks.md between the markers."""
from __future__ import annotations

import json
import os
import sys

from bench.common import DOC, RESULTS

START, END = "<!-- latest-run -->", "<!-- /latest-run -->"


def main():
    run = os.environ.get("BENCH_RUN", "")
    results = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    results = [r for r in results if r.get("run") == run] if run else results
    if not results:
        sys.exit(f"no benchmark results for run {run!r} in {RESULTS}")
    results.sort(key=lambda r: r["date"])
    first = results[0]
    lines = [START, f"## Latest complete run ({first['date']}, commit `{first['commit']}`)", "",
             f"Machine: {first['machine']}.", "", "| benchmark | measure | result | target | met |",
             "|---|---|---|---|---|"]
    for r in results:
        for row in r["rows"]:
            met = "" if row["met"] is None else ("yes" if row["met"] else "**no**")
            lines.append(f"| {r['title']} | {row['measure']} | {row['result']} | {row['target']} | {met} |")
    lines.append(END)
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if START in text:
        text = text[:text.index(START)] + "\n".join(lines) + text[text.index(END) + len(END):]
    else:
        text = text.replace("\n## Log", "\n" + "\n".join(lines) + "\n\n## Log", 1) if "\n## Log" in text else \
            text + "\n" + "\n".join(lines) + "\n"
    DOC.write_text(text)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
