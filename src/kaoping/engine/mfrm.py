"""Rater-effect adjustment: a second view beside the official score, never replacing it.

A many-facet model in the spirit of FACETS / MFRM, kept additive so that every number
stays on the familiar 0..100 scale. Each counted score (normalised ``x``) is modelled as

    ``x = μ + θ[unit] − δ[indicator] − ρ[rater] + ε``

with sum-to-zero constraints (the mean of θ over units, of δ over indicators and of ρ
over raters is 0), estimated by **alternating least squares** (backfitting): starting
from 0, each facet in turn is set to the mean residual of its scores given the others,
re-centred, until no parameter moves by more than ``tol`` (default 1e-6 points) or
``max_iter`` sweeps. For a complete design (everyone scores everything) this is the
two-way ANOVA solution after one sweep; for the incomplete designs of a random draw
(双随机) it converges to the least-squares fit.

A rater's total effect ``ρ`` is split into the group's mean ``γ[group]`` (groups may see
units differently by design: the official weights take care of that) and the rater's
own **severity** ``σ = ρ − γ`` (positive: harsher than the group's average rater).

The **adjusted score** of a unit is the official computation (C1 rules 2-6: trimmed group
means, group weights, weighted roll-up, bonus and deductions) applied to the scores
corrected for their rater's severity, ``x + σ[rater]``; measured leaves are unchanged.
It answers "what would the unit have got from the group's average rater".

Fit: with ``e = x − x̂`` and a model variance ``W = c·p̂(1 − p̂)``, ``p̂ = x̂/100`` clipped
to [0.05, 0.95] (scores vary less near the ends of the scale) and ``c`` chosen so that
the campaign's mean of ``e²/W`` is 1, a rater's **outfit** is the mean of ``e²/W`` over
their scores and **infit** is ``Σe² / ΣW`` (information-weighted). Both are near 1 for a
rater who fits. Above 1.5: the rater's scores do not follow the differences the others
see (erratic scores, or the same answer for every unit); below 0.5: too predictable
(scores that copy the consensus).

:func:`adjust` needs numpy. The official results (C2) are not touched; how the view is
published is up to the caller (see :meth:`Adjusted.to_dict`).

Examples
--------
>>> from kaoping.engine.bundle import parse_bundle
>>> from kaoping.engine.scoring import collect
>>> b = parse_bundle({"format": "kaoping-bundle/1", "campaign": {"code": "C"},
...   "groups": [{"code": "g"}], "units": [{"code": "U1"}, {"code": "U2"}],
...   "indicators": [{"code": "A"}],
...   "raters": [{"code": "R1", "group": "g"}, {"code": "R2", "group": "g"},
...              {"code": "R3", "group": "g"}],
...   "scores": [{"rater": "R1", "unit": "U1", "indicator": "A", "value": 90},
...              {"rater": "R2", "unit": "U1", "indicator": "A", "value": 80},
...              {"rater": "R1", "unit": "U2", "indicator": "A", "value": 80},
...              {"rater": "R2", "unit": "U2", "indicator": "A", "value": 70},
...              {"rater": "R3", "unit": "U2", "indicator": "A", "value": 60}]})
>>> ctx, _ = collect(b)
>>> adj = adjust(b, ctx)
>>> [(u.unit, round(u.official, 2), round(u.adjusted, 2)) for u in adj.units]
[('U1', 85.0, 80.0), ('U2', 70.0, 70.0)]
>>> [(r.rater, round(r.severity, 2)) for r in adj.raters]
[('R1', -10.0), ('R2', 0.0), ('R3', 10.0)]

U1 was scored only by the lenient R1 and the average R2; corrected, it gets 80.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .bundle import Bundle, Indicator
    from .scoring import ScoringContext

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.intp]

METHOD = "additive many-facet model x = μ + θ_unit − δ_indicator − ρ_rater, alternating least squares"


@dataclass(frozen=True, slots=True)
class UnitEffect:
    """One unit: official total, adjusted total and the model's measure."""

    unit: str
    official: float
    adjusted: float
    #: ``adjusted − official``: what the raters' severities did to the unit
    shift: float
    #: ``μ + θ``: expected score from an average rater on an average indicator
    measure: float
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "official": self.official, "adjusted": self.adjusted,
                "shift": self.shift, "measure": self.measure, "count": self.count}


@dataclass(frozen=True, slots=True)
class RaterEffect:
    """One rater: severity within the group (+ harsher), fit mean squares, score count."""

    rater: str
    group: str
    severity: float
    infit: float
    outfit: float
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"rater": self.rater, "group": self.group, "severity": self.severity,
                "infit": self.infit, "outfit": self.outfit, "count": self.count}


@dataclass(frozen=True, slots=True)
class IndicatorEffect:
    """One rated leaf: difficulty (+ harder: lower scores) and score count."""

    indicator: str
    difficulty: float
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "difficulty": self.difficulty, "count": self.count}


@dataclass(slots=True)
class Adjusted:
    """The rater-effect view of a campaign (see the module docstring)."""

    mu: float
    units: list[UnitEffect]
    raters: list[RaterEffect]
    indicators: list[IndicatorEffect]
    #: group code -> the group's mean rater effect γ (+ harsher)
    groups: dict[str, float]
    iterations: int
    converged: bool
    #: standard deviation of the model residuals (points)
    residual_sd: float
    method: str = field(default=METHOD)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view, e.g. for an extra top-level ``"rater_effects"`` key of C2.

        Examples
        --------
        >>> Adjusted(80.0, [], [], [], {}, 1, True, 0.0).to_dict()["converged"]
        True
        """
        return {
            "method": self.method, "mu": self.mu, "iterations": self.iterations,
            "converged": self.converged, "residual_sd": self.residual_sd,
            "units": [u.to_dict() for u in self.units],
            "raters": [r.to_dict() for r in self.raters],
            "indicators": [i.to_dict() for i in self.indicators],
            "groups": [{"group": g, "severity": s} for g, s in self.groups.items()],
        }


@dataclass(slots=True)
class Fit:
    """Parameters of the additive model (see :func:`fit`)."""

    mu: float
    theta: FloatArray
    delta: FloatArray
    rho: FloatArray
    iterations: int
    converged: bool


def fit(
    rater: IntArray, unit: IntArray, leaf: IntArray, value: FloatArray,
    n_raters: int, n_units: int, n_leaves: int, *, tol: float = 1e-6, max_iter: int = 500,
) -> Fit:
    """Alternating least squares for ``x = μ + θ[unit] − δ[leaf] − ρ[rater] + ε``.

    Each sweep sets θ, then δ, then ρ to the mean residual of their scores given the
    other facets, centres each over the elements that have scores (moving the mean into
    μ), and stops when the largest change is below ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.array([0, 0, 1, 1]); u = np.array([0, 1, 0, 1]); l = np.zeros(4, dtype=int)
    >>> f = fit(r, u, l, np.array([82.0, 72.0, 78.0, 68.0]), 2, 2, 1)
    >>> f.mu, f.theta.tolist(), f.rho.tolist(), f.iterations
    (75.0, [5.0, -5.0], [-2.0, 2.0], 2)
    """
    import numpy as np

    def means(index: IntArray, x: FloatArray, size: int, n: IntArray) -> FloatArray:
        total = np.bincount(index, weights=x, minlength=size)
        return np.divide(total, n, out=np.zeros(size), where=n > 0)

    n_u = np.bincount(unit, minlength=n_units)
    n_l = np.bincount(leaf, minlength=n_leaves)
    n_r = np.bincount(rater, minlength=n_raters)
    has_u, has_l, has_r = n_u > 0, n_l > 0, n_r > 0
    mu = float(value.mean()) if value.size else 0.0
    theta = np.zeros(n_units)
    delta = np.zeros(n_leaves)
    rho = np.zeros(n_raters)
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        old = (mu, theta, delta, rho)
        # unit quality: x − μ + δ + ρ
        theta = means(unit, value - mu + delta[leaf] + rho[rater], n_units, n_u)
        m = float(theta[has_u].mean()) if has_u.any() else 0.0
        theta[has_u] -= m
        mu += m
        # indicator difficulty: μ + θ − ρ − x
        delta = means(leaf, mu + theta[unit] - rho[rater] - value, n_leaves, n_l)
        m = float(delta[has_l].mean()) if has_l.any() else 0.0
        delta[has_l] -= m
        mu -= m
        # rater effect: μ + θ − δ − x
        rho = means(rater, mu + theta[unit] - delta[leaf] - value, n_raters, n_r)
        m = float(rho[has_r].mean()) if has_r.any() else 0.0
        rho[has_r] -= m
        mu -= m
        change = max(
            abs(mu - old[0]), float(np.abs(theta - old[1]).max(initial=0.0)),
            float(np.abs(delta - old[2]).max(initial=0.0)), float(np.abs(rho - old[3]).max(initial=0.0)),
        )
        if change < tol:
            converged = True
            break
    return Fit(mu, theta, delta, rho, iterations, converged)


def _trimmed_means(
    key: IntArray, value: FloatArray, n_keys: int, min_count: int, drop_low: int, drop_high: int,
) -> tuple[FloatArray, IntArray]:
    """C1 rule 2 group means for every integer ``key`` at once (one sort).

    Examples
    --------
    >>> import numpy as np
    >>> m, n = _trimmed_means(np.array([0, 0, 0, 0, 0, 1]),
    ...                       np.array([60.0, 80, 85, 90, 100, 70]), 2, 5, 1, 1)
    >>> m.tolist(), n.tolist()
    ([85.0, 70.0], [5, 1])
    """
    import numpy as np

    count = np.bincount(key, minlength=n_keys)
    if value.size == 0:
        return np.zeros(n_keys), count.astype(np.intp)
    low, span = float(value.min()), float(value.max() - value.min()) + 1.0
    order = np.argsort(key * span + (value - low))  # by key, then value
    k, v = key[order], value[order]
    start = np.cumsum(count) - count
    rank = np.arange(k.size) - start[k]
    n = count[k]
    keep = (n < min_count) | ((rank >= drop_low) & (rank < n - drop_high))
    kept = np.bincount(k[keep], minlength=n_keys)
    total = np.bincount(k[keep], weights=v[keep], minlength=n_keys)
    return np.divide(total, kept, out=np.zeros(n_keys), where=kept > 0), count.astype(np.intp)


def _totals(bundle: Bundle, ctx: ScoringContext, leaf_scores: dict[tuple[int, int], float]) -> list[float]:
    """C1 rules 4-6 from leaf scores: roll-up, then bonus (capped) and deductions."""
    from .scoring import rollup

    leaf_pos = {leaf.code: i for i, leaf in enumerate(bundle.leaves)}
    positive: dict[str, float] = {}
    negative: dict[str, float] = {}
    for a in bundle.adjustments:
        if a.points > 0:
            positive[a.unit] = positive.get(a.unit, 0.0) + a.points
        elif a.points < 0:
            negative[a.unit] = negative.get(a.unit, 0.0) + a.points
    cap = bundle.scoring.bonus_cap
    totals: list[float] = []
    for ui, unit in enumerate(bundle.units):

        def leaf_score(node: Indicator, ui: int = ui) -> float | None:
            return leaf_scores.get((ui, leaf_pos[node.code]))

        base = rollup(bundle.indicators, ctx.profiles[ui], leaf_score, {})
        bonus = positive.get(unit.code, 0.0)
        if cap is not None:
            bonus = min(bonus, cap)
        totals.append(max(0.0, (base or 0.0) + bonus + negative.get(unit.code, 0.0)))
    return totals


def adjust(bundle: Bundle, ctx: ScoringContext, *, tol: float = 1e-6, max_iter: int = 500) -> Adjusted:
    """Fit the rater-effect model and compute each unit's adjusted score.

    Parameters
    ----------
    bundle : Bundle
        The validated campaign.
    ctx : ScoringContext
        From :func:`kaoping.engine.scoring.collect` (the same scores as the official
        result: avoided scores and scores of groups a leaf is not ``rated_by`` are left
        out).
    tol, max_iter : float, int
        Convergence of :func:`fit`.

    Returns
    -------
    Adjusted
        Per unit: official and adjusted total, shift, measure; per rater: severity within
        the group, infit, outfit, count; per indicator: difficulty; per group: γ.
    """
    import numpy as np

    from .detectors.common import prepare
    from .detectors.thresholds import Thresholds
    from .scoring import weighted_mean

    cols = prepare(ctx, Thresholds())
    n_r, n_u, n_l, n_g = cols.n_raters, cols.n_units, max(cols.n_leaves, 1), cols.n_groups
    x = cols.value
    f = fit(cols.rater, cols.unit, cols.leaf, x, n_r, n_u, n_l, tol=tol, max_iter=max_iter)

    # split ρ into the group's mean rater effect and the rater's own severity
    n_r_scores = np.bincount(cols.rater, minlength=n_r)
    has = n_r_scores > 0
    gamma = np.zeros(n_g)
    for g in range(n_g):
        members = has & (cols.rater_group == g)
        if members.any():
            gamma[g] = float(f.rho[members].mean())
    sigma = np.where(has, f.rho - gamma[cols.rater_group], 0.0)

    # fit statistics
    expected = f.mu + f.theta[cols.unit] - f.delta[cols.leaf] - f.rho[cols.rater]
    e = x - expected
    p = np.clip(expected / 100.0, 0.05, 0.95)
    w = p * (1.0 - p)
    q = e * e / w
    scale = float(q.mean()) if q.size and q.mean() > 0 else 1.0
    w = w * scale
    outfit = np.divide(np.bincount(cols.rater, weights=e * e / w, minlength=n_r), n_r_scores,
                       out=np.zeros(n_r), where=has)
    w_sum = np.bincount(cols.rater, weights=w, minlength=n_r)
    infit = np.divide(np.bincount(cols.rater, weights=e * e, minlength=n_r), w_sum,
                      out=np.zeros(n_r), where=w_sum > 0)

    # adjusted leaf scores: rule 2 on the corrected values, measured leaves unchanged
    corrected = x + sigma[cols.rater]
    key = (cols.unit * n_l + cols.leaf) * n_g + cols.group
    trim = bundle.scoring.trim
    means, counts = _trimmed_means(key, corrected, n_u * n_l * n_g, trim.min_count,
                                   trim.drop_low, trim.drop_high)
    weights = [g.weight for g in bundle.groups]
    adjusted_leaves: dict[tuple[int, int], float] = {}
    for cell in np.flatnonzero(counts.reshape(n_u * n_l, n_g).any(axis=1)).tolist():
        ui, li = divmod(cell, n_l)
        pairs = [(weights[g], float(means[cell * n_g + g])) for g in range(n_g)
                 if counts[cell * n_g + g] > 0]
        value = weighted_mean(pairs)
        if value is not None:
            adjusted_leaves[(ui, li)] = value
    for (ui, li), score in ctx.leaf_scores.items():
        if bundle.leaves[li].source == "measure":
            adjusted_leaves[(ui, li)] = score
    official = _totals(bundle, ctx, ctx.leaf_scores)
    adjusted = _totals(bundle, ctx, adjusted_leaves)

    n_u_scores = np.bincount(cols.unit, minlength=n_u)
    n_l_scores = np.bincount(cols.leaf, minlength=n_l)
    units = [
        UnitEffect(u.code, official[i], adjusted[i], adjusted[i] - official[i],
                   f.mu + float(f.theta[i]), int(n_u_scores[i]))
        for i, u in enumerate(bundle.units)
    ]
    raters = [
        RaterEffect(r.code, r.group, float(sigma[i]), float(infit[i]), float(outfit[i]),
                    int(n_r_scores[i]))
        for i, r in enumerate(bundle.raters) if has[i]
    ]
    indicators = [
        IndicatorEffect(leaf.code, float(f.delta[i]), int(n_l_scores[i]))
        for i, leaf in enumerate(bundle.leaves) if leaf.source != "measure" and n_l_scores[i] > 0
    ]
    groups = {g.code: float(gamma[i]) for i, g in enumerate(bundle.groups)
              if (has & (cols.rater_group == i)).any()}
    return Adjusted(
        mu=f.mu, units=units, raters=raters, indicators=indicators, groups=groups,
        iterations=f.iterations, converged=f.converged,
        residual_sd=float(np.sqrt((e * e).mean())) if e.size else 0.0,
    )
