"""C1 validation: every invalid bundle is rejected whole, naming the record."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.engine.bundle import load_bundle, parse_bundle
from kaoping.engine.errors import BundleError

from .helpers import make

R = [{"code": "R1", "group": "peer", "unit": "U2"}, {"code": "R2", "group": "superior"}]
MEASURED = {"code": "K", "source": "measure", "rule": {"kind": "ratio"}}


def rejects(data: Any, code: str, *fragments: str) -> BundleError:
    with pytest.raises(BundleError) as info:
        parse_bundle(data)
    err = info.value
    assert err.code == code, str(err)
    for fragment in fragments:
        assert fragment in str(err), str(err)
    return err


def score(**kw: Any) -> dict[str, Any]:
    return {"rater": "R1", "unit": "U1", "indicator": "A", "value": 80, **kw}


def test_a_valid_bundle_is_accepted():
    b = parse_bundle(make(raters=R, scores=[score()]))
    assert len(b.scores) == 1


def test_it_rejects_an_unknown_format():
    rejects(make(format="kaoping-bundle/2"), "unknown_format", "kaoping-bundle/2")
    rejects([], "wrong_type")


@pytest.mark.parametrize(("section", "records", "dup"), [
    ("units", [{"code": "U1"}, {"code": "U1"}], "units[1]"),
    ("groups", [{"code": "peer", "weight": 1}, {"code": "peer", "weight": 2}], "groups[1]"),
    ("raters", [{"code": "R1", "group": "peer"}, {"code": "R1", "group": "peer"}], "raters[1]"),
    ("indicators", [{"code": "A"}, {"code": "B", "children": [{"code": "A"}]}], "indicators[2]"),
])
def test_it_rejects_duplicate_codes(section, records, dup):
    data = make(**{section: records})
    if section == "groups":
        data["raters"] = []
    rejects(data, "duplicate_code", dup)


@pytest.mark.parametrize(("parts", "code", "where"), [
    ({"raters": R, "scores": [score(unit="U9")]}, "unknown_unit", "U9"),
    ({"raters": R, "scores": [score(rater="R9")]}, "unknown_rater", "R9"),
    ({"raters": R, "scores": [score(indicator="Z")]}, "unknown_indicator", "Z"),
    ({"raters": [{"code": "R1", "group": "nobody"}]}, "unknown_group", "nobody"),
    ({"raters": [{"code": "R1", "group": "peer", "unit": "U9"}]}, "unknown_unit", "U9"),
    ({"indicators": [{"code": "A", "rated_by": ["boss"]}]}, "unknown_group", "boss"),
    ({"raters": R, "conflicts": [{"rater": "R9", "unit": "U1"}]}, "unknown_rater", "R9"),
    ({"raters": R, "conflicts": [{"rater": "R1", "unit": "U9"}]}, "unknown_unit", "U9"),
    ({"adjustments": [{"unit": "U9", "points": 1, "reason": "x"}]}, "unknown_unit", "U9"),
    ({"vetoes": [{"unit": "U9", "reason": "x"}]}, "unknown_unit", "U9"),
    ({"weight_overrides": [{"match": {"region": "west"}, "weights": {"Z": 1}}]}, "unknown_indicator", "Z"),
    ({"indicators": [MEASURED], "measures": [{"unit": "U9", "indicator": "K", "value": 1}]}, "unknown_unit", "U9"),
    ({"history": [{"campaign": "Q2", "results": [{"unit": "U9", "score": 80}]}]}, "unknown_unit", "U9"),
    ({"units": [{"code": "U1", "parent": "U9"}]}, "unknown_unit", "U9"),
])
def test_it_rejects_references_to_unknown_records(parts, code, where):
    rejects(make(**parts), code, where)


def test_it_rejects_a_score_on_an_inner_node():
    data = make(indicators=[{"code": "A", "children": [{"code": "A1"}]}], raters=R, scores=[score()])
    rejects(data, "unknown_indicator", "scores[0]")


@pytest.mark.parametrize(("parts", "where"), [
    ({"indicators": [{"code": "A", "weight": -1}]}, "indicators[0]"),
    ({"groups": [{"code": "peer", "weight": -30}]}, "groups[0]"),
    ({"weight_overrides": [{"match": {}, "weights": {"A": -5}}]}, "weight_overrides[0]"),
])
def test_it_rejects_negative_weights(parts, where):
    rejects(make(**parts), "negative_weight", where)


@pytest.mark.parametrize("value", [-0.5, 100.01, 1e9, float("nan"), float("inf")])
def test_it_rejects_values_outside_zero_to_full(value):
    rejects(make(raters=R, scores=[score(), score(rater="R2", value=value)]), "out_of_range", "scores[1]", "R2")


def test_it_checks_the_range_against_the_leafs_own_full_mark():
    data = make(indicators=[{"code": "A", "full": 10}], raters=R, scores=[score(value=10.5)])
    rejects(data, "out_of_range", "[0, 10]")


def test_it_rejects_a_label_missing_from_the_scale():
    data = make(indicators=[{"code": "A", "scale": {"优": 95, "良": 85}}], raters=R, scores=[score(value="差")])
    rejects(data, "unknown_label", "差", "scores[0]")


@pytest.mark.parametrize("value", ["80", "八十", True, None, [80], {"v": 80}])
def test_it_rejects_text_or_other_types_where_a_number_belongs(value):
    err = rejects(make(raters=R, scores=[score(value=value)]), err_code(value), "scores[0]")
    assert err.location == "scores[0]"


def err_code(value: Any) -> str:
    return "missing_field" if value is None else "not_a_number"


def test_it_rejects_the_same_score_twice():
    rejects(make(raters=R, scores=[score(), score(value=70)]), "duplicate_record", "scores[1]", "R1", "U1")


def test_it_rejects_the_same_measure_twice():
    data = make(indicators=[MEASURED], measures=[{"unit": "U1", "indicator": "K", "value": 0.5},
                                                 {"unit": "U1", "indicator": "K", "value": 0.6}])
    rejects(data, "duplicate_record", "measures[1]")


def test_it_rejects_a_score_on_a_measured_leaf():
    data = make(indicators=[MEASURED], raters=R, scores=[score(indicator="K")])
    rejects(data, "score_on_measure", "scores[0]", "K")


def test_it_rejects_a_measure_on_a_rated_leaf():
    rejects(make(measures=[{"unit": "U1", "indicator": "A", "value": 1}]), "measure_on_rating", "measures[0]")


def test_it_rejects_text_in_a_measure():
    data = make(indicators=[MEASURED], measures=[{"unit": "U1", "indicator": "K", "value": "0.9"}])
    rejects(data, "not_a_number", "measures[0]")


@pytest.mark.parametrize(("rule", "fragment"), [
    ({"kind": "cubic"}, "cubic"),
    ({"kind": "linear", "floor": 0.9, "target": 0.9}, "floor"),
    ({"kind": "linear", "floor": 0.6}, "target"),
    ({"kind": "linear", "floor": "0.6", "target": 1}, "floor"),
    ({"kind": "threshold"}, "target"),
    ({"kind": "bands", "bands": []}, "bands"),
    ({"kind": "bands", "bands": [{"min": 0.9}]}, "score"),
    ({"kind": "linear", "direction": "sideways", "floor": 0, "target": 1}, "sideways"),
    (None, "rule"),
])
def test_it_rejects_rules_with_unusable_parameters(rule, fragment):
    node = {"code": "K", "source": "measure", **({"rule": rule} if rule is not None else {})}
    rejects(make(indicators=[node]), "bad_rule", "indicators[0]", fragment)


def test_it_rejects_a_trim_that_would_leave_nothing():
    rejects(make(scoring={"trim": {"min_count": 2, "drop_high": 1, "drop_low": 1}}), "bad_parameter", "min_count")


def test_it_rejects_a_missing_campaign_code():
    rejects(make(campaign={"name": "无代码"}), "missing_field", "campaign", "code")


def test_it_names_the_record_in_nested_history():
    data = make(history=[{"campaign": "Q2", "results": [{"unit": "U1", "score": "高"}]}])
    rejects(data, "not_a_number", "history[0].results[0]")


def test_it_reports_malformed_json_with_the_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "kaoping-bundle/1",\n "units": [,]}', encoding="utf-8")
    with pytest.raises(BundleError) as info:
        load_bundle(path)
    assert info.value.code == "malformed" and "第 2 行" in str(info.value)


def test_it_reads_yaml_with_the_same_rules(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(
        "format: kaoping-bundle/1\ncampaign: {code: Y1}\ngroups: [{code: peer, weight: 1}]\n"
        "units: [{code: U1}]\nindicators: [{code: A}]\nraters: [{code: R1, group: peer}]\n"
        "scores: [{rater: R1, unit: U1, indicator: A, value: 88}]\n", encoding="utf-8")
    assert load_bundle(path).scores.value == [88.0]
    path.write_text("format: kaoping-bundle/1\ncampaign: [unclosed\n", encoding="utf-8")
    with pytest.raises(BundleError) as info:
        load_bundle(path)
    assert info.value.code == "malformed"


def test_codes_written_as_numbers_match_text_codes_in_scores():
    data = make(units=[{"code": 101}, {"code": "102"}], raters=[{"code": 7, "group": "peer"}],
                scores=[{"rater": 7, "unit": 101, "indicator": "A", "value": 80}])
    b = parse_bundle(data)
    assert [u.code for u in b.units] == ["101", "102"] and b.scores.value == [80.0]


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from kaoping.engine import bundle as module

    path = tmp_path / "big.json"
    path.write_text("{}" + " " * 2048, encoding="utf-8")
    monkeypatch.setattr(module, "MAX_BUNDLE_BYTES", 1024)
    with pytest.raises(BundleError) as info:
        load_bundle(path)
    assert info.value.code == "too_large"


def test_it_rejects_an_exclusion_of_an_unknown_rater_or_without_a_reason():
    rejects(make(raters=R, exclusions=[{"rater": "R9", "reason": "x"}]), "unknown_rater", "exclusions[0]")
    rejects(make(raters=R, exclusions=[{"rater": "R1"}]), "missing_field", "exclusions[0]", "reason")
