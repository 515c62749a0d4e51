"""Rating submissions through the real server (R4.8, issue 5, benchmark 1).

On a fresh PostgreSQL database, `kaoping serve --workers 2` (gunicorn), 16 concurrent
clients POST /api/v1/ratings (each with an Idempotency-Key) for distinct transactions.
Prints ratings/s, p50/p99 latency, how many were lost (rows counted afterwards), and the
ratio to the machine's raw single-row INSERT+COMMIT rate from 16 psycopg threads, both
measured in this run.

Targets: ≥ 500 ratings/s sustained, p99 ≤ 200 ms, none lost.
Exit 0 when met, 1 when not, 2 when it could not run (no PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ratings_common as rc  # noqa: E402

CLIENTS = 16


def raw_insert_rate(url: str, seconds: float) -> float:
    """Rows/s of single-row INSERT + COMMIT from 16 threads (the machine's baseline)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CREATE TABLE bench_raw (id bigserial primary key, transaction_id bigint, level smallint, "
                  "comment text, rated_at timestamptz default now())")
    counts = [0] * CLIENTS
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        with psycopg.connect(url) as conn:
            while time.monotonic() < stop:
                conn.execute("INSERT INTO bench_raw (transaction_id, level, comment) VALUES (%s, %s, %s)",
                             (i, 5, "很好"))
                conn.commit()
                counts[i] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - start)


async def load(port: int, token: str, ids: list[str], total: int, lat: list[float], codes: dict[int, int],
               *, deadline: float) -> None:
    """16 clients, each posting its next rating as soon as the last is answered.

    One asyncio loop drives the 16 clients: threads with ``http.client`` spent as much
    CPU as the server's workers on these two cores, and the load generator should not
    be what is measured. Each request is a new connection (``Connection: close``), as a
    business system's short call would be.
    """
    queue = iter(range(total))

    async def client() -> None:
        for i in queue:
            if time.monotonic() > deadline:
                return
            body = {"transaction": ids[i], "level": 2 if i % 50 == 0 else 5 - i % 2, "items": {"attitude": 5},
                    "comment": "办事高效，态度热情" if i % 7 else "排队太久，材料繁琐", "channel": "kiosk"}
            t0 = time.perf_counter()
            status = 0
            for attempt in range(5):
                try:
                    status = await rc.apost(port, "/api/v1/ratings", body, token, key=f"k-{i}")
                    break
                except OSError:
                    await asyncio.sleep(0.05 * (attempt + 1))
                except ValueError as exc:  # an answer that is not JSON: counted under status -1
                    print(exc, file=sys.stderr)
                    status = -1
                    break
            lat.append(time.perf_counter() - t0)
            codes[status] = codes.get(status, 0) + 1

    await asyncio.gather(*(client() for _ in range(CLIENTS)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer ratings")
    ap.add_argument("--ratings", type=int, default=None, help="ratings to submit (default 15000, quick 4000)")
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--workers", type=int, default=None, help="server workers (default: kaoping serve's own)")
    args = ap.parse_args(argv)
    total = args.ratings or (4000 if args.quick else 15000)
    name = f"kaoping_bench_load_{os.getpid()}"
    try:
        url = rc.fresh_database(name)
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
        return 2
    server = None
    try:
        env = rc.server_env(url)
        rc.kaoping(["migrate", "--noinput"], env)
        token = rc.kaoping(["token", "create", "bench"], env).strip().splitlines()[-1]
        rc.setup_django(url)
        ids = rc.seed_transactions(total)
        baseline = raw_insert_rate(url, 5 if args.quick else 10)
        server = rc.Server(url, workers=args.workers)
        lat: list[float] = []
        codes: dict[int, int] = {}
        start = time.monotonic()
        asyncio.run(load(server.port, token, ids, total, lat, codes, deadline=start + args.max_seconds))
        elapsed = time.monotonic() - start
        server.stop()
        from django.db.models import Sum

        from kaoping.ledger.models import LedgerEntry
        from kaoping.ratings.models import Rating, RatingSummary

        stored = Rating.objects.count()
        summarised = RatingSummary.objects.filter(kind="window").aggregate(n=Sum("count"))["n"] or 0
        entries = LedgerEntry.objects.filter(action="rating.submit").count()
        ok = codes.get(201, 0)
        rate = ok / elapsed
        lat.sort()
        p50 = statistics.median(lat) * 1000
        p99 = lat[int(len(lat) * 0.99) - 1] * 1000
        lost = ok - stored
        print(f"{'measure':<44}{'value':>14}")
        print(f"{'ratings submitted (16 clients)':<44}{len(lat):>14}")
        print(f"{'answers by status':<44}{str(dict(sorted(codes.items()))):>14}")
        print(f"{'elapsed (s)':<44}{elapsed:>14.2f}")
        print(f"{'ratings/s (201 answers)':<44}{rate:>14.1f}")
        print(f"{'latency p50 / p99 (ms)':<44}{p50:>8.1f} / {p99:.1f}")
        print(f"{'rows in ratings_rating afterwards':<44}{stored:>14}")
        print(f"{'lost (201 answered but no row)':<44}{lost:>14}")
        print(f"{'monthly summary total (must equal rows)':<44}{summarised:>14}")
        print(f"{'ledger entries (ratings per entry)':<44}{entries:>8} ({stored / max(entries, 1):.2f})")
        print(f"{'baseline: raw INSERT+COMMIT rows/s (16 thr)':<44}{baseline:>14.1f}")
        print(f"{'ratio ratings/s ÷ raw INSERT rate':<44}{rate / baseline:>14.3f}")
        met = rate >= 500 and p99 <= 200 and lost == 0 and stored == ok == total == summarised
        print("target (≥ 500/s, p99 ≤ 200 ms, none lost):", "MET" if met else "NOT MET")
        return 0 if met else 1
    finally:
        if server is not None:
            server.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django never set up (failed before seeding)
            pass
        rc.drop_database(name)


if __name__ == "__main__":
    sys.exit(main())
