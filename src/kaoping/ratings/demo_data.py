"""Sample 好差评 data for ``kaoping demo``: halls, windows, staff, items, ratings, cases.

Everything is written through the services of :mod:`kaoping.ratings.services` (the
transactions as a business system sends them, back-dated ratings, case steps and one
appeal), so the summary rows and the ledger are exactly what real use would leave.
The sample is seeded: the same ``now`` and ``size`` always give the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction as db_transaction

from .models import (
    BAD_LEVELS,
    ONLINE_ITEMS,
    ONSITE_ITEMS,
    BadRatingCase,
    CaseStatus,
    Hall,
    Rating,
    ServiceItem,
    StaffMember,
    Transaction,
    Verdict,
    Window,
)
from .services import (
    BEIJING,
    appeal_decide,
    appeal_file,
    case_advance,
    code_confirm,
    rating_submit,
    transaction_receive,
)

SEED = 20260
SOURCE = "demo"
DAYS = 90

#: hall code → (name, responsible unit code)
HALLS = {
    "LJZW": ("临江市政务服务中心", "U16"),
    "LJBDC": ("临江市不动产登记中心", "U23"),
    "LJSB": ("临江市社保医保服务大厅", "U05"),
}

#: service item code → (name, on the spot?, promised days, usually online?)
ITEMS = {
    "SX0101": ("营业执照办理（企业设立登记）", False, 3, True),
    "SX0102": ("个体工商户登记", True, 0, False),
    "SX0103": ("食品经营许可", False, 10, False),
    "SX0201": ("出入境证件办理（普通护照）", False, 7, False),
    "SX0202": ("往来港澳通行证签注", True, 0, False),
    "SX0301": ("教师资格认定", False, 20, True),
    "SX0302": ("学籍证明开具", True, 0, False),
    "SX0401": ("发票申领", True, 0, True),
    "SX0402": ("二手房交易契税缴纳", True, 0, False),
    "SX0501": ("住房公积金提取", True, 0, True),
    "SX0502": ("住房公积金贷款申请", False, 15, False),
    "SX0601": ("不动产转移登记", False, 5, False),
    "SX0602": ("不动产抵押登记", False, 3, True),
    "SX0603": ("不动产首次登记", False, 10, False),
    "SX0604": ("不动产权证书补换", False, 7, False),
    "SX0701": ("社保卡补办", True, 0, False),
    "SX0702": ("社会保险关系转移", False, 15, True),
    "SX0801": ("医保异地就医备案", True, 0, True),
    "SX0802": ("医疗费用零星报销", False, 20, False),
}

#: (hall, window code, window name, own responsible unit or None for the hall's, share of
#: the load, "quality" shifting the level mix, items, staff names)
WINDOWS = (
    ("LJZW", "W01", "商事登记窗口", "U14", 14, 0.0, ("SX0101", "SX0102", "SX0103"), ("周晓燕", "吴海涛")),
    ("LJZW", "W02", "公安出入境窗口", "U03", 11, 0.3, ("SX0201", "SX0202"), ("郑雅琴", "冯振宇")),
    ("LJZW", "W03", "教育服务窗口", "U02", 7, 0.1, ("SX0301", "SX0302"), ("何丽萍", "许文博")),
    ("LJZW", "W04", "税务综合窗口", "U33", 10, -0.6, ("SX0401", "SX0402"), ("沈国华", "韩冬梅")),
    ("LJZW", "W05", "住房公积金窗口", "U34", 9, 0.2, ("SX0501", "SX0502"), ("唐立新", "曹玉兰")),
    ("LJZW", "W06", "综合受理窗口", None, 6, 0.0, ("SX0102", "SX0302", "SX0701"), ("邓佳慧",)),
    ("LJBDC", "B01", "不动产登记一号窗口", None, 12, -0.2, ("SX0601", "SX0602"), ("彭志刚", "蒋红霞")),
    ("LJBDC", "B02", "不动产登记二号窗口", None, 9, -1.0, ("SX0603", "SX0604"), ("杜建平", "叶秋菊")),
    ("LJBDC", "B03", "交易税费窗口", "U33", 5, 0.0, ("SX0402",), ("魏晨阳",)),
    ("LJSB", "S01", "社保卡服务窗口", None, 10, 0.2, ("SX0701", "SX0702"), ("潘美玲", "田宏伟")),
    ("LJSB", "S02", "医保经办窗口", "U31", 7, -0.3, ("SX0801", "SX0802"), ("钟丽娟", "孔德明")),
)

#: comment phrases by level, and the problem tags (codes of PROBLEM_TAGS) a bad one may carry
PRAISE = ("办事高效，一次办好", "工作人员态度热情，讲解耐心", "服务好，很快就办完了", "一次办成，不用来回跑",
          "窗口人员很耐心，帮我核对了材料", "效率高，比预想的快", "态度好，细心周到", "排队不久，办理速度快",
          "热情周到，点赞", "材料齐全当场就办好了，高效")
MIDDLE = ("总体还行，就是等待时间长了点", "材料有点多，希望能简化", "办理还算顺利，取号机坏了一台",
          "座位少，等的时候只能站着", "指南不清，问了两次才明白")
BAD = (
    ("排队太久，等了很久才叫到号", ("waiting",)),
    ("材料繁琐，要求重复提交", ("materials",)),
    ("跑了好几趟还没办成，没有一次性告知", ("repeat_visits", "guide")),
    ("工作人员态度差，不耐烦", ("attitude",)),
    ("系统卡顿，办到一半系统崩溃了", ("system",)),
    ("办理超时，迟迟不办", ("overdue",)),
    ("答复不清楚，互相推诿", ("unclear_answer",)),
    ("手续复杂，来回跑", ("materials", "repeat_visits")),
)
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高梁宋"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "霞", "平", "刚", "桂英")


def ratings_demo_exists() -> bool:
    """Any ratings data already there (then the demo leaves it alone)."""
    return Transaction.objects.exists() or Rating.objects.exists()


def ratings_demo_load(*, by: Any, now: dt.datetime, reviewer: Any = None, size: int = 2000,
                      seed: int = SEED) -> dict[str, int]:
    """Load the sample (about ``size`` transactions over the 90 days before ``now``).

    ``by`` is the evaluation office (confirms the registers, enters hotline/paper
    ratings, handles cases); ``reviewer`` (a supervisor) decides the appeal. Skipped,
    with zero counts, when ratings data already exists. One database transaction.
    """
    if ratings_demo_exists():
        return {"transactions": 0, "ratings": 0, "cases": 0}
    rng = random.Random(seed)
    with db_transaction.atomic():
        windows = _registers(by=by, now=now)
        plan = _schedule(rng, now, size)
        ratings = _transactions_and_ratings(rng, plan, windows, by=by, now=now)
        _items_confirm(by=by)
        cases = _cases(rng, by=by, now=now)
        _appeals(by=by, reviewer=reviewer, now=now)
    return {"transactions": len(plan), "ratings": ratings, "cases": cases}


# --------------------------------------------------------------------------- registers


def _registers(*, by: Any, now: dt.datetime) -> dict[tuple[str, str], dict[str, Any]]:
    """One first transaction per window registers its codes; the office confirms them."""
    from kaoping.org.models import Unit

    units = {u.code: u for u in Unit.objects.filter(code__in={*(h[1] for h in HALLS.values()),
                                                              *(w[3] for w in WINDOWS if w[3])})}
    start = _working_moment(now - dt.timedelta(days=DAYS + 1), 9 * 60)
    out = {}
    for n, (hall, code, name, unit, share, quality, items, staff) in enumerate(WINDOWS):
        for i, person in enumerate(staff):
            txn, _ = transaction_receive(data=_txn_data(
                f"LJ{start:%Y%m%d}9{n:02d}{i:02d}", hall=hall, window=code, staff=f"{hall[-2:]}{code}{i + 1:02d}",
                item=items[0], accepted=start + dt.timedelta(minutes=10 * n + i), rng=random.Random(n)),
                source=SOURCE)
            code_confirm(obj=txn.staff, name=person, by=by)
        window = txn.window
        code_confirm(obj=window, name=name, unit=units.get(unit) if unit else None, by=by)
        out[(hall, code)] = {"staff": [f"{hall[-2:]}{code}{i + 1:02d}" for i in range(len(staff))],
                             "items": items, "share": share, "quality": quality}
    for hall in Hall.objects.filter(code__in=HALLS):
        name, unit = HALLS[hall.code]
        code_confirm(obj=hall, name=name, unit=units.get(unit), by=by)
    assert not Window.objects.filter(confirmed=False).exists() and not StaffMember.objects.filter(
        confirmed=False).exists()
    return out


def _items_confirm(*, by: Any) -> None:
    """The items were registered by their first transaction: the office names them."""
    for item in ServiceItem.objects.filter(code__in=ITEMS, confirmed=False):
        code_confirm(obj=item, name=ITEMS[item.code][0], by=by)


def _working_moment(day: dt.datetime, minute_of_day: int) -> dt.datetime:
    """``minute_of_day`` (Beijing) on the working day on or before ``day``."""
    local = day.astimezone(BEIJING)
    while local.weekday() >= 5:
        local -= dt.timedelta(days=1)
    return local.replace(hour=minute_of_day // 60, minute=minute_of_day % 60, second=0, microsecond=0)


def _txn_data(tid: str, *, hall: str, window: str, staff: str, item: str, accepted: dt.datetime,
              rng: random.Random, online: bool = False, now: dt.datetime | None = None) -> dict[str, Any]:
    """One transaction as the business system sends it (C4)."""
    _name, spot, days, _online = ITEMS[item]
    if spot:
        completed: dt.datetime | None = accepted + dt.timedelta(minutes=rng.randint(6, 40))
    else:
        late = rng.random() < 0.06
        completed = accepted + dt.timedelta(days=days + (rng.randint(1, 3) if late else -rng.randint(0, days)),
                                            hours=rng.randint(0, 6))
    if now is not None and completed is not None and completed > now:
        completed = None  # still being handled
    phone = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
    return {
        "id": tid, "service_item": item, "hall": hall, "window": window, "staff": staff,
        "channel": "online" if online else "onsite",
        "applicant": {"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "phone": phone},
        "accepted_at": accepted.isoformat(), "completed_at": completed.isoformat() if completed else None,
        "promised_minutes": 30 if spot else None, "promised_days": None if spot else days,
        "on_the_spot": spot, "waiting_minutes": None if online else round(rng.uniform(2, 35), 1),
    }


# --------------------------------------------------------------------------- transactions and ratings


def _schedule(rng: random.Random, now: dt.datetime, size: int) -> list[tuple[dt.datetime, str, str]]:
    """(accepted at, hall, window) of every transaction: working days, 9:00–17:30, oldest first."""
    keys = [(w[0], w[1]) for w in WINDOWS]
    weights = [w[4] for w in WINDOWS]
    today = now.astimezone(BEIJING)
    out = []
    for _ in range(size):
        day = today - dt.timedelta(days=rng.randint(1, DAYS))
        accepted = _working_moment(day, rng.randint(9 * 60, 17 * 60 + 30)) + dt.timedelta(seconds=rng.randint(0, 59))
        out.append((accepted, *rng.choices(keys, weights)[0]))
    return sorted(out)


def _level(rng: random.Random, quality: float) -> int:
    """A realistic mix: mostly 5 and 4, a few 3, about 3 % 差评 (fewer at good windows)."""
    bad = max(0.008, 0.03 - 0.02 * quality)
    middle = max(0.03, 0.07 - 0.03 * quality)
    four = 0.27 - 0.05 * quality
    roll = rng.random()
    if roll < bad * 0.4:
        return 1
    if roll < bad:
        return 2
    if roll < bad + middle:
        return 3
    return 4 if roll < bad + middle + four else 5


def _transactions_and_ratings(rng: random.Random, plan: list[tuple[dt.datetime, str, str]],
                              windows: dict[tuple[str, str], dict[str, Any]], *, by: Any, now: dt.datetime) -> int:
    rated = 0
    for n, (accepted, hall, code) in enumerate(plan, 1):
        info = windows[(hall, code)]
        item = rng.choice(info["items"])
        online = ITEMS[item][3] and rng.random() < 0.35
        txn, _ = transaction_receive(data=_txn_data(
            f"LJ{accepted.astimezone(BEIJING):%Y%m%d}{n:05d}", hall=hall, window=code,
            staff=rng.choice(info["staff"]), item=item, accepted=accepted, rng=rng, online=online, now=now),
            source=SOURCE)
        if txn.completed_at is None or rng.random() > 0.8:
            continue  # not rated (yet)
        _rate(rng, txn, info["quality"], by=by, now=now)
        rated += 1
    return rated


def _rate(rng: random.Random, txn: Transaction, quality: float, *, by: Any, now: dt.datetime) -> Rating:
    level = _level(rng, quality)
    assert txn.completed_at is not None
    if txn.online:
        channel, delay = rng.choice(("mobile", "app", "app")), dt.timedelta(minutes=rng.randint(2, 600))
    else:
        channel = rng.choices(("kiosk", "qr", "sms", "hotline", "paper"), (55, 25, 12, 4, 4))[0]
        delay = dt.timedelta(minutes=rng.randint(1, 8) if channel in ("kiosk", "qr") else rng.randint(60, 4000))
    rated_at = min(txn.completed_at + delay, txn.rate_until - dt.timedelta(minutes=1), now - dt.timedelta(minutes=1))
    codes = list(ONLINE_ITEMS if txn.online else ONSITE_ITEMS)
    items = {c: max(1, min(5, level + rng.choice((0, 0, 0, 1, -1)))) for c in codes} if rng.random() < 0.7 else {}
    tags: tuple[str, ...] = ()
    comment = ""
    if level in BAD_LEVELS:
        comment, tags = rng.choice(BAD)
    elif level == 3 and rng.random() < 0.7:
        comment = rng.choice(MIDDLE)
    elif rng.random() < 0.35:
        comment = rng.choice(PRAISE)
    real_name = rng.random() < (0.6 if level in BAD_LEVELS else 0.2)
    phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" if real_name else None
    return rating_submit(transaction=txn, level=level, items=items, tags=list(tags), comment=comment,
                         channel=channel, rater_phone=phone, by=by if channel in ("sms", "hotline", "paper") else None,
                         device=f"demo-kiosk-{txn.window_id}" if channel == "kiosk" else None, now=rated_at)


# --------------------------------------------------------------------------- cases and appeals

CALLBACK = "已电话回访评价人，说明情况并致歉。"
VERIFY = {Verdict.FOUND: "经调取窗口录像核实，情况属实。", Verdict.PARTLY: "经核实，部分情况属实。",
          Verdict.NOT_FOUND: "经核实，评价人所述与事实不符。"}
PLAN = "组织窗口人员专题学习，优化叫号与材料清单，一周内完成。"
RECTIFY = "已精简材料清单并在大厅公示，增设一个高峰时段弹性窗口。"
REPLY = "您反映的问题已整改到位，感谢监督，欢迎再次评价。"


def _cases(rng: random.Random, *, by: Any, now: dt.datetime) -> int:
    """Older cases are mostly closed, recent ones part-way; a few old ones left overdue."""
    cases = list(BadRatingCase.objects.select_related("rating").order_by("opened_at", "pk"))
    for i, case in enumerate(cases):
        age = (now - case.opened_at).days
        roll = rng.random()
        if age < 3 or i % 8 == 0 or i == len(cases) - 1:
            continue  # new, or left open (the older ones overdue)
        step = case.opened_at + dt.timedelta(hours=rng.randint(2, 20))

        def at(hours: int) -> dt.datetime:
            nonlocal step
            step = min(step + dt.timedelta(hours=hours), now - dt.timedelta(minutes=1))
            return step

        if case.callback_required or roll < 0.5:
            case = case_advance(case=case, action="callback", note=CALLBACK, by=by, now=at(0))
        if age < 8 and roll < 0.5:
            continue  # called back, being verified
        verdict = Verdict.NOT_FOUND if roll > 0.85 else Verdict.PARTLY if roll > 0.7 else Verdict.FOUND
        case = case_advance(case=case, action="verify", verdict=verdict, note=VERIFY[verdict], by=by, now=at(20))
        if verdict != Verdict.NOT_FOUND:
            case = case_advance(case=case, action="plan", note=PLAN, by=by, now=at(24))
            if age < 15 and roll < 0.7:
                continue  # rectifying
            case = case_advance(case=case, action="rectify", note=RECTIFY, by=by, now=at(72))
        case_advance(case=case, action="reply", note=REPLY, by=by, now=at(4))
    return len(cases)


def _appeals(*, by: Any, reviewer: Any, now: dt.datetime) -> None:
    """One appeal upheld (a rating given by mistake), one still pending."""
    open_bad = list(Rating.objects.filter(case__status=CaseStatus.OPEN, excluded=False, is_default=False)
                    .order_by("rated_at", "pk")[:2])
    if not open_bad:
        return
    first = appeal_file(rating=open_bad[0], by=by, now=open_bad[0].rated_at + dt.timedelta(days=1),
                        reason="评价人当场表示误触“非常不满意”，已签字说明；办件当日办结且无投诉记录。",
                        evidence="评价人书面说明一份、窗口监控截图两张")
    if reviewer is not None:
        appeal_decide(appeal=first, uphold=True, note="证据充分，系误操作，予以剔除。", by=reviewer,
                      now=min(first.filed_at + dt.timedelta(days=2), now))
    if len(open_bad) > 1:
        appeal_file(rating=open_bad[1], by=by, now=min(open_bad[1].rated_at + dt.timedelta(days=1), now),
                    reason="评价内容与办件无关，疑似恶意差评。")
