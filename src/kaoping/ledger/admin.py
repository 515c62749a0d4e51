from django.contrib import admin

from .models import LedgerEntry, LedgerHead


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is written only by services; nobody edits it here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "actor", "action", "object_type", "object_id", "short_hash")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor", "hash")
    readonly_fields = ("seq", "created_at", "actor", "action", "object_type", "object_id",
                       "payload", "prev_hash", "hash")

    @admin.display(description="哈希")
    def short_hash(self, obj):
        return obj.hash[:16] + "…"


@admin.register(LedgerHead)
class LedgerHeadAdmin(ReadOnlyAdmin):
    list_display = ("seq", "hash")
