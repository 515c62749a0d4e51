"""The audit trail of administrative actions (R10.3) and its page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kaoping.accounts.models import AuditEvent
from kaoping.accounts.services import AccountError, audit_record

from .conftest import PASSWORD, login_post

pytestmark = pytest.mark.django_db


def logged_in(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def test_a_post_by_a_logged_in_user_is_recorded_without_values(client: Any, people: Any) -> None:
    logged_in(client, people["office"]).post("/accounts/password/", {"old_password": "secret-value",
                                                                     "new_password1": "x", "new_password2": "x"})
    logged_in(client, people["admin"]).post("/admin/org/staff/add/", {"code": "S9", "name": "秘密姓名"})
    event = AuditEvent.objects.get(action="request")
    assert (event.username, event.role, event.method, event.path) == ("admin1", "admin", "POST", "/admin/org/staff/add/")
    assert event.status == 200 and event.ip == "127.0.0.1" and event.target == "admin:org_staff_add"
    assert "code" in event.detail and "name" in event.detail
    assert "秘密姓名" not in event.detail and "secret-value" not in str(list(AuditEvent.objects.values()))


def test_reading_is_not_recorded_but_a_refusal_is(client: Any, people: Any) -> None:
    logged_in(client, people["evaluator"])
    assert client.get("/accounts/me/").status_code == 200
    assert not AuditEvent.objects.exclude(action="login").exists()
    assert client.get("/audit/").status_code == 403
    event = AuditEvent.objects.exclude(action="login").get()
    assert (event.action, event.outcome, event.status, event.path) == ("denied", "denied", 403, "/audit/")


def test_anonymous_posts_are_not_administrative(client: Any, db: Any) -> None:
    client.post("/accounts/password/", {})
    assert not AuditEvent.objects.exists()


def test_changes_in_the_admin_are_mirrored_with_the_object(client: Any, people: Any, unit: Any) -> None:
    logged_in(client, people["admin"])
    response = client.post("/admin/org/staff/add/", {"code": "S1", "name": "张三", "unit": unit.pk, "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin_add")
    assert event.username == "admin1" and event.ip == "127.0.0.1"
    assert event.target.startswith("org.staff:") and "LogEntry #" in event.detail
    assert AuditEvent.objects.filter(action="request", status=302).exists()


def test_the_trail_cannot_be_changed_in_the_admin(client: Any, people: Any) -> None:
    event = audit_record(action="login", user=people["office"])
    logged_in(client, people["admin"])
    assert client.get("/admin/accounts/auditevent/").status_code == 200
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"action": "logout"}).status_code == 403
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "login"


def test_the_database_refuses_to_change_an_event(people: Any) -> None:
    event = audit_record(action="login", user=people["office"])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(username="someone-else")
    assert AuditEvent.objects.get(pk=event.pk).username == "office1"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for the test flush")
def test_the_database_refuses_to_delete_an_event(people: Any) -> None:
    event = audit_record(action="login", user=people["office"])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_unknown_action_is_refused(people: Any) -> None:
    with pytest.raises(AccountError) as exc:
        audit_record(action="mystery", user=people["office"])
    assert exc.value.code == "unknown_audit_action"
    assert not AuditEvent.objects.exists()


# ------------------------------------------------------------------------ the page


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("supervisor", 200), ("office", 403), ("evaluator", 403), ("unit_contact", 403),
])
def test_the_audit_page_is_for_the_administrator_and_the_supervisor(client: Any, people: Any, role: str,
                                                                     status: int) -> None:
    assert logged_in(client, people[role]).get("/audit/").status_code == status


def test_the_audit_page_lists_logins_with_role_and_address(client: Any, people: Any) -> None:
    login_post(client, "office1", PASSWORD)
    login_post(client.__class__(), "office1", "wrong-password1")
    html = logged_in(client, people["supervisor"]).get("/audit/").content.decode()
    assert "审计日志" in html and "office1" in html and "考核办" in html and "127.0.0.1" in html
    assert "登录失败" in html and "成功" in html


def test_the_audit_page_filters_by_person_action_and_date(client: Any, people: Any) -> None:
    audit_record(action="login", user=people["office"])
    audit_record(action="logout", user=people["office"])
    audit_record(action="login", user=people["evaluator"])
    old = audit_record(action="login", user=people["evaluator"])
    with connection.cursor() as cursor:  # an event from last month (below the application)
        cursor.execute("INSERT INTO accounts_auditevent (at, username, role, action, method, path, target, detail,"
                       " outcome) VALUES (%s, 'eval1', 'evaluator', 'logout', '', '', '', '', 'success')",
                       [timezone.now() - dt.timedelta(days=40)])
    logged_in(client, people["admin"])
    page = client.get("/audit/", {"person": "office1", "action": "logout"})
    assert list(page.context["events"]) == [AuditEvent.objects.get(username="office1", action="logout")]
    today = timezone.localdate().isoformat()
    recent = client.get("/audit/", {"person": "eval1", "date_from": today, "date_to": today})
    assert len(recent.context["events"]) == 2 and old in recent.context["events"]
    earlier = client.get("/audit/", {"person": "eval1",
                                     "date_to": (timezone.localdate() - dt.timedelta(days=30)).isoformat()})
    assert [e.action for e in earlier.context["events"]] == ["logout"]


def test_a_bad_date_is_named_and_the_other_filters_still_apply(client: Any, people: Any) -> None:
    audit_record(action="login", user=people["office"])
    audit_record(action="login", user=people["evaluator"])
    response = logged_in(client, people["admin"]).get("/audit/", {"person": "office1", "date_from": "2026-13-40"})
    html = response.content.decode()
    assert response.status_code == 200 and "请输入有效的日期" in html
    assert [e.username for e in response.context["events"]] == ["office1"]


def test_an_inverted_date_range_is_named(client: Any, people: Any) -> None:
    html = logged_in(client, people["admin"]).get("/audit/", {"date_from": "2026-07-31",
                                                              "date_to": "2026-07-01"}).content.decode()
    assert "截止日期不能早于起始日期" in html


def test_the_audit_page_is_paginated(client: Any, people: Any) -> None:
    for _ in range(60):
        audit_record(action="logout", user=people["office"])
    logged_in(client, people["admin"])
    first = client.get("/audit/", {"action": "logout"})
    assert len(first.context["events"]) == 50 and "第 1 / 2 页" in first.content.decode()
    assert "action=logout&amp;page=2" in first.content.decode()
    second = client.get("/audit/", {"action": "logout", "page": 2})
    assert len(second.context["events"]) == 10
    assert client.get("/audit/", {"page": "abc"}).status_code == 200
