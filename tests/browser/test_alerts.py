"""Browser journeys (R5.7): the office opens an alert, confirms it, excludes the sheet and
sees the new ranking; revokes the exclusion and reopens the alert; the chart of each kind
— on a desktop and on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.alerts.conftest import LENIENT, OUTSIDE_REMIT, PASSWORD, UNKNOWN, bundle, kinds_bundle

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _campaign(data: dict[str, Any]) -> Any:
    from kaoping.accounts.services import user_create
    from kaoping.alerts.services import results_and_alerts
    from kaoping.campaigns.services import bundle_import, campaign_transition

    office = user_create(username="office1", password=PASSWORD, role="office", name="李明华")
    c = bundle_import(data=data, by=office, source="test")
    for to in ("open", "closed"):
        c = campaign_transition(campaign=c, to=to, by=office)
    results_and_alerts(campaign=c, by=office, source="test")
    return c


@pytest.fixture
def setup(db: Any) -> Any:
    return _campaign(bundle())


@pytest.fixture
def kinds_setup(db: Any) -> Any:
    return _campaign(kinds_bundle())


def _login(p: Any, base: str) -> None:
    p.goto(f"{base}/accounts/login/?next=/alerts/")
    p.fill("input[name=username]", "office1")
    p.fill("input[name=password]", PASSWORD)
    p.click("button[type=submit]")
    p.wait_for_url(f"{base}/alerts/")


@pytest.mark.parametrize("device", ["page", "phone"])
def test_office_confirms_an_alert_and_excludes_the_sheet(live_server: Any, setup: Any, device: str,
                                                         request: Any) -> None:
    from kaoping.alerts.models import SheetExclusion

    p = request.getfixturevalue(device)
    base = live_server.url
    _login(p, base)
    shot(p, f"alerts-list-{device}")
    p.click("a.case-title:has-text(\"评价偏宽\")")
    p.wait_for_selector("#alert-chart svg")
    assert LENIENT in p.inner_text("main")
    shot(p, f"alerts-detail-{device}")
    p.select_option("select[name=assignee]", label="李明华（考核办）")
    p.click("form[action$='/assign/'] button[type=submit]")
    p.fill("form[action$='/investigate/'] textarea[name=note]", "调阅评分表，约谈评价人")
    p.click("form[action$='/investigate/'] button[type=submit]")
    p.check("form[action$='/close/'] input[value=confirmed]")
    p.fill("form[action$='/close/'] textarea[name=reason]", "约谈确认：评价人与多家单位存在人情往来")
    p.click("form[action$='/close/'] button[type=submit]")
    p.fill("form[action$='/exclude/'] textarea[name=reason]", "人情分，整张评分表作废")
    shot(p, f"alerts-confirmed-{device}")
    p.click("form[action$='/exclude/'] button[type=submit]")
    p.wait_for_selector("text=已剔除评分表并重新计算结果")
    assert SheetExclusion.objects.filter(rater__code=LENIENT).count() == 1
    shot(p, f"alerts-excluded-{device}")
    p.click("text=查看最新结果与排名")
    p.wait_for_selector("text=人情分，整张评分表作废")
    shot(p, f"alerts-results-{device}")


@pytest.mark.parametrize("device", ["page", "phone"])
def test_office_revokes_the_exclusion_and_reopens(live_server: Any, setup: Any, device: str, request: Any) -> None:
    from django.contrib.auth import get_user_model

    from kaoping.alerts.models import SheetExclusion
    from kaoping.alerts.services import sheet_exclude
    from tests.alerts.conftest import confirmed, lenient_alert

    office = get_user_model().objects.get(username="office1")
    alert = confirmed(lenient_alert(setup), office)
    sheet_exclude(alert=alert, scope="sheet", reason="人情分，整张评分表作废", by=office)
    p = request.getfixturevalue(device)
    base = live_server.url
    _login(p, base)
    p.goto(f"{base}/alerts/{alert.pk}/")
    assert p.locator("form[action$='/reopen/']").count() == 0
    # the reason is required in the page too (the server says so as well: tests/alerts)
    assert p.get_attribute("form[action$='/revoke/'] textarea[name=reason]", "required") is not None
    p.fill("form[action$='/revoke/'] textarea[name=reason]", "复核认定评分有据，恢复计分")
    shot(p, f"alerts-revoke-{device}")
    p.click("form[action$='/revoke/'] button[type=submit]")
    p.wait_for_selector("text=已撤销剔除并重新计算结果")
    assert SheetExclusion.objects.count() == 0
    p.fill("form[action$='/reopen/'] textarea[name=reason]", "群众来信反映新情况，重新核查")
    p.click("form[action$='/reopen/'] button[type=submit]")
    p.wait_for_selector("text=预警已重新打开，回到核查中")
    assert p.locator("form[action$='/close/']").count() == 1
    shot(p, f"alerts-reopened-{device}")
    alert.refresh_from_db()
    assert alert.status == "investigating"


@pytest.mark.parametrize("device", ["page", "phone"])
def test_the_chart_of_each_kind(live_server: Any, kinds_setup: Any, device: str, request: Any) -> None:
    from kaoping.alerts.models import Alert

    p = request.getfixturevalue(device)
    base = live_server.url
    _login(p, base)
    cases = {
        "rotation": (Alert.objects.get(kind="rotation"), "#alert-rotation-chart svg"),
        "unknown-many": (Alert.objects.get(kind="rater_unknown_target", raters=[UNKNOWN]), "#alert-chart svg"),
        "unknown-remit": (Alert.objects.get(kind="rater_unknown_target", raters=[OUTSIDE_REMIT]),
                          "#alert-chart svg"),
    }
    for name, (alert, selector) in cases.items():
        p.goto(f"{base}/alerts/{alert.pk}/")
        p.wait_for_selector(selector)
        box = p.locator(selector.split()[0]).bounding_box()
        assert box["width"] > 200 and box["height"] > 150
        assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
        shot(p, f"alerts-kind-{name}-{device}")
    # the rotation chart draws one dot per turn
    p.goto(f"{base}/alerts/{cases['rotation'][0].pk}/")
    p.wait_for_selector("#alert-rotation-chart svg")
    assert "轮流坐庄" in p.inner_text("main")
