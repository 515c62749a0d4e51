"""Writes of the collection app: sheets, anonymous links, evidence, third-party checks.

Same rules as :mod:`kaoping.campaigns.services`: keyword-only, atomic, validate first and
write after, one ledger entry in the same transaction for every score or correction.
Submitting a sheet mirrors :func:`kaoping.campaigns.services.score_record` (campaign
state, target unit, rated leaf, value in ``[0, full]`` or a label of the scale) for a
whole sheet at once, with one ledger entry per sheet instead of one per value.
Submissions and third-party checks are covered rows of the ledger like the scores
(:data:`kaoping.ledger.tables.COVERED`): every entry carries their row sets, so
``kaoping ledger verify`` names one changed, deleted or inserted behind the application.
Spreadsheet uploads live in :mod:`kaoping.collection.uploads`.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Mapping, Sequence
from pathlib import PureWindowsPath
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kaoping.accounts.permissions import require
from kaoping.campaigns.models import (
    Assignment,
    Campaign,
    CampaignStatus,
    EvaluatorGroup,
    Measure,
    Rater,
    Score,
)
from kaoping.campaigns.services import measure_record
from kaoping.engine.errors import KaopingError
from kaoping.ledger.services import actor_of, ledger_append, ledger_lock, rowset_from_db

from . import selectors
from .models import (
    AnonymousToken,
    Channel,
    CheckStatus,
    Evidence,
    MeasureCheck,
    SheetDraft,
    SheetSubmission,
    TokenBatch,
)
from .selectors import SheetLeaf

#: a one-time link carries this many random bytes (128 bits)
TOKEN_BYTES = 16
MAX_TOKENS_PER_BATCH = 500
#: evidence files: size limit and accepted kinds (extension → MIME type, leading bytes)
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
}
#: campaign states in which measured values (and so their checks) may still change
MEASURE_STATES = (CampaignStatus.DRAFT, CampaignStatus.OPEN, CampaignStatus.CLOSED)


class CollectionError(KaopingError):
    """A sheet, link, upload or check is refused; ``field_errors`` name the fields."""

    default_code = "collection_error"

    def __init__(self, message: str, *, code: str | None = None, location: str | None = None,
                 field_errors: Mapping[str, str] | None = None):
        super().__init__(message, code=code, location=location)
        self.field_errors = dict(field_errors or {})


# --------------------------------------------------------------------------- values


def clean_value(leaf: SheetLeaf, raw: Any, *, numbers_on_scale: bool = False) -> tuple[float | None, str | None]:
    """One value of a rated leaf as ``(number, label)``; ``ValueError`` with a message if bad.

    A leaf with a scale takes one of its labels (and, from spreadsheets, a number in
    ``[0, full]`` as C1 allows); other leaves a number in ``[0, full]``.
    """
    if isinstance(raw, str):
        raw = raw.strip()
    if leaf.scale and isinstance(raw, str) and not _looks_numeric(raw):
        if raw not in leaf.scale:
            raise ValueError(f"「{raw}」不是该指标的等级（可选：{'、'.join(leaf.scale)}）")
        return None, raw
    if leaf.scale and not numbers_on_scale:
        raise ValueError(f"请选择等级（{'、'.join(leaf.scale)}）")
    if isinstance(raw, bool) or raw is None:
        raise ValueError("应填写数字")
    if isinstance(raw, str):
        try:
            raw = float(raw)
        except ValueError:
            raise ValueError(f"应填写数字，实际为文本「{raw[:20]}」") from None
    if not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ValueError(f"应填写数字，实际为 {raw!r}")
    if not 0 <= raw <= leaf.full:
        raise ValueError(f"分值 {raw:g} 超出范围 0–{leaf.full:g}")
    return float(raw), None


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def check_values(leaves: Sequence[SheetLeaf], values: Mapping[str, Any], *, complete: bool,
                 ) -> tuple[dict[str, tuple[float | None, str | None]], dict[str, str]]:
    """Clean a sheet's values (indicator code → raw value): ``(clean, errors by code)``."""
    known = {leaf.code for leaf in leaves}
    errors: dict[str, str] = {}
    clean: dict[str, tuple[float | None, str | None]] = {}
    for code in values:
        if code not in known:
            errors[code] = f"指标 {code} 不在此评分表中"
    for leaf in leaves:
        raw = values.get(leaf.code)
        if _blank(raw):
            if complete:
                errors[leaf.code] = "此项必填" if not leaf.scale else "请选择等级"
            continue
        try:
            clean[leaf.code] = clean_value(leaf, raw)
        except ValueError as exc:
            errors[leaf.code] = str(exc)
    return clean, errors


def _stored(value: tuple[float | None, str | None]) -> Any:
    number, label = value
    if label is not None:
        return label
    assert number is not None
    return int(number) if number.is_integer() else number


# --------------------------------------------------------------------------- named sheets


def _open_campaign(campaign: Campaign, doing: str) -> None:
    if campaign.status != CampaignStatus.OPEN:
        label = dict(CampaignStatus.choices)[campaign.status]
        raise CollectionError(f"考评活动「{campaign.name}」当前为「{label}」，不能{doing}",
                              code="campaign_state", location=campaign.code)
    if selectors.deadline_passed(campaign):
        raise CollectionError(f"已过截止日期 {campaign.deadline:%Y-%m-%d}，不能{doing}",
                              code="deadline_passed", location=campaign.code)


def _sheet_guard(assignment: Assignment, by: Any, doing: str) -> None:
    """Everything that refuses a named sheet before its values are looked at."""
    campaign, rater, unit = assignment.campaign, assignment.rater, assignment.unit
    if by is None or getattr(by, "pk", None) is None or rater.user_id != by.pk:
        raise CollectionError("这不是您的评分表", code="not_assigned", location=f"{campaign.code}/{unit.code}")
    require(by, "sheets.fill")
    _open_campaign(campaign, doing)
    if not selectors.is_target(campaign, unit.pk):
        raise CollectionError(f"单位 {unit.name} 不是本活动的考评对象", code="unknown_unit", location=unit.code)
    if selectors.avoids(rater, unit.pk):
        raise CollectionError(f"您须回避对「{unit.name}」的评价（本单位或已申报的利益冲突）",
                              code="avoidance", location=unit.code)
    submission = SheetSubmission.objects.filter(assignment=assignment).first()
    if submission is not None:
        raise CollectionError(f"对「{unit.name}」的评分表已于 {submission.submitted_on:%Y-%m-%d} 提交，不能重复提交或修改",
                              code="already_submitted", location=unit.code)
    if Score.objects.filter(assignment=assignment).exists():
        raise CollectionError(f"对「{unit.name}」已有评分记录，不能重复提交", code="already_submitted",
                              location=unit.code)


def _reload(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_related("campaign", "rater__group", "unit").get(pk=assignment.pk)


def _stale(draft: SheetDraft | None, version: int, unit_name: str) -> None:
    current = draft.version if draft else 0
    if version != current:
        raise CollectionError(
            f"对「{unit_name}」的评分表已在其他窗口或设备上保存过（当前第 {current} 版，本页面为第 {version} 版），"
            "请刷新页面后再操作", code="stale_form", location=unit_name)


@transaction.atomic
def draft_save(*, assignment: Assignment, values: Mapping[str, Any], version: int, by: Any) -> SheetDraft:
    """Save an evaluator's unfinished sheet (blanks allowed, bad values refused)."""
    assignment = _reload(assignment)
    _sheet_guard(assignment, by, "保存草稿")
    draft = SheetDraft.objects.select_for_update().filter(assignment=assignment).first()
    _stale(draft, version, assignment.unit.name)
    clean, errors = check_values(selectors.sheet_for(assignment), values, complete=False)
    if errors:
        raise CollectionError("草稿未保存：请改正标出的项目", code="invalid_values", field_errors=errors)
    stored = {code: _stored(v) for code, v in clean.items()}
    if draft is not None:
        draft.values, draft.version, draft.updated_at = stored, draft.version + 1, timezone.now()
        draft.save(update_fields=["values", "version", "updated_at"])
        return draft
    try:
        with transaction.atomic():
            return SheetDraft.objects.create(assignment=assignment, values=stored, version=1)
    except IntegrityError:  # another tab created it meanwhile
        _stale(SheetDraft.objects.get(assignment=assignment), version, assignment.unit.name)
        raise


@transaction.atomic
def sheet_submit(*, assignment: Assignment, values: Mapping[str, Any], version: int, by: Any) -> SheetSubmission:
    """Submit a named evaluator's sheet once: every value, one ledger entry, or nothing."""
    ledger_lock()  # submissions queue here, so a double submission sees the first one
    assignment = _reload(assignment)
    _sheet_guard(assignment, by, "提交评分")
    draft = SheetDraft.objects.select_for_update().filter(assignment=assignment).first()
    _stale(draft, version, assignment.unit.name)
    leaves = selectors.sheet_for(assignment)
    if not leaves:
        raise CollectionError("此评分表没有需要您评分的指标", code="empty_sheet", location=assignment.unit.code)
    clean, errors = check_values(leaves, values, complete=True)
    if errors:
        raise CollectionError(f"未提交：有 {len(errors)} 项需要改正", code="invalid_values", field_errors=errors)

    scores = Score.objects.bulk_create([
        Score(assignment=assignment, indicator_id=leaf.pk, value_number=clean[leaf.code][0],
              value_label=clean[leaf.code][1])
        for leaf in leaves
    ])
    now = timezone.now()
    submission = SheetSubmission.objects.create(assignment=assignment, channel=Channel.WEB,
                                                submitted_on=timezone.localdate(now), submitted_at=now,
                                                submitted_by=by)
    if draft is not None:
        draft.delete()
    campaign = assignment.campaign
    ledger_append(action="sheet.submit", actor=actor_of(by, "web"), object_type="campaign", object_id=campaign.code,
                  rows=[rowset_from_db("score", [s.pk for s in scores]),
                        rowset_from_db("sheet_submission", [submission.pk])],
                  data={"rater": assignment.rater.code, "unit": assignment.unit.code, "channel": Channel.WEB,
                        "count": len(scores)})
    return submission


# --------------------------------------------------------------------------- anonymous links


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def anonymous_links_create(*, campaign: Campaign, group: EvaluatorGroup, count: int, by: Any,
                           note: str = "") -> tuple[TokenBatch, list[str]]:
    """Make ``count`` one-time links for a group; the secrets are returned once, kept hashed."""
    require(by, "data.upload")
    if group.campaign_id != campaign.pk:
        raise CollectionError(f"评价组 {group.code} 不属于本活动", code="unknown_group", location=group.code,
                              field_errors={"group": "请选择本活动的评价组"})
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.OPEN):
        label = dict(CampaignStatus.choices)[campaign.status]
        raise CollectionError(f"活动当前为「{label}」，不能再生成匿名链接", code="campaign_state",
                              location=campaign.code)
    if type(count) is not int or not 1 <= count <= MAX_TOKENS_PER_BATCH:
        raise CollectionError(f"数量应为 1–{MAX_TOKENS_PER_BATCH} 的整数", code="bad_count",
                              field_errors={"count": f"数量应为 1–{MAX_TOKENS_PER_BATCH} 的整数"})
    batch = TokenBatch.objects.create(campaign=campaign, group=group, count=count, note=note.strip()[:200],
                                      created_by=by)
    tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _ in range(count)]
    AnonymousToken.objects.bulk_create([AnonymousToken(batch=batch, token_hash=token_hash(t)) for t in tokens])
    ledger_append(action="anonymous_links.create", actor=actor_of(by, "web"), object_type="campaign",
                  object_id=campaign.code, data={"group": group.code, "count": count, "batch": batch.pk})
    return batch, tokens


def anonymous_token(token: str) -> AnonymousToken:
    """The usable token behind a link, or a refusal saying why."""
    found = selectors.token_lookup(token_hash(token)) if 8 <= len(token) <= 64 else None
    if found is None:
        raise CollectionError("此链接无效，请核对二维码或链接是否完整", code="invalid_token")
    if found.used_on is not None:
        raise CollectionError("此链接已经使用过。每个匿名链接只能提交一次，如有疑问请联系考核办。",
                              code="token_used")
    _open_campaign(found.batch.campaign, "提交评价")
    return found


def anonymous_field(unit_code: str, indicator_code: str) -> str:
    return f"{unit_code}|{indicator_code}"


@transaction.atomic
def anonymous_submit(*, token: str, values: Mapping[str, Any]) -> int:
    """Submit an anonymous sheet and burn the token; returns how many values were stored.

    ``values`` maps :func:`anonymous_field` keys to raw values. The sheet becomes a new
    rater record with a random code; nothing links it to the token or to the person,
    and only the day is kept (no time, no address).
    """
    ledger_lock()
    found = anonymous_token(token)
    AnonymousToken.objects.select_for_update().filter(pk=found.pk).first()  # lock the row
    campaign, group = found.batch.campaign, found.batch.group
    sections = selectors.anonymous_sections(campaign=campaign, group=group)
    errors: dict[str, str] = {}
    plan: list[tuple[int, list[tuple[SheetLeaf, tuple[float | None, str | None]]]]] = []
    for target, leaves in sections:
        unit_values = {leaf.code: values.get(anonymous_field(target.code, leaf.code)) for leaf in leaves}
        clean, unit_errors = check_values(leaves, unit_values, complete=True)
        errors.update({anonymous_field(target.code, code): msg for code, msg in unit_errors.items()})
        plan.append((target.unit_id, [(leaf, clean[leaf.code]) for leaf in leaves if leaf.code in clean]))
    if not sections:
        raise CollectionError("此评价表没有需要评价的指标", code="empty_sheet")
    if errors:
        raise CollectionError(f"未提交：有 {len(errors)} 项需要填写或改正", code="invalid_values",
                              field_errors=errors)

    rater = Rater.objects.create(campaign=campaign, code=f"ANON-{secrets.token_hex(6).upper()}", group=group,
                                 extra={"anonymous": True})
    assignments = Assignment.objects.bulk_create([Assignment(campaign=campaign, rater=rater, unit_id=uid)
                                                  for uid, _ in plan])
    scores = Score.objects.bulk_create([
        Score(assignment=a, indicator_id=leaf.pk, value_number=v[0], value_label=v[1])
        for a, (_, items) in zip(assignments, plan, strict=True) for leaf, v in items
    ])
    day = timezone.localdate()
    submissions = SheetSubmission.objects.bulk_create([
        SheetSubmission(assignment=a, channel=Channel.ANONYMOUS, submitted_on=day) for a in assignments])
    updated = AnonymousToken.objects.filter(pk=found.pk, used_on__isnull=True).update(used_on=day)
    if updated != 1:  # pragma: no cover - the row lock above makes this unreachable
        raise CollectionError("此链接已经使用过", code="token_used")
    ledger_append(action="sheet.submit", actor="anonymous", object_type="campaign", object_id=campaign.code,
                  rows=[rowset_from_db("rater", [rater.pk]),
                        rowset_from_db("assignment", [a.pk for a in assignments]),
                        rowset_from_db("score", [s.pk for s in scores]),
                        rowset_from_db("sheet_submission", [s.pk for s in submissions])],
                  data={"rater": rater.code, "channel": Channel.ANONYMOUS, "group": group.code,
                        "units": len(assignments), "count": len(scores)})
    return len(scores)


# --------------------------------------------------------------------------- evidence and checks


def _measure_campaign(measure: Measure, doing: str) -> Campaign:
    campaign = Campaign.objects.get(pk=measure.campaign_id)
    if campaign.status not in MEASURE_STATES:
        label = dict(CampaignStatus.choices)[campaign.status]
        raise CollectionError(f"活动当前为「{label}」，不能{doing}（已发布的结果只能经申诉复核更正）",
                              code="campaign_state", location=campaign.code)
    return campaign


def _where(measure: Measure) -> str:
    return f"单位 {measure.unit.code} 指标 {measure.indicator.code}"


@transaction.atomic
def evidence_add(*, measure: Measure, filename: str, content: bytes, by: Any, note: str = "") -> Evidence:
    """Attach a file to a measured value (PDF, image, Excel or Word; at most 10 MB)."""
    require(by, "data.upload")
    ledger_lock()
    campaign = _measure_campaign(measure, "上传佐证材料")
    name = PureWindowsPath(filename or "").name.strip()[:255]
    suffix = PureWindowsPath(name).suffix.lower()
    if not content:
        raise CollectionError("文件为空", code="empty_file", field_errors={"file": "文件为空，请重新选择"})
    if len(content) > EVIDENCE_MAX_BYTES:
        message = f"文件过大（{len(content) / 2**20:.1f} MB），上限 {EVIDENCE_MAX_BYTES // 2**20} MB"
        raise CollectionError(message, code="too_large", field_errors={"file": message})
    if suffix not in EVIDENCE_TYPES:
        message = f"不支持的文件类型「{suffix or '无扩展名'}」，可上传：{'、'.join(sorted(EVIDENCE_TYPES))}"
        raise CollectionError(message, code="bad_type", field_errors={"file": message})
    mime, magics = EVIDENCE_TYPES[suffix]
    if not content.startswith(magics):
        message = f"文件内容与扩展名 {suffix} 不符，可能已损坏或被改名"
        raise CollectionError(message, code="bad_type", field_errors={"file": message})
    digest = hashlib.sha256(content).hexdigest()
    evidence = Evidence.objects.create(measure=measure, filename=name, content_type=mime, size=len(content),
                                       sha256=digest, content=content, note=note.strip()[:200], uploaded_by=by)
    ledger_append(action="evidence.add", actor=actor_of(by, "web"), object_type="campaign", object_id=campaign.code,
                  data={"unit": measure.unit.code, "indicator": measure.indicator.code, "evidence": evidence.pk,
                        "filename": name, "sha256": digest, "size": len(content)})
    return evidence


@transaction.atomic
def measure_check(*, measure: Measure, status: str, note: str, by: Any) -> MeasureCheck:
    """A supervisor's verdict on a measured value: verified, or disputed with a reason."""
    require(by, "data.verify")
    ledger_lock()
    campaign = _measure_campaign(measure, "核查数据")
    if status not in (CheckStatus.VERIFIED, CheckStatus.DISPUTED):
        raise CollectionError(f"核查结论 {status!r} 未知", code="bad_value", field_errors={"status": "请选择核查结论"})
    note = note.strip()
    if status == CheckStatus.DISPUTED and not note:
        raise CollectionError("标记异议须写明理由", code="missing_reason", field_errors={"note": "请写明异议理由"})
    check = MeasureCheck.objects.create(measure=measure, status=status, note=note, checked_by=by)
    ledger_append(action=f"measure.{status}", actor=actor_of(by, "web"), object_type="campaign",
                  object_id=campaign.code,
                  rows=[rowset_from_db("measure", [measure.pk]), rowset_from_db("measure_check", [check.pk])],
                  data={"unit": measure.unit.code, "indicator": measure.indicator.code, "value": measure.value,
                        "status": status, "note": note})
    return check


@transaction.atomic
def measure_correct(*, measure: Measure, value: Any, reason: str, by: Any) -> MeasureCheck:
    """Correct a measured value after a check: old and new value, who and why, in the ledger.

    The value itself goes through :func:`kaoping.campaigns.services.measure_record`
    (allowed while the campaign is a draft, open or closed).
    """
    require(by, "data.verify")
    ledger_lock()
    measure = Measure.objects.select_related("unit", "indicator").get(pk=measure.pk)
    campaign = _measure_campaign(measure, "更正数据")
    reason = reason.strip()
    errors = {}
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            errors["value"] = f"更正值应为数字，实际为「{value[:20]}」"
    if "value" not in errors and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not math.isfinite(value)):
        errors["value"] = "更正值应为数字"
    elif "value" not in errors and float(value) == measure.value:
        errors["value"] = "更正值与原值相同"
    if not reason:
        errors["note"] = "请写明更正理由"
    if errors:
        raise CollectionError("未更正：" + "；".join(errors.values()), code="invalid_correction",
                              location=_where(measure), field_errors=errors)
    old = measure.value
    measure = measure_record(campaign=campaign, unit=measure.unit, indicator=measure.indicator, value=float(value),
                             by=by, source="web")
    check = MeasureCheck.objects.create(measure=measure, status=CheckStatus.CORRECTED, note=reason, old_value=old,
                                        new_value=measure.value, checked_by=by)
    ledger_append(action="measure.correct", actor=actor_of(by, "web"), object_type="campaign",
                  object_id=campaign.code,
                  rows=[rowset_from_db("measure", [measure.pk]), rowset_from_db("measure_check", [check.pk])],
                  data={"unit": measure.unit.code, "indicator": measure.indicator.code, "old": old,
                        "new": measure.value, "reason": reason})
    return check
