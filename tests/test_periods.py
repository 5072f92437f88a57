"""Periods shorter than a year (docs/model.md § Periods), hand-solved on tests/data/two: China
$60/kg + $2 freight to the US; MP (US) $80/kg for 1,000 t/yr; a US backstop $100/kg; US demand
5,000 t/yr, inelastic; discount rate 0; 2025-2026.

Every variable is a per-year rate; a period of L years weights it by L in the objective, in
stock balances and in the tables (the period's amounts), so
- splitting a year into periods with the same data reproduces the annual solution exactly;
- a ban from May 2026 (periods January-April and May-December) gives 2026 China→US
  5,000 × 4/12 = 1,666.7 t, MP 1,000 × 8/12 = 666.7 t, the backstop (us_other) 4,000 × 8/12 = 2,666.7 t and
  the year's price (62 × 4 + 100 × 8) / 12 = 87.33 (length-weighted);
- a private holder (holding cost h = $1/kg/yr) that carries 2026's demand (a ban all of 2026)
  buys in July-December 2025 only, holds 5,000 t for half a year, and sets the 2026 price at
  62 + h × ½ = 62.5 (whole years: 62 + h = 63).
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings, strategies as st

from reebloc.app.run import solve_resolved
from reebloc.inputs.config import apply_overrides
from tests.policy_helpers import BASE, DATA, solve_two
from tests.test_storage import storage

M = 1e6
BAN = {"probability": 1.0, "export_controls": {"cn_ban": {
    "exporter": "CN", "commodities": ["ndpr_oxide"], "destinations": ["US", "JP"], "kind": "ban",
    "years": {"start": 2026, "from_month": 5, "end": 2026}}}}


def by_period(r, name):
    return r.tables[f"{name}_by_period"]


def test_ban_from_may_weights_each_period_by_its_length():
    r = solve_two(scenarios={"ban": BAN}, extra={"periods": {2026: [4, 8]}})
    f = by_period(r, "flows")
    cn_us = f[(f.origin == "CN") & (f.destination == "US") & (f.year == 2026)].set_index("period")
    assert cn_us.loc["2026-01", "quantity_t"] == pytest.approx(5000 * 4 / 12)
    assert "2026-05" not in cn_us.index                          # banned May-December
    p = by_period(r, "production").query("year == 2026").groupby(["period", "facility"]).quantity_t.sum()
    assert p["2026-05", "mp"] == pytest.approx(1000 * 8 / 12)
    assert p["2026-05", "us_other"] == pytest.approx(4000 * 8 / 12)
    pr = by_period(r, "prices").query("node == 'US' and year == 2026").set_index("period").price_usd_per_kg
    assert pr["2026-01"] == pytest.approx(62.0) and pr["2026-05"] == pytest.approx(100.0)
    # the annual tables: amounts summed, the price length-weighted
    flows = r.tables["flows"]
    annual = flows[(flows.origin == "CN") & (flows.destination == "US") & (flows.year == 2026)].quantity_t.sum()
    assert annual == pytest.approx(5000 * 4 / 12)
    us = r.tables["prices"].query("node == 'US' and year == 2026").price_usd_per_kg.iloc[0]
    assert us == pytest.approx((62 * 4 + 100 * 8) / 12)
    d = r.tables["demand"].query("node == 'US' and year == 2026")
    assert d.served_t.sum() == pytest.approx(5000.0)
    # US supply cost of 2026: MP 1,000·8/12·$80 + the backstop 4,000·8/12·$100, in production.csv
    cost = r.tables["production"].query("year == 2026 and node == 'US'").cost_usd.sum()
    assert cost == pytest.approx((1000 * 8 / 12 * 80 + 4000 * 8 / 12 * 100) * 1000, rel=1e-6)


def test_private_stock_held_half_a_year_costs_half_the_holding():
    whole_year_ban = {"probability": 1.0, "export_controls": {"cn_ban": {
        **BAN["export_controls"]["cn_ban"], "years": {"start": 2026, "end": 2026}}}}
    annual = solve_two(scenarios={"ban": whole_year_ban})

    def run(periods):
        cfg = apply_overrides(BASE, {"scenarios": {"ban": whole_year_ban}, "periods": periods})
        return solve_resolved(cfg, DATA.with_table("storage", storage(holding=1.0)))
    assert annual.tables["prices"].query("node == 'US' and year == 2026").price_usd_per_kg.iloc[0] == pytest.approx(100.0)
    whole = run({})
    assert whole.tables["prices"].query("node == 'US' and year == 2026").price_usd_per_kg.iloc[0] == pytest.approx(63.0)
    split = run({2025: [6, 6]})
    assert split.tables["prices"].query("node == 'US' and year == 2026").price_usd_per_kg.iloc[0] == pytest.approx(62.5)
    s = by_period(split, "stockpiles").set_index("period")
    assert s.loc["2025-01", "stock_t"] == pytest.approx(0.0, abs=1e-6)      # nothing bought early
    assert s.loc["2025-07", "purchase_t"] == pytest.approx(5000.0)         # the half-year's amount
    assert s.loc["2025-07", "stock_t"] == pytest.approx(5000.0)
    assert s.loc["2026", "release_t"] == pytest.approx(5000.0)
    # the annual table: purchases summed, the stock at the year's end
    y = split.tables["stockpiles"].set_index("year")
    assert y.loc[2025, "purchase_t"] == pytest.approx(5000.0) and y.loc[2025, "stock_t"] == pytest.approx(5000.0)
    # welfare: the holding cost is $1/kg/yr × 5,000 t × ½ yr = $2.5M, against $5M with whole years
    w_whole = whole.tables["welfare"].total_usd.sum()
    w_split = split.tables["welfare"].total_usd.sum()
    assert w_split - w_whole == pytest.approx(2.5 * M, rel=1e-6)


splits = st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=4).filter(lambda p: sum(p) <= 12)


@settings(max_examples=6, deadline=None, phases=[Phase.explicit, Phase.generate])   # no shrinking: each case solves twice
@given(a=splits, b=splits)
def test_splitting_years_with_the_same_data_reproduces_the_annual_solution(a, b):
    """Property: any split of 2025 and 2026 into periods (the months completed to 12), same data,
    a ban all of 2026, an ad valorem tariff and a one-off grant: the annual tables and the
    objective are unchanged (the grant booked once, in its year's first period)."""
    parts = {2025: a + ([12 - sum(a)] if sum(a) < 12 else []), 2026: b + ([12 - sum(b)] if sum(b) < 12 else [])}
    ban = {"probability": 1.0, "export_controls": {"cn_ban": {**BAN["export_controls"]["cn_ban"],
                                                              "years": {"start": 2026, "end": 2026}}}}
    tariff = {"t": {"kind": "tariff", "origins": ["CN"], "destinations": ["US"], "ad_valorem": 0.1},
              "g": {"kind": "outlay", "type": "grant", "amount_usd": 5e6, "year": 2026, "payer": "US_DoD"}}
    annual = solve_two(tariff, scenarios={"ban": ban})
    split = solve_two(tariff, scenarios={"ban": ban}, extra={"periods": parts})
    assert split.summary["welfare_total_usd_discounted"] == pytest.approx(annual.summary["welfare_total_usd_discounted"], rel=1e-9)
    for name, cols in (("flows", ["quantity_t"]), ("production", ["quantity_t", "cost_usd"]),
                       ("prices", ["price_usd_per_kg"]), ("government", ["usd"]),
                       ("welfare", ["consumer_surplus_usd", "producer_surplus_usd", "total_usd"])):
        x, y = annual.tables[name], split.tables[name]
        assert len(x) == len(y), name
        for c in cols:
            assert y[c].to_numpy() == pytest.approx(x[c].to_numpy(), rel=1e-9, abs=1e-6), (name, c)
    grant = lambda r: r.tables["government"].query("instrument == 'grant'").usd.sum()  # noqa: E731
    assert grant(annual) > 4e6 and grant(split) == pytest.approx(grant(annual))       # booked once
    assert split.summary["government_cost_usd_discounted"] == pytest.approx(annual.summary["government_cost_usd_discounted"])
    assert split.tables["prices_by_period"].period.nunique() == len(parts[2025]) + len(parts[2026])
