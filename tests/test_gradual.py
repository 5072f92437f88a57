"""Gradual trade (model/equilibrium/gradual.py, docs/model.md § Gradual trade).

On a calibrated arc the marginal trade cost is τ(x) = τ0 + (P/σ)(x/q0 − 1): a wedge Δw that
the arc bears (the tariff less what passes through to the destination price, plus any fall of
the origin price) moves the flow by

    Δx = −σ · q0 · (Δw − Δp_dest + Δp_orig) / P

The tariff tests put 5% and 25% on Chinese magnets into the US in 2027, on top of the tariffs in
force (runs/baseline.yaml), and check the flow change against this line (±20%: the curve is a
staircase with steps of 1% of q0 from 0.4 q0, 2% below), positive revenue and a pass-through strictly between 0 and 1.
"""

from __future__ import annotations

import pytest

from reebloc.app.run import solve_resolved
from reebloc.equilibrium.gradual import LOWER, STEPS, UPPER, segments
from reebloc.inputs.config import apply_overrides, load_config
from reebloc.inputs.dataset import load_dataset
from tests.conftest import ROOT

BASE = apply_overrides(load_config(ROOT / "runs" / "baseline.yaml"), {"years": {"start": 2025, "end": 2027}})
DATA = load_dataset(BASE.data_dir, BASE.config.year_list)
SIGMA = 2.0          # asm_trade_elasticity, central


def test_staircase_follows_the_line_and_its_widths_add_up():
    """Midpoint steps of τ(x) = τ0 + (P/σ)(x/q0 − 1): each step's cost is the line at the step's
    middle; the lower steps add to q0, the upper ones to σ·cap·q0; costs rise (a convex curve,
    so the LP fills them in order); the tail is τ0 + cap·P."""
    q0, P, s, cap, tau0 = 1000.0, 50.0, 2.0, 0.25, -1.0
    st = segments(q0, P, s, cap, tau0, new=False)
    assert len(st) == STEPS == (len(LOWER) - 1) + (len(UPPER) - 1) + 1
    x = 0.0
    for w, c in st[:len(LOWER) - 1]:
        assert c == pytest.approx(tau0 + P / s * ((x + w / 2) / q0 - 1))
        x += w
    assert x == pytest.approx(q0)
    up = sum(w for w, _ in st[len(LOWER) - 1:-1])
    assert up == pytest.approx(s * cap * q0)         # τ reaches cap·P at x = q0 (1 + σ cap)
    costs = [c for _, c in st]
    assert costs == sorted(costs)
    assert st[-1] == (None, pytest.approx(tau0 + cap * P))
    new = segments(q0, P, s, cap, 0.0, new=True)     # a new arc: no premium at 0, cap·P at σ·cap·q_new
    assert new[len(LOWER) - 1][1] > 0 and sum(w for w, _ in new[:-1]) == pytest.approx(s * cap * q0)


def solve(extra: float | None = None, **changes):
    ch = dict(changes)
    if extra:
        ch["policies.extra"] = {"kind": "tariff", "origins": ["CN"], "destinations": ["US"],
                                "commodities": ["ndfeb_magnet"], "ad_valorem": extra,
                                "years": {"start": 2027, "end": 2027}}
    return solve_resolved(apply_overrides(BASE, ch), DATA)


def read(r, year=2027):
    f, p, g = r.tables["flows"], r.tables["prices"], r.tables["government"]
    x = float(f[(f.origin == "CN") & (f.destination == "US") & (f.commodity == "ndfeb_magnet")
                & (f.year == year)].quantity_t.sum())
    price = {n: float(p[(p.node == n) & (p.commodity == "ndfeb_magnet") & (p.year == year)].price_usd_per_kg.iloc[0])
             for n in ("US", "CN")}
    rev = -float(g[(g.year == year) & (g.policy == "extra")].usd.sum()) if len(g) else 0.0
    return x, price, rev


@pytest.fixture(scope="module")
def tariff_runs():
    return {e: read(solve(e)) for e in (None, 0.05, 0.25)}


def reference_flow_2027() -> tuple[float, float]:
    """q0 of CN→US magnets in 2027 (10,000 t in 2025 grown with US magnet demand) and P."""
    dem = DATA["demand"]
    us = dem[(dem.node == "US") & (dem.commodity == "ndfeb_magnet")]
    q = us.groupby("year").quantity_t.sum()
    price = float((us.quantity_t * us.price_usd_per_kg)[us.year == 2027].sum() / q[2027])
    ref = DATA["trade_reference"]
    q0 = float(ref[(ref.origin == "CN") & (ref.destination == "US")].quantity_t.iloc[0])
    return q0 * q[2027] / q[2025], price


@pytest.mark.parametrize("rate", [0.05, 0.25])
def test_tariff_response_matches_the_stated_elasticity(tariff_runs, rate):
    """Δx = −σ q0 (Δw − Δp_US + Δp_CN)/P within ±20%, with Δw = rate × P_CN (ad valorem on the
    exporter's price). Worked numbers for 5% (central data, 2027): q0 = 10,000 t × US magnet
    demand growth 2025→2027 ≈ 11,685 t, P = $50/kg, P_CN ≈ $50.1/kg → Δw ≈ $2.51/kg; the US price
    rises by ≈ $1.07/kg, so the arc bears ≈ $1.44/kg and Δx ≈ −2 × 11,685 × 1.44/50 ≈ −670 t
    (the model: 6,427 → 5,805 t, −622 t)."""
    x0, p0, _ = tariff_runs[None]
    x1, p1, rev = tariff_runs[rate]
    q0, P = reference_flow_2027()
    dw = rate * p1["CN"]
    borne = dw - (p1["US"] - p0["US"]) + (p1["CN"] - p0["CN"])
    analytic = -SIGMA * q0 * borne / P
    assert x1 - x0 == pytest.approx(analytic, rel=0.20), (x1 - x0, analytic)
    assert x1 < x0
    # tariff revenue is positive: rate × P_CN × the flow that still comes in
    assert rev > 0 and rev == pytest.approx(dw * x1 * 1000, rel=0.01)
    # pass-through to the US price strictly between 0 and 1 of the tariff
    passthrough = (p1["US"] - p0["US"]) / dw
    assert 0 < passthrough < 1


def test_five_and_twentyfive_percent_differ(tariff_runs):
    """A bigger tariff cuts imports from China more and passes more through in $/kg."""
    (x5, p5, r5), (x25, p25, r25) = tariff_runs[0.05], tariff_runs[0.25]
    assert x25 < x5 - 1000
    assert p25["US"] > p5["US"]
    assert r25 > r5


def test_without_gradual_trade_the_arc_is_all_or_nothing():
    """With gradual trade every reference origin keeps part of the US magnet market in 2027
    (tariffs shift trade, they do not flip it); with trade.gradual: false the cheapest landed
    sources take it: the pattern changes and some reference origin drops out."""
    def pattern(r):
        f = r.tables["flows"]
        f = f[(f.destination == "US") & (f.commodity == "ndfeb_magnet") & (f.year == 2027)]
        return f.groupby("origin").quantity_t.sum()
    on, off = pattern(solve(None)), pattern(solve(None, trade={"gradual": False}))
    ref = list(DATA["trade_reference"].origin)
    assert all(on.get(o, 0.0) > 1.0 for o in ref), on
    assert any(off.get(o, 0.0) <= 1e-6 for o in ref), off
    assert off.get("CN", 0.0) != pytest.approx(on.get("CN", 0.0), rel=0.05)


def us_imports_2025(r):
    f = r.tables["flows"]
    f = f[(f.destination == "US") & (f.commodity == "ndfeb_magnet") & (f.year == 2025)]
    return f.groupby("origin").quantity_t.sum()


def test_reference_pattern_is_reproduced_under_the_tariffs_it_was_observed_with():
    """The reference flows (trade_reference.csv: the pre-control pace, at MFN 2.1%) come back,
    origin by origin within ±20%, when the 2025 IEEPA layer is switched off; with it (the
    baseline) China's share of US magnet imports stays inside its observed 2025 band."""
    ref = DATA["trade_reference"].set_index("origin").quantity_t
    got = us_imports_2025(solve(None, **{"policies.ieepa_china_2025.enabled": False}))
    for o, q in ref.items():
        assert got.get(o, 0.0) == pytest.approx(q, rel=0.2, abs=50), (o, got.get(o, 0.0), q)
    got = us_imports_2025(solve(None))
    obs = DATA["observed"].set_index(["metric", "year"])
    lo, hi = obs.loc[("china_share_us_magnet_imports", 2025), ["low", "high"]]
    assert lo <= got.get("CN", 0.0) / got.sum() <= hi


def test_qualification_limits_how_fast_a_supplier_replaces_a_banned_one():
    """tests/data/two with Japan able to make 10,000 t at $70 (+$1 freight to the US), reference
    flows CN→US 4,000 t and JP→US 1,000 t, σ = 2, cap 0.25, US reference price $62/kg, and a
    Chinese ban on the US and Japan in 2026.

    2025: the curves keep flows near their references (JP→US below 1,000 t: China is cheaper).
    2026, no limit (g = 50): Japan replaces China at the flat premium, $71 + 0.25 × $62 = $86.5/kg,
    which is then the US price. With g = 0.5 Japan is qualified for 1.5 × 1,000 t in 2025 and may
    ship in 2026 at most that plus 0.5 × (its 2025 flow + 1,000 t); the rest comes from the $100/kg
    US backstop, which sets the price; knowing the ban is coming, buyers pre-qualify Japan in 2025
    by buying from it."""
    from tests.policy_helpers import BASE as TWO, DATA as TWO_DATA, flow, price
    cap = TWO_DATA["capacity"].copy()
    cap.loc[cap.facility == "jp_sep", "capacity_t"] = 10_000
    dem = TWO_DATA["demand"].copy()
    dem.loc[dem.node == "US", "price_usd_per_kg"] = 62.0
    dem.loc[dem.node == "CN", "price_usd_per_kg"] = 60.0
    import pandas as pd
    ref = pd.DataFrame([("CN", "US", "ndpr_oxide", 2025, 4000.0, 0.0, "fixture"),
                        ("JP", "US", "ndpr_oxide", 2025, 1000.0, 0.0, "fixture")],
                       columns=["origin", "destination", "commodity", "year", "quantity_t", "tariff_in_force_pct",
                                "source_id"])
    data = TWO_DATA.with_table("capacity", cap).with_table("demand", dem).with_table("trade_reference", ref)
    ban = {"ban": {"probability": 1.0, "export_controls": {"cn": {
        "exporter": "CN", "commodities": ["ndpr_oxide"], "destinations": ["US", "JP"],
        "years": {"start": 2026, "end": 2026}, "kind": "ban"}}}}

    def run(g):
        trade = {"elasticity": 2.0, "premium_cap": 0.25, "new_arc_share": 0.05, "qualification_growth": g}
        return solve_resolved(apply_overrides(TWO, {"scenarios": ban, "trade": trade}), data)

    free, limited = run(50.0), run(0.5)
    assert flow(free, "JP", "US", 2026) == pytest.approx(4000.0)
    assert price(free, "US", 2026) == pytest.approx(71.0 + 0.25 * 62.0, abs=0.002)   # less the origin tie-break ε
    assert 600 < flow(free, "JP", "US", 2025) < 1000            # near, below, its reference: China is cheaper
    # with the limit, US buyers foresee the ban and qualify Japan in 2025: they import more from it
    # than they would otherwise, because every 2025 tonne adds 0.5 t of room in 2026
    x25 = flow(limited, "JP", "US", 2025)
    assert x25 > flow(free, "JP", "US", 2025) + 100
    assert flow(limited, "JP", "US", 2026) == pytest.approx(1.5 * 1000.0 + 0.5 * (x25 + 1000.0))
    assert flow(limited, "JP", "US", 2026) < 4000.0
    assert price(limited, "US", 2026) == pytest.approx(100.0)


def test_other_magnet_grades_into_the_us_are_new_arcs_of_the_same_curve_family():
    """Heavy-free magnets substitute for standard ones: without curves of their own they would let
    US imports jump all-or-nothing around the calibrated magnet arcs (2025: 1,467 t of Japanese
    heavy-free magnets, China's share of US imports 68.6%, below its band)."""
    from reebloc.equilibrium.gradual import build_curves
    arcs = [(r.origin, r.destination, r.commodity) for r in DATA["routes"].itertuples()]
    cv = build_curves(BASE.config, DATA, arcs)
    assert ("JP", "US", "ndfeb_dyfree_magnet") in cv.arcs
    assert cv.family["US", "ndfeb_dyfree_magnet"] == "ndfeb_magnet"
    assert ("JP", "US", "ndfeb_dyfree_magnet") not in cv.reference          # a new arc
    assert not any(c == "ndpr_oxide" for (_, _, c) in cv.arcs)              # other stages keep flat trade
