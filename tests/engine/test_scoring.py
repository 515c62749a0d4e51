"""CONTRACTS.md C1 scoring rules 1-10, one worked example (or more) per rule.

Numbers are computed by hand in the comments; results are compared at 1e-9.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaoping.engine.bundle import Trim
from kaoping.engine.scoring import assign_ranks, trimmed_mean

from .helpers import direct, kinds, make, measures, run, unit

approx = pytest.approx


# ---------------------------------------------------------------- rule 1: weights


def test_it_weights_siblings_relatively_with_absent_weight_one():
    data = make(
        indicators=[direct("A", 3), direct("B")],
        measures=measures("U1", A=80, B=40) + measures("U2", A=80, B=40),
    )
    # (3*80 + 1*40) / 4 = 70
    assert unit(run(data), "U1").base == approx(70.0)


def test_it_leaves_out_nodes_that_do_not_apply_to_the_unit_type():
    data = make(
        units=[{"code": "U1", "type": "admin"}, {"code": "U2", "type": "enterprise"}],
        indicators=[direct("A", 3), direct("B", 1, applies_to=["admin", "institution"])],
        measures=measures("U1", A=80, B=40) + measures("U2", A=80),
    )
    results = run(data)
    assert unit(results, "U1").base == approx(70.0)
    assert unit(results, "U2").base == approx(80.0)
    assert "B" not in unit(results, "U2").nodes
    assert kinds(results, "missing_data") == []  # not applying is not missing


def test_it_applies_weight_overrides_to_matching_units_and_later_overrides_win():
    data = make(
        indicators=[direct("A", 3), direct("B", 1)],
        measures=measures("U1", A=80, B=40) + measures("U2", A=80, B=40),
        weight_overrides=[
            {"match": {"region": "west"}, "weights": {"B": 3}},
            {"match": {"region": "west", "type": "admin"}, "weights": {"B": 5}},
            {"match": {"region": "east"}, "weights": {"A": 1}},
        ],
    )
    results = run(data)
    # U2 (west, admin): B = 5 (the later override wins): (3*80 + 5*40)/8 = 55
    assert unit(results, "U2").base == approx(55.0)
    # U1 (east): A = 1: (80 + 40)/2 = 60
    assert unit(results, "U1").base == approx(60.0)


# ---------------------------------------------------------------- rule 2: rating leaves


def raters(*specs: tuple[str, str, str | None]) -> list[dict]:
    return [{"code": c, "group": g, **({"unit": u} if u else {})} for c, g, u in specs]


def test_it_normalises_values_by_full_and_scale_labels():
    data = make(
        indicators=[
            {"code": "A", "full": 10},
            {"code": "B", "scale": {"优": 95, "良": 85, "中": 70, "差": 50}},
            {"code": "C", "full": 20, "scale": {"优": 19, "良": 17}},
        ],
        raters=raters(("R1", "superior", None)),
        scores=[
            {"rater": "R1", "unit": "U1", "indicator": "A", "value": 8.5},
            {"rater": "R1", "unit": "U1", "indicator": "B", "value": "良"},
            {"rater": "R1", "unit": "U1", "indicator": "C", "value": "优"},
        ],
    )
    nodes = unit(run(data), "U1").nodes
    assert nodes["A"] == approx(85.0)
    assert nodes["B"] == approx(85.0)
    assert nodes["C"] == approx(95.0)  # 19 / 20 * 100


def test_it_trims_the_highest_and_lowest_when_a_group_has_enough_scores():
    values = [60, 80, 85, 90, 100]
    data = make(
        raters=raters(*[(f"R{i}", "peer", None) for i in range(5)]),
        scores=[{"rater": f"R{i}", "unit": "U1", "indicator": "A", "value": v} for i, v in enumerate(values)],
    )
    result = unit(run(data), "U1")
    assert result.nodes["A"] == approx(85.0)  # mean of 80, 85, 90
    assert result.groups == {"peer": approx(85.0)}


def test_it_takes_the_plain_mean_below_the_trim_count():
    data = make(
        raters=raters(*[(f"R{i}", "peer", None) for i in range(4)]),
        scores=[{"rater": f"R{i}", "unit": "U1", "indicator": "A", "value": v}
                for i, v in enumerate([60, 80, 90, 100])],
    )
    assert unit(run(data), "U1").nodes["A"] == approx(82.5)


def test_it_honours_custom_trim_settings():
    data = make(
        scoring={"trim": {"min_count": 3, "drop_high": 1, "drop_low": 0}},
        raters=raters(*[(f"R{i}", "peer", None) for i in range(3)]),
        scores=[{"rater": f"R{i}", "unit": "U1", "indicator": "A", "value": v}
                for i, v in enumerate([60, 80, 100])],
    )
    assert unit(run(data), "U1").nodes["A"] == approx(70.0)  # drop 100 only


def test_it_combines_group_means_by_renormalised_group_weight():
    data = make(
        raters=raters(("S1", "superior", None), ("P1", "peer", "U2"), ("P2", "peer", "U2")),
        scores=[
            {"rater": "S1", "unit": "U1", "indicator": "A", "value": 90},
            {"rater": "P1", "unit": "U1", "indicator": "A", "value": 70},
            {"rater": "P2", "unit": "U1", "indicator": "A", "value": 90},
        ],
    )
    # superior 90 (40), peer 80 (30); recipient and third party have no value:
    # (40*90 + 30*80) / 70 = 85.714285...
    result = unit(run(data), "U1")
    assert result.total == approx(6000 / 70)
    assert result.groups == {"superior": approx(90.0), "peer": approx(80.0)}


def test_it_uses_only_the_groups_a_leaf_is_rated_by():
    data = make(
        indicators=[{"code": "A", "rated_by": ["superior"]}],
        raters=raters(("S1", "superior", None), ("P1", "peer", None)),
        scores=[
            {"rater": "S1", "unit": "U1", "indicator": "A", "value": 90},
            {"rater": "P1", "unit": "U1", "indicator": "A", "value": 10},
        ],
    )
    result = unit(run(data), "U1")
    assert result.total == approx(90.0)
    assert result.groups == {"superior": approx(90.0)}


def test_it_excludes_scores_on_the_raters_own_unit_and_reports_avoidance():
    data = make(
        raters=raters(("P1", "peer", "U1"), ("P2", "peer", "U2")),
        scores=[
            {"rater": "P1", "unit": "U1", "indicator": "A", "value": 100},
            {"rater": "P2", "unit": "U1", "indicator": "A", "value": 70},
        ],
    )
    results = run(data)
    assert unit(results, "U1").total == approx(70.0)
    [alert] = kinds(results, "avoidance")
    assert (alert.units, alert.raters) == (["U1"], ["P1"])


def test_it_excludes_scores_on_declared_conflicts():
    data = make(
        raters=raters(("P1", "peer", None), ("P2", "peer", None)),
        conflicts=[{"rater": "P1", "unit": "U1"}],
        scores=[
            {"rater": "P1", "unit": "U1", "indicator": "A", "value": 100},
            {"rater": "P1", "unit": "U2", "indicator": "A", "value": 60},
            {"rater": "P2", "unit": "U1", "indicator": "A", "value": 70},
        ],
    )
    results = run(data)
    assert unit(results, "U1").total == approx(70.0)
    assert unit(results, "U2").total == approx(60.0)
    [alert] = kinds(results, "avoidance")
    assert (alert.units, alert.raters) == (["U1"], ["P1"])


def test_trimmed_mean_worked_examples():
    assert trimmed_mean([1, 2, 3, 4, 100], Trim(5, 1, 1)) == 3
    assert trimmed_mean([1, 2, 3, 4, 100, 100], Trim(5, 2, 1)) == approx((2 + 3 + 4) / 3)
    assert trimmed_mean([50.0], Trim()) == 50.0


# ---------------------------------------------------------------- rule 3: measured leaves


@pytest.mark.parametrize(
    ("rule", "x", "expected"),
    [
        ({"kind": "linear", "direction": "higher", "floor": 0.6, "target": 0.95}, 0.91, 100 * 0.31 / 0.35),
        ({"kind": "linear", "direction": "higher", "floor": 0.6, "target": 0.95}, 0.5, 0.0),
        ({"kind": "linear", "direction": "higher", "floor": 0.6, "target": 0.95}, 0.99, 100.0),
        ({"kind": "linear", "direction": "lower", "floor": 48, "target": 24}, 30, 75.0),
        ({"kind": "linear", "direction": "lower", "floor": 48, "target": 24}, 12, 100.0),
        ({"kind": "linear", "floor": 0.6, "target": 0.95}, 0.775, 50.0),  # direction defaults to higher
        ({"kind": "threshold", "direction": "higher", "target": 1.0}, 1.0, 100.0),
        ({"kind": "threshold", "direction": "higher", "target": 1.0}, 0.99, 0.0),
        ({"kind": "threshold", "direction": "lower", "target": 24}, 25, 0.0),
        # bands: the first band *in the order given* whose min is null or <= x
        ({"kind": "bands", "bands": [{"min": 0.95, "score": 100}, {"min": 0.9, "score": 80}, {"min": None, "score": 60}]}, 0.93, 80.0),
        ({"kind": "bands", "bands": [{"min": 0.95, "score": 100}, {"min": 0.9, "score": 80}, {"min": None, "score": 60}]}, 0.2, 60.0),
        ({"kind": "bands", "bands": [{"min": 0.5, "score": 70}, {"min": 0.9, "score": 100}]}, 0.95, 70.0),
        ({"kind": "ratio"}, 0.87, 87.0),
        ({"kind": "ratio"}, 1.3, 100.0),
        ({"kind": "direct"}, 101.5, 100.0),
        ({"kind": "direct"}, 64.25, 64.25),
    ],
)
def test_it_scores_measured_leaves_by_their_rule(rule, x, expected):
    data = make(
        indicators=[{"code": "K", "source": "measure", "rule": rule}],
        measures=[{"unit": "U1", "indicator": "K", "value": x}],
    )
    assert unit(run(data), "U1").nodes["K"] == approx(expected)


# ---------------------------------------------------------------- rules 4-5: missing data, roll-up


def test_it_leaves_out_a_leaf_without_data_and_renormalises_its_siblings():
    data = make(
        indicators=[{"code": "A", "weight": 60, "children": [direct("A1", 50), direct("A2", 50)]},
                    direct("B", 40)],
        measures=measures("U1", A1=90, B=60) + measures("U2", A1=80, A2=60, B=50),
    )
    results = run(data)
    u1 = unit(results, "U1")
    assert u1.nodes["A"] == approx(90.0)
    assert "A2" not in u1.nodes
    assert u1.base == approx(0.6 * 90 + 0.4 * 60)
    # U2: A = 70, base = 0.6*70 + 0.4*50 = 62
    assert unit(results, "U2").base == approx(62.0)
    [alert] = kinds(results, "missing_data")
    assert (alert.units, alert.indicator) == (["U1"], "A2")


def test_it_leaves_out_a_node_none_of_whose_children_has_a_score():
    data = make(
        indicators=[{"code": "A", "weight": 60, "children": [direct("A1"), direct("A2")]}, direct("B", 40)],
        measures=measures("U1", B=75) + measures("U2", A1=1, A2=1, B=1),
    )
    results = run(data)
    u1 = unit(results, "U1")
    assert u1.base == approx(75.0)
    assert set(u1.nodes) == {"B"}
    missing = sorted(a.indicator for a in kinds(results, "missing_data") if a.units == ["U1"])
    assert missing == ["A", "A1", "A2"]


def test_it_rolls_up_a_three_level_tree_with_weighted_means():
    data = make(
        indicators=[
            {"code": "T", "weight": 1, "children": [
                {"code": "C1", "weight": 2, "children": [direct("L1", 1), direct("L2", 3)]},
                {"code": "C2", "weight": 1, "children": [direct("L3")]},
            ]},
        ],
        measures=measures("U1", L1=100, L2=60, L3=40) + measures("U2", L1=0, L2=0, L3=0),
    )
    u1 = unit(run(data), "U1")
    # C1 = (100 + 3*60)/4 = 70; C2 = 40; T = (2*70 + 40)/3 = 60
    assert u1.nodes == approx({"T": 60.0, "C1": 70.0, "C2": 40.0, "L1": 100.0, "L2": 60.0, "L3": 40.0})
    assert u1.base == approx(60.0)


# ---------------------------------------------------------------- rules 6-7: total and grade


def test_it_caps_the_bonus_and_subtracts_deductions():
    data = make(
        scoring={"bonus_cap": 5},
        indicators=[direct("A")],
        measures=measures("U1", A=80) + measures("U2", A=80),
        adjustments=[
            {"unit": "U1", "points": 3, "reason": "创新项目获省级表彰"},
            {"unit": "U1", "points": 4, "reason": "典型经验推广"},
            {"unit": "U1", "points": -2, "reason": "整改逾期"},
            {"unit": "U2", "points": 2, "reason": "表彰"},
        ],
    )
    results = run(data)
    u1 = unit(results, "U1")
    assert (u1.base, u1.bonus, u1.deduction, u1.total) == (80.0, 5.0, 2.0, 83.0)
    assert unit(results, "U2").total == 82.0


def test_it_applies_no_bonus_cap_when_absent():
    data = make(indicators=[direct("A")], measures=measures("U1", A=80) + measures("U2", A=1),
                adjustments=[{"unit": "U1", "points": 7, "reason": "x"}, {"unit": "U1", "points": 6, "reason": "y"}])
    assert unit(run(data), "U1").total == 93.0


def test_it_floors_the_total_at_zero():
    data = make(indicators=[direct("A")], measures=measures("U1", A=3) + measures("U2", A=1),
                adjustments=[{"unit": "U1", "points": -10, "reason": "重大失误"}])
    u1 = unit(run(data), "U1")
    assert (u1.total, u1.deduction) == (0.0, 10.0)


@pytest.mark.parametrize(("total", "grade"), [(90.0, "优秀"), (89.99, "良好"), (80, "良好"),
                                              (79.5, "合格"), (70, "合格"), (69.999, "不合格"), (0, "不合格")])
def test_it_grades_by_the_default_thresholds(total, grade):
    data = make(indicators=[direct("A")], measures=measures("U1", A=total) + measures("U2", A=50))
    assert unit(run(data), "U1").grade == grade


def test_it_takes_the_first_matching_grade_in_the_order_given():
    grades = [{"name": "A", "min": 85}, {"name": "B", "min": 60}, {"name": "C", "min": 0}]
    data = make(scoring={"grades": grades}, indicators=[direct("A")],
                measures=measures("U1", A=85) + measures("U2", A=59.9))
    results = run(data)
    assert (unit(results, "U1").grade, unit(results, "U2").grade) == ("A", "C")


def test_it_gives_a_vetoed_unit_the_last_grade_and_the_last_ranks():
    data = make(
        units=[{"code": c} for c in ("U1", "U2", "U3", "U4")],
        indicators=[direct("A")],
        measures=measures("U1", A=95) + measures("U2", A=80) + measures("U3", A=99) + measures("U4", A=60),
        vetoes=[{"unit": "U1", "reason": "重大安全事故"}, {"unit": "U3", "reason": "重大安全事故"}],
    )
    results = run(data)
    ranks = {u.unit: (u.rank, u.grade, u.vetoed) for u in results.units}
    assert ranks == {"U2": (1, "良好", False), "U4": (2, "不合格", False),
                     "U3": (3, "不合格", True), "U1": (4, "不合格", True)}
    assert unit(results, "U1").total == 95.0  # the veto does not change the total
    assert [u.unit for u in results.units] == ["U2", "U4", "U3", "U1"]


# ---------------------------------------------------------------- rule 8: rank


def test_it_ranks_ties_at_two_decimals_and_skips_the_next_rank():
    assert assign_ranks([90.001, 90.004, 89.0, 95.0]) == [2, 2, 4, 1]
    assert assign_ranks([90.004, 90.006]) == [2, 1]  # 90.00 vs 90.01
    assert assign_ranks([]) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=120, allow_nan=False), min_size=1, max_size=30))
def test_ranks_are_competition_ranks(totals):
    ranks = assign_ranks(totals)
    for i, t in enumerate(totals):
        higher = sum(1 for u in totals if round(u, 2) > round(t, 2))
        assert ranks[i] == higher + 1


# ---------------------------------------------------------------- rule 9: group subtotals


def test_group_subtotals_use_only_that_groups_values_and_skip_measured_leaves():
    data = make(
        indicators=[
            {"code": "A", "weight": 1, "children": [
                {"code": "A1", "weight": 1},
                {"code": "A2", "weight": 1, "rated_by": ["superior"]},
            ]},
            direct("K", 1),
        ],
        raters=raters(("S1", "superior", None), ("P1", "peer", None)),
        scores=[
            {"rater": "S1", "unit": "U1", "indicator": "A1", "value": 80},
            {"rater": "S1", "unit": "U1", "indicator": "A2", "value": 100},
            {"rater": "P1", "unit": "U1", "indicator": "A1", "value": 60},
        ],
        measures=measures("U1", K=10),
    )
    u1 = unit(run(data), "U1")
    # superior: A = (80 + 100)/2 = 90; K left out -> 90. Peer: A1 only -> 60.
    assert u1.groups == {"superior": approx(90.0), "peer": approx(60.0)}
    # official: A1 = (40*80 + 30*60)/70, A2 = 100, K = 10
    a1 = (40 * 80 + 30 * 60) / 70
    assert u1.base == approx(((a1 + 100) / 2 + 10) / 2)


# ---------------------------------------------------------------- rule 10: previous period


def history(*rows: tuple[str, float, int]) -> list[dict]:
    return [
        {"campaign": "2026Q1", "results": [{"unit": "U1", "score": 10, "rank": 2}]},
        {"campaign": "2026Q2", "results": [{"unit": u, "score": s, "rank": r} for u, s, r in rows]},
    ]


@pytest.mark.parametrize(("now", "before", "fluctuates"), [(60, 80, True), (65, 80, False),
                                                           (64, 80, False), (96.1, 80, True)])
def test_it_flags_a_swing_beyond_the_threshold_against_the_last_period(now, before, fluctuates):
    data = make(indicators=[direct("A")], measures=measures("U1", A=now) + measures("U2", A=90),
                history=history(("U1", before, 1)))
    results = run(data)
    alerts = kinds(results, "fluctuation")
    assert [a.units for a in alerts] == ([["U1"]] if fluctuates else [])
    assert unit(results, "U1").previous == {"campaign": "2026Q2", "score": before, "rank": 1}


def test_it_uses_the_configured_fluctuation_threshold():
    data = make(scoring={"fluctuation_threshold": 0.05}, indicators=[direct("A")],
                measures=measures("U1", A=75) + measures("U2", A=90), history=history(("U1", 80, 1)))
    assert [a.units for a in kinds(run(data), "fluctuation")] == [["U1"]]


def test_it_flags_two_periods_running_below_the_low_score_threshold():
    data = make(indicators=[direct("A")], measures=measures("U1", A=78) + measures("U2", A=79),
                history=history(("U1", 79.9, 1), ("U2", 80, 2)))
    assert [a.units for a in kinds(run(data), "low_streak")] == [["U1"]]


def test_it_compares_with_the_last_history_entry_only():
    data = make(indicators=[direct("A")], measures=measures("U1", A=50) + measures("U2", A=90),
                history=[{"campaign": "2026Q2", "results": [{"unit": "U1", "score": 50}]},
                         {"campaign": "2026Q1", "results": [{"unit": "U1", "score": 90}]}])
    results = run(data)
    assert [a.units for a in kinds(results, "fluctuation")] == [["U1"]]
    assert unit(results, "U1").previous["campaign"] == "2026Q1"


# ---------------------------------------------------------------- C2 shape


def test_results_have_the_c2_shape():
    data = make(indicators=[direct("A")], measures=measures("U1", A=80) + measures("U2", A=70))
    out = run(data).to_dict()
    assert out["format"] == "kaoping-results/1"
    assert out["campaign"] == "T1"
    first = out["units"][0]
    for key in ("unit", "total", "base", "bonus", "deduction", "grade", "rank", "vetoed", "groups", "nodes"):
        assert key in first
    assert isinstance(first["bonus"], float) and isinstance(first["deduction"], float)


# ---------------------------------------------------------------- extension: decided exclusions


def test_an_excluded_sheet_is_left_out_and_reported_with_its_reason():
    data = make(
        raters=raters(("P1", "peer", None), ("P2", "peer", None)),
        scores=[
            {"rater": "P1", "unit": "U1", "indicator": "A", "value": 100},
            {"rater": "P1", "unit": "U2", "indicator": "A", "value": 100},
            {"rater": "P2", "unit": "U1", "indicator": "A", "value": 70},
            {"rater": "P2", "unit": "U2", "indicator": "A", "value": 60},
        ],
        exclusions=[{"rater": "P1", "unit": "U1", "reason": "协商打分经核实", "decision": "ALERT-7"}],
    )
    results = run(data)
    assert unit(results, "U1").total == approx(70.0)  # P1 on U1 left out
    assert unit(results, "U2").total == approx(80.0)  # P1 on U2 still counts
    [alert] = kinds(results, "excluded_sheet")
    assert (alert.raters, alert.units, alert.data["excluded_scores"]) == (["P1"], ["U1"], 1)
    assert "协商打分经核实" in alert.detail


def test_an_exclusion_without_a_unit_drops_the_whole_sheet():
    data = make(
        raters=raters(("P1", "peer", None), ("P2", "peer", None)),
        scores=[{"rater": "P1", "unit": u, "indicator": "A", "value": 100} for u in ("U1", "U2")]
        + [{"rater": "P2", "unit": u, "indicator": "A", "value": 50} for u in ("U1", "U2")],
        exclusions=[{"rater": "P1", "reason": "评分雷同"}],
    )
    results = run(data)
    assert [u.total for u in results.units] == [50.0, 50.0]
    assert kinds(results, "excluded_sheet")[0].data["excluded_scores"] == 2
