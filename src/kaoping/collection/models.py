"""Collection (R3.4, R3.6): evaluators' drafts and submissions, one-time anonymous links,
spreadsheet uploads, evidence on measured values and the third-party check of them.

The values themselves are :class:`kaoping.campaigns.models.Score` and
:class:`~kaoping.campaigns.models.Measure` rows, written by
:mod:`kaoping.collection.services` in the same transaction as their ledger entry.
A draft is a working copy of a sheet: not a score, never in the ledger.

Rows here are written only by the services; the admin shows them read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class SheetDraft(models.Model):
    """Values an evaluator saved but has not submitted, for one assignment (rater × unit).

    ``version`` goes up by one at every save; a form carries the version it was built
    from, so a save or submission from a stale tab is refused.
    """

    assignment = models.OneToOneField("campaigns.Assignment", models.CASCADE, related_name="draft",
                                      verbose_name=_("评价分配"))
    values = models.JSONField(_("草稿内容"), default=dict, help_text=_("指标代码 → 分值或等级"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("保存时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评分草稿")
        verbose_name_plural = _("评分草稿")
        constraints = [models.CheckConstraint(condition=Q(version__gte=1), name="collection_draft_version_positive")]

    def __str__(self) -> str:
        return f"{self.assignment} v{self.version}"


class Channel(models.TextChoices):
    WEB = "web", _("网上评分")
    ANONYMOUS = "anonymous", _("匿名链接")
    PAPER = "paper", _("纸质表录入")


class SheetSubmission(models.Model):
    """A sheet handed in: one per assignment, whatever the channel (submit once).

    An anonymous sheet keeps only the day (``submitted_at`` is empty), so that nobody
    can match it to the moment a person was seen holding a QR code.
    """

    assignment = models.OneToOneField("campaigns.Assignment", models.PROTECT, related_name="submission",
                                      verbose_name=_("评价分配"))
    channel = models.CharField(_("方式"), max_length=16, choices=Channel.choices)
    submitted_on = models.DateField(_("提交日期"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("提交人"))

    class Meta:
        verbose_name = _("已提交评分表")
        verbose_name_plural = _("已提交评分表")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="collection_submission_channel"),
            models.CheckConstraint(condition=~Q(channel=Channel.ANONYMOUS)
                                   | Q(submitted_at__isnull=True, submitted_by__isnull=True),
                                   name="collection_submission_anonymous_untraced"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment}（{self.get_channel_display()}）"


class TokenBatch(models.Model):
    """One print run of one-time links for a group of a campaign (民主测评)."""

    campaign = models.ForeignKey("campaigns.Campaign", models.PROTECT, related_name="token_batches",
                                 verbose_name=_("考评活动"))
    group = models.ForeignKey("campaigns.EvaluatorGroup", models.PROTECT, related_name="token_batches",
                              verbose_name=_("评价组"))
    count = models.PositiveIntegerField(_("数量"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    created_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("生成人"))

    class Meta:
        verbose_name = _("匿名链接批次")
        verbose_name_plural = _("匿名链接批次")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="collection_batch_count_positive")]

    def __str__(self) -> str:
        return f"{self.campaign.code} {self.group.code} × {self.count}"


class AnonymousToken(models.Model):
    """A one-time link, stored as the SHA-256 of its secret; never linked to the sheet.

    Using it sets ``used_on`` (the day only); nothing records which rater record the
    sheet became.
    """

    batch = models.ForeignKey(TokenBatch, models.PROTECT, related_name="tokens", verbose_name=_("批次"))
    token_hash = models.CharField(_("令牌哈希"), max_length=64, unique=True)
    used_on = models.DateField(_("使用日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("匿名链接")
        verbose_name_plural = _("匿名链接")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.batch} {self.token_hash[:8]}…"


class UploadKind(models.TextChoices):
    SCORES = "scores", _("纸质评分表")
    MEASURES = "measures", _("采集数据")


class UploadStatus(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    APPLIED = "applied", _("已导入")


class Upload(models.Model):
    """An uploaded workbook, kept as it came: previewed first, applied whole or not at all."""

    campaign = models.ForeignKey("campaigns.Campaign", models.PROTECT, related_name="uploads",
                                 verbose_name=_("考评活动"))
    kind = models.CharField(_("类型"), max_length=16, choices=UploadKind.choices)
    filename = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("文件内容"))
    status = models.CharField(_("状态"), max_length=16, choices=UploadStatus.choices,
                              default=UploadStatus.PREVIEWED)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    uploaded_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("上传人"))
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入文件")
        verbose_name_plural = _("导入文件")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=UploadKind.values), name="collection_upload_kind"),
            models.CheckConstraint(condition=Q(status__in=UploadStatus.values), name="collection_upload_status"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} {self.filename}"


class Evidence(models.Model):
    """A file supporting a measured value (佐证材料): a report, a screenshot, a table."""

    measure = models.ForeignKey("campaigns.Measure", models.PROTECT, related_name="evidence",
                                verbose_name=_("采集数据"))
    filename = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("文件内容"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    uploaded_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("上传人"))

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(size__gte=1), name="collection_evidence_not_empty")]

    def __str__(self) -> str:
        return self.filename


class CheckStatus(models.TextChoices):
    VERIFIED = "verified", _("核查无误")
    DISPUTED = "disputed", _("存在异议")
    CORRECTED = "corrected", _("已更正")


class MeasureCheck(models.Model):
    """A third-party check of a measured value (核查, R3.6); the latest one is its state.

    A correction keeps the old and the new value; the Measure itself is changed by the
    campaigns service, and both go into the ledger in one transaction.
    """

    measure = models.ForeignKey("campaigns.Measure", models.PROTECT, related_name="checks",
                                verbose_name=_("采集数据"))
    status = models.CharField(_("核查结论"), max_length=16, choices=CheckStatus.choices)
    note = models.TextField(_("说明"), blank=True)
    old_value = models.FloatField(_("原值"), null=True, blank=True)
    new_value = models.FloatField(_("更正值"), null=True, blank=True)
    checked_at = models.DateTimeField(_("核查时间"), default=timezone.now)
    checked_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("核查人"))

    class Meta:
        verbose_name = _("数据核查")
        verbose_name_plural = _("数据核查")
        ordering = ["measure", "checked_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CheckStatus.values), name="collection_check_status"),
            models.CheckConstraint(
                condition=~Q(status=CheckStatus.CORRECTED)
                | Q(old_value__isnull=False, new_value__isnull=False),
                name="collection_check_correction_values"),
            models.CheckConstraint(condition=Q(status=CheckStatus.VERIFIED) | ~Q(note=""),
                                   name="collection_check_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.measure}：{self.get_status_display()}"
