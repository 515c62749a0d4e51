"""People who log in (R1.2). The public is anonymous and has no account."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    OFFICE = "office", _("考核办")
    EVALUATOR = "evaluator", _("评价人")
    UNIT_CONTACT = "unit_contact", _("单位联络员")
    SUPERVISOR = "supervisor", _("第三方监督")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.EVALUATOR)
    unit = models.ForeignKey("org.Unit", models.SET_NULL, null=True, blank=True,
                             related_name="users", verbose_name=_("所属单位"))

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="accounts_user_role_known"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
