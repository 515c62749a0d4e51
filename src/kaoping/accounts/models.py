"""People who log in (R1.2) and the audit trail of what they did (R10.3).

The public is anonymous and has no account.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
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
    #: when the password was last set; drives the optional expiry (PASSWORD_MAX_AGE_DAYS)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="accounts_user_role_known"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def set_password(self, raw_password: str | None) -> None:
        """Every way of setting a password (forms, admin, commands) stamps the time."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED_OUT = "locked_out", _("账号锁定")
    UNLOCK = "unlock", _("解除锁定")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    SESSION_EXPIRED = "session_expired", _("会话超时")
    REQUEST = "request", _("提交操作")
    DENIED = "denied", _("越权访问")
    ADMIN_ADD = "admin_add", _("后台新增")
    ADMIN_CHANGE = "admin_change", _("后台修改")
    ADMIN_DELETE = "admin_delete", _("后台删除")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


class AuditEvent(models.Model):
    """One administrative or security event (R10.3, 等保三级 安全审计).

    Append-only: the application only ever inserts (``services.audit_record``), the
    admin offers no change or delete, and a database trigger refuses UPDATE (and
    DELETE on PostgreSQL). Who is kept as text (login name and role at the time), so
    the record outlives renamed or deactivated accounts and failed log-ins of names
    that do not exist.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    username = models.CharField(_("操作人"), max_length=150, blank=True, db_index=True)
    role = models.CharField(_("角色"), max_length=16, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=24, choices=AuditAction.choices, db_index=True)
    method = models.CharField(_("请求方法"), max_length=8, blank=True)
    path = models.CharField(_("路径"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("响应状态"), null=True, blank=True)
    target = models.CharField(_("对象"), max_length=300, blank=True)
    detail = models.TextField(_("详情"), blank=True)
    outcome = models.CharField(_("结果"), max_length=8, choices=AuditOutcome.choices,
                               default=AuditOutcome.SUCCESS)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=AuditAction.values),
                                   name="accounts_audit_action_known"),
            models.CheckConstraint(condition=models.Q(outcome__in=AuditOutcome.values),
                                   name="accounts_audit_outcome_known"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.get_action_display()}"

    def role_label(self) -> Any:
        return Role(self.role).label if self.role in Role.values else (self.role or "—")
