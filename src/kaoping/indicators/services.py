"""Writes of the indicators app (keyword-only, atomic, validate first then write).

Every node written is recorded in the ledger in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from kaoping.engine.ahp import analyse
from kaoping.engine.bundle import FORMAT, Indicator, parse_bundle
from kaoping.engine.errors import AHPError, BundleError, KaopingError
from kaoping.ledger.services import (
    actor_of,
    ledger_append,
    ledger_lock,
    rowset_deleted,
    rowset_from_db,
)

from .models import AHPJudgement, IndicatorChange, IndicatorNode, Library, LibraryVersion
from .selectors import content_hash, tree_records, version_indicators

#: keys of a C1 indicator record with a column of their own; any other key goes to ``extra``
KNOWN_KEYS = frozenset({
    "code", "name", "weight", "nature", "dimensions", "applies_to", "source", "rule", "rated_by",
    "full", "scale", "description", "children",
})
EDITABLE = ("name", "weight", "nature", "dimensions", "applies_to", "rule", "rated_by", "full",
            "scale", "description")


class IndicatorError(KaopingError):
    default_code = "indicator_error"


def _nodes_from_bundle(records: Sequence[Mapping[str, Any]], top: Sequence[Indicator],
                       ) -> list[tuple[IndicatorNode, str | None, int]]:
    """Unsaved nodes in pre-order with their parent code and depth.

    Values come from the engine's parsed tree (defaults applied, lists normalised);
    ``rule`` and ``scale`` and unknown keys are kept as the bundle gives them.
    """
    out: list[tuple[IndicatorNode, str | None, int]] = []

    def walk(raw: Mapping[str, Any], node: Indicator, parent: str | None, depth: int) -> None:
        n = IndicatorNode(
            code=node.code, name=node.name, weight=float(node.weight), position=len(out),
            nature=node.nature or "", dimensions=list(node.dimensions),
            applies_to=None if node.applies_to is None else list(node.applies_to),
            description=node.description or "",
            extra={k: v for k, v in raw.items() if k not in KNOWN_KEYS},
        )
        if node.is_leaf:
            n.source = node.source
            if node.source == "measure":
                n.rule = dict(raw["rule"])
            else:
                n.rated_by = None if node.rated_by is None else list(node.rated_by)
                n.full = float(node.full)
                scale = raw.get("scale")
                n.scale = None if scale is None else {str(k): v for k, v in scale.items()}
        out.append((n, parent, depth))
        for raw_child, child in zip(raw.get("children") or [], node.children, strict=True):
            walk(raw_child, child, node.code, depth + 1)

    for raw, node in zip(records, top, strict=True):
        walk(raw, node, None, 0)
    return out


def _save_tree(version: LibraryVersion, specs: Sequence[tuple[IndicatorNode, str | None, int]]) -> list[int]:
    saved: dict[str, IndicatorNode] = {}
    for depth in range(max((d for _, _, d in specs), default=-1) + 1):
        level = []
        for n, parent, d in specs:
            if d == depth:
                n.version = version
                n.parent = saved[parent] if parent is not None else None
                level.append(n)
        IndicatorNode.objects.bulk_create(level)
        saved.update({n.code: n for n in level})
    return sorted(n.pk for n in saved.values())


def _record(action: str, version: LibraryVersion, ids: Sequence[int], actor: str,
            data: Mapping[str, Any] | None = None) -> None:
    ledger_append(action=action, actor=actor, object_type="library_version",
                  object_id=f"{version.library.code} v{version.number}",
                  rows=[rowset_from_db("indicator_node", ids)], data=data)


@transaction.atomic
def library_version_import(*, records: Sequence[Mapping[str, Any]], top: Sequence[Indicator],
                           library_code: str, library_name: str, by: Any = None,
                           source: str = "system") -> LibraryVersion:
    """The frozen version holding a validated bundle's indicator tree.

    ``records`` are the bundle's raw ``indicators``, ``top`` the engine's parsed top
    nodes. A frozen version with exactly the same tree is reused (quarterly campaigns
    usually share one); otherwise a new version of library ``library_code`` is made.
    """
    specs = _nodes_from_bundle(records, top)
    parent_of = {n.position: parent for n, parent, _ in specs}
    digest = content_hash(tree_records([n for n, _, _ in specs], parent_of))
    ledger_lock()
    same = LibraryVersion.objects.filter(content_hash=digest, frozen_at__isnull=False).order_by("pk").first()
    if same is not None:
        return same
    library, _ = Library.objects.get_or_create(code=library_code, defaults={"name": library_name})
    number = (library.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = LibraryVersion.objects.create(
        library=library, number=number, content_hash=digest, frozen_at=timezone.now(),
        created_by=by if getattr(by, "pk", None) else None, note="由活动数据包导入",
    )
    ids = _save_tree(version, specs)
    _record("indicator.import", version, ids, actor_of(by, source), {"nodes": len(ids)})
    return version


@transaction.atomic
def library_version_freeze(*, version: LibraryVersion) -> LibraryVersion:
    """Freeze a version (a campaign is about to use it)."""
    if version.frozen_at is None:
        version.frozen_at = timezone.now()
        version.save(update_fields=["frozen_at"])
    return version


@transaction.atomic
def library_version_derive(*, version: LibraryVersion, by: Any = None, note: str = "",
                           source: str = "system") -> LibraryVersion:
    """A new draft version of the same library, a copy of ``version`` to revise."""
    ledger_lock()
    library = version.library
    number = (library.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    draft = LibraryVersion.objects.create(
        library=library, number=number, based_on=version, content_hash=version.content_hash,
        created_by=by if getattr(by, "pk", None) else None, note=note,
    )
    nodes = list(version.nodes.order_by("position"))
    code_of = {n.pk: n.code for n in nodes}
    depth: dict[str, int] = {}
    specs = []
    for n in nodes:
        parent = code_of.get(n.parent_id)
        depth[n.code] = 0 if parent is None else depth[parent] + 1
        copy = IndicatorNode(**{f.attname: getattr(n, f.attname) for f in IndicatorNode._meta.concrete_fields
                                if not f.primary_key and f.attname not in ("version_id", "parent_id")})
        specs.append((copy, parent, depth[n.code]))
    ids = _save_tree(draft, specs)
    IndicatorChange.objects.create(version=draft, action=IndicatorChange.Action.CREATE, note=note,
                                   changes={"based_on": [None, str(version)]},
                                   created_by=by if getattr(by, "pk", None) else None)
    _record("indicator.derive", draft, ids, actor_of(by, source), {"based_on": str(version)})
    return draft


@transaction.atomic
def indicator_node_update(*, node: IndicatorNode, by: Any = None, note: str = "", source: str = "system",
                          leaf_source: str | None = None, **changes: Any) -> IndicatorNode:
    """Change fields of a node of a draft version; the change is kept in the history.

    The whole tree is checked again with the engine's rules (the same messages as
    ``kaoping score``). A frozen version, or one a campaign uses, is refused.
    ``leaf_source`` changes a leaf's scoring source (``rating``/``measure``); it is not
    called ``source``, which names the channel of the change.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise IndicatorError(f"不能修改字段 {'、'.join(sorted(unknown))}", code="bad_field", location=node.code)
    if leaf_source is not None:
        if leaf_source not in ("rating", "measure"):
            raise IndicatorError(f"来源 {leaf_source!r} 未知（rating 或 measure）", code="bad_value", location=node.code)
        changes["source"] = leaf_source
    ledger_lock()
    version = LibraryVersion.objects.select_for_update().get(pk=node.version_id)
    if version.frozen_at is not None or version.campaigns.exists():
        raise IndicatorError(f"版本 {version} 已被考评活动使用或已冻结，不能修改；请先派生新版本",
                             code="version_frozen", location=node.code)
    node = IndicatorNode.objects.get(pk=node.pk)
    before = {k: getattr(node, k) for k in changes}
    for key, value in changes.items():
        setattr(node, key, float(value) if key in ("weight", "full") and isinstance(value, int | float)
                and not isinstance(value, bool) else value)
    nodes = [node if n.pk == node.pk else n for n in version.nodes.order_by("position")]
    records = tree_records(nodes)
    groups = sorted({g for n in nodes for g in (n.rated_by or [])})
    parse_bundle({"format": FORMAT, "campaign": {"code": "_"}, "groups": [{"code": g} for g in groups],
                  "units": [], "indicators": records})
    node.save(update_fields=list(changes))
    version.content_hash = content_hash(version_indicators(version=version))
    version.save(update_fields=["content_hash"])
    IndicatorChange.objects.create(
        version=version, action=IndicatorChange.Action.CHANGE, node_code=node.code, note=note,
        changes={k: [before[k], getattr(node, k)] for k in changes},
        created_by=by if getattr(by, "pk", None) else None,
    )
    _record("indicator.change", version, [node.pk], actor_of(by, source), {"code": node.code, "fields": sorted(changes)})
    return node


# --------------------------------------------------------------------------- editing drafts
#
# A draft's tree is edited as a whole: load it, change it in memory, check the result
# with the engine's rules (the same messages as ``kaoping score``), then write. So a
# draft never holds a tree the engine would refuse.

CODE_MAX = 64
#: positions are unique per version; rewritten trees pass through this offset first
_SHIFT = 1_000_000
NOT_FOUND = object()


def _user_of(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _draft(version: LibraryVersion, where: str = "") -> LibraryVersion:
    """The version, locked, refused when frozen or used by a campaign."""
    ledger_lock()
    version = LibraryVersion.objects.select_for_update().select_related("library").get(pk=version.pk)
    if version.frozen_at is not None or version.campaigns.exists():
        raise IndicatorError(f"版本 {version} 已被考评活动使用或已冻结，不能修改；请先派生新版本",
                             code="version_frozen", location=where or str(version))
    return version


class _Tree:
    """A version's nodes in memory, children lists keyed by the parent object's id()."""

    def __init__(self, version: LibraryVersion):
        self.version = version
        self.nodes = list(version.nodes.order_by("position"))
        by_pk = {n.pk: n for n in self.nodes}
        self.parent: dict[int, IndicatorNode | None] = {id(n): by_pk.get(n.parent_id) for n in self.nodes}
        self.kids: dict[int | None, list[IndicatorNode]] = {}
        for n in self.nodes:
            p = self.parent[id(n)]
            self.kids.setdefault(None if p is None else id(p), []).append(n)

    def get(self, code: str) -> IndicatorNode | None:
        return next((n for n in self.nodes if n.code == code), None)

    def siblings(self, node: IndicatorNode) -> list[IndicatorNode]:
        p = self.parent[id(node)]
        return self.kids.setdefault(None if p is None else id(p), [])

    def children(self, node: IndicatorNode | None) -> list[IndicatorNode]:
        return self.kids.setdefault(None if node is None else id(node), [])

    def subtree(self, node: IndicatorNode) -> list[IndicatorNode]:
        out = [node]
        for c in self.kids.get(id(node), []):
            out += self.subtree(c)
        return out

    def preorder(self) -> list[IndicatorNode]:
        out: list[IndicatorNode] = []
        for top in self.kids.get(None, []):
            out += self.subtree(top)
        return out

    def records(self, parent: IndicatorNode | None = None) -> list[dict[str, Any]]:
        from .selectors import node_record

        return [node_record(n, self.records(n)) for n in self.children(parent)]

    def check(self) -> None:
        """Validate the whole tree with the engine; the error names the indicator."""
        codes = [n.code for n in self.preorder()]
        for n in self.nodes:
            if not n.code or len(n.code) > CODE_MAX:
                raise IndicatorError(f"指标代码应为 1 到 {CODE_MAX} 个字符", code="bad_value", location=n.code)
            if len(n.name) > 200:
                raise IndicatorError("指标名称超过 200 个字符", code="too_long", location=n.code)
        groups = sorted({g for n in self.nodes for g in (n.rated_by or [])})

        def where(section: str, index: int | None) -> str:
            if section == "indicators" and index is not None and index < len(codes):
                return f"指标 {codes[index]}"
            return section

        try:
            parse_bundle({"format": FORMAT, "campaign": {"code": "_"}, "groups": [{"code": g} for g in groups],
                          "units": [], "indicators": self.records()}, where=where)
        except BundleError as exc:
            raise IndicatorError(exc.message, code=exc.code, location=exc.location) from None

    def write(self) -> list[int]:
        """Save positions (pre-order) and parents; create new nodes; return every id."""
        version = self.version
        IndicatorNode.objects.filter(version=version).update(position=F("position") + _SHIFT)
        ordered = self.preorder()
        for i, n in enumerate(ordered):
            n.position = i
            p = self.parent[id(n)]
            n.parent = p
            n.version = version
            if n.pk is None:
                n.save()
        IndicatorNode.objects.bulk_update([n for n in ordered], ["position", "parent"])
        return sorted(n.pk for n in ordered)


def _as_leaf(node: IndicatorNode) -> None:
    """A node that lost its last child scores as a rated leaf until edited."""
    node.source, node.full = "rating", 100.0


def _as_inner(node: IndicatorNode) -> None:
    node.source, node.rule, node.rated_by, node.full, node.scale = "", None, None, None, None


def _finish(version: LibraryVersion, tree: _Tree, action: str, node_code: str, changes: dict[str, Any],
            note: str, by: Any, source: str, removed: Sequence[int] = ()) -> None:
    ids = tree.write()
    dirty = [n for n in tree.nodes if getattr(n, "_dirty", False)]
    for n in dirty:
        n.save()
    version.content_hash = content_hash(version_indicators(version=version))
    version.save(update_fields=["content_hash"])
    IndicatorChange.objects.create(version=version, action=action, node_code=node_code, note=note,
                                   changes=changes, created_by=_user_of(by))
    rows = [rowset_from_db("indicator_node", ids)] if ids else []
    if removed:
        rows.append(rowset_deleted("indicator_node", removed))
    ledger_append(action=f"indicator.{action}", actor=actor_of(by, source), object_type="library_version",
                  object_id=f"{version.library.code} v{version.number}", rows=rows,
                  data={"code": node_code, **({"note": note} if note else {})})


@transaction.atomic
def indicator_node_add(*, version: LibraryVersion, code: str, name: str, parent: IndicatorNode | None = None,
                       weight: float = 1.0, nature: str = "", source: str = "rating", by: Any = None,
                       note: str = "", origin: str = "web", **fields: Any) -> IndicatorNode:
    """Add a node as the last child of ``parent`` (or at the top) of a draft version.

    A leaf that receives its first child becomes an inner node (its scoring fields are
    cleared). ``fields`` may hold any of :data:`EDITABLE`.
    """
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise IndicatorError(f"不能设置字段 {'、'.join(sorted(unknown))}", code="bad_field", location=code)
    code = (code or "").strip()
    version = _draft(version, code)
    tree = _Tree(version)
    if tree.get(code) is not None:
        raise IndicatorError(f"指标代码 {code} 已存在", code="duplicate_code", location=code)
    owner = None
    if parent is not None:
        owner = next((n for n in tree.nodes if n.pk == parent.pk), None)
        if owner is None:
            raise IndicatorError(f"上级指标 {parent.code} 不属于版本 {version}", code="unknown_indicator",
                                 location=code)
    node = IndicatorNode(version=version, code=code, name=(name or "").strip() or code,
                         weight=_float(weight, code, "权重"), nature=nature or "", source=source or "rating",
                         full=100.0 if (source or "rating") == "rating" else None, position=0, dimensions=[])
    for key, value in fields.items():
        setattr(node, key, _float(value, code, "满分") if key == "full" and value is not None else value)
    if owner is not None and not tree.children(owner):
        _as_inner(owner)
        owner._dirty = True  # type: ignore[attr-defined]
    tree.nodes.append(node)
    tree.parent[id(node)] = owner
    tree.children(owner).append(node)
    tree.check()
    _finish(version, tree, IndicatorChange.Action.ADD, code,
            {"parent": [None, owner.code if owner else None], "name": [None, node.name],
             "weight": [None, node.weight]}, note, by, origin)
    return node


def _float(value: Any, code: str, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise IndicatorError(f"{what}应为数值，实际为 {value!r}", code="not_a_number", location=code) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise IndicatorError(f"{what}应为有限数值", code="not_a_number", location=code)
    return number


@transaction.atomic
def indicator_node_remove(*, node: IndicatorNode, by: Any = None, note: str = "",
                          source: str = "web") -> None:
    """Remove a leaf of a draft version (remove the children of an inner node first)."""
    version = _draft(node.version, node.code)
    tree = _Tree(version)
    target = next((n for n in tree.nodes if n.pk == node.pk), None)
    if target is None:
        raise IndicatorError(f"指标 {node.code} 已不存在", code="unknown_indicator", location=node.code)
    if tree.children(target):
        raise IndicatorError(f"指标 {target.code} 还有下级指标，请先删除或移走下级指标",
                             code="has_children", location=target.code)
    if target.judgements.exists():
        raise IndicatorError(f"指标 {target.code} 有层次分析判断记录，不能删除", code="has_judgements",
                             location=target.code)
    parent = tree.parent[id(target)]
    tree.siblings(target).remove(target)
    tree.nodes.remove(target)
    if not tree.nodes:
        raise IndicatorError("不能删除最后一个指标：指标体系不能为空", code="empty_tree", location=target.code)
    if parent is not None and not tree.children(parent):
        _as_leaf(parent)
        parent._dirty = True  # type: ignore[attr-defined]
    tree.check()
    before = {"name": target.name, "weight": target.weight, "parent": parent.code if parent else None}
    pk = target.pk
    target.delete()
    _finish(version, tree, IndicatorChange.Action.REMOVE, target.code,
            {k: [v, None] for k, v in before.items()}, note, by, source, removed=[pk])


@transaction.atomic
def indicator_node_move(*, node: IndicatorNode, parent: Any = NOT_FOUND, index: int | None = None,
                        by: Any = None, note: str = "", source: str = "web") -> IndicatorNode:
    """Move a node of a draft version: under ``parent`` (``None`` = top level; omitted =
    same parent) at sibling ``index`` (``None`` = last)."""
    version = _draft(node.version, node.code)
    tree = _Tree(version)
    target = next((n for n in tree.nodes if n.pk == node.pk), None)
    if target is None:
        raise IndicatorError(f"指标 {node.code} 已不存在", code="unknown_indicator", location=node.code)
    old_parent = tree.parent[id(target)]
    if parent is NOT_FOUND:
        new_parent = old_parent
    elif parent is None:
        new_parent = None
    else:
        new_parent = next((n for n in tree.nodes if n.pk == parent.pk), None)
        if new_parent is None:
            raise IndicatorError(f"上级指标 {parent.code} 不属于版本 {version}", code="unknown_indicator",
                                 location=node.code)
        if new_parent in tree.subtree(target):
            raise IndicatorError(f"不能把指标 {target.code} 移到它自己或它的下级 {new_parent.code} 之下",
                                 code="indicator_cycle", location=target.code)
    old_index = tree.siblings(target).index(target)
    tree.siblings(target).remove(target)
    if old_parent is not None and old_parent is not new_parent and not tree.children(old_parent):
        _as_leaf(old_parent)
        old_parent._dirty = True  # type: ignore[attr-defined]
    if new_parent is not None and new_parent is not old_parent and not tree.children(new_parent):
        _as_inner(new_parent)
        new_parent._dirty = True  # type: ignore[attr-defined]
    kids = tree.children(new_parent)
    at = len(kids) if index is None else max(0, min(index, len(kids)))
    kids.insert(at, target)
    tree.parent[id(target)] = new_parent
    tree.check()
    _finish(version, tree, IndicatorChange.Action.MOVE, target.code,
            {"parent": [old_parent.code if old_parent else None, new_parent.code if new_parent else None],
             "index": [old_index, at]}, note, by, source)
    return target


# --------------------------------------------------------------------------- libraries, import


@transaction.atomic
def library_create(*, code: str, name: str, description: str = "", by: Any = None) -> Library:
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > CODE_MAX:
        raise IndicatorError(f"指标库代码应为 1 到 {CODE_MAX} 个字符", code="bad_value", location="code")
    if not name or len(name) > 200:
        raise IndicatorError("指标库名称应为 1 到 200 个字符", code="bad_value", location="name")
    if Library.objects.filter(code=code).exists():
        raise IndicatorError(f"指标库代码 {code} 已存在", code="duplicate_code", location="code")
    return Library.objects.create(code=code, name=name, description=description)


@transaction.atomic
def library_version_create(*, library: Library, records: Sequence[Mapping[str, Any]], by: Any = None,
                           note: str = "", source: str = "web") -> LibraryVersion:
    """A new draft version of ``library`` holding ``records`` (C1 ``indicators``), e.g.
    from an Excel import whose preview showed no error. Validated whole first."""
    groups = sorted({g for g in _rated_by_codes(records)})
    bundle = parse_bundle({"format": FORMAT, "campaign": {"code": "_"}, "groups": [{"code": g} for g in groups],
                           "units": [], "indicators": list(records)})
    specs = _nodes_from_bundle(records, bundle.indicators)
    parent_of = {n.position: parent for n, parent, _ in specs}
    digest = content_hash(tree_records([n for n, _, _ in specs], parent_of))
    ledger_lock()
    library = Library.objects.select_for_update().get(pk=library.pk)
    number = (library.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = LibraryVersion.objects.create(library=library, number=number, content_hash=digest,
                                            created_by=_user_of(by), note=note)
    ids = _save_tree(version, specs)
    IndicatorChange.objects.create(version=version, action=IndicatorChange.Action.IMPORT, note=note,
                                   changes={"nodes": [None, len(ids)]}, created_by=_user_of(by))
    _record("indicator.import", version, ids, actor_of(by, source), {"nodes": len(ids), "draft": True})
    return version


def _rated_by_codes(records: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for rec in records:
        if not isinstance(rec, Mapping):
            continue
        rated = rec.get("rated_by")
        if isinstance(rated, str):
            rated = [v.strip() for v in rated.replace("，", ",").split(",") if v.strip()]
        if isinstance(rated, list):
            out += [g for g in rated if isinstance(g, str)]
        children = rec.get("children")
        if isinstance(children, list):
            out += _rated_by_codes(children)
    return out


# --------------------------------------------------------------------------- AHP (R2.5)


@transaction.atomic
def ahp_judgement_save(*, node: IndicatorNode, experts: Sequence[Mapping[str, Any]], by: Any = None,
                       source: str = "web") -> AHPJudgement:
    """Keep the experts' matrices on ``node``'s children with the engine's analysis.

    ``experts`` is ``[{"name": ..., "matrix": [[...]]}]``; the matrices are checked by
    :func:`kaoping.engine.ahp.analyse` (square, positive, reciprocal). Saving does not
    change any weight: :func:`ahp_apply` does, once the judgements are consistent.
    """
    node = IndicatorNode.objects.select_related("version__library").get(pk=node.pk)
    criteria = list(node.children.order_by("position").values_list("code", flat=True))
    if len(criteria) < 2:
        raise IndicatorError(f"指标 {node.code} 的下级指标少于 2 个，无需两两比较", code="too_few_criteria",
                             location=node.code)
    if not experts:
        raise IndicatorError("至少需要一位专家的判断矩阵", code="empty", location=node.code)
    names = [str(e.get("name") or f"专家{k + 1}").strip() for k, e in enumerate(experts)]
    try:
        result = analyse(criteria, [e.get("matrix") for e in experts], names=names)
    except AHPError as exc:
        raise IndicatorError(exc.message, code=exc.code, location=exc.location) from None
    ledger_lock()
    judgement = AHPJudgement.objects.create(
        version=node.version, node=node, criteria=criteria,
        experts=[{"name": n, "matrix": e.get("matrix")} for n, e in zip(names, experts, strict=True)],
        result=result.to_dict(), consistent=result.consistent, created_by=_user_of(by),
    )
    ledger_append(action="indicator.ahp_judgement", actor=actor_of(by, source), object_type="library_version",
                  object_id=f"{node.version.library.code} v{node.version.number}",
                  rows=[rowset_from_db("ahp_judgement", [judgement.pk])],
                  data={"node": node.code, "judgement": judgement.pk, "criteria": criteria,
                        "experts": judgement.experts, "cr": result.cr, "consistent": result.consistent})
    return judgement


@transaction.atomic
def ahp_apply(*, judgement: AHPJudgement, by: Any = None, note: str = "", source: str = "web",
              digits: int = 4) -> list[IndicatorNode]:
    """Write the combined AHP weights (× 100, ``digits`` decimals) into the children of the
    judged node in its draft version; refused when CR ≥ 0.10 or the children changed."""
    judgement = AHPJudgement.objects.select_related("node", "version").get(pk=judgement.pk)
    node = judgement.node
    version = _draft(judgement.version, node.code)
    if not judgement.consistent:
        raise IndicatorError(f"判断矩阵一致性比率 CR = {judgement.result['cr']:.4f}，未通过检验（应小于 0.10），"
                             "不能写回权重；请按提示修改判断", code="inconsistent", location=node.code)
    children = list(node.children.order_by("position"))
    if [c.code for c in children] != list(judgement.criteria):
        raise IndicatorError(f"指标 {node.code} 的下级指标已变化，请重新比较", code="stale_judgement",
                             location=node.code)
    weights = judgement.result["weights"]
    changes = {}
    for child in children:
        new = round(float(weights[child.code]) * 100, digits)
        changes[child.code] = [child.weight, new]
        child.weight = new
    IndicatorNode.objects.bulk_update(children, ["weight"])
    judgement.applied_at = timezone.now()
    judgement.save(update_fields=["applied_at"])
    version.content_hash = content_hash(version_indicators(version=version))
    version.save(update_fields=["content_hash"])
    IndicatorChange.objects.create(version=version, action=IndicatorChange.Action.AHP, node_code=node.code,
                                   note=note or f"层次分析法赋权（CR = {judgement.result['cr']:.4f}）",
                                   changes={"weights": changes, "judgement": judgement.pk},
                                   created_by=_user_of(by))
    ledger_append(action="indicator.ahp_apply", actor=actor_of(by, source), object_type="library_version",
                  object_id=f"{version.library.code} v{version.number}",
                  rows=[rowset_from_db("indicator_node", [c.pk for c in children]),
                        rowset_from_db("ahp_judgement", [judgement.pk])],
                  data={"node": node.code, "judgement": judgement.pk, "cr": judgement.result["cr"]})
    return children
