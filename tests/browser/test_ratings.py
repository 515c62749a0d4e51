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
    from kaoping.ratings.models import Rating
    from kaoping.ratings.views import link_token

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
    from kaoping.ratings.views import link_token

    txn("T1")
    phone.goto(f"{live_server.url}/r/{link_token('T1')}/")
    phone.get_by_role("button", name="提交评价").tap()
    phone.wait_for_selector("#level-errors")
    assert phone.get_by_text("请选择一项评价后再提交。").is_visible()
    shot(phone, "ratings-mobile-error-phone")


def test_the_window_terminal(office: Any, live_server: Any, page: Any, phone: Any) -> None:
    from kaoping.ratings.models import Rating

    txn("T1", hours_ago=0.05)
    for p, name in ((page, "ratings-kiosk-desktop"), (phone, "ratings-kiosk-phone")):
        p.goto(f"{live_server.url}/kiosk/H1/W1/")
        assert p.locator("input[name=level]").count() == 5
        shot(p, name)
    page.locator("#levels").get_by_text("非常满意", exact=True).click()
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_selector(".c-outcome")
    assert page.get_by_role("heading", name="感谢您的评价！").is_visible()
    shot(page, "ratings-kiosk-thanks-desktop")
    assert Rating.objects.get().channel == "kiosk"
    page.goto(f"{live_server.url}/kiosk/H1/W1/")
    assert page.get_by_text("暂无待评价的办件").is_visible()
    shot(page, "ratings-kiosk-waiting-desktop")


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
