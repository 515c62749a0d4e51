from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, User
from .services import user_unlock


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "unit", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email", "unit__name")
    autocomplete_fields = ("unit",)
    readonly_fields = ("last_login", "date_joined", "password_changed_at")
    fieldsets = (*BaseUserAdmin.fieldsets,
                 (_("考评角色"), {"fields": ("role", "unit", "password_changed_at")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, (_("考评角色"), {"fields": ("role", "unit")}))
    actions = ["unlock"]

    @admin.action(description=_("解除登录锁定"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        cleared = sum(user_unlock(username=u.get_username(), by=request.user, request=request) for u in queryset)
        self.message_user(request, _("已解除 %(n)d 个账号的登录锁定（清除失败记录 %(c)d 条）。")
                          % {"n": queryset.count(), "c": cleared}, messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only (no add, change or delete)."""

    list_display = ("at", "username", "role", "ip", "action", "method", "path", "status", "outcome")
    list_filter = ("action", "outcome", "role")
    search_fields = ("username", "path", "target", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
