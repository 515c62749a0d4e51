"""CONTRACTS.md C1 scoring rules 1-10 → C2 results.

This module is the reference implementation every other number in Kaoping comes from:
the web application stores what :func:`score` returns, and an auditor running
``kaoping score`` on the exported bundle gets the same numbers. It favours a direct
reading of the contract over cleverness; the only concession to speed is that scores
are bucketed once, by integer key, in a single pass.

Conventions where the contract is silent (documented in README):

* a weighted mean whose weights sum to 0 (e.g. only a weight-0 self-evaluation group
  scored a leaf) has no score;
* a ``bands`` rule whose bands all lie above the value scores 0;
* a unit none of whose top-level nodes has a score gets base 0 and a ``missing_data``
  alert without an indicator;
* no grade with ``min <= total`` gives grade ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .bundle import Bundle, Indicator, Trim
from .rules import apply_rule
from .tree import Profile, profile_for

RESULTS_FORMAT = "kaoping-results/1"


@dataclass(slots=True)
class Alert:
    """One C2 alert; ``data`` carries the numbers behind ``detail`` for screens."""

    kind: str
    severity: str
    units: list[str]
    raters: list[str]
    indicator: str | None
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind, "severity": self.severity, "units": self.units,
            "raters": self.raters, "indicator": self.indicator, "detail": self.detail,
        }
        if self.data:
            out["data"] = self.data
        return out


@dataclass(slots=True)
class UnitResult:
    unit: str
    total: float
    base: float
    bonus: float
    deduction: float
    grade: str | None
    rank: int
    vetoed: bool
    groups: dict[str, float]
    nodes: dict[str, float]
    previous: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit, "total": self.total, "base": self.base, "bonus": self.bonus,
            "deduction": self.deduction, "grade": self.grade, "rank": self.rank,
            "vetoed": self.vetoed, "groups": self.groups, "nodes": self.nodes,
            "previous": self.previous,
        }


@dataclass(slots=True)
class Results:
    campaign: str
    units: list[UnitResult]
    alerts: list[Alert]
    #: second views beside the official C2 fields (e.g. ``rater_effects``); never replaces them
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": RESULTS_FORMAT,
            "campaign": self.campaign,
            "units": [u.to_dict() for u in self.units],
            "alerts": [a.to_dict() for a in self.alerts],
            **self.extra,
        }

    def by_unit(self) -> dict[str, UnitResult]:
        return {u.unit: u for u in self.units}


@dataclass(slots=True)
class ScoringContext:
    """Intermediate figures of one scoring run, for the integrity detectors.

    Keys ``(u, l, g)`` are indices into ``bundle.units``, ``bundle.leaves`` and
    ``bundle.groups``.
    """

    bundle: Bundle
    rater_group: list[int]
    #: per score (same order as ``bundle.scores``): False when excluded by avoidance
    counted: list[bool]
    #: (u, l, g) -> trimmed group mean (0..100)
    group_means: dict[tuple[int, int, int], float]
    #: (u, l) -> leaf score (0..100), rating and measured leaves
    leaf_scores: dict[tuple[int, int], float]
    profiles: list[Profile]


# --------------------------------------------------------------------------- helpers


def trimmed_mean(values: list[float], trim: Trim) -> float:
    """Rule 2 group mean: drop the extremes when there are enough values.

    Examples
    --------
    >>> trimmed_mean([60, 80, 85, 90, 100], Trim(5, 1, 1))
    85.0
    >>> trimmed_mean([60, 100], Trim(5, 1, 1))
    80.0
    """
    n = len(values)
    if n >= trim.min_count:
        kept = sorted(values)[trim.drop_low: n - trim.drop_high]
        return sum(kept) / len(kept)
    return sum(values) / n


def weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    """Mean of ``(weight, value)`` pairs, renormalised; ``None`` when weights sum to 0.

    Examples
    --------
    >>> weighted_mean([(40, 90.0), (30, 80.0)])  # doctest: +ELLIPSIS
    85.714285...
    >>> weighted_mean([(0, 90.0)]) is None
    True
    """
    den = sum(w for w, _ in pairs)
    if den <= 0:
        return None
    return sum(w * v for w, v in pairs) / den


def rollup(
    nodes: list[Indicator], profile: Profile, leaf_score: Callable[[Indicator], float | None],
    scored: dict[str, float], missing: list[str] | None = None,
) -> float | None:
    """Rules 4-5: weighted mean of the scored applicable nodes, recursively.

    Scores of every scored node are written into ``scored``; codes of applicable nodes
    without a score are appended to ``missing`` (when given).
    """
    pairs: list[tuple[float, float]] = []
    for node in nodes:
        if not profile.applies(node.code):
            continue
        if node.is_leaf:
            s = leaf_score(node)
        else:
            s = rollup(node.children, profile, leaf_score, scored, missing)
        if s is None:
            if missing is not None:
                missing.append(node.code)
            continue
        scored[node.code] = s
        pairs.append((profile.weights[node.code], s))
    return weighted_mean(pairs)


def assign_ranks(totals: list[float]) -> list[int]:
    """Rule 8: competition ranking (1, 2, 2, 4); ties are equal at 2 decimals.

    Examples
    --------
    >>> assign_ranks([90.0, 95.0, 90.004, 80.0])
    [2, 1, 2, 4]
    """
    order = sorted(range(len(totals)), key=lambda i: -totals[i])
    ranks = [0] * len(totals)
    prev: float | None = None
    rank = 0
    for position, i in enumerate(order, start=1):
        key = round(totals[i], 2)
        if key != prev:
            rank, prev = position, key
        ranks[i] = rank
    return ranks


def grade_for(total: float, grades: tuple[Any, ...], vetoed: bool) -> str | None:
    """Rule 7: first grade whose ``min <= total``; a vetoed unit gets the last grade."""
    if vetoed:
        return str(grades[-1].name)
    for g in grades:
        if g.min <= total:
            return str(g.name)
    return None


# --------------------------------------------------------------------------- scoring


def collect(bundle: Bundle) -> tuple[ScoringContext, list[Alert]]:
    """Rules 2-3: group means and leaf scores for every unit, with avoidance alerts."""
    units, leaves, groups, raters = bundle.units, bundle.leaves, bundle.groups, bundle.raters
    n_leaves, n_groups = len(leaves), max(len(groups), 1)
    unit_index = {u.code: i for i, u in enumerate(units)}
    group_index = {g.code: i for i, g in enumerate(groups)}
    rater_group = [group_index[r.group] for r in raters]
    rater_unit = [unit_index[r.unit] if r.unit is not None else -1 for r in raters]
    # rates[gi][li]: whether group gi rates leaf li (rated_by absent: every group)
    rates = [[leaf.rated_by is None or g.code in leaf.rated_by for leaf in leaves] for g in groups]
    # units each rater must not score: their own and their declared conflicts (rule 2)
    avoid: dict[int, set[int]] = {}
    for ri, ui in bundle.conflicts:
        avoid.setdefault(ri, set()).add(ui)
    for ri, ui in enumerate(rater_unit):
        if ui >= 0:
            avoid.setdefault(ri, set()).add(ui)
    excluded: list[frozenset[int] | None] = [None] * len(raters)
    for ri, us in avoid.items():
        excluded[ri] = frozenset(us)
    # sheets left out by a recorded decision (bundle ``exclusions``): rater -> units
    rater_index = {r.code: i for i, r in enumerate(raters)}
    decided_sets: dict[int, set[int]] = {}
    for ex_rec in bundle.exclusions:
        chosen = range(len(units)) if ex_rec.unit is None else (unit_index[ex_rec.unit],)
        decided_sets.setdefault(rater_index[ex_rec.rater], set()).update(chosen)
    decided: list[frozenset[int] | None] = [None] * len(raters)
    for ri, us in decided_sets.items():
        decided[ri] = frozenset(us)
    dropped: dict[int, int] = {}

    buckets: defaultdict[int, list[float]] = defaultdict(list)
    counted = [True] * len(bundle.scores)
    avoided: dict[tuple[int, int], int] = {}
    s = bundle.scores
    for i, (ri, ui, li, v) in enumerate(zip(s.rater, s.unit, s.leaf, s.value, strict=True)):
        ex = excluded[ri]
        if ex is not None and ui in ex:
            counted[i] = False
            avoided[(ri, ui)] = avoided.get((ri, ui), 0) + 1
            continue
        dx = decided[ri]
        if dx is not None and ui in dx:
            counted[i] = False
            dropped[ri] = dropped.get(ri, 0) + 1
            continue
        gi = rater_group[ri]
        if rates[gi][li]:
            buckets[(ui * n_leaves + li) * n_groups + gi].append(v)

    trim = bundle.scoring.trim
    group_means: dict[tuple[int, int, int], float] = {}
    per_leaf: dict[tuple[int, int], list[tuple[float, float]]] = {}
    weights = [g.weight for g in groups]
    for key in sorted(buckets):
        ul, gi = divmod(key, n_groups)
        ui, li = divmod(ul, n_leaves)
        mean = trimmed_mean(buckets[key], trim)
        group_means[(ui, li, gi)] = mean
        per_leaf.setdefault((ui, li), []).append((weights[gi], mean))
    leaf_scores: dict[tuple[int, int], float] = {}
    for ul_key, pairs in per_leaf.items():
        value = weighted_mean(pairs)
        if value is not None:
            leaf_scores[ul_key] = value
    for (ui, li), x in bundle.measures.items():
        rule = leaves[li].rule
        assert rule is not None
        leaf_scores[(ui, li)] = apply_rule(rule, x)

    cache: dict[tuple[Any, ...], Profile] = {}
    profiles = [profile_for(bundle, u, cache) for u in units]
    alerts: list[Alert] = []
    for (ri, ui), count in avoided.items():
        rater, unit = raters[ri], units[ui]
        why = "本单位" if rater_unit[ri] == ui else "申报的利益冲突单位"
        alerts.append(Alert(
            "avoidance", "warning", [unit.code], [rater.code], None,
            f"评价人 {rater.code} 对{why} {unit.code}（{unit.name}）的 {count} 条评分已按回避规则剔除",
            {"excluded_scores": count, "reason": "own_unit" if rater_unit[ri] == ui else "conflict"},
        ))
    for ex_rec in bundle.exclusions:
        ri = rater_index[ex_rec.rater]
        scope = f"对单位 {ex_rec.unit} 的评分" if ex_rec.unit else "全部评分"
        alerts.append(Alert(
            "excluded_sheet", "info", [ex_rec.unit] if ex_rec.unit else [], [ex_rec.rater], None,
            f"评价人 {ex_rec.rater} 的{scope}已按处理决定剔除（共剔除 {dropped.get(ri, 0)} 条）：{ex_rec.reason}",
            {"excluded_scores": dropped.get(ri, 0), "decision": ex_rec.decision, "reason": ex_rec.reason},
        ))
    context = ScoringContext(bundle, rater_group, counted, group_means, leaf_scores, profiles)
    return context, alerts


def _official_leaf(
    leaf_scores: dict[tuple[int, int], float], leaf_pos: dict[str, int], ui: int, node: Indicator,
) -> float | None:
    return leaf_scores.get((ui, leaf_pos[node.code]))


def _group_leaf(
    means: dict[tuple[int, int, int], float], leaf_pos: dict[str, int], measured: list[bool],
    ui: int, gi: int, node: Indicator,
) -> float | None:
    li = leaf_pos[node.code]
    return None if measured[li] else means.get((ui, li, gi))


def score(bundle: Bundle, *, detectors: bool = True, rater_effects: bool = False) -> Results:
    """Compute C2 results from a validated bundle.

    Parameters
    ----------
    bundle : Bundle
        From :func:`kaoping.engine.bundle.parse_bundle`.
    detectors : bool
        Run the integrity detectors (:mod:`kaoping.engine.integrity`) besides the
        C1 alerts (avoidance, missing data, fluctuation, low streak).
    rater_effects : bool
        Add the many-facet rater-effect view (:mod:`kaoping.engine.mfrm`) under the
        extra key ``rater_effects``; also on when ``scoring.rater_effects`` is true.

    Examples
    --------
    >>> from kaoping.engine.bundle import parse_bundle
    >>> b = parse_bundle({"format": "kaoping-bundle/1", "campaign": {"code": "C"},
    ...   "groups": [{"code": "sup", "weight": 40}, {"code": "peer", "weight": 30}],
    ...   "units": [{"code": "U1"}, {"code": "U2"}],
    ...   "indicators": [{"code": "A"}],
    ...   "raters": [{"code": "R1", "group": "sup"}, {"code": "R2", "group": "peer"}],
    ...   "scores": [{"rater": "R1", "unit": "U1", "indicator": "A", "value": 90},
    ...              {"rater": "R2", "unit": "U1", "indicator": "A", "value": 76},
    ...              {"rater": "R1", "unit": "U2", "indicator": "A", "value": 85}]})
    >>> [(u.unit, u.total, u.grade, u.rank) for u in score(b).units]
    [('U2', 85.0, '良好', 1), ('U1', 84.0, '良好', 2)]
    """
    ctx, alerts = collect(bundle)
    units, leaves, groups = bundle.units, bundle.leaves, bundle.groups
    leaf_pos = {leaf.code: i for i, leaf in enumerate(leaves)}
    positive: dict[str, float] = {}
    negative: dict[str, float] = {}
    for a in bundle.adjustments:
        if a.points > 0:
            positive[a.unit] = positive.get(a.unit, 0.0) + a.points
        elif a.points < 0:
            negative[a.unit] = negative.get(a.unit, 0.0) + a.points
    vetoed = {v.unit for v in bundle.vetoes}
    cap = bundle.scoring.bonus_cap
    measured = [leaf.source == "measure" for leaf in leaves]

    results: list[UnitResult] = []
    for ui, unit in enumerate(units):
        profile = ctx.profiles[ui]
        leaf_score = partial(_official_leaf, ctx.leaf_scores, leaf_pos, ui)
        nodes: dict[str, float] = {}
        missing: list[str] = []
        base = rollup(bundle.indicators, profile, leaf_score, nodes, missing)
        for code in missing:
            node = bundle.nodes[code]
            what = "无评分或数据" if node.is_leaf else "下级指标均无得分"
            alerts.append(Alert(
                "missing_data", "warning", [unit.code], [], code,
                f"单位 {unit.code}（{unit.name}）的指标 {code}（{node.name}）{what}，"
                "已不计入，同级指标权重重新归一",
            ))
        if base is None:
            alerts.append(Alert(
                "missing_data", "critical", [unit.code], [], None,
                f"单位 {unit.code}（{unit.name}）没有任何指标得分，基础分按 0 计",
            ))
            base = 0.0

        group_scores: dict[str, float] = {}
        for gi, group in enumerate(groups):
            group_leaf = partial(_group_leaf, ctx.group_means, leaf_pos, measured, ui, gi)
            sub = rollup(bundle.indicators, profile, group_leaf, {})
            if sub is not None:
                group_scores[group.code] = sub

        bonus = positive.get(unit.code, 0.0)
        if cap is not None:
            bonus = min(bonus, cap)
        deduction = 0.0 - negative.get(unit.code, 0.0)  # 0.0, never -0.0
        total = max(0.0, base + bonus - deduction)
        is_vetoed = unit.code in vetoed
        results.append(UnitResult(
            unit=unit.code, total=total, base=base, bonus=bonus, deduction=deduction,
            grade=grade_for(total, bundle.scoring.grades, is_vetoed), rank=0,
            vetoed=is_vetoed, groups=group_scores, nodes=nodes,
        ))

    clean = [r for r in results if not r.vetoed]
    dirty = [r for r in results if r.vetoed]
    for rank, r in zip(assign_ranks([r.total for r in clean]), clean, strict=True):
        r.rank = rank
    for rank, r in zip(assign_ranks([r.total for r in dirty]), dirty, strict=True):
        r.rank = len(clean) + rank
    order = {r.unit: i for i, r in enumerate(results)}
    results.sort(key=lambda r: (r.rank, order[r.unit]))

    from .integrity import detect

    alerts.extend(detect(ctx, results, full=detectors))
    out = Results(bundle.code, results, alerts)
    if rater_effects or bundle.scoring.options.get("rater_effects") is True:
        from .mfrm import adjust

        out.extra["rater_effects"] = adjust(bundle, ctx).to_dict()
    return out
