"""Object-level rules (R1.3) and the pages every role has: my account, the refusal page."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.accounts import permissions as p
from kaoping.accounts.models import Role
from kaoping.accounts.services import user_create
from kaoping.campaigns.models import Campaign, Rater
from kaoping.org.models import Unit
from tests.web.conftest import SMALL_BUNDLE

from .conftest import PASSWORD, login_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people: Any) -> dict[str, Any]:
    """A published campaign (TU1-TU3) and a draft one; the contact belongs to TU1."""
    from kaoping.campaigns.services import bundle_import, campaign_transition, results_compute

    office = people["office"]
    published = bundle_import(data=SMALL_BUNDLE, by=office, source="test")
    for to in ("open", "closed"):
        published = campaign_transition(campaign=published, to=to, by=office)
    results_compute(campaign=published, by=office)
    published = campaign_transition(campaign=published, to="published", by=office)
    draft = bundle_import(data={**SMALL_BUNDLE, "campaign": {**SMALL_BUNDLE["campaign"], "code": "T2026Q4"}},
                          by=office, source="test")
    tu1, tu2 = Unit.objects.get(code="TU1"), Unit.objects.get(code="TU2")
    contact = user_create(username="contact_tu1", password=PASSWORD, role=Role.UNIT_CONTACT, unit=tu1)
    Rater.objects.filter(campaign=draft, code="R1").update(user=people["evaluator"])  # set-up is not built yet
    return {"published": published, "draft": draft, "tu1": tu1, "tu2": tu2, "contact": contact, **people}


def test_every_role_and_capability_is_known() -> None:
    for cap, roles in p.CAPABILITIES.items():
        assert roles <= set(Role.values), cap
    assert set(p.CAPABILITIES) >= p.READ_ONLY_EXCEPTIONS
    assert set(p.CAPABILITIES) >= p.READ_CAPABILITIES


def test_the_supervisor_reads_everything_and_changes_nothing() -> None:
    held = {cap for cap, roles in p.CAPABILITIES.items() if Role.SUPERVISOR in roles}
    assert held - p.READ_CAPABILITIES <= p.READ_ONLY_EXCEPTIONS
    assert {"campaigns.view_all", "scores.view_individual", "audit.view", "alerts.view"} <= held
    assert not held & {"campaigns.manage", "indicators.manage", "sheets.fill", "data.upload",
                       "alerts.exclude_sheet", "users.manage", "ratings.manage"}


def test_a_unit_contact_never_sees_individual_scores_nor_unpublished_results(world: Any) -> None:
    contact = world["contact"]
    assert not p.can_see_individual_scores(contact)
    assert p.can_see_individual_scores(world["office"]) and p.can_see_individual_scores(world["supervisor"])
    assert p.can_see_results(contact, world["published"], unit=world["tu1"])
    assert not p.can_see_results(contact, world["published"], unit=world["tu2"])
    assert not p.can_see_results(contact, world["draft"], unit=world["tu1"])
    assert p.can_see_results(world["supervisor"], world["draft"])
    assert not p.can_see_results(world["evaluator"], world["published"])
    assert not p.can_see_results(None, world["published"])


def test_each_role_sees_its_own_campaigns_and_units(world: Any) -> None:
    codes = {"T2026Q3", "T2026Q4"}
    for role in ("office", "admin", "supervisor"):
        assert set(p.visible_campaigns(world[role]).values_list("code", flat=True)) == codes
    assert set(p.visible_campaigns(world["contact"]).values_list("code", flat=True)) == codes  # TU1 in both
    assert list(p.visible_campaigns(world["evaluator"]).values_list("code", flat=True)) == ["T2026Q4"]
    assert not p.visible_campaigns(world["unit_contact"]).exists()  # AU1 is in none
    assert list(p.visible_units(world["contact"])) == [world["tu1"]]
    assert p.visible_units(world["office"]).count() == Unit.objects.count()
    assert not p.visible_units(world["evaluator"]).exists()
    assert p.can_see_unit(world["contact"], world["tu1"]) and not p.can_see_unit(world["contact"], world["tu2"])


def test_an_evaluator_fills_only_their_own_sheets_while_open(world: Any) -> None:
    from kaoping.campaigns.models import Assignment

    mine = Assignment.objects.filter(campaign=world["draft"], rater__code="R1").first()
    other = Assignment.objects.filter(campaign=world["draft"], rater__code="R2").first()
    assert not p.can_fill_sheet(world["evaluator"], mine)  # draft: not open yet
    Campaign.objects.filter(pk=world["draft"].pk).update(status="open")
    mine.refresh_from_db()
    mine.campaign.refresh_from_db()
    assert p.can_fill_sheet(world["evaluator"], mine)
    assert not p.can_fill_sheet(world["evaluator"], other)
    assert not p.can_fill_sheet(world["office"], mine)


def test_the_read_only_roles() -> None:
    assert p.is_read_only(None)
    assert p.is_read_only(type("U", (), {"is_authenticated": True, "role": "supervisor", "is_active": True})())


def test_my_account_shows_role_unit_and_last_login(client: Any, people: Any) -> None:
    login_post(client, "contact1", PASSWORD)
    html = client.get("/accounts/me/").content.decode()
    assert "我的账号" in html and "单位联络员" in html and "测试市审计局" in html and "AU1" in html
    assert "上次登录" in html and "最近的登录记录" in html and "127.0.0.1" in html
    assert 'href="/accounts/password/"' in html


def test_my_account_is_in_the_navigation(client: Any, people: Any) -> None:
    client.force_login(people["evaluator"])
    assert 'href="/accounts/me/"' in client.get("/accounts/me/").content.decode()


def test_a_wrong_role_gets_a_chinese_refusal(client: Any, people: Any) -> None:
    client.force_login(people["evaluator"])
    response = client.get("/audit/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in html and "评价人" in html and "已记入审计日志" in html
