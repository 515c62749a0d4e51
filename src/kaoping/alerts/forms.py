"""Forms of the alert page. Each carries the status the page showed (``expected_status``)
so that a stale page or a second click is refused instead of acting twice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AlertStatus
from .selectors import handlers
from .services import REASON_MAX


class _Base(forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput)


class AssignForm(_Base):
    assignee = forms.ModelChoiceField(label=_("承办人"), queryset=handlers(), empty_label=_("请选择"),
                                      error_messages={"required": _("请选择承办人"),
                                                      "invalid_choice": _("承办人不存在或无权处理预警")})
    note = forms.CharField(label=_("说明（可选）"), required=False, max_length=REASON_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = handlers()
        self.fields["assignee"].label_from_instance = lambda u: f"{u.get_full_name() or u.username}（{u.get_role_display()}）"


class InvestigateForm(_Base):
    note = forms.CharField(label=_("核查安排（可选）"), required=False, max_length=REASON_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(_Base):
    outcome = forms.ChoiceField(label=_("结论"), widget=forms.RadioSelect,
                                choices=[(AlertStatus.CONFIRMED, _("属实")), (AlertStatus.DISMISSED, _("不属实"))],
                                error_messages={"required": _("请选择结论")})
    reason = forms.CharField(label=_("理由"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("办结预警必须填写理由")})


class ExcludeForm(_Base):
    scope = forms.ChoiceField(label=_("剔除范围"), widget=forms.RadioSelect,
                              choices=[("sheet", _("该评价人的全部评分")), ("unit", _("仅对相关单位的评分"))],
                              error_messages={"required": _("请选择剔除范围")})
    reason = forms.CharField(label=_("理由"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("剔除评分表必须填写理由")})

    def __init__(self, *args: Any, scopes: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if scopes is not None:
            field = self.fields["scope"]
            field.choices = [c for c in field.choices if c[0] in scopes]  # type: ignore[attr-defined]
            if len(scopes) == 1:
                self.initial.setdefault("scope", scopes[0])


class RevokeForm(_Base):
    reason = forms.CharField(label=_("撤销理由"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("撤销剔除必须填写理由")})


class ReopenForm(_Base):
    reason = forms.CharField(label=_("重新打开的理由"), max_length=REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("重新打开预警必须填写理由")})


class SyncForm(forms.Form):
    campaign = forms.CharField(label=_("考评活动"), max_length=64,
                               error_messages={"required": _("请选择考评活动")})
