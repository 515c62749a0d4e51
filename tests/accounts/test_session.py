"""The 30-minute idle time-out (R10.3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from kaoping.accounts.models import AuditEvent

from .conftest import LOGIN, PASSWORD, login_post

pytestmark = pytest.mark.django_db


def session_row(client: Any) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_sessions_last_thirty_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_every_request_moves_the_expiry_forward(client: Any, people: Any) -> None:
    login_post(client, "office1", PASSWORD)
    Session.objects.filter(pk=session_row(client).pk).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    response = client.get("/")
    assert response.status_code == 200
    left = session_row(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < left <= dt.timedelta(minutes=30)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 1800


def test_an_idle_session_ends_with_a_chinese_message(client: Any, people: Any) -> None:
    login_post(client, "office1", PASSWORD)
    assert client.get("/").status_code == 200
    Session.objects.filter(pk=session_row(client).pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN + "?next=")
    assert "您已超过 30 分钟未操作，为保护账号安全已自动退出，请重新登录" in response.content.decode()
    event = AuditEvent.objects.get(action="session_expired")
    assert event.username == "office1"
    # the notice is given once
    assert "未操作" not in client.get(LOGIN).content.decode()


def test_a_browser_that_dropped_the_cookie_gets_the_notice_too(client: Any, people: Any) -> None:
    login_post(client, "office1", PASSWORD)
    client.get("/")
    del client.cookies[settings.SESSION_COOKIE_NAME]  # the browser expires it after 30 minutes
    response = client.get("/", follow=True)
    assert "分钟未操作" in response.content.decode()


def test_a_forged_marker_gives_no_notice(client: Any, db: Any) -> None:
    client.cookies["kaoping_session_user"] = "office1"
    assert "未操作" not in client.get(LOGIN).content.decode()
