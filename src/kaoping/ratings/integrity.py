"""Integrity flags on ratings (R5.5): coaxed praise and repeated raters.

* ``burst`` — within ``burst_minutes``, one staff member (or window) receives at least
  ``burst_count`` top ratings making up at least ``burst_share`` of their ratings then;
* ``phone`` / ``device`` — one phone (by its keyed hash) or one device rating more than
  ``phone_max`` transactions in a month;
* ``late`` — ratings given more than ``late_days`` after the transaction was completed.

Ratings not linked to a real transaction cannot exist: every rating references a
stored transaction (foreign key) and one transaction takes one rating.
A flag stores the numbers behind it and never changes a rating or a statistic.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from typing import Any

from django.db import transaction as db_transaction
from django.db.models import Count, F

from .models import FlagKind, Rating, RatingFlag, RatingPolicy, Transaction


def _month_range(period: dt.date) -> tuple[dt.date, dt.date]:
    nxt = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return period, nxt


def _bursts(rows, policy: RatingPolicy) -> list[dict[str, Any]]:
    """Sliding window over (subject, time, level, id) rows ordered by subject and time."""
    span = dt.timedelta(minutes=policy.burst_minutes)
    found: dict[Any, dict[str, Any]] = {}
    win: deque = deque()
    subject = None
    for subj, at, level, pk in rows:
        if subj != subject:
            win.clear()
            subject = subj
        win.append((at, level, pk))
        while win and at - win[0][0] > span:
            win.popleft()
        top = sum(1 for _, lv, _ in win if lv == 5)
        if top >= policy.burst_count and top / len(win) >= policy.burst_share:
            best = found.get(subj)
            if best is None or top > best["top"]:
                found[subj] = {"subject": subj, "top": top, "ratings": len(win), "start": win[0][0], "end": at,
                               "ids": [p for _, lv, p in win if lv == 5][:200]}
    return list(found.values())


@db_transaction.atomic
def integrity_scan(*, period: dt.date) -> list[RatingFlag]:
    """Look for the R5.5 patterns in one month; store (or refresh) one flag per finding."""
    policy = RatingPolicy.objects.filter(pk=1).first() or RatingPolicy()
    base = Rating.objects.filter(period=period, is_default=False)
    flags: list[RatingFlag] = []

    def save(kind: str, subject: str, explanation: str, numbers: dict, ids: list, **links: Any) -> None:
        flag, _ = RatingFlag.objects.update_or_create(
            kind=kind, subject=subject, period=period,
            defaults={"explanation": explanation, "numbers": numbers, "rating_ids": ids, **links})
        flags.append(flag)

    for field, label in (("staff_id", "工作人员"), ("window_id", "窗口")):
        rows = (base.exclude(**{f"{field}__isnull": True}).order_by(field, "rated_at")
                .values_list(field, "rated_at", "level", "pk").iterator(chunk_size=5000))
        for b in _bursts(rows, policy):
            minutes = (b["end"] - b["start"]).total_seconds() / 60
            prefix = "staff" if field == "staff_id" else "window"
            save(FlagKind.BURST, f"{prefix}:{b['subject']}",
                 f"{label} #{b['subject']} 在 {minutes:.0f} 分钟内收到 {b['top']} 条“非常满意”，"
                 f"占该时段 {b['ratings']} 条评价的 {b['top'] / b['ratings']:.0%}（阈值：{policy.burst_minutes} 分钟内 "
                 f"≥ {policy.burst_count} 条且 ≥ {policy.burst_share:.0%}）",
                 {"top": b["top"], "ratings": b["ratings"], "minutes": round(minutes, 1),
                  "start": b["start"].isoformat(), "end": b["end"].isoformat()}, b["ids"],
                 **({"staff_id": b["subject"]} if field == "staff_id" else {"window_id": b["subject"]}))

    for field, kind, label in (("rater_phone_hash", FlagKind.PHONE, "同一手机号"),
                               ("device_hash", FlagKind.DEVICE, "同一设备")):
        groups = (base.exclude(**{field: ""}).values(field).annotate(n=Count("pk"), windows=Count("window", distinct=True))
                  .filter(n__gt=policy.phone_max))
        for g in groups:
            h = g[field]
            ids = list(base.filter(**{field: h}).order_by("rated_at").values_list("pk", flat=True)[:200])
            masked = base.filter(**{field: h}).exclude(rater_phone_masked="").values_list(
                "rater_phone_masked", flat=True).first() or h[:8]
            save(kind, f"{field.split('_')[0]}:{h[:16]}",
                 f"{label}（{masked}）本月评价了 {g['n']} 笔办件，涉及 {g['windows']} 个窗口（上限 {policy.phone_max}）",
                 {"ratings": g["n"], "windows": g["windows"], "max": policy.phone_max}, ids)

    late = dt.timedelta(days=policy.late_days)
    late_rows = defaultdict(list)
    for pk, window_id, rated, completed, accepted in (
            base.annotate(done=F("transaction__completed_at"), acc=F("transaction__accepted_at"))
            .values_list("pk", "window_id", "rated_at", "done", "acc").iterator(chunk_size=5000)):
        ref = completed or accepted
        if rated - ref > late:
            late_rows[window_id].append((pk, (rated - ref).total_seconds() / 86400))
    for window_id, items in late_rows.items():
        worst = max(d for _, d in items)
        save(FlagKind.LATE, f"window:{window_id}",
             f"窗口 #{window_id} 有 {len(items)} 条评价在办结 {policy.late_days:g} 天以后才提交，最长 {worst:.1f} 天",
             {"ratings": len(items), "max_days": round(worst, 1), "threshold_days": policy.late_days},
             [pk for pk, _ in items][:200], window_id=window_id)
    return flags


def transactions_without_rating(period: dt.date) -> int:
    """Transactions of the month still unrated (for the dashboard)."""
    return Transaction.objects.filter(period=period, rating__isnull=True).count()
