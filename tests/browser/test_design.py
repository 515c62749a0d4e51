"""Browser journey: the office designs indicators and creates and opens a campaign.

Screenshots (desktop and a 390-px phone) of the tree page, the AHP form and the
campaign set-up page go to KAOPING_SCREENSHOTS (default /tmp/kaoping-shots).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kaoping@2026"


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    from kaoping.accounts.services import user_create
    from kaoping.indicators.services import library_create, library_version_create
    from kaoping.org.services import unit_create
    from tests.design.conftest import RECORDS

    office = user_create(username="office1", password=PASSWORD, role="office", name="李明华")
    for i, (t, r) in enumerate([("admin", "east"), ("admin", "west"), ("institution", "central"),
                                ("admin", "central"), ("institution", "east")], 1):
        unit_create(code=f"U0{i}", name=f"测试单位{i}", type=t, region=r)
    library = library_create(code="MUTUAL", name="单位互评指标库")
    version = library_version_create(library=library, records=copy.deepcopy(RECORDS), by=office, note="2026 年版")
    return {"office": office, "version": version}


def test_office_creates_and_opens_a_campaign(live_server: Any, page: Any, phone: Any, world: dict[str, Any]) -> None:
    base = live_server.url
    log_in(page, base, "office1")
    tree = f"{base}/indicators/MUTUAL/v1/"
    page.goto(tree)
    assert page.locator(".tree-row").count() == 7
    shot(page, "design-tree-desktop")

    # AHP on A: pick judgements, the CR updates without a reload (htmx)
    page.goto(f"{tree}nodes/A/ahp/")
    page.select_option("select[name=e0_0_1]", "3")
    page.select_option("select[name=e0_0_2]", "5")
    page.select_option("select[name=e0_1_2]", "2")
    page.wait_for_function("document.querySelector('#r-e0_0_2') && document.querySelector('#r-e0_0_2').textContent.trim() == '1/5'")
    assert "CR" in page.inner_text("#ahp-result")
    page.select_option("select[name=e1_0_1]", "1/9")
    page.select_option("select[name=e1_1_2]", "9")
    page.select_option("select[name=e1_0_2]", "1/9")  # A1 < A2 < A3 yet A3 << A1: inconsistent
    page.wait_for_function("document.querySelector('#r-e1_0_2').textContent.trim() == '9'"
                           " && document.querySelector('#ahp-result').textContent.includes('建议首先修改')")
    shot(page, "design-ahp-desktop")
    page.select_option("select[name=e1_0_1]", "3")
    page.select_option("select[name=e1_0_2]", "4")
    page.select_option("select[name=e1_1_2]", "2")
    page.wait_for_function("document.querySelector('#ahp-result').textContent.includes('通过一致性检验')"
                           " && !document.querySelector('#ahp-result').textContent.includes('未通过')")
    page.click("button[name=action][value=apply]")
    page.wait_for_url(f"{tree}#n-A")
    assert "已把层次分析权重写回" in page.content()

    # create the campaign
    page.goto(f"{base}/campaigns/new/")
    page.fill("input[name=code]", "2026Q3")
    page.fill("input[name=name]", "2026年第三季度单位互评")
    page.select_option("select[name=kind]", "mutual")
    page.select_option("select[name=library_version]", str(world["version"].pk))
    page.select_option("select[name=period_type]", "quarter")
    page.fill("input[name=period_start]", "2026-07-01")
    page.fill("input[name=period_end]", "2026-09-30")
    page.fill("input[name=deadline]", (dt.date.today() + dt.timedelta(days=20)).isoformat())
    page.fill("input[name=process_min]", "40")
    page.fill("input[name=result_max]", "60")
    page.click("button[type=submit]:has-text('创建活动')")
    page.wait_for_url(f"{base}/campaigns/2026Q3/")

    page.check("input[name=types][value=admin]")
    page.check("input[name=types][value=institution]")
    page.click("#targets button:has-text('添加')")
    page.wait_for_url("**/campaigns/2026Q3/#targets")
    assert page.locator("#targets .pills li").count() == 5
    for i in range(1, 6):
        page.fill("#raters input[name=code]", f"P{i}")
        page.select_option("#raters select[name=group]", "peer")
        page.select_option("#raters select[name=unit]", f"U0{i}")
        page.click("#raters button:has-text('添加')")
        page.wait_for_url("**/#raters")
    page.fill("#raters input[name=code]", "S1")
    page.select_option("#raters select[name=group]", "superior")
    page.click("#raters button:has-text('添加')")
    page.wait_for_url("**/#raters")
    page.fill("#draw input[name=seed]", "20260701")
    page.fill("#draw input[name=per_unit]", "2")
    page.check("#draw input[name=groups][value=peer]")
    page.click("#draw button:has-text('抽取')")
    page.wait_for_url("**/draws/")
    assert "20260701" in page.content()
    page.click("button:has-text('重新抽取并核对')")
    page.wait_for_selector(".replay-result.same")
    shot(page, "design-draws-desktop")

    page.goto(f"{base}/campaigns/2026Q3/")
    page.click("#assignments button:has-text('生成')")  # superiors rate everyone
    page.wait_for_url("**/#assignments")
    page.goto(f"{base}/campaigns/2026Q3/")
    shot(page, "design-setup-desktop")
    page.click("#lifecycle button:has-text('开始考评')")
    page.wait_for_url("**/#lifecycle")
    assert "进行中" in page.inner_text(".page-head")

    # the same pages on a phone
    log_in(phone, base, "office1")
    for url, name in ((tree, "design-tree-phone"), (f"{tree}nodes/A/ahp/", "design-ahp-phone"),
                      (f"{base}/campaigns/2026Q3/", "design-setup-phone")):
        phone.goto(url)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (name, width)
        shot(phone, name)
