"""Template filters: the words of :mod:`kaoping.indicators.labels`."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from kaoping.indicators import labels
from kaoping.org.templatetags.org_labels import unit_type_label

register = template.Library()

register.filter("group_label", labels.group_label)
register.filter("dimension_label", labels.dimension_label)


@register.filter
def dimension_labels(codes: Iterable[str] | None) -> str:
    return "、".join(labels.dimension_label(c) for c in codes or [])


@register.filter
def unit_type_labels(codes: Iterable[str] | None) -> str:
    return "、".join(unit_type_label(c) for c in codes or [])
