"""Money right (issue 16): budget cost as budget offices measure it, nominal vs real, cost-plus at
cost, transfers abroad, national welfare by country. Hand-computed on tests/data/two (China $60/kg
+ $2 freight, MP $80/kg for 1,000 t, US backstop $100/kg, US demand 5,000 t; discount rate 0)."""

from __future__ import annotations

import pytest

from reebloc.inputs.policies import Outlay
from tests.policy_helpers import DATA, BASE, gov, output, price, solve_two

KG = 1000.0
M = 1e6


def outlay(**kw):
    return Outlay.model_validate({"kind": "outlay", "year": 2025, "payer": "US_DoD", **kw})


def test_loan_credit_subsidy_by_hand():
    """$100M, 2 years, interest subsidy 2%, expected loss 10%, Treasury rate 5%.
    Linear repayment: balances 100, 50 (sum 150); losses spread by balance: 6.667, 3.333.
    Year 1: (0.02·100 + 10·100/150)/1.05 = 8.6667/1.05 = 8.25397;
    year 2: (0.02·50 + 10·50/150)/1.05² = 4.3333/1.1025 = 3.93046; total 12.18443.
    Bullet: balances 100, 100: 7/1.05 + 7/1.1025 = 6.66667 + 6.34921 = 13.01587."""
    lo = outlay(type="loan", amount_usd=100 * M, interest_subsidy_rate=0.02, expected_loss_rate=0.1, term_years=2)
    assert lo.budget_cost(0.05) == pytest.approx(12.18443 * M, abs=10)
    assert lo.model_copy(update={"repayment": "bullet"}).budget_cost(0.05) == pytest.approx(13.01587 * M, abs=10)
    # a guarantee with a 1% fee above the benchmark and 10% expected claims: −1 + 6.667 / ... (same formula)
    g = outlay(type="guarantee", amount_usd=100 * M, interest_subsidy_rate=-0.01, expected_loss_rate=0.1, term_years=2)
    assert g.budget_cost(0.05) == pytest.approx(((-1 + 20 / 3) / 1.05 + (-0.5 + 10 / 3) / 1.1025) * M, abs=10)


def test_loan_in_the_run_booked_once_at_its_subsidy_cost():
    """The run books the credit subsidy in the disbursement year, as FCRA does; none in later years."""
    r = solve_two({"loan": {"kind": "outlay", "type": "loan", "amount_usd": 100 * M, "year": 2025, "payer": "US_DoD",
                            "interest_subsidy_rate": 0.02, "expected_loss_rate": 0.1, "term_years": 2}},
                  extra={"money": {"credit_discount_rate": 0.05}})
    assert gov(r, "loan", year=2025) == pytest.approx(12.18443 * M, abs=10)
    assert gov(r, "loan", year=2026) == 0.0
    assert r.summary["us_budget_cost_usd"] == pytest.approx(12.18443 * M, abs=10)


def test_equity_at_expected_loss_with_a_range():
    """$400M stake, expected loss 25% (range 10–50%): budget cost $100M (40–200), not $400M."""
    r = solve_two({"eq": {"kind": "outlay", "type": "equity", "amount_usd": 400 * M, "year": 2025,
                          "payer": "US_DoD", "expected_loss_rate": 0.25, "expected_loss_range": [0.1, 0.5]}})
    assert gov(r, "equity", year=2025) == pytest.approx(100 * M)
    assert r.summary["us_budget_cost_usd"] == pytest.approx(100 * M)
    assert r.summary["us_budget_cost_range_usd"] == pytest.approx({"low": 40 * M, "high": 200 * M})


def test_equity_needs_an_expected_loss():
    from reebloc.errors import ReeblocError
    with pytest.raises(ReeblocError, match="expected_loss_rate"):
        solve_two({"eq": {"kind": "outlay", "type": "equity", "amount_usd": 1.0, "year": 2025}})


def test_nominal_outlay_deflated_and_out_of_horizon_booked_at_equal_discounted_value():
    """A $110M grant in 2028 (nominal), inflation 10%, real discount 10%, run 2025–2026:
    real 2025 dollars 110/1.1³ = 82.6446; booked in 2026 at 82.6446·1.1^−2 = 68.3013, which
    discounted to 2025 is 62.0921 = 82.6446/1.1³ — the value the 2028 flow has."""
    r = solve_two({"g": {"kind": "outlay", "type": "grant", "amount_usd": 110 * M, "year": 2028, "payer": "US"}},
                  extra={"money": {"inflation_rate": 0.1}, "discount_rate": 0.1})
    assert gov(r, "grant", year=2026) == pytest.approx(110 / 1.1 ** 3 / 1.1 ** 2 * M, rel=1e-9)
    assert r.summary["us_budget_cost_usd"] == pytest.approx(110 / 1.1 ** 6 * M, rel=1e-9)
    w = r.tables["welfare"]
    us = w[(w.node == "US") & (w.year == 2026)]
    assert float(us.government_net_usd.iloc[0]) == pytest.approx(-gov(r, "grant", year=2026), rel=1e-9)


def test_nominal_floor_deflated():
    """$110/kg nominal, inflation 10%, price year 2025: real floor 110 in 2025, 100 in 2026;
    China $60, so the CfD pays (110 − 60)·1,000 t = $50M in 2025 and (100 − 60)·1,000 t = $40M in 2026."""
    fl = {"kind": "price_floor", "facilities": ["mp"], "commodity": "ndpr_oxide", "price_usd_per_kg": 110,
          "reference_node": "CN", "payer": "US_DoD", "price_basis": "nominal"}
    r = solve_two({"f": fl}, extra={"money": {"inflation_rate": 0.1}})
    assert output(r, "mp", 2026) == pytest.approx(1000.0)
    assert gov(r, "price_floor", year=2025) == pytest.approx(50 * M, abs=1)
    assert gov(r, "price_floor", year=2026) == pytest.approx(40 * M, abs=1)
    r_real = solve_two({"f": {**fl, "price_basis": "real"}}, extra={"money": {"inflation_rate": 0.1}})
    assert gov(r_real, "price_floor", year=2026) == pytest.approx(50 * M, abs=1)


def chain_data():
    """tests/data/two plus a US magnet plant of MP's (owner mp): magnet = 0.5 t oxide + $20/kg,
    100 t of inelastic US magnet demand."""
    import pandas as pd
    d = DATA
    add = lambda name, rows: d[name].pipe(lambda df: pd.concat([df, pd.DataFrame(rows, columns=df.columns)],  # noqa: E731
                                                                ignore_index=True))
    tables = {
        "commodities": add("commodities", [("magnet", "magnet", "magnet", "fixture")]),
        "processes": add("processes", [("magnet_make", "ndpr_oxide", -0.5, "fixture"),
                                       ("magnet_make", "magnet", 1, "fixture")]),
        "facilities": add("facilities", [("mp_mag", "US", "magnet_make", "mp", "operating", 2025, 2026, "fixture")]),
        "capacity": add("capacity", [("mp_mag", y, 1000, "fixture") for y in (2025, 2026)]),
        "costs": add("costs", [("mp_mag", y, 20, None, "fixture") for y in (2025, 2026)]),
        "demand": add("demand", [("US", "motors", "magnet", y, 100, 0, 0, 500, "asm_fixture_voll") for y in (2025, 2026)]),
    }
    for k, v in tables.items():
        d = d.with_table(k, v)
    return d


def solve_chain(policies, cn_cost):
    from reebloc.app.run import solve_resolved
    from reebloc.inputs.config import apply_overrides
    data = chain_data()
    costs = data["costs"].copy()
    costs.loc[costs.facility == "cn_sep", "cost_usd_per_kg"] = cn_cost
    return solve_resolved(apply_overrides(BASE, {"policies": policies}), data.with_table("costs", costs))


@pytest.mark.parametrize("valuation, contract", [("cost", (20 + 0.5 * 80) * 1.25), ("market", (20 + 0.5 * 100) * 1.25)])
def test_cost_plus_at_cost(valuation, contract):
    """China at $130 (scarce): the US oxide price is the $100 backstop. MP's magnet offtake at
    cost-plus 25%: at cost the oxide input is valued at MP's own $80/kg separation cost,
    (20 + 0.5·80)·1.25 = $75/kg; at market (20 + 0.5·100)·1.25 = $87.5/kg."""
    off = {"kind": "offtake", "facility": "mp_mag", "commodity": "magnet", "volume_t": 100, "cost_plus_margin": 0.25,
           "buyer": "US_DoD", "input_valuation": valuation}
    r = solve_chain({"off": off}, cn_cost=130)
    p = r.tables["prices"]
    assert float(p[(p.node == "US") & (p.commodity == "ndpr_oxide") & (p.year == 2025)].price_usd_per_kg.iloc[0]) \
        == pytest.approx(100.0)
    q = output(r, "mp_mag")
    assert q == pytest.approx(100.0)
    assert gov(r, "offtake", "off") == pytest.approx(contract * q * KG, abs=1)


def test_cost_plus_buys_at_market_when_cheaper():
    """China at $60: the US oxide price $62 is below MP's $80, so at cost the input is $62:
    (20 + 31)·1.25 = $63.75/kg."""
    off = {"kind": "offtake", "facility": "mp_mag", "commodity": "magnet", "volume_t": 100, "cost_plus_margin": 0.25,
           "buyer": "US_DoD"}
    r = solve_chain({"off": off}, cn_cost=60)
    assert gov(r, "offtake", "off") == pytest.approx(63.75 * 100 * KG, abs=1)


def test_transfer_to_a_foreign_producer_counted_abroad():
    """A US CfD on Japan's plant (2,000 t at $70, $1 freight to the US) and a $10M US grant to it.
    The floor pays (110 − 60)·2,000 t = $100M a year to JP; with the grant $210M over two years
    (discount 0) lands abroad. JP producer surplus: (62 − 1 − 70)·2,000 t = −$18M a year from the
    market plus the transfers = 2·(−18 + 100) + 10 = $174M. US welfare falls by what JP gains
    from the transfers; Σ countries = total."""
    from reebloc.app.run import solve_resolved
    from reebloc.inputs.config import apply_overrides
    cap = DATA["capacity"].copy()
    cap.loc[cap.facility == "jp_sep", "capacity_t"] = 2000
    pol = {"jp_floor": {"kind": "price_floor", "facilities": ["jp_sep"], "commodity": "ndpr_oxide",
                        "price_usd_per_kg": 110, "reference_node": "CN", "payer": "US_DoD"},
           "jp_grant": {"kind": "outlay", "type": "grant", "amount_usd": 10 * M, "year": 2025, "payer": "US_DoD",
                        "recipient": "JP"}}
    r = solve_resolved(apply_overrides(BASE, {"policies": pol}), DATA.with_table("capacity", cap))
    s = r.summary
    assert s["transfers_abroad_usd"] == pytest.approx({"CN": 0.0, "JP": 210 * M}, abs=1)   # every foreign node
    assert s["transfers_abroad_total_usd"] == pytest.approx(210 * M, abs=1)
    assert s["us_budget_cost_usd"] == pytest.approx(210 * M, abs=1)
    jp = s["welfare_by_country_usd"]["JP"]
    assert jp["producer_surplus_usd"] == pytest.approx(174 * M, abs=1)
    assert s["welfare_by_country_usd"]["US"]["government_net_usd"] == pytest.approx(-210 * M, abs=1)
    assert sum(v["total_usd"] for v in s["welfare_by_country_usd"].values()) == pytest.approx(
        s["welfare_total_usd_discounted"], abs=1)
    assert s["us_welfare_usd"] == s["welfare_by_country_usd"]["US"]["total_usd"]


def test_outlay_years_node_ids_and_default_home_are_checked(tmp_path, capsys):
    """Three inputs that used to pass silently: an outlay's `years` (it is booked once, in `year`:
    refused), a node id with '_' (a payer is NODE_AGENCY, so 'U_S' could not pay: refused, naming
    nodes.csv), and the default home US on a data set without a US (a warning: the US figures read 0)."""
    import shutil
    import warnings

    from reebloc.errors import ReeblocError
    from reebloc.inputs.checks import check_against_data
    from reebloc.inputs.config import load_config
    from reebloc.inputs.dataset import load_dataset
    from tests.conftest import CONFIGS, run_refused
    cfg, err = run_refused(tmp_path, capsys, "policies:\n  g: {kind: outlay, type: grant, amount_usd: 1.0e+6, "
                           "year: 2025, years: {start: 2026, end: 2026}}", name="o")
    assert err.startswith(f"error: {cfg}: policies.g: years does not apply to an outlay") and "\n" not in err
    assert not (tmp_path / "out" / "o").exists()

    data = tmp_path / "data"
    shutil.copytree(BASE.data_dir, data)
    nodes = (data / "nodes.csv").read_text()
    (data / "nodes.csv").write_text(nodes.replace("\nJP,", "\nJ_P,", 1))
    assert "J_P," in (data / "nodes.csv").read_text()
    with pytest.raises(ReeblocError) as e:
        load_dataset(data, BASE.config.year_list)
    assert "nodes.csv" in str(e.value) and "'_'" in str(e.value)

    no_home = tmp_path / "spe3.yaml"      # spe3 without its money.home: nodes r1-r3, no US
    no_home.write_text((CONFIGS / "spe3.yaml").read_text().replace("inputs: ../data/spe3", f"inputs: {CONFIGS.parent / 'data' / 'spe3'}")
                       .replace("money: {home: r1}", ""))
    spe3 = load_config(no_home)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        check_against_data(spe3, load_dataset(spe3.data_dir, spe3.config.year_list))
    assert any("money.home is US by default" in str(x.message) for x in w)
