"""Excel ranking and Word diagnosis report (R9.3): they open and hold the page's numbers."""

from __future__ import annotations

import io
from typing import Any

import pytest

from .conftest import NAMES, RATER_NAMES, snapshot_units

pytestmark = pytest.mark.django_db


def test_the_ranking_exports_to_a_formatted_workbook(people: dict[str, Any], as_user: Any) -> None:
    from openpyxl import load_workbook

    response = as_user(people["office"]).get("/campaigns/R2026Q3/results/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.title == "排名"
    headers = [c.value for c in ws[3]]
    assert headers[:8] == ["排名", "单位代码", "单位名称", "总分", "等次", "基础分", "加分", "扣分"]
    assert "上级评价小计" in headers and "加减分及否决依据" in headers
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert len(rows) == 10
    expected = snapshot_units(_campaign())
    for code, u in expected.items():
        assert rows[code][0] == u["rank"] and rows[code][3] == pytest.approx(u["total"])
    assert rows["U02"][7] == -2 and "整改逾期" in rows["U02"][-1]
    assert rows["U08"][-2] == "是" and "重大安全事故" in rows["U08"][-1]
    assert ws.freeze_panes == "D4" and ws["D4"].number_format == "0.00"
    text = " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    for name in RATER_NAMES.values():
        assert name not in text


def _campaign() -> Any:
    from kaoping.campaigns.models import Campaign

    return Campaign.objects.get(code="R2026Q3")


def _docx_text(content: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_the_diagnosis_report_opens_in_word_with_the_numbers(people: dict[str, Any], as_user: Any) -> None:
    response = as_user(people["office"]).get("/campaigns/R2026Q3/results/units/U02/report.docx")
    assert response.status_code == 200
    assert "wordprocessingml" in response["Content-Type"]
    text = _docx_text(response.content)
    u = snapshot_units(_campaign())["U02"]
    assert f"{NAMES[1]} 绩效诊断报告" in text
    assert f"{u['total']:.2f}" in text and "2/10" in text and u["grade"] in text
    assert "整改逾期" in text and "-2" in text
    for heading in ("短板雷达", "薄弱指标", "历史趋势", "各评价组得分"):
        assert heading in text
    assert "R2026Q1" in text and "R2026Q2" in text
    for name in RATER_NAMES.values():
        assert name not in text
    assert "李1明" not in text


def test_a_unit_contact_downloads_only_their_own_report(people: dict[str, Any], published_full: Any,
                                                        as_user: Any) -> None:
    client = as_user(people["contact"])
    own = client.get("/campaigns/R2026Q3/results/units/U05/report.docx")
    assert own.status_code == 200 and "市商务局 绩效诊断报告" in _docx_text(own.content)
    assert client.get("/campaigns/R2026Q3/results/units/U04/report.docx").status_code == 403
