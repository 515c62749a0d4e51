"""Admin pages of the campaigns app: read-only, because every row is recorded in the
ledger and may only be written through the services (an edit here would show up as
tampering in ``kaoping ledger verify``). The lifecycle moves through an action that
calls :func:`~kaoping.campaigns.services.campaign_transition`."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kaoping.engine.errors import KaopingError

from .models import (
    LIFECYCLE,
    Adjustment,
    Assignment,
    Campaign,
    CampaignUnit,
    Conflict,
    EvaluatorGroup,
    HistoryEntry,
    Measure,
    Rater,
    ResultSnapshot,
    Score,
    Veto,
    WeightOverride,
)
from .services import campaign_transition


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class GroupInline(ReadOnlyMixin, admin.TabularInline):
    model = EvaluatorGroup
    fields = ("code", "name", "weight")
    readonly_fields = fields
    extra = 0


class TargetInline(ReadOnlyMixin, admin.TabularInline):
    model = CampaignUnit
    fields = ("code", "unit", "fields")
    readonly_fields = fields
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "status", "period_start", "period_end", "deadline", "library_version")
    list_filter = ("status", "kind")
    search_fields = ("code", "name")
    inlines = [GroupInline, TargetInline]
    actions = ["advance"]

    @admin.action(description=_("推进到下一阶段（草稿→进行中→已截止→已发布→已归档）"),
                  permissions=["transition"])
    def advance(self, request, queryset):
        for campaign in queryset:
            index = LIFECYCLE.index(campaign.status)
            if index + 1 >= len(LIFECYCLE):
                self.message_user(request, f"{campaign.code} 已归档，不能再推进", messages.WARNING)
                continue
            try:
                moved = campaign_transition(campaign=campaign, to=LIFECYCLE[index + 1], by=request.user,
                                            source="admin")
            except KaopingError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"{moved.code} 已进入「{moved.get_status_display()}」")

    def has_transition_permission(self, request):
        return request.user.has_perm("campaigns.change_campaign")


@admin.register(CampaignUnit)
class CampaignUnitAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "code", "unit")
    list_filter = ("campaign",)
    search_fields = ("code", "unit__name")


@admin.register(EvaluatorGroup)
class EvaluatorGroupAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "code", "name", "weight")
    list_filter = ("campaign",)


@admin.register(Rater)
class RaterAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "code", "name", "group", "unit", "user")
    list_filter = ("campaign",)
    search_fields = ("code", "name")


@admin.register(Conflict)
class ConflictAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "rater", "unit")
    list_filter = ("campaign",)


@admin.register(WeightOverride)
class WeightOverrideAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "position", "match", "weights")
    list_filter = ("campaign",)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "campaign", "rater", "unit")
    list_filter = ("campaign",)
    list_select_related = ("campaign", "rater", "unit")
    show_full_result_count = False


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("id", "campaign", "rater", "unit", "indicator", "value_number", "value_label")
    list_select_related = ("assignment__campaign", "assignment__rater", "assignment__unit", "indicator")
    list_filter = ("assignment__campaign",)
    search_fields = ("assignment__rater__code", "assignment__unit__code", "indicator__code")
    show_full_result_count = False

    @admin.display(description=_("考评活动"))
    def campaign(self, obj):
        return obj.assignment.campaign.code

    @admin.display(description=_("评价人"))
    def rater(self, obj):
        return obj.assignment.rater.code

    @admin.display(description=_("被评单位"))
    def unit(self, obj):
        return obj.assignment.unit


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ("id", "campaign", "unit", "indicator", "value")
    list_select_related = ("campaign", "unit", "indicator")
    list_filter = ("campaign",)


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "unit", "points", "reason", "created_at", "created_by")
    list_filter = ("campaign",)


@admin.register(Veto)
class VetoAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "unit", "reason", "created_at", "created_by")
    list_filter = ("campaign",)


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "position", "previous_code")
    list_filter = ("campaign",)


@admin.register(ResultSnapshot)
class ResultSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "created_at", "engine_version", "input_hash", "created_by")
    list_filter = ("campaign",)
    exclude = ("results_json",)
    readonly_fields = ("campaign", "created_at", "engine_version", "input_hash", "created_by")
