"""Words for the codes an indicator library carries (evaluator groups, dimension tags).

Libraries and bundles use short English codes (C1); pages show people the Chinese word.
A code without a known word is shown as written.
"""

from __future__ import annotations

#: the evaluator groups of R3.1 and the samples
GROUP_LABELS = {
    "superior": "上级评价", "peer": "同级互评", "recipient": "服务对象评价", "third_party": "第三方评价",
    "self": "自评", "citizen": "群众评议", "supervisor": "效能监督员", "leader": "领导评价",
    "expert": "专家评价", "staff": "职工评价",
}

#: balanced-scorecard and SERVQUAL dimensions that performance libraries tag indicators with
DIMENSION_LABELS = {
    "customer": "服务对象", "internal_process": "内部流程", "learning_growth": "学习与成长",
    "financial": "财务", "responsiveness": "响应性", "empathy": "关怀性", "reliability": "可靠性",
    "assurance": "保证性", "tangibles": "有形性", "efficiency": "效率", "quality": "质量",
    "satisfaction": "满意度", "innovation": "创新", "cost": "成本", "safety": "安全",
}


def group_label(code: str) -> str:
    """``peer`` → 同级互评."""
    return GROUP_LABELS.get(code, code)


def dimension_label(code: str) -> str:
    """``internal_process`` → 内部流程."""
    return DIMENSION_LABELS.get(code, code)
