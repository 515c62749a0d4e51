"""Integrity flags on ratings (R5.5, R5.6): coaxed praise, repeated raters, and the
warnings about windows.

* ``burst`` — within ``burst_minutes``, one staff member (or window) receives at least
  ``burst_count`` top ratings making up at least ``burst_share`` of their ratings then;
* ``phone`` / ``device`` — one phone (by its keyed hash) or one device rating more than
  ``phone_max`` transactions in a month;
* ``late`` — ratings given more than ``late_days`` after the transaction was completed;
* ``low_rectify`` (R5.6) — of a window's bad ratings of the month whose done deadline
  has passed (at least ``rectify_min_cases``), the share rectified is below
  ``rectify_min_rate``;
* ``rising`` (R5.6) — :func:`rising_complaints`, stored;
* ``inspection`` (R4.5, R5.6) — a window below ``inspection_below`` for
  ``inspection_periods`` months running (the list of :func:`stats.honour_lists`).

Ratings not linked to a real transaction cannot exist: every rating references a
stored transaction (foreign key) and one transaction takes one rating.
A flag stores the numbers behind it and never changes a rating or a statistic. Its
explanation names staff and windows by name and code; phones are shown masked and
devices by a prefix of their hash only.

:func:`integrity_scan` stores one flag per finding (kind, subject, month) and refreshes
it while it is open; an open flag whose finding is gone is dropped, a decided one is
kept as decided (:func:`flag_decide`, recorded in the ledger). :func:`scan_if_stale`
runs the scan when asked for a month not scanned lately, so pages can show flags
without a scheduled job.

Rising complaints (R5.6), :func:`rising_complaints`, read from the monthly summary: a
window whose 差评 count or 差评率 went up in each of the last ``months`` months, or whose
month is more than ``ratio`` above the average of the ``base_months`` months before it.
A month only counts with at least ``min_ratings`` ratings, and a window needs
``min_bad`` 差评 this month to be flagged. The thresholds are ``RISING_DEFAULTS``,
overridden by the ``KAOPING_RATINGS_RISING`` setting or by arguments.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict, deque
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from kaoping.accounts.permissions import require
from kaoping.ledger.services import actor_of, ledger_append, ledger_lock

from . import stats
from .models import (
    BAD_LEVELS,
    BadRatingCase,
    FlagKind,
    FlagScan,
    FlagStatus,
    Rating,
    RatingChannel,
    RatingFlag,
    RatingPolicy,
    RatingSummary,
    StaffMember,
    SummaryKind,
    Transaction,
    Window,
)
from .services import RatingError

DECISION_NOTE_MAX = 2000
#: how many staff members a ``late`` explanation names
LATE_STAFF_NAMED = 5


def _month_text(period: dt.date) -> str:
    return f"{period.year}年{period.month}月"


def _named(obj: Window | StaffMember | None, fallback: str = "（已删除）") -> str:
    """``名称（代码）`` — the code alone while the name is still the code (unconfirmed)."""
    if obj is None:
        return fallback
    return obj.code if obj.name == obj.code else f"{obj.name}（{obj.code}）"


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


def _finding(kind: str, subject: str, explanation: str, numbers: dict[str, Any], ids: list[int],
             **links: Any) -> dict[str, Any]:
    return {"kind": kind, "subject": subject, "explanation": explanation, "numbers": numbers,
            "rating_ids": ids, "window_id": links.get("window_id"), "staff_id": links.get("staff_id")}


def _burst_findings(base, policy: RatingPolicy) -> list[dict[str, Any]]:
    out = []
    for field, label in (("staff_id", "工作人员"), ("window_id", "窗口")):
        rows = (base.exclude(**{f"{field}__isnull": True}).order_by(field, "rated_at")
                .values_list(field, "rated_at", "level", "pk").iterator(chunk_size=5000))
        found = _bursts(rows, policy)
        model = StaffMember if field == "staff_id" else Window
        objects = model.objects.in_bulk([b["subject"] for b in found])
        for b in found:
            minutes = (b["end"] - b["start"]).total_seconds() / 60
            prefix = "staff" if field == "staff_id" else "window"
            out.append(_finding(
                FlagKind.BURST, f"{prefix}:{b['subject']}",
                f"{label} {_named(objects.get(b['subject']))} 在 {minutes:.0f} 分钟内收到 {b['top']} 条“非常满意”，"
                f"占该时段 {b['ratings']} 条评价的 {b['top'] / b['ratings']:.0%}（阈值：{policy.burst_minutes} 分钟内 "
                f"≥ {policy.burst_count} 条且 ≥ {policy.burst_share:.0%}）",
                {"top": b["top"], "ratings": b["ratings"], "minutes": round(minutes, 1),
                 "start": b["start"].isoformat(), "end": b["end"].isoformat()}, b["ids"],
                **{field: b["subject"]}))
    return out


def _repeat_findings(base, policy: RatingPolicy, period: dt.date) -> list[dict[str, Any]]:
    """One phone or device rating more than ``phone_max`` transactions in the month.

    A window's kiosk is one device shared by every applicant, so kiosk ratings are left out
    of the device rule (coaxing at a kiosk shows as a burst for the staff or window).
    """
    out = []
    for field, kind, prefix, label in (("rater_phone_hash", FlagKind.PHONE, "phone", "同一手机号"),
                                       ("device_hash", FlagKind.DEVICE, "device", "同一设备")):
        rows = base.exclude(channel=RatingChannel.KIOSK) if kind == FlagKind.DEVICE else base
        groups = (rows.exclude(**{field: ""}).values(field)
                  .annotate(n=Count("pk"), windows=Count("window", distinct=True))
                  .filter(n__gt=policy.phone_max).order_by(field))
        for g in groups:
            h = g[field]
            mine = rows.filter(**{field: h})
            ids = list(mine.order_by("rated_at").values_list("pk", flat=True)[:200])
            if kind == FlagKind.PHONE:
                shown = mine.exclude(rater_phone_masked="").values_list(
                    "rater_phone_masked", flat=True).first() or f"摘要 {h[:8]}"
            else:
                shown = f"摘要 {h[:8]}"  # a device is named by its hash prefix only
            window_id = mine.values_list("window_id", flat=True).first() if g["windows"] == 1 else None
            out.append(_finding(
                kind, f"{prefix}:{h[:16]}",
                f"{label}（{shown}）{_month_text(period)}评价了 {g['n']} 笔办件，涉及 {g['windows']} 个窗口"
                f"（上限 {policy.phone_max}）",
                {"ratings": g["n"], "windows": g["windows"], "max": policy.phone_max}, ids, window_id=window_id))
    return out


def _late_findings(base, policy: RatingPolicy) -> list[dict[str, Any]]:
    """Ratings given more than ``late_days`` after completion, per window, naming the staff."""
    late = dt.timedelta(days=policy.late_days)
    limit = ExpressionWrapper(Coalesce(F("transaction__completed_at"), F("transaction__accepted_at")) + late,
                              output_field=DateTimeField())
    by_window: dict[int, list[tuple[int, int | None, float]]] = defaultdict(list)
    for pk, window_id, staff_id, rated, completed, accepted in (
            base.annotate(limit=limit).filter(rated_at__gt=F("limit"))
            .values_list("pk", "window_id", "staff_id", "rated_at", "transaction__completed_at",
                         "transaction__accepted_at").order_by("rated_at").iterator(chunk_size=5000)):
        by_window[window_id].append((pk, staff_id, (rated - (completed or accepted)).total_seconds() / 86400))
    windows = Window.objects.in_bulk(list(by_window))
    staff = StaffMember.objects.in_bulk({s for items in by_window.values() for _, s, _ in items if s})
    out = []
    for window_id, items in sorted(by_window.items()):
        worst = max(d for _, _, d in items)
        per_staff = Counter(s for _, s, _ in items if s)
        named = "、".join(f"{_named(staff.get(s))} {n} 条" for s, n in per_staff.most_common(LATE_STAFF_NAMED))
        more = f"等 {len(per_staff)} 人" if len(per_staff) > LATE_STAFF_NAMED else ""
        who = f"，涉及工作人员 {named}{more}" if per_staff else ""
        out.append(_finding(
            FlagKind.LATE, f"window:{window_id}",
            f"窗口 {_named(windows.get(window_id))} 有 {len(items)} 条评价在办结 {policy.late_days:g} 天以后才提交，"
            f"最长 {worst:.1f} 天{who}",
            {"ratings": len(items), "max_days": round(worst, 1), "threshold_days": policy.late_days,
             "staff": {staff[s].code: n for s, n in per_staff.items() if s in staff}},
            [pk for pk, _, _ in items][:200], window_id=window_id,
            staff_id=next(iter(per_staff)) if len(per_staff) == 1 else None))
    return out


def _low_rectification_findings(period: dt.date, policy: RatingPolicy, today: dt.date) -> list[dict[str, Any]]:
    """Per window: the month's bad ratings (not excluded) whose done deadline has passed,
    and how many of them were rectified (R5.6)."""
    due = BadRatingCase.objects.filter(rating__period=period, rating__excluded=False, rating__is_default=False,
                                       rating__level__in=sorted(BAD_LEVELS), done_due__lt=today)
    rows = (due.values("window_id").annotate(due=Count("pk"), rectified=Count("pk", filter=Q(rectified_at__isnull=False)))
            .order_by("window_id"))
    floor = Fraction(str(policy.rectify_min_rate))
    low = [r for r in rows if r["due"] >= policy.rectify_min_cases and Fraction(r["rectified"], r["due"]) < floor]
    windows = Window.objects.in_bulk([r["window_id"] for r in low])
    out = []
    for r in low:
        n, done = r["due"], r["rectified"]
        ids = list(due.filter(window_id=r["window_id"], rectified_at__isnull=True).order_by("rating_id")
                   .values_list("rating_id", flat=True)[:200])
        out.append(_finding(
            FlagKind.LOW_RECTIFICATION, f"window:{r['window_id']}",
            f"窗口 {_named(windows.get(r['window_id']))}{_month_text(period)}到期差评 {n} 件，已整改 {done} 件，"
            f"整改率 {100 * done / n:.1f}%，低于 {100 * policy.rectify_min_rate:g}%",
            {"due": n, "rectified": done, "rate": round(done / n, 4), "min_rate": policy.rectify_min_rate,
             "min_cases": policy.rectify_min_cases, "as_of": today.isoformat()}, ids, window_id=r["window_id"]))
    return out


def _rising_findings(period: dt.date) -> list[dict[str, Any]]:
    cfg = rising_settings()
    return [_finding(FlagKind.RISING, f"window:{f['window_id']}", f["explanation"],
                     {"rules": f["rules"], "months": f["months"], **f["numbers"], "thresholds": cfg}, [],
                     window_id=f["window_id"])
            for f in rising_complaints(period=period)]


def _inspection_findings(period: dt.date, policy: RatingPolicy) -> list[dict[str, Any]]:
    """Windows below the inspection line for ``inspection_periods`` months running."""
    rows = stats.honour_lists(period, SummaryKind.WINDOW, policy)["inspection"]
    windows = Window.objects.in_bulk([r["id"] for r in rows])
    out = []
    for r in rows:
        months = sorted(r["satisfaction"].items())
        figures = "，".join(f"{_month_text(stats.parse_period(p))} {v:.1f}" for p, v in months)
        out.append(_finding(
            FlagKind.INSPECTION, f"window:{r['id']}",
            f"窗口 {_named(windows.get(r['id']))}满意度连续 {policy.inspection_periods} 个月低于 "
            f"{policy.inspection_below:g}（{figures}），应开展督查",
            {"satisfaction": dict(months), "line": policy.inspection_below, "periods": policy.inspection_periods},
            [], window_id=r["id"]))
    return out


def _store(period: dt.date, findings: list[dict[str, Any]]) -> list[RatingFlag]:
    """Write the findings of a scan: new ones created, open ones refreshed, open ones no
    longer found dropped; a decided flag keeps its status, decision and numbers.

    Rows are locked and created in (kind, subject) order, so two scans of one month
    (two processes) queue behind each other instead of deadlocking.
    """
    findings = sorted(findings, key=lambda f: (f["kind"], f["subject"]))
    existing = {(f.kind, f.subject): f for f in
                RatingFlag.objects.select_for_update().filter(period=period).order_by("kind", "subject")}
    found = {(f["kind"], f["subject"]) for f in findings}
    gone = [f.pk for key, f in existing.items() if key not in found and f.status == FlagStatus.OPEN]
    if gone:
        RatingFlag.objects.filter(pk__in=gone, status=FlagStatus.OPEN).delete()
    fields = ("explanation", "numbers", "rating_ids", "window_id", "staff_id")
    flags = []
    for f in findings:
        flag = existing.get((f["kind"], f["subject"]))
        if flag is None:
            try:
                with db_transaction.atomic():
                    flag = RatingFlag.objects.create(period=period, **f)
                flags.append(flag)
                continue
            except IntegrityError:  # a concurrent scan stored it first
                flag = RatingFlag.objects.select_for_update().get(kind=f["kind"], subject=f["subject"],
                                                                  period=period)
        if flag.status == FlagStatus.OPEN and any(getattr(flag, k) != f[k] for k in fields):
            for k in fields:
                setattr(flag, k, f[k])
            flag.save(update_fields=list(fields))
        flags.append(flag)
    return flags


def integrity_scan(*, period: dt.date, today: dt.date | None = None) -> list[RatingFlag]:
    """Look for the R5.5 and R5.6 patterns in one month; store (or refresh) one flag per
    finding and return them (decided ones included, unchanged).

    ``today`` decides which rectification deadlines have passed (default: today).
    """
    policy = RatingPolicy.objects.filter(pk=1).first() or RatingPolicy()
    today = today or timezone.localdate()
    with db_transaction.atomic():
        base = Rating.objects.filter(period=period, is_default=False)
        findings = (_burst_findings(base, policy) + _repeat_findings(base, policy, period)
                    + _late_findings(base, policy) + _low_rectification_findings(period, policy, today)
                    + _rising_findings(period) + _inspection_findings(period, policy))
        flags = _store(period, findings)
    FlagScan.objects.update_or_create(period=period, defaults={"scanned_at": timezone.now()})
    return flags


#: a month with more ratings than this is scanned by the daily ``kaoping ratings scan``
#: only: its scan (every rating of the month, twice) would hold up a page for seconds
INLINE_SCAN_MAX = 200_000


def scan_if_stale(period: dt.date, *, max_age_seconds: int = 600, inline_max: int | None = None) -> bool:
    """Run :func:`integrity_scan` for ``period`` unless it ran within ``max_age_seconds``
    (by any process: the time is in :class:`FlagScan`) or the month has more than
    ``inline_max`` ratings (default :data:`INLINE_SCAN_MAX`); True when it ran.

    Pages call it so flags exist without a scheduled job on a small deployment; a large
    one runs ``kaoping ratings scan`` daily (README). Concurrent callers do not scan
    together: each tries to move the recorded time from the value it read to now, and
    only the one whose update lands scans.
    """
    now = timezone.now()
    last = FlagScan.objects.filter(period=period).values_list("scanned_at", flat=True).first()
    if last is not None and (now - last).total_seconds() < max_age_seconds:
        return False
    month = RatingSummary.objects.filter(period=period, kind=SummaryKind.WINDOW)
    ratings = sum(c + d for c, d in month.values_list("count", "default_count"))
    if ratings > (INLINE_SCAN_MAX if inline_max is None else inline_max):
        return False
    if not _claim(period, last, now):
        return False
    integrity_scan(period=period)
    return True


def _claim(period: dt.date, last: dt.datetime | None, now: dt.datetime) -> bool:
    """Move the month's scan time from ``last`` (as read) to ``now``; False when another
    process moved it first (it scans, this one does not)."""
    if last is None:
        try:
            with db_transaction.atomic():
                FlagScan.objects.create(period=period, scanned_at=now)
        except IntegrityError:
            return False
        return True
    return FlagScan.objects.filter(period=period, scanned_at=last).update(scanned_at=now) == 1


# --------------------------------------------------------------------------- decisions (R5.7)


@db_transaction.atomic
def flag_decide(*, flag: RatingFlag, status: str, note: str, by: Any) -> RatingFlag:
    """The office decides a flag once: confirmed (属实) or dismissed (排除), with a note.

    Recorded on the flag and in the ledger, in one transaction; the ratings the flag is
    about are not touched. ``PermissionDenied`` without ``ratings.manage``;
    :class:`~kaoping.ratings.services.RatingError` for a bad status or note, or a flag
    already decided (nothing is written then).
    """
    require(by, "ratings.manage")
    if status not in (FlagStatus.CONFIRMED, FlagStatus.DISMISSED):
        raise RatingError(f"处理结果应为“{FlagStatus.CONFIRMED.label}”或“{FlagStatus.DISMISSED.label}”",
                          location="status")
    if not isinstance(note, str) or not note.strip():
        raise RatingError("请填写核查意见", location="note")
    note = note.strip()
    if len(note) > DECISION_NOTE_MAX:
        raise RatingError(f"核查意见不能超过 {DECISION_NOTE_MAX} 个字符", location="note")
    if "\x00" in note:
        raise RatingError("核查意见含有非法字符", location="note")
    ledger_lock()
    locked = RatingFlag.objects.select_for_update().filter(pk=flag.pk).first()
    if locked is None:
        raise RatingError("该线索已不存在（可能已被重新扫描清除）", code="not_found", location="flag")
    if locked.status != FlagStatus.OPEN:
        raise RatingError(f"该线索已处理（{locked.get_status_display()}），不能再次处理", code="conflict",
                          location="status")
    locked.status, locked.decided_by, locked.decided_at, locked.decision_note = status, by, timezone.now(), note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    ledger_append(action="rating_flag.decide", actor=actor_of(by), object_type="rating_flag",
                  object_id=str(locked.pk), rows=[],
                  data={"status": str(status), "kind": locked.kind, "subject": locked.subject,
                        "period": locked.period.strftime("%Y-%m"), "note": note})
    return locked


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
        out.append({"window_id": key, "window": f"{w.hall.name} · {w.name}", "code": f"{w.hall.code}/{w.code}",
                    "rules": result["rules"], "months": months,
                    "numbers": {k: v for k, v in result.items() if k != "rules"},
                    "explanation": _explain(f"窗口 {w.hall.name} · {_named(w)}", months, result, cfg)})
    return sorted(out, key=lambda f: (-(f["months"][-1]["rate"] or 0), f["code"]))


def transactions_without_rating(period: dt.date) -> int:
    """Transactions of the month still unrated (for the dashboard)."""
    return Transaction.objects.filter(period=period, rating__isnull=True).count()
