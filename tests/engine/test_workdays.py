"""Working days on the official Chinese calendar (R6.5).

Dates checked against the State Council's holiday notices for 2025 (国办发明电〔2024〕12号)
and 2026 (国办发明电〔2025〕7号).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaoping.engine.errors import CalendarError
from kaoping.engine.workdays import (
    add_working_days,
    deadline,
    first_year,
    is_working_day,
    last_year,
    working_days_between,
)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(k) for k in range((end - start).days + 1)]


# --- which days are worked ----------------------------------------------------------------


def test_national_day_2025_holiday_and_its_tiaoxiu_days() -> None:
    assert not any(is_working_day(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))
    assert is_working_day(date(2025, 9, 28))    # Sunday, worked
    assert is_working_day(date(2025, 10, 11))   # Saturday, worked
    assert is_working_day(date(2025, 10, 9))
    assert not is_working_day(date(2025, 10, 12))


def test_spring_festival_2026_holiday_and_its_tiaoxiu_days() -> None:
    assert not any(is_working_day(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert is_working_day(date(2026, 2, 14))    # Saturday, worked
    assert is_working_day(date(2026, 2, 28))    # Saturday, worked
    assert is_working_day(date(2026, 2, 24))


def test_ordinary_weekend_and_weekday() -> None:
    assert not is_working_day(date(2025, 11, 1))   # Saturday
    assert is_working_day(date(2025, 11, 3))       # Monday


def test_aware_datetimes_are_judged_in_beijing_time() -> None:
    evening_utc = datetime(2025, 9, 30, 20, 0, tzinfo=UTC)   # 1 Oct 04:00 Beijing
    assert not is_working_day(evening_utc)
    assert is_working_day(datetime(2025, 9, 30, 20, 0))                # naive = Beijing


# --- counting -----------------------------------------------------------------------------


def test_the_start_day_does_not_count() -> None:
    assert add_working_days(date(2025, 11, 3), 1) == date(2025, 11, 4)
    assert deadline(date(2025, 11, 3), 3) == date(2025, 11, 6)


def test_deadline_over_the_tiaoxiu_sunday_before_national_day() -> None:
    # Friday 26 September: Sunday 28 is worked, so 3 working days end on Tuesday 30.
    assert deadline(date(2025, 9, 26), 3) == date(2025, 9, 30)


def test_deadline_over_national_day_2025() -> None:
    # 30 September + 3 working days: 9 Oct, 10 Oct, Saturday 11 Oct (调休).
    assert deadline(date(2025, 9, 30), 3) == date(2025, 10, 11)
    # Results fed back within 15 working days (R6.1) of Thursday 25 September.
    assert deadline(date(2025, 9, 25), 15) == date(2025, 10, 22)


def test_deadline_over_spring_festival_2026() -> None:
    # Friday 13 February: Saturday 14 worked, 15-23 off, then 24 and 25.
    assert deadline(date(2026, 2, 13), 3) == date(2026, 2, 25)
    # Appeal within 5 working days of publication on 12 February.
    assert deadline(date(2026, 2, 12), 5) == date(2026, 2, 26)


def test_an_event_on_a_holiday_starts_counting_at_the_next_working_day() -> None:
    assert deadline(date(2025, 10, 3), 1) == date(2025, 10, 9)
    assert deadline(datetime(2025, 10, 3, 15, 30), 1) == date(2025, 10, 9)


def test_deadline_needs_at_least_one_working_day() -> None:
    with pytest.raises(ValueError):
        deadline(date(2025, 11, 3), 0)


def test_zero_and_negative_working_days() -> None:
    assert add_working_days(date(2025, 10, 4), 0) == date(2025, 10, 4)
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert add_working_days(date(2025, 10, 13), -2) == date(2025, 10, 10)   # skips Sun 12


def test_working_days_between_counts_after_start_up_to_end() -> None:
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 8)) == 0
    assert working_days_between(date(2025, 11, 3), date(2025, 11, 3)) == 0
    assert working_days_between(date(2025, 10, 11), date(2025, 9, 30)) == -3
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


# --- outside the known years -----------------------------------------------------------


def test_calendar_covers_2025_and_2026() -> None:
    assert first_year() <= 2025 and last_year() >= 2026


def test_a_year_the_calendar_does_not_know_is_an_error_naming_the_date() -> None:
    unknown = date(last_year() + 1, 1, 4)
    with pytest.raises(CalendarError) as info:
        is_working_day(unknown)
    assert info.value.code == "calendar_out_of_range"
    assert info.value.location == unknown.isoformat()
    assert unknown.isoformat() in info.value.message
    with pytest.raises(CalendarError):
        is_working_day(date(first_year() - 1, 12, 31))


def test_a_deadline_running_past_the_known_years_is_an_error() -> None:
    with pytest.raises(CalendarError) as info:
        deadline(date(last_year(), 12, 20), 20)
    assert info.value.location is not None
    assert info.value.location.startswith(str(last_year() + 1))


# --- properties -------------------------------------------------------------------------


known_dates = st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 9, 30))


@settings(max_examples=200, deadline=None)
@given(known_dates, st.integers(min_value=0, max_value=60))
def test_counting_back_what_was_added(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    if n:
        assert is_working_day(end)
        assert end > start


@settings(max_examples=200, deadline=None)
@given(known_dates, st.integers(min_value=1, max_value=60))
def test_negative_steps_undo_positive_ones_from_a_working_day(start: date, n: int) -> None:
    start = add_working_days(start, 1)
    assert add_working_days(add_working_days(start, n), -n) == start
