"""Setting a campaign up (R3.1-R3.3): create it from a library version, choose targets,
evaluator groups, raters and conflicts, decide who rates whom (avoidance and a seeded
random draw), and move it along its lifecycle with the preconditions checked first.

Writes follow the house rules: keyword-only, atomic, validate first and write after,
every change recorded in the ledger in the same transaction, refusals raised as
:class:`~kaoping.campaigns.services.CampaignError` naming the record — nothing written.
The draw itself (:func:`draw_pairs`) is a pure function of its inputs and the seed, so
an auditor re-running it with the recorded seed gets the very same pairs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from kaoping.engine.bundle import FORMAT, parse_bundle
from kaoping.engine.errors import BundleError
from kaoping.engine.tree import PolicyShare, policy_check
from kaoping.engine.workdays import working_days_between
from kaoping.indicators.labels import group_label
from kaoping.indicators.models import LibraryVersion
from kaoping.indicators.selectors import plain_number, version_indicators
from kaoping.indicators.services import library_version_freeze
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.services import (
    actor_of,
    ledger_append,
    ledger_lock,
    rowset_deleted,
    rowset_from_db,
)
from kaoping.org.models import Unit

from .models import (
    Assignment,
    Campaign,
    CampaignKind,
    CampaignStatus,
    CampaignUnit,
    Conflict,
    EvaluatorGroup,
    Rater,
    Score,
    WeightOverride,
)
from .services import CampaignError, campaign_transition, results_compute

#: R3.1 defaults: superior 40, peer 30, recipient 20, third party 10; self-evaluation at 0
DEFAULT_GROUPS: tuple[tuple[str, str, float], ...] = tuple(
    (code, group_label(code), weight) for code, weight in (("superior", 40), ("peer", 30), ("recipient", 20),
                                                          ("third_party", 10)))
SELF_GROUP = ("self", group_label("self"), 0.0)
PERIOD_TYPES = {"month": "月度", "quarter": "季度", "year": "年度"}
CODE_MAX = 64
DRAW_ACTION = "assignment.draw"


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) is not None else None


def _fail(message: str, code: str, location: str) -> CampaignError:
    return CampaignError(message, code=code, location=location)


def today() -> dt.date:
    return timezone.localdate()


def _locked(campaign: Campaign, doing: str, allowed: Sequence[str] = (CampaignStatus.DRAFT,)) -> Campaign:
    """The campaign, locked; refused unless its status is one of ``allowed``."""
    ledger_lock()
    campaign = Campaign.objects.select_for_update().select_related("library_version").get(pk=campaign.pk)
    if campaign.status not in allowed:
        label = dict(CampaignStatus.choices)[campaign.status]
        raise _fail(f"活动 {campaign.code} 当前为「{label}」，不能{doing}（只有草稿阶段可以修改设置）",
                    "campaign_state", campaign.code)
    return campaign


def _record(campaign: Campaign, action: str, by: Any, source: str, rows: list[dict[str, Any]],
            data: Mapping[str, Any] | None = None) -> None:
    ledger_append(action=action, actor=actor_of(by, source), object_type="campaign", object_id=campaign.code,
                  rows=rows, data=data)


def _code(value: str, what: str, location: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > CODE_MAX or any(c.isspace() for c in value):
        raise _fail(f"{what}应为 1 到 {CODE_MAX} 个字符且不含空格", "bad_value", location)
    return value


def _number(value: Any, what: str, location: str, *, minimum: float | None = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(f"{what}应为数值，实际为 {value!r}", "not_a_number", location)
    if minimum is not None and value < minimum:
        raise _fail(f"{what}不能小于 {minimum:g}，实际为 {value:g}", "out_of_range", location)
    return float(value)


# --------------------------------------------------------------------------- scoring settings


def scoring_settings(*, grades: Sequence[tuple[str, float]] | None = None, trim_min_count: int = 5,
                     trim_drop_high: int = 1, trim_drop_low: int = 1, bonus_cap: float | None = None,
                     fluctuation_threshold: float = 0.20, low_score_threshold: float = 80.0,
                     policy: Mapping[str, float | None] | None = None) -> dict[str, Any]:
    """The C1 ``scoring`` section from form values (policy limits as fractions 0..1)."""
    scoring: dict[str, Any] = {
        "trim": {"min_count": trim_min_count, "drop_high": trim_drop_high, "drop_low": trim_drop_low},
        "grades": [{"name": n, "min": plain_number(float(m))} for n, m in (grades or (
            ("优秀", 90), ("良好", 80), ("合格", 70), ("不合格", 0)))],
        "fluctuation_threshold": fluctuation_threshold,
        "low_score_threshold": low_score_threshold,
    }
    if bonus_cap is not None:
        scoring["bonus_cap"] = bonus_cap
    limits = {k: v for k, v in (policy or {}).items() if v is not None}
    if limits:
        scoring["policy"] = limits
    return scoring


def _check_scoring(scoring: Mapping[str, Any], location: str) -> None:
    """The engine's own checks of ``scoring`` (trim, grades, caps, thresholds, policy)."""
    for key, value in (scoring.get("policy") or {}).items():
        if key not in ("process_min", "process_max", "result_min", "result_max"):
            raise _fail(f"政策限值 {key} 未知", "bad_value", location)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise _fail(f"政策限值应在 0% 到 100% 之间，实际为 {value!r}", "out_of_range", location)
    names = [g.get("name") for g in scoring.get("grades") or []]
    if len(set(names)) != len(names):
        raise _fail("等级名称重复", "duplicate_code", location)
    try:
        parse_bundle({"format": FORMAT, "campaign": {"code": "_"}, "scoring": dict(scoring), "units": [],
                      "indicators": [{"code": "_"}]})
    except BundleError as exc:
        raise _fail(exc.message, exc.code, location) from None


def _check_dates(start: dt.date | None, end: dt.date | None, deadline: dt.date | None, location: str) -> None:
    if start and end and end < start:
        raise _fail(f"考评期结束日期 {end} 早于开始日期 {start}", "bad_value", location)
    if deadline and start and deadline < start:
        raise _fail(f"截止日期 {deadline} 早于考评期开始日期 {start}", "bad_value", location)


# --------------------------------------------------------------------------- create and edit


@transaction.atomic
def campaign_create(*, code: str, name: str, library_version: LibraryVersion, kind: str = "",
                    period_type: str = "", period_start: dt.date | None = None, period_end: dt.date | None = None,
                    deadline: dt.date | None = None, scoring: Mapping[str, Any] | None = None,
                    groups: Sequence[tuple[str, str, float]] | None = None, include_self: bool = False,
                    by: Any = None, source: str = "web") -> Campaign:
    """A draft campaign on ``library_version`` (frozen from now on: the campaign keeps the
    version it ran with), with evaluator groups (the R3.1 defaults unless given)."""
    code = _code(code, "活动代码", "code")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise _fail("活动名称应为 1 到 200 个字符", "bad_value", "name")
    if kind and kind not in CampaignKind.values:
        raise _fail(f"考评类型 {kind} 未知", "bad_value", "kind")
    if period_type and period_type not in PERIOD_TYPES:
        raise _fail(f"考评周期 {period_type} 未知（月度、季度、年度）", "bad_value", "period_type")
    _check_dates(period_start, period_end, deadline, "period_end")
    scoring = dict(scoring or scoring_settings())
    _check_scoring(scoring, "scoring")
    group_specs = list(groups if groups is not None else DEFAULT_GROUPS)
    if include_self and all(g[0] != SELF_GROUP[0] for g in group_specs):
        group_specs.append(SELF_GROUP)
    seen: set[str] = set()
    for gcode, _gname, weight in group_specs:
        _code(gcode, "评价组代码", "groups")
        _number(weight, f"评价组 {gcode} 的权重", "groups")
        if gcode in seen:
            raise _fail(f"评价组代码 {gcode} 重复", "duplicate_code", "groups")
        seen.add(gcode)
    if not LibraryVersion.objects.filter(pk=library_version.pk, nodes__isnull=False).exists():
        raise _fail(f"指标库版本 {library_version} 没有指标", "empty_tree", "library_version")
    if Campaign.objects.filter(code=code).exists():
        raise _fail(f"活动代码 {code} 已存在", "duplicate_campaign", "code")

    ledger_lock()
    library_version_freeze(version=library_version)
    campaign = Campaign.objects.create(
        code=code, name=name, kind=kind, period_start=period_start, period_end=period_end, deadline=deadline,
        library_version=library_version, scoring=scoring, created_by=_user(by),
        extra={"period_type": period_type} if period_type else {},
    )
    created = EvaluatorGroup.objects.bulk_create([
        EvaluatorGroup(campaign=campaign, code=g, name=n or g, weight=float(w)) for g, n, w in group_specs
    ])
    rows = [rowset_from_db("campaign", [campaign.pk])]
    if created:
        rows.append(rowset_from_db("group", [g.pk for g in created]))
    _record(campaign, "campaign.create", by, source, rows,
            {"library_version": str(library_version), "groups": [g.code for g in created]})
    return campaign


@transaction.atomic
def campaign_settings_update(*, campaign: Campaign, name: str, kind: str = "", period_type: str = "",
                             period_start: dt.date | None = None, period_end: dt.date | None = None,
                             deadline: dt.date | None = None, scoring: Mapping[str, Any] | None = None,
                             by: Any = None, source: str = "web") -> Campaign:
    """Change the name, period, deadline and scoring parameters of a draft campaign."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise _fail("活动名称应为 1 到 200 个字符", "bad_value", "name")
    if kind and kind not in CampaignKind.values:
        raise _fail(f"考评类型 {kind} 未知", "bad_value", "kind")
    if period_type and period_type not in PERIOD_TYPES:
        raise _fail(f"考评周期 {period_type} 未知（月度、季度、年度）", "bad_value", "period_type")
    _check_dates(period_start, period_end, deadline, "period_end")
    scoring = dict(scoring) if scoring is not None else None
    if scoring is not None:
        _check_scoring(scoring, "scoring")
    campaign = _locked(campaign, "修改设置")
    campaign.name, campaign.kind = name, kind
    campaign.period_start, campaign.period_end, campaign.deadline = period_start, period_end, deadline
    extra = dict(campaign.extra or {})
    if period_type:
        extra["period_type"] = period_type
    else:
        extra.pop("period_type", None)
    campaign.extra = extra
    if scoring is not None:
        campaign.scoring = scoring
    campaign.save()
    _record(campaign, "campaign.settings", by, source, [rowset_from_db("campaign", [campaign.pk])])
    return campaign


# --------------------------------------------------------------------------- targets


def units_matching(*, types: Iterable[str] = (), regions: Iterable[str] = (), codes: Iterable[str] = ()) -> list[Unit]:
    """Units of the register matching every filter given (type, region, explicit codes)."""
    qs = Unit.objects.all()
    types, regions, codes = list(types), list(regions), list(codes)
    if types:
        qs = qs.filter(type__in=types)
    if regions:
        qs = qs.filter(region__in=regions)
    if codes:
        qs = qs.filter(code__in=codes)
    return list(qs.order_by("code"))


def _unit_fields(unit: Unit) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": unit.name}
    if unit.type:
        fields["type"] = unit.type
    if unit.region:
        fields["region"] = unit.region
    return fields


@transaction.atomic
def targets_add(*, campaign: Campaign, units: Sequence[Unit], by: Any = None, source: str = "web") -> int:
    """Add units as targets (already present ones are skipped); returns how many were added."""
    if not units:
        raise _fail("没有符合条件的单位", "empty", "units")
    campaign = _locked(campaign, "调整考评对象")
    present = set(campaign.targets.values_list("unit_id", flat=True))
    new = [CampaignUnit(campaign=campaign, unit=u, code=u.code, fields=_unit_fields(u))
           for u in units if u.pk not in present]
    if not new:
        return 0
    created = CampaignUnit.objects.bulk_create(new)
    _record(campaign, "campaign.targets_add", by, source, [rowset_from_db("campaign_unit", [t.pk for t in created])],
            {"units": [t.code for t in created]})
    return len(created)


@transaction.atomic
def target_remove(*, campaign: Campaign, unit: Unit, by: Any = None, source: str = "web") -> None:
    """Remove a target that no rater, conflict or assignment refers to."""
    campaign = _locked(campaign, "调整考评对象")
    target = campaign.targets.filter(unit=unit).first()
    if target is None:
        raise _fail(f"单位 {unit.code} 不是考评对象", "unknown_unit", unit.code)
    for what, qs in (("评价人的所在单位", campaign.raters.filter(unit=unit)),
                     ("利益冲突申报", campaign.conflicts.filter(unit=unit)),
                     ("评价分配", campaign.assignments.filter(unit=unit))):
        if qs.exists():
            raise _fail(f"单位 {unit.code} 仍被{what}引用，请先删除相关记录", "in_use", unit.code)
    pk = target.pk
    target.delete()
    _record(campaign, "campaign.target_remove", by, source, [rowset_deleted("campaign_unit", [pk])],
            {"unit": unit.code})


# --------------------------------------------------------------------------- groups


@transaction.atomic
def group_save(*, campaign: Campaign, code: str, name: str, weight: float, by: Any = None,
               source: str = "web") -> EvaluatorGroup:
    """Add a group or change the name and weight of an existing one (weight 0: shown only,
    e.g. self-evaluation)."""
    code = _code(code, "评价组代码", "code")
    weight = _number(weight, f"评价组 {code} 的权重", "weight")
    name = (name or "").strip() or code
    if len(name) > 200:
        raise _fail("评价组名称超过 200 个字符", "too_long", "name")
    campaign = _locked(campaign, "调整评价组")
    group = campaign.groups.filter(code=code).first()
    if group is None:
        group = EvaluatorGroup.objects.create(campaign=campaign, code=code, name=name, weight=weight)
    else:
        group.name, group.weight = name, weight
        group.save(update_fields=["name", "weight"])
    _record(campaign, "campaign.group_save", by, source, [rowset_from_db("group", [group.pk])],
            {"group": code, "weight": weight})
    return group


@transaction.atomic
def group_remove(*, campaign: Campaign, group: EvaluatorGroup, by: Any = None, source: str = "web") -> None:
    campaign = _locked(campaign, "调整评价组")
    if group.campaign_id != campaign.pk:
        raise _fail(f"评价组 {group.code} 不属于活动 {campaign.code}", "unknown_group", group.code)
    if group.raters.exists():
        raise _fail(f"评价组 {group.code} 还有评价人，请先删除评价人", "in_use", group.code)
    if any(group.code in (rated or []) for rated in
           campaign.library_version.nodes.exclude(rated_by=None).values_list("rated_by", flat=True)):
        raise _fail(f"指标体系中有指标指定由评价组 {group.code} 打分，不能删除", "in_use", group.code)
    pk = group.pk
    group.delete()
    _record(campaign, "campaign.group_remove", by, source, [rowset_deleted("group", [pk])], {"group": group.code})


# --------------------------------------------------------------------------- raters and conflicts


def _target_of(campaign: Campaign, unit: Unit | None, what: str) -> None:
    if unit is not None and not campaign.targets.filter(unit=unit).exists():
        raise _fail(f"{what} {unit.code} 不是本活动的考评对象（回避只对考评对象有意义，请先添加为考评对象）",
                    "unknown_unit", unit.code)


@transaction.atomic
def rater_add(*, campaign: Campaign, code: str, group: EvaluatorGroup, unit: Unit | None = None,
              user: Any = None, name: str = "", by: Any = None, source: str = "web") -> Rater:
    """Add a rater to a group; ``unit`` (a target) makes avoidance keep them off their own unit."""
    code = _code(code, "评价人代码", "code")
    name = (name or "").strip()
    if len(name) > 100:
        raise _fail("评价人姓名超过 100 个字符", "too_long", "name")
    campaign = _locked(campaign, "调整评价人")
    if group.campaign_id != campaign.pk:
        raise _fail(f"评价组 {group.code} 不属于活动 {campaign.code}", "unknown_group", "group")
    if campaign.raters.filter(code=code).exists():
        raise _fail(f"评价人代码 {code} 已存在", "duplicate_code", "code")
    if user is not None and campaign.raters.filter(user=user).exists():
        raise _fail(f"账号 {user.get_username()} 已是本活动的评价人", "duplicate_user", "user")
    _target_of(campaign, unit, "所在单位")
    rater = Rater.objects.create(campaign=campaign, code=code, group=group, unit=unit, user=user, name=name)
    _record(campaign, "campaign.rater_add", by, source, [rowset_from_db("rater", [rater.pk])],
            {"rater": code, "group": group.code})
    return rater


@transaction.atomic
def rater_remove(*, campaign: Campaign, rater: Rater, by: Any = None, source: str = "web") -> None:
    """Remove a rater with no score; their conflicts and assignments go with them."""
    campaign = _locked(campaign, "调整评价人")
    if rater.campaign_id != campaign.pk:
        raise _fail(f"评价人 {rater.code} 不属于活动 {campaign.code}", "unknown_rater", rater.code)
    if Score.objects.filter(assignment__rater=rater).exists():
        raise _fail(f"评价人 {rater.code} 已有评分，不能删除", "in_use", rater.code)
    conflicts = list(rater.conflicts.values_list("pk", flat=True))
    assignments = list(rater.assignments.values_list("pk", flat=True))
    rater.conflicts.all().delete()
    rater.assignments.all().delete()
    pk = rater.pk
    rater.delete()
    rows = [rowset_deleted("rater", [pk])]
    if conflicts:
        rows.append(rowset_deleted("conflict", conflicts))
    if assignments:
        rows.append(rowset_deleted("assignment", assignments))
    _record(campaign, "campaign.rater_remove", by, source, rows, {"rater": rater.code})


@transaction.atomic
def conflict_add(*, campaign: Campaign, rater: Rater, unit: Unit, by: Any = None, source: str = "web") -> Conflict:
    """Declare a conflict of interest: the rater never rates the unit (their assignment
    to it, if any, is removed)."""
    campaign = _locked(campaign, "登记回避")
    if rater.campaign_id != campaign.pk:
        raise _fail(f"评价人 {rater.code} 不属于活动 {campaign.code}", "unknown_rater", "rater")
    _target_of(campaign, unit, "单位")
    if campaign.conflicts.filter(rater=rater, unit=unit).exists():
        raise _fail(f"评价人 {rater.code} 与单位 {unit.code} 的回避已登记", "duplicate", "unit")
    assigned = list(campaign.assignments.filter(rater=rater, unit=unit).values_list("pk", flat=True))
    if assigned and Score.objects.filter(assignment_id__in=assigned).exists():
        raise _fail(f"评价人 {rater.code} 已对单位 {unit.code} 评分；评分将按回避规则剔除，"
                    "请在预警甄别中处理", "in_use", "unit")
    Assignment.objects.filter(pk__in=assigned).delete()
    conflict = Conflict.objects.create(campaign=campaign, rater=rater, unit=unit)
    rows = [rowset_from_db("conflict", [conflict.pk])]
    if assigned:
        rows.append(rowset_deleted("assignment", assigned))
    _record(campaign, "campaign.conflict_add", by, source, rows, {"rater": rater.code, "unit": unit.code})
    return conflict


@transaction.atomic
def conflict_remove(*, campaign: Campaign, conflict: Conflict, by: Any = None, source: str = "web") -> None:
    campaign = _locked(campaign, "登记回避")
    if conflict.campaign_id != campaign.pk:
        raise _fail("该回避记录不属于本活动", "unknown_conflict", str(conflict.pk))
    pk = conflict.pk
    conflict.delete()
    _record(campaign, "campaign.conflict_remove", by, source, [rowset_deleted("conflict", [pk])])


# --------------------------------------------------------------------------- weight overrides (R2.4)


@transaction.atomic
def override_save(*, campaign: Campaign, match: Mapping[str, Any], weights: Mapping[str, float],
                  by: Any = None, source: str = "web") -> WeightOverride:
    """Append a weight override (e.g. ``{"region": "west"}`` → ``{"C": 10}``); later ones win."""
    if not match:
        raise _fail("请填写匹配条件（单位类型或区域）", "missing_field", "match")
    if not weights:
        raise _fail("请至少填写一个指标的权重", "missing_field", "weights")
    codes = set(campaign.library_version.nodes.values_list("code", flat=True))
    clean: dict[str, float] = {}
    for code, w in weights.items():
        if code not in codes:
            raise _fail(f"指标 {code} 不在本活动的指标体系中", "unknown_indicator", "weights")
        clean[code] = plain_number(_number(w, f"指标 {code} 的权重", "weights"))
    for key in match:
        if key not in ("type", "region", "code"):
            raise _fail(f"匹配字段 {key} 未知（type、region、code）", "bad_value", "match")
    campaign = _locked(campaign, "调整权重")
    position = (campaign.weight_overrides.order_by("-position").values_list("position", flat=True).first() or -1) + 1
    override = WeightOverride.objects.create(campaign=campaign, position=position, match=dict(match), weights=clean)
    _record(campaign, "campaign.override_save", by, source, [rowset_from_db("weight_override", [override.pk])],
            {"match": dict(match), "weights": clean})
    return override


@transaction.atomic
def override_remove(*, campaign: Campaign, override: WeightOverride, by: Any = None, source: str = "web") -> None:
    campaign = _locked(campaign, "调整权重")
    if override.campaign_id != campaign.pk:
        raise _fail("该权重调整不属于本活动", "unknown_override", str(override.pk))
    pk = override.pk
    override.delete()
    _record(campaign, "campaign.override_remove", by, source, [rowset_deleted("weight_override", [pk])])


# --------------------------------------------------------------------------- assignment (R3.2)


@dataclass(frozen=True)
class DrawInput:
    """Everything a draw depends on, in a fixed order (recorded in the ledger)."""

    targets: tuple[str, ...]  # target unit codes, sorted
    raters: tuple[tuple[str, str, str | None], ...]  # (code, group, unit code), sorted by code
    conflicts: frozenset[tuple[str, str]]  # (rater, unit)

    def to_dict(self) -> dict[str, Any]:
        return {"targets": list(self.targets), "raters": [list(r) for r in self.raters],
                "conflicts": sorted([list(c) for c in self.conflicts])}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrawInput:
        return cls(tuple(data["targets"]), tuple(tuple(r) for r in data["raters"]),  # type: ignore[misc]
                   frozenset(tuple(c) for c in data["conflicts"]))  # type: ignore[misc]

    def eligible(self, rater: tuple[str, str, str | None], unit: str) -> bool:
        """Avoidance (回避): never one's own unit, never a declared conflict."""
        return rater[2] != unit and (rater[0], unit) not in self.conflicts


@dataclass
class DrawResult:
    pairs: list[tuple[str, str]]  # (rater, unit), in draw order
    short: list[str] = field(default_factory=list)  # where fewer than asked could be drawn

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(sorted(self.pairs), ensure_ascii=False).encode()).hexdigest()


def draw_pairs(inputs: DrawInput, *, seed: str, per_unit: int, groups: Sequence[str], mode: str = "raters",
               ) -> DrawResult:
    """The seeded draw (双随机), a pure function: the same inputs and seed, the same pairs.

    ``mode="raters"``: for each target (by code) and group (in the order given), draw
    ``per_unit`` raters of the group among the eligible ones. ``mode="targets"``: for each
    rater of the groups (by code), draw ``per_unit`` eligible targets. Candidates are
    sorted by code before ``random.Random(seed).sample`` picks, so nothing depends on
    database order.

    Examples
    --------
    >>> inp = DrawInput(("U1", "U2"), (("R1", "peer", "U1"), ("R2", "peer", "U2"), ("R3", "peer", None)),
    ...                 frozenset())
    >>> draw_pairs(inp, seed="42", per_unit=1, groups=["peer"]).pairs == \\
    ...     draw_pairs(inp, seed="42", per_unit=1, groups=["peer"]).pairs
    True
    """
    rng = random.Random(str(seed))
    result = DrawResult([])
    chosen_groups = list(groups)
    if mode == "targets":
        for rater in inputs.raters:
            if rater[1] not in chosen_groups:
                continue
            pool = [u for u in inputs.targets if inputs.eligible(rater, u)]
            picked = rng.sample(pool, min(per_unit, len(pool)))
            if len(picked) < per_unit:
                result.short.append(f"评价人 {rater[0]} 只有 {len(pool)} 个可评单位（要求 {per_unit} 个）")
            result.pairs += [(rater[0], u) for u in sorted(picked)]
        return result
    for unit in inputs.targets:
        for group in chosen_groups:
            pool = [r for r in inputs.raters if r[1] == group and inputs.eligible(r, unit)]
            picked = rng.sample(pool, min(per_unit, len(pool)))
            if len(picked) < per_unit:
                result.short.append(f"单位 {unit} 在评价组 {group} 只有 {len(pool)} 名可用评价人（要求 {per_unit} 名）")
            result.pairs += [(r[0], unit) for r in sorted(picked)]
    return result


def draw_input(*, campaign: Campaign) -> DrawInput:
    """The campaign's targets, raters and conflicts as a draw sees them (three queries)."""
    targets = tuple(sorted(campaign.targets.values_list("code", flat=True)))
    unit_code = dict(campaign.targets.values_list("unit_id", "code"))
    raters = tuple(sorted(
        (code, group, unit_code.get(unit_id) if unit_id is not None else None)
        for code, group, unit_id in campaign.raters.values_list("code", "group__code", "unit_id")))
    conflicts = frozenset((r, unit_code.get(u, f"#{u}"))
                          for r, u in campaign.conflicts.values_list("rater__code", "unit_id"))
    return DrawInput(targets, raters, conflicts)


def _replace_assignments(campaign: Campaign, raters: Sequence[str], pairs: Sequence[tuple[str, str]],
                         ) -> tuple[list[int], list[int]]:
    """Delete the assignments of ``raters`` and create ``pairs``; refused if one has scores."""
    rater_id = dict(campaign.raters.values_list("code", "pk"))
    unit_id = {code: uid for uid, code in campaign.targets.values_list("unit_id", "code")}
    old = list(campaign.assignments.filter(rater__code__in=list(raters)).values_list("pk", flat=True))
    if old and Score.objects.filter(assignment_id__in=old).exists():
        raise _fail("这些评价人已有评分，不能重新分配", "in_use", "assignments")
    Assignment.objects.filter(pk__in=old).delete()
    created = Assignment.objects.bulk_create([
        Assignment(campaign=campaign, rater_id=rater_id[r], unit_id=unit_id[u]) for r, u in pairs])
    return old, [a.pk for a in created]


@transaction.atomic
def assignments_generate(*, campaign: Campaign, groups: Sequence[str] | None = None, by: Any = None,
                         source: str = "web") -> int:
    """Every rater of ``groups`` (all groups when omitted) rates every target, except their
    own unit and declared conflicts (回避). Replaces those raters' assignments."""
    campaign = _locked(campaign, "分配评价任务")
    inputs = draw_input(campaign=campaign)
    chosen = set(groups) if groups else {r[1] for r in inputs.raters}
    raters = [r for r in inputs.raters if r[1] in chosen]
    if not raters:
        raise _fail("所选评价组没有评价人", "empty", "groups")
    if not inputs.targets:
        raise _fail("还没有考评对象", "empty", "targets")
    pairs = [(r[0], u) for r in raters for u in inputs.targets if inputs.eligible(r, u)]
    old, new = _replace_assignments(campaign, [r[0] for r in raters], pairs)
    rows = ([rowset_deleted("assignment", old)] if old else []) + ([rowset_from_db("assignment", new)] if new else [])
    _record(campaign, "assignment.generate", by, source, rows, {"groups": sorted(chosen), "pairs": len(pairs)})
    return len(pairs)


@transaction.atomic
def assignments_add(*, campaign: Campaign, rater: Rater, units: Sequence[Unit], by: Any = None,
                    source: str = "web") -> int:
    """Ask ``rater`` to score ``units`` as well (draft only): a pair by hand, avoidance kept."""
    campaign = _locked(campaign, "分配评价任务")
    if rater.campaign_id != campaign.pk:
        raise _fail(f"评价人 {rater.code} 不属于活动 {campaign.code}", "unknown_rater", rater.code)
    inputs = draw_input(campaign=campaign)
    me = next(r for r in inputs.raters if r[0] == rater.code)
    code_of = dict(campaign.targets.values_list("unit_id", "code"))
    have = set(rater.assignments.values_list("unit_id", flat=True))
    for unit in units:
        if unit.pk not in code_of:
            raise _fail(f"{unit.code} 不是本活动的考评对象", "unknown_unit", unit.code)
        if unit.pk in have:
            raise _fail(f"评价人 {rater.code} 已在评价 {unit.code}", "duplicate", unit.code)
        if not inputs.eligible(me, code_of[unit.pk]):
            raise _fail(f"评价人 {rater.code} 须回避 {unit.code}（本单位或已申报利益冲突）", "avoidance", unit.code)
    created = Assignment.objects.bulk_create([Assignment(campaign=campaign, rater=rater, unit=u) for u in units])
    ids = [a.pk for a in created]
    if ids:
        _record(campaign, "assignment.add", by, source, [rowset_from_db("assignment", ids)],
                {"rater": rater.code, "units": [u.code for u in units]})
    return len(ids)


@transaction.atomic
def assignment_draw(*, campaign: Campaign, seed: str, per_unit: int, groups: Sequence[str], by: Any = None,
                    mode: str = "raters", source: str = "web") -> DrawResult:
    """A seeded random draw (双随机) of who rates whom, recorded so anyone can redo it.

    The ledger entry keeps the seed, the parameters, the inputs (targets, raters with
    their group and unit, conflicts) and the drawn pairs; :func:`draw_replay` recomputes
    them. The drawn raters' earlier assignments are replaced.
    """
    seed = str(seed).strip()
    if not seed or len(seed) > 64:
        raise _fail("随机种子应为 1 到 64 个字符", "bad_value", "seed")
    if isinstance(per_unit, bool) or not isinstance(per_unit, int) or not 1 <= per_unit <= 1000:
        raise _fail(f"每次抽取人数应为 1 到 1000 的整数，实际为 {per_unit!r}", "out_of_range", "per_unit")
    if mode not in ("raters", "targets"):
        raise _fail(f"抽取方式 {mode} 未知", "bad_value", "mode")
    groups = list(dict.fromkeys(groups))
    if not groups:
        raise _fail("请至少选择一个评价组", "missing_field", "groups")
    campaign = _locked(campaign, "随机抽取")
    known = set(campaign.groups.values_list("code", flat=True))
    for g in groups:
        if g not in known:
            raise _fail(f"评价组 {g} 不存在", "unknown_group", "groups")
    inputs = draw_input(campaign=campaign)
    if not inputs.targets:
        raise _fail("还没有考评对象", "empty", "targets")
    raters = [r[0] for r in inputs.raters if r[1] in groups]
    if not raters:
        raise _fail("所选评价组没有评价人", "empty", "groups")
    result = draw_pairs(inputs, seed=seed, per_unit=per_unit, groups=groups, mode=mode)
    if not result.pairs:
        raise _fail("按回避规则没有可抽取的评价关系", "empty", "groups")
    old, new = _replace_assignments(campaign, raters, result.pairs)
    rows = ([rowset_deleted("assignment", old)] if old else []) + [rowset_from_db("assignment", new)]
    _record(campaign, DRAW_ACTION, by, source, rows, {
        "seed": seed, "per_unit": per_unit, "groups": groups, "mode": mode, "inputs": inputs.to_dict(),
        "pairs": [list(p) for p in result.pairs], "short": result.short, "digest": result.digest,
    })
    return result


@dataclass
class RecordedDraw:
    seq: int
    created_at: dt.datetime
    actor: str
    seed: str
    per_unit: int
    groups: list[str]
    mode: str
    inputs: DrawInput
    pairs: list[tuple[str, str]]
    short: list[str]
    digest: str


def draws_recorded(*, campaign: Campaign) -> list[RecordedDraw]:
    """The campaign's draws as the ledger recorded them, newest first."""
    out = []
    for e in LedgerEntry.objects.filter(object_type="campaign", object_id=campaign.code,
                                        action=DRAW_ACTION).order_by("-seq"):
        d = json.loads(e.payload)
        out.append(RecordedDraw(e.seq, e.created_at, e.actor, d["seed"], d["per_unit"], d["groups"], d["mode"],
                                DrawInput.from_dict(d["inputs"]), [tuple(p) for p in d["pairs"]],  # type: ignore[misc]
                                d.get("short", []), d["digest"]))
    return out


def draw_replay(*, draw: RecordedDraw, seed: str) -> tuple[DrawResult, bool]:
    """Redo a recorded draw with ``seed`` on its recorded inputs; True when identical."""
    result = draw_pairs(draw.inputs, seed=seed, per_unit=draw.per_unit, groups=draw.groups, mode=draw.mode)
    return result, result.pairs == list(draw.pairs)


# --------------------------------------------------------------------------- checks and lifecycle


def campaign_bundle_definition(*, campaign: Campaign) -> dict[str, Any]:
    """The campaign as a C1 bundle without scores (for checks: small and quick)."""
    return {
        "format": FORMAT,
        "campaign": {"code": campaign.code},
        "scoring": campaign.scoring or {},
        "groups": [{"code": c, "name": n, "weight": plain_number(w)}
                   for c, n, w in campaign.groups.order_by("id").values_list("code", "name", "weight")],
        "units": [{"code": code, **{k: v for k, v in f.items() if k not in ("code", "parent")}}
                  for code, f in campaign.targets.order_by("id").values_list("code", "fields")],
        "indicators": version_indicators(version=campaign.library_version),
        "weight_overrides": [{"match": m, "weights": w}
                             for m, w in campaign.weight_overrides.order_by("position").values_list("match", "weights")],
    }


def campaign_policy(*, campaign: Campaign, definition: Mapping[str, Any] | None = None) -> list[PolicyShare]:
    """Process/result shares per profile of the campaign's targets against its limits."""
    data = dict(definition or campaign_bundle_definition(campaign=campaign))
    if not data["units"]:
        return []
    try:
        return policy_check(parse_bundle(data))
    except BundleError:
        return []


@dataclass
class Check:
    ok: bool
    label: str
    detail: str = ""


def working_days_left(deadline: dt.date | None, on: dt.date | None = None) -> int | None:
    """Working days from ``on`` (today) to the deadline, on the official calendar (an
    estimate in a year not yet published: pages say so with ``workday_estimate``)."""
    if deadline is None:
        return None
    return working_days_between(on or today(), deadline, estimate=True)


def open_checks(*, campaign: Campaign) -> list[Check]:
    """What must hold before a campaign opens, each with a reason for people."""
    counts = Campaign.objects.filter(pk=campaign.pk).aggregate(
        targets=Count("targets", distinct=True), raters=Count("raters", distinct=True),
        assignments=Count("assignments", distinct=True))
    definition = campaign_bundle_definition(campaign=campaign)
    checks = [
        Check(counts["targets"] > 0, "已选择考评对象", f"{counts['targets']} 个单位"),
        Check(sum(g["weight"] for g in definition["groups"]) > 0, "评价组权重合计大于 0",
              "、".join(f"{g['name']} {g['weight']}" for g in definition["groups"]) or "没有评价组"),
        Check(counts["raters"] > 0, "已添加评价人", f"{counts['raters']} 人"),
        Check(counts["assignments"] > 0, "已分配评价任务（谁评谁）", f"{counts['assignments']} 条"),
    ]
    try:
        parse_bundle(definition)
        checks.append(Check(True, "指标体系与评价组一致", ""))
    except BundleError as exc:
        checks.append(Check(False, "指标体系与评价组一致", str(exc)))
        return checks
    shares = campaign_policy(campaign=campaign, definition=definition)
    bad = [f"{s.unit_type or '未分类'}：{'；'.join(s.violations)}" for s in shares if s.violations]
    checks.append(Check(not bad, "政策检查（过程性/结果性权重）通过", "；".join(bad) or
                        ("未设政策限值" if not (campaign.scoring or {}).get("policy") else "")))
    if campaign.deadline is None:
        checks.append(Check(False, "已设置截止日期", "未设置"))
    else:
        checks.append(Check(campaign.deadline >= today(), "截止日期未过",
                            f"{campaign.deadline.isoformat()}"))
    return checks


@transaction.atomic
def campaign_advance(*, campaign: Campaign, to: str, by: Any = None, early: bool = False,
                     source: str = "web") -> Campaign:
    """Move the campaign one step (draft → open → closed → published → archived) after
    checking that step's preconditions; results are computed when it closes.

    Refusals name what is missing and write nothing.
    """
    ledger_lock()
    campaign = Campaign.objects.select_for_update().select_related("library_version").get(pk=campaign.pk)
    labels = dict(CampaignStatus.choices)
    if to == CampaignStatus.OPEN and campaign.status == CampaignStatus.DRAFT:
        failed = [c for c in open_checks(campaign=campaign) if not c.ok]
        if failed:
            raise _fail("不能开始考评：" + "；".join(f"{c.label}未满足（{c.detail}）" if c.detail else
                                                    f"{c.label}未满足" for c in failed),
                        "precondition", campaign.code)
    elif to == CampaignStatus.CLOSED and campaign.status == CampaignStatus.OPEN:
        if campaign.deadline is not None and today() < campaign.deadline and not early:
            raise _fail(f"截止日期 {campaign.deadline.isoformat()} 未到；如需提前截止，请勾选“提前截止”后再操作",
                        "before_deadline", campaign.code)
        campaign = campaign_transition(campaign=campaign, to=to, by=by, source=source)
        results_compute(campaign=campaign, by=by, source=source)
        return campaign
    elif to == CampaignStatus.PUBLISHED and campaign.status == CampaignStatus.CLOSED:
        if not campaign.snapshots.exists():
            raise _fail("还没有计算结果，不能发布", "no_results", campaign.code)
        results_compute(campaign=campaign, by=by, source=source)  # the same snapshot unless data changed
        # one publication path: the record of how results were published (R8.2) and its ledger entry
        from kaoping.reports.services import results_publish

        results_publish(campaign=campaign, mode="full", by=by, source=source)
        campaign.refresh_from_db()
        return campaign
    elif to not in labels:
        raise _fail(f"状态 {to!r} 未知", "bad_value", campaign.code)
    return campaign_transition(campaign=campaign, to=to, by=by, source=source)


NEXT_STEP = {
    CampaignStatus.DRAFT: (CampaignStatus.OPEN, "开始考评"),
    CampaignStatus.OPEN: (CampaignStatus.CLOSED, "截止并计算结果"),
    CampaignStatus.CLOSED: (CampaignStatus.PUBLISHED, "发布结果"),
    CampaignStatus.PUBLISHED: (CampaignStatus.ARCHIVED, "归档"),
}
