"""Log-in, log-out and the lock-out after 5 failures (R10.3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from kaoping.accounts.models import AuditEvent

from .conftest import LOGIN, PASSWORD, login_post

pytestmark = pytest.mark.django_db


def fail(client: Any, username: str, times: int, **extra: Any) -> Any:
    response = None
    for _ in range(times):
        response = login_post(client, username, "Wrong-pass-123", **extra)
    return response


def test_the_login_page_is_chinese_and_states_the_rules(client: Any) -> None:
    html = client.get(LOGIN).content.decode()
    assert "登录考评系统" in html
    assert "连续 5 次输错密码将锁定 30 分钟" in html and "30 分钟无操作将自动退出" in html


def test_it_logs_in_and_records_who_and_from_where(client: Any, people: Any) -> None:
    response = login_post(client, "office1", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    event = AuditEvent.objects.get(action="login")
    assert (event.username, event.role, event.ip, event.outcome) == ("office1", "office", "127.0.0.1", "success")
    assert not AuditEvent.objects.filter(action="request").exists()  # not recorded twice


def test_a_wrong_password_says_so_and_counts_down(client: Any, people: Any) -> None:
    response = fail(client, "office1", 1)
    html = response.content.decode()
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in html
    assert "再连续失败 4 次，账号将被锁定 30 分钟" in html
    event = AuditEvent.objects.get(action="login_failed")
    assert (event.username, event.outcome, event.ip) == ("office1", "failure", "127.0.0.1")


def test_five_failures_lock_the_account_with_a_chinese_message(client: Any, people: Any) -> None:
    assert "再连续失败 1 次" in fail(client, "office1", 4).content.decode()
    response = fail(client, "office1", 1)
    html = response.content.decode()
    assert response.status_code == 429
    assert "账号已锁定" in html and "连续 5 次登录失败" in html and "30 分钟后再试" in html
    assert AuditEvent.objects.filter(action="locked_out", username="office1").exists()


def test_a_locked_account_refuses_even_the_right_password(client: Any, people: Any) -> None:
    fail(client, "office1", 5)
    response = login_post(client, "office1", PASSWORD)
    assert response.status_code == 429 and "账号已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed", username="office1", outcome="denied").exists()


def test_the_lock_is_per_name_and_address(client: Any, people: Any) -> None:
    fail(client, "office1", 5)
    other_desk = login_post(client, "office1", PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert other_desk.status_code == 302  # nobody can lock an official out from elsewhere
    assert login_post(client, "super1", PASSWORD).status_code == 302  # nor other people


def test_the_administrator_unlocks_with_a_command(client: Any, people: Any) -> None:
    fail(client, "office1", 5)
    call_command("account_unlock", "office1")
    assert login_post(client, "office1", PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="unlock", target="office1").exists()


def test_the_administrator_unlocks_in_the_admin(client: Any, people: Any) -> None:
    fail(client, "office1", 5)
    admin = client.__class__()
    admin.force_login(people["admin"])
    response = admin.post("/admin/accounts/user/", {"action": "unlock", "_selected_action": [people["office"].pk]},
                          follow=True)
    assert "已解除 1 个账号的登录锁定" in response.content.decode()
    assert login_post(client, "office1", PASSWORD).status_code == 302
    assert AuditEvent.objects.get(action="unlock").username == "admin1"


def test_a_success_clears_earlier_failures(client: Any, people: Any) -> None:
    fail(client, "office1", 4)
    assert login_post(client, "office1", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert "再连续失败 4 次" in fail(client, "office1", 1).content.decode()


def test_an_unknown_name_is_refused_like_a_wrong_password(client: Any, people: Any) -> None:
    html = login_post(client, "nobody", PASSWORD).content.decode()
    assert "请输入一个正确的用户名和密码" in html
    assert AuditEvent.objects.filter(action="login_failed", username="nobody").exists()


def test_logging_out_says_so_and_is_recorded(client: Any, people: Any) -> None:
    login_post(client, "office1", PASSWORD)
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert "您已安全退出" in response.content.decode()
    assert AuditEvent.objects.filter(action="logout", username="office1").count() == 1
    assert client.get("/").status_code == 302


def test_logout_needs_a_post(client: Any, people: Any) -> None:
    login_post(client, "office1", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
