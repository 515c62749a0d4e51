"""The admin, in Chinese: campaign data and the ledger can be read there, never edited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaoping.accounts.models import Role
from kaoping.accounts.services import user_create
from kaoping.campaigns.models import Campaign, Score
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    client.force_login(user_create(username="root", role=Role.ADMIN, name="管理员"))
    return client


@pytest.mark.parametrize("model", [
    "campaigns/campaign", "campaigns/campaignunit", "campaigns/evaluatorgroup", "campaigns/rater",
    "campaigns/conflict", "campaigns/weightoverride", "campaigns/assignment", "campaigns/score",
    "campaigns/measure", "campaigns/adjustment", "campaigns/veto", "campaigns/historyentry",
    "campaigns/resultsnapshot", "ledger/ledgerentry", "ledger/ledgerhead", "indicators/indicatornode",
    "indicators/libraryversion", "indicators/indicatorchange",
])
def test_covered_data_is_listed_in_chinese_and_cannot_be_added(admin_client, campaign, model):
    listing = admin_client.get(f"/admin/{model}/")
    assert listing.status_code == 200
    assert "考评 Kaoping" in listing.content.decode()
    assert admin_client.get(f"/admin/{model}/add/").status_code == 403


def test_a_score_page_is_read_only(admin_client, campaign):
    score = Score.objects.first()
    page = admin_client.get(f"/admin/campaigns/score/{score.pk}/change/")
    assert page.status_code == 200 and "评分" in page.content.decode()
    assert admin_client.post(f"/admin/campaigns/score/{score.pk}/change/", {"value_number": 0}).status_code == 403
    assert admin_client.post(f"/admin/campaigns/score/{score.pk}/delete/", {"post": "yes"}).status_code == 403


def test_units_and_staff_are_edited_in_the_admin(admin_client, db):
    assert admin_client.get("/admin/org/unit/add/").status_code == 200
    assert admin_client.get("/admin/org/staff/add/").status_code == 200
    assert admin_client.get("/admin/accounts/user/").status_code == 200


def test_the_admin_moves_a_campaign_forward_through_the_service(admin_client, campaign):
    response = admin_client.post(reverse("admin:campaigns_campaign_changelist"),
                                 {"action": "advance", "_selected_action": [campaign.pk]}, follow=True)
    assert response.status_code == 200 and "进行中" in response.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).status == "open"
    assert LedgerEntry.objects.filter(action="campaign.transition", actor="root").exists()
    assert ledger_verify().ok
