"""Result-use rules (R8.3) on known numbers, and on the campaign's page."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.reports.rules import Period, RuleConfigError, evaluate, named_count, settings_for


def period(code: str, ranks: dict[str, int]) -> Period:
    return Period(code, {u: (100.0 - r, r) for u, r in ranks.items()})


TEN = [f"U{i}" for i in range(10)]


def ranked(order: list[str], code: str) -> Period:
    return period(code, {u: i + 1 for i, u in enumerate(order)})


def fired(triggers: list[Any], rule: str) -> list[str]:
    return [t.unit for t in triggers if t.rule == rule]


def test_bottom_ten_percent_two_periods_running_means_special_rectification() -> None:
    previous = ranked(TEN, "Q2")
    swapped = ranked(TEN[:8] + ["U9", "U8"], "Q3")  # each of U8, U9 last in one period only
    assert fired(evaluate(current=swapped, history=[previous], unit_types={}), "bottom_streak") == []
    current = ranked(TEN, "Q3")
    triggers = evaluate(current=current, history=[previous], unit_types={})
    t = next(t for t in triggers if t.rule == "bottom_streak")
    assert t.unit == "U9" and t.action == "专项整改"
    assert "Q3 第 10/10 名" in t.detail and "Q2 第 10/10 名" in t.detail


def test_one_period_in_the_bottom_is_not_a_streak() -> None:
    triggers = evaluate(current=ranked(TEN, "Q3"), history=[ranked(list(reversed(TEN)), "Q2")], unit_types={})
    assert fired(triggers, "bottom_streak") == []
    assert fired(evaluate(current=ranked(TEN, "Q3"), history=[], unit_types={}), "bottom_streak") == []


def test_the_last_three_places_get_a_budget_cut_proposal() -> None:
    triggers = evaluate(current=ranked(TEN, "Q3"), history=[], unit_types={})
    assert fired(triggers, "bottom_n") == ["U7", "U8", "U9"]
    assert next(t for t in triggers if t.unit == "U7").numbers == {"rank": 8, "count": 10, "last": 3, "score": 92.0}


def test_a_tie_across_the_border_is_in() -> None:
    current = period("Q3", {"a": 1, "b": 2, "c": 2, "d": 4})
    assert fired(evaluate(current=current, history=[], unit_types={}, settings={"bottom_n": {"count": 2}}),
                 "bottom_n") == ["b", "c", "d"]


def test_top_thirty_percent_two_years_running_gets_funding_priority() -> None:
    triggers = evaluate(current=ranked(TEN, "2026"), history=[ranked(["U2", "U0", "U5", *TEN[6:], "U1", "U3", "U4"],
                                                                      "2025")], unit_types={})
    assert fired(triggers, "top_streak") == ["U0", "U2"]
    assert next(t for t in triggers if t.rule == "top_streak").action == "资金安排优先"


def test_periods_and_shares_are_configurable() -> None:
    history = [ranked(TEN, "Q1"), ranked(TEN, "Q2")]
    cfg = {"top_streak": {"share": 0.1, "periods": 3}, "bottom_n": {"count": 0}}
    triggers = evaluate(current=ranked(TEN, "Q3"), history=history, unit_types={}, settings=cfg)
    assert fired(triggers, "top_streak") == ["U0"] and fired(triggers, "bottom_n") == []
    cfg = {"top_streak": {"periods": 4}}
    assert fired(evaluate(current=ranked(TEN, "Q3"), history=history, unit_types={}, settings=cfg), "top_streak") == []


def test_a_red_project_is_called_to_an_interview() -> None:
    current = ranked(TEN, "Q3")
    types = {"U8": "project", "U9": "project", "U1": "project"}
    triggers = evaluate(current=current, history=[], unit_types=types, vetoed=["U1"],
                        progress={"U8": 0.95, "U9": 0.85, "U1": 1.0}, progress_name="计划进度完成率")
    reds = {t.unit: t for t in triggers if t.rule == "red_project"}
    assert set(reds) == {"U1", "U9"}
    assert "计划进度完成率 85.0%，落后计划 15.0%" in reds["U9"].detail
    assert "一票否决" in reds["U1"].detail


@pytest.mark.parametrize("bad", [
    {"nope": {}}, {"bottom_n": {"count": -1}}, {"top_streak": {"share": 0}}, {"top_streak": {"periods": 1.5}},
    {"red_project": {"lag": 1}}, {"bottom_streak": {"colour": "red"}}, {"bottom_n": 3},
])
def test_unusable_settings_are_named(bad: dict[str, Any]) -> None:
    with pytest.raises(RuleConfigError):
        settings_for(bad)


def test_named_count() -> None:
    assert [named_count(n, 0.1) for n in (0, 3, 10, 19, 20, 500)] == [0, 1, 1, 1, 2, 50]


@pytest.mark.django_db
def test_the_rules_page_lists_each_trigger_with_its_numbers(people: dict[str, Any], as_user: Any) -> None:
    html = as_user(people["office"]).get("/campaigns/R2026Q3/results/rules/").content.decode()
    # history R2026Q1, R2026Q2 rank U10 last; now U08 (vetoed) is last, U10 ninth
    assert "专项整改" in html and "压减预算建议" in html and "资金安排优先" in html and "约谈" in html
    assert "R2026Q3 第 1/10 名；R2026Q2 第 1/10 名" in html  # U01 top streak
    assert "计划进度完成率 73.0%，落后计划 27.0%" in html  # U10, a project behind plan
    assert "参与比较的往期：R2026Q1、R2026Q2" in html


@pytest.mark.django_db
def test_bad_rule_settings_are_shown_not_crashed(people: dict[str, Any], closed: Any, as_user: Any) -> None:
    Campaign = type(closed)
    Campaign.objects.filter(pk=closed.pk).update(extra={"result_use": {"bottom_n": {"count": "three"}}})
    html = as_user(people["office"]).get("/campaigns/R2026Q3/results/rules/").content.decode()
    assert "bottom_n 的名次数 count 应为非负整数" in html
