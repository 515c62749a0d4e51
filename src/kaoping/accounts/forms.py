"""Forms of the accounts app: log-in (with the lock-out countdown), a new account and audit filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaoping.org.models import Unit

from .models import AuditAction, Role
from .services import password_problems


def lockout_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def cooloff_minutes() -> int:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off()
    return int(cool_off.total_seconds() // 60) if cool_off else 0


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy("请输入一个正确的用户名和密码（注意区分大小写）。"),
        "inactive": gettext_lazy("该账号已停用，请联系系统管理员。"),
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        """Wrong name or password, with how many tries are left before the lock-out."""
        message = str(self.error_messages["invalid_login"])
        remaining = self._remaining_attempts()
        if remaining is not None and remaining > 0:
            message += _("再连续失败 %(n)d 次，账号将被锁定 %(m)d 分钟。") % {"n": remaining, "m": cooloff_minutes()}
        return forms.ValidationError(message, code="invalid_login")

    def _remaining_attempts(self) -> int | None:
        if self.request is None or not settings.AXES_ENABLED:
            return None
        from axes.handlers.proxy import AxesProxyHandler

        credentials = {"username": self.cleaned_data.get("username")}
        failures = AxesProxyHandler.get_failures(self.request, credentials)
        return max(lockout_limit() - failures, 0)


class KaopingPasswordChangeForm(PasswordChangeForm):
    """Django's form; the labels and messages come from its Chinese catalogue."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": gettext_lazy("原密码不正确，请重新输入。"),
        "password_mismatch": gettext_lazy("两次输入的新密码不一致。"),
    }


class UserCreateForm(forms.Form):
    """A new account: the password is checked against the site's rules here, so each
    problem is shown under its field before anything is written."""

    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150, validators=[UnicodeUsernameValidator()],
                               help_text=gettext_lazy("登录用，字母、数字和 @/./+/-/_，不超过 150 个字符"))
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=Role.choices, initial=Role.EVALUATOR)
    unit = forms.ModelChoiceField(label=gettext_lazy("所属单位"), required=False, queryset=Unit.objects.order_by("code"),
                                  empty_label=gettext_lazy("（无）"), help_text=gettext_lazy("单位联络员必须选择"))
    password1 = forms.CharField(label=gettext_lazy("初始密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=gettext_lazy("再次输入密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("role") == Role.UNIT_CONTACT and not data.get("unit"):
            self.add_error("unit", _("单位联络员必须指定所属单位。"))
        password, again = data.get("password1"), data.get("password2")
        if password:
            for problem in password_problems(password, username=data.get("username", ""), name=data.get("name", "")):
                self.add_error("password1", problem)
            if again and again != password:
                self.add_error("password2", _("两次输入的密码不一致。"))
        return data


def _action_choices() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("全部操作")), *AuditAction.choices]


class AuditFilterForm(forms.Form):
    person = forms.CharField(label=gettext_lazy("操作人"), required=False, max_length=150)
    action = forms.ChoiceField(label=gettext_lazy("操作"), required=False, choices=_action_choices)
    date_from = forms.DateField(label=gettext_lazy("起始日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": gettext_lazy("请输入有效的日期，如 2026-07-01。")})
    date_to = forms.DateField(label=gettext_lazy("截止日期"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": gettext_lazy("请输入有效的日期，如 2026-07-31。")})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters only (a bad field is reported and ignored)."""
        data = getattr(self, "cleaned_data", {})
        return {"username": (data.get("person") or "").strip(), "action": data.get("action") or "",
                "date_from": data.get("date_from"),
                "date_to": data.get("date_to") if "date_to" not in self.errors else None}
