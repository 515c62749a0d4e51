"""Pages of the collection app: evaluators' sheets, anonymous sheets, the office's
progress, links, uploads and the third-party check of measured values.

Views convert input and call services and selectors; every refusal comes from a
service as a :class:`~kaoping.collection.services.CollectionError` and is shown next to
the field it concerns.
"""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaoping.accounts.permissions import has, public, requires
from kaoping.campaigns.models import Campaign, CampaignStatus, Measure
from kaoping.campaigns.selectors import campaign_get
from kaoping.engine.errors import KaopingError

from . import selectors, services, uploads
from .forms import CheckForm, EvidenceForm, LinksForm, SheetForm, UploadForm
from .models import Evidence, SheetDraft, SheetSubmission, Upload, UploadKind
from .reminders import mask_email, mask_name, reminders_send

SHEET_PREFIX = "v-"


def _campaign(code: str) -> Campaign:
    campaign = campaign_get(code=code)
    if campaign is None:
        raise Http404(_("考评活动不存在"))
    return campaign


def _show_errors(form: Any, error: KaopingError, field_of: Any = lambda key: key) -> None:
    """Put a service's refusal next to the fields it names, and its summary on top."""
    for key, message in (getattr(error, "field_errors", {}) or {}).items():
        name = field_of(key)
        if name in form.fields:
            form.add_error(name, message)
    form.add_error(None, error.message)


# --------------------------------------------------------------------------- evaluator


@requires("sheets.fill")
@require_GET
def sheet_list(request: HttpRequest) -> HttpResponse:
    return render(request, "collection/sheet_list.html",
                  {"campaigns": selectors.my_sheets(user=request.user), "nav": "sheets"})


@requires("sheets.fill")
@require_http_methods(["GET", "POST"])
@never_cache
def sheet_form(request: HttpRequest, code: str, unit: str) -> HttpResponse:
    assignment = selectors.my_assignment(user=request.user, campaign_code=code, unit_code=unit)
    if assignment is None:
        raise Http404(_("没有这份评分表"))
    campaign = assignment.campaign
    leaves = selectors.sheet_for(assignment)
    submission = SheetSubmission.objects.filter(assignment=assignment).first()
    draft = SheetDraft.objects.filter(assignment=assignment).first()
    avoided = selectors.avoids(assignment.rater, assignment.unit_id)
    closed = campaign.status != CampaignStatus.OPEN or selectors.deadline_passed(campaign)
    sections = [(SHEET_PREFIX, leaves)]

    if request.method == "POST":
        form = SheetForm(request.POST, sections=sections)
        if form.is_valid():
            values = form.values(SHEET_PREFIX, leaves)
            version = form.cleaned_data["version"]
            try:
                if request.POST.get("action") == "submit":
                    services.sheet_submit(assignment=assignment, values=values, version=version, by=request.user)
                    messages.success(request, _("已提交对「%(unit)s」的评分，感谢您的参与。") % {"unit": assignment.unit.name})
                    return redirect("collection:sheets")
                services.draft_save(assignment=assignment, values=values, version=version, by=request.user)
                messages.success(request, _("草稿已保存，可稍后继续填写。草稿不计入评分。"))
                return redirect("collection:sheet", code=code, unit=unit)
            except KaopingError as exc:
                _show_errors(form, exc, lambda key: SHEET_PREFIX + key)
    else:
        initial: dict[str, Any] = {"version": draft.version if draft else 0}
        values = selectors.submitted_values(assignment) if submission else (draft.values if draft else {})
        initial.update({SHEET_PREFIX + k: v for k, v in values.items()})
        form = SheetForm(initial=initial, sections=sections)

    rows = _rows(form, SHEET_PREFIX, leaves)
    return render(request, "collection/sheet_form.html", {
        "nav": "sheets", "assignment": assignment, "campaign": campaign, "form": form, "rows": rows,
        "groups": _grouped(rows), "submission": submission, "draft": draft, "avoided": avoided, "closed": closed,
        "readonly": bool(submission) or avoided or closed, "days_left": selectors.working_days_left(campaign),
        "filled": sum(1 for r in rows if r["value"] not in (None, "")), "total": len(rows),
    })


#: refusals of an autosave → HTTP status (htmx 4 swaps error answers too, so the message shows)
AUTOSAVE_STATUS = {"invalid_values": 422}


@requires("sheets.fill")
@require_POST
@never_cache
def sheet_autosave(request: HttpRequest, code: str, unit: str) -> HttpResponse:
    """Save the draft while the evaluator types (htmx): answers a one-line status only.

    Same service as the 保存草稿 button, so a submitted sheet, a closed campaign or a
    stale page (another tab saved since) is refused and nothing is overwritten. A saved
    draft also sends the new version for the page's hidden field (out-of-band swap).
    """
    assignment = selectors.my_assignment(user=request.user, campaign_code=code, unit_code=unit)
    if assignment is None:
        raise Http404(_("没有这份评分表"))
    leaves = selectors.sheet_for(assignment)
    names = {leaf.code: leaf.name for leaf in leaves}
    form = SheetForm(request.POST, sections=[(SHEET_PREFIX, leaves)])
    if not form.is_valid():
        if "version" in form.errors:
            return _autosave_answer(request, _("未自动保存：页面缺少版本信息，请刷新页面"), status=400)
        errors = {key.removeprefix(SHEET_PREFIX): " ".join(e) for key, e in form.errors.items() if key in form.fields}
        return _autosave_refused(request, names, errors, _("有项目需要改正"), "invalid_values")
    try:
        draft = services.draft_save(assignment=assignment, values=form.values(SHEET_PREFIX, leaves),
                                    version=form.cleaned_data["version"], by=request.user)
    except KaopingError as exc:
        return _autosave_refused(request, names, getattr(exc, "field_errors", {}) or {}, exc.message, exc.code)
    saved_at = timezone.localtime(draft.updated_at)
    return _autosave_answer(request, _("已自动保存 %(t)s") % {"t": f"{saved_at:%H:%M}"}, version=draft.version)


def _autosave_refused(request: HttpRequest, names: dict[str, str], errors: dict[str, str], message: str,
                      code: str) -> HttpResponse:
    """The refusal in one line: each bad item by name, else the service's reason."""
    details = [f"{names.get(key, key)}：{text}" for key, text in errors.items()]
    why = _("未自动保存：%(why)s") % {"why": "；".join(details) or message}
    return _autosave_answer(request, why, status=AUTOSAVE_STATUS.get(code, 409))


def _autosave_answer(request: HttpRequest, message: str, *, version: int | None = None,
                     status: int = 200) -> HttpResponse:
    return render(request, "collection/_autosave.html",
                  {"message": message, "version": version, "saved": version is not None}, status=status)


def _rows(form: SheetForm, prefix: str, leaves: list[selectors.SheetLeaf]) -> list[dict[str, Any]]:
    rows = []
    for leaf in leaves:
        bound = form[prefix + leaf.code]
        rows.append({"leaf": leaf, "field": bound, "value": bound.value(),
                     "choices": [(name, leaf.scale[name]) for name in leaf.scale] if leaf.scale else None})
    return rows


def _grouped(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Rows under their criterion heading (the leaf's ancestors), in tree order."""
    out: list[tuple[str, list[dict[str, Any]]]] = []
    for row in rows:
        section = row["leaf"].section
        if not out or out[-1][0] != section:
            out.append((section, []))
        out[-1][1].append(row)
    return out


# --------------------------------------------------------------------------- anonymous sheets


def _private(response: HttpResponse) -> HttpResponse:
    """A page opened by a secret link: never cached, never sent on as a referrer."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@public
@require_http_methods(["GET", "POST"])
@never_cache
def anonymous_sheet(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = services.anonymous_token(token)
    except KaopingError as exc:
        status = {"invalid_token": 404, "token_used": 410}.get(exc.code, 403)
        return _private(render(request, "collection/anonymous_refused.html",
                               {"message": exc.message, "code": exc.code}, status=status))
    campaign, group = found.batch.campaign, found.batch.group
    sections = selectors.anonymous_sections(campaign=campaign, group=group)
    prefixes = [(services.anonymous_field(t.code, ""), leaves) for t, leaves in sections]
    if request.method == "POST":
        form = SheetForm(request.POST, sections=prefixes)
        if form.is_valid():
            values = {services.anonymous_field(t.code, leaf.code): form.cleaned_data.get(
                services.anonymous_field(t.code, leaf.code)) for t, leaves in sections for leaf in leaves}
            try:
                services.anonymous_submit(token=token, values=values)
            except KaopingError as exc:
                if exc.code == "token_used":
                    return _private(render(request, "collection/anonymous_refused.html",
                                           {"message": exc.message, "code": exc.code}, status=410))
                _show_errors(form, exc)
            else:
                return _private(render(request, "collection/anonymous_done.html", {"campaign": campaign}))
    else:
        form = SheetForm(initial={"version": 0}, sections=prefixes)
    units = [{"target": t, "rows": _rows(form, services.anonymous_field(t.code, ""), leaves)} for t, leaves in sections]
    return _private(render(request, "collection/anonymous_sheet.html", {
        "campaign": campaign, "group": group, "form": form, "units": units,
        "total": sum(len(u["rows"]) for u in units),
    }))


# --------------------------------------------------------------------------- office: progress and reminders


@requires("data.upload")
@require_GET
def progress(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    due = selectors.reminders_due(campaign=campaign)
    reminders = [{"rater": r.rater.code, "name": mask_name(r.rater.name or r.user.get_full_name()),
                  "group": r.rater.group.name, "pending": len(r.pending), "total": r.total,
                  "email": mask_email(r.user.email or ""), "phone": bool((r.rater.extra or {}).get("phone"))}
                 for r in due]
    return render(request, "collection/progress.html", {
        "nav": "campaigns", "campaign": campaign, "p": selectors.progress(campaign=campaign),
        "reminders": reminders, "days_left": selectors.working_days_left(campaign),
        "deadline_passed": selectors.deadline_passed(campaign),
    })


@requires("data.upload")
@require_POST
def remind(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    sent = reminders_send(campaign=campaign)
    reached = sum(1 for s in sent if s.sent)
    messages.success(request, _("已向 %(n)d 位评价人发送提醒（%(m)d 位没有联系方式）。") % {
        "n": reached, "m": len(sent) - reached})
    return redirect("collection:progress", code=code)


# --------------------------------------------------------------------------- office: one-time links


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, border=2)


@requires("data.upload")
@require_http_methods(["GET", "POST"])
@never_cache
def links(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    form = LinksForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        group = campaign.groups.get(code=form.cleaned_data["group"])
        try:
            batch, tokens = services.anonymous_links_create(
                campaign=campaign, group=group, count=form.cleaned_data["count"], by=request.user,
                note=form.cleaned_data["note"])
        except KaopingError as exc:
            _show_errors(form, exc)
        else:
            cards = []
            for i, token in enumerate(tokens, 1):
                url = request.build_absolute_uri(reverse("collection:anonymous", args=[token]))
                cards.append({"number": i, "url": url, "svg": _qr_svg(url)})
            return _private(render(request, "collection/links_print.html",
                                   {"campaign": campaign, "batch": batch, "cards": cards}))
    return render(request, "collection/links.html", {
        "nav": "campaigns", "campaign": campaign, "form": form, "p": selectors.progress(campaign=campaign),
    })


# --------------------------------------------------------------------------- office: uploads


@requires("data.upload")
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    form = UploadForm(request.POST or None, request.FILES or None)
    preview = stored = None
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            stored, preview = uploads.upload_preview(campaign=campaign, kind=form.cleaned_data["kind"],
                                                     filename=f.name, content=f.read(), by=request.user)
        except KaopingError as exc:
            _show_errors(form, exc)
    recent = Upload.objects.filter(campaign=campaign).defer("content").select_related("uploaded_by")[:10]
    return render(request, "collection/upload.html", {
        "nav": "campaigns", "campaign": campaign, "form": form, "preview": preview, "stored": stored,
        "recent": recent, "max_mb": uploads.MAX_UPLOAD_BYTES // 2**20,
    }, status=200 if preview is None or preview.ok else 422)


@requires("data.upload")
@require_POST
def upload_confirm(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(code)
    stored = get_object_or_404(Upload.objects.defer("content"), pk=pk, campaign=campaign)
    try:
        count = uploads.upload_apply(upload=stored, by=request.user)
    except KaopingError as exc:
        messages.error(request, exc.message)
        return redirect("collection:upload", code=code)
    messages.success(request, _("已导入「%(name)s」的 %(n)d 行数据。") % {"name": stored.filename, "n": count})
    return redirect("collection:progress", code=code)


@requires("data.upload")
@require_GET
def template(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    campaign = _campaign(code)
    if kind not in UploadKind.values:
        raise Http404(_("没有这种模板"))
    content = uploads.template_workbook(campaign=campaign, kind=kind)
    name = {"scores": "纸质评分表", "measures": "采集数据"}[kind]
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{campaign.code}-{name}.xlsx')}"
    return response


# --------------------------------------------------------------------------- measured values: evidence and checks


@requires("campaigns.view_all")
@require_GET
def measures(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    rows = selectors.measures_for_check(campaign=campaign)
    return render(request, "collection/measures.html", {
        "nav": "campaigns", "campaign": campaign, "rows": rows, "counts": selectors.check_counts(rows),
        "can_upload": has(request.user, "data.upload"), "can_verify": has(request.user, "data.verify"),
        "evidence_form": EvidenceForm(), "check_form": CheckForm(),
        "evidence_types": "、".join(sorted(services.EVIDENCE_TYPES)),
        "evidence_mb": services.EVIDENCE_MAX_BYTES // 2**20,
    })


def _measure(campaign: Campaign, pk: int) -> Measure:
    return get_object_or_404(Measure.objects.select_related("unit", "indicator"), pk=pk, campaign=campaign)


@requires("data.upload")
@require_POST
def evidence_upload(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(code)
    measure = _measure(campaign, pk)
    form = EvidenceForm(request.POST, request.FILES)
    where = f"{measure.unit.name} · {measure.indicator.name}"
    if not form.is_valid():
        messages.error(request, _("%(where)s：请选择要上传的文件") % {"where": where})
    else:
        f = form.cleaned_data["file"]
        if f.size > services.EVIDENCE_MAX_BYTES:
            messages.error(request, _("%(where)s：文件过大，上限 %(mb)d MB") % {
                "where": where, "mb": services.EVIDENCE_MAX_BYTES // 2**20})
        else:
            try:
                services.evidence_add(measure=measure, filename=f.name, content=f.read(), by=request.user,
                                      note=form.cleaned_data["note"])
            except KaopingError as exc:
                messages.error(request, f"{where}：{exc.message}")
            else:
                messages.success(request, _("%(where)s：已上传佐证材料「%(name)s」") % {"where": where, "name": f.name})
    return redirect(reverse("collection:measures", args=[code]) + f"#m{pk}")


@requires("data.verify")
@require_POST
def measure_check(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(code)
    measure = _measure(campaign, pk)
    form = CheckForm(request.POST)
    where = f"{measure.unit.name} · {measure.indicator.name}"
    if not form.is_valid():
        messages.error(request, _("%(where)s：请选择核查结论") % {"where": where})
        return redirect(reverse("collection:measures", args=[code]) + f"#m{pk}")
    data = form.cleaned_data
    try:
        if data["status"] == "corrected":
            services.measure_correct(measure=measure, value=data["value"], reason=data["note"], by=request.user)
        else:
            services.measure_check(measure=measure, status=data["status"], note=data["note"], by=request.user)
    except KaopingError as exc:
        messages.error(request, f"{where}：{exc.message}")
    else:
        messages.success(request, _("%(where)s：核查结论已记录") % {"where": where})
    return redirect(reverse("collection:measures", args=[code]) + f"#m{pk}")


@requires("campaigns.view_all")
@require_GET
def evidence_download(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(code)
    evidence = get_object_or_404(Evidence, pk=pk, measure__campaign=campaign)
    from urllib.parse import quote

    response = HttpResponse(bytes(evidence.content), content_type=evidence.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(evidence.filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
