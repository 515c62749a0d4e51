"""A small campaign with a lenient rater and two units favouring each other, imported,
computed and its alerts filed; personas for each role."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.apps import apps

PASSWORD = "Kaoping@2026"
LENIENT = "X03"
FRIENDS = ("U01", "U02")
UNKNOWN = "C06"  # scores every unit where the rest of the group scores three or four
OUTSIDE_REMIT = "C01"  # scores a unit outside the remit the bundle gives it


def bundle(code: str = "A2026Q3", seed: int = 3) -> dict[str, Any]:
    """12 units (one peer rater each), 8 outside raters, four rated leaves; outside rater
    X03 adds 20 points to everything, and the peers of U01 and U02 add 25 to each other."""
    rng = np.random.default_rng(seed)
    units = [f"U{i + 1:02d}" for i in range(12)]
    quality = rng.normal(0, 5, len(units))
    leaves = ["L1", "L2", "L3", "L4"]
    raters: list[dict[str, Any]] = [{"code": f"P{u}", "group": "peer", "unit": u, "name": f"互评人{u}"}
                                    for u in units]
    raters += [{"code": f"X{i + 1:02d}", "group": "outside", "name": f"评价人{i + 1}"} for i in range(8)]
    severity = {r["code"]: rng.normal(0, 1.5) for r in raters}
    scores = []
    for r in raters:
        for ui, u in enumerate(units):
            if r.get("unit") == u:
                continue
            for leaf in leaves:
                x = 72 + quality[ui] - severity[r["code"]] + rng.normal(0, 3)
                if r["code"] == LENIENT:
                    x += 20
                if r.get("unit") in FRIENDS and u in FRIENDS:
                    x += 25
                scores.append({"rater": r["code"], "unit": u, "indicator": leaf, "value": int(round(min(max(x, 0), 100)))})
    return {
        "format": "kaoping-bundle/1",
        "campaign": {"code": code, "name": "预警测试活动", "kind": "mutual",
                     "period_start": "2026-07-01", "period_end": "2026-09-30"},
        "groups": [{"code": "peer", "name": "同级互评", "weight": 50},
                   {"code": "outside", "name": "服务对象评价", "weight": 50}],
        "units": [{"code": u, "name": f"测试单位{u[1:]}", "type": "admin"} for u in units],
        "indicators": [{"code": leaf, "name": f"指标{leaf}", "weight": 1} for leaf in leaves],
        "raters": raters,
        "scores": scores,
        "history": [{"campaign": "A2026Q2", "results": [{"unit": u, "score": 80.0, "rank": i + 1}
                                                       for i, u in enumerate(units)]}],
    }


def kinds_bundle(code: str = "K2026Q3") -> dict[str, Any]:
    """:func:`bundle` plus what the ``rotation`` and ``rater_unknown_target`` detectors find.

    A third group of six service recipients scores three or four units each, but
    ``C06`` scores all twelve, and ``C01``, whose remit is two units, scores three. Five past periods pass first place round ``A → B → W``
    (W: the current winner; A and B: the two units ranked last now), each holder far
    down the table when it is not its turn — with the current period, six turns.
    """
    from kaoping.engine.bundle import parse_bundle
    from kaoping.engine.scoring import score

    data = bundle(code=code)
    data["groups"] = [{"code": "peer", "name": "同级互评", "weight": 40},
                      {"code": "outside", "name": "服务对象评价", "weight": 40},
                      {"code": "public", "name": "群众评价", "weight": 20}]
    units = [u["code"] for u in data["units"]]
    for i in range(6):
        rater = f"C{i + 1:02d}"
        scored = units if rater == UNKNOWN else units[i * 2:i * 2 + 3 + i % 2]
        data["raters"].append({"code": rater, "group": "public", "name": f"群众{i + 1}"})
        if rater == OUTSIDE_REMIT:  # told to rate two units, rated a third one too
            data["raters"][-1]["remit"] = scored[:2]
        data["scores"] += [{"rater": rater, "unit": u, "indicator": leaf, "value": 75}
                           for u in scored for leaf in ("L1", "L2", "L3", "L4")]
    data["history"] = []
    ranked = [r.unit for r in sorted(score(parse_bundle(data), detectors=False).units, key=lambda r: r.rank)]
    w, a, b = ranked[0], ranked[-1], ranked[-2]
    for period, first in enumerate([a, b, w, a, b]):
        order = [first] + [u for u in units if u not in (a, b, w)] + [h for h in (a, b, w) if h != first]
        data["history"].append({"campaign": f"H{period + 1:02d}", "results": [
            {"unit": u, "score": 95.0 - 2 * i, "rank": i + 1} for i, u in enumerate(order)]})
    return data


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in ("campaigns", "ledger", "alerts")}


def _user(username: str, role: str, name: str) -> Any:
    from kaoping.accounts.services import user_create

    return user_create(username=username, password=PASSWORD, role=role, name=name)


@pytest.fixture
def office(db: Any) -> Any:
    return _user("office1", "office", "李明华")


@pytest.fixture
def supervisor(db: Any) -> Any:
    return _user("super1", "supervisor", "王监督")


@pytest.fixture
def evaluator(db: Any) -> Any:
    return _user("eval1", "evaluator", "赵评价")


@pytest.fixture
def campaign(office: Any) -> Any:
    """Imported, opened, closed; results computed and alerts filed."""
    from kaoping.alerts.services import results_and_alerts
    from kaoping.campaigns.services import bundle_import, campaign_transition

    c = bundle_import(data=bundle(), by=office, source="test")
    for to in ("open", "closed"):
        c = campaign_transition(campaign=c, to=to, by=office)
    results_and_alerts(campaign=c, by=office, source="test")
    return c


def lenient_alert(campaign: Any) -> Any:
    from kaoping.alerts.models import Alert

    return Alert.objects.get(campaign=campaign, kind="rater_lenient", raters=[LENIENT])


def confirmed(alert: Any, by: Any) -> Any:
    from kaoping.alerts.services import alert_assign, alert_close, alert_investigate

    alert_assign(alert=alert, assignee=by, by=by)
    alert_investigate(alert=alert, by=by)
    return alert_close(alert=alert, outcome="confirmed", reason="经核实该评价人与多家单位存在利益往来", by=by)


@pytest.fixture
def kinds_campaign(office: Any) -> Any:
    """:func:`kinds_bundle` imported, closed, computed, its alerts filed."""
    from kaoping.alerts.services import results_and_alerts
    from kaoping.campaigns.services import bundle_import, campaign_transition

    c = bundle_import(data=kinds_bundle(), by=office, source="test")
    for to in ("open", "closed"):
        c = campaign_transition(campaign=c, to=to, by=office)
    results_and_alerts(campaign=c, by=office, source="test")
    return c


def dismissed(alert: Any, by: Any) -> Any:
    from kaoping.alerts.services import alert_assign, alert_close, alert_investigate

    alert_assign(alert=alert, assignee=by, by=by)
    alert_investigate(alert=alert, by=by)
    return alert_close(alert=alert, outcome="dismissed", reason="该评价人所评单位确实表现突出", by=by)
