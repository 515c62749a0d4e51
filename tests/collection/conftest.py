"""Fixtures of the collection tests: a small open campaign with named evaluators.

Real database, no mocks. Raters are linked to logins and assignments made the way a
set-up service does it: in a transaction, recorded in the ledger, so that
``ledger_verify`` must still pass after every collection write.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction

BUNDLE: dict[str, Any] = {
    "format": "kaoping-bundle/1",
    "campaign": {"code": "C2026", "name": "2026年度单位互评", "kind": "mutual",
                 "period_start": "2026-01-01", "period_end": "2026-12-31", "deadline": "2099-12-31"},
    "groups": [
        {"code": "superior", "name": "上级评价", "weight": 40},
        {"code": "peer", "name": "同级互评", "weight": 30},
        {"code": "public", "name": "群众评议", "weight": 30},
    ],
    "units": [
        {"code": "U01", "name": "市教育局", "type": "admin"},
        {"code": "U02", "name": "市人民医院", "type": "institution"},
        {"code": "U03", "name": "市供水公司", "type": "enterprise"},
    ],
    "indicators": [
        {"code": "A", "name": "协作效率", "weight": 40, "children": [
            {"code": "A1", "name": "响应及时率", "source": "measure",
             "rule": {"kind": "linear", "direction": "higher", "floor": 0.6, "target": 0.95}},
            {"code": "A2", "name": "协作配合", "rated_by": ["superior", "peer"], "full": 10},
        ]},
        {"code": "B", "name": "服务质量", "weight": 40, "applies_to": ["admin", "institution"], "children": [
            {"code": "B1", "name": "服务态度", "rated_by": ["superior", "peer", "public"],
             "scale": {"优": 95, "良": 85, "中": 70, "差": 50}},
            {"code": "B2", "name": "投诉办结率", "source": "measure", "rule": {"kind": "ratio"}},
        ]},
        {"code": "C", "name": "群众满意", "weight": 20, "children": [
            {"code": "C1", "name": "总体满意度", "rated_by": ["public"]},
        ]},
    ],
    "raters": [
        {"code": "R1", "group": "superior", "name": "张三丰"},
        {"code": "R2", "group": "peer", "unit": "U01", "name": "李四"},
        {"code": "R3", "group": "peer", "unit": "U02", "name": "王五"},
    ],
    "conflicts": [{"rater": "R3", "unit": "U03"}],
    "measures": [{"unit": "U01", "indicator": "A1", "value": 0.9},
                 {"unit": "U01", "indicator": "B2", "value": 0.95},
                 {"unit": "U02", "indicator": "A1", "value": 0.8}],
}


def bundle(**campaign: Any) -> dict[str, Any]:
    data = copy.deepcopy(BUNDLE)
    data["campaign"].update(campaign)
    return data


def row_counts() -> dict[str, int]:
    """Rows in every table a collection write could touch (to show nothing was written).

    The accounts app is left out: its audit log records page visits, which is not ours.
    """
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in ("org", "indicators", "campaigns", "ledger", "collection")}


def recorded(entry: Any) -> dict[str, list[int]]:
    """The rows a ledger entry covers: table key → ids (to show what it vouches for)."""
    import json

    from kaoping.ledger.tables import expand_ranges

    return {rs["t"]: expand_ranges(rs["ids"]) for rs in json.loads(entry.payload)["rows"] if "ids" in rs}


@transaction.atomic
def link_and_assign(campaign: Any, links: dict[str, Any], pairs: list[tuple[str, str]]) -> None:
    """Link raters to logins and assign them units, recorded in the ledger like a service."""
    from kaoping.campaigns.models import Assignment, Rater
    from kaoping.ledger.services import ledger_append, ledger_lock, rowset_from_db
    from kaoping.org.models import Unit

    ledger_lock()
    raters = {r.code: r for r in Rater.objects.filter(campaign=campaign)}
    for code, user in links.items():
        raters[code].user = user
        raters[code].save(update_fields=["user"])
    units = {u.code: u for u in Unit.objects.all()}
    made = Assignment.objects.bulk_create([Assignment(campaign=campaign, rater=raters[r], unit=units[u])
                                           for r, u in pairs])
    ledger_append(action="test.setup", actor="test", object_type="campaign", object_id=campaign.code,
                  rows=[rowset_from_db("rater", [raters[c].pk for c in links]),
                        rowset_from_db("assignment", [a.pk for a in made])])


@pytest.fixture
def office(db: Any) -> Any:
    from kaoping.accounts.services import user_create

    return user_create(username="office1", role="office", name="李明华")


@pytest.fixture
def supervisor(db: Any) -> Any:
    from kaoping.accounts.services import user_create

    return user_create(username="super1", role="supervisor", name="赵监督")


@pytest.fixture
def evaluators(db: Any) -> dict[str, Any]:
    from kaoping.accounts.services import user_create

    users = {}
    for code, name in (("R1", "张三丰"), ("R2", "李四"), ("R3", "王五")):
        user = user_create(username=f"eva-{code.lower()}", role="evaluator", name=name)
        user.email = f"{code.lower()}@example.cn"
        user.save(update_fields=["email"])
        users[code] = user
    return users


@pytest.fixture
def campaign(office: Any, evaluators: dict[str, Any]) -> Any:
    """The campaign imported, raters linked and assigned every unit, then opened."""
    from kaoping.campaigns.services import bundle_import, campaign_transition

    c = bundle_import(data=bundle(), by=office, source="test")
    pairs = [(r, u) for r in ("R1", "R2", "R3") for u in ("U01", "U02", "U03")]
    link_and_assign(c, evaluators, pairs)
    return campaign_transition(campaign=c, to="open", by=office)


@pytest.fixture
def assignment(campaign: Any) -> Any:
    """R1 (superior) on U01 (admin): leaves A2 (0-10) and B1 (scale)."""
    from kaoping.campaigns.models import Assignment

    return Assignment.objects.get(campaign=campaign, rater__code="R1", unit__code="U01")
