"""Dy and Tb apart, and magnet grades (docs/model.md § Dy and Tb, and magnet grades).

Hand-solved on tests/data/grades: one market, Tb at $800/kg, NdPr metal at $50/kg, Dy at a price
the test sets; one 2,000 t/yr plant ($10/kg) that can make

    standard  0.28 metal + 0.017 Dy + 0.003 Tb            heavy cost 0.017 P_Dy + 2.4
    GBD       0.28 metal + 0.001 Dy + 0.004 Tb, +$2.4/kg   heavy cost 0.001 P_Dy + 3.2 + 2.4
    heavy-free 0.29 metal, +$4/kg (serves at most half of the pumps segment)

Standard and GBD cost the same at P_Dy* = (2.4 + 0.001·800 − 0.003·800 + 0.003·800)/0.016
= (2.4 + 0.8)/0.016 = $200/kg: below it the plant makes standard magnets, above it GBD.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import ROOT

STD, GBD, FREE = "plant", "plant@magnet_gbd", "plant@magnet_free"
THRESHOLD = (2.4 + (0.004 - 0.003) * 800) / (0.017 - 0.001)


def _run(copy_dataset, dy_price: float, tb_price: float = 800.0, gbd_share: float = 1.0, dyonly: float | None = None):
    """Run the fixture at the given Dy and Tb prices; ``gbd_share`` limits the GBD grade to a share
    of the plant; ``dyonly`` (a premium, $/kg) adds the Dy-only bulk grade 0.28 metal + 0.023 Dy."""
    from reebloc.app.run import run_in_memory
    folder, cfg = copy_dataset("grades")
    costs = pd.read_csv(folder / "costs.csv")
    costs.loc[costs["facility"] == "dy_src", "cost_usd_per_kg"] = dy_price
    costs.loc[costs["facility"] == "tb_src", "cost_usd_per_kg"] = tb_price
    costs.to_csv(folder / "costs.csv", index=False)
    grades = pd.read_csv(folder / "grades.csv", dtype={"max_share": float})
    grades.loc[grades["process"] == "magnet_gbd", "max_share"] = gbd_share
    if dyonly is not None:
        grades.loc[len(grades)] = ["plant", "magnet_dyonly", dyonly, "fixture", 1.0, "fixture"]
        with open(folder / "processes.csv", "a") as fh:
            fh.write("magnet_dyonly,ndpr_metal,-0.28,fixture\nmagnet_dyonly,dy_oxide,-0.023,fixture\n"
                     "magnet_dyonly,ndfeb_magnet,1,fixture\n")
    grades.to_csv(folder / "grades.csv", index=False)
    return run_in_memory(cfg)


def _made(result, year: int) -> dict[str, float]:
    p = result.tables["production"]
    p = p[(p["year"] == year) & p["commodity"].isin(["ndfeb_magnet", "ndfeb_dyfree_magnet"])]
    return {f: float(q) for f, q in p.groupby("facility")["quantity_t"].sum().items()}


# the origin tie-break's preference for clean output outside the tie-break nodes (ε/100 =
# $0.00001/kg, docs/model.md § Uniqueness) may sit in a dual: prices are exact to this
DUAL_TIE = 2e-5


def _price(result, commodity: str, year: int = 2025) -> float:
    p = result.tables["prices"]
    row = p[(p["year"] == year) & (p["commodity"] == commodity)]
    assert len(row) == 1
    return float(row["price_usd_per_kg"].iloc[0])


def _fixture_coef() -> dict[tuple[str, str], float]:
    df = pd.read_csv(ROOT / "tests" / "data" / "grades" / "processes.csv")
    return {(r.process, r.commodity): -float(r.coefficient_t) for r in df.itertuples()}


def test_hand_threshold_matches_the_fixture_data():
    """The $200 of the docstring and of THRESHOLD, recomputed from the fixture's recipes and GBD
    premium: standard and GBD cost the same where Δ Dy · P_Dy = premium + Δ Tb · P_Tb. A change to
    tests/data/grades fails here instead of leaving the hand solution stale."""
    k = _fixture_coef()
    g = pd.read_csv(ROOT / "tests" / "data" / "grades" / "grades.csv").set_index("process")
    premium = float(g.loc["magnet_gbd", "cost_premium_usd_per_kg"])
    d_dy = k["magnet_std", "dy_oxide"] - k["magnet_gbd", "dy_oxide"]
    d_tb = k["magnet_gbd", "tb_oxide"] - k["magnet_std", "tb_oxide"]
    assert (premium + d_tb * 800.0) / d_dy == pytest.approx(200.0)
    assert THRESHOLD == pytest.approx((premium + d_tb * 800.0) / d_dy)


@pytest.mark.parametrize("dy_price, grade", [(190.0, STD), (210.0, GBD)])
def test_grade_switches_when_dy_crosses_its_threshold(copy_dataset, dy_price, grade):
    """Below P_Dy* = $200 the plant makes the standard grade, above it the GBD grade; the magnet
    price is the chosen recipe's cost; Dy use falls seventeen-fold when the grade switches."""
    r = _run(copy_dataset, dy_price)
    made = _made(r, 2025)
    # 1,000 t demanded: pumps take 100 t heavy-free (half of 200 t, the accepted share), the rest
    # is the Dy-bearing grade that is cheaper at this Dy price
    assert made.get(grade, 0.0) == pytest.approx(900.0)
    other = GBD if grade == STD else STD
    assert made.get(other, 0.0) == pytest.approx(0.0, abs=1e-6)
    assert made.get(FREE, 0.0) == pytest.approx(100.0)
    if grade == STD:
        heavy = 0.017 * dy_price + 0.003 * 800
        dy_use = 900 * 0.017
    else:
        heavy = 2.4 + 0.001 * dy_price + 0.004 * 800
        dy_use = 900 * 0.001
    assert _price(r, "ndfeb_magnet") == pytest.approx(10 + 0.28 * 50 + heavy, abs=DUAL_TIE)
    assert _price(r, "ndfeb_dyfree_magnet") == pytest.approx(10 + 4.0 + 0.29 * 50, abs=DUAL_TIE)
    p = r.tables["production"]
    used = -p[(p["year"] == 2025) & (p["commodity"] == "dy_oxide") & (p["quantity_t"] < 0)]["quantity_t"].sum()
    assert used == pytest.approx(dy_use)


def test_grades_share_the_plant_capacity(copy_dataset):
    """2026: 2,500 t demanded of a 2,000 t/yr plant. The grades together make 2,000 t, not 2,000 t
    each; the 500 t short is unserved and the magnet price is the $500/kg value of lost load."""
    r = _run(copy_dataset, 190.0)
    made = _made(r, 2026)
    assert sum(made.values()) == pytest.approx(2000.0)
    d = r.tables["demand"]
    assert d[d["year"] == 2026]["unserved_t"].sum() == pytest.approx(500.0)
    assert _price(r, "ndfeb_magnet", 2026) == pytest.approx(500.0)


def test_grade_share_limit_makes_the_bulk_grade_marginal(copy_dataset):
    """GBD limited to a quarter of the 2,000 t plant (thin magnets only) at P_Dy = $210, where GBD is
    the cheaper recipe: GBD makes 500 t, the standard grade the other 400 t of the Dy-bearing
    demand; the magnet price is the standard grade's cost (10 + 0.28·50 + 0.017·210 + 0.003·800 =
    $29.97/kg), so GBD earns its saving, 5.97 − 5.81 = $0.16/kg, as a rent on the limited share."""
    r = _run(copy_dataset, 210.0, gbd_share=0.25)
    made = _made(r, 2025)
    assert made[GBD] == pytest.approx(500.0) and made[STD] == pytest.approx(400.0)
    assert _price(r, "ndfeb_magnet") == pytest.approx(10 + 0.28 * 50 + 0.017 * 210 + 0.003 * 800, abs=DUAL_TIE)
    assert made.get(FREE, 0.0) == pytest.approx(100.0)


@pytest.mark.parametrize("tb_price, grade", [(800.0, "plant@magnet_dyonly"), (700.0, STD)])
def test_dy_only_grade_ties_tb_to_dy(copy_dataset, tb_price, grade):
    """The Dy-only bulk grade (Tb replaced by 2 × its weight of Dy, +$1/kg) against the standard one:
    equal where 0.023·P_Dy + 1 = 0.017·P_Dy + 0.003·P_Tb, i.e. P_Tb* = 2·P_Dy + 1/0.003 = $713.3/kg at
    P_Dy = $190. Above it (Tb $800) the plant makes Dy-only magnets, at $5.37/kg of heavies against
    standard's $5.63; below it (Tb $700) standard ($5.33 against $5.37). GBD (5.79 and 5.39) loses both times."""
    r = _run(copy_dataset, 190.0, tb_price=tb_price, dyonly=1.0)
    made = _made(r, 2025)
    assert made.get(grade, 0.0) == pytest.approx(900.0)
    heavy = 0.023 * 190 + 1.0 if grade != STD else 0.017 * 190 + 0.003 * tb_price
    assert _price(r, "ndfeb_magnet") == pytest.approx(10 + 0.28 * 50 + heavy, abs=DUAL_TIE)
    # the docstring's P_Tb* from the fixture's standard recipe and the Dy-only recipe added by _run
    k = _fixture_coef()
    tb_star = ((0.023 - k["magnet_std", "dy_oxide"]) * 190 + 1.0) / k["magnet_std", "tb_oxide"]
    assert tb_star == pytest.approx(713.333, abs=1e-3) and 700.0 < tb_star < 800.0


def test_heavy_free_grade_serves_only_segments_that_accept_it(copy_dataset):
    """The heavy-free grade is cheapest ($28.5 vs $29.63/kg) but serves at most half of pumps and no
    traction demand."""
    r = _run(copy_dataset, 190.0)
    s = r.tables["substitutes"]
    s = s[(s["year"] == 2025) & (s["substitute"] == "ndfeb_dyfree_magnet")]
    by_seg = s.groupby("segment")["substitute_t"].sum().to_dict()
    assert by_seg == pytest.approx({"pumps": 100.0})


# ----------------------------------------------------------------------------- default data

def _processes() -> pd.DataFrame:
    return pd.read_csv(ROOT / "inputs" / "default" / "processes.csv")


@pytest.mark.parametrize("process, dy_over_tb, source", [
    ("sep_ionic", 3500 / 650, "china-industry-2024: Dy 3,500 t, Tb 650 t"),
    ("sep_heavy", 240 / 66, "energy-fuels: 240 t Dy + 66 t Tb"),
    ("recycle", 3500 / 650, "China's use ratio"),
    ("new_supply_generic", 240 / 66, "hard-rock heavy stream"),
])
def test_dy_and_tb_are_joint_products_in_sourced_shares(process, dy_over_tb, source):
    """Each separation route makes Dy and Tb together, in its ore type's sourced ratio."""
    p = _processes()
    k = p[p["process"] == process].set_index("commodity")["coefficient_t"]
    assert k["dy_oxide"] > 0 and k["tb_oxide"] > 0
    assert k["dy_oxide"] / k["tb_oxide"] == pytest.approx(dy_over_tb, rel=2e-3), source


@pytest.mark.parametrize("process", ["sep_ionic", "sep_heavy"])
def test_heavy_separation_activity_is_t_of_dy_plus_tb(process):
    """A heavy separator's activity (and capacity) is t Dy+Tb: its Dy and Tb outputs sum to 1."""
    k = _processes().query("process == @process").set_index("commodity")["coefficient_t"]
    assert k["dy_oxide"] + k["tb_oxide"] == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("row, expected", [
    ("plnt,magnet_gbd,2.4,fixture,1,fixture", "unknown facility 'plnt' (not in facilities.csv or projects.csv); did you mean 'plant'?"),
    ("plant,magnet_std,0,fixture,1,fixture", "'magnet_std' is 'plant''s own process"),
    ("plant,magnet_bgd,2.4,fixture,1,fixture", "unknown process 'magnet_bgd'"),
    ("plant,magnet_std2,2.4,fixture,1.5,fixture", "expected a share of the plant's capacity in (0, 1]"),
])
def test_bad_grade_rows_are_one_line(copy_dataset, row, expected):
    from reebloc.errors import ReeblocError
    from reebloc.inputs.dataset import load_dataset
    folder, _ = copy_dataset("grades")
    with open(folder / "grades.csv", "a") as fh:
        fh.write(row + "\n")
    with pytest.raises(ReeblocError) as e:
        load_dataset(folder)
    msg = str(e.value)
    assert "grades.csv" in msg and expected in msg and "\n" not in msg
