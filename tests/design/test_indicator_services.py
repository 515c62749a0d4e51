"""Editing draft versions, AHP write-back and the Excel import preview."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from kaoping.engine.excel import write_workbook
from kaoping.indicators import selectors, services
from kaoping.indicators.models import IndicatorChange, IndicatorNode
from kaoping.indicators.services import IndicatorError
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify

from .conftest import RECORDS

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in ("indicators", "ledger")}


def codes(version: Any) -> list[str]:
    return list(version.nodes.order_by("position").values_list("code", flat=True))


def test_an_imported_draft_keeps_the_tree(draft: Any) -> None:
    assert codes(draft) == ["A", "A1", "A2", "A3", "B", "B1", "B2"]
    assert draft.frozen_at is None
    assert selectors.version_indicators(version=draft)[0]["children"][0]["rule"]["kind"] == "linear"


def test_it_adds_a_node_and_turns_a_leaf_into_an_inner_node(draft: Any, office: Any) -> None:
    a3 = draft.nodes.get(code="A3")
    services.indicator_node_add(version=draft, parent=a3, code="A31", name="信息报送", weight=1, by=office)
    assert codes(draft) == ["A", "A1", "A2", "A3", "A31", "B", "B1", "B2"]
    a3.refresh_from_db()
    assert a3.source == "" and a3.full is None
    assert draft.changes.filter(action=IndicatorChange.Action.ADD, node_code="A31").exists()
    assert ledger_verify().ok


@pytest.mark.parametrize("code, message", [("A1", "已存在"), ("", "指标代码"), ("x" * 65, "指标代码")])
def test_a_bad_new_node_is_refused_and_writes_nothing(draft: Any, code: str, message: str) -> None:
    before = row_counts()
    with pytest.raises(IndicatorError, match=message):
        services.indicator_node_add(version=draft, code=code, name="新指标")
    assert row_counts() == before


def test_it_moves_nodes_up_and_under_another_parent(draft: Any, office: Any) -> None:
    a3 = draft.nodes.get(code="A3")
    services.indicator_node_move(node=a3, index=0, by=office)
    assert codes(draft)[:4] == ["A", "A3", "A1", "A2"]
    services.indicator_node_move(node=a3, parent=draft.nodes.get(code="B"), by=office)
    assert codes(draft) == ["A", "A1", "A2", "B", "B1", "B2", "A3"]
    assert ledger_verify().ok


def test_a_node_cannot_move_under_itself(draft: Any) -> None:
    before = row_counts()
    with pytest.raises(IndicatorError, match="自己或它的下级"):
        services.indicator_node_move(node=draft.nodes.get(code="A"), parent=draft.nodes.get(code="A2"))
    assert row_counts() == before


def test_it_removes_a_leaf_but_not_an_inner_node(draft: Any, office: Any) -> None:
    services.indicator_node_remove(node=draft.nodes.get(code="B2"), by=office)
    assert "B2" not in codes(draft)
    with pytest.raises(IndicatorError, match="下级指标"):
        services.indicator_node_remove(node=draft.nodes.get(code="A"))
    assert ledger_verify().ok


def test_an_edit_that_breaks_the_tree_is_refused(draft: Any) -> None:
    before = row_counts()
    with pytest.raises(Exception, match="floor"):
        services.indicator_node_update(node=draft.nodes.get(code="A1"), rule={"kind": "linear", "floor": 1, "target": 1})
    assert row_counts() == before


def test_a_frozen_version_is_read_only(draft: Any) -> None:
    services.library_version_freeze(version=draft)
    before = row_counts()
    for call in (lambda: services.indicator_node_add(version=draft, code="Z", name="Z"),
                 lambda: services.indicator_node_remove(node=draft.nodes.get(code="B2")),
                 lambda: services.indicator_node_move(node=draft.nodes.get(code="B2"), index=0)):
        with pytest.raises(IndicatorError, match="冻结"):
            call()
    assert row_counts() == before
    derived = services.library_version_derive(version=draft)
    assert codes(derived) == codes(draft) and derived.frozen_at is None


EXPERT_1 = [["1", "3", "5"], ["1/3", "1", "2"], ["1/5", "1/2", "1"]]
EXPERT_2 = [["1", "2", "4"], ["1/2", "1", "3"], ["1/4", "1/3", "1"]]


def test_ahp_weights_are_written_back_into_the_draft(draft: Any, office: Any) -> None:
    node = draft.nodes.get(code="A")
    j = services.ahp_judgement_save(node=node, experts=[{"name": "张", "matrix": EXPERT_1},
                                                        {"name": "李", "matrix": EXPERT_2}], by=office)
    assert j.consistent and len(j.experts) == 2
    children = services.ahp_apply(judgement=j, by=office)
    total = sum(c.weight for c in children)
    assert total == pytest.approx(100, abs=1e-3)
    for c in children:
        assert c.weight / 100 == pytest.approx(j.result["weights"][c.code], abs=1e-4)
    stored = {n.code: n.weight for n in IndicatorNode.objects.filter(version=draft, code__in=["A1", "A2", "A3"])}
    assert stored == {c.code: c.weight for c in children}
    j.refresh_from_db()
    assert j.applied_at is not None
    assert draft.changes.filter(action=IndicatorChange.Action.AHP, node_code="A").exists()
    assert ledger_verify().ok


def test_ahp_judgements_are_covered_rows_of_the_ledger(draft: Any, office: Any) -> None:
    node = draft.nodes.get(code="A")
    j = services.ahp_judgement_save(node=node, experts=[{"name": "张", "matrix": EXPERT_1}], by=office)
    saved = json.loads(LedgerEntry.objects.get(action="indicator.ahp_judgement").payload)
    assert [(rs["t"], rs["ids"]) for rs in saved["rows"]] == [("ahp_judgement", [[j.pk, 1]])]
    services.ahp_apply(judgement=j, by=office)
    applied = json.loads(LedgerEntry.objects.get(action="indicator.ahp_apply").payload)
    assert [rs["t"] for rs in applied["rows"]] == ["indicator_node", "ahp_judgement"]
    assert ledger_verify().ok
    # a DBA who clears the write-back time (to hide that weights were applied) is named
    with connection.cursor() as cursor:
        cursor.execute("UPDATE indicators_ahpjudgement SET applied_at = NULL WHERE id = %s", [j.pk])
    report = ledger_verify()
    assert [p.kind for p in report.problems] == ["row_changed"]
    assert f"层次分析判断 #{j.pk}" in report.problems[0].message


def test_inconsistent_judgements_are_kept_but_not_written_back(draft: Any) -> None:
    node = draft.nodes.get(code="A")
    bad = [["1", "9", "1/9"], ["1/9", "1", "9"], ["9", "1/9", "1"]]
    j = services.ahp_judgement_save(node=node, experts=[{"name": "王", "matrix": bad}])
    assert not j.consistent and "revision" in j.result
    weights = dict(draft.nodes.values_list("code", "weight"))
    with pytest.raises(IndicatorError, match="CR"):
        services.ahp_apply(judgement=j)
    assert dict(draft.nodes.values_list("code", "weight")) == weights


def test_a_non_reciprocal_matrix_is_refused(draft: Any) -> None:
    before = row_counts()
    with pytest.raises(IndicatorError, match="倒数"):
        services.ahp_judgement_save(node=draft.nodes.get(code="A"),
                                    experts=[{"name": "王", "matrix": [["1", "3", "1"], ["3", "1", "1"], ["1", "1", "1"]]}])
    assert row_counts() == before


def workbook(tmp_path: Path, indicators: list[dict[str, Any]]) -> Path:
    return write_workbook({"format": "kaoping-bundle/1", "campaign": {"code": "X"}, "indicators": indicators},
                          tmp_path / "lib.xlsx")


def test_the_preview_reads_an_exported_workbook(draft: Any, tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(selectors.version_workbook(version=draft))
    preview = selectors.workbook_preview(path=path)
    assert preview.errors == [] and preview.count == 7
    assert preview.records == selectors.version_indicators(version=draft)


def test_the_preview_lists_every_error_by_row_and_nothing_is_written(draft: Any, tmp_path: Path) -> None:
    bad = copy.deepcopy(RECORDS)
    bad[0]["children"][0]["rule"] = {"kind": "linear", "floor": 1, "target": 1}
    bad[0]["children"][1]["weight"] = -3
    bad[1]["children"][0]["scale"] = {"优": 120}
    before = row_counts()
    preview = selectors.workbook_preview(path=workbook(tmp_path, bad))
    assert preview.records is None
    rows = [where for where, _ in preview.errors]
    assert rows == ["工作表「指标」第 3 行", "工作表「指标」第 4 行", "工作表「指标」第 7 行"], preview.errors
    assert row_counts() == before


def test_the_preview_refuses_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_text("not excel")
    preview = selectors.workbook_preview(path=path)
    assert preview.records is None and "Excel" in preview.errors[0][1]


def test_an_import_becomes_a_new_draft_version(draft: Any, office: Any) -> None:
    records = selectors.version_indicators(version=draft)
    v2 = services.library_version_create(library=draft.library, records=records, by=office, note="2027 修订")
    assert v2.number == draft.number + 1 and v2.frozen_at is None
    assert selectors.version_indicators(version=v2) == records
