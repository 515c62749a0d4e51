"""Forms of the collection pages. They convert what was typed; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaoping.campaigns.models import Campaign

from .selectors import SheetLeaf
from .services import MAX_TOKENS_PER_BATCH
from .uploads import MAX_UPLOAD_BYTES


def leaf_field(leaf: SheetLeaf) -> forms.Field:
    """A scale becomes radio buttons, anything else a number box limited to [0, full]."""
    label = leaf.name
    if leaf.scale:
        choices = [(name, name) for name in leaf.scale]
        return forms.ChoiceField(label=label, choices=choices, required=False, widget=forms.RadioSelect)
    return forms.CharField(label=label, required=False, widget=forms.NumberInput(attrs={
        "min": 0, "max": f"{leaf.full:g}", "step": "any", "inputmode": "decimal", "autocomplete": "off",
    }))


class SheetForm(forms.Form):
    """One evaluator's sheet: one field per leaf, plus the version it was built from.

    Number fields are text on the server side: the service gives the message for text,
    range and blanks, so the same words appear whichever way the value came in.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, sections: Sequence[tuple[str, Sequence[SheetLeaf]]], **kwargs: Any):
        """``sections``: (field-name prefix, leaves); field names are ``prefix + leaf code``."""
        super().__init__(*args, **kwargs)
        self.sections = sections
        for prefix, leaves in sections:
            for leaf in leaves:
                self.fields[prefix + leaf.code] = leaf_field(leaf)

    def values(self, prefix: str, leaves: Sequence[SheetLeaf]) -> dict[str, Any]:
        return {leaf.code: self.cleaned_data.get(prefix + leaf.code) for leaf in leaves}


class LinksForm(forms.Form):
    group = forms.ChoiceField(label=_("评价组"))
    count = forms.IntegerField(label=_("数量"), min_value=1, max_value=MAX_TOKENS_PER_BATCH, initial=20)
    note = forms.CharField(label=_("备注"), max_length=200, required=False,
                           help_text=_("如：市民代表座谈会，便于区分各批次"))

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g.code, f"{g.name}（{g.code}）") for g in campaign.groups.order_by("id")]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=[("scores", _("纸质评分表")), ("measures", _("采集数据"))],
                             widget=forms.RadioSelect, initial="scores")
    file = forms.FileField(label=_("Excel 文件（.xlsx，不超过 5 MB）"))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（%(size).1f MB），上限 5 MB"), params={"size": f.size / 2**20})
        return f


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("佐证材料"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class CheckForm(forms.Form):
    status = forms.ChoiceField(label=_("核查结论"), choices=[
        ("verified", _("核查无误")), ("disputed", _("存在异议")), ("corrected", _("更正数值"))],
        widget=forms.RadioSelect)
    value = forms.CharField(label=_("更正值"), required=False,
                            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    note = forms.CharField(label=_("说明 / 理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
