"""The citizen's rating pages: signed link (QR / SMS) and the window terminal (R4.2–R4.3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kaoping.ratings.links import kiosk_path, link_token
from kaoping.ratings.models import Rating

from .conftest import rate, row_counts, txn

pytestmark = pytest.mark.django_db

KIOSK = kiosk_path("H1", "W1")  # the window terminal's address, with its key
LEVELS = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


def url(tid: str, suffix: str = "") -> str:
    return f"/r/{link_token(tid)}/{suffix}"


def test_it_shows_five_levels_in_a_neutral_order_with_none_chosen(client: Any, db: Any) -> None:
    txn("T1")
    html = client.get(url("T1")).content.decode()
    positions = [html.index(f"<span>{label}</span>") for label in LEVELS]
    assert positions == sorted(positions)
    assert "checked" not in html  # no pre-selection
    assert "您对本次服务满意吗" in html and "ITEM1" in html and "提交评价" in html
    assert "13800138000" not in html and "张三" not in html  # the applicant is never shown


def test_it_rates_without_log_in_and_thanks_the_citizen(client: Any, db: Any) -> None:
    txn("T1")
    response = client.post(url("T1"), {"level": "4", "tags": ["waiting"], "comment": "还可以", "item_attitude": "5"})
    assert response.status_code == 303 and response["Location"] == url("T1", "thanks/")
    rating = Rating.objects.get(transaction__external_id="T1")
    assert (rating.level, rating.channel, rating.tags, rating.items) == (4, "mobile", ["waiting"], {"attitude": 5})
    assert rating.device_hash  # one phone rating many times can be noticed
    html = client.get(url("T1", "thanks/")).content.decode()
    assert "感谢您的评价" in html and "您的评价：满意" in html


def test_a_qr_code_link_records_the_qr_channel(client: Any, db: Any) -> None:
    txn("T1")
    client.post(url("T1") + "?c=qr", {"level": "5"})
    assert Rating.objects.get().channel == "qr"


def test_a_second_rating_is_refused_in_chinese(client: Any, db: Any) -> None:
    txn("T1")
    client.post(url("T1"), {"level": "5"})
    before = row_counts()
    response = client.post(url("T1"), {"level": "1"})
    assert response.status_code == 409
    assert "本次办件已经评价过了" in response.content.decode()
    assert row_counts() == before
    assert client.get(url("T1")).status_code == 409


def test_it_asks_for_a_level_and_writes_nothing(client: Any, db: Any) -> None:
    txn("T1")
    before = row_counts()
    response = client.post(url("T1"), {"comment": "没选"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "请选择一项评价后再提交" in html
    assert "没选" in html  # what was typed is kept
    assert row_counts() == before


@pytest.mark.parametrize("data, message", [
    ({"level": "9"}, "请选择一项评价后再提交"),
    ({"level": "5", "comment": "长" * 501}, "意见建议请不超过 500 个字"),
    ({"level": "5", "tags": ["bribe"]}, "请从列出的问题中选择"),
    ({"level": "5", "item_attitude": "7"}, "请从五个等级中选择"),
])
def test_bad_input_gets_a_message_and_nothing_is_written(client: Any, db: Any, data: dict, message: str) -> None:
    txn("T1")
    before = row_counts()
    response = client.post(url("T1"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before


def test_online_transactions_offer_the_online_sub_items(client: Any, db: Any) -> None:
    txn("T1", channel="online")
    html = client.get(url("T1")).content.decode()
    assert "办事指南精确度" in html and "平台操作性" in html and "服务态度" not in html


@pytest.mark.parametrize("token", ["nonsense", "IkpUMSI:forged-signature", "x" * 500])
def test_a_changed_or_made_up_link_is_refused(client: Any, db: Any, token: str) -> None:
    txn("T1")
    response = client.get(f"/r/{token}/")
    assert response.status_code == 404
    assert "评价链接无效" in response.content.decode()
    assert client.post(f"/r/{token}/", {"level": "5"}).status_code == 404
    assert Rating.objects.count() == 0


def test_a_link_to_an_unknown_transaction_is_refused(client: Any, db: Any) -> None:
    assert client.get(url("NOPE")).status_code == 404


def test_an_expired_rating_window_is_explained(client: Any, db: Any) -> None:
    old = timezone.now() - dt.timedelta(days=10)
    txn("OLD", accepted_at=(old - dt.timedelta(hours=1)).isoformat(), completed_at=old.isoformat())
    response = client.get(url("OLD"))
    assert response.status_code == 410
    assert "评价期限已过" in response.content.decode()
    assert client.post(url("OLD"), {"level": "5"}).status_code == 410
    assert Rating.objects.count() == 0


def test_the_qr_code_of_a_link_is_an_image(client: Any, db: Any) -> None:
    txn("T1")
    png = client.get(url("T1", "qr.png"))
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"
    svg = client.get(url("T1", "qr.svg"))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client.get("/r/forged/qr.png").status_code == 404


def test_thanks_before_rating_goes_back_to_the_form(client: Any, db: Any) -> None:
    txn("T1")
    response = client.get(url("T1", "thanks/"))
    assert response.status_code == 302 and response["Location"] == url("T1")


def test_the_pages_work_without_javascript_and_load_nothing_from_outside(client: Any, db: Any) -> None:
    txn("T1")
    html = client.get(url("T1")).content.decode()
    assert "<script" not in html
    assert "http://" not in html and "https://" not in html
    assert 'method="post"' in html


# --------------------------------------------------------------------------- the window terminal


def test_the_kiosk_waits_when_nothing_was_served(client: Any, db: Any) -> None:
    t = txn("T1")
    rate(t, 5)
    response = client.get(KIOSK)
    html = response.content.decode()
    assert response.status_code == 200
    assert "暂无待评价的办件" in html and 'http-equiv="refresh"' in html
    assert "分钟内办结的办件会自动显示在这里" in html


def test_the_kiosk_shows_the_transaction_just_served_and_records_the_kiosk_channel(client: Any, db: Any) -> None:
    txn("EARLIER", hours_ago=0.3)
    txn("JUST", hours_ago=0.05)
    html = client.get(KIOSK).content.decode()
    assert link_token("JUST") in html and link_token("EARLIER") not in html
    response = client.post(KIOSK, {"token": link_token("JUST"), "level": "3"})
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    rating = Rating.objects.get()
    assert (rating.transaction.external_id, rating.level, rating.channel) == ("JUST", 3, "kiosk")
    assert link_token("EARLIER") in client.get(KIOSK).content.decode()


def test_the_kiosk_does_not_show_old_transactions(client: Any, db: Any) -> None:
    txn("YESTERDAY", hours_ago=20)
    assert "暂无待评价的办件" in client.get(KIOSK).content.decode()


def test_the_kiosk_refuses_a_transaction_of_another_window(client: Any, db: Any) -> None:
    txn("T1")
    txn("OTHER", window="W2")
    response = client.post(KIOSK, {"token": link_token("OTHER"), "level": "5"})
    assert response.status_code == 302
    assert Rating.objects.count() == 0


def test_the_kiosk_asks_for_a_level(client: Any, db: Any) -> None:
    txn("T1")
    response = client.post(KIOSK, {"token": link_token("T1")})
    assert response.status_code == 400 and "请选择一项评价后再提交" in response.content.decode()
    assert Rating.objects.count() == 0


def test_the_kiosk_of_an_unknown_window_says_so(client: Any, db: Any) -> None:
    response = client.get(kiosk_path("H1", "NOPE"))
    assert response.status_code == 404 and "窗口不存在" in response.content.decode()
