"""Forms of the campaign set-up pages: they read and check input; services in
:mod:`kaoping.campaigns.setup` decide and write."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaoping.indicators.models import LibraryVersion
from kaoping.org.models import Unit, UnitType

from .models import CampaignKind
from .setup import PERIOD_TYPES, scoring_settings

GRADE_NAMES = ("优秀", "良好", "合格", "不合格")


class VersionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: LibraryVersion) -> str:
        state = _("已冻结") if obj.frozen_at else _("草稿")
        return f"{obj.library.name}（{obj.library.code}）第 {obj.number} 版 · {state}"


class SettingsForm(forms.Form):
    """Name, period, deadline and every scoring parameter (R3.1, C1 ``scoring``)."""

    name = forms.CharField(label=_("活动名称"), max_length=200)
    kind = forms.ChoiceField(label=_("考评类型"), choices=[("", "—"), *CampaignKind.choices], required=False)
    period_type = forms.ChoiceField(label=_("考评周期"), choices=[("", "—"), *PERIOD_TYPES.items()], required=False)
    period_start = forms.DateField(label=_("考评期开始"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("考评期结束"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(label=_("评分截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text=_("按国家法定节假日和调休计算剩余工作日"))
    grade_excellent = forms.FloatField(label=_("优秀 ≥"), initial=90, min_value=0)
    grade_good = forms.FloatField(label=_("良好 ≥"), initial=80, min_value=0)
    grade_pass = forms.FloatField(label=_("合格 ≥"), initial=70, min_value=0)
    trim_min_count = forms.IntegerField(label=_("去极值最少人数"), initial=5, min_value=0,
                                        help_text=_("评分人数达到此数时去掉最高、最低分再平均"))
    trim_drop_high = forms.IntegerField(label=_("去掉最高分个数"), initial=1, min_value=0)
    trim_drop_low = forms.IntegerField(label=_("去掉最低分个数"), initial=1, min_value=0)
    bonus_cap = forms.FloatField(label=_("加分上限"), required=False, min_value=0, help_text=_("留空表示不设上限"))
    fluctuation = forms.FloatField(label=_("波动预警阈值 %"), initial=20, min_value=0, max_value=1000)
    low_score = forms.FloatField(label=_("低分预警线"), initial=80, min_value=0)
    process_min = forms.FloatField(label=_("过程性权重下限 %"), required=False, min_value=0, max_value=100,
                                   help_text=_("如单位互评 40"))
    process_max = forms.FloatField(label=_("过程性权重上限 %"), required=False, min_value=0, max_value=100,
                                   help_text=_("如绩效考评 20"))
    result_min = forms.FloatField(label=_("结果性权重下限 %"), required=False, min_value=0, max_value=100)
    result_max = forms.FloatField(label=_("结果性权重上限 %"), required=False, min_value=0, max_value=100,
                                  help_text=_("如单位互评 60"))

    def clean(self) -> dict[str, Any]:
        d = super().clean()
        grades = [d.get("grade_excellent"), d.get("grade_good"), d.get("grade_pass")]
        if None not in grades and not grades[0] > grades[1] > grades[2]:
            self.add_error("grade_good", _("等级分数线应从高到低：优秀 > 良好 > 合格"))
        start, end, deadline = d.get("period_start"), d.get("period_end"), d.get("deadline")
        if start and end and end < start:
            self.add_error("period_end", _("结束日期早于开始日期"))
        if deadline and start and deadline < start:
            self.add_error("deadline", _("截止日期早于考评期开始日期"))
        for nature in ("process", "result"):
            lo, hi = d.get(f"{nature}_min"), d.get(f"{nature}_max")
            if lo is not None and hi is not None and lo > hi:
                self.add_error(f"{nature}_max", _("上限小于下限"))
        if (d.get("trim_min_count") is not None and d.get("trim_drop_high") is not None
                and d.get("trim_drop_low") is not None
                and d["trim_min_count"] <= d["trim_drop_high"] + d["trim_drop_low"]):
            self.add_error("trim_min_count", _("最少人数必须大于去掉的最高分与最低分个数之和"))
        return d

    def scoring(self) -> dict[str, Any]:
        d = self.cleaned_data
        return scoring_settings(
            grades=list(zip(GRADE_NAMES, (d["grade_excellent"], d["grade_good"], d["grade_pass"], 0), strict=True)),
            trim_min_count=d["trim_min_count"], trim_drop_high=d["trim_drop_high"], trim_drop_low=d["trim_drop_low"],
            bonus_cap=d.get("bonus_cap"), fluctuation_threshold=d["fluctuation"] / 100,
            low_score_threshold=d["low_score"],
            policy={k: (d[k] / 100 if d.get(k) is not None else None)
                    for k in ("process_min", "process_max", "result_min", "result_max")},
        )

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"name": d["name"], "kind": d.get("kind") or "", "period_type": d.get("period_type") or "",
                "period_start": d.get("period_start"), "period_end": d.get("period_end"),
                "deadline": d.get("deadline"), "scoring": self.scoring()}

    @staticmethod
    def initial_for(campaign: Any) -> dict[str, Any]:
        s = campaign.scoring or {}
        grades = {g.get("name"): g.get("min") for g in s.get("grades") or []}
        trim = s.get("trim") or {}
        policy = s.get("policy") or {}
        return {
            "name": campaign.name, "kind": campaign.kind, "period_type": (campaign.extra or {}).get("period_type", ""),
            "period_start": campaign.period_start, "period_end": campaign.period_end, "deadline": campaign.deadline,
            "grade_excellent": grades.get("优秀", 90), "grade_good": grades.get("良好", 80),
            "grade_pass": grades.get("合格", 70), "trim_min_count": trim.get("min_count", 5),
            "trim_drop_high": trim.get("drop_high", 1), "trim_drop_low": trim.get("drop_low", 1),
            "bonus_cap": s.get("bonus_cap"), "fluctuation": round(float(s.get("fluctuation_threshold", 0.2)) * 100, 6),
            "low_score": s.get("low_score_threshold", 80),
            **{k: round(v * 100, 6) for k, v in policy.items() if isinstance(v, int | float)},
        }


class CampaignForm(SettingsForm):
    code = forms.CharField(label=_("活动代码"), max_length=64, help_text=_("唯一，如 2026Q3；创建后不能修改"))
    library_version = VersionChoice(label=_("指标体系版本"), queryset=LibraryVersion.objects.none(),
                                    help_text=_("草稿版本被使用后冻结，活动始终保留它使用的版本"))
    include_self = forms.BooleanField(label=_("收集自评（权重 0，仅供对照）"), required=False)

    field_order = ["code", "name", "kind", "library_version", "period_type", "period_start", "period_end",
                   "deadline", "include_self"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["library_version"].queryset = (LibraryVersion.objects.select_related("library")
                                                   .order_by("library__code", "-number"))

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+", code) or code in ("new",):
            raise forms.ValidationError(_("活动代码只能包含字母、数字、下划线、点和连字符"))
        return code


class Prefixed(forms.Form):
    """Several forms share the set-up page: each gets its own element ids."""

    id_prefix = "f"

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class TargetsForm(Prefixed):
    id_prefix = "targets"

    types = forms.MultipleChoiceField(label=_("单位类型"), choices=UnitType.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    regions = forms.MultipleChoiceField(label=_("区域"), required=False, widget=forms.CheckboxSelectMultiple)
    codes = forms.CharField(label=_("或单位代码"), required=False, help_text=_("逗号分隔，如 U01, U02"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        regions = sorted(set(Unit.objects.exclude(region="").values_list("region", flat=True)))
        self.fields["regions"].choices = [(r, r) for r in regions]

    def clean(self) -> dict[str, Any]:
        d = super().clean()
        d["code_list"] = [c for c in re.split(r"[,，、;；\s]+", d.get("codes") or "") if c]
        if not (d.get("types") or d.get("regions") or d["code_list"]):
            raise forms.ValidationError(_("请至少选择一个单位类型、区域或填写单位代码"))
        return d


class GroupForm(Prefixed):
    id_prefix = "group"

    code = forms.CharField(label=_("评价组代码"), max_length=64, help_text=_("已存在的代码则修改其名称和权重"))
    name = forms.CharField(label=_("名称"), max_length=200)
    weight = forms.FloatField(label=_("权重"), min_value=0, help_text=_("0 表示只收集不计分，如自评"))


def _choices(pairs: Any, empty: str | None = None) -> list[tuple[str, str]]:
    out = [("", empty)] if empty is not None else []
    return out + [(str(k), v) for k, v in pairs]


class RaterForm(Prefixed):
    id_prefix = "rater"

    code = forms.CharField(label=_("评价人代码"), max_length=64)
    group = forms.ChoiceField(label=_("评价组"))
    unit = forms.ChoiceField(label=_("所在单位"), required=False, help_text=_("须为考评对象；用于回避本单位"))
    user = forms.ChoiceField(label=_("登录账号"), required=False, help_text=_("评价人用此账号填写评分表"))
    name = forms.CharField(label=_("姓名"), max_length=100, required=False)

    def __init__(self, *args: Any, groups: Any = (), targets: Any = (), users: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = _choices((g.code, f"{g.name}（{g.code}）") for g in groups)
        self.fields["unit"].choices = _choices(((t.code, f"{t.code} {t.fields.get('name', '')}") for t in targets),
                                               "—")
        self.fields["user"].choices = _choices(((u.pk, u.get_username()) for u in users), "—")


class ConflictForm(Prefixed):
    id_prefix = "conflict"

    rater = forms.ChoiceField(label=_("评价人"))
    unit = forms.ChoiceField(label=_("回避单位"))

    def __init__(self, *args: Any, raters: Any = (), targets: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["rater"].choices = _choices((r.code, r.code) for r in raters)
        self.fields["unit"].choices = _choices((t.code, f"{t.code} {t.fields.get('name', '')}") for t in targets)


class OverrideForm(Prefixed):
    id_prefix = "override"

    match_type = forms.ChoiceField(label=_("单位类型为"), choices=[("", "—"), *UnitType.choices], required=False)
    match_region = forms.CharField(label=_("区域为"), required=False, max_length=64, help_text=_("如 west"))
    weights = forms.CharField(label=_("替换权重"), help_text=_("指标代码:权重，逗号分隔，如 B2:10"))

    def clean_weights(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for part in re.split(r"[,，;；]", self.cleaned_data["weights"]):
            if not part.strip():
                continue
            code, sep, value = part.replace("：", ":").partition(":")
            try:
                number = float(value)
            except ValueError:
                number = None
            if not sep or not code.strip() or number is None:
                raise forms.ValidationError(_("格式应为“指标代码:权重”，如 B2:10"))
            out[code.strip()] = number
        if not out:
            raise forms.ValidationError(_("请至少填写一个指标的权重"))
        return out

    def clean(self) -> dict[str, Any]:
        d = super().clean()
        match = {}
        if d.get("match_type"):
            match["type"] = d["match_type"]
        if (d.get("match_region") or "").strip():
            match["region"] = d["match_region"].strip()
        if not match and not self.errors:
            raise forms.ValidationError(_("请填写匹配条件：单位类型或区域"))
        d["match"] = match
        return d


class DrawForm(Prefixed):
    id_prefix = "draw"

    seed = forms.CharField(label=_("随机种子"), max_length=64,
                           help_text=_("记录在账本中，任何人用同一种子可重现抽取结果"))
    mode = forms.ChoiceField(label=_("抽取方式"), choices=[("raters", _("为每个单位抽评价人")),
                                                       ("targets", _("为每个评价人抽被评单位"))])
    per_unit = forms.IntegerField(label=_("每次抽取数量"), min_value=1, max_value=1000, initial=3)
    groups = forms.MultipleChoiceField(label=_("评价组"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, groups: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = [(g.code, g.name) for g in groups]
        if not self.is_bound:
            self.initial.setdefault("seed", str(secrets.randbelow(10**8)).zfill(8))


class GenerateForm(Prefixed):
    id_prefix = "generate"

    groups = forms.MultipleChoiceField(label=_("评价组"), widget=forms.CheckboxSelectMultiple, required=False,
                                       help_text=_("不选表示全部评价组"))

    def __init__(self, *args: Any, groups: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = [(g.code, g.name) for g in groups]


class ReplayForm(forms.Form):
    seed = forms.CharField(label=_("随机种子"), max_length=64)
