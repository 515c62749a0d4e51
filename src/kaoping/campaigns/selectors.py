"""Reads of the campaigns app.

``bundle_export`` gives the campaign as a C1 bundle. The contract: importing an
exported bundle into an empty database and exporting it again gives the same bundle,
and ``kaoping score`` on it gives the campaign's results.

Conventions of an export (the first export of an imported bundle may differ from the
file imported in these ways only; the results never do):

* defaults the engine applies are written out (an indicator's ``weight`` 1, a rated
  leaf's ``full`` 100 and ``source``, a missing name is the code);
* numbers are written as integers when they are whole (``40`` not ``40.0``);
* records keep their order; fields a bundle adds beyond C1 are kept, except on scores
  and measures; repeated conflict declarations appear once; dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import Count, QuerySet

from kaoping.engine.bundle import FORMAT
from kaoping.indicators.models import IndicatorNode
from kaoping.indicators.selectors import plain_number, tree_records
from kaoping.ledger.tables import canonical_json

from .models import Campaign, ResultSnapshot, Score


def campaign_get(*, code: str) -> Campaign | None:
    return Campaign.objects.filter(code=code).select_related("library_version__library").first()


def _with_extra(record: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    for key, value in (extra or {}).items():
        record.setdefault(key, value)
    return record


def bundle_export(*, campaign: Campaign) -> dict[str, Any]:
    """The campaign as a ``kaoping-bundle/1`` document (see the module notes)."""
    c = campaign
    record: dict[str, Any] = {"code": c.code, "name": c.name}
    if c.kind:
        record["kind"] = c.kind
    for key in ("period_start", "period_end", "deadline"):
        value = getattr(c, key)
        if value is not None:
            record[key] = value.isoformat()
    bundle: dict[str, Any] = {"format": FORMAT, "campaign": _with_extra(record, c.extra)}
    if c.scoring is not None:
        bundle["scoring"] = c.scoring

    targets = list(c.targets.order_by("id").values_list("unit_id", "code", "fields"))
    unit_code = {unit_id: code for unit_id, code, _ in targets}
    groups = list(c.groups.order_by("id").values_list("id", "code", "name", "weight", "extra"))
    group_code = {gid: code for gid, code, *_ in groups}
    nodes = list(IndicatorNode.objects.filter(version_id=c.library_version_id).order_by("position"))
    node_code = {n.pk: n.code for n in nodes}
    raters = list(c.raters.order_by("id").values_list("id", "code", "group_id", "unit_id", "name", "remit", "extra"))
    rater_code = {rid: code for rid, code, *_ in raters}

    bundle["groups"] = [
        _with_extra({"code": code, "name": name, "weight": plain_number(weight)}, extra)
        for _, code, name, weight, extra in groups
    ]
    bundle["units"] = [{"code": code, **{k: v for k, v in fields.items() if k != "code"}}
                       for _, code, fields in targets]
    bundle["indicators"] = tree_records(nodes)
    bundle["weight_overrides"] = [
        _with_extra({"match": match, "weights": weights}, extra)
        for match, weights, extra in c.weight_overrides.order_by("position").values_list("match", "weights", "extra")
    ]
    out_raters = []
    for _, code, group_id, unit_id, name, remit, extra in raters:
        r: dict[str, Any] = {"code": code, "group": group_code[group_id]}
        if unit_id is not None:
            r["unit"] = unit_code[unit_id]
        if name:
            r["name"] = name
        if remit is not None:
            r["remit"] = remit
        out_raters.append(_with_extra(r, extra))
    bundle["raters"] = out_raters
    bundle["conflicts"] = [
        {"rater": rater_code[rid], "unit": unit_code[uid]}
        for rid, uid in c.conflicts.order_by("id").values_list("rater_id", "unit_id")
    ]
    pairs = {aid: (rater_code[rid], unit_code[uid])
             for aid, rid, uid in c.assignments.values_list("id", "rater_id", "unit_id")}
    scores = []
    for aid, nid, number, label in (
        Score.objects.filter(assignment__campaign=c).order_by("id")
        .values_list("assignment_id", "indicator_id", "value_number", "value_label").iterator(chunk_size=20000)
    ):
        rc, uc = pairs[aid]
        scores.append({"rater": rc, "unit": uc, "indicator": node_code[nid],
                       "value": label if label is not None else plain_number(number)})
    bundle["scores"] = scores
    bundle["measures"] = [
        {"unit": unit_code[uid], "indicator": node_code[nid], "value": plain_number(value)}
        for uid, nid, value in c.measures.order_by("id").values_list("unit_id", "indicator_id", "value")
    ]
    bundle["adjustments"] = [
        _with_extra({"unit": unit_code[uid], "points": plain_number(points), "reason": reason}, extra)
        for uid, points, reason, extra in c.adjustments.order_by("id").values_list("unit_id", "points", "reason", "extra")
    ]
    bundle["vetoes"] = [
        _with_extra({"unit": unit_code[uid], "reason": reason}, extra)
        for uid, reason, extra in c.vetoes.order_by("id").values_list("unit_id", "reason", "extra")
    ]
    bundle["history"] = [
        _with_extra({"campaign": code, "results": results}, extra)
        for code, results, extra in c.history.order_by("position").values_list("previous_code", "results", "extra")
    ]
    # sheets left out by a recorded decision (alerts app, R5.7); written only when there
    # are any, so that bundles without them keep their hash
    exclusions = []
    for rid, uid, reason, decision, extra in c.exclusions.order_by("id").values_list(
            "rater_id", "unit_id", "reason", "decision", "extra"):
        x: dict[str, Any] = {"rater": rater_code[rid]}
        if uid is not None:
            x["unit"] = unit_code[uid]
        x["reason"] = reason
        if decision:
            x["decision"] = decision
        exclusions.append(_with_extra(x, extra))
    if exclusions:
        bundle["exclusions"] = exclusions
    return bundle


def bundle_hash(bundle: dict[str, Any]) -> str:
    """SHA-256 of the bundle's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(canonical_json(bundle).encode()).hexdigest()


def snapshot_latest(*, campaign: Campaign) -> ResultSnapshot | None:
    return campaign.snapshots.order_by("-created_at", "-id").first()


def campaign_list() -> QuerySet[Campaign]:
    """Every campaign, newest period first, with ``unit_count`` and ``snapshot_count``."""
    return (
        Campaign.objects.annotate(
            unit_count=Count("targets", distinct=True),
            snapshot_count=Count("snapshots", distinct=True),
        ).order_by("-period_start", "code")
    )
