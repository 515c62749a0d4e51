"""Result-use rules (结果运用, R8.3): which units a decision maker should act on.

Pure functions over plain data — the current ranking, earlier periods and projects'
progress — so that the rules can be tested on known numbers and explained: every
:class:`Trigger` carries the figures that fired it.

The default thresholds are the ones the users quoted; a campaign overrides any of them
in its bundle's campaign record, e.g. ``"result_use": {"bottom_streak": {"share": 0.05}}``.

* ``bottom_streak`` — in the bottom ``share`` (10%) for ``periods`` (2) periods running
  → special rectification (专项整改);
* ``bottom_n`` — among the last ``count`` (3) places → budget-cut proposal (压减预算建议);
* ``top_streak`` — in the top ``share`` (30%) for ``periods`` (2) periods running
  → funding priority (资金安排优先). On an annual campaign the periods are years;
* ``red_project`` — a project (unit type ``project``) whose progress on its progress
  indicator (a measured leaf whose name contains 进度, or ``indicator``) is behind plan
  by more than ``lag`` (10%), or that was vetoed → interview (约谈).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

DEFAULTS: dict[str, dict[str, Any]] = {
    "bottom_streak": {"share": 0.10, "periods": 2},
    "bottom_n": {"count": 3},
    "top_streak": {"share": 0.30, "periods": 2},
    "red_project": {"lag": 0.10, "indicator": None},
}

LABELS = {
    "bottom_streak": ("末位连续", "专项整改"),
    "bottom_n": ("排名末位", "压减预算建议"),
    "top_streak": ("前列连续", "资金安排优先"),
    "red_project": ("红色项目", "约谈"),
}


class RuleConfigError(ValueError):
    """A threshold in the campaign's ``result_use`` settings is unusable."""


@dataclass(frozen=True)
class Period:
    """One evaluated period: its code and, per unit code, the score and rank."""

    campaign: str
    results: Mapping[str, tuple[float | None, int]]

    @property
    def count(self) -> int:
        return len(self.results)

    def last_position(self, rank: int) -> int:
        """The last place a rank covers: ``rank`` plus the units tied with it, minus one."""
        return rank + self._ties[rank] - 1

    @cached_property
    def _ties(self) -> Counter[int]:
        return Counter(rank for _, rank in self.results.values())


@dataclass(frozen=True)
class Trigger:
    rule: str
    unit: str
    detail: str
    numbers: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return LABELS[self.rule][0]

    @property
    def action(self) -> str:
        return LABELS[self.rule][1]


def named_count(n: int, share: float) -> int:
    """How many of ``n`` units a share names: at least one when the share is positive.

    >>> named_count(500, 0.3), named_count(3, 0.1), named_count(10, 0)
    (150, 1, 0)
    """
    if share <= 0 or n <= 0:
        return 0
    return min(n, max(1, math.floor(n * share + 1e-9)))


def in_top(rank: int, n: int, share: float) -> bool:
    """Rank within the top ``share`` (ties at the border are in)."""
    return rank <= named_count(n, share)


def in_bottom(rank: int, n: int, share: float, last: int | None = None) -> bool:
    """Rank within the bottom ``share``; ``last`` is the last place the rank covers when
    units tie, so a rank shared across the border is in."""
    k = named_count(n, share)
    return k > 0 and (last if last is not None else rank) > n - k


def settings_for(overrides: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The defaults with a campaign's overrides applied, checked."""
    out = {rule: dict(values) for rule, values in DEFAULTS.items()}
    for rule, values in (overrides or {}).items():
        if rule not in out:
            raise RuleConfigError(f"结果运用规则 {rule} 未知（可用：{'、'.join(DEFAULTS)}）")
        if not isinstance(values, Mapping):
            raise RuleConfigError(f"结果运用规则 {rule} 的设置应为对象")
        for key, value in values.items():
            if key not in out[rule]:
                raise RuleConfigError(f"结果运用规则 {rule} 没有参数 {key}")
            out[rule][key] = value
    for rule in ("bottom_streak", "top_streak"):
        share, periods = out[rule]["share"], out[rule]["periods"]
        if type(share) not in (int, float) or not 0 < share <= 1:
            raise RuleConfigError(f"结果运用规则 {rule} 的比例 share 应在 (0, 1] 之间，实际为 {share!r}")
        if type(periods) is not int or periods < 1:
            raise RuleConfigError(f"结果运用规则 {rule} 的期数 periods 应为正整数，实际为 {periods!r}")
    count = out["bottom_n"]["count"]
    if type(count) is not int or count < 0:
        raise RuleConfigError(f"结果运用规则 bottom_n 的名次数 count 应为非负整数，实际为 {count!r}")
    lag = out["red_project"]["lag"]
    if type(lag) not in (int, float) or not 0 <= lag < 1:
        raise RuleConfigError(f"结果运用规则 red_project 的滞后比例 lag 应在 [0, 1) 之间，实际为 {lag!r}")
    return out


def _streak(unit: str, current: Period, history: Sequence[Period], periods: int,
            inside: Any) -> list[tuple[str, int, int]] | None:
    """The (campaign, rank, count) of the last ``periods`` periods when the unit was
    inside every one of them, newest first; else ``None``."""
    chain = [current, *reversed(history)][:periods]
    if len(chain) < periods:
        return None
    places = []
    for period in chain:
        entry = period.results.get(unit)
        if entry is None or not inside(entry[1], period.count, period.last_position(entry[1])):
            return None
        places.append((period.campaign, entry[1], period.count))
    return places


def _places_text(places: list[tuple[str, int, int]]) -> str:
    return "；".join(f"{code} 第 {rank}/{n} 名" for code, rank, n in places)


def evaluate(*, current: Period, history: Sequence[Period], unit_types: Mapping[str, str],
             vetoed: Sequence[str] = (), progress: Mapping[str, float] | None = None,
             progress_name: str = "", settings: Mapping[str, Any] | None = None) -> list[Trigger]:
    """Every rule on every unit; ``history`` is oldest first, ``current`` not in it.

    ``progress`` maps a project's unit code to its progress ratio against plan (1.0 = on
    plan), as measured on the indicator named ``progress_name``.
    """
    cfg = settings_for(settings)
    out: list[Trigger] = []
    n = current.count
    order = sorted(current.results, key=lambda u: current.results[u][1])

    s = cfg["bottom_streak"]
    for unit in order:
        places = _streak(unit, current, history, s["periods"], lambda r, c, last: in_bottom(r, c, s["share"], last))
        if places:
            out.append(Trigger("bottom_streak", unit,
                               f"连续 {s['periods']} 期位于末位 {s['share']:.0%}：{_places_text(places)}",
                               {"share": s["share"], "periods": s["periods"], "places": places}))

    count = cfg["bottom_n"]["count"]
    if count:
        border = n - count  # positions after ``border`` are the last ``count`` places
        for unit in order:
            score, rank = current.results[unit]
            if current.last_position(rank) > border:
                shown = "—" if score is None else f"{score:.2f}"
                out.append(Trigger("bottom_n", unit, f"本期第 {rank}/{n} 名，位于最后 {count} 名，总分 {shown}",
                                   {"rank": rank, "count": n, "last": count, "score": score}))

    t = cfg["top_streak"]
    for unit in order:
        places = _streak(unit, current, history, t["periods"], lambda r, c, _last: in_top(r, c, t["share"]))
        if places:
            out.append(Trigger("top_streak", unit,
                               f"连续 {t['periods']} 期位于前 {t['share']:.0%}：{_places_text(places)}",
                               {"share": t["share"], "periods": t["periods"], "places": places}))

    lag = cfg["red_project"]["lag"]
    vetoed_set = set(vetoed)
    for unit in order:
        if unit_types.get(unit) != "project":
            continue
        ratio = (progress or {}).get(unit)
        reasons = []
        if ratio is not None and ratio < 1 - lag:
            reasons.append(f"{progress_name or '进度'} {ratio:.1%}，落后计划 {1 - ratio:.1%}（超过 {lag:.0%}）")
        if unit in vetoed_set:
            reasons.append("被一票否决")
        if reasons:
            out.append(Trigger("red_project", unit, "；".join(reasons),
                               {"progress": ratio, "lag": lag, "vetoed": unit in vetoed_set}))
    return out
