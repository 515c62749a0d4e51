"""Excel import of ratings taken by hotline, SMS or on paper (R4.2 staff entry, R9.3).

The same shape as the paper score sheets of :mod:`kaoping.collection.uploads`: the
office downloads a template (:func:`template_bytes`), fills one row per rating and
uploads it. :func:`check` reads and checks every row and writes nothing; the page
shows every error by row. The file is kept under a key named in the user's session
(:func:`stash_put`); confirming re-reads it, checks it again (the data may have changed
meanwhile) and writes every row through :func:`~kaoping.ratings.services.rating_submit`
inside one database transaction (:func:`import_apply`): all rows land, each with its
ledger entry, or none does.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from django.db import transaction as db_transaction
from django.utils import timezone

from kaoping.accounts.permissions import require
from kaoping.collection.uploads import open_workbook

from . import pii, selectors, services
from .forms import BEIJING, COMMENT_MAX, stash_key
from .models import ONLINE_ITEMS, ONSITE_ITEMS, PROBLEM_TAGS, STAFF_CHANNELS, Level, RatingChannel
from .services import RatingError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
SHEET = "评价"

#: sub-item columns: header → item code; a transaction uses the ones of its kind
ITEM_HEADERS: dict[str, str] = {label: code for code, label in ONSITE_ITEMS.items()} | {
    label: code for code, label in ONLINE_ITEMS.items()}



def _item_note(label: str) -> str:
    kinds = [kind for kind, items in (("现场办件", ONSITE_ITEMS), ("网上办件", ONLINE_ITEMS)) if label in items.values()]
    return f"{'、'.join(kinds)}的分项评价，1–5"


#: (key, header, required, note) of every column, in the template's order
COLUMNS: list[tuple[str, str, bool, str]] = [
    ("transaction", "办件编号", True, "业务系统中的办件编号，办件须已导入本系统"),
    ("level", "评价等级", True, "1–5：5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意"),
    ("channel", "评价渠道", True, "热线、短信或纸质评价表"),
    *[(f"item:{label}", label, False, _item_note(label)) for label in ITEM_HEADERS],
    ("tags", "问题标签", False, "可填多个，用顿号分隔，如：等待时间长、材料繁琐"),
    ("comment", "意见建议", False, f"不超过 {COMMENT_MAX} 字"),
    ("phone", "评价人手机号", False, "实名评价时填写；差评据此回访，页面只显示脱敏号码"),
]
HEADER_OF = {key: header for key, header, _r, _n in COLUMNS}
_KEY_OF = {header: key for key, header, _r, _n in COLUMNS}
_CHANNELS = {c.value: c.value for c in RatingChannel if c in STAFF_CHANNELS} | {
    str(c.label): c.value for c in RatingChannel if c in STAFF_CHANNELS} | {"纸质": RatingChannel.PAPER.value}
_LEVELS = {str(lv.label): lv.value for lv in Level}
_TAG_CODES = {label: code for code, label in PROBLEM_TAGS.items()}
_TAG_SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass
class Row:
    number: int  # the row number in the sheet, as Excel shows it
    transaction: str = ""
    level: int | None = None
    channel: str = ""
    items: dict[str, int] = field(default_factory=dict)  # header → level, as filled in
    codes: dict[str, int] = field(default_factory=dict)  # item code → level, for the service
    tags: list[str] = field(default_factory=list)
    comment: str = ""
    phone: str = ""
    errors: list[str] = field(default_factory=list)
    txn: Any = None  # the Transaction, once found

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level in Level.values else ""

    @property
    def channel_label(self) -> str:
        return str(RatingChannel(self.channel).label) if self.channel in RatingChannel.values else ""


@dataclass
class Preview:
    name: str
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the file as a whole

    @property
    def bad_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows) and not self.bad_rows


class ImportRefused(Exception):
    """Nothing was imported; ``preview`` names every error by row."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        super().__init__(preview.name)


# --------------------------------------------------------------------------- reading cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _level(value: Any, header: str, *, named: bool) -> int:
    """A level 1–5 from a cell (an integer, or with ``named`` an 等级 name); ValueError says why."""
    if isinstance(value, bool | dt.date | dt.time):
        raise ValueError(f"「{header}」应为 1–5 的整数：{_text(value)[:20]}")
    text = _text(value)
    if named and text in _LEVELS:
        return _LEVELS[text]
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"「{header}」应为 1–5 的整数{'或等级名称' if named else ''}：{text[:20]}") from None
    if not number.is_integer():
        raise ValueError(f"「{header}」应为 1–5 的整数：{text[:20]}")
    if not 1 <= number <= 5:
        raise ValueError(f"「{header}」超出范围：{int(number)}（应为 1–5）")
    return int(number)


def _fill(row: Row, cells: dict[str, Any]) -> None:
    """Turn the cells of one line into the row's values, noting every cell that is wrong."""
    row.transaction = _text(cells.get("transaction"))[:200]
    if not row.transaction:
        row.errors.append("「办件编号」为空")
    raw = cells.get("level")
    if _text(raw) == "":
        row.errors.append("「评价等级」为空")
    else:
        try:
            row.level = _level(raw, "评价等级", named=True)
        except ValueError as exc:
            row.errors.append(str(exc))
    channel = _text(cells.get("channel"))
    row.channel = _CHANNELS.get(channel) or _CHANNELS.get(channel.lower(), "")
    if not channel:
        row.errors.append("「评价渠道」为空")
    elif not row.channel:
        row.errors.append(f"「评价渠道」应为热线、短信或纸质评价表：{channel[:20]}")
    for header in ITEM_HEADERS:
        value = cells.get(f"item:{header}")
        if _text(value) == "":
            continue
        try:
            row.items[header] = _level(value, header, named=False)
        except ValueError as exc:
            row.errors.append(str(exc))
    row.tags = [_TAG_CODES.get(t, t) for t in _TAG_SPLIT.split(_text(cells.get("tags"))) if t]
    row.comment = _text(cells.get("comment"))
    if len(row.comment) > COMMENT_MAX:
        row.errors.append(f"「意见建议」超过 {COMMENT_MAX} 字（现有 {len(row.comment)} 字）")
    row.phone = _text(cells.get("phone"))
    if row.phone:
        try:
            pii.phone_normalize(row.phone)
        except pii.PIIError as exc:
            row.errors.append(f"「评价人手机号」{exc.message}")


def read(content: bytes, preview: Preview) -> None:
    """Fill ``preview.rows`` from the workbook, or ``preview.errors`` when it cannot be used."""
    wb = open_workbook(content, preview.errors, max_bytes=MAX_UPLOAD_BYTES, too_large_hint="，请分批上传")
    if wb is None:
        return
    try:
        names = [ws.title.strip() for ws in wb.worksheets]
        ws = wb.worksheets[names.index(SHEET)] if SHEET in names else wb.worksheets[0]
        _read_sheet(ws, preview)
    finally:
        wb.close()


def _read_sheet(ws: Any, preview: Preview) -> None:
    lines = ws.iter_rows(values_only=True)
    header: tuple[Any, ...] = ()
    header_row = 0
    for number, values in enumerate(lines, 1):
        if any(_text(v) for v in values):
            header, header_row = values, number
            break
    if not header:
        preview.errors.append(f"工作表「{ws.title}」是空的：第一行应为列名（如“办件编号”）")
        return
    keys = [_KEY_OF.get(_text(h).replace("(", "（").replace(")", "）")) if _text(h) else None for h in header]
    unknown = [_text(h) for h, k in zip(header, keys, strict=True) if _text(h) and k is None]
    if unknown:
        preview.errors.append(f"第 {header_row} 行有无法识别的列：{'、'.join(unknown[:10])}；请使用本页提供的模板")
    missing = [h for k, h, required, _n in COLUMNS if required and k not in keys]
    if missing:
        preview.errors.append(f"缺少必填列：{'、'.join(missing)}")
    present = [k for k in keys if k]
    doubled = [HEADER_OF[k] for k in dict.fromkeys(present) if present.count(k) > 1]
    if doubled:
        preview.errors.append(f"列重复：{'、'.join(doubled)}")
    if preview.errors:
        return
    for number, values in enumerate(lines, header_row + 1):
        if not any(_text(v) for v in values):
            continue
        if len(preview.rows) >= MAX_ROWS:
            preview.errors.append(f"一次最多导入 {MAX_ROWS} 行评价，请分批上传")
            return
        row = Row(number=number)
        _fill(row, {k: v for k, v in zip(keys, values, strict=False) if k})
        preview.rows.append(row)
    if not preview.rows:
        preview.errors.append(f"工作表「{ws.title}」中没有评价数据（列名下面没有行）")


# --------------------------------------------------------------------------- checking


def _item_codes(row: Row) -> None:
    """The filled sub-items by code, as the service takes them; notes those that do not apply."""
    allowed = ONLINE_ITEMS if row.txn.online else ONSITE_ITEMS
    for header, value in row.items.items():
        code = ITEM_HEADERS[header]
        if allowed.get(code) == header:
            row.codes[code] = value
        else:
            kind = "网上办件" if row.txn.online else "现场办件"
            row.errors.append(f"「{header}」不适用于{kind}（可填：{'、'.join(allowed.values())}）")


def explain(exc: RatingError, row: Row) -> str:
    """A service error about a row, with the column named as in the workbook."""
    location = exc.location or ""
    if location.startswith("items."):
        code = location.split(".", 1)[1]
        labels = ONLINE_ITEMS if row.txn is not None and row.txn.online else ONSITE_ITEMS
        return f"「{labels.get(code, code)}」{exc.message}"
    header = {"level": "评价等级", "channel": "评价渠道", "comment": "意见建议", "rater.phone": "评价人手机号"}.get(
        location) or ("问题标签" if location.startswith("tags") else "")
    return f"「{header}」{exc.message}" if header else exc.message


def check(*, content: bytes, name: str, now: dt.datetime | None = None) -> Preview:
    """Read and check every row against the stored transactions; nothing is written."""
    preview = Preview(name=PureWindowsPath(name).name[:200])
    read(content, preview)
    if preview.errors:
        return preview
    now = now or timezone.now()
    txns = selectors.transactions_by_external_id([r.transaction for r in preview.rows])
    rated = selectors.rated_transaction_ids([t.pk for t in txns.values()])
    seen: dict[str, int] = {}
    for row in preview.rows:
        if not row.transaction:
            continue
        first = seen.setdefault(row.transaction, row.number)
        if first != row.number:
            row.errors.append(f"与第 {first} 行重复（同一办件编号「{row.transaction}」，一件办件只能评价一次）")
            continue
        row.txn = txns.get(row.transaction)
        if row.txn is None:
            row.errors.append(f"办件编号「{row.transaction}」不存在，请核对或先导入办件")
            continue
        if row.txn.pk in rated:
            row.errors.append(f"办件「{row.transaction}」已评价，不能重复评价")
            continue
        if now > row.txn.rate_until:
            row.errors.append(f"办件「{row.transaction}」的评价期限已于 "
                              f"{row.txn.rate_until.astimezone(BEIJING):%Y-%m-%d %H:%M} 截止")
            continue
        _item_codes(row)
        if row.errors:
            continue
        try:  # the service's own checks (tags, phone, not yet accepted …), writing nothing
            services.rating_validate(transaction=row.txn, level=row.level, items=row.codes, tags=row.tags,
                                     comment=row.comment, channel=row.channel, rater_phone=row.phone or None,
                                     now=now)
        except RatingError as exc:
            row.errors.append(explain(exc, row))
    return preview


# --------------------------------------------------------------------------- writing


def import_apply(*, content: bytes, name: str, by: Any) -> Preview:
    """Check the file again and write every rating in one transaction, or none.

    Raises :class:`ImportRefused` (nothing written) when any row is wrong now, including
    a transaction rated by someone else since the preview.
    """
    require(by, "data.upload")
    require(by, "ratings.enter")
    preview = check(content=content, name=name)
    if not preview.ok:
        raise ImportRefused(preview)
    with db_transaction.atomic():
        for row in preview.rows:
            try:
                services.rating_submit(transaction=row.txn, level=row.level, items=row.codes,
                                       tags=row.tags, comment=row.comment, channel=row.channel,
                                       rater_phone=row.phone or None, by=by)
            except RatingError as exc:
                row.errors.append(explain(exc, row))
                raise ImportRefused(preview) from None  # leaving the block rolls every row back
    return preview


# --------------------------------------------------------------------------- the file between preview and import


_SESSION_KEY = "ratings_imports"


def _stash_dir() -> Path:
    from django.conf import settings

    path = Path(settings.DATA_DIR) / "uploads" / "ratings-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stash_put(session: Any, content: bytes, name: str) -> str:
    """Keep a checked file for the import that follows its preview; the key for the form."""
    directory = _stash_dir()
    key = stash_key(directory, ".xlsx")
    (directory / f"{key}.xlsx").write_bytes(content)
    kept = {k: v for k, v in session.get(_SESSION_KEY, {}).items() if (directory / f"{k}.xlsx").exists()}
    session[_SESSION_KEY] = dict(list(kept.items())[-4:]) | {key: name}
    return key


def stash_get(session: Any, key: str) -> tuple[bytes, str] | None:
    """The file kept under ``key`` by this session (None when unknown, expired or imported)."""
    name = session.get(_SESSION_KEY, {}).get(key) if isinstance(key, str) else None
    path = _stash_dir() / f"{key}.xlsx"
    if name is None or not path.exists():
        return None
    return path.read_bytes(), name


def stash_drop(session: Any, key: str) -> None:
    kept = dict(session.get(_SESSION_KEY, {}))
    if kept.pop(key, None) is not None:
        (_stash_dir() / f"{key}.xlsx").unlink(missing_ok=True)
    session[_SESSION_KEY] = kept


# --------------------------------------------------------------------------- template


def template_bytes() -> bytes:
    """An empty sheet with the columns, a note on each header, drop-downs and checks."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for col, (_key, header, required, note) in enumerate(COLUMNS, 1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0F4C92" if required else "6B7280")
        cell.comment = Comment(("必填。" if required else "选填。") + note, "考评 Kaoping", width=240, height=90)
        ws.column_dimensions[cell.column_letter].width = {"意见建议": 40, "办件编号": 22}.get(
            header, max(12, len(header) * 2 + 4))
    ws.freeze_panes = "A2"
    letter = {header: ws.cell(row=1, column=col).column_letter for col, (_k, header, _r, _n) in enumerate(COLUMNS, 1)}
    last = MAX_ROWS + 1
    levels = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True,
                            showErrorMessage=True, errorTitle="评价等级", error="请填写 1–5 的整数（5 为非常满意）。")
    levels.add(f"{letter['评价等级']}2:{letter['评价等级']}{last}")
    for header in ITEM_HEADERS:
        levels.add(f"{letter[header]}2:{letter[header]}{last}")
    labels = [str(RatingChannel(c).label) for c in (RatingChannel.HOTLINE, RatingChannel.SMS, RatingChannel.PAPER)]
    channels = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle="评价渠道", error="请从下拉列表中选择：热线、短信或纸质评价表。")
    channels.add(f"{letter['评价渠道']}2:{letter['评价渠道']}{last}")
    ws.add_data_validation(levels)
    ws.add_data_validation(channels)
    notes = wb.create_sheet("说明")
    for line in _instructions():
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _instructions() -> list[str]:
    return [
        "热线、短信、纸质评价表收集的“好差评”批量导入",
        "",
        "在工作表「评价」中每行填写一笔办件的评价：办件编号、评价等级（1–5）、评价渠道必填，其余选填。",
        "评价等级：5 非常满意，4 满意，3 基本满意，2 不满意，1 非常不满意（也可直接填写等级名称）。",
        f"现场办件的分项：{'、'.join(ONSITE_ITEMS.values())}；网上办件的分项：{'、'.join(ONLINE_ITEMS.values())}。",
        f"问题标签可填：{'、'.join(PROBLEM_TAGS.values())}，多个用顿号分隔。",
        "评价人手机号选填；差评（1、2 级）会自动立案，实名评价须回访。",
        "",
        "每件办件只能评价一次；办件须已导入本系统，且仍在可评价期限内。",
        "上传后系统先逐行检查并列出全部错误；全部无误后确认导入，所有行一次写入，任何一行失败则全部不写入。",
        f"单个文件不超过 {MAX_UPLOAD_BYTES // 2**20} MB、{MAX_ROWS} 行。",
        "",
        "示例：BJ2025060300001 | 2 | 热线 | 服务态度 2 | 等待时间长、材料繁琐 | 排队一个多小时 | 13800138000",
    ]
