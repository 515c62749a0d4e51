"""Detectors about single raters: lenient or severe, straight-lining, unknown targets (R5.4)."""

from __future__ import annotations

import numpy as np

from ..scoring import Alert
from .common import (
    BoolArray,
    Columns,
    FloatArray,
    censored_shift,
    distinct_units,
    group_reference,
    num,
    per_rater_median,
    robust_z,
    signed,
)


def _group_name(cols: Columns, r: int) -> str:
    g = cols.bundle.groups[int(cols.rater_group[r])]
    return g.name


def rater_bias(cols: Columns) -> list[Alert]:
    """``rater_lenient`` / ``rater_severe``: a rater's systematic deviation from consensus.

    Statistic
        For rater *r*, ``d_r`` = mean over their scores of ``value − median`` of the
        score's (unit, indicator) cell (cells with at least ``min_cell`` scores),
        counting a score at full marks (or at the bottom of the scale) as censored: the
        shift is the Tobit estimate of :func:`~.common.censored_shift`, so a lenient
        rater whose +20 is cut to +10 by the ceiling is still measured near +20, while
        a rater without scores at the ends gets the plain mean.
        ``c_r = d_r − ref_g``, where ``ref_g`` is the median ``d`` of the rater's group
        (groups may legitimately differ; a group with fewer than 5 judged raters uses the
        median of all). The robust z-score over all judged raters is
        ``z_r = (c_r − median c)/s``, ``s`` the biweight scale of ``c`` (see
        :func:`~.common.robust_z`; about ``1.4826·MAD`` for normal data).
    Threshold
        Judged: at least ``min_scores`` (20) scores on ``min_units`` (5) units.
        Lenient: ``z ≥ lenient_z`` (4) and ``c − median c ≥ bias_points`` (5);
        severe: ``z ≤ −severe_z`` (4) and ``c − median c ≤ −bias_points``.
        Severity ``critical`` when ``|z|`` is at least twice the threshold.

    Examples
    --------
    A rater who gives every unit 15 points more than the others gets an alert such as
    ``评价人 C007（服务对象评价）给分系统性偏高：比共识（同一单位同一指标评分的中位数）
    平均 +14.2 分，同组评价人一般为 +0.3 分，稳健 z = +5.1（阈值 ±4，且相差至少 5 分）；
    依据 48 条评分、12 个单位`` with ``data = {"mean_deviation": 14.2, "robust_z": 5.1,
    "scores": 48, "units": 12, ...}``.
    """
    th = cols.th
    n_r = cols.n_raters
    valid = cols.valid
    rater = cols.rater[valid]
    count = np.bincount(rater, minlength=n_r)
    total = np.bincount(rater, weights=cols.resid[valid], minlength=n_r)
    raw = np.divide(total, count, out=np.zeros(n_r), where=count > 0)
    value, leaf = cols.value[valid], cols.leaf[valid]
    d, at_end, _ = censored_shift(rater, value, value - cols.resid[valid], cols.leaf_top[leaf],
                                  cols.leaf_bottom[leaf], n_r)
    units = distinct_units(rater, cols.unit[valid], n_r, cols.n_units).sum(axis=1)
    eligible: BoolArray = (count >= th.min_scores) & (units >= th.min_units)
    if int(eligible.sum()) < 3:
        return []
    ref = group_reference(d, cols.rater_group, eligible, cols.n_groups)
    c: FloatArray = d - ref[cols.rater_group]
    z, centre, spread = robust_z(c, eligible)
    alerts: list[Alert] = []
    raters = cols.bundle.raters
    for r in np.flatnonzero(eligible & ((z >= th.lenient_z) | (z <= -th.severe_z))).tolist():
        rel = float(c[r]) - centre
        lenient = z[r] > 0
        limit = th.lenient_z if lenient else th.severe_z
        if abs(rel) < th.bias_points:
            continue
        kind = "rater_lenient" if lenient else "rater_severe"
        if not cols.th.enabled(kind):
            continue
        code = raters[r].code
        g = int(cols.rater_group[r])
        alerts.append(Alert(
            kind, "critical" if abs(z[r]) >= 2 * limit else "warning", [], [code], None,
            f"评价人 {code}（{_group_name(cols, r)}）给分系统性{'偏高' if lenient else '偏低'}："
            f"比共识（同一单位同一指标评分的中位数）平均 {signed(float(d[r]))} 分，"
            f"同组评价人一般为 {signed(float(ref[g]))} 分，稳健 z = {float(z[r]):+.1f}"
            f"（阈值 ±{limit:g}，且相差至少 {th.bias_points:g} 分）；"
            f"依据 {int(count[r])} 条评分、{int(units[r])} 个单位"
            + (f"，其中 {int(at_end[r])} 条为满分或最低分，按截尾估计其应有偏离"
               f"（未校正为 {signed(float(raw[r]))} 分）" if at_end[r] else ""),
            {
                "mean_deviation": num(d[r]), "group_typical": num(ref[g]),
                "relative": num(rel), "robust_z": num(z[r]), "scale": num(spread),
                "threshold_z": limit, "threshold_points": th.bias_points,
                "scores": int(count[r]), "units": int(units[r]),
                "raw_mean_deviation": num(raw[r]), "censored_scores": int(at_end[r]),
            },
        ))
    return alerts


def straight_line(cols: Columns) -> list[Alert]:
    """``straight_line``: (nearly) the same answer on everything, whatever the scale.

    Answers are compared on the normalised 0..100 scale, so 100 points, 10 of 10 and
    the top label, or 80, 8 of 10 and 良 (85), count as the same answer.

    Statistic
        For rater *r* with median normalised answer ``m_r``: ``share_r`` = fraction of
        their scores within ``straight_tolerance`` (5 points) of ``m_r``, and ``sd_r``
        = the standard deviation of their answers, compared with ``ref_g`` = the median
        ``sd`` of their group's judged raters (all raters when the group has fewer
        than 5).
    Threshold
        At least ``min_scores`` (20) scores, ``share ≥ straight_share`` (0.9) and
        ``sd ≤ straight_sd_ratio`` (0.35) × ``ref_g``. The second condition keeps quiet
        when everybody agrees (all units excellent, scores near the top for all).

    Examples
    --------
    A rater whose 48 answers are 100, 10/10 and 优 except one gets
    ``评价人 C007 的 48 条评分中 47 条（97.9%）与其常用分 100.0 相差不超过 5 分 …``.
    """
    th = cols.th
    n_r = cols.n_raters
    med, count = per_rater_median(cols.rater, cols.value, n_r)
    near = np.abs(cols.value - med[cols.rater]) <= th.straight_tolerance
    same = np.bincount(cols.rater, weights=near.astype(np.float64), minlength=n_r)
    s1 = np.bincount(cols.rater, weights=cols.value, minlength=n_r)
    s2 = np.bincount(cols.rater, weights=cols.value * cols.value, minlength=n_r)
    safe = np.maximum(count, 1)
    mean = s1 / safe
    sd = np.sqrt(np.maximum(s2 / safe - mean * mean, 0.0))
    share = same / safe
    eligible: BoolArray = count >= th.min_scores
    if not eligible.any():
        return []
    ref = group_reference(sd, cols.rater_group, eligible, cols.n_groups)
    ref_r = ref[cols.rater_group]
    flagged = eligible & (share >= th.straight_share) & (sd <= th.straight_sd_ratio * ref_r)
    alerts: list[Alert] = []
    for r in np.flatnonzero(flagged).tolist():
        code = cols.bundle.raters[r].code
        where = "（满分）" if med[r] >= 100.0 - 1e-9 else ""
        alerts.append(Alert(
            "straight_line", "warning", [], [code], None,
            f"评价人 {code}（{_group_name(cols, r)}）的 {int(count[r])} 条评分中 {int(same[r])} 条"
            f"（{share[r]:.1%}）与其常用分 {med[r]:.1f}{where} 相差不超过 {th.straight_tolerance:g} 分"
            f"（折算为百分制后比较），标准差 {sd[r]:.1f} 分，同组评价人标准差中位数 {ref_r[r]:.1f} 分："
            "疑似不加区分地打同一分数",
            {
                "scores": int(count[r]), "same": int(same[r]), "share": num(share[r]),
                "answer": num(med[r]), "sd": num(sd[r]), "group_sd": num(ref_r[r]),
                "tolerance": th.straight_tolerance, "threshold_share": th.straight_share,
                "threshold_sd_ratio": th.straight_sd_ratio,
            },
        ))
    return alerts


def unknown_target(cols: Columns) -> list[Alert]:
    """``rater_unknown_target``: scores on units a rater cannot know.

    Two tests, one alert each:

    *Too many units.* ``k_r`` = number of units rater *r* scored; ``m_g`` = median
    ``k`` of the rater's group (groups with at least 3 raters who scored);
    ``z = 0.6745·(k_r − m_g)/MAD_g`` (infinite when ``MAD_g = 0`` and ``k_r > m_g``).
    Flagged when ``k_r ≥ unknown_ratio·m_g`` (1.5), ``k_r − m_g ≥ unknown_extra`` (5)
    and ``z ≥ unknown_z`` (3.5).

    *Outside the remit.* When the bundle states a rater's ``remit`` (the units they are
    expected to know), every scored unit outside it is reported (no threshold: it is a
    fact, not an estimate).

    Examples
    --------
    A service recipient who scored 36 units where the group usually scores 12 gets
    ``评价人 C013（服务对象评价）评价了 36 个单位，同组评价人通常评价 12 个（3.0 倍）…``.
    """
    th = cols.th
    n_r, n_u = cols.n_raters, cols.n_units
    scored = distinct_units(cols.rater, cols.unit, n_r, n_u)
    k = scored.sum(axis=1).astype(np.float64)
    raters, units = cols.bundle.raters, cols.bundle.units
    alerts: list[Alert] = []
    for g in range(cols.n_groups):
        members = (cols.rater_group == g) & (k > 0)
        if int(members.sum()) < 3:
            continue
        sample = k[members]
        m = float(np.median(sample))
        mad = float(np.median(np.abs(sample - m)))
        for r in np.flatnonzero(members).tolist():
            extra = k[r] - m
            if extra < th.unknown_extra or k[r] < th.unknown_ratio * m:
                continue
            z = 0.6745 * extra / mad if mad > 0 else float("inf")
            if z < th.unknown_z:
                continue
            code = raters[r].code
            alerts.append(Alert(
                "rater_unknown_target", "warning", [], [code], None,
                f"评价人 {code}（{_group_name(cols, r)}）评价了 {int(k[r])} 个单位，"
                f"同组评价人通常评价 {m:g} 个（{k[r] / m:.1f} 倍，阈值 {th.unknown_ratio:g} 倍）："
                "可能对不了解的单位打分",
                {
                    "reason": "too_many", "units_scored": int(k[r]), "group_typical": num(m),
                    "ratio": num(k[r] / m), "robust_z": num(z) if z != float("inf") else None,
                    "threshold_ratio": th.unknown_ratio, "threshold_extra": th.unknown_extra,
                },
            ))
    index = {u.code: i for i, u in enumerate(units)}
    per_pair = None
    for r, rater in enumerate(raters):
        if rater.remit is None or not scored[r].any():
            continue
        inside = np.zeros(n_u, dtype=np.bool_)
        inside[[index[c] for c in rater.remit]] = True
        outside = np.flatnonzero(scored[r] & ~inside)
        if outside.size == 0:
            continue
        if per_pair is None:
            per_pair = np.bincount(cols.rater * n_u + cols.unit, minlength=n_r * n_u)
        n_scores = int(per_pair[r * n_u + outside].sum())
        codes = [units[u].code for u in outside.tolist()]
        shown = "、".join(codes[:10]) + ("等" if len(codes) > 10 else "")
        alerts.append(Alert(
            "rater_unknown_target", "warning", codes, [rater.code], None,
            f"评价人 {rater.code}（{_group_name(cols, r)}）的评价范围为 {len(rater.remit)} 个单位，"
            f"却对范围外的 {len(codes)} 个单位打分（{shown}，共 {n_scores} 条评分）",
            {"reason": "outside_remit", "remit_size": len(rater.remit), "outside": codes,
             "scores": n_scores},
        ))
    return alerts
