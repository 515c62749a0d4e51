"""The 好差评 sample of ``kaoping demo``: loaded through the services, seeded, idempotent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from kaoping.accounts.models import User
from kaoping.org.models import Unit

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 8, 30, tzinfo=dt.UTC)
SIZE = 300
STAFF = 20  # one registering transaction per staff member


@pytest.fixture
def loaded(db) -> dict[str, Any]:
    from kaoping.ratings.demo_data import ratings_demo_load

    for code, name in (("U02", "市教育局"), ("U16", "市政务服务管理局"), ("U23", "市不动产登记中心")):
        Unit.objects.create(code=code, name=name, type="department")
    office = User.objects.create_user(username="office", password=None, role="office")
    supervisor = User.objects.create_user(username="supervisor", password=None, role="supervisor")
    counts = ratings_demo_load(by=office, reviewer=supervisor, now=NOW, size=SIZE)
    return {"counts": counts, "office": office, "supervisor": supervisor}


def test_sample_has_registers_transactions_and_a_realistic_level_mix(loaded: dict[str, Any]) -> None:
    from kaoping.ratings.models import Hall, Rating, ServiceItem, StaffMember, Transaction, Window

    assert Hall.objects.count() == 3 and Window.objects.count() == 11
    assert StaffMember.objects.count() == STAFF and ServiceItem.objects.count() == 19
    assert not Window.objects.filter(confirmed=False).exists()
    assert not ServiceItem.objects.filter(confirmed=False).exists()
    assert Transaction.objects.count() == SIZE + STAFF
    ratings = Rating.objects.count()
    assert loaded["counts"] == {"transactions": SIZE, "ratings": ratings, "cases": loaded["counts"]["cases"]}
    assert 0.7 * SIZE <= ratings <= 0.85 * SIZE
    levels = Counter(Rating.objects.values_list("level", flat=True))
    assert (levels[4] + levels[5]) / ratings > 0.85
    assert levels[5] > levels[4] > levels[3] > 0
    assert 0.01 <= (levels[1] + levels[2]) / ratings <= 0.06
    # within the 90 days before "now", on working days, office hours (Beijing)
    first = NOW - dt.timedelta(days=92)
    for accepted in Transaction.objects.values_list("accepted_at", flat=True):
        local = accepted.astimezone(dt.timezone(dt.timedelta(hours=8)))
        assert first <= accepted < NOW and local.weekday() < 5 and 9 <= local.hour <= 17
    assert Rating.objects.filter(rated_at__gt=NOW).count() == 0
    # real-name ratings keep only a masked phone; comments and channels vary
    real = Rating.objects.filter(real_name=True).first()
    assert real is not None and "****" in real.rater_phone_masked
    assert Rating.objects.exclude(comment="").count() > ratings // 5
    assert {"kiosk", "qr", "sms"} <= set(Rating.objects.values_list("channel", flat=True))
    # the demo unit contact's unit (U02 市教育局) answers for the education window
    education = Window.objects.select_related("hall").get(code="W03")
    assert education.name == "教育服务窗口" and education.unit.code == "U02"
    assert Window.objects.select_related("hall").get(code="B01").responsible_unit_id() == \
        Unit.objects.get(code="U23").pk


def test_bad_ratings_have_cases_in_every_state_and_one_appeal_is_decided(loaded: dict[str, Any]) -> None:
    from kaoping.ratings.models import Appeal, BadRatingCase, Rating
    from kaoping.ratings.services import cases_check_deadlines

    bad = Rating.objects.filter(level__lte=2)
    assert BadRatingCase.objects.count() == bad.count() == loaded["counts"]["cases"] > 5
    statuses = Counter(BadRatingCase.objects.values_list("status", flat=True))
    assert statuses["closed"] > 0 and statuses["open"] > 0
    closed = BadRatingCase.objects.filter(status="closed", callback_required=True).first()
    assert closed is not None and closed.called_back_at is not None and closed.reply
    assert cases_check_deadlines(today=NOW.date())["plan_overdue"] > 0
    appeals = Counter(Appeal.objects.values_list("status", flat=True))
    assert appeals["upheld"] == 1 and appeals["pending"] <= 1
    assert Rating.objects.filter(excluded=True).count() == 1


def test_ledger_verifies_summary_matches_and_a_second_load_changes_nothing(loaded: dict[str, Any]) -> None:
    from kaoping.ledger.selectors import ledger_verify
    from kaoping.ratings import stats
    from kaoping.ratings.demo_data import ratings_demo_load

    from .conftest import row_counts

    report = ledger_verify()
    assert report.ok, report.summary()
    assert report.rows["rating"] == loaded["counts"]["ratings"]
    before = row_counts()
    again = ratings_demo_load(by=loaded["office"], reviewer=loaded["supervisor"], now=NOW, size=SIZE)
    assert again == {"transactions": 0, "ratings": 0, "cases": 0}
    assert row_counts() == before
    # the monthly summary the services kept equals the raw ratings
    for period in (dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)):
        assert stats.window_stats(period) == stats.window_stats_from_raw(period)
