"""One-time anonymous links (民主测评): hashed, burnt on use, never linked to the sheet."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kaoping.campaigns.models import Rater, Score
from kaoping.campaigns.services import campaign_transition
from kaoping.collection.models import AnonymousToken, SheetSubmission
from kaoping.collection.services import (
    CollectionError,
    anonymous_field,
    anonymous_links_create,
    anonymous_submit,
    token_hash,
)
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify

from .conftest import recorded, row_counts

pytestmark = pytest.mark.django_db


def full_sheet() -> dict[str, Any]:
    """The public group rates B1 (admin, institution units) and C1 (every unit)."""
    values = {anonymous_field(u, "C1"): "80" for u in ("U01", "U02", "U03")}
    values.update({anonymous_field(u, "B1"): "优" for u in ("U01", "U02")})
    return values


@pytest.fixture
def tokens(campaign: Any, office: Any) -> list[str]:
    _, made = anonymous_links_create(campaign=campaign, group=campaign.groups.get(code="public"), count=3,
                                     by=office)
    return made


def test_it_stores_only_the_hash_of_each_link(tokens: list[str]) -> None:
    stored = set(AnonymousToken.objects.values_list("token_hash", flat=True))
    assert stored == {token_hash(t) for t in tokens}
    assert all(len(t) >= 20 for t in tokens) and len(set(tokens)) == 3


def test_it_accepts_a_sheet_and_burns_the_link(tokens: list[str]) -> None:
    assert anonymous_submit(token=tokens[0], values=full_sheet()) == 5
    rater = Rater.objects.get(code__startswith="ANON-")
    assert rater.user_id is None and rater.unit_id is None and rater.name == ""
    assert Score.objects.filter(assignment__rater=rater).count() == 5
    token = AnonymousToken.objects.get(token_hash=token_hash(tokens[0]))
    assert token.used_on == timezone.localdate()
    submissions = SheetSubmission.objects.filter(assignment__rater=rater)
    assert {(s.channel, s.submitted_at, s.submitted_by_id) for s in submissions} == {("anonymous", None, None)}
    entry = LedgerEntry.objects.order_by("-seq").first()
    assert recorded(entry)["sheet_submission"] == sorted(s.pk for s in submissions)
    assert ledger_verify().ok


def test_nothing_links_the_sheet_to_the_link(tokens: list[str]) -> None:
    anonymous_submit(token=tokens[0], values=full_sheet())
    token_fields = {f.name for f in AnonymousToken._meta.get_fields()}
    assert token_fields == {"id", "batch", "token_hash", "used_on"}
    entry = LedgerEntry.objects.order_by("-seq").first()
    assert entry.actor == "anonymous"
    assert tokens[0] not in entry.payload and token_hash(tokens[0]) not in entry.payload


def test_it_refuses_a_used_link_and_writes_nothing(tokens: list[str]) -> None:
    anonymous_submit(token=tokens[0], values=full_sheet())
    before = row_counts()
    with pytest.raises(CollectionError, match="已经使用过") as info:
        anonymous_submit(token=tokens[0], values=full_sheet())
    assert info.value.code == "token_used"
    assert row_counts() == before


def test_it_refuses_an_unknown_link(tokens: list[str]) -> None:
    before = row_counts()
    for token in ("x" * 22, "short", tokens[0] + "x"):
        with pytest.raises(CollectionError, match="链接无效"):
            anonymous_submit(token=token, values=full_sheet())
    assert row_counts() == before


def test_an_incomplete_sheet_keeps_the_link_usable(tokens: list[str]) -> None:
    values = full_sheet()
    values[anonymous_field("U02", "C1")] = "120"
    del values[anonymous_field("U01", "B1")]
    before = row_counts()
    with pytest.raises(CollectionError) as info:
        anonymous_submit(token=tokens[0], values=values)
    assert "超出范围" in info.value.field_errors[anonymous_field("U02", "C1")]
    assert "请选择等级" in info.value.field_errors[anonymous_field("U01", "B1")]
    assert row_counts() == before
    assert anonymous_submit(token=tokens[0], values=full_sheet()) == 5


def test_it_refuses_links_of_a_closed_campaign(campaign: Any, office: Any, tokens: list[str]) -> None:
    campaign_transition(campaign=campaign, to="closed", by=office)
    before = row_counts()
    with pytest.raises(CollectionError, match="已截止") as info:
        anonymous_submit(token=tokens[1], values=full_sheet())
    assert info.value.code == "campaign_state"
    assert row_counts() == before


@pytest.mark.parametrize("count", [0, -1, 501, "5"])
def test_it_refuses_a_bad_number_of_links(campaign: Any, office: Any, count: Any) -> None:
    before = row_counts()
    with pytest.raises(CollectionError):
        anonymous_links_create(campaign=campaign, group=campaign.groups.get(code="public"), count=count, by=office)
    assert row_counts() == before


def test_only_the_office_makes_links(campaign: Any, evaluators: Any) -> None:
    with pytest.raises(PermissionDenied):
        anonymous_links_create(campaign=campaign, group=campaign.groups.first(), count=1, by=evaluators["R1"])


def test_anonymous_sheets_count_apart_from_named_ones(campaign: Any, tokens: list[str]) -> None:
    from kaoping.collection.selectors import progress

    anonymous_submit(token=tokens[0], values=full_sheet())
    p = progress(campaign=campaign)
    assert p["anonymous_sheets"] == 1
    assert p["total"].total == 6  # the named sheets only
    assert [(t.key, t.total, t.done) for t in p["links"]] == [("public", 3, 1)]
