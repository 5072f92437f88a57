"""The Python API (model/api.py): run with overrides, load, compare, scorecard, plots.

Economics on the hand-solvable NdPr market of tests/data/two: China supplies at $60/kg with $2/kg
freight to the US; MP (US) makes 1,000 t at $80/kg; US demand is 5,000 t/yr, inelastic.
A specific tariff of $30/kg on China → US lifts the landed Chinese price to 60 + 2 + 30 = $92/kg,
above MP's $80, so MP runs at capacity, China supplies the other 4,000 t, the US price is $92/kg
and tariff revenue is 30 $/kg × 4,000 t × 1,000 kg/t = $120M a year (a negative cost to the US).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import reebloc
from reebloc.errors import ReeblocError

ROOT = Path(__file__).resolve().parent.parent
TWO = ROOT / "tests" / "configs" / "two.yaml"
TARIFF = {"kind": "tariff", "origins": ["CN"], "destinations": ["US"], "specific_usd_per_kg": 30}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("api")
    base = reebloc.run(TWO, out=out)
    tariff = reebloc.run(TWO, out=out, name="two_tariff", policies={"us_tariff": TARIFF})
    return base, tariff, out


def test_import_is_light():
    code = "import sys, reebloc; assert 'pandas' not in sys.modules and 'pyomo' not in sys.modules; print(reebloc.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == reebloc.__version__
    assert callable(reebloc.run) and callable(reebloc.load) and callable(reebloc.compare)


def test_tariff_override_gives_the_hand_solved_market(two_runs):
    base, tariff, _ = two_runs
    us = tariff.prices[tariff.prices["node"] == "US"]
    assert us["price_usd_per_kg"].tolist() == pytest.approx([92.0, 92.0])          # 60 + 2 + 30
    assert base.prices[base.prices["node"] == "US"]["price_usd_per_kg"].tolist() == pytest.approx([62.0, 62.0])   # 60 + 2
    gov = tariff.government.groupby("year")["usd"].sum()
    assert gov.tolist() == pytest.approx([-120e6, -120e6])                            # 30 × 4,000 t × 1,000


def test_overrides_are_logged_like_config_overrides(two_runs, tmp_path):
    _, tariff, _ = two_runs
    assert "name: two -> two_tariff (python)" in tariff.overrides
    assert any(o.startswith("policies: (not set) -> {us_tariff:") and o.endswith("(python)") for o in tariff.overrides)
    # the same change written as a config file with base: gives the same tables
    cfg = tmp_path / "tariff.yaml"
    cfg.write_text(f"base: {TWO}\nname: two_tariff\npolicies:\n  us_tariff: {{kind: tariff, origins: [CN], "
                   "destinations: [US], specific_usd_per_kg: 30}\n")
    from_file = reebloc.run(cfg)
    for name in ("prices", "flows", "government", "welfare"):
        pd.testing.assert_frame_equal(from_file.table(name), tariff.table(name))
    # dotted keywords (a__b) merge into mappings: changing one field keeps the others
    cheaper = reebloc.run(cfg, policies__us_tariff__specific_usd_per_kg=10)
    assert "policies.us_tariff.specific_usd_per_kg: 30 -> 10 (python)" in cheaper.overrides
    assert cheaper.prices.query("node == 'US'")["price_usd_per_kg"].tolist() == pytest.approx([72.0, 72.0])  # 60 + 2 + 10


def test_bad_override_is_one_line():
    with pytest.raises(ReeblocError, match=r"discount_rat: unknown key; did you mean 'discount_rate'\?"):
        reebloc.run(TWO, discount_rat=0.1)


def test_load_gives_the_written_tables(two_runs):
    _, tariff, out = two_runs
    loaded = reebloc.load(out / "two_tariff")
    assert loaded.summary == tariff.summary
    assert loaded.manifest["overrides"] == tariff.overrides
    assert set(loaded.table_names) == set(tariff.table_names)
    pd.testing.assert_frame_equal(loaded.prices, pd.read_csv(out / "two_tariff" / "prices.csv"))
    with pytest.raises(ReeblocError, match="run folder not found"):
        reebloc.load(out / "nope")


def test_compare_has_delta_columns_in_readers_units(two_runs):
    base, tariff, out = two_runs
    df = reebloc.compare([base, tariff], baseline=base)
    assert list(df.columns) == ["figure", "unit", "two", "two_tariff", "Δ two_tariff"]
    row = df.set_index("figure").loc["Objective (optimisation term, not welfare)"]
    assert row["unit"] == "$M" and row["two"] == pytest.approx(base.summary["objective_kusd"] / 1e3)
    g = df.set_index("figure").loc["Government cost, discounted: total"]
    # -120M in 2025 and -120M / 1.05 in 2026 (discount rate 0 in two.yaml: both -120M)
    assert g["two_tariff"] == pytest.approx(-240.0) and g["Δ two_tariff"] == pytest.approx(-240.0 - g["two"])
    # paths work as well as Results, and give the same numbers
    df2 = reebloc.compare([out / "two", out / "two_tariff"], baseline=out / "two")
    pd.testing.assert_frame_equal(df.drop(columns=[]), df2)


def test_scorecard_is_hand_computed(two_runs):
    base, tariff, _ = two_runs
    sc = reebloc.compare([base, tariff], baseline=base, scorecard=True).set_index("variant")
    # US budget cost: tariff revenue is a negative cost, -240 $M over two undiscounted years
    assert sc.at["two_tariff", "US budget cost, $M"] == pytest.approx(-240.0)
    assert sc.at["two_tariff", "Δ US budget cost, $M"] == pytest.approx(-240.0)
    # US welfare change: consumers pay 92 − 62 = 30 $/kg more on 5,000 t (−150M/yr); MP, idle at
    # $62, now earns 92 − 80 = 12 $/kg on 1,000 t (+12M/yr); tariff revenue +120M/yr: net −18M/yr,
    # the cost of making 1,000 t at $80 instead of landing it at $62; −36 $M over two years
    assert sc.at["two_tariff", "Δ US welfare (change), $M"] == pytest.approx(-36.0, rel=1e-6)
    assert sc.at["two", "Δ US welfare (change), $M"] == 0


def test_plots_are_figures(two_runs):
    base, tariff, _ = two_runs
    fig = tariff.plot_government_cost(base)
    assert len([ax for ax in fig.axes if ax.get_visible()]) >= 1
    assert tariff.plot_prices(base).axes


def test_unknown_table_is_one_line(two_runs):
    base, _, _ = two_runs
    with pytest.raises(ReeblocError, match="unknown table 'price'"):
        base.table("price")
