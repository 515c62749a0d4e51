"""Versioned indicator libraries (R2): a library has numbered versions, a version a tree.

A version is *frozen* once a campaign uses it (``frozen_at``); frozen nodes are never
changed again, so a campaign always keeps the tree it ran with. Revisions go into a
new version derived from the old one (``based_on``), and every change made to a draft
version is kept in :class:`IndicatorChange`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Nature(models.TextChoices):
    PROCESS = "process", _("过程性")
    RESULT = "result", _("结果性")


class Source(models.TextChoices):
    RATING = "rating", _("评价打分")
    MEASURE = "measure", _("数据采集")


class Library(models.Model):
    code = models.CharField(_("指标库代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("指标库")
        verbose_name_plural = _("指标库")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class LibraryVersion(models.Model):
    library = models.ForeignKey(Library, models.PROTECT, related_name="versions", verbose_name=_("指标库"))
    number = models.PositiveIntegerField(_("版本号"))
    based_on = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="derived",
                                 verbose_name=_("基于版本"))
    note = models.TextField(_("修订说明"), blank=True)
    content_hash = models.CharField(_("内容哈希"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True,
                                     help_text=_("被考评活动使用后冻结，不再修改"))

    class Meta:
        verbose_name = _("指标库版本")
        verbose_name_plural = _("指标库版本")
        ordering = ["library__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["library", "number"], name="indicators_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="indicators_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.library.code} v{self.number}"

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None


class IndicatorNode(models.Model):
    """One node of a version's tree: everything C1 says of an indicator."""

    version = models.ForeignKey(LibraryVersion, models.PROTECT, related_name="nodes", verbose_name=_("版本"))
    code = models.CharField(_("指标代码"), max_length=64)
    name = models.CharField(_("指标名称"), max_length=200)
    weight = models.FloatField(_("权重"), help_text=_("同级之间的相对权重"))
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("上级指标"))
    position = models.PositiveIntegerField(_("顺序"), help_text=_("在整棵树中的先序位置"))
    nature = models.CharField(_("性质"), max_length=8, choices=Nature.choices, blank=True)
    dimensions = models.JSONField(_("维度标签"), default=list, blank=True)
    applies_to = models.JSONField(_("适用单位类型"), null=True, blank=True,
                                  help_text=_("空表示适用于所有单位类型"))
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, blank=True,
                              help_text=_("仅末级指标"))
    rule = models.JSONField(_("评分规则"), null=True, blank=True)
    rated_by = models.JSONField(_("评价组"), null=True, blank=True, help_text=_("空表示所有评价组"))
    full = models.FloatField(_("满分"), null=True, blank=True)
    scale = models.JSONField(_("等级表"), null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)
    extra = models.JSONField(_("其他字段"), default=dict, blank=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="indicators_node_code_unique"),
            models.UniqueConstraint(fields=["version", "position"], name="indicators_node_position_unique"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="indicators_node_weight_not_negative"),
            models.CheckConstraint(condition=Q(full__isnull=True) | Q(full__gt=0),
                                   name="indicators_node_full_positive"),
            models.CheckConstraint(condition=Q(source__in=[*Source.values, ""]),
                                   name="indicators_node_source_known"),
            models.CheckConstraint(condition=Q(nature__in=[*Nature.values, ""]),
                                   name="indicators_node_nature_known"),
            models.CheckConstraint(condition=~Q(code=""), name="indicators_node_code_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IndicatorChange(models.Model):
    """One change made to a draft version (the history of a library's revisions)."""

    class Action(models.TextChoices):
        CREATE = "create", _("新建版本")
        CHANGE = "change", _("修改指标")
        ADD = "add", _("新增指标")
        REMOVE = "remove", _("删除指标")
        MOVE = "move", _("移动指标")
        AHP = "ahp", _("层次分析赋权")
        IMPORT = "import", _("导入")

    version = models.ForeignKey(LibraryVersion, models.PROTECT, related_name="changes", verbose_name=_("版本"))
    action = models.CharField(_("操作"), max_length=8, choices=Action.choices)
    node_code = models.CharField(_("指标代码"), max_length=64, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, help_text=_("字段 → [原值, 新值]"))
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("操作人"))

    class Meta:
        verbose_name = _("指标修订记录")
        verbose_name_plural = _("指标修订记录")
        ordering = ["version", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.version} {self.get_action_display()} {self.node_code}"


class AHPJudgement(models.Model):
    """Experts' pairwise comparisons of one inner node's children (R2.5), kept for review.

    ``criteria`` are the child codes in row order; ``experts`` is ``[{"name", "matrix"}]``
    with entries as written (``"1/3"``); ``result`` the engine's C3 JSON at saving time.
    ``applied_at`` is set when the combined weights were written back into the draft.
    """

    version = models.ForeignKey(LibraryVersion, models.PROTECT, related_name="judgements", verbose_name=_("版本"))
    node = models.ForeignKey(IndicatorNode, models.PROTECT, related_name="judgements", verbose_name=_("上级指标"))
    criteria = models.JSONField(_("比较的指标"))
    experts = models.JSONField(_("专家判断矩阵"))
    result = models.JSONField(_("计算结果"))
    consistent = models.BooleanField(_("通过一致性检验"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("操作人"))
    applied_at = models.DateTimeField(_("写回权重时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("层次分析判断")
        verbose_name_plural = _("层次分析判断")
        ordering = ["version", "node", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.version} {self.node.code} AHP #{self.pk}"
