"""Pages of the campaigns app: the campaign list (set-up and lifecycle pages come next)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kaoping.accounts.permissions import requires

from . import selectors


@requires("campaigns.view")
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = [
        {
            "code": c.code, "name": c.name, "kind_label": c.get_kind_display() or "—",
            "period_start": c.period_start, "period_end": c.period_end,
            "status": c.status, "status_label": c.get_status_display(),
            "unit_count": c.unit_count, "has_results": c.snapshot_count > 0,
        }
        for c in selectors.campaign_list()
    ]
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaigns, "nav": "campaigns"})
