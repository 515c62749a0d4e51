"""Excel uploads of paper forms and measured data: preview every error, then all or nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from kaoping.campaigns.models import Measure, Score
from kaoping.campaigns.services import campaign_transition
from kaoping.collection.models import SheetSubmission, Upload
from kaoping.collection.services import CollectionError, sheet_submit
from kaoping.collection.uploads import (
    MAX_UPLOAD_BYTES,
    template_workbook,
    upload_apply,
    upload_preview,
)
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify

from .conftest import recorded, row_counts

pytestmark = pytest.mark.django_db

SCORE_HEAD = ["评价人", "单位", "指标", "分值"]


def xlsx(title: str, rows: list[list[Any]], *, extra_sheet: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if extra_sheet:
        wb.create_sheet(extra_sheet)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def preview(campaign: Any, office: Any, kind: str, content: bytes) -> Any:
    before = row_counts()
    stored, result = upload_preview(campaign=campaign, kind=kind, filename="表.xlsx", content=content, by=office)
    if not result.ok:
        assert stored is None and row_counts() == before
    return stored, result


def row_errors(result: Any) -> dict[int, str]:
    return {r.number: "；".join(r.errors) for r in result.rows if r.errors}


def test_the_templates_have_chinese_headers_and_the_rows_due(campaign: Any) -> None:
    wb = load_workbook(io.BytesIO(template_workbook(campaign=campaign, kind="scores")))
    rows = list(wb["评分"].iter_rows(values_only=True))
    assert list(rows[0]) == SCORE_HEAD
    assert ("R1", "U01", "B1", None) in rows and ("R2", "U01", "A2", None) not in rows  # own unit left out
    assert "说明" in wb.sheetnames
    wb = load_workbook(io.BytesIO(template_workbook(campaign=campaign, kind="measures")))
    rows = list(wb["数据"].iter_rows(values_only=True))
    assert rows[0] == ("单位", "指标", "数值") and ("U01", "B2", None) in rows and ("U03", "B2", None) not in rows


def test_it_imports_paper_forms_after_a_clean_preview(campaign: Any, office: Any) -> None:
    content = xlsx("评分", [SCORE_HEAD, ["R1", "U02", "A2", 9], ["R1", "U02", "B1", "良"], ["R2", "U03", "A2", "7.5"]])
    stored, result = preview(campaign, office, "scores", content)
    assert result.ok and stored is not None and Score.objects.count() == 0
    assert upload_apply(upload=stored, by=office) == 3
    assert Score.objects.count() == 3
    assert set(SheetSubmission.objects.values_list("channel", flat=True)) == {"paper"}
    assert SheetSubmission.objects.count() == 2
    entry = LedgerEntry.objects.get(action="upload.scores")
    assert recorded(entry)["sheet_submission"] == sorted(SheetSubmission.objects.values_list("pk", flat=True))
    assert recorded(entry)["score"] == sorted(Score.objects.values_list("pk", flat=True))
    assert ledger_verify().ok
    before = row_counts()
    with pytest.raises(CollectionError, match="不能重复导入"):
        upload_apply(upload=stored, by=office)
    assert row_counts() == before


def test_it_shows_every_error_by_row_and_writes_nothing(campaign: Any, office: Any, evaluators: Any) -> None:
    from kaoping.campaigns.models import Assignment

    sheet_submit(assignment=Assignment.objects.get(rater__code="R1", unit__code="U03"), values={"A2": "6"},
                 version=0, by=evaluators["R1"])
    content = xlsx("评分", [
        SCORE_HEAD,
        ["R9", "U01", "A2", 8],          # 2 unknown rater
        ["R1", "U99", "A2", 8],          # 3 unknown unit
        ["R1", "U01", "Z9", 8],          # 4 unknown indicator
        ["R1", "U01", "A2", 12],         # 5 out of range
        ["R1", "U02", "A2", "很好"],     # 6 text in a number cell
        ["R1", "U02", "B1", "良"],       # 7 fine
        ["R1", "U02", "B1", "优"],       # 8 duplicate of 7
        ["R2", "U01", "A2", 8],          # 9 own unit
        ["R1", "U01", "A1", 8],          # 10 measured leaf
        ["R1", "U03", "A2", 8],          # 11 already submitted online
        ["R1", "U01", "B1", "极好"],     # 12 label not in the scale
        [None, "U01", "A2", None],       # 13 blanks
    ])
    _, result = preview(campaign, office, "scores", content)
    errors = row_errors(result)
    assert sorted(errors) == [2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]
    assert "R9" in errors[2] and "U99" in errors[3] and "Z9" in errors[4]
    assert "超出范围" in errors[5] and "应填写数字" in errors[6] and "与第 7 行重复" in errors[8]
    assert "回避" in errors[9] and "不是评分指标" in errors[10] and "已提交" in errors[11]
    assert "不是该指标的等级" in errors[12] and "评价人代码为空" in errors[13] and "分值为空" in errors[13]


@pytest.mark.parametrize(("content", "words"), [
    (b"not a workbook", "不是有效的 Excel"),
    (b"x" * (MAX_UPLOAD_BYTES + 1), "文件过大"),
])
def test_it_refuses_files_that_are_not_small_workbooks(campaign: Any, office: Any, content: bytes, words: str) -> None:
    _, result = preview(campaign, office, "scores", content)
    assert not result.ok and words in result.errors[0]


def test_it_refuses_the_wrong_sheet(campaign: Any, office: Any) -> None:
    _, result = preview(campaign, office, "scores", xlsx("数据", [["单位", "指标", "数值"], ["U01", "A1", 1]]))
    assert "找不到工作表「评分」" in result.errors[0]
    _, result = preview(campaign, office, "scores", xlsx("评分", [["评价人", "单位", "分值"]]))
    assert "缺少列「指标」" in result.errors[0]


def test_it_imports_measured_data_and_notes_updates(campaign: Any, office: Any) -> None:
    content = xlsx("数据", [["单位", "指标", "数值"], ["U01", "A1", 0.93], ["U03", "A1", "0.7"], ["U02", "B2", 0.99]])
    stored, result = preview(campaign, office, "measures", content)
    assert result.ok, row_errors(result)
    assert "原值 0.9 → 0.93" in result.rows[0].note
    upload_apply(upload=stored, by=office)
    values = {(m.unit.code, m.indicator.code): m.value for m in Measure.objects.select_related("unit", "indicator")}
    assert values[("U01", "A1")] == 0.93 and values[("U03", "A1")] == 0.7 and values[("U02", "B2")] == 0.99
    assert ledger_verify().ok


def test_it_refuses_bad_measure_rows(campaign: Any, office: Any) -> None:
    content = xlsx("数据", [["单位", "指标", "数值"], ["U01", "A2", 1], ["U03", "B2", 0.9], ["U01", "A1", "九成"],
                           ["U02", "A1", 0.5], ["U02", "A1", 0.6]])
    _, result = preview(campaign, office, "measures", content)
    errors = row_errors(result)
    assert "不是数据采集指标" in errors[2] and "不适用于该单位类型" in errors[3]
    assert "应为数字" in errors[4] and "与第 5 行重复" in errors[6]


def test_it_checks_again_when_confirming(campaign: Any, office: Any, evaluators: Any) -> None:
    from kaoping.campaigns.models import Assignment

    stored, result = preview(campaign, office, "scores", xlsx("评分", [SCORE_HEAD, ["R1", "U03", "A2", 8]]))
    assert result.ok
    sheet_submit(assignment=Assignment.objects.get(rater__code="R1", unit__code="U03"), values={"A2": "6"},
                 version=0, by=evaluators["R1"])
    before = row_counts()
    with pytest.raises(CollectionError, match="未导入任何数据"):
        upload_apply(upload=stored, by=office)
    assert row_counts() == before


def test_paper_forms_are_refused_once_the_campaign_is_closed(campaign: Any, office: Any) -> None:
    campaign_transition(campaign=campaign, to="closed", by=office)
    _, result = preview(campaign, office, "scores", xlsx("评分", [SCORE_HEAD, ["R1", "U03", "A2", 8]]))
    assert "不能导入纸质评分表" in result.errors[0]
    stored, result = preview(campaign, office, "measures", xlsx("数据", [["单位", "指标", "数值"], ["U01", "A1", 1]]))
    assert result.ok and Upload.objects.count() == 1
