"""Password rules (等保三级): length 10, three character classes, not like the name, not common."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from kaoping.accounts.models import AuditEvent, User
from kaoping.accounts.validators import CharacterClassesValidator, character_classes

from .conftest import PASSWORD, login_post

pytestmark = pytest.mark.django_db
CHANGE = "/accounts/password/"


def problems(password: str, user: Any = None) -> str:
    with translation.override("zh-hans"):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return " ".join(exc.messages)
    return ""


def test_character_classes_are_counted() -> None:
    assert character_classes("abc") == {"lower"}
    assert character_classes("Ab1!") == {"upper", "lower", "digit", "symbol"}
    assert character_classes("密码abc") == {"lower", "symbol"}


def test_two_classes_are_not_enough() -> None:
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        CharacterClassesValidator().validate("abcdefgh1234")
    assert "大写字母、小写字母、数字、符号中的 3 类" in exc.value.messages[0]


@pytest.mark.parametrize(("password", "message"), [
    ("Ab1!xyz", "密码长度太短"),  # 7 characters
    ("abcdefghijkl", "3 类"),  # one class
    ("Password1!", "太常见"),  # on the common list
    ("12345678901", "只包含数字"),
])
def test_weak_passwords_are_refused_in_chinese(password: str, message: str) -> None:
    assert message in problems(password)


def test_a_password_like_the_name_is_refused(people: Any) -> None:
    assert "相似" in problems("Office1@2026", people["office"])


def test_a_good_password_passes(people: Any) -> None:
    assert problems("Qing-He#2026x", people["office"]) == ""


def test_the_password_change_page_refuses_a_weak_password(client: Any, people: Any) -> None:
    client.force_login(people["office"])
    before = User.objects.get(pk=people["office"].pk).password
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": "abcdefgh",
                                    "new_password2": "abcdefgh"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "密码长度太短，至少需要 10 个字符" in html and "3 类" in html
    assert User.objects.get(pk=people["office"].pk).password == before
    event = AuditEvent.objects.get(action="password_change")
    assert event.outcome == "failure" and "password_too_short" in event.detail


def test_a_wrong_old_password_is_named(client: Any, people: Any) -> None:
    client.force_login(people["office"])
    html = client.post(CHANGE, {"old_password": "nope", "new_password1": "Qing-He#2026x",
                                "new_password2": "Qing-He#2026x"}).content.decode()
    assert "原密码不正确" in html


def test_two_different_new_passwords_are_named(client: Any, people: Any) -> None:
    client.force_login(people["office"])
    html = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": "Qing-He#2026x",
                                "new_password2": "Qing-He#2026y"}).content.decode()
    assert "两次输入的新密码不一致" in html


def test_the_password_is_changed_and_recorded(client: Any, people: Any) -> None:
    assert login_post(client, "office1", PASSWORD).status_code == 302
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": "Qing-He#2026x",
                                    "new_password2": "Qing-He#2026x"}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/me/"
    assert "密码已修改" in response.content.decode()
    user = User.objects.get(pk=people["office"].pk)
    assert user.check_password("Qing-He#2026x")
    assert timezone.now() - user.password_changed_at < dt.timedelta(minutes=1)
    assert AuditEvent.objects.get(action="password_change").outcome == "success"
    assert client.get("/").status_code == 200  # still logged in


def test_expiry_is_off_by_default(client: Any, people: Any) -> None:
    User.objects.filter(pk=people["office"].pk).update(password_changed_at=timezone.now() - dt.timedelta(days=999))
    client.force_login(people["office"])
    assert client.get("/").status_code == 200


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_an_expired_password_must_be_changed_first(client: Any, people: Any) -> None:
    User.objects.filter(pk=people["office"].pk).update(password_changed_at=timezone.now() - dt.timedelta(days=91))
    client.force_login(people["office"])
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == CHANGE
    assert "您的密码已超过 90 天未修改，请先修改密码" in response.content.decode()
    client.post(CHANGE, {"old_password": PASSWORD, "new_password1": "Qing-He#2026x",
                         "new_password2": "Qing-He#2026x"})
    assert client.get("/").status_code == 200


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_a_recent_password_is_not_expired(client: Any, people: Any) -> None:
    client.force_login(people["office"])
    assert client.get("/").status_code == 200
