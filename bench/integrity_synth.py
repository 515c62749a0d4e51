"""Synthetic campaigns with known truth, for the integrity detectors and the rater model.

A campaign follows the C1 bundle shape of a mutual evaluation (单位互评): four evaluator
groups (superior 40, peer 30, service recipient 20, third party 10), a two-level
indicator tree with one measured leaf and six rated leaves on three scales (0-100,
0-10 and the labels 优/良/中/差), and a history of earlier periods with scores and
ranks. Every score is drawn from an additive model with honest noise::

    x = mu + theta[unit] - delta[leaf] - gamma[group] - sigma[rater]
        + eta[rater, unit] + eps

then clipped to 0..100 and written on the leaf's scale (integers, tenths of the 0-10
scale, or the nearest label). Default spreads (points on the 0..100 scale): units 6,
leaves 3, groups ±2, raters 3, rater×unit liking 3, single score 5.

One manipulation may be planted per campaign (:data:`PLANTS`), at a ``strength`` whose
meaning depends on the kind; the planted raters and units are returned so a benchmark
can check what was found. Nothing here imports the engine: the output is a plain
``dict`` ready for ``json.dump`` or :func:`kaoping.engine.bundle.parse_bundle`.

Examples
--------
>>> c = make_campaign(1, plant="lenient", strength=15)
>>> c.bundle["format"], len(c.bundle["units"]), len(c.bundle["raters"])
('kaoping-bundle/1', 40, 100)
>>> c.plant.kind, len(c.plant.raters)
('lenient', 1)

``python bench/integrity_synth.py --units 260 -o big.json`` writes a 260-unit campaign
of about 450,000 scores (the speed budget of ``kaoping score``).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

GROUPS: tuple[tuple[str, str, float, float], ...] = (
    # code, name, weight, gamma (group severity: positive = harsher)
    ("superior", "上级评价", 40, 2.0),
    ("peer", "同级互评", 30, -1.0),
    ("recipient", "服务对象评价", 20, -2.0),
    ("third_party", "第三方评价", 10, 1.0),
)
LABELS: dict[str, float] = {"优": 95.0, "良": 85.0, "中": 75.0, "差": 60.0}
#: rated leaves: code, name, parent, scale kind ("pct" 0-100, "ten" 0-10, "label"), groups
LEAVES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("A2", "协作配合", "A", "pct", ("superior", "peer")),
    ("A3", "信息共享", "A", "ten", ("superior", "peer", "recipient", "third_party")),
    ("B1", "服务态度", "B", "label", ("peer", "recipient")),
    ("B2", "办事效率", "B", "pct", ("superior", "peer", "recipient", "third_party")),
    ("C1", "创新举措", "C", "pct", ("superior", "third_party")),
    ("C2", "群众评价", "C", "label", ("recipient", "third_party")),
)
PLANTS = (
    "lenient", "severe", "straight_line", "mutual_high", "ring", "rotation",
    "unknown_many", "unknown_remit",
)
#: strengths the benchmark tries per kind, weakest first
STRENGTHS: dict[str, tuple[float, ...]] = {
    "lenient": (5, 10, 15, 20, 30),      # points added to every score of one rater
    "severe": (5, 10, 15, 20, 30),       # points taken off
    "straight_line": (0.7, 0.85, 1.0),   # share of the rater's scores set to one answer
    "mutual_high": (10, 15, 20, 30),     # points each unit's peer raters add to the other
    "ring": (10, 15, 20, 30),            # points added along A→B→C→A
    "rotation": (3, 8, 15),              # usual rank of the units taking turns at first
    "unknown_many": (1.5, 2.0, 3.0),     # times the group's usual number of targets
    "unknown_remit": (1, 2, 4),          # units scored outside the rater's remit
}
#: nominal strengths called "clear"; for lenient, severe, mutual_high and ring a plant is
#: clear when what it *realised* on the scores (after clipping at full marks, recorded in
#: ``Plant.detail["realised"]``) is at least :data:`CLEAR_REALISED` points: for a rater,
#: the mean distance of their scores from an average rater's (their own honest severity
#: included); for favours, the smallest mean distance along an edge between the source
#: unit's raters and an average rater with no liking for the target (``detail["net"]``:
#: the raters' own severity and their honest liking of the unit included, exactly as for
#: lenient raters — a rater who honestly dislikes a unit by 9 points and adds 15 favours
#: it by 6, which no detector can tell from honest noise on four scores).
#: ``is_clear(plant, legacy=True)`` gives the older definition for favours: the raise the
#: plant itself made after clipping (``detail["realised"]``), whatever the rater thought.
CLEAR: dict[str, tuple[float, ...]] = {
    "straight_line": (1.0,), "rotation": (8, 15), "unknown_many": (3.0,),
    "unknown_remit": (1, 2, 4),
}
CLEAR_REALISED = 15.0


def is_clear(plant: Plant, *, legacy: bool = False) -> bool:
    """A plant of unmistakable size (see :data:`CLEAR`)."""
    if plant.kind in ("mutual_high", "ring") and not legacy:
        return float(plant.detail.get("net", 0.0)) >= CLEAR_REALISED
    if plant.kind in ("lenient", "severe", "mutual_high", "ring"):
        return abs(float(plant.detail.get("realised", 0.0))) >= CLEAR_REALISED
    return plant.kind is not None and plant.strength in CLEAR.get(plant.kind, ())


@dataclass(frozen=True)
class Shape:
    """Who scores whom. Superiors and third parties score every unit unless limited."""

    units: int = 40
    superiors: int = 8
    peers_per_unit: int = 1
    peer_targets: int | None = None  # None: every other unit
    recipients: int = 40
    recipient_targets: int = 12
    third: int = 12
    third_targets: int | None = 20
    superior_targets: int | None = None
    periods: int = 5  # earlier periods in history
    remit: bool = False  # give recipients and third parties a remit (their targets)


#: the honest campaign of issue 6: 40 units, 100 raters
REALISTIC = Shape()
#: the speed budget: 260 units, ~450,000 scores
LARGE = Shape(units=260, superiors=20, recipients=600, recipient_targets=40, third=60,
              third_targets=None)


@dataclass(frozen=True)
class Noise:
    """Spreads (points on 0..100) of the additive model."""

    mu: float = 80.0
    unit_sd: float = 6.0
    leaf_sd: float = 3.0
    rater_sd: float = 3.0
    inter_sd: float = 3.0
    noise_sd: float = 5.0
    group_scale: float = 1.0  # multiplies the group severities of GROUPS


@dataclass
class Plant:
    """What was planted: the raters and units a detector should name."""

    kind: str | None
    strength: float
    raters: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Campaign:
    bundle: dict[str, Any]
    plant: Plant
    #: per unit: expected total of the group-average raters (no noise, no rater effect)
    truth: dict[str, float]


def _unit_codes(n: int) -> list[str]:
    width = max(2, len(str(n)))
    return [f"U{i + 1:0{width}d}" for i in range(n)]


def _ranks(scores: np.ndarray) -> list[int]:
    """Competition ranks (1, 2, 2, 4), ties at 2 decimals."""
    rounded = np.round(scores, 2)
    return [int((rounded > s).sum()) + 1 for s in rounded]


def make_campaign(
    seed: int, *, plant: str | None = None, strength: float = 0.0,
    shape: Shape = REALISTIC, noise: Noise | None = None, numeric_only: bool = False,
    code: str = "2026Q2",
) -> Campaign:
    """One synthetic campaign, honest or with one planted manipulation.

    Parameters
    ----------
    seed : int
        Everything is reproducible from it.
    plant : str, optional
        One of :data:`PLANTS`; ``None`` for an honest campaign.
    strength : float
        Size of the manipulation (see :data:`STRENGTHS` for each kind's meaning).
    shape, noise : Shape, Noise
        Design and spreads.
    numeric_only : bool
        Write every rated leaf on 0..100 with one decimal (for the rater model's
        truth comparison, where quantisation would only add noise).
    """
    noise = noise or Noise()
    rng = np.random.default_rng(seed)
    n_units = shape.units
    units = _unit_codes(n_units)
    theta = rng.normal(0.0, noise.unit_sd, n_units)
    delta = rng.normal(0.0, noise.leaf_sd, len(LEAVES))
    delta -= delta.mean()
    group_codes = [g[0] for g in GROUPS]
    gamma = np.array([g[3] for g in GROUPS]) * noise.group_scale

    # raters: (code, group index, own unit or -1)
    raters: list[tuple[str, int, int]] = []
    for i in range(shape.superiors):
        raters.append((f"S{i + 1:03d}", 0, -1))
    for u in range(n_units):
        for k in range(shape.peers_per_unit):
            suffix = "" if shape.peers_per_unit == 1 else chr(ord("a") + k)
            raters.append((f"P{u + 1:03d}{suffix}", 1, u))
    for i in range(shape.recipients):
        raters.append((f"C{i + 1:03d}", 2, -1))
    for i in range(shape.third):
        raters.append((f"T{i + 1:03d}", 3, -1))
    n_raters = len(raters)
    r_group = np.array([g for _, g, _ in raters])
    sigma = rng.normal(0.0, noise.rater_sd, n_raters)

    # who scores which units
    targets: list[np.ndarray] = []
    limit = {0: shape.superior_targets, 1: shape.peer_targets, 2: shape.recipient_targets,
             3: shape.third_targets}
    for _code, g, own in raters:
        pool = np.array([u for u in range(n_units) if u != own])
        k = limit[g]
        targets.append(pool if k is None or k >= len(pool) else np.sort(rng.choice(pool, k, replace=False)))

    p = Plant(plant, strength)
    remits: dict[int, list[int]] = {}
    if shape.remit or plant == "unknown_remit":
        remits = {r: [int(u) for u in targets[r]] for r in range(n_raters) if r_group[r] in (2, 3)}
    if plant in ("unknown_many", "unknown_remit"):
        r = int(rng.choice(np.flatnonzero(r_group == 2)))
        have = set(targets[r].tolist())
        others = np.array([u for u in range(n_units) if u not in have])
        extra = (int(round(len(have) * (strength - 1.0))) if plant == "unknown_many"
                 else int(strength))
        extra = min(extra, len(others))
        add = rng.choice(others, extra, replace=False)
        targets[r] = np.sort(np.concatenate([targets[r], add]))
        p.raters = [raters[r][0]]
        p.units = [units[int(u)] for u in sorted(add)] if plant == "unknown_remit" else []
        p.detail = {"targets": int(len(targets[r])), "usual": int(len(have))}

    leaf_groups = [set(group_codes.index(g) for g in leaf[4]) for leaf in LEAVES]
    ri_list, ui_list, li_list = [], [], []
    for r, tg in enumerate(targets):
        for li, allowed in enumerate(leaf_groups):
            if r_group[r] in allowed:
                ri_list.append(np.full(len(tg), r))
                ui_list.append(tg)
                li_list.append(np.full(len(tg), li))
    ri = np.concatenate(ri_list)
    ui = np.concatenate(ui_list)
    li = np.concatenate(li_list)
    gi = r_group[ri]
    n = len(ri)
    inter = rng.normal(0.0, noise.inter_sd, (n_raters, n_units))
    expected = noise.mu + theta[ui] - delta[li] - gamma[gi]
    x = expected - sigma[ri] + inter[ri, ui] + rng.normal(0.0, noise.noise_sd, n)

    # truth: the group's average rater, without noise (what the adjusted score targets)
    group_sigma = np.array([sigma[r_group == g].mean() if (r_group == g).any() else 0.0
                            for g in range(len(GROUPS))])
    truth_x = np.clip(expected - group_sigma[gi], 0.0, 100.0)

    rater_unit = np.array([own for _, _, own in raters])
    rater_index = {code: i for i, (code, _, _) in enumerate(raters)}
    theta_now = theta.copy()  # this period's quality (differs from theta only for rotation)
    honest_x = x.copy()
    if plant in ("lenient", "severe", "straight_line"):
        counts = np.bincount(ri, minlength=n_raters)
        eligible = np.flatnonzero(counts >= 40)
        r = int(rng.choice(eligible))
        mask = ri == r
        if plant == "lenient":
            x[mask] += strength
        elif plant == "severe":
            x[mask] -= strength
        else:
            answer = 100.0 if rng.random() < 0.5 else 80.0
            chosen = mask & (rng.random(n) < strength)
            x[chosen] = answer
            p.detail = {"answer": answer}
        p.raters = [raters[r][0]]
    elif plant in ("mutual_high", "ring"):
        size = 2 if plant == "mutual_high" else 3
        chosen_units = [int(u) for u in rng.choice(n_units, size, replace=False)]
        pairs = ([(chosen_units[0], chosen_units[1]), (chosen_units[1], chosen_units[0])]
                 if size == 2 else
                 [(chosen_units[i], chosen_units[(i + 1) % size]) for i in range(size)])
        for src, dst in pairs:
            x[(rater_unit[ri] == src) & (ui == dst)] += strength
        p.units = [units[u] for u in chosen_units]
        p.detail = {"edges": [[units[a], units[b]] for a, b in pairs]}
    elif plant == "rotation":
        # the current holder jumps to the top: its scores (all raters) and its measure
        # rise as if it were the best unit; earlier holders are made first in history
        order = np.argsort(-theta)
        start = min(int(strength) - 1, n_units - 3)
        chosen_units = [int(u) for u in order[start: start + 3]]
        rng.shuffle(chosen_units)
        p.units = [units[u] for u in chosen_units]
        holder = chosen_units[shape.periods % 3]
        boost = float(theta.max() - theta[holder]) + 10.0
        x[ui == holder] += boost
        truth_x[ui == holder] = np.minimum(truth_x[ui == holder] + boost, 100.0)
        theta_now[holder] += boost
        p.detail = {"current_holder": units[holder], "boost": boost}

    x = np.clip(x, 0.0, 100.0)
    moved = x - np.clip(honest_x, 0.0, 100.0)  # what the plant really changed, after clipping
    if plant in ("lenient", "severe"):
        # the rater's net deviation from what an average rater would give (own honest
        # severity included: a harsh rater made lenient by 20 ends up 15 above, say)
        r = rater_index[p.raters[0]]
        mine = ri == r
        average = np.clip(honest_x[mine] + sigma[r], 0.0, 100.0)
        p.detail["realised"] = round(float((x[mine] - average).mean()), 2)
    elif plant in ("mutual_high", "ring"):
        edge_masks = [(rater_unit[ri] == units.index(a)) & (ui == units.index(b)) for a, b in p.detail["edges"]]
        p.detail["realised"] = round(min(float(moved[m].mean()) for m in edge_masks), 2)
        # against an average rater who neither likes nor dislikes the target
        average = np.clip(honest_x + sigma[ri] - inter[ri, ui], 0.0, 100.0)
        p.detail["net"] = round(min(float((x[m] - average[m]).mean()) for m in edge_masks), 2)
    leaf_kind = [leaf[3] for leaf in LEAVES]
    if numeric_only:
        raw: list[Any] = np.round(x, 1).tolist()
    else:
        pct = np.round(x).astype(int)
        ten = np.round(x / 10.0).astype(int)
        label_idx = np.digitize(x, [70.0, 80.0, 90.0])  # 0 差, 1 中, 2 良, 3 优
        names = np.array(["差", "中", "良", "优"])
        kinds = np.array([{"pct": 0, "ten": 1, "label": 2}[k] for k in leaf_kind])[li]
        raw = [
            int(a) if k == 0 else int(b) if k == 1 else str(c)
            for k, a, b, c in zip(kinds.tolist(), pct.tolist(), ten.tolist(),
                                  names[label_idx].tolist(), strict=True)
        ]
    rcodes = [r[0] for r in raters]
    leaf_codes = [leaf[0] for leaf in LEAVES]
    scores = [
        {"rater": rcodes[a], "unit": units[b], "indicator": leaf_codes[c], "value": v}
        for a, b, c, v in zip(ri.tolist(), ui.tolist(), li.tolist(), raw, strict=True)
    ]

    leaves_json: dict[str, list[dict[str, Any]]] = {"A": [], "B": [], "C": []}
    leaves_json["A"].append({
        "code": "A1", "name": "响应及时率", "weight": 30, "nature": "process", "source": "measure",
        "rule": {"kind": "linear", "direction": "higher", "floor": 0.6, "target": 0.95},
    })
    for lc, name, parent, kind, groups in LEAVES:
        node: dict[str, Any] = {"code": lc, "name": name, "weight": 1, "nature": "process",
                                "rated_by": list(groups)}
        if kind == "ten" and not numeric_only:
            node["full"] = 10
        if kind == "label" and not numeric_only:
            node["scale"] = dict(LABELS)
        leaves_json[parent].append(node)
    indicators = [
        {"code": "A", "name": "协作效率", "weight": 40, "children": leaves_json["A"]},
        {"code": "B", "name": "服务质量", "weight": 35, "children": leaves_json["B"]},
        {"code": "C", "name": "创新发展", "weight": 25, "children": leaves_json["C"]},
    ]
    measures = [{"unit": units[u], "indicator": "A1",
                 "value": round(float(np.clip(
                     0.6 + 0.35 * (noise.mu + theta_now[u]) / 100 + rng.normal(0, 0.01), 0, 1)), 3)}
                for u in range(n_units)]
    rater_json = []
    for r, (rc, g, own) in enumerate(raters):
        rec: dict[str, Any] = {"code": rc, "group": group_codes[g]}
        if own >= 0:
            rec["unit"] = units[own]
        if r in remits:
            rec["remit"] = [units[u] for u in remits[r]]
        rater_json.append(rec)
    bundle = {
        "format": "kaoping-bundle/1",
        "campaign": {"code": code, "name": f"合成互评 {code}（seed {seed}）"},
        "scoring": {},
        "groups": [{"code": c, "name": nm, "weight": w} for c, nm, w, _ in GROUPS],
        "units": [{"code": c, "name": f"单位{c[1:]}", "type": "admin"} for c in units],
        "indicators": indicators,
        "raters": rater_json,
        "scores": scores,
        "measures": [] if numeric_only else measures,
        "history": [],
    }
    if numeric_only:  # the truth comparison is about rated leaves only
        indicators[0]["children"] = indicators[0]["children"][1:]
    truth = _truth_totals(bundle, units, ri, ui, li, truth_x)
    # history: expected totals plus period noise; ranks from the scores
    base_total = np.array([truth[c] for c in units]) - (theta_now - theta)
    history: list[dict[str, Any]] = []
    for h in range(shape.periods):
        s = base_total + rng.normal(0.0, 1.5, n_units)
        if plant == "rotation":
            holder = p.units[h % 3]
            hu = units.index(holder)
            s = np.minimum(s, 97.0)
            s[hu] = max(s[np.arange(n_units) != hu]) + rng.uniform(0.5, 2.5)
        s = np.clip(s, 0.0, 100.0)
        history.append({
            "campaign": f"H{h + 1:02d}",
            "results": [{"unit": units[u], "score": round(float(s[u]), 2), "rank": rank}
                        for u, rank in enumerate(_ranks(s))],
        })

    bundle["history"] = history
    return Campaign(bundle, p, truth)


def _truth_totals(
    bundle: dict[str, Any], units: list[str], ri: np.ndarray, ui: np.ndarray, li: np.ndarray,
    truth_x: np.ndarray,
) -> dict[str, float]:
    """Expected totals: the official roll-up of the noise-free group-average scores.

    Computed here with the bundle's weights (group weights renormalised over the groups
    that scored the unit on a leaf, leaf and node weights renormalised over scored
    children), measured leaves left out, so it stays independent of the engine.
    """
    group_w = {c: w for c, _, w, _ in GROUPS}
    group_codes = [g[0] for g in GROUPS]
    rater_group = [r["group"] for r in bundle["raters"]]
    cell: dict[tuple[int, int], dict[str, float]] = {}
    for r, u, leaf, v in zip(ri.tolist(), ui.tolist(), li.tolist(), truth_x.tolist(), strict=True):
        cell.setdefault((u, leaf), {})[rater_group[r]] = v  # constant within a group
    totals: dict[str, float] = {}
    leaf_index = {leaf[0]: i for i, leaf in enumerate(LEAVES)}
    for u, code in enumerate(units):
        top_pairs = []
        for node in bundle["indicators"]:
            pairs = []
            for child in node["children"]:
                if child.get("source") == "measure":
                    continue
                groups = cell.get((u, leaf_index[child["code"]]), {})
                ws = [(group_w[g], v) for g, v in groups.items() if g in group_codes]
                if ws:
                    pairs.append((child.get("weight", 1), sum(w * v for w, v in ws) / sum(w for w, _ in ws)))
            if pairs:
                top_pairs.append((node["weight"], sum(w * v for w, v in pairs) / sum(w for w, _ in pairs)))
        totals[code] = sum(w * v for w, v in top_pairs) / sum(w for w, _ in top_pairs)
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write a synthetic campaign bundle")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--units", type=int, default=40, help="40 (realistic) or 260 (large)")
    parser.add_argument("--plant", choices=PLANTS)
    parser.add_argument("--strength", type=float, default=0.0)
    parser.add_argument("-o", "--output")
    args = parser.parse_args(argv)
    shape = LARGE if args.units >= 200 else REALISTIC
    if args.units not in (40, 260):
        shape = Shape(units=args.units)
    c = make_campaign(args.seed, plant=args.plant, strength=args.strength, shape=shape)
    text = json.dumps(c.bundle, ensure_ascii=False)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"{args.output}: {len(c.bundle['scores'])} scores, plant={c.plant}", file=sys.stderr)
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
