"""Recall and false alarms of the integrity detectors; accuracy of the rater-effect model.

Runs the real pipeline (``parse_bundle`` → ``score``) on synthetic campaigns from
:mod:`integrity_synth`:

* honest campaigns of the realistic shape (40 units, 100 raters) — every screening
  alert there is a false alarm;
* campaigns with one planted manipulation of each kind at several strengths — a plant
  is *found* when an alert of the right kind names the planted rater (or units);
  other screening alerts in those campaigns are counted as *stray*;
* the rater-effect model (:mod:`kaoping.engine.mfrm`): RMSE of the official total and
  of the adjusted score against the known truth, on a balanced and on a random-draw
  (双随机) design.

Usage::

    python bench/bench_integrity.py            # full: ~1 minute on 2 cores
    python bench/bench_integrity.py --quick    # a quarter of the campaigns
    python bench/bench_integrity.py --timing big.json   # detector time on one bundle
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from integrity_synth import (  # noqa: E402
    LARGE,
    STRENGTHS,
    Noise,
    Shape,
    is_clear,
    make_campaign,
)
from kaoping.engine.bundle import parse_bundle  # noqa: E402
from kaoping.engine.integrity import SCREENING_KINDS  # noqa: E402
from kaoping.engine.scoring import score  # noqa: E402

#: which alert kind must name a plant of each kind
EXPECTED = {
    "lenient": "rater_lenient", "severe": "rater_severe", "straight_line": "straight_line",
    "mutual_high": "mutual_high", "ring": "mutual_high", "rotation": "rotation",
    "unknown_many": "rater_unknown_target", "unknown_remit": "rater_unknown_target",
}


def _screening(results: Any) -> list[Any]:
    return [a for a in results.alerts if a.kind in SCREENING_KINDS]


def _found(plant: Any, alert: Any) -> bool:
    if alert.kind != EXPECTED[plant.kind]:
        return False
    if plant.kind in ("mutual_high", "ring", "rotation"):
        return set(plant.units) == set(alert.units)
    return set(plant.raters) <= set(alert.raters)


def run_one(job: tuple[int, str | None, float]) -> dict[str, Any]:
    seed, kind, strength = job
    c = make_campaign(seed, plant=kind, strength=strength)
    alerts = _screening(score(parse_bundle(c.bundle)))
    if kind is None:
        return {"kind": None, "alerts": [a.kind for a in alerts]}
    found = any(_found(c.plant, a) for a in alerts)
    stray = [a.kind for a in alerts if not _related(c.plant, a)]
    return {"kind": kind, "strength": strength, "found": found, "stray": stray,
            "clear": is_clear(c.plant, legacy=True), "clear_net": is_clear(c.plant)}


def _related(plant: Any, alert: Any) -> bool:
    """An alert about the planted raters or units (found, or a neighbouring kind)."""
    return bool(set(plant.raters) & set(alert.raters) or set(plant.units) & set(alert.units))


def detection_table(n_honest: int, n_planted: int, workers: int) -> None:
    jobs: list[tuple[int, str | None, float]] = [(s, None, 0.0) for s in range(n_honest)]
    for k, kind in enumerate(STRENGTHS):
        for strength in STRENGTHS[kind]:
            jobs += [(100_000 + 1000 * k + s, kind, strength) for s in range(n_planted)]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        out = list(pool.map(run_one, jobs, chunksize=4))
    elapsed = time.perf_counter() - start

    print(f"## Planted manipulations ({n_planted} campaigns per row, 40 units, 100 raters)\n")
    print(f"{'plant':<15}{'strength':>9}{'found':>10}{'recall':>8}{'clear found':>13}{'net clear':>11}"
          f"{'stray':>7}")
    clear_hits = clear_total = net_hits = net_total = 0
    stray_total = 0
    for kind in STRENGTHS:
        for strength in STRENGTHS[kind]:
            rows = [o for o in out if o["kind"] == kind and o["strength"] == strength]
            hits = sum(o["found"] for o in rows)
            stray = sum(len(o["stray"]) for o in rows)
            stray_total += stray
            clear = [o for o in rows if o["clear"]]
            c_hits = sum(o["found"] for o in clear)
            clear_hits += c_hits
            clear_total += len(clear)
            shown = f"{c_hits}/{len(clear)}" if clear else "-"
            net = [o for o in rows if o["clear_net"]]
            n_hits = sum(o["found"] for o in net)
            net_hits += n_hits
            net_total += len(net)
            shown_net = f"{n_hits}/{len(net)}" if net else "-"
            print(f"{kind:<15}{strength:>9g}{hits:>5}/{len(rows):<4}{hits / len(rows):>8.0%}"
                  f"{shown:>13}{shown_net:>11}{stray:>7}")
    planted = sum(1 for o in out if o["kind"] is not None)
    print("\nclear: lenient/severe: the rater ends ≥ 15 points from an average rater after "
          "clipping at full marks;\nmutual/ring: every favour realised ≥ 15 points after clipping; "
          "straight line 100%;\nrotation among units usually ranked ≥ 8; 3× the usual targets; "
          "any unit outside a remit")
    print("net clear: the same, but a favour is measured against an average rater with no liking for "
          "the target\n(the source raters' own severity and honest liking included, as for lenient raters)")
    print(f"\nclear-strength plants found: {clear_hits}/{clear_total} ({clear_hits / clear_total:.1%}); "
          f"net clear: {net_hits}/{max(net_total, 1)}; "
          f"stray alerts in planted campaigns: {stray_total} over {planted} campaigns "
          f"({stray_total / planted:.3f} per campaign: "
          f"{dict(sorted(Counter(k for o in out if o['kind'] for k in o['stray']).items()))})\n")

    honest = [o for o in out if o["kind"] is None]
    print(f"## Honest campaigns ({len(honest)}, same shape): false alarms\n")
    print(f"{'kind':<22}{'alerts':>7}{'campaigns':>11}{'per campaign':>14}")
    for kind in SCREENING_KINDS:
        n = sum(o["alerts"].count(kind) for o in honest)
        c = sum(1 for o in honest if kind in o["alerts"])
        print(f"{kind:<22}{n:>7}{c:>11}{n / len(honest):>14.3f}")
    total = sum(len(o["alerts"]) for o in honest)
    any_c = sum(1 for o in honest if o["alerts"])
    upper = _upper95(any_c, len(honest))
    print(f"{'all kinds':<22}{total:>7}{any_c:>11}{total / len(honest):>14.3f}")
    print(f"\ncampaigns with any false alarm: {any_c}/{len(honest)} = {any_c / len(honest):.1%} "
          f"(95% upper bound {upper:.1%}; target ≤ 10%)")
    print(f"[{len(jobs)} campaigns scored in {elapsed:.1f} s on {workers} workers]\n")


def _upper95(k: int, n: int) -> float:
    """Wilson upper bound of a proportion."""
    if n == 0:
        return 1.0
    z = 1.96
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre + spread) / (1 + z * z / n)


def mfrm_one(job: tuple[int, str, float]) -> tuple[str, float, float, float, float]:
    from kaoping.engine.mfrm import adjust
    from kaoping.engine.scoring import collect

    seed, design, rater_sd = job
    shape = Shape(periods=0) if design == "balanced" else Shape(
        periods=0, superior_targets=20, peer_targets=12, recipient_targets=8, third_targets=10,
    )
    c = make_campaign(seed, shape=shape, noise=Noise(rater_sd=rater_sd), numeric_only=True)
    b = parse_bundle(c.bundle)
    ctx, _ = collect(b)
    adj = adjust(b, ctx)
    official = {u.unit: u.official for u in adj.units}
    adjusted = {u.unit: u.adjusted for u in adj.units}
    truth = c.truth
    e_off = [official[u] - truth[u] for u in truth]
    e_adj = [adjusted[u] - truth[u] for u in truth]
    rmse_off = math.sqrt(sum(e * e for e in e_off) / len(e_off))
    rmse_adj = math.sqrt(sum(e * e for e in e_adj) / len(e_adj))
    # rank agreement with the truth (Spearman)
    return design, rater_sd, rmse_off, rmse_adj, _spearman(adjusted, truth) - _spearman(official, truth)


def _spearman(a: dict[str, float], b: dict[str, float]) -> float:
    keys = sorted(a)
    ra = {k: i for i, k in enumerate(sorted(keys, key=lambda k: a[k]))}
    rb = {k: i for i, k in enumerate(sorted(keys, key=lambda k: b[k]))}
    n = len(keys)
    d2 = sum((ra[k] - rb[k]) ** 2 for k in keys)
    return 1 - 6 * d2 / (n * (n * n - 1))


def mfrm_table(n: int, workers: int) -> None:
    jobs = [(seed, design, sd) for design in ("balanced", "random draw") for sd in (3.0, 6.0)
            for seed in range(n)]
    with ProcessPoolExecutor(workers) as pool:
        out = list(pool.map(mfrm_one, jobs, chunksize=2))
    print(f"## Rater-effect adjustment vs trimmed mean ({n} campaigns per row, 40 units)\n")
    print("RMSE of the unit total against the truth (noise-free score of the group's average rater)\n")
    print(f"{'design':<13}{'rater SD':>9}{'official':>10}{'adjusted':>10}{'reduction':>11}{'Δ Spearman':>12}")
    for design in ("balanced", "random draw"):
        for sd in (3.0, 6.0):
            rows = [o for o in out if o[0] == design and o[1] == sd]
            off = sum(o[2] for o in rows) / len(rows)
            adj = sum(o[3] for o in rows) / len(rows)
            rho = sum(o[4] for o in rows) / len(rows)
            print(f"{design:<13}{sd:>9g}{off:>10.3f}{adj:>10.3f}{1 - adj / off:>11.1%}{rho:>+12.3f}")
    print()


def timing(path: str | None) -> None:
    """Detector time on one large campaign (generated when no path is given)."""
    import json
    import tempfile

    from kaoping.engine.integrity import screen
    from kaoping.engine.scoring import collect

    if path is None:
        c = make_campaign(7, shape=LARGE)
        fd, path = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(c.bundle, fh, ensure_ascii=False)
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        data = json.load(fh)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    bundle = parse_bundle(data)
    t_parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = score(bundle, detectors=False)
    t_score = time.perf_counter() - t0
    ctx, _ = collect(bundle)
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        alerts = screen(ctx, results.units)
        best = min(best, time.perf_counter() - t0)
    t0 = time.perf_counter()
    from kaoping.engine.mfrm import adjust

    adj = adjust(bundle, ctx)
    t_mfrm = time.perf_counter() - t0
    print(f"## Timing on {path}: {len(bundle.units)} units, {len(bundle.raters)} raters, "
          f"{len(bundle.scores)} scores\n")
    print(f"json.load {t_load:.3f} s; parse {t_parse:.3f} s; score without detectors {t_score:.3f} s")
    print(f"screening detectors (best of 3, numpy imported): {best:.3f} s, {len(alerts)} alerts "
          f"({dict(Counter(a.kind for a in alerts))})")
    print(f"rater-effect model adjust(): {t_mfrm:.3f} s ({adj.iterations} iterations)\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the campaigns")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--timing", nargs="?", const="", metavar="BUNDLE",
                        help="only time the detectors on BUNDLE (default: a generated 260-unit one)")
    args = parser.parse_args(argv)
    if args.timing is not None:
        timing(args.timing or None)
        return 0
    honest, planted, mfrm = (50, 10, 5) if args.quick else (200, 30, 20)
    detection_table(honest, planted, args.workers)
    mfrm_table(mfrm, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
