"""Pages of the campaigns app: the campaign list, creating a campaign from an indicator
library version, the set-up page (targets, groups, raters, conflicts, weight overrides,
who rates whom, policy check, lifecycle) and the audit page of the random draws.

Views call the set-up services (:mod:`kaoping.campaigns.setup`) and only map their
errors onto the form that caused them; the page is shown again with the message next
to the field and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaoping.accounts.models import Role
from kaoping.accounts.permissions import PUBLISHED, has, requires, role_of, visible_campaigns
from kaoping.engine.errors import KaopingError
from kaoping.org.models import Unit, UnitType

from . import selectors, setup
from .forms import (
    CampaignForm,
    ConflictForm,
    DrawForm,
    GenerateForm,
    GroupForm,
    OverrideForm,
    RaterForm,
    ReplayForm,
    SettingsForm,
    TargetsForm,
)
from .models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Conflict,
    EvaluatorGroup,
    Rater,
    WeightOverride,
)

UNIT_TYPES = dict(UnitType.choices)


@requires("campaigns.view")
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    view_all = has(user, "campaigns.view_all")
    rows = selectors.campaign_list()
    if not view_all:  # an evaluator: the campaigns they rate in; a unit contact: their unit's
        rows = rows.filter(pk__in=visible_campaigns(user).values("pk"))
    rows = list(rows)
    own = _own_units(user, rows)
    campaigns = []
    for c in rows:
        item = {
            "code": c.code, "name": c.name, "kind_label": c.get_kind_display() or "—",
            "period_start": c.period_start, "period_end": c.period_end,
            "status": c.status, "status_label": c.get_status_display(),
            "unit_count": c.unit_count, "has_results": c.snapshot_count > 0,
        }
        item["actions"] = _list_actions(user, c, item["has_results"], own.get(c.pk))
        item["link"] = item["actions"][0]["url"] if item["actions"] else None
        campaigns.append(item)
    return render(request, "campaigns/campaign_list.html", {
        "campaigns": campaigns, "nav": "campaigns", "can_manage": has(user, "campaigns.manage"),
        "can_view_all": view_all,
    })


def _own_units(user: Any, campaigns: list[Campaign]) -> dict[int, str]:
    """A unit contact's campaign unit code in each listed campaign (one query)."""
    if role_of(user) != Role.UNIT_CONTACT or not user.unit_id or not campaigns:
        return {}
    return dict(CampaignUnit.objects.filter(unit_id=user.unit_id, campaign__in=campaigns)
                .values_list("campaign_id", "code"))


def _list_actions(user: Any, campaign: Campaign, has_results: bool, own_unit: str | None) -> list[dict[str, str]]:
    """The buttons of one row of the campaign list: only those this person may use.

    Results follow the rule of ``reports.selectors.results_access``: the office, the
    administrator and the supervisor see computed results at any stage; everybody else
    only once they are published (a unit contact also gets their own unit's page).
    """
    actions = []
    if has(user, "campaigns.view_all"):
        label = _("设置") if campaign.status == CampaignStatus.DRAFT and has(user, "campaigns.manage") else _("详情")
        actions.append({"label": label, "url": detail_url(campaign)})
    if has(user, "sheets.fill") and campaign.status == CampaignStatus.OPEN:
        actions.append({"label": _("去评分"), "url": reverse("collection:sheets")})
    if has_results and (has(user, "campaigns.view_all") or campaign.status in PUBLISHED):
        actions.append({"label": _("查看结果"), "url": reverse("reports:results", args=[campaign.code])})
        if own_unit and has(user, "results.view_own"):
            actions.append({"label": _("本单位结果"), "url": reverse("reports:unit", args=[campaign.code, own_unit])})
    return actions


def mask(name: str) -> str:
    """A rater's name as the set-up page shows it: 张** (R10.2)."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _campaign(code: str) -> Campaign:
    campaign = selectors.campaign_get(code=code)
    if campaign is None:
        raise Http404(_("没有这个考评活动"))
    return campaign


def detail_url(campaign: Campaign, anchor: str = "") -> str:
    return reverse("campaigns:detail", args=[campaign.code]) + (f"#{anchor}" if anchor else "")


def _apply_error(form: Any, exc: KaopingError) -> None:
    field = exc.location if exc.location in form.fields else None
    form.add_error(field, exc.message)


# --------------------------------------------------------------------------- create


@requires("campaigns.manage")
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, initial={"library_version": request.GET.get("version")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = setup.campaign_create(code=d["code"], library_version=d["library_version"],
                                             include_self=d["include_self"], by=request.user, **form.values())
        except KaopingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("已创建考评活动 %(code)s，请继续选择考评对象和评价人") % {"code": campaign.code})
            return redirect(detail_url(campaign))
    return render(request, "campaigns/campaign_form.html", {
        "form": form, "nav": "campaigns", "title": _("新建考评活动"),
    }, status=400 if request.method == "POST" else 200)


@requires("campaigns.manage")
@require_http_methods(["GET", "POST"])
def campaign_settings(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_for(campaign))
    if request.method == "POST" and form.is_valid():
        try:
            setup.campaign_settings_update(campaign=campaign, by=request.user, **form.values())
        except KaopingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("已保存活动设置"))
            return redirect(detail_url(campaign))
    return render(request, "campaigns/campaign_form.html", {
        "form": form, "campaign": campaign, "nav": "campaigns", "title": _("修改活动设置"),
    }, status=400 if request.method == "POST" else 200)


# --------------------------------------------------------------------------- the set-up page


def _policy_rows(shares: list[Any]) -> list[dict[str, Any]]:
    return [{"type": UNIT_TYPES.get(s.unit_type or "", s.unit_type or _("未分类")), "units": s.units,
             "process": s.shares["process"] * 100, "result": s.shares["result"] * 100,
             "untagged": s.shares["untagged"] * 100, "violations": s.violations} for s in shares]


def _detail(request: HttpRequest, campaign: Campaign, *, status: int = 200, **forms: Any) -> HttpResponse:
    """The set-up page; ``forms`` replaces the blank form of a section (with its errors)."""
    manage = has(request.user, "campaigns.manage") and campaign.status == CampaignStatus.DRAFT
    targets = list(campaign.targets.select_related("unit").order_by("code"))
    groups = list(campaign.groups.annotate(rater_count=Count("raters")).order_by("id"))
    raters = list(campaign.raters.select_related("group", "unit", "user").order_by("code"))
    conflicts = list(campaign.conflicts.select_related("rater", "unit").order_by("id"))
    overrides = list(campaign.weight_overrides.order_by("position"))
    per_pair = {}
    for unit_id, group_id, n in (campaign.assignments.values_list("unit_id", "rater__group_id")
                                 .annotate(n=Count("id")).order_by()):
        per_pair[(unit_id, group_id)] = n
    coverage = [{"target": t, "counts": [per_pair.get((t.unit_id, g.pk), 0) for g in groups],
                 "total": sum(per_pair.get((t.unit_id, g.pk), 0) for g in groups)} for t in targets]
    assignment_count = sum(per_pair.values())
    definition = setup.campaign_bundle_definition(campaign=campaign)
    checks = setup.open_checks(campaign=campaign) if campaign.status == CampaignStatus.DRAFT else []
    users = get_user_model().objects.filter(role="evaluator", is_active=True).order_by("username")
    step = setup.NEXT_STEP.get(campaign.status)
    context = {
        "campaign": campaign, "version": campaign.library_version, "manage": manage,
        "can_advance": has(request.user, "campaigns.manage") and step is not None,
        "next_step": step, "checks": checks, "steps": CampaignStatus.choices, "ready": all(c.ok for c in checks),
        "period_type": setup.PERIOD_TYPES.get((campaign.extra or {}).get("period_type", ""), ""),
        "days_left": setup.working_days_left(campaign.deadline), "today": setup.today(),
        "scoring": campaign.scoring or {}, "targets": targets, "groups": groups,
        "group_weight_total": sum(g.weight for g in groups),
        "raters": [{"rater": r, "masked": mask(r.name), "user": mask(r.user.get_username()) if r.user else ""}
                   for r in raters],
        "conflicts": conflicts, "overrides": overrides, "coverage": coverage,
        "assignment_count": assignment_count, "policy": _policy_rows(setup.campaign_policy(
            campaign=campaign, definition=definition)),
        "draw_count": len(setup.draws_recorded(campaign=campaign)),
        "unit_types": UNIT_TYPES, "nav": "campaigns",
        "targets_form": forms.get("targets_form") or TargetsForm(),
        "group_form": forms.get("group_form") or GroupForm(),
        "rater_form": forms.get("rater_form") or RaterForm(groups=groups, targets=targets, users=users),
        "conflict_form": forms.get("conflict_form") or ConflictForm(raters=raters, targets=targets),
        "override_form": forms.get("override_form") or OverrideForm(),
        "draw_form": forms.get("draw_form") or DrawForm(groups=groups),
        "generate_form": forms.get("generate_form") or GenerateForm(groups=groups),
        "advance_error": forms.get("advance_error", ""),
    }
    return render(request, "campaigns/campaign_detail.html", context, status=status)


@requires("campaigns.view_all")
@require_GET
def campaign_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, _campaign(code))


def _done(request: HttpRequest, campaign: Campaign, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(detail_url(campaign, anchor))


def _add(request: HttpRequest, campaign: Campaign, form: Any, *, form_name: str,
         save: Callable[[dict[str, Any]], str], anchor: str) -> HttpResponse:
    """Add or save one set-up row from ``form``: ``save`` calls the service and returns the
    success message; a refusal goes next to its field and the page is shown again (400)."""
    if form.is_valid():
        try:
            message = save(form.cleaned_data)
        except KaopingError as exc:
            _apply_error(form, exc)
        else:
            return _done(request, campaign, message, anchor)
    return _detail(request, campaign, status=400, **{form_name: form})


def _remove(request: HttpRequest, campaign: Campaign, obj: Any, *, not_found: str,
            remove: Callable[[Any], Any], done: str, anchor: str) -> HttpResponse:
    """Remove one set-up row: 404 when it is not there, the service's refusal as an error
    message, else the success message; back to the section (``anchor``) either way."""
    if obj is None:
        raise Http404(not_found)
    try:
        remove(obj)
    except KaopingError as exc:
        messages.error(request, exc.message)
        return redirect(detail_url(campaign, anchor))
    return _done(request, campaign, done, anchor)


@requires("campaigns.manage")
@require_POST
def targets_add(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    form = TargetsForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        units = setup.units_matching(types=d.get("types") or [], regions=d.get("regions") or [], codes=d["code_list"])
        missing = sorted(set(d["code_list"]) - {u.code for u in units}) if d["code_list"] else []
        if missing:
            form.add_error("codes", _("单位代码不存在或不符合所选条件：%(codes)s") % {"codes": "、".join(missing)})
        else:
            try:
                added = setup.targets_add(campaign=campaign, units=units, by=request.user)
            except KaopingError as exc:
                form.add_error(None, exc.message)
            else:
                return _done(request, campaign, _("已添加 %(n)s 个考评对象") % {"n": added}, "targets")
    return _detail(request, campaign, status=400, targets_form=form)


@requires("campaigns.manage")
@require_POST
def target_remove(request: HttpRequest, code: str, unit: str) -> HttpResponse:
    campaign = _campaign(code)
    return _remove(request, campaign, Unit.objects.filter(code=unit).first(), not_found=_("没有这个单位"),
                   remove=lambda obj: setup.target_remove(campaign=campaign, unit=obj, by=request.user),
                   done=_("已移除考评对象 %(code)s") % {"code": unit}, anchor="targets")


@requires("campaigns.manage")
@require_POST
def group_save(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)

    def save(d: dict[str, Any]) -> str:
        setup.group_save(campaign=campaign, by=request.user, **d)
        return _("已保存评价组 %(code)s") % {"code": d["code"]}

    return _add(request, campaign, GroupForm(request.POST), form_name="group_form", save=save, anchor="groups")


@requires("campaigns.manage")
@require_POST
def group_remove(request: HttpRequest, code: str, group: str) -> HttpResponse:
    campaign = _campaign(code)
    return _remove(request, campaign, EvaluatorGroup.objects.filter(campaign=campaign, code=group).first(),
                   not_found=_("没有这个评价组"),
                   remove=lambda obj: setup.group_remove(campaign=campaign, group=obj, by=request.user),
                   done=_("已删除评价组 %(code)s") % {"code": group}, anchor="groups")


@requires("campaigns.manage")
@require_POST
def rater_add(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    groups = list(campaign.groups.order_by("id"))
    targets = list(campaign.targets.order_by("code"))
    users = list(get_user_model().objects.filter(role="evaluator", is_active=True).order_by("username"))

    def save(d: dict[str, Any]) -> str:
        group = next(g for g in groups if g.code == d["group"])
        target = next((t for t in targets if t.code == d["unit"]), None)
        user = next((u for u in users if str(u.pk) == d["user"]), None)
        setup.rater_add(campaign=campaign, code=d["code"], group=group, unit=target.unit if target else None,
                        user=user, name=d["name"], by=request.user)
        return _("已添加评价人 %(code)s") % {"code": d["code"]}

    form = RaterForm(request.POST, groups=groups, targets=targets, users=users)
    return _add(request, campaign, form, form_name="rater_form", save=save, anchor="raters")


@requires("campaigns.manage")
@require_POST
def rater_remove(request: HttpRequest, code: str, rater: str) -> HttpResponse:
    campaign = _campaign(code)
    return _remove(request, campaign, Rater.objects.filter(campaign=campaign, code=rater).first(),
                   not_found=_("没有这个评价人"),
                   remove=lambda obj: setup.rater_remove(campaign=campaign, rater=obj, by=request.user),
                   done=_("已删除评价人 %(code)s") % {"code": rater}, anchor="raters")


@requires("campaigns.manage")
@require_POST
def conflict_add(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    raters = list(campaign.raters.order_by("code"))
    targets = list(campaign.targets.select_related("unit").order_by("code"))

    def save(d: dict[str, Any]) -> str:
        rater = next(r for r in raters if r.code == d["rater"])
        target = next(t for t in targets if t.code == d["unit"])
        setup.conflict_add(campaign=campaign, rater=rater, unit=target.unit, by=request.user)
        return _("已登记回避：%(r)s 不评 %(u)s") % {"r": rater.code, "u": target.code}

    form = ConflictForm(request.POST, raters=raters, targets=targets)
    return _add(request, campaign, form, form_name="conflict_form", save=save, anchor="conflicts")


@requires("campaigns.manage")
@require_POST
def conflict_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(code)
    return _remove(request, campaign, Conflict.objects.filter(campaign=campaign, pk=pk).first(),
                   not_found=_("没有这条回避记录"),
                   remove=lambda obj: setup.conflict_remove(campaign=campaign, conflict=obj, by=request.user),
                   done=_("已删除回避记录"), anchor="conflicts")


@requires("campaigns.manage")
@require_POST
def override_add(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)

    def save(d: dict[str, Any]) -> str:
        setup.override_save(campaign=campaign, match=d["match"], weights=d["weights"], by=request.user)
        return _("已添加权重调整")

    return _add(request, campaign, OverrideForm(request.POST), form_name="override_form", save=save,
                anchor="overrides")


@requires("campaigns.manage")
@require_POST
def override_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(code)
    return _remove(request, campaign, WeightOverride.objects.filter(campaign=campaign, pk=pk).first(),
                   not_found=_("没有这条权重调整"),
                   remove=lambda obj: setup.override_remove(campaign=campaign, override=obj, by=request.user),
                   done=_("已删除权重调整"), anchor="overrides")


@requires("campaigns.manage")
@require_POST
def assignments_generate(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    groups = list(campaign.groups.order_by("id"))
    form = GenerateForm(request.POST, groups=groups)
    if form.is_valid():
        try:
            n = setup.assignments_generate(campaign=campaign, groups=form.cleaned_data["groups"] or None,
                                           by=request.user)
        except KaopingError as exc:
            form.add_error(None, exc.message)
        else:
            return _done(request, campaign, _("已分配 %(n)s 条评价任务（已按回避规则排除）") % {"n": n}, "assignments")
    return _detail(request, campaign, status=400, generate_form=form)


@requires("campaigns.manage")
@require_POST
def assignment_draw(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    groups = list(campaign.groups.order_by("id"))
    form = DrawForm(request.POST, groups=groups)
    if form.is_valid():
        d = form.cleaned_data
        try:
            result = setup.assignment_draw(campaign=campaign, seed=d["seed"], per_unit=d["per_unit"],
                                           groups=d["groups"], mode=d["mode"], by=request.user)
        except KaopingError as exc:
            _apply_error(form, exc)
        else:
            for warning in result.short[:5]:
                messages.warning(request, warning)
            messages.success(request, _("已随机抽取 %(n)s 条评价关系，种子 %(seed)s 已记录") % {
                "n": len(result.pairs), "seed": d["seed"]})
            return redirect("campaigns:draws", campaign.code)
    return _detail(request, campaign, status=400, draw_form=form)


@requires("campaigns.manage")
@require_POST
def campaign_advance(request: HttpRequest, code: str) -> HttpResponse:
    campaign = _campaign(code)
    to = request.POST.get("to", "")
    try:
        campaign = setup.campaign_advance(campaign=campaign, to=to, early=bool(request.POST.get("early")),
                                          by=request.user)
    except KaopingError as exc:
        return _detail(request, campaign, status=400, advance_error=exc.message)
    return _done(request, campaign, _("活动已进入「%(s)s」阶段") % {"s": campaign.get_status_display()}, "lifecycle")


# --------------------------------------------------------------------------- draws (audit)


@requires("campaigns.view_all")
@require_http_methods(["GET", "POST"])
def draws(request: HttpRequest, code: str) -> HttpResponse:
    """The recorded draws with their seed, inputs and pairs; anyone auditing may re-run one
    with a seed and compare (nothing is written)."""
    campaign = _campaign(code)
    recorded = setup.draws_recorded(campaign=campaign)
    replay: dict[str, Any] | None = None
    form = ReplayForm(request.POST or None)
    if request.method == "POST":
        seq = request.POST.get("seq", "")
        draw = next((d for d in recorded if str(d.seq) == seq), None)
        if draw is None:
            form.add_error(None, _("没有这次抽取记录"))
        elif form.is_valid():
            result, same = setup.draw_replay(draw=draw, seed=form.cleaned_data["seed"])
            replay = {"seq": draw.seq, "seed": form.cleaned_data["seed"], "same": same, "pairs": result.pairs,
                      "digest": result.digest, "recorded_digest": draw.digest,
                      "differ": sorted(set(result.pairs) ^ set(draw.pairs))[:20]}
    current = set(campaign.assignments.values_list("rater__code", "unit__code"))
    rows = []
    for d in recorded:
        drawn_raters = {r for r, _ in d.pairs}
        still = {p for p in current if p[0] in drawn_raters} == set(d.pairs)
        rows.append({"draw": d, "current": still, "by_unit": _by_unit(d.pairs)})
    return render(request, "campaigns/draws.html", {
        "campaign": campaign, "rows": rows, "form": form, "replay": replay, "nav": "campaigns",
        "mode_labels": {"raters": _("为每个单位抽评价人"), "targets": _("为每个评价人抽被评单位")},
    }, status=400 if request.method == "POST" and form.errors else 200)


def _by_unit(pairs: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    out: dict[str, list[str]] = {}
    for rater, unit in pairs:
        out.setdefault(unit, []).append(rater)
    return sorted(out.items())
