"""Template filters for the refusal (403) and not-found (404) pages."""

from __future__ import annotations

import re
from typing import Any

from django import template

register = template.Library()

CJK = re.compile(r"[\u3400-\u9fff]")


@register.filter
def readable_reason(exception: Any) -> str:
    """The reason a view gave, when it was written for a person (in Chinese).

    ``PermissionDenied("campaigns.manage")``, Django's ``Resolver404`` and the English
    "No … matches the given query." are for developers: they give "".

    >>> readable_reason("只能查看本单位的考评结果。"), readable_reason("campaigns.manage")
    ('只能查看本单位的考评结果。', '')
    """
    text = "" if exception is None else str(exception).strip()
    return text if CJK.search(text) else ""
