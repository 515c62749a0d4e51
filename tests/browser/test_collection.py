"""Browser journeys of collection: an evaluator's sheet and a one-time anonymous link.

Screenshots (desktop and 390-px phone) go to KAOPING_SCREENSHOTS (default
/tmp/kaoping-shots): sheet list, sheet form, anonymous sheet, and the office pages.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from kaoping.campaigns.models import Score
from kaoping.collection.models import SheetDraft
from kaoping.collection.services import anonymous_links_create
from tests.collection.conftest import campaign, evaluators, office, supervisor  # noqa: F401 - fixtures

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, live_server: Any, user: Any) -> None:
    """Reuse a Django session in the browser (the login form has its own tests)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"page is {width}px wide"


def test_an_evaluator_fills_and_submits_a_sheet(page: Any, phone: Any, live_server: Any, campaign: Any,  # noqa: F811
                                                evaluators: Any) -> None:  # noqa: F811
    log_in(page, live_server, evaluators["R1"])
    page.goto(f"{live_server.url}/sheets/")
    assert page.get_by_role("heading", name="我的评分").is_visible()
    shot(page, "collection-sheet-list-desktop")
    page.get_by_role("row", name="市教育局").get_by_role("link", name="填写").click()
    page.wait_for_url("**/sheets/C2026/U01/")
    # keyboard: type a number, then Tab to the scale and pick with the arrow keys
    page.get_by_label("协作配合").fill("12")
    page.get_by_label("协作配合").press("Tab")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # 优 → 良 → 中 ... ArrowRight from nothing selects the first, then the next
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交评分").click()
    assert page.locator(".field-error").first.inner_text().endswith("分值 12 超出范围 0–10")
    assert Score.objects.count() == 0
    shot(page, "collection-sheet-form-error-desktop")
    page.get_by_label("协作配合").fill("8.5")
    page.get_by_role("button", name="保存草稿").click()
    assert page.get_by_text("草稿已保存").is_visible()
    page.locator("label", has_text="良").click()
    shot(page, "collection-sheet-form-desktop")
    page.get_by_role("button", name="提交评分").click()
    page.wait_for_url("**/sheets/")
    assert page.get_by_text("已提交对「市教育局」的评分").is_visible()
    assert {s.indicator.code: s.value for s in Score.objects.all()} == {"A2": 8.5, "B1": "良"}

    log_in(phone, live_server, evaluators["R1"])
    phone.goto(f"{live_server.url}/sheets/")
    no_horizontal_scroll(phone)
    shot(phone, "collection-sheet-list-phone")
    phone.goto(f"{live_server.url}/sheets/C2026/U02/")
    phone.get_by_label("协作配合").fill("9")
    phone.locator("label", has_text="优").click()
    no_horizontal_scroll(phone)
    shot(phone, "collection-sheet-form-phone")
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="提交评分").click()
    phone.wait_for_url("**/sheets/")
    assert Score.objects.count() == 4


SAVED = re.compile(r"^已自动保存 \d\d:\d\d$")


def test_the_sheet_saves_a_draft_by_itself_while_the_evaluator_types(
        page: Any, phone: Any, live_server: Any, campaign: Any, evaluators: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    url = f"{live_server.url}/sheets/C2026/U01/"
    log_in(page, live_server, evaluators["R1"])
    page.goto(url)
    status = page.locator("#autosave-status")
    expect(status).to_have_text("修改后将自动保存草稿")
    page.get_by_label("协作配合").fill("7.5")
    expect(status).to_have_text(SAVED)
    assert SheetDraft.objects.get().values == {"A2": 7.5}
    page.locator("label", has_text="良").click()  # the next save carries the version the first one returned
    expect(page.locator("input[name=version]")).to_have_value("2")
    expect(status).to_have_text(SAVED)
    assert SheetDraft.objects.get().values == {"A2": 7.5, "B1": "良"}
    shot(page, "collection-sheet-autosave-desktop")
    page.reload()
    expect(page.get_by_label("协作配合")).to_have_value("7.5")
    expect(page.get_by_role("radio", name="良")).to_be_checked()

    # another tab saves meanwhile: this page's next autosave is refused, the other tab's draft kept
    other = page.context.new_page()
    other.goto(url)
    other.get_by_label("协作配合").fill("6")
    expect(other.locator("#autosave-status")).to_have_text(SAVED)
    page.get_by_label("协作配合").fill("9")
    expect(status).to_contain_text("未自动保存")
    expect(status).to_contain_text("请刷新页面")
    assert SheetDraft.objects.get().values == {"A2": 6, "B1": "良"}
    shot(page, "collection-sheet-autosave-refused-desktop")
    other.close()

    # 保存草稿 pressed while an autosave is on its way: the button waits for its answer and
    # then sends the version it returned (rather than being refused as a stale page)
    held: list[Any] = []
    page.goto(url)
    page.route("**/autosave/", lambda route: held.append(route))  # hold it until released
    page.get_by_label("协作配合").fill("4")
    expect(status).to_have_text("正在自动保存…")
    page.get_by_role("button", name="保存草稿").click()
    assert len(held) == 1 and SheetDraft.objects.get().version == 3
    held[0].continue_()
    expect(page.get_by_text("草稿已保存，可稍后继续填写")).to_be_visible()
    assert (SheetDraft.objects.get().values, SheetDraft.objects.get().version) == ({"A2": 4, "B1": "良"}, 5)
    page.unroute("**/autosave/")

    log_in(phone, live_server, evaluators["R1"])
    phone.goto(f"{live_server.url}/sheets/C2026/U02/")
    phone.get_by_label("协作配合").fill("8")
    expect(phone.locator("#autosave-status")).to_have_text(SAVED)
    no_horizontal_scroll(phone)
    shot(phone, "collection-sheet-autosave-phone")
    assert SheetDraft.objects.get(assignment__unit__code="U02").values == {"A2": 8}


def test_an_anonymous_link_is_used_once_and_then_refused(page: Any, phone: Any, live_server: Any,
                                                         campaign: Any, office: Any) -> None:  # noqa: F811
    _, tokens = anonymous_links_create(campaign=campaign, group=campaign.groups.get(code="public"), count=2, by=office)
    url = f"{live_server.url}/a/{tokens[0]}/"
    phone.goto(url)
    assert phone.get_by_role("heading", name="2026年度单位互评").is_visible()
    no_horizontal_scroll(phone)
    shot(phone, "collection-anonymous-sheet-phone")
    for unit in ("市教育局", "市人民医院"):
        phone.locator("fieldset", has_text=unit).locator("label", has_text="良").click()
    for box in phone.get_by_label("总体满意度").all():
        box.fill("88")
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="提交评价").click()
    assert phone.get_by_role("heading", name="提交成功，感谢您的参与").is_visible()
    shot(phone, "collection-anonymous-done-phone")
    assert Score.objects.count() == 5
    phone.goto(url)
    assert phone.get_by_role("heading", name="此链接已使用").is_visible()
    shot(phone, "collection-anonymous-used-phone")
    page.goto(f"{live_server.url}/a/{tokens[1]}/")
    shot(page, "collection-anonymous-sheet-desktop")


def _workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "评分"
    for row in (["评价人", "单位", "指标", "分值"], ["R1", "U02", "A2", 11], ["R9", "U01", "A2", 8],
                ["R2", "U02", "B1", "良"], ["R2", "U02", "B1", "优"]):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_office_pages_look_right(page: Any, phone: Any, live_server: Any, campaign: Any, office: Any,  # noqa: F811
                                 supervisor: Any, tmp_path: Any) -> None:  # noqa: F811
    log_in(page, live_server, office)
    page.goto(f"{live_server.url}/campaigns/C2026/collect/")
    shot(page, "collection-progress-desktop")
    page.goto(f"{live_server.url}/campaigns/C2026/collect/links/")
    page.get_by_label("评价组").select_option("public")
    page.get_by_label("数量").fill("12")
    page.get_by_role("button", name="生成并打印").click()
    assert page.locator(".qr-card svg").count() == 12
    shot(page, "collection-links-print-desktop")
    page.emulate_media(media="print")
    shot(page, "collection-links-print-media")
    page.emulate_media(media="screen")
    path = tmp_path / "纸质表.xlsx"
    path.write_bytes(_workbook())
    page.goto(f"{live_server.url}/campaigns/C2026/collect/upload/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="上传并预览").click()
    assert page.locator("tr.row-error").count() == 3
    shot(page, "collection-upload-preview-desktop")
    log_in(phone, live_server, office)
    phone.goto(f"{live_server.url}/campaigns/C2026/collect/")
    no_horizontal_scroll(phone)
    shot(phone, "collection-progress-phone")
    log_in(page, live_server, supervisor)
    page.goto(f"{live_server.url}/campaigns/C2026/collect/measures/")
    page.locator("summary", has_text="核查").first.click()
    shot(page, "collection-measures-desktop")
