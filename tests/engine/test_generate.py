"""The benchmark generator (bench/generate.py) makes valid, scorable, reproducible bundles."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from kaoping.engine.bundle import parse_bundle
from kaoping.engine.scoring import score

GENERATE = Path(__file__).resolve().parents[2] / "bench" / "generate.py"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kaoping_bench_generate", GENERATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("options", [
    {"units": 12, "scores": 3000, "seed": 1},
    {"units": 25, "raters": 30, "self_group": True, "history": 3, "seed": 2},
    {"units": 5, "raters": 4, "leaves": 7, "measured_share": 0.5, "anomalies": False, "seed": 3},
])
def test_small_campaigns_parse_and_score(gen: ModuleType, options: dict) -> None:
    doc = gen.generate(**options)
    # through JSON text, as `kaoping score` reads it
    bundle = parse_bundle(json.loads(gen.dumps(doc)))
    assert len(bundle.units) == options["units"]
    assert len(bundle.scores) == len(doc["scores"]) > 0
    results = score(bundle)
    assert len(results.units) == options["units"]
    assert sorted(r.rank for r in results.units)[0] == 1
    for r in results.units:
        assert 0 <= r.total <= 105
    groups = Counter(r["group"] for r in doc["raters"])
    assert set(groups) >= {"superior", "peer", "recipient", "third_party"}
    assert all(r.get("unit") for r in doc["raters"] if r["group"] == "peer")


def test_scores_target_is_approached(gen: ModuleType) -> None:
    doc = gen.generate(units=40, scores=20_000, seed=4)
    assert 18_000 <= len(doc["scores"]) <= 22_000
    raters = Counter(r["group"] for r in doc["raters"])
    assert raters["superior"] > raters["peer"] > raters["recipient"] > raters["third_party"]


def test_rich_features_present(gen: ModuleType) -> None:
    doc = gen.generate(units=60, scores=30_000, self_group=True, seed=5)
    leaves = list(gen._leaves(doc["indicators"]))
    assert any(leaf["source"] == "measure" for leaf in leaves)
    assert any("scale" in leaf for leaf in leaves)
    assert any(isinstance(s["value"], str) for s in doc["scores"])
    assert doc["conflicts"] and doc["adjustments"] and doc["vetoes"] and doc["history"]
    assert {g["code"]: g["weight"] for g in doc["groups"]}["self"] == 0
    kinds = {a.kind for a in score(parse_bundle(doc)).alerts}
    assert "avoidance" in kinds


def test_deterministic_for_a_seed(gen: ModuleType) -> None:
    a = gen.dumps(gen.generate(units=15, scores=4000, seed=42))
    b = gen.dumps(gen.generate(units=15, scores=4000, seed=42))
    c = gen.dumps(gen.generate(units=15, scores=4000, seed=43))
    assert a == b
    assert a != c


def test_cli_writes_file(gen: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    assert gen.main(["--units", "6", "--raters", "8", "--seed", "7", "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc == gen.generate(units=6, raters=8, seed=7)


def test_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:

    texts = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"b{hash_seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, str(GENERATE), "--units", "9", "--raters", "12", "--self-group",
                        "-o", str(out)], check=True, env=env, capture_output=True)
        texts.append(out.read_bytes())
    assert texts[0] == texts[1]
