"""Results pages: ranking, a unit's basis, who-rates-whom, result-use rules, publication
and the Excel / Word exports.

Views read through selectors, write through services, and only shape what they hand
to the templates (labels, colours, chart data); every number comes from a stored
results snapshot (C2). Who may see what is decided in :mod:`kaoping.reports.selectors`;
a refusal there is shown as a page saying why, with status 403.
"""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kaoping.accounts.permissions import has, object_rules, requires
from kaoping.campaigns.models import Campaign, CampaignStatus
from kaoping.engine.errors import KaopingError

from . import exports, selectors, services
from .models import PublicationMode

#: colours of the grade badges and chart bars, by position in the campaign's grade list
GRADE_CLASSES = ("grade-excellent", "grade-good", "grade-pass", "grade-fail")
GRADE_COLOURS = ("#16a34a", "#2563eb", "#d97706", "#dc2626")


def alert_kind_label(kind: str) -> str:
    labels = {
        "avoidance": _("回避剔除"), "missing_data": _("数据缺失"), "fluctuation": _("分数波动"),
        "low_streak": _("连续低分"), "mutual_high": _("互评畸高"), "rotation": _("轮流坐庄"),
        "rater_lenient": _("评价偏宽"), "rater_severe": _("评价偏严"), "straight_line": _("评分雷同"),
        "out_of_remit": _("超范围评价"), "kpi_deviation": _("指标偏离目标"),
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
        slot = 3 if i == n - 1 and n > 1 else min(i, 2)
        classes[name] = GRADE_CLASSES[slot]
        colours[name] = GRADE_COLOURS[slot]
    return classes, colours


def _campaign_info(campaign: Campaign) -> dict[str, Any]:
    return {
        "code": campaign.code, "name": campaign.name, "kind_label": campaign.get_kind_display() or "—",
        "period_start": campaign.period_start, "period_end": campaign.period_end,
        "status": campaign.status, "status_label": campaign.get_status_display(),
    }


def with_campaign(view: Any) -> Any:
    """Load the campaign named by ``code`` (404 when unknown) and turn a refusal from the
    selectors into a page that says why (403)."""
    @wraps(view)
    def wrapped(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = selectors.campaign_get(code=code)
        if campaign is None:
            raise Http404(_("考评活动不存在"))
        try:
            return view(request, campaign, *args, **kwargs)
        except selectors.ResultsHidden as exc:
            return render(request, "reports/hidden.html",
                          {"campaign": _campaign_info(campaign), "message": exc.message, "nav": "campaigns"},
                          status=403)

    return wrapped


def _alerts(raw: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    order = {"critical": 0, "warning": 1, "info": 2}
    alerts = [
        {"kind": a["kind"], "kind_label": alert_kind_label(a["kind"]),
         "severity": a.get("severity", "warning"), "severity_label": severity_label(a.get("severity", "warning")),
         "detail": a.get("detail", ""), "units": [names.get(c, c) for c in a.get("units", [])]}
        for a in raw
    ]
    alerts.sort(key=lambda a: order.get(a["severity"], 3))
    return alerts


def _style_rows(rows: list[dict[str, Any]], classes: dict[str, str]) -> list[dict[str, Any]]:
    return [{**r, "grade_class": classes.get(r["grade"], "grade-other")} for r in rows]


# --------------------------------------------------------------------------- pages


@requires("campaigns.view")
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    """结果与报告: the campaigns whose results this person may open."""
    items = []
    for item in selectors.report_index(user=request.user):
        c = item["campaign"]
        items.append({**_campaign_info(c), "own_unit": item["own_unit"],
                      "publication": dict(PublicationMode.choices).get(item["publication"] or "", "")})
    return render(request, "reports/index.html", {"items": items, "nav": "campaigns",
                                                  "briefs": has(request.user, "campaigns.view_all")})


@requires("campaigns.view")
@object_rules
@require_GET
@with_campaign
def campaign_results(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    access = selectors.results_access(user=request.user, campaign=campaign)
    page = selectors.ranking(campaign=campaign, access=access)
    meta = page["meta"]
    grade_names = [name for name, _m in page["grades"]]
    classes, colours = _grade_styles(grade_names)
    rows = _style_rows(page["rows"], classes)
    previous_campaign = next((r["previous_campaign"] for r in rows if r["previous_campaign"]), None)
    summary = page["summary"]
    chart = None
    if summary and access.full:
        chart = {
            "units": [r["name"] for r in rows], "totals": [round(r["total"], 2) for r in rows],
            "grades": [r["grade"] for r in rows], "vetoed": [r["vetoed"] for r in rows], "colors": colours,
            "gradeCounts": [{"name": n, "value": c} for n, c in summary["grade_counts"].items() if c],
            "thresholds": [{"name": n, "min": m} for n, m in page["grades"] if 0 < m <= 100],
            "axisMin": max(0, int(summary["lowest"] // 10) * 10 - 10) if rows else 0,
            "labels": {"total": _("总分"), "grade": _("等次"), "vetoed": _("一票否决")},
        }
    context = {
        "campaign": _campaign_info(campaign), "computed_at": page["computed_at"], "has_results": page["has_results"],
        "access": access, "rows": rows, "groups": page["groups"], "summary": summary, "chart": chart,
        "top": _style_rows(page["top"], classes), "bottom": _style_rows(page["bottom"], classes),
        "own": _style_rows([page["own"]], classes)[0] if page["own"] else None,
        "alerts": _alerts(page["alerts"], meta.names), "previous_campaign": previous_campaign,
        "grade_rules": [{"name": n, "min": m, "class": classes.get(n, "grade-other")} for n, m in page["grades"]],
        "publication": access.publication, "can_publish": access.can_manage and campaign.status == CampaignStatus.CLOSED,
        # the ranking tables depend only on the snapshot and on what this viewer may see
        "cache_key": access.token,
        "nav": "campaigns",
    }
    return render(request, "reports/results.html", context)


@requires("campaigns.view")
@object_rules
@require_GET
@with_campaign
def unit_page(request: HttpRequest, campaign: Campaign, unit: str) -> HttpResponse:
    access = selectors.unit_access(user=request.user, campaign=campaign, unit_code=unit)
    report = selectors.unit_report(campaign=campaign, access=access, unit_code=unit)
    if report is None:
        raise Http404(_("该单位不在本活动的结果中"))
    meta = report["meta"]
    classes, colours = _grade_styles([n for n, _m in meta.grades])
    row = {**report["row"], "grade_class": classes.get(report["row"]["grade"], "grade-other")}
    chart = {
        "radar": report["radar"],
        "trend": {
            "labels": [t["name"] for t in report["trend"]],
            "codes": [t["campaign"] for t in report["trend"]],
            "scores": [None if t["score"] is None else round(t["score"], 2) for t in report["trend"]],
            "means": [None if t["mean"] is None else round(t["mean"], 2) for t in report["trend"]],
            "ranks": [t["rank"] for t in report["trend"]],
        },
        "labels": {"unit": report["name"], "mean": _("全体平均"), "score": _("得分"), "rank": _("排名")},
    }
    context = {
        "campaign": _campaign_info(campaign), "access": access, "report": report, "row": row,
        "alerts": _alerts(report["alerts"], meta.names), "chart": chart,
        "tree": [{**t, "indent": 0.75 + t["depth"] * 1.25} for t in report["tree"]],
        "nav": "campaigns",
    }
    return render(request, "reports/unit.html", context)


@requires("campaigns.view_all")
@require_GET
@with_campaign
def heatmap_page(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    access = selectors.results_access(user=request.user, campaign=campaign)
    heat = selectors.heatmap(campaign=campaign, access=access) if access.snapshot else None
    dist = selectors.distributions(campaign=campaign, access=access)
    chart = None
    if heat is not None:
        chart = {
            "heat": {k: heat[k] for k in ("x", "y", "x_codes", "y_codes", "cells", "min", "max")},
            "dist": dist,
            "labels": {"mean": _("平均分"), "count": _("评分条数"), "deviation": _("较该单位总体均值"),
                       "units": _("单位数"), "from": _("评价方"), "to": _("被评单位")},
            "cellUrl": (f"/campaigns/{quote(campaign.code)}/results/heatmap/cell/"
                        if access.can_view_individual else None),
        }
    context = {"campaign": _campaign_info(campaign), "access": access, "heat": heat, "chart": chart,
               "nav": "campaigns"}
    return render(request, "reports/heatmap.html", context)


@requires("scores.view_individual")
@object_rules
@require_GET
@with_campaign
def heatmap_cell(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    access = selectors.results_access(user=request.user, campaign=campaign)
    cell = selectors.heatmap_cell(campaign=campaign, access=access, user=request.user,
                                  row=request.GET.get("from", ""), target=request.GET.get("to", ""))
    return render(request, "reports/heatmap_cell.html", {"cell": cell})


@requires("campaigns.view_all")
@require_GET
@with_campaign
def rules_page(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    access = selectors.results_access(user=request.user, campaign=campaign)
    use = selectors.result_use(campaign=campaign, access=access)
    sections = []
    for rule, (label, action) in selectors.rules.LABELS.items():
        sections.append({"rule": rule, "label": label, "action": action, "settings": use["settings"].get(rule, {}),
                         "triggers": [t for t in use["triggers"] if t["rule"] == rule]})
    context = {"campaign": _campaign_info(campaign), "access": access, "use": use, "sections": sections,
               "nav": "campaigns"}
    return render(request, "reports/rules.html", context)


class PublishForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("公开方式"), choices=PublicationMode.choices,
                             widget=forms.RadioSelect, initial=PublicationMode.FULL)
    top_percent = forms.FloatField(label=gettext_lazy("红榜比例（%）"), min_value=0, max_value=100,
                                   initial=30, help_text=gettext_lazy("区间公开时点名的前列单位比例"))
    bottom_percent = forms.FloatField(label=gettext_lazy("黑榜比例（%）"), min_value=0, max_value=100,
                                      initial=10, help_text=gettext_lazy("区间公开时点名的末位单位比例"))
    note = forms.CharField(label=gettext_lazy("发布说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


@requires("campaigns.manage")
@require_http_methods(["GET", "POST"])
@with_campaign
def publish(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    access = selectors.results_access(user=request.user, campaign=campaign)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.results_publish(campaign=campaign, mode=d["mode"], by=request.user,
                                     top_share=d["top_percent"] / 100, bottom_share=d["bottom_percent"] / 100,
                                     note=d["note"])
        except KaopingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("结果已发布。"))
            return redirect("reports:results", code=campaign.code)
    summary = selectors.ranking(campaign=campaign, access=access)["summary"]
    context = {"campaign": _campaign_info(campaign), "access": access, "form": form, "summary": summary,
               "publication": access.publication, "closed": campaign.status == CampaignStatus.CLOSED,
               "nav": "campaigns"}
    return render(request, "reports/publish.html", context, status=200 if request.method == "GET" or form.is_valid()
                  else 400)


# --------------------------------------------------------------------------- exports


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@requires("results.export")
@require_GET
@with_campaign
def export_xlsx(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    access = selectors.results_access(user=request.user, campaign=campaign)
    page = selectors.ranking(campaign=campaign, access=access)
    if not page["has_results"]:
        raise Http404(_("本活动尚未计算结果"))
    # the workbook depends only on the snapshot (exporters see every unit)
    key = f"rp_xlsx:{campaign.pk}:{access.token}"
    content = cache.get(key)
    if content is None:
        content = exports.ranking_xlsx(campaign=campaign, page=page)
        cache.set(key, content, 3600)
    return _attachment(content, exports.XLSX, f"{campaign.code}-考评结果排名.xlsx")


@requires("campaigns.view")
@object_rules
@require_GET
@with_campaign
def unit_docx(request: HttpRequest, campaign: Campaign, unit: str) -> HttpResponse:
    access = selectors.unit_access(user=request.user, campaign=campaign, unit_code=unit)
    report = selectors.unit_report(campaign=campaign, access=access, unit_code=unit)
    if report is None:
        raise Http404(_("该单位不在本活动的结果中"))
    key = f"rp_docx:{campaign.pk}:{access.token}:{unit}"  # one report per snapshot and unit
    content = cache.get(key)
    if content is None:
        content = exports.diagnosis_docx(campaign=campaign, report=report)
        cache.set(key, content, 3600)
    return _attachment(content, exports.DOCX, f"{campaign.code}-{unit}-绩效诊断报告.docx")


# --------------------------------------------------------------------------- briefs (R9.1)


def _brief_error(request: HttpRequest, text: str, exc: Any) -> HttpResponse:
    """The brief page with the picker and why the period was refused (400)."""
    from . import briefs

    context = {"error": exc.message, "period_text": text, **_brief_picker(briefs.default_period()), "nav": "reports"}
    return render(request, "reports/brief.html", context, status=400)


def _brief_picker(period: Any) -> dict[str, Any]:
    """Choices and current values of the three period pickers, around ``period``."""
    from . import briefs

    last = period.months[-1]
    quarter = briefs.Period("quarter", last.year, (last.month - 1) // 3 + 1)
    newest = briefs.default_period()
    newest_quarter = briefs.Period("quarter", newest.year, (newest.number - 1) // 3 + 1)
    quarters = [newest_quarter.shifted(-i).code for i in range(12)]
    years = list(range(newest.year, newest.year - 6, -1))
    if quarter.code not in quarters:
        quarters.append(quarter.code)
    if last.year not in years:
        years.append(last.year)
    return {"month_value": f"{last:%Y-%m}", "quarter_value": quarter.code, "year_value": last.year,
            "quarters": quarters, "years": years}


@requires("campaigns.view_all")
@require_GET
def brief_page(request: HttpRequest) -> HttpResponse:
    """月度简报 / 季度通报 / 年度总结 for ``?period=2026-10`` (or ``2026-Q4``, ``2026``)."""
    from . import briefs

    text = request.GET.get("period", "").strip()
    try:
        period = briefs.parse_period(text) if text else briefs.default_period()
    except briefs.BriefPeriodError as exc:
        return _brief_error(request, text, exc)
    b = briefs.brief(period=period, user=request.user)
    for c in b["campaigns"]:
        classes, colours = _grade_styles([g["name"] for g in c["grades"]])
        c["grades"] = [{**g, "class": classes.get(g["name"], "grade-other"), "colour": colours.get(g["name"], "#94a3b8")}
                       for g in c["grades"]]
    context = {"b": b, "period": period, "period_text": period.code, **_brief_picker(period), "nav": "reports"}
    return render(request, "reports/brief.html", context)


@requires("campaigns.view_all")
@require_GET
def brief_docx(request: HttpRequest, period: str) -> HttpResponse:
    from . import briefs

    try:
        parsed = briefs.parse_period(period)
    except briefs.BriefPeriodError as exc:
        return _brief_error(request, period, exc)
    b = briefs.brief(period=parsed, user=request.user)
    return _attachment(briefs.brief_docx(b=b), exports.DOCX, f"{parsed.label}考评工作{parsed.title}.docx")
