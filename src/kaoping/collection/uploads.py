"""Spreadsheet uploads: paper score forms (纸质评分表) and measured data (采集数据).

The workbook uses the sheets and headers of the Excel bundle (:mod:`kaoping.engine.excel`):
``评分`` with 评价人 / 单位 / 指标 / 分值, and ``数据`` with 单位 / 指标 / 数值. An upload
is first *previewed*: every row is checked and every error shown by row before anything
is written. Confirming re-reads the stored file, checks again (the data may have
changed meanwhile) and writes all rows in one transaction with their ledger entry, or
nothing.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PureWindowsPath
from typing import Any

from django.db import transaction
from django.utils import timezone

from kaoping.accounts.permissions import require
from kaoping.campaigns.models import (
    Assignment,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Conflict,
    Measure,
    Rater,
    Score,
)
from kaoping.ledger.services import actor_of, ledger_append, ledger_lock, rowset_from_db

from . import selectors
from .models import (
    Channel,
    MeasureCheck,
    SheetDraft,
    SheetSubmission,
    Upload,
    UploadKind,
    UploadStatus,
)
from .services import CollectionError, clean_value

#: largest workbook accepted (bytes), whatever the web server allows
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 20_000

#: kind → (sheet title, [(key, header, other accepted headers)])
LAYOUT: dict[str, tuple[str, list[tuple[str, str, tuple[str, ...]]]]] = {
    UploadKind.SCORES: ("评分", [
        ("rater", "评价人", ("评价人代码", "rater")),
        ("unit", "单位", ("单位代码", "被评单位", "被评单位代码", "unit")),
        ("indicator", "指标", ("指标代码", "indicator")),
        ("value", "分值", ("等级", "分值/等级", "value")),
    ]),
    UploadKind.MEASURES: ("数据", [
        ("unit", "单位", ("单位代码", "unit")),
        ("indicator", "指标", ("指标代码", "indicator")),
        ("value", "数值", ("值", "value")),
    ]),
}
STATES = {
    UploadKind.SCORES: (CampaignStatus.DRAFT, CampaignStatus.OPEN),
    UploadKind.MEASURES: (CampaignStatus.DRAFT, CampaignStatus.OPEN, CampaignStatus.CLOSED),
}


@dataclass
class Row:
    number: int  # row number in the sheet, as Excel shows it
    cells: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    note: str = ""
    # resolved ids, when the row is valid
    target: dict[str, Any] = field(default_factory=dict)


@dataclass
class Preview:
    kind: str
    sheet: str
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the file as a whole

    @property
    def ok(self) -> bool:
        return not self.errors and not any(r.errors for r in self.rows) and bool(self.rows)

    @property
    def bad_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    @property
    def headers(self) -> list[str]:
        return [header for _, header, _ in LAYOUT[self.kind][1]]


# --------------------------------------------------------------------------- reading


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _code(value: Any) -> str | None:
    value = _cell(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def open_workbook(content: bytes, errors: list[str], *, max_bytes: int = MAX_UPLOAD_BYTES,
                  too_large_hint: str = "") -> Any | None:
    """The uploaded workbook opened read-only, or None with the reason (in Chinese) added to ``errors``.

    Size and zip checks come before openpyxl reads anything, so an .xls, a renamed file or
    a zip bomb is refused cheaply. Shared by every spreadsheet upload; the caller closes it.
    """
    if len(content) > max_bytes:
        errors.append(f"文件过大（{len(content) / 2**20:.1f} MB），上限 {max_bytes // 2**20} MB{too_large_hint}")
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        errors.append("不是有效的 Excel 工作簿（.xlsx）；旧版 .xls 请在 Excel 中另存为 .xlsx")
        return None
    if not any(i.filename == "xl/workbook.xml" for i in infos):
        errors.append("不是 Excel 工作簿（.xlsx）")
        return None
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        errors.append("工作簿解压后过大，拒绝读取")
        return None
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about data validation it does not read
        try:
            return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:
            errors.append("无法读取 Excel 文件，文件可能已损坏")
            return None


def read(kind: str, content: bytes, preview: Preview) -> None:
    """Fill ``preview.rows`` from the workbook, or ``preview.errors`` when it is unreadable."""
    title, columns = LAYOUT[kind]
    wb = open_workbook(content, preview.errors)
    if wb is None:
        return
    try:
        names = [ws.title.strip() for ws in wb.worksheets]
        if title not in names:
            preview.errors.append(f"找不到工作表「{title}」（文件中的工作表：{'、'.join(names) or '无'}）；"
                                  "请使用本页提供的模板")
            return
        ws = wb.worksheets[names.index(title)]
        rows = ws.iter_rows(values_only=True)
        header = [(_cell(h) or "") for h in next(rows, ())]
        positions: dict[str, int] = {}
        for key, name, aliases in columns:
            for i, h in enumerate(header):
                if str(h) in (name, *aliases):
                    positions[key] = i
                    break
            else:
                preview.errors.append(f"工作表「{title}」第 1 行缺少列「{name}」")
        if preview.errors:
            return
        for number, values in enumerate(rows, 2):
            if all(_cell(v) is None for v in values):
                continue
            if len(preview.rows) >= MAX_ROWS:
                preview.errors.append(f"数据行超过 {MAX_ROWS} 行，请分批上传")
                return
            cells = {key: (values[i] if i < len(values) else None) for key, i in positions.items()}
            preview.rows.append(Row(number=number, cells={k: _cell(v) for k, v in cells.items()}))
    finally:
        wb.close()
    if not preview.rows and not preview.errors:
        preview.errors.append(f"工作表「{title}」没有数据行")


# --------------------------------------------------------------------------- checking


def check(*, campaign: Campaign, kind: str, content: bytes) -> Preview:
    """Read and check every row against the campaign; nothing is written."""
    preview = Preview(kind=kind, sheet=LAYOUT[kind][0])
    if campaign.status not in STATES[kind]:
        label = dict(CampaignStatus.choices)[campaign.status]
        what = "导入纸质评分表" if kind == UploadKind.SCORES else "导入采集数据"
        preview.errors.append(f"活动当前为「{label}」，不能{what}")
    read(kind, content, preview)
    if preview.errors:
        return preview
    nodes = selectors.version_nodes(campaign.library_version_id)
    targets = {t.code: t for t in CampaignUnit.objects.filter(campaign=campaign).select_related("unit")}
    by_code = {n.code: n for n in nodes}
    if kind == UploadKind.SCORES:
        _check_scores(campaign, preview, nodes, targets, by_code)
    else:
        _check_measures(campaign, preview, nodes, targets, by_code)
    return preview


def _check_scores(campaign: Campaign, preview: Preview, nodes: list[Any], targets: dict[str, CampaignUnit],
                  by_code: dict[str, Any]) -> None:
    raters = {r.code: r for r in Rater.objects.filter(campaign=campaign).select_related("group")
              if not (r.extra or {}).get("anonymous")}
    conflicts = set(Conflict.objects.filter(campaign=campaign).values_list("rater_id", "unit_id"))
    assigned: dict[int, set[int]] = defaultdict(set)
    for rid, uid in Assignment.objects.filter(campaign=campaign).values_list("rater_id", "unit_id"):
        assigned[rid].add(uid)
    submitted = set(SheetSubmission.objects.filter(assignment__campaign=campaign)
                    .values_list("assignment__rater_id", "assignment__unit_id"))
    scored = set(Score.objects.filter(assignment__campaign=campaign)
                 .values_list("assignment__rater_id", "assignment__unit_id", "indicator_id"))
    parents = {n.parent_id for n in nodes}
    leaves_cache: dict[tuple[str, str | None], dict[str, Any]] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for row in preview.rows:
        rc, uc, ic, raw = (_code(row.cells.get("rater")), _code(row.cells.get("unit")),
                           _code(row.cells.get("indicator")), row.cells.get("value"))
        rater = raters.get(rc or "")
        target = targets.get(uc or "")
        node = by_code.get(ic or "")
        if rc is None:
            row.errors.append("评价人代码为空")
        elif rater is None:
            row.errors.append(f"评价人代码「{rc}」在本活动中不存在")
        if uc is None:
            row.errors.append("单位代码为空")
        elif target is None:
            row.errors.append(f"单位代码「{uc}」不是本活动的考评对象")
        if ic is None:
            row.errors.append("指标代码为空")
        elif node is None:
            row.errors.append(f"指标代码「{ic}」在本活动的指标体系中不存在")
        elif (node.source or "rating") != "rating" or node.pk in parents:
            row.errors.append(f"指标「{ic}」不是评分指标，不能填写评分")
            node = None
        if raw is None:
            row.errors.append("分值为空")
        if rater is None or target is None or node is None:
            continue
        unit_type = (target.fields or {}).get("type")
        key = (rater.group.code, unit_type)
        if key not in leaves_cache:
            leaves_cache[key] = {leaf.code: leaf for leaf in
                                 selectors.sheet_leaves(nodes=nodes, group_code=rater.group.code, unit_type=unit_type)}
        leaf = leaves_cache[key].get(node.code)
        uid = target.unit_id
        if leaf is None:
            row.errors.append(f"指标「{ic}」不适用于该单位，或不由评价组「{rater.group.name}」评分")
        if rater.unit_id == uid or (rater.pk, uid) in conflicts:
            row.errors.append(f"评价人 {rc} 须回避单位 {uc}（本单位或已申报利益冲突）")
        if assigned.get(rater.pk) and uid not in assigned[rater.pk]:
            row.errors.append(f"评价人 {rc} 未被分配评价单位 {uc}")
        if (rater.pk, uid) in submitted:
            row.errors.append(f"评价人 {rc} 对单位 {uc} 的评分表已提交，不能重复录入")
        elif (rater.pk, uid, node.pk) in scored:
            row.errors.append("该评分已存在，不能重复录入")
        dup = seen.setdefault((rc, uc, ic), row.number)  # type: ignore[arg-type]
        if dup != row.number:
            row.errors.append(f"与第 {dup} 行重复（同一评价人、单位、指标）")
        if raw is not None and leaf is not None:
            try:
                number, label = clean_value(leaf, raw, numbers_on_scale=True)
            except ValueError as exc:
                row.errors.append(str(exc))
            else:
                row.target = {"rater": rater.pk, "unit": uid, "indicator": node.pk, "number": number, "label": label}


def _check_measures(campaign: Campaign, preview: Preview, nodes: list[Any], targets: dict[str, CampaignUnit],
                    by_code: dict[str, Any]) -> None:
    existing = {(m.unit_id, m.indicator_id): m for m in Measure.objects.filter(campaign=campaign)}
    checked = set(MeasureCheck.objects.filter(measure__campaign=campaign).values_list("measure_id", flat=True))
    leaves_cache: dict[str | None, set[str]] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in preview.rows:
        uc, ic, raw = _code(row.cells.get("unit")), _code(row.cells.get("indicator")), row.cells.get("value")
        target = targets.get(uc or "")
        node = by_code.get(ic or "")
        if uc is None:
            row.errors.append("单位代码为空")
        elif target is None:
            row.errors.append(f"单位代码「{uc}」不是本活动的考评对象")
        if ic is None:
            row.errors.append("指标代码为空")
        elif node is None:
            row.errors.append(f"指标代码「{ic}」在本活动的指标体系中不存在")
        elif node.source != "measure":
            row.errors.append(f"指标「{ic}」不是数据采集指标，不能填报数值")
            node = None
        number = None
        if raw is None:
            row.errors.append("数值为空")
        elif isinstance(raw, bool) or not isinstance(raw, int | float):
            try:
                number = float(str(raw).replace(",", "").strip())
            except ValueError:
                row.errors.append(f"数值应为数字，实际为文本「{str(raw)[:20]}」")
        else:
            number = float(raw)
        if number is not None and not math.isfinite(number):
            row.errors.append("数值应为有限的数字")
            number = None
        if target is None or node is None:
            continue
        unit_type = (target.fields or {}).get("type")
        if unit_type not in leaves_cache:
            leaves_cache[unit_type] = {n.code for n in selectors.measured_leaves(nodes=nodes, unit_type=unit_type)}
        if node.code not in leaves_cache[unit_type]:
            row.errors.append(f"指标「{ic}」不适用于该单位类型")
        dup = seen.setdefault((uc, ic), row.number)  # type: ignore[arg-type]
        if dup != row.number:
            row.errors.append(f"与第 {dup} 行重复（同一单位、指标）")
        old = existing.get((target.unit_id, node.pk))
        if old is not None and old.pk in checked:
            row.errors.append("该数据已经第三方核查，只能由核查人更正")
        if number is not None and not row.errors:
            if old is not None:
                row.note = f"更新：原值 {old.value:g} → {number:g}"
            row.target = {"unit": target.unit_id, "indicator": node.pk, "value": number}


# --------------------------------------------------------------------------- writing


@transaction.atomic
def upload_preview(*, campaign: Campaign, kind: str, filename: str, content: bytes, by: Any,
                   ) -> tuple[Upload | None, Preview]:
    """Check an uploaded workbook; keep it for confirmation only when every row is good."""
    require(by, "data.upload")
    if kind not in LAYOUT:
        raise CollectionError(f"导入类型 {kind!r} 未知", code="bad_value")
    campaign = Campaign.objects.get(pk=campaign.pk)  # the state as it is now
    preview = check(campaign=campaign, kind=kind, content=content)
    if not preview.ok:
        return None, preview
    upload = Upload.objects.create(campaign=campaign, kind=kind, filename=PureWindowsPath(filename).name[:255],
                                   size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                                   content=content, rows=len(preview.rows), uploaded_by=by)
    return upload, preview


@transaction.atomic
def upload_apply(*, upload: Upload, by: Any) -> int:
    """Write every row of a previewed upload in one transaction with its ledger entry."""
    require(by, "data.upload")
    ledger_lock()
    upload = Upload.objects.select_for_update().select_related("campaign").get(pk=upload.pk)
    if upload.status != UploadStatus.PREVIEWED:
        raise CollectionError(f"文件「{upload.filename}」已于 {timezone.localtime(upload.applied_at):%Y-%m-%d %H:%M} "
                              "导入，不能重复导入", code="already_applied")
    campaign = Campaign.objects.get(pk=upload.campaign_id)
    preview = check(campaign=campaign, kind=upload.kind, content=bytes(upload.content))
    if not preview.ok:
        first = (preview.errors or [f"第 {r.number} 行：{'；'.join(r.errors)}" for r in preview.bad_rows])[0]
        raise CollectionError(f"数据已变化，重新检查发现 {len(preview.errors) + len(preview.bad_rows)} 处错误，"
                              f"未导入任何数据。首个错误：{first}", code="invalid_upload")
    actor = actor_of(by, "web")
    facts = {"upload": upload.pk, "filename": upload.filename, "sha256": upload.sha256, "rows": len(preview.rows)}
    if upload.kind == UploadKind.SCORES:
        rows = _write_scores(campaign, preview, by)
    else:
        rows = _write_measures(campaign, preview)
    ledger_append(action=f"upload.{upload.kind}", actor=actor, object_type="campaign", object_id=campaign.code,
                  rows=rows, data=facts)
    upload.status, upload.applied_at = UploadStatus.APPLIED, timezone.now()
    upload.save(update_fields=["status", "applied_at"])
    return len(preview.rows)


def _write_scores(campaign: Campaign, preview: Preview, by: Any) -> list[dict[str, Any]]:
    pairs = sorted({(r.target["rater"], r.target["unit"]) for r in preview.rows})
    existing = {(a.rater_id, a.unit_id): a for a in Assignment.objects.filter(campaign=campaign)}
    new = Assignment.objects.bulk_create([Assignment(campaign=campaign, rater_id=rid, unit_id=uid)
                                          for rid, uid in pairs if (rid, uid) not in existing])
    existing.update({(a.rater_id, a.unit_id): a for a in new})
    scores = Score.objects.bulk_create([
        Score(assignment=existing[(r.target["rater"], r.target["unit"])], indicator_id=r.target["indicator"],
              value_number=r.target["number"], value_label=r.target["label"])
        for r in preview.rows
    ])
    now = timezone.now()
    assignments = [existing[p] for p in pairs]
    submissions = SheetSubmission.objects.bulk_create([
        SheetSubmission(assignment=a, channel=Channel.PAPER, submitted_on=timezone.localdate(now), submitted_at=now,
                        submitted_by=by) for a in assignments
    ])
    SheetDraft.objects.filter(assignment__in=assignments).delete()
    rows = [rowset_from_db("assignment", [a.pk for a in new])] if new else []
    rows.append(rowset_from_db("score", [s.pk for s in scores]))
    rows.append(rowset_from_db("sheet_submission", [s.pk for s in submissions]))
    return rows


def _write_measures(campaign: Campaign, preview: Preview) -> list[dict[str, Any]]:
    ids = []
    for r in preview.rows:
        measure, _ = Measure.objects.update_or_create(
            campaign=campaign, unit_id=r.target["unit"], indicator_id=r.target["indicator"],
            defaults={"value": r.target["value"]})
        ids.append(measure.pk)
    return [rowset_from_db("measure", ids)]


# --------------------------------------------------------------------------- templates


def template_workbook(*, campaign: Campaign, kind: str) -> bytes:
    """An .xlsx to fill in: the sheet with Chinese headers, pre-filled with what is due."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    title, columns = LAYOUT[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append([header for _, header, _ in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F0FA")
    nodes = selectors.version_nodes(campaign.library_version_id)
    targets = list(CampaignUnit.objects.filter(campaign=campaign).select_related("unit").order_by("id"))
    if kind == UploadKind.SCORES:
        done = set(SheetSubmission.objects.filter(assignment__campaign=campaign).values_list("assignment_id", flat=True))
        types = {t.unit_id: (t.fields or {}).get("type") for t in targets}
        for a in (Assignment.objects.filter(campaign=campaign).exclude(pk__in=done)
                  .select_related("rater__group", "unit").order_by("rater__code", "unit__code")):
            if selectors.avoids(a.rater, a.unit_id):
                continue
            for leaf in selectors.sheet_leaves(nodes=nodes, group_code=a.rater.group.code,
                                               unit_type=types.get(a.unit_id)):
                ws.append([a.rater.code, a.unit.code, leaf.code, None])
        widths = (12, 12, 12, 12)
    else:
        for t in targets:
            for node in selectors.measured_leaves(nodes=nodes, unit_type=(t.fields or {}).get("type")):
                ws.append([t.code, node.code, None])
        widths = (12, 12, 14)
    for letter, width in zip("ABCD", widths, strict=False):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    for line in _instructions(campaign, kind, nodes):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _instructions(campaign: Campaign, kind: str, nodes: list[Any]) -> list[str]:
    lines = [f"{campaign.name}（{campaign.code}）", ""]
    if kind == UploadKind.SCORES:
        lines += ["在工作表「评分」中每行填写一个评分：评价人代码、被评单位代码、指标代码、分值。",
                  "分值为 0 至满分之间的数字；有等级表的指标可填写等级（如 优、良）。",
                  "同一评价人对同一单位的评分表一经导入即视为已提交，不能再在网上提交。", "", "评分指标："]
        for n in nodes:
            if (n.source or "rating") == "rating" and not any(m.parent_id == n.pk for m in nodes):
                scale = f"，等级：{'、'.join(n.scale)}" if n.scale else ""
                lines.append(f"  {n.code} {n.name}（满分 {n.full or 100:g}{scale}）")
    else:
        lines += ["在工作表「数据」中每行填写一个采集数值：单位代码、指标代码、数值（数字，比率写 0.95 而不是 95%）。",
                  "已有数值的行导入后会被更新；已经第三方核查的数据只能由核查人更正。", "", "采集指标："]
        for n in nodes:
            if n.source == "measure":
                lines.append(f"  {n.code} {n.name}")
    lines += ["", "上传后系统先逐行检查并列出全部错误，确认无误后才会写入。单个文件不超过 5 MB。"]
    return lines
