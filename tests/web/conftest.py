"""Shared personas and a small published campaign for the page tests."""

from __future__ import annotations

from typing import Any

import pytest

PASSWORD = "Kaoping@2026"

SMALL_BUNDLE: dict[str, Any] = {
    "format": "kaoping-bundle/1",
    "campaign": {"code": "T2026Q3", "name": "测试市2026年第三季度单位互评", "kind": "mutual",
                 "period_start": "2026-07-01", "period_end": "2026-09-30"},
    "groups": [{"code": "superior", "name": "上级评价", "weight": 60},
               {"code": "peer", "name": "同级互评", "weight": 40}],
    "units": [
        {"code": "TU1", "name": "测试市教育局", "type": "admin", "region": "east"},
        {"code": "TU2", "name": "测试市卫生健康委员会", "type": "admin", "region": "west"},
        {"code": "TU3", "name": "测试市燃气有限公司", "type": "enterprise", "region": "east"},
    ],
    "indicators": [
        {"code": "A", "name": "协作配合", "weight": 60, "nature": "process"},
        {"code": "B", "name": "响应及时率", "weight": 40, "nature": "result", "source": "measure",
         "rule": {"kind": "linear", "direction": "higher", "floor": 0.6, "target": 0.95}},
    ],
    "raters": [{"code": "R1", "group": "superior"}, {"code": "R2", "group": "peer", "unit": "TU1"}],
    "scores": [
        {"rater": "R1", "unit": "TU1", "indicator": "A", "value": 92},
        {"rater": "R2", "unit": "TU2", "indicator": "A", "value": 80},
        {"rater": "R1", "unit": "TU2", "indicator": "A", "value": 84},
        {"rater": "R1", "unit": "TU3", "indicator": "A", "value": 75},
    ],
    "measures": [{"unit": "TU1", "indicator": "B", "value": 0.93},
                 {"unit": "TU2", "indicator": "B", "value": 0.8},
                 {"unit": "TU3", "indicator": "B", "value": 0.9}],
    "adjustments": [{"unit": "TU2", "points": -2, "reason": "整改逾期"}],
    "vetoes": [{"unit": "TU3", "reason": "重大安全事故"}],
    "history": [{"campaign": "T2026Q2", "results": [{"unit": "TU1", "score": 86.0, "rank": 1},
                                                 {"unit": "TU2", "score": 75.0, "rank": 2}]}],
}


@pytest.fixture
def office(db: Any) -> Any:
    from kaoping.accounts.services import user_create

    return user_create(username="office1", password=PASSWORD, role="office", name="李明华")


@pytest.fixture
def office_client(client: Any, office: Any) -> Any:
    client.force_login(office)
    return client


@pytest.fixture
def campaign(office: Any) -> Any:
    """The small campaign, imported, closed, computed and published."""
    from kaoping.campaigns.services import bundle_import, campaign_transition, results_compute

    c = bundle_import(data=SMALL_BUNDLE, by=office, source="test")
    for to in ("open", "closed"):
        c = campaign_transition(campaign=c, to=to, by=office)
    results_compute(campaign=c, by=office)
    return campaign_transition(campaign=c, to="published", by=office)
