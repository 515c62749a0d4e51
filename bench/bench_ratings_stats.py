"""Month window statistics over ≥ 10 million ratings (R4.8, issue 5, benchmark 3).

On a fresh PostgreSQL database: 10 million transactions and their ratings generated in
SQL (``generate_series``; five years, 2,000 windows in 20 halls), the monthly summary
rebuilt from them (``summary_rebuild``), then timed:

* the C4 answer ``GET /api/v1/stats/windows?period=…`` computed the way the server does
  (``stats.window_stats``: the summary table) — target ≤ 2 s;
* the same rows from the raw ratings of the month (``window_stats_from_raw``: index range);
* the baseline: one full scan of the ratings table (``GROUP BY window_id`` over all rows).

Prints the times and the ratios to the full scan; exit 0 when the answer takes ≤ 2 s and
equals the raw computation, 1 otherwise, 2 without PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ratings_common as rc  # noqa: E402

WINDOWS, HALLS, STAFF, ITEMS, MONTHS = 2000, 20, 6000, 300, 60


BIG = ("ratings_transaction", "ratings_rating")


def drop_indexes(cur) -> list[str]:
    """Drop the big tables' unique/foreign-key constraints and secondary indexes (bulk-load
    practice); returns the statements that put them back."""
    cur.execute("SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid), contype FROM pg_constraint "
                "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f')", [list(BIG)])
    constraints = cur.fetchall()
    for name, table, _, _ in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                "AND indexname NOT LIKE '%%_pkey'", [list(BIG)])
    indexes = cur.fetchall()
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    restore = [d for _, d in indexes]
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for n, t, d, kind in constraints if kind == "u"]
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for n, t, d, kind in constraints if kind == "f"]
    return restore


def generate(cur, n: int) -> None:
    """Registers, ``n`` transactions and ``n`` ratings, in SQL; indexes and constraints built after."""
    cur.execute("SET maintenance_work_mem = '1GB'")
    cur.execute("SET synchronous_commit = off")
    restore = drop_indexes(cur)
    cur.execute(f"""INSERT INTO ratings_hall (id, code, name, confirmed, created_at)
        SELECT g, 'H' || g, '大厅' || g, true, now() FROM generate_series(1, {HALLS}) g""")
    cur.execute(f"""INSERT INTO ratings_window (id, hall_id, code, name, confirmed, created_at)
        SELECT g, 1 + g % {HALLS}, 'W' || g, '窗口' || g, true, now() FROM generate_series(1, {WINDOWS}) g""")
    cur.execute(f"""INSERT INTO ratings_staffmember (id, code, name, window_id, confirmed, created_at)
        SELECT g, 'S' || g, '人员' || g, 1 + g % {WINDOWS}, true, now() FROM generate_series(1, {STAFF}) g""")
    cur.execute(f"""INSERT INTO ratings_serviceitem (id, code, name, confirmed, created_at)
        SELECT g, 'I' || g, '事项' || g, true, now() FROM generate_series(1, {ITEMS}) g""")
    # transaction i: window 1 + i % W, completed at a time spread over MONTHS months
    cur.execute(f"""INSERT INTO ratings_transaction (id, external_id, service_item_id, hall_id, window_id, staff_id,
            channel, applicant_name_masked, applicant_phone_hash, applicant_phone_masked, applicant_phone_sealed,
            accepted_at, completed_at, promised_minutes, promised_days, on_the_spot, waiting_minutes, rate_until,
            period, content_hash, source, received_at)
        SELECT g, 'G' || g, 1 + g % {ITEMS}, 1 + (1 + g % {WINDOWS}) % {HALLS}, 1 + g % {WINDOWS},
            1 + g % {STAFF}, 'onsite', '', '', '', '', t - interval '30 minutes', t, NULL, 1, g % 3 = 0,
            (g % 40)::float, t + interval '7 days', date_trunc('month', t AT TIME ZONE 'Asia/Shanghai')::date,
            '', 'bench', now()
        FROM (SELECT g, timestamptz '2021-01-01 00:00+08' + (g::float / {n}) * interval '{MONTHS} months' AS t
              FROM generate_series(1, {n}) g) s""")
    cur.execute(f"""INSERT INTO ratings_rating (id, transaction_id, level, items, tags, comment, channel, rated_at,
            period, hall_id, window_id, staff_id, service_item_id, real_name, rater_phone_hash, rater_phone_masked,
            rater_phone_sealed, device_hash, is_default, excluded, entered_by_id)
        SELECT g, g, lv, '{{}}'::jsonb, '[]'::jsonb, '', 'kiosk', t,
            date_trunc('month', t AT TIME ZONE 'Asia/Shanghai')::date, 1 + (1 + g % {WINDOWS}) % {HALLS},
            1 + g % {WINDOWS}, 1 + g % {STAFF}, 1 + g % {ITEMS}, false, '', '', '', '', false, false, NULL
        FROM (SELECT g, timestamptz '2021-01-01 00:00+08' + (g::float / {n}) * interval '{MONTHS} months'
                        + interval '10 minutes' AS t,
                     CASE WHEN abs(hashint4(g)) % 100 < 2 THEN 1 + abs(hashint4(g * 7)) % 2
                          WHEN abs(hashint4(g)) % 100 < 10 THEN 3
                          ELSE 4 + abs(hashint4(g * 13)) % 2 END AS lv
              FROM generate_series(1, {n}) g) s""")
    for statement in restore:  # the foreign keys are validated here: every rating has its transaction
        cur.execute(statement)
    for table in ("hall", "window", "staffmember", "serviceitem", "transaction", "rating"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('ratings_{table}', 'id'), "
                    f"(SELECT max(id) FROM ratings_{table}))")
    cur.execute("ANALYZE ratings_rating")
    cur.execute("ANALYZE ratings_transaction")


def timed(fn, runs: int = 3):
    best, result = float("inf"), None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1 million ratings instead of 10 million")
    ap.add_argument("--ratings", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = ap.parse_args(argv)
    n = args.ratings or (1_000_000 if args.quick else 10_000_000)
    name = f"kaoping_bench_stats_{os.getpid()}"
    try:
        url = rc.fresh_database(name)
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
        return 2
    try:
        rc.kaoping(["migrate", "--noinput"], rc.server_env(url))
        rc.setup_django(url)
        import datetime as dt

        from django.db import connection

        from kaoping.ratings import stats
        from kaoping.ratings.services import summary_rebuild

        t0 = time.perf_counter()
        with connection.cursor() as cur:
            generate(cur, n)
        gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        summary_rows = summary_rebuild()
        rebuild = time.perf_counter() - t0
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM ratings_rating")
            count = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM ratings_rating r LEFT JOIN ratings_transaction t "
                        "ON t.id = r.transaction_id WHERE t.id IS NULL")
            orphans = cur.fetchone()[0]
        period = dt.date(2023, 6, 1)

        def full_scan():
            with connection.cursor() as cur:
                cur.execute("SELECT window_id, count(*), sum(level) FROM ratings_rating GROUP BY window_id")
                return cur.fetchall()

        t_scan, _ = timed(full_scan, runs=2)
        t_api, rows = timed(lambda: stats.window_stats(period))
        t_raw, raw_rows = timed(lambda: stats.window_stats_from_raw(period))
        same = rows == raw_rows
        month_count = sum(r["count"] for r in rows)
        print(f"{'measure':<52}{'value':>14}")
        print(f"{'ratings in the table (generated in SQL)':<52}{count:>14,}")
        print(f"{'ratings without a transaction':<52}{orphans:>14}")
        print(f"{'generation time (s)':<52}{gen:>14.1f}")
        print(f"{'summary rebuild from raw rows (s) / rows':<52}{rebuild:>8.1f} / {summary_rows}")
        print(f"{'month ' + period.strftime('%Y-%m') + ': windows / ratings':<52}{len(rows):>8} / {month_count:,}")
        print(f"{'C4 window stats from the summary (s)':<52}{t_api:>14.4f}")
        print(f"{'same rows from the month raw ratings (s)':<52}{t_raw:>14.4f}")
        print(f"{'baseline: full scan GROUP BY window (s)':<52}{t_scan:>14.3f}")
        print(f"{'ratio summary ÷ full scan':<52}{t_api / t_scan:>14.5f}")
        print(f"{'ratio month raw ÷ full scan':<52}{t_raw / t_scan:>14.5f}")
        print(f"{'summary rows equal the raw computation':<52}{str(same):>14}")
        met = t_api <= 2.0 and same and orphans == 0 and count >= n
        print("target (≤ 2 s, equal to raw):", "MET" if met else "NOT MET")
        return 0 if met else 1
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django never set up (failed before seeding)
            pass
        if not args.keep:
            rc.drop_database(name)


if __name__ == "__main__":
    sys.exit(main())
