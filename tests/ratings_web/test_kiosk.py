"""The window terminal's key: the kiosk page opens only with the signed key of its own
window, which the office gets on the window's page; its ratings carry the terminal."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from kaoping.ratings.links import KIOSK_SALT, LINK_SALT, kiosk_key, kiosk_path, link_token
from kaoping.ratings.models import Rating

from .conftest import row_counts, txn

pytestmark = pytest.mark.django_db


def _changed(key: str) -> str:
    return key[:-1] + ("A" if key[-1] != "A" else "B")


def _refused(response: Any) -> bool:
    html = response.content.decode()
    return response.status_code == 403 and "评价器未授权" in html and "终端密钥" in html


def test_the_key_is_the_signed_hall_and_window_code() -> None:
    from django.core import signing

    key = kiosk_key("H1", "W1")
    assert signing.Signer(salt=KIOSK_SALT).unsign_object(key) == ["H1", "W1"]
    assert kiosk_key("H1", "W1") == key and kiosk_key("H1", "W2") != key and kiosk_key("H2", "W1") != key
    assert KIOSK_SALT != LINK_SALT  # a rating link's token is no terminal key
    assert kiosk_path("H1", "W1") == f"/kiosk/H1/W1/?k={key}"


@pytest.mark.parametrize("query", [
    "", "?k=", "?k=nonsense", "?k=" + "x" * 500,
    "?k=" + kiosk_key("H1", "W2"),  # another window's key
    "?k=" + kiosk_key("H2", "W1"),  # the same window code in another hall
    "?k=" + _changed(kiosk_key("H1", "W1")),  # changed
    "?k=" + link_token("T1"),  # a transaction's rating link
    "?key=" + kiosk_key("H1", "W1"),  # wrong parameter
])
def test_a_missing_or_wrong_key_gets_a_chinese_403_page(client: Any, db: Any, query: str) -> None:
    txn("T1", hours_ago=0.05)
    response = client.get(f"/kiosk/H1/W1/{query}")
    assert _refused(response)
    html = response.content.decode()
    assert "大厅窗口名录" in html and 'name="level"' not in html  # says what to do, offers no form


def test_a_post_without_the_key_writes_nothing(client: Any, db: Any) -> None:
    txn("T1", hours_ago=0.05)
    before = row_counts()
    assert _refused(client.post("/kiosk/H1/W1/", {"token": link_token("T1"), "level": "1"}))
    assert _refused(client.post(f"/kiosk/H1/W1/?k={kiosk_key('H1', 'W2')}", {"token": link_token("T1"), "level": "1"}))
    assert row_counts() == before


def test_an_unknown_window_is_not_revealed_without_a_key(client: Any, db: Any) -> None:
    assert _refused(client.get("/kiosk/H1/NOPE/"))
    assert client.get(kiosk_path("H1", "NOPE")).status_code == 404


def test_with_its_key_the_terminal_rates_and_keeps_the_key_in_its_addresses(client: Any, db: Any) -> None:
    txn("T1", hours_ago=0.05)
    path = kiosk_path("H1", "W1")
    html = client.get(path).content.decode()
    assert f'action="{path}"' in html  # the form posts back with the key
    response = client.post(path, {"token": link_token("T1"), "level": "4"})
    html = response.content.decode()
    assert response.status_code == 200 and "感谢您的评价" in html
    assert f'url={path}"' in html  # and the thanks page returns to the keyed address
    rating = Rating.objects.get()
    assert (rating.channel, rating.level) == ("kiosk", 4)
    assert rating.device_hash == hashlib.sha256(b"kiosk:H1:W1").hexdigest()


def test_the_waiting_terminal_refreshes_its_own_keyed_address(client: Any, db: Any) -> None:
    txn("OLD", hours_ago=20)
    html = client.get(kiosk_path("H1", "W1")).content.decode()
    assert "暂无待评价的办件" in html and '<meta http-equiv="refresh" content="5">' in html


def test_the_office_gets_the_terminal_address_on_the_qr_sheet_and_the_window_page(login: Any, hall: Any) -> None:
    key = kiosk_key("H1", "W1")
    office = login("office")
    sheet = office.get("/ratings/windows/H1/W1/qr/").content.decode()
    assert "终端地址" in sheet and f"http://testserver/kiosk/H1/W1/?k={key}" in sheet
    page = office.get(f"/ratings/registers/windows/{hall['t1'].window.pk}/").content.decode()
    assert "终端地址" in page and f"http://testserver/kiosk/H1/W1/?k={key}" in page


@pytest.mark.parametrize("role", ["unit_contact", "supervisor", "admin"])
def test_other_roles_see_the_qr_sheet_without_the_key(login: Any, hall: Any, role: str) -> None:
    response = login(role).get("/ratings/windows/H1/W1/qr/")
    html = response.content.decode()
    assert response.status_code == 200 and "?k=" not in html and kiosk_key("H1", "W1") not in html
    assert "打开评价器页面" not in html


def test_the_office_withdraws_a_leaked_terminal_address(login: Any, hall: Any) -> None:
    from kaoping.ledger.models import LedgerEntry
    from kaoping.ratings.models import Window

    old = kiosk_path("H1", "W1")
    office = login("office")
    window = Window.objects.get(hall__code="H1", code="W1")
    edit = f"/ratings/registers/windows/{window.pk}/"
    assert "更换终端地址" in office.get(edit).content.decode()
    response = office.post(f"/ratings/registers/windows/{window.pk}/kiosk-key/", {"next": edit})
    assert response.status_code == 302 and response["Location"] == edit
    window.refresh_from_db()
    assert window.kiosk_key_version == 2
    new = kiosk_path("H1", "W1", 2)
    page = office.get(edit).content.decode()
    assert new in page and old not in page  # the office is given the new address
    assert _refused(office.get(old))  # the address given out before no longer opens
    assert office.get(new).status_code == 200
    entry = LedgerEntry.objects.get(action="kiosk_key.rotate")
    assert entry.object_id == "H1/W1" and '"version":2' in entry.payload


@pytest.mark.parametrize("role", ["unit_contact", "supervisor"])
def test_only_the_office_withdraws_a_terminal_address(login: Any, hall: Any, role: str) -> None:
    from kaoping.ratings.models import Window

    window = Window.objects.get(hall__code="H1", code="W1")
    before = row_counts()
    assert login(role).post(f"/ratings/registers/windows/{window.pk}/kiosk-key/").status_code == 403
    assert row_counts() == before and Window.objects.get(pk=window.pk).kiosk_key_version == 1
