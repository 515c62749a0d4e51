"""The tables the ledger covers and how one of their rows is reduced to a digest.

A row is encoded as one line of PostgreSQL's ``COPY`` text format, its concrete fields
in model order, the primary key first, separated by tabs: ``\\N`` for NULL, integers in
decimal, floats as Python's shortest exact ``repr``, booleans ``t``/``f``, text with
backslash, tab, newline and carriage return escaped, dates ISO 8601, date-times ISO
8601 in UTC with microseconds, JSON fields as canonical JSON (escaped like text). The
encoding is unambiguous, and for the bulk tables it is the very line the importer sends
to ``COPY``. The row digest is ``SHA-256(0x00 || table key || 0x1e || line)``. Every
column is covered, so a column added to a covered model later is covered too.

Writers and ``verify`` use the very same functions, so a digest the ledger recorded at
write time matches the row read back unless the row changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.db import connection, models

#: key → (model label, name for people). Order matters: ``verify`` reports in this order.
COVERED: dict[str, tuple[str, str]] = {
    "indicator_node": ("indicators.IndicatorNode", "指标"),
    "ahp_judgement": ("indicators.AHPJudgement", "层次分析判断"),
    "campaign": ("campaigns.Campaign", "考评活动"),
    "campaign_unit": ("campaigns.CampaignUnit", "考评对象"),
    "group": ("campaigns.EvaluatorGroup", "评价组"),
    "rater": ("campaigns.Rater", "评价人"),
    "conflict": ("campaigns.Conflict", "利益冲突申报"),
    "weight_override": ("campaigns.WeightOverride", "权重调整"),
    "history": ("campaigns.HistoryEntry", "往期结果"),
    "assignment": ("campaigns.Assignment", "评价分配"),
    "score": ("campaigns.Score", "评分"),
    "sheet_submission": ("collection.SheetSubmission", "已提交评分表"),
    "measure": ("campaigns.Measure", "采集数据"),
    "measure_check": ("collection.MeasureCheck", "数据核查"),
    "adjustment": ("campaigns.Adjustment", "加减分"),
    "veto": ("campaigns.Veto", "一票否决"),
    "snapshot": ("campaigns.ResultSnapshot", "结果快照"),
    "alert": ("alerts.Alert", "预警"),
    "alert_event": ("alerts.AlertEvent", "预警处理记录"),
    "sheet_exclusion": ("alerts.SheetExclusion", "评分表剔除"),
    "rating": ("ratings.Rating", "好差评"),
    "rating_case": ("ratings.BadRatingCase", "差评整改"),
    "rating_appeal": ("ratings.Appeal", "差评申诉"),
    "publication": ("reports.Publication", "结果发布"),
}

_SIMPLE = (
    models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField,
    models.PositiveIntegerField, models.PositiveSmallIntegerField, models.SmallIntegerField,
    models.FloatField, models.CharField, models.TextField, models.BooleanField, models.ForeignKey,
)
NULL = "\\N"


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text, no NaN: one text for one value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def escape(text: str) -> str:
    """Text as a field of COPY's text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _other(value: Any) -> str:
    """Dates, date-times and JSON values (the fields that are not plain numbers or text)."""
    if value is None:
        return NULL
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return escape(canonical_json(value))


def _field_expr(field: models.Field, i: int) -> str:
    v = f"r[{i}]"
    if isinstance(field, models.FloatField):
        return f"{{NULL if {v} is None else repr(float({v}))}}"
    if isinstance(field, models.BooleanField):
        return f"{{NULL if {v} is None else ('t' if {v} else 'f')}}"
    if isinstance(field, models.ForeignKey | models.IntegerField | models.AutoField | models.BigAutoField):
        return f"{{NULL if {v} is None else int({v})}}" if field.null else f"{{{v}}}"
    if isinstance(field, models.CharField | models.TextField) and not isinstance(field, models.JSONField):
        return f"{{NULL if {v} is None else escape({v})}}"
    return f"{{other({v})}}"


def _encoder(fields: Sequence[models.Field]) -> Callable[[Sequence[Any]], str]:
    body = "\\t".join(_field_expr(f, i) for i, f in enumerate(fields))
    namespace = {"NULL": NULL, "escape": escape, "other": _other}
    return eval(f'lambda r: f"{body}"', namespace)  # noqa: S307 - built from field types only


@dataclass(frozen=True)
class Table:
    key: str
    model: type[models.Model]
    name: str
    #: attribute names of the concrete fields, primary key first
    attnames: tuple[str, ...]
    columns: tuple[str, ...]
    #: one row (values in ``attnames`` order) → its line (see the module notes)
    encode: Callable[[Sequence[Any]], str]
    #: every field is a number or text: rows may be read with plain SQL (fast)
    simple: bool
    prefix: bytes

    def digest(self, row: Sequence[Any]) -> bytes:
        """Full SHA-256 digest of one row given as values in ``attnames`` order."""
        return hashlib.sha256(self.prefix + self.encode(row).encode()).digest()

    def line_digest(self, line: str) -> bytes:
        return hashlib.sha256(self.prefix + line.encode()).digest()

    def rows(self, ids: Iterable[int] | None = None) -> Iterator[tuple[Any, ...]]:
        """Current rows (all, or those with the given ids), ordered by primary key."""
        if self.simple:
            sql = (f"SELECT {', '.join(connection.ops.quote_name(c) for c in self.columns)} "
                   f"FROM {connection.ops.quote_name(self.model._meta.db_table)}")
            with connection.cursor() as cursor:
                if ids is None:
                    cursor.execute(sql + f" ORDER BY {connection.ops.quote_name(self.columns[0])}")
                    yield from cursor.fetchall()
                    return
                id_list = sorted(ids)
                for i in range(0, len(id_list), 900):
                    chunk = id_list[i:i + 900]
                    cursor.execute(
                        sql + f" WHERE {connection.ops.quote_name(self.columns[0])} IN "
                        f"({', '.join(['%s'] * len(chunk))}) ORDER BY 1", chunk,
                    )
                    yield from cursor.fetchall()
            return
        qs = self.model._default_manager.order_by("pk")
        if ids is not None:
            id_list = sorted(ids)
            for i in range(0, len(id_list), 900):
                yield from qs.filter(pk__in=id_list[i:i + 900]).values_list(*self.attnames)
            return
        yield from qs.values_list(*self.attnames).iterator(chunk_size=5000)

    def describe(self, pk: int) -> str:
        """The row for people: ``评分 #12（…）``, or just the id when it is gone."""
        obj = self.model._default_manager.filter(pk=pk).first()
        return f"{self.name} #{pk}" + (f"（{obj}）" if obj is not None else "")


@cache
def table(key: str) -> Table:
    label, name = COVERED[key]
    model = apps.get_model(label)
    fields = [f for f in model._meta.concrete_fields]
    fields.sort(key=lambda f: not f.primary_key)  # primary key first, then model order
    return Table(
        key=key, model=model, name=name,
        attnames=tuple(f.attname for f in fields), columns=tuple(f.column for f in fields),
        encode=_encoder(fields), simple=all(isinstance(f, _SIMPLE) for f in fields),
        prefix=b"\x00" + key.encode() + b"\x1e",
    )


def tables() -> list[Table]:
    return [table(key) for key in COVERED]


#: children per inner node of the hash tree
FANOUT = 16


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Root of the hash tree over ``leaves``, :data:`FANOUT` children per inner node.

    An inner node is ``SHA-256(0x01 || child digests)`` over up to 16 children (the
    last node of a level takes what is left); row digests start with 0x00, so a row
    can never pass for an inner node (RFC 6962's domain separation). A wide tree needs
    16 times fewer hashes than a binary one; an inclusion proof is one sibling list per
    level.

    Examples
    --------
    >>> merkle_root([b"a" * 32]) == b"a" * 32
    True
    """
    level = list(leaves)
    if not level:
        return hashlib.sha256(b"").digest()
    sha, join = hashlib.sha256, b"".join
    while len(level) > 1:
        level = [sha(b"\x01" + join(level[i:i + FANOUT])).digest() for i in range(0, len(level), FANOUT)]
    return level[0]


def id_ranges(ids: Sequence[int]) -> list[list[int]]:
    """``[3, 4, 5, 9]`` → ``[[3, 3], [9, 1]]`` (start, count): ids of a batch, compactly."""
    out: list[list[int]] = []
    for i in ids:
        if out and out[-1][0] + out[-1][1] == i:
            out[-1][1] += 1
        else:
            out.append([i, 1])
    return out


def expand_ranges(ranges: Sequence[Sequence[int]]) -> list[int]:
    ids: list[int] = []
    for start, count in ranges:
        ids.extend(range(start, start + count))
    return ids
