"""Writes of the reports app: publishing a campaign's results (R8.1-R8.2).

Keyword-only, atomic, validate first and write after; the publication and the move
to «已发布» are recorded in the ledger in the same transaction. Nothing is written
when a :class:`PublicationError` (or ``PermissionDenied``) is raised.
"""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction

from kaoping.accounts.permissions import require
from kaoping.campaigns.models import Campaign, CampaignStatus
from kaoping.campaigns.selectors import bundle_export, bundle_hash, snapshot_latest
from kaoping.campaigns.services import campaign_transition
from kaoping.engine.errors import KaopingError
from kaoping.ledger.services import actor_of, ledger_append, ledger_lock, rowset_from_db

from .models import Publication, PublicationMode
from .rules import named_count

DEFAULT_TOP_SHARE = 0.30
DEFAULT_BOTTOM_SHARE = 0.10


class PublicationError(KaopingError):
    """Results cannot be published (wrong state, stale results, bad shares ...)."""

    default_code = "publication_error"


def _share(value: Any, what: str, code: str) -> float:
    if type(value) not in (int, float) or not math.isfinite(value) or not 0 <= value <= 1:
        raise PublicationError(f"{what}应为 0 到 1 之间的比例（如 0.3 表示 30%），实际为 {value!r}",
                               code="bad_share", location=code)
    return float(value)


def named_units(units: list[dict[str, Any]], top_share: float, bottom_share: float) -> tuple[list[str], list[str]]:
    """Red list (top share, ties at the border in) and black list (bottom share, vetoed
    units rank last so they fall in it), in rank order, never overlapping."""
    n = len(units)
    k_top, k_bottom = named_count(n, top_share), named_count(n, bottom_share)
    ordered = sorted(units, key=lambda u: u["rank"])
    top = [u["unit"] for u in ordered if k_top and u["rank"] <= k_top]
    ties: dict[int, int] = {}
    for u in ordered:
        ties[u["rank"]] = ties.get(u["rank"], 0) + 1
    bottom = [u["unit"] for u in ordered
              if k_bottom and u["rank"] + ties[u["rank"]] - 1 > n - k_bottom and u["unit"] not in top]
    return top, bottom


@transaction.atomic
def results_publish(*, campaign: Campaign, mode: str, by: Any, top_share: float = DEFAULT_TOP_SHARE,
                    bottom_share: float = DEFAULT_BOTTOM_SHARE, note: str = "", source: str = "web") -> Publication:
    """Publish the campaign's results: record how, and move it to «已发布».

    ``mode`` is ``full`` (every unit named) or ``interval`` (only the top ``top_share``
    and the bottom ``bottom_share`` named — the red and black lists; everybody else sees
    their own place). The campaign must be closed, and its latest results snapshot must
    have been computed from its current data (otherwise recompute first).
    """
    require(by, "campaigns.manage")
    code = campaign.code
    if mode not in PublicationMode.values:
        raise PublicationError(f"公开方式 {mode!r} 未知（可用：full 全面公开、interval 区间公开）",
                               code="bad_mode", location=code)
    top = _share(top_share, "红榜比例", code)
    bottom = _share(bottom_share, "黑榜比例", code)
    if top + bottom > 1 + 1e-9:
        raise PublicationError(f"红榜比例 {top:.0%} 与黑榜比例 {bottom:.0%} 之和超过 100%", code="bad_share",
                               location=code)
    if len(note) > 2000:
        raise PublicationError("发布说明不能超过 2000 字", code="too_long", location=code)

    ledger_lock()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.CLOSED:
        label = campaign.get_status_display()
        raise PublicationError(f"活动 {code} 当前为「{label}」，只有已截止的活动才能发布结果",
                               code="campaign_state", location=code)
    if Publication.objects.filter(campaign=campaign).exists():
        raise PublicationError(f"活动 {code} 的结果已经发布", code="already_published", location=code)
    snapshot = snapshot_latest(campaign=campaign)
    if snapshot is None:
        raise PublicationError(f"活动 {code} 尚未计算结果，请先计算", code="no_results", location=code)
    if snapshot.input_hash != bundle_hash(bundle_export(campaign=campaign)):
        raise PublicationError(f"活动 {code} 的数据在上次计算后有变动，请先重新计算结果再发布",
                               code="stale_results", location=code)

    units = snapshot.results.get("units", [])
    top_units, bottom_units = named_units(units, top, bottom) if mode == PublicationMode.INTERVAL else ([], [])
    publication = Publication.objects.create(
        campaign=campaign, snapshot=snapshot, mode=mode, top_share=top, bottom_share=bottom,
        top_units=top_units, bottom_units=bottom_units, note=note,
        published_by=by if getattr(by, "pk", None) is not None else None,
    )
    ledger_append(action="results.publish", actor=actor_of(by, source), object_type="campaign", object_id=code,
                  rows=[rowset_from_db("publication", [publication.pk])],
                  data={"publication": publication.pk, "snapshot": snapshot.pk, "input_hash": snapshot.input_hash,
                        "mode": mode, "top_share": top, "bottom_share": bottom,
                        "top_units": top_units, "bottom_units": bottom_units, "note": note})
    campaign_transition(campaign=campaign, to=CampaignStatus.PUBLISHED, by=by, source=source)
    return publication
