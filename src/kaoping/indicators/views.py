"""Pages of the indicator libraries (R2): libraries and versions, the tree of a version,
editing a draft, Excel import and export, AHP weighting and the policy check.

Views read through selectors and write through services; they only shape values for
the templates (labels, percentages) and map service errors onto form fields.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaoping.accounts.permissions import has, requires
from kaoping.engine.ahp import analyse, format_judgement
from kaoping.engine.errors import AHPError, KaopingError
from kaoping.org.templatetags.org_labels import unit_type_label

from . import selectors, services
from .forms import (
    MAX_EXPERTS,
    SAATY,
    SAATY_LABELS,
    ImportForm,
    LibraryForm,
    NodeAddForm,
    NodeEditForm,
    PolicyForm,
    ahp_matrices,
    nearest_saaty,
    reciprocal,
)
from .labels import group_label
from .models import AHPJudgement, IndicatorNode, Library, LibraryVersion

NATURE_LABELS = {"process": gettext_lazy("过程性"), "result": gettext_lazy("结果性")}
RULE_LABELS = {"linear": "线性", "threshold": "达标", "bands": "分档", "ratio": "比率", "direct": "直接计分"}
FIELD_LABELS = {"name": "名称", "weight": "权重", "nature": "性质", "dimensions": "维度", "applies_to": "适用类型",
                "rule": "规则", "rated_by": "评价组", "full": "满分", "scale": "等级表", "description": "说明",
                "source": "来源", "parent": "上级", "index": "位置", "based_on": "基于", "nodes": "指标数",
                "weights": "权重", "judgement": "判断记录"}
IMPORT_KEY = "indicators.import"


def _version(library: str, number: int) -> LibraryVersion:
    version = selectors.version_get(library_code=library, number=number)
    if version is None:
        raise Http404(_("没有这个指标库版本"))
    return version


def _node(version: LibraryVersion, code: str) -> IndicatorNode:
    node = IndicatorNode.objects.filter(version=version, code=code).first()
    if node is None:
        raise Http404(_("没有这个指标"))
    return node


def version_url(version: LibraryVersion) -> str:
    return reverse("indicators:version", args=[version.library.code, version.number])


def rule_text(node: Any) -> str:
    """A leaf's scoring in words: 评分（满分 10，等级 优/良）or 线性：越高越好 0.6 → 0.95."""
    if node.source == "measure":
        rule = node.rule or {}
        kind = rule.get("kind", "")
        arrow = "越低越好" if rule.get("direction") == "lower" else "越高越好"
        if kind == "linear":
            return f"线性（{arrow}）：{rule.get('floor')} → {rule.get('target')}"
        if kind == "threshold":
            return f"达标（{arrow}）：目标 {rule.get('target')}"
        if kind == "bands":
            bands = "；".join(f"≥{b.get('min')} 得 {b.get('score')}" if b.get("min") is not None
                             else f"其余 {b.get('score')}" for b in rule.get("bands") or [])
            return f"分档：{bands}"
        return RULE_LABELS.get(kind, kind)
    parts = [f"满分 {node.full:g}" if node.full else "满分 100"]
    if node.scale:
        parts.append("等级 " + "/".join(node.scale))
    if node.rated_by:
        parts.append("评价组 " + "、".join(group_label(g) for g in node.rated_by))
    return "，".join(parts)


def _manage(request: HttpRequest) -> bool:
    return has(request.user, "indicators.manage")


# --------------------------------------------------------------------------- libraries


@requires("indicators.view")
@require_GET
def library_list(request: HttpRequest) -> HttpResponse:
    return render(request, "indicators/library_list.html", {
        "libraries": selectors.library_list(), "form": LibraryForm(), "can_manage": _manage(request),
        "nav": "indicators",
    })


@requires("indicators.manage")
@require_POST
def library_create(request: HttpRequest) -> HttpResponse:
    form = LibraryForm(request.POST)
    if form.is_valid():
        try:
            library = services.library_create(**form.cleaned_data, by=request.user)
        except KaopingError as exc:
            form.add_error("code" if exc.location == "code" else "name" if exc.location == "name" else None,
                           exc.message)
        else:
            messages.success(request, _("已创建指标库 %(code)s，请导入 Excel 建立第一个版本") % {"code": library.code})
            return redirect("indicators:import", library.code)
    return render(request, "indicators/library_list.html", {
        "libraries": selectors.library_list(), "form": form, "can_manage": True, "nav": "indicators",
    }, status=400)


# --------------------------------------------------------------------------- a version


def _policy_rows(shares: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for s in shares:
        types = s.unit_type or ""
        rows.append({"type": unit_type_label(types) or _("未分类"), "units": s.units,
                     "process": s.shares["process"] * 100, "result": s.shares["result"] * 100,
                     "untagged": s.shares["untagged"] * 100, "violations": s.violations})
    return rows


def _tree_context(version: LibraryVersion) -> dict[str, Any]:
    rows = selectors.version_rows(version=version)
    for r in rows:
        r.rule_text = "" if not r.is_leaf else rule_text(r.node)  # type: ignore[attr-defined]
        r.applies = [unit_type_label(t) for t in (r.node.applies_to or [])]  # type: ignore[attr-defined]
        r.layer_key = "leaf" if r.is_leaf else "top" if r.depth == 0 else "mid"  # type: ignore[attr-defined]
        r.layer = {"leaf": _("指标层"), "top": _("目标层"), "mid": _("准则层")}[r.layer_key]  # type: ignore[attr-defined]
        r.weight_text = f"{r.node.weight:g}"  # type: ignore[attr-defined]
        r.local_pct, r.effective_pct = r.local * 100, r.effective * 100  # type: ignore[attr-defined]
    return {"rows": rows, "nature_labels": NATURE_LABELS}


@requires("indicators.view")
@require_GET
def version_detail(request: HttpRequest, library: str, number: int) -> HttpResponse:
    version = _version(library, number)
    draft = selectors.version_is_draft(version)
    policy_form = PolicyForm(request.GET or None)
    limits = policy_form.limits() if request.GET else {}
    try:
        shares = _policy_rows(selectors.version_policy(version=version, limits=limits))
        policy_error = ""
    except KaopingError as exc:
        shares, policy_error = [], str(exc)
    history = []
    for change in selectors.version_history(version=version):
        history.append({"change": change, "items": _change_items(change.changes)})
    nodes = list(IndicatorNode.objects.filter(version_id=version.pk).order_by("position").only("code", "name"))
    context = {
        "version": version, "library": version.library, "draft": draft,
        "can_edit": draft and _manage(request), "can_manage": _manage(request),
        "versions": list(LibraryVersion.objects.filter(library_id=version.library_id).order_by("number")
                         .only("number", "frozen_at")),
        "campaigns": list(version.campaigns.only("code", "name", "status")),
        "policy": shares, "policy_form": policy_form, "policy_error": policy_error, "limits": limits,
        "history": history, "add_form": NodeAddForm(nodes=nodes), "nav": "indicators",
        **_tree_context(version),
    }
    return render(request, "indicators/version_detail.html", context)


def _change_items(changes: dict[str, Any]) -> list[tuple[str, str]]:
    items = []
    for key, value in (changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            old, new = value
            items.append((FIELD_LABELS.get(key, key), f"{_show(old)} → {_show(new)}"))
        elif isinstance(value, dict):
            items.append((FIELD_LABELS.get(key, key), "；".join(
                f"{k} {_show(v[0])} → {_show(v[1])}" if isinstance(v, list) else f"{k} {_show(v)}"
                for k, v in value.items())))
        else:
            items.append((FIELD_LABELS.get(key, key), _show(value)))
    return items


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}:{v}" for k, v in value.items())
    return str(value)


@requires("indicators.manage")
@require_POST
def version_derive(request: HttpRequest, library: str, number: int) -> HttpResponse:
    version = _version(library, number)
    note = request.POST.get("note", "").strip()[:500] or _("由第 %(n)s 版派生") % {"n": version.number}
    draft = services.library_version_derive(version=version, by=request.user, note=note, source="web")
    messages.success(request, _("已派生草稿第 %(n)s 版，可以修改") % {"n": draft.number})
    return redirect(version_url(draft))


@requires("indicators.view")
@require_GET
def version_export(request: HttpRequest, library: str, number: int) -> HttpResponse:
    version = _version(library, number)
    response = HttpResponse(selectors.version_workbook(version=version),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{version.library.code}-v{version.number}.xlsx"'
    return response


# --------------------------------------------------------------------------- editing a draft


def _error_field(exc: KaopingError, fields: Any) -> str | None:
    return exc.location if exc.location in fields else None


@requires("indicators.manage")
@require_POST
def node_add(request: HttpRequest, library: str, number: int) -> HttpResponse:
    version = _version(library, number)
    nodes = list(version.nodes.order_by("position"))
    form = NodeAddForm(request.POST, nodes=nodes)
    if form.is_valid():
        d = form.cleaned_data
        parent = next((n for n in nodes if n.code == d["parent"]), None)
        try:
            services.indicator_node_add(version=version, parent=parent, code=d["code"], name=d["name"],
                                        weight=d["weight"], nature=d["nature"] or "", by=request.user)
        except KaopingError as exc:
            form.add_error("code" if exc.code == "duplicate_code" else None, exc.message)
        else:
            messages.success(request, _("已新增指标 %(code)s") % {"code": d["code"]})
            return redirect(version_url(version) + "#tree")
    messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(version_url(version) + "#add")


@requires("indicators.view")
@require_http_methods(["GET", "POST"])
def node_edit(request: HttpRequest, library: str, number: int, code: str) -> HttpResponse:
    version = _version(library, number)
    node = _node(version, code)
    leaf = not node.children.exists()
    draft = selectors.version_is_draft(version)
    if request.method == "POST":
        if not _manage(request):
            raise PermissionDenied(_("只有考核办可以修改指标；您可以查看，但不能保存。"))
        form = NodeEditForm(request.POST, leaf=leaf)
        if not draft:
            form.add_error(None, _("版本已冻结，不能修改；请先派生新版本"))
        elif form.is_valid():
            try:
                services.indicator_node_update(node=node, by=request.user, source="web",
                                               note=form.cleaned_data.get("note", ""), **form.changes())
            except KaopingError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已保存指标 %(code)s") % {"code": node.code})
                return redirect(version_url(version) + f"#n-{node.code}")
        status = 400
    else:
        form = NodeEditForm(initial=NodeEditForm.initial_for(node), leaf=leaf)
        status = 200
    siblings = list(IndicatorNode.objects.filter(version=version, parent_id=node.parent_id).order_by("position"))
    parents = [n for n in version.nodes.order_by("position") if n.pk != node.pk]
    return render(request, "indicators/node_edit.html", {
        "version": version, "node": node, "form": form, "leaf": leaf, "draft": draft,
        "can_edit": draft and _manage(request), "rule_text": rule_text(node) if leaf else "",
        "index": [s.pk for s in siblings].index(node.pk), "sibling_count": len(siblings), "parents": parents,
        "nav": "indicators",
    }, status=status)


@requires("indicators.manage")
@require_POST
def node_remove(request: HttpRequest, library: str, number: int, code: str) -> HttpResponse:
    version = _version(library, number)
    node = _node(version, code)
    try:
        services.indicator_node_remove(node=node, by=request.user, note=request.POST.get("note", "")[:500])
    except KaopingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除指标 %(code)s") % {"code": code})
    return redirect(version_url(version) + "#tree")


@requires("indicators.manage")
@require_POST
def node_move(request: HttpRequest, library: str, number: int, code: str) -> HttpResponse:
    version = _version(library, number)
    node = _node(version, code)
    direction = request.POST.get("direction", "")
    kwargs: dict[str, Any] = {}
    siblings = list(IndicatorNode.objects.filter(version=version, parent_id=node.parent_id)
                    .order_by("position").values_list("pk", flat=True))
    at = siblings.index(node.pk)
    if direction == "up":
        kwargs["index"] = max(0, at - 1)
    elif direction == "down":
        kwargs["index"] = at + 1
    elif "parent" in request.POST:
        parent_code = request.POST["parent"]
        kwargs["parent"] = None if parent_code == "" else IndicatorNode.objects.filter(
            version=version, code=parent_code).first()
        if parent_code and kwargs["parent"] is None:
            messages.error(request, _("上级指标 %(code)s 不存在") % {"code": parent_code})
            return redirect(version_url(version) + "#tree")
    else:
        messages.error(request, _("请选择移动方式"))
        return redirect(version_url(version) + "#tree")
    try:
        services.indicator_node_move(node=node, by=request.user, **kwargs)
    except KaopingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已移动指标 %(code)s") % {"code": code})
    return redirect(version_url(version) + f"#n-{code}")


# --------------------------------------------------------------------------- Excel import


@requires("indicators.manage")
@require_http_methods(["GET", "POST"])
def library_import(request: HttpRequest, library: str) -> HttpResponse:
    """Upload → preview (every error by row, nothing written) → confirm → a new draft."""
    lib = Library.objects.filter(code=library).first()
    if lib is None:
        raise Http404(_("没有这个指标库"))
    context: dict[str, Any] = {"library": lib, "nav": "indicators"}
    pending = request.session.get(IMPORT_KEY)
    if request.method == "POST" and request.POST.get("confirm"):
        if not pending or pending.get("library") != lib.code or pending.get("token") != request.POST.get("token"):
            messages.error(request, _("预览已过期，请重新上传文件"))
            return redirect("indicators:import", lib.code)
        try:
            version = services.library_version_create(library=lib, records=pending["records"], by=request.user,
                                                      note=pending.get("note", ""))
        except KaopingError as exc:
            messages.error(request, str(exc))
            return redirect("indicators:import", lib.code)
        del request.session[IMPORT_KEY]
        messages.success(request, _("已导入为草稿第 %(n)s 版") % {"n": version.number})
        return redirect(version_url(version))
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > selectors.MAX_UPLOAD_BYTES:
                form.add_error("file", _("文件过大（上限 5 MB）"))
            else:
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / "upload.xlsx"
                    with path.open("wb") as fh:
                        for chunk in upload.chunks():
                            fh.write(chunk)
                    preview = selectors.workbook_preview(path=path)
                context["preview"] = preview
                if preview.records is not None:
                    import secrets

                    token = secrets.token_urlsafe(16)
                    request.session[IMPORT_KEY] = {"library": lib.code, "records": preview.records,
                                                   "note": form.cleaned_data.get("note", ""), "token": token}
                    context["token"] = token
                    context["preview_rows"] = _preview_rows(preview.records)
        context["form"] = form
        return render(request, "indicators/import.html", context, status=200 if form.is_valid() else 400)
    context["form"] = ImportForm()
    return render(request, "indicators/import.html", context)


def _preview_rows(records: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    out = []
    for rec in records:
        out.append({"depth": depth, "code": rec.get("code"), "name": rec.get("name") or rec.get("code"),
                    "weight": rec.get("weight", 1), "nature": NATURE_LABELS.get(rec.get("nature"), ""),
                    "leaf": not rec.get("children")})
        out += _preview_rows(rec.get("children") or [], depth + 1)
    return out


# --------------------------------------------------------------------------- AHP


def _ahp_analysis(experts: list[dict[str, Any]], criteria: list[str]) -> tuple[Any, str]:
    try:
        return analyse(criteria, [e["matrix"] for e in experts], names=[e["name"] for e in experts]), ""
    except AHPError as exc:
        return None, exc.message


def _ahp_result_context(result: Any, children: list[IndicatorNode]) -> dict[str, Any]:
    if result is None:
        return {}
    names = {c.code: c.name for c in children}
    weights = [{"code": c.code, "name": names[c.code], "weight": result.weights[c.code], "current": c.weight}
               for c in children]
    total = sum(c.weight for c in children) or 1
    for w in weights:
        w["pct"], w["current_pct"] = w["weight"] * 100, w["current"] / total * 100
    def hint(r: Any) -> dict[str, Any] | None:
        if r is None:
            return None
        return {"row": f"{r.row} {names.get(r.row, '')}", "column": f"{r.column} {names.get(r.column, '')}",
                "current": format_judgement(r.current), "suggested": format_judgement(r.suggested),
                "cr_after": r.cr_after}

    return {"result": result, "weights": weights, "revision": hint(result.revision),
            "expert_rows": [{"name": e.name, "cr": e.cr, "consistent": e.consistent, "lambda_max": e.lambda_max,
                             "revision": hint(e.revision)} for e in result.experts]}


def _ahp_node(library: str, number: int, code: str) -> tuple[LibraryVersion, IndicatorNode, list[IndicatorNode]]:
    version = _version(library, number)
    node = _node(version, code)
    children = list(node.children.order_by("position"))
    if len(children) < 2:
        raise Http404(_("该指标的下级指标少于 2 个，无需两两比较"))
    return version, node, children


@requires("indicators.view")
@require_http_methods(["GET", "POST"])
def node_ahp(request: HttpRequest, library: str, number: int, code: str) -> HttpResponse:
    """The pairwise-comparison form of an inner node: several experts, live CR, write-back."""
    version, node, children = _ahp_node(library, number, code)
    criteria = [c.code for c in children]
    n = len(children)
    draft = selectors.version_is_draft(version)
    judgements = selectors.judgements_of(node=node)
    saved = judgements[0] if judgements and judgements[0].criteria == criteria else None
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not _manage(request):
            raise PermissionDenied(_("只有考核办可以保存层次分析判断矩阵；您可以查看，但不能保存。"))
        count = _expert_count(request.POST.get("experts"))
        experts, errors = ahp_matrices(request.POST, n, count)
        if not errors:
            try:
                judgement = services.ahp_judgement_save(node=node, experts=experts, by=request.user)
                if request.POST.get("action") == "apply":
                    services.ahp_apply(judgement=judgement, by=request.user)
                    messages.success(request, _("已把层次分析权重写回 %(code)s 的下级指标") % {"code": node.code})
                    return redirect(version_url(version) + f"#n-{node.code}")
            except KaopingError as exc:
                errors.append(exc.message)
            else:
                messages.success(request, _("已保存判断矩阵"))
                return redirect("indicators:ahp", library, number, code)
        status = 400
    else:
        count = _expert_count(request.GET.get("experts")) if request.GET.get("experts") else (
            len(saved.experts) if saved else 2)
        if saved:
            experts = [dict(e) for e in saved.experts][:count]
            experts += [{"name": f"专家{k + 1}", "matrix": [["1"] * n for _ in range(n)]}
                        for k in range(len(experts), count)]
        else:
            experts = [{"name": f"专家{k + 1}", "matrix": [["1"] * n for _ in range(n)]} for k in range(count)]
    result, error = _ahp_analysis(experts, criteria) if not errors else (None, "")
    return render(request, "indicators/ahp.html", {
        "version": version, "node": node, "children": children, "draft": draft,
        "can_edit": draft and _manage(request), "experts": _expert_grid(experts, children),
        "expert_count": count, "more": min(count + 1, MAX_EXPERTS), "fewer": max(count - 1, 1),
        "errors": errors, "error": error, "scale": [(s, SAATY_LABELS.get(s, s)) for s in SAATY],
        "judgements": judgements, "nav": "indicators", **_ahp_result_context(result, children),
    }, status=status)


def _expert_count(value: Any) -> int:
    try:
        return max(1, min(MAX_EXPERTS, int(value)))
    except (TypeError, ValueError):
        return 2


def _expert_grid(experts: list[dict[str, Any]], children: list[IndicatorNode]) -> list[dict[str, Any]]:
    """Rows of cells for the template: upper triangle selects, lower reciprocals."""
    out = []
    for k, e in enumerate(experts):
        rows = []
        for i, ci in enumerate(children):
            cells = []
            for j in range(len(children)):
                raw = e["matrix"][i][j] if i < len(e["matrix"]) and j < len(e["matrix"][i]) else "1"
                value = _as_scale(raw)
                if i == j:
                    cells.append({"kind": "diag"})
                elif i < j:
                    cells.append({"kind": "select", "name": f"e{k}_{i}_{j}", "value": value,
                                  "row": ci.code, "column": children[j].code})
                else:
                    cells.append({"kind": "recip", "id": f"r-e{k}_{j}_{i}", "value": _as_scale(raw)})
            rows.append({"node": ci, "cells": cells})
        out.append({"index": k, "name": e["name"], "rows": rows})
    return out


def _as_scale(raw: Any) -> str:
    text = str(raw).strip()
    if text in SAATY:
        return text
    try:
        from fractions import Fraction

        return nearest_saaty(float(Fraction(text)))
    except (ValueError, ZeroDivisionError):
        return "1"


@requires("indicators.view")
@require_POST
def node_ahp_preview(request: HttpRequest, library: str, number: int, code: str) -> HttpResponse:
    """htmx: weights, λmax, CI, CR and the revision hint for the matrices as typed (no write)."""
    version, node, children = _ahp_node(library, number, code)
    count = _expert_count(request.POST.get("experts"))
    experts, errors = ahp_matrices(request.POST, len(children), count)
    result, error = _ahp_analysis(experts, [c.code for c in children]) if not errors else (None, "")
    return render(request, "indicators/_ahp_result.html", {
        "errors": errors, "error": error, "children": children, "node": node,
        "reciprocals": [(f"r-e{k}_{i}_{j}", reciprocal(e["matrix"][i][j]))
                        for k, e in enumerate(experts) for i in range(len(children))
                        for j in range(i + 1, len(children))],
        **_ahp_result_context(result, children),
    })


@requires("indicators.view")
@require_GET
def judgement_detail(request: HttpRequest, library: str, number: int, code: str, pk: int) -> HttpResponse:
    version, node, children = _ahp_node(library, number, code)
    judgement = AHPJudgement.objects.filter(pk=pk, node=node).select_related("created_by").first()
    if judgement is None:
        raise Http404(_("没有这条判断记录"))
    return render(request, "indicators/judgement.html", {
        "version": version, "node": node, "judgement": judgement, "nav": "indicators",
        "names": {c.code: c.name for c in children},
    })
