"""Policy instruments against hand-computed answers (tests/data/two: China $60/kg + $2 freight,
MP $80/kg for 1,000 t, US backstop $100/kg, US demand 5,000 t)."""

from __future__ import annotations

import pytest

from tests.policy_helpers import flow, gov, output, price, solve_two

KG = 1000.0   # kg per t
FLOOR = {"kind": "price_floor", "facilities": ["mp"], "commodity": "ndpr_oxide", "price_usd_per_kg": 110,
         "reference_node": "CN", "payer": "US_DoD"}


@pytest.mark.parametrize("cn_cost", [60.0, 110.0, 130.0])
@pytest.mark.parametrize("share", [0.0, 0.3])
def test_cfd_payments_by_hand(cn_cost, share):
    """Government pays (F − P)⁺ q and receives share·(P − F)⁺ q, P the China price."""
    r = solve_two({"mp_floor": {**FLOOR, "upside_share": share}}, cn_cost=cn_cost)
    p_ref = price(r, "CN")
    assert p_ref == pytest.approx(cn_cost)
    q = output(r, "mp")
    assert q == pytest.approx(1000.0)          # MP's perceived price is ≥ $110·(1−share)... > its $80 cost
    expected = (max(110 - p_ref, 0) - share * max(p_ref - 110, 0)) * q * KG
    assert gov(r, "price_floor", "mp_floor") == pytest.approx(expected, abs=0.5)
    if cn_cost == 110.0:
        assert gov(r, "price_floor", "mp_floor") == pytest.approx(0.0, abs=0.5)


def test_cfd_dispatch_on_perceived_price():
    """Without a floor MP ($80) is out of the money at the US price of $62; with it, it runs."""
    assert output(solve_two(), "mp") == pytest.approx(0.0)
    r = solve_two({"mp_floor": FLOOR})
    assert output(r, "mp") == pytest.approx(1000.0)
    # a floor below MP's cost net of the market does not make it run: 62 + (70 − 60) = 72 < 80
    r = solve_two({"mp_floor": {**FLOOR, "price_usd_per_kg": 70}})
    assert output(r, "mp") == pytest.approx(0.0)
    assert gov(r, "price_floor") == pytest.approx(0.0)


def test_cfd_volume_cap_and_shadow_price():
    r = solve_two({"mp_floor": {**FLOOR, "volume_cap_t": 400}})
    assert gov(r, "price_floor") == pytest.approx((110 - 60) * 400 * KG, abs=0.5)
    pol = r.tables["policies"]
    row = pol[(pol.policy == "mp_floor") & (pol.year == 2025) & (pol.constraint == "volume_cap")]
    # MP makes exactly the capped 400 t; one more covered tonne earns 62 + 50 − 80 = $32/kg
    assert output(r, "mp") == pytest.approx(400.0)
    assert float(row.shadow_price.iloc[0]) == pytest.approx(32.0, abs=1e-6)


def test_ad_valorem_tariff_by_hand():
    """25% on China's price: wedge 0.25·60 = 15, so the US price is 60 + 2 + 15 = 77; revenue
    = rate × base × quantity."""
    r = solve_two({"t": {"kind": "tariff", "origins": ["CN"], "destinations": ["US"], "ad_valorem": 0.25}})
    assert price(r, "US") == pytest.approx(77.0, abs=1e-6)
    assert price(r, "US") - price(r, "CN") == pytest.approx(2 + 0.25 * 60, abs=1e-6)
    q = flow(r, "CN", "US")
    assert q == pytest.approx(5000.0)
    assert gov(r, "tariff", "t") == pytest.approx(-0.25 * 60 * q * KG, abs=0.5)
    assert r.manifest["wedges"]["converged"] and r.manifest["wedges"]["iterations"] >= 2
    # rules of origin: the cheaper detour CN → JP → US (60 + 1 + 1) is not open to Chinese oxide
    assert flow(r, "CN", "JP") == pytest.approx(0.0) and flow(r, "JP", "US") == pytest.approx(0.0)


@pytest.mark.parametrize("control", [{"kind": "quota", "quota_t": 3000},
                                     {"kind": "licence", "cap_t": 3000, "cost_usd_per_kg": 4}])
def test_ad_valorem_tariff_under_an_export_cap_is_on_the_price_the_exporter_charges(control):
    """A 3,000 t cap on China → US and a 25% tariff: the US price is the $100 backstop, and the
    exporter charges the cap's rent λ (and a licence's per-kg cost k) on top of China's $60 — the
    transaction value the duty applies to. FOB P_x: P_x + 2 + 0.25 P_x = 100 → P_x = 78.4; duty
    0.25 × 78.4 = $19.6/kg (not 0.25 × 60 = $15), revenue 19.6 × 3,000 t = $58.8M; rent
    λ = 78.4 − 60 − k ($18.4 for the quota, $14.4 with a $4 licence cost)."""
    ctl = {"exporter": "CN", "commodities": ["ndpr_oxide"], "destinations": ["US"],
           "years": {"start": 2025, "end": 2025}, **control}
    r = solve_two({"t": {"kind": "tariff", "origins": ["CN"], "destinations": ["US"], "ad_valorem": 0.25}},
                  scenarios={"s": {"probability": 1.0, "export_controls": {"cap": ctl}}},
                  extra={"wedges": {"tolerance_usd_per_kg": 1e-7}})
    assert price(r, "US") == pytest.approx(100.0, abs=1e-6) and price(r, "CN") == pytest.approx(60.0, abs=1e-6)
    q = flow(r, "CN", "US")
    assert q == pytest.approx(3000.0)
    assert gov(r, "tariff", "t") == pytest.approx(-0.25 * 78.4 * q * KG, rel=1e-6)
    pol = r.tables["policies"]
    rent = float(pol[pol.kind == "export_control"].shadow_price.iloc[0])
    assert rent == pytest.approx(78.4 - 60 - control.get("cost_usd_per_kg", 0), abs=1e-5)


def test_specific_plus_ad_valorem_and_reference_base():
    r = solve_two({"t": {"kind": "tariff", "origins": ["CN"], "destinations": ["US"], "ad_valorem": 0.1,
                         "specific_usd_per_kg": 3, "base": "reference",
                         "reference_price_usd_per_kg": {"ndpr_oxide": 50}}})
    assert price(r, "US") == pytest.approx(60 + 2 + 3 + 0.1 * 50, abs=1e-6)


def test_prohibitive_tariff_stops_trade():
    """At 100% the landed price 60 + 2 + 60 = 122 exceeds the US backstop ($100): no imports."""
    r = solve_two({"t": {"kind": "tariff", "origins": ["CN"], "destinations": ["US"], "ad_valorem": 1.0}})
    assert flow(r, "CN", "US") == pytest.approx(0.0, abs=1e-6)
    assert price(r, "US") == pytest.approx(100.0, abs=1e-6)
    assert gov(r, "tariff") == pytest.approx(0.0)


def bloc(ref=90.0, external=0.0):
    return {"kind": "bloc", "members": ["US", "JP"], "external_ad_valorem": external,
            "reference_price_usd_per_kg": {"ndpr_oxide": ref}}


def test_bloc_levy_lifts_outsider_to_reference_price():
    """JP (member, $70 + $1 freight, 2,000 t) trades tariff-free; China's landed $62 is levied up
    to the $90 reference: levy $28/kg on the imported tonnes."""
    from tests.policy_helpers import DATA, BASE
    from reebloc.inputs.config import apply_overrides
    from reebloc.app.run import solve_resolved
    cap = DATA["capacity"].copy()
    cap.loc[cap.facility == "jp_sep", "capacity_t"] = 2000
    r = solve_resolved(apply_overrides(BASE, {"policies": {"zone": bloc()}}), DATA.with_table("capacity", cap))
    assert price(r, "US") == pytest.approx(90.0, abs=1e-6)
    assert flow(r, "JP", "US") == pytest.approx(2000.0)
    q_cn = flow(r, "CN", "US")
    assert q_cn == pytest.approx(5000 - 2000 - 1000)     # MP ($80) now runs too
    assert gov(r, "bloc_levy", "zone") == pytest.approx(-(90 - 62) * q_cn * KG, abs=0.5)
    assert gov(r, "bloc_tariff") == pytest.approx(0.0)   # internal rate 0, external 0
    assert output(r, "mp") == pytest.approx(1000.0)


def test_bloc_levy_counts_the_members_own_tariff_towards_the_reference():
    """With the US's own 20% tariff on China ($12 on China's $60) and a 10% external bloc rate ($6),
    China's landed duty-paid price is 62 + 12 + 6 = $80: the levy tops it up to the $90 reference
    with $10, not the $22 that ignoring the national tariff would give (which would land it at
    $102, above the reference the instrument is meant to enforce)."""
    from tests.policy_helpers import DATA, BASE
    from reebloc.inputs.config import apply_overrides
    from reebloc.app.run import solve_resolved
    cap = DATA["capacity"].copy()
    cap.loc[cap.facility == "jp_sep", "capacity_t"] = 2000
    pols = {"zone": bloc(external=0.10),
            "t": {"kind": "tariff", "origins": ["CN"], "destinations": ["US"], "ad_valorem": 0.20}}
    r = solve_resolved(apply_overrides(BASE, {"policies": pols}), DATA.with_table("capacity", cap))
    assert price(r, "US") == pytest.approx(90.0, abs=1e-6)
    q_cn = flow(r, "CN", "US")
    assert q_cn == pytest.approx(2000.0)
    assert gov(r, "bloc_levy", "zone") == pytest.approx(-(90 - 62 - 12 - 6) * q_cn * KG, abs=0.5)
    assert gov(r, "tariff", "t") == pytest.approx(-12 * q_cn * KG, abs=0.5)
    assert gov(r, "bloc_tariff", "zone") == pytest.approx(-6 * q_cn * KG, abs=0.5)


def test_offtake_net_cost_when_resold():
    """DoD buys all of MP's output at $100/kg and resells at the US price ($62):
    gross outlay 100·q, net cost (100 − 62)·q."""
    r = solve_two({"off": {"kind": "offtake", "facility": "mp", "commodity": "ndpr_oxide", "share": 1.0,
                           "contract_price_usd_per_kg": 100, "buyer": "US_DoD"}})
    q = output(r, "mp")
    assert q == pytest.approx(1000.0)
    assert gov(r, "offtake", "off") == pytest.approx(100 * q * KG, abs=0.5)
    assert gov(r, policy="off") == pytest.approx((100 - price(r, "US")) * q * KG, abs=0.5)
    assert price(r, "US") == pytest.approx(62.0)


def test_offtake_cost_plus():
    r = solve_two({"off": {"kind": "offtake", "facility": "mp", "commodity": "ndpr_oxide", "share": 0.5,
                           "cost_plus_margin": 0.25, "buyer": "US_DoD"}})
    # contract = 80 × 1.25 = 100 on half the output; MP runs (perceived 0.5·100 + 0.5·62 = 81 > 80)
    q = output(r, "mp")
    assert q == pytest.approx(1000.0)
    assert gov(r, "offtake") == pytest.approx(100 * 0.5 * q * KG, abs=0.5)


def test_offtake_cost_plus_fixed_margin_per_kg():
    """cost_plus_margin_usd_per_kg: C = 80 + 20 = $100/kg (MP's $80 cost plus an EBITDA guarantee
    of $20/kg); with a 10% markup too, C = 80 × 1.1 + 20 = $108/kg. As a floor at a US price of $62
    DoD pays (C − 62) per kg of MP's 1,000 t."""
    for markup, c in ((None, 100.0), (0.1, 108.0)):
        off = {"kind": "offtake", "facility": "mp", "commodity": "ndpr_oxide", "share": 1.0,
               "cost_plus_margin_usd_per_kg": 20, "buyer": "US_DoD", "settlement": "floor"}
        if markup is not None:
            off["cost_plus_margin"] = markup
        r = solve_two({"off": off})
        q = output(r, "mp")
        assert q == pytest.approx(1000.0)
        assert gov(r, "offtake_floor", "off") == pytest.approx((c - price(r, "US")) * q * KG, abs=0.5)


@pytest.mark.parametrize("cn_cost, share", [(60.0, 0.0), (60.0, 0.3), (130.0, 0.0), (130.0, 0.3)])
def test_offtake_floor_settlement_by_hand(cn_cost, share):
    """settlement: floor — MP sells on the market and DoD guarantees C = $100/kg on all of it:
    DoD pays (C − P)⁺ − share·(P − C)⁺ per kg. China at $60 (US price 62): DoD pays 38/kg and MP
    runs (it perceives 100 > its $80). China at $130: the US price is the $100 backstop, and MP sells
    at P = 100 = C: nothing is paid either way."""
    r = solve_two({"off": {"kind": "offtake", "facility": "mp", "commodity": "ndpr_oxide", "share": 1.0,
                           "contract_price_usd_per_kg": 100, "buyer": "US_DoD", "settlement": "floor",
                           "upside_share": share}}, cn_cost=cn_cost)
    q = output(r, "mp")
    assert q == pytest.approx(1000.0)
    p_us = price(r, "US")
    assert p_us == pytest.approx(min(cn_cost + 2.0, 100.0))
    expected = (max(100 - p_us, 0) - share * max(p_us - 100, 0)) * q * KG
    assert gov(r, "offtake_floor", "off") == pytest.approx(expected, abs=0.5)
    assert gov(r, "offtake") == pytest.approx(0.0) and gov(r, "offtake_resale") == pytest.approx(0.0)


def test_offtake_floor_shares_the_upside_a_purchase_keeps_it():
    """C = $70 below a US price of $100 (China at $130, the US backstop sets the price): a purchase
    nets DoD (100 − 70)·q; a floor with upside_share 0.3 nets it 0.3·(100 − 70)·q."""
    base = {"kind": "offtake", "facility": "mp", "commodity": "ndpr_oxide", "share": 1.0,
            "contract_price_usd_per_kg": 70, "buyer": "US_DoD"}
    buy = solve_two({"off": base}, cn_cost=130.0)
    flo = solve_two({"off": {**base, "settlement": "floor", "upside_share": 0.3}}, cn_cost=130.0)
    for r in (buy, flo):
        assert price(r, "US") == pytest.approx(100.0)
    q = output(buy, "mp")
    assert gov(buy, policy="off") == pytest.approx(-(100 - 70) * q * KG, abs=0.5)
    q = output(flo, "mp")
    assert gov(flo, policy="off") == pytest.approx(-0.3 * (100 - 70) * q * KG, abs=0.5)


def test_outlays_by_year():
    """Budget cost, booked once in the outlay's year (docs/model.md § Money): equity at expected loss
    (0.25 × 400M); the loan at its credit-subsidy cost, PV at the Treasury rate 4.3% of the 2%
    subsidy and the 10% expected loss on a linearly repaid 5-year balance (150, 120, 90, 60, 30)."""
    r = solve_two({"eq": {"kind": "outlay", "type": "equity", "amount_usd": 4e8, "year": 2025, "payer": "US_DoD",
                          "expected_loss_rate": 0.25},
                   "loan": {"kind": "outlay", "type": "loan", "amount_usd": 1.5e8, "year": 2025, "payer": "US_DoD",
                            "interest_subsidy_rate": 0.02, "expected_loss_rate": 0.1, "term_years": 5}})
    assert gov(r, "equity", year=2025) == pytest.approx(1e8)
    bal = [150e6, 120e6, 90e6, 60e6, 30e6]
    pv = sum((0.02 * b + 0.1 * 1.5e8 * b / 450e6) / 1.043 ** (k + 1) for k, b in enumerate(bal))
    assert gov(r, "loan", year=2025) == pytest.approx(pv)
    assert gov(r, "loan", year=2026) == 0.0


ALL_IN = {
    "mp_floor": {**FLOOR, "upside_share": 0.3},
    "t": {"kind": "tariff", "origins": ["CN"], "destinations": ["US"], "ad_valorem": 0.25},
    "off": {"kind": "offtake", "facility": "mp", "commodity": "ndpr_oxide", "share": 0.5,
            "contract_price_usd_per_kg": 95, "buyer": "US_DoD"},
    "eq": {"kind": "outlay", "type": "equity", "amount_usd": 4e8, "year": 2025, "payer": "US_DoD",
           "expected_loss_rate": 0.25},
}


def test_government_rows_sum_to_summary_totals():
    r = solve_two(ALL_IN)
    g = r.tables["government"]
    assert set(g.instrument) >= {"price_floor", "tariff", "offtake", "offtake_resale", "equity"}
    # discount rate 0 and one scenario: the discounted totals are plain sums
    for payer, total in r.summary["government_cost_usd_discounted"].items():
        assert g[g.payer == payer].usd.sum() == pytest.approx(total)
    for ins, total in r.summary["government_cost_by_instrument_usd_discounted"].items():
        assert g[g.instrument == ins].usd.sum() == pytest.approx(total)
    assert sum(r.summary["government_cost_usd_discounted"].values()) == pytest.approx(g.usd.sum())


def test_transfers_cancel_out_of_total_welfare():
    """Σ_nodes (CS + PS + government) = WTP − true cost − freight, whatever the policies."""
    from reebloc.outputs.accounting import true_welfare_usd
    from reebloc.inputs.config import apply_overrides
    from reebloc.equilibrium import create_model
    from reebloc.solve.solver import Solver
    from reebloc.solve.wedges import solve_equilibrium
    from tests.policy_helpers import BASE, DATA
    from reebloc.solve.solver import balance_prices
    # and a stockpile whose cover target holds 1,000 t at the end (its closing value is in both)
    policies = {**ALL_IN, "vault": {"kind": "stockpile", "node": "US", "commodity": "ndpr_oxide",
                                    "capacity_t": 2000, "target_days": 73, "payer": "US_DoD"}}
    market = {"money": {"closing_stocks": "market"}}        # the closing value counted in welfare
    cfg = apply_overrides(BASE, {"policies": policies, **market}).config
    inst = create_model(cfg, DATA)
    solver = Solver(inst.m, cfg.solver)
    solve_equilibrium(inst, solver)
    r = solve_two(policies, extra=market)
    w = r.tables["welfare"]
    true = true_welfare_usd(inst, balance_prices(inst.m, solver.duals))
    assert sum(r.summary["closing_stock_value_usd"].values()) > 0
    for t, y in enumerate(inst.ix.years):
        assert w[w.year == y].total_usd.sum() == pytest.approx(true[t], rel=1e-9, abs=1.0)
    assert (w.tariff_revenue_usd >= 0).all() and w.tariff_revenue_usd.sum() > 0


def test_reference_price_series_by_year():
    r = solve_two({"t": {"kind": "tariff", "origins": ["CN"], "destinations": ["US"], "ad_valorem": 0.1,
                         "base": "reference", "reference_price_usd_per_kg": {"ndpr_oxide": {2025: 50, 2026: 70}}}})
    assert price(r, "US", 2025) == pytest.approx(62 + 5)
    assert price(r, "US", 2026) == pytest.approx(62 + 7)


def test_ad_valorem_fixed_point_on_an_endogenous_exporter_price():
    """In the 3-region textbook market the exporter's price moves with the tariff: the iteration
    converges to a wedge equal to rate × the exporter's final price; with one iteration it warns."""
    from reebloc.inputs.config import apply_overrides, load_config
    from reebloc.app.run import solve_resolved
    from reebloc.solve.wedges import WedgeWarning
    from tests.conftest import CONFIGS
    base = load_config(CONFIGS / "spe3.yaml")
    tariff = {"t": {"kind": "tariff", "origins": ["r1"], "destinations": ["r2", "r3"], "ad_valorem": 0.2}}
    r = solve_resolved(apply_overrides(base, {"policies": tariff}))
    w = r.manifest["wedges"]
    assert w["converged"] and w["iterations"] > 2 and w["residual_usd_per_kg"] <= 0.01
    p = r.tables["prices"].set_index("node").price_usd_per_kg
    f = r.tables["flows"]
    assert p["r1"] < 24 - 0.5                      # the tax falls partly on the exporter
    for d, freight in (("r2", 3), ("r3", 6)):
        if ((f.origin == "r1") & (f.destination == d)).any():
            assert p[d] - p["r1"] == pytest.approx(freight + 0.2 * p["r1"], abs=0.02)
    with pytest.warns(WedgeWarning, match="did not converge"):
        r1 = solve_resolved(apply_overrides(base, {"policies": tariff, "wedges": {"max_iterations": 1}}))
    assert r1.manifest["wedges"]["converged"] is False


@pytest.mark.parametrize("cap, covered", [(None, 1000.0), (5000, 1000.0), (400, 400.0)])
def test_cfd_clawback_is_collected_under_a_volume_cap(cap, covered):
    """China at $130 puts the reference above the $110 floor: with upside share 0.3 DoD claws back
    0.3·(130 − 110) = $6/kg on covered tonnes, which are min(output, cap). MP still runs (it
    perceives the US price 100 − 6 > 80) at its 1,000 t. A cap above what MP can make is the same
    contract as no cap; a binding cap of 400 t covers 400 t. (Covered tonnes were once optional
    under a cap, and the producer declared none whenever the payment was negative.)"""
    fl = {**FLOOR, "upside_share": 0.3}
    if cap is not None:
        fl["volume_cap_t"] = cap
    r = solve_two({"mp_floor": fl}, cn_cost=130.0)
    assert output(r, "mp") == pytest.approx(1000.0)
    assert gov(r, "price_floor", "mp_floor") == pytest.approx(-0.3 * (130 - 110) * covered * KG, abs=0.5)


def test_offtake_volume_below_the_market_is_still_delivered():
    """A purchase of volume_t at C = $90 while the US price is $100: the contract binds the producer
    to deliver min(output, volume) at C (it still runs: 90 > its $80), so DoD nets (100 − 90) per kg
    of it; at C = $70 MP is paid below its cost on every tonne and makes none."""
    off = {"kind": "offtake", "facility": "mp", "commodity": "ndpr_oxide", "volume_t": 5000, "buyer": "US_DoD"}
    r = solve_two({"off": {**off, "contract_price_usd_per_kg": 90}}, cn_cost=130.0)
    assert price(r, "US") == pytest.approx(100.0)
    q = output(r, "mp")
    assert q == pytest.approx(1000.0)
    assert gov(r, policy="off") == pytest.approx(-(100 - 90) * q * KG, abs=0.5)
    assert output(solve_two({"off": {**off, "contract_price_usd_per_kg": 70}}, cn_cost=130.0), "mp") == pytest.approx(0.0)


def test_offtake_at_a_node_that_exports_all_it_makes_reads_the_defined_price():
    """Lynas Malaysia exports all the NdPr oxide it separates: its balance dual p and the rule of
    origin's dual μ split the netback arbitrarily (p alone came out as 0 in 2026), so the offtake
    is paid and resold at the defined price p + μ — the price prices.csv reports — in every year:
    DoD's net cost is (C − P)·q, not C·q."""
    from reebloc.app.run import solve_resolved
    from reebloc.inputs.config import apply_overrides, load_config
    from reebloc.inputs.dataset import load_dataset
    from tests.conftest import CONFIGS
    base = load_config(CONFIGS.parent.parent / "runs" / "baseline.yaml")
    resolved = apply_overrides(base, {"years": {"start": 2025, "end": 2028}, "policies": {"offt": {
        "kind": "offtake", "facility": "my_lynas_malaysia_sep", "commodity": "ndpr_oxide", "share": 0.5,
        "contract_price_usd_per_kg": 100, "buyer": "US_DoD", "price_basis": "real"}}})
    r = solve_resolved(resolved, load_dataset(resolved.data_dir, resolved.config.year_list))
    g = r.tables["government"].pivot_table(index="year", columns="instrument", values="usd", aggfunc="sum")
    p = r.tables["prices"]
    p = p[(p.node == "MY") & (p.commodity == "ndpr_oxide")].set_index("year").price_usd_per_kg
    for y in g.index:
        q_kg = g.at[y, "offtake"] / 100.0
        assert q_kg > 0 and p[y] > 30.0
        assert -g.at[y, "offtake_resale"] / q_kg == pytest.approx(p[y], rel=1e-6)


# ------------------------------------------------------------------ which controls are a stockpile's disruption
def _ban(dest):
    return {"ctl": {"probability": 1.0, "export_controls": {"b": {
        "exporter": "CN", "commodities": ["ndpr_oxide"], "destinations": dest,
        "years": {"start": 2026, "end": 2026}, "kind": "ban"}}}}


def _stock_t(r, year):
    s = r.tables["stockpiles"]
    return float(s[(s.policy == "vault") & (s.year == year)].stock_t.sum())


@pytest.mark.parametrize("dest,released", [(["JP"], False), (["US"], True)])
def test_a_stockpile_is_disrupted_only_by_controls_that_reach_its_supply(dest, released):
    """A US NdPr vault (1,000 t held, release only in a disruption). A Chinese ban on Japan in 2026
    leaves US supply and the US price ($62) as they were: the vault holds its 1,000 t. A ban on
    the US lifts the US price to the backstop's $100: the vault releases. (A control anywhere used
    to count as a disruption for every stockpile: the JP ban released the vault at $62.)"""
    vault = {"vault": {"kind": "stockpile", "node": "US", "commodity": "ndpr_oxide", "capacity_t": 1000,
                       "initial_t": 1000, "holding_cost_usd_per_kg_yr": 1.0, "release": "disruption", "payer": "US"}}
    r = solve_two(vault, scenarios=_ban(dest))
    assert _stock_t(r, 2026) == pytest.approx(0.0 if released else 1000.0, abs=1e-6)
    if not released:
        assert price(r, "US", 2026) == pytest.approx(62.0)


def test_a_cover_target_is_relaxed_only_by_controls_that_reach_its_supply():
    """The same vault with release: any and a 73-day cover (1,000 t of 5,000 t/yr). Without a
    disruption the target holds in the last year, though the stock has no value after it; a ban
    on Japan is no disruption of US supply, so the target still holds (it used to be relaxed, and
    the vault sold its 1,000 t at $62 in 2026)."""
    vault = {"vault": {"kind": "stockpile", "node": "US", "commodity": "ndpr_oxide", "capacity_t": 1000,
                       "initial_t": 1000, "holding_cost_usd_per_kg_yr": 1.0, "release": "any",
                       "target_days": 73, "payer": "US"}}
    assert _stock_t(solve_two(vault, scenarios=_ban(["JP"])), 2026) == pytest.approx(1000.0, abs=1e-6)
    assert _stock_t(solve_two(vault, scenarios=_ban(["US"])), 2026) == pytest.approx(0.0, abs=1e-6)


def test_a_floor_paying_on_disposed_output_is_flagged(tmp_path):
    """Known limitation (docs/model.md § Notes): a floor covers output, not sales. China banned
    from the US, US demand 800 t, MP (cost $80, 1,000 t) under a $90 floor on the US price: MP
    makes 1,000 t, 200 t are disposed of and the floor pays on all of it. The run's health check
    names it; without the floor nothing is disposed and nothing flagged."""
    import shutil

    from reebloc.app.run import solve_resolved
    from reebloc.inputs.config import apply_overrides, load_config
    from reebloc.inputs.dataset import load_dataset
    from tests.conftest import CONFIGS
    data = tmp_path / "two"
    shutil.copytree(CONFIGS.parent / "data" / "two", data)
    dem = (data / "demand.csv").read_text().replace("US,magnets,ndpr_oxide,2025,5000", "US,magnets,ndpr_oxide,2025,800")
    (data / "demand.csv").write_text(dem)
    cfg = tmp_path / "f.yaml"
    cfg.write_text(f"base: {CONFIGS / 'two.yaml'}\nname: f\ninputs: {data}\nyears: {{start: 2025, end: 2025}}\n"
                   "scenarios: {ban: {probability: 1.0, export_controls: {b: {exporter: CN, commodities: [ndpr_oxide], "
                   "destinations: [US], years: {start: 2025, end: 2025}, kind: ban}}}}\n")
    floor = {"cfd": {"kind": "price_floor", "facilities": ["mp"], "commodity": "ndpr_oxide",
                     "price_usd_per_kg": 90, "reference_node": "US", "payer": "US_DoD"}}
    base = load_config(cfg)
    ds = load_dataset(base.data_dir, base.config.year_list)
    with pytest.warns(UserWarning, match=r"price floor cfd pays while 200\.0 t of ndpr_oxide are disposed of at US"):
        r = solve_resolved(apply_overrides(base, {"policies": floor}), ds)
    assert any("price floor cfd pays" in h for h in r.manifest["health"])
    plain = solve_resolved(base, ds)
    assert plain.manifest["health"] == "ok" and plain.tables["disposal"].quantity_t.sum() == pytest.approx(0.0)


def test_cfd_on_its_own_market_is_solved_to_the_stated_tolerance(tmp_path):
    """One market: demand q = 200 − 2p (linear through 100 t at $50/kg, elasticity −1), one plant
    with marginal cost 20 + 0.1 q, a CfD floor of $36 referenced to its own market. By hand: the
    plant is paid 36 a kg, makes q = (36 − 20)/0.1 = 160 t, which clears at p = (200 − 160)/2 = $20;
    the floor pays (36 − 20) × 160 t = $2.56M. The wedge iteration contracts slowly here (the last
    change shrinks by ρ ≈ 0.83 a step): stopping on a last change of $0.01 left the price $0.049
    off and the payment 0.43% high; the stopping rule now bounds the estimated distance to the
    fixed point by the tolerance ($0.01/kg)."""
    from tests.conftest import csv_text, solve_files
    files = {
        "nodes.csv": "node,name,source_id\nA,A,fx\n",
        "commodities.csv": "commodity,name,stage,source_id\ng,good,separation,fx\n",
        "processes.csv": "process,commodity,coefficient_t,source_id\nmake,g,1,fx\n",
        "facilities.csv": "facility,node,process,owner,status,start_year,end_year,source_id\ns,A,make,s,operating,2025,2025,fx\n",
        "capacity.csv": "facility,year,capacity_t,source_id\ns,2025,10000,fx\n",
        "costs.csv": "facility,year,cost_usd_per_kg,slope_usd_per_kg_per_t,source_id\ns,2025,20,0.1,fx\n",
        "demand.csv": csv_text("node,segment,commodity,year,quantity_t,price_usd_per_kg,elasticity,voll_usd_per_kg,source_id",
                               ["A,all,g,2025,100,50,-1,1000,fx"]),
        "routes.csv": "origin,destination,commodity,freight_usd_per_kg,source_id\n",
        "sources.csv": "source_id,citation,url,note\nfx,hand case,,\n",
        "assumptions.csv": "assumption_id,description,unit,central,low,high,note\n",
    }
    r = solve_files(tmp_path, files, "name: own_cfd\nyears: {start: 2025, end: 2025}\ndiscount_rate: 0\n"
                    "money: {home: A}\ncurves: {form: linear, demand: linear}\npolicies:\n"
                    "  fl: {kind: price_floor, facilities: [s], commodity: g, price_usd_per_kg: 36, reference_node: A, payer: A}\n")
    assert price(r, "A", 2025) == pytest.approx(20.0, abs=0.015)
    assert gov(r, "price_floor", year=2025) == pytest.approx(2.56e6, rel=1e-3)
    w = r.manifest["wedges"]      # the slow contraction was seen: the estimate is several last changes
    assert w["converged"] and 3 * w["residual_usd_per_kg"] < w["error_estimate_usd_per_kg"] <= 0.01


def test_inputs_that_would_do_nothing_or_double_pay_are_caught(tmp_path, capsys):
    """A tariff that matches no route (here US → US) would tax nothing: refused. Loan terms on a
    grant: refused. Two CfDs on one plant's NdPr in the same years both pay in full: a warning."""
    import warnings

    from reebloc.inputs.checks import check_against_data
    from reebloc.inputs.config import apply_overrides
    from tests.conftest import run_refused
    from tests.policy_helpers import BASE, DATA
    for body, says in (
            ("  t: {kind: tariff, origins: [US], destinations: [US], specific_usd_per_kg: 5}",
             "policies.t: matches no route of routes.csv"),
            ("  g: {kind: outlay, type: grant, amount_usd: 1.0e+6, year: 2025, term_years: 10}",
             "policies.g: term_years do(es) not apply to a grant")):
        cfg, err = run_refused(tmp_path, capsys, f"policies:\n{body}")
        assert err.startswith(f"error: {cfg}: {says}") and "\n" not in err, err
    two = apply_overrides(BASE, {"policies": {"a": FLOOR, "b": {**FLOOR, "price_usd_per_kg": 95}}})
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        check_against_data(two, DATA)
    assert any("policies.a and policies.b are both price floors on mp (ndpr_oxide) in 2025-2026" in str(x.message)
               for x in w), [str(x.message) for x in w]
