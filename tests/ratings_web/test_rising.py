"""Rising complaints (R5.6): a window's 差评 rising three months running, or jumping above
the average of the three months before; known answers, and the dashboard shows them
(stored as flags by the scan it runs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kaoping.ratings import integrity
from kaoping.ratings.models import FlagKind, Rating, RatingFlag, Window
from kaoping.ratings.services import month_start

from .conftest import rate, row_counts, txn

D = integrity.RISING_DEFAULTS  # months 3, base_months 3, ratio 0.5, min_ratings 30, min_bad 3


def rules(series: list[tuple[int, int]], **over: Any) -> list[str]:
    return integrity._rising(series, {**D, **over})["rules"]


# --------------------------------------------------------------------------- the rules, by hand


def test_count_and_rate_rising_three_months_and_jumping() -> None:
    # 差评 2, 3, 4, 5 of 40: three rises; 5 > 1.5 × 3 (mean of 2, 3, 4); 12.5% > 1.5 × 7.5%
    assert rules([(40, 2), (40, 3), (40, 4), (40, 5)]) == ["rise_count", "rise_rate", "jump_count", "jump_rate"]


def test_a_month_exactly_at_the_threshold_is_not_a_jump() -> None:
    assert rules([(40, 2), (40, 2), (40, 2), (40, 3)]) == []  # 3 = 1.5 × 2, not more
    assert rules([(40, 2), (40, 2), (40, 2), (40, 4)]) == ["jump_count", "jump_rate"]


def test_two_rises_are_not_three() -> None:
    assert rules([(40, 4), (40, 3), (40, 4), (40, 5)]) == []  # 5 ≤ 1.5 × 11/3 too


def test_the_rate_can_rise_while_the_count_does_not() -> None:
    # 5 差评 each month of fewer and fewer ratings: 5%, 6.25%, 8.3%, 12.5%
    found = integrity._rising([(100, 5), (80, 5), (60, 5), (40, 5)], dict(D))
    assert found["rules"] == ["rise_rate", "jump_rate"]
    assert found["base_rate"] == pytest.approx(15 / 240) and found["rate_ratio"] == pytest.approx(2.0)


def test_months_with_too_few_ratings_are_not_judged() -> None:
    assert rules([(40, 2), (29, 3), (40, 4), (40, 5)]) == []  # one month under 30 ratings
    # judged with 29: the count rises 2, 3, 4, 5 but the rate does not (3/29 > 4/40)
    assert rules([(40, 2), (29, 3), (40, 4), (40, 5)], min_ratings=29) == ["rise_count", "jump_count", "jump_rate"]
    assert rules([(10, 1), (10, 2), (10, 3), (10, 4)]) == []


def test_too_few_bad_ratings_this_month_are_not_flagged() -> None:
    assert rules([(40, 0), (40, 0), (40, 0), (40, 2)]) == []  # fewer than 3 差评
    found = integrity._rising([(40, 0), (40, 0), (40, 0), (40, 3)], dict(D))
    assert found["rules"] == ["jump_count", "jump_rate"]  # from none at all
    assert found["count_ratio"] is None and found["rate_ratio"] is None


def test_the_ratio_is_configurable(settings: Any) -> None:
    assert rules([(40, 2), (40, 2), (40, 2), (40, 4)], ratio=1.0) == []  # 4 = 2 × 2
    settings.KAOPING_RATINGS_RISING = {"ratio": 1.0, "min_ratings": 5}
    assert integrity.rising_settings() == {**D, "ratio": 1.0, "min_ratings": 5}
    assert integrity.rising_settings(ratio=0.2)["ratio"] == 0.2  # arguments win


# --------------------------------------------------------------------------- from ratings, to the dashboard


def _months_ago(n: int) -> dt.datetime:
    """Noon (Beijing) on the 10th of the month ``n`` months before this one, in UTC."""
    day = month_start(timezone.now())
    for _ in range(n):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return dt.datetime(day.year, day.month, 10, 4, 0, tzinfo=dt.UTC)


def _month_of_ratings(window: str, months_ago: int, bad: int, total: int) -> None:
    """``total`` ratings of ``window`` rated in that month, ``bad`` of them 差评."""
    when = _months_ago(months_ago) if months_ago else timezone.now() - dt.timedelta(minutes=5)
    for i in range(total):
        t = txn(f"{window}-{months_ago}-{i}", window=window, staff=None,
                accepted_at=(when - dt.timedelta(hours=1)).isoformat(),
                completed_at=(when - dt.timedelta(minutes=30)).isoformat())
        rate(t, 1 if i < bad else 5, now=when)


@pytest.fixture
def months(db: Any, settings: Any) -> None:
    """W1: 差评 1, 2, 3, 4 of 5 over the last four months; W2: steady 1 of 5."""
    settings.KAOPING_RATINGS_RISING = {"min_ratings": 5, "min_bad": 1}
    for ago, bad in ((3, 1), (2, 2), (1, 3), (0, 4)):
        _month_of_ratings("W1", ago, bad, 5)
        _month_of_ratings("W2", ago, 1, 5)


def test_a_window_with_rising_complaints_is_found_with_its_numbers(months: Any) -> None:
    found = integrity.rising_complaints(period=month_start(timezone.now()))
    assert [f["code"] for f in found] == ["H1/W1"]
    f = found[0]
    assert f["rules"] == ["rise_count", "rise_rate", "jump_count", "jump_rate"]
    assert [(m["count"], m["bad"]) for m in f["months"]] == [(5, 1), (5, 2), (5, 3), (5, 4)]
    assert f["numbers"]["base_bad"] == 2.0 and f["numbers"]["count_ratio"] == 2.0
    assert f["numbers"]["base_rate"] == pytest.approx(0.4) and f["numbers"]["rate_ratio"] == pytest.approx(2.0)
    assert "差评数和差评率连续 3 个月上升" in f["explanation"]
    assert "本月差评 4 条，为前 3 个月平均 2.0 条的 2.0 倍" in f["explanation"]
    assert "本月差评率 80.0%，为前 3 个月 40.0% 的 2.0 倍" in f["explanation"]


def test_the_dashboard_shows_it_beside_the_integrity_flags_and_changes_no_rating(months: Any, users: Any,
                                                                                 client: Any) -> None:
    """The dashboard scans a month not scanned lately: the rising complaints (and W1's
    inspection warning, 40 then 20) are stored as flags; no rating or statistic changes."""
    levels = dict(Rating.objects.values_list("pk", "level"))
    before = row_counts()
    client.force_login(users["office"])
    html = client.get("/ratings/").content.decode()
    assert "差评上升" in html and "评价异常线索" in html
    assert "H1 · W1" in html and "差评 4 / 评价 5（80.0%）" in html
    assert "H1 · W2" not in html.split('id="flags-title"')[1]
    w1 = Window.objects.get(code="W1")
    assert sorted(RatingFlag.objects.values_list("kind", "subject")) == [
        (FlagKind.INSPECTION, f"window:{w1.pk}"), (FlagKind.RISING, f"window:{w1.pk}")]
    rising = RatingFlag.objects.get(kind=FlagKind.RISING)
    assert rising.explanation == integrity.rising_complaints(period=month_start(timezone.now()))[0]["explanation"]
    assert rising.numbers["rules"] == ["rise_count", "rise_rate", "jump_count", "jump_rate"]
    after = row_counts()
    assert after.pop("ratings.RatingFlag") == 2 and before.pop("ratings.RatingFlag") == 0
    assert after.pop("ratings.FlagScan") == 1 and before.pop("ratings.FlagScan") == 0  # when it was scanned
    assert after == before and dict(Rating.objects.values_list("pk", "level")) == levels
    RatingFlag.objects.all().delete()
    client.get("/ratings/")  # scanned a moment ago: not again, so nothing is stored anew
    assert not RatingFlag.objects.exists()


def test_with_the_default_thresholds_five_ratings_a_month_are_too_few(months: Any, settings: Any) -> None:
    settings.KAOPING_RATINGS_RISING = {}
    assert integrity.rising_complaints(period=month_start(timezone.now())) == []
