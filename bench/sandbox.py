"""Sandbox overhead benchmark.

    python bench/sandbox.py [--runs 30] [--cells 500] [--isolation bwrap]

1. Per-run overhead: tools.sandbox.run("pass") against a bare `python -c pass`
   (the same interpreter, started directly) measured in the same run, median of
   --runs each. Goal: at most 1.5x at the bubblewrap level.
2. Persistent session: trivial cells per second. Goal: at least 50.
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.isolation import python_executable, resolve_level  # noqa: E402
from tools.sandbox import run  # noqa: E402
from tools.session import PythonSession  # noqa: E402


def _median_s(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(runs: int, cells: int, isolation: str | None) -> dict:
    level = resolve_level(isolation)  # type: ignore[arg-type]
    exe = python_executable()
    bare = _median_s(lambda: subprocess.run([exe, "-c", "pass"], check=True), runs)
    sandboxed = _median_s(lambda: run("pass", isolation=level), runs)
    with PythonSession(isolation=level) as session:
        session.run("pass")
        t0 = time.perf_counter()
        for i in range(cells):
            session.run(f"x = {i}")
        cells_per_s = cells / (time.perf_counter() - t0)
    return {"isolation": level, "bare_python_ms": bare * 1e3, "sandbox_run_ms": sandboxed * 1e3,
            "overhead_ratio": sandboxed / bare, "session_cells_per_s": cells_per_s, "runs": runs, "cells": cells}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--cells", type=int, default=500)
    p.add_argument("--isolation", choices=["bwrap", "unshare", "subprocess"])
    args = p.parse_args()
    r = bench(args.runs, args.cells, args.isolation)
    print(f"isolation              {r['isolation']}")
    print(f"bare python -c pass    {r['bare_python_ms']:.1f} ms (median of {args.runs})")
    print(f"sandbox run('pass')    {r['sandbox_run_ms']:.1f} ms")
    print(f"overhead ratio         {r['overhead_ratio']:.2f}x (goal <= 1.5x)")
    print(f"session trivial cells  {r['session_cells_per_s']:.0f} cells/s (goal >= 50)")
    print(json.dumps(r))


if __name__ == "__main__":
    main()
