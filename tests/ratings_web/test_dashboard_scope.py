"""The ratings dashboard of a unit contact shows only the windows their unit answers for."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def _page(login: Any, role: str, query: str = "") -> Any:
    response = login(role).get("/ratings/" + query)
    assert response.status_code == 200
    return response.context


def test_office_sees_the_whole_city(login: Any, hall: dict[str, Any]) -> None:
    ctx = _page(login, "office")
    assert ctx["summary"]["count"] == 3 and ctx["summary"]["bad"] == 2
    assert {pk for pk, _ in ctx["window_choices"]} == {hall["t1"].window_id, hall["t2"].window_id,
                                                     hall["t9"].window_id}
    assert ctx["phrases"]["comments"] == 3
    assert ctx["chart"]["trend"][-1]["count"] == 3
    # the office may pick any window, e.g. the other unit's
    ctx = _page(login, "office", f"?w={hall['t9'].window_id}")
    assert ctx["phrase_window"] == hall["t9"].window_id and ctx["phrases"]["comments"] == 1


def test_contact_sees_only_their_windows(login: Any, hall: dict[str, Any]) -> None:
    # U1's hall H1 answers for W1 (one 5) and W2 (one 1); W9 of U2 (one 2) is not theirs
    ctx = _page(login, "unit_contact")
    summary = ctx["summary"]
    assert (summary["count"], summary["bad"], summary["transactions"]) == (2, 1, 3)
    assert summary["good_rate"] == 0.5 and summary["satisfaction"] == 50.0
    assert [c["value"] for c in ctx["chart"]["levels"]] == [1, 0, 0, 0, 1]
    assert {pk for pk, _ in ctx["window_choices"]} == {hall["t1"].window_id, hall["t2"].window_id}
    assert {r["name"] for r in ctx["chart"]["ranking"]} == {"综合受理一号窗口", "W2"}
    trend = ctx["chart"]["trend"]
    assert len(trend) == 12 and (trend[-1]["count"], trend[-1]["bad"], trend[-1]["satisfaction"]) == (2, 1, 50.0)
    assert ctx["phrases"]["comments"] == 2 and ("态度冷漠", 1) not in ctx["phrases"]["phrases"]
    assert ctx["open_cases"] == 1
    # the page itself names none of the other unit's windows or comments
    body = login("unit_contact").get("/ratings/").content.decode()
    assert "区便民服务大厅" not in body and "态度冷漠" not in body


def test_contact_picks_own_window_but_not_another_units(login: Any, hall: dict[str, Any]) -> None:
    ctx = _page(login, "unit_contact", f"?w={hall['t2'].window_id}")
    assert ctx["phrase_window"] == hall["t2"].window_id and ctx["phrases"]["comments"] == 1
    assert ctx["summary"]["count"] == 2  # the figures stay the unit's, the pick is for the comments
    response = login("unit_contact").get(f"/ratings/?w={hall['t9'].window_id}")
    assert response.status_code == 404
    assert login("unit_contact").get("/ratings/?w=999999").status_code == 404


def test_the_other_units_contact_sees_only_theirs(login: Any, hall: dict[str, Any]) -> None:
    ctx = _page(login, "other_contact")
    assert (ctx["summary"]["count"], ctx["summary"]["bad"]) == (1, 1)
    assert [pk for pk, _ in ctx["window_choices"]] == [hall["t9"].window_id]
    assert login("other_contact").get(f"/ratings/?w={hall['t1'].window_id}").status_code == 404


def test_supervisor_keeps_the_city_view(login: Any, hall: dict[str, Any]) -> None:
    ctx = _page(login, "supervisor")
    assert ctx["summary"]["count"] == 3 and ctx["window_scope"] is None


def test_the_statistics_page_is_scoped_the_same_way(login: Any, hall: dict[str, Any]) -> None:
    month = hall["good"].period.strftime("%Y-%m")

    def ids(role: str, by: str) -> tuple[str, set[int]]:
        ctx = login(role).get(f"/ratings/stats/?period={month}&by={by}").context
        return ctx["by"], {r["id"] for r in ctx["rows"]}

    w1, w2, w9 = hall["t1"].window_id, hall["t2"].window_id, hall["t9"].window_id
    assert ids("office", "window") == ("window", {w1, w2, w9})
    assert ids("unit_contact", "window") == ("window", {w1, w2})
    assert ids("unit_contact", "staff") == ("staff", {hall["t1"].staff_id, hall["t2"].staff_id})
    assert ids("other_contact", "staff") == ("staff", {hall["t9"].staff_id})
    # city-wide views (halls, service items) are the office's: a contact is shown their windows
    assert ids("unit_contact", "item") == ("window", {w1, w2})
    body = login("unit_contact").get(f"/ratings/stats/?period={month}").content.decode()
    assert "区便民服务大厅" not in body
