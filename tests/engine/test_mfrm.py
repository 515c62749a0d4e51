"""Rater-effect adjustment (issue 6): the second view beside the official score."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaoping.engine.bundle import parse_bundle
from kaoping.engine.mfrm import adjust, fit
from kaoping.engine.scoring import collect, score

from .test_integrity import campaign


def adjusted(bundle: dict[str, Any]) -> Any:
    b = parse_bundle(bundle)
    ctx, _ = collect(b)
    return adjust(b, ctx)


def test_a_unit_scored_only_by_lenient_raters_gets_its_score_corrected() -> None:
    bundle = {
        "format": "kaoping-bundle/1", "campaign": {"code": "C"}, "groups": [{"code": "g"}],
        "units": [{"code": "U1"}, {"code": "U2"}], "indicators": [{"code": "A"}],
        "raters": [{"code": c, "group": "g"} for c in ("R1", "R2", "R3")],
        "scores": [
            {"rater": "R1", "unit": "U1", "indicator": "A", "value": 90},
            {"rater": "R2", "unit": "U1", "indicator": "A", "value": 80},
            {"rater": "R1", "unit": "U2", "indicator": "A", "value": 80},
            {"rater": "R2", "unit": "U2", "indicator": "A", "value": 70},
            {"rater": "R3", "unit": "U2", "indicator": "A", "value": 60},
        ],
    }
    adj = adjusted(bundle)
    assert [(u.unit, u.official, round(u.adjusted, 6), round(u.shift, 6)) for u in adj.units] == [
        ("U1", 85.0, 80.0, -5.0), ("U2", 70.0, 70.0, 0.0)]
    assert [(r.rater, round(r.severity, 6), r.count) for r in adj.raters] == [
        ("R1", -10.0, 2), ("R2", 0.0, 2), ("R3", 10.0, 1)]
    assert adj.mu == pytest.approx(75.0) and adj.converged
    assert [u.measure for u in adj.units] == pytest.approx([80.0, 70.0])
    assert adj.residual_sd == pytest.approx(0.0, abs=1e-5)


def test_the_official_total_in_the_view_is_the_c2_total_and_c2_is_unchanged() -> None:
    bundle = campaign(21, units=12, outsiders=6)
    bundle["adjustments"] = [{"unit": "U01", "points": 3}, {"unit": "U02", "points": -2}]
    bundle["scoring"] = {"bonus_cap": 2}
    b = parse_bundle(bundle)
    before = score(b).to_dict()
    ctx, _ = collect(b)
    adj = adjust(b, ctx)
    assert score(b).to_dict() == before
    totals = {u["unit"]: u["total"] for u in before["units"]}
    assert {u.unit: u.official for u in adj.units} == pytest.approx(totals, abs=1e-9)


def test_a_lenient_rater_has_a_negative_severity_of_about_the_planted_size() -> None:
    adj = adjusted(campaign(22, lenient=("X04", -12)))
    severity = {r.rater: r.severity for r in adj.raters}
    assert severity["X04"] == pytest.approx(12.0, abs=2.5)  # severe: positive
    adj = adjusted(campaign(22, lenient=("X04", 12)))
    severity = {r.rater: r.severity for r in adj.raters}
    assert severity["X04"] == pytest.approx(-12.0, abs=3.0)  # lenient, clipped at 100
    assert max(abs(s) for code, s in severity.items() if code != "X04") < 7


def test_a_consensus_copier_fits_too_well_and_erratic_or_straight_raters_too_badly() -> None:
    bundle = campaign(23, straight="X02")
    rng = np.random.default_rng(0)
    cells: dict[tuple[str, str], list[float]] = {}
    for s in bundle["scores"]:
        if s["rater"] not in ("X02", "X05", "X06"):
            cells.setdefault((s["unit"], s["indicator"]), []).append(s["value"])
    for s in bundle["scores"]:
        if s["rater"] == "X05":  # erratic: anything between 40 and 100
            s["value"] = int(rng.integers(40, 101))
        if s["rater"] == "X06":  # copies the others' mean
            s["value"] = round(sum(cells[s["unit"], s["indicator"]]) / len(cells[s["unit"], s["indicator"]]))
    adj = adjusted(bundle)
    fit_of = {r.rater: (r.infit, r.outfit) for r in adj.raters}
    assert max(fit_of["X06"]) < 0.5
    assert min(fit_of["X05"]) > 1.5
    assert min(fit_of["X02"]) > 1.5  # the same answer for all ignores what the others see
    typical = sorted(o for code, (_, o) in fit_of.items() if code not in ("X02", "X05", "X06"))
    assert 0.7 < typical[len(typical) // 2] < 1.3


def simulated(seed: int, rater_sd: float = 6.0) -> tuple[dict[str, Any], dict[str, float]]:
    """A random-draw campaign (each rater scores 8 of 30 units on 3 indicators) with
    known truth: the noise-free score ``70 + quality − difficulty``."""
    rng = np.random.default_rng(seed)
    units = [f"U{i + 1:02d}" for i in range(30)]
    quality = rng.normal(0, 6, 30)
    difficulty = np.array([-2.0, 0.0, 2.0])
    raters = [f"R{i + 1:02d}" for i in range(60)]
    severity = rng.normal(0, rater_sd, 60)
    severity -= severity.mean()
    scores = []
    for r, code in enumerate(raters):
        for u in rng.choice(30, 8, replace=False).tolist():
            for li, leaf in enumerate(("A", "B", "C")):
                x = 70 + quality[u] - difficulty[li] - severity[r] + rng.normal(0, 4)
                scores.append({"rater": code, "unit": units[u], "indicator": leaf,
                               "value": round(float(np.clip(x, 0, 100)), 1)})
    bundle = {
        "format": "kaoping-bundle/1", "campaign": {"code": f"S{seed}"}, "groups": [{"code": "g"}],
        "units": [{"code": u} for u in units],
        "indicators": [{"code": c} for c in ("A", "B", "C")],
        "raters": [{"code": c, "group": "g"} for c in raters], "scores": scores,
    }
    truth = {u: 70 + float(quality[i]) for i, u in enumerate(units)}
    return bundle, truth


def test_on_simulated_data_the_adjusted_score_is_closer_to_the_truth_than_the_trimmed_mean() -> None:
    off_sq = adj_sq = 0.0
    n = 0
    for seed in range(4):
        bundle, truth = simulated(seed)
        adj = adjusted(bundle)
        for u in adj.units:
            off_sq += (u.official - truth[u.unit]) ** 2
            adj_sq += (u.adjusted - truth[u.unit]) ** 2
            n += 1
    rmse_official, rmse_adjusted = math.sqrt(off_sq / n), math.sqrt(adj_sq / n)
    assert rmse_adjusted < 0.75 * rmse_official, (rmse_official, rmse_adjusted)


def test_the_view_is_json_ready_with_every_facet() -> None:
    adj = adjusted(campaign(24, units=10, outsiders=4))
    out = adj.to_dict()
    json.dumps(out, allow_nan=False)
    assert set(out) == {"method", "mu", "iterations", "converged", "residual_sd", "units",
                        "raters", "indicators", "groups"}
    assert set(out["units"][0]) == {"unit", "official", "adjusted", "shift", "measure", "count"}
    assert set(out["raters"][0]) == {"rater", "group", "severity", "infit", "outfit", "count"}
    assert [i["indicator"] for i in out["indicators"]] == ["L1", "L2", "L3", "L4"]
    assert {g["group"] for g in out["groups"]} == {"peer", "outside"}
    assert sum(i["difficulty"] for i in out["indicators"]) == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 8), st.integers(3, 8), st.integers(1, 3))
def test_fit_recovers_an_exact_additive_design(seed: int, n_u: int, n_r: int, n_l: int) -> None:
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 5, n_u)
    theta -= theta.mean()
    delta = rng.normal(0, 3, n_l)
    delta -= delta.mean()
    rho = rng.normal(0, 4, n_r)
    rho -= rho.mean()
    r, u, leaf = (a.ravel() for a in np.meshgrid(np.arange(n_r), np.arange(n_u), np.arange(n_l),
                                                 indexing="ij"))
    keep = rng.random(r.size) < 0.8  # an incomplete design...
    keep[(r == 0) | (u == 0)] = True  # ...kept connected through rater 0 and unit 0
    r, u, leaf = r[keep], u[keep], leaf[keep]
    x = 70 + theta[u] - delta[leaf] - rho[r]
    f = fit(r, u, leaf, x, n_r, n_u, n_l, tol=1e-10, max_iter=5000)
    assert f.converged
    assert f.mu == pytest.approx(70, abs=1e-6)
    assert np.allclose(f.theta, theta, atol=1e-6)
    assert np.allclose(f.delta, delta, atol=1e-6)
    assert np.allclose(f.rho, rho, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_fit_residuals_balance_for_every_unit_indicator_and_rater(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 200
    r, u, leaf = rng.integers(0, 10, n), rng.integers(0, 8, n), rng.integers(0, 3, n)
    x = rng.uniform(40, 100, n)
    f = fit(r, u, leaf, x, 10, 8, 3, tol=1e-10, max_iter=20_000)
    e = x - (f.mu + f.theta[u] - f.delta[leaf] - f.rho[r])
    for index, size in ((u, 8), (leaf, 3), (r, 10)):
        assert np.allclose(np.bincount(index, weights=e, minlength=size), 0, atol=1e-5)
