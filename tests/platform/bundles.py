"""Small bundles for platform tests: every part of C1 present, a few dozen scores."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

RICH: dict[str, Any] = {
    "format": "kaoping-bundle/1",
    "campaign": {"code": "2026Q3", "name": "2026年第三季度单位互评", "kind": "mutual",
                 "period_start": "2026-07-01", "period_end": "2026-09-30", "deadline": "2026-10-15",
                 "note": "试点"},
    "scoring": {"trim": {"min_count": 3, "drop_high": 1, "drop_low": 1}, "bonus_cap": 3,
                "fluctuation_threshold": 0.1},
    "groups": [
        {"code": "superior", "name": "上级评价", "weight": 40},
        {"code": "peer", "name": "同级互评", "weight": 30},
        {"code": "recipient", "name": "服务对象评价", "weight": 20},
        {"code": "self", "name": "自评", "weight": 0},
    ],
    "units": [
        {"code": "U01", "name": "市教育局", "type": "admin", "region": "east"},
        {"code": "U02", "name": "市人民医院", "type": "institution", "region": "west", "size": "large"},
        {"code": "U03", "name": "市供水公司", "type": "enterprise", "region": "west", "parent": "U01"},
    ],
    "indicators": [
        {"code": "A", "name": "协作效率", "weight": 40, "nature": "process", "children": [
            {"code": "A1", "name": "响应及时率", "weight": 50, "nature": "process", "source": "measure",
             "rule": {"kind": "linear", "direction": "higher", "floor": 0.6, "target": 0.95}},
            {"code": "A2", "name": "协作配合", "weight": 50, "nature": "process", "dimensions": ["internal"],
             "rated_by": ["superior", "peer", "self"], "full": 10, "unit": "分"},
        ]},
        {"code": "B", "name": "服务质量", "weight": 60, "nature": "result", "applies_to": ["admin", "institution"],
         "description": "群众满意度", "children": [
             {"code": "B1", "name": "服务态度", "scale": {"优": 95, "良": 85, "中": 70, "差": 50}},
             {"code": "B2", "name": "投诉办结", "source": "measure",
              "rule": {"kind": "bands", "bands": [{"min": 0.95, "score": 100}, {"min": None, "score": 60}]}},
         ]},
    ],
    "weight_overrides": [{"match": {"region": "west"}, "weights": {"A": 50}},
                         {"match": {"size": "large"}, "weights": {"B1": 2}, "why": "大型单位"}],
    "raters": [
        {"code": "R1", "group": "superior", "name": "张三"},
        {"code": "R2", "group": "superior"},
        {"code": "R3", "group": "peer", "unit": "U01"},
        {"code": "R4", "group": "peer", "unit": "U02", "remit": ["U01", "U03"]},
        {"code": "R5", "group": "recipient"},
        {"code": "R6", "group": "self", "unit": "U03"},
    ],
    "conflicts": [{"rater": "R1", "unit": "U03"}, {"rater": "R1", "unit": "U03"}],
    "scores": [],
    "measures": [
        {"unit": "U01", "indicator": "A1", "value": 0.91},
        {"unit": "U02", "indicator": "A1", "value": 0.7},
        {"unit": "U03", "indicator": "A1", "value": 1},
        {"unit": "U01", "indicator": "B2", "value": 0.97},
    ],
    "adjustments": [{"unit": "U02", "points": -2, "reason": "整改逾期"},
                    {"unit": "U01", "points": 4, "reason": "创新加分", "approved_by": "考核办"}],
    "vetoes": [{"unit": "U03", "reason": "重大安全事故"}],
    "history": [{"campaign": "2026Q2", "results": [{"unit": "U01", "score": 86.1, "rank": 1},
                                                  {"unit": "U02", "score": 70.5, "rank": 2}]}],
}

_A2 = {"R1": [9, 8.5, 7], "R2": [8, 9, 6.5], "R3": [9.5, 7, 8], "R4": [8, 7.5, 9], "R6": [None, None, 10]}
_B1 = {"R1": ["优", "良", None], "R2": ["良", "中", None], "R5": ["优", "差", None], "R3": ["良", "良", None]}
for rater, values in _A2.items():
    for unit, value in zip(("U01", "U02", "U03"), values, strict=True):
        if value is not None:
            RICH["scores"].append({"rater": rater, "unit": unit, "indicator": "A2", "value": value})
for rater, values in _B1.items():
    for unit, value in zip(("U01", "U02", "U03"), values, strict=True):
        if value is not None:
            RICH["scores"].append({"rater": rater, "unit": unit, "indicator": "B1", "value": value})


def rich(**parts: Any) -> dict[str, Any]:
    """The rich bundle, with top-level parts replaced."""
    data = copy.deepcopy(RICH)
    data.update(copy.deepcopy(parts))
    return data


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
