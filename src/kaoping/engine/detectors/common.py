"""Score columns as numpy arrays, the consensus they are judged against, robust statistics.

:func:`prepare` converts the bundle's score columns to arrays once (the only pass over
single scores in Python, done by numpy's converters) and computes the consensus every
rater detector uses: the **median of each (unit, indicator) cell** over all counted
scores. A score's *residual* is its normalised value minus its cell's median.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, SupportsFloat

import numpy as np
import numpy.typing as npt

from .thresholds import Thresholds

if TYPE_CHECKING:
    from ..bundle import Bundle
    from ..scoring import ScoringContext

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: smallest robust spread (points, or the statistic's unit) used as a divisor
MAD_FLOOR = 0.5


@dataclass(slots=True)
class Columns:
    """The scores that count (not avoided, group allowed on the leaf), column-wise.

    Attributes
    ----------
    rater, unit, leaf, group : int arrays, one entry per score
    value : float array, normalised 0..100
    resid : float array, ``value - median of its (unit, leaf) cell``
    valid : bool array, the cell has at least ``min_cell`` scores (its median is a
        consensus worth comparing with)
    rater_group, rater_unit : int arrays, one entry per rater (``-1``: no unit)
    leaf_top, leaf_bottom : float arrays, one entry per leaf: the highest and lowest
        normalised answer the leaf allows (100 and 0 for numbers; the top and bottom
        labels of a scale), where a score is censored (see :func:`censored_shift`)
    """

    bundle: Bundle
    th: Thresholds
    rater: IntArray
    unit: IntArray
    leaf: IntArray
    group: IntArray
    value: FloatArray
    resid: FloatArray
    valid: BoolArray
    rater_group: IntArray
    rater_unit: IntArray
    n_raters: int
    n_units: int
    n_leaves: int
    n_groups: int
    leaf_top: FloatArray
    leaf_bottom: FloatArray

    def __len__(self) -> int:
        return int(self.value.shape[0])


def prepare(ctx: ScoringContext, th: Thresholds) -> Columns:
    """Arrays of the counted scores and their residuals against the cell median.

    Scores excluded by avoidance (``ctx.counted``) and scores by a group the leaf is
    not ``rated_by`` (ignored by rule 2) are left out, so the detectors see exactly
    the scores that made the official result.
    """
    bundle = ctx.bundle
    s = bundle.scores
    n = len(s)
    n_raters, n_units, n_leaves = len(bundle.raters), len(bundle.units), len(bundle.leaves)
    n_groups = max(len(bundle.groups), 1)
    rater = np.fromiter(s.rater, dtype=np.intp, count=n)
    unit = np.fromiter(s.unit, dtype=np.intp, count=n)
    leaf = np.fromiter(s.leaf, dtype=np.intp, count=n)
    value = np.fromiter(s.value, dtype=np.float64, count=n)
    counted = np.fromiter(ctx.counted, dtype=np.bool_, count=n)
    rater_group = np.asarray(ctx.rater_group, dtype=np.intp).reshape(-1)
    unit_index = {u.code: i for i, u in enumerate(bundle.units)}
    rater_unit = np.array(
        [unit_index[r.unit] if r.unit is not None else -1 for r in bundle.raters], dtype=np.intp,
    ).reshape(-1)
    group_index = {g.code: i for i, g in enumerate(bundle.groups)}
    allowed = np.ones((max(n_leaves, 1), n_groups), dtype=np.bool_)
    for li, node in enumerate(bundle.leaves):
        if node.rated_by is not None:
            allowed[li, :] = False
            allowed[li, [group_index[g] for g in node.rated_by]] = True
    group = rater_group[rater] if n else np.zeros(0, dtype=np.intp)
    keep = counted & allowed[leaf, group] if n else counted
    if not keep.all():
        rater, unit, leaf, group, value = rater[keep], unit[keep], leaf[keep], group[keep], value[keep]
    med, size = cell_medians(unit * max(n_leaves, 1) + leaf, value, n_units * max(n_leaves, 1))
    cell = unit * max(n_leaves, 1) + leaf
    top = np.array([max(n.scale.values()) * 100.0 / n.full if n.scale else 100.0 for n in bundle.leaves],
                   dtype=np.float64).reshape(-1)
    bottom = np.array([min(n.scale.values()) * 100.0 / n.full if n.scale else 0.0 for n in bundle.leaves],
                      dtype=np.float64).reshape(-1)
    return Columns(
        bundle=bundle, th=th, rater=rater, unit=unit, leaf=leaf, group=group, value=value,
        resid=value - med[cell], valid=size[cell] >= th.min_cell, rater_group=rater_group,
        rater_unit=rater_unit, n_raters=n_raters, n_units=n_units, n_leaves=n_leaves,
        n_groups=n_groups, leaf_top=top, leaf_bottom=bottom,
    )


def cell_medians(key: IntArray, value: FloatArray, n_keys: int) -> tuple[FloatArray, IntArray]:
    """Median and count of ``value`` (in 0..100) per integer ``key`` in ``0..n_keys-1``.

    One sort of all values; the median of a key's values is the mean of its two middle
    values (the single middle one for an odd count).

    Examples
    --------
    >>> m, c = cell_medians(np.array([0, 0, 0, 2]), np.array([3.0, 1.0, 2.0, 7.0]), 3)
    >>> m.tolist(), c.tolist()
    ([2.0, 0.0, 7.0], [3, 0, 1])
    """
    count = np.bincount(key, minlength=n_keys).astype(np.intp)
    med = np.zeros(n_keys, dtype=np.float64)
    if key.size == 0:
        return med, count
    # one float sort key: values lie in 0..100 (< 256), so key·256 + value orders by key
    # then value; exact for keys below 2**44
    order = np.argsort(key * 256.0 + value)
    ordered = value[order]
    start = np.cumsum(count) - count
    has = count > 0
    lo = start[has] + (count[has] - 1) // 2
    hi = start[has] + count[has] // 2
    med[has] = (ordered[lo] + ordered[hi]) / 2.0
    return med, count


def per_rater_median(rater: IntArray, value: FloatArray, n_raters: int) -> tuple[FloatArray, IntArray]:
    """Median and count of each rater's values (see :func:`cell_medians`)."""
    return cell_medians(rater, value, n_raters)


def biweight_scale(sample: FloatArray, centre: float) -> float:
    """Tukey's biweight midvariance scale of ``sample`` around ``centre`` (c = 9).

    It estimates the standard deviation of normal data like ``1.4826·MAD`` but with
    about twice the efficiency, while values beyond 9 MADs (the raters or pairs being
    looked for) get no weight. Falls back to ``1.4826·MAD`` when undefined.

    Examples
    --------
    >>> x = np.array([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 40.0])
    >>> round(biweight_scale(x, float(np.median(x))), 2)
    1.14
    """
    mad = float(np.median(np.abs(sample - centre)))
    if mad <= 0.0:
        return 0.0
    u = (sample - centre) / (9.0 * mad)
    w = np.abs(u) < 1.0
    u2 = u[w] * u[w]
    dev = sample[w] - centre
    num = float(np.sqrt(sample.size * np.sum(dev * dev * (1.0 - u2) ** 4)))
    den = float(abs(np.sum((1.0 - u2) * (1.0 - 5.0 * u2))))
    return num / den if den > 0 else 1.4826 * mad


def robust_z(x: FloatArray, among: BoolArray) -> tuple[FloatArray, float, float]:
    """Robust z-score ``(x − median)/s`` with median and scale ``s`` over ``x[among]``.

    ``s`` is :func:`biweight_scale` (the normal-consistent spread, blind to outliers),
    floored at :data:`MAD_FLOOR` so that a campaign of nearly identical values does
    not turn a tiny difference into a huge z (the detectors also require a minimum
    size in points). Returns ``(z, median, s)``; ``z`` is 0 outside ``among`` and
    everywhere when ``among`` is empty.

    Examples
    --------
    >>> z, m, s = robust_z(np.array([0.0, 1.0, -1.0, 2.0, -2.0, 20.0]), np.ones(6, dtype=bool))
    >>> round(m, 2), round(s, 2), round(float(z[-1]), 1)
    (0.5, 1.69, 11.6)
    """
    z = np.zeros(x.shape, dtype=np.float64)
    if not among.any():
        return z, 0.0, 0.0
    sample = x[among]
    m = float(np.median(sample))
    s = biweight_scale(sample, m)
    z[among] = (x[among] - m) / max(s, MAD_FLOOR)
    return z, m, s


def group_reference(
    stat: FloatArray, rater_group: IntArray, eligible: BoolArray, n_groups: int,
    min_group: int = 5,
) -> FloatArray:
    """Per group: the median of ``stat`` over its eligible raters.

    A group with fewer than ``min_group`` eligible raters gets the median over all
    eligible raters instead (too few peers to define what is usual in the group).
    """
    ref = np.zeros(n_groups, dtype=np.float64)
    if not eligible.any():
        return ref
    overall = float(np.median(stat[eligible]))
    for g in range(n_groups):
        members = eligible & (rater_group == g)
        ref[g] = float(np.median(stat[members])) if int(members.sum()) >= min_group else overall
    return ref


def distinct_units(rater: IntArray, unit: IntArray, n_raters: int, n_units: int) -> BoolArray:
    """``scored[r, u]``: rater ``r`` has at least one score on unit ``u``."""
    scored = np.zeros((n_raters, n_units), dtype=np.bool_)
    scored[rater, unit] = True
    return scored


def mills_ratio(a: FloatArray) -> FloatArray:
    """Inverse Mills ratio ``φ(a)/(1 − Φ(a))`` of the standard normal, elementwise.

    ``E[X | X ≥ t] = μ + σ·mills_ratio((t − μ)/σ)`` for ``X ~ N(μ, σ²)``. Below
    ``a = 3`` from an approximation of ``erfc`` (Abramowitz & Stegun 7.1.26, relative
    error of the ratio below 1e-4 there); above, from the continued fraction
    ``a + 1/(a + 2/(a + 3/(a + …)))``, which is exact in the limit.

    Examples
    --------
    >>> [round(float(v), 3) for v in mills_ratio(np.array([-8.0, 0.0, 1.0, 6.0]))]
    [0.0, 0.798, 1.525, 6.158]
    """
    a = np.asarray(a, dtype=np.float64)
    out = np.empty_like(a)
    low = a <= 3.0
    x = a[low]
    pdf = np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)
    u = np.abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * u)
    erfc_u = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                              + t * 1.061405429))))
    erfc_u *= np.exp(-u * u)
    sf = np.where(x >= 0, 0.5 * erfc_u, 1.0 - 0.5 * erfc_u)
    out[low] = pdf / np.maximum(sf, 1e-300)
    y = a[~low]
    frac = y
    for k in range(8, 0, -1):
        frac = y + k / frac
    out[~low] = frac
    return out


def censored_shift(
    key: IntArray, value: FloatArray, centre: FloatArray, top: FloatArray, bottom: FloatArray,
    n_keys: int, iterations: int = 50, reach: float = 2.0,
) -> tuple[FloatArray, IntArray, float]:
    """Per key, the mean shift of ``value`` above ``centre``, allowing for the scale's ends.

    A score at full marks says "at least this much": a rater who adds 20 points to
    units the others score 90 cannot show more than 10. Scores at ``top`` are treated
    as right-censored and scores at ``bottom`` as left-censored normal values with mean
    ``centre + b[key]`` and the spread ``σ`` of the uncensored residuals (biweight
    scale); ``b`` is estimated by EM (the Tobit model with ``σ`` known): each censored
    score is replaced by its expected value beyond the end given the current ``b``
    (``centre + b ± σ·mills_ratio``), then ``b`` is the mean shift again. Without
    censored scores ``b`` is the plain mean of ``value − centre``. A censored score
    counts at most ``reach·σ`` beyond the end (2σ): a key whose every score is at full
    marks has no finite estimate, and this keeps it bounded and conservative.

    Returns ``(b, censored count per key, σ)``.

    Examples
    --------
    Three honest raters, and a lenient one (true shift +15) whose scores would have
    been 99 to 107 but stop at full marks: the raw mean shift says +11.8.

    >>> key = np.repeat(np.arange(4), 6)
    >>> centre = np.full(24, 88.0)
    >>> value = centre + np.tile([-4.0, -2.0, 0.0, 0.0, 2.0, 4.0], 4)
    >>> value[18:] = np.minimum(value[18:] + 15.0, 100.0)
    >>> b, n, s = censored_shift(key, value, centre, np.full(24, 100.0), np.zeros(24), 4)
    >>> [round(float(v), 1) for v in b], n.tolist()
    ([0.0, 0.0, 0.0, 14.9], [0, 0, 0, 5])
    """
    count = np.bincount(key, minlength=n_keys)
    safe = np.maximum(count, 1)
    resid = value - centre
    b = np.bincount(key, weights=resid, minlength=n_keys) / safe
    high = value >= top - 1e-9
    low = (value <= bottom + 1e-9) & ~high
    censored = high | low
    n_cens = np.bincount(key, weights=censored.astype(np.float64), minlength=n_keys).astype(np.intp)
    if not censored.any() or censored.all():
        return b, n_cens, 0.0
    sigma = max(biweight_scale(resid[~censored], 0.0), MAD_FLOOR)
    filled = value.copy()
    for _ in range(iterations):
        mu = centre + b[key]
        if high.any():
            a = (top[high] - mu[high]) / sigma
            filled[high] = np.clip(mu[high] + sigma * mills_ratio(a), top[high], top[high] + reach * sigma)
        if low.any():
            a = (mu[low] - bottom[low]) / sigma
            filled[low] = np.clip(mu[low] - sigma * mills_ratio(a), bottom[low] - reach * sigma, bottom[low])
        new = np.bincount(key, weights=filled - centre, minlength=n_keys) / safe
        done = float(np.max(np.abs(new - b))) < 1e-4
        b = new
        if done:
            break
    return b, n_cens, sigma


def num(x: SupportsFloat, digits: int = 4) -> float:
    """A plain, rounded float for an alert's ``data`` (stable JSON across platforms)."""
    return round(float(x), digits)


def signed(x: float, digits: int = 1) -> str:
    """``+3.2`` / ``-1.0`` for details."""
    return f"{x:+.{digits}f}"
