"""Browser journey (R5.7): the office opens an alert, confirms it, excludes the sheet and
sees the new ranking — on a desktop and on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.alerts.conftest import LENIENT, PASSWORD, bundle

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(db: Any) -> Any:
    from kaoping.accounts.services import user_create
    from kaoping.alerts.services import results_and_alerts
    from kaoping.campaigns.services import bundle_import, campaign_transition

    office = user_create(username="office1", password=PASSWORD, role="office", name="李明华")
    c = bundle_import(data=bundle(), by=office, source="test")
    for to in ("open", "closed"):
        c = campaign_transition(campaign=c, to=to, by=office)
    results_and_alerts(campaign=c, by=office, source="test")
    return c


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
