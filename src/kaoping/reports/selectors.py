"""Reads for the results, unit, heat-map, rules and export pages; nothing here writes.

Who sees what (R1.3, R3.3, R8.2) is decided once, by :func:`results_access`:

* ``campaigns.view_all`` (office, supervisor, admin): everything, in any state;
* everybody else only once the campaign is published (or archived), and only the
  published view: score, grade, rank and the basis. Under interval publication only
  the red and black lists are named, and a unit contact also sees their own place;
* a unit contact opens the page of their own unit only.

Every number comes from a stored results snapshot (C2). Snapshots are immutable, so
what is derived from one (parsed units, campaign means, the heat map) is kept in a
small per-process cache keyed by the snapshot's id, input hash and time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import statistics
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, FloatField, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from kaoping.accounts.permissions import can_see_unit, has, role_of
from kaoping.campaigns.models import (
    Adjustment,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Measure,
    ResultSnapshot,
    Score,
    Veto,
)
from kaoping.campaigns.selectors import campaign_get
from kaoping.engine.bundle import DEFAULT_GRADES
from kaoping.indicators.models import IndicatorNode
from kaoping.org.models import Unit

from . import rules
from .models import Publication, PublicationMode

__all__ = [
    "ResultsHidden", "campaign_get", "results_access", "ranking", "unit_report", "heatmap",
    "heatmap_cell", "distributions", "result_use", "report_index", "mask_name",
]

VISIBLE_STATES = (CampaignStatus.PUBLISHED, CampaignStatus.ARCHIVED)


class ResultsHidden(PermissionDenied):
    """The viewer may not see these results (yet); ``message`` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def mask_name(name: str) -> str:
    """张志强 → 张*强, 李明 → 李*: a person's name where the screen does not need it."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name and "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --------------------------------------------------------------------------- cache


class _LRU:
    """A tiny thread-safe LRU of derived data, keyed by immutable snapshot identity."""

    def __init__(self, size: int):
        self.size, self.data, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: Any, build: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = build()
        with self.lock:
            self.data[key] = value
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.data.clear()


_CACHE = _LRU(48)


def cache_clear() -> None:
    _CACHE.clear()


SnapshotKey = tuple[int, str, str]


def _key_of(row: tuple[Any, ...] | None) -> SnapshotKey | None:
    if row is None:
        return None
    pk, digest, created = row
    return (pk, digest, created.isoformat())


def snapshot_key_latest(campaign: Campaign) -> SnapshotKey | None:
    """Identity of the newest snapshot, read without its (large) JSON."""
    return _key_of(campaign.snapshots.order_by("-created_at", "-id").values_list("id", "input_hash", "created_at")
                   .first())


def snapshot_key_of(pk: int) -> SnapshotKey | None:
    return _key_of(ResultSnapshot.objects.filter(pk=pk).values_list("id", "input_hash", "created_at").first())


@dataclass
class SnapshotData:
    """A snapshot's C2 document and what every page derives from it."""

    key: SnapshotKey
    results: dict[str, Any]
    units: list[dict[str, Any]]
    by_unit: dict[str, dict[str, Any]]
    #: node code → mean score over the units that have one
    node_means: dict[str, float]
    group_means: dict[str, float]
    mean_total: float | None

    @property
    def count(self) -> int:
        return len(self.units)

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.key[2])


def snapshot_data(key: SnapshotKey) -> SnapshotData:
    def build() -> SnapshotData:
        text = ResultSnapshot.objects.filter(pk=key[0]).values_list("results_json", flat=True).get()
        results = json.loads(text)
        units = results.get("units", [])
        sums: dict[str, list[float]] = {}
        groups: dict[str, list[float]] = {}
        for u in units:
            for code, value in u["nodes"].items():
                sums.setdefault(code, []).append(value)
            for code, value in u["groups"].items():
                groups.setdefault(code, []).append(value)
        totals = [u["total"] for u in units]
        return SnapshotData(
            key=key, results=results, units=units, by_unit={u["unit"]: u for u in units},
            node_means={c: sum(v) / len(v) for c, v in sums.items()},
            group_means={c: sum(v) / len(v) for c, v in groups.items()},
            mean_total=sum(totals) / len(totals) if totals else None,
        )

    return _CACHE.get(("snapshot", key), build)


@dataclass
class Meta:
    """What a campaign's pages need besides the numbers: names, groups, the tree, grades."""

    names: dict[str, str]
    types: dict[str, str]
    #: campaign unit code → organisation unit id, and back
    unit_ids: dict[str, int]
    codes: dict[int, str]
    groups: list[dict[str, Any]]
    #: the indicator tree in pre-order: code, name, parent, depth, source, full, scale
    nodes: list[dict[str, Any]]
    grades: list[tuple[str, float]]


def campaign_meta(campaign: Campaign, key: SnapshotKey | None) -> Meta:
    def build() -> Meta:
        names: dict[str, str] = {}
        types: dict[str, str] = {}
        unit_ids: dict[str, int] = {}
        for code, fields, unit_id, unit_name, unit_type in campaign.targets.order_by("id").values_list(
                "code", "fields", "unit_id", "unit__name", "unit__type"):
            fields = fields or {}
            names[code] = fields.get("name") or unit_name or code
            types[code] = fields.get("type") or unit_type or ""
            unit_ids[code] = unit_id
        groups = [{"id": gid, "code": code, "name": name, "weight": weight}
                  for gid, code, name, weight in campaign.groups.order_by("id").values_list("id", "code", "name", "weight")]
        rows = list(IndicatorNode.objects.filter(version_id=campaign.library_version_id).order_by("position")
                    .values_list("id", "code", "name", "parent_id", "source", "full", "scale", "weight"))
        code_of = {r[0]: r[1] for r in rows}
        depth: dict[str, int] = {}
        nodes = []
        for pk, code, name, parent_id, source, full, scale, weight in rows:
            parent = code_of.get(parent_id)
            depth[code] = 0 if parent is None else depth[parent] + 1
            nodes.append({"id": pk, "code": code, "name": name, "parent": parent, "depth": depth[code],
                          "source": source, "full": full, "scale": scale, "weight": weight})
        parents = {n["parent"] for n in nodes}
        for n in nodes:
            n["leaf"] = n["code"] not in parents
        raw = (campaign.scoring or {}).get("grades")
        grades = [(str(g["name"]), float(g["min"])) for g in raw] if raw else list(DEFAULT_GRADES)
        return Meta(names=names, types=types, unit_ids=unit_ids, codes={v: k for k, v in unit_ids.items()},
                    groups=groups, nodes=nodes, grades=grades)

    if key is None:
        return build()
    return _CACHE.get(("meta", campaign.pk, key), build)


# --------------------------------------------------------------------------- access


@dataclass
class Access:
    """What the viewer may see of one campaign's results."""

    full: bool
    publication: Publication | None
    #: the campaign unit code of a unit contact's own unit (None for other roles)
    own_unit: str | None
    snapshot: SnapshotKey | None
    can_export: bool = False
    can_manage: bool = False
    can_view_individual: bool = False

    @property
    def token(self) -> str:
        """A short cache key for what this viewer sees of this snapshot."""
        seen = (self.snapshot, self.full, self.own_unit, self.publication.pk if self.publication else None)
        return hashlib.sha1(repr(seen).encode(), usedforsecurity=False).hexdigest()[:24]

    @property
    def interval(self) -> bool:
        return (not self.full and self.publication is not None
                and self.publication.mode == PublicationMode.INTERVAL)

    def named(self) -> set[str] | None:
        """Unit codes the viewer may see by name; ``None`` means all of them."""
        if not self.interval:
            return None
        assert self.publication is not None
        named = set(self.publication.top_units) | set(self.publication.bottom_units)
        if self.own_unit:
            named.add(self.own_unit)
        return named


def _own_unit(user: Any, campaign: Campaign) -> str | None:
    if role_of(user) != "unit_contact" or not getattr(user, "unit_id", None):
        return None
    return CampaignUnit.objects.filter(campaign=campaign, unit_id=user.unit_id).values_list("code", flat=True).first()


def results_access(*, user: Any, campaign: Campaign) -> Access:
    """Decide what ``user`` sees of ``campaign``'s results, or raise :class:`ResultsHidden`."""
    publication = Publication.objects.filter(campaign=campaign).first()
    if has(user, "campaigns.view_all"):
        return Access(full=True, publication=publication, own_unit=None, snapshot=snapshot_key_latest(campaign),
                      can_export=has(user, "results.export"), can_manage=has(user, "campaigns.manage"),
                      can_view_individual=has(user, "scores.view_individual"))
    if not has(user, "campaigns.view") or campaign.status not in VISIBLE_STATES:
        raise ResultsHidden(_("本活动的结果尚未发布。结果发布后，各单位可查看本单位的得分、等次、排名和扣分依据。"))
    key = snapshot_key_of(publication.snapshot_id) if publication else snapshot_key_latest(campaign)
    if key is None:
        raise ResultsHidden(_("本活动尚无可公开的结果。"))
    return Access(full=False, publication=publication, own_unit=_own_unit(user, campaign), snapshot=key)


def unit_access(*, user: Any, campaign: Campaign, unit_code: str) -> Access:
    """:func:`results_access` narrowed to one unit's page: a unit contact's own unit only."""
    access = results_access(user=user, campaign=campaign)
    if access.full:
        return access
    target = CampaignUnit.objects.filter(campaign=campaign, code=unit_code).select_related("unit").first()
    if target is None or access.own_unit != unit_code or not can_see_unit(user, target.unit):
        raise ResultsHidden(_("只能查看本单位的考评结果。"))
    return access


# --------------------------------------------------------------------------- ranking


def _basis(campaign: Campaign, meta: Meta, key: SnapshotKey) -> tuple[dict[str, list[dict[str, Any]]],
                                                                     dict[str, list[str]]]:
    """Adjustments (points and reason) and veto reasons by campaign unit code.

    Read once per snapshot: they are part of the bundle the snapshot was computed
    from, and publication refuses a snapshot older than the data.
    """
    return _CACHE.get(("basis", campaign.pk, key), lambda: _basis_read(campaign, meta))


def _basis_read(campaign: Campaign, meta: Meta) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[str]]]:
    adjustments: dict[str, list[dict[str, Any]]] = {}
    for unit_id, points, reason in Adjustment.objects.filter(campaign=campaign).order_by("id").values_list(
            "unit_id", "points", "reason"):
        code = meta.codes.get(unit_id)
        if code is not None:
            adjustments.setdefault(code, []).append({"points": points, "reason": reason})
    vetoes: dict[str, list[str]] = {}
    for unit_id, reason in Veto.objects.filter(campaign=campaign).order_by("id").values_list("unit_id", "reason"):
        code = meta.codes.get(unit_id)
        if code is not None:
            vetoes.setdefault(code, []).append(reason)
    return adjustments, vetoes


def _row(u: dict[str, Any], meta: Meta, adjustments: dict[str, list[dict[str, Any]]],
         vetoes: dict[str, list[str]], count: int) -> dict[str, Any]:
    previous = u.get("previous") or None
    prev_score = previous.get("score") if previous else None
    change = u["total"] - prev_score if prev_score is not None else None
    return {
        "rank": u["rank"], "count": count, "unit": u["unit"], "name": meta.names.get(u["unit"], u["unit"]),
        "type": meta.types.get(u["unit"], ""),
        "total": u["total"], "base": u["base"], "bonus": u["bonus"], "deduction": u["deduction"],
        "grade": u["grade"], "vetoed": u["vetoed"],
        "group_scores": [u["groups"].get(g["code"]) for g in meta.groups],
        "previous": prev_score, "previous_rank": previous.get("rank") if previous else None,
        "previous_campaign": previous.get("campaign") if previous else None,
        "change": change, "change_abs": abs(change) if change is not None else None,
        "adjustments": adjustments.get(u["unit"], []),
        "vetoes": vetoes.get(u["unit"], []),
    }


def ranking(*, campaign: Campaign, access: Access) -> dict[str, Any]:
    """The ranking as the viewer may see it.

    Returns ``rows`` (every unit for full views; otherwise the named units and the
    viewer's own), ``top``/``bottom`` (interval publication: the red and black lists),
    ``own`` (a unit contact's row), ``alerts`` (full views only), ``groups``,
    ``grades`` and ``summary`` figures.
    """
    meta = campaign_meta(campaign, access.snapshot)
    base = {"meta": meta, "groups": meta.groups, "grades": meta.grades, "has_results": access.snapshot is not None}
    if access.snapshot is None:
        return {**base, "rows": [], "top": [], "bottom": [], "own": None, "alerts": [], "summary": None,
                "computed_at": None}
    data = snapshot_data(access.snapshot)
    adjustments, vetoes = _basis(campaign, meta, access.snapshot)
    rows = [_row(u, meta, adjustments, vetoes, data.count) for u in data.units]
    by_code = {r["unit"]: r for r in rows}
    named = access.named()
    top = bottom = []
    if access.publication is not None and access.publication.mode == PublicationMode.INTERVAL:
        top = [by_code[c] for c in access.publication.top_units if c in by_code]
        bottom = [by_code[c] for c in access.publication.bottom_units if c in by_code]
    own = by_code.get(access.own_unit) if access.own_unit else None
    visible = rows if named is None else [r for r in rows if r["unit"] in named]
    counts = {name: 0 for name, _m in meta.grades}
    for r in rows:
        if r["grade"] is not None:
            counts[r["grade"]] = counts.get(r["grade"], 0) + 1
    summary = {
        "count": data.count, "mean": data.mean_total,
        "excellent": counts.get(meta.grades[0][0], 0) if meta.grades else 0,
        "failed": counts.get(meta.grades[-1][0], 0) if meta.grades else 0,
        "grade_counts": counts,
        "alert_count": len(data.results.get("alerts", [])) if access.full else None,
        "lowest": min((r["total"] for r in rows), default=0.0),
    }
    alerts = data.results.get("alerts", []) if access.full else []
    return {**base, "rows": visible, "top": top, "bottom": bottom, "own": own, "alerts": alerts,
            "summary": summary, "computed_at": data.created_at}


# --------------------------------------------------------------------------- history


@dataclass
class HistoryPeriod:
    campaign: str
    name: str
    #: unit code → (score, rank)
    results: dict[str, tuple[float | None, int]] = field(default_factory=dict)

    def period(self) -> rules.Period:
        return rules.Period(self.campaign, self.results)

    @property
    def mean(self) -> float | None:
        scores = [s for s, _r in self.results.values() if s is not None]
        return sum(scores) / len(scores) if scores else None


def _ranks(entries: list[tuple[str, float | None, int | None]]) -> dict[str, tuple[float | None, int]]:
    """History records as (score, rank); a missing rank is taken from the scores (1, 2, 2, 4)."""
    if all(r is not None for _u, _s, r in entries):
        return {u: (s, int(r)) for u, s, r in entries}  # type: ignore[arg-type]
    ordered = sorted(entries, key=lambda e: -(e[1] if e[1] is not None else -1e9))
    out: dict[str, tuple[float | None, int]] = {}
    for i, (u, s, _r) in enumerate(ordered):
        prev = ordered[i - 1] if i else None
        if prev is not None and prev[1] is not None and s is not None and round(prev[1], 2) == round(s, 2):
            out[u] = (s, out[prev[0]][1])
        else:
            out[u] = (s, i + 1)
    return out


def history(campaign: Campaign, key: SnapshotKey | None, limit: int = 8) -> list[HistoryPeriod]:
    """Earlier periods, oldest first: earlier campaigns of the same kind in this database
    (their latest snapshot) that the bundle's ``history`` does not name, then the
    bundle's ``history`` in its order (its last entry is the previous period, C1 rule 10)."""
    def build() -> list[HistoryPeriod]:
        entries = list(campaign.history.order_by("position").values_list("previous_code", "results"))
        named = {code for code, _r in entries}
        periods: list[HistoryPeriod] = []
        if campaign.kind and campaign.period_start:
            earlier = (Campaign.objects.filter(kind=campaign.kind, period_end__lt=campaign.period_start,
                                               snapshots__isnull=False)
                       .exclude(pk=campaign.pk).exclude(code__in=named).distinct()
                       .order_by("-period_end").values_list("pk", "code", "name")[:limit])
            for pk, code, name in reversed(list(earlier)):
                key_ = snapshot_key_latest(Campaign(pk=pk))
                if key_ is None:
                    continue
                data = snapshot_data(key_)
                periods.append(HistoryPeriod(code, name, {u["unit"]: (u["total"], u["rank"]) for u in data.units}))
        names = dict(Campaign.objects.filter(code__in=named).values_list("code", "name"))
        for code, results in entries:
            recs = [(str(r.get("unit")), r.get("score"), r.get("rank")) for r in results or [] if r.get("unit")]
            periods.append(HistoryPeriod(code, names.get(code, code), _ranks(recs)))
        return periods[-limit:]

    return _CACHE.get(("history", campaign.pk, key), build) if key else build()


# --------------------------------------------------------------------------- unit page


def _radar(meta: Meta, unit: dict[str, Any], data: SnapshotData) -> dict[str, Any]:
    """The unit's scores against the campaign mean on the first tree level with three or
    more scored nodes (a radar needs three axes): top level, else the criterion level."""
    for depth in (0, 1, 2):
        nodes = [n for n in meta.nodes if n["depth"] == depth and n["code"] in unit["nodes"]]
        if len(nodes) >= 3:
            break
    return {
        "level": depth, "indicators": [{"name": n["name"], "max": 100} for n in nodes],
        "codes": [n["code"] for n in nodes],
        "unit": [round(unit["nodes"][n["code"]], 2) for n in nodes],
        "mean": [round(data.node_means.get(n["code"], 0.0), 2) for n in nodes],
    }


def unit_report(*, campaign: Campaign, access: Access, unit_code: str, weak_count: int = 5) -> dict[str, Any] | None:
    """Everything a unit's page and diagnosis report show, or ``None`` for an unknown unit.

    ``tree`` lists every node (pre-order) with the unit's score, the campaign mean and
    the difference; ``weak`` the ``weak_count`` leaves furthest below the mean;
    ``radar`` the shortfall radar; ``trend`` the unit's score and rank per period,
    oldest first, with the mean of each period.
    """
    if access.snapshot is None:
        return None
    meta = campaign_meta(campaign, access.snapshot)
    data = snapshot_data(access.snapshot)
    u = data.by_unit.get(unit_code)
    if u is None:
        return None
    adjustments, vetoes = _basis(campaign, meta, access.snapshot)
    row = _row(u, meta, adjustments, vetoes, data.count)
    tree = []
    for n in meta.nodes:
        score = u["nodes"].get(n["code"])
        mean = data.node_means.get(n["code"])
        if score is None and mean is None:
            continue
        tree.append({**n, "score": score, "mean": mean,
                     "diff": score - mean if score is not None and mean is not None else None})
    leaves = [t for t in tree if t["leaf"] and t["diff"] is not None]
    weak = sorted((t for t in leaves if t["diff"] < 0), key=lambda t: (t["diff"], t["code"]))[:weak_count]
    groups = [{**g, "score": u["groups"].get(g["code"]), "mean": data.group_means.get(g["code"])}
              for g in meta.groups]
    trend = []
    for p in history(campaign, access.snapshot):
        score, rank = p.results.get(unit_code, (None, None))
        trend.append({"campaign": p.campaign, "name": p.name, "score": score, "rank": rank,
                      "count": len(p.results), "mean": p.mean})
    trend.append({"campaign": campaign.code, "name": campaign.name, "score": u["total"], "rank": u["rank"],
                  "count": data.count, "mean": data.mean_total})
    alerts = [a for a in data.results.get("alerts", []) if unit_code in a.get("units", [])] if access.full else []
    return {
        "row": row, "name": row["name"], "unit": unit_code, "tree": tree, "weak": weak, "groups": groups,
        "radar": _radar(meta, u, data), "trend": trend, "alerts": alerts, "meta": meta,
        "mean_total": data.mean_total, "computed_at": data.created_at,
    }


# --------------------------------------------------------------------------- heat map


def _heat_rows(campaign: Campaign, meta: Meta) -> dict[tuple[Any, int], list[float]]:
    """(rater key, target unit id) → [sum of normalised values, count].

    The rater key is the rater's unit id, or ``("group", id)`` for raters who belong to
    no unit (a superior or a third party). Normalised as C1 rule 2: value / full × 100.
    """
    cells: dict[tuple[Any, int], list[float]] = {}
    base = Score.objects.filter(assignment__campaign=campaign)
    numbers = (base.filter(value_number__isnull=False)
               .values_list("assignment__rater__unit_id", "assignment__rater__group_id", "assignment__unit_id")
               .annotate(total=Sum(F("value_number") * 100.0 / Coalesce(F("indicator__full"), Value(100.0)),
                                   output_field=FloatField()), n=Count("id"))
               .order_by())
    for rater_unit, group, target, total, n in numbers:
        cell = cells.setdefault((rater_unit if rater_unit is not None else ("group", group), target), [0.0, 0])
        cell[0] += total
        cell[1] += n
    scales = {n["id"]: (n["scale"] or {}, n["full"] or 100.0) for n in meta.nodes if n["scale"]}
    if scales:
        labels = (base.filter(value_label__isnull=False)
                  .values_list("assignment__rater__unit_id", "assignment__rater__group_id", "assignment__unit_id",
                               "indicator_id", "value_label")
                  .annotate(n=Count("id")).order_by())
        for rater_unit, group, target, indicator, label, n in labels:
            scale, full = scales.get(indicator, ({}, 100.0))
            if label not in scale:
                continue
            cell = cells.setdefault((rater_unit if rater_unit is not None else ("group", group), target), [0.0, 0])
            cell[0] += float(scale[label]) / full * 100 * n
            cell[1] += n
    return cells


def heatmap(*, campaign: Campaign, access: Access, limit: int = 60) -> dict[str, Any]:
    """Who rates whom (协作热力图): mean normalised score per rater unit × target unit.

    Only for full views (never for the rated units). ``cells`` are ``[x, y, mean, n,
    deviation]`` with the deviation from the target's mean over all its raters; with
    more than ``limit`` units the busiest ``limit`` rater rows and target columns are
    shown. ``pairs`` lists the cells furthest above their target's mean (where
    favours and negotiated scoring would show).
    """
    if not access.full:
        raise ResultsHidden(_("协作热力图仅供考核办和监督方查看。"))
    key = access.snapshot

    def build() -> dict[str, Any]:
        meta = campaign_meta(campaign, key)
        cells = _heat_rows(campaign, meta)
        group_names = {g["id"]: g["name"] for g in meta.groups}
        target_sum: dict[int, list[float]] = {}
        row_count: dict[Any, int] = {}
        col_count: dict[int, int] = {}
        for (row, target), (total, n) in cells.items():
            t = target_sum.setdefault(target, [0.0, 0])
            t[0] += total
            t[1] += n
            row_count[row] = row_count.get(row, 0) + n
            col_count[target] = col_count.get(target, 0) + n
        target_mean = {t: s / n for t, (s, n) in target_sum.items() if n}

        outside = [r for r in row_count if not isinstance(r, tuple) and r not in meta.codes]
        other_units = dict(Unit.objects.filter(pk__in=outside).values_list("pk", "code")) if outside else {}
        other_names = dict(Unit.objects.filter(pk__in=outside).values_list("pk", "name")) if outside else {}

        def row_label(row: Any) -> str:
            if isinstance(row, tuple):
                return _("%(group)s（未列单位）") % {"group": group_names.get(row[1], "?")}
            return meta.names.get(meta.codes.get(row, ""), "") or other_names.get(row, "") or _("其他单位")

        def row_code(row: Any) -> str:
            return f"g:{row[1]}" if isinstance(row, tuple) else (meta.codes.get(row) or other_units.get(row, ""))

        rows = sorted(row_count, key=lambda r: (-row_count[r], row_label(r)))[:limit]
        cols = sorted(col_count, key=lambda c: (-col_count[c], meta.codes.get(c, "")))[:limit]
        # targets in ranking order reads best; rater rows: unit rows in the same order, groups last
        order = {meta.unit_ids.get(u["unit"]): i for i, u in enumerate(snapshot_data(key).units)} if key else {}
        cols.sort(key=lambda c: order.get(c, 10**6))
        rows.sort(key=lambda r: (isinstance(r, tuple), order.get(r, 10**6) if not isinstance(r, tuple) else r[1]))
        ri = {r: i for i, r in enumerate(rows)}
        ci = {c: i for i, c in enumerate(cols)}
        out_cells = []
        pairs = []
        for (row, target), (total, n) in cells.items():
            mean = total / n
            dev = mean - target_mean[target]
            if row in ri and target in ci:
                out_cells.append([ci[target], ri[row], round(mean, 1), n, round(dev, 1)])
            if not isinstance(row, tuple) and row != target and n >= 3:
                pairs.append({"from": row_label(row), "to": meta.names.get(meta.codes.get(target, ""), ""),
                              "from_code": row_code(row), "to_code": meta.codes.get(target, ""),
                              "mean": mean, "target_mean": target_mean[target], "deviation": dev, "count": n})
        pairs.sort(key=lambda p: -p["deviation"])
        values = [c[2] for c in out_cells]
        return {
            "x": [meta.names.get(meta.codes.get(c, ""), "") for c in cols],
            "x_codes": [meta.codes.get(c, "") for c in cols],
            "y": [row_label(r) for r in rows], "y_codes": [row_code(r) for r in rows],
            "cells": out_cells, "pairs": pairs[:15],
            "min": min(values, default=0.0), "max": max(values, default=100.0),
            "truncated": len(row_count) > limit or len(col_count) > limit,
            "row_total": len(row_count), "col_total": len(col_count), "limit": limit,
        }

    return _CACHE.get(("heatmap", campaign.pk, key, limit), build) if key else build()


def heatmap_cell(*, campaign: Campaign, access: Access, user: Any, row: str, target: str) -> dict[str, Any]:
    """The raters behind one heat-map cell, for those who may see individual scores.

    Raters appear by code with the name masked; each with their count and mean
    normalised score on the target.
    """
    if not (access.full and has(user, "scores.view_individual")):
        raise ResultsHidden(_("无权查看评价人个人评分。"))
    meta = campaign_meta(campaign, access.snapshot)
    target_id = meta.unit_ids.get(target)
    if target_id is None:
        raise Http404(_("单位 %(code)s 不是本活动的考评对象。") % {"code": target})
    qs = Score.objects.filter(assignment__campaign=campaign, assignment__unit_id=target_id)
    if row.startswith("g:") and row[2:].isdigit():
        qs = qs.filter(assignment__rater__unit__isnull=True, assignment__rater__group_id=int(row[2:]))
    elif row in meta.unit_ids or Unit.objects.filter(code=row).exists():
        qs = qs.filter(assignment__rater__unit__code=row)
    else:
        raise Http404(_("评价方 %(code)s 未知。") % {"code": row})
    scales = {n["id"]: (n["scale"] or {}, n["full"] or 100.0) for n in meta.nodes}
    raters: dict[str, dict[str, Any]] = {}
    for code, name, group, indicator, number, label in qs.values_list(
            "assignment__rater__code", "assignment__rater__name", "assignment__rater__group__name",
            "indicator_id", "value_number", "value_label").order_by("assignment__rater__code"):
        scale, full = scales.get(indicator, ({}, 100.0))
        value = number if label is None else scale.get(label)
        if value is None:
            continue
        r = raters.setdefault(code, {"code": code, "name": mask_name(name), "group": group, "sum": 0.0, "count": 0})
        r["sum"] += float(value) / full * 100
        r["count"] += 1
    out = [{**r, "mean": r["sum"] / r["count"]} for r in raters.values()]
    heat = heatmap(campaign=campaign, access=access)
    label = dict(zip(heat["y_codes"], heat["y"], strict=True)).get(row) or meta.names.get(row, row)
    return {"raters": out, "target": meta.names.get(target, target), "row": label}


def _box(values: list[float]) -> list[float] | None:
    if not values:
        return None
    if len(values) < 2:
        v = round(values[0], 2)
        return [v, v, v, v, v]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return [round(min(values), 2), round(q1, 2), round(q2, 2), round(q3, 2), round(max(values), 2)]


def distributions(*, campaign: Campaign, access: Access) -> dict[str, Any]:
    """Totals histogram (5-point bins) and, per evaluator group, a box plot of subtotals."""
    if not access.full or access.snapshot is None:
        return {"bins": [], "counts": [], "boxes": []}
    key = access.snapshot

    def build() -> dict[str, Any]:
        data = snapshot_data(key)
        meta = campaign_meta(campaign, key)
        totals = [u["total"] for u in data.units]
        low = int(min(totals, default=0) // 5 * 5)
        edges = list(range(low, 100, 5)) or [low]
        counts = [0] * len(edges)
        for t in totals:
            i = min(max(int((t - low) // 5), 0), len(edges) - 1)
            counts[i] += 1
        boxes = [{"name": _("总分"), "box": _box(totals)}]
        for g in meta.groups:
            values = [u["groups"][g["code"]] for u in data.units if g["code"] in u["groups"]]
            if values:
                boxes.append({"name": g["name"], "box": _box(values)})
        return {"bins": [f"{e}–{e + 5}" for e in edges], "counts": counts, "boxes": boxes}

    return _CACHE.get(("dist", campaign.pk, key), build)


# --------------------------------------------------------------------------- result-use rules


def _progress(campaign: Campaign, meta: Meta, indicator: str | None) -> tuple[dict[str, float], str]:
    """Projects' progress ratios on the progress indicator, and the indicator's name."""
    node = None
    for n in meta.nodes:
        if n["leaf"] and n["source"] == "measure" and (n["code"] == indicator if indicator else "进度" in n["name"]):
            node = n
            break
    if node is None:
        return {}, ""
    values = {meta.codes[uid]: v for uid, v in Measure.objects.filter(campaign=campaign, indicator_id=node["id"])
              .values_list("unit_id", "value") if uid in meta.codes}
    return values, node["name"]


def result_use(*, campaign: Campaign, access: Access) -> dict[str, Any]:
    """The result-use rules (R8.3) on the latest results: ``triggers`` grouped by rule,
    the ``settings`` used, or ``error`` when the campaign's settings are unusable."""
    if not access.full:
        raise ResultsHidden(_("结果运用建议仅供考核办和监督方查看。"))
    if access.snapshot is None:
        return {"triggers": [], "settings": rules.DEFAULTS, "error": None, "history": []}
    meta = campaign_meta(campaign, access.snapshot)
    data = snapshot_data(access.snapshot)
    overrides = (campaign.extra or {}).get("result_use")
    try:
        cfg = rules.settings_for(overrides)
    except rules.RuleConfigError as exc:
        return {"triggers": [], "settings": rules.DEFAULTS, "error": str(exc), "history": []}
    past = history(campaign, access.snapshot)
    current = rules.Period(campaign.code, {u["unit"]: (u["total"], u["rank"]) for u in data.units})
    progress, progress_name = _progress(campaign, meta, cfg["red_project"]["indicator"])
    triggers = rules.evaluate(current=current, history=[p.period() for p in past], unit_types=meta.types,
                              vetoed=[u["unit"] for u in data.units if u["vetoed"]], progress=progress,
                              progress_name=progress_name, settings=overrides)
    out = [{"rule": t.rule, "label": t.label, "action": t.action, "unit": t.unit,
            "name": meta.names.get(t.unit, t.unit), "detail": t.detail, "numbers": t.numbers} for t in triggers]
    return {"triggers": out, "settings": cfg, "error": None, "history": [p.campaign for p in past]}


# --------------------------------------------------------------------------- index


def report_index(*, user: Any) -> list[dict[str, Any]]:
    """Campaigns whose results the user may open, newest first, with their own unit's
    code for a unit contact."""
    full = has(user, "campaigns.view_all")
    qs = Campaign.objects.filter(snapshots__isnull=False).distinct().order_by("-period_start", "code")
    if not full:
        qs = qs.filter(status__in=VISIBLE_STATES)
    own: dict[int, str] = {}
    if role_of(user) == "unit_contact" and user.unit_id:
        own = dict(CampaignUnit.objects.filter(unit_id=user.unit_id).values_list("campaign_id", "code"))
        qs = qs.filter(pk__in=list(own))
    published = dict(Publication.objects.values_list("campaign_id", "mode"))
    return [{"campaign": c, "own_unit": own.get(c.pk), "publication": published.get(c.pk)} for c in qs]
