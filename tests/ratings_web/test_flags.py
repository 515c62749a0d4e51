"""Integrity flags on the dashboard (R5.5–R5.7): the dashboard scans a month not scanned
lately; the office confirms or dismisses each open flag with a note; decided flags show
who decided, when and why; nothing else changes."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.ledger.models import LedgerEntry
from kaoping.ratings.models import FlagKind, FlagStatus, Rating, RatingFlag

from .conftest import rate, row_counts, txn

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(hall: Any) -> dict[str, Any]:
    """One phone rating six transactions at W1 this month (the limit is five)."""
    for i in range(6):
        rate(txn(f"P{i}"), 5, rater_phone="13900000001")
    return hall


def _phone_flag() -> RatingFlag:
    return RatingFlag.objects.get(kind=FlagKind.PHONE)


def test_the_dashboard_scans_and_offers_confirm_and_dismiss_to_the_office(login: Any, flagged: Any) -> None:
    assert not RatingFlag.objects.exists()
    levels = dict(Rating.objects.values_list("pk", "level"))
    html = login("office").get("/ratings/").content.decode()
    flag = _phone_flag()
    assert (flag.status, flag.numbers["ratings"], flag.numbers["max"]) == ("open", 6, 5)
    section = html.split('id="flags-title"')[1]
    assert "同一手机号（139****0001）" in section and "评价了 6 笔办件" in section
    assert f'action="/ratings/flags/{flag.pk}/decide/"' in section
    assert f'name="f{flag.pk}-status" value="confirmed"' in section and f'name="f{flag.pk}-status" value="dismissed"' in section
    assert "待核查 1 条" in section
    assert dict(Rating.objects.values_list("pk", "level")) == levels


def test_the_office_dismisses_a_flag_with_a_note_and_the_decision_is_shown(login: Any, flagged: Any,
                                                                           users: Any) -> None:
    client = login("office")
    client.get("/ratings/")
    flag = _phone_flag()
    entries = LedgerEntry.objects.count()
    response = client.post(f"/ratings/flags/{flag.pk}/decide/",
                           {f"f{flag.pk}-status": "dismissed", f"f{flag.pk}-note": "经核实为家属代为评价，非刷评"})
    assert response.status_code == 302
    assert response["Location"] == f"/ratings/?period={flag.period:%Y-%m}#flag-{flag.pk}"
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by, flag.decision_note) == ("dismissed", users["office"], "经核实为家属代为评价，非刷评")
    assert flag.decided_at is not None
    assert LedgerEntry.objects.count() == entries + 1
    html = client.get(response["Location"]).content.decode()
    section = html.split('id="flags-title"')[1]
    assert "已处理线索“同一手机多次评价”：排除。" in html
    assert f"office 于 {flag.decided_at.astimezone():%Y-%m-%d}" in section and "经核实为家属代为评价，非刷评" in section
    assert f"/ratings/flags/{flag.pk}/decide/" not in section  # decided: no buttons any more
    assert "待核查 0 条" in section


def test_a_confirmed_flag_keeps_its_decision_when_the_month_is_scanned_again(login: Any, flagged: Any) -> None:
    from kaoping.ratings import integrity

    client = login("office")
    client.get("/ratings/")
    flag = _phone_flag()
    client.post(f"/ratings/flags/{flag.pk}/decide/", {f"f{flag.pk}-status": "confirmed", f"f{flag.pk}-note": "属实，已约谈"})
    integrity.integrity_scan(period=flag.period)
    flag.refresh_from_db()
    assert (flag.status, flag.decision_note) == (FlagStatus.CONFIRMED, "属实，已约谈")
    assert "属实，已约谈" in client.get("/ratings/").content.decode()


@pytest.mark.parametrize("data, field, message", [
    ({"status": "dismissed", "note": ""}, "note", "请填写核查说明"),
    ({"status": "dismissed", "note": "   "}, "note", "请填写核查说明"),
    ({"status": "dismissed", "note": "x" * 2001}, "note", "核查说明请不超过 2000 个字。"),
    ({"status": "open", "note": "x"}, "status", "请选择“属实”或“排除”。"),
    ({"note": "x"}, "status", "请选择核查结论。"),
])
def test_a_decision_needs_a_note_and_a_conclusion_and_nothing_is_written_without(
        login: Any, flagged: Any, data: dict, field: str, message: str) -> None:
    client = login("office")
    client.get("/ratings/")
    flag = _phone_flag()
    before = row_counts()
    response = client.post(f"/ratings/flags/{flag.pk}/decide/", {f"f{flag.pk}-{k}": v for k, v in data.items()})
    html = response.content.decode()
    assert response.status_code == 400 and message in html
    if field == "note":
        assert f'id="id_f{flag.pk}-note-error"' in html
    assert row_counts() == before
    flag.refresh_from_db()
    assert flag.status == "open" and flag.decided_at is None


def test_a_flag_is_decided_once(login: Any, flagged: Any) -> None:
    client = login("office")
    client.get("/ratings/")
    flag = _phone_flag()
    client.post(f"/ratings/flags/{flag.pk}/decide/", {f"f{flag.pk}-status": "dismissed", f"f{flag.pk}-note": "排除"})
    before = row_counts()
    response = client.post(f"/ratings/flags/{flag.pk}/decide/",
                           {f"f{flag.pk}-status": "confirmed", f"f{flag.pk}-note": "改为属实"})
    assert response.status_code == 409 and "该线索已处理（排除），不能再次处理" in response.content.decode()
    assert row_counts() == before
    flag.refresh_from_db()
    assert (flag.status, flag.decision_note) == ("dismissed", "排除")


def test_an_unknown_flag_is_404(login: Any, flagged: Any) -> None:
    assert login("office").post("/ratings/flags/999999/decide/", {"f999999-status": "dismissed",
                                                                  "f999999-note": "x"}).status_code == 404


@pytest.mark.parametrize("role", ["supervisor", "unit_contact", "admin", "evaluator"])
def test_other_roles_may_not_decide(login: Any, flagged: Any, role: str) -> None:
    login("office").get("/ratings/")
    flag = _phone_flag()
    client = login(role)
    before = row_counts()
    response = client.post(f"/ratings/flags/{flag.pk}/decide/",
                           {f"f{flag.pk}-status": "dismissed", f"f{flag.pk}-note": "x"})
    assert response.status_code == 403
    assert row_counts() == before and RatingFlag.objects.get(pk=flag.pk).status == "open"


@pytest.mark.parametrize("role", ["supervisor", "unit_contact"])
def test_viewers_see_the_flags_without_buttons(login: Any, flagged: Any, role: str) -> None:
    html = login(role).get("/ratings/").content.decode()
    section = html.split('id="flags-title"')[1]
    assert "同一手机多次评价" in section  # the flag is about W1: in the contact's scope too
    assert "/decide/" not in section


def test_the_other_units_contact_does_not_see_the_flag(login: Any, flagged: Any) -> None:
    login("office").get("/ratings/")
    html = login("other_contact").get("/ratings/").content.decode()
    assert "同一手机多次评价" not in html.split('id="flags-title"')[1]


def test_open_flags_come_first(login: Any, flagged: Any, users: Any) -> None:
    from kaoping.ratings import integrity

    for i in range(6):  # a second phone: a second flag
        rate(txn(f"Q{i}"), 4, rater_phone="13900000002")
    client = login("office")
    client.get("/ratings/")
    first, second = RatingFlag.objects.filter(kind=FlagKind.PHONE).order_by("pk")
    integrity.flag_decide(flag=first, status="dismissed", note="排除", by=users["office"])
    section = client.get("/ratings/").content.decode().split('id="flags-title"')[1]
    assert section.index(f'id="flag-{second.pk}"') < section.index(f'id="flag-{first.pk}"')
