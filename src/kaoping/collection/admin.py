"""Admin pages of the collection app: read-only, since rows are written by the services
(in the ledger's transaction) and file bodies and token hashes are never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import (
    AnonymousToken,
    Evidence,
    MeasureCheck,
    SheetDraft,
    SheetSubmission,
    TokenBatch,
    Upload,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SheetSubmission)
class SheetSubmissionAdmin(ReadOnly):
    list_display = ("assignment", "channel", "submitted_on")
    list_filter = ("channel", "assignment__campaign")


@admin.register(SheetDraft)
class SheetDraftAdmin(ReadOnly):
    list_display = ("assignment", "version", "updated_at")
    exclude = ("values",)  # an evaluator's unsubmitted values are theirs alone


@admin.register(TokenBatch)
class TokenBatchAdmin(ReadOnly):
    list_display = ("campaign", "group", "count", "note", "created_at", "created_by")


@admin.register(AnonymousToken)
class AnonymousTokenAdmin(ReadOnly):
    list_display = ("batch", "used_on")
    exclude = ("token_hash",)


@admin.register(Upload)
class UploadAdmin(ReadOnly):
    list_display = ("campaign", "filename", "kind", "status", "rows", "uploaded_at", "uploaded_by")
    exclude = ("content",)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnly):
    list_display = ("measure", "filename", "size", "uploaded_at", "uploaded_by")
    exclude = ("content",)


@admin.register(MeasureCheck)
class MeasureCheckAdmin(ReadOnly):
    list_display = ("measure", "status", "old_value", "new_value", "checked_at", "checked_by")
    list_filter = ("status",)
