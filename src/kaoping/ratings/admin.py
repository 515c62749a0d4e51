"""Admin for the ratings registers and settings. Ratings, cases and appeals are
read-only here: they change only through services (ledger), never in the admin."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    ApiToken,
    Appeal,
    BadRatingCase,
    Hall,
    Rating,
    RatingFlag,
    RatingPolicy,
    ServiceItem,
    StaffMember,
    Window,
)


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit", "confirmed")
    list_filter = ("confirmed",)
    search_fields = ("code", "name")


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "hall", "unit", "confirmed")
    list_filter = ("confirmed", "hall")
    search_fields = ("code", "name")


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "window", "confirmed")
    list_filter = ("confirmed",)
    search_fields = ("code", "name")


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "confirmed")
    list_filter = ("confirmed",)
    search_fields = ("code", "name")


@admin.register(RatingPolicy)
class RatingPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "rating_days", "default_fill", "default_level", "case_plan_days", "case_done_days")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnly):
    list_display = ("transaction", "level", "channel", "rated_at", "window", "is_default", "excluded")
    list_filter = ("level", "channel", "is_default", "excluded")
    exclude = ("rater_phone_hash", "rater_phone_sealed", "device_hash")


@admin.register(BadRatingCase)
class BadRatingCaseAdmin(ReadOnly):
    list_display = ("rating", "window", "status", "plan_due", "done_due")
    list_filter = ("status",)


@admin.register(Appeal)
class AppealAdmin(ReadOnly):
    list_display = ("rating", "unit", "status", "filed_at", "decided_at")
    list_filter = ("status",)


@admin.register(RatingFlag)
class RatingFlagAdmin(ReadOnly):
    list_display = ("kind", "subject", "period", "status", "created_at")
    list_filter = ("kind", "status")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnly):
    list_display = ("name", "prefix", "created_at", "revoked_at", "last_used_at")
