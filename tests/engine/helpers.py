"""Small bundle builders for engine tests: each test states only what matters to it."""

from __future__ import annotations

import copy
from typing import Any

from kaoping.engine.bundle import parse_bundle
from kaoping.engine.scoring import Results, score

GROUPS = [
    {"code": "superior", "name": "上级评价", "weight": 40},
    {"code": "peer", "name": "同级互评", "weight": 30},
    {"code": "recipient", "name": "服务对象评价", "weight": 20},
    {"code": "third_party", "name": "第三方评价", "weight": 10},
]


def make(**parts: Any) -> dict[str, Any]:
    """A valid bundle with two units and one rated leaf, overridden by ``parts``."""
    data: dict[str, Any] = {
        "format": "kaoping-bundle/1",
        "campaign": {"code": "T1", "name": "测试活动"},
        "groups": copy.deepcopy(GROUPS),
        "units": [
            {"code": "U1", "name": "甲局", "type": "admin", "region": "east"},
            {"code": "U2", "name": "乙局", "type": "admin", "region": "west"},
        ],
        "indicators": [{"code": "A", "name": "协作配合"}],
        "raters": [],
        "scores": [],
    }
    data.update(copy.deepcopy(parts))
    return data


def direct(code: str, weight: float | None = None, **extra: Any) -> dict[str, Any]:
    """A measured leaf whose score is its value (rule ``direct``): handy for roll-up tests."""
    node: dict[str, Any] = {"code": code, "name": code, "source": "measure", "rule": {"kind": "direct"}}
    if weight is not None:
        node["weight"] = weight
    node.update(extra)
    return node


def measures(unit: str, **values: float) -> list[dict[str, Any]]:
    return [{"unit": unit, "indicator": k, "value": v} for k, v in values.items()]


def run(data: dict[str, Any], detectors: bool = False) -> Results:
    return score(parse_bundle(data), detectors=detectors)


def unit(results: Results, code: str) -> Any:
    return results.by_unit()[code]


def kinds(results: Results, kind: str) -> list[Any]:
    return [a for a in results.alerts if a.kind == kind]
