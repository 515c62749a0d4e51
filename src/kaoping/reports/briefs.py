"""Monthly brief, quarterly bulletin and annual summary (月度简报、季度通报、年度总结, R9.1).

One document the evaluation office sends to leaders for a period: the campaigns whose
period lies inside it (published results only), the citizen ratings of its months, the
integrity alerts of those campaigns, and a short generated paragraph with the key
numbers. Nothing is computed here that another module already computes:

* campaign figures come from :func:`kaoping.reports.selectors.ranking`, read as the
  *published* view (the published snapshot, and under interval publication only the
  units the red and black lists name) — a brief is internal, but it names no more
  units than the publication did, and never a rater;
* rating figures are sums over the months of :func:`kaoping.ratings.stats.stats_table`
  (exact counts), with satisfaction by the stats module's own definition, and the red
  and black lists of :func:`kaoping.ratings.stats.honour_lists`;
* alert counts group :func:`kaoping.alerts.selectors.alert_list`.

The number of queries grows with the number of campaigns and months in the period,
never with the number of units, windows or ratings.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from kaoping.accounts.permissions import has
from kaoping.alerts.models import AlertStatus
from kaoping.alerts.selectors import AlertFilters, alert_list
from kaoping.campaigns.models import Campaign, ResultSnapshot
from kaoping.engine.errors import KaopingError
from kaoping.ratings import stats
from kaoping.ratings.models import SummaryKind

from .models import Publication, PublicationMode
from .selectors import VISIBLE_STATES, Access, _key_of, ranking

#: units listed at each end of a fully published ranking, and at most from a red/black list
END_COUNT = 3
LIST_COUNT = 5
#: biggest rises and falls listed per campaign
CHANGE_COUNT = 3
#: windows listed with the most bad ratings; confirmed alerts listed
WINDOW_COUNT = 10
CONFIRMED_COUNT = 20

QUARTER_NAMES = ("一", "二", "三", "四")
NUMERALS = "一二三四五六七八九十"


class BriefPeriodError(KaopingError):
    """The period string names no month, quarter or year."""

    default_code = "bad_period"


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A month, a quarter or a year: its code (``2026-10``, ``2026-Q4``, ``2026``) and dates."""

    kind: str  # "month" | "quarter" | "year"
    year: int
    number: int  # month 1-12, quarter 1-4, or 0 for a year

    @property
    def code(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    @property
    def first_month(self) -> int:
        return {"month": self.number, "quarter": 3 * self.number - 2, "year": 1}[self.kind]

    @property
    def months(self) -> list[dt.date]:
        """The first day of each month of the period, oldest first."""
        n = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        return [dt.date(self.year, self.first_month + i, 1) for i in range(n)]

    @property
    def start(self) -> dt.date:
        return self.months[0]

    @property
    def end(self) -> dt.date:
        """The last day of the period (inclusive)."""
        last = self.months[-1]
        return (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        if self.kind == "quarter":
            return f"{self.year}年第{QUARTER_NAMES[self.number - 1]}季度"
        return f"{self.year}年"

    @property
    def title(self) -> str:
        return {"month": "月度简报", "quarter": "季度通报", "year": "年度总结"}[self.kind]

    @property
    def this_word(self) -> str:
        return {"month": "本月", "quarter": "本季度", "year": "本年度"}[self.kind]

    @property
    def previous_word(self) -> str:
        return {"month": "上月", "quarter": "上季度", "year": "上年度"}[self.kind]

    def shifted(self, step: int) -> Period:
        """The period ``step`` periods later (negative: earlier), of the same kind."""
        if self.kind == "year":
            return Period("year", self.year + step, 0)
        size = 12 if self.kind == "month" else 4
        index = self.year * size + self.number - 1 + step
        return Period(self.kind, index // size, index % size + 1)


PERIOD_HELP = "请写成 2026-10（月度简报）、2026-Q4（季度通报）或 2026（年度总结）"


def parse_period(text: str) -> Period:
    """``"2026-10"`` / ``"2026-Q4"`` / ``"2026"`` → :class:`Period`; :class:`BriefPeriodError` otherwise."""
    raw = (text or "").strip()
    shown = raw[:20] or "（空）"
    if not raw.isascii():
        raw = ""  # full-width digits and the like: refused below, shown as typed
    if raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2200:
        return Period("year", int(raw), 0)
    if len(raw) == 7 and raw[4:6].upper() == "-Q" and raw[:4].isdigit() and raw[6] in "1234":
        year = int(raw[:4])
        if 2000 <= year <= 2200:
            return Period("quarter", year, int(raw[6]))
    try:
        month = stats.parse_period(raw)
    except ValueError:
        raise BriefPeriodError(f"期间“{shown}”无法识别：{PERIOD_HELP}。", location="period") from None
    return Period("month", month.year, month.month)


def default_period(today: dt.date | None = None) -> Period:
    """The last month that has ended: a brief is written once its month is over."""
    today = today or timezone.localdate()
    return Period("month", today.year, today.month).shifted(-1)


# --------------------------------------------------------------------------- campaigns


def _publication(campaign: Campaign) -> Publication | None:
    try:
        return campaign.publication
    except Publication.DoesNotExist:
        return None


def _published_campaigns(period: Period) -> list[tuple[Campaign, Access]]:
    """Published campaigns whose period lies inside ``period``, each with the published view.

    As on the results pages: the snapshot a :class:`Publication` names; a campaign moved
    to «已发布» without one (command line, demo) is published in full with its latest
    snapshot.
    """
    campaigns = list(Campaign.objects.filter(status__in=VISIBLE_STATES, period_start__gte=period.start,
                                             period_end__lte=period.end)
                     .select_related("publication").order_by("period_start", "code"))
    pubs = {c.pk: _publication(c) for c in campaigns}
    wanted = [p.snapshot_id for p in pubs.values() if p is not None]
    unnamed = [c.pk for c in campaigns if pubs[c.pk] is None]
    keys: dict[int, Any] = {}
    latest: dict[int, Any] = {}
    if campaigns:
        for campaign_id, *row in ResultSnapshot.objects.filter(Q(pk__in=wanted) | Q(campaign_id__in=unnamed)) \
                .order_by("created_at", "id").values_list("campaign_id", "id", "input_hash", "created_at"):
            keys[row[0]] = latest[campaign_id] = _key_of(tuple(row))
    out = []
    for c in campaigns:
        pub = pubs[c.pk]
        key = keys.get(pub.snapshot_id) if pub is not None else latest.get(c.pk)
        if key is not None:
            out.append((c, Access(full=False, publication=pub, own_unit=None, snapshot=key)))
    return out


def _unit_row(r: dict[str, Any]) -> dict[str, Any]:
    return {"unit": r["unit"], "name": r["name"], "rank": r["rank"], "count": r["count"], "total": r["total"],
            "grade": r["grade"], "vetoed": r["vetoed"], "previous": r["previous"],
            "previous_rank": r["previous_rank"], "change": r["change"], "change_abs": r["change_abs"]}


def _campaign_section(campaign: Campaign, access: Access) -> dict[str, Any]:
    page = ranking(campaign=campaign, access=access)
    summary = page["summary"]
    count = summary["count"]
    publication = access.publication
    rows = sorted(page["rows"], key=lambda r: (r["rank"], r["unit"]))
    if access.interval:
        top, bottom = page["top"], page["bottom"]
        top_total, bottom_total = len(top), len(bottom)
        top, bottom = top[:LIST_COUNT], bottom[-LIST_COUNT:]
    else:
        top, bottom = rows[:END_COUNT], rows[max(END_COUNT, len(rows) - END_COUNT):]
        top_total, bottom_total = len(top), len(bottom)
    moved = [r for r in rows if r["change"] is not None]
    rises = sorted((r for r in moved if r["change"] > 0), key=lambda r: (-r["change"], r["unit"]))[:CHANGE_COUNT]
    falls = sorted((r for r in moved if r["change"] < 0), key=lambda r: (r["change"], r["unit"]))[:CHANGE_COUNT]
    grades = [{"name": name, "count": n, "share": n / count if count else 0.0}
              for name, n in summary["grade_counts"].items()]
    return {
        "code": campaign.code, "name": campaign.name, "kind_label": campaign.get_kind_display() or "—",
        "period_start": campaign.period_start, "period_end": campaign.period_end,
        "mode": publication.mode if publication else PublicationMode.FULL,
        "mode_label": PublicationMode(publication.mode if publication else PublicationMode.FULL).label,
        "interval": access.interval, "top_share": publication.top_share if publication else None,
        "bottom_share": publication.bottom_share if publication else None,
        "published_at": publication.published_at if publication else None,
        "count": count, "mean": summary["mean"], "grades": grades,
        "first_grade": grades[0] if grades else None, "last_grade": grades[-1] if len(grades) > 1 else None,
        "top": [_unit_row(r) for r in top], "bottom": [_unit_row(r) for r in bottom],
        "top_total": top_total, "bottom_total": bottom_total,
        "rises": [_unit_row(r) for r in rises], "falls": [_unit_row(r) for r in falls],
        "compared": bool(moved), "named": access.named(), "names": page["meta"].names,
    }


# --------------------------------------------------------------------------- ratings


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _finish(agg: dict[str, Any]) -> dict[str, Any]:
    """Rates of summed counts; satisfaction by the stats module's definition."""
    level_sum = sum(int(level) * n for level, n in agg["levels"].items())
    sat = stats._satisfaction(level_sum, agg["count"])
    good_rate, rectification_rate = _rate(agg["good"], agg["count"]), _rate(agg["bad_rectified"], agg["bad"])
    return {**agg, "good_rate": good_rate, "good_pct": _pct(good_rate),
            "satisfaction": float(sat) if sat is not None else None,
            "rectification_rate": rectification_rate, "rectification_pct": _pct(rectification_rate)}


def _empty_agg(**extra: Any) -> dict[str, Any]:
    return {**extra, "count": 0, "good": 0, "middle": 0, "bad": 0, "bad_rectified": 0, "default_count": 0,
            "levels": {str(i): 0 for i in range(1, 6)}}


def _add(agg: dict[str, Any], row: dict[str, Any]) -> None:
    for k in ("count", "good", "middle", "bad", "bad_rectified", "default_count"):
        agg[k] += row[k]
    for level, n in row["levels"].items():
        agg["levels"][level] += n


def _ratings_of(months: list[dt.date]) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Totals, per hall and per window, summed over the months' window rows."""
    total = _empty_agg()
    halls: dict[str, dict[str, Any]] = {}
    windows: dict[int, dict[str, Any]] = {}
    for month in months:
        for row in stats.stats_table(SummaryKind.WINDOW, month):
            _add(total, row)
            hall = halls.setdefault(row["hall"], _empty_agg(code=row["hall"], name=row["hall_name"], windows=set()))
            _add(hall, row)
            hall["windows"].add(row["id"])
            window = windows.setdefault(row["id"], _empty_agg(code=row["code"], name=row["name"],
                                                              hall=row["hall"], hall_name=row["hall_name"]))
            _add(window, row)
    hall_rows = [_finish({**h, "windows": len(h["windows"])}) for h in halls.values()]
    hall_rows.sort(key=lambda h: (-(h["satisfaction"] if h["satisfaction"] is not None else -1), h["code"]))
    window_rows = [_finish(w) for w in windows.values()]
    return _finish(total), hall_rows, window_rows


def _ratings_section(period: Period) -> dict[str, Any]:
    total, halls, windows = _ratings_of(period.months)
    previous, _h, _w = _ratings_of(period.shifted(-1).months)
    worst = sorted((w for w in windows if w["bad"]), key=lambda w: (-w["bad"], w["hall"], w["code"]))
    lists = stats.honour_lists(period.months[-1]) if total["count"] else {"red": [], "black": [], "inspection": []}
    good_change = _points(total["good_rate"], previous["good_rate"])
    sat_change = (total["satisfaction"] - previous["satisfaction"]
                  if total["satisfaction"] is not None and previous["satisfaction"] is not None else None)
    word = period.previous_word
    return {
        "total": total, "previous": previous if previous["count"] else None,
        "good_rate_change": good_change, "satisfaction_change": sat_change,
        "good_rate_trend": _trend(good_change, "个百分点", word) if good_change is not None else "",
        "satisfaction_trend": _trend(sat_change, "分", word) if sat_change is not None else "",
        "halls": halls, "window_count": len(windows), "bad_windows": worst[:WINDOW_COUNT],
        "bad_window_total": len(worst), "red": lists["red"], "black": lists["black"],
        "inspection": lists["inspection"], "lists_month": period.months[-1],
    }


def _points(now: float | None, before: float | None) -> float | None:
    """Change of a rate in percentage points."""
    return None if now is None or before is None else (now - before) * 100


# --------------------------------------------------------------------------- alerts


def _alerts_section(sections: list[dict[str, Any]], ids: list[int]) -> dict[str, Any]:
    from .views import alert_kind_label  # labels live with the other results pages

    base = alert_list(filters=AlertFilters()).filter(campaign_id__in=ids)
    statuses = list(AlertStatus.values)
    kinds: dict[str, dict[str, int]] = {}
    for kind, status, n in base.order_by().values_list("kind", "status").annotate(n=Count("id")):
        kinds.setdefault(kind, Counter())[status] += n
    labels = [AlertStatus(s).label for s in statuses]
    rows = [{"kind": k, "label": alert_kind_label(k), "counts": [c[s] for s in statuses],
             "cells": [{"status": label, "n": c[s]} for s, label in zip(statuses, labels, strict=True)],
             "total": sum(c.values())}
            for k, c in sorted(kinds.items(), key=lambda kc: (-sum(kc[1].values()), kc[0]))]
    totals = [sum(r["counts"][i] for r in rows) for i in range(len(statuses))]
    by_campaign = {s["code"]: s for s in sections}
    confirmed = []
    for a in base.filter(status=AlertStatus.CONFIRMED).order_by("-closed_at", "-id")[:CONFIRMED_COUNT]:
        section = by_campaign[a.campaign.code]
        named = section["named"]
        shown = [section["names"].get(u, u) for u in a.units if named is None or u in named]
        confirmed.append({"id": a.pk, "kind": a.kind, "label": alert_kind_label(a.kind), "severity": a.severity,
                          "campaign": a.campaign.name, "units": shown, "hidden_units": len(a.units) - len(shown),
                          "closed_at": a.closed_at})
    count = dict(zip(statuses, totals, strict=True))
    return {
        "statuses": labels, "rows": rows, "totals": totals,
        "total": sum(totals), "confirmed": count[AlertStatus.CONFIRMED], "dismissed": count[AlertStatus.DISMISSED],
        "open": count[AlertStatus.NEW] + count[AlertStatus.ASSIGNED] + count[AlertStatus.INVESTIGATING],
        "confirmed_list": confirmed,
    }


# --------------------------------------------------------------------------- the brief


def brief(*, period: Period, user: Any) -> dict[str, Any]:
    """Everything the brief page and its Word file show for ``period``.

    Ratings need ``ratings.view`` and alerts ``alerts.view``: a section the reader may
    not see is ``None`` (and left out of the summary).
    """
    published = _published_campaigns(period)
    campaigns = [_campaign_section(c, access) for c, access in published]
    ratings = _ratings_section(period) if has(user, "ratings.view") else None
    alerts = _alerts_section(campaigns, [c.pk for c, _a in published]) if has(user, "alerts.view") else None
    empty = not campaigns and not (ratings and (ratings["total"]["count"] or ratings["halls"]))
    out = {"period": period, "previous": period.shifted(-1), "next": period.shifted(1), "campaigns": campaigns,
           "ratings": ratings, "alerts": alerts, "empty": empty, "generated_at": timezone.now()}
    out["summary"] = summary_text(out)
    return out


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _trend(points: float, unit: str, previous_word: str) -> str:
    if round(abs(points), 1) == 0:
        return f"与{previous_word}持平"
    return f"较{previous_word}{'上升' if points > 0 else '下降'} {abs(points):.1f} {unit}"


def summary_text(b: dict[str, Any]) -> str:
    """The generated paragraph: the key numbers of every section, in plain Chinese."""
    period: Period = b["period"]
    word = period.this_word
    parts = []
    campaigns = b["campaigns"]
    if campaigns:
        units = sum(c["count"] for c in campaigns)
        text = f"{word}共有 {len(campaigns)} 项考评活动发布结果，涉及参评单位 {units} 个"
        details = []
        for c in campaigns[:3]:
            grades = "、".join(f"{g['name']} {g['count']} 个" for g in (c["first_grade"], c["last_grade"]) if g)
            mean = f"平均分 {c['mean']:.2f}" if c["mean"] is not None else ""
            details.append("，".join(x for x in (f"“{c['name']}”{c['count']} 个单位", mean, grades) if x))
        parts.append(text + ("。其中" + "；".join(details) if details else "") + "。")
    else:
        parts.append(f"{word}没有发布结果的考评活动。")
    ratings = b["ratings"]
    if ratings is not None:
        t = ratings["total"]
        if t["count"]:
            text = f"群众评价 {t['count']} 条，好评率 {_pct(t['good_rate'])}"
            if ratings["good_rate_trend"]:
                text += f"，{ratings['good_rate_trend']}"
            text += f"；满意度 {t['satisfaction']:.1f}"
            if ratings["satisfaction_trend"]:
                text += f"，{ratings['satisfaction_trend']}"
            text += f"；差评 {t['bad']} 条"
            if t["bad"]:
                text += f"，已整改 {t['bad_rectified']} 条，整改率 {_pct(t['rectification_rate'])}"
            parts.append(text + "。")
        else:
            parts.append(f"{word}没有群众评价数据。")
    alerts = b["alerts"]
    if alerts is not None and campaigns:
        if alerts["total"]:
            parts.append(f"上述考评活动共发现评价诚信预警 {alerts['total']} 条，其中认定属实 {alerts['confirmed']} 条、"
                         f"不属实 {alerts['dismissed']} 条，尚在处理 {alerts['open']} 条。")
        else:
            parts.append("上述考评活动未发现评价诚信预警。")
    return f"{period.label}，" + "".join(parts)


# --------------------------------------------------------------------------- Word


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _units_table(doc: Any, rows: list[dict[str, Any]]) -> None:
    from .exports import _table

    _table(doc, ["排名", "单位", "总分", "等次"],
           [[f"{r['rank']}/{r['count']}", r["name"] + ("（一票否决）" if r["vetoed"] else ""), _score(r["total"]),
             r["grade"] or "—"] for r in rows])


def _changes_table(doc: Any, rows: list[dict[str, Any]]) -> None:
    from .exports import _table

    _table(doc, ["单位", "本期得分", "上期得分", "变化", "本期排名", "上期排名"],
           [[r["name"], _score(r["total"]), _score(r["previous"]), f"{r['change']:+.2f}", str(r["rank"]),
             str(r["previous_rank"] or "—")] for r in rows])


def brief_docx(*, b: dict[str, Any]) -> bytes:
    """The brief as a Word document, section by section as on the page."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from .exports import _table

    period: Period = b["period"]
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    heading = doc.add_heading(f"{period.label}考评工作{period.title}", level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(f"考核办 · 生成于 {timezone.localtime(b['generated_at']):%Y-%m-%d %H:%M}")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(b["summary"])

    doc.add_heading("二、考评活动结果", level=1)
    if not b["campaigns"]:
        doc.add_paragraph(f"{period.this_word}没有发布结果的考评活动。")
    for i, c in enumerate(b["campaigns"], 1):
        doc.add_heading(f"（{NUMERALS[i - 1] if i <= len(NUMERALS) else i}）{c['name']}", level=2)
        doc.add_paragraph(f"考评期间：{c['period_start']:%Y-%m-%d} 至 {c['period_end']:%Y-%m-%d}    "
                          f"{c['mode_label']}    参评单位：{c['count']} 个    平均分：{_score(c['mean'])}")
        _table(doc, ["等次", "单位数", "占比"], [[g["name"], str(g["count"]), _pct(g["share"])] for g in c["grades"]])
        if c["interval"]:
            doc.add_paragraph(f"红榜（前 {c['top_share']:.0%}，共 {c['top_total']} 个单位）：")
            _units_table(doc, c["top"])
            doc.add_paragraph(f"黑榜（后 {c['bottom_share']:.0%}，共 {c['bottom_total']} 个单位）：")
            _units_table(doc, c["bottom"])
            doc.add_paragraph("本活动区间公开，仅列红榜、黑榜单位。")
        else:
            doc.add_paragraph("排名前列：")
            _units_table(doc, c["top"])
            doc.add_paragraph("排名末位：")
            _units_table(doc, c["bottom"])
        if c["rises"] or c["falls"]:
            if c["rises"]:
                doc.add_paragraph("较上期上升最多：")
                _changes_table(doc, c["rises"])
            if c["falls"]:
                doc.add_paragraph("较上期下降最多：")
                _changes_table(doc, c["falls"])
        elif not c["compared"]:
            doc.add_paragraph("本活动无上期结果可比较。")

    ratings = b["ratings"]
    if ratings is not None:
        doc.add_heading("三、政务服务好差评", level=1)
        t = ratings["total"]
        if not t["count"]:
            doc.add_paragraph(f"{period.this_word}没有群众评价数据。")
        else:
            prev = ratings["previous"]
            _table(doc, ["", "评价数", "好评率", "满意度", "差评", "已整改", "整改率"], [
                [period.this_word, str(t["count"]), _pct(t["good_rate"]), f"{t['satisfaction']:.1f}", str(t["bad"]),
                 str(t["bad_rectified"]), _pct(t["rectification_rate"])],
                *([[period.previous_word, str(prev["count"]), _pct(prev["good_rate"]), f"{prev['satisfaction']:.1f}",
                    str(prev["bad"]), str(prev["bad_rectified"]), _pct(prev["rectification_rate"])]] if prev else []),
            ])
            doc.add_paragraph("各服务大厅：")
            _table(doc, ["服务大厅", "评价数", "好评率", "满意度", "差评", "已整改", "整改率"], [
                [h["name"], str(h["count"]), _pct(h["good_rate"]), "—" if h["satisfaction"] is None
                 else f"{h['satisfaction']:.1f}", str(h["bad"]), str(h["bad_rectified"]), _pct(h["rectification_rate"])]
                for h in ratings["halls"]])
            if ratings["bad_windows"]:
                doc.add_paragraph("差评较多的窗口：")
                _table(doc, ["窗口", "服务大厅", "评价数", "差评", "已整改", "整改率"], [
                    [w["name"], w["hall_name"], str(w["count"]), str(w["bad"]), str(w["bad_rectified"]),
                     _pct(w["rectification_rate"])] for w in ratings["bad_windows"]])
            month = f"{ratings['lists_month']:%Y-%m}"
            red = "、".join(r["name"] for r in ratings["red"]) or "无"
            black = "、".join(r["name"] for r in ratings["black"]) or "无"
            doc.add_paragraph(f"红榜窗口（截至 {month}）：{red}。")
            doc.add_paragraph(f"黑榜窗口（截至 {month}）：{black}。")

    alerts = b["alerts"]
    if alerts is not None:
        doc.add_heading("四、评价诚信预警" if ratings is not None else "三、评价诚信预警", level=1)
        if not alerts["total"]:
            doc.add_paragraph("上述考评活动未发现评价诚信预警。")
        else:
            _table(doc, ["预警类型", *alerts["statuses"], "合计"],
                   [[r["label"], *map(str, r["counts"]), str(r["total"])] for r in alerts["rows"]]
                   + [["合计", *map(str, alerts["totals"]), str(alerts["total"])]])
            if alerts["confirmed_list"]:
                doc.add_paragraph("认定属实的预警：")
                _table(doc, ["考评活动", "预警类型", "涉及单位", "办结时间"], [
                    [a["campaign"], a["label"], _units_text(a),
                     f"{timezone.localtime(a['closed_at']):%Y-%m-%d}" if a["closed_at"] else "—"]
                    for a in alerts["confirmed_list"]])
    doc.add_paragraph("说明：考评结果依据已发布的结果快照，区间公开的活动只列红榜、黑榜单位；"
                      "评价人身份及个人信息不予披露。")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _units_text(alert: dict[str, Any]) -> str:
    text = "、".join(alert["units"]) or "—"
    if alert["hidden_units"]:
        text += f"（另有 {alert['hidden_units']} 个未公开单位）"
    return text
