"""Reads of the alerts app: the filtered list with counts, one alert with its history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet

from kaoping.accounts.permissions import CAPABILITIES
from kaoping.campaigns.models import Campaign, ResultSnapshot

from .models import Alert, AlertEvent, AlertStatus, SheetExclusion


@dataclass(frozen=True, slots=True)
class AlertFilters:
    campaign: str = ""
    kind: str = ""
    severity: str = ""
    status: str = ""
    unit: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def alert_list(*, filters: AlertFilters) -> QuerySet[Alert]:
    """Alerts matching every filter given, open ones first, then newest first."""
    qs = Alert.objects.select_related("campaign", "assignee")
    if filters.campaign:
        qs = qs.filter(campaign__code=filters.campaign)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.status == "open":
        qs = qs.exclude(status__in=[AlertStatus.CONFIRMED, AlertStatus.DISMISSED])
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.unit:
        # JSON text of the list, e.g. ["U03", "U07"]: the quoted code matches one element
        qs = qs.filter(units__icontains=f'"{filters.unit}"')
    return qs.order_by("-id")


def alert_counts(*, filters: AlertFilters) -> dict[str, int]:
    """Per status (and ``all``), the alerts matching the filters other than the status."""
    base = alert_list(filters=AlertFilters(filters.campaign, filters.kind, filters.severity, "", filters.unit))
    counts = {s: 0 for s in AlertStatus.values}
    for status, n in base.order_by().values_list("status").annotate(n=Count("id")):
        counts[status] = n
    counts["all"] = sum(counts[s] for s in AlertStatus.values)
    counts["open"] = counts["new"] + counts["assigned"] + counts["investigating"]
    return counts


def filter_choices() -> dict[str, list[str]]:
    """Campaign codes and kinds that occur among the alerts (for the filter menus)."""
    return {
        "campaigns": list(Campaign.objects.filter(alert_cases__isnull=False).distinct()
                          .order_by("-period_start", "code").values_list("code", flat=True)),
        "kinds": sorted(set(Alert.objects.values_list("kind", flat=True).distinct())),
    }


def campaigns_with_results() -> list[Campaign]:
    """Campaigns that have a results snapshot (their alerts can be filed)."""
    return list(Campaign.objects.filter(snapshots__isnull=False).distinct().order_by("-period_start", "code"))


def alert_get(*, pk: int) -> Alert | None:
    return (Alert.objects.select_related("campaign", "assignee", "closed_by", "first_snapshot", "last_snapshot")
            .filter(pk=pk).first())


def alert_events(*, alert: Alert) -> QuerySet[AlertEvent]:
    return alert.events.select_related("assignee", "snapshot").order_by("at", "id")


def alert_exclusions(*, alert: Alert) -> QuerySet[SheetExclusion]:
    return alert.exclusions.select_related("rater", "unit", "created_by").order_by("id")


def latest_snapshot(*, campaign: Campaign) -> ResultSnapshot | None:
    return campaign.snapshots.order_by("-created_at", "-id").first()


def unit_names(*, campaign: Campaign) -> dict[str, str]:
    """Target code → name as the campaign ran with it."""
    names: dict[str, str] = {}
    for code, fields, unit_name in campaign.targets.values_list("code", "fields", "unit__name"):
        names[code] = (fields or {}).get("name") or unit_name or code
    return names


def rater_groups(*, campaign: Campaign, codes: list[str]) -> dict[str, str]:
    """Rater code → evaluator group name (never the rater's name: R10.2)."""
    return dict(campaign.raters.filter(code__in=codes).values_list("code", "group__name"))


def handlers() -> QuerySet[Any]:
    """People an alert may be assigned to: active users whose role handles alerts."""
    roles = sorted(CAPABILITIES["alerts.handle"])
    return get_user_model().objects.filter(is_active=True, role__in=roles).order_by("role", "username")
