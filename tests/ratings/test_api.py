"""The HTTP API of C4 as a business system calls it: statuses, bodies, nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from ninja.renderers import JSONRenderer

from kaoping.ratings.api import RatingOut
from kaoping.ratings.models import Hall, Rating, ServiceItem, StaffMember, Transaction, Window
from kaoping.ratings.services import token_revoke

from .conftest import row_counts, txn_payload

pytestmark = pytest.mark.django_db

RATING = {"transaction": "T1", "level": 5, "items": {"attitude": 5}, "tags": ["热情"], "comment": "很好",
          "channel": "kiosk"}


@pytest.fixture
def txn(api):
    assert api.post("/transactions", txn_payload()).status_code == 201
    return Transaction.objects.get(external_id="T1")


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == code
    assert body["detail"]


# --------------------------------------------------------------------------- transactions


def test_it_creates_a_transaction_and_masks_the_applicant(api):
    r = api.post("/transactions", txn_payload())
    assert r.status_code == 201
    body = r.json()
    assert body["applicant"] == {"name": "张*", "phone": "138****8000"}
    t = Transaction.objects.get()
    assert "13800138000" not in str(t.__dict__.values())
    # the signed link for the applicant's SMS opens the mobile rating page of this transaction
    assert body["rating_url"].startswith("http://testserver/r/")
    page = api.client.get(body["rating_url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "ITEM1" in page.content.decode() and "非常满意" in page.content.decode()


def test_it_answers_200_for_the_same_transaction_again(api, txn):
    before = row_counts()
    r = api.post("/transactions", txn_payload())
    assert r.status_code == 200
    assert r.json()["id"] == "T1"
    assert row_counts() == before


def test_it_refuses_a_different_transaction_under_the_same_id(api, txn):
    before = row_counts()
    assert_error(api.post("/transactions", txn_payload(window="W9")), 409, "transaction_conflict")
    assert row_counts() == before


def test_it_registers_unknown_codes_for_the_office_to_confirm(api, txn):
    assert not Hall.objects.get(code="H1").confirmed
    assert Window.objects.get(code="W1").name == "W1"
    assert not StaffMember.objects.get(code="S1").confirmed
    assert not ServiceItem.objects.get(code="ITEM1").confirmed


@pytest.mark.parametrize("change", [
    {"accepted_at": "2025-06-01T09:00:00"},  # no offset
    {"accepted_at": "yesterday"},
    {"completed_at": "2020-01-01T00:00:00+08:00"},  # before accepted
    {"promised_days": "3"},
    {"promised_minutes": -1},
    {"on_the_spot": "yes"},
    {"hall": ""},
    {"id": ""},
    {"applicant": {"name": "李四", "phone": "abc"}},
    {"window": "W" * 65},
])
def test_it_refuses_invalid_transactions_and_writes_nothing(api, change):
    before = row_counts()
    assert_error(api.post("/transactions", txn_payload(**change)), 422, "invalid")
    assert row_counts() == before


def test_it_refuses_a_transaction_without_required_fields(api):
    data = txn_payload()
    del data["accepted_at"]
    before = row_counts()
    assert_error(api.post("/transactions", data), 422, "invalid")
    assert row_counts() == before


# --------------------------------------------------------------------------- ratings


def test_it_creates_a_rating(api, txn):
    r = api.post("/ratings", RATING)
    assert r.status_code == 201
    body = r.json()
    assert body["transaction"] == "T1" and body["level"] == 5 and body["case"] is None
    assert Rating.objects.get().channel == "kiosk"
    # rendered by the view itself: byte for byte what ninja makes of the RatingOut schema
    assert r["Content-Type"] == "application/json; charset=utf-8"
    assert r.content == JSONRenderer().render(None, RatingOut.model_validate(body).model_dump(), response_status=201).encode()


def test_a_bad_rating_answer_is_rendered_as_ninja_would(api, txn):
    r = api.post("/ratings", {**RATING, "level": 1, "rater": {"phone": "13900001111"}})
    body = r.json()
    assert body["case"] is not None and body["rater"] == {"phone": "139****1111"}
    assert r.content == JSONRenderer().render(None, RatingOut.model_validate(body).model_dump(), response_status=201).encode()


def test_a_bad_rating_opens_a_case(api, txn):
    r = api.post("/ratings", {**RATING, "level": 1, "rater": {"phone": "13900001111"}})
    assert r.status_code == 201
    case = r.json()["case"]
    assert case["status"] == "open"
    assert r.json()["rater"] == {"phone": "139****1111"}


def test_the_same_idempotency_key_returns_the_earlier_answer(api, txn):
    first = api.post("/ratings", RATING, **{"Idempotency-Key": "abc"})
    again = api.post("/ratings", RATING, **{"Idempotency-Key": "abc"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Rating.objects.count() == 1


def test_a_second_rating_is_refused(api, txn):
    api.post("/ratings", RATING)
    before = row_counts()
    assert_error(api.post("/ratings", {**RATING, "level": 1}), 409, "already_rated")
    assert row_counts() == before


def test_an_unknown_transaction_is_404(api, txn):
    before = row_counts()
    assert_error(api.post("/ratings", {**RATING, "transaction": "NOPE"}), 404, "unknown_transaction")
    assert row_counts() == before


@pytest.mark.parametrize("change", [
    {"level": 0}, {"level": 6}, {"level": "5"}, {"level": 4.5}, {"level": True}, {"level": None},
    {"items": {"attitude": 9}}, {"items": {"nonsense": 5}}, {"items": [1, 2]},
    {"tags": "慢"}, {"tags": ["x"] * 11}, {"comment": "长" * 2001}, {"comment": 5},
    {"channel": "pigeon"}, {"channel": "default"}, {"rater": {"phone": "12"}}, {"transaction": 12},
])
def test_it_refuses_invalid_ratings_and_writes_nothing(api, txn, change):
    before = row_counts()
    assert_error(api.post("/ratings", {**RATING, **change}), 422, "invalid")
    assert row_counts() == before


def test_an_expired_rating_window_is_422(api):
    old = timezone.now() - dt.timedelta(days=8)
    api.post("/transactions", txn_payload(accepted_at=(old - dt.timedelta(hours=1)).isoformat(),
                                          completed_at=old.isoformat()))
    before = row_counts()
    assert_error(api.post("/ratings", RATING), 422, "rating_closed")
    assert row_counts() == before


def test_an_oversized_body_is_413(api, txn):
    before = row_counts()
    assert_error(api.post("/ratings", {**RATING, "comment": "长" * 40_000}), 413, "payload_too_large")
    assert row_counts() == before


def test_a_chunked_body_without_a_length_is_411(api, txn):
    """WSGI reads no chunked body: it is refused by name, not taken for an empty one."""
    before = row_counts()
    assert_error(api.post("/ratings", RATING, **{"Transfer-Encoding": "chunked"}), 411, "length_required")
    assert row_counts() == before


@pytest.mark.parametrize("path, body, headers", [
    ("/ratings", {"transaction": "T\u00001", "level": 5}, {}),
    ("/ratings", {**RATING, "tags": ["热\u0000情"]}, {}),
    ("/ratings", RATING, {"Idempotency-Key": "k\u0000"}),
    ("/transactions", txn_payload("N\u00001"), {}),
])
def test_a_nul_character_is_refused_by_name_on_every_database(api, txn, path, body, headers):
    """PostgreSQL text cannot hold U+0000: refused as invalid, never a server error."""
    before = row_counts()
    assert_error(api.post(path, body, **headers), 422, "invalid")
    assert row_counts() == before


def test_an_escaped_backslash_before_u0000_is_plain_text(api, txn):
    r = api.post("/ratings", {**RATING, "comment": "路径 C:\\u0000 无误"})
    assert r.status_code == 201 and r.json()["comment"] == "路径 C:\\u0000 无误"


def test_malformed_json_is_400(api, txn):
    before = row_counts()
    assert_error(api.post("/ratings", None, raw=b'{"transaction": "T1", level'), 400, "malformed")
    assert row_counts() == before


@pytest.mark.parametrize("token", ["", "wrong", "kp_" + "x" * 40])
def test_a_bad_token_is_401(api, txn, token):
    before = row_counts()
    assert_error(api.post("/ratings", RATING, token=token), 401, "unauthorized")
    assert_error(api.get("/stats/windows?period=2025-01", token=token), 401, "unauthorized")
    assert row_counts() == before


def test_a_revoked_token_is_401(api, txn):
    token_revoke(name="业务系统")
    assert_error(api.post("/ratings", RATING), 401, "unauthorized")


def test_a_person_with_a_session_may_read_statistics(client, office):
    client.force_login(office)
    assert client.get("/api/v1/stats/windows?period=2025-01").status_code == 200


def test_a_session_without_the_capability_is_401(client, db):
    from .conftest import make_user

    client.force_login(make_user("ev", "evaluator"))
    assert client.get("/api/v1/stats/windows?period=2025-01").status_code == 401


# --------------------------------------------------------------------------- statistics


def _rate(api, tid: str, window: str, level: int, hall: str = "H1") -> None:
    assert api.post("/transactions", txn_payload(tid, window=window, hall=hall)).status_code == 201
    assert api.post("/ratings", {**RATING, "transaction": tid, "level": level}).status_code == 201


def test_window_statistics_are_exactly_as_c4(api):
    for i, level in enumerate([5, 4, 3, 1]):
        _rate(api, f"A{i}", "WA", level)
    for i, level in enumerate([5, 5]):
        _rate(api, f"B{i}", "WB", level)
    for i, level in enumerate([5, 5]):
        _rate(api, f"C{i}", "WC", level, hall="H2")
    period = timezone.localdate().strftime("%Y-%m")
    rows = api.get(f"/stats/windows?period={period}").json()
    assert [(r["hall"], r["window"], r["rank"]) for r in rows] == [("H1", "WB", 1), ("H2", "WC", 1), ("H1", "WA", 3)]
    a = rows[2]
    assert a == {"hall": "H1", "window": "WA", "count": 4, "levels": {"1": 1, "2": 0, "3": 1, "4": 1, "5": 1},
                 "good_rate": 0.5, "bad_count": 1, "bad_rectified": 0,
                 "satisfaction": pytest.approx(100 * (1 + 0.75 + 0.5 + 0) / 4), "rank": 3}
    assert set(rows[0]) == {"hall", "window", "count", "levels", "good_rate", "bad_count", "bad_rectified",
                            "satisfaction", "rank"}


def test_an_empty_month_has_no_rows(api):
    assert api.get("/stats/windows?period=2001-01").json() == []


@pytest.mark.parametrize("period", ["2025-13", "2025-1", "abc", ""])
def test_a_bad_period_is_422(api, period):
    assert_error(api.get(f"/stats/windows?period={period}"), 422, "invalid")


def test_the_openapi_document_lists_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/transactions", "/api/v1/ratings", "/api/v1/stats/windows"} <= set(doc["paths"])


def test_only_token_calls_to_the_api_take_the_short_middleware_stack(api, txn):
    from kaoping.config import wsgi

    assert wsgi.is_token_api_call({"PATH_INFO": "/api/v1/ratings", "HTTP_AUTHORIZATION": "Bearer abc"})
    assert wsgi.is_token_api_call({"PATH_INFO": "/api/v1/ratings", "HTTP_AUTHORIZATION": "bearer abc"})
    assert not wsgi.is_token_api_call({"PATH_INFO": "/api/v1/ratings"})  # a person's session call
    assert not wsgi.is_token_api_call({"PATH_INFO": "/ratings/", "HTTP_AUTHORIZATION": "Bearer abc"})
    r = api.post("/ratings", RATING)
    assert r.status_code == 201
    assert r["X-Content-Type-Options"] == "nosniff"  # security headers stay
    assert "Cookie" not in r.get("Vary", "") and not r.cookies  # no session machinery
