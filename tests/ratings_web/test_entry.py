"""Staff entry of hotline, SMS and paper ratings: the transaction first, then the
sub-items of its channel; a unit contact never rates their own unit's windows."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.ratings.models import ONLINE_ITEMS, ONSITE_ITEMS, Rating, Window

from .conftest import row_counts, txn

pytestmark = pytest.mark.django_db


def test_the_page_asks_for_the_transaction_first(login: Any, hall: Any) -> None:
    html = login("office").get("/ratings/entry/").content.decode()
    assert "第一步：查询办件" in html and 'name="level"' not in html


def test_an_on_site_transaction_offers_the_on_site_sub_items(login: Any, hall: Any) -> None:
    response = login("office").get("/ratings/entry/?transaction=T3")
    html = response.content.decode()
    assert response.status_code == 200
    assert "现场办件（一次一评）" in html and "市民服务大厅 · 综合受理一号窗口" in html
    for code, label in ONSITE_ITEMS.items():
        assert f'name="item_{code}"' in html and label in html
    for code in set(ONLINE_ITEMS) - set(ONSITE_ITEMS):
        assert f'name="item_{code}"' not in html and ONLINE_ITEMS[code] not in html


def test_an_online_transaction_offers_the_online_sub_items(login: Any, hall: Any) -> None:
    txn("NET1", channel="online")
    html = login("office").get("/ratings/entry/?transaction=NET1").content.decode()
    assert "线上办件（一事一评）" in html
    for code, label in ONLINE_ITEMS.items():
        assert f'name="item_{code}"' in html and label in html
    for code in set(ONSITE_ITEMS) - set(ONLINE_ITEMS):
        assert f'name="item_{code}"' not in html and ONSITE_ITEMS[code] not in html


def test_the_sub_items_are_stored_with_the_rating(login: Any, hall: Any, users: Any) -> None:
    txn("NET1", channel="online")
    client = login("office")
    response = client.post("/ratings/entry/", {"transaction": "T3", "channel": "paper", "level": "2",
                                               "item_attitude": "1", "item_efficiency": "3", "item_quality": ""})
    assert response.status_code == 302
    response = client.post("/ratings/entry/", {"transaction": "NET1", "channel": "hotline", "level": "4",
                                               "item_usability": "5", "item_guide_accuracy": "4"})
    assert response.status_code == 302
    ratings = {r.transaction.external_id: r for r in Rating.objects.filter(transaction__external_id__in=["T3", "NET1"])}
    assert ratings["T3"].items == {"attitude": 1, "efficiency": 3}
    assert ratings["NET1"].items == {"usability": 5, "guide_accuracy": 4}
    assert (ratings["T3"].channel, ratings["T3"].entered_by) == ("paper", users["office"])


@pytest.mark.parametrize("tid, data, message", [
    ("NET1", {"item_attitude": "2"}, "分项“服务态度”不适用于该办件：该办件为线上办件（一事一评）"),
    ("T3", {"item_usability": "2"}, "分项“平台操作性”不适用于该办件：该办件为现场办件（一次一评）"),
    ("T3", {"item_attitude": "9"}, "请从五个等级中选择。"),
])
def test_a_sub_item_of_the_wrong_channel_or_level_is_refused_and_nothing_is_written(
        login: Any, hall: Any, tid: str, data: dict, message: str) -> None:
    txn("NET1", channel="online")
    before = row_counts()
    response = login("office").post("/ratings/entry/", {"transaction": tid, "channel": "paper", "level": "3", **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert row_counts() == before


def test_an_unknown_transaction_is_named(login: Any, hall: Any) -> None:
    response = login("office").get("/ratings/entry/?transaction=NOPE")
    assert response.status_code == 404 and "办件编号 NOPE 不存在，请核对。" in response.content.decode()


def test_a_rated_transaction_says_so_without_a_form(login: Any, hall: Any) -> None:
    html = login("office").get("/ratings/entry/?transaction=T1").content.decode()
    assert "该办件已评价，不能重复评价" in html and "非常满意" in html and 'name="level"' not in html


# --------------------------------------------------------------------------- a unit contact's own windows


def test_a_contact_may_not_rate_a_window_of_their_own_unit(login: Any, hall: Any) -> None:
    client = login("unit_contact")  # unit U1 answers for hall H1 and so for W1
    page = client.get("/ratings/entry/?transaction=T3")
    assert page.status_code == 403 and "单位联络员不能代为录入本单位窗口的评价" in page.content.decode()
    assert 'name="level"' not in page.content.decode()
    before = row_counts()
    response = client.post("/ratings/entry/", {"transaction": "T3", "channel": "hotline", "level": "5"})
    assert response.status_code == 403
    assert "单位联络员不能代为录入本单位窗口的评价" in response.content.decode()
    assert row_counts() == before


def test_a_contact_may_rate_another_units_window(login: Any, hall: Any, users: Any) -> None:
    txn("N9", hall="H2", window="W9", staff="S9")
    response = login("unit_contact").post("/ratings/entry/", {"transaction": "N9", "channel": "hotline", "level": "5"})
    assert response.status_code == 302
    rating = Rating.objects.get(transaction__external_id="N9")
    assert (rating.entered_by, rating.channel) == (users["unit_contact"], "hotline")


def test_a_windows_own_unit_decides_not_its_halls(login: Any, hall: Any, units: Any, users: Any) -> None:
    from kaoping.ratings.services import code_confirm

    txn("T4", window="W2", staff="S2")
    code_confirm(obj=Window.objects.get(code="W2"), unit=units["U2"], by=users["office"])  # W2 answers to U2
    before = row_counts()
    other = login("other_contact")  # unit U2
    response = other.post("/ratings/entry/", {"transaction": "T4", "channel": "sms", "level": "1"})
    assert response.status_code == 403 and row_counts() == before
    response = login("unit_contact").post("/ratings/entry/", {"transaction": "T4", "channel": "sms", "level": "1"})
    assert response.status_code == 302  # U1 runs the hall, but W2 is U2's
    assert Rating.objects.get(transaction__external_id="T4").entered_by == users["unit_contact"]


def test_the_office_may_rate_any_window(login: Any, hall: Any) -> None:
    response = login("office").post("/ratings/entry/", {"transaction": "T3", "channel": "hotline", "level": "5"})
    assert response.status_code == 302


def test_nor_through_the_api_with_their_session(login: Any, hall: Any) -> None:
    """The rule is the service's: no channel gets round it."""
    client = login("unit_contact")
    before = row_counts()
    response = client.post("/api/v1/ratings", {"transaction": "T3", "level": 5, "channel": "hotline"},
                           content_type="application/json")
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert "本单位" in response.json()["detail"] and row_counts() == before


def test_a_contact_learns_that_another_units_transaction_was_rated_not_how(login: Any, hall: Any) -> None:
    txn("N8", hall="H2", window="W9", staff="S9")
    assert login("office").post("/ratings/entry/", {"transaction": "N8", "channel": "hotline",
                                                    "level": "1"}).status_code == 302
    office = login("office").get("/ratings/entry/?transaction=N8").content.decode()
    contact = login("unit_contact").get("/ratings/entry/?transaction=N8").content.decode()
    assert "该办件已评价" in office and "评价为“非常不满意”" in office
    assert "该办件已评价" in contact and "非常不满意" not in contact
