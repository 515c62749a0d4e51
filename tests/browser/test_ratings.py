"""Browser journeys of 好差评: a citizen rates on an old-style phone page, the window
terminal, the office dashboard and the public record — with desktop and phone screenshots.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ratings_web.conftest import rate, txn

from .conftest import shot

pytestmark = [pytest.mark.browser]


@pytest.fixture
def office(transactional_db: Any) -> Any:
    from kaoping.accounts.models import User

    return User.objects.create_user(username="office", password=None, role="office")


def _log_in(page: Any, base: str, user: Any) -> None:
    """Give the browser the session of a user logged in by the test client."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])


def test_a_citizen_rates_by_the_signed_link_once(office: Any, live_server: Any, phone: Any, browser: Any) -> None:
    from kaoping.ratings.links import link_token
    from kaoping.ratings.models import Rating

    txn("T1")
    url = f"{live_server.url}/r/{link_token('T1')}/"
    phone.goto(url)
    assert phone.get_by_role("heading", name="您对本次服务满意吗？").is_visible()
    radios = phone.locator("input[name=level]")
    assert radios.count() == 5
    assert all(not radios.nth(i).is_checked() for i in range(5))  # nothing chosen for the citizen
    shot(phone, "ratings-mobile-phone")

    # a second tab with the same link, opened before the rating is sent
    other = phone.context.new_page()
    other.goto(url)

    phone.locator("#levels").get_by_text("满意", exact=True).tap()
    assert phone.locator("input[name=level][value='4']").is_checked()
    phone.get_by_text("补充评价（可不填）").tap()
    phone.get_by_text("等待时间长").tap()
    phone.fill("textarea[name=comment]", "窗口人员耐心，就是排队久了点")
    shot(phone, "ratings-mobile-chosen-phone")
    phone.get_by_role("button", name="提交评价").tap()
    phone.wait_for_url("**/thanks/")
    assert phone.get_by_role("heading", name="感谢您的评价！").is_visible()
    assert "您的评价：满意" in phone.content()
    shot(phone, "ratings-mobile-thanks-phone")
    rating = Rating.objects.get()
    assert (rating.level, rating.tags, rating.channel) == (4, ["waiting"], "mobile")

    other.locator("#levels").get_by_text("非常不满意", exact=True).click()
    other.get_by_role("button", name="提交评价").click()
    other.wait_for_load_state()
    assert other.get_by_role("heading", name="本次办件已经评价过了").is_visible()
    assert Rating.objects.count() == 1
    phone.goto(url)
    assert "本次办件已经评价过了" in phone.content()


def test_a_level_must_be_chosen_on_the_phone(office: Any, live_server: Any, phone: Any) -> None:
    from kaoping.ratings.links import link_token

    txn("T1")
    phone.goto(f"{live_server.url}/r/{link_token('T1')}/")
    phone.get_by_role("button", name="提交评价").tap()
    phone.wait_for_selector("#level-errors")
    assert phone.get_by_text("请选择一项评价后再提交。").is_visible()
    shot(phone, "ratings-mobile-error-phone")


def test_the_window_terminal(office: Any, live_server: Any, page: Any, phone: Any) -> None:
    from kaoping.ratings.links import kiosk_path
    from kaoping.ratings.models import Rating

    txn("T1", hours_ago=0.05)
    terminal = f"{live_server.url}{kiosk_path('H1', 'W1')}"
    for p, name in ((page, "ratings-kiosk-desktop"), (phone, "ratings-kiosk-phone")):
        p.goto(terminal)
        assert p.locator("input[name=level]").count() == 5
        shot(p, name)
    page.locator("#levels").get_by_text("非常满意", exact=True).click()
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_selector(".c-outcome")
    assert page.get_by_role("heading", name="感谢您的评价！").is_visible()
    shot(page, "ratings-kiosk-thanks-desktop")
    assert Rating.objects.get().channel == "kiosk"
    # the thanks page goes back to the keyed address by itself (a lost key would show the 403 page)
    page.get_by_text("暂无待评价的办件").wait_for(timeout=15_000)
    assert page.url == terminal
    shot(page, "ratings-kiosk-waiting-desktop")


def test_a_terminal_without_its_key_is_refused(office: Any, live_server: Any, page: Any, phone: Any) -> None:
    from kaoping.ratings.links import kiosk_key

    txn("T1", hours_ago=0.05)
    for p, name in ((page, "ratings-kiosk-403-desktop"), (phone, "ratings-kiosk-403-phone")):
        for address in ("/kiosk/H1/W1/", f"/kiosk/H1/W1/?k={kiosk_key('H1', 'W2')}"):
            response = p.goto(f"{live_server.url}{address}")
            assert response.status == 403
            assert p.get_by_role("heading", name="评价器未授权").is_visible()
            assert p.locator("input[name=level]").count() == 0
        shot(p, name)


def _some_ratings(office: Any) -> None:
    from kaoping.ratings.services import case_advance, code_confirm

    levels = [5, 5, 4, 5, 3, 4, 5, 2, 5, 4, 1, 5]
    comments = {2: "排队太久，材料繁琐", 1: "态度冷漠", 3: "系统卡顿"}
    for i, level in enumerate(levels):
        t = txn(f"T{i}", window=f"W{i % 3 + 1}", staff=f"S{i % 4}")
        rate(t, level, comment=comments.get(level, ""), rater_phone="13900139000" if level == 1 else None)
    for code, name in (("W1", "综合受理窗口"), ("W2", "不动产登记窗口"), ("W3", "社保医保窗口")):
        from kaoping.ratings.models import Window

        code_confirm(obj=Window.objects.get(code=code), name=name, by=office)
    from kaoping.ratings.models import BadRatingCase, Hall

    code_confirm(obj=Hall.objects.get(code="H1"), name="市民之家政务服务大厅", by=office)
    case = BadRatingCase.objects.filter(rating__level=2).first()
    for action, note, verdict in (("verify", "情况属实", "found"), ("rectify", "高峰时段增开窗口，材料清单一次性告知", None),
                                  ("reply", "已电话答复评价人 13900139000", None)):
        case_advance(case=case, action=action, note=note, verdict=verdict, by=office)


def test_the_dashboard(office: Any, live_server: Any, page: Any, phone: Any) -> None:
    _some_ratings(office)
    for p, name in ((page, "ratings-dashboard-desktop"), (phone, "ratings-dashboard-phone")):
        _log_in(p, live_server.url, office)
        p.goto(f"{live_server.url}/ratings/")
        for chart in ("#chart-trend", "#chart-levels", "#chart-ranking", "#chart-phrases"):
            p.wait_for_selector(f"{chart} canvas", timeout=10_000)
        shot(p, name)


def test_the_public_record(office: Any, live_server: Any, page: Any, phone: Any) -> None:
    _some_ratings(office)
    for p, name in ((page, "ratings-public-desktop"), (phone, "ratings-public-phone")):
        p.goto(f"{live_server.url}/public/windows/")
        p.get_by_role("link", name="不动产登记窗口").click()
        p.wait_for_selector("#chart-public-trend canvas", timeout=10_000)
        html = p.content()
        assert "高峰时段增开窗口" in html and "13900139000" not in html and "139****9000" in html
        shot(p, name)


def test_the_ratings_import_preview_with_errors(office: Any, live_server: Any, page: Any, phone: Any,
                                                tmp_path: Any) -> None:
    from openpyxl import Workbook

    from kaoping.ratings.models import Rating
    from kaoping.ratings.paper_import import COLUMNS

    for tid in ("P1", "P2", "P3"):
        txn(tid)
    rate(txn("R1"), 5)
    headers = [c[1] for c in COLUMNS]
    wb = Workbook()
    ws = wb.active
    ws.title = "评价"
    ws.append(headers)
    for values in ({"办件编号": "P1", "评价等级": 5, "评价渠道": "纸质评价表", "服务态度": 5, "意见建议": "窗口人员很耐心"},
                   {"办件编号": "P2", "评价等级": 7, "评价渠道": "热线"},
                   {"办件编号": "NOPE", "评价等级": 2, "评价渠道": "热线", "问题标签": "等待时间长"},
                   {"办件编号": "R1", "评价等级": 4, "评价渠道": "短信"},
                   {"办件编号": "P1", "评价等级": "很好", "评价渠道": "现场"},
                   {"办件编号": "P3", "评价等级": 2, "评价渠道": "热线", "评价人手机号": "12ab"}):
        ws.append([values.get(h) for h in headers])
    path = tmp_path / "纸质评价表.xlsx"
    wb.save(path)
    for p, name in ((page, "ratings-import-errors-desktop"), (phone, "ratings-import-errors-phone")):
        _log_in(p, live_server.url, office)
        p.goto(f"{live_server.url}/ratings/import/")
        p.set_input_files("input[type=file]", str(path))
        p.get_by_role("button", name="上传并预览").click()
        p.wait_for_selector("#preview-title")
        assert p.get_by_text("共 6 行，其中 5 行存在错误").is_visible()
        assert p.get_by_text("第 3 行：「评价等级」超出范围：7（应为 1–5）").is_visible()
        assert p.get_by_role("button", name="确认导入").count() == 0
        shot(p, name)
    assert Rating.objects.count() == 1


def test_the_dashboard_shows_rising_complaints(office: Any, live_server: Any, page: Any, phone: Any,
                                               settings: Any) -> None:
    from tests.ratings_web.test_rising import _month_of_ratings

    settings.KAOPING_RATINGS_RISING = {"min_ratings": 5, "min_bad": 1}
    for ago, bad in ((3, 1), (2, 2), (1, 3), (0, 4)):
        _month_of_ratings("W1", ago, bad, 5)
    for p, name in ((page, "ratings-rising-desktop"), (phone, "ratings-rising-phone")):
        _log_in(p, live_server.url, office)
        p.goto(f"{live_server.url}/ratings/")
        flags = p.locator("section[aria-labelledby=flags-title]")
        assert flags.get_by_text("差评上升").is_visible()
        assert "差评数和差评率连续 3 个月上升" in flags.inner_text()
        flags.scroll_into_view_if_needed()
        flags.screenshot(path=str(shot(p, name).with_name(f"{name}-section.png")))


def test_the_office_edits_a_window_and_gets_its_terminal_address(office: Any, live_server: Any, page: Any,
                                                                 phone: Any) -> None:
    from kaoping.org.models import Unit
    from kaoping.ratings.links import kiosk_key
    from kaoping.ratings.models import BadRatingCase, Window

    _some_ratings(office)
    Unit.objects.create(code="U1", name="市政务服务管理局", type="hall")
    Unit.objects.create(code="U2", name="市不动产登记中心", type="institution")
    w2 = Window.objects.get(code="W2")
    for p, name in ((page, "ratings-register-edit-desktop"), (phone, "ratings-register-edit-phone")):
        _log_in(p, live_server.url, office)
        p.goto(f"{live_server.url}/ratings/registers/windows/")
        shot(p, name.replace("register-edit", "registers"))
        p.locator(f"a[href='/ratings/registers/windows/{w2.pk}/']").first.click()
        p.wait_for_url(f"**/ratings/registers/windows/{w2.pk}/")
        terminal = p.locator("#terminal-url")
        assert kiosk_key("H1", "W2") in terminal.input_value()
        shot(p, name)
    page.fill("input[name=name]", "")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_text("请填写窗口名称。").is_visible()
    shot(page, "ratings-register-edit-error-desktop")
    page.fill("input[name=name]", "不动产登记综合窗口")
    page.select_option("select[name=unit]", label="市不动产登记中心（U2）")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector(".site-message-success")
    assert page.get_by_text("责任单位已更改为 市不动产登记中心").is_visible()
    w2.refresh_from_db()
    assert (w2.name, w2.unit.code) == ("不动产登记综合窗口", "U2")
    assert all(c.unit.code == "U2" for c in BadRatingCase.objects.filter(window=w2).exclude(status="closed"))
    shot(page, "ratings-register-edit-saved-desktop")
    page.goto(f"{live_server.url}/ratings/registers/windows/new/")
    shot(page, "ratings-register-new-desktop")


def test_the_settings_page(office: Any, live_server: Any, page: Any, phone: Any) -> None:
    from kaoping.ratings.services import policy_get

    for p, name in ((page, "ratings-settings-desktop"), (phone, "ratings-settings-phone")):
        _log_in(p, live_server.url, office)
        p.goto(f"{live_server.url}/ratings/")
        p.get_by_role("link", name="参数设置").click()
        p.wait_for_url("**/ratings/settings/")
        assert p.locator("input[name=red_share]").input_value() == "10"
        shot(p, name)
        p.screenshot(path=str(shot(p, name).with_name(f"{name}-top.png")))  # the first screen, as seen
    page.fill("input[name=rating_days]", "0")
    page.fill("input[name=red_share]", "15")
    page.get_by_role("button", name="保存参数").click()
    page.wait_for_selector("#id_rating_days-error")
    assert page.get_by_text("“可评价天数（自然日）”不能小于 1。").is_visible()
    assert policy_get(fresh=True).red_share == 0.10  # nothing saved
    shot(page, "ratings-settings-error-desktop")
    page.fill("input[name=rating_days]", "10")
    page.get_by_role("button", name="保存参数").click()
    page.wait_for_selector(".site-message-success")
    assert page.get_by_text("可评价天数（自然日）：7 → 10").is_visible()
    assert (policy_get(fresh=True).rating_days, policy_get(fresh=True).red_share) == (10, 0.15)


def test_the_office_decides_an_integrity_flag_on_the_dashboard(office: Any, live_server: Any, page: Any,
                                                               phone: Any) -> None:
    from django.core.cache import cache

    from kaoping.ratings.models import RatingFlag

    cache.clear()  # an earlier test's dashboard marked this month as scanned a moment ago
    _some_ratings(office)
    for i in range(7):  # one phone rating seven transactions of a window this month (limit 5)
        rate(txn(f"P{i}", window="W1"), 5, rater_phone="13900000001")
    for p, name in ((page, "ratings-flags-desktop"), (phone, "ratings-flags-phone")):
        _log_in(p, live_server.url, office)
        p.goto(f"{live_server.url}/ratings/")
        section = p.locator("section[aria-labelledby=flags-title]")
        assert section.get_by_text("同一手机多次评价").first.is_visible()
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(shot(p, name).with_name(f"{name}-section.png")))
    flag = RatingFlag.objects.get(kind="phone")
    item = page.locator(f"#flag-{flag.pk}")
    item.get_by_role("button", name="排除").click()
    page.wait_for_selector(f"#id_f{flag.pk}-note-error")
    assert page.get_by_text("请填写核查说明").first.is_visible()
    assert RatingFlag.objects.get(pk=flag.pk).status == "open"
    item = page.locator(f"#flag-{flag.pk}")
    item.scroll_into_view_if_needed()
    item.screenshot(path=str(shot(page, "ratings-flags-error-desktop").with_name("ratings-flags-error-desktop-item.png")))
    item.locator("textarea").fill("已电话核实：同一家庭多人办件，由家属代为评价，非诱导好评")
    item.get_by_role("button", name="排除").click()
    page.wait_for_selector(".site-message-success")
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by_id) == ("dismissed", office.pk)
    section = page.locator("section[aria-labelledby=flags-title]")
    assert section.get_by_text("由家属代为评价").is_visible()
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(shot(page, "ratings-flags-decided-desktop").with_name(
        "ratings-flags-decided-desktop-section.png")))


def test_staff_entry_offers_the_transactions_sub_items(office: Any, live_server: Any, page: Any, phone: Any) -> None:
    from kaoping.ratings.models import Rating

    txn("T1")
    for p, name in ((page, "ratings-entry-desktop"), (phone, "ratings-entry-phone")):
        _log_in(p, live_server.url, office)
        p.goto(f"{live_server.url}/ratings/entry/")
        p.fill("input[name=transaction]", "T1")
        p.get_by_role("button", name="查询").click()
        p.wait_for_selector("input[name=item_attitude]")
        assert p.locator("input[name=item_usability]").count() == 0
        shot(p, name)
    page.select_option("select[name=channel]", "hotline")
    page.locator("fieldset.choice-row").first.get_by_text("不满意", exact=True).click()
    page.locator(".sub-item", has_text="服务态度").get_by_text("非常不满意", exact=True).click()
    page.get_by_role("button", name="保存评价").click()
    page.wait_for_selector(".site-message-success")
    rating = Rating.objects.get()
    assert (rating.level, rating.items, rating.channel) == (2, {"attitude": 1}, "hotline")
