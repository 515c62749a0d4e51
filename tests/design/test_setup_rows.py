"""Adding and removing set-up rows on the campaign page (groups, raters, conflicts,
weight overrides, targets): the shared add/remove handlers keep each handler's answer."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.campaigns import setup
from kaoping.campaigns.models import Campaign, Conflict, WeightOverride

from .conftest import login
from .test_pages import row_counts

pytestmark = pytest.mark.django_db



def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_adding_a_group_redirects_to_its_section_with_a_message(client: Any, office: Any,
                                                                 campaign: Campaign) -> None:
    c = login(client, office)
    response = c.post("/campaigns/2026Q3/groups/", {"code": "public", "name": "服务对象评价", "weight": "10"})
    assert response.status_code == 302 and response["Location"] == "/campaigns/2026Q3/#groups"
    html = c.get(response["Location"]).content.decode()
    assert html.count("已保存评价组 public") == 1  # shown once, by the layout
    assert campaign.groups.filter(code="public", weight=10).exists()


def test_adding_a_rater_and_a_conflict_and_an_override(client: Any, office: Any, campaign: Campaign) -> None:
    c = login(client, office)
    response = c.post("/campaigns/2026Q3/raters/", {"code": "S1", "group": "superior", "name": "王局长"})
    assert response.status_code == 302 and response["Location"].endswith("#raters")
    assert campaign.raters.filter(code="S1", group__code="superior").exists()
    response = c.post("/campaigns/2026Q3/conflicts/", {"rater": "S1", "unit": "U02"})
    assert response.status_code == 302 and response["Location"].endswith("#conflicts")
    assert Conflict.objects.filter(campaign=campaign, rater__code="S1", unit__code="U02").exists()
    response = c.post("/campaigns/2026Q3/overrides/", {"match_region": "west", "weights": "A1:3"})
    assert response.status_code == 302 and response["Location"].endswith("#overrides")
    assert WeightOverride.objects.filter(campaign=campaign).count() == 1


def test_a_refused_add_is_shown_next_to_the_field_and_writes_nothing(client: Any, office: Any,
                                                                      campaign: Campaign) -> None:
    c = login(client, office)
    before = row_counts()
    response = c.post("/campaigns/2026Q3/groups/", {"code": "peer", "name": "同级互评", "weight": "-5"})
    assert response.status_code == 400
    response = c.post("/campaigns/2026Q3/raters/", {"code": "P1", "group": "peer"})
    assert response.status_code == 400 and "评价人代码 P1 已存在" in response.content.decode()
    assert row_counts() == before


def test_removing_rows_answers_with_a_message_and_the_section(client: Any, office: Any, campaign: Campaign) -> None:
    c = login(client, office)
    setup.group_save(campaign=campaign, code="public", name="服务对象评价", weight=10, by=office)
    setup.rater_add(campaign=campaign, code="S1", group=campaign.groups.get(code="superior"), by=office)
    conflict = setup.conflict_add(campaign=campaign, rater=campaign.raters.get(code="S1"),
                                  unit=campaign.targets.get(code="U02").unit, by=office)
    cases = [
        ("/campaigns/2026Q3/groups/public/remove/", "#groups", "已删除评价组 public"),
        (f"/campaigns/2026Q3/conflicts/{conflict.pk}/remove/", "#conflicts", "已删除回避记录"),
        ("/campaigns/2026Q3/raters/S1/remove/", "#raters", "已删除评价人 S1"),
    ]
    for url, anchor, message in cases:
        response = c.post(url, follow=True)
        assert response.redirect_chain[-1][0] == "/campaigns/2026Q3/" + anchor, url
        assert message in messages_of(response), url
    assert not campaign.groups.filter(code="public").exists()
    assert not campaign.raters.filter(code="S1").exists()
    assert not Conflict.objects.filter(campaign=campaign).exists()


def test_a_refused_removal_is_an_error_message_and_writes_nothing(client: Any, office: Any,
                                                                    campaign: Campaign) -> None:
    c = login(client, office)
    before = row_counts()
    response = c.post("/campaigns/2026Q3/groups/peer/remove/", follow=True)
    assert response.redirect_chain[-1][0] == "/campaigns/2026Q3/#groups"
    html = response.content.decode()
    assert "评价组 peer 还有评价人，请先删除评价人" in html and "site-message-error" in html
    response = c.post("/campaigns/2026Q3/targets/U01/remove/", follow=True)
    assert response.redirect_chain[-1][0] == "/campaigns/2026Q3/#targets"
    assert any("仍被" in m for m in messages_of(response))
    assert row_counts() == before


@pytest.mark.parametrize("url, reason", [
    ("/campaigns/2026Q3/targets/NOPE/remove/", "没有这个单位"),
    ("/campaigns/2026Q3/groups/NOPE/remove/", "没有这个评价组"),
    ("/campaigns/2026Q3/raters/NOPE/remove/", "没有这个评价人"),
    ("/campaigns/2026Q3/conflicts/999999/remove/", "没有这条回避记录"),
    ("/campaigns/2026Q3/overrides/999999/remove/", "没有这条权重调整"),
])
def test_removing_an_unknown_row_is_a_chinese_404(client: Any, office: Any, campaign: Campaign, url: str,
                                                  reason: str) -> None:
    before = row_counts()
    response = login(client, office).post(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and reason in html
    assert row_counts() == before
