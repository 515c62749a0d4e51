"""Writes of the accounts app: logins, the audit trail (R10.3), unlocking accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from kaoping.engine.errors import KaopingError
from kaoping.org.models import Unit

from .models import AuditAction, AuditEvent, AuditOutcome, Role, User


class AccountError(KaopingError):
    default_code = "account_error"


def password_problems(password: str, *, username: str = "", name: str = "") -> list[str]:
    """What is wrong with ``password`` for this person under ``AUTH_PASSWORD_VALIDATORS``
    (length, character classes, likeness to the name, common, all digits); [] when fine."""
    try:
        validate_password(password, User(username=username, first_name=name))
    except ValidationError as exc:
        return list(exc.messages)
    return []


@transaction.atomic
def user_create(*, username: str, password: str | None = None, role: str = Role.EVALUATOR,
                unit: Unit | None = None, name: str = "", by: Any = None) -> User:
    """Create a login with a role; a unit contact must belong to a unit.

    A password must pass the site's password rules; without one the account cannot log
    in until a password is set. ``by`` (the administrator at work) is recorded in the
    audit trail. Nothing is written when anything is refused.
    """
    if role not in Role.values:
        raise AccountError(f"角色 {role} 未知", code="unknown_role", location=username)
    if role == Role.UNIT_CONTACT and unit is None:
        raise AccountError("单位联络员必须指定所属单位", code="missing_unit", location=username)
    if User.objects.filter(username=username).exists():
        raise AccountError(f"用户名 {username} 已存在", code="duplicate_username", location=username)
    if password:
        problems = password_problems(password, username=username, name=name)
        if problems:
            raise AccountError("密码不符合要求：" + "".join(problems), code="weak_password", location=username)
    user = User(username=username, role=role, unit=unit, first_name=name,
                is_staff=role in (Role.ADMIN, Role.OFFICE), is_superuser=role == Role.ADMIN)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if by is not None:
        audit_record(action=AuditAction.ADMIN_ADD, user=by, target=f"accounts.user:{user.pk} {username}",
                     detail=f"新建账号，角色：{user.get_role_display()}" + (f"，单位：{unit.code}" if unit else ""))
    return user


# ------------------------------------------------------------------------ audit trail


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address as django-axes sees it (same proxy settings), else REMOTE_ADDR."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    ip = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    return ip or None


def _clip(text: Any, size: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= size else text[: size - 1] + "…"


@transaction.atomic
def audit_record(*, action: str, request: HttpRequest | None = None, user: Any = None,
                 username: str = "", outcome: str = AuditOutcome.SUCCESS, target: str = "",
                 detail: str = "", status: int | None = None) -> AuditEvent:
    """Append one event. ``user`` defaults to the request's user; ``username`` is used
    when there is no user (a failed log-in of a name that may not exist).

    The trail is append-only: this is the only writer and it only inserts.
    """
    if action not in AuditAction.values:
        raise AccountError(f"未知的审计操作 {action}", code="unknown_audit_action", location=action)
    if outcome not in AuditOutcome.values:
        raise AccountError(f"未知的审计结果 {outcome}", code="unknown_audit_outcome", location=outcome)
    if request is None:
        from .context import current_request

        request = current_request()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and getattr(user, "pk", None) is not None:
        username, role = user.get_username(), str(user.role)
    else:
        role = ""
    return AuditEvent.objects.create(
        username=_clip(username, 150), role=role, ip=client_ip(request), action=action,
        method=(request.method or "") if request is not None else "",
        path=_clip(request.get_full_path(), 500) if request is not None else "",
        status=status, target=_clip(target, 300), detail=_clip(detail, 4000), outcome=outcome,
    )


@transaction.atomic
def user_unlock(*, username: str, by: Any = None, request: HttpRequest | None = None) -> int:
    """Lift a log-in lock-out (django-axes) for ``username``; returns attempts cleared."""
    from axes.utils import reset

    if not username:
        raise AccountError("请指定要解锁的用户名", code="missing_username")
    cleared = reset(username=username)
    audit_record(action=AuditAction.UNLOCK, request=request, user=by, target=username,
                 username="" if by is not None else "system",
                 detail=f"清除失败登录记录 {cleared} 条")
    return int(cleared)
