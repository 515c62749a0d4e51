"""Writes of the indicators app (keyword-only, atomic, validate first then write).

Every node written is recorded in the ledger in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kaoping.engine.bundle import FORMAT, Indicator, parse_bundle
from kaoping.engine.errors import KaopingError
from kaoping.ledger.services import actor_of, ledger_append, ledger_lock, rowset_from_db

from .models import IndicatorChange, IndicatorNode, Library, LibraryVersion
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
                          **changes: Any) -> IndicatorNode:
    """Change fields of a node of a draft version; the change is kept in the history.

    The whole tree is checked again with the engine's rules (the same messages as
    ``kaoping score``). A frozen version, or one a campaign uses, is refused.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise IndicatorError(f"不能修改字段 {'、'.join(sorted(unknown))}", code="bad_field", location=node.code)
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
