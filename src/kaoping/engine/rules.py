"""Scoring rules of measured leaves (CONTRACTS.md C1 rule 3).

Each rule turns a measured value ``x`` into a score on 0..100. ``floor`` is the worst
value and ``target`` the best; ``direction`` says which way is better.
"""

from __future__ import annotations

from .bundle import Rule


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def apply_rule(rule: Rule, x: float) -> float:
    """Score ``x`` by ``rule``.

    A ``bands`` rule whose bands all lie above ``x`` (no band with ``min`` null) gives 0:
    the value reached no band.

    Examples
    --------
    >>> apply_rule(Rule("linear", "higher", floor=0.6, target=0.95), 0.91)  # doctest: +ELLIPSIS
    88.57142857...
    >>> apply_rule(Rule("linear", "lower", floor=48, target=24), 30)
    75.0
    >>> apply_rule(Rule("threshold", "lower", target=24), 24)
    100.0
    >>> apply_rule(Rule("bands", bands=((0.95, 100), (0.9, 80), (None, 60))), 0.92)
    80.0
    >>> apply_rule(Rule("ratio"), 1.2), apply_rule(Rule("direct"), -3)
    (100.0, 0.0)
    """
    kind = rule.kind
    if kind == "linear":
        assert rule.floor is not None and rule.target is not None
        if rule.direction == "higher":
            share = (x - rule.floor) / (rule.target - rule.floor)
        else:
            share = (rule.floor - x) / (rule.floor - rule.target)
        return 100.0 * _clip(share, 0.0, 1.0)
    if kind == "threshold":
        assert rule.target is not None
        met = x >= rule.target if rule.direction == "higher" else x <= rule.target
        return 100.0 if met else 0.0
    if kind == "bands":
        for lo, score in rule.bands:
            if lo is None or lo <= x:
                return float(score)
        return 0.0
    if kind == "ratio":
        return 100.0 * _clip(x, 0.0, 1.0)
    if kind == "direct":
        return _clip(float(x), 0.0, 100.0)
    raise ValueError(f"unknown rule kind {kind!r}")
