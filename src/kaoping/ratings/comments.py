"""Chinese analysis of rating comments (R4.6): jieba with a domain dictionary.

Each comment is segmented with jieba after the domain phrases (材料繁琐, 态度冷漠,
等待时间长, 多次跑腿, 系统卡顿, …) have been added to its dictionary, so a phrase stays
one token. A phrase and its usual wordings (排队太久 → 等待时间长) map to one problem
category. The selectors return plain data for tables and ECharts series.

Segmenting is the slow part, so the analysis of one month (of one window, or all) is
kept in Django's cache under a key naming the newest rating, the number and the latest
time of the comments in it (:func:`month_analysis`): a new rating or an exclusion makes
a new key, and the dashboard segments each month once, not on every request. jieba's
dictionary is loaded once per process (:func:`_tokenizer`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable
from functools import cache
from typing import Any

from django.core.cache import cache as django_cache
from django.db.models import Count, Max

from .models import Rating

#: how long a month's analysis is kept; a new rating makes a new key long before that
CACHE_SECONDS = 24 * 3600
_CACHE_VERSION = 1

#: category → {canonical phrase: wordings that mean it}
DOMAIN: dict[str, dict[str, tuple[str, ...]]] = {
    "材料与流程": {
        "材料繁琐": ("材料繁琐", "材料太多", "材料多", "手续繁琐", "手续复杂", "流程繁琐", "流程复杂", "重复提交"),
        "多次跑腿": ("多次跑腿", "跑了好几趟", "跑好几次", "来回跑", "跑多次", "多跑", "白跑"),
        "办事指南不清": ("办事指南不清", "指南不清", "说明不清", "一次性告知", "没有告知"),
    },
    "服务态度": {
        "态度冷漠": ("态度冷漠", "态度差", "态度不好", "冷漠", "不耐烦", "爱理不理", "脸难看"),
        "推诿扯皮": ("推诿扯皮", "推诿", "踢皮球", "互相推"),
    },
    "办理效率": {
        "等待时间长": ("等待时间长", "等太久", "排队太久", "排队时间长", "等了很久", "等很久", "排长队"),
        "办理超时": ("办理超时", "超时", "拖延", "迟迟不办", "办得慢", "太慢"),
    },
    "系统与设施": {
        "系统卡顿": ("系统卡顿", "系统卡", "卡顿", "系统故障", "系统崩溃", "网络不好", "打不开", "闪退"),
        "设施不足": ("设施不足", "座位少", "没有座位", "停车难", "取号机坏"),
    },
    "廉洁与收费": {
        "乱收费": ("乱收费", "多收费", "收费不合理"),
        "吃拿卡要": ("吃拿卡要", "索要", "刁难"),
    },
    "好评": {
        "热情周到": ("热情周到", "热情", "耐心", "细心", "周到", "服务好", "态度好"),
        "办事高效": ("办事高效", "高效", "效率高", "很快", "速度快", "一次办好", "一次办成"),
    },
}

STOP = frozenset(["的", "了", "是", "我", "也", "都", "就", "还", "在", "和", "很", "太", "又", "有", "没", "没有", "不", "人", "这", "那", "一个", "什么", "怎么", "非常", "比较", "一下", "我们", "你们", "他们", "工作人员", "窗口", "办事", "办理", "服务", "大厅", "评价", "，", "。", "！", "？", "、", "~"])
_PUNCT = re.compile(r"^[\W_]+$")


_tokenizer_lock = threading.Lock()
_tokenizer_made: Any = None


def _tokenizer() -> Any:
    """jieba with the domain phrases, built once per process (threads wait for the first)."""
    global _tokenizer_made
    if _tokenizer_made is None:
        with _tokenizer_lock:
            if _tokenizer_made is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" on every worker
                tok = jieba.Tokenizer()
                tok.initialize()  # the dictionary, now rather than on the first comment
                for phrases in DOMAIN.values():
                    for canonical, wordings in phrases.items():
                        for w in (canonical, *wordings):
                            tok.add_word(w, freq=20000)
                _tokenizer_made = tok
    return _tokenizer_made


@cache
def _lookup() -> list[tuple[str, str, str]]:
    """(wording, canonical phrase, category), longest wordings first."""
    rows = [(w, canonical, cat) for cat, phrases in DOMAIN.items()
            for canonical, wordings in phrases.items() for w in (canonical, *wordings)]
    return sorted(rows, key=lambda r: -len(r[0]))


def analyse_text(text: str) -> dict[str, Any]:
    """Phrases, categories and plain words of one comment.

    >>> analyse_text("排队太久，材料太多，跑了好几趟")["phrases"]
    ['等待时间长', '材料繁琐', '多次跑腿']
    """
    text = (text or "").strip()
    phrases: list[str] = []
    categories: list[str] = []
    rest = text
    order: dict[str, int] = {}
    for wording, canonical, cat in _lookup():
        if wording in rest:
            order[canonical] = min(order.get(canonical, 10**6), text.find(wording))
            rest = rest.replace(wording, " ")
            if canonical not in phrases:
                phrases.append(canonical)
            if cat not in categories:
                categories.append(cat)
    words = [w for w in _tokenizer().lcut(rest) if len(w.strip()) >= 2 and w not in STOP and not _PUNCT.match(w)]
    return {"phrases": sorted(phrases, key=lambda p: order[p]),
            "categories": categories, "words": words}


def analyse(texts: Iterable[str]) -> dict[str, Any]:
    """Counts over many comments: phrases, categories and frequent other words."""
    phrases, cats, words = Counter(), Counter(), Counter()
    total = 0
    for text in texts:
        if not text or not text.strip():
            continue
        total += 1
        a = analyse_text(text)
        phrases.update(a["phrases"])
        cats.update(a["categories"])
        words.update(set(a["words"]))
    return {"comments": total, "phrases": phrases.most_common(20), "categories": cats.most_common(),
            "words": words.most_common(30)}


def _commented(period: dt.date, window_id: int | None, window_ids: Collection[int] | None = None) -> Any:
    qs = Rating.objects.filter(period=period, is_default=False, excluded=False).exclude(comment="")
    if window_ids is not None:  # a unit contact: only the windows their unit answers for
        qs = qs.filter(window_id__in=sorted(window_ids))
    return qs.filter(window_id=window_id) if window_id is not None else qs


def _comments(period: dt.date, window_id: int | None, limit: int,
              window_ids: Collection[int] | None = None) -> list[str]:
    return list(_commented(period, window_id, window_ids).order_by("-rated_at")
                .values_list("comment", flat=True)[:limit])


def _scope_key(window_ids: Collection[int] | None) -> str:
    if window_ids is None:
        return "all"
    return "in" + hashlib.sha256(",".join(map(str, sorted(window_ids))).encode()).hexdigest()[:16]


def _cache_key(period: dt.date, window_id: int | None, limit: int,
               window_ids: Collection[int] | None = None) -> str:
    """Names the month's comments as they are now: any new or excluded rating changes it."""
    state = _commented(period, window_id, window_ids).aggregate(last=Max("pk"), n=Count("pk"), at=Max("rated_at"))
    at = state["at"].timestamp() if state["at"] else 0
    return (f"kaoping:ratings:comments:{_CACHE_VERSION}:{period:%Y-%m}:{window_id or 'all'}:{_scope_key(window_ids)}:"
            f"{limit}:{state['last'] or 0}:{state['n']}:{at:.6f}")


def month_analysis(*, period: dt.date, window_id: int | None = None, limit: int = 20_000,
                   window_ids: Collection[int] | None = None) -> dict[str, Any]:
    """:func:`analyse` of one month's comments, from the cache when they have not changed.

    ``window_ids`` limits it to those windows (a unit contact's); None means every window.
    """
    key = _cache_key(period, window_id, limit, window_ids)
    found = django_cache.get(key)
    if found is None:
        found = analyse(_comments(period, window_id, limit, window_ids))
        django_cache.set(key, found, CACHE_SECONDS)
    return found


def comment_analysis(*, period: dt.date, window_id: int | None = None, limit: int = 20_000,
                     window_ids: Collection[int] | None = None) -> dict[str, Any]:
    """The month's comments (of one window, or all, or those of ``window_ids``) analysed."""
    return month_analysis(period=period, window_id=window_id, limit=limit, window_ids=window_ids)


def phrase_trend(*, until: dt.date, months: int = 6, window_id: int | None = None, top: int = 8,
                 limit: int = 20_000, window_ids: Collection[int] | None = None) -> dict[str, Any]:
    """Frequent problem phrases per month, for an ECharts line chart.

    Returns ``{"periods": ["2025-01", …], "series": [{"name": phrase, "data": [n, …]}, …]}``
    with the ``top`` phrases over the whole span (the 好评 phrases left out).
    """
    from .stats import previous_periods

    periods = list(reversed(previous_periods(until, months)))
    per: list[Counter] = []
    total: Counter = Counter()
    praise = set(DOMAIN["好评"])
    for p in periods:
        phrases = month_analysis(period=p, window_id=window_id, limit=limit, window_ids=window_ids)["phrases"]
        c = Counter({k: v for k, v in phrases if k not in praise})
        per.append(c)
        total.update(c)
    names = [name for name, _ in total.most_common(top)]
    return {"periods": [p.strftime("%Y-%m") for p in periods],
            "series": [{"name": n, "data": [c.get(n, 0) for c in per]} for n in names]}
