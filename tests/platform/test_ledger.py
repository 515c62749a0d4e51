"""`kaoping ledger verify`: every change recorded, every tampering named (R10.1)."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kaoping.accounts.services import user_create
from kaoping.campaigns.models import Adjustment, Assignment, Campaign, Measure, Score
from kaoping.campaigns.services import (
    adjustment_add,
    bundle_import,
    campaign_transition,
    results_compute,
)
from kaoping.collection.models import MeasureCheck, SheetSubmission
from kaoping.collection.selectors import anonymous_sections
from kaoping.collection.services import (
    anonymous_field,
    anonymous_links_create,
    anonymous_submit,
    measure_check,
    measure_correct,
)
from kaoping.indicators.models import AHPJudgement
from kaoping.indicators.services import ahp_judgement_save
from kaoping.ledger.models import LedgerEntry, LedgerHead
from kaoping.ledger.selectors import ledger_verify
from kaoping.ledger.services import GENESIS, LedgerError, entry_hash, ledger_append, timestamp
from kaoping.org.models import Unit

from ..threads import run_in_threads
from .bundles import RICH, rich
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


# --------------------------------------------------------------------------- collection and AHP rows


@pytest.fixture
def collected(db):
    """The rich bundle, open, with an anonymous sheet, checked values and an AHP judgement,
    each written by its service."""
    office = user_create(username="office1", role="office", name="李明华")
    supervisor = user_create(username="super1", role="supervisor", name="赵监督")
    campaign = bundle_import(data=rich(campaign={**RICH["campaign"], "deadline": "2099-12-31"}), source="test")
    campaign = campaign_transition(campaign=campaign, to="open")
    group = campaign.groups.get(code="recipient")
    _, [token] = anonymous_links_create(campaign=campaign, group=group, count=1, by=office)
    values = {anonymous_field(target.code, leaf.code): next(iter(leaf.scale)) if leaf.scale else leaf.full / 2
              for target, leaves in anonymous_sections(campaign=campaign, group=group) for leaf in leaves}
    anonymous_submit(token=token, values=values)

    def measure(unit: str) -> Measure:
        return Measure.objects.select_related("unit", "indicator").get(
            campaign=campaign, unit__code=unit, indicator__code="A1")

    measure_check(measure=measure("U01"), status="verified", note="", by=supervisor)
    measure_check(measure=measure("U02"), status="disputed", note="统计口径与台账不一致", by=supervisor)
    measure_correct(measure=measure("U03"), value=0.93, reason="按原始台账更正", by=supervisor)
    ahp_judgement_save(node=campaign.library_version.nodes.get(code="A"),
                       experts=[{"name": "张", "matrix": [[1, 3], ["1/3", 1]]}], by=office)
    return campaign


def test_verify_covers_submitted_sheets_checks_and_ahp_judgements(collected, capsys):
    call_command("ledger", "verify")
    out = capsys.readouterr().out
    assert "已提交评分表 2" in out and "数据核查 3" in out and "层次分析判断 1" in out
    submitted = json.loads(LedgerEntry.objects.get(action="sheet.submit").payload)
    assert [rs["t"] for rs in submitted["rows"]] == ["rater", "assignment", "score", "sheet_submission"]
    corrected = json.loads(LedgerEntry.objects.get(action="measure.correct").payload)
    assert [rs["t"] for rs in corrected["rows"]] == ["measure", "measure_check"]


def first_sheet() -> int:
    return SheetSubmission.objects.order_by("pk").first().pk


def check_with(status: str) -> int:
    return MeasureCheck.objects.get(status=status).pk


def judgement() -> int:
    return AHPJudgement.objects.get().pk


#: case → (the row's id, SQL run on it, table name for people, what verify must say)
TAMPERING = {
    "sheet_changed": (first_sheet, "UPDATE collection_sheetsubmission SET submitted_on = '2026-01-01' WHERE id = %s",
                      "已提交评分表", "被修改"),
    "check_changed": (lambda: check_with("disputed"),
                      "UPDATE collection_measurecheck SET status = 'verified', note = '' WHERE id = %s",
                      "数据核查", "被修改"),
    "correction_changed": (lambda: check_with("corrected"),
                           "UPDATE collection_measurecheck SET new_value = 0.99 WHERE id = %s", "数据核查", "被修改"),
    "ahp_changed": (judgement, "UPDATE indicators_ahpjudgement SET experts = '[]' WHERE id = %s",
                    "层次分析判断", "被修改"),
    "sheet_deleted": (first_sheet, "DELETE FROM collection_sheetsubmission WHERE id = %s", "已提交评分表", "被删除"),
    "check_deleted": (lambda: check_with("verified"), "DELETE FROM collection_measurecheck WHERE id = %s",
                      "数据核查", "被删除"),
    "ahp_deleted": (judgement, "DELETE FROM indicators_ahpjudgement WHERE id = %s", "层次分析判断", "被删除"),
}


@pytest.mark.parametrize("case", TAMPERING)
def test_verify_names_a_collection_or_ahp_row_changed_or_deleted_in_sql(collected, case):
    pk_of, statement, name, what = TAMPERING[case]
    pk = pk_of()
    sql(statement, [pk])
    message = verify_fails()
    assert f"{name} #{pk}" in message and what in message
    if what == "被删除":
        assert "已不在表中" in message


def test_verify_names_a_sheet_submission_inserted_behind_the_application(collected):
    assignment = Assignment.objects.filter(campaign=collected, submission__isnull=True).order_by("pk").first()
    sql("INSERT INTO collection_sheetsubmission (assignment_id, channel, submitted_on, submitted_at, submitted_by_id) "
        "VALUES (%s, 'paper', '2026-11-02', NULL, NULL)", [assignment.pk])
    new = SheetSubmission.objects.get(assignment=assignment)
    message = verify_fails()
    assert f"已提交评分表 #{new.pk}" in message and "没有账本记录" in message


def test_verify_names_a_check_inserted_behind_the_application(collected):
    measure = Measure.objects.get(campaign=collected, unit__code="U01", indicator__code="B2")
    sql("INSERT INTO collection_measurecheck (measure_id, status, note, old_value, new_value, checked_at, "
        "checked_by_id) VALUES (%s, 'verified', '', NULL, NULL, '2026-11-02 09:00:00', NULL)", [measure.pk])
    new = MeasureCheck.objects.get(measure=measure)
    message = verify_fails()
    assert f"数据核查 #{new.pk}" in message and "没有账本记录" in message


def test_verify_names_an_ahp_judgement_inserted_behind_the_application(collected):
    sql("INSERT INTO indicators_ahpjudgement (version_id, node_id, criteria, experts, result, consistent, "
        "created_at, created_by_id, applied_at) SELECT version_id, node_id, criteria, experts, result, consistent, "
        "created_at, NULL, NULL FROM indicators_ahpjudgement")
    new = AHPJudgement.objects.order_by("-pk").first()
    message = verify_fails()
    assert f"层次分析判断 #{new.pk}" in message and "没有账本记录" in message


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

    def writer(n: int) -> None:
        for i in range(5):
            adjustment_add(campaign=Campaign.objects.get(pk=campaign.pk), unit=units[(n + i) % 3],
                           points=0.5, reason=f"线程 {n} 第 {i} 次")

    assert run_in_threads(writer, 6) == []
    entries = list(LedgerEntry.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))
    assert [s for s, _, _ in entries] == list(range(1, len(entries) + 1))
    assert all(entries[i][1] == entries[i - 1][2] for i in range(1, len(entries)))
    assert LedgerEntry.objects.filter(action="adjustment.add").count() == 30
    report = ledger_verify()
    assert report.ok, report.summary()


@pytest.mark.django_db
def test_a_text_longer_than_its_column_is_refused_not_cut():
    """PostgreSQL would drop the trailing spaces of a too-long text silently and the entry
    would no longer match its hash: the ledger refuses it, and nothing is written."""
    from django.db import transaction

    with pytest.raises(LedgerError) as refused, transaction.atomic():
        ledger_append(action="x", actor="a" * 150 + "   ", object_type="t", object_id="1")
    assert refused.value.code == "too_long" and refused.value.location == "actor"
    assert not LedgerEntry.objects.exists()
