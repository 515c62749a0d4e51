"""Results pages: a campaign's ranking, grades, group subtotals and alerts.

Views read through selectors and only shape what they return for the templates
(names beside codes, labels, colours); every number on the page comes from the stored
results snapshot (C2), never from a computation here.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaoping.accounts.permissions import requires

from . import selectors

#: colours of the grade badges and chart bars, by position in the campaign's grade list
GRADE_CLASSES = ("grade-excellent", "grade-good", "grade-pass", "grade-fail")
GRADE_COLOURS = ("#16a34a", "#2563eb", "#d97706", "#dc2626")
OTHER_COLOUR = "#64748b"


def alert_kind_label(kind: str) -> str:
    labels = {
        "avoidance": _("回避剔除"),
        "missing_data": _("数据缺失"),
        "fluctuation": _("分数波动"),
        "low_streak": _("连续低分"),
        "mutual_high": _("互评畸高"),
        "rotation": _("轮流坐庄"),
        "rater_lenient": _("评价偏宽"),
        "rater_severe": _("评价偏严"),
        "straight_line": _("评分雷同"),
        "out_of_remit": _("超范围评价"),
        "kpi_deviation": _("指标偏离目标"),
    }
    return labels.get(kind, kind)


def severity_label(severity: str) -> str:
    return {"critical": _("严重"), "warning": _("警示"), "info": _("提示")}.get(severity, severity)


def _grade_styles(grade_names: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """CSS class and chart colour of each grade: best green ... last red."""
    classes: dict[str, str] = {}
    colours: dict[str, str] = {}
    n = len(grade_names)
    for i, name in enumerate(grade_names):
        # the last grade is always the failing one; the others take the palette in order
        slot = 3 if i == n - 1 and n > 1 else min(i, 2)
        classes[name] = GRADE_CLASSES[slot]
        colours[name] = GRADE_COLOURS[slot]
    return classes, colours


@requires("campaigns.view_all")
@require_GET
def campaign_results(request: HttpRequest, code: str) -> HttpResponse:
    campaign = selectors.campaign_get(code=code)
    if campaign is None:
        raise Http404(_("考评活动不存在"))
    page = selectors.results_page(campaign=campaign)
    results: dict[str, Any] | None = page["results"]
    names: dict[str, str] = page["unit_names"]
    groups: list[dict[str, Any]] = page["groups"]
    vetoes: dict[str, str] = page["vetoes"]
    grade_names: list[str] = page["grade_names"]
    classes, colours = _grade_styles(grade_names)

    rows: list[dict[str, Any]] = []
    previous_campaign = None
    for u in (results or {}).get("units", []):
        previous = u.get("previous") or None
        prev_score = previous.get("score") if previous else None
        if previous and previous_campaign is None:
            previous_campaign = previous.get("campaign")
        change = u["total"] - prev_score if prev_score is not None else None
        rows.append({
            "rank": u["rank"], "unit": u["unit"], "name": names.get(u["unit"], u["unit"]),
            "total": u["total"], "base": u["base"], "bonus": u["bonus"], "deduction": u["deduction"],
            "grade": u["grade"], "grade_class": classes.get(u["grade"], "grade-other"),
            "group_scores": [u["groups"].get(g["code"]) for g in groups],
            "previous": prev_score, "previous_rank": previous.get("rank") if previous else None,
            "change": change, "change_abs": abs(change) if change is not None else None,
            "vetoed": u["vetoed"], "veto_reason": vetoes.get(u["unit"], ""),
        })

    alerts = [
        {
            "kind": a["kind"], "kind_label": alert_kind_label(a["kind"]),
            "severity": a.get("severity", "warning"), "severity_label": severity_label(a.get("severity", "warning")),
            "detail": a.get("detail", ""), "units": [names.get(c, c) for c in a.get("units", [])],
        }
        for a in (results or {}).get("alerts", [])
    ]
    order = {"critical": 0, "warning": 1, "info": 2}
    alerts.sort(key=lambda a: order.get(a["severity"], 3))

    counts = {name: 0 for name in grade_names}
    for r in rows:
        if r["grade"] is not None:
            counts[r["grade"]] = counts.get(r["grade"], 0) + 1
    totals = [r["total"] for r in rows]
    summary = {
        "count": len(rows),
        "mean": sum(totals) / len(totals) if totals else None,
        "excellent": counts.get(grade_names[0], 0) if grade_names else 0,
        "failed": counts.get(grade_names[-1], 0) if grade_names else 0,
        "alert_count": len(alerts),
    }
    lowest = min(totals, default=0.0)
    chart = {
        "units": [r["name"] for r in rows],
        "totals": [round(r["total"], 2) for r in rows],
        "grades": [r["grade"] for r in rows],
        "vetoed": [r["vetoed"] for r in rows],
        "colors": colours,
        "gradeCounts": [{"name": n, "value": c} for n, c in counts.items() if c],
        "thresholds": [t for t in page["grade_thresholds"] if 0 < t["min"] <= 100],
        "axisMin": max(0, int(lowest // 10) * 10 - 10) if rows else 0,
        "labels": {"total": _("总分"), "grade": _("等次"), "vetoed": _("一票否决")},
    }
    campaign_info = {
        "code": campaign.code, "name": campaign.name, "kind_label": campaign.get_kind_display() or "—",
        "period_start": campaign.period_start, "period_end": campaign.period_end,
        "status": campaign.status, "status_label": campaign.get_status_display(),
    }
    context = {
        "campaign": campaign_info, "computed_at": page["computed_at"], "has_results": results is not None,
        "rows": rows, "groups": groups, "alerts": alerts, "summary": summary, "chart": chart,
        "previous_campaign": previous_campaign,
        "grade_rules": [{"name": t["name"], "min": t["min"], "class": classes.get(t["name"], "grade-other")}
                        for t in page["grade_thresholds"]],
        "vetoes": [{"name": names.get(c, c), "reason": reason} for c, reason in vetoes.items()],
        "nav": "campaigns",
    }
    return render(request, "reports/results.html", context)
