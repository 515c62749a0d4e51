"""``mutual_high``: units whose evaluators favour each other (R5.2 协商打分, 人情分)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ..scoring import Alert
from .common import BoolArray, Columns, FloatArray, IntArray, num, robust_z, signed

#: at most this many partial paths are explored when looking for rings
RING_SEARCH_BUDGET = 200_000


@dataclass(slots=True)
class Favour:
    """How the raters of one unit score every other unit, beyond their own habits.

    ``gap[s, t]`` is the mean, over scores by raters belonging to unit *s* on unit *t*,
    of ``value − cell median − the rater's own mean residual`` (so a generally lenient
    rater does not look like a friend of everybody); ``n[s, t]`` counts those scores.
    ``edge[s, t]`` marks a gap large enough to be a link of a ring (see
    :func:`mutual_high`).
    """

    gap: FloatArray
    n: IntArray
    z: FloatArray
    #: enough scores to judge the direction
    ok: BoolArray
    edge: BoolArray
    #: per target unit: sum and count of the same quantity over all raters
    target_sum: FloatArray
    target_n: IntArray
    median: float
    scale: float
    #: units whose raters scored at least one other unit enough to judge
    sources: int


def favour_matrix(cols: Columns) -> Favour | None:
    """Build :class:`Favour` from the counted scores (``None`` when no rater has a unit)."""
    th = cols.th
    n_u, n_r = cols.n_units, cols.n_raters
    valid = cols.valid
    rater, unit, resid = cols.rater[valid], cols.unit[valid], cols.resid[valid]
    count = np.bincount(rater, minlength=n_r)
    habit = np.divide(np.bincount(rater, weights=resid, minlength=n_r), count,
                      out=np.zeros(n_r), where=count > 0)
    f = resid - habit[rater]
    source = cols.rater_unit[rater]
    own = source >= 0
    if not own.any():
        return None
    key = source[own] * n_u + unit[own]
    size = n_u * n_u
    n = np.bincount(key, minlength=size).reshape(n_u, n_u)
    total = np.bincount(key, weights=f[own], minlength=size).reshape(n_u, n_u)
    gap = np.divide(total, n, out=np.zeros((n_u, n_u)), where=n > 0)
    ok: BoolArray = n >= th.mutual_min_scores
    z, median, scale = robust_z(gap, ok)
    edge = ok & (gap - median >= th.mutual_points) & (z >= th.ring_edge_z)
    return Favour(
        gap=gap, n=n.astype(np.intp), z=z, ok=ok, edge=edge,
        target_sum=np.bincount(unit, weights=f, minlength=n_u).astype(np.float64),
        target_n=np.bincount(unit, minlength=n_u).astype(np.intp), median=median, scale=scale,
        sources=int(ok.any(axis=1).sum()),
    )


def _severity(smallest_gap: float, points: float) -> str:
    return "critical" if smallest_gap >= max(2 * points, 10.0) else "warning"


def combined_threshold(n_units: int, size: int, alpha: float) -> float:
    """Least combined z of a pair (``size`` 2) or ring of ``size`` units.

    Bonferroni over the possible groups: with ``C = n!/((n − size)!·size)`` directed
    cycles of ``size`` among ``n`` units (``n(n−1)/2`` pairs), the bound is
    ``Φ⁻¹(1 − alpha/C)``, so that an honest campaign raises a false pair (or ring of that
    size) with probability about ``alpha``.

    Examples
    --------
    >>> round(combined_threshold(40, 2, 0.005), 2), round(combined_threshold(40, 3, 0.005), 2)
    (4.36, 5.02)
    """
    count = 1.0
    for i in range(size):
        count *= max(n_units - i, 1)
    count /= size
    p = min(alpha / max(count, 1.0), 0.5)
    return -NormalDist().inv_cdf(p)


def _others(fav: Favour, pairs: list[tuple[int, int]]) -> tuple[float, int]:
    """Mean gap of everybody else on the targets of ``pairs`` (edges s→t)."""
    total = sum(float(fav.target_sum[t] - fav.gap[s, t] * fav.n[s, t]) for s, t in pairs)
    count = sum(int(fav.target_n[t] - fav.n[s, t]) for s, t in pairs)
    return (total / count if count else 0.0), count


def _raters_of(cols: Columns, edges: list[tuple[int, int]]) -> list[str]:
    """Codes of the raters belonging to a source unit who scored its target."""
    codes: set[str] = set()
    for s, t in edges:
        mask = (cols.rater_unit[cols.rater] == s) & (cols.unit == t)
        codes.update(cols.bundle.raters[r].code for r in np.unique(cols.rater[mask]).tolist())
    return sorted(codes)


def mutual_high(cols: Columns) -> list[Alert]:
    """``mutual_high``: pairs (and small rings) of units favouring each other.

    Statistic
        ``gap[s, t]`` of :class:`Favour`: how much higher the raters of unit *s* score
        unit *t* than the consensus (cell median), after removing each rater's own
        average deviation; its robust z-score ``z = (gap − median)/s`` over all ordered
        unit pairs with at least ``mutual_min_scores`` (3) scores (``s``: biweight
        scale).
    Threshold
        *Pair*: the combined ``(z_ab + z_ba)/√2`` reaches :func:`combined_threshold`
        for pairs, each direction has ``z ≥ mutual_edge_z`` (1) and the mean of the
        two gaps is at least ``mutual_points`` (6) above the median pair. (A favour to a
        unit already near full marks cannot show much: one strong direction and a
        weaker one still count when together they are beyond chance.)
        *Ring*: a directed cycle of 3 to ``ring_max`` (4) links (A favours B, B favours
        C, C favours A), each link with ``gap − median ≥ mutual_points`` and
        ``z ≥ ring_edge_z`` (1.5), whose ``Σz/√k`` reaches the threshold for rings of that
        size. The thresholds are Bonferroni bounds that keep the chance of a false alarm
        in an honest campaign near ``mutual_alpha`` (0.005) per size, whatever the
        number of units (4.36 for pairs among 40 units, 5.02 for rings of three).
        Severity ``critical`` when the smallest gap is at least ``2·mutual_points`` and
        10 points. ``data`` holds the gaps, z-scores and score counts and how
        everybody else rates the same units (near 0 for an honest consensus).

    Examples
    --------
    ``U03（单位03）与 U07（单位07）互评偏高：U03 的评价人给 U07 的评分比共识高 +17.1 分
    （4 条），U07 的评价人给 U03 的高 +15.3 分（4 条）；其他评价者对二者平均 +0.4 分 …``
    """
    fav = favour_matrix(cols)
    if fav is None:
        return []
    th = cols.th
    units = cols.bundle.units
    alerts: list[Alert] = []
    need = combined_threshold(fav.sources, 2, th.mutual_alpha)
    strong = fav.ok & (fav.z >= th.mutual_edge_z)
    both = strong & strong.T
    both &= (fav.z + fav.z.T) / math.sqrt(2.0) >= need
    both &= (fav.gap + fav.gap.T) / 2.0 - fav.median >= th.mutual_points
    for a, b in zip(*np.nonzero(np.triu(both, 1)), strict=True):
        a, b = int(a), int(b)
        combined = float(fav.z[a, b] + fav.z[b, a]) / math.sqrt(2.0)
        ua, ub = units[a], units[b]
        others, n_others = _others(fav, [(a, b), (b, a)])
        ab, ba = float(fav.gap[a, b]), float(fav.gap[b, a])
        alerts.append(Alert(
            "mutual_high", _severity(min(ab, ba), th.mutual_points),
            [ua.code, ub.code], _raters_of(cols, [(a, b), (b, a)]), None,
            f"{ua.code}（{ua.name}）与 {ub.code}（{ub.name}）互评偏高：{ua.code} 的评价人给 {ub.code} "
            f"的评分比共识高 {signed(ab)} 分（{int(fav.n[a, b])} 条），{ub.code} 的评价人给 {ua.code} "
            f"的高 {signed(ba)} 分（{int(fav.n[b, a])} 条）；其他评价者对二者平均 {signed(others)} 分；"
            f"合并 z = {combined:.1f}（阈值 {need:.2f}，两个方向平均至少 {th.mutual_points:g} 分）",
            {
                "gap_ab": num(ab), "gap_ba": num(ba), "scores_ab": int(fav.n[a, b]),
                "scores_ba": int(fav.n[b, a]), "z_ab": num(fav.z[a, b]), "z_ba": num(fav.z[b, a]),
                "combined_z": num(combined), "threshold_z": num(need),
                "others": num(others), "others_scores": n_others,
                "threshold_points": th.mutual_points,
            },
        ))
    for ring in find_rings(fav.edge, th.ring_max):
        edges = [(ring[i], ring[(i + 1) % len(ring)]) for i in range(len(ring))]
        combined = sum(float(fav.z[s, t]) for s, t in edges) / math.sqrt(len(ring))
        need_k = combined_threshold(fav.sources, len(ring), th.mutual_alpha)
        if combined < need_k:
            continue
        gaps = [float(fav.gap[s, t]) for s, t in edges]
        others, n_others = _others(fav, edges)
        chain = " → ".join(units[u].code for u in [*ring, ring[0]])
        steps = "，".join(
            f"{units[s].code}→{units[t].code} {signed(g)} 分（{int(fav.n[s, t])} 条）"
            for (s, t), g in zip(edges, gaps, strict=True)
        )
        alerts.append(Alert(
            "mutual_high", _severity(min(gaps), th.mutual_points),
            sorted(units[u].code for u in ring), _raters_of(cols, edges), None,
            f"{len(ring)} 个单位循环互相抬分（{chain}）：各单位评价人给下一单位的评分比共识高 {steps}；"
            f"其他评价者对这些单位平均 {signed(others)} 分；合并 z = {combined:.1f}（阈值 {need_k:.2f}）",
            {
                "ring": [units[u].code for u in ring],
                "gaps": [num(g) for g in gaps],
                "z": [num(fav.z[s, t]) for s, t in edges],
                "scores": [int(fav.n[s, t]) for s, t in edges],
                "combined_z": num(combined), "threshold_z": num(need_k),
                "others": num(others), "others_scores": n_others,
                "threshold_points": th.mutual_points,
            },
        ))
    return alerts


def find_rings(edge: BoolArray, longest: int) -> list[list[int]]:
    """Directed simple cycles of 3..``longest`` nodes, each set of nodes once.

    Each cycle is listed from its smallest node; cycles over the same set of nodes
    (A→B→C→A and A→C→B→A in a clique) are reported once. The search stops after
    :data:`RING_SEARCH_BUDGET` partial paths (it only matters for a graph dense with
    favours, where pairs are reported anyway).

    Examples
    --------
    >>> e = np.zeros((4, 4), dtype=bool)
    >>> e[0, 2] = e[2, 3] = e[3, 0] = True
    >>> find_rings(e, 5)
    [[0, 2, 3]]
    """
    nodes = np.flatnonzero(edge.any(axis=1) & edge.any(axis=0)).tolist()
    keep = set(nodes)
    succ = {u: [v for v in np.flatnonzero(edge[u]).tolist() if v in keep] for u in nodes}
    seen: set[frozenset[int]] = set()
    rings: list[list[int]] = []
    budget = RING_SEARCH_BUDGET
    for start in nodes:
        stack: list[list[int]] = [[start]]
        while stack and budget > 0:
            budget -= 1
            path = stack.pop()
            for nxt in succ[path[-1]]:
                if nxt == start:
                    if len(path) >= 3:
                        key = frozenset(path)
                        if key not in seen:
                            seen.add(key)
                            rings.append(path)
                elif nxt > start and len(path) < longest and nxt not in path:
                    stack.append([*path, nxt])
    return sorted(rings)
