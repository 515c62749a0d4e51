"""AHP weights and consistency (R2.5, CONTRACTS.md C3 ``kaoping ahp``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaoping.cli import main
from kaoping.engine import ahp
from kaoping.engine.ahp import analyse, format_table, from_document, parse_entry
from kaoping.engine.errors import AHPError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ahp"

# Saaty, "How to make a decision: the analytic hierarchy process", EJOR 48 (1990) 9-26,
# relative consumption of drinks in the United States.
DRINKS = ["coffee", "wine", "tea", "beer", "sodas", "milk", "water"]
DRINKS_MATRIX = [
    [1, 9, 5, 2, 1, 1, "1/2"],
    ["1/9", 1, "1/3", "1/9", "1/9", "1/9", "1/9"],
    ["1/5", 3, 1, "1/3", "1/4", "1/3", "1/9"],
    ["1/2", 9, 3, 1, "1/2", 1, "1/3"],
    [1, 9, 4, 2, 1, 2, "1/2"],
    [1, 9, 3, 1, "1/2", 1, "1/3"],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_WEIGHTS = {"coffee": 0.177, "wine": 0.019, "tea": 0.042, "beer": 0.116,
                  "sodas": 0.190, "milk": 0.129, "water": 0.327}


def consistent_matrix(weights: list[float]) -> list[list[float]]:
    return [[wi / wj for wj in weights] for wi in weights]


# --- published and hand-computed examples ---------------------------------------------


def test_saaty_drinks_example_gives_published_weights_and_cr() -> None:
    result = analyse(DRINKS, [DRINKS_MATRIX])
    for drink, expected in DRINKS_WEIGHTS.items():
        assert result.weights[drink] == pytest.approx(expected, abs=0.002)
    assert result.cr == pytest.approx(0.022, abs=0.002)
    assert result.consistent
    assert result.revision is None


def test_consistent_matrix_gives_exact_weights_and_zero_cr() -> None:
    result = analyse(["质量", "安全", "效率", "创新"], [[
        [1, 2, 4, 8], ["1/2", 1, 2, 4], ["1/4", "1/2", 1, 2], ["1/8", "1/4", "1/2", 1]]])
    assert list(result.weights.values()) == pytest.approx([8 / 15, 4 / 15, 2 / 15, 1 / 15],
                                                          rel=1e-12)
    assert result.lambda_max == pytest.approx(4, abs=1e-12)
    assert result.ci == pytest.approx(0, abs=1e-12)
    assert result.cr == pytest.approx(0, abs=1e-12)
    assert result.consistent


def test_two_by_two_has_zero_ci_and_cr() -> None:
    result = analyse(["A", "B"], [[[1, 5], ["1/5", 1]]])
    assert result.weights == pytest.approx({"A": 5 / 6, "B": 1 / 6})
    assert (result.ci, result.cr, result.consistent) == (0.0, 0.0, True)


def test_single_criterion_has_weight_one() -> None:
    result = analyse(["A"], [[[1]]])
    assert result.weights == {"A": 1.0}
    assert (result.ci, result.cr) == (0.0, 0.0)


@pytest.mark.parametrize(("text", "value"), [
    ("1/3", 1 / 3), ("3", 3.0), (" 1 / 9 ", 1 / 9), ("0.5", 0.5), ("1／7", 1 / 7), (4, 4.0), (0.25, 0.25),
])
def test_entries_are_numbers_or_fraction_strings(text: object, value: float) -> None:
    assert parse_entry(text) == pytest.approx(value, rel=1e-15)


def test_several_experts_are_combined_by_geometric_mean() -> None:
    # Hand computed: sqrt(2·8) = 4, sqrt(8·2) = 4, sqrt(1/2·2) = 1, so the combined matrix
    # is consistent with weights 4 : 1 : 1 although neither expert is.
    zhang = [[1, 2, 8], ["1/2", 1, "1/2"], ["1/8", 2, 1]]
    li = [[1, 8, 2], ["1/8", 1, 2], ["1/2", "1/2", 1]]
    result = from_document({"criteria": ["质量", "安全", "效率"], "experts": [
        {"name": "张三", "matrix": zhang}, {"name": "李四", "matrix": li}]})
    assert np.allclose(result.matrix, [[1, 4, 4], [1 / 4, 1, 1], [1 / 4, 1, 1]], rtol=1e-12)
    assert list(result.weights.values()) == pytest.approx([4 / 6, 1 / 6, 1 / 6], rel=1e-9)
    assert result.cr == pytest.approx(0, abs=1e-9)
    assert result.consistent and result.revision is None
    assert [e.name for e in result.experts] == ["张三", "李四"]
    for expert, matrix in zip(result.experts, [zhang, li], strict=True):
        alone = analyse(["质量", "安全", "效率"], [matrix])
        assert expert.cr == pytest.approx(alone.cr) and expert.cr > 0.1
        assert not expert.consistent
    data = result.to_dict()
    assert [e["name"] for e in data["experts"]] == ["张三", "李四"]
    assert data["experts"][1]["cr"] == pytest.approx(result.experts[1].cr)


def test_expert_names_default_to_numbered_experts() -> None:
    matrix = [[1, 3], ["1/3", 1]]
    result = analyse(["A", "B"], [matrix, matrix])
    assert [e.name for e in result.experts] == ["专家1", "专家2"]


# --- the public JSON and the table ------------------------------------------------------


def test_to_dict_has_the_five_contract_keys_first() -> None:
    data = analyse(DRINKS, [DRINKS_MATRIX]).to_dict()
    assert list(data) == ["weights", "lambda_max", "ci", "cr", "consistent"]
    assert list(data["weights"]) == DRINKS
    assert isinstance(data["consistent"], bool)
    json.dumps(data, allow_nan=False)


def test_table_shows_weights_consistency_and_verdict_in_chinese() -> None:
    text = format_table(analyse(DRINKS, [DRINKS_MATRIX]))
    assert "准则" in text and "权重" in text
    assert "water" in text and "0.32" in text
    assert "λmax" in text and "CI" in text and "CR = 0.022" in text
    assert "一致性：通过" in text


# --- revision hint ----------------------------------------------------------------------


PLANTED = [[1, 2, 4, "1/8"], ["1/2", 1, 2, 4], ["1/4", "1/2", 1, 2], [8, "1/4", "1/2", 1]]


def test_inconsistent_matrix_hint_points_at_the_planted_judgement() -> None:
    # Consistent with weights 8:4:2:1 except matrix[0][3], reversed from 8 to 1/8.
    result = analyse(["质量", "安全", "效率", "创新"], [PLANTED])
    assert not result.consistent and result.cr >= 0.1
    assert result.revision is not None
    assert (result.revision.i, result.revision.j) == (0, 3)
    assert result.revision.location == "matrix[0][3]"
    assert (result.revision.row, result.revision.column) == ("质量", "创新")
    assert result.revision.current == pytest.approx(1 / 8)
    # The value restoring consistency, not the rounded (dragged) ratio w0/w3 ≈ 0.5.
    assert result.revision.suggested == 8
    assert result.revision.cr_after == pytest.approx(0, abs=1e-9)
    data = result.to_dict()
    assert data["consistent"] is False
    assert data["revision"]["location"] == "matrix[0][3]"
    text = format_table(result)
    assert "未通过" in text and "修正建议" in text and "matrix[0][3]" in text


def test_inconsistent_expert_gets_own_hint_naming_the_expert_matrix() -> None:
    good = [[1, 2, 4, 8], ["1/2", 1, 2, 4], ["1/4", "1/2", 1, 2], ["1/8", "1/4", "1/2", 1]]
    result = analyse(["A", "B", "C", "D"], [good, PLANTED], names=["王", "赵"])
    assert result.experts[0].revision is None
    hint = result.experts[1].revision
    assert hint is not None and hint.location == "experts[1].matrix[0][3]"
    assert "赵" in format_table(result)


def test_suggested_value_is_never_the_current_judgement() -> None:
    result = analyse(["A", "B", "C", "D"], [PLANTED])
    assert result.revision is not None
    assert result.revision.suggested != pytest.approx(result.revision.current)


# --- rejections name the entry -----------------------------------------------------------


def reject(criteria: object, matrix: object) -> AHPError:
    with pytest.raises(AHPError) as info:
        from_document({"criteria": criteria, "matrix": matrix})
    return info.value


def test_non_square_matrix_is_rejected_naming_the_row() -> None:
    error = reject(["A", "B"], [[1, 2], ["1/2", 1, 3]])
    assert (error.code, error.location) == ("not_square", "matrix[1]")
    assert "方阵" in str(error)


def test_matrix_size_must_match_criteria() -> None:
    error = reject(["A", "B", "C"], [[1, 2], ["1/2", 1]])
    assert (error.code, error.location) == ("size_mismatch", "matrix")


@pytest.mark.parametrize(("value", "code"), [
    (0, "not_positive"), (-3, "not_positive"), ("-1/3", "not_positive"),
    (float("nan"), "not_finite"), (float("inf"), "not_finite"), ("1e400", "not_finite"),
    ("abc", "bad_entry"), ("1/0", "bad_entry"), (None, "bad_entry"), (True, "bad_entry"),
])
def test_bad_entries_are_rejected_naming_the_entry(value: object, code: str) -> None:
    error = reject(["A", "B", "C"], [[1, 2, 3], ["1/2", 1, value], ["1/3", 1, 1]])
    assert (error.code, error.location) == (code, "matrix[1][2]")
    assert str(error).startswith("matrix[1][2]: ")


def test_non_reciprocal_matrix_is_rejected_naming_both_entries() -> None:
    error = reject(["A", "B", "C"], [[1, 3, 5], [0.33, 1, 2], ["1/5", "1/2", 1]])
    assert (error.code, error.location) == ("not_reciprocal", "matrix[0][1]")
    assert "matrix[1][0]" in error.message and "1/3" in error.message


def test_diagonal_must_be_one() -> None:
    error = reject(["A", "B"], [[1, 2], ["1/2", 2]])
    assert (error.code, error.location) == ("not_reciprocal", "matrix[1][1]")


def test_duplicate_criteria_are_rejected() -> None:
    error = reject(["质量", "安全", "质量"], [[1, 1, 1]] * 3)
    assert (error.code, error.location) == ("duplicate_criterion", "criteria[2]")
    assert "质量" in error.message


@pytest.mark.parametrize(("criteria", "matrix", "code", "location"), [
    ([], [], "empty", "criteria"),
    (["A"], [], "empty", "matrix"),
    (["A", ""], [[1, 1], [1, 1]], "bad_document", "criteria[1]"),
    ("AB", [[1, 1], [1, 1]], "bad_document", "criteria"),
    (["A", "B"], "1,2", "bad_document", "matrix"),
])
def test_empty_or_malformed_input_is_rejected(criteria: object, matrix: object, code: str,
                                              location: str) -> None:
    error = reject(criteria, matrix)
    assert (error.code, error.location) == (code, location)


def test_more_than_ten_criteria_are_rejected() -> None:
    names = [f"C{k}" for k in range(11)]
    error = reject(names, consistent_matrix([1.0] * 11))
    assert (error.code, error.location) == ("too_many_criteria", "criteria")


def test_expert_errors_name_the_expert_and_the_entry() -> None:
    with pytest.raises(AHPError) as info:
        from_document({"criteria": ["A", "B"], "experts": [
            {"name": "专家1", "matrix": [[1, 2], ["1/2", 1]]},
            {"name": "李四", "matrix": [[1, 2], [2, 1]]},
        ]})
    assert info.value.location == "experts[1].matrix[0][1]"
    assert "李四" in info.value.message


def test_duplicate_expert_names_are_rejected() -> None:
    matrix = [[1, 2], ["1/2", 1]]
    with pytest.raises(AHPError) as info:
        analyse(["A", "B"], [matrix, matrix], names=["张三", "张三"])
    assert (info.value.code, info.value.location) == ("duplicate_expert", "experts[1].name")


@pytest.mark.parametrize("document", [
    [], {"matrix": [[1]]}, {"criteria": ["A"]},
    {"criteria": ["A"], "matrix": [[1]], "experts": []},
    {"criteria": ["A"], "experts": []}, {"criteria": ["A"], "experts": [{"name": "x"}]},
])
def test_malformed_documents_are_rejected(document: object) -> None:
    with pytest.raises(AHPError):
        from_document(document)


# --- the command line --------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_examples_run_through_kaoping_ahp(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ahp", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"weights", "lambda_max", "ci", "cr", "consistent"} <= set(data)
    assert sum(data["weights"].values()) == pytest.approx(1)
    assert main(["ahp", str(path)]) == 0
    assert "一致性" in capsys.readouterr().out


def test_cli_names_the_bad_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"criteria": ["A", "B"], "matrix": [[1, 0], [1, 1]]}),
                    encoding="utf-8")
    assert main(["ahp", str(path)]) == 1
    assert "matrix[0][1]" in capsys.readouterr().err


# --- properties ---------------------------------------------------------------------------


@st.composite
def reciprocal_matrices(draw: st.DrawFn) -> list[list[float]]:
    n = draw(st.integers(min_value=1, max_value=10))
    a = [[1.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            a[i][j] = draw(st.sampled_from(ahp.SAATY_SCALE))
            a[j][i] = 1 / a[i][j]
    return a


@settings(max_examples=200, deadline=None)
@given(reciprocal_matrices())
def test_weights_are_positive_and_sum_to_one(matrix: list[list[float]]) -> None:
    n = len(matrix)
    result = analyse([f"C{k}" for k in range(n)], [matrix])
    weights = list(result.weights.values())
    assert all(w > 0 for w in weights)
    assert math.fsum(weights) == pytest.approx(1, abs=1e-12)
    assert result.lambda_max >= n - 1e-9
    assert result.ci >= 0 and result.cr >= 0
    assert result.consistent == (result.cr < 0.1)
    assert (result.revision is None) == result.consistent


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0.05, max_value=1), min_size=1, max_size=10))
def test_consistent_matrix_gives_back_its_weight_vector(raw: list[float]) -> None:
    expected = [w / math.fsum(raw) for w in raw]
    result = analyse([f"C{k}" for k in range(len(raw))], [consistent_matrix(raw)])
    assert list(result.weights.values()) == pytest.approx(expected, rel=1e-9)
    assert result.cr == pytest.approx(0, abs=1e-9)
    assert result.consistent


@settings(max_examples=100, deadline=None)
@given(st.lists(reciprocal_matrices(), min_size=2, max_size=4))
def test_geometric_mean_of_reciprocal_matrices_is_reciprocal(matrices: list[list[list[float]]]) -> None:
    n = len(matrices[0])
    same_size = [m for m in matrices if len(m) == n]
    combined = ahp.geometric_mean([np.array(m) for m in same_size])
    assert np.allclose(combined * combined.T, 1, rtol=1e-12)
    result = analyse([f"C{k}" for k in range(n)], same_size,
                     names=[f"E{k}" for k in range(len(same_size))])
    assert np.allclose(result.matrix, combined, rtol=1e-12)
    assert len(result.experts) == len(same_size)
