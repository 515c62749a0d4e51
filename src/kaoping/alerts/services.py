"""Writes of the alerts app (R5.7): keyword-only, atomic, validate first and write after.

Every service locks the ledger head first, checks everything (role, campaign state,
the alert's state, the form's expected state, the reason), and only then writes: the
change, one :class:`~.models.AlertEvent` for people to read and one ledger entry for
the evidence, in the same transaction. A refusal raises :class:`AlertError` with a
Chinese message and writes nothing.

Lifecycle: ``new → assigned → investigating → confirmed | dismissed``; reassigning
keeps the state. Only a confirmed alert about raters may exclude their sheets
(:func:`sheet_exclude`), which records the decision and computes a NEW results
snapshot — the old one stays, and the new one carries an ``excluded_sheet`` alert.

The office may reopen a closed alert with a reason (:func:`alert_reopen`): it goes
back to ``investigating`` with its assignee, because a conclusion is overturned only
after a new look at the case — it does not restart from ``new``, which would lose who
is in charge. Reopening never undoes an exclusion silently: while the alert's
exclusions stand it is refused, and :func:`sheet_exclusion_revoke` withdraws them
first (recorded with who, when and why, and a NEW snapshot computed without them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from kaoping.accounts.permissions import has
from kaoping.campaigns.models import Campaign, CampaignStatus, CampaignUnit, Rater, ResultSnapshot
from kaoping.engine.errors import KaopingError
from kaoping.ledger.services import (
    actor_of,
    ledger_append,
    ledger_lock,
    rowset_deleted,
    rowset_from_db,
)

from .models import Alert, AlertEvent, AlertStatus, SheetExclusion

#: C2 alert kinds that are records of a decision, not findings to investigate
NOT_CASES = frozenset({"excluded_sheet"})
#: kinds about single raters: a confirmed one may exclude the rater's whole sheet
RATER_KINDS = frozenset({"rater_lenient", "rater_severe", "straight_line", "rater_unknown_target"})
#: kinds about favours between units: the raters' scores on the favoured units only
UNIT_KINDS = frozenset({"mutual_high"})
SCOPES = ("sheet", "unit")
REASON_MAX = 2000
#: office-only decisions on a closed case: excluding sheets, revoking that, reopening
OFFICE_CAPABILITY = "alerts.exclude_sheet"
REOPEN_CAPABILITY = "alerts.reopen"


class AlertError(KaopingError):
    """An alert change is refused (wrong role or state, missing reason ...)."""

    default_code = "alert_error"


def alert_key(kind: str, units: Iterable[str], raters: Iterable[str], indicator: str | None) -> str:
    """The identity of a finding across recomputations: SHA-256 of kind, units, raters, indicator.

    Units and raters are sorted, so the same pair found in either order is one alert.

    >>> alert_key("mutual_high", ["U2", "U1"], [], None) == alert_key("mutual_high", ["U1", "U2"], [], None)
    True
    """
    text = json.dumps([kind, sorted(units), sorted(raters), indicator], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) is not None else None


def _record(alert: Alert, action: str, before: str, by: Any, source: str, *, note: str = "",
            snapshot: ResultSnapshot | None = None, extra_rows: list[dict[str, Any]] | None = None,
            data: Mapping[str, Any] | None = None) -> AlertEvent:
    """Save the alert's new state, its history event and one ledger entry."""
    actor = actor_of(by, source)
    event = AlertEvent.objects.create(
        alert=alert, action=action, from_status=before, to_status=alert.status, note=note,
        assignee=alert.assignee, snapshot=snapshot, by=_user(by), actor=actor,
    )
    rows = [rowset_from_db("alert", [alert.pk]), rowset_from_db("alert_event", [event.pk]), *(extra_rows or [])]
    ledger_append(action=f"alert.{action}", actor=actor, object_type="alert", object_id=str(alert.pk), rows=rows,
                  data={"campaign": alert.campaign.code, "kind": alert.kind, "from": before, "to": alert.status,
                        "note": note, **(data or {})})
    return event


# --------------------------------------------------------------------------- sync


@dataclass(frozen=True, slots=True)
class SyncReport:
    created: int
    refound: int
    unchanged: int


@transaction.atomic
def alerts_sync(*, campaign: Campaign, snapshot: ResultSnapshot, by: Any = None, source: str = "system") -> SyncReport:
    """Make every C2 alert of ``snapshot`` an :class:`Alert` of the campaign, once.

    A finding already on file (same :func:`alert_key`) keeps its record, state and
    history; its numbers and ``last_snapshot`` follow the newer snapshot. Syncing the
    same snapshot again writes nothing. ``excluded_sheet`` alerts are not cases: they
    report a decision already on file.
    """
    ledger_lock()
    if snapshot.campaign_id != campaign.pk:
        raise AlertError(f"结果快照 #{snapshot.pk} 不属于活动 {campaign.code}", code="wrong_campaign",
                         location=campaign.code)
    existing = {a.key: a for a in Alert.objects.filter(campaign=campaign)}
    now = timezone.now()
    created: list[Alert] = []
    updated: list[Alert] = []
    unchanged = 0
    seen: set[str] = set()
    for raw in snapshot.results.get("alerts", []):
        kind = str(raw["kind"])
        if kind in NOT_CASES:
            continue
        units, raters = list(raw.get("units") or []), list(raw.get("raters") or [])
        key = alert_key(kind, units, raters, raw.get("indicator"))
        if key in seen:
            continue
        seen.add(key)
        fields = {"severity": str(raw.get("severity", "warning")), "detail": str(raw.get("detail", "")),
                  "data": raw.get("data") or {}}
        alert = existing.get(key)
        if alert is None:
            created.append(Alert(campaign=campaign, key=key, kind=kind, units=units, raters=raters,
                                 indicator=raw.get("indicator"), first_snapshot=snapshot, last_snapshot=snapshot,
                                 created_at=now, updated_at=now, **fields))
        elif alert.last_snapshot_id == snapshot.pk or alert.last_snapshot.created_at > snapshot.created_at:
            unchanged += 1
        else:
            changed = any(getattr(alert, k) != v for k, v in fields.items())
            for k, v in fields.items():
                setattr(alert, k, v)
            alert.last_snapshot = snapshot
            alert.updated_at = now
            alert.save(update_fields=[*fields, "last_snapshot", "updated_at"])
            updated.append(alert)
            if changed:
                alert._numbers_changed = True  # type: ignore[attr-defined]
    if not created and not updated:
        return SyncReport(0, 0, unchanged)
    actor = actor_of(by, source)
    created = Alert.objects.bulk_create(created)
    events = [AlertEvent(alert=a, action=AlertEvent.Action.FOUND, to_status=a.status, snapshot=snapshot,
                         by=_user(by), actor=actor, at=now) for a in created]
    events += [AlertEvent(alert=a, action=AlertEvent.Action.REFOUND, from_status=a.status, to_status=a.status,
                          snapshot=snapshot, by=_user(by), actor=actor, at=now,
                          note="依据数据已按新的计算结果更新")
               for a in updated if getattr(a, "_numbers_changed", False)]
    events = AlertEvent.objects.bulk_create(events)
    rows = [rowset_from_db("alert", sorted(a.pk for a in [*created, *updated]))]
    if events:
        rows.append(rowset_from_db("alert_event", sorted(e.pk for e in events)))
    ledger_append(action="alerts.sync", actor=actor, object_type="campaign", object_id=campaign.code, rows=rows,
                  data={"snapshot": snapshot.pk, "created": len(created), "refound": len(updated)})
    return SyncReport(len(created), len(updated), unchanged)


@transaction.atomic
def results_and_alerts(*, campaign: Campaign, by: Any = None, source: str = "web") -> tuple[ResultSnapshot, SyncReport]:
    """Compute (or reuse) the campaign's results snapshot and say what was filed.

    ``results_compute`` files the alerts of every new snapshot itself; for a reused one
    the sync runs here (and files nothing twice).
    """
    from kaoping.campaigns.selectors import snapshot_latest
    from kaoping.campaigns.services import results_compute

    before = snapshot_latest(campaign=campaign)
    snapshot = results_compute(campaign=campaign, by=by, source=source)
    if before is None or before.pk != snapshot.pk:
        filed = Alert.objects.filter(campaign=campaign, last_snapshot=snapshot)
        created = filed.filter(first_snapshot=snapshot).count()
        return snapshot, SyncReport(created, filed.count() - created, 0)
    return snapshot, alerts_sync(campaign=campaign, snapshot=snapshot, by=by, source=source)


# --------------------------------------------------------------------------- lifecycle


def _locked(alert: Alert, by: Any, capability: str, expected_status: str | None, *,
            doing: str = "处理预警") -> Alert:
    """Lock, reload and check who acts and that the page they acted on is current."""
    ledger_lock()
    if not has(by, capability):
        raise AlertError(f"您没有{doing}的权限", code="forbidden", location=f"预警 #{alert.pk}")
    alert = Alert.objects.select_for_update().select_related("campaign", "last_snapshot").get(pk=alert.pk)
    if alert.campaign.status == CampaignStatus.ARCHIVED:
        raise AlertError(f"活动 {alert.campaign.code} 已归档，预警不能再处理", code="campaign_state",
                         location=f"预警 #{alert.pk}")
    if expected_status is not None and expected_status != alert.status:
        label = AlertStatus(alert.status).label
        raise AlertError(f"预警 #{alert.pk} 已被他人处理，当前状态为「{label}」；请刷新页面后再操作",
                         code="stale", location=f"预警 #{alert.pk}")
    return alert


def _reason(text: str, what: str, alert: Alert, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise AlertError(f"{what}必须填写理由", code="missing_reason", location="reason")
    if len(text) > REASON_MAX:
        raise AlertError(f"{what}的说明不能超过 {REASON_MAX} 字（现为 {len(text)} 字）", code="too_long",
                         location="reason")
    return text


@transaction.atomic
def alert_assign(*, alert: Alert, assignee: Any, by: Any, note: str = "", expected_status: str | None = None,
                 source: str = "web") -> Alert:
    """Give the alert to a person who may handle alerts (new → assigned; reassigning keeps the state)."""
    alert = _locked(alert, by, "alerts.handle", expected_status)
    note = _reason(note, "指派", alert, required=False)
    if alert.is_closed:
        raise AlertError(f"预警 #{alert.pk} 已办结，不能再指派", code="closed", location="assignee")
    if assignee is None or not getattr(assignee, "is_active", False) or not has(assignee, "alerts.handle"):
        raise AlertError("承办人必须是可以处理预警的在职人员（考核办或第三方监督）", code="bad_assignee",
                         location="assignee")
    before = alert.status
    alert.assignee = assignee
    if alert.status == AlertStatus.NEW:
        alert.status = AlertStatus.ASSIGNED
    alert.updated_at = timezone.now()
    alert.save(update_fields=["assignee", "status", "updated_at"])
    _record(alert, AlertEvent.Action.ASSIGN, before, by, source, note=note,
            data={"assignee": assignee.get_username()})
    return alert


@transaction.atomic
def alert_investigate(*, alert: Alert, by: Any, note: str = "", expected_status: str | None = None,
                      source: str = "web") -> Alert:
    """Start the investigation of an assigned alert (assigned → investigating)."""
    alert = _locked(alert, by, "alerts.handle", expected_status)
    note = _reason(note, "核查", alert, required=False)
    if alert.status != AlertStatus.ASSIGNED:
        label = AlertStatus(alert.status).label
        hint = "请先指派承办人" if alert.status == AlertStatus.NEW else f"当前为「{label}」"
        raise AlertError(f"预警 #{alert.pk} 不能开始核查：{hint}", code="bad_transition", location="status")
    before = alert.status
    alert.status = AlertStatus.INVESTIGATING
    alert.updated_at = timezone.now()
    alert.save(update_fields=["status", "updated_at"])
    _record(alert, AlertEvent.Action.INVESTIGATE, before, by, source, note=note)
    return alert


@transaction.atomic
def alert_close(*, alert: Alert, outcome: str, reason: str, by: Any, expected_status: str | None = None,
                source: str = "web") -> Alert:
    """Close an investigated alert as confirmed (属实) or dismissed (不属实), with a reason."""
    alert = _locked(alert, by, "alerts.handle", expected_status)
    if outcome not in (AlertStatus.CONFIRMED, AlertStatus.DISMISSED):
        raise AlertError(f"结论应为「属实」或「不属实」，实际为 {outcome!r}", code="bad_value", location="outcome")
    reason = _reason(reason, "办结预警", alert, required=True)
    if alert.status != AlertStatus.INVESTIGATING:
        label = AlertStatus(alert.status).label
        raise AlertError(f"预警 #{alert.pk} 当前为「{label}」，只有核查中的预警才能办结", code="bad_transition",
                         location="status")
    before = alert.status
    now = timezone.now()
    alert.status, alert.close_reason, alert.closed_at, alert.closed_by = outcome, reason, now, _user(by)
    alert.updated_at = now
    alert.save(update_fields=["status", "close_reason", "closed_at", "closed_by", "updated_at"])
    action = AlertEvent.Action.CONFIRM if outcome == AlertStatus.CONFIRMED else AlertEvent.Action.DISMISS
    _record(alert, action, before, by, source, note=reason)
    return alert


# --------------------------------------------------------------------------- exclusion


def exclusion_scopes(alert: Alert) -> list[str]:
    """What a confirmed alert of this kind may exclude: whole sheets or scores on units."""
    if alert.kind in RATER_KINDS and alert.raters:
        return ["sheet"]
    if alert.kind in UNIT_KINDS and alert.raters:
        return ["unit"]
    return []


def exclusion_targets(alert: Alert, scope: str) -> list[tuple[str, str | None]]:
    """(rater code, unit code or ``None``) pairs the exclusion would record.

    ``sheet``: every named rater, all units. ``unit`` (favours): each named rater's
    scores on the unit(s) their own unit favoured — the partner of a pair, the next unit
    of a ring.
    """
    if scope == "sheet":
        return [(code, None) for code in alert.raters]
    own = dict(Rater.objects.filter(campaign_id=alert.campaign_id, code__in=alert.raters)
               .values_list("code", "unit_id"))
    target_code = dict(CampaignUnit.objects.filter(campaign_id=alert.campaign_id).values_list("unit_id", "code"))
    ring = list((alert.data or {}).get("ring") or [])
    pairs: list[tuple[str, str | None]] = []
    for code in alert.raters:
        mine = target_code.get(own.get(code))
        if mine is None or mine not in alert.units:
            continue
        if ring and mine in ring:
            favoured = [ring[(ring.index(mine) + 1) % len(ring)]]
        else:
            favoured = [u for u in alert.units if u != mine]
        pairs += [(code, u) for u in favoured]
    return pairs


@transaction.atomic
def sheet_exclude(*, alert: Alert, scope: str, reason: str, by: Any, expected_status: str | None = None,
                  source: str = "web") -> ResultSnapshot:
    """Leave the alert's raters' scores out of the results, then compute a new snapshot.

    Refused, with nothing written, unless ``by`` may exclude sheets (the office), the
    alert is confirmed, it is about raters, the scope fits its kind, a reason is given,
    the campaign is not archived and the sheets are not excluded already. The scores
    themselves stay as given; the decision goes into the bundle (``exclusions``) and the
    ledger, and the new snapshot says what was left out and why.
    """
    alert = _locked(alert, by, OFFICE_CAPABILITY, expected_status, doing="剔除评分表（仅考核办可以）")
    if alert.status == AlertStatus.DISMISSED:
        raise AlertError(f"预警 #{alert.pk} 已认定不属实，不能据此剔除评分表", code="dismissed", location="status")
    if alert.status != AlertStatus.CONFIRMED:
        label = AlertStatus(alert.status).label
        raise AlertError(f"预警 #{alert.pk} 当前为「{label}」，只有认定属实的预警才能剔除评分表",
                         code="not_confirmed", location="status")
    allowed = exclusion_scopes(alert)
    if not allowed:
        raise AlertError("此类预警不涉及具体评价人的评分表，不能剔除", code="no_sheet", location="scope")
    if scope not in allowed:
        what = {"sheet": "剔除整张评分表", "unit": "仅剔除对相关单位的评分"}
        raise AlertError(f"此类预警只能{what[allowed[0]]}", code="bad_scope", location="scope")
    reason = _reason(reason, "剔除评分表", alert, required=True)
    targets = exclusion_targets(alert, scope)
    if not targets:
        raise AlertError("找不到该预警涉及的评价人，无法剔除", code="no_sheet", location="scope")
    campaign = alert.campaign
    raters = {r.code: r for r in Rater.objects.filter(campaign=campaign, code__in=[r for r, _ in targets])}
    units = dict(CampaignUnit.objects.filter(campaign=campaign).values_list("code", "unit_id"))
    done = SheetExclusion.objects.filter(campaign=campaign)
    for rater_code, unit_code in targets:
        rater = raters.get(rater_code)
        if rater is None:
            raise AlertError(f"评价人 {rater_code} 不属于活动 {campaign.code}", code="unknown_rater", location="scope")
        whole = done.filter(rater=rater, unit__isnull=True).exists()
        if whole or (unit_code and done.filter(rater=rater, unit_id=units.get(unit_code)).exists()):
            where = "的全部评分" if whole or unit_code is None else f"对单位 {unit_code} 的评分"
            raise AlertError(f"评价人 {rater_code}{where}已经剔除，不能重复剔除", code="already_excluded",
                             location="scope")
    user = _user(by)
    rows = SheetExclusion.objects.bulk_create([
        SheetExclusion(campaign=campaign, rater=raters[rc], unit_id=units[uc] if uc else None, reason=reason,
                       decision=f"alert-{alert.pk}", alert=alert, created_by=user)
        for rc, uc in targets
    ])
    alert.updated_at = timezone.now()
    alert.save(update_fields=["updated_at"])
    scope_text = "、".join(rc + (f"→{uc}" if uc else "（全部评分）") for rc, uc in targets)
    _record(alert, AlertEvent.Action.EXCLUDE, alert.status, by, source, note=f"{scope_text}：{reason}",
            extra_rows=[rowset_from_db("sheet_exclusion", sorted(x.pk for x in rows))],
            data={"scope": scope, "targets": [[rc, uc] for rc, uc in targets]})
    snapshot, _ = results_and_alerts(campaign=campaign, by=by, source=source)
    return snapshot


def _targets_text(exclusions: Iterable[SheetExclusion]) -> str:
    return "、".join(x.rater.code + (f"→{x.unit.code}" if x.unit_id else "（全部评分）") for x in exclusions)


@transaction.atomic
def sheet_exclusion_revoke(*, alert: Alert, reason: str, by: Any, expected_status: str | None = None,
                           source: str = "web") -> ResultSnapshot:
    """Withdraw the exclusions made from this alert, then compute a new snapshot.

    The office only, with a reason. The exclusion rows are deleted (the bundle no longer
    carries them); what they were, who had made them and who withdrew them, when and why
    stay in the alert's history and the ledger. The alert keeps its conclusion: reopening
    it is a separate decision (:func:`alert_reopen`).
    """
    alert = _locked(alert, by, OFFICE_CAPABILITY, expected_status, doing="撤销剔除（仅考核办可以）")
    reason = _reason(reason, "撤销剔除", alert, required=True)
    rows = list(alert.exclusions.select_related("rater", "unit", "created_by").order_by("id"))
    if not rows:
        raise AlertError(f"预警 #{alert.pk} 没有据此剔除的评分，无需撤销", code="nothing_excluded",
                         location="status")
    revoked = [{"rater": x.rater.code, "unit": x.unit.code if x.unit_id else None, "reason": x.reason,
                "decision": x.decision, "created_at": x.created_at.isoformat(),
                "created_by": x.created_by.get_username() if x.created_by else ""} for x in rows]
    text = _targets_text(rows)
    ids = [x.pk for x in rows]
    SheetExclusion.objects.filter(pk__in=ids).delete()
    alert.updated_at = timezone.now()
    alert.save(update_fields=["updated_at"])
    _record(alert, AlertEvent.Action.REVOKE, alert.status, by, source, note=f"{text}：{reason}",
            extra_rows=[rowset_deleted("sheet_exclusion", ids)], data={"revoked": revoked})
    snapshot, _ = results_and_alerts(campaign=alert.campaign, by=by, source=source)
    return snapshot


# --------------------------------------------------------------------------- reopening


@transaction.atomic
def alert_reopen(*, alert: Alert, reason: str, by: Any, expected_status: str | None = None,
                 source: str = "web") -> Alert:
    """Reopen a closed alert (confirmed | dismissed → investigating), the office only, with a reason.

    The conclusion and its reason are cleared from the alert but stay in its history
    and the ledger. Refused while sheets excluded on the strength of the alert stand:
    they must be revoked first (:func:`sheet_exclusion_revoke`), so no score changes
    silently.
    """
    alert = _locked(alert, by, REOPEN_CAPABILITY, expected_status, doing="重新打开预警（仅考核办可以）")
    reason = _reason(reason, "重新打开预警", alert, required=True)
    if not alert.is_closed:
        label = AlertStatus(alert.status).label
        raise AlertError(f"预警 #{alert.pk} 当前为「{label}」，只有已办结的预警才能重新打开",
                         code="bad_transition", location="status")
    standing = list(alert.exclusions.select_related("rater", "unit").order_by("id"))
    if standing:
        raise AlertError(f"预警 #{alert.pk} 已据此剔除评分（{_targets_text(standing)}），"
                         "请先撤销剔除，再重新打开", code="excluded", location="status")
    before, old_reason = alert.status, alert.close_reason
    alert.status = AlertStatus.INVESTIGATING
    alert.close_reason, alert.closed_at, alert.closed_by = "", None, None
    alert.updated_at = timezone.now()
    alert.save(update_fields=["status", "close_reason", "closed_at", "closed_by", "updated_at"])
    _record(alert, AlertEvent.Action.REOPEN, before, by, source, note=reason,
            data={"previous_reason": old_reason})
    return alert
