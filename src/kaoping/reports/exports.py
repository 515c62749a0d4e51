"""Exports offices exchange (R9.3): the ranking as Excel, a unit's diagnosis report as Word.

Both are built from what the selectors return — the same numbers as the pages. No
rater is ever named and no personal data appears: the files carry units, scores,
indicators and the reasons of bonuses, deductions and vetoes only.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

HEADER_FILL = "1F4E79"
GRADE_FILLS = ("E2F0D9", "DDEBF7", "FFF2CC", "F8CBAD")


def _basis_text(row: dict[str, Any]) -> str:
    parts = [f"{a['points']:+g} 分：{a['reason'] or '（未写明事由）'}" for a in row["adjustments"]]
    parts += [f"一票否决：{r or '（未写明事由）'}" for r in row["vetoes"]]
    return "；".join(parts)


def ranking_xlsx(*, campaign: Any, page: dict[str, Any]) -> bytes:
    """The ranking (every unit the viewer may see) as a formatted workbook.

    Styles are built once and copied onto cells (``cell._style``): assigning style
    objects cell by cell costs openpyxl a lookup each time, which dominates on 500 rows.
    """
    from copy import copy

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    groups = page["groups"]
    headers = ["排名", "单位代码", "单位名称", "总分", "等次", "基础分", "加分", "扣分",
               *[f"{g['name']}小计" for g in groups], "上期得分", "较上期", "一票否决", "加减分及否决依据"]
    width = len(headers)
    ws.append([f"{campaign.name}（{campaign.code}）考评结果排名"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    period = "—".join(d.isoformat() for d in (campaign.period_start, campaign.period_end) if d)
    computed = page.get("computed_at")
    when = f"    结果计算于：{timezone.localtime(computed):%Y-%m-%d %H:%M}" if computed else ""
    ws.append([f"考评期间：{period or '—'}{when}    参评单位：{len(page['rows'])} 个"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.append(headers)
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[3]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    # prototype cells, one per style, on a scratch sheet removed afterwards
    scratch = wb.create_sheet("scratch")
    proto = scratch.cell(row=1, column=1)
    proto.border = border
    plain = copy(proto._style)
    proto.number_format = "0.00"
    number = copy(proto._style)
    proto.number_format = "General"
    proto.alignment = Alignment(wrap_text=True, vertical="top")
    wrapped = copy(proto._style)
    n_grades = len(page["grades"])
    grade_style = {}
    for i, (name, _m) in enumerate(page["grades"]):
        cell = scratch.cell(row=2, column=1 + i)
        cell.border = border
        cell.fill = PatternFill("solid", fgColor=GRADE_FILLS[3 if i == n_grades - 1 and n_grades > 1 else min(i, 2)])
        grade_style[name] = copy(cell._style)
    wb.remove(scratch)
    numeric = {4, 6, 7, 8, *range(9, 9 + len(groups)), 9 + len(groups), 10 + len(groups)}
    for r in page["rows"]:
        ws.append([
            r["rank"], r["unit"], r["name"], r["total"], r["grade"] or "", r["base"], r["bonus"],
            -r["deduction"] if r["deduction"] else 0, *r["group_scores"],
            r["previous"], r["change"], "是" if r["vetoed"] else "", _basis_text(r),
        ])
        for col, cell in enumerate(ws[ws.max_row], 1):
            if col == 5 and r["grade"] in grade_style:
                cell._style = copy(grade_style[r["grade"]])
            elif col == width:
                cell._style = copy(wrapped)
            else:
                cell._style = copy(number if col in numeric else plain)
    widths = [6, 10, 30, 9, 8, 9, 8, 8, *[11] * len(groups), 10, 9, 9, 48]
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "D4"
    ws.auto_filter.ref = f"A3:{get_column_letter(width)}{max(ws.max_row, 3)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell_xml(value: Any, bold: bool = False) -> str:
    text = "—" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr><w:p><w:r>{rpr}'
            f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>')


def _table(doc: Any, headers: list[str], rows: list[list[Any]]) -> Any:
    """A bordered table with a bold, repeating header row.

    Written as one piece of WordprocessingML and parsed once: python-docx's
    ``add_row``/``cell.text`` run XPath queries per cell, ten times slower here.
    """
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    head = "<w:tr><w:trPr><w:tblHeader/></w:trPr>" + "".join(_cell_xml(h, True) for h in headers) + "</w:tr>"
    body = "".join("<w:tr>" + "".join(_cell_xml(v) for v in values) + "</w:tr>" for values in rows)
    grid = "<w:gridCol/>" * len(headers)
    tbl = parse_xml(
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>'
        f'<w:tblLook w:val="04A0"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{head}{body}</w:tbl>'
    )
    doc.element.body._insert_tbl(tbl)
    return tbl


def diagnosis_docx(*, campaign: Any, report: dict[str, Any]) -> bytes:
    """绩效诊断报告: scores, group subtotals, weak indicators, the shortfall radar as a
    table, the trend and every bonus, deduction and veto with its reason."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    row = report["row"]
    heading = doc.add_heading(f"{report['name']} 绩效诊断报告", level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(f"{campaign.name}（{campaign.code}）")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"结果计算于：{timezone.localtime(report['computed_at']):%Y-%m-%d %H:%M}    "
                      f"参评单位：{row['count']} 个")

    doc.add_heading("一、总体得分", level=1)
    change = "—" if row["change"] is None else f"{row['change']:+.2f}"
    _table(doc, ["总分", "等次", "排名", "基础分", "加分", "扣分", "较上期"], [[
        row["total"], row["grade"] or "—", f"{row['rank']}/{row['count']}", row["base"], row["bonus"],
        row["deduction"], change,
    ]])
    mean = report["mean_total"]
    if mean is not None:
        diff = row["total"] - mean
        doc.add_paragraph(f"本期参评单位平均分 {mean:.2f}，本单位{'高于' if diff >= 0 else '低于'}平均分 {abs(diff):.2f} 分。")
    if row["vetoed"]:
        doc.add_paragraph("本单位被一票否决，等次定为最末等次。").runs[0].bold = True

    doc.add_heading("二、加减分与一票否决依据", level=1)
    basis = [[f"{a['points']:+g}", a["reason"] or "（未写明事由）"] for a in row["adjustments"]]
    basis += [["一票否决", r or "（未写明事由）"] for r in row["vetoes"]]
    if basis:
        _table(doc, ["分值", "事由"], basis)
    else:
        doc.add_paragraph("本期无加减分和一票否决事项。")

    doc.add_heading("三、各评价组得分", level=1)
    _table(doc, ["评价组", "权重", "本单位", "全体平均"],
           [[g["name"], f"{g['weight']:g}", g["score"], g["mean"]] for g in report["groups"]])

    doc.add_heading("四、短板雷达（与全体平均比较）", level=1)
    radar = report["radar"]
    _table(doc, ["指标", "本单位", "全体平均", "差值"], [
        [ind["name"], u, m, f"{u - m:+.2f}"]
        for ind, u, m in zip(radar["indicators"], radar["unit"], radar["mean"], strict=True)
    ])

    doc.add_heading("五、薄弱指标", level=1)
    if report["weak"]:
        _table(doc, ["指标代码", "指标", "本单位得分", "全体平均", "差值"],
               [[w["code"], w["name"], w["score"], w["mean"], f"{w['diff']:+.2f}"] for w in report["weak"]])
        doc.add_paragraph("建议针对上述指标查找原因、制定整改措施，并在下一考评期跟踪成效。")
    else:
        doc.add_paragraph("各末级指标得分均不低于全体平均。")

    doc.add_heading("六、历史趋势", level=1)
    _table(doc, ["考评期", "得分", "排名", "当期平均"], [
        [t["name"], t["score"], f"{t['rank']}/{t['count']}" if t["rank"] else "—", t["mean"]] for t in report["trend"]
    ])

    doc.add_heading("七、指标得分明细", level=1)
    _table(doc, ["指标", "本单位", "全体平均", "差值"], [
        ["　" * t["depth"] + f"{t['code']} {t['name']}", t["score"], t["mean"],
         None if t["diff"] is None else f"{t['diff']:+.2f}"] for t in report["tree"]
    ])
    doc.add_paragraph("说明：本报告依据考评结果快照生成；评价人身份及个人信息不予披露。")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
