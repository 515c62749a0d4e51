"""Services of the ratings app: cases, appeals, default levels, summary, ledger, privacy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.utils import timezone

from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify
from kaoping.ratings import comments, integrity, pii, selectors, stats
from kaoping.ratings.models import (
    ApiToken,
    Appeal,
    BadRatingCase,
    CaseStatus,
    Rating,
    RatingFlag,
    RatingPolicy,
    RatingSummary,
    Transaction,
    Window,
)
from kaoping.ratings.services import (
    RatingError,
    appeal_decide,
    appeal_file,
    case_advance,
    cases_check_deadlines,
    month_start,
    rating_submit,
    ratings_default_fill,
    summary_rebuild,
    transaction_receive,
    working_deadline,
)

from .conftest import row_counts, txn_payload

pytestmark = pytest.mark.django_db


def receive(tid: str = "T1", **over) -> Transaction:
    return transaction_receive(data=txn_payload(tid, **over))[0]


def rate(tid: str = "T1", level: int = 5, **kw) -> Rating:
    txn = Transaction.objects.filter(external_id=tid).first() or receive(tid)
    return rating_submit(transaction=txn, level=level, channel=kw.pop("channel", "kiosk"), **kw)


def test_a_bad_rating_opens_a_case_with_working_day_deadlines():
    r = rate(level=2, rater_phone="13900001111")
    case = BadRatingCase.objects.get(rating=r)
    assert case.callback_required
    assert case.plan_due == working_deadline(r.rated_at, 3)
    assert case.done_due == working_deadline(r.rated_at, 15)


def test_deadlines_follow_the_official_calendar():
    # 30 Sept 2025 + 3 working days: 1–8 Oct are holidays, Saturday 11 Oct is worked
    start = dt.datetime(2025, 9, 30, 10, tzinfo=dt.UTC)
    assert working_deadline(start, 3) == dt.date(2025, 10, 11)


def test_a_good_rating_opens_no_case():
    rate(level=4)
    assert not BadRatingCase.objects.exists()


def test_the_ledger_records_every_rating_and_verifies():
    rate("T1", 5)
    rate("T2", 1, rater_phone="13900001111")
    assert LedgerEntry.objects.filter(action="rating.submit").count() == 2
    assert ledger_verify().ok


def test_a_changed_rating_is_found_by_ledger_verify():
    r = rate("T1", 1)
    Rating.objects.filter(pk=r.pk).update(level=5)
    report = ledger_verify()
    assert not report.ok
    assert "好差评" in report.problems[0].message


def test_the_database_refuses_a_second_rating_and_a_level_out_of_range():
    r = rate("T1", 5)
    with pytest.raises(IntegrityError), db_transaction.atomic():
        Rating.objects.create(transaction=r.transaction, level=4, channel="kiosk", rated_at=r.rated_at,
                              period=r.period, hall_id=r.hall_id, window_id=r.window_id,
                              service_item_id=r.service_item_id)
    t2 = receive("T2")
    with pytest.raises(IntegrityError), db_transaction.atomic():
        Rating.objects.create(transaction=t2, level=6, channel="kiosk", rated_at=r.rated_at, period=r.period,
                              hall_id=r.hall_id, window_id=r.window_id, service_item_id=r.service_item_id)


def test_a_phone_is_stored_hashed_masked_and_sealed_never_in_clear():
    r = rate("T1", 1, rater_phone="13900001111")
    raw = str(Rating.objects.filter(pk=r.pk).values().get())
    assert "13900001111" not in raw
    assert r.rater_phone_masked == "139****1111"
    assert pii.unseal(r.rater_phone_sealed) == "13900001111"
    assert r.rater_phone_hash == pii.phone_hash("+86 139-0000-1111")


def test_a_tampered_seal_is_refused():
    token = pii.seal("13900001111")
    broken = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(pii.PIIError):
        pii.unseal(broken)


def test_staff_entry_needs_the_capability(contact):
    from .conftest import make_user

    receive("T1")
    evaluator = make_user("ev", "evaluator")
    with pytest.raises(PermissionDenied):
        rate("T1", 5, channel="hotline", by=evaluator)
    assert rate("T1", 5, channel="hotline", by=contact).entered_by == contact


# --------------------------------------------------------------------------- cases


def _case(contact, unit, real_name=True) -> BadRatingCase:
    receive("T1")
    Window.objects.filter(code="W1").update(unit=unit)
    r = rate("T1", 1, rater_phone="13900001111" if real_name else None)
    return BadRatingCase.objects.get(rating=r)


def test_a_real_name_bad_rating_cannot_close_without_a_call_back(contact, unit):
    case = _case(contact, unit)
    with pytest.raises(RatingError):
        case_advance(case=case, action="verify", verdict="found", by=contact)
    case_advance(case=case, action="callback", note="已电话回访", by=contact)
    case_advance(case=case, action="verify", verdict="found", note="属实", by=contact)
    case_advance(case=case, action="plan", note="加强培训", by=contact)
    case_advance(case=case, action="rectify", note="已培训", by=contact)
    case = case_advance(case=case, action="reply", note="已整改，感谢监督", by=contact)
    assert case.status == CaseStatus.CLOSED
    rows = stats.window_stats(month_start(timezone.now()))
    assert rows[0]["bad_rectified"] == 1
    assert ledger_verify().ok


def test_a_contact_of_another_unit_cannot_handle_the_case(contact, unit):
    from kaoping.org.models import Unit

    from .conftest import make_user

    case = _case(contact, unit)
    other = make_user("other", "unit_contact", Unit.objects.create(code="U2", name="别的单位"))
    with pytest.raises(RatingError):
        case_advance(case=case, action="callback", by=other)


def test_cases_for_a_contact_are_only_their_units(contact, unit):
    _case(contact, unit)
    from .conftest import make_user

    assert selectors.cases_for(contact).count() == 1
    assert selectors.cases_for(make_user("c2", "unit_contact")).count() == 0


# --------------------------------------------------------------------------- appeals


def test_only_an_upheld_appeal_excludes_a_rating_and_the_ledger_says_so(contact, unit, supervisor):
    case = _case(contact, unit)
    period = month_start(timezone.now())
    assert stats.window_stats(period)[0]["count"] == 1
    appeal = appeal_file(rating=case.rating, reason="评价人误评", by=contact)
    assert stats.window_stats(period)[0]["count"] == 1  # filing changes nothing
    appeal_decide(appeal=appeal, uphold=True, note="核实为误评", by=supervisor)
    assert Rating.objects.get(pk=case.rating_id).excluded
    assert stats.window_stats(period) == []
    closed = BadRatingCase.objects.get(pk=case.pk)  # closed by the decision, never left overdue
    assert closed.status == CaseStatus.CLOSED and closed.closed_at is not None and "核实为误评" in closed.reply
    late = working_deadline(timezone.now(), 40)
    assert cases_check_deadlines(today=late) == {"plan_overdue": 0, "done_overdue": 0, "open": 0}
    entry = LedgerEntry.objects.filter(action="appeal.decide").get()
    assert '"upheld":true' in entry.payload and '"t":"rating_case"' in entry.payload
    assert ledger_verify().ok
    assert stats.window_stats(period) == stats.window_stats_from_raw(period)


def test_a_rejected_appeal_keeps_the_rating(contact, unit, supervisor):
    case = _case(contact, unit)
    appeal = appeal_file(rating=case.rating, reason="不服", by=contact)
    appeal_decide(appeal=appeal, uphold=False, note="理由不成立", by=supervisor)
    assert not Rating.objects.get(pk=case.rating_id).excluded
    assert Appeal.objects.get().status == "rejected"


def test_a_unit_cannot_decide_its_own_appeal(contact, unit):
    case = _case(contact, unit)
    appeal = appeal_file(rating=case.rating, reason="误评", by=contact)
    with pytest.raises(PermissionDenied):
        appeal_decide(appeal=appeal, uphold=True, note="x", by=contact)


def test_a_good_rating_cannot_be_appealed(contact, unit):
    r = rate("T1", 5)
    with pytest.raises(RatingError):
        appeal_file(rating=r, reason="x", by=contact)


# --------------------------------------------------------------------------- default levels


def test_default_levels_are_off_by_default_and_reported_apart_when_on():
    old = timezone.now() - dt.timedelta(days=10)
    receive("OLD", accepted_at=(old - dt.timedelta(hours=1)).isoformat(), completed_at=old.isoformat())
    rate("NEW", 5)
    assert ratings_default_fill() == 0
    RatingPolicy.objects.create(pk=1, default_fill=True, default_level=4)
    assert ratings_default_fill() == 1
    r = Rating.objects.get(transaction__external_id="OLD")
    assert r.is_default and r.channel == "default"
    s = RatingSummary.objects.get(kind="window", period=r.period)
    assert s.default_count == 1
    rows = stats.window_stats(r.period)
    assert sum(x["count"] for x in rows) == (1 if r.period == month_start(timezone.now()) else 0)
    assert ratings_default_fill() == 0
    assert ledger_verify().ok


# --------------------------------------------------------------------------- summary and statistics


def test_the_incremental_summary_equals_a_rebuild_from_raw_rows(contact, unit, supervisor):
    for i, level in enumerate([5, 4, 4, 3, 2, 1, 5]):
        rate(f"T{i}", level, rater_phone="1390000111" + str(i))
    period = month_start(timezone.now())
    incremental = {(s.kind, s.key): s.__dict__ | {"_state": None, "id": None}
                   for s in RatingSummary.objects.all()}
    summary_rebuild()
    rebuilt = {(s.kind, s.key): s.__dict__ | {"_state": None, "id": None} for s in RatingSummary.objects.all()}
    for k, v in incremental.items():
        for col in ("count", "n1", "n2", "n3", "n4", "n5", "level_sum", "txn_count", "txn_on_time",
                    "real_name_bad"):
            assert v[col] == rebuilt[k][col], (k, col)
        assert v["handling_sum"] == pytest.approx(rebuilt[k]["handling_sum"])
    assert stats.window_stats(period) == stats.window_stats_from_raw(period)
    call_command("ratings", "summary")


def test_the_stats_table_has_every_measure():
    receive("T1", waiting_minutes=12.0, on_the_spot=True)
    rate("T1", 4)
    row = stats.stats_table("window", month_start(timezone.now()))[0]
    assert row["count"] == 1 and row["satisfaction"] == 75.0 and row["on_the_spot_rate"] == 1.0
    assert row["avg_waiting_minutes"] == 12.0 and row["on_time_rate"] == 1.0
    assert row["avg_handling_minutes"] == pytest.approx(60.0)
    staff = stats.stats_table("staff", month_start(timezone.now()))
    assert staff[0]["code"] == "S1"


def test_red_black_and_inspection_lists():
    policy = RatingPolicy(red_months=1, black_months=1, inspection_periods=1)
    for i, level in enumerate([5, 5, 1, 3]):
        receive(f"T{i}", window=f"W{i}")
        rate(f"T{i}", level)
    lists = stats.honour_lists(month_start(timezone.now()), policy=policy)
    assert [r["code"] for r in lists["red"]] == ["W0", "W1"]  # tie at the top: both
    assert [r["code"] for r in lists["black"]] == ["W2"]
    assert [r["code"] for r in lists["inspection"]] == ["W2", "W3"]


# --------------------------------------------------------------------------- comments and integrity


def test_comments_are_segmented_into_problem_phrases():
    a = comments.analyse_text("排队太久，材料太多，跑了好几趟")
    assert a["phrases"] == ["等待时间长", "材料繁琐", "多次跑腿"]
    assert "办理效率" in a["categories"]
    rate("T1", 2, comment="工作人员态度冷漠，系统卡顿")
    result = comments.comment_analysis(period=month_start(timezone.now()))
    assert dict(result["phrases"]) == {"态度冷漠": 1, "系统卡顿": 1}
    trend = comments.phrase_trend(until=month_start(timezone.now()), months=2)
    assert trend["series"][0]["data"][-1] == 1 and len(trend["periods"]) == 2


def test_integrity_flags_one_phone_rating_many_times_and_never_change_ratings():
    RatingPolicy.objects.create(pk=1, phone_max=2, burst_count=3, burst_minutes=60, burst_share=0.9)
    for i in range(4):
        rate(f"T{i}", 5, rater_phone="13900001111")
    before = list(Rating.objects.values_list("pk", "level", "excluded"))
    flags = integrity.integrity_scan(period=month_start(timezone.now()))
    kinds = {f.kind for f in flags}
    assert {"phone", "burst"} <= kinds
    phone = next(f for f in flags if f.kind == "phone")
    assert phone.numbers["ratings"] == 4 and "139****1111" in phone.explanation
    assert list(Rating.objects.values_list("pk", "level", "excluded")) == before
    integrity.integrity_scan(period=month_start(timezone.now()))  # re-run: no duplicates
    assert RatingFlag.objects.count() == len(flags)


def test_a_late_rating_is_flagged():
    RatingPolicy.objects.create(pk=1, late_days=1)
    old = timezone.now() - dt.timedelta(days=3)
    receive("T1", accepted_at=(old - dt.timedelta(hours=1)).isoformat(), completed_at=old.isoformat())
    rate("T1", 5)
    flags = integrity.integrity_scan(period=month_start(timezone.now()))
    assert [f.kind for f in flags] == ["late"]


# --------------------------------------------------------------------------- commands


def test_token_create_prints_the_token_alone_on_the_last_line(capsys):
    call_command("token", "create", "社保系统")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("kp_") and " " not in token
    from kaoping.ratings.services import token_authenticate

    assert token_authenticate(token).name == "社保系统"
    stored = ApiToken.objects.get(name="社保系统")  # only a digest is kept, and the last use
    assert token not in str(stored.__dict__.values()) and len(stored.token_hash) == 64
    assert stored.last_used_at is not None and timezone.now() - stored.last_used_at < dt.timedelta(minutes=1)
    call_command("token", "list")
    call_command("token", "revoke", "社保系统")
    assert token_authenticate(token) is None


def test_maintenance_commands_run(capsys):
    rate("T1", 1)
    call_command("ratings", "check-cases")
    call_command("ratings", "default-fill")
    call_command("ratings", "summary", "--rebuild")
    call_command("ratings", "scan")
    out = capsys.readouterr().out
    assert "未办结差评 1 件" in out


def test_nothing_is_written_when_a_rating_is_refused():
    r = rate("T1", 5)
    before = row_counts()
    with pytest.raises(RatingError):
        rating_submit(transaction=r.transaction, level=3, channel="kiosk")
    assert row_counts() == before
