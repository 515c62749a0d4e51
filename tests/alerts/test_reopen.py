"""Reopening a closed alert, and revoking the sheet exclusions made from it (R5.7)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kaoping.alerts.models import Alert, AlertEvent, AlertStatus, SheetExclusion
from kaoping.alerts.services import (
    AlertError,
    alert_assign,
    alert_close,
    alert_investigate,
    alert_reopen,
    sheet_exclude,
    sheet_exclusion_revoke,
)
from kaoping.campaigns.models import ResultSnapshot
from kaoping.campaigns.selectors import bundle_export, snapshot_latest
from kaoping.campaigns.services import campaign_transition
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify

from .conftest import LENIENT, confirmed, dismissed, lenient_alert, row_counts

pytestmark = pytest.mark.django_db


def _payload(action: str) -> dict[str, Any]:
    return json.loads(LedgerEntry.objects.filter(action=action).order_by("-seq").first().payload)


def _totals(snapshot: ResultSnapshot) -> dict[str, float]:
    return {u["unit"]: u["total"] for u in snapshot.results["units"]}


# ------------------------------------------------------------------ reopening


@pytest.mark.parametrize("outcome", ["dismissed", "confirmed"])
def test_the_office_reopens_a_closed_alert_with_a_reason(campaign: Any, office: Any, supervisor: Any,
                                                          outcome: str) -> None:
    alert = lenient_alert(campaign)
    alert_assign(alert=alert, assignee=supervisor, by=office)
    alert_investigate(alert=alert, by=supervisor)
    alert_close(alert=alert, outcome=outcome, reason="第一次结论", by=supervisor)
    before = row_counts()
    reopened = alert_reopen(alert=alert, reason="  群众来信反映新情况  ", by=office)
    alert.refresh_from_db()
    assert alert.status == reopened.status == AlertStatus.INVESTIGATING
    assert alert.assignee == supervisor  # the person in charge carries on
    assert (alert.close_reason, alert.closed_at, alert.closed_by) == ("", None, None)
    event = alert.events.order_by("-id").first()
    assert (event.action, event.from_status, event.to_status, event.note, event.actor) == (
        "reopen", outcome, "investigating", "群众来信反映新情况", "office1")
    after = row_counts()
    assert after["alerts.AlertEvent"] == before["alerts.AlertEvent"] + 1
    assert after["ledger.LedgerEntry"] == before["ledger.LedgerEntry"] + 1
    assert after["alerts.Alert"] == before["alerts.Alert"]
    data = _payload("alert.reopen")
    assert (data["from"], data["to"], data["note"], data["previous_reason"]) == (
        outcome, "investigating", "群众来信反映新情况", "第一次结论")
    assert ledger_verify().ok
    # the case can be concluded again, the other way
    other = "confirmed" if outcome == "dismissed" else "dismissed"
    alert_close(alert=alert, outcome=other, reason="复查后改判", by=supervisor)
    alert.refresh_from_db()
    assert alert.status == other and alert.close_reason == "复查后改判"
    verb = {"confirmed": "confirm", "dismissed": "dismiss"}
    actions = list(alert.events.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == [verb[outcome], "reopen", verb[other]]


@pytest.mark.parametrize("case", ["no_reason", "blank_reason", "too_long", "supervisor", "evaluator", "new",
                                  "assigned", "investigating", "stale", "archived"])
def test_reopen_refusals_write_nothing(campaign: Any, office: Any, supervisor: Any, evaluator: Any,
                                       case: str) -> None:
    alert = lenient_alert(campaign)
    if case == "assigned":
        alert_assign(alert=alert, assignee=office, by=office)
    elif case == "investigating":
        alert_assign(alert=alert, assignee=office, by=office)
        alert_investigate(alert=alert, by=office)
    elif case != "new":
        dismissed(alert, office)
    if case == "archived":
        for to in ("published", "archived"):
            campaign_transition(campaign=campaign, to=to, by=office)
    by = {"supervisor": supervisor, "evaluator": evaluator}.get(case, office)
    reason = {"no_reason": "", "blank_reason": "   ", "too_long": "理" * 2001}.get(case, "复查")
    expected = "confirmed" if case == "stale" else None
    messages = {
        "no_reason": "重新打开预警必须填写理由", "blank_reason": "重新打开预警必须填写理由",
        "too_long": "不能超过 2000 字", "supervisor": "没有重新打开预警（仅考核办可以）的权限",
        "evaluator": "没有重新打开预警", "new": "当前为「新发现」，只有已办结的预警才能重新打开",
        "assigned": "当前为「已指派」，只有已办结", "investigating": "当前为「核查中」，只有已办结",
        "stale": "已被他人处理，当前状态为「不属实」", "archived": "已归档",
    }
    before = row_counts()
    with pytest.raises(AlertError, match=messages[case]):
        alert_reopen(alert=alert, reason=reason, by=by, expected_status=expected)
    assert row_counts() == before
    alert.refresh_from_db()
    assert alert.status == {"new": "new", "assigned": "assigned", "investigating": "investigating"}.get(
        case, "dismissed")


def test_reopening_refuses_while_an_exclusion_stands(campaign: Any, office: Any) -> None:
    alert = confirmed(lenient_alert(campaign), office)
    sheet_exclude(alert=alert, scope="sheet", reason="人情分", by=office)
    before = row_counts()
    with pytest.raises(AlertError, match=rf"已据此剔除评分（{LENIENT}（全部评分））.*请先撤销剔除") as e:
        alert_reopen(alert=alert, reason="复查", by=office)
    assert e.value.code == "excluded"
    assert row_counts() == before
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED and SheetExclusion.objects.count() == 1


# ------------------------------------------------------------------ revoking an exclusion


def test_revoking_an_exclusion_restores_the_scores_in_a_new_snapshot(campaign: Any, office: Any) -> None:
    original = snapshot_latest(campaign=campaign)
    alert = confirmed(lenient_alert(campaign), office)
    excluded = sheet_exclude(alert=alert, scope="sheet", reason="人情分", by=office)
    made = SheetExclusion.objects.get()
    snapshots = ResultSnapshot.objects.count()
    new = sheet_exclusion_revoke(alert=alert, reason="复核认定评分有据，恢复计分", by=office)
    assert new.pk not in (original.pk, excluded.pk) and ResultSnapshot.objects.count() == snapshots + 1
    assert _totals(new) == _totals(original) != _totals(excluded)  # the same numbers as before the exclusion
    assert not [a for a in new.results["alerts"] if a["kind"] == "excluded_sheet"]
    assert SheetExclusion.objects.count() == 0 and "exclusions" not in bundle_export(campaign=campaign)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED  # the conclusion is a separate decision
    assert alert.last_snapshot_id == new.pk  # the lenient rater counts again, and is found again
    event = alert.events.get(action="revoke")
    assert event.note == f"{LENIENT}（全部评分）：复核认定评分有据，恢复计分" and event.actor == "office1"
    data = _payload("alert.revoke")
    assert data["note"] == event.note
    assert data["revoked"] == [{"rater": LENIENT, "unit": None, "reason": "人情分", "decision": f"alert-{alert.pk}",
                                "created_at": made.created_at.isoformat(), "created_by": "office1"}]
    assert [rs for rs in data["rows"] if rs["t"] == "sheet_exclusion"] == [
        {"t": "sheet_exclusion", "deleted": [[made.pk, 1]]}]
    assert ledger_verify().ok
    # now the alert may be reopened, or excluded again
    alert_reopen(alert=alert, reason="重新核查", by=office)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.INVESTIGATING
    assert ledger_verify().ok


def test_revoking_a_mutual_exclusion_withdraws_both_directions(campaign: Any, office: Any) -> None:
    alert = confirmed(Alert.objects.get(campaign=campaign, kind="mutual_high"), office)
    sheet_exclude(alert=alert, scope="unit", reason="约定互抬", by=office)
    assert SheetExclusion.objects.count() == 2
    sheet_exclusion_revoke(alert=alert, reason="误判", by=office, expected_status="confirmed")
    assert SheetExclusion.objects.count() == 0
    assert alert.events.get(action="revoke").note == "PU01→U02、PU02→U01：误判"
    assert ledger_verify().ok


@pytest.mark.parametrize("case", ["nothing", "no_reason", "supervisor", "evaluator", "stale", "archived"])
def test_revoke_refusals_write_nothing(campaign: Any, office: Any, supervisor: Any, evaluator: Any,
                                       case: str) -> None:
    alert = confirmed(lenient_alert(campaign), office)
    if case != "nothing":
        sheet_exclude(alert=alert, scope="sheet", reason="人情分", by=office)
    if case == "archived":
        for to in ("published", "archived"):
            campaign_transition(campaign=campaign, to=to, by=office)
    by = {"supervisor": supervisor, "evaluator": evaluator}.get(case, office)
    messages = {
        "nothing": "没有据此剔除的评分，无需撤销", "no_reason": "撤销剔除必须填写理由",
        "supervisor": "没有撤销剔除（仅考核办可以）的权限", "evaluator": "没有撤销剔除",
        "stale": "已被他人处理", "archived": "已归档",
    }
    before = row_counts()
    with pytest.raises(AlertError, match=messages[case]):
        sheet_exclusion_revoke(alert=alert, reason="" if case == "no_reason" else "误判", by=by,
                               expected_status="investigating" if case == "stale" else None)
    assert row_counts() == before
    assert AlertEvent.objects.filter(action="revoke").count() == 0
