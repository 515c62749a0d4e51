"""Publishing results (R8.1-R8.2): what is recorded, and refusals that write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from kaoping.campaigns.models import Campaign
from kaoping.ledger.models import LedgerEntry
from kaoping.reports.models import Publication
from kaoping.reports.services import PublicationError, named_units, results_publish

pytestmark = pytest.mark.django_db


def state(campaign: Any) -> tuple[str, int, int]:
    return (Campaign.objects.get(pk=campaign.pk).status, Publication.objects.count(), LedgerEntry.objects.count())


def test_full_publication_is_recorded_and_moves_the_campaign(closed: Any, office: Any) -> None:
    before = LedgerEntry.objects.count()
    p = results_publish(campaign=closed, mode="full", by=office, note="经考核委员会审定")
    closed.refresh_from_db()
    assert closed.status == "published"
    assert p.mode == "full" and p.top_units == [] and p.published_by == office
    assert p.snapshot == closed.snapshots.latest()
    actions = list(LedgerEntry.objects.order_by("seq").values_list("action", flat=True))[before:]
    assert actions == ["results.publish", "campaign.transition"]


def test_interval_publication_names_the_top_and_bottom_shares(closed: Any, office: Any) -> None:
    p = results_publish(campaign=closed, mode="interval", by=office, top_share=0.3, bottom_share=0.1)
    assert p.top_units == ["U01", "U02", "U03"]
    assert p.bottom_units == ["U08"]  # vetoed: ranks last whatever its total


def test_the_ledger_still_verifies_after_publication(closed: Any, office: Any) -> None:
    from kaoping.ledger.selectors import ledger_verify

    results_publish(campaign=closed, mode="interval", by=office)
    assert ledger_verify().ok


def test_named_units_never_overlap_and_include_ties() -> None:
    units = [{"unit": "a", "rank": 1}, {"unit": "b", "rank": 2}, {"unit": "c", "rank": 2}, {"unit": "d", "rank": 4}]
    assert named_units(units, 0.25, 0.25) == (["a"], ["d"])
    assert named_units(units, 0.5, 0.5) == (["a", "b", "c"], ["d"])
    assert named_units(units[:1], 0.3, 0.1) == (["a"], [])


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"mode": "secret"}, "bad_mode"),
    ({"mode": "interval", "top_share": 1.5}, "bad_share"),
    ({"mode": "interval", "bottom_share": -0.1}, "bad_share"),
    ({"mode": "interval", "top_share": "30%"}, "bad_share"),
    ({"mode": "interval", "top_share": 0.7, "bottom_share": 0.5}, "bad_share"),
    ({"mode": "full", "note": "很" * 2001}, "too_long"),
])
def test_bad_input_is_refused_and_nothing_is_written(closed: Any, office: Any, kwargs: dict[str, Any],
                                                     code: str) -> None:
    before = state(closed)
    with pytest.raises(PublicationError) as exc:
        results_publish(campaign=closed, by=office, **kwargs)
    assert exc.value.code == code
    assert state(closed) == before


def test_an_open_campaign_cannot_be_published(office: Any) -> None:
    from kaoping.campaigns.services import bundle_import, campaign_transition, results_compute

    from .conftest import bundle

    c = campaign_transition(campaign=bundle_import(data=bundle(), by=office), to="open", by=office)
    results_compute(campaign=c, by=office)
    before = state(c)
    with pytest.raises(PublicationError, match="只有已截止的活动才能发布结果") as exc:
        results_publish(campaign=c, mode="full", by=office)
    assert exc.value.code == "campaign_state" and state(c) == before


def test_a_campaign_without_results_cannot_be_published(office: Any) -> None:
    from kaoping.campaigns.services import bundle_import, campaign_transition

    from .conftest import bundle

    c = bundle_import(data=bundle(), by=office)
    for to in ("open", "closed"):
        c = campaign_transition(campaign=c, to=to, by=office)
    before = state(c)
    with pytest.raises(PublicationError, match="尚未计算结果"):
        results_publish(campaign=c, mode="full", by=office)
    assert state(c) == before


def test_stale_results_must_be_recomputed_first(closed: Any, office: Any) -> None:
    from kaoping.campaigns.services import adjustment_add
    from kaoping.org.models import Unit

    adjustment_add(campaign=closed, unit=Unit.objects.get(code="U04"), points=-1, reason="信访超期", by=office)
    before = state(closed)
    with pytest.raises(PublicationError, match="请先重新计算") as exc:
        results_publish(campaign=closed, mode="full", by=office)
    assert exc.value.code == "stale_results" and state(closed) == before


def test_publishing_twice_is_refused(closed: Any, office: Any) -> None:
    results_publish(campaign=closed, mode="full", by=office)
    before = state(closed)
    with pytest.raises(PublicationError):
        results_publish(campaign=closed, mode="full", by=office)
    assert state(closed) == before


@pytest.mark.parametrize("role", ["supervisor", "contact", "evaluator", "admin"])
def test_only_the_office_publishes(people: dict[str, Any], closed: Any, role: str) -> None:
    before = state(closed)
    with pytest.raises(PermissionDenied):
        results_publish(campaign=closed, mode="full", by=people[role])
    assert state(closed) == before


def test_the_form_publishes_and_redirects(people: dict[str, Any], closed: Any, as_user: Any) -> None:
    client = as_user(people["office"])
    response = client.post("/campaigns/R2026Q3/results/publish/",
                           {"mode": "interval", "top_percent": "30", "bottom_percent": "10", "note": ""})
    assert response.status_code == 302 and response["Location"] == "/campaigns/R2026Q3/results/"
    assert Publication.objects.get().mode == "interval"
    assert "结果已发布" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(("data", "message"), [
    ({"mode": "interval", "top_percent": "130", "bottom_percent": "10"}, "确保该值小于或等于100"),
    ({"mode": "interval", "top_percent": "abc", "bottom_percent": "10"}, "输入一个数字"),
    ({"mode": "interval", "top_percent": "70", "bottom_percent": "50"}, "之和超过 100%"),
    ({"top_percent": "30", "bottom_percent": "10"}, "这个字段是必填项"),
])
def test_the_form_explains_bad_input_in_chinese_and_writes_nothing(people: dict[str, Any], closed: Any,
                                                                   as_user: Any, data: dict[str, str],
                                                                   message: str) -> None:
    before = state(closed)
    response = as_user(people["office"]).post("/campaigns/R2026Q3/results/publish/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state(closed) == before


def test_the_form_says_why_an_open_campaign_cannot_be_published(people: dict[str, Any], published_full: Any,
                                                                as_user: Any) -> None:
    html = as_user(people["office"]).get("/campaigns/R2026Q3/results/publish/").content.decode()
    assert "结果已于" in html and "确认发布" not in html
