"""Reads for the results and report pages; every function only reads."""

from __future__ import annotations

from typing import Any

from kaoping.campaigns.models import Campaign
from kaoping.campaigns.selectors import campaign_get, snapshot_latest
from kaoping.engine.bundle import DEFAULT_GRADES

__all__ = ["campaign_get", "results_page"]


def results_page(*, campaign: Campaign) -> dict[str, Any]:
    """What the results page shows besides the campaign itself.

    Returns ``results`` (the latest snapshot's C2 document, or ``None``),
    ``computed_at``, ``unit_names`` (code → name as the campaign ran with it), ``groups``
    (code, name, weight in bundle order), ``vetoes`` (unit code → reason),
    ``grade_names`` and ``grade_thresholds`` (from the campaign's scoring, C1 defaults
    when absent).
    """
    snapshot = snapshot_latest(campaign=campaign)
    names: dict[str, str] = {}
    for code, fields, unit_name in campaign.targets.order_by("id").values_list("code", "fields", "unit__name"):
        names[code] = (fields or {}).get("name") or unit_name or code
    groups = [
        {"code": code, "name": name, "weight": weight}
        for code, name, weight in campaign.groups.order_by("id").values_list("code", "name", "weight")
    ]
    vetoes: dict[str, str] = {}
    for code, reason in campaign.vetoes.order_by("id").values_list("unit__code", "reason"):
        vetoes[code] = f"{vetoes[code]}；{reason}" if code in vetoes else reason
    # the target's campaign code is what results name; map org codes through targets
    target_code = dict(campaign.targets.values_list("unit__code", "code"))
    vetoes = {target_code.get(c, c): r for c, r in vetoes.items()}
    raw_grades = (campaign.scoring or {}).get("grades")
    if raw_grades:
        grades = [(str(g["name"]), float(g["min"])) for g in raw_grades]
    else:
        grades = list(DEFAULT_GRADES)
    return {
        "results": snapshot.results if snapshot is not None else None,
        "computed_at": snapshot.created_at if snapshot is not None else None,
        "unit_names": names,
        "groups": groups,
        "vetoes": vetoes,
        "grade_names": [name for name, _ in grades],
        "grade_thresholds": [{"name": name, "min": minimum} for name, minimum in grades],
    }
