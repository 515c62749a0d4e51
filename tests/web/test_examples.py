"""The sample bundles in examples/: valid, policy-compliant, varied, reproducible."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from kaoping.engine.bundle import load_bundle
from kaoping.engine.scoring import score
from kaoping.engine.tree import policy_check

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BUNDLES = ["mutual-2026Q3.json", "appraisal-2026.json", "efficiency-2026-10.json"]


@pytest.mark.parametrize("name", BUNDLES)
def test_each_sample_scores_with_varied_grades(name: str) -> None:
    path = EXAMPLES / name
    assert path.stat().st_size < 3 * 1024 * 1024
    results = score(load_bundle(path))
    grades = Counter(u.grade for u in results.units)
    assert len(grades) >= 3, grades
    assert all(0 <= u.total <= 105 for u in results.units)


@pytest.mark.parametrize("name", BUNDLES)
def test_each_sample_meets_its_weight_policy(name: str) -> None:
    for share in policy_check(load_bundle(EXAMPLES / name)):
        assert share.violations == (), (share.unit_type, share.violations)


def test_the_mutual_sample_tells_its_story() -> None:
    bundle = load_bundle(EXAMPLES / "mutual-2026Q3.json")
    results = score(bundle)
    kinds = Counter(a.kind for a in results.alerts)
    assert {"avoidance", "missing_data", "fluctuation", "low_streak"} <= set(kinds)
    assert len(bundle.units) == 30 and len(bundle.raters) >= 100
    assert {g.code: g.weight for g in bundle.groups} == {
        "superior": 40, "peer": 30, "recipient": 20, "third_party": 10, "self": 0}
    last = results.units[-1]
    assert last.vetoed and last.unit == "U28"
    assert results.units[0].bonus == 3  # 2 + 1.5 capped at 3


def test_the_appraisal_weights_come_from_the_ahp_matrices() -> None:
    from kaoping.engine import ahp

    doc = json.loads((EXAMPLES / "appraisal-ahp.json").read_text(encoding="utf-8"))
    result = ahp.from_document(doc).to_dict()
    assert result["consistent"]
    bundle = json.loads((EXAMPLES / "appraisal-2026.json").read_text(encoding="utf-8"))
    weights = {n["name"]: n["weight"] for n in bundle["indicators"]}
    for name, w in result["weights"].items():
        assert weights[name] == pytest.approx(w * 100, abs=0.051)


def test_units_shared_by_samples_agree() -> None:
    register: dict[str, dict[str, str]] = {}
    for name in BUNDLES:
        for unit in json.loads((EXAMPLES / name).read_text(encoding="utf-8"))["units"]:
            assert register.setdefault(unit["code"], unit) == unit, (name, unit)


def test_the_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(EXAMPLES / "generate_examples.py"), "-o", str(tmp_path)],
                   check=True, capture_output=True)
    for name in [*BUNDLES, "appraisal-ahp.json"]:
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), name
