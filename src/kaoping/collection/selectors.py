"""Reads of the collection app: what a sheet holds, whose sheets are open, progress.

A sheet is one assignment (rater × target unit): the rated leaves that apply to the
unit's type (C1 rule 1, ``applies_to`` on any ancestor) and that the rater's group
rates (``rated_by`` absent: every group).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from kaoping.campaigns import setup
from kaoping.campaigns.models import (
    Assignment,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Conflict,
    EvaluatorGroup,
    Measure,
    Rater,
    Score,
)
from kaoping.indicators.models import IndicatorNode

from .models import AnonymousToken, Channel, CheckStatus, MeasureCheck, SheetSubmission, TokenBatch

DEFAULT_FULL = 100.0


@dataclass(frozen=True)
class SheetLeaf:
    """A rated leaf as a sheet shows it."""

    pk: int
    code: str
    name: str
    path: tuple[str, ...]  # names of the ancestors, top first
    full: float
    scale: dict[str, Any] | None
    description: str

    @property
    def section(self) -> str:
        return " › ".join(self.path)


def today() -> dt.date:
    """Today in Asia/Shanghai (the campaign's deadline is a local date)."""
    return timezone.localdate()


def deadline_passed(campaign: Campaign) -> bool:
    return campaign.deadline is not None and today() > campaign.deadline


def working_days_left(campaign: Campaign) -> int | None:
    """Working days from today to the deadline, inclusive (official calendar; an estimate in
    a year not yet published, which pages mark with ``workday_estimate``); None if none."""
    if campaign.deadline is None or deadline_passed(campaign):
        return None
    # counted from yesterday: today and the deadline both count
    return setup.working_days_left(campaign.deadline, today() - dt.timedelta(days=1))


def version_nodes(version_id: int) -> list[IndicatorNode]:
    return list(IndicatorNode.objects.filter(version_id=version_id).order_by("position"))


def sheet_leaves(*, nodes: list[IndicatorNode], group_code: str | None, unit_type: str | None) -> list[SheetLeaf]:
    """The rated leaves of ``nodes`` (one version's tree) a group rates for a unit type."""
    children: dict[int | None, list[IndicatorNode]] = defaultdict(list)
    for n in nodes:
        children[n.parent_id].append(n)
    out: list[SheetLeaf] = []

    def walk(node: IndicatorNode, path: tuple[str, ...]) -> None:
        if node.applies_to is not None and unit_type not in node.applies_to:
            return
        kids = children.get(node.pk)
        if kids:
            for kid in kids:
                walk(kid, (*path, node.name))
            return
        if (node.source or "rating") != "rating":
            return
        if node.rated_by is not None and group_code not in node.rated_by:
            return
        out.append(SheetLeaf(pk=node.pk, code=node.code, name=node.name, path=path,
                             full=float(node.full or DEFAULT_FULL), scale=node.scale or None,
                             description=node.description))

    for root in children.get(None, []):
        walk(root, ())
    return out


def measured_leaves(*, nodes: list[IndicatorNode], unit_type: str | None) -> list[IndicatorNode]:
    """The measured leaves that apply to a unit type."""
    children: dict[int | None, list[IndicatorNode]] = defaultdict(list)
    for n in nodes:
        children[n.parent_id].append(n)
    out: list[IndicatorNode] = []

    def walk(node: IndicatorNode) -> None:
        if node.applies_to is not None and unit_type not in node.applies_to:
            return
        kids = children.get(node.pk)
        if kids:
            for kid in kids:
                walk(kid)
        elif node.source == "measure":
            out.append(node)

    for root in children.get(None, []):
        walk(root)
    return out


def target_types(campaign: Campaign) -> dict[int, str | None]:
    """Unit id → the unit's type as the campaign ran with it."""
    return {uid: (fields or {}).get("type") for uid, fields in
            CampaignUnit.objects.filter(campaign=campaign).values_list("unit_id", "fields")}


def avoids(rater: Rater, unit_id: int) -> bool:
    """True when the rater must not score the unit (own unit or a declared conflict, 回避)."""
    if rater.unit_id is not None and rater.unit_id == unit_id:
        return True
    return Conflict.objects.filter(rater=rater, unit_id=unit_id).exists()


def is_target(campaign: Campaign, unit_id: int) -> bool:
    return CampaignUnit.objects.filter(campaign=campaign, unit_id=unit_id).exists()


# --------------------------------------------------------------------------- evaluator


@dataclass
class SheetRow:
    assignment: Assignment
    unit_code: str
    unit_name: str
    leaves: int
    drafted: int
    submitted: bool
    avoided: bool

    @property
    def state(self) -> str:
        if self.avoided:
            return "avoided"
        if self.submitted:
            return "submitted"
        return "draft" if self.drafted else "todo"


@dataclass
class CampaignSheets:
    campaign: Campaign
    group_name: str
    rows: list[SheetRow] = field(default_factory=list)
    days_left: int | None = None

    @property
    def done(self) -> int:
        return sum(1 for r in self.rows if r.submitted)

    @property
    def due(self) -> int:
        return sum(1 for r in self.rows if not r.avoided)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.due) if self.due else 100


def my_sheets(*, user: Any) -> list[CampaignSheets]:
    """The logged-in evaluator's own sheets in open campaigns, and nobody else's (背靠背)."""
    raters = (Rater.objects.filter(user=user, campaign__status=CampaignStatus.OPEN)
              .select_related("campaign", "group").order_by("campaign__deadline", "campaign__code", "id"))
    out = []
    for rater in raters:
        campaign = rater.campaign
        nodes = version_nodes(campaign.library_version_id)
        types = target_types(campaign)
        conflicts = set(Conflict.objects.filter(rater=rater).values_list("unit_id", flat=True))
        sheets = CampaignSheets(campaign=campaign, group_name=rater.group.name,
                                days_left=working_days_left(campaign))
        assignments = (Assignment.objects.filter(rater=rater).select_related("unit", "submission", "draft")
                       .order_by("unit__code"))
        for a in assignments:
            leaves = sheet_leaves(nodes=nodes, group_code=rater.group.code, unit_type=types.get(a.unit_id))
            codes = {leaf.code for leaf in leaves}
            draft = getattr(a, "draft", None)
            drafted = sum(1 for k, v in (draft.values if draft else {}).items() if k in codes and v not in (None, ""))
            sheets.rows.append(SheetRow(
                assignment=a, unit_code=a.unit.code, unit_name=a.unit.name, leaves=len(leaves), drafted=drafted,
                submitted=hasattr(a, "submission"),
                avoided=a.unit_id == rater.unit_id or a.unit_id in conflicts,
            ))
        out.append(sheets)
    return out


def my_assignment(*, user: Any, campaign_code: str, unit_code: str) -> Assignment | None:
    """The user's own assignment on a unit of a campaign (any status), else None."""
    return (Assignment.objects.filter(campaign__code=campaign_code, unit__code=unit_code, rater__user=user)
            .select_related("campaign", "rater__group", "unit").first())


def sheet_for(assignment: Assignment) -> list[SheetLeaf]:
    campaign = assignment.campaign
    unit_type = target_types(campaign).get(assignment.unit_id)
    return sheet_leaves(nodes=version_nodes(campaign.library_version_id),
                        group_code=assignment.rater.group.code, unit_type=unit_type)


def submitted_values(assignment: Assignment) -> dict[str, Any]:
    """The rater's own submitted values on this assignment, by indicator code."""
    return {code: (label if label is not None else number) for code, number, label in
            Score.objects.filter(assignment=assignment)
            .values_list("indicator__code", "value_number", "value_label")}


# --------------------------------------------------------------------------- anonymous sheets


def anonymous_sections(*, campaign: Campaign, group: EvaluatorGroup) -> list[tuple[CampaignUnit, list[SheetLeaf]]]:
    """Every target unit with the leaves the group rates on it (units with none left out)."""
    nodes = version_nodes(campaign.library_version_id)
    out = []
    for target in CampaignUnit.objects.filter(campaign=campaign).select_related("unit").order_by("id"):
        leaves = sheet_leaves(nodes=nodes, group_code=group.code, unit_type=(target.fields or {}).get("type"))
        if leaves:
            out.append((target, leaves))
    return out


def token_lookup(token_hash: str) -> AnonymousToken | None:
    return (AnonymousToken.objects.filter(token_hash=token_hash)
            .select_related("batch__campaign", "batch__group").first())


# --------------------------------------------------------------------------- office: progress


@dataclass
class Tally:
    key: str
    name: str
    total: int = 0
    done: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def left(self) -> int:
        return self.total - self.done


def _named_assignments(campaign: Campaign) -> QuerySet[Assignment]:
    """Assignments of named raters that ought to be filled (avoided pairs left out)."""
    return (Assignment.objects.filter(campaign=campaign)
            .exclude(submission__channel=Channel.ANONYMOUS)
            .exclude(unit_id=F("rater__unit_id"))
            .exclude(rater__conflicts__unit_id=F("unit_id")))


def progress(*, campaign: Campaign) -> dict[str, Any]:
    """Completion of the campaign's named sheets per group and per unit, and its links."""
    rows = list(_named_assignments(campaign).annotate(n_sub=Count("submission"))
                .values_list("id", "rater__group__code", "rater__group__name", "unit__code", "unit__name", "n_sub"))
    groups: dict[str, Tally] = {}
    units: dict[str, Tally] = {}
    for g in campaign.groups.order_by("id"):
        groups[g.code] = Tally(g.code, g.name)
    for t in campaign.targets.select_related("unit").order_by("id"):
        units[t.unit.code] = Tally(t.unit.code, t.unit.name)
    total = Tally("", "")
    for _, gcode, gname, ucode, uname, n_sub in rows:
        for tally in (groups.setdefault(gcode, Tally(gcode, gname)), units.setdefault(ucode, Tally(ucode, uname)),
                      total):
            tally.total += 1
            tally.done += 1 if n_sub else 0
    batches = (TokenBatch.objects.filter(campaign=campaign).select_related("group")
               .annotate(used=Count("tokens", filter=Q(tokens__used_on__isnull=False))))
    links: dict[str, Tally] = {}
    for b in batches:
        tally = links.setdefault(b.group.code, Tally(b.group.code, b.group.name))
        tally.total += b.count
        tally.done += b.used
    anonymous_sheets = (SheetSubmission.objects.filter(assignment__campaign=campaign, channel=Channel.ANONYMOUS)
                        .values("assignment__rater").distinct().count())
    return {"total": total, "groups": [t for t in groups.values() if t.total],
            "units": list(units.values()), "links": list(links.values()), "batches": list(batches),
            "anonymous_sheets": anonymous_sheets}


@dataclass
class Reminder:
    campaign: Campaign
    rater: Rater
    user: Any
    pending: list[str]  # unit names still to score
    total: int
    days_left: int | None


def reminders_due(*, campaign: Campaign | None = None) -> list[Reminder]:
    """Named evaluators (with a login) of open campaigns who still have sheets to submit."""
    campaigns = Campaign.objects.filter(status=CampaignStatus.OPEN)
    if campaign is not None:
        campaigns = campaigns.filter(pk=campaign.pk)
    out = []
    for c in campaigns.order_by("code"):
        pending: dict[int, list[str]] = defaultdict(list)
        totals: dict[int, int] = defaultdict(int)
        for rater_id, unit_name, submitted in (_named_assignments(c).filter(rater__user__isnull=False)
                                               .annotate(n_sub=Count("submission"))
                                               .values_list("rater_id", "unit__name", "n_sub")
                                               .order_by("rater_id", "unit__code")):
            totals[rater_id] += 1
            if not submitted:
                pending[rater_id].append(unit_name)
        days_left = working_days_left(c)
        for rater in Rater.objects.filter(pk__in=pending).select_related("user", "group").order_by("code"):
            out.append(Reminder(campaign=c, rater=rater, user=rater.user, pending=pending[rater.pk],
                                total=totals[rater.pk], days_left=days_left))
    return out


# --------------------------------------------------------------------------- office: measures


@dataclass
class MeasureRow:
    measure: Measure
    unit_code: str
    unit_name: str
    indicator_code: str
    indicator_name: str
    evidence: list[Any]
    checks: list[MeasureCheck]

    @property
    def state(self) -> str:
        return self.checks[-1].status if self.checks else "unchecked"

    @property
    def state_label(self) -> str:
        return self.checks[-1].get_status_display() if self.checks else "未核查"


def measures_for_check(*, campaign: Campaign) -> list[MeasureRow]:
    """Every measured value of the campaign with its evidence (no file bodies) and checks."""
    from .models import Evidence

    evidence_qs = Evidence.objects.defer("content").order_by("id")
    measures = (Measure.objects.filter(campaign=campaign).select_related("unit", "indicator")
                .prefetch_related(Prefetch("evidence", queryset=evidence_qs),
                                  Prefetch("checks", queryset=MeasureCheck.objects.select_related("checked_by")))
                .order_by("unit__code", "indicator__position"))
    return [MeasureRow(measure=m, unit_code=m.unit.code, unit_name=m.unit.name, indicator_code=m.indicator.code,
                       indicator_name=m.indicator.name, evidence=list(m.evidence.all()), checks=list(m.checks.all()))
            for m in measures]


def check_counts(rows: list[MeasureRow]) -> dict[str, int]:
    counts = {"unchecked": 0, **{s: 0 for s in CheckStatus.values}}
    for r in rows:
        counts[r.state] += 1
    return counts
