"""Pages of the alerts app (R5.7): the list for the office and the supervisor, one alert
with the numbers behind it, its history and the forms that move it along.

Views only shape what selectors return for the templates (labels, a table of the
``data``, a chart spec) and hand form input to the services; a refusal from a service
is shown next to the form it came from. Raters appear by code only (R10.2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaoping.accounts.permissions import has, requires
from kaoping.campaigns.selectors import campaign_get
from kaoping.engine.errors import KaopingError

from . import selectors, services
from .forms import (
    AssignForm,
    CloseForm,
    ExcludeForm,
    InvestigateForm,
    ReopenForm,
    RevokeForm,
    SyncForm,
)
from .models import Alert, AlertStatus

KIND_LABELS = {
    "avoidance": "回避剔除", "missing_data": "数据缺失", "fluctuation": "分数波动", "low_streak": "连续低分",
    "mutual_high": "互评畸高", "rotation": "轮流坐庄", "rater_lenient": "评价偏宽", "rater_severe": "评价偏严",
    "straight_line": "评分雷同", "rater_unknown_target": "评价不了解的单位", "excluded_sheet": "评分表剔除",
}
SEVERITY_LABELS = {"critical": "严重", "warning": "警示", "info": "提示"}
#: labels of the numbers in an alert's ``data`` (unknown keys are shown as they are)
DATA_LABELS = {
    "mean_deviation": "与共识的平均偏离（分）", "raw_mean_deviation": "未校正的平均偏离（分）",
    "group_typical": "同组一般偏离（分）", "relative": "相对同组偏离（分）", "robust_z": "稳健 z 值",
    "scale": "评价人间离散度（分）", "threshold_z": "z 值阈值", "threshold_points": "分差阈值（分）",
    "scores": "评分条数", "units": "涉及单位数", "censored_scores": "满分或最低分条数",
    "same": "相同答案条数", "share": "相同答案占比", "answer": "常用分", "sd": "标准差（分）",
    "group_sd": "同组标准差中位数（分）", "tolerance": "视为相同的分差（分）",
    "threshold_share": "占比阈值", "threshold_sd_ratio": "标准差比例阈值",
    "gap_ab": "甲方给乙方的抬分（分）", "gap_ba": "乙方给甲方的抬分（分）", "scores_ab": "甲方评价条数",
    "scores_ba": "乙方评价条数", "z_ab": "甲→乙 z 值", "z_ba": "乙→甲 z 值", "combined_z": "合并 z 值",
    "others": "其他评价者平均偏离（分）", "others_scores": "其他评价者评分条数", "ring": "循环顺序",
    "gaps": "各环节抬分（分）", "z": "各环节 z 值", "total": "本期总分", "previous": "上期总分",
    "change": "变化（分）", "threshold": "阈值", "excluded_scores": "剔除评分条数", "reason": "原因",
    "decision": "处理决定", "units_scored": "评价单位数", "ratio": "倍数", "threshold_ratio": "倍数阈值",
    "threshold_extra": "多出单位数阈值", "remit_size": "评价范围单位数", "outside": "范围外单位",
    "periods": "各期第一名", "off_turn_rank": "不当第一时的排名中位数", "jump": "当第一时比其他各期高出（分）",
    "wins": "当第一的期数", "threshold_off_rank": "排名阈值（第几名或更后）", "threshold_periods": "最少期数",
}
#: where a key means something else for one kind
KIND_DATA_LABELS = {
    "rater_unknown_target": {"group_typical": "同组一般评价单位数", "scores": "范围外评分条数",
                             "units_scored": "该评价人评价单位数"},
    "fluctuation": {"threshold": "波动阈值（占上期总分）"},
}
#: coded values of ``data`` shown in words
VALUE_LABELS = {"too_many": "评价的单位数远多于同组", "outside_remit": "对评价范围外的单位打分"}
EVENT_LABELS = {"found": "发现", "refound": "重新计算后再次发现", "assign": "指派", "investigate": "开始核查",
                "confirm": "认定属实", "dismiss": "认定不属实", "exclude": "剔除评分表", "revoke": "撤销剔除",
                "reopen": "重新打开"}


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return _("是") if v else _("否")
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1 else f"{v:.2f}".rstrip("0").rstrip(".")
    if isinstance(v, list):
        return "、".join(_value(x) for x in v)
    if isinstance(v, dict):  # per unit, e.g. {"U03": 14.0, "U07": 11.0}
        return "、".join(f"{k} {_value(x)}" for k, x in v.items())
    if v is None:
        return "—"
    if isinstance(v, str) and v in VALUE_LABELS:
        return _(VALUE_LABELS[v])
    return str(v)


def _periods_text(periods: list[dict[str, Any]]) -> str:
    """``H01 U03 → H02 U07 → …`` (tied firsts joined by a slash)."""
    return " → ".join(f"{p.get('campaign', '')} {'/'.join(p.get('first') or [])}" for p in periods)


#: shares (0–1) shown as percentages, as the alert's text states them
PERCENT_KEYS = {"share", "threshold_share"}
KIND_PERCENT_KEYS = {"fluctuation": {"threshold"}}


def _shown(kind: str, key: str, v: Any) -> str:
    if key == "periods" and isinstance(v, list):
        return _periods_text(v)
    if isinstance(v, int | float) and not isinstance(v, bool) and (
            key in PERCENT_KEYS or key in KIND_PERCENT_KEYS.get(kind, ())):
        return f"{v * 100:.4g}%"
    return _value(v)


def _data_rows(data: dict[str, Any], kind: str = "") -> list[dict[str, str]]:
    labels = {**DATA_LABELS, **KIND_DATA_LABELS.get(kind, {})}
    return [{"key": k, "label": _(labels[k]) if k in labels else k, "value": _shown(kind, k, v)}
            for k, v in data.items()]


def _chart(alert: Alert) -> dict[str, Any] | None:
    """A small bar chart of the alert's numbers, where one helps (ECharts spec data)."""
    d = alert.data or {}
    if alert.kind in ("rater_lenient", "rater_severe") and "mean_deviation" in d:
        limit = float(d.get("group_typical", 0)) + (1 if alert.kind == "rater_lenient" else -1) * (
            float(d.get("threshold_z", 4)) * float(d.get("scale", 0)))
        return {"title": _("与共识的平均偏离（分）"),
                "labels": [_("评价人 %(code)s") % {"code": alert.raters[0]}, _("同组一般评价人")],
                "values": [d["mean_deviation"], d.get("group_typical", 0)],
                "line": round(limit, 2), "lineLabel": _("报警线")}
    if alert.kind == "mutual_high" and "gap_ab" in d:
        a, b = (alert.units + ["", ""])[:2]
        return {"title": _("比共识高出的分数（分）"),
                "labels": [f"{a}→{b}", f"{b}→{a}", _("其他评价者")],
                "values": [d["gap_ab"], d["gap_ba"], d.get("others", 0)],
                "line": d.get("threshold_points"), "lineLabel": _("分差阈值")}
    if alert.kind == "mutual_high" and "ring" in d:
        ring = d["ring"]
        return {"title": _("各环节比共识高出的分数（分）"),
                "labels": [f"{ring[i]}→{ring[(i + 1) % len(ring)]}" for i in range(len(ring))] + [_("其他评价者")],
                "values": [*d.get("gaps", []), d.get("others", 0)],
                "line": d.get("threshold_points"), "lineLabel": _("分差阈值")}
    if alert.kind == "straight_line" and "sd" in d:
        return {"title": _("评分标准差（分）"), "labels": [_("该评价人"), _("同组中位数")],
                "values": [d["sd"], d.get("group_sd", 0)], "line": None, "lineLabel": ""}
    if alert.kind in ("fluctuation", "low_streak") and "previous" in d:
        return {"title": _("总分（分）"), "labels": [_("上期"), _("本期")],
                "values": [d["previous"], d["total"]], "line": None, "lineLabel": ""}
    if alert.kind == "rotation" and d.get("periods"):
        return _rotation_chart(alert.units, d)
    if alert.kind == "rater_unknown_target" and "units_scored" in d:
        typical = float(d.get("group_typical") or 0)
        limit = max(float(d.get("threshold_ratio", 1.5)) * typical, typical + float(d.get("threshold_extra", 5)))
        return {"title": _("评价的单位数（个）"),
                "labels": [_("评价人 %(code)s") % {"code": alert.raters[0]}, _("同组一般评价人")],
                "values": [d["units_scored"], typical], "line": round(limit, 2), "lineLabel": _("报警线"),
                "decimals": 0}
    if alert.kind == "rater_unknown_target" and "remit_size" in d:
        return {"title": _("评价的单位数（个）"), "labels": [_("范围外却打了分的单位"), _("评价范围内的单位")],
                "values": [len(d.get("outside") or alert.units), d["remit_size"]], "line": None, "lineLabel": "",
                "decimals": 0}
    return None


def _rotation_chart(units: list[str], d: dict[str, Any]) -> dict[str, Any]:
    """Who held first place in each period: one row per holder, a step line through the turns."""
    periods = [str(p.get("campaign", "")) for p in d["periods"]]
    holders = sorted({u for p in d["periods"] for u in p.get("first") or []} | set(units))
    off = d.get("off_turn_rank") or {}
    labels = [_("%(code)s（平时第 %(rank)s 名）") % {"code": h, "rank": _value(off[h])} if h in off else h
              for h in holders]
    firsts = [[i, holders.index(u)] for i, p in enumerate(d["periods"]) for u in p.get("first") or []]
    return {"type": "rotation", "title": _("各期第一名"), "periods": periods, "holders": labels,
            "firsts": firsts, "mark": _("第一名")}


def _row(a: Alert, names: dict[str, dict[str, str]]) -> dict[str, Any]:
    unit_names = names.get(a.campaign.code, {})
    return {
        "pk": a.pk, "kind": a.kind, "kind_label": kind_label(a.kind), "severity": a.severity,
        "severity_label": _(SEVERITY_LABELS.get(a.severity, a.severity)), "status": a.status,
        "status_label": a.get_status_display(), "campaign": a.campaign.code, "detail": a.detail,
        "units": [{"code": c, "name": unit_names.get(c, c)} for c in a.units[:6]],
        "more_units": max(0, len(a.units) - 6), "raters": a.raters[:6], "more_raters": max(0, len(a.raters) - 6),
        "assignee": (a.assignee.get_full_name() or a.assignee.username) if a.assignee else "",
        "created_at": a.created_at,
    }


@requires("alerts.view")
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    filters = selectors.AlertFilters(
        campaign=g.get("campaign", "").strip()[:64], kind=g.get("kind", "").strip()[:40],
        severity=g.get("severity", "").strip()[:16], status=g.get("status", "").strip()[:16],
        unit=g.get("unit", "").strip()[:64],
    )
    page = Paginator(selectors.alert_list(filters=filters), 30).get_page(g.get("page"))
    names: dict[str, dict[str, str]] = {}
    for a in page.object_list:
        if a.campaign.code not in names:
            names[a.campaign.code] = selectors.unit_names(campaign=a.campaign)
    counts = selectors.alert_counts(filters=filters)
    choices = selectors.filter_choices()
    query = g.copy()
    query.pop("page", None)
    context = {
        "nav": "alerts", "rows": [_row(a, names) for a in page.object_list], "page": page,
        "filters": filters, "counts": counts, "query": query.urlencode(),
        "campaign_choices": choices["campaigns"],
        "kind_choices": [(k, kind_label(k)) for k in choices["kinds"]],
        "severity_choices": [(k, _(v)) for k, v in SEVERITY_LABELS.items()],
        "status_choices": [("open", _("未办结")), *AlertStatus.choices],
        "status_tabs": [("", _("全部"), counts["all"]), ("open", _("未办结"), counts["open"]),
                        *[(s, label, counts[s]) for s, label in AlertStatus.choices]],
        "can_sync": has(request.user, "campaigns.manage"),
        "sync_campaigns": selectors.campaigns_with_results() if has(request.user, "campaigns.manage") else [],
    }
    return render(request, "alerts/alert_list.html", context)


def _get(pk: int) -> Alert:
    alert = selectors.alert_get(pk=pk)
    if alert is None:
        raise Http404(_("预警不存在"))
    return alert


def _detail(request: HttpRequest, alert: Alert, forms: dict[str, Any] | None = None,
            status: int = 200) -> HttpResponse:
    campaign = alert.campaign
    names = selectors.unit_names(campaign=campaign)
    groups = selectors.rater_groups(campaign=campaign, codes=list(alert.raters))
    expected = {"expected_status": alert.status}
    scopes = services.exclusion_scopes(alert)
    failed = [str(e) for f in (forms or {}).values() for errs in f.errors.values() for e in errs]
    forms = forms or {}
    can_handle = has(request.user, "alerts.handle") and campaign.status != "archived"
    office = has(request.user, services.OFFICE_CAPABILITY) and campaign.status != "archived"
    forms.setdefault("assign", AssignForm(initial={**expected, "assignee": alert.assignee_id}))
    forms.setdefault("investigate", InvestigateForm(initial=expected))
    forms.setdefault("close", CloseForm(initial=expected))
    forms.setdefault("exclude", ExcludeForm(initial=expected, scopes=scopes))
    forms.setdefault("revoke", RevokeForm(initial=expected))
    forms.setdefault("reopen", ReopenForm(initial=expected))
    latest = selectors.latest_snapshot(campaign=campaign)
    exclusions = [
        {"rater": x.rater.code, "unit": x.unit.code if x.unit else None,
         "unit_name": names.get(x.unit.code, x.unit.code) if x.unit else "", "reason": x.reason,
         "at": x.created_at, "by": (x.created_by.get_full_name() or x.created_by.username) if x.created_by else ""}
        for x in selectors.alert_exclusions(alert=alert)
    ]
    events = [
        {"action": e.action, "label": _(EVENT_LABELS.get(e.action, e.action)),
         "from_label": AlertStatus(e.from_status).label if e.from_status else "",
         "to_label": AlertStatus(e.to_status).label, "note": e.note, "at": e.at, "actor": e.actor,
         "by": (e.by.get_full_name() or e.by.username) if e.by else e.actor,
         "assignee": (e.assignee.get_full_name() or e.assignee.username) if e.assignee and e.action == "assign" else "",
         "snapshot": e.snapshot_id}
        for e in selectors.alert_events(alert=alert)
    ]
    context = {
        "nav": "alerts", "alert": alert, "kind_label": kind_label(alert.kind),
        "severity_label": _(SEVERITY_LABELS.get(alert.severity, alert.severity)),
        "units": [{"code": c, "name": names.get(c, c)} for c in alert.units],
        "raters": [{"code": c, "group": groups.get(c, "")} for c in alert.raters],
        "data_rows": _data_rows(alert.data or {}, alert.kind), "chart": _chart(alert), "events": events,
        "exclusions": exclusions, "forms": forms, "scopes": scopes,
        "targets": services.exclusion_targets(alert, scopes[0]) if scopes else [],
        "campaign": campaign, "latest": latest,
        "seen_in_latest": latest is not None and alert.last_snapshot_id == latest.pk,
        "can_assign": can_handle and not alert.is_closed,
        "can_investigate": can_handle and alert.status == AlertStatus.ASSIGNED,
        "can_close": can_handle and alert.status == AlertStatus.INVESTIGATING,
        "can_exclude": office and alert.status == AlertStatus.CONFIRMED and bool(scopes) and not exclusions,
        "can_revoke": office and bool(exclusions),
        "can_reopen": office and alert.is_closed and not exclusions,
        "archived": campaign.status == "archived", "failed": failed,
    }
    return render(request, "alerts/alert_detail.html", context, status=status)


@requires("alerts.view")
@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get(pk))


@dataclass(frozen=True, slots=True)
class _Transition:
    """One form on the alert page: who may post it, the service it calls, what to say after."""

    form: type[django_forms.Form]
    capability: str
    call: Callable[[Alert, dict[str, Any], Any], Any]  # (alert, cleaned data, user)
    done: str


TRANSITIONS: dict[str, _Transition] = {
    "assign": _Transition(AssignForm, "alerts.handle", lambda a, d, by: services.alert_assign(
        alert=a, assignee=d["assignee"], note=d["note"], by=by, expected_status=d["expected_status"]),
        "已指派承办人"),
    "investigate": _Transition(InvestigateForm, "alerts.handle", lambda a, d, by: services.alert_investigate(
        alert=a, note=d["note"], by=by, expected_status=d["expected_status"]), "已开始核查"),
    "close": _Transition(CloseForm, "alerts.handle", lambda a, d, by: services.alert_close(
        alert=a, outcome=d["outcome"], reason=d["reason"], by=by, expected_status=d["expected_status"]),
        "预警已办结"),
    "exclude": _Transition(ExcludeForm, services.OFFICE_CAPABILITY, lambda a, d, by: services.sheet_exclude(
        alert=a, scope=d["scope"], reason=d["reason"], by=by, expected_status=d["expected_status"]),
        "已剔除评分表并重新计算结果（原结果快照保留）"),
    "revoke": _Transition(RevokeForm, services.OFFICE_CAPABILITY, lambda a, d, by: services.sheet_exclusion_revoke(
        alert=a, reason=d["reason"], by=by, expected_status=d["expected_status"]),
        "已撤销剔除并重新计算结果（原结果快照保留）"),
    "reopen": _Transition(ReopenForm, services.REOPEN_CAPABILITY, lambda a, d, by: services.alert_reopen(
        alert=a, reason=d["reason"], by=by, expected_status=d["expected_status"]), "预警已重新打开，回到核查中"),
}


def _transition_view(name: str) -> Callable[..., HttpResponse]:
    """The POST view of one transition: validate the form, call the service, show a refusal next to the form."""
    step = TRANSITIONS[name]

    @requires(step.capability)
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        alert = _get(pk)
        form = step.form(request.POST)
        if form.is_valid():
            try:
                step.call(alert, form.cleaned_data, request.user)
            except services.AlertError as e:
                field = e.location if e.location in form.fields else None
                form.add_error(field, e.message)
            else:
                messages.success(request, _(step.done))
                return redirect("alerts:detail", pk=pk)
        return _detail(request, alert, {name: form}, status=400)

    view.__name__ = view.__qualname__ = f"alert_{name}"
    return view


alert_assign = _transition_view("assign")
alert_investigate = _transition_view("investigate")
alert_close = _transition_view("close")
alert_exclude = _transition_view("exclude")
alert_revoke = _transition_view("revoke")
alert_reopen = _transition_view("reopen")


@requires("campaigns.manage")
@require_POST
def alerts_sync(request: HttpRequest) -> HttpResponse:
    """Compute (or reuse) a campaign's results and file its alerts."""
    form = SyncForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择考评活动"))
        return redirect("alerts:list")
    campaign = campaign_get(code=form.cleaned_data["campaign"])
    if campaign is None:
        messages.error(request, _("考评活动 %(code)s 不存在") % {"code": form.cleaned_data["campaign"]})
        return redirect("alerts:list")
    try:
        _snapshot, report = services.results_and_alerts(campaign=campaign, by=request.user)
    except KaopingError as e:
        messages.error(request, str(e.message))
        return redirect("alerts:list")
    messages.success(request, _("活动 %(code)s：新发现 %(new)d 条预警，更新 %(old)d 条") % {
        "code": campaign.code, "new": report.created, "old": report.refound})
    return redirect(f"{reverse('alerts:list')}?campaign={campaign.code}")
