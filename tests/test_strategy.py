"""China as a Stackelberg leader (issue 17): textbook closed forms and bookkeeping.

Dominant firm with a competitive fringe (Carlton & Perloff ch. 4; tests/data/domfirm, exact
linear curves): world demand D(P) = 1500 − 10P (the linear curve through q = 1000 t at
$50/kg with elasticity −0.5: slope 50/(0.5·1000) = 0.1 $/kg per t, intercept 150); fringe
supply S(P) = (P − 10)/0.2 = 5P − 50; the leader makes at $20/kg and ships at $2/kg.
Residual demand R(P) = D − S = 1550 − 15P. The leader maximises (P − 22)·R(P):
1550 − 15P − 15(P − 22) = 0 → P* = 1880/30 = 62.667 $/kg, R = 610 t, export tax
τ* = P* − 22 = 40.667 $/kg, payoff 40.667 × 610 = 24,806.67 k$ a year. Without the leader
(τ = 0) the price is 22 and China sells 1550 − 330 = 1,220 t.
"""

from __future__ import annotations

import pytest

from reebloc.app.run import solve_resolved
from reebloc.errors import ReeblocError
from reebloc.inputs.config import apply_overrides, load_config
from tests.conftest import CONFIGS

P_STAR = 1880 / 30
Q_LEADER = 1550 - 15 * P_STAR
PAYOFF_YEAR_USD = (P_STAR - 22) * Q_LEADER * 1000


def run(changes: dict | None = None):
    resolved = load_config(CONFIGS / "domfirm.yaml")
    if changes:
        resolved = apply_overrides(resolved, changes)
    return solve_resolved(resolved)


def world_price(r, year=2025):
    p = r.tables["prices"]
    return float(p[(p.node == "W") & (p.year == year)].price_usd_per_kg.iloc[0])


@pytest.fixture(scope="module")
def taxed():
    return run()


def test_dominant_firm_export_tax_reproduces_closed_form(taxed):
    st = taxed.tables["strategy"]
    assert list(st.year) == [2025, 2026]                   # per-year schedule: one value a year
    for y in (2025, 2026):
        assert world_price(taxed, y) == pytest.approx(P_STAR, abs=1e-3)
    assert st.value.tolist() == pytest.approx([P_STAR - 22] * 2, abs=1e-3)
    assert st.exports_t.tolist() == pytest.approx([Q_LEADER] * 2, abs=0.05)
    prod = taxed.tables["production"]
    fringe = prod[(prod.facility == "fringe") & (prod.year == 2025)].quantity_t.sum()
    assert fringe == pytest.approx(5 * P_STAR - 50, abs=0.05)
    s = taxed.summary["strategy"]
    assert s["payoff_usd_discounted"] == pytest.approx(2 * PAYOFF_YEAR_USD, rel=1e-5)   # QP tolerance
    # competitive reference: China sells at cost + freight, no rent
    assert abs(s["reference_payoff_usd_discounted"]) < 1e3
    assert s["evaluations"] > 10 and s["converged"]


def test_payoff_is_the_players_welfare_rows(taxed):
    """Leader payoff = China's producer surplus (welfare.csv) + export-tax revenue (government.csv)."""
    w, g = taxed.tables["welfare"], taxed.tables["government"]
    ps = w[w.node == "CN"].producer_surplus_usd.sum()
    tax = -g[(g.payer == "CN") & (g.instrument == "export_tax")].usd.sum()
    s = taxed.summary["strategy"]
    assert s["producer_surplus_usd_discounted"] + s["export_tax_usd_discounted"] == pytest.approx(ps + tax, rel=1e-9)
    assert tax == pytest.approx(2 * PAYOFF_YEAR_USD, rel=1e-5)
    # the tax is a transfer: Σ welfare = WTP − true cost − freight (no tax term)
    dem_usd = w.total_usd.sum()
    q = 1500 - 10 * P_STAR
    wtp = (150 * q - 0.5 * 0.1 * q * q) * 1000
    fringe_q = 5 * P_STAR - 50
    cost = (20 * Q_LEADER + 10 * fringe_q + 0.5 * 0.2 * fringe_q ** 2 + 2 * Q_LEADER) * 1000
    assert dem_usd == pytest.approx(2 * (wtp - cost), rel=1e-5)


def test_dominant_firm_export_quota_gives_the_same_price():
    """A quota of half the competitive exports (610 of 1,220 t) is the same best response."""
    r = run({"strategy.instruments": {"quota": {"kind": "export_quota", "commodity": "good", "low": 0, "high": 1,
                                                "schedule": "constant"}}})
    st = r.tables["strategy"]
    assert len(st) == 2 and st.value.nunique() == 1          # constant: one value for both years
    assert st.value.iloc[0] == pytest.approx(Q_LEADER / 1220, abs=1e-5)
    assert world_price(r) == pytest.approx(P_STAR, abs=1e-3)
    # the quota rent accrues to China's producers, no tax revenue
    s = r.summary["strategy"]
    assert s["export_tax_usd_discounted"] == 0
    assert s["producer_surplus_usd_discounted"] == pytest.approx(2 * PAYOFF_YEAR_USD, rel=1e-5)


def test_deterrence_lowers_the_price():
    """Payoff − δ·fringe output: max (P − 22)(1550 − 15P) − δ(5P − 50) → P = (1880 − 5δ)/30;
    δ = 6 $/kg: P = 61.667."""
    r = run({"strategy.objective": "deterrence",
             "strategy.deterrence": {"weight_usd_per_kg": 6, "processes": ["make"]}})
    assert world_price(r) == pytest.approx((1880 - 5 * 6) / 30, abs=1e-3)
    s = r.summary["strategy"]
    fringe = 5 * ((1880 - 30) / 30) - 50
    assert s["deterrence_usd_discounted"] == pytest.approx(2 * 6 * fringe * 1000, rel=1e-4)


def test_bounds_bind_and_are_reported():
    r = run({"strategy.instruments.tax.high": 10})
    st = r.tables["strategy"]
    assert st.value.tolist() == pytest.approx([10, 10], abs=1e-6) and st.at_bound.all()
    assert world_price(r) == pytest.approx(32, abs=1e-3)


@pytest.mark.parametrize("changes, field, text", [
    ({"strategy.instruments.tax.commodity": "gold"}, "strategy.instruments.tax.commodity", "unknown commodity"),
    ({"strategy.instruments.tax.low": 200}, "strategy.instruments.tax", "below low"),
    ({"strategy.instruments.tax.destinations": ["XX"]}, "strategy.instruments.tax.destinations", "unknown node"),
    ({"strategy.objective": "deterrence"}, "strategy", "needs a deterrence block"),
    ({"strategy.instruments.tax.kind": "export_quota"}, "strategy.instruments.tax", "share of reference exports"),
    ({"strategy.player": "W"}, "strategy.instruments.tax.commodity", "no route from W"),
])
def test_bad_strategy_is_one_line(changes, field, text):
    with pytest.raises(ReeblocError) as e:
        run(changes)
    assert e.value.field == field and text in e.value.message
    assert "\n" not in str(e.value)


def test_unknown_instrument_key_suggests(tmp_path):
    src = (CONFIGS / "domfirm.yaml").read_text().replace("commodity: good", "comodity: good")
    p = tmp_path / "bad.yaml"
    p.write_text(src.replace("../data/domfirm", str(CONFIGS.parent / "data" / "domfirm")))
    with pytest.raises(ReeblocError) as e:
        load_config(p)
    assert e.value.field == "strategy.instruments.tax.comodity" and "did you mean 'commodity'" in e.value.message


def test_findings_section_on_strategic_runs(tmp_path):
    """§ "Which deals survive a China that fights back?": value = US welfare of the variant less the
    baseline's under the same regime; a deal survives if that value stays positive."""
    import pandas as pd

    from reebloc.reports.findings import RunData, strategic_section

    def rd(label, welfare, unserved, payoff=None, taxes=(20.0, 30.0)):
        folder = tmp_path / label
        folder.mkdir()
        summary = {"run": label, "scenarios": {"s": 1.0}, "us_welfare_usd": welfare}
        if payoff is not None:
            summary["strategy"] = {"payoff_usd_discounted": payoff, "gain_over_reference_usd_discounted": 1e9,
                                   "converged": True, "evaluations": 10}
            pd.DataFrame({"instrument": ["magnet_tax", "magnet_tax"], "year": [2025, 2026],
                          "value": list(taxes)}).to_csv(folder / "strategy.csv", index=False)
        sec = pd.DataFrame({"scenario": ["s"], "year": [2025], "node": ["US"], "commodity": ["ndfeb_magnet"],
                            "metric": ["unserved_t"], "value": [unserved]})
        return RunData(label, folder, summary, {}, sec, pd.DataFrame(), pd.DataFrame())

    exo = [rd("baseline", 100e6, 50), rd("floor", 110e6, 40), rd("offtake", 105e6, 45)]
    strat = [rd("strategic-library-baseline", 50e6, 80, payoff=10e9),
             rd("strategic-library-floor", 40e6, 70, payoff=9e9),
             rd("strategic-library-offtake", 60e6, 60, payoff=9.5e9, taxes=(-5.0, 10.0))]
    text = "\n".join(strategic_section(exo, strat, "baseline"))
    assert "| floor | +10.0 | -10.0 | -10 | -10 | -1,000.0 | $25.0/kg | no |" in text
    assert "| offtake | +5.0 | +10.0 | -5 | -20 | -500.0 | $2.5/kg | yes |" in text
    assert "do not: `floor`" in text and "survive a China that fights back: `offtake`" in text
    assert "than under the exogenous scenarios (insurance against a leader that prices up): `offtake`" in text
    assert "subsidises exports (a price cut) rather than taxing them: 1 of 6" in text


@pytest.mark.parametrize("overlay_name", ["strategic-china.yaml", "strategic-china-quick.yaml"])
def test_overlay_validates_on_every_library_variant(overlay_name):
    """runs/overlays/strategic-china*.yaml replace the scenarios and add the leader on each variant."""
    from reebloc.equilibrium import ModelInstance
    from reebloc.inputs.config import apply_overlay
    from reebloc.inputs.dataset import load_dataset
    root = CONFIGS.parent.parent
    overlay = root / "runs" / "overlays" / overlay_name
    for f in sorted((root / "runs" / "library").glob("*.yaml")):
        r = apply_overlay(load_config(f), overlay)
        assert r.config.name == "strategic-" + load_config(f).config.name
        assert list(r.config.scenarios) == ["strategic"] and r.config.strategy is not None
        data = load_dataset(r.data_dir, r.config.year_list)
        ModelInstance.structure_key(r.config, data, where=r.path)     # instruments' commodities and routes exist


def test_findings_strategic_only_document(tmp_path):
    """`reebloc findings --strategic-only`: the section alone, headed by the search settings; a clear
    error without strategic runs."""
    import pandas as pd

    from reebloc.errors import ReeblocError
    from reebloc.reports.findings import RunData, render_strategic

    def rd(label, welfare, payoff=None):
        folder = tmp_path / label
        folder.mkdir()
        summary = {"run": label, "scenarios": {"s": 1.0}, "us_welfare_usd": welfare}
        config = {"name": label, "years": {"start": 2025, "end": 2025}}
        if payoff is not None:
            summary["strategy"] = {"payoff_usd_discounted": payoff, "gain_over_reference_usd_discounted": 1e9,
                                   "converged": False, "evaluations": 10}
            config["strategy"] = {"search": {"max_sweeps": 3}}
        sec = pd.DataFrame({"scenario": ["s"], "year": [2025], "node": ["US"], "commodity": ["ndfeb_magnet"],
                            "metric": ["unserved_t"], "value": [10.0]})
        manifest = {"inputs": {"files": {"a.csv": "x"}}, "config": config}
        return RunData(label, folder, summary, manifest, sec, pd.DataFrame(), pd.DataFrame())

    exo = [rd("baseline", 100e6), rd("floor", 110e6)]
    strat = [rd("strategic-library-baseline", 50e6, payoff=10e9), rd("strategic-library-floor", 60e6, payoff=9e9)]
    text = render_strategic(exo + strat)
    assert text.startswith("# Findings against a strategic China")
    assert "leader search cut at 3 sweep(s)" in text and "search converged: no after 10 evaluations" in text
    assert "| floor | +10.0 | +10.0 |" in text
    with pytest.raises(ReeblocError, match="strategy block"):
        render_strategic(exo)


def test_findings_strategic_flags_payoffs_that_move_against_the_competitive_ones(tmp_path):
    """A deal that lowers China's competitive payoff but raises its best-response payoff by more
    than $100M is listed beside the table (search reach or a real effect; the reader judges)."""
    import pandas as pd

    from reebloc.reports.findings import RunData, search_reach

    def rd(label, ref, best):
        folder = tmp_path / label
        folder.mkdir()
        summary = {"run": label, "strategy": {"reference_payoff_usd_discounted": ref, "payoff_usd_discounted": best}}
        return RunData(label, folder, summary, {}, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())

    runs = [rd("strategic-library-baseline", 100e9, 103e9), rd("strategic-library-floor", 99.8e9, 104e9),
            rd("strategic-library-tariff", 99.5e9, 102e9), rd("strategic-library-zone", 100.5e9, 104e9)]
    text = "\n".join(search_reach(runs, "baseline"))
    assert "`floor` (competitive -200.0, best response +1,000.0)" in text
    assert "`tariff`" not in text and "`zone`" not in text


def test_an_ad_valorem_tariff_is_levied_on_the_export_tax_too():
    """A 25% tariff at W on the leader's exports is charged on what the importer pays at China's
    border, the price x = 20 + τ (cost plus export tax), not on China's $20 alone. Landed
    P = 1.25 x + 2; the leader maximises (x − 20)(1550 − 15 P) = (x − 20)(1520 − 18.75 x):
    x* = 1895/37.5 = 50.533, τ* = 30.533 $/kg, P* = 65.167, exports 572.5 t a year, tariff
    revenue 0.25 × 50.533 × 572.5 = 7,232.8 k$ a year. (Charged on $20 alone, the leader would
    set τ = 38.167 for the same P and W would collect 2,862.5 k$.)"""
    r = run({"policies": {"t": {"kind": "tariff", "origins": ["CN"], "destinations": ["W"], "ad_valorem": 0.25}},
             "wedges": {"tolerance_usd_per_kg": 1e-7}})
    x = 1895 / 37.5
    st = r.tables["strategy"]
    assert st.value.tolist() == pytest.approx([x - 20] * 2, abs=2e-3)
    assert world_price(r) == pytest.approx(1.25 * x + 2, abs=2e-3)
    g = r.tables["government"]
    revenue = -g[(g.instrument == "tariff") & (g.year == 2025)].usd.sum()
    assert revenue == pytest.approx(0.25 * x * (1550 - 15 * (1.25 * x + 2)) * 1000, rel=1e-4)


def test_search_starts_from_the_best_earlier_schedule(tmp_path):
    """Multi-start: with one sweep of a 2-point grid and no refinement the search sees only
    τ ∈ {0, 100} and stops far from τ* = 40.667; started from an earlier run's strategy.csv at τ*
    (and a worse one, which it must not take), it keeps τ*. A missing file is refused up front."""
    coarse = {"strategy.search": {"grid_points": 2, "refine": False, "max_sweeps": 1}}
    alone = run(coarse)
    assert abs(alone.tables["strategy"].value.iloc[0] - (P_STAR - 22)) > 10
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    for f, tau in ((good, P_STAR - 22), (bad, 5.0)):
        f.write_text("instrument,year,value\n" + "".join(f"tax,{y},{tau}\n" for y in (2025, 2026)))
    started = run({**coarse, "strategy.search.start_from": [str(bad), str(good)]})
    assert started.tables["strategy"].value.tolist() == pytest.approx([P_STAR - 22] * 2, abs=1e-9)
    assert started.summary["strategy"]["payoff_usd_discounted"] == pytest.approx(2 * PAYOFF_YEAR_USD, rel=1e-5)
    with pytest.raises(ReeblocError, match=r"strategy.search.start_from.*no file"):
        run({"strategy.search.start_from": [str(tmp_path / "missing.csv")]})
