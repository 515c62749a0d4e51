"""The Excel form of the campaign bundle (CONTRACTS.md C1): read, write, template, errors."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kaoping.cli import main
from kaoping.engine import excel
from kaoping.engine.bundle import load_bundle, parse_bundle
from kaoping.engine.errors import BundleError
from kaoping.engine.excel import SHEETS, read_workbook, write_template, write_workbook
from kaoping.engine.scoring import score

BUNDLE: dict[str, Any] = {
    "format": "kaoping-bundle/1",
    "campaign": {"code": "2026Q3", "name": "2026年第三季度单位互评", "period_start": "2026-07-01",
                 "period_end": "2026-09-30", "owner": "市考核办"},
    "scoring": {
        "trim": {"min_count": 3, "drop_high": 1, "drop_low": 1},
        "grades": [{"name": "优秀", "min": 92.5}, {"name": "良好", "min": 80},
                   {"name": "一般", "min": 60}, {"name": "较差", "min": 0}],
        "bonus_cap": 3,
        "fluctuation_threshold": 0.1,
        "low_score_threshold": 85,
        "policy": {"process_min": 0.4, "result_max": 0.6},
    },
    "groups": [
        {"code": "superior", "name": "上级评价", "weight": 40},
        {"code": "peer", "name": "同级互评", "weight": 30},
        {"code": "recipient", "name": "服务对象评价", "weight": 20},
        {"code": "self", "name": "自评", "weight": 0},
    ],
    "units": [
        {"code": "001", "name": "市教育局", "type": "admin", "region": "east", "level": 2},
        {"code": "U02", "name": "市第一医院", "type": "institution", "region": "west", "level": 3},
        {"code": "U03", "name": "市水务集团", "type": "enterprise", "region": "west", "parent": "001"},
        {"code": "U04", "name": "城南服务大厅", "type": "hall", "region": "central"},
    ],
    "indicators": [
        {"code": "A", "name": "协作效率", "weight": 40, "children": [
            {"code": "A1", "name": "响应及时率", "weight": 50, "nature": "process", "source": "measure",
             "dimensions": ["内部流程"], "rule": {"kind": "linear", "direction": "higher", "floor": 0.6,
                                               "target": 0.95}},
            {"code": "A2", "name": "协作配合", "weight": 50, "nature": "process", "source": "rating",
             "rated_by": ["superior", "peer"], "full": 10, "description": "=按协作情况打分"},
            {"code": "A3", "name": "办结时长", "weight": 20, "nature": "result", "children": [
                {"code": "A31", "name": "平均办结天数", "source": "measure",
                 "rule": {"kind": "linear", "direction": "lower", "floor": 20, "target": 5}},
                {"code": "A32", "name": "超期件数", "source": "measure",
                 "rule": {"kind": "threshold", "direction": "lower", "target": 0}},
            ]},
        ]},
        {"code": "B", "name": "服务质量", "weight": 60, "applies_to": ["admin", "institution", "hall"],
         "children": [
             {"code": "B1", "name": "满意度", "nature": "result", "source": "rating",
              "scale": {"优": 95, "良": 85, "中": 75, "差": 55.5}, "dimensions": ["客户", "可靠性"]},
             {"code": "B2", "name": "好评率", "nature": "result", "source": "measure",
              "rule": {"kind": "bands", "bands": [{"min": 0.95, "score": 100}, {"min": 0.9, "score": 80},
                                                  {"min": None, "score": 60}]}},
             {"code": "B3", "name": "整改率", "source": "measure", "rule": {"kind": "ratio"}},
         ]},
        {"code": "C", "name": "创新", "weight": 20, "source": "measure", "rule": {"kind": "direct"}},
    ],
    "weight_overrides": [
        {"match": {"region": "west"}, "weights": {"C": 10, "A": 45}},
        {"match": {"type": "institution", "level": 3}, "weights": {"B1": 2}},
        {"match": {"region": "west"}, "weights": {"C": 5}},
    ],
    "raters": [
        {"code": "R001", "group": "superior", "name": "张三"},
        {"code": "R002", "group": "peer", "unit": "U02", "remit": ["001", "U03"]},
        {"code": "R003", "group": "peer", "unit": "U03"},
        {"code": "R004", "group": "peer", "unit": "U04"},
        {"code": "R005", "group": "recipient"},
        {"code": "R006", "group": "self", "unit": "001"},
    ],
    "conflicts": [{"rater": "R005", "unit": "U04"}],
    "scores": [
        {"rater": r, "unit": u, "indicator": "A2", "value": v}
        for r, vals in {"R001": (9, 8.5, 7, 9.5), "R002": (8, 9, 6, 7), "R003": (7.5, 8, 9, 8),
                        "R004": (9, 6.5, 8, 10)}.items()
        for u, v in zip(("001", "U02", "U03", "U04"), vals, strict=True)
    ] + [
        {"rater": "R005", "unit": "001", "indicator": "B1", "value": "优"},
        {"rater": "R005", "unit": "U02", "indicator": "B1", "value": 70},
        {"rater": "R005", "unit": "U04", "indicator": "B1", "value": "良"},
        {"rater": "R001", "unit": "U04", "indicator": "B1", "value": "差"},
        {"rater": "R006", "unit": "001", "indicator": "B1", "value": 100},
    ],
    "measures": [
        {"unit": "001", "indicator": "A1", "value": 0.91},
        {"unit": "U02", "indicator": "A1", "value": 0.7},
        {"unit": "U03", "indicator": "A1", "value": 1},
        {"unit": "001", "indicator": "A31", "value": 7.5},
        {"unit": "U02", "indicator": "A32", "value": 2},
        {"unit": "001", "indicator": "B2", "value": 0.93},
        {"unit": "U04", "indicator": "B2", "value": 0.97},
        {"unit": "U04", "indicator": "B3", "value": 0.8},
        {"unit": "U02", "indicator": "C", "value": 88},
    ],
    "adjustments": [{"unit": "U02", "points": -2, "reason": "整改逾期"},
                    {"unit": "001", "points": 4, "reason": "获省级表彰"}],
    "vetoes": [{"unit": "U03", "reason": "重大安全事故"}],
    "history": [
        {"campaign": "2026Q1", "results": [{"unit": "001", "score": 70.5, "rank": 3},
                                           {"unit": "U02", "score": 90}]},
        {"campaign": "2026Q2", "results": [{"unit": "001", "score": 86.1, "rank": 2},
                                           {"unit": "U04", "score": 95.25, "rank": 1}]},
    ],
}


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """An .xlsx with the given sheets, each a list of rows (the first one the header)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def minimal(**extra: list[list[Any]]) -> dict[str, list[list[Any]]]:
    """Sheets of a small valid bundle; ``extra`` replaces or adds sheets."""
    sheets: dict[str, list[list[Any]]] = {
        "活动": [["项目", "值"], ["活动代码", "T1"]],
        "评价组": [["代码", "名称", "权重"], ["peer", "同级互评", 1]],
        "单位": [["代码", "名称", "类型"], ["U1", "甲局", "行政单位"], ["U2", "乙局", "事业单位"]],
        "指标": [["代码", "名称", "上级指标", "来源"], ["A", "协作", None, None], ["A1", "配合", "A", "评分"]],
        "评价人": [["代码", "评价组", "所在单位"], ["R1", "peer", "U1"], ["R2", "peer", "U2"]],
        "评分": [["评价人", "单位", "指标", "分值"], ["R1", "U2", "A1", 80], ["R2", "U1", "A1", 90]],
    }
    sheets.update(extra)
    return sheets


def error_of(path: Path) -> BundleError:
    with pytest.raises(BundleError) as info:
        data, where = read_workbook(path)
        parse_bundle(data, where=where)
    return info.value


# --------------------------------------------------------------------------- round trip


def test_round_trip_gives_an_identical_bundle_and_results(tmp_path: Path) -> None:
    path = write_workbook(BUNDLE, tmp_path / "bundle.xlsx")
    data, where = read_workbook(path)
    original, again = parse_bundle(copy.deepcopy(BUNDLE)), parse_bundle(data, where=where)
    assert again == original
    assert score(again).to_dict() == score(original).to_dict()
    # the dict itself comes back, not only its meaning
    assert data["indicators"] == BUNDLE["indicators"]
    assert data["weight_overrides"] == BUNDLE["weight_overrides"]
    assert data["history"] == BUNDLE["history"]
    assert data["scoring"] == BUNDLE["scoring"]
    assert data["campaign"] == BUNDLE["campaign"]
    for section in ("groups", "units", "raters", "conflicts", "scores", "measures", "adjustments", "vetoes"):
        assert data[section] == BUNDLE[section], section


def test_written_workbook_is_readable_by_people(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_workbook(BUNDLE, tmp_path / "b.xlsx"))
    ws = wb["指标"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    headers = [c.value for c in ws[1]]
    b2 = dict(zip(headers, rows["B2"], strict=True))
    assert b2["上级指标"] == "B" and b2["来源"] == "数据" and b2["规则类型"] == "分档"
    assert b2["分档"] == "0.95:100;0.9:80;:60"
    b1 = dict(zip(headers, rows["B1"], strict=True))
    assert b1["等级"] == "优:95;良:85;中:75;差:55.5" and b1["性质"] == "结果性"
    assert dict(zip(headers, rows["B"], strict=True))["适用单位类型"] == "行政单位, 事业单位, 服务大厅"
    # text that looks like a formula stays text
    assert wb["指标"]["Q4"].data_type == "s" and wb["指标"]["Q4"].value == "=按协作情况打分"
    assert [c.value for c in wb["单位"][1]][-1] == "属性:level"
    overrides = list(wb["权重调整"].iter_rows(min_row=2, values_only=True))
    assert overrides == [("片区=west", "C", 10), ("片区=west", "A", 45),
                         ("类型=事业单位;level=3", "B1", 2), ("片区=west", "C", 5)]


def test_example_bundles_round_trip(tmp_path: Path) -> None:
    examples = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))
    bundles = [p for p in examples if json.loads(p.read_text("utf-8")).get("format") == "kaoping-bundle/1"]
    if not bundles:
        pytest.skip("no example bundles")
    for p in bundles:
        original = parse_bundle(json.loads(p.read_text("utf-8")))
        data, where = read_workbook(write_workbook(json.loads(p.read_text("utf-8")), tmp_path / "x.xlsx"))
        assert parse_bundle(data, where=where) == original, p.name


# --------------------------------------------------------------------------- template


def test_template_has_sheets_headers_comments_and_validations(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明", *(s.title for s in SHEETS)]
    for sheet in SHEETS:
        ws = wb[sheet.title]
        assert [c.value for c in ws[1]] == [c.header for c in sheet.columns]
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold and c.comment is not None for c in ws[1])
    lists = {
        (ws.title, ws.cell(1, next(iter(dv.sqref.ranges)).min_col).value): dv.formula1
        for ws in wb.worksheets for dv in ws.data_validations.dataValidation if dv.type == "list"
    }
    assert lists[("指标", "来源")] == '"评分,数据"'
    assert lists[("指标", "性质")] == '"过程性,结果性"'
    assert lists[("指标", "规则类型")] == '"线性,达标,分档,比率,直接计分"'
    assert lists[("指标", "方向")] == '"越高越好,越低越好"'
    assert lists[("单位", "类型")] == '"行政单位,事业单位,企业,部门,服务大厅,服务窗口"'
    minimums = {
        (ws.title, ws.cell(1, next(iter(dv.sqref.ranges)).min_col).value): (dv.type, dv.operator, dv.formula1)
        for ws in wb.worksheets for dv in ws.data_validations.dataValidation
        if dv.type != "list" and ws.title != "活动"
    }
    for key in (("评价组", "权重"), ("指标", "权重"), ("权重调整", "权重")):
        assert minimums[key] == ("decimal", "greaterThanOrEqual", "0")
    assert "计分规则" in "".join(str(c.value) for row in wb["说明"].iter_rows() for c in row)


def test_template_reads_as_the_defaults(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    with pytest.raises(BundleError, match="没有填写活动代码") as info:
        read_workbook(path)
    assert info.value.location == "工作表「活动」"
    wb = openpyxl.load_workbook(path)
    assert wb["活动"]["A2"].value == "活动代码"
    wb["活动"]["B2"] = "X"
    wb.save(path)
    data, _ = read_workbook(path)
    assert data["campaign"] == {"code": "X"} and data["scores"] == [] and data["indicators"] == []
    filled = {**data, "units": [{"code": "U1"}], "indicators": [{"code": "A"}]}
    assert parse_bundle(filled).scoring == parse_bundle({**filled, "scoring": {}}).scoring


def test_cli_template_then_score_a_filled_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "t.xlsx"
    assert main(["template", "-o", str(template)]) == 0
    wb = openpyxl.load_workbook(template)
    wb["活动"]["B2"] = "2026Q4"
    for title, rows in minimal().items():
        if title != "活动":
            for row in rows[1:]:
                ws = wb[title]
                header = [c.value for c in ws[1]]
                ws.append([row[rows[0].index(h)] if h in rows[0] else None for h in header])
    wb.save(template)
    out = tmp_path / "r.json"
    assert main(["score", str(template), "-o", str(out)]) == 0
    results = json.loads(out.read_text("utf-8"))
    assert results["campaign"] == "2026Q4"
    assert {u["unit"]: u["total"] for u in results["units"]} == {"U1": 90.0, "U2": 80.0}


def test_cli_score_names_sheet_and_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook(tmp_path / "bad.xlsx", minimal(评分=[["评价人", "单位", "指标", "分值"],
                                                         ["R1", "U2", "A1", 80], ["R2", "U9", "A1", 90]]))
    assert main(["score", str(path)]) == 1
    err = capsys.readouterr().err
    assert "工作表「评分」第 3 行" in err and "U9" in err


# --------------------------------------------------------------------------- reading


def test_reads_chinese_labels_numbers_dates_and_skips_empty_rows(tmp_path: Path) -> None:
    sheets = minimal(
        活动=[["项目", "值", "说明"], ["活动代码", 2026], [None, None, "只有说明的行"],
              ["开始日期", datetime(2026, 7, 1)], ["结束日期", date(2026, 9, 30)], ["加分上限", 5],
              ["去极值最少人数", 4]],
        单位=[[], ["代码", "名称", "类型", "片区"], [101, "甲局", "行政单位", "east"], [None, None, None, None],
              [102.0, "乙局", "institution", "west"]],
        评价人=[["代码", "评价组", "所在单位"], ["R1", "peer", 101], ["R2", "peer", "102"]],
        评分=[["评价人", "单位", "指标", "分值"], ["R1", 102, "A1", 80], [], ["R2", "101", "A1", 90.5]],
    )
    data, where = read_workbook(workbook(tmp_path / "b.xlsx", sheets))
    assert data["campaign"] == {"code": "2026", "period_start": "2026-07-01", "period_end": "2026-09-30"}
    assert data["scoring"] == {"bonus_cap": 5, "trim": {"min_count": 4}}
    assert data["units"] == [{"code": "101", "name": "甲局", "type": "admin", "region": "east"},
                             {"code": "102", "name": "乙局", "type": "institution", "region": "west"}]
    assert data["scores"][1] == {"rater": "R2", "unit": "101", "indicator": "A1", "value": 90.5}
    assert where("scores", 1) == "工作表「评分」第 4 行"
    assert where("units", 1) == "工作表「单位」第 5 行"
    assert parse_bundle(data, where=where).campaign["code"] == "2026"


def test_english_sheet_names_and_headers_are_accepted(tmp_path: Path) -> None:
    sheets = {
        "campaign": [["item", "value"], ["code", "E1"], ["trim.drop_high", 0], ["scoring.custom.limit", 3]],
        "groups": [["code", "weight"], ["g", 1]],
        "units": [["code", "type", "field:size"], ["U1", "admin", "big"]],
        "indicators": [["code", "parent", "source", "kind", "rule.target"], ["A", None, "measure", "threshold", 1]],
        "measures": [["unit", "indicator", "value"], ["U1", "A", 2]],
        "#备注": [["随便写"]],
    }
    data, where = read_workbook(workbook(tmp_path / "e.xlsx", sheets))
    assert data["scoring"] == {"trim": {"drop_high": 0}, "custom": {"limit": 3}}
    assert data["units"] == [{"code": "U1", "type": "admin", "size": "big"}]
    assert data["indicators"] == [{"code": "A", "source": "measure", "rule": {"kind": "threshold", "target": 1}}]
    assert score(parse_bundle(data, where=where)).to_dict()["units"][0]["total"] == 100.0


def test_indicator_rows_in_any_order_build_the_tree(tmp_path: Path) -> None:
    sheets = minimal(指标=[
        ["代码", "上级指标", "权重", "来源", "规则类型", "下限", "目标"],
        ["B1", "B", 1, "数据", "线性", 0, 1],   # row 2: child listed before its parent
        ["A", None, 2, None, None, None, None],  # row 3
        ["B", None, 1, None, None, None, None],  # row 4
        ["A1", "A", 1, "评分", None, None, None],  # row 5
        ["B2", "B", 1, "数据", "线性", 3, 3],   # row 6: floor == target
    ])
    data, where = read_workbook(workbook(tmp_path / "t.xlsx", sheets))
    assert [(n["code"], [c["code"] for c in n.get("children", [])]) for n in data["indicators"]] == [
        ("A", ["A1"]), ("B", ["B1", "B2"])]
    # parse_bundle numbers indicators in pre-order: A, A1, B, B1, B2
    assert [where("indicators", i) for i in range(5)] == [
        f"工作表「指标」第 {n} 行" for n in (3, 5, 4, 2, 6)]
    with pytest.raises(BundleError) as info:
        parse_bundle(data, where=where)
    assert info.value.location == "工作表「指标」第 6 行" and "floor 与 target 相等" in str(info.value)


# --------------------------------------------------------------------------- parse_bundle errors at the Excel row


def test_text_in_a_score_cell_is_rejected_at_its_row(tmp_path: Path) -> None:
    rows = [["评价人", "单位", "指标", "分值"], ["R1", "U2", "A1", 80], [], [], ["R2", "U1", "A1", "88"]]
    err = error_of(workbook(tmp_path / "s.xlsx", minimal(评分=rows)))
    assert "工作表「评分」第 5 行" in str(err)
    assert err.code == "not_a_number" and "'88'" in str(err)


def test_unknown_unit_in_a_score_row(tmp_path: Path) -> None:
    rows = [["评价人", "单位", "指标", "分值"], ["R1", "U2", "A1", 80], ["R1", "U7", "A1", 70]]
    err = error_of(workbook(tmp_path / "s.xlsx", minimal(评分=rows)))
    assert err.location == "工作表「评分」第 3 行" and err.code == "unknown_unit"


@pytest.mark.parametrize(("sheet", "rows", "location", "code"), [
    ("评价组", [["代码", "权重"], ["peer", 1], ["x", -1]], "工作表「评价组」第 3 行", "negative_weight"),
    ("等级", [["等级", "最低分"], ["优", 90], ["差", "零"]], "工作表「等级」第 3 行", "not_a_number"),
    ("权重调整", [["匹配条件", "指标", "权重"], ["片区=west", "A", 1], ["片区=west", "Z", 1]],
     "工作表「权重调整」第 2–3 行", "unknown_indicator"),
    ("往期结果", [["活动", "单位", "得分"], ["P1", "U1", 80], ["P2", "U1", 70], ["P1", "U1", 75]],
     "工作表「往期结果」第 4 行", "duplicate_record"),
    ("回避", [["评价人", "单位"], ["R1", "U2"], ["R9", "U2"]], "工作表「回避」第 3 行", "unknown_rater"),
    ("数据", [["单位", "指标", "数值"], ["U1", "A1", 1]], "工作表「数据」第 2 行", "measure_on_rating"),
])
def test_parse_bundle_errors_name_the_row(
    tmp_path: Path, sheet: str, rows: list[list[Any]], location: str, code: str,
) -> None:
    sheets = minimal(**{sheet: rows})
    sheets["单位"][1].append(None)
    err = error_of(workbook(tmp_path / "e.xlsx", sheets))
    assert (err.location, err.code) == (location, code)


# --------------------------------------------------------------------------- errors only a workbook can have


@pytest.mark.parametrize(("sheets", "location", "fragment"), [
    (minimal(评分=[["评价人", "单位", "指标", "得分"]]), "工作表「评分」第 1 行", "未知的列「得分」"),
    (minimal(评分=[["评价人", "单位", "单位"]]), "工作表「评分」第 1 行", "重复"),
    (minimal(评分表=[["评价人"]]), "工作表「评分表」", "未知的工作表「评分表」"),
    (minimal(活动=[["项目", "值"], ["活动代码", "T"], ["开始时间", "2026-01-01"]]), "工作表「活动」第 3 行",
     "未知的项目「开始时间」"),
    (minimal(指标=[["代码", "上级指标"], ["A", None], ["A1", "X"]]), "工作表「指标」第 3 行",
     "上级指标 X 不存在"),
    (minimal(指标=[["代码", "上级指标"], ["A", None], ["B", "C"], ["C", "B"]]), "工作表「指标」第 3 行",
     "循环：B → C → B"),
    (minimal(指标=[["代码", "上级指标"], ["A", "A"]]), "工作表「指标」第 2 行", "循环：A → A"),
    (minimal(指标=[["代码"], ["A"], ["A"]]), "工作表「指标」第 3 行", "指标代码 A 重复（与第 2 行相同）"),
    (minimal(指标=[["代码", "来源", "规则类型", "分档"], ["A", "数据", "分档", "0.9-100;:60"]]),
     "工作表「指标」第 2 行", "分档「0.9-100;:60」格式不正确"),
    (minimal(指标=[["代码", "分档"], ["A", 100]]), "工作表「指标」第 2 行", "分档「100」格式不正确"),
    (minimal(指标=[["代码", "等级"], ["A", "优95;良:85"]]), "工作表「指标」第 2 行", "等级「优95;良:85」格式不正确"),
    (minimal(指标=[["代码", "等级"], ["A", "优:x"]]), "工作表「指标」第 2 行", "格式不正确"),
    (minimal(指标=[["代码", "等级"], ["A", "优:90;优:80"]]), "工作表「指标」第 2 行", "标签「优」重复"),
    (minimal(权重调整=[["匹配条件", "指标", "权重"], ["片区west", "A", 1]]), "工作表「权重调整」第 2 行",
     "匹配条件「片区west」格式不正确"),
    (minimal(权重调整=[["匹配条件", "指标", "权重"], ["片区=west", "A", None]]), "工作表「权重调整」第 2 行",
     "缺少权重"),
])
def test_workbook_only_errors_name_sheet_and_row(
    tmp_path: Path, sheets: dict[str, list[list[Any]]], location: str, fragment: str,
) -> None:
    with pytest.raises(BundleError) as info:
        read_workbook(workbook(tmp_path / "e.xlsx", sheets))
    assert info.value.location == location
    assert fragment in info.value.message


def test_bands_and_scale_cells_are_parsed(tmp_path: Path) -> None:
    sheets = minimal(指标=[["代码", "来源", "规则类型", "分档", "等级"],
                           ["A", "数据", "分档", "0.95：100；-1:80.5;:0;", None],
                           ["B", "评分", None, None, " 优 ：95 ； 良:85 "]])
    data, _ = read_workbook(workbook(tmp_path / "b.xlsx", sheets))
    assert data["indicators"][0]["rule"]["bands"] == [
        {"min": 0.95, "score": 100}, {"min": -1, "score": 80.5}, {"min": None, "score": 0}]
    assert data["indicators"][1]["scale"] == {"优": 95, "良": 85}


def test_match_values_take_the_units_types(tmp_path: Path) -> None:
    sheets = minimal(
        单位=[["代码", "类型", "属性:level"], ["U1", "行政单位", 2], ["U2", "事业单位", "2"]],
        权重调整=[["匹配条件", "指标", "权重"], ["level=2;类型=行政单位", "A", 3]],
    )
    data, _ = read_workbook(workbook(tmp_path / "m.xlsx", sheets))
    assert data["weight_overrides"] == [{"match": {"level": 2, "type": "admin"}, "weights": {"A": 3}}]


@pytest.mark.parametrize("content", ["code,name\nU1,甲局\n".encode(), b"", b"PK\x03\x04garbage" * 10])
def test_a_file_that_is_not_a_workbook(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(content)
    with pytest.raises(BundleError) as info:
        load_bundle(path)
    assert info.value.code == "malformed" and "fake.xlsx" in info.value.message


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "doc.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(BundleError, match="不是 Excel 工作簿"):
        read_workbook(path)


@pytest.mark.parametrize("written_by", ["write_workbook", "openpyxl"])
def test_a_damaged_workbook(tmp_path: Path, written_by: str) -> None:
    import zipfile

    if written_by == "write_workbook":  # no <dimension>: openpyxl parses the sheet on opening
        good, damaged, message = write_workbook(BUNDLE, tmp_path / "good.xlsx"), "sheet11", "无法读取"
    else:  # with <dimension>: the sheet is parsed while its rows are read
        good, damaged, message = workbook(tmp_path / "good.xlsx", minimal()), "sheet6", "工作表「评分」已损坏"
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            cut = info.filename == f"xl/worksheets/{damaged}.xml"
            dst.writestr(info, data[: len(data) * 2 // 3] if cut else data)
    with pytest.raises(BundleError, match=message) as info:
        read_workbook(bad)
    assert info.value.code == "malformed"


def test_oversized_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_workbook(BUNDLE, tmp_path / "big.xlsx")
    monkeypatch.setattr(excel, "MAX_UNCOMPRESSED_BYTES", 10_000)
    with pytest.raises(BundleError, match="解压后过大"):
        read_workbook(path)
    monkeypatch.setattr(excel, "MAX_BUNDLE_BYTES", 1000)
    with pytest.raises(BundleError, match="文件过大") as info:
        read_workbook(path)
    assert info.value.code == "too_large"


def test_cli_score_on_garbage_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    assert main(["score", str(path)]) == 1
    assert "不是有效的 Excel 工作簿" in capsys.readouterr().err
