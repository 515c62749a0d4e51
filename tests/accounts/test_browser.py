"""Screenshots of the log-in page (desktop, phone), the lock-out and the audit page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import shot

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_the_login_page_on_desktop_and_phone(live_server: Any, page: Any, phone: Any, people: Any) -> None:
    for p, name in ((page, "accounts-login-desktop"), (phone, "accounts-login-phone")):
        p.goto(f"{live_server.url}/accounts/login/")
        assert p.locator("h1").inner_text() == "登录考评系统"
        shot(p, name)
    login(phone, live_server.url, "office1", "Wrong-pass-123")
    assert "再连续失败 4 次" in phone.content()
    shot(phone, "accounts-login-wrong-phone")


def test_the_lockout_message(live_server: Any, page: Any, people: Any) -> None:
    for _ in range(5):
        login(page, live_server.url, "office1", "Wrong-pass-123")
    assert "账号已锁定" in page.content()
    shot(page, "accounts-lockout-desktop")


def test_the_audit_page(live_server: Any, page: Any, phone: Any, people: Any) -> None:
    login(page, live_server.url, "contact1", "Wrong-pass-123")
    login(page, live_server.url, "office1", PASSWORD)
    page.goto(f"{live_server.url}/audit/")  # office may not: a refusal, recorded
    assert "无权访问" in page.content()
    shot(page, "accounts-forbidden-desktop")
    page.context.clear_cookies()
    login(page, live_server.url, "super1", PASSWORD)
    page.goto(f"{live_server.url}/audit/")
    assert "审计日志" in page.content() and "越权访问" in page.content()
    shot(page, "accounts-audit-desktop")
    login(phone, live_server.url, "admin1", PASSWORD)
    phone.goto(f"{live_server.url}/audit/?date_from=2026-13-01")
    assert "请输入有效的日期" in phone.content()
    shot(phone, "accounts-audit-phone")
    phone.goto(f"{live_server.url}/accounts/me/")
    shot(phone, "accounts-me-phone")
