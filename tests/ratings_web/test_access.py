"""Who gets into which ratings page: every URL as every role (302 to log-in, 403, 200)."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.ratings import urls as ratings_urls

pytestmark = pytest.mark.django_db

ALL = {"admin", "office", "evaluator", "unit_contact", "supervisor"}
VIEW = {"admin", "office", "supervisor", "unit_contact"}
#: GET pages of the office and who may open them
OFFICE_PAGES = {
    "/ratings/": VIEW,
    "/ratings/stats/": VIEW,
    "/ratings/stats/?by=hall": VIEW,
    "/ratings/registers/": VIEW,
    "/ratings/registers/staff/": VIEW,
    "/ratings/windows/H1/W1/qr/": VIEW,
    "/ratings/entry/": {"office", "unit_contact"},
    "/ratings/upload/": {"office"},
    "/ratings/upload/template.xlsx": {"office"},
    "/ratings/import/": {"office"},
    "/ratings/import/template.xlsx": {"office"},
    "/ratings/cases/": {"office", "unit_contact"},
    "/ratings/appeals/": {"office", "supervisor"},
    "/ratings/settings/": {"office"},
    "/ratings/registers/windows/new/": {"office"},
    "/ratings/registers/halls/new/": {"office"},
    "/ratings/registers/staff/new/": {"office"},
    "/ratings/registers/items/new/": {"office"},
}


def test_every_ratings_view_is_marked_public_or_with_a_capability() -> None:
    for pattern in ratings_urls.urlpatterns:
        assert hasattr(pattern.callback, "kaoping_capability"), pattern.name


@pytest.mark.parametrize("path", sorted(OFFICE_PAGES))
def test_anonymous_visitors_go_to_the_log_in_page(client: Any, hall: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("path", sorted(OFFICE_PAGES))
def test_each_role_gets_in_or_gets_403(login: Any, hall: Any, role: str, path: str) -> None:
    response = login(role).get(path)
    assert response.status_code == (200 if role in OFFICE_PAGES[path] else 403), (role, path)


@pytest.mark.parametrize("role", sorted(ALL))
def test_a_case_page_opens_for_the_office_and_the_units_own_contact_only(login: Any, hall: Any, role: str) -> None:
    own = f"/ratings/cases/{hall['case'].pk}/"
    expected = {"office": 200, "unit_contact": 200}.get(role, 403)
    assert login(role).get(own).status_code == expected


def test_a_contact_of_another_unit_gets_404_for_a_case(login: Any, hall: Any) -> None:
    client = login("other_contact")
    assert client.get(f"/ratings/cases/{hall['case'].pk}/").status_code == 404
    assert client.get(f"/ratings/cases/{hall['case9'].pk}/").status_code == 200


@pytest.mark.parametrize("path", ["/public/windows/", "/public/windows/H1/W1/", "kiosk"])
def test_public_pages_open_for_everyone(client: Any, login: Any, hall: Any, path: str) -> None:
    from kaoping.ratings.links import kiosk_path

    path = kiosk_path("H1", "W1") if path == "kiosk" else path
    assert client.get(path).status_code == 200
    for role in ALL:
        assert login(role).get(path).status_code == 200


def test_the_kiosk_without_its_key_is_refused_for_everyone(client: Any, login: Any, hall: Any) -> None:
    assert client.get("/kiosk/H1/W1/").status_code == 403
    for role in ALL:
        assert login(role).get("/kiosk/H1/W1/").status_code == 403


@pytest.mark.parametrize("path, data", [
    ("/ratings/registers/windows/{w}/confirm/", {"name": "新名称"}),
    ("/ratings/cases/{c}/step/", {"action": "callback", "note": "x"}),
    ("/ratings/cases/{c}/appeal/", {"reason": "x"}),
    ("/ratings/appeals/1/decide/", {"a1-decision": "reject", "a1-note": "x"}),
    ("/ratings/entry/", {"transaction": "T3", "channel": "hotline", "level": "5"}),
    ("/ratings/registers/windows/new/", {"hall": "{h}", "code": "W7", "name": "新窗口"}),
    ("/ratings/registers/windows/{w}/", {"name": "新名称", "unit": "{u}"}),
    ("/ratings/settings/", {"rating_days": "9"}),
    ("/ratings/flags/{f}/decide/", {"f{f}-status": "dismissed", "f{f}-note": "x"}),
])
def test_posts_need_the_capability(client: Any, login: Any, hall: Any, path: str, data: dict) -> None:
    from kaoping.ratings.models import RatingFlag

    from .conftest import row_counts

    flag = RatingFlag.objects.create(kind="late", subject="window:1", period=hall["t1"].period,
                                     explanation="x", window=hall["t1"].window)
    ids = {"w": hall["t1"].window.pk, "c": hall["case"].pk, "h": hall["t1"].hall.pk, "u": hall["t1"].hall.unit_id,
           "f": flag.pk}
    path = path.format(**ids)
    data = {k.format(**ids): v.format(**ids) for k, v in data.items()}
    before = row_counts()
    assert client.post(path, data).status_code == 302  # anonymous → log-in
    evaluator = login("evaluator")
    assert evaluator.post(path, data).status_code == 403
    assert row_counts() == before


def test_the_navigation_shows_the_ratings_section_to_who_may_view_it(login: Any, hall: Any) -> None:
    assert 'href="/ratings/"' in login("office").get("/ratings/").content.decode()
