"""Writes of the campaigns app: keyword-only, atomic, validate first and write after.

Every service locks the ledger head before writing (so concurrent writers queue and
the chain stays linear) and records what it wrote in the ledger, in its transaction.
Errors are :class:`~kaoping.engine.errors.KaopingError` subclasses carrying a code
and the record they concern; nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from typing import Any

from django.db import IntegrityError, connection, transaction

import kaoping
from kaoping.engine.bundle import Bundle, Locator, json_locator, parse_bundle
from kaoping.engine.errors import BundleError, KaopingError
from kaoping.engine.scoring import score
from kaoping.indicators.models import IndicatorNode
from kaoping.indicators.services import library_version_import
from kaoping.ledger.services import (
    BATCH_ROWS,
    actor_of,
    ledger_append,
    ledger_append_rowsets,
    ledger_lock,
    rowset_from_db,
    rowset_from_digests,
)
from kaoping.ledger.tables import table
from kaoping.org.models import Unit
from kaoping.org.services import units_ensure

from .models import (
    LIFECYCLE,
    Adjustment,
    Assignment,
    Campaign,
    CampaignKind,
    CampaignStatus,
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
from .selectors import bundle_export, bundle_hash, snapshot_latest


class CampaignError(KaopingError):
    """A campaign change is refused (wrong state, unknown record, conflict ...)."""

    default_code = "campaign_error"


CAMPAIGN_KEYS = ("code", "name", "kind", "period_start", "period_end", "deadline")
GROUP_KEYS = frozenset({"code", "name", "weight"})
RATER_KEYS = frozenset({"code", "group", "unit", "name", "remit"})
OVERRIDE_KEYS = frozenset({"match", "weights"})
ADJUSTMENT_KEYS = frozenset({"unit", "points", "reason"})
VETO_KEYS = frozenset({"unit", "reason"})
HISTORY_KEYS = frozenset({"campaign", "results"})
CODE_MAX, NAME_MAX, LABEL_MAX = 64, 200, 100


# --------------------------------------------------------------------------- helpers


def _jsonable(value: Any) -> Any:
    """Bundle values as JSON can hold them (YAML and Excel give dates; keys become text)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _extra(record: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {str(k): _jsonable(v) for k, v in record.items() if k not in known}


def _date(value: Any, key: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BundleError(f"活动字段 {key} 应为日期（YYYY-MM-DD），实际为 {value!r}", code="bad_date",
                      location="campaign")


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) is not None else None


def _check_lengths(bundle: Bundle, where: Locator) -> None:
    """Codes, names and labels must fit their columns (the engine sets no limit)."""
    def check(section: str, index: int | None, value: str | None, limit: int, what: str) -> None:
        if value is not None and len(value) > limit:
            location = section if index is None else where(section, index)
            raise BundleError(f"{what} {value[:20]}… 超过 {limit} 个字符", code="too_long", location=location)

    check("campaign", None, bundle.code, CODE_MAX, "活动代码")
    check("campaign", None, str(bundle.campaign.get("name") or ""), NAME_MAX, "活动名称")
    for section, items in (("groups", bundle.groups), ("units", bundle.units), ("raters", bundle.raters)):
        for i, item in enumerate(items):
            check(section, i, item.code, CODE_MAX, "代码")
            check(section, i, getattr(item, "name", None), NAME_MAX if section != "raters" else 100, "名称")
    for i, node in enumerate(bundle.nodes.values()):
        check("indicators", i, node.code, CODE_MAX, "指标代码")
        check("indicators", i, node.name, NAME_MAX, "指标名称")
        for label in node.scale or ():
            check("indicators", i, label, LABEL_MAX, "等级")


def _plan_campaign(bundle: Bundle) -> dict[str, Any]:
    raw = bundle.campaign
    kind = raw.get("kind")
    if kind not in (None, "") and kind not in CampaignKind.values:
        raise BundleError(f"活动类型 {kind!r} 未知（可用：{'、'.join(CampaignKind.values)}）",
                          code="bad_value", location="campaign")
    start, end = _date(raw.get("period_start"), "period_start"), _date(raw.get("period_end"), "period_end")
    if start and end and end < start:
        raise BundleError(f"考评期结束日期 {end} 早于开始日期 {start}", code="bad_value", location="campaign")
    name = raw.get("name")
    return {
        "code": bundle.code, "name": str(name) if name not in (None, "") else bundle.code,
        "kind": kind or "", "period_start": start, "period_end": end,
        "deadline": _date(raw.get("deadline"), "deadline"),
        "extra": _extra(raw, frozenset(CAMPAIGN_KEYS)),
    }


def _reserve_ids(model: type, count: int) -> list[int]:
    """``count`` fresh primary keys, ascending, for rows inserted with explicit ids.

    The caller holds the ledger lock, which every service writing a covered table takes
    first, so no other service draws ids from these tables meanwhile. (A writer going
    around the services could collide, and then one of the two transactions fails on
    the primary key; nothing is silently mixed up.)
    """
    db_table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count])
            last = cursor.fetchone()[0]
            return list(range(last - count + 1, last + 1))
        # SQLite: writers are serialised (BEGIN IMMEDIATE), so the next free ids are ours
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {db_table}")
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
        row = cursor.fetchone()
        top = max(top, row[0] if row else 0)
        return list(range(top + 1, top + 1 + count))


def insert_rows(key: str, rows: Sequence[tuple[Any, ...]], *, batch: int | None = None,
                ) -> tuple[list[int], list[dict[str, Any]]]:
    """Insert many rows of covered table ``key``; return their ids and one ledger row
    set per ``batch`` rows.

    ``rows`` hold the values of every field but the id, in model order. Each row is
    encoded once (:mod:`kaoping.ledger.tables`): the line is both sent to the database
    and digested for the ledger. On PostgreSQL the batches stream into one
    ``COPY ... FROM STDIN`` (psycopg 3), so the server stores a batch while Python
    encodes and digests the next; elsewhere they go in with ``executemany``. All
    inside the caller's transaction (foreign keys are checked at commit).
    """
    if not rows:
        return [], []
    t = table(key)
    batch = batch or BATCH_ROWS
    ids = _reserve_ids(t.model, len(rows))
    encode, line_digest = t.encode, t.line_digest
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in t.columns)
    db_table = qn(t.model._meta.db_table)
    copying = connection.vendor == "postgresql"
    insert = f"INSERT INTO {db_table} ({columns}) VALUES ({', '.join(['%s'] * len(t.columns))})"
    rowsets = []
    with connection.cursor() as cursor, (
        cursor.cursor.copy(f"COPY {db_table} ({columns}) FROM STDIN") if copying else nullcontext()
    ) as copy:
        for start in range(0, len(rows), batch):
            chunk_ids = ids[start:start + batch]
            full = [(pk, *row) for pk, row in zip(chunk_ids, rows[start:start + batch], strict=True)]
            lines = [encode(row) for row in full]
            if copying:
                copy.write("\n".join(lines) + "\n")
            else:
                cursor.executemany(insert, full)
            rowsets.append(rowset_from_digests(key, chunk_ids, [line_digest(line) for line in lines]))
    return ids, rowsets


# --------------------------------------------------------------------------- import


def _duplicate(code: str) -> BundleError:
    return BundleError(f"活动代码 {code} 已存在", code="duplicate_campaign", location="campaign.code")


@transaction.atomic
def bundle_import(*, data: Any, by: Any = None, source: str = "cli", where: Locator = json_locator) -> Campaign:
    """Validate a C1 bundle and store it as a new campaign (status draft).

    Validation is the engine's :func:`~kaoping.engine.bundle.parse_bundle` — the same
    rules and messages as ``kaoping score`` — plus what the database needs: a campaign
    code not yet used, a known campaign kind and unit types, dates, codes that fit, and
    units that agree with the organisation register (see
    :func:`kaoping.org.services.units_ensure`). The first failure raises, naming the
    record; nothing is written.
    """
    bundle = parse_bundle(data, where=where)
    _check_lengths(bundle, where)
    plan = _plan_campaign(bundle)
    if Campaign.objects.filter(code=bundle.code).exists():
        raise _duplicate(bundle.code)
    raw_units = [_jsonable(u) for u in data.get("units") or []]
    actor = actor_of(by, source)
    user = _user(by)

    ledger_lock()
    units = units_ensure(records=raw_units, where=where)
    version = library_version_import(
        records=[_jsonable(r) for r in data.get("indicators") or []], top=bundle.indicators,
        library_code=bundle.code, library_name=f"{plan['name']} 指标体系", by=by, source=source,
    )
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(library_version=version, created_by=user,
                                               scoring=_jsonable(data.get("scoring")), **plan)
    except IntegrityError:  # imported concurrently under the same code
        raise _duplicate(bundle.code) from None
    _write_definition(campaign, bundle, data, units, raw_units, actor)
    _write_scores(campaign, bundle, units, actor)
    _write_exclusions(campaign, bundle, data, units, actor, where)
    return campaign


def _write_definition(campaign: Campaign, bundle: Bundle, data: Mapping[str, Any], units: dict[str, Unit],
                      raw_units: list[dict[str, Any]], actor: str) -> None:
    cid = campaign.pk
    targets = CampaignUnit.objects.bulk_create([
        CampaignUnit(campaign_id=cid, unit=units[u.code], code=u.code,
                     fields={k: v for k, v in raw.items() if k != "code"})
        for u, raw in zip(bundle.units, raw_units, strict=True)
    ])
    raw_groups = data.get("groups") or []
    groups = EvaluatorGroup.objects.bulk_create([
        EvaluatorGroup(campaign_id=cid, code=g.code, name=g.name, weight=float(g.weight),
                       extra=_extra(raw, GROUP_KEYS))
        for g, raw in zip(bundle.groups, raw_groups, strict=True)
    ])
    group_by_code = {g.code: g for g in groups}
    raw_raters = data.get("raters") or []
    raters = Rater.objects.bulk_create([
        Rater(campaign_id=cid, code=r.code, group=group_by_code[r.group],
              unit=units[r.unit] if r.unit is not None else None, name=r.name or "",
              remit=None if r.remit is None else list(r.remit), extra=_extra(raw, RATER_KEYS))
        for r, raw in zip(bundle.raters, raw_raters, strict=True)
    ])
    rater_by_code = {r.code: r for r in raters}
    conflicts = Conflict.objects.bulk_create([
        Conflict(campaign_id=cid, rater=rater_by_code[rc], unit=units[uc]) for rc, uc in bundle.conflict_records
    ])
    overrides = WeightOverride.objects.bulk_create([
        WeightOverride(campaign_id=cid, position=i, match=_jsonable(raw.get("match") or {}),
                       weights=_jsonable(raw["weights"]), extra=_extra(raw, OVERRIDE_KEYS))
        for i, raw in enumerate(data.get("weight_overrides") or [])
    ])
    history = HistoryEntry.objects.bulk_create([
        HistoryEntry(campaign_id=cid, position=i, previous_code=h.campaign,
                     results=_jsonable(raw.get("results") or []), extra=_extra(raw, HISTORY_KEYS))
        for i, (h, raw) in enumerate(zip(bundle.history, data.get("history") or [], strict=True))
    ])
    rows = [rowset_from_db("campaign", [cid])]
    for key, objs in (("campaign_unit", targets), ("group", groups), ("rater", raters),
                      ("conflict", conflicts), ("weight_override", overrides), ("history", history)):
        if objs:
            rows.append(rowset_from_db(key, [o.pk for o in objs]))
    ledger_append(action="campaign.import", actor=actor, object_type="campaign", object_id=campaign.code,
                  rows=rows, data={"units": len(targets), "groups": len(groups), "raters": len(raters),
                                   "library_version": campaign.library_version_id})
    adjustments = Adjustment.objects.bulk_create([
        Adjustment(campaign_id=cid, unit=units[a.unit], points=float(a.points), reason=a.reason,
                   extra=_extra(raw, ADJUSTMENT_KEYS), created_at=campaign.created_at, created_by=campaign.created_by)
        for a, raw in zip(bundle.adjustments, data.get("adjustments") or [], strict=True)
    ])
    vetoes = Veto.objects.bulk_create([
        Veto(campaign_id=cid, unit=units[v.unit], reason=v.reason, extra=_extra(raw, VETO_KEYS),
             created_at=campaign.created_at, created_by=campaign.created_by)
        for v, raw in zip(bundle.vetoes, data.get("vetoes") or [], strict=True)
    ])
    for key, objs in (("adjustment", adjustments), ("veto", vetoes)):
        if objs:
            ledger_append(action=f"{key}.import", actor=actor, object_type="campaign", object_id=campaign.code,
                          rows=[rowset_from_db(key, [o.pk for o in objs])], data={"count": len(objs)})


def _write_scores(campaign: Campaign, bundle: Bundle, units: dict[str, Unit], actor: str) -> None:
    cid, code = campaign.pk, campaign.code
    unit_ids = [units[u.code].pk for u in bundle.units]
    rater_ids = dict(Rater.objects.filter(campaign=campaign).values_list("code", "id"))
    rater_pk = [rater_ids[r.code] for r in bundle.raters]
    node_ids = dict(IndicatorNode.objects.filter(version_id=campaign.library_version_id).values_list("code", "id"))
    leaf_pk = [node_ids[leaf.code] for leaf in bundle.leaves]

    s = bundle.scores
    n_units = max(len(unit_ids), 1)
    pair_index: dict[int, int] = {}
    pairs: list[tuple[int, int, int]] = []
    for ri, ui in zip(s.rater, s.unit, strict=True):
        key = ri * n_units + ui
        if key not in pair_index:
            pair_index[key] = len(pairs)
            pairs.append((cid, rater_pk[ri], unit_ids[ui]))
    record = {"actor": actor, "object_type": "campaign", "object_id": code}
    assignment_pk, rowsets = insert_rows("assignment", pairs)
    ledger_append_rowsets(action="assignment.import", rowsets=rowsets, **record)
    _, rowsets = insert_rows("score", [
        (assignment_pk[pair_index[ri * n_units + ui]], leaf_pk[li],
         None if type(v) is str else float(v), v if type(v) is str else None)
        for ri, ui, li, v in zip(s.rater, s.unit, s.leaf, s.raw, strict=True)
    ])
    ledger_append_rowsets(action="score.import", rowsets=rowsets, **record)
    _, rowsets = insert_rows("measure", [
        (cid, unit_ids[ui], leaf_pk[li], float(v)) for (ui, li), v in bundle.measures.items()
    ])
    ledger_append_rowsets(action="measure.import", rowsets=rowsets, **record)


EXCLUSION_KEYS = frozenset({"rater", "unit", "reason", "decision"})


def _write_exclusions(campaign: Campaign, bundle: Bundle, data: Mapping[str, Any], units: dict[str, Unit],
                      actor: str, where: Locator) -> None:
    """Recorded sheet exclusions (bundle ``exclusions``), kept by the alerts app."""
    if not bundle.exclusions:
        return
    from kaoping.alerts.models import SheetExclusion

    rater_ids = dict(Rater.objects.filter(campaign=campaign).values_list("code", "id"))
    seen: set[tuple[str, str | None]] = set()
    rows = []
    for i, (x, raw) in enumerate(zip(bundle.exclusions, data.get("exclusions") or [], strict=True)):
        if (x.rater, x.unit) in seen:
            scope = f"对单位 {x.unit} 的评分" if x.unit else "全部评分"
            raise BundleError(f"评价人 {x.rater} 的{scope}重复剔除", code="duplicate", location=where("exclusions", i))
        seen.add((x.rater, x.unit))
        if x.decision is not None and len(x.decision) > CODE_MAX:
            raise BundleError(f"处理决定 {x.decision[:20]}… 超过 {CODE_MAX} 个字符", code="too_long",
                              location=where("exclusions", i))
        rows.append(SheetExclusion(campaign=campaign, rater_id=rater_ids[x.rater],
                                   unit=units[x.unit] if x.unit is not None else None, reason=x.reason,
                                   decision=x.decision or "", extra=_extra(raw, EXCLUSION_KEYS),
                                   created_at=campaign.created_at, created_by=campaign.created_by))
    objs = SheetExclusion.objects.bulk_create(rows)
    ledger_append(action="exclusion.import", actor=actor, object_type="campaign", object_id=campaign.code,
                  rows=[rowset_from_db("sheet_exclusion", [o.pk for o in objs])], data={"count": len(objs)})


# --------------------------------------------------------------------------- lifecycle


@transaction.atomic
def campaign_transition(*, campaign: Campaign, to: str, by: Any = None, source: str = "system") -> Campaign:
    """Move a campaign one step along draft → open → closed → published → archived."""
    ledger_lock()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    current = campaign.status
    labels = dict(CampaignStatus.choices)
    if to not in LIFECYCLE:
        raise CampaignError(f"状态 {to!r} 未知（可用：{'、'.join(LIFECYCLE)}）", code="bad_value",
                            location=campaign.code)
    following = LIFECYCLE[LIFECYCLE.index(current) + 1:]
    if not following or following[0] != to:
        hint = f"只能进入下一阶段「{labels[following[0]]}」" if following else "已是最后阶段"
        raise CampaignError(f"活动 {campaign.code} 当前为「{labels[current]}」，不能改为「{labels[to]}」：{hint}",
                            code="bad_transition", location=campaign.code)
    campaign.status = to
    campaign.save(update_fields=["status"])
    ledger_append(action="campaign.transition", actor=actor_of(by, source), object_type="campaign",
                  object_id=campaign.code, rows=[rowset_from_db("campaign", [campaign.pk])],
                  data={"from": current, "to": to})
    return campaign


# --------------------------------------------------------------------------- results


@transaction.atomic
def results_compute(*, campaign: Campaign, by: Any = None, source: str = "system") -> ResultSnapshot:
    """The campaign's results (C2) from its exported bundle, stored as a snapshot.

    When the latest snapshot was computed from the same bundle (same ``input_hash``)
    by the same engine version it is returned as it is; otherwise a new snapshot is
    made — snapshots are never updated.
    """
    ledger_lock()
    bundle = bundle_export(campaign=campaign)
    digest = bundle_hash(bundle)
    latest = snapshot_latest(campaign=campaign)
    if latest is not None and latest.input_hash == digest and latest.engine_version == kaoping.__version__:
        return latest
    results = score(parse_bundle(bundle)).to_dict()
    snapshot = ResultSnapshot.objects.create(
        campaign=campaign, engine_version=kaoping.__version__, input_hash=digest,
        results_json=json.dumps(results, ensure_ascii=False, allow_nan=False), created_by=_user(by),
    )
    ledger_append(action="results.snapshot", actor=actor_of(by, source), object_type="campaign",
                  object_id=campaign.code, rows=[rowset_from_db("snapshot", [snapshot.pk])],
                  data={"input_hash": digest, "engine_version": kaoping.__version__,
                        "units": len(results["units"])})
    from kaoping.alerts.services import alerts_sync  # the alerts app depends on campaigns

    alerts_sync(campaign=campaign, snapshot=snapshot, by=by, source=source)  # R5.7: file each alert once
    return snapshot


# --------------------------------------------------------------------------- single changes


def _target(campaign: Campaign, unit: Unit) -> None:
    if not CampaignUnit.objects.filter(campaign=campaign, unit=unit).exists():
        raise CampaignError(f"单位 {unit.code} 不是活动 {campaign.code} 的考评对象", code="unknown_unit",
                            location=unit.code)


def _leaf(campaign: Campaign, indicator: IndicatorNode, source: str) -> None:
    if indicator.version_id != campaign.library_version_id or indicator.children.exists():
        raise CampaignError(f"指标 {indicator.code} 不是活动 {campaign.code} 的末级指标",
                            code="unknown_indicator", location=indicator.code)
    if indicator.source != source and source == "rating":
        raise CampaignError(f"指标 {indicator.code} 为数据采集指标，不能打分", code="score_on_measure",
                            location=indicator.code)
    if indicator.source != source:
        raise CampaignError(f"指标 {indicator.code} 为评分指标，不能填报数据", code="measure_on_rating",
                            location=indicator.code)


def _locked_campaign(campaign: Campaign, allowed: Sequence[str], doing: str) -> Campaign:
    ledger_lock()
    campaign = Campaign.objects.get(pk=campaign.pk)
    if campaign.status not in allowed:
        label = dict(CampaignStatus.choices)[campaign.status]
        raise CampaignError(f"活动 {campaign.code} 当前为「{label}」，不能{doing}", code="campaign_state",
                            location=campaign.code)
    return campaign


@transaction.atomic
def score_record(*, campaign: Campaign, rater: Rater, unit: Unit, indicator: IndicatorNode, value: Any,
                 by: Any = None, source: str = "web") -> Score:
    """Record (or correct) one score while the campaign is a draft or open."""
    campaign = _locked_campaign(campaign, (CampaignStatus.DRAFT, CampaignStatus.OPEN), "评分")
    if rater.campaign_id != campaign.pk:
        raise CampaignError(f"评价人 {rater.code} 不属于活动 {campaign.code}", code="unknown_rater", location=rater.code)
    _target(campaign, unit)
    _leaf(campaign, indicator, "rating")
    where = f"评价人 {rater.code} 对单位 {unit.code} 指标 {indicator.code}"
    if type(value) is str:
        if not indicator.scale:
            raise CampaignError(f"{where} 的分值应为数值，实际为文本 {value!r}", code="not_a_number", location=where)
        if value not in indicator.scale:
            raise CampaignError(f"{where} 的等级 {value!r} 不在该指标的等级表中（{'、'.join(indicator.scale)}）",
                                code="unknown_label", location=where)
        number, label = None, value
    elif type(value) in (int, float) and math.isfinite(value):
        full = indicator.full or 100.0
        if not 0 <= value <= full:
            raise CampaignError(f"{where} 的分值 {value!r} 超出 [0, {full:g}]", code="out_of_range", location=where)
        number, label = float(value), None
    else:
        raise CampaignError(f"{where} 的分值应为数值，实际为 {value!r}", code="not_a_number", location=where)
    assignment, created = Assignment.objects.get_or_create(campaign=campaign, rater=rater, unit=unit)
    score_obj, _ = Score.objects.update_or_create(
        assignment=assignment, indicator=indicator, defaults={"value_number": number, "value_label": label})
    rows = [rowset_from_db("assignment", [assignment.pk])] if created else []
    rows.append(rowset_from_db("score", [score_obj.pk]))
    ledger_append(action="score.record", actor=actor_of(by, source), object_type="campaign",
                  object_id=campaign.code, rows=rows,
                  data={"rater": rater.code, "unit": unit.code, "indicator": indicator.code})
    return score_obj


@transaction.atomic
def measure_record(*, campaign: Campaign, unit: Unit, indicator: IndicatorNode, value: float,
                   by: Any = None, source: str = "api") -> Measure:
    """Record (or correct) one measured value before the campaign is published."""
    campaign = _locked_campaign(campaign, (CampaignStatus.DRAFT, CampaignStatus.OPEN, CampaignStatus.CLOSED),
                                "填报数据")
    _target(campaign, unit)
    _leaf(campaign, indicator, "measure")
    if type(value) not in (int, float) or not math.isfinite(value):
        raise CampaignError(f"单位 {unit.code} 指标 {indicator.code} 的数值应为数值，实际为 {value!r}",
                            code="not_a_number", location=unit.code)
    measure, _ = Measure.objects.update_or_create(campaign=campaign, unit=unit, indicator=indicator,
                                                  defaults={"value": float(value)})
    ledger_append(action="measure.record", actor=actor_of(by, source), object_type="campaign",
                  object_id=campaign.code, rows=[rowset_from_db("measure", [measure.pk])],
                  data={"unit": unit.code, "indicator": indicator.code})
    return measure


@transaction.atomic
def adjustment_add(*, campaign: Campaign, unit: Unit, points: float, reason: str, by: Any = None,
                   source: str = "web") -> Adjustment:
    """Add a bonus (points > 0) or deduction (points < 0) with its reason, before publication."""
    campaign = _locked_campaign(campaign, (CampaignStatus.DRAFT, CampaignStatus.OPEN, CampaignStatus.CLOSED),
                                "登记加减分（已发布的结果只能经申诉复核更正）")
    _target(campaign, unit)
    if type(points) not in (int, float) or not math.isfinite(points) or points == 0:
        raise CampaignError(f"加减分应为非零数值，实际为 {points!r}", code="not_a_number", location=unit.code)
    if not reason.strip():
        raise CampaignError("加减分必须写明事由", code="missing_field", location=unit.code)
    adjustment = Adjustment.objects.create(campaign=campaign, unit=unit, points=float(points), reason=reason,
                                           created_by=_user(by))
    ledger_append(action="adjustment.add", actor=actor_of(by, source), object_type="campaign",
                  object_id=campaign.code, rows=[rowset_from_db("adjustment", [adjustment.pk])],
                  data={"unit": unit.code, "points": float(points)})
    return adjustment


@transaction.atomic
def veto_add(*, campaign: Campaign, unit: Unit, reason: str, by: Any = None, source: str = "web") -> Veto:
    """Record a veto item (一票否决) with its reason, before publication."""
    campaign = _locked_campaign(campaign, (CampaignStatus.DRAFT, CampaignStatus.OPEN, CampaignStatus.CLOSED),
                                "登记一票否决")
    _target(campaign, unit)
    if not reason.strip():
        raise CampaignError("一票否决必须写明事由", code="missing_field", location=unit.code)
    veto = Veto.objects.create(campaign=campaign, unit=unit, reason=reason, created_by=_user(by))
    ledger_append(action="veto.add", actor=actor_of(by, source), object_type="campaign",
                  object_id=campaign.code, rows=[rowset_from_db("veto", [veto.pk])], data={"unit": unit.code})
    return veto
