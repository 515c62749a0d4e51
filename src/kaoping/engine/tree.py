"""The indicator tree as each unit sees it: applicability, weight overrides, policy shares.

Units of the same type matched by the same overrides see the same tree, so the tree is
resolved once per such *profile* rather than once per unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .bundle import Bundle, Indicator, Unit


@dataclass(frozen=True, slots=True)
class Profile:
    """The tree as seen by one kind of unit.

    ``weights`` holds the effective weight of every applicable node (after overrides);
    a node absent from it does not apply to the unit.
    """

    key: tuple[Any, ...]
    weights: dict[str, float]

    def applies(self, code: str) -> bool:
        return code in self.weights


def applies_to(node: Indicator, unit: Unit) -> bool:
    """C1 rule 1: a node applies unless ``applies_to`` lists types without the unit's type.

    Examples
    --------
    >>> from kaoping.engine.bundle import Indicator, Unit
    >>> n = Indicator("B", "B", 1.0, None, 0, applies_to=("admin",))
    >>> applies_to(n, Unit("U1", "U1", "admin", None, None, {})), applies_to(n, Unit("U2", "U2", "enterprise", None, None, {}))
    (True, False)
    """
    return node.applies_to is None or unit.type in node.applies_to


def override_matches(match: dict[str, Any] | Any, unit: Unit) -> bool:
    """True when every key of ``match`` equals the unit's field of that name."""
    return all(unit.fields.get(key) == value for key, value in match.items())


def profile_for(bundle: Bundle, unit: Unit, cache: dict[tuple[Any, ...], Profile] | None = None) -> Profile:
    """The resolved tree for ``unit`` (cached by unit type and matching overrides)."""
    matched = tuple(i for i, o in enumerate(bundle.weight_overrides) if override_matches(o.match, unit))
    key = (unit.type, matched)
    if cache is not None and key in cache:
        return cache[key]
    replaced: dict[str, float] = {}
    for i in matched:  # later overrides win
        replaced.update(bundle.weight_overrides[i].weights)
    weights: dict[str, float] = {}

    def walk(node: Indicator) -> None:
        if not applies_to(node, unit):
            return
        weights[node.code] = replaced.get(node.code, node.weight)
        for child in node.children:
            walk(child)

    for top in bundle.indicators:
        walk(top)
    profile = Profile(key, weights)
    if cache is not None:
        cache[key] = profile
    return profile


@dataclass(frozen=True, slots=True)
class PolicyShare:
    """Effective share of each leaf nature for one profile (R2.3)."""

    units: tuple[str, ...]
    unit_type: str | None
    shares: dict[str, float]  # "process" / "result" / "untagged" -> 0..1
    violations: tuple[str, ...]


def leaf_shares(bundle: Bundle, profile: Profile) -> dict[str, float]:
    """Effective weight of every applicable leaf in the unit's total (sums to 1).

    Examples
    --------
    >>> from kaoping.engine.bundle import parse_bundle
    >>> b = parse_bundle({"format": "kaoping-bundle/1", "campaign": {"code": "C"},
    ...   "units": [{"code": "U"}], "indicators": [{"code": "A", "weight": 3,
    ...   "children": [{"code": "A1"}, {"code": "A2"}]}, {"code": "B", "weight": 1}]})
    >>> leaf_shares(b, profile_for(b, b.units[0]))
    {'A1': 0.375, 'A2': 0.375, 'B': 0.25}
    """
    shares: dict[str, float] = {}

    def walk(nodes: list[Indicator], share: float) -> None:
        live = [n for n in nodes if profile.applies(n.code)]
        total = sum(profile.weights[n.code] for n in live)
        if total <= 0:
            return
        for n in live:
            s = share * profile.weights[n.code] / total
            if n.is_leaf:
                shares[n.code] = s
            else:
                walk(n.children, s)

    walk(bundle.indicators, 1.0)
    return shares


def nature_of(bundle: Bundle, code: str) -> str | None:
    """A leaf's nature, inherited from the nearest tagged ancestor when untagged."""
    node: Indicator | None = bundle.nodes[code]
    while node is not None:
        if node.nature:
            return node.nature
        node = bundle.nodes[node.parent] if node.parent else None
    return None


def policy_check(bundle: Bundle) -> list[PolicyShare]:
    """Process/result weight shares per unit profile against the campaign's limits.

    Limits come from ``scoring.policy`` as fractions, e.g.
    ``{"process_min": 0.4, "result_max": 0.6}`` (mutual evaluation) or
    ``{"process_max": 0.2}`` (bureau appraisal). Violations are reported, never fixed.
    """
    limits = bundle.scoring.options.get("policy") or {}
    cache: dict[tuple[Any, ...], Profile] = {}
    members: dict[tuple[Any, ...], list[Unit]] = {}
    for unit in bundle.units:
        members.setdefault(profile_for(bundle, unit, cache).key, []).append(unit)
    out: list[PolicyShare] = []
    for key, units in members.items():
        shares = {"process": 0.0, "result": 0.0, "untagged": 0.0}
        for code, s in leaf_shares(bundle, cache[key]).items():
            shares[nature_of(bundle, code) or "untagged"] += s
        violations = []
        for nature in ("process", "result"):
            lo, hi = limits.get(f"{nature}_min"), limits.get(f"{nature}_max")
            label = "过程性" if nature == "process" else "结果性"
            if lo is not None and shares[nature] < lo - 1e-9:
                violations.append(f"{label}指标权重 {shares[nature]:.1%} 低于下限 {lo:.0%}")
            if hi is not None and shares[nature] > hi + 1e-9:
                violations.append(f"{label}指标权重 {shares[nature]:.1%} 高于上限 {hi:.0%}")
        out.append(PolicyShare(tuple(u.code for u in units), units[0].type, shares, tuple(violations)))
    return out
