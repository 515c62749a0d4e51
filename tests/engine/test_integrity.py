"""Integrity screening (issue 6): what a reviewer sees in the C2 alerts.

Every campaign here is built by :func:`campaign`, a small seeded generator: units of
known quality, peer raters belonging to the units and outside raters, honest noise,
and optionally one planted manipulation.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaoping.engine.bundle import parse_bundle
from kaoping.engine.detectors.collusion import combined_threshold, find_rings
from kaoping.engine.detectors.common import cell_medians, robust_z
from kaoping.engine.detectors.thresholds import SCREENING_KINDS, Thresholds
from kaoping.engine.errors import BundleError
from kaoping.engine.scoring import Alert, Results, score

LABELS = {"优": 95, "良": 85, "中": 75, "差": 60}


def campaign(
    seed: int = 0, *, units: int = 24, peers: int = 2, outsiders: int = 12,
    scales: bool = False, lenient: tuple[str, float] | None = None,
    straight: str | None = None, favours: list[tuple[int, int, float]] | None = None,
    extra_targets: tuple[str, int] | None = None, remit: bool = False,
    integrity: dict[str, Any] | None = None, history: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A C1 bundle: ``units`` units (U01...), ``peers`` raters per unit (P01a...),
    ``outsiders`` raters without a unit (X01...), four rated leaves.

    Outsiders score ``units // 2`` units each (a draw) unless ``remit`` is false and
    they score all; peers score every other unit. ``lenient = (rater, points)`` shifts
    one rater; ``straight = rater`` makes one rater answer full marks everywhere;
    ``favours = [(source unit, target unit, points)]`` plants favours (0-based units).
    """
    rng = np.random.default_rng(seed)
    codes = [f"U{i + 1:02d}" for i in range(units)]
    quality = rng.normal(0, 6, units)
    leaves = ["L1", "L2", "L3", "L4"]
    difficulty = np.array([0.0, 2.0, -1.0, 1.0])
    raters: list[dict[str, Any]] = []
    targets: dict[str, list[int]] = {}
    for u in range(units):
        for k in range(peers):
            code = f"P{u + 1:02d}{'abcdefgh'[k]}"
            raters.append({"code": code, "group": "peer", "unit": codes[u]})
            targets[code] = [t for t in range(units) if t != u]
    for i in range(outsiders):
        code = f"X{i + 1:02d}"
        rec: dict[str, Any] = {"code": code, "group": "outside"}
        if remit:
            chosen = sorted(rng.choice(units, units // 2, replace=False).tolist())
            rec["remit"] = [codes[t] for t in chosen]
            targets[code] = chosen
        else:
            targets[code] = list(range(units))
        raters.append(rec)
    if extra_targets is not None:
        code, n = extra_targets
        have = set(targets[code])
        missing = [t for t in range(units) if t not in have]
        targets[code] = sorted(have | set(missing[:n]))
    severity = {r["code"]: rng.normal(0, 2) for r in raters}
    owner = {r["code"]: codes.index(r["unit"]) if "unit" in r else -1 for r in raters}
    scores = []
    for r in raters:
        code = r["code"]
        for t in targets[code]:
            liking = rng.normal(0, 2)
            for li, leaf in enumerate(leaves):
                x = 80 + quality[t] - difficulty[li] - severity[code] + liking + rng.normal(0, 4)
                if lenient and lenient[0] == code:
                    x += lenient[1]
                for src, dst, pts in favours or []:
                    if owner[code] == src and t == dst:
                        x += pts
                x = float(np.clip(x, 0, 100))
                if straight == code:
                    x = 100.0
                value: Any = round(x)
                if scales and leaf == "L3":
                    value = round(x / 10)
                elif scales and leaf == "L4":
                    value = "优" if x >= 90 else "良" if x >= 80 else "中" if x >= 70 else "差"
                scores.append({"rater": code, "unit": codes[t], "indicator": leaf, "value": value})
    leaf_nodes: list[dict[str, Any]] = [{"code": leaf, "name": leaf} for leaf in leaves]
    if scales:
        leaf_nodes[2]["full"] = 10
        leaf_nodes[3]["scale"] = LABELS
    bundle: dict[str, Any] = {
        "format": "kaoping-bundle/1",
        "campaign": {"code": "C9"},
        "scoring": {} if integrity is None else {"integrity": integrity},
        "groups": [{"code": "peer", "weight": 60}, {"code": "outside", "weight": 40}],
        "units": [{"code": c, "name": f"单位{c[1:]}"} for c in codes],
        "indicators": [{"code": "A", "children": leaf_nodes}],
        "raters": raters,
        "scores": scores,
        "history": history or [],
    }
    return bundle


def screening(results: Results) -> list[Alert]:
    return [a for a in results.alerts if a.kind in SCREENING_KINDS]


def run(bundle: dict[str, Any]) -> Results:
    return score(parse_bundle(bundle))


# --------------------------------------------------------------------------- raters


def test_a_planted_lenient_rater_is_flagged_with_the_numbers_behind_it() -> None:
    results = run(campaign(1, lenient=("X03", 15)))
    alerts = screening(results)
    assert [(a.kind, a.raters) for a in alerts] == [("rater_lenient", ["X03"])]
    a = alerts[0]
    assert a.units == [] and a.indicator is None
    assert 13.0 <= a.data["mean_deviation"] <= 16.0
    assert a.data["robust_z"] >= 4.0
    assert a.data["scores"] == 24 * 4 and a.data["units"] == 24
    assert a.severity in ("warning", "critical")
    assert f"{a.data['mean_deviation']:+.1f}" in a.detail
    assert "评价人 X03" in a.detail and "偏高" in a.detail and "96 条评分、24 个单位" in a.detail


def test_a_planted_severe_rater_is_flagged_as_severe() -> None:
    alerts = screening(run(campaign(2, lenient=("P05a", -18))))
    assert [(a.kind, a.raters) for a in alerts] == [("rater_severe", ["P05a"])]
    assert alerts[0].data["mean_deviation"] < -14
    assert "偏低" in alerts[0].detail


@pytest.mark.parametrize("seed", range(6))
def test_an_honest_campaign_raises_no_screening_alert(seed: int) -> None:
    results = run(campaign(100 + seed, units=30, scales=seed % 2 == 1))
    assert screening(results) == []


def test_a_rater_giving_full_marks_on_every_scale_is_a_straight_liner() -> None:
    alerts = screening(run(campaign(3, scales=True, straight="X05")))
    straight = [a for a in alerts if a.kind == "straight_line"]
    assert [a.raters for a in straight] == [["X05"]]
    data = straight[0].data
    assert data["share"] == 1.0 and data["scores"] == 96 and data["same"] == 96
    assert data["sd"] < 3.0 < data["group_sd"]
    assert "（满分）" in straight[0].detail or data["answer"] >= 95


def test_thresholds_from_the_bundle_scoring_section_are_honoured() -> None:
    moderate = campaign(5, lenient=("X02", 8))
    assert screening(run(moderate)) == []  # z = 3.9 < 4.0 by default
    moderate["scoring"] = {"integrity": {"lenient_z": 2.5, "bias_points": 4}}
    flagged = screening(run(moderate))
    assert [a.raters for a in flagged] == [["X02"]]
    assert flagged[0].data["threshold_z"] == 2.5 and flagged[0].data["threshold_points"] == 4
    strong = campaign(1, lenient=("X03", 15), integrity={"disabled": ["rater_lenient"]})
    assert screening(run(strong)) == []
    strong["scoring"] = {"integrity": {"lenient_z": 50}}
    assert screening(run(strong)) == []


@pytest.mark.parametrize("integrity, where", [
    ({"lenient_z": "high"}, "scoring.integrity.lenient_z"),
    ({"lenient": 3}, "scoring.integrity.lenient"),
    ({"min_scores": 2.5}, "scoring.integrity.min_scores"),
    ({"straight_share": 1.5}, "scoring.integrity.straight_share"),
    ({"disabled": ["nonsense"]}, "scoring.integrity.disabled"),
])
def test_an_unusable_threshold_is_rejected_naming_the_key(integrity: dict[str, Any], where: str) -> None:
    with pytest.raises(BundleError) as err:
        run(campaign(5, units=8, outsiders=3, integrity=integrity))
    assert err.value.location == where


def test_a_rater_scoring_far_more_units_than_the_group_is_flagged() -> None:
    bundle = campaign(6, remit=True, extra_targets=("X04", 12))
    # the remit itself lists the drawn units, so X04 is also outside its remit
    alerts = [a for a in screening(run(bundle)) if a.kind == "rater_unknown_target"]
    reasons = {a.data["reason"]: a for a in alerts}
    assert set(reasons) == {"too_many", "outside_remit"}
    many = reasons["too_many"]
    assert many.raters == ["X04"] and many.data["units_scored"] == 24
    assert many.data["group_typical"] == 12 and many.data["ratio"] == 2.0
    outside = reasons["outside_remit"]
    assert outside.raters == ["X04"] and len(outside.units) == 12
    assert outside.data["scores"] == 48 and outside.units == sorted(outside.units)
    assert "范围外的 12 个单位" in outside.detail


def test_scores_outside_a_stated_remit_are_reported_with_the_units() -> None:
    bundle = campaign(7, remit=True)
    rec = next(r for r in bundle["raters"] if r["code"] == "X01")
    dropped = rec["remit"][:2]
    rec["remit"] = rec["remit"][2:]
    alerts = [a for a in screening(run(bundle)) if a.kind == "rater_unknown_target"]
    assert [(a.raters, a.units) for a in alerts] == [(["X01"], sorted(dropped))]
    assert alerts[0].data == {"reason": "outside_remit", "remit_size": 10, "outside": sorted(dropped),
                              "scores": 8}


# --------------------------------------------------------------------------- collusion


def test_two_units_rating_each_other_far_above_consensus_are_a_mutual_high_pair() -> None:
    alerts = screening(run(campaign(8, favours=[(2, 6, 20), (6, 2, 20)])))
    assert [(a.kind, a.units) for a in alerts] == [("mutual_high", ["U03", "U07"])]
    a = alerts[0]
    assert a.raters == ["P03a", "P03b", "P07a", "P07b"]
    assert a.data["scores_ab"] == 8 and a.data["scores_ba"] == 8
    assert a.data["gap_ab"] > 12 and a.data["gap_ba"] > 12
    assert abs(a.data["others"]) < 1.5
    assert a.data["combined_z"] >= a.data["threshold_z"]
    assert "U03（单位03）与 U07（单位07）互评偏高" in a.detail and "（8 条）" in a.detail


def test_a_one_sided_favour_is_not_called_mutual() -> None:
    assert screening(run(campaign(8, favours=[(2, 6, 20)]))) == []


def test_three_units_favouring_each_other_in_a_ring_are_reported_once() -> None:
    alerts = screening(run(campaign(9, favours=[(1, 4, 20), (4, 9, 20), (9, 1, 20)])))
    assert [(a.kind, a.units) for a in alerts] == [("mutual_high", ["U02", "U05", "U10"])]
    assert alerts[0].data["ring"] == ["U02", "U05", "U10"]
    assert len(alerts[0].data["gaps"]) == 3 and min(alerts[0].data["gaps"]) > 10
    assert "U02 → U05 → U10 → U02" in alerts[0].detail


# --------------------------------------------------------------------------- rotation


def rotation_history(holders: list[str], off_rank_of: int, units: int = 24) -> list[dict[str, Any]]:
    """History in which ``holders[i]`` is first in period i and the other holders sit
    around rank ``off_rank_of``."""
    codes = [f"U{i + 1:02d}" for i in range(units)]
    history = []
    for i, first in enumerate(holders):
        order = [c for c in codes if c not in holders]
        others = [h for h in dict.fromkeys(holders) if h != first]
        for k, h in enumerate(others):
            order.insert(off_rank_of - 2 + k, h)
        order.insert(0, first)
        history.append({"campaign": f"H{i + 1}", "results": [
            {"unit": c, "score": round(95 - 0.5 * j, 2), "rank": j + 1} for j, c in enumerate(order)
        ]})
    return history


def current_first(bundle: dict[str, Any]) -> str:
    return next(u.unit for u in run(bundle).units if u.rank == 1)


def test_first_place_passed_round_three_units_is_a_rotation() -> None:
    bundle = campaign(10)
    top = current_first(bundle)
    others = [c for c in (f"U{i + 1:02d}" for i in range(24)) if c != top][:2]
    holders = [others[0], others[1], top, others[0], others[1]]
    bundle["history"] = rotation_history(holders, off_rank_of=12)
    alerts = screening(run(bundle))
    assert [(a.kind, a.units) for a in alerts] == [("rotation", sorted([top, *others]))]
    data = alerts[0].data
    assert [p["first"] for p in data["periods"]] == [[h] for h in [*holders, top]]
    assert all(rank >= 5 for rank in data["off_turn_rank"].values())
    assert data["wins"] == {h: 2 for h in sorted([top, *others])}
    assert "近 6 期第一名" in alerts[0].detail


def test_a_strong_unit_that_is_second_when_not_first_is_not_a_rotation() -> None:
    bundle = campaign(10)
    top = current_first(bundle)
    rival = next(c for c in (f"U{i + 1:02d}" for i in range(24)) if c != top)
    bundle["history"] = rotation_history([rival, top, rival, top, rival], off_rank_of=2)
    assert screening(run(bundle)) == []


def test_rotation_needs_the_configured_number_of_periods() -> None:
    bundle = campaign(10)
    top = current_first(bundle)
    a, b = [c for c in (f"U{i + 1:02d}" for i in range(24)) if c != top][:2]
    bundle["history"] = rotation_history([a, b, top, a, b], off_rank_of=12)
    bundle["scoring"] = {"integrity": {"rotation_min_periods": 7}}
    assert screening(run(bundle)) == []


# --------------------------------------------------------------------------- rule 10 and output


def test_rule_10_alerts_are_exactly_as_c1_says_and_run_without_the_detectors() -> None:
    bundle = campaign(11, units=8, outsiders=3)
    results = run(bundle)
    u1 = next(u for u in results.units if u.unit == "U01")
    u2 = next(u for u in results.units if u.unit == "U02")
    bundle["history"] = [{"campaign": "2026Q1", "results": [
        {"unit": "U01", "score": round(u1.total / 1.25, 2), "rank": 3},
        {"unit": "U02", "score": 79.5, "rank": 5},
    ]}]
    bundle["scoring"] = {"low_score_threshold": 200}
    full = run(bundle)
    bare = score(parse_bundle(bundle), detectors=False)
    assert [a.to_dict() for a in full.alerts] == [a.to_dict() for a in bare.alerts]
    assert {(a.kind, a.units[0]) for a in full.alerts} == {
        ("fluctuation", "U01"), ("low_streak", "U01"), ("low_streak", "U02")}
    fl = next(a for a in full.alerts if a.kind == "fluctuation" and a.units == ["U01"])
    prev = round(u1.total / 1.25, 2)
    assert fl.data == {"total": u1.total, "previous": prev, "change": u1.total - prev, "threshold": 0.2}
    assert fl.severity == "warning"
    assert fl.detail == (
        f"单位 U01（单位01）总分 {u1.total:.2f}，较上期 2026Q1 的 {prev:.2f} 上升 {u1.total - prev:.2f} 分"
        f"（{(u1.total - prev) / prev:.1%}），超过 20% 的波动阈值")
    low = next(a for a in full.alerts if a.kind == "low_streak" and a.units == ["U02"])
    assert low.data == {"total": u2.total, "previous": 79.5, "threshold": 200}
    assert low.detail == (f"单位 U02（单位02）连续两期低于 200 分：上期 2026Q1 79.50，本期 {u2.total:.2f}")


def test_alerts_are_deterministic_json_and_never_change_the_official_scores() -> None:
    bundle = campaign(12, lenient=("X01", 20), favours=[(0, 1, 25), (1, 0, 25)], straight="X07")
    a, b = run(bundle), run(bundle)
    assert json.dumps(a.to_dict(), allow_nan=False) == json.dumps(b.to_dict(), allow_nan=False)
    bare = score(parse_bundle(bundle), detectors=False)
    assert [u.to_dict() for u in a.units] == [u.to_dict() for u in bare.units]
    kinds = [x.kind for x in screening(a)]
    assert kinds == sorted(kinds, key=SCREENING_KINDS.index)
    assert {"rater_lenient", "straight_line", "mutual_high"} <= set(kinds)
    assert all(x.severity in ("info", "warning", "critical") for x in a.alerts)


def test_a_bundle_without_scores_or_history_is_screened_quietly() -> None:
    bundle = campaign(13, units=3, outsiders=1)
    bundle["scores"] = []
    bundle["indicators"] = [{"code": "M", "source": "measure", "rule": {"kind": "ratio"}}]
    assert screening(run(bundle)) == []


# --------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0, 100)), min_size=1, max_size=60))
def test_cell_medians_equal_numpy_median_per_cell(pairs: list[tuple[int, float]]) -> None:
    keys = np.array([k for k, _ in pairs], dtype=np.intp)
    values = np.array([v for _, v in pairs])
    med, count = cell_medians(keys, values, 6)
    for k in range(6):
        assert count[k] == (keys == k).sum()
        if count[k]:
            assert med[k] == pytest.approx(float(np.median(values[keys == k])), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=5, max_size=40),
       st.floats(-20, 20), st.floats(0.5, 5))
def test_robust_z_ignores_location_and_scale(xs: list[float], shift: float, factor: float) -> None:
    x = np.array(xs)
    mask = np.ones(len(xs), dtype=bool)
    z1, _, s1 = robust_z(x, mask)
    z2, _, s2 = robust_z(x * factor + shift, mask)
    if s1 > 1.0 and s2 > 1.0:  # away from the floor of the scale
        assert np.allclose(z1, z2, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=30), st.integers(3, 5))
def test_every_ring_found_is_a_directed_cycle_listed_once(edges: list[tuple[int, int]], longest: int) -> None:
    e = np.zeros((8, 8), dtype=bool)
    for a, b in edges:
        if a != b:
            e[a, b] = True
    rings = find_rings(e, longest)
    assert len({frozenset(r) for r in rings}) == len(rings)
    for ring in rings:
        assert 3 <= len(ring) <= longest and len(set(ring)) == len(ring)
        assert ring[0] == min(ring)
        assert all(e[ring[i], ring[(i + 1) % len(ring)]] for i in range(len(ring)))


@given(st.integers(2, 500), st.integers(2, 5))
def test_the_combined_threshold_rises_with_the_number_of_units(n: int, size: int) -> None:
    assert combined_threshold(n + 1, size, 0.005) >= combined_threshold(n, size, 0.005)
    assert combined_threshold(n, size, 0.001) > combined_threshold(n, size, 0.01)


@given(st.floats(0.5, 10), st.integers(1, 50), st.sampled_from(SCREENING_KINDS))
def test_valid_thresholds_are_read_back(z: float, n: int, kind: str) -> None:
    th = Thresholds.from_options({"integrity": {"lenient_z": z, "min_scores": n, "disabled": [kind]}})
    assert th.lenient_z == z and th.min_scores == n and not th.enabled(kind)
    assert isinstance(th.min_scores, int)
