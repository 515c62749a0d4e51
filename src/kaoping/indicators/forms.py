"""Forms of the indicator library pages: they read and check input, services decide."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaoping.org.models import UnitType

from .models import Nature, Source

NATURE_CHOICES = [("", _("（未标注，继承上级）")), *Nature.choices]
RULE_KINDS = [("linear", _("线性")), ("threshold", _("达标")), ("bands", _("分档")), ("ratio", _("比率")),
              ("direct", _("直接计分"))]
DIRECTIONS = [("higher", _("越高越好")), ("lower", _("越低越好"))]
SPLIT = re.compile(r"[,，、;；\s]+")


def split_codes(text: str) -> list[str]:
    return [t for t in SPLIT.split(text or "") if t]


class LibraryForm(forms.Form):
    code = forms.CharField(label=_("指标库代码"), max_length=64, help_text=_("如 MUTUAL，创建后不能修改"))
    name = forms.CharField(label=_("名称"), max_length=200)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NodeAddForm(forms.Form):
    parent = forms.ChoiceField(label=_("上级指标"), required=False)
    code = forms.CharField(label=_("指标代码"), max_length=64)
    name = forms.CharField(label=_("指标名称"), max_length=200)
    weight = forms.FloatField(label=_("权重"), min_value=0, initial=1)
    nature = forms.ChoiceField(label=_("性质"), choices=NATURE_CHOICES, required=False)

    def __init__(self, *args: Any, nodes: list[Any] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("（顶层：目标层）"))] + [
            (n.code, f"{n.code} {n.name}") for n in nodes]


class NodeEditForm(forms.Form):
    """Every editable field of a node; leaf fields only when the node is a leaf."""

    name = forms.CharField(label=_("指标名称"), max_length=200)
    weight = forms.FloatField(label=_("权重"), min_value=0, help_text=_("同级指标之间的相对权重"))
    nature = forms.ChoiceField(label=_("性质"), choices=NATURE_CHOICES, required=False)
    dimensions = forms.CharField(label=_("维度标签"), required=False,
                                 help_text=_("逗号分隔，如 客户、内部流程；或 可靠性、响应性"))
    applies_to = forms.MultipleChoiceField(label=_("适用单位类型"), choices=UnitType.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=_("都不勾选表示适用于所有单位类型"))
    description = forms.CharField(label=_("说明 / 评分标准"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.ChoiceField(label=_("来源"), choices=Source.choices, required=False)
    rated_by = forms.CharField(label=_("评价组"), required=False,
                               help_text=_("评价组代码，逗号分隔，如 superior, peer；留空表示所有评价组"))
    full = forms.FloatField(label=_("满分"), required=False, min_value=0.000001)
    scale = forms.CharField(label=_("等级表"), required=False, help_text=_("如 优:95;良:85;中:70;差:50；留空按分值打分"))
    rule_kind = forms.ChoiceField(label=_("计分规则"), choices=RULE_KINDS, required=False)
    rule_direction = forms.ChoiceField(label=_("方向"), choices=DIRECTIONS, required=False)
    rule_floor = forms.FloatField(label=_("下限（最差值）"), required=False)
    rule_target = forms.FloatField(label=_("目标（最好值）"), required=False)
    rule_bands = forms.CharField(label=_("分档"), required=False,
                                 help_text=_("下限:得分，分号分隔，如 0.95:100;0.9:80;:60"))
    note = forms.CharField(label=_("修改说明"), required=False, max_length=500)

    LEAF_FIELDS = ("source", "rated_by", "full", "scale", "rule_kind", "rule_direction", "rule_floor",
                   "rule_target", "rule_bands")

    def __init__(self, *args: Any, leaf: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.leaf = leaf
        if not leaf:
            for name in self.LEAF_FIELDS:
                del self.fields[name]

    @classmethod
    def initial_for(cls, node: Any) -> dict[str, Any]:
        rule = node.rule or {}
        bands = ";".join(f"{'' if b.get('min') is None else b.get('min')}:{b.get('score')}"
                         for b in rule.get("bands") or [])
        return {
            "name": node.name, "weight": node.weight, "nature": node.nature,
            "dimensions": ", ".join(node.dimensions or []), "applies_to": node.applies_to or [],
            "description": node.description, "source": node.source or "rating",
            "rated_by": ", ".join(node.rated_by or []), "full": node.full,
            "scale": ";".join(f"{k}:{v:g}" if isinstance(v, float) else f"{k}:{v}"
                              for k, v in (node.scale or {}).items()),
            "rule_kind": rule.get("kind", "linear"), "rule_direction": rule.get("direction", "higher"),
            "rule_floor": rule.get("floor"), "rule_target": rule.get("target"), "rule_bands": bands,
        }

    def clean_scale(self) -> dict[str, float] | None:
        text = self.cleaned_data.get("scale", "")
        if not text.strip():
            return None
        scale: dict[str, float] = {}
        for part in re.split(r"[;；]", text):
            if not part.strip():
                continue
            label, sep, value = part.replace("：", ":").partition(":")
            try:
                number = float(value)
            except ValueError:
                number = None
            if not sep or not label.strip() or number is None:
                raise forms.ValidationError(_("格式应为“标签:分值”，分号分隔，如 优:95;良:85"))
            if label.strip() in scale:
                raise forms.ValidationError(_("等级 %(label)s 重复") % {"label": label.strip()})
            scale[label.strip()] = number
        return scale

    def clean_rule_bands(self) -> list[dict[str, Any]] | None:
        text = self.cleaned_data.get("rule_bands", "")
        if not text.strip():
            return None
        bands = []
        for part in re.split(r"[;；]", text):
            if not part.strip():
                continue
            low, sep, score = part.replace("：", ":").partition(":")
            try:
                bands.append({"min": float(low) if low.strip() else None, "score": float(score)})
            except ValueError:
                raise forms.ValidationError(_("格式应为“下限:得分”，分号分隔，如 0.95:100;0.9:80;:60")) from None
            if not sep:
                raise forms.ValidationError(_("格式应为“下限:得分”，分号分隔，如 0.95:100;0.9:80;:60"))
        return bands

    def changes(self) -> dict[str, Any]:
        """The cleaned values as :func:`indicator_node_update` keywords."""
        d = self.cleaned_data
        out: dict[str, Any] = {
            "name": d["name"].strip(), "weight": d["weight"], "nature": d.get("nature") or "",
            "dimensions": split_codes(d.get("dimensions", "")), "applies_to": list(d.get("applies_to") or []) or None,
            "description": d.get("description", "").strip(),
        }
        if not self.leaf:
            return out
        source = d.get("source") or "rating"
        out["leaf_source"] = source
        if source == "rating":
            out.update(rated_by=split_codes(d.get("rated_by", "")) or None,
                       full=d.get("full") or 100.0, scale=d.get("scale"), rule=None)
        else:
            rule: dict[str, Any] = {"kind": d.get("rule_kind") or "linear",
                                    "direction": d.get("rule_direction") or "higher"}
            for key in ("floor", "target"):
                if d.get(f"rule_{key}") is not None:
                    rule[key] = d[f"rule_{key}"]
            if d.get("rule_bands"):
                rule["bands"] = d["rule_bands"]
            out.update(rule=rule, rated_by=None, scale=None, full=None)
        return out


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"),
                           help_text=_("只读取「指标」工作表：每行一个指标，「上级指标」填上级代码"))
    note = forms.CharField(label=_("修订说明"), required=False, max_length=500)


class PolicyForm(forms.Form):
    """Policy limits to check a version against, in percent (GET)."""

    process_min = forms.FloatField(label=_("过程性下限 %"), required=False, min_value=0, max_value=100)
    process_max = forms.FloatField(label=_("过程性上限 %"), required=False, min_value=0, max_value=100)
    result_min = forms.FloatField(label=_("结果性下限 %"), required=False, min_value=0, max_value=100)
    result_max = forms.FloatField(label=_("结果性上限 %"), required=False, min_value=0, max_value=100)

    def limits(self) -> dict[str, float]:
        if not self.is_valid():
            return {}
        return {k: v / 100 for k, v in self.cleaned_data.items() if v is not None}


# --------------------------------------------------------------------------- AHP

#: Saaty's scale as offered in the select boxes, most important first
SAATY = ["9", "8", "7", "6", "5", "4", "3", "2", "1", "1/2", "1/3", "1/4", "1/5", "1/6", "1/7", "1/8", "1/9"]
SAATY_LABELS = {"9": _("9 极端重要"), "7": _("7 非常重要"), "5": _("5 明显重要"), "3": _("3 稍微重要"),
                "1": _("1 同等重要"), "1/3": _("1/3 稍微次要"), "1/5": _("1/5 明显次要"), "1/7": _("1/7 非常次要"),
                "1/9": _("1/9 极端次要")}
MAX_EXPERTS = 15


def reciprocal(text: str) -> str:
    value = 1 / Fraction(text)
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def nearest_saaty(value: float) -> str:
    """A stored judgement shown in the select: the scale value nearest on a log scale."""
    import math

    return min(SAATY, key=lambda s: abs(math.log(float(Fraction(s))) - math.log(value)))


def ahp_matrices(data: Any, n: int, experts: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Read ``e{k}_name`` and the upper triangle ``e{k}_{i}_{j}`` (i < j) from a POST.

    The lower triangle is filled with reciprocals and the diagonal with 1, entries kept
    as text (``"1/3"``) as the engine reads them. Returns the experts and the errors.
    """
    out, errors = [], []
    for k in range(experts):
        name = (data.get(f"e{k}_name") or "").strip() or f"专家{k + 1}"
        if len(name) > 50:
            errors.append(f"专家 {k + 1} 的姓名超过 50 个字符")
        matrix = [["1"] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                value = (data.get(f"e{k}_{i}_{j}") or "1").strip()
                if value not in SAATY:
                    errors.append(f"{name}：第 {i + 1} 行第 {j + 1} 列的判断值 {value!r} 不在 1/9–9 标度内")
                    value = "1"
                matrix[i][j], matrix[j][i] = value, reciprocal(value)
        out.append({"name": name, "matrix": matrix})
    names = [e["name"] for e in out]
    for k, name in enumerate(names):
        if names.index(name) != k:
            errors.append(f"专家姓名“{name}”重复")
    return out, errors
