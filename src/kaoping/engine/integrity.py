"""Integrity detectors: explainable alerts that never change a score (R5, C2 alerts).

:func:`detect` runs after scoring. Comparison with the previous period (C1 rule 10:
``fluctuation``, ``low_streak``) always runs; the screening detectors run when
``full`` is true (``kaoping score`` without ``--no-detectors``). Every alert's
``detail`` (Chinese) states the numbers a person needs to judge it and ``data``
holds the same numbers; alerts are listed rule 10 first, then by kind in the order of
the table, then by units and raters.

The screening detectors (:mod:`kaoping.engine.detectors`) work on the scores that
made the official result (avoided scores and scores by a group a leaf is not
``rated_by`` are left out), normalised to 0..100, so 100 points, 10 of 10 and the top
label compare directly. Their *consensus* is the median of each (unit, indicator) cell;
a score's *residual* is its value minus that median. A *robust z* is
``(x − median)/s`` over the raters (or unit pairs) compared, with ``s`` Tukey's
biweight scale — the normal-consistent spread, like ``1.4826·MAD`` but twice as
efficient, and blind to the outliers being looked for. numpy is imported only when the
screening detectors run.

========================  ================================================  ==============================
kind                      statistic                                         alert when (defaults)
========================  ================================================  ==============================
``fluctuation``           C1 rule 10: ``|total − previous|``                ``> fluctuation_threshold`` ×
                                                                            previous (0.20)
``low_streak``            C1 rule 10: total and previous score              both ``< low_score_threshold``
                                                                            (80)
``rater_lenient``         rater's mean residual ``d`` (scores at full       ``z ≥ lenient_z`` (4) and at
                          marks or at the bottom counted as censored:       least ``bias_points`` (5)
                          Tobit estimate), less the median ``d`` of the     above the usual rater
                          rater's group; robust z over the raters with ≥
                          ``min_scores`` scores on ≥ ``min_units`` units
``rater_severe``          the same, downwards                               ``z ≤ −severe_z`` (4) and at
                                                                            least ``bias_points`` below
``straight_line``         share of a rater's answers within                 share ``≥ straight_share``
                          ``straight_tolerance`` (5 points) of the          (0.9) and SD ``≤
                          rater's median answer; the rater's SD against     straight_sd_ratio`` (0.35) ×
                          the median SD of the group                        the group's
``rater_unknown_target``  units scored against the group's median count;   ``≥ unknown_ratio`` (1.5) ×
                          robust z (MAD) within the group; or units         and ``≥ unknown_extra`` (5)
                          scored outside the rater's stated ``remit``       above the median, ``z ≥
                                                                            unknown_z`` (3.5); any unit
                                                                            outside a remit
``mutual_high``           ``gap[s, t]``: mean residual of unit *s*'s        pair: ``(z_ab + z_ba)/√2``
                          raters on unit *t*, less each rater's own mean    above the Bonferroni bound for
                          residual; robust z over all ordered pairs         ``mutual_alpha`` (0.005) over
                                                                            all pairs (4.36 for 40 units),
                                                                            each ``z ≥ mutual_edge_z`` (1),
                                                                            mean gap ``≥ mutual_points``
                                                                            (6); ring of 3..``ring_max``
                                                                            (4) links, each ``≥
                                                                            mutual_points`` with ``z ≥
                                                                            ring_edge_z`` (1.5), ``Σz/√k``
                                                                            above the bound for that size
``rotation``              first-place holders over history + current;       window ``≥ rotation_min_periods``
                          the window of latest periods with no holder       (4), ``≤ rotation_max_holders``
                          first twice running; each holder's median         (4), a holder first twice,
                          rank when not first                               every off-turn rank ``≥
                                                                            rotation_off_rank`` (5)
========================  ================================================  ==============================

Severity: ``critical`` for a lenient or severe rater whose ``|z|`` is twice the
threshold and for a pair or ring whose smallest gap is at least twice ``mutual_points``
and 10 points;
``warning`` otherwise.

Thresholds are read from the bundle's ``scoring.integrity`` object (C1 ``scoring``
section), e.g. ``"scoring": {"integrity": {"lenient_z": 3.0, "disabled": ["rotation"]}}``;
an unknown key or an unusable value rejects the bundle naming ``scoring.integrity.<key>``.

=========================  =======  =========================================================
key                        default  meaning
=========================  =======  =========================================================
``min_cell``               3        scores a (unit, indicator) cell needs for its median to
                                    be the consensus
``min_scores``             20       scores a rater needs to be judged (lenient, severe,
                                    straight line)
``min_units``              5        units a rater needs to be judged lenient or severe
``lenient_z``              4.0      robust z at or above which a rater is lenient
``severe_z``               4.0      robust z at or below minus this a rater is severe
``bias_points``            5        least deviation (points of 100) from the usual rater
``straight_share``         0.9      share of (nearly) identical answers
``straight_tolerance``     5        points of 100 within which two answers are "the same"
``straight_sd_ratio``      0.35     the rater's SD at most this × the group's median SD
``mutual_points``          6        least favour gap (points of 100): mean of a pair's two
                                    directions, every link of a ring
``mutual_edge_z``          1.0      least robust z of each direction of a pair
``ring_edge_z``            1.5      least robust z of each link of a ring
``mutual_alpha``           0.005    false-alarm rate per campaign the pair and ring bounds
                                    allow, per size of group
``mutual_min_scores``      3        scores a direction needs to be judged
``ring_max``               4        longest ring searched (below 3: pairs only)
``rotation_min_periods``   4        periods (history + current) the rotation must span
``rotation_max_holders``   4        most units taking turns
``rotation_off_rank``      5        rank every holder stays at or below when not first
``unknown_ratio``          1.5      units scored / the group's median count
``unknown_extra``          5        units scored beyond the group's median count
``unknown_z``              3.5      robust z of the units-scored count within the group
``disabled``               []       screening kinds not to run, e.g. ``["rotation"]``
=========================  =======  =========================================================

With these defaults, on honest synthetic campaigns of 40 units and 100 raters (rater
severity SD 3, rater×unit liking SD 3, single-score noise SD 5 points, three scales)
the screening detectors raise about one false alarm in fifty campaigns, all kinds
together (``bench/bench_integrity.py``, which also gives the recall per kind).

Examples
--------
>>> from kaoping.engine.bundle import parse_bundle
>>> from kaoping.engine.scoring import score
>>> b = parse_bundle({"format": "kaoping-bundle/1", "campaign": {"code": "C"},
...   "groups": [{"code": "g"}], "units": [{"code": "U1"}], "indicators": [{"code": "A"}],
...   "raters": [{"code": "R1", "group": "g"}],
...   "scores": [{"rater": "R1", "unit": "U1", "indicator": "A", "value": 60}],
...   "history": [{"campaign": "P", "results": [{"unit": "U1", "score": 78, "rank": 1}]}]})
>>> [a.kind for a in score(b).alerts]
['fluctuation', 'low_streak']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .detectors.thresholds import SCREENING_KINDS, Thresholds

if TYPE_CHECKING:
    from .scoring import Alert, ScoringContext, UnitResult

__all__ = ["SCREENING_KINDS", "Thresholds", "detect", "previous_period", "screen"]


def previous_period(ctx: ScoringContext, results: list[UnitResult]) -> list[Alert]:
    """C1 rule 10 against the last ``history`` entry.

    ``fluctuation``: ``|total - previous| > fluctuation_threshold * previous``.
    ``low_streak``: total and previous score both below ``low_score_threshold``.
    Each unit's result also gets ``previous = {"campaign", "score", "rank"}``.

    Examples
    --------
    A unit at 60 after 80 moved 25% (> 20%) and is below 80 twice running:
    the two alerts carry those numbers in ``data``.
    """
    from .scoring import Alert

    bundle = ctx.bundle
    if not bundle.history:
        return []
    last = bundle.history[-1]
    past = {p.unit: p for p in last.results}
    names = {u.code: u.name for u in bundle.units}
    threshold = bundle.scoring.fluctuation_threshold
    low = bundle.scoring.low_score_threshold
    alerts: list[Alert] = []
    for r in results:
        p = past.get(r.unit)
        if p is None:
            continue
        r.previous = {"campaign": last.campaign, "score": p.score, "rank": p.rank}
        change = r.total - p.score
        if abs(change) > threshold * p.score:
            share = change / p.score if p.score else float("inf")
            alerts.append(Alert(
                "fluctuation", "warning", [r.unit], [], None,
                f"单位 {r.unit}（{names[r.unit]}）总分 {r.total:.2f}，较上期 {last.campaign} 的 "
                f"{p.score:.2f} {'上升' if change > 0 else '下降'} {abs(change):.2f} 分"
                f"（{abs(share):.1%}），超过 {threshold:.0%} 的波动阈值",
                {"total": r.total, "previous": p.score, "change": change, "threshold": threshold},
            ))
        if r.total < low and p.score < low:
            alerts.append(Alert(
                "low_streak", "warning", [r.unit], [], None,
                f"单位 {r.unit}（{names[r.unit]}）连续两期低于 {low:g} 分：上期 {last.campaign} "
                f"{p.score:.2f}，本期 {r.total:.2f}",
                {"total": r.total, "previous": p.score, "threshold": low},
            ))
    return alerts


def screen(ctx: ScoringContext, results: list[UnitResult]) -> list[Alert]:
    """The screening detectors alone, sorted (kind order of the table, units, raters).

    Raises
    ------
    BundleError
        When ``scoring.integrity`` holds an unknown key or an unusable value.
    """
    th = Thresholds.from_options(ctx.bundle.scoring.options)
    alerts: list[Alert] = []
    if len(ctx.bundle.scores):
        from .detectors.collusion import mutual_high
        from .detectors.common import prepare
        from .detectors.raters import rater_bias, straight_line, unknown_target

        cols = prepare(ctx, th)
        if len(cols):
            if th.enabled("rater_lenient") or th.enabled("rater_severe"):
                alerts += rater_bias(cols)
            if th.enabled("straight_line"):
                alerts += straight_line(cols)
            if th.enabled("rater_unknown_target"):
                alerts += unknown_target(cols)
            if th.enabled("mutual_high"):
                alerts += mutual_high(cols)
    if th.enabled("rotation"):
        from .detectors.rotation import rotation

        alerts += rotation(ctx.bundle, results, th)
    order = {kind: i for i, kind in enumerate(SCREENING_KINDS)}
    alerts.sort(key=lambda a: (order.get(a.kind, len(order)), a.units, a.raters, a.detail))
    return alerts


def detect(ctx: ScoringContext, results: list[UnitResult], *, full: bool = True) -> list[Alert]:
    """All alerts after scoring: rule 10 always, screening detectors when ``full``.

    Parameters
    ----------
    ctx : ScoringContext
        From :func:`kaoping.engine.scoring.collect`.
    results : list of UnitResult
        The official results, ranked; rule 10 adds ``previous`` to each.
    full : bool
        Run the screening detectors (:func:`screen`).

    Returns
    -------
    list of Alert
        Rule-10 alerts in unit order, then the screening alerts sorted.
    """
    alerts = previous_period(ctx, results)
    if full:
        alerts.extend(screen(ctx, results))
    return alerts
