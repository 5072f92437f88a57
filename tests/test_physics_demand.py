"""Issue 14, parts 3-5: demand curves that keep demand at any price, shortage told apart from
priced-out demand, and no price where there is no market. Hand-solved, arithmetic in comments."""

from __future__ import annotations

import math

import pytest

from conftest import CONFIGS, solved


def rows(df, **eq):
    for k, v in eq.items():
        df = df[df[k] == v]
    return df


# ---------------------------------------------------------------- part 3: constant-elasticity steps

def test_ces_step_curve_against_its_closed_form():
    """D(p) = 1000 (p / 50)^-0.25, VOLL $500/kg, p_min = 50/4 = $12.5/kg, 48 steps (the default).

    Tail: D(500) = 1000 × 10^-0.25 = 562.34 t at $500/kg. Steps above p0: round(48 ln 10 / ln 40)
    = round(29.96) = 30 at ratio 10^(1/30) = 1.07977; below: 18 at 4^(1/18) = 1.07996.
    First priced block: cuts 500 and 500 / 1.07977 = 463.06, valued at √(500 × 463.06) = $481.2/kg,
    width D(463.06) − D(500) = 1000 (9.2612^-0.25 − 10^-0.25) = 10.83 t. All blocks: D(12.5) =
    1000 × 4^0.25 = 1,414.21 t. q0 is a block edge: the blocks valued above $50 hold exactly 1,000 t.
    Accuracy: a block valued at the geometric midpoint of its cuts is off by at most √r − 1 in
    price, the larger ratio giving √1.07996 − 1 = 4^(1/36) − 1 = 3.93%; the quantity demanded at any price by at most r^(|ε|/2) − 1 ≈ 1%."""
    from reebloc.equilibrium.values import ces_curve, step_error
    w, v = ces_curve(1000.0, 50.0, -0.25, 500.0, 48)
    assert len(w) == 49 and v[0] == 500.0 and w[0] == pytest.approx(1000 * 10 ** -0.25) == pytest.approx(562.34, abs=0.01)
    assert v[1] == pytest.approx(math.sqrt(500 * 500 / 10 ** (1 / 30)), rel=1e-9) == pytest.approx(481.2, abs=0.05)
    assert w[1] == pytest.approx(1000 * ((500 / 10 ** (1 / 30) / 50) ** -0.25 - 10 ** -0.25))
    assert sum(w) == pytest.approx(1000 * 4 ** 0.25)
    assert sum(x for x, p in zip(w, v) if p > 50) == pytest.approx(1000.0, rel=1e-12)
    assert all(a > b for a, b in zip(v, v[1:])), "values fall block by block"
    price_err, qty_err = step_error(w, v, 1000.0, 50.0, -0.25, 500.0)
    assert price_err <= 4 ** (1 / 36) - 1 + 1e-9 and price_err == pytest.approx(0.0392, abs=0.0005)
    assert qty_err == pytest.approx(0.0097, abs=0.001)
    # finer steps, smaller errors (the accuracy table of docs/model.md § Demand curves)
    errs = [step_error(*ces_curve(1000.0, 50.0, -0.25, 500.0, k), 1000.0, 50.0, -0.25, 500.0)[0] for k in (8, 24, 96)]
    assert errs[0] > errs[1] > errs[2] and errs[2] < 0.02


def ces_ban2(tmp_path, scenario: dict, capacity_cn: float | None = None):
    """ban2 with constant-elasticity demand (the default curves.demand)."""
    import shutil
    from reebloc.app.run import run_in_memory
    import yaml
    data = tmp_path / "data"
    shutil.copytree(CONFIGS / "../data/ban2", data)
    if capacity_cn is not None:
        (data / "capacity.csv").write_text((data / "capacity.csv").read_text().replace("cn_plant,2025,1000",
                                                                                        f"cn_plant,2025,{capacity_cn:g}"))
    cfg = yaml.safe_load((CONFIGS / "ban2.yaml").read_text())
    cfg.update(inputs="data", curves={"form": "steps", "steps": 10}, scenarios={"s": {"probability": 1.0, **scenario}})
    path = tmp_path / "ces.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return run_in_memory(path)


def test_ces_market_clears_at_the_reference_point_exactly(tmp_path):
    """No ban, China's plant unconstrained at $20/kg: CN price $20 = p0(CN), US price 20 + 2 = $22
    = p0(US); both reference prices are step edges, so served = reference exactly: CN 500 t, US
    civil 300 t, defence 50 t; nothing unserved (the US plant at $60/kg stays idle)."""
    res = ces_ban2(tmp_path, {})
    p = res.tables["prices"].set_index("node")["price_usd_per_kg"]
    assert p["CN"] == pytest.approx(20.0) and p["US"] == pytest.approx(22.0)
    d = res.tables["demand"].set_index(["node", "segment"])
    assert d.loc[("CN", "civil"), "served_t"] == pytest.approx(500)
    assert d.loc[("US", "civil"), "served_t"] == pytest.approx(300)
    assert d["unserved_t"].sum() == pytest.approx(0)


def test_ces_price_under_scarcity_is_the_closed_form_within_the_step_accuracy(tmp_path):
    """China's plant capped at 700 t, no ban. Closed form: p_US = p_CN + 2 and
    500 (p/20)^-0.5 + 300 ((p + 2)/22)^-0.5 + 50 = 700 → at p = 30: 408.2 + 248.7 = 657.0 > 650;
    at p = 31: 401.6 + 244.9 = 646.5 < 650; root p ≈ 30.7 (bisection below). Steps: ratio
    (VOLL / p_min)^(1/48) = (100 / 5)^(1/48) = 1.0644 (CN), so each price is within √1.0644 − 1 =
    3.2% of the closed form; all 700 t are sold, 50 t to defence."""
    res = ces_ban2(tmp_path, {}, capacity_cn=700)
    lo, hi = 20.0, 100.0
    for _ in range(60):
        mid = (lo + hi) / 2
        q = 500 * (mid / 20) ** -0.5 + 300 * ((mid + 2) / 22) ** -0.5 + 50
        lo, hi = (mid, hi) if q > 700 else (lo, mid)
    assert lo == pytest.approx(30.7, abs=0.05)
    p = res.tables["prices"].set_index("node")["price_usd_per_kg"]
    assert p["CN"] == pytest.approx(lo, rel=0.033)
    assert p["US"] == pytest.approx(p["CN"] + 2.0)
    d = res.tables["demand"]
    assert d["served_t"].sum() == pytest.approx(700)
    assert d["shortage_t"].sum() == pytest.approx(0), "a price below VOLL rations nobody: all priced out"
    assert d["priced_out_t"].sum() == pytest.approx(850 - 700)


def test_ces_keeps_demand_at_any_price_and_a_ban_leaves_shortage(tmp_path):
    """The ban with constant-elasticity demand. US supply 30 t (its $60/kg plant) goes to defence
    (VOLL $1,000/kg > civil VOLL $100/kg): US price $1,000/kg. Civil buyers still want
    D(VOLL) = 300 (100/22)^-0.5 = 300 × 0.46904 = 140.71 t at $100/kg — the tail, cut off by the
    ban: shortage 140.71 t; the rest, 300 − 140.71 = 159.29 t, is priced out (linear demand would
    have called all 300 t priced out: it falls to zero at 22 × 3 = $66/kg). Defence: shortage 20."""
    ban = {"export_controls": {"us_ban": {"exporter": "CN", "commodities": ["magnet"], "destinations": ["US"],
                                          "years": {"start": 2025, "end": 2025}, "kind": "ban"}}}
    res = ces_ban2(tmp_path, ban)
    d = rows(res.tables["demand"], node="US").set_index("segment")
    tail = 300 * (100 / 22) ** -0.5
    assert tail == pytest.approx(140.71, abs=0.01)
    assert d.loc["civil", "served_t"] == pytest.approx(0)
    assert d.loc["civil", "shortage_t"] == pytest.approx(tail)
    assert d.loc["civil", "priced_out_t"] == pytest.approx(300 - tail)
    assert d.loc["defence", "shortage_t"] == pytest.approx(20)
    assert res.tables["prices"].set_index("node").loc["US", "price_usd_per_kg"] == pytest.approx(1000.0)


def test_demand_form_is_a_config_choice():
    """curves.demand names the curve; anything else is refused with the valid choices."""
    from reebloc.inputs.config import Curves
    assert Curves().demand == "ces" and Curves().demand_steps == 48
    with pytest.raises(Exception, match="ces"):
        Curves(demand="cubic")


# ---------------------------------------------------------------- part 4: shortage and priced out

def test_shortage_and_priced_out_on_a_two_node_ban():
    """tests/data/ban2 under a Chinese ban on magnets to the US (one year, linear demand steps).

    US supply is its own plant only: 30 t at $60/kg. Defence (50 t, inelastic, VOLL $1,000/kg)
    values every tonne above any civil buyer (the civil curve tops out at
    p0 (1 + 1/|ε|) = 22 × 3 = $66/kg), so defence takes all 30 t: the defence block is partly
    served and the US price is its VOLL, $1,000/kg.
    - defence: unserved 50 − 30 = 20 t, all of it valued at VOLL → shortage 20, priced out 0;
    - civil: nothing served at $1,000/kg; no civil block is valued at VOLL (the linear curve
      never reaches $100/kg), so all 300 t are priced out, shortage 0.
    China: 1,000 t at $20/kg, the civil curve P(q) = 20 + 0.08 (500 − q) (b = 20 / (0.5 × 500)),
    qmax = 750 in 10 blocks of 75 t valued at P(midpoint): blocks 0–6 ≥ 21 > 20, block 7 = 15 < 20,
    so 7 × 75 = 525 t served at $20/kg, nothing unserved."""
    res = solved("ban2")
    d = res.tables["demand"]
    us_def = rows(d, node="US", segment="defence").iloc[0]
    us_civ = rows(d, node="US", segment="civil").iloc[0]
    cn = rows(d, node="CN").iloc[0]
    assert (us_def.served_t, us_def.unserved_t, us_def.shortage_t, us_def.priced_out_t) == pytest.approx((30, 20, 20, 0))
    assert (us_civ.served_t, us_civ.shortage_t, us_civ.priced_out_t) == pytest.approx((0, 0, 300))
    assert (cn.served_t, cn.unserved_t, cn.shortage_t, cn.priced_out_t) == pytest.approx((525, 0, 0, 0))
    assert (d["shortage_t"] + d["priced_out_t"]).values == pytest.approx(d["unserved_t"].values)
    p = res.tables["prices"].set_index("node")["price_usd_per_kg"]
    assert p["US"] == pytest.approx(1000.0) and p["CN"] == pytest.approx(20.0)
    # security.csv and summary.json carry the split
    sec = res.tables["security"]
    us = rows(sec, node="US", commodity="magnet").set_index("metric")["value"]
    assert us["shortage_t"] == pytest.approx(20) and us["priced_out_t"] == pytest.approx(300)
    assert us["unserved_t"] == pytest.approx(320) and us["shortage_share"] == pytest.approx(20 / 350)
    s = res.summary
    assert s["shortage_t"]["expected"] == pytest.approx(20) and s["priced_out_t"]["expected"] == pytest.approx(300)
    assert s["security"]["total_shortage_t"]["all_years"]["worst"] == pytest.approx(20)


# ---------------------------------------------------------------- part 5: no price without a market

def test_a_node_with_no_market_has_no_price():
    """JP is a node of ban2 with no demand, facility or route: no row in prices.csv (never $0)."""
    p = solved("ban2").tables["prices"]
    assert set(p["node"]) == {"CN", "US"}
    assert (p["price_usd_per_kg"] > 0).all()


def test_exporter_price_is_the_netback_not_the_arbitrary_split(tmp_path):
    """A node that exports all it makes and imports nothing: its balance dual splits arbitrarily
    with the rule of origin's dual; the reported price is their sum, the netback.

    ban2 plus a Japanese plant (100 t at $10/kg, no Japanese demand, route JP → US at $1/kg), under
    the ban. US supply: JP's 100 t (the US plant at $60/kg is dearer than the price found below).
    Defence takes 50 t; civil gets 50 t. The US civil curve P(q) = 22 + b (300 − q),
    b = 22 / (0.5 × 300) = 0.14667, qmax = 450 in 10 blocks of 45 t valued at 66 − 6.6 (k + ½):
    block 0 = 62.7 (45 t), block 1 = 56.1 (5 t of 45): US price $56.1/kg. JP's price is the netback
    56.1 − 1 = $55.1/kg, plus the origin tie-break's $0.001/kg reward on clean US imports (not whatever share of it the solver leaves on JP's balance row)."""
    import shutil
    from reebloc.app.run import run_in_memory
    data = tmp_path / "data"
    shutil.copytree(CONFIGS / "../data/ban2", data)
    with open(data / "facilities.csv", "a") as f:
        f.write("jp_plant,JP,make,jp,operating,2025,2025,fixture\n")
    with open(data / "capacity.csv", "a") as f:
        f.write("jp_plant,2025,100,fixture\n")
    with open(data / "costs.csv", "a") as f:
        f.write("jp_plant,2025,10,,fixture\n")
    with open(data / "routes.csv", "a") as f:
        f.write("JP,US,magnet,1,fixture\n")
    path = tmp_path / "jp.yaml"
    path.write_text((CONFIGS / "ban2.yaml").read_text().replace("inputs: ../data/ban2", "inputs: data"))
    res = run_in_memory(path)
    p = res.tables["prices"].set_index("node")["price_usd_per_kg"]
    assert p["US"] == pytest.approx(56.1)
    assert p["JP"] == pytest.approx(55.1, abs=0.002)   # + the $0.001/kg clean tie-break (origin:)
    d = rows(res.tables["demand"], node="US").set_index("segment")
    assert d.loc["defence", "served_t"] == pytest.approx(50) and d.loc["civil", "served_t"] == pytest.approx(50)


def test_a_floor_referencing_a_node_with_no_market_is_refused(tmp_path, capsys):
    """A price floor whose reference node never has a market for its commodity: one line, exit 2."""
    from reebloc.app.cli import main
    text = (CONFIGS / "ban2.yaml").read_text().replace("inputs: ../data/ban2",
                                                        f"inputs: {(CONFIGS / '../data/ban2').resolve()}")
    text += ("policies:\n  f: {kind: price_floor, facilities: [us_plant], commodity: magnet, "
             "price_usd_per_kg: 80, reference_node: JP, payer: US}\n")
    path = tmp_path / "floor.yaml"
    path.write_text(text)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "policies.f.reference_node" in err[0] and "JP has no market for magnet" in err[0]


SUB_FILES = {
    "nodes.csv": "node,name,source_id\nCN,China,fx\nUS,USA,fx\n",
    "commodities.csv": "commodity,name,stage,source_id\nndpr_oxide,o,separation,fx\nce_oxide,ce,separation,fx\n",
    "processes.csv": "process,commodity,coefficient_t,source_id\nseparation,ndpr_oxide,1,fx\nce_sep,ce_oxide,1,fx\n",
    "facilities.csv": ("facility,node,process,owner,status,start_year,end_year,source_id\n"
                       "cn_sep,CN,separation,s,operating,2025,2025,fx\nus_ce,US,ce_sep,x,operating,2025,2025,fx\n"),
    "capacity.csv": "facility,year,capacity_t,source_id\ncn_sep,2025,CNCAP,fx\nus_ce,2025,100000,fx\n",
    "costs.csv": ("facility,year,cost_usd_per_kg,slope_usd_per_kg_per_t,source_id\n"
                  "cn_sep,2025,60,,fx\nus_ce,2025,25,,fx\n"),
    "demand.csv": ("node,segment,commodity,year,quantity_t,price_usd_per_kg,elasticity,voll_usd_per_kg,source_id\n"
                   "US,motors,ndpr_oxide,2025,1000,0,0,500,fx\n"),
    "routes.csv": "origin,destination,commodity,freight_usd_per_kg,source_id\nCN,US,ndpr_oxide,2,fx\n",
    "substitution.csv": ("segment,commodity,substitute,max_share,ratio_t_per_t,source_id\n"
                         "motors,ndpr_oxide,ce_oxide,0.3,2,fx\n"),
    "sources.csv": "source_id,citation,url,note\nfx,fixture,,round numbers\n",
    "assumptions.csv": "assumption_id,description,unit,central,low,high,note\n",
}


@pytest.mark.parametrize("demand", ["ces", "linear"])
@pytest.mark.parametrize("case,served,price", [("calm", 1000.0, 62.0), ("ban", 300.0, 500.0), ("cap400", 700.0, 500.0)])
def test_a_substitute_keeps_its_share_when_the_commodity_is_cut(tmp_path, case, served, price, demand):
    """US motors: 1,000 t of NdPr at VOLL $500 (inelastic); China makes it at $60 (+$2 freight);
    Ce oxide at $25 replaces it for up to 30% at 2 t per t (2 × 25 = 50 < 62: it always pays).
    Calm: 300 t replaced, 700 t NdPr, price $62. China banned: the substitute still serves its
    300 t, 700 t short, price at VOLL $500. China limited to 400 t: 400 + 300 = 700 t served, price
    $500. (With the share on *served* quantity the ban served nothing and the price was $692.86:
    each tonne of NdPr 'unlocked' 0.43 t of substitute.)"""
    from conftest import solve_files
    files = {name: text.replace("CNCAP", "400" if case == "cap400" else "100000") for name, text in SUB_FILES.items()}
    ban = ("scenarios: {x: {probability: 1.0, export_controls: {b: {exporter: CN, commodities: [ndpr_oxide], "
           "destinations: [US], years: {start: 2025, end: 2025}, kind: ban}}}}\n") if case == "ban" else ""
    res = solve_files(tmp_path, files, "name: sub\nyears: {start: 2025, end: 2025}\ndiscount_rate: 0\n"
                      f"trade: {{gradual: false}}\ncurves: {{demand: {demand}}}\n" + ban)   # both tail rules
    d = res.tables["demand"].iloc[0]
    assert d.served_t == pytest.approx(served, abs=1e-6)
    assert d.served_by_substitutes_t == pytest.approx(300.0, abs=1e-6)
    assert d.shortage_t == pytest.approx(1000.0 - served, abs=1e-6)
    p = res.tables["prices"]
    assert float(p[(p.node == "US") & (p.commodity == "ndpr_oxide")].price_usd_per_kg.iloc[0]) == pytest.approx(price, abs=1e-6)
