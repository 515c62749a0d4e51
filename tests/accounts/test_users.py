"""New accounts: the site's password rules apply (service and page), each problem is
shown under its field, nothing is written on failure; only the administrator may do it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kaoping.accounts.models import AuditEvent, User
from kaoping.accounts.services import AccountError, user_create

from .conftest import login_post

pytestmark = pytest.mark.django_db
USERS = "/accounts/users/"
GOOD = "Qing-He#2026x"


def form(**overrides: str) -> dict[str, str]:
    return {"username": "zhangwei", "name": "张伟", "role": "evaluator", "unit": "",
            "password1": GOOD, "password2": GOOD, **overrides}


def field_errors(html: str, name: str) -> list[str]:
    """The error lines inside the field block of input ``name``."""
    block = re.search(rf'<div class="field[^"]*">\s*<label for="id_{name}">.*?</div>', html, flags=re.S)
    assert block, name
    return re.findall(r'<p class="errors">([^<]+)</p>', block.group(0))


def counts() -> tuple[int, int]:
    return User.objects.count(), AuditEvent.objects.filter(action="admin_add").count()


@pytest.mark.parametrize(("password", "message"), [
    ("Ab1!xyz", "密码长度太短"),
    ("abcdefghijkl", "3 类"),
    ("Password1!", "太常见"),
    ("12345678901", "只包含数字"),
    ("Zhangwei@2026", "相似"),  # like the login name
])
def test_the_service_refuses_a_weak_password_and_writes_nothing(people: Any, password: str, message: str) -> None:
    before = counts()
    with pytest.raises(AccountError) as exc:
        user_create(username="zhangwei", password=password, role="evaluator", name="张伟", by=people["admin"])
    assert exc.value.code == "weak_password" and message in exc.value.message
    assert exc.value.message.startswith("密码不符合要求：")
    assert counts() == before


def test_the_service_still_creates_accounts_without_a_password(db: Any) -> None:
    user = user_create(username="import1", role="evaluator")
    assert not user.has_usable_password()


def test_the_administrator_creates_an_account_that_can_log_in(client: Any, people: Any, unit: Any) -> None:
    client.force_login(people["admin"])
    page = client.get(USERS)
    assert page.status_code == 200 and "新建账号" in page.content.decode()
    response = client.post(USERS, form(username="lianluo2", name="孙联络", role="unit_contact", unit=str(unit.pk)))
    assert response.status_code == 302 and response["Location"] == USERS
    html = client.get(USERS).content.decode()
    assert html.count("已新建账号 lianluo2（单位联络员）") == 1 and "lianluo2" in html
    user = User.objects.get(username="lianluo2")
    assert (user.role, user.unit, user.first_name) == ("unit_contact", unit, "孙联络")
    event = AuditEvent.objects.get(action="admin_add")
    assert event.username == "admin1" and "lianluo2" in event.target and "单位联络员" in event.detail
    client.logout()
    assert login_post(client, "lianluo2", GOOD).status_code == 302


@pytest.mark.parametrize(("password", "message"), [
    ("Ab1!xyz", "密码长度太短，至少需要 10 个字符。"),
    ("abcdefghijkl", "密码须至少包含大写字母、小写字母、数字、符号中的 3 类。"),
    ("Password1!", "太常见"),
    ("Zhangwei@2026", "相似"),
])
def test_a_weak_password_is_shown_next_to_the_field(client: Any, people: Any, password: str, message: str) -> None:
    client.force_login(people["admin"])
    before = counts()
    response = client.post(USERS, form(password1=password, password2=password))
    assert response.status_code == 400
    errors = field_errors(response.content.decode(), "password1")
    assert any(message in e for e in errors), errors
    assert field_errors(response.content.decode(), "username") == []
    assert counts() == before


def test_every_problem_is_shown_at_once(client: Any, people: Any) -> None:
    client.force_login(people["admin"])
    before = counts()
    response = client.post(USERS, form(password1="abc", password2="abd", role="unit_contact"))
    html = response.content.decode()
    assert response.status_code == 400
    assert len(field_errors(html, "password1")) >= 2  # too short and too simple
    assert field_errors(html, "password2") == ["两次输入的密码不一致。"]
    assert field_errors(html, "unit") == ["单位联络员必须指定所属单位。"]
    assert 'value="abc"' not in html  # passwords are never sent back
    assert counts() == before


def test_a_taken_username_is_shown_next_to_the_field(client: Any, people: Any) -> None:
    client.force_login(people["admin"])
    before = counts()
    response = client.post(USERS, form(username="office1"))
    assert response.status_code == 400
    assert field_errors(response.content.decode(), "username") == ["用户名 office1 已存在"]
    assert counts() == before


@pytest.mark.parametrize("role", ["office", "evaluator", "unit_contact", "supervisor"])
def test_only_the_administrator_manages_accounts(client: Any, people: Any, role: str) -> None:
    client.force_login(people[role])
    before = counts()
    assert client.get(USERS).status_code == 403
    assert client.post(USERS, form()).status_code == 403
    assert counts() == before
    assert f'href="{USERS}"' not in client.get("/accounts/me/").content.decode()  # not in the navigation


def test_the_administrator_finds_the_page_in_the_navigation(client: Any, people: Any) -> None:
    client.force_login(people["admin"])
    assert f'href="{USERS}"' in client.get("/accounts/me/").content.decode()
