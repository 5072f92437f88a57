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
