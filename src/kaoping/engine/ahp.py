"""Analytic Hierarchy Process (层次分析法): weights from pairwise comparison matrices.

Experts compare the criteria of one node two by two on Saaty's 1-9 scale; this module
turns their judgement matrices into weights and tells whether the judgements are
consistent enough to be trusted (R2.5, CONTRACTS.md C3 ``kaoping ahp``).

- Weights: the principal (Perron) eigenvector of the matrix, normalised to sum 1.
- Consistency: CI = (λmax − n)/(n − 1) (0 for n ≤ 2), CR = CI/RI with Saaty's random
  index RI; the judgements pass when CR < 0.1.
- Several experts: the element-wise geometric mean of their matrices (the only mean
  that keeps the combined matrix reciprocal); each expert's own CR is reported too.
- Inconsistent matrices get a revision hint: the judgement a_ij that departs most from
  the weights, measured by |ln(a_ij · w_j / w_i)| (the perturbation e_ij = a_ij w_j / w_i
  of Saaty's consistency analysis), and the value on Saaty's 1-9 scale that, put in its
  place (with its reciprocal in a_ji), gives the smallest CR. Choosing the value this way
  rather than rounding w_i / w_j matters: one badly wrong judgement drags the weights
  towards itself, so w_i / w_j understates the correction.

More than 10 criteria are rejected: Saaty's RI is only published consistently up to
n = 10 and more than about nine criteria cannot be compared reliably by people anyway;
such a node should be split into groups compared separately.

Examples
--------
>>> r = analyse(["质量", "安全"], [[[1, 3], ["1/3", 1]]])
>>> {c: round(w, 6) for c, w in r.weights.items()}
{'质量': 0.75, '安全': 0.25}
>>> r.cr, r.consistent
(0.0, True)
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import AHPError

__all__ = [
    "AHPResult",
    "CR_THRESHOLD",
    "RANDOM_INDEX",
    "RECIPROCAL_TOLERANCE",
    "Revision",
    "SAATY_SCALE",
    "analyse",
    "consistency",
    "format_judgement",
    "format_table",
    "from_document",
    "geometric_mean",
    "parse_entry",
    "principal_eigenvector",
    "random_index",
]

Matrix = npt.NDArray[np.float64]

#: Saaty's random consistency index RI for n = 1..10 (index 0 is n = 1).
RANDOM_INDEX: tuple[float, ...] = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)

#: Judgements pass when CR is strictly below this.
CR_THRESHOLD = 0.1

#: Largest accepted |a_ij · a_ji − 1|: lets ``3`` and ``"1/3"`` pass, rejects ``0.33``.
RECIPROCAL_TOLERANCE = 1e-6

#: Saaty's fundamental scale: 1/9 .. 1/2, 1, 2 .. 9.
SAATY_SCALE: tuple[float, ...] = (
    *(1 / k for k in range(9, 1, -1)), *(float(k) for k in range(1, 10)))


@dataclass(frozen=True, slots=True)
class Revision:
    """The judgement to reconsider first in an inconsistent matrix.

    ``i < j`` index the upper triangle (row criterion ``row`` compared with column
    criterion ``column``); ``cr_after`` is the CR once ``suggested`` replaces ``current``
    (and its reciprocal replaces a_ji), so the person sees whether one change is enough.
    """

    i: int
    j: int
    row: str
    column: str
    location: str
    current: float
    suggested: float
    cr_after: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "i": self.i,
            "j": self.j,
            "location": self.location,
            "current": self.current,
            "suggested": self.suggested,
            "suggested_text": format_judgement(self.suggested),
            "cr_after": self.cr_after,
        }


@dataclass(frozen=True, slots=True)
class AHPResult:
    """Weights and consistency of one matrix, or of several experts combined.

    For several experts ``matrix`` is their geometric mean and ``experts`` holds one
    result per expert (each with its own ``name``, CR and revision hint).
    """

    criteria: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]
    weights: dict[str, float]
    lambda_max: float
    ci: float
    cr: float
    consistent: bool
    revision: Revision | None = None
    name: str | None = None
    experts: tuple[AHPResult, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The C3 JSON: five contract keys, then ``revision`` and ``experts`` when present.

        Examples
        --------
        >>> analyse(["A", "B"], [[[1, 1], [1, 1]]]).to_dict()
        {'weights': {'A': 0.5, 'B': 0.5}, 'lambda_max': 2.0, 'ci': 0.0, 'cr': 0.0, 'consistent': True}
        """
        data: dict[str, Any] = {
            "weights": dict(self.weights),
            "lambda_max": self.lambda_max,
            "ci": self.ci,
            "cr": self.cr,
            "consistent": self.consistent,
        }
        if self.revision is not None:
            data["revision"] = self.revision.to_dict()
        if self.experts:
            data["experts"] = [{"name": e.name, **e.to_dict()} for e in self.experts]
        return data


# --- parsing -----------------------------------------------------------------------


def parse_entry(value: object, location: str = "matrix") -> float:
    """One judgement as a float: a number, or a string such as ``"3"``, ``"1/3"``, ``"0.5"``.

    Fractions are written as strings because JSON has no fractions and ``0.333`` is not
    the reciprocal of ``3``.

    Examples
    --------
    >>> parse_entry("1/3") == 1 / 3, parse_entry(" 5 "), parse_entry(2)
    (True, 5.0, 2.0)
    >>> parse_entry("abc", "matrix[0][1]")
    Traceback (most recent call last):
    ...
    kaoping.engine.errors.AHPError: matrix[0][1]: 无法识别的判断值 'abc'：应为数字或分数（如 "1/3"）
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise AHPError(f"无法识别的判断值 {value!r}：应为数字或分数（如 \"1/3\"）",
                       code="bad_entry", location=location)
    try:
        if isinstance(value, str):
            number = float(Fraction(value.strip().replace(" ", "").replace("／", "/")))
        else:
            number = float(value)
    except OverflowError:
        number = math.inf
    except (ValueError, ZeroDivisionError):
        raise AHPError(f"无法识别的判断值 {value!r}：应为数字或分数（如 \"1/3\"）",
                       code="bad_entry", location=location) from None
    if not math.isfinite(number):
        raise AHPError(f"判断值 {value!r} 不是有限的数", code="not_finite", location=location)
    if number <= 0:
        raise AHPError(f"判断值 {value!r} 必须为正数", code="not_positive", location=location)
    return number


def _check_criteria(criteria: Sequence[str]) -> tuple[str, ...]:
    if isinstance(criteria, str) or not isinstance(criteria, Sequence):
        raise AHPError("准则应为名称列表", code="bad_document", location="criteria")
    if not criteria:
        raise AHPError("准则列表为空", code="empty", location="criteria")
    seen: set[str] = set()
    for k, name in enumerate(criteria):
        if not isinstance(name, str) or not name.strip():
            raise AHPError(f"准则名称应为非空字符串，实为 {name!r}",
                           code="bad_document", location=f"criteria[{k}]")
        if name in seen:
            raise AHPError(f"准则“{name}”重复", code="duplicate_criterion",
                           location=f"criteria[{k}]")
        seen.add(name)
    if len(criteria) > len(RANDOM_INDEX):
        raise AHPError(
            f"准则有 {len(criteria)} 个，最多 {len(RANDOM_INDEX)} 个（Saaty 随机一致性指标 RI "
            "只到 n = 10）；请把准则分组、分层比较",
            code="too_many_criteria", location="criteria")
    return tuple(criteria)


def _parse_matrix(raw: object, criteria: tuple[str, ...], path: str, who: str) -> Matrix:
    """Check one judgement matrix against the criteria and return it as floats.

    ``path`` is the JSON path of the matrix (``matrix``, ``experts[1].matrix``) and
    ``who`` a prefix naming the expert, so every error names the exact entry.
    """
    n = len(criteria)

    def fail(message: str, code: str, location: str) -> AHPError:
        return AHPError(who + message, code=code, location=location)

    if isinstance(raw, str) or not isinstance(raw, Sequence):
        raise fail("判断矩阵应为二维数组（行的列表）", "bad_document", path)
    if len(raw) == 0:
        raise fail("判断矩阵为空", "empty", path)
    rows = len(raw)
    for i, row in enumerate(raw):
        if isinstance(row, str) or not isinstance(row, Sequence):
            raise fail(f"第 {i + 1} 行应为数组", "bad_document", f"{path}[{i}]")
        if len(row) != rows:
            raise fail(f"第 {i + 1} 行有 {len(row)} 个元素，而矩阵有 {rows} 行：判断矩阵必须是方阵",
                       "not_square", f"{path}[{i}]")
    if rows != n:
        raise fail(f"判断矩阵为 {rows}×{rows}，但准则有 {n} 个", "size_mismatch", path)

    a = np.array([[_parse_named(raw[i][j], f"{path}[{i}][{j}]", who) for j in range(n)]
                  for i in range(n)], dtype=np.float64).reshape(n, n)

    for i in range(n):
        if abs(a[i, i] - 1) > RECIPROCAL_TOLERANCE:
            raise fail(f"对角线元素应为 1（“{criteria[i]}”与自身同等重要），实为 "
                       f"{format_judgement(a[i, i])}", "not_reciprocal", f"{path}[{i}][{i}]")
        for j in range(i + 1, n):
            if abs(a[i, j] * a[j, i] - 1) > RECIPROCAL_TOLERANCE:
                raise fail(
                    f"“{criteria[i]}”相对“{criteria[j]}”为 {format_judgement(a[i, j])}，"
                    f"而 {path}[{j}][{i}] 为 {format_judgement(a[j, i])}：两者应互为倒数"
                    f"（应为 {format_judgement(1 / a[i, j])}；分数请写成字符串，如 \"1/3\"）",
                    "not_reciprocal", f"{path}[{i}][{j}]")
    return a


def _parse_named(value: object, location: str, who: str) -> float:
    """:func:`parse_entry`, with the expert's name (``who``) in front of any message."""
    try:
        return parse_entry(value, location)
    except AHPError as exc:
        if not who:
            raise
        raise AHPError(who + exc.message, code=exc.code, location=location) from None


# --- computation -------------------------------------------------------------------


def principal_eigenvector(a: Matrix) -> tuple[Matrix, float]:
    """The Perron eigenvector of a positive matrix, normalised to sum 1, and λmax.

    Saaty's weights: for a consistent matrix a_ij = w_i / w_j it returns w exactly,
    and for a positive matrix it is the only eigenvector with all entries positive.

    Examples
    --------
    >>> w, lam = principal_eigenvector(np.array([[1.0, 2.0], [0.5, 1.0]]))
    >>> [round(float(x), 6) for x in w], round(lam, 6)
    ([0.666667, 0.333333], 2.0)
    """
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    vector = vectors[:, k].real
    weights = np.abs(vector / vector.sum())
    return weights / weights.sum(), float(values[k].real)


def random_index(n: int) -> float:
    """Saaty's random index RI for an n×n matrix (n = 1..10).

    Examples
    --------
    >>> random_index(4)
    0.9
    """
    if not 1 <= n <= len(RANDOM_INDEX):
        raise AHPError(f"随机一致性指标 RI 只对 n = 1..{len(RANDOM_INDEX)} 有定义，n = {n}",
                       code="too_many_criteria")
    return RANDOM_INDEX[n - 1]


def consistency(lambda_max: float, n: int) -> tuple[float, float]:
    """CI and CR for λmax of an n×n matrix.

    CI is clamped at 0: λmax ≥ n holds for every positive reciprocal matrix, so a
    value just below n is round-off, not a negative inconsistency.

    Examples
    --------
    >>> ci, cr = consistency(3.0536, 3)
    >>> round(ci, 4), round(cr, 4)
    (0.0268, 0.0462)
    """
    ci = 0.0 if n <= 2 else max(0.0, (lambda_max - n) / (n - 1))
    ri = random_index(n)
    cr = ci / ri if ri > 0 else 0.0
    return ci, cr


def geometric_mean(matrices: Sequence[Matrix]) -> Matrix:
    """Element-wise geometric mean: combines experts and keeps the matrix reciprocal.

    Examples
    --------
    >>> geometric_mean([np.array([[1.0, 2.0], [0.5, 1.0]]), np.array([[1.0, 8.0], [0.125, 1.0]])])
    array([[1.  , 4.  ],
           [0.25, 1.  ]])
    """
    logs = np.mean([np.log(m) for m in matrices], axis=0)
    return np.asarray(np.exp(logs), dtype=np.float64)


def _revision(a: Matrix, w: Matrix, criteria: tuple[str, ...], path: str) -> Revision:
    """The judgement with the largest |ln(a_ij · w_j / w_i)| and the scale value to use.

    The suggested value is the Saaty scale value, other than the current one, giving the
    smallest CR; ties go to the value nearest w_i / w_j.
    """
    n = len(criteria)
    best = (0, 1)
    worst = -1.0
    for i in range(n):
        for j in range(i + 1, n):
            error = abs(math.log(a[i, j] * w[j] / w[i]))
            if error > worst:
                best, worst = (i, j), error
    i, j = best
    current = float(a[i, j])
    ratio = float(w[i] / w[j])
    candidates = []
    for value in SAATY_SCALE:
        if math.isclose(value, current, rel_tol=1e-9):
            continue
        revised = a.copy()
        revised[i, j], revised[j, i] = value, 1 / value
        cr_after = consistency(principal_eigenvector(revised)[1], n)[1]
        candidates.append((cr_after, abs(math.log(value / ratio)), value))
    cr_after, _, suggested = min(candidates)
    return Revision(i=i, j=j, row=criteria[i], column=criteria[j],
                    location=f"{path}[{i}][{j}]", current=current, suggested=suggested,
                    cr_after=cr_after)


def _evaluate(a: Matrix, criteria: tuple[str, ...], path: str, name: str | None,
              experts: tuple[AHPResult, ...] = ()) -> AHPResult:
    n = len(criteria)
    w, lam = principal_eigenvector(a)
    if not (np.all(w > 0) and np.all(np.isfinite(w)) and math.isfinite(lam)):
        # Only judgements many orders of magnitude apart (say 1e200) get here.
        raise AHPError("判断值相差过于悬殊，无法计算权重；请使用 1–9 标度",
                       code="not_computable", location=path)
    ci, cr = consistency(lam, n)
    consistent = cr < CR_THRESHOLD
    return AHPResult(
        criteria=criteria,
        matrix=tuple(tuple(float(x) for x in row) for row in a),
        weights={c: float(x) for c, x in zip(criteria, w, strict=True)},
        lambda_max=lam,
        ci=ci,
        cr=cr,
        consistent=consistent,
        revision=None if consistent else _revision(a, w, criteria, path),
        name=name,
        experts=experts,
    )


def analyse(criteria: Sequence[str], matrices: Sequence[Sequence[Sequence[object]]],
            names: Sequence[str] | None = None) -> AHPResult:
    """Weights, λmax, CI, CR of one matrix or of several experts' matrices combined.

    The entry point for the web app. With one matrix and no ``names`` errors are located
    as ``matrix[i][j]``; otherwise as ``experts[k].matrix[i][j]`` with the expert's name
    (default 专家1, 专家2 ...) in the message, and each expert gets a result of its own.

    Parameters
    ----------
    criteria : sequence of str
        Names of the compared criteria, in the order of the rows.
    matrices : sequence of matrices
        One n×n judgement matrix per expert; entries are numbers or strings like "1/3".
    names : sequence of str, optional
        The experts' names, one per matrix.

    Returns
    -------
    AHPResult

    Raises
    ------
    AHPError
        The criteria or a matrix are unusable; the error names the entry.

    Examples
    --------
    >>> r = analyse(["质量", "安全", "效率"],
    ...             [[[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]],
    ...              [[1, 8, 4], ["1/8", 1, "1/2"], ["1/4", 2, 1]]], names=["张", "李"])
    >>> round(r.matrix[0][1], 6), [e.name for e in r.experts]
    (4.0, ['张', '李'])
    >>> round(r.cr, 4), r.consistent
    (0.0, True)
    """
    crit = _check_criteria(criteria)
    if isinstance(matrices, str) or not isinstance(matrices, Sequence) or not matrices:
        raise AHPError("没有判断矩阵", code="empty", location="experts")
    single = names is None and len(matrices) == 1
    if single:
        return _evaluate(_parse_matrix(matrices[0], crit, "matrix", ""), crit, "matrix", None)

    labels = list(names) if names is not None else [f"专家{k + 1}" for k in range(len(matrices))]
    if len(labels) != len(matrices):
        raise AHPError(f"专家姓名有 {len(labels)} 个，判断矩阵有 {len(matrices)} 个",
                       code="size_mismatch", location="experts")
    for k, label in enumerate(labels):
        if labels.index(label) != k:
            raise AHPError(f"专家“{label}”重复", code="duplicate_expert",
                           location=f"experts[{k}].name")
    parsed = [_parse_matrix(m, crit, f"experts[{k}].matrix", f"专家“{labels[k]}”：")
              for k, m in enumerate(matrices)]
    experts = tuple(_evaluate(a, crit, f"experts[{k}].matrix", labels[k])
                    for k, a in enumerate(parsed))
    # A hint on the combined matrix concerns the same entry in every expert's matrix.
    return _evaluate(geometric_mean(parsed), crit, "experts[*].matrix", None, experts)


def from_document(data: object) -> AHPResult:
    """Analyse a C3 document: ``{"criteria", "matrix"}`` or ``{"criteria", "experts"}``.

    Examples
    --------
    >>> doc = {"criteria": ["A", "B"], "experts": [{"name": "专家1", "matrix": [[1, 3], ["1/3", 1]]}]}
    >>> w = from_document(doc).to_dict()["experts"][0]["weights"]
    >>> {c: round(x, 6) for c, x in w.items()}
    {'A': 0.75, 'B': 0.25}
    >>> from_document({"criteria": ["A", "B"]})
    Traceback (most recent call last):
    ...
    kaoping.engine.errors.AHPError: 需要 "matrix"（一个判断矩阵）或 "experts"（多位专家）之一
    """
    if not isinstance(data, Mapping):
        raise AHPError("文档应为 JSON 对象：{\"criteria\": [...], \"matrix\": [[...]]}",
                       code="bad_document")
    if "criteria" not in data:
        raise AHPError("缺少 \"criteria\"（准则名称列表）", code="bad_document", location="criteria")
    criteria = data["criteria"]
    if ("matrix" in data) == ("experts" in data):
        raise AHPError("需要 \"matrix\"（一个判断矩阵）或 \"experts\"（多位专家）之一",
                       code="bad_document")
    if "matrix" in data:
        return analyse(criteria, [data["matrix"]])

    experts = data["experts"]
    if isinstance(experts, str) or not isinstance(experts, Sequence) or not experts:
        raise AHPError("\"experts\" 应为非空数组", code="empty", location="experts")
    names: list[str] = []
    matrices: list[Any] = []
    for k, expert in enumerate(experts):
        if not isinstance(expert, Mapping) or "matrix" not in expert:
            raise AHPError("每位专家应为 {\"name\": ..., \"matrix\": [[...]]}",
                           code="bad_document", location=f"experts[{k}]")
        name = expert.get("name", f"专家{k + 1}")
        if not isinstance(name, str) or not name.strip():
            raise AHPError(f"专家姓名应为非空字符串，实为 {name!r}", code="bad_document",
                           location=f"experts[{k}].name")
        names.append(name)
        matrices.append(expert["matrix"])
    return analyse(criteria, matrices, names=names)


# --- presentation ------------------------------------------------------------------


def format_judgement(value: float) -> str:
    """A judgement as people write it: ``5``, ``1/3``, or a decimal for mean values.

    Examples
    --------
    >>> format_judgement(5.0), format_judgement(1 / 3), format_judgement(2.0800838)
    ('5', '1/3', '2.08')
    """
    for k in range(1, 10):
        if math.isclose(value, k, rel_tol=1e-6):
            return str(k)
        if math.isclose(value, 1 / k, rel_tol=1e-6):
            return f"1/{k}"
    return f"{value:.3g}"


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _revision_line(revision: Revision) -> str:
    return (f"修正建议：“{revision.row}”相对“{revision.column}”的判断（{revision.location}）"
            f"偏离最大，现为 {format_judgement(revision.current)}，建议改为 "
            f"{format_judgement(revision.suggested)}（修正后 CR = {revision.cr_after:.4f}）")


def format_table(result: AHPResult) -> str:
    """The result as a table for people (准则、权重、λmax、CI、CR、一致性、修正建议).

    Examples
    --------
    >>> print(format_table(analyse(["质量", "安全"], [[[1, 3], ["1/3", 1]]])))
    准则  权重
    质量  0.7500
    安全  0.2500
    <BLANKLINE>
    λmax = 2.0000  CI = 0.0000  CR = 0.0000  一致性：通过
    """
    width = max(_width("准则"), *(_width(c) for c in result.criteria)) + 2
    lines = [_pad("准则", width) + "权重"]
    lines += [_pad(c, width) + f"{w:.4f}" for c, w in result.weights.items()]
    lines.append("")
    if result.experts:
        lines.append(f"（{len(result.experts)} 位专家的判断矩阵按几何平均合成）")
    verdict = "通过" if result.consistent else "未通过（CR ≥ 0.1，请修正判断矩阵）"
    lines.append(f"λmax = {result.lambda_max:.4f}  CI = {result.ci:.4f}  "
                 f"CR = {result.cr:.4f}  一致性：{verdict}")
    if result.revision is not None:
        lines.append(_revision_line(result.revision))
    if result.experts:
        names = [e.name or "" for e in result.experts]
        w = max(_width("专家"), *(_width(x) for x in names)) + 2
        lines += ["", _pad("专家", w) + "λmax     CI       CR       一致性"]
        for name, e in zip(names, result.experts, strict=True):
            lines.append(_pad(name, w) + f"{e.lambda_max:<9.4f}{e.ci:<9.4f}{e.cr:<9.4f}"
                         + ("通过" if e.consistent else "未通过"))
        for name, e in zip(names, result.experts, strict=True):
            if e.revision is not None:
                lines.append(f"{name} {_revision_line(e.revision)}")
    return "\n".join(lines)
