"""Words for the codes that bundles carry (unit types, common region tags), for pages."""

from __future__ import annotations

from django import template

from kaoping.org.models import UnitType

register = template.Library()

#: region tags the samples and most bundles use; any other tag is shown as written
REGION_LABELS = {
    "east": "东部", "central": "中部", "west": "西部", "north": "北部", "south": "南部",
    "city": "市级", "county": "县级", "district": "区级", "town": "乡镇",
}


@register.filter
def unit_type_label(code: str) -> str:
    """``admin`` → 行政单位 (an unknown code is shown as written)."""
    return str(dict(UnitType.choices).get(code, code or ""))


@register.filter
def region_label(tag: str) -> str:
    """``east`` → 东部 (a tag without a known word is shown as written)."""
    return REGION_LABELS.get((tag or "").lower(), tag or "")
