"""Investment against hand-solved answers (docs/model.md § Investment).

Fixture (written below): one NdPr market, years 2025-2026 (2025-2027 where a test says so),
social discount rate 5%.
- China makes NdPr at $60/kg (ample) and ships to the US at $2/kg: the US price is $62 in calm years.
- A US backstop makes it at $100/kg (10,000 t): with China's exports banned the US price is $100.
- US demand 5,000 t/yr at a VOLL of $500/kg (inelastic), China 1,000 t/yr.
- The build option ``us_new``: a US plant of up to 1,000 t/yr, cash cost o = $70/kg, earliest online
  2026, lead time 1 year, full output from its first year (ramp "1"), life 2 years, cost of capital
  r = 10% (merchant and contracted alike unless a test says otherwise), no fixed O&M.
- Scenarios: ``calm`` (probability 1 − p = 0.5) and ``ban`` (p = 0.5: China's exports to the US
  banned from 2026), diverging in 2026. 2025 is the trunk: a build decided in 2025 (online 2026)
  is first stage; over 2025-2026 no later build can come online inside the horizon.

Capital charge per t/yr of nameplate per year: A = C (1 + r)^L CRF(r, life), C the capex in $/t/yr;
paid in each year online inside the horizon (2026) whether or not the plant runs (annuities only
inside the horizon). A first-stage tonne earns (P − o)⁺ in 2026: 100 − 70 = 30 in the ban, 0 in
calm (62 < 70). Both sides carry the same discount weight, so the build is worth it iff
    p × 30 ≥ A   ⇔   A ≤ 30 p = 15 $/kg.
With a CfD floor F on us_new (reference US price, 70 < F < 100) a tonne earns F − 70 in calm:
    p × 30 + (1 − p)(F − 70) ≥ A   ⇔   F ≥ F* = 70 + (A − 30 p)/(1 − p).
"""

from __future__ import annotations

import math

import pytest

from reebloc.app.cli import main
from reebloc.app.run import solve_resolved
from reebloc.inputs.config import apply_overrides, load_config
from reebloc.inputs.dataset import load_dataset

P_BAN = 0.5
RATE, LIFE, LEAD = 0.10, 2, 1
O_CASH, P_CALM, P_BAN_PRICE = 70.0, 62.0, 100.0
SIZE = 1000.0


def crf(r, n):
    return r / (1 - (1 + r) ** -n)


def capex_for_charge(a_usd_per_kg: float, rate: float = RATE) -> float:
    """C ($/t/yr) whose capital charge is A $/kg: C = 1000 A / ((1 + r)^L CRF(r, life))."""
    return 1000.0 * a_usd_per_kg / ((1 + rate) ** LEAD * crf(rate, LIFE))


FILES = {
    "nodes.csv": "node,name,source_id\nCN,China,fx\nUS,United States,fx\n",
    "commodities.csv": "commodity,name,stage,source_id\nndpr_oxide,NdPr oxide,separation,fx\n",
    "processes.csv": "process,commodity,coefficient_t,source_id\nseparation,ndpr_oxide,1,fx\n",
    "facilities.csv": ("facility,node,process,owner,status,start_year,end_year,source_id\n"
                       "cn_sep,CN,separation,many,operating,2025,2027,fx\n"
                       "us_backstop,US,separation,other,operating,2025,2027,fx\n"),
    "capacity.csv": "facility,year,capacity_t,source_id\n" + "".join(
        f"cn_sep,{y},100000,fx\nus_backstop,{y},10000,fx\n" for y in (2025, 2026, 2027)),
    "costs.csv": "facility,year,cost_usd_per_kg,slope_usd_per_kg_per_t,source_id\n" + "".join(
        f"cn_sep,{y},60,,fx\nus_backstop,{y},100,,fx\n" for y in (2025, 2026, 2027)),
    "demand.csv": "node,segment,commodity,year,quantity_t,price_usd_per_kg,elasticity,voll_usd_per_kg,source_id\n" + "".join(
        f"US,all,ndpr_oxide,{y},5000,0,0,500,fx\nCN,all,ndpr_oxide,{y},1000,0,0,500,fx\n" for y in (2025, 2026, 2027)),
    "routes.csv": "origin,destination,commodity,freight_usd_per_kg,source_id\nCN,US,ndpr_oxide,2,fx\n",
    "sources.csv": "source_id,citation,url,note\nfx,investment test fixture,,round numbers\n",
    "assumptions.csv": "assumption_id,description,unit,central,low,high,note\n",
}
PROJECT_HEADER = ("project,node,process,owner,status,max_capacity_t,capacity_source_id,earliest_year,lead_time_years,"
                  "ramp,capex_usd_per_t_yr,fixed_om_usd_per_t_yr,capex_source_id,cost_usd_per_kg,cost_source_id,"
                  "lifetime_years,cost_of_capital_merchant,cost_of_capital_contracted,finance_source_id,source_id\n")


def project_row(capex, contracted=RATE, lead=LEAD, earliest=2026, node="US", process="separation"):
    return (f"us_new,{node},{process},new,announced,{SIZE},fx,{earliest},{lead},1,{capex},0,fx,{O_CASH},fx,"
            f"{LIFE},{RATE},{contracted},fx,fx\n")


CONFIG = """name: invest
inputs: data
years: {start: 2025, end: END}
discount_rate: 0.05
reference_scenario: calm
scenarios:
  calm: {probability: 0.5, diverges: 2026}
  ban:
    probability: 0.5
    diverges: 2026
    export_controls:
      ban: {exporter: CN, commodities: [ndpr_oxide], destinations: [US], years: {start: 2026, end: END}, kind: ban}
"""


@pytest.fixture
def fixture(tmp_path):
    def make(capex, end=2026, **kw):
        folder = tmp_path / "data"
        folder.mkdir(exist_ok=True)
        for name, text in FILES.items():
            (folder / name).write_text(text)
        (folder / "projects.csv").write_text(PROJECT_HEADER + project_row(capex, **kw))
        cfg = tmp_path / "invest.yaml"
        cfg.write_text(CONFIG.replace("END", str(end)))
        return cfg
    return make


def solve(cfg_path, policies=None, extra=None):
    base = load_config(cfg_path)
    changes = {"policies": policies or {}}
    changes.update(extra or {})
    resolved = apply_overrides(base, changes)
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    return solve_resolved(resolved, data, keep_instance=True)


def built(r, year, scenario="calm"):
    inv = r.tables["investment"]
    sel = inv[(inv.year == year) & (inv.scenario == scenario)]
    return float(sel.capacity_added_t.sum())


def online(r, year, scenario):
    inv = r.tables["investment"]
    sel = inv[(inv.year == year) & (inv.scenario == scenario)]
    return float(sel.capacity_t.sum())


def floor(price):
    return {"cfd": {"kind": "price_floor", "facilities": ["us_new"], "commodity": "ndpr_oxide",
                    "price_usd_per_kg": price, "reference_node": "US"}}


def test_capital_charge_formula_by_hand():
    from reebloc.equilibrium.investment import annuity_usd_per_t, crf as model_crf
    # CRF(10%, 2) = 0.1 / (1 − 1.1⁻²) = 0.1 / 0.173554 = 0.576190; A = C × 1.1 × 0.576190
    assert model_crf(0.10, 2) == pytest.approx(0.576190, rel=1e-6)
    assert annuity_usd_per_t(10000, 0.10, 1, 2) == pytest.approx(10000 * 1.1 * 0.576190, rel=1e-6)
    assert model_crf(0.0, 4) == 0.25


@pytest.mark.parametrize("charge,expect", [(14.0, SIZE), (16.0, 0.0)])
def test_built_iff_expected_margin_covers_the_capital_charge(fixture, charge, expect):
    """A = 14 ≤ 30 p = 15 $/kg: built in 2025 (first stage, online 2026); A = 16 > 15: not built."""
    r = solve(fixture(capex_for_charge(charge)))
    assert built(r, 2025, "calm") == pytest.approx(expect, abs=1e-3)
    assert built(r, 2025, "ban") == pytest.approx(expect, abs=1e-3)


def test_first_stage_build_is_identical_across_scenarios(fixture):
    r = solve(fixture(capex_for_charge(14.0)))
    inv = r.tables["investment"]
    first = inv[inv.year == 2025].set_index("scenario")[["capacity_added_t", "capex_usd"]]
    assert set(first.index) == {"calm", "ban"}
    assert first.loc["calm"].tolist() == first.loc["ban"].tolist()
    # online from 2026 (lead time 1) in both scenarios; runs only where the price covers o = 70
    assert online(r, 2025, "calm") == 0.0
    assert online(r, 2026, "calm") == pytest.approx(SIZE) and online(r, 2026, "ban") == pytest.approx(SIZE)
    prod = r.tables["production"]
    us_new = prod[(prod.facility == "us_new") & (prod.quantity_t > 0)]
    assert set(us_new.scenario) == {"ban"}


def test_recourse_waits_for_the_ban_and_respects_the_lead_time(fixture):
    """Over 2025-2027 the ban branch can build in 2026 for 2027 (recourse). Per t, with weights
    w26 = 1/1.05, w27 = 1/1.05²: first stage earns (15 − A)(w26 + w27); waiting earns p (30 − A) w27.
    First stage wins iff (15 − A)(1.05 + 1) ≥ 0.5 (30 − A) ⇔ A ≤ 15.75/1.55 = 10.16.
    A = 16: no first stage, the ban branch builds 1,000 t in 2026, online in 2027 only (lead time);
    A = 10.3: waiting still wins; A = 10: first stage."""
    for a, first, ban_2026 in [(16.0, 0.0, SIZE), (10.3, 0.0, SIZE), (10.0, SIZE, 0.0)]:
        r = solve(fixture(capex_for_charge(a), end=2027))
        assert built(r, 2025, "ban") == pytest.approx(first, abs=1e-3), a
        assert built(r, 2026, "ban") == pytest.approx(ban_2026, abs=1e-3), a
        assert built(r, 2026, "calm") == pytest.approx(0.0, abs=1e-3), a
        if not first:
            assert online(r, 2026, "ban") == 0.0 and online(r, 2027, "ban") == pytest.approx(SIZE)
            out = r.tables["production"]
            assert out[(out.facility == "us_new") & (out.year == 2026)].quantity_t.sum() == pytest.approx(0, abs=1e-6)


def test_lead_time_two_years(fixture):
    """Lead 2, earliest 2027, years 2025-2027: only a 2025 decision can come online (2027), and the
    plant does not exist in 2026. Charge A in 2027 only; worth it iff p × 30 ≥ A: A = 14 builds."""
    a = 14.0
    capex = 1000.0 * a / ((1 + RATE) ** 2 * crf(RATE, LIFE))
    r = solve(fixture(capex, lead=2, earliest=2027, end=2027))
    assert built(r, 2025, "ban") == pytest.approx(SIZE, abs=1e-3)
    assert online(r, 2026, "ban") == 0.0 and online(r, 2027, "ban") == pytest.approx(SIZE)


def tipping_floor(a, p=P_BAN):
    """F* = o + (A − p (P_ban − o)) / (1 − p)."""
    return O_CASH + (a - p * (P_BAN_PRICE - O_CASH)) / (1 - p)


def test_tipping_floor_by_hand(fixture):
    """A = 20: F* = 70 + (20 − 15)/0.5 = 80. A floor of 79.9 leaves the first stage unbuilt; 80.1 builds it."""
    a = 20.0
    assert tipping_floor(a) == pytest.approx(80.0)
    cfg = fixture(capex_for_charge(a))
    assert built(solve(cfg, floor(79.9)), 2025) == pytest.approx(0.0, abs=1e-3)
    assert built(solve(cfg, floor(80.1)), 2025) == pytest.approx(SIZE, abs=1e-3)


def test_grant_lowers_the_tipping_floor_by_hand(fixture):
    """A grant of 10% of capex (amount = 0.1 × C × 1,000 t) makes A' = 0.9 × 20 = 18:
    F* falls by 0.1 × 20 / 0.5 = 4, from 80 to 76."""
    a = 20.0
    c = capex_for_charge(a)
    cfg = fixture(c)
    grant = {"g": {"kind": "outlay", "type": "grant", "amount_usd": 0.1 * c * SIZE, "year": 2025,
                   "projects": ["us_new"]}}
    assert tipping_floor(0.9 * a) == pytest.approx(76.0)
    unbuilt = solve(cfg, {**floor(75.9), **grant})
    assert built(unbuilt, 2025) == pytest.approx(0.0, abs=1e-3)
    assert unbuilt.summary["project_finance_budget_cost_usd"] == {"g": 0.0}     # nothing built, nothing paid
    r = solve(cfg, {**floor(76.1), **grant})
    assert built(r, 2025) == pytest.approx(SIZE, abs=1e-3)
    # the grant is costed as the charge it takes off the investor, 0.1 × A per t/yr in each year
    # paying inside the horizon (2026): 0.1 × 20 × 1,000 t × 1,000 = $2M; its cash, 0.1 × C ×
    # 1,000 t, is the budget office's figure, booked in 2025 (the run's first year)
    g = r.tables["government"]
    paid = g[(g.instrument == "project_grant") & (g.scenario == "calm")]
    assert paid.usd.sum() == pytest.approx(0.1 * a * SIZE * 1000, rel=1e-6) and set(paid.year) == {2026}
    assert r.summary["project_finance_budget_cost_usd"] == {"g": pytest.approx(0.1 * c * SIZE, rel=1e-9)}


def test_a_grant_on_a_plant_built_anyway_moves_no_welfare(fixture):
    """With a floor of 95 the plant is built with or without a 10% grant (F* = 80, and 76 with
    it): the grant is a transfer from the US government to US investors, so US and world welfare
    do not change (the investor's lower charge is exactly the government's cost, year by year).
    The same whatever the life: the two sides are equal in each year."""
    a = 20.0
    c = capex_for_charge(a)
    cfg = fixture(c)
    grant = {"g": {"kind": "outlay", "type": "grant", "amount_usd": 0.1 * c * SIZE, "year": 2025,
                   "projects": ["us_new"]}}
    r0, r1 = solve(cfg, floor(95.0)), solve(cfg, {**floor(95.0), **grant})
    assert built(r0, 2025) == pytest.approx(SIZE, abs=1e-3) and built(r1, 2025) == pytest.approx(SIZE, abs=1e-3)
    assert r1.summary["us_welfare_usd"] == pytest.approx(r0.summary["us_welfare_usd"], abs=1.0)
    assert r1.summary["welfare_total_usd_discounted"] == pytest.approx(r0.summary["welfare_total_usd_discounted"], abs=1.0)
    assert r1.summary["us_budget_cost_usd"] > r0.summary["us_budget_cost_usd"] + 1e6   # the transfer is there


def test_cheaper_loan_lowers_the_tipping_floor_by_hand(fixture):
    """A loan for the whole capex at 0% (interest_subsidy_rate 0.10 below the project's 10%):
    r' = 0, A' = C × 1 × CRF(0, 2) = C / 2 = 20 / (1.1 × 0.576190) / 2 × ... = 15.7775 $/kg;
    F* = 70 + (15.7775 − 15)/0.5 = 71.555."""
    a = 20.0
    c = capex_for_charge(a)
    a_loan = c / 1000.0 / 2.0
    assert a_loan == pytest.approx(15.7775, abs=1e-3)
    f_star = tipping_floor(a_loan)
    assert f_star == pytest.approx(71.555, abs=1e-3)
    cfg = fixture(c)
    loan = {"l": {"kind": "outlay", "type": "loan", "amount_usd": c * SIZE, "year": 2025,
                  "interest_subsidy_rate": 0.10, "projects": ["us_new"]}}
    assert built(solve(cfg, {**floor(f_star - 0.1), **loan}), 2025) == pytest.approx(0.0, abs=1e-3)
    r = solve(cfg, {**floor(f_star + 0.1), **loan})
    assert built(r, 2025) == pytest.approx(SIZE, abs=1e-3)
    inv = r.tables["investment"]
    assert inv.cost_of_capital.iloc[0] == pytest.approx(0.0)
    # the subsidy: (A − A') per t per year online inside the horizon (2026)
    g = r.tables["government"]
    sub = g[(g.instrument == "project_loan") & (g.scenario == "calm")].usd.sum()
    assert sub == pytest.approx((a - a_loan) * 1000.0 * SIZE, rel=1e-6)


def test_contracted_projects_get_the_lower_hurdle_rate(fixture):
    """Merchant 10%, contracted 5%: with a floor the rate is 5%, and A falls from 20 to
    C × 1.05 × CRF(5%, 2)/1000, so the tipping floor is lower than 80."""
    a = 20.0
    c = capex_for_charge(a)
    cfg = fixture(c, contracted=0.05)
    a_c = c * 1.05 * crf(0.05, 2) / 1000.0
    f_star = tipping_floor(a_c)
    assert f_star < 80.0
    r = solve(cfg, floor(f_star + 0.1))
    assert built(r, 2025) == pytest.approx(SIZE, abs=1e-3)
    assert r.tables["investment"].cost_of_capital.iloc[0] == pytest.approx(0.05)
    assert built(solve(cfg, floor(f_star - 0.1)), 2025) == pytest.approx(0.0, abs=1e-3)


def test_without_investment_nothing_is_built(fixture):
    r = solve(fixture(capex_for_charge(1.0)), extra={"investment": {"enabled": False}})
    assert r.tables["investment"].empty


def test_value_of_stochastic_solution_is_positive_with_investment(fixture):
    """The no-disruption plan builds nothing in 2025 (calm: 62 < 70); the stochastic plan builds
    1,000 t (A = 14 ≤ 15). VSS = (p × 30 − A) × 1,000 t × $1,000 per t per $/kg × w(2026)
    = (15 − 14) × 10⁶ / 1.05 ≈ $952k."""
    from reebloc.solve.solver import make_solver
    from reebloc.solve.stochastic import value_of_stochastic_solution
    from reebloc.solve.wedges import solve_equilibrium
    from reebloc.equilibrium import create_model
    base = load_config(fixture(capex_for_charge(14.0)))
    data = load_dataset(base.data_dir, base.config.year_list)
    inst = create_model(base.config, data)
    s = make_solver(inst, base.config.solver)
    solve_equilibrium(inst, s)
    s.load()
    v = value_of_stochastic_solution(inst, s)
    assert v["vss_usd"] == pytest.approx((P_BAN * 30 - 14.0) * 1e6 / 1.05, rel=1e-6)



@pytest.mark.parametrize("a", [14.0, 17.0])
def test_value_of_perfect_information_by_hand(fixture, a):
    """Wait and see: knowing the ban, build (gain (30 − A) per kg on 1,000 t); knowing calm, do not
    (0). The stochastic plan builds iff A ≤ 15: at A = 14 it builds (calm loses A), so EVPI =
    (1 − p) A; at A = 17 it does not (the ban forgoes 30 − A), so EVPI = p (30 − A); both × 10⁶ × w(2026)
    = 1/1.05. Each scenario alone is a run of that scenario at probability 1."""
    r = solve(fixture(capex_for_charge(a)), extra={"evpi": True})
    v = r.summary["value_of_perfect_information"]
    want = ((1 - P_BAN) * a if a <= 30 * P_BAN else P_BAN * (30 - a)) * 1e6 / 1.05
    assert v["evpi_usd"] == pytest.approx(want, rel=1e-6)
    assert v["stochastic_objective_usd"] == pytest.approx(r.summary["objective_kusd"] * 1000, rel=1e-9)
    alone = v["scenario_alone_objective_usd"]
    assert v["wait_and_see_objective_usd"] == pytest.approx(P_BAN * alone["ban"] + (1 - P_BAN) * alone["calm"], rel=1e-12)
    cfg = fixture(capex_for_charge(a))
    for name in ("calm", "ban"):
        scenario = {**load_config(cfg).raw["scenarios"][name], "probability": 1.0}
        one = solve(cfg, extra={"scenarios": {name: scenario}, "reference_scenario": None})
        assert alone[name] == pytest.approx(one.summary["objective_kusd"] * 1000, rel=1e-9)
    assert r.summary["value_of_stochastic_solution"]["vss_usd"] == pytest.approx(
        max(P_BAN * 30 - a, 0.0) * 1e6 / 1.05, rel=1e-6, abs=1e-3)


def test_evpi_needs_scenarios_and_no_leader(fixture, tmp_path, capsys):
    fixture(capex_for_charge(14.0))
    one = tmp_path / "one.yaml"
    one.write_text("name: one\ninputs: data\nyears: {start: 2025, end: 2026}\ndiscount_rate: 0.05\nevpi: true\n")
    capsys.readouterr()
    assert main(["-q", "validate", str(one)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {one}: evpi: needs two or more scenarios"), err
    from tests.conftest import CONFIGS
    lead = tmp_path / "lead.yaml"
    lead.write_text(f"base: {CONFIGS / 'domfirm.yaml'}\nname: lead\nevpi: true\nscenarios: "
                    "{a: {probability: 0.5}, b: {probability: 0.5}}\n")
    assert main(["-q", "validate", str(lead)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {lead}: evpi: not computed with a strategy block"), err


BAD = [
    ("capex", dict(capex=-5.0), ["projects.csv", "capex_usd_per_t_yr", ">= 0"]),
    ("lead", dict(capex=1000.0, lead=5), ["projects.csv", "lead_time_years", "longer than the data horizon"]),
    ("node", dict(capex=1000.0, node="XX"), ["projects.csv", "node", "unknown node 'XX'"]),
    ("process", dict(capex=1000.0, process="sep"), ["projects.csv", "process", "unknown process 'sep'"]),
]


@pytest.mark.parametrize("name,kw,words", BAD, ids=[b[0] for b in BAD])
def test_bad_project_is_one_clear_line(fixture, tmp_path, capsys, name, kw, words):
    capex = kw.pop("capex")
    cfg = fixture(capex, **kw)
    out = tmp_path / "out"
    code = main(["run", str(cfg), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert not out.exists() or not any(out.iterdir())


def test_unknown_project_in_a_policy_is_one_clear_line(fixture, tmp_path, capsys):
    cfg = fixture(1000.0)
    cfg.write_text(cfg.read_text() + "policies:\n  g: {kind: outlay, type: grant, amount_usd: 1, year: 2025, projects: [nope]}\n")
    code = main(["run", str(cfg), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "unknown project 'nope'" in err and len(err.strip().splitlines()) == 1
    assert math.isfinite(1.0)


def test_a_nominal_grant_is_deflated_and_a_project_loan_reports_its_budget_cost(fixture):
    """A grant announced as 0.1 × C × 1,000 t × (1 + π)² dollars of 2027 (nominal, the outlay
    default) is the same real grant as 0.1 × C × 1,000 t of 2025, the price year: the same build at
    a floor of 76.1 and the same payment. A project loan's budget-office figure (FCRA credit
    subsidy on the amount announced) is reported beside the capital-charge subsidy it moves, not
    in government.csv: Outlay.budget_cost, deflated from 2028 and discounted to 2025."""
    from reebloc.inputs.policies import Outlay
    a = 20.0
    c = capex_for_charge(a)
    cfg = fixture(c)
    money = load_config(cfg).config.money
    amount = 0.1 * c * SIZE / money.deflator(2027)
    assert amount > 0.1 * c * SIZE * 1.04                   # (1.025)² = 1.0506
    grant = {"g": {"kind": "outlay", "type": "grant", "amount_usd": amount, "year": 2027, "projects": ["us_new"]}}
    r = solve(cfg, {**floor(76.1), **grant})
    assert built(r, 2025) == pytest.approx(SIZE, abs=1e-3)
    g = r.tables["government"]
    assert g[(g.instrument == "project_grant") & (g.scenario == "calm")].usd.sum() == pytest.approx(0.1 * a * SIZE * 1000, rel=1e-6)
    # the cash on what is built: the grant's real share of the capex, booked when the build is
    # decided (2025, the first year: not discounted)
    assert r.summary["project_finance_budget_cost_usd"] == {"g": pytest.approx(0.1 * c * SIZE, rel=1e-9)}
    loan = {"kind": "outlay", "type": "loan", "amount_usd": 5e6, "year": 2028, "interest_subsidy_rate": 0.02,
            "expected_loss_rate": 0.05, "term_years": 10, "projects": ["us_new"]}
    r = solve(cfg, {**floor(80.1), "l": loan})
    fcra = Outlay(**loan).budget_cost(money.credit_discount_rate) * money.deflator(2028)
    # the whole (real) amount is lent, to a build decided in 2025: its FCRA cost, booked then
    assert built(r, 2025) == pytest.approx(SIZE, abs=1e-3)
    assert r.summary["project_finance_budget_cost_usd"] == {"l": pytest.approx(fcra, rel=1e-9)}
    assert fcra > 0.05 * 5e6 * 0.9      # expected loss and the interest subsidy: a real figure
    g = r.tables["government"]
    assert set(g[g.policy == "l"].instrument) <= {"project_loan"}


def test_a_plant_retires_at_the_end_of_its_life(fixture):
    """Life 1 year, lead 1: a 2025 build (first stage, nearly free) is online in 2026 only. In the
    ban branch (US price $100 > $70) it runs in 2026 and is gone in 2027, when the ban still holds;
    its capital charge is paid in 2026 only, as before. (It used to keep producing for ever
    after its last annuity.)"""
    cfg = fixture(1.0, end=2027)
    data = cfg.parent / "data"
    rows = (data / "projects.csv").read_text().splitlines()
    head, row = rows[0].split(","), rows[1].split(",")
    row[head.index("lifetime_years")] = "1"
    (data / "projects.csv").write_text(",".join(head) + "\n" + ",".join(row) + "\n")
    r = solve(cfg)
    assert built(r, 2025) == pytest.approx(SIZE, abs=1e-3)
    assert online(r, 2026, "ban") == pytest.approx(SIZE, abs=1e-3)
    assert online(r, 2027, "ban") == pytest.approx(0.0, abs=1e-6)
    p = r.tables["production"]
    assert p[(p.facility == "us_new") & (p.year == 2027)].quantity_t.sum() == pytest.approx(0.0, abs=1e-6)
    assert p[(p.facility == "us_new") & (p.year == 2026) & (p.scenario == "ban")].quantity_t.sum() == pytest.approx(SIZE)


def test_project_equity_budget_cost_on_what_is_built_with_its_loss_range(fixture):
    """Equity of half the capex in a plant built in 2025 (a $95 floor makes the build certain),
    expected loss 20% (range 10-50%): the budget office's figure is 0.2 × the dollars put in,
    0.5 × C × 1,000 t, booked in 2025; the range is 0.1× and 0.5× the same (it was dropped for
    project equity)."""
    a = 20.0
    c = capex_for_charge(a)
    cfg = fixture(c)
    eq = {"e": {"kind": "outlay", "type": "equity", "amount_usd": 0.5 * c * SIZE, "year": 2025, "price_basis": "real",
                "expected_loss_rate": 0.2, "expected_loss_range": [0.1, 0.5], "projects": ["us_new"]}}
    r = solve(cfg, {**floor(95.0), **eq})
    assert built(r, 2025) == pytest.approx(SIZE, abs=1e-3)
    put_in = 0.5 * c * SIZE
    assert r.summary["project_finance_budget_cost_usd"] == {"e": pytest.approx(0.2 * put_in, rel=1e-9)}
    rng = r.summary["project_finance_budget_cost_range_usd"]
    assert rng["low"] == {"e": pytest.approx(0.1 * put_in, rel=1e-9)}
    assert rng["high"] == {"e": pytest.approx(0.5 * put_in, rel=1e-9)}
