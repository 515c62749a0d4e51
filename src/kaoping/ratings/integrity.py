"""Integrity flags on ratings (R5.5): coaxed praise and repeated raters.

* ``burst`` — within ``burst_minutes``, one staff member (or window) receives at least
  ``burst_count`` top ratings making up at least ``burst_share`` of their ratings then;
* ``phone`` / ``device`` — one phone (by its keyed hash) or one device rating more than
  ``phone_max`` transactions in a month;
* ``late`` — ratings given more than ``late_days`` after the transaction was completed.

Ratings not linked to a real transaction cannot exist: every rating references a
stored transaction (foreign key) and one transaction takes one rating.
A flag stores the numbers behind it and never changes a rating or a statistic.

Rising complaints (R5.6), :func:`rising_complaints`, read from the monthly summary and
computed when asked (nothing stored): a window whose 差评 count or 差评率 went up in each
of the last ``months`` months, or whose month is more than ``ratio`` above the average
of the ``base_months`` months before it. A month only counts with at least
``min_ratings`` ratings, and a window needs ``min_bad`` 差评 this month to be flagged.
The thresholds are ``RISING_DEFAULTS``, overridden by the ``KAOPING_RATINGS_RISING``
setting or by arguments.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import transaction as db_transaction
from django.db.models import Count, F

from .models import (
    FlagKind,
    Rating,
    RatingFlag,
    RatingPolicy,
    RatingSummary,
    SummaryKind,
    Transaction,
    Window,
)


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


# --------------------------------------------------------------------------- rising complaints (R5.6)

RISING_DEFAULTS: dict[str, Any] = {
    "months": 3,  # month-on-month rises in a row
    "base_months": 3,  # months averaged for the jump
    "ratio": 0.5,  # a jump is more than (1 + ratio) × that average
    "min_ratings": 30,  # ratings a month needs to be judged
    "min_bad": 3,  # 差评 this month needed for any flag
}


def rising_settings(**overrides: Any) -> dict[str, Any]:
    """The thresholds in force: defaults, then the setting, then the arguments."""
    return {**RISING_DEFAULTS, **getattr(settings, "KAOPING_RATINGS_RISING", {}), **overrides}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _previous(period: dt.date, n: int) -> list[dt.date]:
    """``period`` and the ``n - 1`` months before it, oldest first."""
    out, day = [], period
    for _ in range(n):
        out.append(day)
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


def _rising(series: list[tuple[int, int]], cfg: dict[str, Any]) -> dict[str, Any]:
    """The R5.6 rules on one window's (ratings, 差评) per month, oldest first, ending now.

    Returns the rules that fire (``rise_count``, ``rise_rate``, ``jump_count``,
    ``jump_rate``) and the numbers behind them. Every comparison is exact (fractions).
    """
    count, bad = series[-1]
    out: dict[str, Any] = {"rules": []}
    if count < cfg["min_ratings"] or bad < cfg["min_bad"]:
        return out
    run = series[-(cfg["months"] + 1):]
    if len(run) == cfg["months"] + 1 and all(c >= cfg["min_ratings"] for c, _b in run):
        pairs = list(zip(run, run[1:], strict=False))
        if all(b2 > b1 for (_c1, b1), (_c2, b2) in pairs):
            out["rules"].append("rise_count")
        if all(Fraction(b2, c2) > Fraction(b1, c1) for (c1, b1), (c2, b2) in pairs):
            out["rules"].append("rise_rate")
    base = series[-(cfg["base_months"] + 1):-1]
    if len(base) == cfg["base_months"] and all(c >= cfg["min_ratings"] for c, _b in base):
        factor = 1 + Fraction(str(cfg["ratio"]))
        base_bad = Fraction(sum(b for _c, b in base), len(base))
        base_rate = Fraction(sum(b for _c, b in base), sum(c for c, _b in base))
        rate = Fraction(bad, count)
        out["base_bad"], out["base_rate"] = float(base_bad), float(base_rate)
        if bad > factor * base_bad:
            out["rules"].append("jump_count")
            out["count_ratio"] = float(bad / base_bad) if base_bad else None
        if rate > factor * base_rate:
            out["rules"].append("jump_rate")
            out["rate_ratio"] = float(rate / base_rate) if base_rate else None
    return out


def _explain(name: str, months: list[dict[str, Any]], found: dict[str, Any], cfg: dict[str, Any]) -> str:
    """One sentence per rule that fires; the monthly figures are shown beside it."""
    now = months[-1]
    parts = []
    rises = [label for rule, label in (("rise_count", "差评数"), ("rise_rate", "差评率")) if rule in found["rules"]]
    if rises:
        parts.append(f"{'和'.join(rises)}连续 {cfg['months']} 个月上升（每月至少 {cfg['min_ratings']} 条评价）")
    threshold = f"阈值：超过前 {cfg['base_months']} 个月平均的 {1 + cfg['ratio']:g} 倍"
    if "jump_count" in found["rules"]:
        times = f"{found['count_ratio']:.1f} 倍" if found.get("count_ratio") else "由 0 上升"
        parts.append(f"本月差评 {now['bad']} 条，为前 {cfg['base_months']} 个月平均 {found['base_bad']:.1f} 条的 "
                     f"{times}（{threshold}）")
    if "jump_rate" in found["rules"]:
        times = f"{found['rate_ratio']:.1f} 倍" if found.get("rate_ratio") else "由 0 上升"
        parts.append(f"本月差评率 {now['rate_text']}，为前 {cfg['base_months']} 个月 {100 * found['base_rate']:.1f}% 的 "
                     f"{times}（{threshold}）")
    return f"{name}：" + "；".join(parts)


def rising_complaints(*, period: dt.date, **overrides: Any) -> list[dict[str, Any]]:
    """Windows whose bad ratings are rising (R5.6) in the month ``period``, worst first.

    Each finding has the window, the rules that fire, the monthly numbers and an
    explanation. It is a signal for the office to look into; no rating changes.
    """
    cfg = rising_settings(**overrides)
    periods = _previous(period, max(cfg["months"], cfg["base_months"]) + 1)
    figures: dict[int, dict[dt.date, tuple[int, int]]] = defaultdict(dict)
    for key, p, count, n1, n2 in (RatingSummary.objects.filter(kind=SummaryKind.WINDOW, period__in=periods)
                                  .values_list("key", "period", "count", "n1", "n2")):
        figures[key][p] = (count, n1 + n2)
    found = {}
    for key, by_month in figures.items():
        result = _rising([by_month.get(p, (0, 0)) for p in periods], cfg)
        if result["rules"]:
            found[key] = result
    windows = Window.objects.select_related("hall").in_bulk(list(found))
    out = []
    for key, result in found.items():
        w = windows[key]
        months = [{"period": p.strftime("%Y-%m"), "count": c, "bad": b, "rate": b / c if c else None,
                   "rate_text": _pct(b, c)} for p in periods for c, b in [figures[key].get(p, (0, 0))]]
        name = f"{w.hall.name} · {w.name}"
        out.append({"window_id": key, "window": name, "code": f"{w.hall.code}/{w.code}", "rules": result["rules"],
                    "months": months, "numbers": {k: v for k, v in result.items() if k != "rules"},
                    "explanation": _explain(name, months, result, cfg)})
    return sorted(out, key=lambda f: (-(f["months"][-1]["rate"] or 0), f["code"]))


def transactions_without_rating(period: dt.date) -> int:
    """Transactions of the month still unrated (for the dashboard)."""
    return Transaction.objects.filter(period=period, rating__isnull=True).count()
