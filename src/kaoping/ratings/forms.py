"""Forms of the ratings pages: they read and check input, the services decide and write.

Field checks here are the ones a person can fix on the page (a level not chosen, a
comment too long, a file that is not a workbook); everything else is the services'
(:func:`~kaoping.ratings.services.rating_validate` and friends), whose
:class:`~kaoping.ratings.services.RatingError` the views put next to the field named
by its ``location``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core import validators
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaoping.org.models import Unit

from .models import (
    ONLINE_ITEMS,
    ONSITE_ITEMS,
    PROBLEM_TAGS,
    STAFF_CHANNELS,
    Hall,
    Level,
    RatingChannel,
    RatingPolicy,
    Verdict,
    Window,
)
from .services import REGISTER_MODELS

BEIJING = ZoneInfo("Asia/Shanghai")
COMMENT_MAX = 500
NOTE_MAX = 2000
#: the five levels in the order shown: best first, the same order on every page
LEVEL_CHOICES = [(lv.value, lv.label) for lv in sorted(Level, key=lambda lv: -lv.value)]
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_MAX_ROWS = 5000


def item_choices(online: bool) -> dict[str, str]:
    """Sub-items (评价子项) of a transaction: online ones for 一事一评, on-site otherwise."""
    return ONLINE_ITEMS if online else ONSITE_ITEMS


class RatingForm(forms.Form):
    """What a citizen answers: one level, optional sub-items, problem tags and a comment."""

    level = forms.TypedChoiceField(
        label=_("评价"), choices=LEVEL_CHOICES, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": _("请选择一项评价后再提交。"),
                        "invalid_choice": _("请选择一项评价后再提交。")},
    )
    tags = forms.MultipleChoiceField(
        label=_("遇到的问题"), required=False, choices=list(PROBLEM_TAGS.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("请从列出的问题中选择。")},
    )
    comment = forms.CharField(
        label=_("意见建议"), required=False, max_length=COMMENT_MAX, widget=forms.Textarea,
        error_messages={"max_length": _("意见建议请不超过 %(limit_value)d 个字（现有 %(show_value)d 个）。")},
    )

    def __init__(self, *args: Any, online: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_codes = list(item_choices(online))
        for code, label in item_choices(online).items():
            self.fields[f"item_{code}"] = forms.TypedChoiceField(
                label=label, choices=LEVEL_CHOICES, coerce=int, required=False, empty_value=None,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("请从五个等级中选择。")},
            )

    @property
    def item_fields(self) -> list[forms.BoundField]:
        return [self[f"item_{code}"] for code in self.item_codes]

    @property
    def has_extra_errors(self) -> bool:
        """Errors inside the folded "more" section (so the page opens it)."""
        return any(name != "level" and name in self.errors for name in self.fields)

    @property
    def extra_given(self) -> bool:
        if not self.is_bound:
            return False
        tags = self.data.getlist("tags") if hasattr(self.data, "getlist") else self.data.get("tags")
        return bool(self.data.get("comment") or tags
                    or any(self.data.get(f"item_{c}") for c in self.item_codes))

    def items(self) -> dict[str, int]:
        """The sub-items answered, ``{code: level}``."""
        return {code: self.cleaned_data[f"item_{code}"] for code in self.item_codes
                if self.cleaned_data.get(f"item_{code}") is not None}


STAFF_CHANNEL_CHOICES = [(c.value, c.label) for c in RatingChannel if c in STAFF_CHANNELS]


class StaffEntryForm(RatingForm):
    """A rating taken by hotline, SMS or paper form and typed in by staff (R4.3)."""

    transaction = forms.CharField(label=_("办件编号"), max_length=128,
                                  error_messages={"required": _("请填写办件编号。")})
    channel = forms.ChoiceField(label=_("评价渠道"), choices=STAFF_CHANNEL_CHOICES,
                                error_messages={"required": _("请选择评价渠道。"),
                                                "invalid_choice": _("请选择热线、短信或纸质评价表。")})
    rater_phone = forms.CharField(label=_("评价人手机号"), max_length=32, required=False,
                                  help_text=_("实名评价时填写；差评将据此回访，页面只显示脱敏号码。"))
    field_order = ["transaction", "channel", "level", "rater_phone", "tags", "comment"]

    def __init__(self, *args: Any, online: bool | None = None, **kwargs: Any) -> None:
        # sub-items depend on the transaction's channel (online: 一事一评, else on site):
        # the page looks the transaction up first and passes ``online``; while it is
        # unknown (None) no sub-item is offered
        super().__init__(*args, online=bool(online), **kwargs)
        if online is None:
            for code in self.item_codes:
                del self.fields[f"item_{code}"]
            self.item_codes = []


class UploadForm(forms.Form):
    """An Excel workbook of transactions (办件), checked in full before anything is written."""

    file = forms.FileField(label=_("办件 Excel 文件"), error_messages={
        "required": _("请选择要上传的 .xlsx 文件。"), "empty": _("上传的文件是空的。")})

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("只接受 Excel 工作簿（.xlsx）文件。"))
        if f.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("文件超过 %(mb)d MB，请分批上传。") % {"mb": UPLOAD_MAX_BYTES // 1024 // 1024})
        return f


class RatingImportForm(forms.Form):
    """An Excel workbook of ratings taken by hotline, SMS or paper (see :mod:`.paper_import`)."""

    file = forms.FileField(label=_("评价 Excel 文件"), error_messages={
        "required": _("请选择要上传的 .xlsx 文件。"), "empty": _("上传的文件是空的。")})

    def clean_file(self) -> Any:
        from .paper_import import MAX_UPLOAD_BYTES

        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("只接受 Excel 工作簿（.xlsx）文件。"))
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（%(size).1f MB），上限 %(mb)d MB，请分批上传。") % {
                "size": f.size / 2**20, "mb": MAX_UPLOAD_BYTES // 2**20})
        return f


class NameForm(forms.Form):
    """Confirm a code registered on first use and give it its proper name."""

    name = forms.CharField(label=_("名称"), max_length=200, error_messages={"required": _("请填写名称。")})


#: register name in the pages and URLs → the ``kind`` of :func:`~kaoping.ratings.services.register_create`
REGISTER_KINDS: dict[str, str] = {"halls": "hall", "windows": "window", "staff": "staff", "items": "item"}
#: codes end up in addresses (the window terminal, the public record): no blanks, no slashes
_CODE_BAD = re.compile(r"[\s/\\?#%]")


class _CodedChoice(forms.ModelChoiceField):
    """A unit or hall shown as 名称（代码）."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code}）"


class _WindowChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.hall.name} · {obj.name}（{obj.code}）"


class RegisterForm(forms.Form):
    """A hall, window, staff member or service item: added by the office, or edited.

    Adding asks for the code (and a window's hall); editing keeps the code and the hall —
    business systems send them — and changes the name, a hall's or window's responsible
    unit and a staff member's window. Which fields a kind has: :data:`KIND_FIELDS`.
    """

    KIND_FIELDS = {"halls": ("code", "name", "unit"), "windows": ("hall", "code", "name", "unit"),
                   "staff": ("code", "name", "window"), "items": ("code", "name")}

    code = forms.CharField(max_length=64)
    name = forms.CharField(max_length=200)
    hall = _CodedChoice(label=_("所属大厅"), queryset=Hall.objects.none(), empty_label=_("请选择大厅"),
                       error_messages={"required": _("请选择窗口所属的大厅。"),
                                       "invalid_choice": _("所选大厅不存在，请重新选择。")})
    unit = _CodedChoice(label=_("责任单位"), queryset=Unit.objects.none(), required=False,
                       empty_label=_("（暂不指定）"),
                       error_messages={"invalid_choice": _("所选单位不存在，请重新选择。")})
    window = _WindowChoice(label=_("常驻窗口"), queryset=Window.objects.none(), required=False,
                           empty_label=_("（暂不指定）"),
                           error_messages={"invalid_choice": _("所选窗口不存在，请重新选择。")})

    def __init__(self, *args: Any, kind: str, obj: Any = None, halls: Any = None, units: Any = None,
                 windows: Any = None, **kwargs: Any) -> None:
        if obj is not None:
            kwargs.setdefault("initial", {"name": obj.name, "unit": getattr(obj, "unit_id", None),
                                          "window": getattr(obj, "window_id", None)})
        super().__init__(*args, **kwargs)
        self.kind, self.obj = kind, obj
        model = REGISTER_MODELS[REGISTER_KINDS[kind]]
        keep = set(self.KIND_FIELDS[kind]) - ({"code", "hall"} if obj is not None else set())
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.order_fields([n for n in self.KIND_FIELDS[kind] if n in keep])
        code_label = model._meta.get_field("code").verbose_name
        name_field = model._meta.get_field("name")
        if "code" in self.fields:
            self.fields["code"].label = code_label
            self.fields["code"].error_messages.update({
                "required": _("请填写%(label)s。") % {"label": code_label},
                "max_length": _("%(label)s不超过 %%(limit_value)d 个字符。") % {"label": code_label}})
            self.fields["code"].help_text = _("与业务系统报送的代码一致；登记后不能修改。")
        self.fields["name"].label = name_field.verbose_name
        self.fields["name"].max_length = name_field.max_length
        self.fields["name"].validators = [v for v in self.fields["name"].validators
                                          if not hasattr(v, "limit_value")]
        self.fields["name"].validators.append(validators.MaxLengthValidator(name_field.max_length))
        self.fields["name"].widget.attrs["maxlength"] = str(name_field.max_length)
        self.fields["name"].error_messages.update({
            "required": _("请填写%(label)s。") % {"label": name_field.verbose_name},
            "max_length": _("%(label)s不超过 %%(limit_value)d 个字。") % {"label": name_field.verbose_name}})
        if "hall" in self.fields:
            self.fields["hall"].queryset = halls if halls is not None else Hall.objects.none()
        if "unit" in self.fields:
            self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
            if kind == "halls":
                help_text = _("该大厅的差评由此单位办理；大厅内未单独指定责任单位的窗口也由此单位负责。")
            elif obj is None:
                help_text = _("不指定时，由所属大厅的责任单位负责。")
            else:
                help_text = _("不指定时，由所属大厅的责任单位负责。更改后，该窗口在办的差评随之转给新的责任单位。")
            self.fields["unit"].help_text = help_text
        if "window" in self.fields:
            self.fields["window"].queryset = windows if windows is not None else Window.objects.none()
            self.fields["window"].help_text = _("统计工作人员时按常驻窗口归属。")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if _CODE_BAD.search(code):
            raise forms.ValidationError(_("代码不能包含空格、“/”、“\\”、“?”、“#”或“%”。"))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.obj is not None:
            # the service changes a unit or a window, it never clears one
            for name in ("unit", "window"):
                if name in self.fields and getattr(self.obj, f"{name}_id", None) and data.get(name) is None \
                        and name not in self.errors:
                    self.add_error(name, _("已指定的%(label)s不能清空，可改为其他%(what)s。") % {
                        "label": self.fields[name].label, "what": _("单位") if name == "unit" else _("窗口")})
        return data

    def create_values(self) -> dict[str, Any]:
        """Keyword arguments of ``services.register_create``."""
        return {"kind": REGISTER_KINDS[self.kind], "code": self.cleaned_data["code"],
                "name": self.cleaned_data["name"], "hall": self.cleaned_data.get("hall"),
                "unit": self.cleaned_data.get("unit"), "window": self.cleaned_data.get("window")}

    def edit_values(self) -> dict[str, Any]:
        """Keyword arguments of ``services.code_confirm`` (None: left as it is)."""
        return {"name": self.cleaned_data["name"], "unit": self.cleaned_data.get("unit"),
                "window": self.cleaned_data.get("window")}


class CaseStepForm(forms.Form):
    """One step of a bad-rating case; which fields matter depends on ``action``."""

    ACTIONS = [("callback", _("回访评价人")), ("verify", _("核实情况")), ("plan", _("提交整改方案")),
               ("rectify", _("整改完成")), ("reply", _("答复评价人并办结"))]
    action = forms.ChoiceField(choices=ACTIONS, error_messages={"invalid_choice": _("未知操作。")})
    verdict = forms.ChoiceField(label=_("核实结论"), required=False, choices=[("", "—"), *Verdict.choices])
    note = forms.CharField(label=_("说明"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"max_length": _("说明请不超过 %(limit_value)d 个字。")})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "verify" and not data.get("verdict"):
            self.add_error("verdict", _("请选择核实结论。"))
        if data.get("action") in ("plan", "rectify", "reply") and not (data.get("note") or "").strip():
            self.add_error("note", _("请填写内容。"))
        return data


class AppealForm(forms.Form):
    reason = forms.CharField(label=_("申诉理由"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请填写申诉理由。")})
    evidence = forms.CharField(label=_("证据说明"), required=False, max_length=NOTE_MAX,
                               widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("复核结论"), choices=[("uphold", _("申诉成立，剔除该差评")),
                                                            ("reject", _("申诉不成立，维持差评"))],
                                 widget=forms.RadioSelect,
                                 error_messages={"required": _("请选择复核结论。")})
    note = forms.CharField(label=_("复核意见"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("请填写复核意见。")})


# --------------------------------------------------------------------------- settings (RatingPolicy)

#: the settings page's sections: (title, field names); a field of the policy not listed
#: here (added later) is shown under "其他参数"
POLICY_GROUPS: list[tuple[Any, tuple[str, ...]]] = [
    (_("评价期限与逾期默认"), ("rating_days", "default_fill", "default_level")),
    (_("差评整改"), ("case_plan_days", "case_done_days", "rectify_min_rate", "rectify_min_cases")),
    (_("红黑榜与督查预警"), ("red_share", "red_months", "black_share", "black_months",
                         "inspection_below", "inspection_periods")),
    (_("评价异常线索"), ("burst_minutes", "burst_count", "burst_share", "phone_max", "late_days")),
]
#: shares and rates stored as 0–1, typed and shown in per cent
POLICY_PERCENT = frozenset({"red_share", "black_share", "burst_share", "rectify_min_rate"})
#: bounds a person can check on the page: (minimum, maximum) in the unit shown
POLICY_BOUNDS: dict[str, tuple[float, float]] = {
    "rating_days": (1, 90), "case_plan_days": (1, 30), "case_done_days": (1, 120),
    "red_share": (1, 50), "black_share": (1, 50), "red_months": (1, 12), "black_months": (1, 12),
    "inspection_below": (0, 100), "inspection_periods": (1, 12),
    "burst_minutes": (1, 1440), "burst_count": (2, 10_000), "burst_share": (50, 100), "phone_max": (1, 1000),
    "late_days": (0, 365), "rectify_min_rate": (0, 100), "rectify_min_cases": (0, 10_000),
}
POLICY_HELP: dict[str, Any] = {
    "rating_days": _("办结（未办结则受理）后可评价的自然日数；只对此后接收的办件生效。"),
    "default_fill": _("勾选后，逾期未评的办件按默认等级计入，并始终与真实评价分开统计。"),
    "default_level": _("逾期未评时计入的等级。"),
    "case_plan_days": _("差评立案后提交整改方案的期限，按法定工作日计算；对此后立案的差评生效。"),
    "case_done_days": _("差评立案后完成整改的期限（工作日），不得短于方案期限。"),
    "red_share": _("满意度排名前百分之几的窗口进入红榜候选。"),
    "black_share": _("满意度排名后百分之几的窗口进入黑榜候选。"),
    "red_months": _("连续几个月位列前列才上红榜。"),
    "black_months": _("连续几个月位列后列即上黑榜。"),
    "inspection_below": _("窗口月度满意度（0–100 分）低于此线计为一期。"),
    "inspection_periods": _("连续几期低于满意度线即启动督查。"),
    "burst_minutes": _("统计集中好评的时间窗长度。"),
    "burst_count": _("时间窗内同一工作人员或窗口收到“非常满意”的条数达到此数才提示。"),
    "burst_share": _("且“非常满意”占该时间窗内评价的比例不低于此值。"),
    "phone_max": _("同一手机号或同一设备一个月内评价超过此数即提示。"),
    "late_days": _("评价时间距办结超过此天数的评价予以提示。"),
    "rectify_min_rate": _("窗口当月到期差评中已整改的比例低于此值时提示。"),
    "rectify_min_cases": _("到期差评不少于此数时才判断整改率。"),
}


def _policy_field(model_field: Any) -> forms.Field:
    """The form field of one policy number: per cent for shares, bounds from :data:`POLICY_BOUNDS`."""
    name = model_field.name
    label = model_field.verbose_name
    low, high = POLICY_BOUNDS.get(name, (0, None))
    bounds = {"min_value": low, "max_value": high}
    messages = {
        "required": _("请填写“%(label)s”。") % {"label": label},
        "invalid": _("“%(label)s”应为数字。") % {"label": label},
        "min_value": _("“%(label)s”不能小于 %%(limit_value)s。") % {"label": label},
        "max_value": _("“%(label)s”不能大于 %%(limit_value)s。") % {"label": label},
        "max_decimal_places": _("“%(label)s”最多保留 %%(max)s 位小数。") % {"label": label},
    }
    default = model_field.default
    if name in POLICY_PERCENT:
        form_field: forms.Field = forms.DecimalField(label=label, decimal_places=2, error_messages=messages, **bounds)
        form_field.widget.attrs.update({"step": "0.01", "inputmode": "decimal"})
        form_field.suffix = "%"  # type: ignore[attr-defined]
        shown = f"{default * 100:g}%"
    elif isinstance(model_field, models.BooleanField):
        form_field = forms.BooleanField(label=label, required=False)
        shown = str(_("是") if default else _("否"))
    elif model_field.choices:
        form_field = forms.TypedChoiceField(label=label, choices=model_field.choices, coerce=int, error_messages={
            "required": messages["required"], "invalid_choice": _("请从列出的等级中选择。")})
        shown = str(dict(model_field.choices).get(default, default))
    elif isinstance(model_field, models.FloatField | models.DecimalField):
        form_field = forms.FloatField(label=label, error_messages=messages, **bounds)
        form_field.widget.attrs.update({"step": "any", "inputmode": "decimal"})
        shown = f"{default:g}"
    elif isinstance(model_field, models.IntegerField):
        form_field = forms.IntegerField(label=label, error_messages=messages, **bounds)
        shown = str(default)
    else:
        form_field = model_field.formfield()
        shown = str(default)
    help_text = POLICY_HELP.get(name) or model_field.help_text or ""
    form_field.help_text = f"{help_text}{'' if not help_text else ' '}{_('默认：')}{shown}"
    return form_field


class PolicyForm(forms.Form):
    """The configurable numbers of R4 (:class:`~kaoping.ratings.models.RatingPolicy`), one
    field per number of the model — a number added to the model shows up by itself."""

    SKIP = frozenset({"id", "updated_at"})

    def __init__(self, *args: Any, policy: Any = None, **kwargs: Any) -> None:
        self.policy_fields = [f for f in RatingPolicy._meta.concrete_fields if f.name not in self.SKIP]
        if policy is not None:
            kwargs.setdefault("initial", {f.name: self.shown(f.name, getattr(policy, f.name))
                                          for f in self.policy_fields})
        super().__init__(*args, **kwargs)
        for f in self.policy_fields:
            self.fields[f.name] = _policy_field(f)

    @staticmethod
    def shown(name: str, value: Any) -> Any:
        if isinstance(value, float) and name not in POLICY_PERCENT and value.is_integer():
            return int(value)  # 80, not 80.0
        if name in POLICY_PERCENT and value is not None:
            text = format((Decimal(str(value)) * 100).quantize(Decimal("0.01")), "f")
            return Decimal(text.rstrip("0").rstrip(".") if "." in text else text)
        return value

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """The bound fields by section, as the page shows them."""
        listed: set[str] = set()
        out = []
        for title, names in POLICY_GROUPS:
            fields = [self[n] for n in names if n in self.fields]
            listed.update(names)
            if fields:
                out.append((title, fields))
        rest = [self[n] for n in self.fields if n not in listed]
        if rest:
            out.append((_("其他参数"), rest))
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        plan, done = data.get("case_plan_days"), data.get("case_done_days")
        if plan is not None and done is not None and done < plan:
            self.add_error("case_done_days", _("整改完成期限不能短于整改方案期限（%(plan)d 个工作日）。") % {"plan": plan})
        red, black = data.get("red_share"), data.get("black_share")
        if red is not None and black is not None and red + black > 100:
            self.add_error("black_share", _("红榜与黑榜比例之和不能超过 100%。"))
        return data

    def values(self) -> dict[str, Any]:
        """Keyword arguments of ``services.policy_update`` (shares back to 0–1)."""
        out = {}
        for f in self.policy_fields:
            value = self.cleaned_data[f.name]
            if f.name in POLICY_PERCENT and value is not None:
                value = float(value / 100)
            out[f.name] = value
        return out


class FlagDecideForm(forms.Form):
    """Close an integrity flag as confirmed (属实) or dismissed (排除), with the reason."""

    status = forms.ChoiceField(label=_("核查结论"), choices=[("confirmed", _("属实")), ("dismissed", _("排除"))],
                               error_messages={"required": _("请选择核查结论。"),
                                               "invalid_choice": _("请选择“属实”或“排除”。")})
    note = forms.CharField(label=_("核查说明"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("请填写核查说明：核查了什么、依据是什么。"),
                                           "max_length": _("核查说明请不超过 %(limit_value)d 个字。")})


class PeriodForm(forms.Form):
    """``?period=YYYY-MM`` of the statistics pages (default: this month)."""

    period = forms.CharField(required=False, max_length=7)

    def clean_period(self) -> dt.date | None:
        from .stats import parse_period

        text = self.cleaned_data.get("period") or ""
        if not text:
            return None
        try:
            return parse_period(text)
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM，如 2025-06。")) from None


# --------------------------------------------------------------------------- Excel upload of transactions
#
# The workbook is read here into C4 transaction dicts, one per row, with the cell-level
# problems a person can see in their sheet (a date that is no date, a number that is no
# number). Everything else is checked by ``services.transaction_receive`` itself, row by
# row, in the preview (see ``views.upload``).

#: (key in the C4 transaction, column header in the workbook, required, kind, note)
COLUMNS: list[tuple[str, str, bool, str, str]] = [
    ("id", "办件编号", True, "code", "业务系统中的唯一编号"),
    ("service_item", "服务事项编码", True, "code", "新编码首次出现时登记，待考核办确认"),
    ("hall", "大厅代码", True, "code", ""),
    ("window", "窗口代码", True, "code", "同一大厅内唯一"),
    ("staff", "工作人员工号", False, "code", ""),
    ("channel", "办理渠道", False, "code", "onsite（现场，默认）或 online 等"),
    ("applicant.name", "申请人姓名", False, "text", "只保存脱敏形式"),
    ("applicant.phone", "申请人手机号", False, "code", "加密保存，页面只显示脱敏号码"),
    ("accepted_at", "受理时间", True, "time", "如 2025-06-03 09:30（北京时间）"),
    ("completed_at", "办结时间", False, "time", "未办结留空"),
    ("promised_minutes", "承诺时限（分钟）", False, "int", "与“承诺时限（天）”二选一"),
    ("promised_days", "承诺时限（天）", False, "int", ""),
    ("on_the_spot", "是否即办", False, "bool", "是 / 否"),
    ("waiting_minutes", "等候时长（分钟）", False, "number", ""),
]
_HEADERS = {header: key for key, header, *_rest in COLUMNS} | {key: key for key, *_rest in COLUMNS}
_HEADER_OF = {key: header for key, header, *_rest in COLUMNS}
_TRUE, _FALSE = {"是", "true", "1", "y", "yes", "即办"}, {"否", "false", "0", "n", "no", ""}


class UploadError(Exception):
    """The file as a whole cannot be used (not a workbook, no header, too many rows)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass
class Row:
    number: int  # the row number in the sheet, as Excel shows it
    data: dict[str, Any]
    errors: list[str] = field(default_factory=list)


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell(kind: str, value: Any, header: str) -> Any:
    """One cell as the C4 value; ValueError with a message for the person."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False if kind == "bool" else None
    if kind in ("code", "text"):
        return _cell_text(value)
    if kind == "time":
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime.combine(value, dt.time())
        else:
            try:
                moment = dt.datetime.fromisoformat(_cell_text(value).replace("/", "-"))
            except ValueError:
                raise ValueError(f"「{header}」不是有效的时间：{_cell_text(value)[:40]}（应如 2025-06-03 09:30）") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BEIJING)
        return moment.isoformat()
    if kind == "int":
        if isinstance(value, bool):
            raise ValueError(f"「{header}」应为整数")
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return int(value)
        text = _cell_text(value)
        if text.isdigit():
            return int(text)
        raise ValueError(f"「{header}」应为整数：{text[:40]}")
    if kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        try:
            return float(_cell_text(value))
        except ValueError:
            raise ValueError(f"「{header}」应为数字：{_cell_text(value)[:40]}") from None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = _cell_text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"「{header}」应为“是”或“否”：{text[:40]}")
    raise AssertionError(kind)


def read_rows(f: Any) -> list[Row]:
    """The transactions of the first sheet of an uploaded workbook, one :class:`Row` each."""
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(f, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise UploadError(str(_("无法读取该文件：不是有效的 Excel 工作簿（.xlsx）。"))) from None
    try:
        ws = wb.worksheets[0]
        lines = ws.iter_rows(values_only=True)
        header: tuple[Any, ...] = ()
        header_row = 0
        for number, values in enumerate(lines, 1):
            if any(v is not None and str(v).strip() for v in values):
                header, header_row = values, number
                break
        if not header:
            raise UploadError(str(_("工作表是空的：第一行应为列名（如“办件编号”）。")))
        keys: list[str | None] = []
        unknown = []
        for v in header:
            name = _cell_text(v) if v is not None else ""
            key = _HEADERS.get(name.replace("(", "（").replace(")", "）")) if name else None
            if name and key is None:
                unknown.append(name)
            keys.append(key)
        if unknown:
            raise UploadError(str(_("第 %(row)d 行有无法识别的列：%(cols)s。请使用模板中的列名。")) % {
                "row": header_row, "cols": "、".join(unknown[:10])})
        missing = [h for k, h, required, *_rest in COLUMNS if required and k not in keys]
        if missing:
            raise UploadError(str(_("缺少必填列：%(cols)s。")) % {"cols": "、".join(missing)})
        present = [k for k in keys if k]
        duplicate_cols = sorted({_HEADER_OF[k] for k in present if present.count(k) > 1})
        if duplicate_cols:
            raise UploadError(str(_("列重复：%(cols)s。")) % {"cols": "、".join(duplicate_cols)})
        rows: list[Row] = []
        for number, values in enumerate(lines, header_row + 1):
            if not any(v is not None and str(v).strip() for v in values):
                continue
            if len(rows) >= UPLOAD_MAX_ROWS:
                raise UploadError(str(_("一次最多上传 %(n)d 行办件，请分批上传。")) % {"n": UPLOAD_MAX_ROWS})
            row = Row(number=number, data={"applicant": {}})
            kinds = {k: kind for k, _h, _r, kind, _n in COLUMNS}
            for key, value in zip(keys, values, strict=False):
                if key is None:
                    continue
                try:
                    converted = _cell(kinds[key], value, _HEADER_OF[key])
                except ValueError as exc:
                    row.errors.append(str(exc))
                    continue
                if key.startswith("applicant."):
                    if converted is not None:
                        row.data["applicant"][key.split(".", 1)[1]] = converted
                elif converted is not None:
                    row.data[key] = converted
            rows.append(row)
        if not rows:
            raise UploadError(str(_("工作表中没有办件数据（列名下面没有行）。")))
        return rows
    finally:
        wb.close()


def explain(exc: Any) -> str:
    """A service error about one row, with the column named as in the workbook."""
    message = exc.message
    location = exc.location or ""
    header = _HEADER_OF.get(location)
    if header:
        message = message.replace(location, f"「{header}」", 1) if location in message else f"「{header}」{message}"
    return str(message)


def template_bytes() -> bytes:
    """An empty workbook with the columns, a sample row and a note per column."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "办件"
    for col, (_key, header, required, _kind, note) in enumerate(COLUMNS, 1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0F4C92" if required else "6B7280")
        text = ("必填。" if required else "选填。") + note
        cell.comment = Comment(text, "考评 Kaoping")
        ws.column_dimensions[cell.column_letter].width = max(14, len(header) * 2 + 4)
    sample = ["BJ2025060300001", "110105-001", "H01", "W03", "S0301", "onsite", "张三", "13800138000",
              "2025-06-03 09:30", "2025-06-03 09:52", 30, None, "是", 6]
    for col, value in enumerate(sample, 1):
        ws.cell(row=2, column=col, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# the parsed rows between preview and import live in a file, named in the user's session

_SESSION_KEY = "ratings_uploads"


def _upload_dir() -> Path:
    from django.conf import settings

    path = Path(settings.DATA_DIR) / "uploads" / "ratings"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stash_key(directory: Path, suffix: str) -> str:
    """A fresh key for a previewed file kept in ``directory``; files of previews nobody
    imported within a day are removed on the way."""
    cutoff = time.time() - 24 * 3600
    for old in directory.glob(f"*{suffix}"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    return secrets.token_urlsafe(18)


def stored_put(session: Any, rows: list[Row], name: str) -> str:
    """Keep checked rows for the import that follows the preview; the key for the form."""
    directory = _upload_dir()
    key = stash_key(directory, ".json")
    payload = {"name": name, "rows": [{"number": r.number, "data": r.data} for r in rows]}
    (directory / f"{key}.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    keys = [k for k in session.get(_SESSION_KEY, []) if (directory / f"{k}.json").exists()][-4:]
    session[_SESSION_KEY] = [*keys, key]
    return key


def stored_get(session: Any, key: str) -> tuple[list[Row], str] | None:
    """The rows kept under ``key`` by this session (None when unknown, expired or imported)."""
    if key not in session.get(_SESSION_KEY, []):
        return None
    path = _upload_dir() / f"{key}.json"
    if not path.exists():
        return None
    payload = json.loads(path.read_text(encoding="utf-8"))
    return [Row(number=r["number"], data=r["data"]) for r in payload["rows"]], payload["name"]


def stored_drop(session: Any, key: str) -> None:
    (_upload_dir() / f"{key}.json").unlink(missing_ok=True)
    session[_SESSION_KEY] = [k for k in session.get(_SESSION_KEY, []) if k != key]
