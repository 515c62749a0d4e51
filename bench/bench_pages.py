"""Benchmark: results pages, heat map and exports on a big campaign in PostgreSQL (issue 4).

Target: every page answers in at most 300 ms at the 95th percentile for a campaign of
500 units and about 200,000 scores.

Generates the campaign with ``bench/generate.py`` (500 units, about 200,000 scores, two
earlier periods; fixed seed), imports it into a fresh PostgreSQL database, closes it,
computes the results and publishes them, then times each page with Django's test client
over ``--requests`` requests (the first, which fills the per-snapshot cache, is shown
apart as "cold" and not counted). The baseline, measured in the same run with the same
client, is the log-in page — a page that touches no campaign data. The table shows p50
and p95 per page and the ratio of each p95 to the baseline's p95, and the number of SQL
queries of one warm request. The scratch database is dropped at the end.

Usage::

    python bench/bench_pages.py                  # 500 units, ~200,000 scores, 30 requests per page
    python bench/bench_pages.py --quick          # 120 units, ~30,000 scores, 10 requests
    python bench/bench_pages.py --url postgres://postgres@127.0.0.1:5432/postgres

``--no-migrations`` builds the tables straight from the models (as pytest's
``--nomigrations`` does) when a migration cannot run on this server.

Exit status: 0 when every page meets the target, 1 when one does not, 2 when PostgreSQL
cannot be reached or the set-up fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

TARGET_MS = 300.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _time(client: Any, urls: list[str], requests: int) -> tuple[float, list[float], int]:
    """Cold time of the first request, then ``requests`` warm times (ms) cycling ``urls``."""
    from django.db import connection, reset_queries

    started = time.perf_counter()
    response = client.get(urls[0])
    cold = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{urls[0]} answered {response.status_code}")
    times = []
    for i in range(requests):
        url = urls[i % len(urls)]
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    reset_queries()
    connection.force_debug_cursor = True
    client.get(urls[0])
    queries = len(connection.queries)
    connection.force_debug_cursor = False
    return cold, times, queries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("KAOPING_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres"),
                    help="a PostgreSQL server (any database on it) to create the scratch database on")
    ap.add_argument("--quick", action="store_true", help="120 units, about 30,000 scores, 10 requests per page")
    ap.add_argument("--units", type=int)
    ap.add_argument("--scores", type=int)
    ap.add_argument("--requests", type=int)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-migrations", action="store_true", help="create the tables from the models")
    args = ap.parse_args(argv)
    units = args.units or (120 if args.quick else 500)
    scores = args.scores or (30_000 if args.quick else 200_000)
    requests = args.requests or (10 if args.quick else 30)

    import psycopg

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from generate import generate

    t0 = time.perf_counter()
    bundle = generate(units=units, scores=scores, history=2, seed=args.seed, campaign="BENCH2026Q3")
    bundle["campaign"]["kind"] = "mutual"
    print(f"campaign: {len(bundle['units'])} units, {len(bundle['raters'])} raters, {len(bundle['scores']):,} scores, "
          f"{len(bundle['measures'])} measures, {len(bundle.get('history') or [])} earlier periods "
          f"(generated in {time.perf_counter() - t0:.1f} s)")

    server = args.url.rsplit("/", 1)[0]
    name = f"kaoping_bench_pages_{os.getpid()}"
    try:
        admin = psycopg.connect(args.url, autocommit=True)
    except psycopg.Error as exc:
        print(f"PostgreSQL is not reachable at {args.url}: {exc}", file=sys.stderr)
        return 2
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        os.environ["KAOPING_DATABASE_URL"] = f"{server}/{name}"
        os.environ.setdefault("KAOPING_SECRET_KEY", "bench-only")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaoping.config.settings")
        import django
        from django.conf import settings

        if args.no_migrations:
            class _NoMigrations(dict):
                def __contains__(self, item: object) -> bool:
                    return True

                def __getitem__(self, item: str) -> None:
                    return None

            settings.MIGRATION_MODULES = _NoMigrations()
        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django.test import Client
        from django.test.utils import setup_test_environment

        from kaoping.accounts.services import user_create
        from kaoping.campaigns.services import bundle_import, campaign_transition, results_compute
        from kaoping.org.models import Unit
        from kaoping.reports.services import results_publish

        setup_test_environment()  # lets the test client's host in
        try:
            call_command("migrate", verbosity=0, run_syncdb=args.no_migrations)
        except Exception as exc:  # noqa: BLE001 - reported, exit 2
            print(f"migrate failed ({exc}); try --no-migrations", file=sys.stderr)
            return 2

        t0 = time.perf_counter()
        office = user_create(username="bench_office", role="office", name="考核办")
        campaign = bundle_import(data=bundle, by=office, source="bench")
        import_s = time.perf_counter() - t0
        for to in ("open", "closed"):
            campaign = campaign_transition(campaign=campaign, to=to, by=office)
        t0 = time.perf_counter()
        snapshot = results_compute(campaign=campaign, by=office)
        compute_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        results_publish(campaign=campaign, mode="interval", by=office)
        publish_s = time.perf_counter() - t0
        print(f"import {import_s:.1f} s · results {compute_s:.1f} s · publish {publish_s:.1f} s "
              f"(bundle re-exported and hashed)")

        ranked = [u["unit"] for u in snapshot.results["units"]]
        middle = ranked[len(ranked) // 2]
        contact = user_create(username="bench_contact", role="unit_contact", unit=Unit.objects.get(code=middle))
        code = campaign.code
        base = f"/campaigns/{code}/results/"
        sample = ranked[:: max(1, len(ranked) // 10)][:10]
        pages: list[tuple[str, Any, list[str]]] = [
            ("baseline: log-in page", None, ["/accounts/login/"]),
            ("ranking (office)", office, [base]),
            ("unit page (office, 10 units)", office, [f"{base}units/{u}/" for u in sample]),
            ("heat map + distributions", office, [f"{base}heatmap/"]),
            ("result-use rules", office, [f"{base}rules/"]),
            ("ranking (unit contact, interval)", contact, [base]),
            ("own unit page (unit contact)", contact, [f"{base}units/{middle}/"]),
            ("Excel ranking export", office, [f"{base}export.xlsx"]),
            ("Word diagnosis report", office, [f"{base}units/{u}/report.docx" for u in sample]),
        ]
        rows = []
        for label, user, urls in pages:
            client = Client()
            if user is not None:
                client.force_login(user)
            cold, times, queries = _time(client, urls, requests)
            rows.append((label, cold, statistics.median(times), _percentile(times, 0.95), queries))
        connections.close_all()
    finally:
        try:
            from django.db import connections as conns

            conns.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not be set up
            pass
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    base_p95 = rows[0][3]
    print(f"\n{'page':<36}{'cold ms':>9}{'p50 ms':>9}{'p95 ms':>9}{'× base':>9}{'queries':>9}")
    ok = True
    for label, cold, p50, p95, queries in rows:
        mark = "" if label.startswith("baseline") or p95 <= TARGET_MS else "  ✗"
        ok = ok and not mark
        print(f"{label:<36}{cold:>9.1f}{p50:>9.1f}{p95:>9.1f}{p95 / base_p95:>9.1f}{queries:>9}{mark}")
    print(f"\ntarget: p95 ≤ {TARGET_MS:.0f} ms per page over {requests} warm requests — "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
