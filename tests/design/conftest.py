"""Personas, a small indicator library and units for the design and set-up tests."""

from __future__ import annotations

from typing import Any

import pytest

PASSWORD = "Kaoping@2026"

RECORDS: list[dict[str, Any]] = [
    {"code": "A", "name": "协作效率", "weight": 40, "nature": "process", "children": [
        {"code": "A1", "name": "响应及时率", "weight": 50, "source": "measure",
         "rule": {"kind": "linear", "direction": "higher", "floor": 0.6, "target": 0.95}},
        {"code": "A2", "name": "协作配合", "weight": 30, "dimensions": ["internal"], "rated_by": ["superior", "peer"]},
        {"code": "A3", "name": "信息共享", "weight": 20},
    ]},
    {"code": "B", "name": "服务质量", "weight": 60, "nature": "result", "children": [
        {"code": "B1", "name": "服务态度", "scale": {"优": 95, "良": 85, "中": 70, "差": 50}},
        {"code": "B2", "name": "创新工作", "applies_to": ["admin", "institution"]},
    ]},
]


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


@pytest.fixture
def users(db: Any) -> dict[str, Any]:
    from kaoping.accounts.services import user_create
    from kaoping.org.services import unit_create

    home = unit_create(code="HOME", name="联络单位", type="admin")
    return {
        "office": user_create(username="office1", password=PASSWORD, role="office", name="李明华"),
        "supervisor": user_create(username="super1", password=PASSWORD, role="supervisor", name="王监督"),
        "evaluator": user_create(username="eval1", password=PASSWORD, role="evaluator", name="赵评价"),
        "admin": user_create(username="admin1", password=PASSWORD, role="admin", name="系统管理员"),
        "contact": user_create(username="contact1", password=PASSWORD, role="unit_contact", unit=home,
                               name="钱联络"),
    }


@pytest.fixture
def office(users: dict[str, Any]) -> Any:
    return users["office"]


@pytest.fixture
def library(db: Any) -> Any:
    from kaoping.indicators.services import library_create

    return library_create(code="MUTUAL", name="单位互评指标库")


@pytest.fixture
def draft(library: Any, office: Any) -> Any:
    """A draft version holding RECORDS."""
    import copy

    from kaoping.indicators.services import library_version_create

    return library_version_create(library=library, records=copy.deepcopy(RECORDS), by=office, note="初稿")


@pytest.fixture
def units(db: Any) -> list[Any]:
    from kaoping.org.services import unit_create

    specs = [("U01", "市教育局", "admin", "east"), ("U02", "市人民医院", "institution", "west"),
             ("U03", "市供水公司", "enterprise", "west"), ("U04", "市交通局", "admin", "central"),
             ("U05", "市财政局", "admin", "east")]
    return [unit_create(code=c, name=n, type=t, region=r) for c, n, t, r in specs]


@pytest.fixture
def campaign(draft: Any, office: Any, units: list[Any]) -> Any:
    """A draft campaign on the draft library version: five targets, a peer rater in each."""
    import datetime as dt

    from kaoping.campaigns import setup

    c = setup.campaign_create(code="2026Q3", name="2026年第三季度单位互评", library_version=draft, kind="mutual",
                              deadline=dt.date.today() + dt.timedelta(days=30), by=office)
    setup.targets_add(campaign=c, units=units, by=office)
    peer = c.groups.get(code="peer")
    for i, u in enumerate(units, 1):
        setup.rater_add(campaign=c, code=f"P{i}", group=peer, unit=u, name="张三丰", by=office)
    return c
