"""The main navigation, filtered by role: a section appears only to those who may use it."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from .permissions import has

#: (key, label, path, capability). A section whose path does not resolve yet is hidden.
SECTIONS = [
    ("campaigns", _("考评活动"), "/", "campaigns.view"),
    ("indicators", _("指标体系"), "/indicators/", "indicators.view"),
    ("sheets", _("我的评分"), "/sheets/", "sheets.fill"),
    ("alerts", _("预警甄别"), "/alerts/", "alerts.view"),
    ("ratings", _("好差评"), "/ratings/", "ratings.view"),
    ("reports", _("结果报告"), "/reports/", "campaigns.view"),
    ("audit", _("审计日志"), "/audit/", "audit.view"),
    ("users", _("用户管理"), "/accounts/users/", "users.manage"),
    ("account", _("我的账号"), "/accounts/me/", "account.own"),
]


@cache
def _exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context: ``nav_sections`` as (key, label, path) for the current user."""
    user = getattr(request, "user", None)
    sections = [(key, label, path) for key, label, path, cap in SECTIONS
                if has(user, cap) and _exists(path)]
    return {"nav_sections": sections}
