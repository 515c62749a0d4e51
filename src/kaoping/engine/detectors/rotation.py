"""``rotation``: first place passed round a small set of units (R5.3 轮流坐庄).

Pure Python: it works on one row per period, never on single scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING

from ..scoring import Alert
from .thresholds import Thresholds

if TYPE_CHECKING:
    from ..bundle import Bundle
    from ..scoring import UnitResult


@dataclass(frozen=True, slots=True)
class Period:
    """One period's ranking: campaign code, unit → (rank, score)."""

    campaign: str
    standing: dict[str, tuple[int, float]]

    @property
    def first(self) -> frozenset[str]:
        return frozenset(u for u, (rank, _) in self.standing.items() if rank == 1)


def periods(bundle: Bundle, results: list[UnitResult]) -> list[Period]:
    """History entries, oldest first, then the current period.

    A history result without a rank gets the competition rank of its score within
    its entry (ties at 2 decimals share a rank).
    """
    out: list[Period] = []
    for entry in bundle.history:
        scores = [round(p.score, 2) for p in entry.results]
        standing: dict[str, tuple[int, float]] = {}
        for p, s in zip(entry.results, scores, strict=True):
            rank = p.rank if p.rank is not None else 1 + sum(1 for o in scores if o > s)
            standing[p.unit] = (rank, p.score)
        out.append(Period(entry.campaign, standing))
    out.append(Period(bundle.code, {r.unit: (r.rank, r.total) for r in results}))
    return out


def rotation(bundle: Bundle, results: list[UnitResult], th: Thresholds) -> list[Alert]:
    """``rotation``: first place taking turns among a few units, each top only in its turn.

    Statistic
        The sequence of first-place holders over the history and the current period
        (rank 1; tied firsts count together). The *rotation window* is the longest
        run of latest periods in which no unit is first twice in a row and at most
        ``rotation_max_holders`` (4) units are first. For each holder: the median of
        its ranks in the window's periods where it was not first (its *off-turn rank*),
        and how many points its first-place score exceeds its off-turn mean.
    Threshold
        The window spans at least ``rotation_min_periods`` (4) periods, has 2 or more
        holders, at least one holder is first twice (a cycle, not a run of different
        winners), and **every** holder's off-turn rank is ``rotation_off_rank`` (5) or
        worse. A strong unit that is second whenever it is not first is never flagged.

    Examples
    --------
    ``近 6 期第一名在 U03、U07、U12 之间轮换（H01 U03 → H02 U07 → … → 2026Q2 U12），
    不当第一时排名中位数：U03 第 14 名、U07 第 11 名、U12 第 17 名（阈值第 5 名）…``
    """
    seq = periods(bundle, results)
    if len(seq) < th.rotation_min_periods:
        return []
    window: list[Period] = []
    holders: set[str] = set()
    for period in reversed(seq):
        first = period.first
        if not first:
            break
        if window and first & window[-1].first:
            break
        if len(holders | first) > th.rotation_max_holders:
            break
        window.append(period)
        holders |= first
    window.reverse()
    wins = {h: sum(1 for p in window if h in p.first) for h in sorted(holders)}
    if len(window) < th.rotation_min_periods or len(holders) < 2 or max(wins.values()) < 2:
        return []
    off_rank: dict[str, float] = {}
    jump: dict[str, float] = {}
    for h in sorted(holders):
        off = [p.standing[h] for p in window if h not in p.first and h in p.standing]
        on = [p.standing[h][1] for p in window if h in p.first]
        if not off:
            return []
        off_rank[h] = float(median(rank for rank, _ in off))
        jump[h] = sum(on) / len(on) - sum(score for _, score in off) / len(off)
    if min(off_rank.values()) < th.rotation_off_rank:
        return []
    names = {u.code: u.name for u in bundle.units}
    chain = " → ".join(f"{p.campaign} {'/'.join(sorted(p.first))}" for p in window)
    ranks = "、".join(f"{h} 第 {off_rank[h]:g} 名" for h in sorted(holders))
    mean_jump = sum(jump.values()) / len(jump)
    units = sorted(holders)
    return [Alert(
        "rotation", "warning", units, [], None,
        f"近 {len(window)} 期第一名在 {'、'.join(f'{h}（{names.get(h, h)}）' for h in units)} "
        f"之间轮换（{chain}）；不当第一时排名中位数：{ranks}（阈值第 {th.rotation_off_rank} 名或更后），"
        f"当第一的一期平均比其他各期高 {mean_jump:.1f} 分",
        {
            "periods": [{"campaign": p.campaign, "first": sorted(p.first)} for p in window],
            "off_turn_rank": off_rank, "jump": {h: round(v, 4) for h, v in jump.items()},
            "wins": wins, "threshold_off_rank": th.rotation_off_rank,
            "threshold_periods": th.rotation_min_periods,
        },
    )]
