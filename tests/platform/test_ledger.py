"""`kaoping ledger verify`: every change recorded, every tampering named (R10.1)."""

from __future__ import annotations

import base64
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from kaoping.campaigns.models import Adjustment, Assignment, Campaign, Score
from kaoping.campaigns.services import (
    adjustment_add,
    bundle_import,
    campaign_transition,
    results_compute,
)
from kaoping.ledger.models import LedgerEntry, LedgerHead
from kaoping.ledger.selectors import ledger_verify
from kaoping.ledger.services import GENESIS, LedgerError, entry_hash, ledger_append, timestamp
from kaoping.org.models import Unit

from .bundles import rich
from .conftest import postgres_only

pytestmark = pytest.mark.django_db


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def verify_fails() -> str:
    with pytest.raises(CommandError) as error:
        call_command("ledger", "verify")
    return str(error.value)


def a_score() -> Score:
    return Score.objects.select_related("assignment__rater", "assignment__unit", "indicator").get(
        assignment__rater__code="R2", assignment__unit__code="U02", indicator__code="A2")


def test_verify_passes_after_an_import_and_changes_through_services(campaign, capsys):
    adjustment_add(campaign=campaign, unit=Unit.objects.get(code="U03"), points=1.5, reason="获省级表彰")
    campaign_transition(campaign=campaign, to="open")
    results_compute(campaign=campaign)
    call_command("ledger", "verify")
    out = capsys.readouterr().out
    assert "账本校验通过" in out and "评分 21" in out


def test_every_entry_links_to_the_one_before_and_hashes_its_fields(campaign):
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    previous = GENESIS
    for e in entries:
        assert e.prev_hash == previous
        assert e.hash == entry_hash(seq=e.seq, created_at=timestamp(e.created_at), actor=e.actor,
                                    action=e.action, object_type=e.object_type, object_id=e.object_id,
                                    payload=e.payload, prev_hash=e.prev_hash)
        previous = e.hash
    assert LedgerHead.objects.get().hash == previous
    actions = {e.action for e in entries}
    assert {"indicator.import", "campaign.import", "score.import", "measure.import", "adjustment.import",
            "veto.import", "assignment.import"} <= actions


def test_a_bulk_import_is_recorded_in_batches_with_a_digest_per_row(db, monkeypatch):
    monkeypatch.setattr("kaoping.campaigns.services.BATCH_ROWS", 5)  # as 10,000 are for a big campaign
    bundle_import(data=rich(), source="test")
    batches = [json.loads(e.payload) for e in LedgerEntry.objects.filter(action="score.import").order_by("seq")]
    assert [b["count"] for b in batches] == [5, 5, 5, 5, 1]
    row_set = batches[0]["rows"][0]
    assert row_set["t"] == "score" and len(row_set["root"]) == 64
    assert len(base64.b64decode(row_set["h"])) == 5 * 8
    call_command("ledger", "verify")


def test_verify_names_a_score_changed_in_sql(campaign):
    s = a_score()
    sql("UPDATE campaigns_score SET value_number = 10 WHERE id = %s", [s.pk])
    message = verify_fails()
    assert f"评分 #{s.pk}" in message and "评价人 R2，单位 U02，指标 A2" in message and "被修改" in message


def test_verify_names_a_score_deleted_in_sql(campaign):
    s = a_score()
    sql("DELETE FROM campaigns_score WHERE id = %s", [s.pk])
    message = verify_fails()
    assert f"评分 #{s.pk} 已不在表中" in message and "被删除" in message


def test_verify_names_a_row_inserted_behind_the_application(campaign):
    assignment = Assignment.objects.get(campaign=campaign, rater__code="R4", unit__code="U01")
    b1 = campaign.library_version.nodes.get(code="B1")
    sql("INSERT INTO campaigns_score (assignment_id, indicator_id, value_number, value_label) "
        "VALUES (%s, %s, NULL, %s)", [assignment.pk, b1.pk, "优"])
    new = Score.objects.get(assignment=assignment, indicator=b1)
    message = verify_fails()
    assert f"评分 #{new.pk}" in message and "没有账本记录" in message


def test_verify_names_a_ledger_entry_edited_in_sql(campaign):
    entry = LedgerEntry.objects.filter(action="score.import").order_by("seq").first()
    payload = json.loads(entry.payload)
    payload["count"] = 1
    sql("UPDATE ledger_ledgerentry SET payload = %s WHERE seq = %s",
        [json.dumps(payload, ensure_ascii=False), entry.seq])
    assert f"账本第 {entry.seq} 条记录" in verify_fails()


def test_verify_names_a_ledger_entry_removed_in_sql(campaign):
    entry = LedgerEntry.objects.filter(action="campaign.import").get()
    sql("DELETE FROM ledger_ledgerentry WHERE seq = %s", [entry.seq])
    assert f"账本第 {entry.seq} 条记录缺失" in verify_fails()


def test_verify_notices_entries_cut_off_the_end(campaign):
    results_compute(campaign=campaign)
    last = LedgerEntry.objects.order_by("-seq").first()
    sql("DELETE FROM ledger_ledgerentry WHERE seq = %s", [last.seq])
    message = verify_fails()
    assert f"第 {last.seq} 条记录缺失" in message


def test_verify_names_a_campaign_whose_status_was_changed_in_sql(campaign):
    sql("UPDATE campaigns_campaign SET status = 'published' WHERE id = %s", [campaign.pk])
    assert f"考评活动 #{campaign.pk}" in verify_fails()


def test_verify_names_an_adjustment_changed_in_sql(campaign):
    adjustment = Adjustment.objects.get(campaign=campaign, unit__code="U02")
    sql("UPDATE campaigns_adjustment SET points = 0 WHERE id = %s", [adjustment.pk])
    assert f"加减分 #{adjustment.pk}" in verify_fails()


def test_verify_names_a_result_snapshot_changed_in_sql(campaign):
    snapshot = results_compute(campaign=campaign)
    sql("UPDATE campaigns_resultsnapshot SET results_json = %s WHERE id = %s", ["{}", snapshot.pk])
    assert f"结果快照 #{snapshot.pk}" in verify_fails()


@pytest.mark.django_db(transaction=True)
def test_the_ledger_refuses_an_append_outside_a_transaction():
    with pytest.raises(LedgerError):
        ledger_append(action="x", actor="t", object_type="t", object_id="1")
    assert not LedgerEntry.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_chain_linear_and_verifiable():
    campaign = bundle_import(data=rich(), source="test")
    units = list(Unit.objects.filter(code__in=["U01", "U02", "U03"]))
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(5):
                adjustment_add(campaign=Campaign.objects.get(pk=campaign.pk), unit=units[(n + i) % 3],
                               points=0.5, reason=f"线程 {n} 第 {i} 次")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    entries = list(LedgerEntry.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))
    assert [s for s, _, _ in entries] == list(range(1, len(entries) + 1))
    assert all(entries[i][1] == entries[i - 1][2] for i in range(1, len(entries)))
    assert LedgerEntry.objects.filter(action="adjustment.add").count() == 30
    report = ledger_verify()
    assert report.ok, report.summary()
