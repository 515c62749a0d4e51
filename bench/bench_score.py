"""Benchmark of issue 3: ``kaoping score`` against a bare ``json.load`` of the same file.

Target, on a generated campaign of 260 units and about 450,000 scores:

* whole-process wall time of ``kaoping score FILE -o OUT`` ≤ 4× that of
  ``python -c "import json,sys; json.load(open(sys.argv[1]))" FILE`` (aim 2×);
* peak resident memory ≤ 3× that of the same ``json.load``.

Both are measured in the same run, each command as a separate child process started
from the venv's own executables, interleaved, best (and median) wall time of ``--runs``
runs after one warm-up run; the peak RSS of each child comes from ``os.wait4``.
``kaoping score --no-detectors`` is timed too, and a breakdown by phase (import, read,
validate, score, numpy import, screening detectors, serialise, write; best of 3
in-process runs in further children) shows the engine owner where the time goes.

Usage::

    python bench/bench_score.py               # 260 units, ~450,000 scores, 5 runs
    python bench/bench_score.py --quick       # 80 units, ~60,000 scores, 3 runs
    python bench/bench_score.py --bundle /tmp/big.json --runs 7

Exit status: 0 when both targets are met, 1 when one is not, 2 when a command failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TIME_TARGET, TIME_AIM, RSS_TARGET = 4.0, 2.0, 3.0

JSON_LOAD = "import json,sys; json.load(open(sys.argv[1], encoding='utf-8'))"

PHASES = r"""
import json, sys, time
t0 = time.perf_counter()
from kaoping.engine.bundle import read_document, parse_bundle
from kaoping.engine.scoring import collect, score
from kaoping.cli import write_json
t1 = time.perf_counter()
data, where = read_document(sys.argv[1])
t2 = time.perf_counter()
bundle = parse_bundle(data, where=where)
del data
t3 = time.perf_counter()
collect(bundle)
t4 = time.perf_counter()
score(bundle, detectors=False)
t5 = time.perf_counter()
import numpy
t6 = time.perf_counter()
results = score(bundle, detectors=True)
t7 = time.perf_counter()
doc = results.to_dict()
t8 = time.perf_counter()
write_json(doc, sys.argv[2])
t9 = time.perf_counter()
print(json.dumps({
    "import kaoping.engine + cli": t1 - t0,
    "read (json.load)": t2 - t1,
    "validate (parse_bundle)": t3 - t2,
    "score without detectors": t5 - t4,
    "  of which scoring.collect": t4 - t3,
    "import numpy (screening detectors)": t6 - t5,
    "screening detectors": t7 - t6,  # the whole scoring run: the parent subtracts
    "results.to_dict": t8 - t7,
    "write_json (dumps + write)": t9 - t8,
}))
"""


@dataclass
class Run:
    wall: float  # seconds
    rss: int  # peak resident set size, bytes


@dataclass
class Series:
    label: str
    runs: list[Run]

    @property
    def best(self) -> float:
        return min(r.wall for r in self.runs)

    @property
    def median(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def rss(self) -> int:
        return int(statistics.median(r.rss for r in self.runs))


def venv_bin() -> Path:
    """The repository's venv (``.venv/bin``) when there is one, else this interpreter's."""
    candidate = REPO / ".venv" / "bin"
    if (candidate / "python").exists():
        return candidate
    return Path(sys.executable).parent


def kaoping_command(bindir: Path) -> list[str]:
    exe = bindir / "kaoping"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("kaoping")
    if found:
        return [found]
    return [str(bindir / "python"), "-m", "kaoping.cli"]


def child_env(keep: bool) -> dict[str, str]:
    """Environment of the measured children.

    An installed package has its bytecode compiled; a checkout run with
    ``PYTHONDONTWRITEBYTECODE`` recompiles the engine on every start (~25 ms). Unless
    ``keep``, bytecode is allowed and cached under the temp directory (never in the tree).
    """
    env = dict(os.environ)
    if not keep:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "kaoping-bench" / "pycache"))
    return env


def run(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` to completion; its wall time and its own peak RSS (``wait4``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        print(f"FAILED (exit {proc.returncode}): {' '.join(cmd)}\n{stderr}", file=sys.stderr)
        raise SystemExit(2)
    rss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return Run(wall, rss)


def bundle_for(python: str, units: int, scores: int, seed: int) -> Path:
    """A generated campaign, cached in the temp directory by parameters and generator source."""
    source = (HERE / "generate.py").read_bytes()
    tag = hashlib.sha256(source).hexdigest()[:10]
    cache = Path(tempfile.gettempdir()) / "kaoping-bench"
    cache.mkdir(exist_ok=True)
    path = cache / f"bundle-u{units}-s{scores}-seed{seed}-{tag}.json"
    if not path.exists():
        # in a child: a forked child starts with its parent's peak RSS (Linux keeps the
        # high-water mark across fork and exec), so this process must stay small
        tmp = path.with_suffix(".tmp")
        t = time.perf_counter()
        subprocess.run([python, str(HERE / "generate.py"), "--units", str(units), "--scores", str(scores),
                        "--seed", str(seed), "-o", str(tmp)], check=True)
        tmp.replace(path)
        print(f"generated in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return path


def mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller campaign (80 units, ~60,000 scores), 3 runs")
    ap.add_argument("--units", type=int, help="units in the generated campaign (default 260)")
    ap.add_argument("--scores", type=int, help="about this many scores (default 450,000)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--bundle", type=Path, help="benchmark this bundle instead of a generated one")
    ap.add_argument("--runs", type=int, help="timed runs of each command (default 5, --quick 3)")
    ap.add_argument("--no-phases", action="store_true", help="skip the breakdown by phase")
    ap.add_argument("--keep-env", action="store_true",
                    help="leave PYTHONDONTWRITEBYTECODE as it is (default: children may use cached bytecode)")
    args = ap.parse_args(argv)

    units = args.units or (80 if args.quick else 260)
    n_scores = args.scores or (60_000 if args.quick else 450_000)
    runs = max(3, args.runs or (3 if args.quick else 5))
    bindir = venv_bin()
    python = str(bindir / "python")
    kaoping = kaoping_command(bindir)
    path = args.bundle or bundle_for(python, units, n_scores, args.seed)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    # children inherit this process's peak RSS as their starting high-water mark
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    with tempfile.TemporaryDirectory(prefix="kaoping-bench-") as tmp:
        out = str(Path(tmp) / "results.json")
        out_plain = str(Path(tmp) / "results-no-detectors.json")
        commands = {
            "json.load": [python, "-c", JSON_LOAD, str(path)],
            "kaoping score": [*kaoping, "score", str(path), "-o", out],
            "kaoping score --no-detectors": [*kaoping, "score", str(path), "-o", out_plain, "--no-detectors"],
        }
        env = child_env(args.keep_env)
        for cmd in commands.values():  # warm-up: page cache, .pyc files
            run(cmd, env)
        series = {label: Series(label, []) for label in commands}
        for _ in range(runs):  # interleaved, so drift in machine load hits all alike
            for label, cmd in commands.items():
                series[label].runs.append(run(cmd, env))
        with open(out, encoding="utf-8") as fh:
            results = json.load(fh)
        phases: dict[str, float] = {}
        for _ in range(0 if args.no_phases else 2 if args.quick else 3):  # best of, per phase
            phases_out = str(Path(tmp) / "results-phases.json")
            proc = subprocess.run([python, "-c", PHASES, str(path), phases_out], capture_output=True, text=True,
                                  env=env)
            if proc.returncode != 0:
                print(f"phase breakdown failed:\n{proc.stderr}", file=sys.stderr)
                return 2
            for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items():
                phases[k] = min(v, phases.get(k, v))
        if phases:  # detectors: best scoring run with them - best without (numpy already loaded)
            phases["screening detectors"] = max(
                0.0, phases["screening detectors"] - phases["score without detectors"])

    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    print(f"bundle  {path}  ({path.stat().st_size / 1e6:.1f} MB: {len(doc.get('units', [])):,} units, "
          f"{len(doc.get('raters', [])):,} raters, {len(doc.get('scores', [])):,} scores, "
          f"{len(doc.get('measures', [])):,} measures)")
    kinds = Counter(a["kind"] for a in results["alerts"])
    print(f"result  {len(results['units']):,} units, {len(results['alerts']):,} alerts ("
          + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")")
    print(f"python  {python}   kaoping {' '.join(kaoping)}   runs {runs} (+1 warm-up), interleaved")
    print(f"RSS floor (this process's peak, inherited by each child): {mb(floor)};  bytecode: "
          + ("as the environment says" if args.keep_env else "cached (PYTHONPYCACHEPREFIX in the temp directory)"))
    del doc
    print()
    base = series["json.load"]
    head = f"{'command':<30} {'best s':>8} {'median s':>9} {'peak RSS':>12} {'time ×':>7} {'RSS ×':>6}"
    print(head)
    print("-" * len(head))
    for s in series.values():
        print(f"{s.label:<30} {s.best:>8.3f} {s.median:>9.3f} {mb(s.rss):>12} "
              f"{s.best / base.best:>6.2f}× {s.rss / base.rss:>5.2f}×")
    print()
    main_run = series["kaoping score"]
    t_ratio, m_ratio = main_run.best / base.best, main_run.rss / base.rss
    t_ok, m_ok = t_ratio <= TIME_TARGET, m_ratio <= RSS_TARGET
    aim = "met" if t_ratio <= TIME_AIM else "not met"
    print(f"time    kaoping score / json.load = {t_ratio:.2f}×  (target ≤ {TIME_TARGET:g}×, aim {TIME_AIM:g}× {aim})"
          f"  {'PASS' if t_ok else 'FAIL'}")
    print(f"memory  kaoping score / json.load = {m_ratio:.2f}×  (target ≤ {RSS_TARGET:g}×)"
          f"  {'PASS' if m_ok else 'FAIL'}")
    if phases:
        print()
        print("where the time goes (in process, best of a few runs; scoring run twice to split it):")
        total = sum(v for k, v in phases.items() if not k.startswith("  "))
        for k, v in phases.items():
            share = "" if k.startswith("  ") else f"{100 * v / total:5.1f}%"
            print(f"  {k:<40} {v:7.3f} s {share}")
        print(f"  {'total':<40} {total:7.3f} s")
    return 0 if t_ok and m_ok else 1


if __name__ == "__main__":
    sys.exit(main())
