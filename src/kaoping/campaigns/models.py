"""Campaigns (R3): everything a C1 bundle holds, kept so that it can be exported again.

Rows are written only by :mod:`kaoping.campaigns.services`, each change recorded in the
ledger in the same transaction; the admin shows them read-only.

Scores hang off an :class:`Assignment` (who scores whom, R3.2): one row per rater and
target unit, and one :class:`Score` per assignment and indicator. "One score per
campaign × rater × unit × indicator" is the pair of unique constraints
``(campaign, rater, unit)`` on assignments and ``(assignment, indicator)`` on scores.
Scores thus carry two foreign keys instead of four, which halves the per-row foreign-key
checks PostgreSQL makes when half a million scores are loaded.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class CampaignKind(models.TextChoices):
    MUTUAL = "mutual", _("单位互评")
    EFFICIENCY = "efficiency", _("效能建设监测")
    WINDOW = "window", _("服务窗口评价")
    APPRAISAL = "appraisal", _("绩效考评")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已截止")
    PUBLISHED = "published", _("已发布")
    ARCHIVED = "archived", _("已归档")


#: the lifecycle, in order; a campaign only ever moves one step forward
LIFECYCLE = [s.value for s in CampaignStatus]


class Campaign(models.Model):
    code = models.CharField(_("活动代码"), max_length=64, unique=True)
    name = models.CharField(_("活动名称"), max_length=200)
    kind = models.CharField(_("考评类型"), max_length=16, choices=CampaignKind.choices, blank=True)
    period_start = models.DateField(_("考评期开始"), null=True, blank=True)
    period_end = models.DateField(_("考评期结束"), null=True, blank=True)
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=CampaignStatus.choices,
                              default=CampaignStatus.DRAFT)
    library_version = models.ForeignKey("indicators.LibraryVersion", models.PROTECT, related_name="campaigns",
                                        verbose_name=_("指标体系版本"))
    scoring = models.JSONField(_("计分参数"), null=True, blank=True,
                               help_text=_("数据包 scoring 部分，原样保存；空表示全部取默认值"))
    extra = models.JSONField(_("其他字段"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("创建人"))

    class Meta:
        verbose_name = _("考评活动")
        verbose_name_plural = _("考评活动")
        ordering = ["-created_at", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=LIFECYCLE), name="campaigns_campaign_status_known"),
            models.CheckConstraint(condition=Q(kind__in=[*CampaignKind.values, ""]),
                                   name="campaigns_campaign_kind_known"),
            models.CheckConstraint(condition=~Q(code=""), name="campaigns_campaign_code_not_empty"),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True) | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")), name="campaigns_campaign_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CampaignUnit(models.Model):
    """A target unit of a campaign, with the unit's record as the campaign ran with it.

    ``code`` and ``fields`` keep the bundle's unit record (type, region and any field
    a weight override may match) so that later changes to the organisation register
    never change a campaign's results.
    """

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="targets", verbose_name=_("考评活动"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    code = models.CharField(_("单位代码"), max_length=64)
    fields = models.JSONField(_("单位字段"), default=dict, blank=True)

    class Meta:
        verbose_name = _("考评对象")
        verbose_name_plural = _("考评对象")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="campaigns_target_unit_unique"),
            models.UniqueConstraint(fields=["campaign", "code"], name="campaigns_target_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.fields.get('name', '')}".strip()


class EvaluatorGroup(models.Model):
    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="groups", verbose_name=_("考评活动"))
    code = models.CharField(_("评价组代码"), max_length=64)
    name = models.CharField(_("名称"), max_length=200)
    weight = models.FloatField(_("权重"))
    extra = models.JSONField(_("其他字段"), default=dict, blank=True)

    class Meta:
        verbose_name = _("评价组")
        verbose_name_plural = _("评价组")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="campaigns_group_code_unique"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="campaigns_group_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Rater(models.Model):
    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="raters", verbose_name=_("考评活动"))
    code = models.CharField(_("评价人代码"), max_length=64)
    group = models.ForeignKey(EvaluatorGroup, models.PROTECT, related_name="raters", verbose_name=_("评价组"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("所在单位"))
    user = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="rater_roles",
                             verbose_name=_("登录账号"))
    name = models.CharField(_("姓名"), max_length=100, blank=True)
    remit = models.JSONField(_("评价范围"), null=True, blank=True,
                             help_text=_("评价人应当了解的单位代码；空表示未说明"))
    extra = models.JSONField(_("其他字段"), default=dict, blank=True)

    class Meta:
        verbose_name = _("评价人")
        verbose_name_plural = _("评价人")
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="campaigns_rater_code_unique")]

    def __str__(self) -> str:
        return self.code + (f" {self.name}" if self.name else "")


class Conflict(models.Model):
    """A declared conflict of interest: the rater's scores on the unit are excluded (回避)."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="conflicts", verbose_name=_("考评活动"))
    rater = models.ForeignKey(Rater, models.PROTECT, related_name="conflicts", verbose_name=_("评价人"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))

    class Meta:
        verbose_name = _("利益冲突申报")
        verbose_name_plural = _("利益冲突申报")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "rater", "unit"], name="campaigns_conflict_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rater.code} ↔ {self.unit.code}"


class WeightOverride(models.Model):
    """Weights replaced for units matching ``match``; later overrides win (C1 rule 1)."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="weight_overrides",
                                 verbose_name=_("考评活动"))
    position = models.PositiveIntegerField(_("顺序"))
    match = models.JSONField(_("匹配条件"), default=dict)
    weights = models.JSONField(_("替换权重"))
    extra = models.JSONField(_("其他字段"), default=dict, blank=True)

    class Meta:
        verbose_name = _("权重调整")
        verbose_name_plural = _("权重调整")
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="campaigns_override_position_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {json.dumps(self.match, ensure_ascii=False)}"


class Assignment(models.Model):
    """Who scores whom (R3.2): one rater, one target unit."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="assignments", db_index=False,
                                 verbose_name=_("考评活动"))
    rater = models.ForeignKey(Rater, models.PROTECT, related_name="assignments", verbose_name=_("评价人"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+", verbose_name=_("被评单位"))

    class Meta:
        verbose_name = _("评价分配")
        verbose_name_plural = _("评价分配")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "rater", "unit"], name="campaigns_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rater.code} → {self.unit.code}"


class Score(models.Model):
    """One value a rater gave a unit on a rated leaf, exactly as given.

    A number goes to ``value_number``, a scale label to ``value_label``; exactly one of
    them is set.
    """

    assignment = models.ForeignKey(Assignment, models.PROTECT, related_name="scores", db_index=False,
                                   verbose_name=_("评价分配"))
    # no index of its own: the unique (assignment, indicator) index serves lookups, and an
    # index less is a tenth less work per score on a bulk import
    indicator = models.ForeignKey("indicators.IndicatorNode", models.PROTECT, related_name="+", db_index=False,
                                  verbose_name=_("指标"))
    value_number = models.FloatField(_("分值"), null=True, blank=True)
    # NULL, not "", when the value is a number: the check below wants exactly one value
    value_label = models.CharField(_("等级"), max_length=100, null=True, blank=True)  # noqa: DJ001

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "indicator"], name="campaigns_score_unique"),
            models.CheckConstraint(
                condition=Q(value_number__isnull=False, value_label__isnull=True, value_number__gte=0)
                | (Q(value_number__isnull=True, value_label__isnull=False) & ~Q(value_label="")),
                name="campaigns_score_one_value"),
        ]

    def __str__(self) -> str:
        a = self.assignment
        return (f"活动 {a.campaign.code}，评价人 {a.rater.code}，单位 {a.unit.code}，"
                f"指标 {self.indicator.code}，分值 {self.value}")

    @property
    def value(self) -> Any:
        return self.value_label if self.value_label is not None else self.value_number


class Measure(models.Model):
    """A value measured for a unit on a measured leaf (C1 ``measures``)."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="measures", db_index=False,
                                 verbose_name=_("考评活动"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    indicator = models.ForeignKey("indicators.IndicatorNode", models.PROTECT, related_name="+",
                                  verbose_name=_("指标"))
    value = models.FloatField(_("数值"))

    class Meta:
        verbose_name = _("采集数据")
        verbose_name_plural = _("采集数据")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "indicator"], name="campaigns_measure_unique"),
        ]

    def __str__(self) -> str:
        return f"活动 {self.campaign.code}，单位 {self.unit.code}，指标 {self.indicator.code}，数值 {self.value}"


class Adjustment(models.Model):
    """A bonus (positive points) or deduction (negative points) with its reason (R2.7)."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="adjustments", verbose_name=_("考评活动"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    points = models.FloatField(_("分数"), help_text=_("正数加分，负数减分"))
    reason = models.TextField(_("事由"), blank=True)
    extra = models.JSONField(_("其他字段"), default=dict, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    created_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("登记人"))

    class Meta:
        verbose_name = _("加减分")
        verbose_name_plural = _("加减分")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"活动 {self.campaign.code}，单位 {self.unit.code}，{self.points:+g} 分：{self.reason}"


class Veto(models.Model):
    """A veto item (一票否决): the unit gets the last grade whatever its total."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="vetoes", verbose_name=_("考评活动"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+", verbose_name=_("单位"))
    reason = models.TextField(_("事由"), blank=True)
    extra = models.JSONField(_("其他字段"), default=dict, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    created_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("登记人"))

    class Meta:
        verbose_name = _("一票否决")
        verbose_name_plural = _("一票否决")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"活动 {self.campaign.code}，单位 {self.unit.code}：{self.reason}"


class HistoryEntry(models.Model):
    """A previous period's results as the bundle gives them (C1 ``history``), verbatim."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="history", verbose_name=_("考评活动"))
    position = models.PositiveIntegerField(_("顺序"))
    previous_code = models.CharField(_("往期活动代码"), max_length=64)
    results = models.JSONField(_("往期结果"), default=list)
    extra = models.JSONField(_("其他字段"), default=dict, blank=True)

    class Meta:
        verbose_name = _("往期结果")
        verbose_name_plural = _("往期结果")
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="campaigns_history_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} ← {self.previous_code}"


class ResultSnapshot(models.Model):
    """Results (C2) computed once from the campaign's exported bundle; never updated.

    A recomputation makes a new snapshot; ``input_hash`` is the SHA-256 of the canonical
    JSON of the bundle it was computed from, so anyone can check it against an export.
    ``results_json`` is the C2 document as the engine wrote it (key order kept).
    """

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="snapshots", verbose_name=_("考评活动"))
    created_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    engine_version = models.CharField(_("引擎版本"), max_length=32)
    input_hash = models.CharField(_("数据包哈希"), max_length=64)
    results_json = models.TextField(_("结果（C2 JSON）"))
    created_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("计算人"))

    class Meta:
        verbose_name = _("结果快照")
        verbose_name_plural = _("结果快照")
        ordering = ["campaign", "-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(input_hash=""), name="campaigns_snapshot_hash_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} @ {self.created_at:%Y-%m-%d %H:%M}（{self.input_hash[:12]}）"

    @property
    def results(self) -> dict[str, Any]:
        return json.loads(self.results_json)
