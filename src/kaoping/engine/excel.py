"""Excel form of the campaign bundle ``kaoping-bundle/1`` (CONTRACTS.md C1).

The workbook holds one sheet per list of the bundle, the form most offices fill in:

========  ==================  =====================================================
sheet     bundle key          columns
========  ==================  =====================================================
说明      (not read)          instructions and the scoring rules in brief
活动      campaign, scoring   项目 / 值 / 说明 (key-value rows)
等级      scoring.grades      等级, 最低分
评价组    groups              代码, 名称, 权重
单位      units               代码, 名称, 类型, 片区, 上级单位, ``属性:<字段>`` ...
指标      indicators          代码, 名称, 上级指标, 权重, 性质, 维度, 适用单位类型,
                              来源, 评价组, 满分, 等级, 规则类型, 方向, 下限, 目标,
                              分档, 说明 (flat; ``上级指标`` builds the tree)
权重调整  weight_overrides    匹配条件, 指标, 权重
评价人    raters              代码, 姓名, 评价组, 所在单位, 评价范围
回避      conflicts           评价人, 单位
评分      scores              评价人, 单位, 指标, 分值
数据      measures            单位, 指标, 数值
加减分    adjustments         单位, 分值, 事由
否决      vetoes              单位, 事由
往期结果  history             活动, 单位, 得分, 名次
========  ==================  =====================================================

Sheet names and headers are Chinese; the bundle's English keys are accepted too.
:func:`read_workbook` turns a workbook into the same dict as the JSON bundle plus a
locator, so that :func:`~kaoping.engine.bundle.parse_bundle` validates it and names
the sheet and row of a bad record (``工作表「评分」第 17 行``). Cells keep what they
hold: a number stays a number and text where a number belongs stays text, so that
``parse_bundle`` rejects it. Only code columns turn numbers into text (a unit coded
``101`` is the unit ``"101"`` everywhere), and dates become ISO strings.

:func:`write_workbook` is the reverse and :func:`write_template` writes the empty,
annotated workbook (``kaoping template``). This module never imports Django.
"""

from __future__ import annotations

import json
import math
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .bundle import FORMAT, MAX_BUNDLE_BYTES, Locator
from .errors import BundleError

#: Upper bound of the uncompressed size of a workbook (a guard against zip bombs).
MAX_UNCOMPRESSED_BYTES = 4 * MAX_BUNDLE_BYTES

UNIT_TYPE_LABELS = {
    "admin": "行政单位",
    "institution": "事业单位",
    "enterprise": "企业",
    "department": "部门",
    "hall": "服务大厅",
    "window": "服务窗口",
}
NATURE_LABELS = {"process": "过程性", "result": "结果性"}
SOURCE_LABELS = {"rating": "评分", "measure": "数据"}
RULE_KIND_LABELS = {
    "linear": "线性",
    "threshold": "达标",
    "bands": "分档",
    "ratio": "比率",
    "direct": "直接计分",
}
DIRECTION_LABELS = {"higher": "越高越好", "lower": "越低越好"}
#: Further spellings accepted when reading (label -> code).
_ALIASES = {
    "行政机关": "admin", "机关": "admin", "国有企业": "enterprise", "国企": "enterprise",
    "大厅": "hall", "政务服务大厅": "hall", "窗口": "window",
    "正向": "higher", "逆向": "lower", "负向": "lower",
}
#: Unit fields with a Chinese name, for the ``匹配条件`` column of 权重调整.
UNIT_FIELD_LABELS = {"code": "代码", "name": "名称", "type": "类型", "region": "片区", "parent": "上级单位"}

INSTRUCTIONS_SHEET = "说明"
_IGNORED_SHEETS = {"说明", "填写说明", "instructions", "readme"}
_ATTRIBUTE_PREFIXES = ("属性:", "属性：", "field:")


class _CellError(Exception):
    """A cell that cannot be read; the caller adds the sheet and row."""

    def __init__(self, message: str, code: str = "bad_value"):
        super().__init__(message)
        self.message = message
        self.code = code


# --------------------------------------------------------------------------- cell values


def _num_text(v: Any) -> str:
    """``3`` -> ``"3"``, ``3.0`` -> ``"3"``, ``0.95`` -> ``"0.95"`` (shortest exact form)."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def _value(v: Any) -> Any:
    """A cell as it is: text stripped (blank -> ``None``), dates as ISO strings."""
    if isinstance(v, str):
        return v.strip() or None
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time() else v.isoformat()
    if isinstance(v, date | time):
        return v.isoformat()
    return v


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _code(v: Any) -> Any:
    """A code: a number typed into the cell becomes its text (``101`` -> ``"101"``)."""
    v = _value(v)
    return _num_text(v) if _is_num(v) else v


def _codes(labels: Mapping[str, str] | None = None) -> Callable[[Any], Any]:
    """A list of codes written ``a, b, c`` (``，``、``、`` also separate)."""
    inverse = _inverse(labels) if labels else {}

    def read(v: Any) -> Any:
        v = _code(v)
        if not isinstance(v, str):
            return v
        items = [s.strip() for s in re.split(r"[,，、;；]", v) if s.strip()]
        return [inverse.get(s, s) for s in items] or None

    return read


def _inverse(labels: Mapping[str, str]) -> dict[str, str]:
    inverse = {label: code for code, label in labels.items()}
    inverse.update({a: c for a, c in _ALIASES.items() if c in labels})
    return inverse


def _enum(labels: Mapping[str, str]) -> Callable[[Any], Any]:
    """A code written as its Chinese label or as the code itself; other text is kept."""
    inverse = _inverse(labels)

    def read(v: Any) -> Any:
        v = _code(v)
        return inverse.get(v, v) if isinstance(v, str) else v

    return read


def _parse_number(text: str) -> int | float:
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    number = float(text)  # ValueError for anything else
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _read_bands(v: Any) -> Any:
    """``0.95:100;0.9:80;:60`` -> ``[{"min": 0.95, "score": 100}, ..., {"min": None, "score": 60}]``."""
    v = _value(v)
    if v is None:
        return None
    bands: list[dict[str, Any]] = []
    try:
        if not isinstance(v, str):
            raise ValueError(v)
        for part in re.split(r"[;；]", v):
            if not part.strip():
                continue
            low, sep, score = part.replace("：", ":").partition(":")
            if not sep:
                raise ValueError(part)
            bands.append({"min": _parse_number(low) if low.strip() else None,
                          "score": _parse_number(score)})
    except ValueError:
        raise _CellError(
            f"分档「{v}」格式不正确，应写作“下限:得分”并以分号分隔，如 0.95:100;0.9:80;:60"
            "（下限留空表示其余情况）", "bad_rule",
        ) from None
    return bands or None


def _read_scale(v: Any) -> Any:
    """``优:95;良:85`` -> ``{"优": 95, "良": 85}``."""
    v = _value(v)
    if v is None:
        return None
    scale: dict[str, Any] = {}
    try:
        if not isinstance(v, str):
            raise ValueError(v)
        for part in re.split(r"[;；]", v):
            if not part.strip():
                continue
            m = re.fullmatch(r"\s*(.*?)\s*[:：]\s*([^:：]*?)\s*", part)
            if m is None or not m[1]:
                raise ValueError(part)
            if m[1] in scale:
                raise _CellError(f"等级「{v}」中标签「{m[1]}」重复")
            scale[m[1]] = _parse_number(m[2])
    except ValueError:
        raise _CellError(f"等级「{v}」格式不正确，应写作“标签:分值”并以分号分隔，如 优:95;良:85;中:75") from None
    return scale or None


def _write_codes(labels: Mapping[str, str] | None = None) -> Callable[[Any], Any]:
    def write(v: Any) -> Any:
        if isinstance(v, list | tuple):
            return ", ".join(str(labels.get(s, s) if labels else s) for s in v)
        return v

    return write


def _write_enum(labels: Mapping[str, str]) -> Callable[[Any], Any]:
    return lambda v: labels.get(v, v) if isinstance(v, str) else v


def _write_bands(v: Any) -> Any:
    if not isinstance(v, list):
        return v
    parts = []
    for b in v:
        if not isinstance(b, Mapping):
            return json.dumps(v, ensure_ascii=False)
        low = b.get("min")
        parts.append(f"{'' if low is None else _num_text(low)}:{_num_text(b.get('score'))}")
    return ";".join(parts)


def _write_scale(v: Any) -> Any:
    if not isinstance(v, Mapping):
        return v
    return ";".join(f"{label}:{_num_text(score)}" for label, score in v.items())


def _identity(v: Any) -> Any:
    return v


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Column:
    """One column of a list sheet.

    ``key`` is the path of the field in the record (``("rule", "kind")`` for a nested
    one); ``read`` turns a cell into the field's value and ``write`` does the reverse.
    ``choices`` and ``minimum`` become Excel data validation in the template.
    """

    key: tuple[str, ...]
    header: str
    note: str
    width: float = 12
    required: bool = False
    read: Callable[[Any], Any] = _value
    write: Callable[[Any], Any] = _identity
    choices: tuple[str, ...] = ()
    strict: bool = True  # reject values outside ``choices`` (else only warn)
    minimum: float | None = None
    integer: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """One list sheet: its bundle section, Chinese title and columns."""

    section: str
    title: str
    note: str
    columns: tuple[Column, ...]


def _col(key: str, header: str, note: str, **kw: Any) -> Column:
    path = tuple(key.split("."))
    aliases = (path[-1],) if len(path) > 1 else ()
    return Column(path, header, note, aliases=aliases, **kw)


def _code_col(key: str, header: str, note: str, **kw: Any) -> Column:
    kw.setdefault("width", 14)
    return _col(key, header, note, read=_code, **kw)


def _enum_col(key: str, header: str, note: str, labels: Mapping[str, str], **kw: Any) -> Column:
    return _col(key, header, note, read=_enum(labels), write=_write_enum(labels),
                choices=tuple(labels.values()), **kw)


_UNIT_TYPE_NOTE = "、".join(UNIT_TYPE_LABELS.values())

SHEETS: tuple[Sheet, ...] = (
    Sheet("campaign", "活动", "活动的基本信息和计分参数：每行一项，在「值」列填写；不填的计分参数取默认值。", (
        _col("item", "项目", "参数名称，不要修改", width=18),
        _col("value", "值", "在此填写", width=24),
        _col("", "说明", "参数说明（不读取）", width=70),
    )),
    Sheet("grades", "等级", "等级划分：按顺序取第一个「最低分」不超过总分的等级；被否决的单位定为最后一个等级。"
          "整表留空则用默认的 优秀 90 / 良好 80 / 合格 70 / 不合格 0。", (
        _col("name", "等级", "等级名称，如 优秀", width=14, required=True, read=_code),
        _col("min", "最低分", "达到该等级的最低总分", width=12, required=True),
    )),
    Sheet("groups", "评价组", "评价主体分组及其权重（相对权重，不必合计 100）。", (
        _code_col("code", "代码", "评价组代码，如 superior、peer", required=True),
        _col("name", "名称", "如 上级评价、同级互评", width=18, read=_code),
        _col("weight", "权重", "相对权重，不小于 0；不填为 1；填 0 表示只收集不计分（如自评）",
             width=10, minimum=0),
    )),
    Sheet("units", "单位", "被考评单位。需要按其他字段调整权重时，可增加列名为「属性:字段名」的列。", (
        _code_col("code", "代码", "单位代码，唯一", required=True),
        _col("name", "名称", "单位全称", width=24, read=_code),
        _enum_col("type", "类型", "单位类型，也可填其他类型", UNIT_TYPE_LABELS,
                  width=12, strict=False),
        _code_col("region", "片区", "所在片区，如 east、west，或任意标签"),
        _code_col("parent", "上级单位", "上级单位的代码（须在本表中）"),
    )),
    Sheet("indicators", "指标", "指标体系：每行一个指标，「上级指标」填上级的代码，顶层留空；"
          "同一上级下的指标按行的先后排列。没有下级的指标为末级指标，按「来源」计分。", (
        _code_col("code", "代码", "指标代码，唯一，如 A1", required=True),
        _col("name", "名称", "指标名称", width=20, read=_code),
        _code_col("parent", "上级指标", "上级指标的代码；顶层指标留空"),
        _col("weight", "权重", "在同级指标中的相对权重，不小于 0；不填为 1", width=8, minimum=0),
        _enum_col("nature", "性质", "过程性 或 结果性（用于政策检查）", NATURE_LABELS, width=10),
        _col("dimensions", "维度", "维度标签，多个用逗号分隔，如 客户,内部流程", width=14,
             read=_codes(), write=_write_codes()),
        _col("applies_to", "适用单位类型", f"只适用于这些单位类型（{_UNIT_TYPE_NOTE}），多个用逗号分隔；"
             "留空表示适用于全部", width=16, read=_codes(UNIT_TYPE_LABELS),
             write=_write_codes(UNIT_TYPE_LABELS)),
        _enum_col("source", "来源", "末级指标的分数来源：评分（由评价人打分）或 数据（按规则由数据计算）；"
                  "不填为 评分", SOURCE_LABELS, width=8),
        _col("rated_by", "评价组", "评分指标：由哪些评价组打分，填评价组代码，多个用逗号分隔；留空表示全部评价组",
             width=16, read=_codes(), write=_write_codes()),
        _col("full", "满分", "评分指标的满分，大于 0；不填为 100", width=8, minimum=0),
        _col("scale", "等级", "评分指标可按等级打分：标签:分值，分号分隔，如 优:95;良:85;中:75;差:60",
             width=22, read=_read_scale, write=_write_scale),
        _enum_col("rule.kind", "规则类型", "数据指标的计分规则：线性、达标、分档、比率、直接计分", RULE_KIND_LABELS,
                  width=10),
        _enum_col("rule.direction", "方向", "越高越好 或 越低越好；不填为 越高越好", DIRECTION_LABELS, width=10),
        _col("rule.floor", "下限", "线性规则的最差值（0 分处；越低越好时为较大的数）", width=8),
        _col("rule.target", "目标", "线性规则的最优值（100 分处）；达标规则的达标值", width=8),
        _col("rule.bands", "分档", "分档规则：下限:得分，分号分隔，按顺序取第一个下限不超过数值的档，"
             "下限留空表示其余情况，如 0.95:100;0.9:80;:60", width=22, read=_read_bands, write=_write_bands),
        _col("description", "说明", "指标说明、评分标准（可选）", width=30, read=_code),
    )),
    Sheet("weight_overrides", "权重调整", "按单位类型、片区等调整指标权重：「匹配条件」相同的连续各行为一条调整，"
          "后面的调整优先。", (
        _col("match", "匹配条件", "字段=值，多个条件用分号分隔，如 片区=west;类型=事业单位；留空表示全部单位",
             width=28, read=_code),
        _code_col("indicator", "指标", "要调整权重的指标代码", required=True),
        _col("weight", "权重", "调整后的相对权重，不小于 0", width=10, minimum=0, required=True),
    )),
    Sheet("raters", "评价人", "评价人及其所属评价组。", (
        _code_col("code", "代码", "评价人代码，唯一", required=True),
        _col("name", "姓名", "评价人姓名（可选）", width=12, read=_code),
        _code_col("group", "评价组", "评价组代码（须在「评价组」表中）", required=True),
        _code_col("unit", "所在单位", "评价人所在单位的代码；对本单位的评分不计入"),
        _col("remit", "评价范围", "评价人应当了解的单位代码，多个用逗号分隔（可选）", width=20,
             read=_codes(), write=_write_codes()),
    )),
    Sheet("conflicts", "回避", "评价人须回避的单位：这些评分不计入并提示。", (
        _code_col("rater", "评价人", "评价人代码", required=True),
        _code_col("unit", "单位", "须回避的单位代码", required=True),
    )),
    Sheet("scores", "评分", "评价人对单位末级评分指标的打分，每行一个分值。", (
        _code_col("rater", "评价人", "评价人代码", required=True),
        _code_col("unit", "单位", "被评单位代码", required=True),
        _code_col("indicator", "指标", "末级评分指标的代码", required=True),
        _col("value", "分值", "0 到满分之间的数值，或该指标等级表中的标签（如 优）", width=10, required=True),
    )),
    Sheet("measures", "数据", "单位在末级数据指标上的数值，按指标的规则计分。", (
        _code_col("unit", "单位", "单位代码", required=True),
        _code_col("indicator", "指标", "末级数据指标的代码", required=True),
        _col("value", "数值", "数值，如办结率填 0.93", width=10, required=True),
    )),
    Sheet("adjustments", "加减分", "加分（正数）和减分（负数）；加分合计不超过「活动」表中的加分上限。", (
        _code_col("unit", "单位", "单位代码", required=True),
        _col("points", "分值", "加分填正数，减分填负数", width=10, required=True),
        _col("reason", "事由", "加减分事由", width=36, read=_code),
    )),
    Sheet("vetoes", "否决", "一票否决：被否决的单位定为最后一个等级，排在所有单位之后。", (
        _code_col("unit", "单位", "单位代码", required=True),
        _col("reason", "事由", "否决事由", width=36, read=_code),
    )),
    Sheet("history", "往期结果", "往期考评结果，用于与上期比较：按活动分组，最后出现的活动为上期。", (
        _code_col("campaign", "活动", "往期活动代码", required=True),
        _code_col("unit", "单位", "单位代码", required=True),
        _col("score", "得分", "该单位往期总分", width=10, required=True),
        _col("rank", "名次", "往期名次（整数，可选）", width=8, minimum=1, integer=True),
    )),
)
_BY_SECTION = {s.section: s for s in SHEETS}

#: Items of the 活动 sheet: (label, path in the bundle, note).
CAMPAIGN_ITEMS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("活动代码", ("campaign", "code"), "必填。活动的唯一代码，如 2026Q3"),
    ("活动名称", ("campaign", "name"), "如 2026年第三季度单位互评"),
    ("开始日期", ("campaign", "period_start"), "考评期开始日期，如 2026-07-01"),
    ("结束日期", ("campaign", "period_end"), "考评期结束日期，如 2026-09-30"),
    ("去极值最少人数", ("scoring", "trim", "min_count"),
     "某评价组对某单位某指标的评分人数达到此数时，去掉最高分和最低分后再平均；默认 5"),
    ("去掉最高分个数", ("scoring", "trim", "drop_high"), "去极值时去掉的最高分个数；默认 1"),
    ("去掉最低分个数", ("scoring", "trim", "drop_low"), "去极值时去掉的最低分个数；默认 1"),
    ("加分上限", ("scoring", "bonus_cap"), "加分合计的上限；不填表示不设上限"),
    ("波动预警比例", ("scoring", "fluctuation_threshold"),
     "总分与上期得分之差超过上期得分的该比例时预警；默认 0.2"),
    ("低分预警线", ("scoring", "low_score_threshold"), "本期总分和上期得分都低于此分时预警；默认 80"),
    ("过程性权重下限", ("scoring", "policy", "process_min"), "政策检查：过程性指标权重占比的下限，如 0.4；不填不检查"),
    ("过程性权重上限", ("scoring", "policy", "process_max"), "政策检查：过程性指标权重占比的上限，如 0.2；不填不检查"),
    ("结果性权重下限", ("scoring", "policy", "result_min"), "政策检查：结果性指标权重占比的下限；不填不检查"),
    ("结果性权重上限", ("scoring", "policy", "result_max"), "政策检查：结果性指标权重占比的上限，如 0.6；不填不检查"),
)
_TRIM_INTEGERS = {"min_count", "drop_high", "drop_low"}

#: C1 defaults, filled into the template so that offices see what applies.
TEMPLATE_SCORING: dict[str, Any] = {
    "trim": {"min_count": 5, "drop_high": 1, "drop_low": 1},
    "grades": [{"name": "优秀", "min": 90}, {"name": "良好", "min": 80},
               {"name": "合格", "min": 70}, {"name": "不合格", "min": 0}],
    "fluctuation_threshold": 0.2,
    "low_score_threshold": 80,
}

SCORING_NOTES = (
    "权重：同级指标、评价组的权重都是相对权重，不必合计 100，未填为 1；"
    "指标可用「适用单位类型」限定适用范围，可用「权重调整」按片区、类型等改变权重。",
    "评分指标：分值在 0 到满分之间（或为等级标签），折算为百分制；评价人对本单位、"
    "对「回避」表中单位的评分不计入。每个评价组先求平均：评分人数达到「去极值最少人数」时"
    "去掉最高分和最低分再平均；再按评价组权重加权，没有评分的评价组不参与，其余权重重新归一。",
    "数据指标：线性 = 100 ×（数值 − 下限）/（目标 − 下限），限定在 0～100；达标 = 数值达到目标得 100，否则 0；"
    "分档 = 按顺序取第一个下限不超过数值的档的得分；比率 = 100 × 数值（限定在 0～100）；直接计分 = 数值本身（0～100）。"
    "方向为 越低越好 时，下限为最差（较大）的值。",
    "缺少数据：适用但没有分数的指标不计分，同级其余指标的权重重新归一，并提示“数据缺失”。",
    "汇总：上级指标得分为下级指标得分的加权平均；总分 = 基础分 + 加分（不超过加分上限）+ 减分，不低于 0。",
    "等级与排名：按「等级」表的顺序取第一个最低分不超过总分的等级；被否决的单位定为最后一个等级。"
    "按总分从高到低排名，保留两位小数后相同的并列，下一名次顺延；被否决的单位排在最后。",
    "与上期比较：取「往期结果」中最后出现的活动；总分变化超过上期得分 × 波动预警比例，"
    "或本期、上期都低于低分预警线时提示。",
)

GENERAL_NOTES = (
    "本工作簿是考评活动数据包（kaoping-bundle/1）的 Excel 版，每个工作表对应数据包的一个列表。",
    "每个工作表的第一行是表头（鼠标停在表头上可查看批注说明），从第二行起每行一条记录；空行会被忽略。",
    "工作表名和表头请不要修改（也可使用数据包中的英文键名）；名称以 # 开头的工作表不会被读取，可用于备注。",
    "数值请填写为数字，不要存为文本：以文本形式保存的数字（如单元格左上角有绿色三角）会被拒绝。",
    "代码以 0 开头（如 001）时，请先把单元格设为文本格式，否则 Excel 会去掉开头的 0。",
    "导入时整个文件一并检查：任何一处错误都会指出工作表和行号，且不会计算或保存任何数据。",
    "命令行：kaoping score 本文件.xlsx -o 结果.json 可直接计算考评结果。",
)


# --------------------------------------------------------------------------- locator


def _rows_text(rows: Sequence[int]) -> str:
    if len(rows) == 1:
        return f"第 {rows[0]} 行"
    if list(rows) == list(range(rows[0], rows[0] + len(rows))):
        return f"第 {rows[0]}–{rows[-1]} 行"
    shown = "、".join(str(r) for r in rows[:5])
    return f"第 {shown}{' 等' if len(rows) > 5 else ' '}行"


class SheetLocator:
    """Locator for :func:`~kaoping.engine.bundle.parse_bundle` naming a sheet and row.

    Examples
    --------
    >>> where = SheetLocator()
    >>> where.add("scores", "评分", [[2], [3], [5]])
    >>> where("scores", 2)
    '工作表「评分」第 5 行'
    >>> where("units", 0)
    'units[0]'
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, list[list[int]]]] = {}

    def add(self, section: str, title: str, rows: list[list[int]]) -> None:
        """Record that record ``i`` of ``section`` comes from ``rows[i]`` of sheet ``title``."""
        self._entries[section] = (title, rows)

    def __call__(self, section: str, index: int | None) -> str:
        entry = self._entries.get(section)
        if index is None:  # a whole section: name its sheet (scoring settings live on 活动)
            root = "campaign" if section.split(".")[0] in ("campaign", "scoring") else section
            found = self._entries.get(section) or self._entries.get(root)
            return f"工作表「{found[0]}」（{section}）" if found else section
        if entry is None or not 0 <= index < len(entry[1]) or not entry[1][index]:
            return f"{section}[{index}]"
        return f"工作表「{entry[0]}」{_rows_text(entry[1][index])}"


def _where(title: str, row: int) -> str:
    return f"工作表「{title}」第 {row} 行"


# --------------------------------------------------------------------------- reading


@dataclass
class _Table:
    title: str
    rows: list[tuple[int, dict[str, Any]]]


def read_workbook(path: str | Path) -> tuple[dict[str, Any], Locator]:
    """Read an Excel bundle into the JSON bundle's structure and a locator.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` workbook in the layout of :func:`write_template`.

    Returns
    -------
    data : dict
        The bundle, as :func:`~kaoping.engine.bundle.parse_bundle` expects it.
    where : callable
        ``(section, index) -> "工作表「评分」第 17 行"`` for error messages.

    Raises
    ------
    BundleError
        When the file is not a readable workbook or has an error only a workbook can
        have (unknown sheet or column, a parent indicator that does not exist or a
        cycle, a malformed 分档/等级/匹配条件 cell); the message names sheet and row.

    Examples
    --------
    >>> from kaoping.engine.bundle import parse_bundle
    >>> data, where = read_workbook("examples/templates/efficiency-2026-10.xlsx")  # doctest: +SKIP
    >>> bundle = parse_bundle(data, where=where)  # doctest: +SKIP
    """
    p = Path(path)
    _check_file(p)
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about unsupported Excel extensions
        try:
            wb = load_workbook(p, read_only=True, data_only=True)
        except Exception as exc:
            raise BundleError(f"无法读取 Excel 文件 {p.name}，文件可能已损坏：{exc}", code="malformed") from None
        try:
            tables = _read_tables(wb)
        finally:
            wb.close()
    return _assemble(tables)


def _check_file(p: Path) -> None:
    if not p.is_file():
        raise BundleError(f"文件不存在：{p}", code="file_not_found")
    if p.stat().st_size > MAX_BUNDLE_BYTES:
        raise BundleError(
            f"文件过大（{p.stat().st_size / 2**20:.0f} MB，上限 {MAX_BUNDLE_BYTES / 2**20:.0f} MB）",
            code="too_large",
        )
    try:
        with zipfile.ZipFile(p) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BundleError(
            f"{p.name} 不是有效的 Excel 工作簿（.xlsx）；旧版 .xls 或加密的文件请在 Excel 中另存为 .xlsx",
            code="malformed",
        ) from None
    if not any(info.filename == "xl/workbook.xml" for info in infos):
        raise BundleError(f"{p.name} 不是 Excel 工作簿（.xlsx）", code="malformed")
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
        raise BundleError(f"{p.name} 解压后过大，拒绝读取", code="too_large")


def _section_of(title: str) -> str | None:
    """The bundle section of a sheet title; ``""`` for a sheet that is not read."""
    name = title.strip()
    if name.lower() in _IGNORED_SHEETS or name.startswith(("#", "＃")):
        return ""
    for sheet in SHEETS:
        if name == sheet.title or name.lower() == sheet.section:
            return sheet.section
    return None


def _read_tables(wb: Any) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    for ws in wb.worksheets:
        section = _section_of(ws.title)
        if section is None:
            known = "、".join(s.title for s in SHEETS)
            raise BundleError(
                f"未知的工作表「{ws.title}」（可用：{known}；名称以 # 开头的工作表不读取）",
                code="unknown_sheet", location=f"工作表「{ws.title}」",
            )
        if not section:
            continue
        if section in tables:
            raise BundleError(
                f"工作表「{ws.title}」与「{tables[section].title}」重复", code="duplicate_sheet",
                location=f"工作表「{ws.title}」",
            )
        tables[section] = _Table(ws.title, _read_sheet(ws, _BY_SECTION[section]))
    return tables


def _iter_rows(ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    ws.reset_dimensions()  # trust the cells, not the dimension the writer recorded
    try:
        yield from enumerate(ws.iter_rows(values_only=True), 1)
    except Exception as exc:
        raise BundleError(f"工作表「{ws.title}」已损坏，无法读取：{exc}", code="malformed") from None


def _header_column(sheet: Sheet, header: str) -> Column | None:
    for col in sheet.columns:
        if header in (col.header, ".".join(col.key), *col.aliases):
            return col
    if sheet.section == "units":
        for prefix in _ATTRIBUTE_PREFIXES:
            if header.startswith(prefix) and header[len(prefix):].strip():
                return Column((header[len(prefix):].strip(),), header, "")
    return None


def _read_sheet(ws: Any, sheet: Sheet) -> list[tuple[int, dict[str, Any]]]:
    title = ws.title
    rows: list[tuple[int, dict[str, Any]]] = []
    columns: list[tuple[int, Column]] | None = None
    for row_no, values in _iter_rows(ws):
        if columns is None:
            if any(_value(v) is not None for v in values):
                columns = _read_header(sheet, title, row_no, values)
            continue
        record: dict[str, Any] = {}
        for i, col in columns:
            if i >= len(values) or values[i] is None:
                continue
            try:
                value = col.read(values[i])
            except _CellError as exc:
                raise BundleError(exc.message, code=exc.code, location=_where(title, row_no)) from None
            if value is not None:
                _put(record, col.key, value)
        if record:
            rows.append((row_no, record))
    return rows


def _read_header(sheet: Sheet, title: str, row_no: int, values: Sequence[Any]) -> list[tuple[int, Column]]:
    columns: list[tuple[int, Column]] = []
    seen: dict[tuple[str, ...], str] = {}
    for i, v in enumerate(values):
        header = _code(v)
        if header is None:
            continue
        header = str(header)
        col = _header_column(sheet, header)
        if col is None:
            known = "、".join(c.header for c in sheet.columns)
            extra = "；单位的其他字段请用「属性:字段名」作列名" if sheet.section == "units" else ""
            raise BundleError(
                f"未知的列「{header}」（可用：{known}{extra}）", code="unknown_column",
                location=_where(title, row_no),
            )
        if not col.key[0]:
            continue  # a column of notes
        if col.key in seen:
            raise BundleError(
                f"列「{header}」与「{seen[col.key]}」重复", code="duplicate_column",
                location=_where(title, row_no),
            )
        seen[col.key] = header
        columns.append((i, col))
    return columns


def _put(record: dict[str, Any], key: tuple[str, ...], value: Any) -> None:
    for part in key[:-1]:
        record = record.setdefault(part, {})
        if not isinstance(record, dict):
            raise _CellError(f"「{part}」已有取值，不能再填写其下的「{'.'.join(key)}」", "duplicate_item")
    if isinstance(record.get(key[-1]), dict):
        raise _CellError(f"「{'.'.join(key)}」与其下的项目冲突", "duplicate_item")
    record[key[-1]] = value


def _get(record: Mapping[str, Any], key: Sequence[str]) -> Any:
    value: Any = record
    for part in key:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _assemble(tables: dict[str, _Table]) -> tuple[dict[str, Any], Locator]:
    where = SheetLocator()
    data: dict[str, Any] = {"format": FORMAT}
    campaign, scoring = _read_campaign(tables.get("campaign"))
    if campaign.get("code") is None:
        title = tables["campaign"].title if "campaign" in tables else "活动"
        raise BundleError("没有填写活动代码", code="missing_field", location=f"工作表「{title}」")
    data["campaign"] = campaign
    data["scoring"] = scoring
    grades = tables.get("grades")
    if grades is not None and grades.rows:
        scoring["grades"] = [rec for _, rec in grades.rows]
        where.add("scoring.grades", grades.title, [[n] for n, _ in grades.rows])
    for section in ("groups", "units", "raters", "conflicts", "scores", "measures", "adjustments", "vetoes"):
        table = tables.get(section)
        data[section] = [rec for _, rec in table.rows] if table else []
        if table:
            where.add(section, table.title, [[n] for n, _ in table.rows])
    data["indicators"] = _read_indicators(tables.get("indicators"), where)
    data["weight_overrides"] = _read_overrides(tables.get("weight_overrides"), data["units"], where)
    data["history"] = _read_history(tables.get("history"), where)
    return data, where


def _campaign_item(label: str) -> tuple[str, ...] | None:
    for name, path, _ in CAMPAIGN_ITEMS:
        tail = ".".join(path[1:])
        if label in (name, tail, ".".join(path), path[-1]):
            return path
    if label.startswith(("scoring.", "campaign.")) and label.partition(".")[2]:
        head, _, rest = label.partition(".")
        return (head, *rest.split(".")) if head == "scoring" else (head, rest)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", label):
        return ("campaign", label)
    return None


def _read_campaign(table: _Table | None) -> tuple[dict[str, Any], dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {"campaign": {}, "scoring": {}}
    if table is None:
        return out["campaign"], out["scoring"]
    seen: dict[tuple[str, ...], int] = {}
    for row_no, rec in table.rows:
        label, value = rec.get("item"), rec.get("value")
        if label is None:
            raise BundleError("「项目」列为空，不知道「值」属于哪一项", code="missing_field",
                              location=_where(table.title, row_no))
        path = _campaign_item(str(label))
        if path is None:
            known = "、".join(name for name, _, _ in CAMPAIGN_ITEMS)
            raise BundleError(f"未知的项目「{label}」（可用：{known}）", code="unknown_item",
                              location=_where(table.title, row_no))
        if path in seen:
            raise BundleError(f"项目「{label}」重复（与第 {seen[path]} 行相同）", code="duplicate_item",
                              location=_where(table.title, row_no))
        seen[path] = row_no
        if value is None:
            continue
        if path in (("campaign", "code"), ("campaign", "name")):
            value = _code(value)
        try:
            _put(out[path[0]], path[1:], value)
        except _CellError as exc:
            raise BundleError(exc.message, code=exc.code, location=_where(table.title, row_no)) from None
    return out["campaign"], out["scoring"]


def _read_indicators(table: _Table | None, where: SheetLocator) -> list[dict[str, Any]]:
    """The flat 指标 sheet -> the nested ``indicators`` tree, rows in pre-order for ``where``."""
    if table is None:
        return []
    title = table.title
    by_code: dict[str, tuple[int, dict[str, Any]]] = {}
    for row_no, rec in table.rows:
        code = rec.get("code")
        if isinstance(code, str):
            if code in by_code:
                raise BundleError(f"指标代码 {code} 重复（与第 {by_code[code][0]} 行相同）",
                                  code="duplicate_code", location=_where(title, row_no))
            by_code[code] = (row_no, rec)
    children: dict[str | None, list[tuple[int, dict[str, Any]]]] = {}
    parents: dict[int, str | None] = {}
    for row_no, rec in table.rows:
        parent = rec.pop("parent", None)
        if parent is not None and parent not in by_code:
            raise BundleError(f"指标 {rec.get('code')} 的上级指标 {parent} 不存在",
                              code="unknown_indicator", location=_where(title, row_no))
        parents[row_no] = parent
        children.setdefault(parent, []).append((row_no, rec))

    order: list[list[int]] = []

    def build(row_no: int, rec: dict[str, Any]) -> dict[str, Any]:
        order.append([row_no])
        kids = children.get(rec.get("code")) if isinstance(rec.get("code"), str) else None
        if kids:
            rec["children"] = [build(n, r) for n, r in kids]
        return rec

    tree = [build(n, r) for n, r in children.get(None, [])]
    if len(order) < len(table.rows):  # rows not reachable from the top: a cycle
        reached = {rows[0] for rows in order}
        row_no, rec = next((n, r) for n, r in table.rows if n not in reached)
        chain = [str(rec.get("code"))]
        node = parents[row_no]
        while node is not None and node not in chain:
            chain.append(node)
            node = parents[by_code[node][0]]
        chain.append(str(node))
        raise BundleError(f"上级指标形成循环：{' → '.join(chain)}", code="indicator_cycle",
                          location=_where(title, row_no))
    where.add("indicators", title, order)
    return tree


def _match_text(match: Mapping[str, Any]) -> str:
    parts = []
    for key, value in match.items():
        if key == "type":
            value = UNIT_TYPE_LABELS.get(value, value)
        text = _num_text(value) if _is_num(value) else str(value)
        parts.append(f"{UNIT_FIELD_LABELS.get(key, key)}={text}")
    return ";".join(parts)


def _read_match(text: Any, units: list[dict[str, Any]]) -> dict[str, Any]:
    """``片区=west;类型=事业单位`` -> ``{"region": "west", "type": "institution"}``.

    A value is taken as the unit field it names: ``级别=2`` matches units whose
    ``级别`` is the number 2.
    """
    if text is None:
        return {}
    text = _num_text(text) if _is_num(text) else str(text)
    field_of = {label: key for key, label in UNIT_FIELD_LABELS.items()}
    type_of = _inverse(UNIT_TYPE_LABELS)
    match: dict[str, Any] = {}
    for part in re.split(r"[;；]", text):
        if not part.strip():
            continue
        key, sep, value = part.replace("＝", "=").partition("=")
        key, value = key.strip(), value.strip()
        for prefix in _ATTRIBUTE_PREFIXES:
            key = key.removeprefix(prefix)
        key = field_of.get(key, key)
        if not sep or not key or not value:
            raise _CellError(f"匹配条件「{text}」格式不正确，应写作“字段=值”并以分号分隔，如 片区=west;类型=事业单位")
        if key in match:
            raise _CellError(f"匹配条件「{text}」中字段 {key} 重复")
        if key == "type":
            value = type_of.get(value, value)
        typed: Any = value
        for unit in units:
            field = unit.get(key)
            if field is not None and (_num_text(field) if _is_num(field) else str(field)) == value:
                typed = field
                break
        match[key] = typed
    return match


def _read_overrides(table: _Table | None, units: list[dict[str, Any]], where: SheetLocator) -> list[Any]:
    """Consecutive rows with the same 匹配条件 make one override."""
    if table is None:
        return []
    overrides: list[dict[str, Any]] = []
    rows: list[list[int]] = []
    previous: Any = object()
    for row_no, rec in table.rows:
        try:
            match = _read_match(rec.get("match"), units)
        except _CellError as exc:
            raise BundleError(exc.message, code=exc.code, location=_where(table.title, row_no)) from None
        indicator, weight = rec.get("indicator"), rec.get("weight")
        if indicator is None or weight is None:
            missing = "指标" if indicator is None else "权重"
            raise BundleError(f"缺少{missing}", code="missing_field", location=_where(table.title, row_no))
        if match != previous:
            overrides.append({"match": match, "weights": {}})
            rows.append([])
            previous = match
        overrides[-1]["weights"][indicator] = weight
        rows[-1].append(row_no)
    where.add("weight_overrides", table.title, rows)
    return overrides


def _read_history(table: _Table | None, where: SheetLocator) -> list[Any]:
    """Result rows grouped by campaign, in order of first appearance."""
    if table is None:
        return []
    entries: dict[Any, tuple[dict[str, Any], list[int], list[int]]] = {}
    for row_no, rec in table.rows:
        campaign = rec.pop("campaign", None)
        if campaign not in entries:
            entry: dict[str, Any] = {"results": []}
            if campaign is not None:
                entry["campaign"] = campaign
            entries[campaign] = (entry, [], [])
        entry, group_rows, result_rows = entries[campaign]
        group_rows.append(row_no)
        if rec:  # a row with only the campaign declares a period without results
            entry["results"].append(rec)
            result_rows.append(row_no)
    history = []
    for i, (entry, _, result_rows) in enumerate(entries.values()):
        history.append(entry)
        where.add(f"history[{i}].results", table.title, [[n] for n in result_rows])
    where.add("history", table.title, [g for _, g, _ in entries.values()])
    return history


# --------------------------------------------------------------------------- writing


def write_template(path: str | Path) -> Path:
    """Write the empty, annotated workbook offices fill in.

    Every list sheet has bold Chinese headers with a comment explaining the column,
    a frozen header row and drop-down lists or range checks where the values are
    fixed; the 说明 sheet explains the sheets and the scoring rules. The scoring
    parameters and grades are filled with the C1 defaults.

    Examples
    --------
    >>> write_template("/tmp/kaoping-template.xlsx")  # doctest: +SKIP
    PosixPath('/tmp/kaoping-template.xlsx')
    """
    return write_workbook({"format": FORMAT, "campaign": {}, "scoring": TEMPLATE_SCORING}, path)


def write_workbook(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write a bundle (the JSON structure) as an Excel workbook.

    The reverse of :func:`read_workbook`: reading the file back gives a bundle that
    :func:`~kaoping.engine.bundle.parse_bundle` treats identically. The file is
    written to a temporary name first and renamed, so a reader never sees half of it.

    Parameters
    ----------
    data : mapping
        A bundle as decoded from JSON (not validated here).
    path : str or Path
        Where to write the ``.xlsx``.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> bundle = {"format": "kaoping-bundle/1", "campaign": {"code": "C1"},
    ...           "units": [{"code": "U1", "name": "市教育局", "type": "admin"}]}
    >>> read_workbook(write_workbook(bundle, "/tmp/c1.xlsx"))[0]["units"]  # doctest: +SKIP
    [{'code': 'U1', 'name': '市教育局', 'type': 'admin'}]
    """
    from openpyxl import Workbook

    target = Path(path)
    wb = Workbook(write_only=True)
    _write_instructions(wb)
    for sheet in SHEETS:
        columns = list(sheet.columns)
        if sheet.section == "units":
            columns += _attribute_columns(data.get("units") or [])
        _write_sheet(wb, sheet, columns, _sheet_rows(sheet.section, data, columns))
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        wb.save(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _attribute_columns(units: list[Any]) -> list[Column]:
    """Further scalar fields of units (used by ``weight_overrides``) as ``属性:字段`` columns."""
    standard = {c.key[0] for c in _BY_SECTION["units"].columns}
    extra: list[str] = []
    for unit in units:
        if isinstance(unit, Mapping):
            extra += [k for k, v in unit.items() if k not in standard and k not in extra and _is_scalar(v)]
    note = "单位的其他字段，可在「权重调整」的匹配条件中使用"
    return [Column((k,), f"属性:{k}", note, write=_scalar) for k in extra]


def _is_scalar(v: Any) -> bool:
    return isinstance(v, str | int | float) and not isinstance(v, bool)


def _scalar(v: Any) -> Any:
    return v if _is_scalar(v) else None


def _flatten(nodes: Any, parent: Any) -> Iterator[dict[str, Any]]:
    for node in nodes or []:
        if not isinstance(node, Mapping):
            continue
        rec = {k: v for k, v in node.items() if k != "children"}
        rec["parent"] = parent
        yield rec
        yield from _flatten(node.get("children"), node.get("code"))


def _sheet_rows(section: str, data: Mapping[str, Any], columns: list[Column]) -> Iterator[list[Any]]:
    scoring = data.get("scoring") or {}
    records: Any
    if section == "campaign":
        yield from _campaign_rows(data)
        return
    if section == "grades":
        records = scoring.get("grades") or []
    elif section == "indicators":
        records = _flatten(data.get("indicators"), None)
    elif section == "weight_overrides":
        records = (
            {"match": _match_text(o.get("match") or {}), "indicator": code, "weight": w}
            for o in data.get("weight_overrides") or [] for code, w in (o.get("weights") or {}).items()
        )
    elif section == "history":
        records = (
            {"campaign": h.get("campaign"), **r}
            for h in data.get("history") or [] for r in (h.get("results") or [{}])
        )
    else:
        records = data.get(section) or []
    for rec in records:
        if isinstance(rec, Mapping):
            yield [col.write(_get(rec, col.key)) for col in columns]


def _campaign_rows(data: Mapping[str, Any]) -> Iterator[list[Any]]:
    scoring = dict(data.get("scoring") or {})
    scoring.pop("grades", None)
    sections = {"campaign": data.get("campaign") or {}, "scoring": scoring}
    known = {path for _, path, _ in CAMPAIGN_ITEMS}
    for label, path, note in CAMPAIGN_ITEMS:
        yield [label, _get(sections, path), note]
    for key, value in (data.get("campaign") or {}).items():
        if ("campaign", key) not in known:
            label = key if _campaign_item(key) == ("campaign", key) else f"campaign.{key}"
            yield [label, value, "活动的其他字段"]

    def options(prefix: tuple[str, ...], value: Any) -> Iterator[list[Any]]:
        if isinstance(value, Mapping):
            for k, v in value.items():
                yield from options((*prefix, str(k)), v)
        elif prefix not in known:
            yield [".".join(prefix), value, "计分的其他参数"]

    yield from options(("scoring",), scoring)


def _cell_value(value: Any) -> Any:
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_sheet(wb: Any, sheet: Sheet, columns: list[Column], rows: Iterator[list[Any]]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(sheet.title)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    centre = Alignment(horizontal="center", vertical="center")
    header = []
    for i, col in enumerate(columns, 1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        if col.read is not _value:  # codes and labels: keep what is typed (001 stays 001)
            ws.column_dimensions[letter].number_format = "@"
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font, cell.fill, cell.alignment = bold, fill, centre
        note = ("必填。" if col.required else "") + col.note
        if col.choices:
            note += f"（可选：{'、'.join(col.choices)}）"
        if note:
            comment = Comment(note, "考评")
            comment.width, comment.height = 240, 40 + 20 * (len(note) // 16)
            cell.comment = comment
        header.append(cell)
        _add_validation(ws, col, f"{letter}2:{letter}1048576")
    if sheet.section == "campaign":
        _add_campaign_validations(ws)
    ws.append(header)
    for row in rows:
        cells = []
        for value in row:
            value = _cell_value(value)
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # text that looks like a formula stays text
                value = cell
            cells.append(value)
        ws.append(cells)


def _add_validation(ws: Any, col: Column, cells: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv: Any = None
    if col.choices:
        dv = DataValidation(type="list", formula1=f'"{",".join(col.choices)}"', allow_blank=True,
                            errorStyle="stop" if col.strict else "warning")
        dv.error = f"请从下拉列表中选择：{'、'.join(col.choices)}"
    elif col.minimum is not None:
        dv = DataValidation(type="whole" if col.integer else "decimal", operator="greaterThanOrEqual",
                            formula1=_num_text(col.minimum), allow_blank=True)
        dv.error = f"请填写不小于 {_num_text(col.minimum)} 的{'整数' if col.integer else '数值'}"
    if dv is None:
        return
    dv.errorTitle = f"「{col.header}」填写有误"
    dv.showErrorMessage = True
    dv.add(cells)
    ws.data_validations.append(dv)


def _add_campaign_validations(ws: Any) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    for row, (label, path, _) in enumerate(CAMPAIGN_ITEMS, 2):
        if path[0] != "scoring":
            continue
        integer = path[-1] in _TRIM_INTEGERS
        dv = DataValidation(type="whole" if integer else "decimal", operator="greaterThanOrEqual",
                            formula1="0", allow_blank=True, showErrorMessage=True)
        dv.errorTitle = f"「{label}」填写有误"
        dv.error = f"请填写不小于 0 的{'整数' if integer else '数值'}"
        dv.add(f"B{row}")
        ws.data_validations.append(dv)


def _write_instructions(wb: Any) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    for letter, width in zip("ABCD", (14, 16, 8, 80), strict=True):
        ws.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")

    def text(value: str, *, bold: bool = False, size: float = 11) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        cell.font = Font(bold=bold, size=size)
        cell.alignment = wrap
        return cell

    ws.append([text("考评活动数据包（Excel 版）填写说明", bold=True, size=14)])
    ws.append([])
    ws.append([text("一、总体说明", bold=True)])
    for i, note in enumerate(GENERAL_NOTES, 1):
        ws.append([None, None, None, text(f"{i}. {note}")])
    ws.append([])
    ws.append([text("二、计分规则（简述）", bold=True)])
    for i, note in enumerate(SCORING_NOTES, 1):
        ws.append([None, None, None, text(f"{i}. {note}")])
    ws.append([])
    ws.append([text("三、各工作表及列", bold=True)])
    ws.append([text(h, bold=True) for h in ("工作表", "列", "必填", "说明")])
    for sheet in SHEETS:
        ws.append([text(sheet.title, bold=True), None, None, text(sheet.note)])
        if sheet.section == "campaign":
            for label, _, note in CAMPAIGN_ITEMS:
                ws.append([None, text(label), text("是" if label == "活动代码" else ""), text(note)])
            continue
        for col in sheet.columns:
            note = col.note + (f"（可选：{'、'.join(col.choices)}）" if col.choices else "")
            ws.append([None, text(col.header), text("是" if col.required else ""), text(note)])
