"""Pages of the ratings app (R4): the citizen's rating pages, staff entry and uploads,
the office's dashboard, statistics, registers, cases and appeals, and the public lookup.

Views read through :mod:`.selectors` and :mod:`.stats`, write through :mod:`.services`,
and only shape what the templates show. A citizen reaches a rating page by a signed
link (:func:`.links.link_token`): no log-in, and nobody can rate a transaction they were not
given the link of.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction as db_transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaoping.accounts.permissions import has, object_rules, public, requires, visible_units

from . import forms as upload_io
from . import integrity, paper_import, selectors, services, stats
from .forms import (
    COMMENT_MAX,
    LEVEL_CHOICES,
    POLICY_PERCENT,
    AppealForm,
    CaseStepForm,
    DecideForm,
    FlagDecideForm,
    NameForm,
    PeriodForm,
    PolicyForm,
    RatingForm,
    RatingImportForm,
    RegisterForm,
    StaffEntryForm,
    UploadForm,
)
from .links import (
    kiosk_address,
    kiosk_key_valid,
    kiosk_path,
    link_external_id,
    link_token,
    rating_path,
)
from .models import (
    BAD_LEVELS,
    ONLINE_ITEMS,
    ONSITE_ITEMS,
    PROBLEM_TAGS,
    CaseStatus,
    FlagKind,
    FlagStatus,
    Level,
    RatingChannel,
    RatingFlag,
    SummaryKind,
    Transaction,
)
from .services import RatingError

DEVICE_COOKIE = "kp_device"
KIOSK_RECENT_MINUTES = 30
KIOSK_POLL_SECONDS = 5
KIOSK_THANKS_SECONDS = 6

# --------------------------------------------------------------------------- QR codes


def _qr(url: str) -> Any:
    import segno

    return segno.make(url, error="m")


def _level_label(level: int) -> str:
    return str(Level(level).label)


def _txn_facts(txn: Transaction) -> dict[str, Any]:
    """What a citizen sees of their transaction (no applicant data)."""
    return {
        "item": txn.service_item.name, "hall": txn.hall.name, "window": txn.window.name,
        "staff": txn.staff.name if txn.staff else "", "when": txn.completed_at or txn.accepted_at,
        "rate_until": txn.rate_until,
    }


def _is_rated(txn: Transaction) -> bool:
    return hasattr(txn, "rating")


def _device(request: HttpRequest) -> tuple[str, str | None]:
    """A per-browser id (cookie) so one phone rating many times can be noticed (R5.5)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if not value or len(value) > 64 or not value.replace("-", "").replace("_", "").isalnum():
        import secrets

        return f"web:{secrets.token_urlsafe(16)}", None
    return f"web:{value}", value


def _remember_device(response: HttpResponse, device: str, had: str | None) -> HttpResponse:
    if had is None:
        response.set_cookie(DEVICE_COOKIE, device.removeprefix("web:"), max_age=365 * 24 * 3600,
                            httponly=True, samesite="Lax")
    return response


# --------------------------------------------------------------------------- citizen pages


def _outcome(request: HttpRequest, *, heading: str, lines: list[str], status: int = 200, warn: bool = False,
             level_label: str = "", kiosk: bool = False, refresh_url: str = "",
             refresh_seconds: int = KIOSK_THANKS_SECONDS) -> HttpResponse:
    return render(request, "ratings/outcome.html", {
        "heading": heading, "lines": lines, "warn": warn, "level_label": level_label, "kiosk": kiosk,
        "refresh_url": refresh_url, "refresh_seconds": refresh_seconds,
    }, status=status)


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return _outcome(request, heading=_("评价链接无效"), warn=True, status=404, lines=[
        _("该链接不完整或已被改动，无法打开评价页面。"),
        _("请核对短信中的链接，或重新扫描窗口提供的二维码。"),
    ])


def _already_rated(request: HttpRequest, **kw: Any) -> HttpResponse:
    return _outcome(request, heading=_("本次办件已经评价过了"), warn=True, status=409, lines=[
        _("每件办件只能评价一次，感谢您的参与。"),
        _("如需反映问题，请拨打 12345 政务服务便民热线。"),
    ], **kw)


def _expired(request: HttpRequest, txn: Transaction, **kw: Any) -> HttpResponse:
    until = timezone.localtime(txn.rate_until)
    return _outcome(request, heading=_("评价期限已过"), warn=True, status=410, lines=[
        _("本次办件的评价期限已于 %(until)s 截止。") % {"until": f"{until:%Y年%m月%d日 %H:%M}"},
        _("如需反映问题，请拨打 12345 政务服务便民热线。"),
    ], **kw)


def _not_yet(request: HttpRequest, **kw: Any) -> HttpResponse:
    return _outcome(request, heading=_("暂时还不能评价"), warn=True, status=422, lines=[
        _("该办件尚未受理，请在办理后再评价。"),
    ], **kw)


def _error_field(location: str | None) -> str | None:
    """The form field a service error is about (``items.attitude`` → ``item_attitude``)."""
    if not location:
        return None
    if location.startswith("items."):
        return "item_" + location.split(".", 1)[1]
    if location.startswith("tags"):
        return "tags"
    return {"comment": "comment", "level": "level", "rater.phone": "rater_phone", "channel": "channel",
            "transaction": "transaction"}.get(location)


def _add_service_error(form: Any, exc: RatingError) -> None:
    name = _error_field(exc.location)
    form.add_error(name if name in form.fields else None, exc.message)


def _rating_context(form: RatingForm, txn: Transaction, action: str, token: str = "") -> dict[str, Any]:
    return {"form": form, "txn": _txn_facts(txn), "levels": LEVEL_CHOICES, "item_fields": form.item_fields,
            "action": action, "token_field": token, "comment_max": COMMENT_MAX}


def _submit(request: HttpRequest, form: RatingForm, txn: Transaction, *, channel: str,
            device: str | None) -> RatingError | None:
    """Hand a valid form to the service; the error it raises, if any."""
    try:
        services.rating_submit(transaction=txn, level=form.cleaned_data["level"], items=form.items(),
                               tags=form.cleaned_data["tags"], comment=form.cleaned_data["comment"],
                               channel=channel, device=device)
    except RatingError as exc:
        return exc
    return None


@public
@csrf_exempt  # no session to protect: the signed link itself is what authorises the rating
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The mobile rating page reached by a QR code or an SMS link (R4.2–R4.3)."""
    external_id = link_external_id(token)
    txn = selectors.transaction_for_rating(external_id) if external_id else None
    if txn is None:
        return _invalid_link(request)
    if _is_rated(txn):
        return _already_rated(request)
    now = timezone.now()
    if now > txn.rate_until:
        return _expired(request, txn)
    via = RatingChannel.QR if request.GET.get("c") == "qr" else RatingChannel.MOBILE
    form = RatingForm(request.POST or None, online=txn.online)
    if request.method == "POST" and form.is_valid():
        device, had = _device(request)
        error = _submit(request, form, txn, channel=via, device=device)
        if error is None:
            response = redirect(reverse("ratings:rate_thanks", args=[token]), permanent=False)
            response.status_code = 303
            return _remember_device(response, device, had)
        if error.code == "already_rated":
            return _already_rated(request)
        if error.code == "rating_closed":
            return _expired(request, txn)
        if error.code == "not_ratable_yet":
            return _not_yet(request)
        _add_service_error(form, error)
    return render(request, "ratings/rate.html", _rating_context(form, txn, request.get_full_path()),
                  status=400 if form.is_bound else 200)


@public
@require_GET
def rate_thanks(request: HttpRequest, token: str) -> HttpResponse:
    external_id = link_external_id(token)
    txn = selectors.transaction_for_rating(external_id) if external_id else None
    if txn is None:
        return _invalid_link(request)
    if not _is_rated(txn):
        return redirect("ratings:rate", token=token)
    level = txn.rating.level
    lines = [_("您的评价已提交，我们将认真听取您的意见。")]
    if level in BAD_LEVELS:
        lines.append(_("您反映的问题将转交责任单位核实整改，整改情况可在“窗口评价公示”中查询。"))
    return _outcome(request, heading=_("感谢您的评价！"), level_label=_level_label(level), lines=lines)


@public
@require_GET
def rate_qr(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The QR code of a rating link, as PNG or SVG (for receipts and SMS systems)."""
    external_id = link_external_id(token)
    if not external_id or selectors.transaction_get(external_id) is None:
        raise Http404(_("评价链接无效"))
    qr = _qr(request.build_absolute_uri(rating_path(external_id, via="qr")))
    buf = io.BytesIO()
    if fmt == "png":
        qr.save(buf, kind="png", scale=8, border=2)
        return HttpResponse(buf.getvalue(), content_type="image/png")
    qr.save(buf, kind="svg", scale=8, border=2, xmldecl=False)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


def _kiosk_refused(request: HttpRequest) -> HttpResponse:
    return _outcome(request, heading=_("评价器未授权"), warn=True, status=403, kiosk=True, lines=[
        _("本页面缺少有效的终端密钥，不能在此评价。"),
        _("请大厅工作人员在“大厅窗口名录”中打开该窗口，复制“终端地址”后在本窗口的评价器上重新打开。"),
    ])


@public
@object_rules  # answers 403 without the window's terminal key
@csrf_exempt  # a shared terminal without log-in; the terminal key and the posted token authorise
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, hall: str, window: str) -> HttpResponse:
    """The window terminal (现场评价器): shows the transaction just served, or waits for one.

    Opens only with the window's terminal key (``?k=``, :func:`kiosk_key`); its ratings
    carry the terminal as their device, so the integrity scan sees them (R5.5).
    """
    key = request.GET.get("k", "")
    w = selectors.window_get(hall, window)
    if not kiosk_key_valid(key, hall, window, w.kiosk_key_version if w is not None else 1):
        return _kiosk_refused(request)  # before saying whether the window exists
    if w is None:
        return _outcome(request, heading=_("窗口不存在"), warn=True, status=404, kiosk=True,
                        lines=[_("请联系大厅工作人员检查评价器设置。")])
    here = kiosk_address(hall, window, key)
    window_label = f"{w.hall.name} · {w.name}"
    if request.method == "POST":
        external_id = link_external_id(request.POST.get("token", ""))
        txn = selectors.transaction_for_rating(external_id) if external_id else None
        if txn is None or txn.window_id != w.pk:
            return redirect(here)
        if _is_rated(txn):
            return _already_rated(request, kiosk=True, refresh_url=here)
        form = RatingForm(request.POST, online=txn.online)
        if form.is_valid():
            error = _submit(request, form, txn, channel=RatingChannel.KIOSK, device=f"kiosk:{hall}:{window}")
            if error is None:
                return _outcome(request, heading=_("感谢您的评价！"), kiosk=True, refresh_url=here,
                                level_label=_level_label(form.cleaned_data["level"]),
                                lines=[_("祝您生活愉快。")])
            if error.code == "already_rated":
                return _already_rated(request, kiosk=True, refresh_url=here)
            if error.code == "rating_closed":
                return _expired(request, txn, kiosk=True, refresh_url=here)
            _add_service_error(form, error)
        failed = _rating_context(form, txn, here, token=link_token(txn.external_id))
        return render(request, "ratings/kiosk.html", {**failed, "window_label": window_label}, status=400)
    txn = selectors.kiosk_pending(w, timezone.now(), KIOSK_RECENT_MINUTES)
    context: dict[str, Any] = {"window_label": window_label, "poll_seconds": KIOSK_POLL_SECONDS, "txn": None,
                               "recent_minutes": KIOSK_RECENT_MINUTES, "here": here}
    if txn is not None:
        context.update(_rating_context(RatingForm(online=txn.online), txn, here, token=link_token(txn.external_id)))
    return render(request, "ratings/kiosk.html", context)


# --------------------------------------------------------------------------- office: helpers


def _this_month() -> dt.date:
    return services.month_start(timezone.now())


def _period(request: HttpRequest) -> tuple[dt.date, str]:
    """The month asked for (``?period=YYYY-MM``, default this month) and an error, if any."""
    form = PeriodForm(request.GET)
    if form.is_valid() and form.cleaned_data["period"]:
        return form.cleaned_data["period"], ""
    error = form.errors.get("period")
    return _this_month(), (str(error[0]) if error else "")


def _months(period: dt.date, n: int = 12) -> list[str]:
    return [p.strftime("%Y-%m") for p in stats.previous_periods(period, n)]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _page(request: HttpRequest, name: str, section: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render an office page with the sub-navigation the user's role allows."""
    user = request.user
    can = {"manage": has(user, "ratings.manage"), "enter": has(user, "ratings.enter"),
           "cases": has(user, "cases.handle"), "decide": has(user, "appeals.decide"),
           "upload": has(user, "data.upload")}
    can["import"] = can["upload"] and can["enter"]
    pending = sum(len(v) for v in selectors.unconfirmed_codes().values()) if can["manage"] else 0
    return render(request, f"ratings/{name}.html",
                  {"nav": "ratings", "section": section, "can": can, "pending_codes": pending, **context},
                  status=status)


BAD_CASE_CHOICES = [(s.value, s.label) for s in CaseStatus]


# --------------------------------------------------------------------------- office: dashboard


@requires("ratings.view")
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The ratings dashboard: this month in figures, trends, rankings, lists and alerts.

    The office and the supervisor see the whole city; a unit contact sees only the
    windows their unit answers for (as on the cases page), everywhere on the page.
    """
    period, period_error = _period(request)
    return _dashboard_page(request, period, period_error)


def _dashboard_page(request: HttpRequest, period: dt.date, period_error: str = "", *,
                    flag_forms: dict[int, FlagDecideForm] | None = None, status: int = 200) -> HttpResponse:
    scope = selectors.window_scope(request.user)  # None: every window
    windows = _in_scope(stats.stats_table(SummaryKind.WINDOW, period), scope, "id")
    rated = [w for w in windows if w["count"]]
    total = sum(w["count"] for w in rated)
    levels = {str(i): sum(w["levels"][str(i)] for w in rated) for i in range(1, 6)}
    level_sum = sum(i * n for i, n in ((int(k), v) for k, v in levels.items()))
    bad = levels["1"] + levels["2"]
    rectified = sum(w["bad_rectified"] for w in rated)
    summary = {
        "count": total, "transactions": sum(w["transactions"] for w in windows),
        "good_rate": (levels["4"] + levels["5"]) / total if total else None,
        "satisfaction": 100 * (level_sum - total) / (4 * total) if total else None,
        "bad": bad, "rectified": rectified, "rectification_rate": rectified / bad if bad else None,
        "default_count": sum(w["default_count"] for w in windows),
    }
    trend = _dashboard_trend(period) if scope is None else stats.windows_trend(period, 12, scope)
    all_lists = stats.honour_lists(period)
    lists = {name: _in_scope(rows, scope, "id") for name, rows in all_lists.items()}
    case_counts = selectors.case_counts(request.user)
    window_choices = [(w.pk, f"{w.hall.name} · {w.name}") for w in selectors.windows()
                      if scope is None or w.pk in scope]
    try:
        phrase_window = int(request.GET.get("w", ""))
    except ValueError:
        phrase_window = None
    if phrase_window not in {pk for pk, _label in window_choices}:
        if scope is not None and phrase_window is not None:
            raise Http404(_("只能查看本单位负责窗口的评价内容"))
        phrase_window = None
    phrases = _comment_phrases(period, phrase_window, scope)
    flags, rising = _flags(request, period, scope, flag_forms or {})
    chart = {
        "trend": trend,
        "levels": [{"name": label, "value": levels[str(value)]} for value, label in LEVEL_CHOICES],
        "ranking": [{"name": w["name"], "hall": w["hall_name"], "satisfaction": round(w["satisfaction"], 2),
                     "count": w["count"]} for w in rated[:15]],
        "phrases": phrases.get("chart"),
        "labels": {"count": _("评价数"), "satisfaction": _("满意度"), "bad": _("差评数"), "none": _("暂无数据")},
    }
    context = {
        "period": period.strftime("%Y-%m"), "period_error": period_error,
        "months": _months(_this_month(), 24), "summary": summary, "pct": _pct,
        "good_rate": _pct(summary["good_rate"]), "rectification_rate": _pct(summary["rectification_rate"]),
        "lists": lists, "open_cases": case_counts["open"], "overdue_cases": case_counts["overdue"],
        "windows": rated[:10], "phrases": phrases, "flags": flags, "rising": rising,
        "flag_count": len(flags) + len(rising), "chart": chart,
        "open_flag_count": sum(1 for f in flags if f["open"]) + len(rising),
        "window_choices": window_choices, "phrase_window": phrase_window,
        "policy": _policy_text(services.policy_get()), "window_scope": scope,
    }
    return _page(request, "dashboard", "dashboard", context, status=status)


FLAG_LIMIT = 200


def _flags(request: HttpRequest, period: dt.date, scope: frozenset[int] | None,
           forms_by_pk: dict[int, FlagDecideForm]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The month's integrity flags (scanned again when the last scan is older than ten
    minutes), open ones first, each with its decision form or its decision; and the
    rising complaints computed now for windows the stored flags do not cover yet."""
    integrity.scan_if_stale(period)
    stored = selectors.flags_of_month(period, limit=FLAG_LIMIT, window_ids=scope)  # open ones first
    can_decide = has(request.user, "ratings.manage")
    flags = []
    for f in stored:
        numbers = f.numbers if isinstance(f.numbers, dict) else {}
        months = numbers.get("months") if f.kind == FlagKind.RISING else None
        flags.append({
            "flag": f, "open": f.status == FlagStatus.OPEN, "months": months if isinstance(months, list) else [],
            "form": (forms_by_pk.get(f.pk) or FlagDecideForm(prefix=f"f{f.pk}"))
            if can_decide and f.status == FlagStatus.OPEN else None,
            "decided_by": (f.decided_by.get_full_name() or f.decided_by.get_username()) if f.decided_by_id else "",
        })
    covered = {f.window_id for f in stored if f.kind == FlagKind.RISING}
    rising = [r for r in _in_scope(integrity.rising_complaints(period=period), scope, "window_id")
              if r["window_id"] not in covered]
    return flags, rising


def _flag_or_404(pk: int) -> RatingFlag:
    flag = selectors.flag_get(pk)
    if flag is None:
        raise Http404(_("该线索不存在（可能已被重新扫描清除）"))
    return flag


@requires("ratings.manage")
@require_POST
def flag_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The office closes an integrity flag: confirmed (属实) or dismissed (排除), with a note
    (R5.7). The ratings it is about do not change."""
    flag = _flag_or_404(pk)
    form = FlagDecideForm(request.POST, prefix=f"f{pk}")
    if form.is_valid():
        try:
            integrity.flag_decide(flag=flag, status=form.cleaned_data["status"], note=form.cleaned_data["note"],
                                  by=request.user)
        except RatingError as exc:
            if exc.code in ("conflict", "not_found"):  # decided meanwhile, or gone: no form to show it on
                messages.error(request, exc.message)
                return _dashboard_page(request, flag.period, status=409)
            form.add_error(exc.location if exc.location in ("status", "note") else None, exc.message)
        else:
            label = FlagStatus(form.cleaned_data["status"]).label
            messages.success(request, _("已处理线索“%(kind)s”：%(status)s。") % {
                "kind": flag.get_kind_display(), "status": label})
            url = f"{reverse('ratings:dashboard')}?{urlencode({'period': flag.period.strftime('%Y-%m')})}"
            return redirect(f"{url}#flag-{flag.pk}")
    return _dashboard_page(request, flag.period, flag_forms={flag.pk: form}, status=400)


def _in_scope(rows: list[dict[str, Any]], scope: frozenset[int] | None, key: str) -> list[dict[str, Any]]:
    """The rows about windows in ``scope`` (all of them when scope is None)."""
    return rows if scope is None else [r for r in rows if r[key] in scope]


def _dashboard_trend(period: dt.date) -> list[dict[str, Any]]:
    """Monthly trend over all halls: satisfaction is linear in the mean level, so the
    count-weighted mean of the halls' satisfaction is the overall one."""
    trend = []
    for p in reversed(stats.previous_periods(period, 12)):
        halls = stats.hall_stats(p)
        n = sum(h["count"] for h in halls)
        sat = sum(h["satisfaction"] * h["count"] for h in halls if h["count"]) / n if n else None
        trend.append({"period": p.strftime("%Y-%m"), "count": n, "satisfaction": sat,
                      "bad": sum(h["bad"] for h in halls)})
    return trend


def _policy_text(policy: Any) -> dict[str, Any]:
    return {"red_share": f"{policy.red_share:.0%}", "red_months": policy.red_months,
            "black_share": f"{policy.black_share:.0%}", "black_months": policy.black_months,
            "below": f"{policy.inspection_below:g}", "periods": policy.inspection_periods}


def _comment_phrases(period: dt.date, window_id: int | None,
                     scope: frozenset[int] | None = None) -> dict[str, Any]:
    """Frequent problem phrases of the comments (R4.6): this month's, and per month
    (of one window, else of every window in ``scope``, else of all)."""
    from . import comments

    praise = set(comments.DOMAIN.get("好评", {}))
    month = comments.comment_analysis(period=period, window_id=window_id, window_ids=scope)
    return {"comments": month["comments"], "phrases": [p for p in month["phrases"] if p[0] not in praise][:10],
            "categories": [c for c in month["categories"] if c[0] != "好评"],
            "chart": comments.phrase_trend(until=period, months=6, window_id=window_id, window_ids=scope)}


# --------------------------------------------------------------------------- office: statistics

STATS_KINDS = {
    "window": (SummaryKind.WINDOW, "服务窗口"), "staff": (SummaryKind.STAFF, "工作人员"),
    "item": (SummaryKind.ITEM, "服务事项"), "hall": (None, "服务大厅"),
}


@requires("ratings.view")
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """Statistics per hall / window / staff member / service item for one month (R4.5)."""
    period, period_error = _period(request)
    scope = selectors.window_scope(request.user)
    # a unit contact sees their own windows and the staff of those windows only
    kinds = STATS_KINDS if scope is None else {k: STATS_KINDS[k] for k in ("window", "staff")}
    by = request.GET.get("by", "window")
    if by not in kinds:
        by = "window"
    kind, _label = kinds[by]
    rows = stats.hall_stats(period) if kind is None else stats.stats_table(kind, period)
    if scope is not None:
        allowed = scope if kind == SummaryKind.WINDOW else selectors.staff_of_windows(scope)
        rows = [r for r in rows if r["id"] in allowed]
    for r in rows:
        r["pct"] = {k: _pct(r.get(k)) for k in ("good_rate", "rectification_rate", "callback_rate",
                                                 "on_time_rate", "on_the_spot_rate")}
    return _page(request, "statistics", "stats", {
        "nav": "ratings", "period": period.strftime("%Y-%m"), "period_error": period_error, "by": by,
        "kinds": [(k, _(v[1])) for k, v in kinds.items()], "rows": rows,
        "months": _months(_this_month(), 24),
    })


# --------------------------------------------------------------------------- office: registers

REGISTERS = ("halls", "windows", "staff", "items")
REGISTER_TABS = [("windows", _lazy("服务窗口")), ("halls", _lazy("服务大厅")), ("staff", _lazy("工作人员")),
                 ("items", _lazy("服务事项"))]
#: a register's row in a message: 服务窗口 W1
REGISTER_NOUN = dict(REGISTER_TABS)


def _register_rows(kind: str) -> list[Any]:
    rows = {"halls": selectors.halls().select_related("unit"),
            "windows": selectors.windows().select_related("unit", "hall__unit"),
            "staff": selectors.staff_list(), "items": selectors.items_list()}[kind]
    return list(rows)


def _register_get(kind: str, pk: int) -> Any:
    obj = selectors.register_get(kind, pk) if kind in REGISTERS else None
    if obj is None:
        raise Http404(_("记录不存在"))
    return obj


def _register_kind(kind: str) -> None:
    if kind not in REGISTERS:
        raise Http404(_("没有这个名录"))


@requires("ratings.view")
@require_GET
def registers(request: HttpRequest, kind: str = "windows") -> HttpResponse:
    """Halls, windows, staff and service items; codes first seen from business systems
    are listed first for the office to confirm. The office adds and edits rows, and
    gets each window's terminal address (with its key)."""
    _register_kind(kind)
    rows = _register_rows(kind)
    rows.sort(key=lambda o: (o.confirmed, getattr(getattr(o, "hall", None), "code", ""), o.code))
    pending = {k: len(v) for k, v in selectors.unconfirmed_codes().items()}
    can_manage = has(request.user, "ratings.manage")
    if kind == "windows" and can_manage:
        for w in rows:
            w.kiosk_path = kiosk_path(w.hall.code, w.code, w.kiosk_key_version)
    return _page(request, "registers", "registers", {
        "nav": "ratings", "kind": kind, "rows": rows,
        "tabs": [(key, label, pending.get(key, 0)) for key, label in REGISTER_TABS],
        "noun": REGISTER_NOUN[kind], "can_manage": can_manage,
    })


@requires("ratings.manage")
@require_POST
def kiosk_key_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a window's terminal address and give out a new one (a leaked or lost key)."""
    window = _register_get("windows", pk)
    services.kiosk_key_rotate(window=window, by=request.user)
    messages.success(request, _("已更换 %(window)s 的终端地址：旧地址立即失效，请在评价器上打开新地址。") % {
        "window": window.name})
    return redirect(request.POST.get("next") if url_has_allowed_host_and_scheme(
        request.POST.get("next"), allowed_hosts={request.get_host()}) else reverse(
        "ratings:register_edit", args=["windows", pk]))


@requires("ratings.manage")
@require_POST
def register_confirm(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    _register_kind(kind)
    obj = _register_get(kind, pk)
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            services.code_confirm(obj=obj, name=form.cleaned_data["name"], by=request.user)
        except RatingError as exc:
            messages.error(request, _("%(code)s：%(message)s") % {"code": obj.code, "message": exc.message})
        else:
            messages.success(request, _("已确认 %(code)s：%(name)s") % {"code": obj.code, "name": obj.name})
    else:
        messages.error(request, _("%(code)s：%(errors)s") % {
            "code": obj.code, "errors": "；".join(str(e) for e in form.errors.get("name", []))})
    return redirect("ratings:registers_kind", kind=kind)


def _register_form(request: HttpRequest, kind: str, obj: Any = None) -> RegisterForm:
    return RegisterForm(request.POST if request.method == "POST" else None, kind=kind, obj=obj,
                        halls=selectors.halls(), units=visible_units(request.user), windows=selectors.windows())


def _register_error(form: RegisterForm, exc: RatingError) -> None:
    """Put a service error next to the field it names (``name 不能为空`` → 名称不能为空)."""
    field = exc.location if exc.location in form.fields else None
    message = exc.message
    if field and message.startswith(f"{field} "):
        message = f"{form.fields[field].label}{message[len(field) + 1:]}"
    form.add_error(field, message)


def _register_page(request: HttpRequest, kind: str, form: RegisterForm, obj: Any = None,
                   status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"kind": kind, "form": form, "obj": obj, "noun": REGISTER_NOUN[kind]}
    if obj is not None and kind == "windows":
        context.update(_terminal(request, obj))
    return _page(request, "register_form", "registers", context, status=status)


@requires("ratings.manage")
@require_http_methods(["GET", "POST"])
def register_new(request: HttpRequest, kind: str) -> HttpResponse:
    """The office adds a hall, window, staff member or service item by hand."""
    _register_kind(kind)
    form = _register_form(request, kind)
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.register_create(**form.create_values(), by=request.user)
        except RatingError as exc:
            _register_error(form, exc)
        else:
            messages.success(request, _("已登记%(noun)s %(code)s：%(name)s") % {
                "noun": REGISTER_NOUN[kind], "code": obj.code, "name": obj.name})
            return redirect("ratings:register_edit", kind=kind, pk=obj.pk)
    return _register_page(request, kind, form, status=400 if form.is_bound else 200)


@requires("ratings.manage")
@require_http_methods(["GET", "POST"])
def register_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The office renames a row, sets a hall's or window's responsible unit (open cases
    follow it) or a staff member's window; saving also confirms a new code."""
    _register_kind(kind)
    obj = _register_get(kind, pk)
    form = _register_form(request, kind, obj)
    if request.method == "POST" and form.is_valid():
        values = form.edit_values()

        def unit_of(o: Any) -> int | None:
            return o.responsible_unit_id() if kind == "windows" else getattr(o, "unit_id", None)

        unit_before = unit_of(obj)
        try:
            services.code_confirm(obj=obj, **values, by=request.user)
        except RatingError as exc:
            _register_error(form, exc)
            obj = _register_get(kind, pk)  # the service may have changed the object before refusing
        else:
            unit_after = unit_of(obj)  # the service saved the object it was given
            messages.success(request, _("已保存%(noun)s %(code)s：%(name)s") % {
                "noun": REGISTER_NOUN[kind], "code": obj.code, "name": obj.name})
            if unit_after != unit_before and kind in ("halls", "windows"):
                messages.info(request, _("责任单位已更改为 %(unit)s，在办的差评已转由该单位办理。") % {
                    "unit": values["unit"].name})
            return redirect("ratings:register_edit", kind=kind, pk=obj.pk)
    return _register_page(request, kind, form, obj, status=400 if form.is_bound else 200)


def _terminal(request: HttpRequest, w: Any) -> dict[str, Any]:
    """A window's terminal address, for the office only (the key lets anyone holding it rate)."""
    if not has(request.user, "ratings.manage"):
        return {"terminal_url": ""}
    return {"terminal_url": request.build_absolute_uri(kiosk_path(w.hall.code, w.code, w.kiosk_key_version)),
            "terminal_rotate": reverse("ratings:kiosk_key_rotate", args=[w.pk])}


@requires("ratings.view")
@require_GET
def window_qr_sheet(request: HttpRequest, hall: str, window: str) -> HttpResponse:
    """A printable page of rating QR codes for a window's transactions not yet rated,
    and, for the office, the window terminal's address with its key."""
    w = selectors.window_get(hall, window)
    if w is None:
        raise Http404(_("窗口不存在"))
    now = timezone.now()
    pending = selectors.unrated_transactions(w, now, limit=60)
    cards = []
    for t in pending:
        url = request.build_absolute_uri(rating_path(t.external_id, via="qr"))
        cards.append({"id": t.external_id, "item": t.service_item.name, "staff": t.staff.name if t.staff else "",
                      "until": t.rate_until, "svg": _qr(url).svg_inline(scale=5, border=2, omitsize=False), "url": url})
    public_url = request.build_absolute_uri(reverse("ratings:public_window", args=[hall, window]))
    return _page(request, "qr_sheet", "registers", {
        "nav": "ratings", "window": w, "cards": cards, "public_url": public_url, **_terminal(request, w),
        "public_svg": _qr(public_url).svg_inline(scale=5, border=2, omitsize=False),
    })


# --------------------------------------------------------------------------- office: settings


def _policy_summary(form: PolicyForm, before: dict[str, Any], after: Any) -> list[str]:
    """What changed, as "可评价天数（自然日）：7 → 10" lines."""
    def text(f: Any, value: Any) -> str:
        if f.choices:
            return str(dict(f.choices).get(value, value))
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return f"{value}{'%' if f.name in POLICY_PERCENT else ''}"

    lines = []
    for f in form.policy_fields:
        old, new = before[f.name], form.shown(f.name, getattr(after, f.name))
        if old != new:
            lines.append(f"{f.verbose_name}：{text(f, old)} → {text(f, new)}")
    return lines


@requires("ratings.manage")
@require_http_methods(["GET", "POST"])
def policy_settings(request: HttpRequest) -> HttpResponse:
    """The office sets the numbers of 好差评 (R4): rating period, default level, case
    deadlines, red and black lists, inspection line, integrity thresholds."""
    policy = services.policy_get(fresh=True)
    form = PolicyForm(request.POST or None, policy=policy)
    if request.method == "POST" and form.is_valid():
        before = {f.name: form.shown(f.name, getattr(policy, f.name)) for f in form.policy_fields}
        try:
            saved = services.policy_update(by=request.user, **form.values())
        except RatingError as exc:
            form.add_error(exc.location if exc.location in form.fields else None, exc.message)
        except ValidationError as exc:
            for name, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            changes = _policy_summary(form, before, saved)
            if changes:
                messages.success(request, _("参数已保存：%(changes)s。") % {"changes": "；".join(changes)})
            else:
                messages.info(request, _("参数没有变化。"))
            return redirect("ratings:settings")
    return _page(request, "settings", "settings", {
        "form": form, "groups": form.groups(), "policy": policy, "saved": policy.updated_at,
    }, status=400 if form.is_bound else 200)


# --------------------------------------------------------------------------- staff entry and upload


def _entry_facts(txn: Transaction) -> dict[str, Any]:
    rating = getattr(txn, "rating", None)
    return {**_txn_facts(txn), "id": txn.external_id, "online": txn.online,
            "kind": _("线上办件（一事一评）") if txn.online else _("现场办件（一次一评）"),
            "rated": rating, "rated_level": _level_label(rating.level) if rating else "",
            "expired": timezone.now() > txn.rate_until}


OWN_WINDOW_MESSAGE = _lazy("该办件由本单位负责的窗口办理，单位联络员不能代为录入本单位窗口的评价。请交由考核办录入。")


@requires("ratings.enter")
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest) -> HttpResponse:
    """Hotline, SMS and paper ratings typed in by staff, with the channel recorded.

    The transaction is looked up first: its facts are shown to check with the citizen,
    and its channel decides the sub-items offered (online or on site). A unit contact
    may not enter a rating of a window their own unit answers for.
    """
    posted = request.method == "POST"
    tid = ((request.POST if posted else request.GET).get("transaction") or "").strip()
    txn = selectors.transaction_for_rating(tid) if tid else None
    form = StaffEntryForm(request.POST if posted else None, online=txn.online if txn else None,
                          initial={"transaction": tid})
    context: dict[str, Any] = {"nav": "ratings", "form": form, "levels": LEVEL_CHOICES,
                               "tags": list(PROBLEM_TAGS.items()), "txn": _entry_facts(txn) if txn else None,
                               "lookup_error": "", "refused": False}
    status = 200
    own = txn is not None and services.rates_own_unit(request.user, txn)
    if context["txn"] and not has(request.user, "ratings.manage"):
        context["txn"]["rated_level"] = ""  # that it was rated, not how: a contact reads no other unit's rating
    if not posted:
        if tid and txn is None:
            context["lookup_error"], status = _("办件编号 %(id)s 不存在，请核对。") % {"id": tid[:128]}, 404
        elif own:
            context["refused"], status = True, 403
        return _page(request, "entry", "entry", context, status=status)
    valid = form.is_valid()
    stray = [k for k in request.POST if k.startswith("item_") and k not in form.fields and request.POST.get(k)]
    if own:
        form.add_error("transaction", str(OWN_WINDOW_MESSAGE))
        context["refused"] = True
        return _page(request, "entry", "entry", context, status=403)
    if valid and txn is None:
        form.add_error("transaction", _("办件编号不存在，请核对。"))
    elif valid and stray:
        labels = {**ONSITE_ITEMS, **ONLINE_ITEMS}
        form.add_error(None, _("分项%(items)s不适用于该办件：该办件为%(kind)s。请重新查询办件后填写。") % {
            "items": "、".join(f"“{labels.get(k[5:], k[5:])}”" for k in stray), "kind": context["txn"]["kind"]})
    elif valid:
        try:
            services.rating_submit(
                transaction=txn, level=form.cleaned_data["level"], items=form.items(), tags=form.cleaned_data["tags"],
                comment=form.cleaned_data["comment"], channel=form.cleaned_data["channel"],
                rater_phone=form.cleaned_data["rater_phone"] or None, by=request.user)
        except RatingError as exc:
            _add_service_error(form, exc)
        else:
            messages.success(request, _("已录入办件 %(id)s 的评价：%(level)s（%(channel)s）") % {
                "id": txn.external_id, "level": _level_label(form.cleaned_data["level"]),
                "channel": RatingChannel(form.cleaned_data["channel"]).label})
            return redirect("ratings:entry")
    return _page(request, "entry", "entry", context, status=400)


@requires("data.upload")
@require_GET
def upload_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(upload_io.template_bytes(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="transactions-template.xlsx"'
    return response


def _check_rows(rows: list[upload_io.Row], *, source: str, commit: bool) -> tuple[list[dict[str, Any]], int, int]:
    """Run every row through ``transaction_receive`` inside one database transaction.

    Returns (row reports, created, unchanged). With ``commit`` False — the preview — or
    when any row fails, the whole transaction is rolled back: nothing is written.
    """
    reports, created, same = [], 0, 0
    with db_transaction.atomic():
        for row in rows:
            report: dict[str, Any] = {"row": row.number, "id": row.data.get("id") or "", "errors": list(row.errors), "status": ""}
            if not row.errors:
                try:
                    with db_transaction.atomic():
                        _, new = services.transaction_receive(data=row.data, source=source)
                except RatingError as exc:
                    report["errors"].append(upload_io.explain(exc))
                else:
                    report["status"] = "new" if new else "same"
                    created += new
                    same += not new
            reports.append(report)
        if not commit or any(r["errors"] for r in reports):
            db_transaction.set_rollback(True)
    return reports, created, same


@requires("data.upload")
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Excel upload of transactions: a preview with every error by row, then one import."""
    context: dict[str, Any] = {"nav": "ratings", "columns": upload_io.COLUMNS}
    if request.method == "GET":
        return _page(request, "upload", "upload", {**context, "form": UploadForm()})
    if "confirm" in request.POST:
        stored = upload_io.stored_get(request.session, request.POST.get("upload", ""))
        if stored is None:
            messages.error(request, _("预览已过期或已导入，请重新上传文件。"))
            return redirect("ratings:upload")
        rows, name = stored
        reports, created, same = _check_rows(rows, source=f"excel:{name}", commit=True)
        if any(r["errors"] for r in reports):
            return _page(request, "upload", "upload", {
                **context, "form": UploadForm(), "reports": reports, "name": name,
                "error_count": sum(1 for r in reports if r["errors"]), "stale": True}, status=400)
        upload_io.stored_drop(request.session, request.POST.get("upload", ""))
        messages.success(request, _("已导入 %(name)s：新增办件 %(created)d 条，已存在且内容相同 %(same)d 条。") % {
            "name": name, "created": created, "same": same})
        return redirect("ratings:upload")
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, "upload", "upload", {**context, "form": form}, status=400)
    f = form.cleaned_data["file"]
    try:
        rows = upload_io.read_rows(f)
    except upload_io.UploadError as exc:
        form.add_error("file", exc.message)
        return _page(request, "upload", "upload", {**context, "form": form}, status=400)
    reports, created, same = _check_rows(rows, source=f"excel:{f.name}", commit=False)
    errors = sum(1 for r in reports if r["errors"])
    key = upload_io.stored_put(request.session, rows, f.name) if not errors else ""
    return _page(request, "upload", "upload", {
        **context, "form": UploadForm(), "reports": reports, "name": f.name, "upload_key": key,
        "error_count": errors, "created": created, "same": same,
    }, status=400 if errors else 200)


# --------------------------------------------------------------------------- Excel import of ratings


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@requires("data.upload")
@require_GET
def rating_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(paper_import.template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="ratings-template.xlsx"'
    return response


def _import_page(request: HttpRequest, *, form: RatingImportForm | None = None,
                 preview: paper_import.Preview | None = None, status: int = 200, **extra: Any) -> HttpResponse:
    return _page(request, "rating_import", "import", {
        "form": form or RatingImportForm(), "preview": preview, "columns": paper_import.COLUMNS,
        "max_rows": paper_import.MAX_ROWS, **extra}, status=status)


@requires("data.upload")
@require_http_methods(["GET", "POST"])
def rating_import(request: HttpRequest) -> HttpResponse:
    """Ratings taken by hotline, SMS or on paper, from Excel: a preview with every error by
    row, then one import of every row or none (R4.2, R9.3)."""
    if request.method == "GET":
        return _import_page(request)
    if "confirm" in request.POST:
        key = request.POST.get("upload", "")
        stored = paper_import.stash_get(request.session, key)
        if stored is None:
            messages.error(request, _("预览已过期或已导入，请重新上传文件。"))
            return redirect("ratings:import")
        content, name = stored
        try:
            preview = paper_import.import_apply(content=content, name=name, by=request.user)
        except paper_import.ImportRefused as exc:
            return _import_page(request, preview=exc.preview, stale=True, status=400)
        paper_import.stash_drop(request.session, key)
        bad = sum(1 for r in preview.rows if r.level in BAD_LEVELS)
        messages.success(request, _("已导入 %(name)s：评价 %(n)d 条，其中差评 %(bad)d 条已自动立案。") % {
            "name": name, "n": len(preview.rows), "bad": bad})
        return redirect("ratings:import")
    form = RatingImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form=form, status=400)
    f = form.cleaned_data["file"]
    content = f.read()
    preview = paper_import.check(content=content, name=f.name)
    if preview.errors:
        for error in preview.errors:
            form.add_error("file", error)
        return _import_page(request, form=form, status=400)
    key = paper_import.stash_put(request.session, content, preview.name) if preview.ok else ""
    return _import_page(request, preview=preview, upload_key=key, status=200 if preview.ok else 400)


# --------------------------------------------------------------------------- cases and appeals


def _case_row(case: Any, today: dt.date) -> dict[str, Any]:
    over = selectors.case_overdue(case, today)
    t = case.rating.transaction
    return {
        "pk": case.pk, "transaction": t.external_id, "window": f"{case.window.hall.name} · {case.window.name}",
        "unit": case.unit.name if case.unit else "", "level": case.rating.level,
        "level_label": _level_label(case.rating.level), "rated_at": case.rating.rated_at,
        "status": case.status, "status_label": case.get_status_display(),
        "plan_due": case.plan_due, "done_due": case.done_due, "overdue": over,
        "real_name": case.rating.real_name, "excluded": case.rating.excluded,
    }


@requires("cases.handle")
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """Bad-rating cases: all for the office, a unit contact's own unit's only."""
    status = request.GET.get("status", "")
    status = status if status in CaseStatus.values else ""
    overdue = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    qs = selectors.cases_for(request.user, status=status or None, overdue=overdue or None, today=today)
    rows = [_case_row(c, today) for c in qs[:300]]
    return _page(request, "cases", "cases", {
        "nav": "ratings", "rows": rows, "status": status, "overdue": overdue, "statuses": BAD_CASE_CHOICES,
        "count": qs.count(),
    })


def _case_context(request: HttpRequest, case: Any, *, step_form: CaseStepForm | None = None,
                  appeal_form: AppealForm | None = None, phone: str = "") -> dict[str, Any]:
    rating = case.rating
    t = rating.transaction
    items_all = {**ONSITE_ITEMS, **ONLINE_ITEMS}
    items = [(items_all.get(code, code), _level_label(v)) for code, v in (rating.items or {}).items()]
    tags = [PROBLEM_TAGS.get(tag, tag) for tag in rating.tags or []]
    appeals = list(rating.appeals.order_by("-filed_at"))
    steps = [
        (_("立案"), case.opened_at, ""),
        (_("回访评价人"), case.called_back_at, case.callback_note),
        (_("核实情况"), case.verified_at, (case.get_verdict_display() + "。" if case.verdict else "") + case.verify_note),
        (_("整改方案"), case.planned_at, case.plan),
        (_("整改完成"), case.rectified_at, case.rectification),
        (_("答复并办结"), case.closed_at, case.reply),
    ]
    return {
        "nav": "ratings", "case": case, "row": _case_row(case, timezone.localdate()), "rating": rating, "txn": t,
        "items": items, "tags": tags, "steps": steps, "appeals": appeals,
        "step_form": step_form or CaseStepForm(), "appeal_form": appeal_form or AppealForm(),
        "closed": case.status == CaseStatus.CLOSED, "phone": phone,
        "can_reveal": has(request.user, "ratings.manage"),
        "can_appeal": rating.level in BAD_LEVELS and not rating.excluded and not rating.is_default
        and not any(a.status == "pending" for a in appeals),
        "actions": CaseStepForm.ACTIONS,
    }


def _case_or_404(request: HttpRequest, pk: int) -> Any:
    case = selectors.case_get_for(request.user, pk)
    if case is None:
        raise Http404(_("差评记录不存在，或不属于您的单位"))
    return case


@requires("cases.handle")
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    return _page(request, "case", "cases", _case_context(request, case))


@requires("cases.handle")
@require_POST
def case_step(request: HttpRequest, pk: int) -> HttpResponse:
    """One step of a case (call-back, verification, plan, rectification, reply)."""
    case = _case_or_404(request, pk)
    form = CaseStepForm(request.POST)
    if form.is_valid():
        try:
            services.case_advance(case=case, action=form.cleaned_data["action"], note=form.cleaned_data["note"],
                                  verdict=form.cleaned_data["verdict"] or None, by=request.user)
        except RatingError as exc:
            form.add_error("note" if exc.location == "note" else "verdict" if exc.location == "verdict" else None,
                           exc.message)
        else:
            messages.success(request, _("已保存：%(step)s") % {"step": dict(CaseStepForm.ACTIONS)[form.cleaned_data["action"]]})
            return redirect("ratings:case", pk=case.pk)
    return _page(request, "case", "cases", _case_context(request, case, step_form=form), status=400)


@requires("ratings.manage")
@require_POST
def case_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the rater's full number for the call-back (POST: never in a link or history).

    Only the evaluation office calls raters back: the rated unit never learns who rated it.
    """
    case = _case_or_404(request, pk)
    phone = selectors.case_rater_phone(case, request.user)
    return _page(request, "case", "cases", _case_context(request, case, phone=phone or _("（未留号码）")))


@requires("cases.handle")
@require_POST
def case_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit appeals a mistaken or malicious bad rating; a reviewer decides."""
    case = _case_or_404(request, pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_file(rating=case.rating, reason=form.cleaned_data["reason"],
                                 evidence=form.cleaned_data["evidence"], by=request.user)
        except RatingError as exc:
            form.add_error("reason" if exc.location == "reason" else None, exc.message)
        else:
            messages.success(request, _("申诉已提交，等待复核。"))
            return redirect("ratings:case", pk=case.pk)
    return _page(request, "case", "cases", _case_context(request, case, appeal_form=form), status=400)


@requires("appeals.decide")
@require_GET
def appeal_list(request: HttpRequest) -> HttpResponse:
    return _page(request, "appeals", "appeals", _appeals_context(request))


def _appeals_context(request: HttpRequest, forms_by_pk: dict[int, DecideForm] | None = None) -> dict[str, Any]:
    rows = []
    for a in selectors.appeals_pending():
        r = a.rating
        rows.append({"appeal": a, "rating": r, "level_label": _level_label(r.level),
                     "window": f"{r.window.hall.name} · {r.window.name}",
                     "tags": [PROBLEM_TAGS.get(t, t) for t in r.tags or []],
                     "form": (forms_by_pk or {}).get(a.pk) or DecideForm(prefix=f"a{a.pk}"),
                     "own": a.filed_by_id == request.user.pk})
    return {"nav": "ratings", "rows": rows}


@requires("appeals.decide")
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_pending_get(pk)
    if appeal is None:
        messages.error(request, _("该申诉不存在或已复核。"))
        return redirect("ratings:appeals")
    form = DecideForm(request.POST, prefix=f"a{pk}")
    if form.is_valid():
        try:
            services.appeal_decide(appeal=appeal, uphold=form.cleaned_data["decision"] == "uphold",
                                   note=form.cleaned_data["note"], by=request.user)
        except RatingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("申诉 #%(pk)d 已复核。") % {"pk": pk})
            return redirect("ratings:appeals")
    return _page(request, "appeals", "appeals", _appeals_context(request, {pk: form}), status=400)


# --------------------------------------------------------------------------- public


_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def _mask_text(text: str) -> str:
    """Mask ID and mobile numbers someone may have typed into a text shown to the public."""
    return _PHONE.sub(r"\1****\2", _ID_NUMBER.sub(r"\1********\2", text or ""))


@public
@require_GET
def public_windows(request: HttpRequest) -> HttpResponse:
    """Anyone can find a window and open its rating record (R4.7)."""
    q = (request.GET.get("q") or "").strip()[:50]
    period = _this_month()
    figures = {(r["hall"], r["window"]): r for r in stats.window_stats(period)}
    rows = []
    for w in selectors.windows():
        if q and q not in w.name and q not in w.code and q not in w.hall.name:
            continue
        f = figures.get((w.hall.code, w.code))
        rows.append({"hall": w.hall, "window": w, "figures": f, "good_pct": _pct(f["good_rate"]) if f else "—"})
    return render(request, "ratings/public_windows.html", {
        "rows": rows[:200], "q": q, "period": period.strftime("%Y-%m"), "count": len(rows),
    })


@public
@require_GET
def public_window(request: HttpRequest, hall: str, window: str) -> HttpResponse:
    w = selectors.window_get(hall, window)
    if w is None:
        raise Http404(_("窗口不存在"))
    record = selectors.public_window_record(w)
    trend = record["trend"]
    total = sum(m["count"] for m in trend)
    rated = [m for m in trend if m["count"]]
    sat = sum(m["satisfaction"] * m["count"] for m in rated) / total if total else None
    bad = sum(m["bad"] for m in trend)
    this = next((r for r in stats.stats_table(SummaryKind.WINDOW, _this_month()) if r["id"] == w.pk), None)
    cases = [{**c, "level_label": _level_label(c["level"]), "rectification": _mask_text(c["rectification"]),
              "reply": _mask_text(c["reply"])} for c in record["cases"]]
    return render(request, "ratings/public_window.html", {
        "window": w, "trend": list(reversed(trend)), "total": total, "satisfaction": sat, "bad": bad,
        "rectified": sum(m["bad_rectified"] for m in trend), "this": this,
        "this_good_rate": _pct(this["good_rate"]) if this else "—", "cases": cases,
        "chart": {"trend": trend, "labels": {"count": _("评价数"), "satisfaction": _("满意度")}},
    })
