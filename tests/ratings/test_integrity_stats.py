"""Integrity flags (R5.5, R5.6) and statistics (R4.5) with known answers: what a scan
stores and how it names people, the multi-month lists, the decisions on flags, and the
measures per hall."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify
from kaoping.ratings import integrity, stats
from kaoping.ratings.models import (
    BadRatingCase,
    FlagKind,
    FlagScan,
    FlagStatus,
    Rating,
    RatingFlag,
    RatingPolicy,
    StaffMember,
    Transaction,
    Window,
)
from kaoping.ratings.services import (
    BEIJING,
    RatingError,
    appeal_decide,
    appeal_file,
    case_advance,
    code_confirm,
    month_start,
    rating_submit,
    transaction_receive,
)

from .conftest import make_user, row_counts, txn_payload

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- helpers


def _now() -> dt.datetime:
    """A moment safely inside this month (a test at 00:00 on the 1st stays in one month)."""
    return timezone.now() - dt.timedelta(minutes=2)


def this_month() -> dt.date:
    return month_start(_now())


def month_before(period: dt.date, n: int = 1) -> dt.date:
    for _ in range(n):
        period = (period - dt.timedelta(days=1)).replace(day=1)
    return period


def at(months_ago: int) -> dt.datetime:
    """When ratings of that month are given: noon (Beijing) on the 10th, or just now."""
    if not months_ago:
        return _now()
    p = month_before(this_month(), months_ago)
    return dt.datetime(p.year, p.month, 10, 12, 0, tzinfo=BEIJING)


def rate(tid: str, level: int, *, when: dt.datetime | None = None, window: str = "W1", staff: str | None = "S1",
         txn: dict[str, Any] | None = None, **kw: Any) -> Rating:
    """A transaction completed half an hour before ``when`` and its rating at ``when``."""
    when = when or _now()
    data = {"window": window, "staff": staff, "accepted_at": (when - dt.timedelta(hours=1)).isoformat(),
            "completed_at": (when - dt.timedelta(minutes=30)).isoformat(), **(txn or {})}
    t = transaction_receive(data=txn_payload(tid, **data))[0]
    return rating_submit(transaction=t, level=level, channel=kw.pop("channel", "mobile"), now=when, **kw)


def name(model: type, code: str, new_name: str, office: Any) -> Any:
    return code_confirm(obj=model.objects.get(code=code), name=new_name, by=office)


def month_text(period: dt.date) -> str:
    return f"{period.year}年{period.month}月"


def flags_of(kind: str) -> list[RatingFlag]:
    return list(RatingFlag.objects.filter(kind=kind).order_by("subject"))


# --------------------------------------------------------------------------- R5.5 flags, named


def test_one_device_rating_more_than_phone_max_transactions_is_flagged_by_hash_prefix() -> None:
    for i in range(6):  # phone_max is 5 by default: six is one too many
        rate(f"D{i}", 5, device="kiosk-7")
    for i in range(5):  # five from another device are allowed
        rate(f"E{i}", 5, device="kiosk-8")
    flags = integrity.integrity_scan(period=this_month())
    device = [f for f in flags if f.kind == FlagKind.DEVICE]
    prefix = hashlib.sha256(b"kiosk-7").hexdigest()
    assert len(device) == 1 and device[0].subject == f"device:{prefix[:16]}"
    f = device[0]
    assert f.numbers == {"ratings": 6, "windows": 1, "max": 5}
    assert f"同一设备（摘要 {prefix[:8]}）{month_text(this_month())}评价了 6 笔办件，涉及 1 个窗口（上限 5）" == f.explanation
    assert "kiosk-7" not in f.explanation and f.window_id == Window.objects.get(code="W1").pk
    assert sorted(f.rating_ids) == sorted(Rating.objects.filter(device_hash=prefix).values_list("pk", flat=True))
    assert not flags_of(FlagKind.PHONE)


def test_a_windows_kiosk_is_one_device_for_everyone_and_is_not_flagged_as_one() -> None:
    for i in range(8):
        rate(f"K{i}", 5, device="kiosk:H1:W1", channel="kiosk")
    assert not [f for f in integrity.integrity_scan(period=this_month()) if f.kind == FlagKind.DEVICE]


def test_a_late_rating_and_a_burst_name_the_staff_and_the_window_never_an_id(office: Any) -> None:
    RatingPolicy.objects.create(pk=1, late_days=1, burst_count=3, burst_minutes=60, burst_share=0.75)
    old = _now() - dt.timedelta(days=3)
    rate("L1", 4, txn={"accepted_at": (old - dt.timedelta(hours=1)).isoformat(), "completed_at": old.isoformat()})
    for i in range(3):
        rate(f"B{i}", 5)
    name(StaffMember, "S1", "王芳", office)
    name(Window, "W1", "综合受理一号窗口", office)
    integrity.integrity_scan(period=this_month())
    late = flags_of(FlagKind.LATE)
    assert len(late) == 1
    assert late[0].explanation.startswith("窗口 综合受理一号窗口（W1） 有 1 条评价在办结 1 天以后才提交，最长 3.0 天")
    assert late[0].explanation.endswith("涉及工作人员 王芳（S1） 1 条")
    assert late[0].staff_id == StaffMember.objects.get(code="S1").pk and late[0].numbers["staff"] == {"S1": 1}
    burst = {f.subject.split(":")[0]: f for f in flags_of(FlagKind.BURST)}
    assert burst["staff"].explanation.startswith("工作人员 王芳（S1） 在 ")
    assert burst["window"].explanation.startswith("窗口 综合受理一号窗口（W1） 在 ")
    for f in RatingFlag.objects.all():
        assert "#" not in f.explanation, f.explanation


# --------------------------------------------------------------------------- R4.5 lists over months


def test_red_and_black_lists_over_several_months_with_the_default_policy() -> None:
    """Ten windows, one rating each a month; default policy: red = top 10% (ties at the cut
    included) three months running, black = bottom 10% two months running."""
    levels = {  # months ago → level of W0..W9
        2: [5, 4, 4, 4, 4, 4, 4, 4, 1, 2],
        1: [5, 5, 4, 4, 4, 4, 4, 4, 3, 1],
        0: [5, 5, 4, 4, 4, 4, 4, 4, 1, 1],
    }
    for ago, row in levels.items():
        for w, level in enumerate(row):
            rate(f"R{ago}-{w}", level, when=at(ago), window=f"W{w}", staff=None)
    assert RatingPolicy.objects.count() == 0  # the defaults: 10%, 3 months; 10%, 2 months
    lists = stats.honour_lists(this_month())
    # W1 is at the top for two months only; W8 at the bottom in months 0 and 2, not 1
    assert [r["code"] for r in lists["red"]] == ["W0"]
    assert [r["code"] for r in lists["black"]] == ["W9"]
    months = [month_before(this_month(), n).strftime("%Y-%m") for n in (2, 1, 0)]
    assert lists["red"][0]["satisfaction"] == dict.fromkeys(months, 100.0)
    assert lists["black"][0]["satisfaction"] == {months[1]: 0.0, months[2]: 0.0}
    # with a one-month list W1 and W8 would be on them: the months matter
    one = stats.honour_lists(this_month(), policy=RatingPolicy(red_months=1, black_months=1))
    assert [r["code"] for r in one["red"]] == ["W0", "W1"] and [r["code"] for r in one["black"]] == ["W8", "W9"]


# --------------------------------------------------------------------------- R5.6 low rectification


@pytest.fixture
def overdue(office: Any) -> dict[str, Any]:
    """W1 (named): six bad ratings two months ago, three rectified, one excluded on appeal."""
    when = at(2)
    bad = [rate(f"C{i}", 1, when=when) for i in range(6)]
    name(Window, "W1", "综合受理一号窗口", office)
    for r in bad[:3]:
        case = BadRatingCase.objects.get(rating=r)
        case_advance(case=case, action="verify", verdict="found", note="属实", by=office)
        case_advance(case=case, action="rectify", note="已整改", by=office)
    appeal = appeal_file(rating=bad[5], reason="误评", by=office)
    appeal_decide(appeal=appeal, uphold=True, note="核实为误评", by=make_user("sup", "supervisor"))
    due = BadRatingCase.objects.get(rating=bad[0]).done_due
    assert set(BadRatingCase.objects.values_list("done_due", flat=True)) == {due}
    return {"period": month_start(when), "due": due, "bad": bad}


def test_a_window_rectifying_too_few_overdue_bad_ratings_is_flagged(overdue: dict[str, Any]) -> None:
    period = overdue["period"]
    integrity.integrity_scan(period=period, today=overdue["due"] + dt.timedelta(days=1))
    [f] = flags_of(FlagKind.LOW_RECTIFICATION)
    assert f.explanation == (f"窗口 综合受理一号窗口（W1）{month_text(period)}到期差评 5 件，已整改 3 件，"
                             "整改率 60.0%，低于 90%")
    assert f.numbers["due"] == 5 and f.numbers["rectified"] == 3 and f.numbers["rate"] == 0.6
    assert f.numbers["min_rate"] == 0.9 and f.numbers["min_cases"] == 3
    assert sorted(f.rating_ids) == sorted(r.pk for r in overdue["bad"][3:5])  # the unrectified, not the excluded
    assert f.window_id == Window.objects.get(code="W1").pk and f.status == FlagStatus.OPEN
    assert f.get_kind_display() == "整改率偏低"


def test_no_low_rectification_flag_before_the_deadlines_pass_or_under_the_minimum(overdue: dict[str, Any]) -> None:
    period = overdue["period"]
    integrity.integrity_scan(period=period, today=overdue["due"])  # due today: not yet passed
    assert not flags_of(FlagKind.LOW_RECTIFICATION)
    integrity.integrity_scan(period=period, today=overdue["due"] + dt.timedelta(days=1))
    assert len(flags_of(FlagKind.LOW_RECTIFICATION)) == 1
    # six overdue cases needed now (only five count): the open flag no longer holds and goes
    RatingPolicy.objects.create(pk=1, rectify_min_cases=6)
    integrity.integrity_scan(period=period, today=overdue["due"] + dt.timedelta(days=1))
    assert not flags_of(FlagKind.LOW_RECTIFICATION)
    # 60% is not below a 60% floor either
    RatingPolicy.objects.filter(pk=1).update(rectify_min_cases=3, rectify_min_rate=0.6)
    integrity.integrity_scan(period=period, today=overdue["due"] + dt.timedelta(days=1))
    assert not flags_of(FlagKind.LOW_RECTIFICATION)


# --------------------------------------------------------------------------- R5.6 rising and inspection


def test_rising_complaints_are_stored_as_flags_with_their_numbers(settings: Any, office: Any) -> None:
    settings.KAOPING_RATINGS_RISING = {"min_ratings": 5, "min_bad": 1}
    for ago, bad in ((3, 1), (2, 2), (1, 3), (0, 4)):
        for w, n_bad in (("W1", bad), ("W2", 1)):
            for i in range(5):
                rate(f"{w}-{ago}-{i}", 1 if i < n_bad else 5, when=at(ago), window=w, staff=None)
    name(Window, "W1", "综合受理一号窗口", office)
    live = integrity.rising_complaints(period=this_month())
    integrity.integrity_scan(period=this_month())
    [f] = flags_of(FlagKind.RISING)
    w1 = Window.objects.get(code="W1")
    assert f.subject == f"window:{w1.pk}" and f.window_id == w1.pk and f.get_kind_display() == "差评上升"
    assert f.explanation == live[0]["explanation"]
    assert f.explanation.startswith("窗口 H1 · 综合受理一号窗口（W1）：差评数和差评率连续 3 个月上升")
    assert f.numbers["rules"] == ["rise_count", "rise_rate", "jump_count", "jump_rate"]
    assert [(m["count"], m["bad"]) for m in f.numbers["months"]] == [(5, 1), (5, 2), (5, 3), (5, 4)]
    assert f.numbers["base_bad"] == 2.0 and f.numbers["count_ratio"] == 2.0
    # the same data: W1 at 40 then 20 is below 80 twice; W2 at exactly 80 is not
    [insp] = flags_of(FlagKind.INSPECTION)
    assert insp.window_id == w1.pk


def test_a_window_below_80_two_months_running_gets_an_inspection_flag(office: Any) -> None:
    for ago in (1, 0):
        for i in range(2):
            rate(f"W1-{ago}-{i}", 3, when=at(ago))  # 50 both months
        rate(f"W2-{ago}", 3 if ago == 0 else 5, when=at(ago), window="W2")  # 50 this month only
    name(Window, "W1", "综合受理一号窗口", office)
    integrity.integrity_scan(period=this_month())
    [f] = flags_of(FlagKind.INSPECTION)
    before, now = month_before(this_month()), this_month()
    assert f.explanation == (f"窗口 综合受理一号窗口（W1）满意度连续 2 个月低于 80（{month_text(before)} 50.0，"
                             f"{month_text(now)} 50.0），应开展督查")
    assert f.numbers == {"satisfaction": {before.strftime("%Y-%m"): 50.0, now.strftime("%Y-%m"): 50.0},
                         "line": 80.0, "periods": 2}
    assert f.get_kind_display() == "督查预警"
    assert [r["code"] for r in stats.honour_lists(now)["inspection"]] == ["W1"]


# --------------------------------------------------------------------------- decisions


@pytest.fixture
def device_flag() -> RatingFlag:
    for i in range(6):
        rate(f"D{i}", 5, device="kiosk-7")
    integrity.integrity_scan(period=this_month())
    return RatingFlag.objects.get(kind=FlagKind.DEVICE)


def test_the_office_decides_a_flag_once_and_the_ledger_records_it(device_flag: RatingFlag, office: Any) -> None:
    ratings = list(Rating.objects.values_list("pk", "level", "excluded"))
    flag = integrity.flag_decide(flag=device_flag, status=FlagStatus.CONFIRMED, note="  现场核实为同一评价器  ",
                                 by=office)
    stored = RatingFlag.objects.get(pk=device_flag.pk)
    assert stored.status == flag.status == FlagStatus.CONFIRMED and stored.decided_by == office
    assert stored.decision_note == "现场核实为同一评价器" and stored.decided_at is not None
    entry = LedgerEntry.objects.filter(action="rating_flag.decide").get()
    assert entry.actor == "office" and entry.object_type == "rating_flag" and entry.object_id == str(flag.pk)
    assert '"status":"confirmed"' in entry.payload and '"kind":"device"' in entry.payload
    assert f'"subject":"{flag.subject}"' in entry.payload
    assert ledger_verify().ok
    assert list(Rating.objects.values_list("pk", "level", "excluded")) == ratings  # a flag never changes a rating


def test_only_the_office_decides(device_flag: RatingFlag, supervisor: Any, contact: Any) -> None:
    before = row_counts()
    for user in (supervisor, contact, None):
        with pytest.raises(PermissionDenied):
            integrity.flag_decide(flag=device_flag, status=FlagStatus.DISMISSED, note="无异常", by=user)
    assert row_counts() == before
    assert RatingFlag.objects.get(pk=device_flag.pk).status == FlagStatus.OPEN


@pytest.mark.parametrize(("status", "note", "location"), [
    (FlagStatus.DISMISSED, "", "note"),
    (FlagStatus.DISMISSED, "   ", "note"),
    (FlagStatus.DISMISSED, None, "note"),
    (FlagStatus.DISMISSED, "长" * 2001, "note"),
    (FlagStatus.OPEN, "无异常", "status"),
    ("deleted", "无异常", "status"),
])
def test_a_decision_needs_a_result_and_a_note(device_flag: RatingFlag, office: Any, status: str, note: Any,
                                              location: str) -> None:
    before = row_counts()
    with pytest.raises(RatingError) as err:
        integrity.flag_decide(flag=device_flag, status=status, note=note, by=office)
    assert err.value.location == location and err.value.message
    assert row_counts() == before
    stored = RatingFlag.objects.get(pk=device_flag.pk)
    assert stored.status == FlagStatus.OPEN and stored.decided_at is None and stored.decision_note == ""


def test_a_note_of_2000_characters_is_accepted(device_flag: RatingFlag, office: Any) -> None:
    flag = integrity.flag_decide(flag=device_flag, status=FlagStatus.DISMISSED, note="长" * 2000, by=office)
    assert len(flag.decision_note) == 2000


def test_a_decided_flag_cannot_be_decided_again(device_flag: RatingFlag, office: Any) -> None:
    integrity.flag_decide(flag=device_flag, status=FlagStatus.DISMISSED, note="同一评价器为大厅公用设备", by=office)
    before = row_counts()
    with pytest.raises(RatingError) as err:
        # the caller's copy still says open: the stored row decides
        integrity.flag_decide(flag=device_flag, status=FlagStatus.CONFIRMED, note="改为属实", by=office)
    assert err.value.code == "conflict" and "已处理" in err.value.message
    assert row_counts() == before
    stored = RatingFlag.objects.get(pk=device_flag.pk)
    assert stored.status == FlagStatus.DISMISSED and stored.decision_note == "同一评价器为大厅公用设备"


# --------------------------------------------------------------------------- scanning again


def test_scan_if_stale_runs_once_then_not_again_until_it_is_old() -> None:
    for i in range(6):
        rate(f"D{i}", 5, device="kiosk-7")
    period = this_month()
    assert integrity.scan_if_stale(period) is True
    assert RatingFlag.objects.filter(kind=FlagKind.DEVICE).count() == 1
    rate("D6", 5, device="kiosk-7")
    assert integrity.scan_if_stale(period) is False  # scanned a moment ago: the flag is not refreshed
    assert RatingFlag.objects.get(kind=FlagKind.DEVICE).numbers["ratings"] == 6
    assert integrity.scan_if_stale(period, max_age_seconds=0) is True
    assert RatingFlag.objects.get(kind=FlagKind.DEVICE).numbers["ratings"] == 7
    assert integrity.scan_if_stale(month_before(period)) is True  # another month has its own record
    FlagScan.objects.all().delete()
    integrity.integrity_scan(period=period)  # the command's scan counts too
    assert integrity.scan_if_stale(period) is False


def test_a_month_too_big_to_scan_on_a_page_is_left_to_the_daily_scan() -> None:
    for i in range(6):
        rate(f"D{i}", 5, device="kiosk-7")
    assert integrity.scan_if_stale(this_month(), inline_max=5) is False
    assert not RatingFlag.objects.exists()
    assert integrity.scan_if_stale(this_month(), inline_max=6) is True
    assert RatingFlag.objects.filter(kind=FlagKind.DEVICE).count() == 1


def test_of_two_processes_that_find_a_month_stale_only_one_scans() -> None:
    period, now = this_month(), timezone.now()
    assert integrity._claim(period, None, now) is True  # the first to record the month
    assert integrity._claim(period, None, now) is False  # the second read "never" too: too late
    later = now + dt.timedelta(minutes=20)
    assert integrity._claim(period, now, later) is True  # moved from the time it read
    assert integrity._claim(period, now, later + dt.timedelta(seconds=1)) is False  # read before that move
    assert FlagScan.objects.get(period=period).scanned_at == later


def test_a_rescan_keeps_a_decided_flag_as_decided(device_flag: RatingFlag, office: Any) -> None:
    for i in range(6):
        rate(f"P{i}", 5, rater_phone="13900001111")
    integrity.integrity_scan(period=this_month())
    phone = RatingFlag.objects.get(kind=FlagKind.PHONE)
    decided = integrity.flag_decide(flag=device_flag, status=FlagStatus.DISMISSED, note="公用设备", by=office)
    explanation = decided.explanation
    rate("D6", 5, device="kiosk-7")
    rate("P6", 5, rater_phone="13900001111")
    flags = integrity.integrity_scan(period=this_month())
    assert {f.pk for f in flags} == {device_flag.pk, phone.pk}
    kept = RatingFlag.objects.get(pk=device_flag.pk)
    assert kept.status == FlagStatus.DISMISSED and kept.decision_note == "公用设备" and kept.decided_by == office
    assert kept.numbers["ratings"] == 6 and kept.explanation == explanation  # frozen as decided
    assert RatingFlag.objects.get(pk=phone.pk).numbers["ratings"] == 7  # an open one is refreshed
    # when nothing is found any more, the open flag goes and the decided one stays
    RatingPolicy.objects.create(pk=1, phone_max=100)
    integrity.integrity_scan(period=this_month())
    assert list(RatingFlag.objects.values_list("pk", "status")) == [(device_flag.pk, FlagStatus.DISMISSED)]


# --------------------------------------------------------------------------- R4.5 per hall


def test_hall_stats_give_every_measure_of_the_window_table(office: Any) -> None:
    now = _now()

    def ago(minutes: int) -> str:
        return (now - dt.timedelta(minutes=minutes)).isoformat()

    # hall H1: W1 with two ratings, W2 with one rating and one unrated transaction; hall H2: W9
    t = {
        "T1": {"window": "W1", "accepted_at": ago(120), "completed_at": ago(60), "waiting_minutes": 10,
               "on_the_spot": True},  # 60 min, on time (3 days)
        "T2": {"window": "W1", "accepted_at": ago(180), "completed_at": ago(60), "waiting_minutes": 20},  # 120 min
        "T3": {"window": "W2", "accepted_at": ago(90), "completed_at": ago(60), "waiting_minutes": 30,
               "promised_days": None, "promised_minutes": 20},  # 30 min: late
        "T4": {"window": "W2", "accepted_at": ago(120), "completed_at": ago(60)},  # 60 min, on time, unrated
        "T9": {"hall": "H2", "window": "W9", "staff": "S9", "accepted_at": ago(120), "completed_at": ago(60)},
    }
    txns = {tid: transaction_receive(data=txn_payload(tid, **data))[0] for tid, data in t.items()}
    for tid, level, phone in (("T1", 5, None), ("T2", 2, "13900001111"), ("T3", 3, None), ("T9", 4, None)):
        rating_submit(transaction=txns[tid], level=level, channel="kiosk", rater_phone=phone, now=now)
    case = BadRatingCase.objects.get(rating__transaction__external_id="T2")
    for action, extra in (("callback", {}), ("verify", {"verdict": "found"}), ("rectify", {})):
        case = case_advance(case=case, action=action, note="已处理", by=office, **extra)
    assert {x.period for x in Transaction.objects.all()} == {this_month()}

    rows = {r["code"]: r for r in stats.hall_stats(this_month())}
    h1, h2 = rows["H1"], rows["H2"]
    assert [r["code"] for r in stats.hall_stats(this_month())] == ["H2", "H1"]  # 75 > 58.3
    assert (h2["rank"], h1["rank"]) == (1, 2) and h1["kind"] == "hall"
    assert h1["count"] == 3 and h1["levels"] == {"1": 0, "2": 1, "3": 1, "4": 0, "5": 1}
    assert (h1["good"], h1["middle"], h1["bad"]) == (1, 1, 1)
    assert h1["good_rate"] == pytest.approx(1 / 3)
    assert h1["satisfaction"] == pytest.approx(100 * (10 - 3) / 12)  # levels 5 + 2 + 3
    assert h1["bad_rectified"] == 1 and h1["rectification_rate"] == 1.0
    assert h1["real_name_bad"] == 1 and h1["callback_rate"] == 1.0
    assert h1["transactions"] == 4
    assert h1["on_time_rate"] == pytest.approx(3 / 4) and h1["on_the_spot_rate"] == pytest.approx(1 / 4)
    assert h1["avg_waiting_minutes"] == pytest.approx(20.0)  # (10 + 20 + 30) / 3; T4 has none
    assert h1["avg_handling_minutes"] == pytest.approx((60 + 120 + 30 + 60) / 4)
    assert h1["default_count"] == 0 and h1["default_satisfaction"] is None and h1["excluded"] == 0
    assert h2["count"] == 1 and h2["satisfaction"] == 75.0 and h2["transactions"] == 1
    # the keys every window row has, and the sums of the hall's window rows
    windows = [w for w in stats.stats_table("window", this_month()) if w["hall"] == "H1"]
    assert set(h1) == set(windows[0])
    for key in ("count", "good", "middle", "bad", "bad_rectified", "transactions", "default_count"):
        assert h1[key] == sum(w[key] for w in windows), key


def test_the_scan_command_prints_each_flag_and_says_which_are_decided(device_flag: RatingFlag, office: Any,
                                                                      capsys: Any) -> None:
    from django.core.management import call_command

    integrity.flag_decide(flag=device_flag, status=FlagStatus.CONFIRMED, note="属实", by=office)
    for i in range(6):
        rate(f"P{i}", 5, rater_phone="13900001111")
    call_command("ratings", "scan", "--period", this_month().strftime("%Y-%m"))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("[同一设备多次评价] 同一设备（摘要 ") and out[0].endswith("（已核查：属实）")
    assert out[1].startswith("[同一手机多次评价] 同一手机号（139****1111）")
    assert out[-1] == "共 2 条线索，其中待核查 1 条"
