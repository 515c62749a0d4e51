"""Alert services (R5.7): filing alerts from snapshots, the lifecycle, sheet exclusion."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied  # noqa: F401  (documented: services raise AlertError)

from kaoping.alerts.models import Alert, AlertEvent, AlertStatus, SheetExclusion
from kaoping.alerts.services import (
    AlertError,
    alert_assign,
    alert_close,
    alert_investigate,
    alert_key,
    alerts_sync,
    results_and_alerts,
    sheet_exclude,
)
from kaoping.campaigns.models import ResultSnapshot
from kaoping.campaigns.selectors import bundle_export, snapshot_latest
from kaoping.campaigns.services import adjustment_add, bundle_import, campaign_transition
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify

from .conftest import FRIENDS, LENIENT, confirmed, lenient_alert, row_counts

pytestmark = pytest.mark.django_db


def test_it_files_every_alert_of_the_snapshot_once(campaign: Any) -> None:
    snapshot = snapshot_latest(campaign=campaign)
    raw = [a for a in snapshot.results["alerts"] if a["kind"] != "excluded_sheet"]
    alerts = Alert.objects.filter(campaign=campaign)
    assert alerts.count() == len(raw) >= 3
    assert {a.kind for a in alerts} >= {"rater_lenient", "mutual_high", "fluctuation"}
    lenient = lenient_alert(campaign)
    assert lenient.status == AlertStatus.NEW and lenient.data["robust_z"] >= 4
    assert lenient.first_snapshot == lenient.last_snapshot == snapshot
    assert lenient.events.get().action == "found"
    assert ledger_verify().ok


def test_syncing_the_same_snapshot_again_writes_nothing(campaign: Any, office: Any) -> None:
    before = row_counts()
    report = alerts_sync(campaign=campaign, snapshot=snapshot_latest(campaign=campaign), by=office)
    snapshot, again = results_and_alerts(campaign=campaign, by=office)  # same bundle: same snapshot
    assert (report.created, report.refound) == (0, 0) == (again.created, again.refound)
    assert row_counts() == before


def test_a_recomputation_keeps_one_record_per_finding(campaign: Any, office: Any) -> None:
    first = snapshot_latest(campaign=campaign)
    count = Alert.objects.count()
    adjustment_add(campaign=campaign, unit=campaign.targets.get(code="U05").unit, points=-1, reason="迟报", by=office)
    snapshot, report = results_and_alerts(campaign=campaign, by=office)
    assert snapshot.pk != first.pk
    assert Alert.objects.count() == count + report.created
    lenient = lenient_alert(campaign)
    assert lenient.first_snapshot == first and lenient.last_snapshot == snapshot
    assert Alert.objects.filter(key=alert_key("rater_lenient", [], [LENIENT], None)).count() == 1
    assert ledger_verify().ok


def test_it_refuses_a_snapshot_of_another_campaign(campaign: Any, office: Any) -> None:
    from .conftest import bundle

    other = bundle_import(data=bundle(code="B2026Q3"), by=office)
    from kaoping.campaigns.services import results_compute

    snap = results_compute(campaign=other, by=office)
    with pytest.raises(AlertError, match="不属于活动"):
        alerts_sync(campaign=campaign, snapshot=snap, by=office)


# ------------------------------------------------------------------ lifecycle


def test_each_transition_is_recorded_with_who_when_and_why(campaign: Any, office: Any, supervisor: Any) -> None:
    alert = lenient_alert(campaign)
    entries = LedgerEntry.objects.count()
    alert_assign(alert=alert, assignee=supervisor, by=office, note="请第三方核实")
    alert.refresh_from_db()
    assert (alert.status, alert.assignee) == (AlertStatus.ASSIGNED, supervisor)
    alert_investigate(alert=alert, by=supervisor, note="调阅原始评分表")
    alert_close(alert=alert, outcome="dismissed", reason="该评价人所评单位确实表现突出", by=supervisor)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED and alert.closed_by == supervisor and alert.closed_at
    events = list(alert.events.order_by("id").values_list("action", "actor", "note"))
    assert events[1:] == [("assign", "office1", "请第三方核实"), ("investigate", "super1", "调阅原始评分表"),
                          ("dismiss", "super1", "该评价人所评单位确实表现突出")]
    new = list(LedgerEntry.objects.filter(seq__gt=entries).order_by("seq"))
    assert [e.action for e in new] == ["alert.assign", "alert.investigate", "alert.dismiss"]
    assert json.loads(new[-1].payload)["note"] == "该评价人所评单位确实表现突出"
    assert ledger_verify().ok


def test_reassigning_keeps_the_investigation_going(campaign: Any, office: Any, supervisor: Any) -> None:
    alert = lenient_alert(campaign)
    alert_assign(alert=alert, assignee=office, by=office)
    alert_investigate(alert=alert, by=office)
    alert_assign(alert=alert, assignee=supervisor, by=office, note="转第三方")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.INVESTIGATING and alert.assignee == supervisor


@pytest.mark.parametrize(("step", "message"), [
    ("investigate_new", "请先指派承办人"),
    ("close_new", "只有核查中的预警才能办结"),
    ("close_no_reason", "必须填写理由"),
    ("close_bad_outcome", "结论应为"),
    ("assign_evaluator", "承办人必须是可以处理预警的在职人员"),
    ("by_evaluator", "没有处理预警的权限"),
    ("stale", "已被他人处理"),
])
def test_refusals_write_nothing(campaign: Any, office: Any, evaluator: Any, step: str, message: str) -> None:
    alert = lenient_alert(campaign)
    if step in ("close_no_reason", "close_bad_outcome"):
        alert_assign(alert=alert, assignee=office, by=office)
        alert_investigate(alert=alert, by=office)
    before = row_counts()
    calls = {
        "investigate_new": lambda: alert_investigate(alert=alert, by=office),
        "close_new": lambda: alert_close(alert=alert, outcome="confirmed", reason="属实", by=office),
        "close_no_reason": lambda: alert_close(alert=alert, outcome="confirmed", reason="  ", by=office),
        "close_bad_outcome": lambda: alert_close(alert=alert, outcome="maybe", reason="不确定", by=office),
        "assign_evaluator": lambda: alert_assign(alert=alert, assignee=evaluator, by=office),
        "by_evaluator": lambda: alert_assign(alert=alert, assignee=office, by=evaluator),
        "stale": lambda: alert_assign(alert=alert, assignee=office, by=office, expected_status="investigating"),
    }
    with pytest.raises(AlertError, match=message):
        calls[step]()
    assert row_counts() == before


def test_a_closed_alert_cannot_be_closed_twice(campaign: Any, office: Any) -> None:
    alert = confirmed(lenient_alert(campaign), office)
    before = row_counts()
    with pytest.raises(AlertError, match="只有核查中的预警才能办结"):
        alert_close(alert=alert, outcome="dismissed", reason="改判", by=office)
    with pytest.raises(AlertError, match="已办结"):
        alert_assign(alert=alert, assignee=office, by=office)
    assert row_counts() == before


# ------------------------------------------------------------------ exclusion


def test_excluding_a_sheet_makes_a_new_snapshot_with_different_numbers(campaign: Any, office: Any) -> None:
    old = snapshot_latest(campaign=campaign)
    alert = confirmed(lenient_alert(campaign), office)
    new = sheet_exclude(alert=alert, scope="sheet", reason="评价人与被评单位存在利益往来", by=office)
    assert new.pk != old.pk and ResultSnapshot.objects.filter(pk=old.pk).exists()
    before = {u["unit"]: u["total"] for u in old.results["units"]}
    after = {u["unit"]: u["total"] for u in new.results["units"]}
    assert before != after
    [note] = [a for a in new.results["alerts"] if a["kind"] == "excluded_sheet"]
    assert note["raters"] == [LENIENT] and "评价人与被评单位存在利益往来" in note["detail"]
    assert note["data"]["excluded_scores"] == 48 and note["data"]["decision"] == f"alert-{alert.pk}"
    x = SheetExclusion.objects.get()
    assert (x.rater.code, x.unit, x.alert, x.created_by) == (LENIENT, None, alert, office)
    assert alert.events.filter(action="exclude").exists()
    # the scores themselves are untouched, and the export carries the decision
    exported = bundle_export(campaign=campaign)
    assert exported["exclusions"] == [{"rater": LENIENT, "reason": "评价人与被评单位存在利益往来",
                                       "decision": f"alert-{alert.pk}"}]
    assert sum(1 for s in exported["scores"] if s["rater"] == LENIENT) == 48
    assert LedgerEntry.objects.filter(action="alert.exclude").count() == 1
    assert ledger_verify().ok
    # the lenient alert is no longer found: its scores no longer count
    lenient = lenient_alert(campaign)
    assert lenient.last_snapshot_id == old.pk


def test_a_mutual_alert_excludes_only_the_scores_on_the_partner(campaign: Any, office: Any) -> None:
    alert = confirmed(Alert.objects.get(campaign=campaign, kind="mutual_high"), office)
    with pytest.raises(AlertError, match="只能仅剔除对相关单位的评分"):
        sheet_exclude(alert=alert, scope="sheet", reason="协商打分", by=office)
    new = sheet_exclude(alert=alert, scope="unit", reason="两单位评价人约定互抬", by=office)
    pairs = sorted(SheetExclusion.objects.values_list("rater__code", "unit__code"))
    assert pairs == [("PU01", "U02"), ("PU02", "U01")]
    notes = [a for a in new.results["alerts"] if a["kind"] == "excluded_sheet"]
    assert sorted(a["units"][0] for a in notes) == sorted(FRIENDS)
    assert all(a["data"]["excluded_scores"] == 4 for a in notes)
    assert ledger_verify().ok


@pytest.mark.parametrize("case", ["new", "investigating", "dismissed", "supervisor", "archived", "no_reason",
                                  "twice", "not_about_raters"])
def test_exclusion_refusals_write_nothing(campaign: Any, office: Any, supervisor: Any, case: str) -> None:
    alert = lenient_alert(campaign)
    by, scope, reason = office, "sheet", "利益往来"
    messages = {
        "new": "只有认定属实的预警才能剔除", "investigating": "只有认定属实的预警才能剔除",
        "dismissed": "已认定不属实", "supervisor": "仅考核办可以", "archived": "已归档",
        "no_reason": "必须填写理由", "twice": "已经剔除，不能重复剔除", "not_about_raters": "不涉及具体评价人",
    }
    if case == "investigating":
        alert_assign(alert=alert, assignee=office, by=office)
        alert_investigate(alert=alert, by=office)
    elif case == "dismissed":
        alert_assign(alert=alert, assignee=office, by=office)
        alert_investigate(alert=alert, by=office)
        alert_close(alert=alert, outcome="dismissed", reason="无问题", by=office)
    elif case == "not_about_raters":
        alert = confirmed(Alert.objects.filter(campaign=campaign, kind="fluctuation").first(), office)
    elif case != "new":
        confirmed(alert, office)
    if case == "supervisor":
        by = supervisor
    elif case == "archived":
        for to in ("published", "archived"):
            campaign_transition(campaign=campaign, to=to, by=office)
    elif case == "no_reason":
        reason = ""
    elif case == "twice":
        sheet_exclude(alert=alert, scope=scope, reason=reason, by=office)
    before = row_counts()
    with pytest.raises(AlertError, match=messages[case]):
        sheet_exclude(alert=alert, scope=scope, reason=reason, by=by)
    assert row_counts() == before


def test_exclusions_round_trip_through_export_and_import(campaign: Any, office: Any) -> None:
    alert = confirmed(Alert.objects.get(campaign=campaign, kind="mutual_high"), office)
    sheet_exclude(alert=alert, scope="unit", reason="两单位评价人约定互抬", by=office)
    first = bundle_export(campaign=campaign)
    copy = json.loads(json.dumps(first))
    copy["campaign"]["code"] = "COPY"
    again = bundle_export(campaign=bundle_import(data=copy, by=office))
    again["campaign"]["code"] = first["campaign"]["code"]
    assert again == first
    assert len(first["exclusions"]) == 2
    assert ledger_verify().ok


def test_an_import_refuses_the_same_exclusion_twice(office: Any) -> None:
    from kaoping.engine.errors import BundleError

    from .conftest import bundle

    data = bundle(code="DUP")
    data["exclusions"] = [{"rater": "X01", "reason": "甲"}, {"rater": "X01", "reason": "乙"}]
    before = row_counts()
    with pytest.raises(BundleError, match="重复剔除") as e:
        bundle_import(data=data, by=office)
    assert e.value.location == "exclusions[1]"
    assert row_counts() == before


def test_history_events_are_append_only_records(campaign: Any) -> None:
    assert AlertEvent.objects.count() == Alert.objects.count()  # one "found" each
