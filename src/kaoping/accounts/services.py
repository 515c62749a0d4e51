"""Writes of the accounts app. The access-control layer comes later; this stays lean."""

from __future__ import annotations

from django.db import transaction

from kaoping.engine.errors import KaopingError
from kaoping.org.models import Unit

from .models import Role, User


class AccountError(KaopingError):
    default_code = "account_error"


@transaction.atomic
def user_create(*, username: str, password: str | None = None, role: str = Role.EVALUATOR,
                unit: Unit | None = None, name: str = "") -> User:
    """Create a login with a role; a unit contact must belong to a unit."""
    if role not in Role.values:
        raise AccountError(f"角色 {role} 未知", code="unknown_role", location=username)
    if role == Role.UNIT_CONTACT and unit is None:
        raise AccountError("单位联络员必须指定所属单位", code="missing_unit", location=username)
    if User.objects.filter(username=username).exists():
        raise AccountError(f"用户名 {username} 已存在", code="duplicate_username", location=username)
    user = User(username=username, role=role, unit=unit, first_name=name,
                is_staff=role in (Role.ADMIN, Role.OFFICE), is_superuser=role == Role.ADMIN)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user
