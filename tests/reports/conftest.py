"""A ten-unit campaign with history, raters in units, a project behind plan, bonuses,
deductions and a veto; personas for every role."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.reports import selectors

PASSWORD = "Kaoping@2026"
CODE = "R2026Q3"
UNITS = [f"U{i:02d}" for i in range(1, 11)]
NAMES = ["市教育局", "市财政局", "市公安局", "市民政局", "市商务局", "市水利局", "市审计局", "市统计局",
         "滨江大道改造工程", "城南污水处理厂扩建工程"]
RATER_NAMES = {"S1": "张志强", "S2": "王建国"}


def quality(j: int) -> float:
    """U01 is best (95), U10 worst (59)."""
    return 95 - 4 * j


def bundle(code: str = CODE, history: bool = True) -> dict[str, Any]:
    scores = []
    for j, unit in enumerate(UNITS):
        q = quality(j)
        for s in ("S1", "S2"):
            scores.append({"rater": s, "unit": unit, "indicator": "A1", "value": q})
            scores.append({"rater": s, "unit": unit, "indicator": "B1", "value": q - 2})
            scores.append({"rater": s, "unit": unit, "indicator": "A2",
                           "value": "优" if q >= 90 else "良" if q >= 80 else "中" if q >= 70 else "差"})
        for k in (1, 2):  # two peers from other units rate each unit
            rater = f"P{(j + k) % 10 + 1:02d}"
            scores.append({"rater": rater, "unit": unit, "indicator": "A1", "value": min(100, q + 1)})
            scores.append({"rater": rater, "unit": unit, "indicator": "B1", "value": q})
            scores.append({"rater": rater, "unit": unit, "indicator": "A2", "value": "优" if q >= 80 else "良"})
    doc: dict[str, Any] = {
        "format": "kaoping-bundle/1",
        "campaign": {"code": code, "name": "测试市2026年第三季度单位互评", "kind": "mutual",
                     "period_start": "2026-07-01", "period_end": "2026-09-30"},
        "groups": [{"code": "superior", "name": "上级评价", "weight": 60},
                   {"code": "peer", "name": "同级互评", "weight": 40}],
        "units": [{"code": u, "name": n, "type": "project" if i >= 8 else "admin", "region": "east"}
                  for i, (u, n) in enumerate(zip(UNITS, NAMES, strict=True))],
        "indicators": [
            {"code": "A", "name": "履职尽责", "weight": 40, "children": [
                {"code": "A1", "name": "重点任务推进", "weight": 50, "nature": "result"},
                {"code": "A2", "name": "工作目标完成", "weight": 50, "nature": "result",
                 "scale": {"优": 95, "良": 85, "中": 72, "差": 55}},
            ]},
            {"code": "B", "name": "服务质量", "weight": 30, "children": [
                {"code": "B1", "name": "窗口服务态度", "weight": 100, "nature": "process"},
            ]},
            {"code": "C", "name": "工作效率", "weight": 30, "children": [
                {"code": "C1", "name": "计划进度完成率", "weight": 100, "nature": "process", "source": "measure",
                 "rule": {"kind": "linear", "direction": "higher", "floor": 0.6, "target": 1.0}},
            ]},
        ],
        "raters": [{"code": s, "group": "superior", "name": n} for s, n in RATER_NAMES.items()]
        + [{"code": f"P{i:02d}", "group": "peer", "unit": u, "name": f"李{i}明"} for i, u in enumerate(UNITS, 1)],
        "scores": scores,
        "measures": [{"unit": u, "indicator": "C1", "value": round(1.0 - 0.03 * j, 2)} for j, u in enumerate(UNITS)],
        "adjustments": [{"unit": "U02", "points": -2, "reason": "整改逾期"},
                        {"unit": "U03", "points": 1, "reason": "获省级表彰"}],
        "vetoes": [{"unit": "U08", "reason": "重大安全事故"}],
    }
    if history:
        doc["history"] = [
            {"campaign": "R2026Q1", "results": [{"unit": u, "score": 90 - 3 * j, "rank": j + 1}
                                                for j, u in enumerate(UNITS)]},
            {"campaign": "R2026Q2", "results": [{"unit": u, "score": 91 - 3 * j, "rank": j + 1}
                                                for j, u in enumerate(UNITS)]},
        ]
    return doc


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Snapshot ids repeat across tests on SQLite; the per-process caches must not."""
    from django.core.cache import cache

    selectors.cache_clear()
    cache.clear()


def _user(username: str, role: str, unit: str | None = None, name: str = "") -> Any:
    from kaoping.accounts.services import user_create
    from kaoping.org.models import Unit

    u = Unit.objects.get(code=unit) if unit else None
    return user_create(username=username, password=PASSWORD, role=role, unit=u, name=name)


@pytest.fixture
def office(db: Any) -> Any:
    return _user("office1", "office", name="李明华")


@pytest.fixture
def closed(office: Any) -> Any:
    """The campaign, imported, opened, closed and computed — not yet published."""
    from kaoping.campaigns.services import bundle_import, campaign_transition, results_compute

    c = bundle_import(data=bundle(), by=office, source="test")
    for to in ("open", "closed"):
        c = campaign_transition(campaign=c, to=to, by=office)
    results_compute(campaign=c, by=office)
    return c


@pytest.fixture
def people(closed: Any) -> dict[str, Any]:
    return {
        "office": closed.created_by,
        "supervisor": _user("sup1", "supervisor", name="刘洋"),
        "admin": _user("admin1", "admin", name="王管理"),
        "evaluator": _user("eva1", "evaluator", name="张评价"),
        "contact": _user("contact5", "unit_contact", "U05", name="陈静"),
        "contact_top": _user("contact1", "unit_contact", "U01", name="周一"),
    }


@pytest.fixture
def as_user(client: Any) -> Any:
    def login(user: Any) -> Any:
        client.force_login(user)
        return client
    return login


@pytest.fixture
def published_full(closed: Any, office: Any) -> Any:
    from kaoping.reports.services import results_publish

    results_publish(campaign=closed, mode="full", by=office)
    closed.refresh_from_db()
    return closed


@pytest.fixture
def published_interval(closed: Any, office: Any) -> Any:
    from kaoping.reports.services import results_publish

    results_publish(campaign=closed, mode="interval", by=office, top_share=0.3, bottom_share=0.1)
    closed.refresh_from_db()
    return closed


def snapshot_units(campaign: Any) -> dict[str, dict[str, Any]]:
    from kaoping.campaigns.selectors import snapshot_latest

    return {u["unit"]: u for u in snapshot_latest(campaign=campaign).results["units"]}
