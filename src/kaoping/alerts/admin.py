"""Read-only admin pages: alerts change only through the services (and the ledger)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import Alert, AlertEvent, SheetExclusion


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnly):
    list_display = ("id", "campaign", "kind", "severity", "status", "assignee", "created_at")
    list_filter = ("status", "kind", "severity")


@admin.register(AlertEvent)
class AlertEventAdmin(ReadOnly):
    list_display = ("alert", "action", "from_status", "to_status", "actor", "at")


@admin.register(SheetExclusion)
class SheetExclusionAdmin(ReadOnly):
    list_display = ("campaign", "rater", "unit", "decision", "created_at")
