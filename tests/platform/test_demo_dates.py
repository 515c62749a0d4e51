"""The demo's open campaign still takes sheets when the demo is started after its deadline."""

from __future__ import annotations

import datetime as dt

from kaoping.campaigns.management.commands.demo import open_deadline


def test_a_passed_deadline_moves_to_ten_working_days_from_today():
    # 2026-09-28 (Mon) + 10 working days crosses the National Day holiday (1–7 Oct, with
    # Sat 10 Oct made a working day): 29, 30 Sep, 8, 9, 10 (Sat), 12–16 Oct
    assert open_deadline("2026-09-01", today=dt.date(2026, 9, 28)) == "2026-10-16"


def test_a_deadline_still_ahead_is_kept():
    assert open_deadline("2026-12-20", today=dt.date(2026, 11, 23)) == "2026-12-20"
    assert open_deadline(None, today=dt.date(2026, 11, 23)) is None


def test_beyond_the_official_calendar_two_weeks_are_given():
    assert open_deadline("2030-01-01", today=dt.date(2031, 3, 3)) == "2031-03-17"
