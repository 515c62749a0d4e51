"""Benchmark: ``kaoping import`` of a big campaign into PostgreSQL, ledger included.

Target: at least 50,000 scores/s for a campaign of 260 units and about 450,000 scores,
the tamper-evident ledger included (CONTRACTS.md C3, R10.1).

Generates the campaign (260 units, 173 raters in 4 groups, a tree of 20 rated leaves
and 2 measured ones, 449,800 scores; fixed seed; no other file needed), migrates a
template PostgreSQL database, and for each run creates a fresh database from it and
times :func:`kaoping.campaigns.services.bundle_import` — validation, COPY of the rows,
ledger entries and commit. In the same run it times a raw ``COPY`` of the very same
score rows into a bare table with the same columns (no keys, indexes or ledger) as the
baseline, and into a table with the same keys, indexes, checks and foreign keys as
``campaigns_score`` (what the database alone costs, without the application). Each run
does the import and both baselines one after the other, so that a change of machine
load hits all three; the table gives every run, the best and the median, the ratios of
the best rates, and the CPU seconds of the client and of the PostgreSQL backend during
the import (the load-independent cost). ``ledger verify`` is timed over the imported campaign. Every
database it creates is dropped at the end.

Usage::

    python bench/bench_import.py                 # 260 units, ~450,000 scores, 3 runs
    python bench/bench_import.py --quick         # 80 units, ~72,000 scores, 1 run
    python bench/bench_import.py --url postgres://postgres@127.0.0.1:5432/postgres --runs 5

Exit status: 0 when the target is met, 1 when it is not, 2 when PostgreSQL cannot be
reached or the import fails.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from typing import Any

GROUPS = [("superior", "上级评价", 40, 20), ("peer", "同级互评", 30, 80),
          ("recipient", "服务对象评价", 20, 53), ("third_party", "第三方评价", 10, 20)]
TYPES = ("admin", "institution", "enterprise")
REGIONS = ("east", "central", "west")
SCALE = {"优": 95, "良": 85, "中": 70, "差": 50}
TARGET = 50_000


def generate(*, units: int = 260, raters: int = 173, coverage: float = 0.5, seed: int = 2026) -> dict[str, Any]:
    """A ``kaoping-bundle/1`` campaign; the same arguments give the same bundle."""
    rng = random.Random(seed)
    unit_recs = [{"code": f"U{i:03d}", "name": f"单位{i:03d}", "type": TYPES[i % 3], "region": REGIONS[i % 3]}
                 for i in range(1, units + 1)]
    quality = {u["code"]: rng.gauss(82, 6) for u in unit_recs}
    tops, leaves = [], []
    for t in range(4):
        children = []
        for k in range(5):
            leaf: dict[str, Any] = {"code": f"{'ABCD'[t]}{k + 1}", "name": f"指标{'ABCD'[t]}{k + 1}",
                                    "weight": rng.choice([10, 20, 30]), "nature": ("process", "result")[k % 2]}
            if k == 3:
                leaf["scale"] = SCALE
            elif k == 4:
                leaf["full"] = 10
            children.append(leaf)
            leaves.append(leaf)
        if t < 2:
            children.append({"code": f"{'AB'[t]}M", "name": f"数据指标{t + 1}", "weight": 20, "source": "measure",
                             "rule": {"kind": "linear", "direction": "higher", "floor": 0.6, "target": 0.98}})
        tops.append({"code": "ABCD"[t], "name": f"维度{'ABCD'[t]}", "weight": (30, 30, 25, 15)[t],
                     "children": children})
    group_recs, rater_recs = [], []
    scale = max(raters, 1) / sum(n for *_, n in GROUPS)
    for code, name, weight, count in GROUPS:
        group_recs.append({"code": code, "name": name, "weight": weight})
        for _ in range(max(1, round(count * scale))):
            r: dict[str, Any] = {"code": f"R{len(rater_recs) + 1:04d}", "group": code}
            if code == "peer":
                r["unit"] = rng.choice(unit_recs)["code"]
            rater_recs.append(r)
    scores = []
    labels = sorted(SCALE.items(), key=lambda kv: -kv[1])
    for r in rater_recs:
        severity = rng.gauss(0, 3)
        for u in rng.sample(unit_recs, max(1, int(len(unit_recs) * coverage))):
            for leaf in leaves:
                x = min(100.0, max(0.0, quality[u["code"]] + severity + rng.gauss(0, 5)))
                if "scale" in leaf:
                    value: Any = next((label for label, v in labels if x >= v - 5), "差")
                elif "full" in leaf:
                    value = round(x / 10, 1)
                else:
                    value = round(x)
                scores.append({"rater": r["code"], "unit": u["code"], "indicator": leaf["code"], "value": value})
    measures = [{"unit": u["code"], "indicator": code, "value": round(rng.uniform(0.55, 1.0), 4)}
                for u in unit_recs for code in ("AM", "BM")]
    return {
        "format": "kaoping-bundle/1",
        "campaign": {"code": "BENCH", "name": "导入基准活动", "kind": "mutual",
                     "period_start": "2026-07-01", "period_end": "2026-09-30"},
        "groups": group_recs, "units": unit_recs, "indicators": tops, "raters": rater_recs,
        "scores": scores, "measures": measures,
        "adjustments": [{"unit": "U001", "points": 2, "reason": "创新加分"}],
        "vetoes": [], "history": [],
    }


def _cpu(pid: int) -> float | None:
    """CPU seconds used so far by a local process (the PostgreSQL backend), if visible."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("KAOPING_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres"),
                    help="a PostgreSQL server (any database on it) to create the scratch databases on")
    ap.add_argument("--quick", action="store_true", help="80 units, 90 raters, about 72,000 scores, one run")
    ap.add_argument("--units", type=int)
    ap.add_argument("--raters", type=int)
    ap.add_argument("--coverage", type=float, default=0.5, help="share of units each rater scores")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--runs", type=int)
    args = ap.parse_args(argv)
    units = args.units or (80 if args.quick else 260)
    raters = args.raters or (90 if args.quick else 173)
    runs = args.runs or (1 if args.quick else 3)

    import psycopg

    t0 = time.perf_counter()
    bundle = generate(units=units, raters=raters, coverage=args.coverage, seed=args.seed)
    n = len(bundle["scores"])
    leaves = sum(1 for t in bundle["indicators"] for c in t["children"] if "rule" not in c)
    print(f"campaign: {units} units, {len(bundle['raters'])} raters in 4 groups, {leaves} rated leaves, "
          f"{n:,} scores, {len(bundle['measures'])} measures (generated in {time.perf_counter() - t0:.1f} s)")

    server = args.url.rsplit("/", 1)[0]
    prefix = f"kaoping_bench_{os.getpid()}"
    try:
        admin = psycopg.connect(args.url, autocommit=True)
    except psycopg.Error as exc:
        print(f"PostgreSQL is not reachable at {args.url}: {exc}", file=sys.stderr)
        return 2
    created: list[str] = []
    try:
        admin.execute(f'CREATE DATABASE "{prefix}_tpl"')
        created.append(f"{prefix}_tpl")
        os.environ["KAOPING_DATABASE_URL"] = f"{server}/{prefix}_tpl"
        os.environ.setdefault("KAOPING_SECRET_KEY", "bench-only")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaoping.config.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        from kaoping.campaigns.services import bundle_import
        from kaoping.ledger.models import LedgerEntry
        from kaoping.ledger.selectors import ledger_verify

        call_command("migrate", verbosity=0)
        connections.close_all()

        print(f"\n{'run':<6}{'import s':>10}{'scores/s':>12}{'client CPU':>12}{'server CPU':>12}"
              f"{'raw COPY s':>12}{'scores/s':>12}{'keyed COPY':>12}{'scores/s':>12}")
        results: list[tuple[float, float, float]] = []
        verify = None
        for run in range(1, runs + 1):
            name = f"{prefix}_{run}"
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{prefix}_tpl"')
            created.append(name)
            connection.settings_dict["NAME"] = name
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            server_cpu, client_cpu = _cpu(backend), time.process_time()
            started = time.perf_counter()
            try:
                bundle_import(data=bundle, source="bench")
            except Exception as exc:  # noqa: BLE001 - reported, exit 2
                print(f"import failed: {exc}", file=sys.stderr)
                return 2
            import_s = time.perf_counter() - started
            client_cpu = time.process_time() - client_cpu
            server_cpu = _cpu(backend) - server_cpu if server_cpu is not None else float("nan")
            if verify is None:
                started = time.perf_counter()
                report = ledger_verify()
                verify = (time.perf_counter() - started, sum(report.rows.values()), report,
                          LedgerEntry.objects.count())
            with connection.cursor() as cursor:
                cursor.execute("SELECT id, assignment_id, indicator_id, value_number, value_label "
                               "FROM campaigns_score ORDER BY id")
                rows = cursor.fetchall()
            connections.close_all()
            with psycopg.connect(f"{server}/{name}") as raw:
                raw.execute("CREATE TABLE bare_score (id bigint, assignment_id bigint, indicator_id bigint, "
                            "value_number double precision, value_label varchar(100))")
                # the same table with the same keys, indexes and checks as campaigns_score, no ledger
                raw.execute("CREATE TABLE keyed_score (LIKE campaigns_score INCLUDING ALL)")
                raw.execute("ALTER TABLE keyed_score "
                            "ADD FOREIGN KEY (assignment_id) REFERENCES campaigns_assignment DEFERRABLE INITIALLY DEFERRED, "
                            "ADD FOREIGN KEY (indicator_id) REFERENCES indicators_indicatornode DEFERRABLE INITIALLY DEFERRED")
                raw.commit()
                timings = []
                for target in ("bare_score", "keyed_score"):
                    started = time.perf_counter()
                    with raw.cursor() as cur, cur.copy(f"COPY {target} (id, assignment_id, indicator_id, "
                                                       "value_number, value_label) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    raw.commit()
                    timings.append(time.perf_counter() - started)
                copy_s, keyed_s = timings
            admin.execute(f'DROP DATABASE "{name}"')
            created.remove(name)
            results.append((import_s, copy_s, keyed_s))
            print(f"{run:<6}{import_s:>10.2f}{n / import_s:>12,.0f}{client_cpu:>12.2f}{server_cpu:>12.2f}"
                  f"{copy_s:>12.2f}{len(rows) / copy_s:>12,.0f}{keyed_s:>12.2f}{len(rows) / keyed_s:>12,.0f}")

        best_import = min(r[0] for r in results)
        best_copy = min(r[1] for r in results)
        median_import = statistics.median(r[0] for r in results)
        best_keyed = min(r[2] for r in results)
        rate, base, keyed = n / best_import, n / best_copy, n / best_keyed
        print(f"{'best':<6}{best_import:>10.2f}{rate:>12,.0f}{'':>24}{best_copy:>12.2f}{base:>12,.0f}"
              f"{best_keyed:>12.2f}{keyed:>12,.0f}")
        print(f"{'median':<6}{median_import:>10.2f}{n / median_import:>12,.0f}")
        print(f"\nratio import (with ledger) / raw COPY into a bare table:        {rate / base:.3f}"
              f" ({base / rate:.1f}× slower)")
        print(f"ratio import (with ledger) / raw COPY into the same keyed table: {rate / keyed:.3f}"
              f" ({keyed / rate:.1f}× slower)   load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        assert verify is not None
        verify_s, verified_rows, report, entries = verify
        print(f"ledger: {entries} entries for the import; `ledger verify` over {verified_rows:,} rows: "
              f"{verify_s:.2f} s ({'ok' if report.ok else 'FAILED'})")
        met = rate >= TARGET and report.ok
        print(f"target ≥ {TARGET:,} scores/s with the ledger: {'met' if met else 'NOT met'} ({rate:,.0f})")
        return 0 if met else 1
    finally:
        try:
            from django.db import connections as open_connections

            open_connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        for name in reversed(created):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
