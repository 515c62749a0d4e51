"""Reads of the indicators app: a version's tree as C1 ``indicators`` records."""

from __future__ import annotations

import copy
import hashlib
import tempfile
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import Count, Prefetch

from kaoping.engine.bundle import FORMAT, parse_bundle
from kaoping.engine.errors import BundleError
from kaoping.engine.excel import read_workbook, write_workbook
from kaoping.engine.tree import PolicyShare, policy_check
from kaoping.ledger.tables import canonical_json

from .models import AHPJudgement, IndicatorChange, IndicatorNode, Library, LibraryVersion


def plain_number(value: float) -> int | float:
    """``40.0`` → ``40``: numbers stored as floats read back the way people write them."""
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def node_record(node: IndicatorNode, children: list[dict[str, Any]]) -> dict[str, Any]:
    """One C1 indicator record (``children`` already built)."""
    rec: dict[str, Any] = {"code": node.code, "name": node.name, "weight": plain_number(node.weight)}
    if node.nature:
        rec["nature"] = node.nature
    if node.dimensions:
        rec["dimensions"] = list(node.dimensions)
    if node.applies_to is not None:
        rec["applies_to"] = list(node.applies_to)
    if children:
        rec.update(_extras(node, rec))
        rec["children"] = children
        return rec
    rec["source"] = node.source
    if node.rule is not None:
        rec["rule"] = node.rule
    if node.rated_by is not None:
        rec["rated_by"] = list(node.rated_by)
    if node.full is not None:
        rec["full"] = plain_number(node.full)
    if node.scale is not None:
        rec["scale"] = node.scale
    rec.update(_extras(node, rec))
    return rec


def _extras(node: IndicatorNode, rec: dict[str, Any]) -> dict[str, Any]:
    out = {"description": node.description} if node.description else {}
    out.update({k: v for k, v in (node.extra or {}).items() if k not in rec})
    return out


def tree_records(nodes: Iterable[IndicatorNode], parent_of: dict[int, str | None] | None = None,
                 ) -> list[dict[str, Any]]:
    """C1 ``indicators`` from nodes in pre-order; ``parent_of`` maps position → parent code
    (for nodes not saved yet), else each node's ``parent`` is used."""
    ordered = sorted(nodes, key=lambda n: n.position)
    kids: dict[str | None, list[IndicatorNode]] = {}
    if parent_of is None:
        code_of = {n.pk: n.code for n in ordered}
        parent_of = {n.position: code_of.get(n.parent_id) for n in ordered}
    for n in ordered:
        kids.setdefault(parent_of[n.position], []).append(n)

    def build(node: IndicatorNode) -> dict[str, Any]:
        return node_record(node, [build(c) for c in kids.get(node.code, [])])

    return [build(n) for n in kids.get(None, [])]


def content_hash(records: list[dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_json(records).encode()).hexdigest()


def version_indicators(*, version: LibraryVersion) -> list[dict[str, Any]]:
    """The version's tree as C1 ``indicators`` records, in the order they were given."""
    return tree_records(IndicatorNode.objects.filter(version=version).order_by("position"))


# --------------------------------------------------------------------------- pages


def library_list() -> list[Library]:
    """Every library with its versions (two queries), newest version last."""
    return list(Library.objects.prefetch_related(
        Prefetch("versions", queryset=LibraryVersion.objects.annotate(
            node_count=Count("nodes", distinct=True), campaign_count=Count("campaigns", distinct=True),
        ).order_by("number")),
    ))


def version_get(*, library_code: str, number: int) -> LibraryVersion | None:
    return (LibraryVersion.objects.select_related("library", "based_on", "created_by")
            .filter(library__code=library_code, number=number).first())


def version_is_draft(version: LibraryVersion) -> bool:
    """A draft may be edited: not frozen and used by no campaign."""
    return version.frozen_at is None and not version.campaigns.exists()


@dataclass
class Row:
    """One line of the tree page."""

    node: IndicatorNode
    depth: int
    parent_code: str | None
    is_leaf: bool
    local: float  # share among siblings, 0..1
    effective: float  # share in the total, 0..1
    nature: str  # own or inherited, "" when none
    inherited: bool
    children: list[str] = field(default_factory=list)


def version_rows(*, version: LibraryVersion) -> list[Row]:
    """The tree in pre-order with local and effective shares (one query).

    Shares ignore ``applies_to``: they are what a unit of a type every node applies to
    sees; :func:`version_policy` gives the shares per unit type.
    """
    nodes = list(IndicatorNode.objects.filter(version=version).order_by("position"))
    kids: dict[int | None, list[IndicatorNode]] = {}
    for n in nodes:
        kids.setdefault(n.parent_id, []).append(n)
    rows: list[Row] = []

    def walk(parent_id: int | None, depth: int, share: float, parent_code: str | None, nature: str) -> None:
        siblings = kids.get(parent_id, [])
        total = sum(n.weight for n in siblings)
        for n in siblings:
            local = n.weight / total if total > 0 else 0.0
            own = n.nature or ""
            row = Row(n, depth, parent_code, n.pk not in kids, local, share * local, own or nature,
                      not own and bool(nature), [c.code for c in kids.get(n.pk, [])])
            rows.append(row)
            walk(n.pk, depth + 1, share * local, n.code, own or nature)

    walk(None, 0, 1.0, None, "")
    return rows


def version_history(*, version: LibraryVersion) -> list[IndicatorChange]:
    return list(version.changes.select_related("created_by").order_by("-created_at", "-id"))


def version_lineage(*, version: LibraryVersion) -> list[LibraryVersion]:
    """The version and the versions it was derived from, newest first (few queries)."""
    chain = [version]
    seen = {version.pk}
    while chain[-1].based_on_id is not None and chain[-1].based_on_id not in seen:
        parent = LibraryVersion.objects.select_related("library").get(pk=chain[-1].based_on_id)
        seen.add(parent.pk)
        chain.append(parent)
    return chain


def policy_shares(*, records: list[dict[str, Any]], units: list[dict[str, Any]],
                  limits: dict[str, float] | None = None, overrides: list[dict[str, Any]] | None = None,
                  groups: list[str] | None = None) -> list[PolicyShare]:
    """Process/result shares per unit profile (:func:`kaoping.engine.tree.policy_check`)."""
    rated = {g for rec in _walk(records) for g in (rec.get("rated_by") or [])}
    bundle = parse_bundle({
        "format": FORMAT, "campaign": {"code": "_"}, "scoring": {"policy": limits or {}},
        "groups": [{"code": g} for g in sorted(rated | set(groups or []))],
        "units": units, "indicators": records, "weight_overrides": overrides or [],
    })
    return policy_check(bundle)


def _walk(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for rec in records:
        out.append(rec)
        out += _walk(rec.get("children") or [])
    return out


def version_policy(*, version: LibraryVersion, limits: dict[str, float] | None = None,
                   records: list[dict[str, Any]] | None = None) -> list[PolicyShare]:
    """Shares per unit type for a version: one probe unit per type the types of the
    register know (plus any type an ``applies_to`` names)."""
    from kaoping.org.models import UnitType

    records = records if records is not None else version_indicators(version=version)
    types = list(UnitType.values)
    for rec in _walk(records):
        types += [t for t in rec.get("applies_to") or [] if t not in types]
    units = [{"code": f"type:{t}", "type": t} for t in types]
    return policy_shares(records=records, units=units, limits=limits)


def judgements_of(*, node: IndicatorNode) -> list[AHPJudgement]:
    return list(node.judgements.select_related("created_by").order_by("-created_at", "-id"))


# --------------------------------------------------------------------------- Excel


def version_workbook(*, version: LibraryVersion) -> bytes:
    """The version as an Excel workbook in the bundle layout (its 指标 sheet filled)."""
    data = {"format": FORMAT,
            "campaign": {"code": version.library.code, "name": f"{version.library.name} 第 {version.number} 版"},
            "indicators": version_indicators(version=version)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library.xlsx"
        write_workbook(data, path)
        return path.read_bytes()


MAX_UPLOAD_BYTES = 5 * 2**20
MAX_ERRORS = 200


@dataclass
class Preview:
    """What an Excel import would write: the records, or every error found, by row."""

    records: list[dict[str, Any]] | None
    errors: list[tuple[str, str]]
    count: int = 0


def workbook_preview(*, path: str | Path) -> Preview:
    """Read the 指标 sheet of an uploaded workbook and list every error by sheet row.

    Only the 指标 sheet is read (other sheets are ignored). The engine stops at the first
    invalid record, so each invalid record is replaced by a neutral one and the tree is
    checked again, until no error is left: the preview names them all at once.
    """
    p = Path(path)
    if p.stat().st_size > MAX_UPLOAD_BYTES:
        return Preview(None, [("文件", f"文件过大（上限 {MAX_UPLOAD_BYTES // 2**20} MB）")])
    try:
        with zipfile.ZipFile(p) as archive:
            if sum(i.file_size for i in archive.infolist()) > 8 * MAX_UPLOAD_BYTES:
                return Preview(None, [("文件", "文件解压后过大，拒绝读取")])
    except (zipfile.BadZipFile, OSError, ValueError):
        return Preview(None, [("文件", "不是有效的 Excel 工作簿（.xlsx）；旧版 .xls 请在 Excel 中另存为 .xlsx")])
    with tempfile.TemporaryDirectory() as tmp:
        only = Path(tmp) / "indicators.xlsx"
        try:
            _keep_indicator_sheet(p, only)
        except BundleError as exc:
            return Preview(None, [(exc.location or "文件", exc.message)])
        try:
            data, where = read_workbook(only)
        except BundleError as exc:
            return Preview(None, [(exc.location or "文件", exc.message)])
    records = data.get("indicators") or []
    if not records:
        return Preview(None, [("工作表「指标」", "没有任何指标")])
    errors = _all_errors(records, where)
    if errors:
        return Preview(None, errors)
    return Preview(records, [], len(_walk(records)))


def _keep_indicator_sheet(source: Path, target: Path) -> None:
    from openpyxl import Workbook, load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = load_workbook(source, read_only=True, data_only=True)
        except Exception:
            raise BundleError("无法读取该 Excel 文件，文件可能已损坏", code="malformed", location="文件") from None
    try:
        sheet = next((ws for ws in wb.worksheets if ws.title.strip() in ("指标", "indicators")), None)
        if sheet is None:
            raise BundleError("工作簿中没有「指标」工作表（请用导出的文件或模板填写）", code="missing_sheet",
                              location="文件")
        out = Workbook(write_only=True)
        campaign = out.create_sheet("活动")
        campaign.append(["项目", "值"])
        campaign.append(["活动代码", "_"])
        copy = out.create_sheet("指标")
        for row in sheet.iter_rows(values_only=True):
            copy.append(list(row))
        out.save(target)
    finally:
        wb.close()


def _all_errors(records: list[dict[str, Any]], where: Any) -> list[tuple[str, str]]:
    work = copy.deepcopy(records)
    errors: list[tuple[str, str]] = []
    asked: list[tuple[str, int | None]] = []

    def locate(section: str, index: int | None) -> str:
        asked.append((section, index))
        return where(section, index)

    for _ in range(MAX_ERRORS):
        groups = sorted(set(_rated_codes(work)))
        try:
            parse_bundle({"format": FORMAT, "campaign": {"code": "_"}, "groups": [{"code": g} for g in groups],
                          "units": [], "indicators": work}, where=locate)
            break
        except BundleError as exc:
            errors.append((exc.location or "工作表「指标」", exc.message))
            section, index = asked[-1] if asked else ("", None)
            if section != "indicators" or index is None or not _neutralise(work, index):
                break
    return errors


def _rated_codes(records: list[dict[str, Any]]) -> list[str]:
    out = []
    for rec in _walk(records):
        rated = rec.get("rated_by") if isinstance(rec, dict) else None
        if isinstance(rated, str):
            rated = [v.strip() for v in rated.replace("，", ",").split(",") if v.strip()]
        if isinstance(rated, list):
            out += [g for g in rated if isinstance(g, str)]
    return out


def _neutralise(records: list[dict[str, Any]], index: int) -> bool:
    """Replace the record at pre-order ``index`` by a valid one keeping its children."""
    counter = [0]

    def visit(items: list[Any]) -> bool:
        for k, rec in enumerate(items):
            if counter[0] == index:
                children = rec.get("children") if isinstance(rec, dict) else None
                items[k] = {"code": f"__invalid_{index}"}
                if isinstance(children, list) and children:
                    items[k]["children"] = children
                return True
            counter[0] += 1
            children = rec.get("children") if isinstance(rec, dict) else None
            if isinstance(children, list) and visit(children):
                return True
        return False

    return visit(records)
