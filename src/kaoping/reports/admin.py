"""Publications in the admin: read-only, since each is a recorded decision (ledger)."""

from __future__ import annotations

from django.contrib import admin

from .models import Publication


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ("campaign", "mode", "top_share", "bottom_share", "published_at", "published_by")
    list_filter = ("mode",)
    readonly_fields = [f.name for f in Publication._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
