"""Run every ``bench/bench_*.py`` in turn, each as its own process, and print its output.

Usage::

    python bench/run_all.py                 # every benchmark, full size
    python bench/run_all.py --quick         # passes --quick to every benchmark
    python bench/run_all.py -k score        # only scripts whose name contains "score"

Benchmark scripts should accept ``--quick`` (a smaller, faster run; a script whose
source never mentions ``--quick`` is run in full) and exit non-zero when they miss
their target or fail. This runner exits 1 when any script did, after running all of
them, and prints a summary.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run every bench/bench_*.py script.")
    ap.add_argument("--quick", action="store_true", help="pass --quick to every script")
    ap.add_argument("-k", dest="pattern", help="only scripts whose file name contains this")
    args = ap.parse_args(argv)

    scripts = sorted(HERE.glob("bench_*.py"))
    if args.pattern:
        scripts = [s for s in scripts if args.pattern in s.name]
    if not scripts:
        print("no benchmark scripts found", file=sys.stderr)
        return 1
    summary: list[tuple[str, int, float]] = []
    for script in scripts:
        quick = args.quick and "--quick" in script.read_text(encoding="utf-8")
        cmd = [sys.executable, str(script), *(["--quick"] if quick else [])]
        print(f"=== {script.name} " + "=" * max(0, 66 - len(script.name)), flush=True)
        if args.quick and not quick:
            print("(this script has no --quick option: full run)", flush=True)
        start = time.perf_counter()
        code = subprocess.run(cmd, cwd=HERE.parent).returncode  # output goes straight through
        summary.append((script.name, code, time.perf_counter() - start))
        print(flush=True)
    print("=== summary " + "=" * 58)
    for name, code, seconds in summary:
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"{name:<40} {seconds:7.1f} s  {status}")
    return 0 if all(code == 0 for _, code, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
