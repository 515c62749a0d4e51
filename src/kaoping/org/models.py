"""Organisation (R1.1): units and the staff who belong to them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitType(models.TextChoices):
    ADMIN = "admin", _("行政单位")
    INSTITUTION = "institution", _("事业单位")
    ENTERPRISE = "enterprise", _("企业")
    DEPARTMENT = "department", _("内设部门")
    HALL = "hall", _("服务大厅")
    WINDOW = "window", _("服务窗口")
    PROJECT = "project", _("项目")


class Unit(models.Model):
    """A unit that is evaluated or whose people evaluate (单位)."""

    code = models.CharField(_("单位代码"), max_length=64, unique=True)
    name = models.CharField(_("单位名称"), max_length=200)
    type = models.CharField(_("单位类型"), max_length=16, choices=UnitType.choices, blank=True)
    region = models.CharField(_("区域"), max_length=64, blank=True,
                              help_text=_("如 east / central / west，或任意区域标签"))
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("上级单位"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=[*UnitType.values, ""]), name="org_unit_type_known",
            ),
            models.CheckConstraint(condition=~models.Q(code=""), name="org_unit_code_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Staff(models.Model):
    """A person working in a unit (窗口工作人员、科室人员 ...)."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="staff", verbose_name=_("所属单位"))
    code = models.CharField(_("工号"), max_length=64, unique=True)
    name = models.CharField(_("姓名"), max_length=100)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    user = models.OneToOneField("accounts.User", models.SET_NULL, null=True, blank=True,
                                related_name="staff", verbose_name=_("登录账号"))

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["unit__code", "code"]
        constraints = [models.CheckConstraint(condition=~models.Q(code=""), name="org_staff_code_not_empty")]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit.code}）"
