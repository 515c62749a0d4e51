"""Reads of the accounts app: the audit trail, a person's own account, recent accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from .models import AuditEvent, User


def audit_events(*, username: str = "", action: str = "", date_from: dt.date | None = None,
                 date_to: dt.date | None = None) -> QuerySet[AuditEvent]:
    """Events newest first; dates are calendar days in the site's time zone (Asia/Shanghai)."""
    qs = AuditEvent.objects.all()
    if username:
        qs = qs.filter(username=username)
    if action:
        qs = qs.filter(action=action)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs.order_by("-at", "-id")


def account_summary(*, user: Any) -> dict[str, Any]:
    """What the "my account" page shows: role, unit, last log-in and the latest events."""
    recent = AuditEvent.objects.filter(username=user.get_username(),
                                       action__in=("login", "login_failed", "locked_out", "password_change"))
    return {
        "role_label": user.get_role_display(),
        "unit": user.unit,
        "last_login": user.last_login,
        "password_changed_at": user.password_changed_at,
        "recent": list(recent.order_by("-at", "-id")[:10]),
    }


def recent_users(*, limit: int = 20) -> list[User]:
    """The newest accounts first, with their unit (for the account page of the administrator)."""
    return list(User.objects.select_related("unit").order_by("-date_joined", "-id")[:limit])
