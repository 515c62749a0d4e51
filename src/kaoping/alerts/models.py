"""Integrity alerts as case files (R5.7): found, assigned, investigated, closed.

An :class:`Alert` is one C2 alert of a campaign, kept across recomputations: the same
finding (kind, units, raters, indicator — its ``key``) found again in a later snapshot
updates the numbers and ``last_snapshot`` of the same record. Every change goes
through :mod:`kaoping.alerts.services`, which appends an :class:`AlertEvent` (the
history people read) and a ledger entry (the evidence) in the same transaction.

A :class:`SheetExclusion` is a decision to leave a rater's scores out of the results —
the whole sheet, or the scores on one unit. It is exported in the campaign bundle as
``exclusions`` (a C1 extension the engine applies), so anybody recomputing the bundle
gets the same numbers; it never changes a stored score.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class AlertStatus(models.TextChoices):
    NEW = "new", _("新发现")
    ASSIGNED = "assigned", _("已指派")
    INVESTIGATING = "investigating", _("核查中")
    CONFIRMED = "confirmed", _("属实")
    DISMISSED = "dismissed", _("不属实")


CLOSED = (AlertStatus.CONFIRMED, AlertStatus.DISMISSED)


class Alert(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", models.PROTECT, related_name="alert_cases",
                                 verbose_name=_("考评活动"))
    key = models.CharField(_("识别码"), max_length=64,
                           help_text=_("类型、单位、评价人、指标的 SHA-256：同一发现只记一次"))
    kind = models.CharField(_("类型"), max_length=40)
    severity = models.CharField(_("级别"), max_length=16)
    units = models.JSONField(_("涉及单位"), default=list, blank=True)
    raters = models.JSONField(_("涉及评价人"), default=list, blank=True)
    indicator = models.CharField(_("指标"), max_length=64, null=True, blank=True)  # noqa: DJ001
    detail = models.TextField(_("说明"))
    data = models.JSONField(_("依据数据"), default=dict, blank=True)
    first_snapshot = models.ForeignKey("campaigns.ResultSnapshot", models.PROTECT, related_name="+",
                                       verbose_name=_("首次发现于"))
    last_snapshot = models.ForeignKey("campaigns.ResultSnapshot", models.PROTECT, related_name="+",
                                      verbose_name=_("最近发现于"))
    status = models.CharField(_("状态"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.NEW)
    assignee = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("承办人"))
    close_reason = models.TextField(_("结论理由"), blank=True)
    created_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("办结人"))

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="alerts_alert_key_unique"),
            models.CheckConstraint(condition=Q(status__in=AlertStatus.values), name="alerts_alert_status_known"),
            models.CheckConstraint(
                condition=Q(status=AlertStatus.NEW) | Q(assignee__isnull=False),
                name="alerts_alert_assigned_has_assignee"),
            models.CheckConstraint(
                condition=~Q(status__in=CLOSED) | (~Q(close_reason="") & Q(closed_at__isnull=False)),
                name="alerts_alert_closed_has_reason"),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="alerts_campaign_status")]

    def __str__(self) -> str:
        return f"预警 #{self.pk} {self.kind}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


class AlertEvent(models.Model):
    """One step of an alert's history: who did what, when, and why (append-only)."""

    class Action(models.TextChoices):
        FOUND = "found", _("发现")
        REFOUND = "refound", _("重新计算后再次发现")
        ASSIGN = "assign", _("指派")
        INVESTIGATE = "investigate", _("开始核查")
        CONFIRM = "confirm", _("认定属实")
        DISMISS = "dismiss", _("认定不属实")
        EXCLUDE = "exclude", _("剔除评分表")
        REVOKE = "revoke", _("撤销剔除")
        REOPEN = "reopen", _("重新打开")

    alert = models.ForeignKey(Alert, models.PROTECT, related_name="events", verbose_name=_("预警"))
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16)
    note = models.TextField(_("说明"), blank=True)
    assignee = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("承办人"))
    snapshot = models.ForeignKey("campaigns.ResultSnapshot", models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("结果快照"))
    by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("操作人"))
    actor = models.CharField(_("操作人账号"), max_length=150)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("预警处理记录")
        verbose_name_plural = _("预警处理记录")
        ordering = ["alert", "at", "id"]

    def __str__(self) -> str:
        return f"#{self.alert_id} {self.action} @ {self.at:%Y-%m-%d %H:%M}"


class SheetExclusion(models.Model):
    """A rater's scores left out by decision: all of them (``unit`` empty) or on one unit.

    ``decision`` is the text the bundle carries (``alert-<id>`` when made here);
    ``alert`` is empty for an exclusion imported with a bundle.
    """

    campaign = models.ForeignKey("campaigns.Campaign", models.PROTECT, related_name="exclusions",
                                 verbose_name=_("考评活动"))
    rater = models.ForeignKey("campaigns.Rater", models.PROTECT, related_name="exclusions", verbose_name=_("评价人"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("单位"), help_text=_("空表示剔除该评价人的全部评分"))
    reason = models.TextField(_("理由"))
    decision = models.CharField(_("处理决定"), max_length=64, blank=True)
    alert = models.ForeignKey(Alert, models.PROTECT, null=True, blank=True, related_name="exclusions",
                              verbose_name=_("依据预警"))
    extra = models.JSONField(_("其他字段"), default=dict, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    created_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("登记人"))

    class Meta:
        verbose_name = _("评分表剔除")
        verbose_name_plural = _("评分表剔除")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "rater", "unit"], name="alerts_exclusion_unique"),
            models.UniqueConstraint(fields=["campaign", "rater"], condition=Q(unit__isnull=True),
                                    name="alerts_exclusion_whole_sheet_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="alerts_exclusion_reason_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.rater.code}" + (f" → {self.unit.code}" if self.unit_id else "（全部）")
