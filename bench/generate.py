"""Deterministic generator of realistic ``kaoping-bundle/1`` campaigns (CONTRACTS.md C1).

A generated campaign looks like a year of 单位互评 (mutual evaluation of units): an
indicator tree three levels deep with rated and measured leaves, a few leaves scored by
labels (优/良/中/差) or out of 10, evaluator groups superior / peer / recipient /
third party weighted 40/30/20/10 (plus an optional self-evaluation group of weight 0),
peer evaluators who belong to units, declared conflicts, bonus and deduction items,
vetoes and previous periods.

Every score is ``unit quality + leaf effect + rater severity + noise`` clipped to
``[0, 100]`` and then expressed on the leaf's own scale, so results spread over the
grades the way real campaigns do. A handful of lenient, severe and straight-line
raters, a pair of units whose evaluators favour each other, and a few scores on the
rater's own unit or a declared conflict are planted so the integrity detectors and the
avoidance rule have something to find (``anomalies=False`` leaves them out).

Everything comes from one seeded :class:`random.Random`, so a seed and the parameters
give the same file byte for byte.

Usage::

    python bench/generate.py --units 260 --scores 450000 -o /tmp/big.json
    python bench/generate.py --units 12 --raters 20 --seed 7          # to stdout

``--scores`` sets the number of evaluators so that the campaign has about that many
scores; ``--raters`` fixes it instead.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "kaoping-bundle/1"

#: (code, name, weight) of the evaluator groups; raters are split by these weights.
GROUPS: tuple[tuple[str, str, float], ...] = (
    ("superior", "上级评价", 40),
    ("peer", "同级互评", 30),
    ("recipient", "服务对象评价", 20),
    ("third_party", "第三方评价", 10),
)
SELF_GROUP = ("self", "自我评价", 0)

#: ``rated_by`` patterns cycled over rated leaves (``None``: every group).
RATED_BY: tuple[tuple[str, ...] | None, ...] = (
    None,
    ("superior", "peer"),
    ("peer", "recipient", "third_party"),
    None,
    ("superior", "peer", "recipient"),
    ("recipient", "third_party"),
    ("superior", "third_party", "peer"),
)

UNIT_TYPES = (("admin", 0.55), ("institution", 0.30), ("enterprise", 0.15))
REGIONS = (("east", 0.4), ("central", 0.35), ("west", 0.25))

PLACES = (
    "市", "东城区", "西城区", "南湖区", "北山区", "高新区", "经开区", "临江县", "青石县",
    "云台县", "白沙县", "长乐县", "永安县", "清河县", "梅岭县", "桃源县", "石门县",
    "新安县", "凤城县", "龙泉县",
)
DEPARTMENTS = (
    "教育局", "卫生健康委", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
    "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局",
    "商务局", "文化和旅游局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
    "政务服务中心", "行政审批局", "城市管理局", "退役军人事务局", "信访局", "科技局",
    "发展和改革委", "工业和信息化局", "档案馆", "图书馆", "疾病预防控制中心", "公积金中心",
    "供水公司", "公交集团", "城投公司", "燃气公司",
)

#: top-level nodes: (name, weight, applies_to, nature of its leaves)
TOP = (
    ("履职尽责", 30, None, "result"),
    ("服务质量", 25, ("admin", "institution"), "process"),
    ("协作效率", 20, None, "process"),
    ("创新发展", 15, None, "result"),
    ("作风建设", 10, None, "process"),
    ("经营效益", 20, ("enterprise",), "result"),
)
CRITERIA = (
    "目标任务", "依法行政", "政务公开", "服务态度", "办事效率", "协作配合", "信息共享",
    "改革创新", "学习提升", "廉洁自律", "工作作风", "群众满意", "营商环境", "资源保障",
)
LEAF_NAMES_RATED = (
    "重点任务推进", "工作目标完成", "依法依规办事", "信息主动公开", "窗口服务态度",
    "首问负责落实", "限时办结落实", "配合支持力度", "沟通协调顺畅", "数据共享质量",
    "创新举措成效", "经验做法推广", "学习培训开展", "廉政风险防控", "工作纪律执行",
    "履职尽责表现", "回应诉求及时", "服务承诺兑现", "办事便捷程度", "问题整改成效",
)
LEAF_NAMES_MEASURED = (
    "按时办结率", "平均响应时长", "一次办结率", "群众满意率", "目标任务完成指数",
    "投诉按期办结率", "网上可办率", "整改完成率", "预算执行率", "营业收入增长率",
)
#: measured-leaf rules, cycled; each with how a unit's value is drawn from its quality z
RULES: tuple[dict[str, Any], ...] = (
    {"kind": "linear", "direction": "higher", "floor": 0.6, "target": 0.98},
    {"kind": "linear", "direction": "lower", "floor": 48, "target": 12},
    {"kind": "threshold", "direction": "higher", "target": 0.9},
    {"kind": "bands", "bands": [{"min": 0.95, "score": 100}, {"min": 0.9, "score": 85},
                                {"min": 0.8, "score": 70}, {"min": None, "score": 50}]},
    {"kind": "ratio"},
    {"kind": "direct"},
)
SCALE = {"优": 95, "良": 85, "中": 72, "差": 55}
BONUS_REASONS = ("获省级表彰", "承担重大专项任务", "创新经验被上级推广", "获国家级荣誉")
DEDUCTION_REASONS = ("整改逾期", "被上级通报批评", "信访事项处理超期", "数据报送不及时", "政务公开不到位")
VETO_REASONS = ("发生重大安全生产事故", "违反中央八项规定精神被查处", "发生重大群体性事件")


@dataclass(frozen=True)
class Params:
    """What to generate. ``raters=None``: as many as ``scores`` needs."""

    units: int = 260
    scores: int = 450_000
    raters: int | None = None
    leaves: int = 24
    measured_share: float = 0.2
    scale_share: float = 0.15
    tenth_share: float = 0.1
    unit_coverage: float = 0.93
    leaf_coverage: float = 0.985
    self_group: bool = False
    conflicts: float = 0.04
    adjustments: float = 0.12
    vetoes: float = 0.01
    history: int = 2
    anomalies: bool = True
    seed: int = 2026
    campaign: str = "2026Q3"


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _split(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` by ``weights`` (largest remainder), at least 1 each when possible."""
    s = sum(weights)
    exact = [total * w / s for w in weights]
    counts = [int(e) for e in exact]
    for i in sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True):
        if sum(counts) >= total:
            break
        counts[i] += 1
    for i in range(len(counts)):
        if counts[i] == 0 and total >= len(counts):
            j = max(range(len(counts)), key=lambda k: counts[k])
            counts[j] -= 1
            counts[i] = 1
    return counts


# --------------------------------------------------------------------------- pieces


def _units(p: Params, rng: random.Random) -> list[dict[str, Any]]:
    width = max(3, len(str(p.units)))
    names = [f"{place}{dept}" for place in PLACES for dept in DEPARTMENTS]
    rng.shuffle(names)
    units = []
    for i in range(p.units):
        name = names[i] if i < len(names) else f"{names[i % len(names)]}{i // len(names) + 1}"
        units.append({
            "code": f"U{i + 1:0{width}d}", "name": name,
            "type": _pick(rng, UNIT_TYPES), "region": _pick(rng, REGIONS),
        })
    return units


def _indicators(p: Params, rng: random.Random, group_codes: list[str]) -> list[dict[str, Any]]:
    """A target → criterion → indicator tree with ``p.leaves`` leaves."""
    n_leaves = max(2, p.leaves)
    n_top = max(2, min(len(TOP), round(n_leaves / 5)))
    per_top = _split(n_leaves, [1.0] * n_top)
    n_measured = round(n_leaves * p.measured_share)
    # spread measured leaves evenly over the tree
    measured_at = {round((k + 0.5) * n_leaves / n_measured) for k in range(n_measured)} if n_measured else set()
    n_rated = n_leaves - len(measured_at)
    scaled_at = set(rng.sample(range(n_rated), round(n_rated * p.scale_share)))
    remaining = [i for i in range(n_rated) if i not in scaled_at]
    tenth_at = set(rng.sample(remaining, min(len(remaining), round(n_rated * p.tenth_share))))

    leaf_no = rated_no = measured_no = 0
    top_nodes = []
    for t in range(n_top):
        name, weight, applies, nature = TOP[t]
        letter = chr(ord("A") + t)
        node: dict[str, Any] = {"code": letter, "name": name, "weight": weight, "nature": nature}
        if applies is not None:
            node["applies_to"] = list(applies)
        # the first top-level node has a criterion layer; the others hold leaves directly
        n_here = per_top[t]
        if t == 0 and n_here >= 4:
            parts = _split(n_here, [1.0, 1.0])
            parents = []
            for c, count in enumerate(parts):
                parents.append(({"code": f"{letter}{c + 1}", "name": CRITERIA[c % len(CRITERIA)],
                                 "weight": 50 + 10 * c, "children": []}, count, f"{letter}{c + 1}."))
        else:
            parents = [(node, n_here, letter)]
        for parent, count, prefix in parents:
            kids = parent.setdefault("children", [])
            for k in range(count):
                code = f"{prefix}{k + 1}"
                leaf: dict[str, Any] = {"code": code, "weight": rng.choice((10, 15, 20, 20, 25, 30))}
                if leaf_no in measured_at:
                    leaf["name"] = LEAF_NAMES_MEASURED[measured_no % len(LEAF_NAMES_MEASURED)]
                    leaf["nature"] = "result"
                    leaf["source"] = "measure"
                    leaf["rule"] = json.loads(json.dumps(RULES[measured_no % len(RULES)]))
                    measured_no += 1
                else:
                    leaf["name"] = LEAF_NAMES_RATED[rated_no % len(LEAF_NAMES_RATED)]
                    leaf["nature"] = nature
                    leaf["source"] = "rating"
                    rated_by = RATED_BY[rated_no % len(RATED_BY)]
                    if rated_by is not None:
                        leaf["rated_by"] = [g for g in rated_by if g in group_codes]
                    if rated_no in scaled_at:
                        leaf["scale"] = dict(SCALE)
                    elif rated_no in tenth_at:
                        leaf["full"] = 10
                    rated_no += 1
                if rng.random() < 0.3:
                    leaf["dimensions"] = [rng.choice(("customer", "internal_process", "learning_growth",
                                                      "finance"))]
                kids.append(leaf)
                leaf_no += 1
            if parent is not node:
                node.setdefault("children", []).append(parent)
        top_nodes.append(node)
    return top_nodes


def _leaves(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for n in nodes:
        if n.get("children"):
            yield from _leaves(n["children"])
        else:
            yield n


def _applicable(nodes: list[dict[str, Any]], unit_type: str) -> Iterator[dict[str, Any]]:
    """Leaves that apply to a unit type (C1 rule 1: a node out of scope hides its subtree)."""
    for n in nodes:
        applies = n.get("applies_to")
        if applies is not None and unit_type not in applies:
            continue
        if n.get("children"):
            yield from _applicable(n["children"], unit_type)
        else:
            yield n


def _measure_value(rule: dict[str, Any], z: float, rng: random.Random) -> float:
    """A measured value for a unit whose standardised quality is ``z``."""
    kind = rule["kind"]
    noise = rng.gauss(0, 0.6)
    if kind == "linear" and rule["direction"] == "lower":  # hours, lower is better
        return round(_clip(20 - 7 * (z + noise), 4, 80), 1)
    if kind == "direct":
        return round(_clip(84 + 6 * (z + noise), 0, 100), 1)
    # a rate in 0..1, most units between 0.8 and 1
    return round(_clip(0.94 + 0.035 * (z + noise), 0.4, 1.0), 4)


def _value(norm: float, leaf: dict[str, Any]) -> int | float | str:
    """A 0..100 judgement written as the leaf expects it: label, out of ``full``, or points."""
    scale = leaf.get("scale")
    if scale is not None:
        return min(scale, key=lambda label: abs(scale[label] - norm))
    full = leaf.get("full", 100)
    if full == 10:
        return round(norm / 10, 1)
    return int(round(norm))


# --------------------------------------------------------------------------- campaign


def generate(params: Params | None = None, **overrides: Any) -> dict[str, Any]:
    """Build a campaign bundle (a JSON-ready dict) from ``params`` and keyword overrides.

    Examples
    --------
    >>> b = generate(units=6, raters=8, history=1, seed=1)
    >>> b["format"], len(b["units"]), len(b["raters"])
    ('kaoping-bundle/1', 6, 8)
    """
    p = params or Params()
    if overrides:
        p = Params(**{**p.__dict__, **overrides})
    if p.units < 2:
        raise ValueError("at least 2 units")
    rng = random.Random(p.seed)

    groups = [*GROUPS, SELF_GROUP] if p.self_group else list(GROUPS)
    group_codes = [g[0] for g in groups]
    units = _units(p, rng)
    unit_codes = [u["code"] for u in units]
    unit_pos = {c: i for i, c in enumerate(unit_codes)}
    indicators = _indicators(p, rng, group_codes)
    all_leaves = list(_leaves(indicators))
    rated_for: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (group, unit type) -> leaves
    for g in group_codes:
        for t, _ in UNIT_TYPES:
            rated_for[(g, t)] = [
                leaf for leaf in _applicable(indicators, t)
                if leaf["source"] == "rating" and (leaf.get("rated_by") is None or g in leaf["rated_by"])
            ]

    # --- quality: per unit, per (unit, leaf)
    quality = [_clip(rng.gauss(85, 6), 45, 98) for _ in units]
    if p.anomalies and len(units) >= 20:
        quality[rng.randrange(len(units))] = 58.0  # a unit in trouble
    leaf_effect = {(ui, leaf["code"]): rng.gauss(0, 3.5) for ui in range(len(units)) for leaf in all_leaves}

    # --- how many raters: enough for about p.scores scores
    main_groups = list(GROUPS)
    self_expected = sum(len(rated_for[("self", u["type"])]) for u in units) if p.self_group else 0
    if p.raters is not None:
        n_raters = p.raters
    else:
        per_rater = []  # expected scores of one rater of each group
        for g, _, _ in main_groups:
            pairs = sum(len(rated_for[(g, u["type"])]) for u in units)
            per_rater.append(pairs * p.unit_coverage * p.leaf_coverage)
        shares = [w / 100 for _, _, w in main_groups]
        mean_per_rater = sum(s * e for s, e in zip(shares, per_rater, strict=True))
        n_raters = max(len(main_groups), round((p.scores - self_expected) / max(mean_per_rater, 1e-9)))
    counts = _split(n_raters, [w for _, _, w in main_groups])

    # --- raters: who they are, how severe, whom they know
    width = max(4, len(str(n_raters + p.units)))
    raters: list[dict[str, Any]] = []
    severity: list[float] = []
    straight: list[bool] = []
    n = 0
    for (g, _, _), count in zip(main_groups, counts, strict=True):
        for _ in range(count):
            n += 1
            r: dict[str, Any] = {"code": f"R{n:0{width}d}", "group": g}
            if g == "peer":
                r["unit"] = unit_codes[rng.randrange(len(unit_codes))]
            raters.append(r)
            severity.append(rng.gauss(0, 3))
            straight.append(False)
    # two units whose peer evaluators favour each other (协商打分): two of each unit's
    # peer raters add ``favour`` points on the other unit
    favour: dict[tuple[str, int], float] = {}
    peer_ids = [ri for ri, r in enumerate(raters) if r["group"] == "peer"]
    colluders: list[int] = []
    if p.anomalies and len(peer_ids) >= 4:
        # weaker units, which have the most to gain
        weak = [c for c, q in zip(unit_codes, quality, strict=True) if q < 82] or unit_codes
        a, b = rng.sample(weak, 2) if len(weak) >= 2 else rng.sample(unit_codes, 2)
        colluders = rng.sample(peer_ids, 4)
        for ri, code in zip(colluders, (a, a, b, b), strict=True):
            raters[ri]["unit"] = code
        favour[(a, unit_pos[b])] = 15.0
        favour[(b, unit_pos[a])] = 15.0
    if p.anomalies and len(raters) >= 10:
        k = max(1, len(raters) // 40)
        picked = rng.sample([ri for ri in range(len(raters)) if ri not in colluders], 3 * k)
        for idx in picked[:k]:
            severity[idx] = 12.0  # lenient
        for idx in picked[k:2 * k]:
            severity[idx] = -15.0  # severe
        for idx in picked[2 * k:]:
            straight[idx] = True
    self_unit: dict[int, int] = {}  # self rater -> the one unit it scores (its own; no `unit`
    if p.self_group:                 # field, or avoidance would exclude the self-evaluation)
        for ui, u in enumerate(units):
            n += 1
            self_unit[len(raters)] = ui
            raters.append({"code": f"R{n:0{width}d}", "group": "self", "name": f"{u['name']}（自评）"})
            severity.append(6.0)  # everybody thinks well of themselves
            straight.append(False)

    # --- conflicts (declared) and planted own-unit scores
    conflicts: list[dict[str, str]] = []
    conflict_units: dict[int, list[int]] = {}
    for ri, r in enumerate(raters):
        if r["group"] != "self" and rng.random() < p.conflicts:
            for ui in sorted(rng.sample(range(len(units)), rng.choice((1, 1, 2)))):
                if units[ui]["code"] != r.get("unit"):
                    conflicts.append({"rater": r["code"], "unit": units[ui]["code"]})
                    conflict_units.setdefault(ri, []).append(ui)

    # --- scores
    scores: list[dict[str, Any]] = []
    gauss, rand = rng.gauss, rng.random
    for ri, r in enumerate(raters):
        g = r["group"]
        own = r.get("unit")
        if g == "self":
            targets = [self_unit[ri]]
        else:
            targets = [ui for ui in range(len(units)) if rand() < p.unit_coverage]
            if own is not None:
                # the assignment leaves out the rater's own unit; a paper form now and then does not
                own_ui = unit_pos[own]
                if own_ui in targets and not (p.anomalies and rand() < 0.03):
                    targets.remove(own_ui)
            # conflicts are often declared after the forms came in: the scores are there
            targets = sorted(set(targets).union(conflict_units.get(ri, ())))
        line = _clip(gauss(84, 3), 60, 100) if straight[ri] else None
        for ui in targets:
            u = units[ui]
            base = quality[ui] + severity[ri] + favour.get((own or "", ui), 0.0)
            for leaf in rated_for[(g, u["type"])]:
                if rand() >= p.leaf_coverage:
                    continue
                if line is not None:
                    norm = line
                else:
                    norm = _clip(base + leaf_effect[(ui, leaf["code"])] + gauss(0, 5.5), 0, 100)
                scores.append({"rater": r["code"], "unit": u["code"], "indicator": leaf["code"],
                               "value": _value(norm, leaf)})

    # --- measures
    measures: list[dict[str, Any]] = []
    for ui, u in enumerate(units):
        z = (quality[ui] - 85) / 6
        for leaf in _applicable(indicators, u["type"]):
            if leaf["source"] == "measure" and rand() < 0.97:
                measures.append({"unit": u["code"], "indicator": leaf["code"],
                                 "value": _measure_value(leaf["rule"], z, rng)})

    # --- adjustments, vetoes
    adjustments: list[dict[str, Any]] = []
    for u in units:
        if rand() < p.adjustments:
            for _ in range(rng.choice((1, 1, 2))):
                if rand() < 0.45:
                    adjustments.append({"unit": u["code"], "points": rng.choice((0.5, 1, 1.5, 2, 3)),
                                        "reason": rng.choice(BONUS_REASONS)})
                else:
                    adjustments.append({"unit": u["code"], "points": -rng.choice((0.5, 1, 2, 3)),
                                        "reason": rng.choice(DEDUCTION_REASONS)})
    n_vetoes = round(len(units) * p.vetoes)
    if p.vetoes > 0 and n_vetoes == 0 and len(units) >= 20:
        n_vetoes = 1
    vetoes = [{"unit": units[ui]["code"], "reason": rng.choice(VETO_REASONS)}
              for ui in sorted(rng.sample(range(len(units)), n_vetoes))]

    # --- previous periods, oldest first
    history: list[dict[str, Any]] = []
    m = re.fullmatch(r"(\d{4})Q([1-4])", p.campaign)
    year, quarter = (int(m[1]), int(m[2])) if m else (2026, 3)
    for h in range(p.history, 0, -1):
        q = quarter - h
        y = year + (q - 1) // 4
        q = (q - 1) % 4 + 1
        past = [(u["code"], round(_clip(quality[ui] + gauss(0, 4), 0, 100), 2))
                for ui, u in enumerate(units) if rand() < 0.97]
        if p.anomalies and past:  # one unit that swung by more than 20%
            code, s = past[0]
            past[0] = (code, round(s * 0.7, 2))
        ordered = sorted(past, key=lambda cs: -cs[1])
        ranks: dict[str, int] = {}
        for pos, (code, s) in enumerate(ordered, start=1):
            prev = ordered[pos - 2] if pos > 1 else None
            ranks[code] = ranks[prev[0]] if prev is not None and round(prev[1], 2) == round(s, 2) else pos
        history.append({"campaign": f"{y}Q{q}",
                        "results": [{"unit": c, "score": s, "rank": ranks[c]} for c, s in past]})

    overrides = []
    top_codes = [n["code"] for n in indicators]
    if len(top_codes) >= 4:
        overrides.append({"match": {"region": "west"}, "weights": {top_codes[3]: 8}})
    if len(top_codes) >= 3:
        overrides.append({"match": {"type": "enterprise", "region": "east"}, "weights": {top_codes[2]: 25}})

    start_month = 3 * (quarter - 1) + 1
    end_day = 31 if start_month + 2 in (3, 12) else 30
    return {
        "format": FORMAT,
        "campaign": {
            "code": p.campaign, "name": f"{year}年第{'一二三四'[quarter - 1]}季度单位互评",
            "period_start": f"{year}-{start_month:02d}-01",
            "period_end": f"{year}-{start_month + 2:02d}-{end_day}",
        },
        "scoring": {
            "trim": {"min_count": 5, "drop_high": 1, "drop_low": 1},
            "grades": [{"name": "优秀", "min": 90}, {"name": "良好", "min": 80},
                       {"name": "合格", "min": 70}, {"name": "不合格", "min": 0}],
            "bonus_cap": 5,
            "fluctuation_threshold": 0.20,
            "low_score_threshold": 80,
        },
        "groups": [{"code": c, "name": nm, "weight": w} for c, nm, w in groups],
        "units": units,
        "indicators": indicators,
        "weight_overrides": overrides,
        "raters": raters,
        "conflicts": conflicts,
        "scores": scores,
        "measures": measures,
        "adjustments": adjustments,
        "vetoes": vetoes,
        "history": history,
    }


def dumps(bundle: dict[str, Any]) -> str:
    """JSON text with one record per line in the long lists (readable, diffable, compact)."""
    parts = []
    for key, value in bundle.items():
        head = json.dumps(key, ensure_ascii=False)
        if isinstance(value, list) and value and key != "indicators":
            body = ",\n  ".join(json.dumps(v, ensure_ascii=False) for v in value)
            parts.append(f"{head}: [\n  {body}\n ]")
        else:
            parts.append(f"{head}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n " + ",\n ".join(parts) + "\n}\n"


def write(bundle: dict[str, Any], output: str | Path | None) -> None:
    text = dumps(bundle)
    if output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    d = Params()
    ap = argparse.ArgumentParser(description="Generate a realistic kaoping-bundle/1 campaign (deterministic).")
    ap.add_argument("--units", type=int, default=d.units)
    ap.add_argument("--scores", type=int, default=d.scores, help="about this many scores (default %(default)s)")
    ap.add_argument("--raters", type=int, default=None, help="exactly this many raters (overrides --scores)")
    ap.add_argument("--leaves", type=int, default=d.leaves)
    ap.add_argument("--measured-share", type=float, default=d.measured_share)
    ap.add_argument("--scale-share", type=float, default=d.scale_share, help="share of rated leaves scored by label")
    ap.add_argument("--unit-coverage", type=float, default=d.unit_coverage, help="share of units each rater scores")
    ap.add_argument("--self-group", action="store_true", help="add a self-evaluation group of weight 0")
    ap.add_argument("--conflicts", type=float, default=d.conflicts, help="share of raters declaring a conflict")
    ap.add_argument("--adjustments", type=float, default=d.adjustments, help="share of units with bonus/deduction items")
    ap.add_argument("--vetoes", type=float, default=d.vetoes, help="share of vetoed units")
    ap.add_argument("--history", type=int, default=d.history, help="previous periods")
    ap.add_argument("--no-anomalies", action="store_true", help="no planted lenient/severe/colluding raters")
    ap.add_argument("--campaign", default=d.campaign)
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("-o", "--output", help="file to write (default: stdout)")
    args = ap.parse_args(argv)
    bundle = generate(Params(
        units=args.units, scores=args.scores, raters=args.raters, leaves=args.leaves,
        measured_share=args.measured_share, scale_share=args.scale_share,
        unit_coverage=args.unit_coverage, self_group=args.self_group, conflicts=args.conflicts,
        adjustments=args.adjustments, vetoes=args.vetoes, history=args.history,
        anomalies=not args.no_anomalies, seed=args.seed, campaign=args.campaign,
    ))
    write(bundle, args.output)
    if args.output not in (None, "-"):
        size = Path(args.output).stat().st_size
        print(f"{args.output}: {len(bundle['units'])} units, {len(bundle['raters'])} raters, "
              f"{sum(1 for _ in _leaves(bundle['indicators']))} leaves, {len(bundle['scores']):,} scores, "
              f"{len(bundle['measures']):,} measures, {size / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
