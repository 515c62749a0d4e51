"""Statistics of ratings (R4.5, C4 ``/stats/windows``), read from the monthly summary.

Scale (R4.8): 100,000 ratings a day for 5 years is about 180 million rows. Every
question here is per month and per window / staff member / service item, so the
answers come from :class:`~kaoping.ratings.models.RatingSummary` — a few hundred rows a
month, kept exact in the same transaction as each rating — and never from a scan of the
ratings. :func:`summary_rebuild_sql` recomputes it from the raw rows in SQL (after a
bulk load, or to check it).

Definitions: 好评 = levels 5 and 4, 中评 = 3, 差评 = 2 and 1; satisfaction =
100 × mean((level − 1) / 4); ranks by satisfaction, ties sharing a rank (1, 2, 2, 4).
Default levels and ratings excluded by an upheld appeal are never in ``count``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Sequence
from fractions import Fraction
from typing import Any

from django.db import connection

from .models import (
    BadRatingCase,
    Hall,
    Rating,
    RatingPolicy,
    RatingSummary,
    ServiceItem,
    StaffMember,
    SummaryKind,
    Transaction,
    Window,
)


def parse_period(text: str) -> dt.date:
    """``"2025-06"`` → 1 June 2025; ValueError for anything else."""
    if not isinstance(text, str) or len(text) != 7 or text[4] != "-":
        raise ValueError(text)
    year, month = int(text[:4]), int(text[5:])
    if not (2000 <= year <= 2200 and 1 <= month <= 12) or not text[:4].isdigit() or not text[5:].isdigit():
        raise ValueError(text)
    return dt.date(year, month, 1)


def previous_periods(period: dt.date, n: int) -> list[dt.date]:
    """``period`` and the ``n - 1`` months before it, newest first."""
    out, day = [], period
    for _ in range(n):
        out.append(day)
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return out


def _satisfaction(level_sum: int, count: int) -> Fraction | None:
    return Fraction(100 * (level_sum - count), 4 * count) if count else None


def _ranks(values: Sequence[Fraction]) -> list[int]:
    """Competition ranks of ``values`` sorted descending (ties share the better rank)."""
    ranks, prev, rank = [], None, 0
    for i, v in enumerate(values, 1):
        if v != prev:
            rank, prev = i, v
        ranks.append(rank)
    return ranks


def window_stats(period: dt.date) -> list[dict[str, Any]]:
    """The C4 rows of ``GET /api/v1/stats/windows?period=YYYY-MM``, ranked."""
    rows = list(RatingSummary.objects.filter(period=period, kind=SummaryKind.WINDOW, count__gt=0)
                .values_list("key", "count", "n1", "n2", "n3", "n4", "n5", "level_sum", "bad_rectified"))
    windows = {w.pk: w for w in Window.objects.filter(pk__in=[r[0] for r in rows]).select_related("hall")}
    out = []
    for key, count, n1, n2, n3, n4, n5, level_sum, rectified in rows:
        w = windows[key]
        sat = _satisfaction(level_sum, count)
        out.append((sat, w.hall.code, w.code, {
            "hall": w.hall.code, "window": w.code, "count": count,
            "levels": {"1": n1, "2": n2, "3": n3, "4": n4, "5": n5},
            "good_rate": (n4 + n5) / count, "bad_count": n1 + n2, "bad_rectified": rectified,
            "satisfaction": float(sat), "rank": 0,
        }))
    out.sort(key=lambda t: (-t[0], t[1], t[2]))
    for rank, item in zip(_ranks([t[0] for t in out]), out, strict=True):
        item[3]["rank"] = rank
    return [t[3] for t in out]


#: the summary counters behind the R4.5 measures (a hall sums them over its windows)
_COUNTERS = ("count", "n1", "n2", "n3", "n4", "n5", "level_sum", "bad_rectified", "real_name_bad", "called_back",
             "excluded", "default_count", "default_level_sum", "txn_count", "txn_timed", "txn_on_time",
             "txn_on_the_spot", "waiting_n", "waiting_sum", "handling_n", "handling_sum")


def _measures(s: dict[str, Any]) -> dict[str, Any]:
    """The R4.5 measures of one set of summary counters (a row, or a sum of rows)."""
    count, bad = s["count"], s["n1"] + s["n2"]
    sat = _satisfaction(s["level_sum"], count)
    return {
        "count": count, "levels": {str(i): s[f"n{i}"] for i in range(1, 6)},
        "good": s["n4"] + s["n5"], "middle": s["n3"], "bad": bad,
        "good_rate": (s["n4"] + s["n5"]) / count if count else None,
        "satisfaction": float(sat) if sat is not None else None, "_sat": sat,
        "bad_rectified": s["bad_rectified"], "rectification_rate": s["bad_rectified"] / bad if bad else None,
        "real_name_bad": s["real_name_bad"],
        "callback_rate": s["called_back"] / s["real_name_bad"] if s["real_name_bad"] else None,
        "excluded": s["excluded"],
        "default_count": s["default_count"],
        "default_satisfaction": float(_satisfaction(s["default_level_sum"], s["default_count"]))
        if s["default_count"] else None,
        "transactions": s["txn_count"],
        "on_time_rate": s["txn_on_time"] / s["txn_timed"] if s["txn_timed"] else None,
        "on_the_spot_rate": s["txn_on_the_spot"] / s["txn_count"] if s["txn_count"] else None,
        "avg_waiting_minutes": s["waiting_sum"] / s["waiting_n"] if s["waiting_n"] else None,
        "avg_handling_minutes": s["handling_sum"] / s["handling_n"] if s["handling_n"] else None,
        "rank": None,
    }


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with a satisfaction ranked (ties share a rank), then the others by code."""
    ranked = sorted((r for r in rows if r["_sat"] is not None), key=lambda r: (-r["_sat"], r["code"]))
    for rank, r in zip(_ranks([r["_sat"] for r in ranked]), ranked, strict=True):
        r["rank"] = rank
    unranked = sorted((r for r in rows if r["_sat"] is None), key=lambda r: r["code"])
    for r in rows:
        del r["_sat"]
    return ranked + unranked


def stats_table(kind: str, period: dt.date) -> list[dict[str, Any]]:
    """Every measure of R4.5 per window / staff / item for one month, ranked by satisfaction.

    Rows include objects with transactions but no ratings (rank None).
    """
    summaries = list(RatingSummary.objects.filter(period=period, kind=kind))
    model = {SummaryKind.WINDOW: Window, SummaryKind.STAFF: StaffMember, SummaryKind.ITEM: ServiceItem}[kind]
    qs = model.objects.filter(pk__in=[s.key for s in summaries])
    if kind == SummaryKind.WINDOW:
        qs = qs.select_related("hall")
    objects = {o.pk: o for o in qs}
    rows = []
    for s in summaries:
        obj = objects.get(s.key)
        if obj is None:
            continue
        rows.append({
            "kind": kind, "id": obj.pk, "code": obj.code, "name": obj.name,
            "hall": obj.hall.code if kind == SummaryKind.WINDOW else None,
            "hall_name": obj.hall.name if kind == SummaryKind.WINDOW else None,
            **_measures({c: getattr(s, c) for c in _COUNTERS}),
        })
    return _ranked(rows)


def hall_stats(period: dt.date) -> list[dict[str, Any]]:
    """Per hall, every measure :func:`stats_table` gives a window: the sums of its
    windows' summary rows (exact: each window belongs to one hall), ranked."""
    halls: dict[int, dict[str, Any]] = {}
    rows = RatingSummary.objects.filter(period=period, kind=SummaryKind.WINDOW).values("hall_id", *_COUNTERS)
    for values in rows:
        h = halls.setdefault(values["hall_id"], dict.fromkeys(_COUNTERS, 0))
        for c in _COUNTERS:
            h[c] += values[c]
    names = Hall.objects.in_bulk(list(halls))
    out = [{"kind": "hall", "id": pk, "code": names[pk].code, "name": names[pk].name, "hall": None,
            "hall_name": None, **_measures(h)} for pk, h in halls.items() if pk in names]
    return _ranked(out)


def windows_trend(until: dt.date, months: int, window_ids: Collection[int]) -> list[dict[str, Any]]:
    """Monthly count, satisfaction and bad ratings summed over some windows, oldest first
    (the dashboard trend of a unit contact; :func:`hall_stats` gives the city's)."""
    periods = previous_periods(until, months)
    sums: dict[dt.date, list[int]] = {p: [0, 0, 0] for p in periods}
    for p, count, level_sum, n1, n2 in (RatingSummary.objects
                                        .filter(kind=SummaryKind.WINDOW, period__in=periods, key__in=sorted(window_ids))
                                        .values_list("period", "count", "level_sum", "n1", "n2")):
        row = sums[p]
        row[0] += count
        row[1] += level_sum
        row[2] += n1 + n2
    out = []
    for p in reversed(periods):
        count, level_sum, bad = sums[p]
        sat = _satisfaction(level_sum, count)
        out.append({"period": p.strftime("%Y-%m"), "count": count,
                    "satisfaction": float(sat) if sat is not None else None, "bad": bad})
    return out


def _ranked_keys(kind: str, period: dt.date) -> list[tuple[int, Fraction]]:
    rows = RatingSummary.objects.filter(period=period, kind=kind, count__gt=0).values_list("key", "level_sum", "count")
    ranked = [(key, _satisfaction(ls, c)) for key, ls, c in rows]
    return sorted(ranked, key=lambda t: -t[1])  # type: ignore[operator]


def _top(ranked: list[tuple[int, Fraction]], share: float) -> set[int]:
    """Keys in the top ``share`` (at least one; ties at the cut are included)."""
    if not ranked:
        return set()
    n = max(1, math.ceil(len(ranked) * share))
    cut = ranked[n - 1][1]
    return {k for k, v in ranked if v >= cut}


def honour_lists(period: dt.date, kind: str = SummaryKind.WINDOW,
                 policy: RatingPolicy | None = None) -> dict[str, list[dict[str, Any]]]:
    """Red list (top share every one of the last ``red_months`` months → commendation),
    black list (bottom share every one of the last ``black_months`` → interview), and the
    inspection list (satisfaction below the line for ``inspection_periods`` months running).
    """
    policy = policy or RatingPolicy.objects.filter(pk=1).first() or RatingPolicy()
    def streak(months: int, pick) -> set[int]:
        keys: set[int] | None = None
        for p in previous_periods(period, months):
            chosen = pick(_ranked_keys(kind, p))
            keys = chosen if keys is None else keys & chosen
        return keys or set()

    red = streak(policy.red_months, lambda r: _top(r, policy.red_share))
    black = streak(policy.black_months, lambda r: _top([(k, -v) for k, v in reversed(r)], policy.black_share))
    line = Fraction(policy.inspection_below).limit_denominator(1000)
    low = streak(policy.inspection_periods, lambda r: {k for k, v in r if v < line})
    model = {SummaryKind.WINDOW: Window, SummaryKind.STAFF: StaffMember, SummaryKind.ITEM: ServiceItem}[kind]
    objects = {o.pk: o for o in model.objects.filter(pk__in=red | black | low)}
    history = {p: dict(_ranked_keys(kind, p)) for p in previous_periods(period, max(
        policy.red_months, policy.black_months, policy.inspection_periods))}

    def describe(keys: set[int], months: int) -> list[dict[str, Any]]:
        rows = []
        for k in sorted(keys, key=lambda k: objects[k].code):
            o = objects[k]
            rows.append({"id": k, "code": o.code, "name": o.name,
                         "satisfaction": {p.strftime("%Y-%m"): float(history[p][k])
                                          for p in previous_periods(period, months) if k in history[p]}})
        return rows

    return {"red": describe(red, policy.red_months), "black": describe(black, policy.black_months),
            "inspection": describe(low, policy.inspection_periods)}


def trend(kind: str, key: int, months: int = 12, *, until: dt.date) -> list[dict[str, Any]]:
    """Monthly count and satisfaction of one object (for a chart), oldest first."""
    periods = previous_periods(until, months)
    rows = {s.period: s for s in RatingSummary.objects.filter(kind=kind, key=key, period__in=periods)}
    out = []
    for p in reversed(periods):
        s = rows.get(p)
        sat = _satisfaction(s.level_sum, s.count) if s else None
        out.append({"period": p.strftime("%Y-%m"), "count": s.count if s else 0,
                    "satisfaction": float(sat) if sat is not None else None,
                    "bad": (s.n1 + s.n2) if s else 0, "bad_rectified": s.bad_rectified if s else 0,
                    "default_count": s.default_count if s else 0})
    return out


# --------------------------------------------------------------------------- rebuild


def _minutes(end: str, start: str) -> str:
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 60.0)"
    return f"((julianday({end}) - julianday({start})) * 1440.0)"


def summary_rebuild_sql(*, periods: list[dt.date] | None = None) -> int:
    """Recompute summary rows from ``ratings_rating`` and ``ratings_transaction`` in SQL."""
    t_sum, t_rat = RatingSummary._meta.db_table, Rating._meta.db_table
    t_txn, t_case = Transaction._meta.db_table, BadRatingCase._meta.db_table
    where_r = where_t = ""
    params: list[Any] = []
    if periods is not None:
        if not periods:
            return 0
        marks = ", ".join(["%s"] * len(periods))
        where_r, where_t = f"AND r.period IN ({marks})", f"AND t.period IN ({marks})"
        params = list(periods)
    with connection.cursor() as cur:
        if periods is None:
            cur.execute(f"DELETE FROM {t_sum}")
        else:
            cur.execute(f"DELETE FROM {t_sum} WHERE period IN ({', '.join(['%s'] * len(periods))})", params)
        live = "(NOT r.excluded AND NOT r.is_default)"
        rating_cols = f"""
            SUM(CASE WHEN {live} THEN 1 ELSE 0 END),
            SUM(CASE WHEN {live} AND r.level = 1 THEN 1 ELSE 0 END),
            SUM(CASE WHEN {live} AND r.level = 2 THEN 1 ELSE 0 END),
            SUM(CASE WHEN {live} AND r.level = 3 THEN 1 ELSE 0 END),
            SUM(CASE WHEN {live} AND r.level = 4 THEN 1 ELSE 0 END),
            SUM(CASE WHEN {live} AND r.level = 5 THEN 1 ELSE 0 END),
            SUM(CASE WHEN {live} THEN r.level ELSE 0 END),
            SUM(CASE WHEN {live} AND c.rectified_at IS NOT NULL THEN 1 ELSE 0 END),
            SUM(CASE WHEN {live} AND r.real_name AND r.level <= 2 THEN 1 ELSE 0 END),
            SUM(CASE WHEN {live} AND r.real_name AND c.called_back_at IS NOT NULL THEN 1 ELSE 0 END),
            SUM(CASE WHEN r.excluded THEN 1 ELSE 0 END),
            SUM(CASE WHEN r.is_default AND NOT r.excluded THEN 1 ELSE 0 END),
            SUM(CASE WHEN r.is_default AND NOT r.excluded THEN r.level ELSE 0 END)"""
        counters = ("count, n1, n2, n3, n4, n5, level_sum, bad_rectified, real_name_bad, called_back, "
                    "excluded, default_count, default_level_sum")
        zeros_txn = "0, 0, 0, 0, 0, 0.0, 0, 0.0"
        txn_cols = "txn_count, txn_timed, txn_on_time, txn_on_the_spot, waiting_n, waiting_sum, handling_n, handling_sum"
        for kind, col, hall in (("window", "window_id", "r.hall_id"), ("staff", "staff_id", "r.hall_id"),
                                ("item", "service_item_id", "0")):
            cur.execute(f"""
                INSERT INTO {t_sum} (period, kind, "key", hall_id, {counters}, {txn_cols})
                SELECT r.period, '{kind}', r.{col}, MIN({hall}), {rating_cols}, {zeros_txn}
                FROM {t_rat} r LEFT JOIN {t_case} c ON c.rating_id = r.id
                WHERE r.{col} IS NOT NULL {where_r}
                GROUP BY r.period, r.{col}""", params)
        handling = _minutes("t.completed_at", "t.accepted_at")
        took = handling
        on_time_known = "(t.completed_at IS NOT NULL AND (t.promised_minutes IS NOT NULL OR t.promised_days IS NOT NULL))"
        on_time = (f"({on_time_known} AND {took} <= COALESCE(t.promised_minutes * 1.0, t.promised_days * 1440.0) "
                   f"+ 0.000001)")
        txn_select = f"""
            COUNT(*),
            SUM(CASE WHEN {on_time_known} THEN 1 ELSE 0 END),
            SUM(CASE WHEN {on_time} THEN 1 ELSE 0 END),
            SUM(CASE WHEN t.on_the_spot THEN 1 ELSE 0 END),
            SUM(CASE WHEN t.waiting_minutes IS NOT NULL THEN 1 ELSE 0 END),
            COALESCE(SUM(t.waiting_minutes), 0),
            SUM(CASE WHEN t.completed_at IS NOT NULL THEN 1 ELSE 0 END),
            COALESCE(SUM(CASE WHEN t.completed_at IS NOT NULL THEN {handling} ELSE 0 END), 0)"""
        updates = ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in txn_cols.split(","))
        for kind, col, hall in (("window", "window_id", "t.hall_id"), ("staff", "staff_id", "t.hall_id"),
                                ("item", "service_item_id", "0")):
            cur.execute(f"""
                INSERT INTO {t_sum} (period, kind, "key", hall_id, {counters}, {txn_cols})
                SELECT t.period, '{kind}', t.{col}, MIN({hall}), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, {txn_select}
                FROM {t_txn} t WHERE t.{col} IS NOT NULL {where_t}
                GROUP BY t.period, t.{col}
                ON CONFLICT (period, kind, "key") DO UPDATE SET {updates}""", params)
        cur.execute(f"SELECT COUNT(*) FROM {t_sum}" + (
            f" WHERE period IN ({', '.join(['%s'] * len(periods))})" if periods is not None else ""), params)
        return int(cur.fetchone()[0])


def window_stats_from_raw(period: dt.date) -> list[dict[str, Any]]:
    """The C4 rows computed from the ratings table itself (the reference the summary must equal)."""
    t_rat, t_case = Rating._meta.db_table, BadRatingCase._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"""
            SELECT r.window_id, COUNT(*),
                   SUM(CASE WHEN r.level = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN r.level = 2 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN r.level = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN r.level = 4 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN r.level = 5 THEN 1 ELSE 0 END), SUM(r.level),
                   SUM(CASE WHEN c.rectified_at IS NOT NULL THEN 1 ELSE 0 END)
            FROM {t_rat} r LEFT JOIN {t_case} c ON c.rating_id = r.id
            WHERE r.period = %s AND NOT r.excluded AND NOT r.is_default
            GROUP BY r.window_id""", [period])
        rows = cur.fetchall()
    windows = {w.pk: w for w in Window.objects.filter(pk__in=[r[0] for r in rows]).select_related("hall")}
    out = []
    for key, count, n1, n2, n3, n4, n5, level_sum, rectified in rows:
        w = windows[key]
        sat = _satisfaction(level_sum, count)
        out.append((sat, w.hall.code, w.code, {
            "hall": w.hall.code, "window": w.code, "count": count,
            "levels": {"1": n1, "2": n2, "3": n3, "4": n4, "5": n5},
            "good_rate": (n4 + n5) / count, "bad_count": n1 + n2, "bad_rectified": rectified,
            "satisfaction": float(sat), "rank": 0}))
    out.sort(key=lambda t: (-t[0], t[1], t[2]))
    for rank, item in zip(_ranks([t[0] for t in out]), out, strict=True):
        item[3]["rank"] = rank
    return [t[3] for t in out]
