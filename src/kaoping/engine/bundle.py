"""Campaign bundle ``kaoping-bundle/1`` (CONTRACTS.md C1): read, validate, hold.

A bundle is validated whole before anything is computed: the first invalid record
raises :class:`~kaoping.engine.errors.BundleError` naming it. Scores, the bulk of a
bundle, are kept column-wise (parallel lists of indices and values) so that a
campaign of half a million scores costs little more memory than its JSON text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from .errors import BundleError

FORMAT = "kaoping-bundle/1"
RULE_KINDS = ("linear", "threshold", "bands", "ratio", "direct")
NATURES = ("process", "result")
SOURCES = ("rating", "measure")
UNIT_FIELDS = ("code", "name", "type", "region", "parent")

DEFAULT_GRADES: tuple[tuple[str, float], ...] = (
    ("优秀", 90.0),
    ("良好", 80.0),
    ("合格", 70.0),
    ("不合格", 0.0),
)

#: a score record's four fields in one C call (the hot loop of :func:`_parse_scores`)
_SCORE_FIELDS = itemgetter("rater", "unit", "indicator", "value")

#: Locates a record for error messages: ``(list name, index) -> "scores[3]"``.
Locator = Callable[[str, int | None], str]


def json_locator(section: str, index: int | None) -> str:
    """Default locator: a JSON path such as ``scores[3]`` (0-based, as in the file)."""
    return section if index is None else f"{section}[{index}]"


@dataclass(frozen=True, slots=True)
class Trim:
    """Trimmed-mean parameters of rule 2."""

    min_count: int = 5
    drop_high: int = 1
    drop_low: int = 1


@dataclass(frozen=True, slots=True)
class Grade:
    name: str
    min: float


@dataclass(slots=True)
class Scoring:
    """The bundle's ``scoring`` section with C1 defaults applied.

    ``options`` keeps every further key (integrity thresholds, policy limits) so the
    detectors can read their thresholds and an export keeps them.
    """

    trim: Trim = field(default_factory=Trim)
    grades: tuple[Grade, ...] = tuple(Grade(n, m) for n, m in DEFAULT_GRADES)
    bonus_cap: float | None = None
    fluctuation_threshold: float = 0.20
    low_score_threshold: float = 80.0
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Group:
    code: str
    name: str
    weight: float


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    type: str | None
    region: str | None
    parent: str | None
    #: every scalar field of the record, for ``weight_overrides`` matching
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Rule:
    """Scoring rule of a measured leaf (rule 3)."""

    kind: str
    direction: str = "higher"
    floor: float | None = None
    target: float | None = None
    bands: tuple[tuple[float | None, float], ...] = ()


@dataclass(slots=True)
class Indicator:
    """A node of the indicator tree; a node without children is a leaf."""

    code: str
    name: str
    weight: float
    parent: str | None
    depth: int
    children: list[Indicator] = field(default_factory=list)
    nature: str | None = None
    dimensions: tuple[str, ...] = ()
    applies_to: tuple[str, ...] | None = None
    source: str | None = None  # leaves only: "rating" or "measure"
    rule: Rule | None = None
    rated_by: tuple[str, ...] | None = None
    full: float = 100.0
    scale: dict[str, float] | None = None
    description: str | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass(frozen=True, slots=True)
class WeightOverride:
    match: Mapping[str, Any]
    weights: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Rater:
    code: str
    group: str
    unit: str | None
    name: str | None = None
    #: units this rater is expected to know (R5.4); ``None``: not stated
    remit: tuple[str, ...] | None = None


@dataclass(slots=True)
class ScoreTable:
    """All scores, column-wise. Indices point into ``Bundle.raters/units/leaves``."""

    rater: list[int] = field(default_factory=list)
    unit: list[int] = field(default_factory=list)
    leaf: list[int] = field(default_factory=list)
    #: value normalised to 0..100 (``value / full * 100``; labels through ``scale``)
    value: list[float] = field(default_factory=list)
    #: value exactly as given (number or scale label), for export
    raw: list[Any] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.value)


@dataclass(frozen=True, slots=True)
class Adjustment:
    unit: str
    points: float
    reason: str


@dataclass(frozen=True, slots=True)
class Veto:
    unit: str
    reason: str


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A rater's sheet left out by a recorded decision (a confirmed integrity alert, R5.7).

    ``unit`` ``None`` excludes every score of the rater; otherwise only those on ``unit``.
    An extension of C1: bundles without ``exclusions`` score exactly as before.
    """

    rater: str
    unit: str | None
    reason: str
    decision: str | None = None


@dataclass(frozen=True, slots=True)
class PastResult:
    unit: str
    score: float
    rank: int | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    campaign: str
    results: tuple[PastResult, ...]


@dataclass(slots=True)
class Bundle:
    """A validated campaign bundle."""

    campaign: dict[str, Any]
    scoring: Scoring
    groups: list[Group]
    units: list[Unit]
    indicators: list[Indicator]  # top-level nodes
    leaves: list[Indicator]  # every leaf, in tree order
    nodes: dict[str, Indicator]  # every node by code
    weight_overrides: list[WeightOverride]
    raters: list[Rater]
    conflicts: set[tuple[int, int]]  # (rater index, unit index)
    scores: ScoreTable
    measures: dict[tuple[int, int], float]  # (unit index, leaf index) -> value
    adjustments: list[Adjustment]
    vetoes: list[Veto]
    history: list[HistoryEntry]
    conflict_records: list[tuple[str, str]] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)

    @property
    def code(self) -> str:
        return str(self.campaign["code"])


# --------------------------------------------------------------------------- helpers


def _is_number(value: Any) -> bool:
    return (type(value) is int or type(value) is float) and math.isfinite(value)


class _Reader:
    """Validation helpers that raise :class:`BundleError` with the record's location."""

    def __init__(self, where: Locator):
        self.where = where

    def fail(self, section: str, index: int | None, message: str, code: str) -> BundleError:
        location = self.where(section, index)
        return BundleError(message, code=code, location=location)

    def records(self, data: Mapping[str, Any], section: str) -> list[Any]:
        value = data.get(section, [])
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(section, None, "应为列表", "wrong_type")
        return value

    def mapping(self, record: Any, section: str, index: int | None) -> Mapping[str, Any]:
        if not isinstance(record, Mapping):
            raise self.fail(section, index, "应为对象（键值对）", "wrong_type")
        return record

    def text(
        self, record: Mapping[str, Any], key: str, section: str, index: int | None,
        *, required: bool = True,
    ) -> str | None:
        value = record.get(key)
        if value is None or value == "":
            if required:
                raise self.fail(section, index, f"缺少必填字段 {key}", "missing_field")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(section, index, f"字段 {key} 应为文本", "wrong_type")
        return str(value)

    def number(
        self, record: Mapping[str, Any], key: str, section: str, index: int | None,
        *, default: float | None = None, label: str | None = None,
    ) -> float | None:
        value = record.get(key)
        if value is None:
            return default
        if not _is_number(value):
            raise self.fail(
                section, index, f"字段 {key} 应为数值，实际为 {value!r}"
                + (f"（{label}）" if label else ""), "not_a_number",
            )
        return float(value)

    def weight(self, record: Mapping[str, Any], section: str, index: int | None, name: str) -> float:
        weight = self.number(record, "weight", section, index, default=1.0, label=name)
        assert weight is not None
        if weight < 0:
            raise self.fail(section, index, f"{name} 的权重为负数：{weight:g}", "negative_weight")
        return weight

    def codes(self, record: Mapping[str, Any], key: str, section: str, index: int | None) -> tuple[str, ...] | None:
        value = record.get(key)
        if value is None:
            return None
        if isinstance(value, str):  # "admin,institution" from a spreadsheet cell
            value = [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
            if not value:  # an empty cell means "not stated", not "none at all"
                return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(section, index, f"字段 {key} 应为代码列表", "wrong_type")
        return tuple(value)


# --------------------------------------------------------------------------- sections


def _parse_scoring(r: _Reader, data: Mapping[str, Any]) -> Scoring:
    raw = data.get("scoring") or {}
    s = r.mapping(raw, "scoring", None)
    scoring = Scoring()
    if "trim" in s and s["trim"] is not None:
        t = r.mapping(s["trim"], "scoring.trim", None)
        values = {}
        for key, default in (("min_count", 5), ("drop_high", 1), ("drop_low", 1)):
            v = t.get(key, default)
            if type(v) is not int or v < 0:
                raise r.fail("scoring.trim", None, f"{key} 应为非负整数，实际为 {v!r}", "bad_parameter")
            values[key] = v
        if values["min_count"] <= values["drop_high"] + values["drop_low"]:
            raise r.fail(
                "scoring.trim", None,
                "min_count 必须大于 drop_high 与 drop_low 之和，否则去掉最高最低后没有分数可平均",
                "bad_parameter",
            )
        scoring.trim = Trim(**values)
    if s.get("grades") is not None:
        grades_raw = s["grades"]
        if not isinstance(grades_raw, list) or not grades_raw:
            raise r.fail("scoring.grades", None, "应为非空列表", "wrong_type")
        grades = []
        for i, g in enumerate(grades_raw):
            g = r.mapping(g, "scoring.grades", i)
            name = r.text(g, "name", "scoring.grades", i)
            minimum = r.number(g, "min", "scoring.grades", i)
            if minimum is None:
                raise r.fail("scoring.grades", i, "缺少必填字段 min", "missing_field")
            assert name is not None
            grades.append(Grade(name, minimum))
        scoring.grades = tuple(grades)
    cap = r.number(s, "bonus_cap", "scoring", None)
    if cap is not None and cap < 0:
        raise r.fail("scoring", None, f"bonus_cap 不能为负数：{cap:g}", "bad_parameter")
    scoring.bonus_cap = cap
    fluct = r.number(s, "fluctuation_threshold", "scoring", None, default=0.20)
    low = r.number(s, "low_score_threshold", "scoring", None, default=80.0)
    assert fluct is not None and low is not None
    if fluct < 0:
        raise r.fail("scoring", None, "fluctuation_threshold 不能为负数", "bad_parameter")
    scoring.fluctuation_threshold = fluct
    scoring.low_score_threshold = low
    known = {"trim", "grades", "bonus_cap", "fluctuation_threshold", "low_score_threshold"}
    scoring.options = {k: v for k, v in s.items() if k not in known}
    from .detectors.thresholds import Thresholds

    Thresholds.from_options(scoring.options)  # a bad scoring.integrity is refused at once
    return scoring


def _parse_rule(r: _Reader, raw: Any, index: int, code: str) -> Rule:
    where = "indicators"
    if not isinstance(raw, Mapping):
        raise r.fail(where, index, f"指标 {code} 为数据采集指标（measure），缺少评分规则 rule", "bad_rule")
    kind = raw.get("kind")
    if kind not in RULE_KINDS:
        raise r.fail(
            where, index, f"指标 {code} 的规则类型 {kind!r} 未知（可用：{'、'.join(RULE_KINDS)}）",
            "bad_rule",
        )
    direction = raw.get("direction", "higher")
    if direction not in ("higher", "lower"):
        raise r.fail(where, index, f"指标 {code} 的方向 {direction!r} 未知（higher 或 lower）", "bad_rule")

    def num(key: str) -> float | None:
        v = raw.get(key)
        if v is None:
            return None
        if not _is_number(v):
            raise r.fail(where, index, f"指标 {code} 的规则参数 {key} 应为数值，实际为 {v!r}", "bad_rule")
        return float(v)

    floor, target = num("floor"), num("target")
    bands: list[tuple[float | None, float]] = []
    if kind == "linear":
        if floor is None or target is None:
            raise r.fail(where, index, f"指标 {code} 的 linear 规则需要 floor 和 target", "bad_rule")
        if floor == target:
            raise r.fail(where, index, f"指标 {code} 的 linear 规则 floor 与 target 相等（{floor:g}）", "bad_rule")
    elif kind == "threshold":
        if target is None:
            raise r.fail(where, index, f"指标 {code} 的 threshold 规则需要 target", "bad_rule")
    elif kind == "bands":
        raw_bands = raw.get("bands")
        if not isinstance(raw_bands, list) or not raw_bands:
            raise r.fail(where, index, f"指标 {code} 的 bands 规则需要非空的 bands 列表", "bad_rule")
        for b in raw_bands:
            if not isinstance(b, Mapping):
                raise r.fail(where, index, f"指标 {code} 的分档应为对象", "bad_rule")
            lo, score = b.get("min"), b.get("score")
            if lo is not None and not _is_number(lo):
                raise r.fail(where, index, f"指标 {code} 的分档下限 min 应为数值或 null，实际为 {lo!r}", "bad_rule")
            if not _is_number(score):
                raise r.fail(where, index, f"指标 {code} 的分档得分 score 应为数值，实际为 {score!r}", "bad_rule")
            bands.append((None if lo is None else float(lo), float(score)))  # type: ignore[arg-type]
    return Rule(kind=kind, direction=direction, floor=floor, target=target, bands=tuple(bands))


def _parse_indicators(
    r: _Reader, data: Mapping[str, Any], group_codes: set[str],
) -> tuple[list[Indicator], list[Indicator], dict[str, Indicator]]:
    nodes: dict[str, Indicator] = {}
    leaves: list[Indicator] = []
    counter = [0]  # pre-order position, used as the record index in messages

    def build(raw: Any, parent: str | None, depth: int) -> Indicator:
        index = counter[0]
        counter[0] += 1
        rec = r.mapping(raw, "indicators", index)
        code = r.text(rec, "code", "indicators", index)
        assert code is not None
        if code in nodes:
            raise r.fail("indicators", index, f"指标代码 {code} 重复", "duplicate_code")
        name = r.text(rec, "name", "indicators", index, required=False) or code
        node = Indicator(
            code=code, name=name, weight=r.weight(rec, "indicators", index, f"指标 {code}"),
            parent=parent, depth=depth,
        )
        nodes[code] = node
        nature = rec.get("nature")
        if nature is not None and nature not in NATURES:
            raise r.fail("indicators", index, f"指标 {code} 的性质 {nature!r} 未知（process 或 result）", "bad_value")
        node.nature = nature
        node.dimensions = r.codes(rec, "dimensions", "indicators", index) or ()
        node.applies_to = r.codes(rec, "applies_to", "indicators", index)
        node.description = r.text(rec, "description", "indicators", index, required=False)
        children = rec.get("children")
        if children:
            if not isinstance(children, list):
                raise r.fail("indicators", index, f"指标 {code} 的 children 应为列表", "wrong_type")
            node.children = [build(c, code, depth + 1) for c in children]
            return node
        source = rec.get("source") or "rating"
        if source not in SOURCES:
            raise r.fail("indicators", index, f"指标 {code} 的来源 {source!r} 未知（rating 或 measure）", "bad_value")
        node.source = source
        leaves.append(node)
        if source == "measure":
            node.rule = _parse_rule(r, rec.get("rule"), index, code)
            return node
        full = r.number(rec, "full", "indicators", index, default=100.0)
        assert full is not None
        if full <= 0:
            raise r.fail("indicators", index, f"指标 {code} 的满分 full 必须大于 0", "bad_value")
        node.full = full
        rated_by = r.codes(rec, "rated_by", "indicators", index)
        if rated_by is not None:
            for g in rated_by:
                if g not in group_codes:
                    raise r.fail("indicators", index, f"指标 {code} 的评价组 {g} 不存在", "unknown_group")
        node.rated_by = rated_by
        scale = rec.get("scale")
        if scale is not None:
            if not isinstance(scale, Mapping) or not scale:
                raise r.fail("indicators", index, f"指标 {code} 的等级 scale 应为“标签: 分值”对象", "wrong_type")
            for label, v in scale.items():
                if not _is_number(v) or not 0 <= v <= full:
                    raise r.fail(
                        "indicators", index,
                        f"指标 {code} 的等级 {label} 的分值 {v!r} 不在 [0, {full:g}] 之内", "out_of_range",
                    )
            node.scale = {str(k): float(v) for k, v in scale.items()}
        return node

    top = [build(raw, None, 0) for raw in r.records(data, "indicators")]
    if not top:
        raise r.fail("indicators", None, "指标体系为空", "missing_field")
    return top, leaves, nodes


def _unique(r: _Reader, section: str, index: int, code: str, seen: dict[str, int], what: str) -> None:
    if code in seen:
        raise r.fail(section, index, f"{what}代码 {code} 重复（与第 {seen[code] + 1} 条相同）", "duplicate_code")
    seen[code] = index


def parse_bundle(data: Any, *, where: Locator = json_locator) -> Bundle:
    """Validate a decoded bundle (JSON/YAML/Excel) and return it ready for scoring.

    Parameters
    ----------
    data : mapping
        The decoded document.
    where : callable, optional
        Turns ``(section, index)`` into a location for messages; the Excel reader
        passes one that names the sheet and row.

    Raises
    ------
    BundleError
        On the first invalid record, naming it.

    Examples
    --------
    >>> b = parse_bundle({"format": "kaoping-bundle/1", "campaign": {"code": "C1"},
    ...     "groups": [{"code": "g", "weight": 1}], "units": [{"code": "U1"}],
    ...     "indicators": [{"code": "A"}], "raters": [{"code": "R1", "group": "g"}],
    ...     "scores": [{"rater": "R1", "unit": "U1", "indicator": "A", "value": 88}]})
    >>> b.scores.value
    [88.0]
    """
    r = _Reader(where)
    if not isinstance(data, Mapping):
        raise BundleError("活动数据包应为 JSON 对象", code="wrong_type")
    fmt = data.get("format")
    if fmt != FORMAT:
        raise BundleError(f"未知的格式 {fmt!r}，应为 {FORMAT}", code="unknown_format", location="format")

    campaign = dict(r.mapping(data.get("campaign"), "campaign", None))
    r.text(campaign, "code", "campaign", None)
    campaign["code"] = str(campaign["code"])
    scoring = _parse_scoring(r, data)

    groups: list[Group] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(r.records(data, "groups")):
        g = r.mapping(raw, "groups", i)
        code = r.text(g, "code", "groups", i)
        assert code is not None
        _unique(r, "groups", i, code, seen, "评价组")
        groups.append(Group(code, r.text(g, "name", "groups", i, required=False) or code,
                            r.weight(g, "groups", i, f"评价组 {code}")))
    group_codes = set(seen)

    units: list[Unit] = []
    unit_index: dict[str, int] = {}
    for i, raw in enumerate(r.records(data, "units")):
        u = r.mapping(raw, "units", i)
        code = r.text(u, "code", "units", i)
        assert code is not None
        _unique(r, "units", i, code, unit_index, "单位")
        fields = {k: v for k, v in u.items() if isinstance(v, str | int | float) and not isinstance(v, bool)}
        fields["code"] = code
        units.append(Unit(
            code=code, name=r.text(u, "name", "units", i, required=False) or code,
            type=r.text(u, "type", "units", i, required=False),
            region=r.text(u, "region", "units", i, required=False),
            parent=r.text(u, "parent", "units", i, required=False), fields=fields,
        ))
    for i, known in enumerate(units):
        if known.parent is not None and known.parent not in unit_index:
            raise r.fail("units", i, f"单位 {known.code} 的上级单位 {known.parent} 不存在", "unknown_unit")

    indicators, leaves, nodes = _parse_indicators(r, data, group_codes)
    leaf_index = {leaf.code: i for i, leaf in enumerate(leaves)}

    overrides: list[WeightOverride] = []
    for i, raw in enumerate(r.records(data, "weight_overrides")):
        o = r.mapping(raw, "weight_overrides", i)
        match = r.mapping(o.get("match") or {}, "weight_overrides", i)
        for key in match:
            if key not in UNIT_FIELDS and not any(key in u.fields for u in units):
                raise r.fail("weight_overrides", i, f"匹配字段 {key} 不是单位的字段", "bad_value")
        weights_raw = r.mapping(o["weights"], "weight_overrides", i) if o.get("weights") is not None else None
        if not weights_raw:
            raise r.fail("weight_overrides", i, "缺少 weights", "missing_field")
        weights: dict[str, float] = {}
        for code, w in weights_raw.items():
            if code not in nodes:
                raise r.fail("weight_overrides", i, f"指标 {code} 不存在", "unknown_indicator")
            if not _is_number(w):
                raise r.fail("weight_overrides", i, f"指标 {code} 的权重应为数值，实际为 {w!r}", "not_a_number")
            if w < 0:
                raise r.fail("weight_overrides", i, f"指标 {code} 的权重为负数：{w:g}", "negative_weight")
            weights[str(code)] = float(w)
        overrides.append(WeightOverride(dict(match), weights))

    raters: list[Rater] = []
    rater_index: dict[str, int] = {}
    for i, raw in enumerate(r.records(data, "raters")):
        rr = r.mapping(raw, "raters", i)
        code = r.text(rr, "code", "raters", i)
        assert code is not None
        _unique(r, "raters", i, code, rater_index, "评价人")
        group = r.text(rr, "group", "raters", i)
        if group not in group_codes:
            raise r.fail("raters", i, f"评价人 {code} 的评价组 {group} 不存在", "unknown_group")
        unit = r.text(rr, "unit", "raters", i, required=False)
        if unit is not None and unit not in unit_index:
            raise r.fail("raters", i, f"评价人 {code} 的所在单位 {unit} 不存在", "unknown_unit")
        remit = r.codes(rr, "remit", "raters", i)
        for target in remit or ():
            if target not in unit_index:
                raise r.fail("raters", i, f"评价人 {code} 的评价范围中单位 {target} 不存在", "unknown_unit")
        assert group is not None
        raters.append(Rater(code, group, unit, r.text(rr, "name", "raters", i, required=False), remit))

    conflicts: set[tuple[int, int]] = set()
    conflict_records: list[tuple[str, str]] = []
    for i, raw in enumerate(r.records(data, "conflicts")):
        c = r.mapping(raw, "conflicts", i)
        rc, uc = r.text(c, "rater", "conflicts", i), r.text(c, "unit", "conflicts", i)
        if rc not in rater_index:
            raise r.fail("conflicts", i, f"评价人 {rc} 不存在", "unknown_rater")
        if uc not in unit_index:
            raise r.fail("conflicts", i, f"单位 {uc} 不存在", "unknown_unit")
        assert rc is not None and uc is not None
        pair = (rater_index[rc], unit_index[uc])
        if pair not in conflicts:
            conflict_records.append((rc, uc))
        conflicts.add(pair)

    scores = _parse_scores(r, r.records(data, "scores"), rater_index, unit_index, leaf_index, leaves)
    measures = _parse_measures(r, r.records(data, "measures"), unit_index, leaf_index, leaves)

    adjustments: list[Adjustment] = []
    for i, raw in enumerate(r.records(data, "adjustments")):
        a = r.mapping(raw, "adjustments", i)
        uc = r.text(a, "unit", "adjustments", i)
        if uc not in unit_index:
            raise r.fail("adjustments", i, f"单位 {uc} 不存在", "unknown_unit")
        points = r.number(a, "points", "adjustments", i)
        if points is None:
            raise r.fail("adjustments", i, "缺少必填字段 points", "missing_field")
        assert uc is not None
        adjustments.append(Adjustment(uc, points, r.text(a, "reason", "adjustments", i, required=False) or ""))

    vetoes: list[Veto] = []
    for i, raw in enumerate(r.records(data, "vetoes")):
        v = r.mapping(raw, "vetoes", i)
        uc = r.text(v, "unit", "vetoes", i)
        if uc not in unit_index:
            raise r.fail("vetoes", i, f"单位 {uc} 不存在", "unknown_unit")
        assert uc is not None
        vetoes.append(Veto(uc, r.text(v, "reason", "vetoes", i, required=False) or ""))

    exclusions: list[Exclusion] = []
    for i, raw in enumerate(r.records(data, "exclusions")):
        x = r.mapping(raw, "exclusions", i)
        rc = r.text(x, "rater", "exclusions", i)
        if rc not in rater_index:
            raise r.fail("exclusions", i, f"评价人 {rc} 不存在", "unknown_rater")
        uc = r.text(x, "unit", "exclusions", i, required=False)
        if uc is not None and uc not in unit_index:
            raise r.fail("exclusions", i, f"单位 {uc} 不存在", "unknown_unit")
        reason = r.text(x, "reason", "exclusions", i)
        assert rc is not None and reason is not None
        exclusions.append(Exclusion(rc, uc, reason, r.text(x, "decision", "exclusions", i, required=False)))

    history: list[HistoryEntry] = []
    for i, raw in enumerate(r.records(data, "history")):
        h = r.mapping(raw, "history", i)
        hc = r.text(h, "campaign", "history", i)
        assert hc is not None
        past: list[PastResult] = []
        seen_units: set[str] = set()
        results = h.get("results") or []
        if not isinstance(results, list):
            raise r.fail("history", i, "results 应为列表", "wrong_type")
        for j, pr in enumerate(results):
            loc = f"history[{i}].results"
            pr = r.mapping(pr, loc, j)
            uc = r.text(pr, "unit", loc, j)
            if uc not in unit_index:
                raise r.fail(loc, j, f"单位 {uc} 不存在", "unknown_unit")
            if uc in seen_units:
                raise r.fail(loc, j, f"单位 {uc} 在往期 {hc} 中重复", "duplicate_record")
            assert uc is not None
            seen_units.add(uc)
            score = r.number(pr, "score", loc, j)
            if score is None:
                raise r.fail(loc, j, "缺少必填字段 score", "missing_field")
            rank = pr.get("rank")
            if rank is not None and type(rank) is not int:
                raise r.fail(loc, j, f"rank 应为整数，实际为 {rank!r}", "not_a_number")
            past.append(PastResult(uc, score, rank))
        history.append(HistoryEntry(hc, tuple(past)))

    return Bundle(
        campaign=campaign, scoring=scoring, groups=groups, units=units, indicators=indicators,
        leaves=leaves, nodes=nodes, weight_overrides=overrides, raters=raters,
        conflicts=conflicts, scores=scores, measures=measures, adjustments=adjustments,
        vetoes=vetoes, history=history, conflict_records=conflict_records, exclusions=exclusions,
    )


def _parse_scores(
    r: _Reader, records: list[Any], rater_index: dict[str, int], unit_index: dict[str, int],
    leaf_index: dict[str, int], leaves: list[Indicator],
) -> ScoreTable:
    """The hot loop of reading a bundle: one pass, no per-record objects kept."""
    table = ScoreTable()
    add_rater, add_unit, add_leaf = table.rater.append, table.unit.append, table.leaf.append
    add_value, add_raw = table.value.append, table.raw.append
    n_units, n_leaves = max(len(unit_index), 1), max(len(leaves), 1)
    fulls = [leaf.full for leaf in leaves]
    scales = [leaf.scale for leaf in leaves]
    measured = [leaf.source == "measure" for leaf in leaves]
    # label -> normalised value, per leaf (the same arithmetic as for numbers, done once)
    label_norm = [None if sc is None else {k: v * 100.0 / f for k, v in sc.items()}
                  for sc, f in zip(scales, fulls, strict=True)]
    seen: set[int] = set()
    fields = _SCORE_FIELDS
    for i, rec in enumerate(records):
        try:
            rc, uc, ic, value = fields(rec)
            ri, ui, li = rater_index[rc], unit_index[uc], leaf_index[ic]
        except (KeyError, TypeError):
            # codes written as numbers (unit 101) mean the same as text codes elsewhere
            rec = _codes_as_text(rec)
            try:
                rc, uc, ic, value = fields(rec)
                ri, ui, li = rater_index[rc], unit_index[uc], leaf_index[ic]
            except (KeyError, TypeError):
                raise _score_error(r, i, rec, rater_index, unit_index, leaf_index) from None
        if measured[li]:
            raise r.fail("scores", i, f"指标 {ic} 为数据采集指标，不能打分（应放在 measures 中）", "score_on_measure")
        t = type(value)
        if t is int or t is float:
            full = fulls[li]
            if not 0 <= value <= full:  # also false for NaN
                raise r.fail(
                    "scores", i, f"评价人 {rc} 对单位 {uc} 指标 {ic} 的分值 {value!r} 超出 [0, {full:g}]",
                    "out_of_range",
                )
            norm = value * 100.0 / full if full != 100.0 else float(value)
        elif t is str and (labels := label_norm[li]) is not None and value in labels:
            norm = labels[value]
        elif t is str:
            if scales[li] is None:
                raise r.fail("scores", i, f"评价人 {rc} 对单位 {uc} 指标 {ic} 的分值应为数值，实际为文本 {value!r}", "not_a_number")
            raise r.fail(
                "scores", i, f"评价人 {rc} 对单位 {uc} 指标 {ic} 的等级 {value!r} 不在该指标的等级表中"
                f"（{'、'.join(scales[li])}）", "unknown_label",  # type: ignore[arg-type]
            )
        elif value is None:
            raise r.fail("scores", i, f"评价人 {rc} 对单位 {uc} 指标 {ic} 缺少分值 value", "missing_field")
        else:
            raise r.fail("scores", i, f"评价人 {rc} 对单位 {uc} 指标 {ic} 的分值应为数值，实际为 {value!r}", "not_a_number")
        key = (ri * n_units + ui) * n_leaves + li
        if key in seen:
            raise r.fail("scores", i, f"评价人 {rc} 对单位 {uc} 指标 {ic} 的评分重复", "duplicate_record")
        seen.add(key)
        add_rater(ri)
        add_unit(ui)
        add_leaf(li)
        add_value(norm)
        add_raw(value)
    return table


def _codes_as_text(rec: Any) -> Any:
    if not isinstance(rec, Mapping):
        return rec
    out = dict(rec)
    for key in ("rater", "unit", "indicator"):
        if type(out.get(key)) is int:
            out[key] = str(out[key])
    return out


def _score_error(
    r: _Reader, i: int, rec: Any, rater_index: dict[str, int], unit_index: dict[str, int],
    leaf_index: dict[str, int],
) -> BundleError:
    if not isinstance(rec, Mapping):
        return r.fail("scores", i, "应为对象（键值对）", "wrong_type")
    for key in ("rater", "unit", "indicator", "value"):
        if key not in rec or rec[key] is None:
            return r.fail("scores", i, f"缺少必填字段 {key}", "missing_field")
    for key, index, what, code in (
        ("rater", rater_index, "评价人", "unknown_rater"),
        ("unit", unit_index, "单位", "unknown_unit"),
    ):
        try:
            if rec[key] not in index:
                return r.fail("scores", i, f"{what} {rec[key]} 不存在", code)
        except TypeError:
            return r.fail("scores", i, f"字段 {key} 应为文本，实际为 {rec[key]!r}", "wrong_type")
    return r.fail("scores", i, f"指标 {rec['indicator']!r} 不存在或不是末级指标", "unknown_indicator")


def _parse_measures(
    r: _Reader, records: list[Any], unit_index: dict[str, int], leaf_index: dict[str, int],
    leaves: list[Indicator],
) -> dict[tuple[int, int], float]:
    measures: dict[tuple[int, int], float] = {}
    for i, raw in enumerate(records):
        m = r.mapping(raw, "measures", i)
        uc = r.text(m, "unit", "measures", i)
        ic = r.text(m, "indicator", "measures", i)
        if uc not in unit_index:
            raise r.fail("measures", i, f"单位 {uc} 不存在", "unknown_unit")
        if ic not in leaf_index:
            raise r.fail("measures", i, f"指标 {ic} 不存在或不是末级指标", "unknown_indicator")
        assert uc is not None and ic is not None
        li = leaf_index[ic]
        if leaves[li].source != "measure":
            raise r.fail("measures", i, f"指标 {ic} 为评分指标，不能填报数据（应放在 scores 中）", "measure_on_rating")
        if "value" not in m or m["value"] is None:
            raise r.fail("measures", i, "缺少必填字段 value", "missing_field")
        value = r.number(m, "value", "measures", i, label=f"单位 {uc} 指标 {ic}")
        assert value is not None
        key = (unit_index[uc], li)
        if key in measures:
            raise r.fail("measures", i, f"单位 {uc} 指标 {ic} 的数据重复", "duplicate_record")
        measures[key] = value
    return measures


# --------------------------------------------------------------------------- files

MAX_BUNDLE_BYTES = 512 * 1024 * 1024


def read_document(path: str | Path) -> tuple[Any, Locator]:
    """Decode a bundle file by its suffix: ``.json``, ``.yaml``/``.yml`` or ``.xlsx``."""
    p = Path(path)
    if not p.is_file():
        raise BundleError(f"文件不存在：{p}", code="file_not_found")
    suffix = p.suffix.lower()
    if p.stat().st_size > MAX_BUNDLE_BYTES:
        raise BundleError(f"文件过大（{p.stat().st_size / 2**20:.0f} MB），上限 {MAX_BUNDLE_BYTES // 2**20} MB",
                          code="too_large")
    if suffix in (".xlsx", ".xlsm", ".xls"):
        from .excel import read_workbook

        return read_workbook(p)
    try:
        with p.open("rb") as fh:
            if suffix in (".yaml", ".yml"):
                import yaml

                loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
                return yaml.load(fh, Loader=loader), json_locator
            return json.load(fh), json_locator
    except json.JSONDecodeError as exc:
        raise BundleError(f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}", code="malformed") from None
    except UnicodeDecodeError:
        raise BundleError("文件不是 UTF-8 编码的文本", code="malformed") from None
    except Exception as exc:  # yaml.YAMLError and friends
        if type(exc).__module__.startswith("yaml"):
            raise BundleError(f"YAML 格式错误：{exc}", code="malformed") from None
        raise


def load_bundle(path: str | Path) -> Bundle:
    """Read and validate a bundle file (JSON, YAML or Excel)."""
    data, where = read_document(path)
    return parse_bundle(data, where=where)


def iter_codes(items: Iterable[Any]) -> list[str]:
    """Codes of groups, units or raters, in order."""
    return [item.code for item in items]
