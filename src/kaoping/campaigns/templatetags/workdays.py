"""How pages say a count of working days that runs into a year not yet published."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _

from kaoping.engine.workdays import is_estimate, last_year

register = template.Library()


@register.filter
def workday_estimate(deadline: dt.date | None) -> str:
    """``约`` before the count when ``deadline`` lies in a year the official calendar does
    not know yet (weekends alone were skipped there), else nothing."""
    return _("约") if deadline is not None and is_estimate(deadline) else ""


@register.filter
def workday_estimate_note(deadline: dt.date | None) -> str:
    """The reason for the ``约``, for a ``title`` attribute."""
    if deadline is None or not is_estimate(deadline):
        return ""
    return _("%(year)d 年以后的法定节假日尚未公布，按周末估算") % {"year": last_year() + 1}
