"""Security events into the audit trail (R10.3): log-in, log-out, failed log-in,
lock-out, and every change made in Django's admin (its ``LogEntry``).

Receivers only translate the event into one ``services.audit_record`` call; they set
``request.kaoping_audited`` so the request middleware does not record the same request
twice.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import AuditAction, AuditOutcome
from .services import audit_record


def _mark(request: Any) -> None:
    if request is not None:
        request.kaoping_audited = True


@receiver(user_logged_in, dispatch_uid="kaoping_audit_login")
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None:
        return  # the test client's force_login and scripts: no one typed a password
    audit_record(action=AuditAction.LOGIN, request=request, user=user)
    _mark(request)


@receiver(user_logged_out, dispatch_uid="kaoping_audit_logout")
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    audit_record(action=AuditAction.LOGOUT, request=request, user=user)
    _mark(request)


@receiver(user_login_failed, dispatch_uid="kaoping_audit_login_failed")
def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    if request is None:
        return
    locked = bool(getattr(request, "axes_locked_out", False))
    audit_record(action=AuditAction.LOGIN_FAILED, request=request, username=str(credentials.get("username", "")),
                 outcome=AuditOutcome.DENIED if locked else AuditOutcome.FAILURE,
                 detail="账号已锁定，拒绝登录" if locked else "用户名或密码错误")
    _mark(request)


def on_locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    if request is not None and getattr(request, "kaoping_lock_recorded", False):
        return
    audit_record(action=AuditAction.LOCKED_OUT, request=request, username=username or "",
                 outcome=AuditOutcome.DENIED, target=username or "", detail="连续登录失败达到上限")
    if request is not None:
        request.kaoping_lock_recorded = True
    _mark(request)


ADMIN_ACTIONS = {ADDITION: AuditAction.ADMIN_ADD, CHANGE: AuditAction.ADMIN_CHANGE,
                 DELETION: AuditAction.ADMIN_DELETE}


@receiver(post_save, sender=LogEntry, dispatch_uid="kaoping_audit_admin")
def on_admin_change(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """Mirror the admin's own record, naming the object changed (linked by its id)."""
    if not created:
        return
    ct = instance.content_type
    target = f"{ct.app_label}.{ct.model}:{instance.object_id} {instance.object_repr}" if ct else instance.object_repr
    audit_record(action=ADMIN_ACTIONS.get(instance.action_flag, AuditAction.ADMIN_CHANGE), user=instance.user,
                 target=target, detail=f"LogEntry #{instance.pk} {instance.get_change_message()}")


def connect_axes() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(on_locked_out, dispatch_uid="kaoping_audit_locked_out")
