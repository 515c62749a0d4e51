"""Working days on the official Chinese calendar (R6.5): holidays and 调休 days.

Deadlines in appraisal work are counted in working days: results fed back within 15
working days, appeals within 5 working days after publication, rectification plans
within 3. A working day is what the State Council's annual holiday notice says it is:
Monday to Friday except public holidays, plus the weekend days made working days (调休).
The data come from the ``chinese-calendar`` package, which knows the years from 2004 to
the latest published notice; a date outside those years raises :class:`CalendarError`
instead of being guessed from the day of the week — unless the caller asks for an
estimate (``estimate=True``: weekends only, in the years not yet published), which it
must then show as one, e.g. "剩约 12 个工作日（2027 年节假日尚未公布）".

Counting convention (the usual government one, as for periods in procedural law: 期间
开始的当日不计算在内): the day of the event does not count. "Within 3 working days" of
an event on ``start`` means by the end of the third working day *after* ``start``,
whether or not ``start`` itself is a working day.

Datetimes with a time zone are first converted to Beijing time (Asia/Shanghai), so an
event at 2025-09-30T20:00Z falls on 1 October; naive datetimes are taken as Beijing time.

Examples
--------
>>> from datetime import date
>>> is_working_day(date(2025, 9, 28))   # a Sunday made a working day before National Day
True
>>> deadline(date(2025, 9, 30), 3)      # 1-8 October are holidays, Saturday 11 is worked
datetime.date(2025, 10, 11)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import cache

import chinese_calendar

from .errors import CalendarError

__all__ = [
    "add_working_days",
    "deadline",
    "first_year",
    "is_estimate",
    "is_working_day",
    "last_year",
    "working_days_between",
]

#: Beijing time; China has kept UTC+8 without summer time since 1992, so no tz database needed.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


@cache
def first_year() -> int:
    """The first year the installed official calendar knows.

    Examples
    --------
    >>> first_year()
    2004
    """
    return int(min(chinese_calendar.holidays).year)


@cache
def last_year() -> int:
    """The last year the installed official calendar knows (upgrade chinese-calendar for more).

    Examples
    --------
    >>> last_year() >= 2026
    True
    """
    return int(max(chinese_calendar.holidays).year)


def _as_date(day: date | datetime) -> date:
    """The calendar day in Beijing of a date or datetime."""
    if isinstance(day, datetime):
        if day.tzinfo is not None:
            day = day.astimezone(BEIJING)
        return day.date()
    if not isinstance(day, date):
        raise TypeError(f"expected a date or datetime, got {type(day).__name__}")
    return day


def is_working_day(day: date | datetime, *, estimate: bool = False) -> bool:
    """Whether ``day`` is a working day: a weekday that is no holiday, or a 调休 day.

    ``estimate``: in a year the official calendar does not know, take Monday to Friday.

    Raises
    ------
    CalendarError
        ``day`` lies in a year the official calendar does not know (and no estimate).

    Examples
    --------
    >>> from datetime import date
    >>> is_working_day(date(2025, 10, 8)), is_working_day(date(2025, 10, 11))
    (False, True)
    >>> is_working_day(date(2099, 1, 5), estimate=True)  # a Monday
    True
    >>> is_working_day(date(2099, 1, 5))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kaoping.engine.errors.CalendarError: 2099-01-05: 只有 2004–... 年的官方节假日安排，无法判断 2099-01-05 是否为工作日...
    """
    d = _as_date(day)
    low, high = first_year(), last_year()
    if not low <= d.year <= high:
        if estimate:
            return d.weekday() < 5
        raise CalendarError(
            f"只有 {low}–{high} 年的官方节假日安排，无法判断 {d.isoformat()} 是否为工作日"
            "（国务院公布新一年的安排后，请升级 chinese-calendar）",
            location=d.isoformat())
    return bool(chinese_calendar.is_workday(d))


def add_working_days(start: date | datetime, n: int, *, estimate: bool = False) -> date:
    """The date of the n-th working day after ``start`` (``start`` itself not counted).

    ``n = 0`` gives ``start`` unchanged; a negative ``n`` counts back to the |n|-th
    working day before ``start``.

    Examples
    --------
    >>> from datetime import date
    >>> add_working_days(date(2025, 9, 26), 1)   # Friday → Sunday 28 September (调休)
    datetime.date(2025, 9, 28)
    >>> add_working_days(date(2025, 10, 9), -1)  # back over the National Day holiday
    datetime.date(2025, 9, 30)
    """
    d = _as_date(start)
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        d += step
        if is_working_day(d, estimate=estimate):
            remaining -= 1
    return d


def working_days_between(start: date | datetime, end: date | datetime, *, estimate: bool = False) -> int:
    """How many working days lie in (start, end]: after ``start``, up to and including ``end``.

    So ``working_days_between(event, done) <= k`` says "done within k working days";
    when ``end`` is before ``start`` the count is negative.

    Examples
    --------
    >>> from datetime import date
    >>> working_days_between(date(2025, 9, 30), date(2025, 10, 9))   # only 9 October
    1
    >>> working_days_between(date(2025, 10, 9), date(2025, 9, 30))
    -1
    """
    a, b = _as_date(start), _as_date(end)
    if b < a:
        return -working_days_between(b, a, estimate=estimate)
    count = 0
    d = a
    while d < b:
        d += timedelta(days=1)
        count += is_working_day(d, estimate=estimate)
    return count


def is_estimate(*days: date | datetime) -> bool:
    """Whether a count over ``days`` would be an estimate (some year is not yet published).

    Examples
    --------
    >>> from datetime import date
    >>> is_estimate(date(2025, 1, 2)), is_estimate(date(2025, 1, 2), date(2099, 1, 5))
    (False, True)
    """
    return any(not first_year() <= _as_date(d).year <= last_year() for d in days)


def deadline(start: date | datetime, working_days: int, *, estimate: bool = False) -> date:
    """The last day of a period of ``working_days`` working days beginning after ``start``.

    "Appeal within 5 working days after publication" on ``start``: the appeal is on time
    when filed on or before ``deadline(start, 5)``.

    Raises
    ------
    ValueError
        ``working_days`` is less than 1.
    CalendarError
        The period runs into a year the official calendar does not know.

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> deadline(date(2026, 2, 13), 3)   # Spring Festival 2026: 14 Feb is worked, 15-23 off
    datetime.date(2026, 2, 25)
    >>> deadline(datetime(2025, 9, 30, 20, 0, tzinfo=UTC), 1)  # 1 October in Beijing
    datetime.date(2025, 10, 9)
    """
    if working_days < 1:
        raise ValueError(f"a period has at least 1 working day, got {working_days}")
    return add_working_days(start, working_days, estimate=estimate)
