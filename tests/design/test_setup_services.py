"""Campaign set-up services: creation, targets, raters, avoidance, the seeded draw and the
lifecycle preconditions. Every refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps

from kaoping.campaigns import setup
from kaoping.campaigns.models import Assignment, Campaign, CampaignStatus
from kaoping.campaigns.services import CampaignError, score_record
from kaoping.ledger.selectors import ledger_verify

pytestmark = pytest.mark.django_db

FUTURE = dt.date.today() + dt.timedelta(days=30)


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in ("indicators", "campaigns", "ledger")}


def make_campaign(draft: Any, office: Any, **kw: Any) -> Campaign:
    values = {"code": "2026Q3", "name": "2026年第三季度单位互评", "kind": "mutual", "period_type": "quarter",
              "period_start": dt.date(2026, 7, 1), "period_end": dt.date(2026, 9, 30), "deadline": FUTURE,
              "library_version": draft, "by": office}
    values.update(kw)
    return setup.campaign_create(**values)


@pytest.fixture
def ready(draft: Any, office: Any, units: list[Any]) -> Campaign:
    """A draft campaign with five targets, raters in two groups, a conflict and assignments."""
    c = make_campaign(draft, office, include_self=True)
    setup.targets_add(campaign=c, units=units, by=office)
    groups = {g.code: g for g in c.groups.all()}
    setup.rater_add(campaign=c, code="S1", group=groups["superior"], by=office, name="张三")
    setup.rater_add(campaign=c, code="S2", group=groups["superior"], by=office)
    for i, u in enumerate(units, 1):
        setup.rater_add(campaign=c, code=f"P{i}", group=groups["peer"], unit=u, by=office)
    p1 = c.raters.get(code="P1")
    setup.conflict_add(campaign=c, rater=p1, unit=units[1], by=office)
    setup.assignments_generate(campaign=c, by=office)
    return Campaign.objects.get(pk=c.pk)


def test_it_creates_a_draft_campaign_with_the_default_groups_and_freezes_the_version(draft: Any, office: Any) -> None:
    c = make_campaign(draft, office)
    assert c.status == CampaignStatus.DRAFT
    assert [(g.code, g.weight) for g in c.groups.order_by("id")] == [
        ("superior", 40), ("peer", 30), ("recipient", 20), ("third_party", 10)]
    draft.refresh_from_db()
    assert draft.frozen_at is not None
    assert c.extra == {"period_type": "quarter"}
    assert c.scoring["grades"][0] == {"name": "优秀", "min": 90}


def test_it_allows_self_evaluation_with_weight_zero(draft: Any, office: Any) -> None:
    c = make_campaign(draft, office, include_self=True)
    assert c.groups.get(code="self").weight == 0


@pytest.mark.parametrize("kw, code", [
    ({"code": ""}, "bad_value"),
    ({"name": ""}, "bad_value"),
    ({"kind": "nonsense"}, "bad_value"),
    ({"period_end": dt.date(2026, 6, 1)}, "bad_value"),
    ({"scoring": {"trim": {"min_count": 2, "drop_high": 1, "drop_low": 1}}}, "bad_parameter"),
    ({"scoring": {"policy": {"process_min": 1.5}}}, "out_of_range"),
    ({"groups": [("peer", "同级", -1)]}, "out_of_range"),
])
def test_it_refuses_a_bad_campaign_and_writes_nothing(draft: Any, office: Any, kw: dict[str, Any], code: str) -> None:
    before = row_counts()
    with pytest.raises(CampaignError) as exc:
        make_campaign(draft, office, **kw)
    assert exc.value.code == code
    assert row_counts() == before
    draft.refresh_from_db()
    assert draft.frozen_at is None


def test_it_refuses_a_duplicate_campaign_code(draft: Any, office: Any) -> None:
    make_campaign(draft, office)
    before = row_counts()
    with pytest.raises(CampaignError, match="已存在"):
        make_campaign(draft, office)
    assert row_counts() == before


def test_avoidance_keeps_raters_off_their_own_unit_and_declared_conflicts(ready: Campaign, units: list[Any]) -> None:
    pairs = set(ready.assignments.values_list("rater__code", "unit__code"))
    for i, u in enumerate(units, 1):
        assert (f"P{i}", u.code) not in pairs
    assert ("P1", "U02") not in pairs
    assert ("P1", "U03") in pairs and ("S1", "U01") in pairs
    assert len(pairs) == 2 * 5 + 5 * 4 - 1


def test_a_rater_unit_must_be_a_target(ready: Campaign) -> None:
    from kaoping.org.services import unit_create

    outsider = unit_create(code="X9", name="外单位")
    before = row_counts()
    with pytest.raises(CampaignError, match="不是本活动的考评对象"):
        setup.rater_add(campaign=ready, code="Q1", group=ready.groups.get(code="peer"), unit=outsider)
    assert row_counts() == before


def test_the_draw_is_reproducible_from_its_seed(ready: Campaign, office: Any) -> None:
    first = setup.assignment_draw(campaign=ready, seed="20260701", per_unit=2, groups=["peer"], by=office)
    drawn = sorted(ready.assignments.filter(rater__group__code="peer").values_list("rater__code", "unit__code"))
    assert sorted(first.pairs) == drawn
    assert all(len([p for p in first.pairs if p[1] == u]) == 2 for u in ["U01", "U02", "U03", "U04", "U05"])
    assert ("P1", "U02") not in first.pairs and all(p[0] != f"P{i}" or p[1] != f"U0{i}" for p in first.pairs
                                                   for i in range(1, 6))
    recorded = setup.draws_recorded(campaign=ready)[0]
    assert recorded.seed == "20260701" and recorded.pairs == first.pairs
    again, same = setup.draw_replay(draw=recorded, seed="20260701")
    assert same and again.digest == recorded.digest
    other, same = setup.draw_replay(draw=recorded, seed="1")
    assert not same or other.pairs == first.pairs
    assert ledger_verify().ok


def test_the_same_seed_draws_the_same_pairs_in_another_run(ready: Campaign, office: Any) -> None:
    a = setup.assignment_draw(campaign=ready, seed="abc", per_unit=1, groups=["peer", "superior"], by=office)
    b = setup.assignment_draw(campaign=ready, seed="abc", per_unit=1, groups=["peer", "superior"], by=office)
    assert a.pairs == b.pairs and a.digest == b.digest


def test_a_draw_by_targets_gives_each_rater_k_units(ready: Campaign, office: Any) -> None:
    r = setup.assignment_draw(campaign=ready, seed="7", per_unit=3, groups=["peer"], mode="targets", by=office)
    per_rater: dict[str, int] = {}
    for rater, _unit in r.pairs:
        per_rater[rater] = per_rater.get(rater, 0) + 1
    assert per_rater == {f"P{i}": 3 for i in range(1, 6)}


@pytest.mark.parametrize("kw, code", [
    ({"seed": ""}, "bad_value"),
    ({"per_unit": 0}, "out_of_range"),
    ({"groups": []}, "missing_field"),
    ({"groups": ["nobody"]}, "unknown_group"),
    ({"groups": ["recipient"]}, "empty"),
    ({"mode": "both"}, "bad_value"),
])
def test_a_bad_draw_is_refused_and_writes_nothing(ready: Campaign, office: Any, kw: dict[str, Any], code: str) -> None:
    args = {"seed": "1", "per_unit": 1, "groups": ["peer"], "by": office, **kw}
    before = row_counts()
    with pytest.raises(CampaignError) as exc:
        setup.assignment_draw(campaign=ready, **args)
    assert exc.value.code == code
    assert row_counts() == before


def test_it_opens_a_ready_campaign(ready: Campaign, office: Any) -> None:
    assert all(c.ok for c in setup.open_checks(campaign=ready)), setup.open_checks(campaign=ready)
    c = setup.campaign_advance(campaign=ready, to="open", by=office)
    assert c.status == "open"


@pytest.mark.parametrize("breaks, words", [
    ("no_assignments", "已分配评价任务"),
    ("no_raters", "已添加评价人"),
    ("policy", "政策检查"),
    ("deadline", "截止日期"),
])
def test_it_refuses_to_open_and_writes_nothing(ready: Campaign, office: Any, breaks: str, words: str) -> None:
    if breaks == "no_assignments":
        Assignment.objects.filter(campaign=ready).delete()
    elif breaks == "no_raters":
        Assignment.objects.filter(campaign=ready).delete()
        ready.conflicts.all().delete()
        ready.raters.all().delete()
    elif breaks == "policy":
        ready.scoring = {**ready.scoring, "policy": {"process_min": 0.5}}
        ready.save()
    elif breaks == "deadline":
        Campaign.objects.filter(pk=ready.pk).update(deadline=dt.date(2020, 1, 1))
    before = row_counts()
    with pytest.raises(CampaignError) as exc:
        setup.campaign_advance(campaign=ready, to="open", by=office)
    assert words in exc.value.message
    assert row_counts() == before
    assert Campaign.objects.get(pk=ready.pk).status == "draft"


def test_it_refuses_to_open_without_targets(draft: Any, office: Any) -> None:
    c = make_campaign(draft, office)
    with pytest.raises(CampaignError, match="已选择考评对象"):
        setup.campaign_advance(campaign=c, to="open", by=office)


def test_the_policy_check_counts_process_and_result_shares(ready: Campaign) -> None:
    shares = {s.unit_type: s.shares for s in setup.campaign_policy(campaign=ready)}
    assert shares["admin"]["process"] == pytest.approx(0.4)
    # B2 does not apply to enterprises: B1 carries all of B, the shares stay the same
    assert shares["enterprise"]["result"] == pytest.approx(0.6)


def test_a_weight_override_changes_the_policy_shares(ready: Campaign, office: Any) -> None:
    setup.override_save(campaign=ready, match={"region": "west"}, weights={"A": 60}, by=office)
    shares = {s.units: s.shares for s in setup.campaign_policy(campaign=ready)}
    west = next(v for k, v in shares.items() if "U02" in k)
    assert west["process"] == pytest.approx(0.5)


def test_it_refuses_to_close_before_the_deadline_unless_early(ready: Campaign, office: Any) -> None:
    c = setup.campaign_advance(campaign=ready, to="open", by=office)
    before = row_counts()
    with pytest.raises(CampaignError) as exc:
        setup.campaign_advance(campaign=c, to="closed", by=office)
    assert exc.value.code == "before_deadline"
    assert row_counts() == before


def test_closing_computes_results_and_the_lifecycle_runs_to_archived(ready: Campaign, office: Any) -> None:
    c = setup.campaign_advance(campaign=ready, to="open", by=office)
    s1 = c.raters.get(code="S1")
    leaf = c.library_version.nodes.get(code="A2")
    u1 = c.targets.get(code="U01").unit
    score_record(campaign=c, rater=s1, unit=u1, indicator=leaf, value=90, by=office)
    c = setup.campaign_advance(campaign=c, to="closed", early=True, by=office)
    assert c.status == "closed" and c.snapshots.count() == 1
    c = setup.campaign_advance(campaign=c, to="published", by=office)
    assert c.snapshots.count() == 1
    c = setup.campaign_advance(campaign=c, to="archived", by=office)
    assert c.status == "archived"
    with pytest.raises(CampaignError):
        setup.campaign_advance(campaign=c, to="open", by=office)
    assert ledger_verify().ok


def test_set_up_is_refused_once_open(ready: Campaign, office: Any, units: list[Any]) -> None:
    c = setup.campaign_advance(campaign=ready, to="open", by=office)
    before = row_counts()
    with pytest.raises(CampaignError, match="只有草稿阶段"):
        setup.group_save(campaign=c, code="peer", name="同级", weight=50, by=office)
    with pytest.raises(CampaignError, match="只有草稿阶段"):
        setup.assignment_draw(campaign=c, seed="1", per_unit=1, groups=["peer"], by=office)
    assert row_counts() == before


def test_removing_a_target_in_use_is_refused(ready: Campaign, units: list[Any]) -> None:
    before = row_counts()
    with pytest.raises(CampaignError, match="引用"):
        setup.target_remove(campaign=ready, unit=units[0])
    assert row_counts() == before


def test_rater_removal_takes_conflicts_and_assignments_along(ready: Campaign, office: Any) -> None:
    p1 = ready.raters.get(code="P1")
    setup.rater_remove(campaign=ready, rater=p1, by=office)
    assert not ready.raters.filter(code="P1").exists()
    assert not ready.conflicts.exists()
    assert ledger_verify().ok


def test_group_weights_can_be_changed(ready: Campaign, office: Any) -> None:
    setup.group_save(campaign=ready, code="peer", name="同级互评", weight=35, by=office)
    assert ready.groups.get(code="peer").weight == 35
    with pytest.raises(CampaignError, match="还有评价人"):
        setup.group_remove(campaign=ready, group=ready.groups.get(code="peer"), by=office)


def test_working_days_left_follow_the_official_calendar() -> None:
    # 30 Sep 2025 → 9 Oct 2025: the National Day holiday leaves one working day
    assert setup.working_days_left(dt.date(2025, 10, 9), on=dt.date(2025, 9, 30)) == 1
    assert setup.working_days_left(None) is None


def test_a_pair_added_by_hand_is_recorded(ready: Campaign, office: Any, units: list[Any]) -> None:
    groups = {g.code: g for g in ready.groups.all()}
    rater = setup.rater_add(campaign=ready, code="S3", group=groups["superior"], by=office)
    assert setup.assignments_add(campaign=ready, rater=rater, units=units[:2], by=office) == 2
    assert set(rater.assignments.values_list("unit__code", flat=True)) == {units[0].code, units[1].code}
    assert ledger_verify().ok


@pytest.mark.parametrize("case, words", [
    ("own_unit", "须回避"), ("conflict", "须回避"), ("duplicate", "已在评价"), ("outsider", "不是本活动的考评对象"),
])
def test_a_bad_pair_is_refused_and_writes_nothing(ready: Campaign, office: Any, units: list[Any],
                                                 case: str, words: str) -> None:
    from kaoping.org.services import unit_create

    q = setup.rater_add(campaign=ready, code="Q1", group=ready.groups.get(code="peer"), unit=units[4], by=office)
    setup.conflict_add(campaign=ready, rater=q, unit=units[3], by=office)
    setup.assignments_add(campaign=ready, rater=q, units=[units[2]], by=office)
    target = {"own_unit": units[4], "conflict": units[3], "duplicate": units[2],
              "outsider": unit_create(code="X9", name="外单位") if case == "outsider" else None}[case]
    before = row_counts()
    with pytest.raises(CampaignError, match=words):  # the good first pair is not written either
        setup.assignments_add(campaign=ready, rater=q, units=[units[0], target], by=office)
    assert row_counts() == before


def test_pairs_cannot_be_added_once_open(ready: Campaign, office: Any, units: list[Any]) -> None:
    setup.campaign_advance(campaign=ready, to="open", by=office)
    s1 = ready.raters.get(code="S1")
    s1.assignments.filter(unit=units[0]).delete()  # (made room by hand, so only the state refuses)
    before = row_counts()
    with pytest.raises(CampaignError, match="不能分配评价任务"):
        setup.assignments_add(campaign=ready, rater=s1, units=[units[0]], by=office)
    assert row_counts() == before
