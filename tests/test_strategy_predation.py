"""A predatory China against an ex-China project, and the floor that defeats it (issue 17).

Two nodes (built on tests/test_investment.py's fixture, without the US backstop), one
scenario, 2025–2026, social discount rate 5%:
- China makes NdPr oxide at $80/kg (ample) and ships to the US at $2/kg: the competitive US
  price is $82. US demand 5,000 t/yr, China's 1,000 t/yr (inelastic, VOLL $500/kg).
- Project ``us_new``: up to 1,000 t/yr, cash cost $70/kg, decided in 2025, online 2026, capital
  charge A = $5/kg a year (capex chosen so). It is built iff the 2026 US price P satisfies
  P − 70 ≥ A, i.e. P ≥ 75: at $82 it is built.
- China's objective: deterrence, payoff − δ × ex-China separation output with δ = $50/kg; its
  instrument an export tax on NdPr oxide in 2026 in [−20, 0] (a subsidy: a price cut).
  Letting the project in costs China δ × 1,000 t = $50M; keeping it out needs P ≤ 75, a subsidy
  τ = −7 on its 5,000 t of exports: $35M. Predation pays: τ* = −7, P = 75, nothing built.
- A CfD floor F on ``us_new`` (reference the US price) makes the project earn max(F, P): it is
  built whatever China does iff F − 70 ≥ A, so the floor that defeats predation is F* = 75. With
  F = 76 the project is built, predation no longer deters it, and China's best response is no
  subsidy (τ = 0, P = 82).
"""

from __future__ import annotations

import pytest

from reebloc.app.run import solve_resolved
from reebloc.inputs.config import load_config
from tests.test_investment import FILES, PROJECT_HEADER, capex_for_charge, project_row

A = 5.0
DELTA = 50.0

CONFIG = """name: predation
inputs: data
years: {start: 2025, end: 2026}
discount_rate: 0.05
scenarios:
  calm: {probability: 1.0}
strategy:
  objective: deterrence
  deterrence: {weight_usd_per_kg: %(delta)s, processes: [separation]}
  instruments:
    subsidy: {kind: export_tax, commodity: ndpr_oxide, low: -20, high: 0, years: {start: 2026, end: 2026}}
  search: {grid_points: 21, tolerance: 1.0e-4, max_sweeps: 3, min_gain_usd: 1}
"""


@pytest.fixture
def make(tmp_path):
    def build(floor=None):
        folder = tmp_path / "data"
        folder.mkdir(exist_ok=True)
        for name, text in FILES.items():
            text = "\n".join(ln for ln in text.split("\n") if not ln.startswith("us_backstop"))   # no backstop
            text = text.replace("cn_sep,2025,60", "cn_sep,2025,80").replace("cn_sep,2026,60", "cn_sep,2026,80") \
                       .replace("cn_sep,2027,60", "cn_sep,2027,80")
            (folder / name).write_text(text)
        (folder / "projects.csv").write_text(PROJECT_HEADER + project_row(capex_for_charge(A)))
        text = CONFIG % {"delta": DELTA}
        if floor is not None:
            text += ("policies:\n  cfd: {kind: price_floor, facilities: [us_new], commodity: ndpr_oxide, "
                     f"price_usd_per_kg: {floor}, reference_node: US, payer: US}}\n")
        cfg = tmp_path / "predation.yaml"
        cfg.write_text(text)
        return solve_resolved(load_config(cfg))
    return build


def us_price(r, year=2026):
    p = r.tables["prices"]
    return float(p[(p.node == "US") & (p.year == year)].price_usd_per_kg.iloc[0])


def built_t(r):
    return float(r.tables["investment"].capacity_added_t.sum())


def test_predatory_china_keeps_the_project_out(make):
    r = make()
    tau = float(r.tables["strategy"].value.iloc[0])
    assert tau == pytest.approx(-7.0, abs=0.01)
    assert us_price(r) == pytest.approx(75.0, abs=0.01)
    assert built_t(r) == pytest.approx(0.0, abs=1e-6)
    s = r.summary["strategy"]
    # payoff: the 2026 subsidy on 5,000 t, discounted one year
    assert s["payoff_usd_discounted"] == pytest.approx(-7.0 * 5000 * 1000 / 1.05, rel=1e-3)


def test_floor_at_the_hand_computed_level_gets_the_project_built(make):
    r = make(floor=76)
    assert built_t(r) == pytest.approx(1000.0, abs=1e-6)
    tau = float(r.tables["strategy"].value.iloc[0])
    assert tau == pytest.approx(0.0, abs=0.01)          # predation no longer pays
    assert us_price(r) == pytest.approx(82.0, abs=0.01)


def test_floor_below_the_hand_computed_level_does_not(make):
    r = make(floor=74)
    assert built_t(r) == pytest.approx(0.0, abs=1e-6)
    assert float(r.tables["strategy"].value.iloc[0]) < -6.0
