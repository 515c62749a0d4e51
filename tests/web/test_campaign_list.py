"""The campaign list shows each person the campaigns they are part of, and in each row
only the actions they may use: every link shown opens (200), none leads to a refusal."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from .conftest import PASSWORD, SMALL_BUNDLE

pytestmark = pytest.mark.django_db

#: campaign code -> the state the fixture leaves it in (T2026Q3 is the published one)
STATES = {"T2026Q3": "published", "T2026Q4": "closed", "T2026Q5": "open", "T2026Q6": "draft"}


def _import(code: str, office: Any) -> Any:
    from kaoping.campaigns.services import bundle_import

    data = copy.deepcopy(SMALL_BUNDLE)
    data["campaign"]["code"] = code
    data["campaign"]["name"] = f"测试活动{code}"
    return bundle_import(data=data, by=office, source="test")


def _link_rater(campaign: Any, code: str, user: Any) -> None:
    """Make ``user`` the evaluator behind rater ``code`` (and record it in the ledger)."""
    from kaoping.campaigns.models import Rater
    from kaoping.ledger.services import ledger_append, ledger_lock, rowset_from_db

    ledger_lock()
    rater = Rater.objects.get(campaign=campaign, code=code)
    rater.user = user
    rater.save(update_fields=["user"])
    ledger_append(action="test.setup", actor="test", object_type="campaign", object_id=campaign.code,
                  rows=[rowset_from_db("rater", [rater.pk])])


@pytest.fixture
def world(office: Any, campaign: Any) -> dict[str, Any]:
    """Four campaigns (published with results, closed with results, open, draft) and one
    person per role; the evaluator rates in all four, the contact's unit is a target of all."""
    from kaoping.accounts.services import user_create
    from kaoping.campaigns.services import campaign_transition, results_compute
    from kaoping.org.models import Unit

    closed = _import("T2026Q4", office)
    for to in ("open", "closed"):
        closed = campaign_transition(campaign=closed, to=to, by=office)
    results_compute(campaign=closed, by=office)
    opened = campaign_transition(campaign=_import("T2026Q5", office), to="open", by=office)
    draft = _import("T2026Q6", office)

    users = {
        "office": office,
        "admin": user_create(username="admin1", password=PASSWORD, role="admin", name="王管理"),
        "supervisor": user_create(username="super1", password=PASSWORD, role="supervisor", name="刘监督"),
        "evaluator": user_create(username="eval1", password=PASSWORD, role="evaluator", name="张评"),
        "contact": user_create(username="contact1", password=PASSWORD, role="unit_contact",
                               unit=Unit.objects.get(code="TU1"), name="陈联络"),
        "stranger": user_create(username="eval2", password=PASSWORD, role="evaluator", name="赵评"),
    }
    for c in (campaign, closed, opened, draft):
        _link_rater(c, "R1", users["evaluator"])
    return users


def rows(html: str) -> dict[str, str]:
    """Campaign code -> the HTML of its row in the list."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    out = {}
    for row in re.findall(r"<tr>.*?</tr>", body, flags=re.S):
        code = re.search(r"<code>([^<]+)</code>", row)
        if code:
            out[code.group(1)] = row
    return out


def buttons(row: str) -> list[str]:
    return re.findall(r'class="btn btn-small" href="[^"]+">([^<]+)</a>', row)


def hrefs(row: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', row)


#: role -> campaign -> the buttons of its row
EXPECTED: dict[str, dict[str, list[str]]] = {
    "office": {"T2026Q3": ["详情", "查看结果"], "T2026Q4": ["详情", "查看结果"], "T2026Q5": ["详情"],
               "T2026Q6": ["设置"]},
    "admin": {"T2026Q3": ["详情", "查看结果"], "T2026Q4": ["详情", "查看结果"], "T2026Q5": ["详情"],
              "T2026Q6": ["详情"]},
    "supervisor": {"T2026Q3": ["详情", "查看结果"], "T2026Q4": ["详情", "查看结果"], "T2026Q5": ["详情"],
                   "T2026Q6": ["详情"]},
    "evaluator": {"T2026Q3": ["查看结果"], "T2026Q4": [], "T2026Q5": ["去评分"], "T2026Q6": []},
    "contact": {"T2026Q3": ["查看结果", "本单位结果"], "T2026Q4": [], "T2026Q5": [], "T2026Q6": []},
    "stranger": {},
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_only_the_actions_it_may_use(client: Any, world: dict[str, Any], role: str) -> None:
    client.force_login(world[role])
    response = client.get("/")
    assert response.status_code == 200
    found = rows(response.content.decode())
    assert {code: buttons(row) for code, row in found.items()} == EXPECTED[role]


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_link_shown_opens(client: Any, world: dict[str, Any], role: str) -> None:
    client.force_login(world[role])
    links = {href for row in rows(client.get("/").content.decode()).values() for href in hrefs(row)}
    answers = {href: client.get(href).status_code for href in sorted(links)}
    assert answers == {href: 200 for href in links}


def test_results_before_publication_are_not_offered_to_a_unit_contact(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["contact"])
    row = rows(client.get("/").content.decode())["T2026Q4"]
    assert "/campaigns/T2026Q4/results/" not in row and "结果发布后可查看" in row
    assert client.get("/campaigns/T2026Q4/results/").status_code == 403  # the rule the list follows


def test_an_evaluator_is_not_offered_unpublished_results(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["evaluator"])
    html = client.get("/").content.decode()
    assert "/campaigns/T2026Q4/results/" not in html
    assert client.get("/campaigns/T2026Q4/results/").status_code == 403


def test_someone_in_no_campaign_gets_a_plain_empty_list(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["stranger"])
    html = client.get("/").content.decode()
    assert "目前没有与您相关的考评活动" in html and "kaoping import" not in html
    assert "测试市2026年第三季度单位互评" not in html


def test_the_list_reads_a_fixed_number_of_queries(client: Any, world: dict[str, Any],
                                                  django_assert_max_num_queries: Any) -> None:
    for role in ("office", "evaluator", "contact"):
        client.force_login(world[role])
        with django_assert_max_num_queries(8):
            assert client.get("/").status_code == 200
