"""Scenario decomposition (mpi-sppy PH and L-shaped, reebloc's warm-started Benders) against the
extensive form, on a two-stage case: the chain fixture where 2025 is decided before knowing whether China bans (p = 0.6) or
caps (p = 0.2) exports to the US in 2026-27 (US magnet stockpile allowed: the first stage is
the stock carried out of 2025, 800 t in the extensive form)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from reebloc.app.cli import main
from reebloc.equilibrium import create_model
from reebloc.inputs.config import load_config
from reebloc.inputs.dataset import load_dataset
from reebloc.solve.solver import make_solver
from reebloc.solve.wedges import solve_equilibrium

from conftest import CONFIGS

pytest.importorskip("mpisppy", reason="mpi-sppy is not installed: pip install -e '.[mpi]'")
pytest.importorskip("mpi4py", reason="mpi4py is not installed: pip install -e '.[mpi]'")

from reebloc.solve import decompose  # noqa: E402

CFG = CONFIGS / "chain_two_stage.yaml"
REL = 1e-7      # objective tolerance, relative
ABS_T = 1e-3    # first-stage decisions, tonnes


@pytest.fixture(scope="module")
def extensive_form():
    resolved = load_config(CFG)
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    inst = create_model(resolved.config, data)
    solver = make_solver(inst, resolved.config.solver)
    solve_equilibrium(inst, solver)
    solver.load()
    first = decompose.first_stage_vars(inst, decompose.divergence_year(resolved.config))
    from reebloc.solve.stochastic import value_of_perfect_information
    evpi = value_of_perfect_information(inst, solver.info.objective_kusd)["evpi_usd"]
    assert evpi > 1e5     # knowing ban, quota or calm before stocking in 2025 is worth something here
    return solver.info.objective_kusd, {v.name: v.value or 0.0 for v in first}, evpi


@pytest.mark.parametrize("method", ["lshaped", "ph", "benders"])
def test_decomposition_matches_the_extensive_form(extensive_form, method):
    obj, plan, _ = extensive_form
    rep = decompose.solve(str(CFG), method)
    assert rep["scenarios"] == 3 and rep["first_stage_before"] == 2026
    assert rep["objective_kusd"] == pytest.approx(obj, rel=REL)
    assert rep["converged"] is True and rep["bound_kusd"] >= obj - REL * abs(obj)    # an upper bound on welfare
    # the first stage is the trunk's state carried into 2026: the stock, 800 t in the extensive form
    assert list(plan) == ["stock[us_stock,0]"] and plan["stock[us_stock,0]"] == pytest.approx(800.0, abs=ABS_T)
    assert rep["first_stage"] == pytest.approx(plan, abs=ABS_T)
    if method != "ph":      # the cut methods solve each scenario alone anyway: EVPI comes free
        assert rep["evpi_usd"] == pytest.approx(extensive_form[2], rel=1e-6, abs=1.0)


def test_first_stage_is_the_state_carried_into_the_branches():
    """On the default data's two-stage tree (2025-26 trunk), the first stage is the trunk variables
    that enter a constraint with a later node: builds, stocks, qualified trade volumes and the flows
    that qualify them — not the trunk's demand blocks and other flows, which meet the branches
    only through those."""
    from reebloc.inputs.config import apply_overrides
    resolved = load_config(CONFIGS.parent.parent / "runs" / "baseline.yaml")
    resolved = apply_overrides(resolved, {"scenarios": {
        "calm": {"probability": 0.5, "diverges": 2027},
        "ban": {"probability": 0.5, "diverges": 2027, "export_controls": {"b": {
            "exporter": "CN", "commodities": ["ndfeb_magnet"], "destinations": ["US"],
            "years": {"start": 2027, "end": 2035}, "kind": "ban"}}}}})
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    inst = create_model(resolved.config, data)
    first = decompose.first_stage_vars(inst, 2027)
    families = {v.parent_component().local_name for v in first}
    # builds, private stocks and qualified volumes carry into 2027; the trunk's demand blocks do not
    assert {"build", "pstock", "qualified"} <= families and "blk" not in families
    tree = inst.ix.tree
    assert all(tree.year[v.index()[decompose.t_position(v.parent_component(), len(tree))]] < 2027 for v in first)
    assert 0 < len(first) < 0.01 * inst.m.nvariables()


@pytest.mark.parametrize("method", ["lshaped", "benders"])
def test_cli_runs_on_two_mpi_processes(extensive_form, tmp_path, capsys, method):
    assert main(["run", str(CFG), "--decompose", method, "--np", "2", "--out", str(tmp_path)]) == 0
    folder = tmp_path / f"chain_two_stage.{method}"
    rep = json.loads((folder / "summary.json").read_text())
    assert rep["ranks"] == 2 and rep["converged"] is True
    assert rep["objective_kusd"] == pytest.approx(extensive_form[0], rel=REL)
    assert rep["bound_kusd"] == pytest.approx(extensive_form[0], rel=REL)   # the bound closes on the optimum
    assert f"{method} on 2 process(es), converged in" in capsys.readouterr().out
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["run"] == folder.name and manifest["decomposition"]["ranks"] == 2
    assert (folder / "first_stage.csv").read_text().startswith("variable,value")
    # the run's tables, each scenario under the plan: the extensive form's, trunk prices included
    # (2025 CN magnets: $32.23, the stock's expected value, where the held plan alone gives the
    # step's $30)
    # Prices, money, policies and stocks are unique; which demand block valued exactly at the price
    # is served is not (CN ev in 2026 takes 22,200 t or 22,800 t at the same price and welfare), so
    # the quantity tables are compared as sets of files, not row by row
    assert main(["-q", "run", str(CFG), "--out", str(tmp_path / "ef")]) == 0
    ef = tmp_path / "ef" / "chain_two_stage"
    assert sorted(f.name for f in ef.glob("*.csv")) == sorted(f.name for f in folder.glob("*.csv") if f.name != "first_stage.csv")
    # One dual is not unique: in the ban in 2027 China's magnet plant runs at capacity, so China's
    # magnet price may sit anywhere in a range (Japan's follows at +$1.5, the ban's shadow price
    # and the China/Japan split of welfare with it); the two solves may take different ends. There
    # the world's welfare and the spread are compared; everywhere else every row.
    odd = lambda df: (df.scenario == "ban") & (df.year == 2027)       # noqa: E731
    for name in ("prices.csv", "welfare.csv", "government.csv", "policies.csv", "stockpiles.csv", "investment.csv"):
        # price_note describes the trade pattern (a node that exports all it makes), a quantity
        a, b = (pd.read_csv(x / name).drop(columns=["price_note"], errors="ignore") for x in (ef, folder))
        assert list(a.columns) == list(b.columns) and len(a) == len(b), name
        if name in ("prices.csv", "welfare.csv", "policies.csv"):
            assert (odd(a) == odd(b)).all()
            a, b = a[~odd(a)].reset_index(drop=True), b[~odd(b)].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-6, atol=1e-4, obj=name)
    w = [pd.read_csv(x / "welfare.csv") for x in (ef, folder)]
    assert w[0][odd(w[0])].total_usd.sum() == pytest.approx(w[1][odd(w[1])].total_usd.sum(), rel=1e-9)
    for x in (ef, folder):
        p = pd.read_csv(x / "prices.csv")
        p = p[odd(p) & (p.commodity == "ndfeb_magnet")].set_index("node").price_usd_per_kg
        assert p["JP"] - p["CN"] == pytest.approx(1.5, abs=1e-6)     # China → Japan freight: the route is used
    sec = pd.read_csv(folder / "security.csv")     # price rises against the reference scenario, recomputed
    assert (sec.metric == "price_rise_pct").any()
    pr = pd.read_csv(folder / "prices.csv")
    trunk = pr[(pr.year == 2025) & (pr.node == "CN") & (pr.commodity == "ndfeb_magnet")].price_usd_per_kg
    assert trunk.to_numpy() == pytest.approx([32.230159] * 3, abs=1e-5)
    # an earlier folder is replaced only with --force, and then whole
    assert main(["run", str(CFG), "--decompose", method, "--out", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["run", str(CFG), "--decompose", method, "--out", str(tmp_path), "--force", "--no-tables"]) == 0
    assert json.loads((folder / "summary.json").read_text())["ranks"] == 1
    assert not (folder / "prices.csv").exists()     # --no-tables: the plan and its value only


def test_decomposition_stops_at_the_time_limit(tmp_path, capsys):
    cfg = tmp_path / "slow.yaml"
    cfg.write_text(f"base: {CFG}\nname: slow\nsolver: {{time_limit_s: 0.5}}\n")
    assert main(["run", str(cfg), "--decompose", "lshaped", "--np", "2", "--out", str(tmp_path)]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "solver.time_limit_s" in last and "did not finish within 0.5 s" in last
    assert not (tmp_path / "slow.lshaped").exists() and not list(tmp_path.glob(".slow.lshaped*"))


def test_decomposition_refuses_a_multi_stage_tree(tmp_path, capsys):
    cfg = tmp_path / "three.yaml"
    cfg.write_text(CFG.read_text().replace("base: chain_ban.yaml", f"base: {CONFIGS / 'chain_ban.yaml'}")
                   .replace("quota:\n    probability: 0.2\n    diverges: 2026", "quota:\n    probability: 0.2\n    diverges: 2027"))
    assert main(["run", str(cfg), "--decompose", "ph", "--out", str(tmp_path)]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("error:") and "same year (two stages)" in last


def _default_two_stage(tmp_path):
    """The default data with a 2025-26 trunk and two branches (calm, or a Chinese magnet and heavy
    oxide ban on the US from 2027), without the baseline's ad valorem tariffs (decomposition
    refuses price-dependent wedges)."""
    import yaml
    root = CONFIGS.parent.parent
    raw = yaml.safe_load((root / "runs" / "baseline.yaml").read_text(encoding="utf-8"))
    raw.update(name="two_stage", inputs=str(root / "inputs" / "default"),
               policies={k: v for k, v in raw["policies"].items() if v["kind"] != "tariff"},
               scenarios={"calm": {"probability": 0.6, "diverges": 2027},
                          "ban": {"probability": 0.4, "diverges": 2027, "export_controls": {"b": {
                              "exporter": "CN", "commodities": ["ndfeb_magnet", "dy_oxide", "tb_oxide"],
                              "destinations": ["US"], "years": {"start": 2027, "end": 2035}, "kind": "ban"}}}})
    path = tmp_path / "two_stage.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_benders_on_the_default_data_reaches_the_extensive_form(tmp_path):
    """60 first-stage variables (builds, stocks, qualified volumes): the cut loop closes the gap to
    1e-6 and its plan is worth the extensive form's optimum within that gap; the bound is a true
    upper bound."""
    path = _default_two_stage(tmp_path)
    resolved = load_config(path)
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    inst = create_model(resolved.config, data)
    solver = make_solver(inst, resolved.config.solver)
    solve_equilibrium(inst, solver)
    ef = solver.info.objective_kusd
    rep = decompose.solve(str(path), "benders")
    assert rep["converged"] is True and rep["gap"] <= decompose.GAP_TOL
    assert rep["bound_kusd"] >= ef - 1e-9 * abs(ef)
    assert ef - decompose.GAP_TOL * abs(ef) <= rep["objective_kusd"] <= ef + 1e-9 * abs(ef)
    assert len(rep["first_stage"]) > 20


def test_benders_cut_is_a_supergradient_and_a_plan_off_the_branches_is_penalised(tmp_path):
    """The elastic rows' duals are the slope of the scenario's welfare in its first stage (checked
    by a finite difference), and a plan no branch can follow (a stock above its room) is charged
    the penalty per unit it departs by; the capacity row holds the first stage alone, so it goes to
    the master."""
    import numpy as np
    from reebloc.solve.benders import PENALTY, Scenarios
    resolved = load_config(CFG)
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    inst = decompose.scenario_instance(resolved.config, data, "ban")
    pool = Scenarios()
    sub = pool.add(inst, decompose.first_stage_vars(inst, 2026), "ban", master_rows=True)
    pool.finish()
    assert sub.names == ["stock[us_stock,0]"]
    w0, g, departed = sub.evaluate(np.array([500.0]))
    w1, _g, _d = sub.evaluate(np.array([500.0 + 1e-3]))
    assert departed == 0.0 and (w1 - w0) / 1e-3 == pytest.approx(g[0], rel=1e-4)
    (lower, room, cols, vals), = sub.own_rows          # stock ≤ capacity: a row of the first stage alone
    assert list(cols) == [0] and list(vals) == [1.0] and room == 20000.0
    w_over, g_over, d_over = sub.evaluate(np.array([room + 10.0]))
    w_room, _g, _d = sub.evaluate(np.array([room]))
    assert d_over == pytest.approx(10.0) and w_over == pytest.approx(w_room - 10.0 * PENALTY, rel=1e-9)
    assert g_over[0] == pytest.approx(-PENALTY)


def test_benders_pool_gives_each_scenario_its_own_optimum(tmp_path):
    """One HiGHS model holds every scenario as differences from a template (a quota's own rows, a
    licence's costs and columns): evaluated in any order, each scenario's value under a plan
    equals its LP solved alone with the first stage fixed at the plan, and its wait-and-see value
    equals its LP solved alone."""
    import numpy as np
    from reebloc.solve.benders import Scenarios
    from reebloc.solve.fastpath import FastHighs
    cfg = tmp_path / "four.yaml"
    cfg.write_text(CFG.read_text().replace("base: chain_ban.yaml", f"base: {CONFIGS / 'chain_ban.yaml'}")
                   .replace("no_controls: {probability: 0.2", "no_controls: {probability: 0.1")
                   + "  licence:\n    probability: 0.1\n    diverges: 2026\n    export_controls:\n"
                     "      us_ban: {exporter: CN, commodities: [ndfeb_magnet], destinations: [US], years: "
                     "{start: 2026, end: 2027}, kind: licence, cost_usd_per_kg: 20, cap_t: 1500}\n")
    resolved = load_config(cfg)
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    names = sorted(resolved.config.scenarios)
    pool = Scenarios()
    members = {}
    for n in names:
        inst = decompose.scenario_instance(resolved.config, data, n)
        members[n] = pool.add(inst, decompose.first_stage_vars(inst, 2026), n)
    pool.finish()
    d = {n: m.difference for n, m in members.items()}
    assert len(d["quota"].rows_at) > 0 and len(d["licence"].cost_at) + len(d["licence"].bounds_at) > 0

    def alone(name, plan):
        inst = decompose.scenario_instance(resolved.config, data, name)
        for v, x in zip(decompose.first_stage_vars(inst, 2026), plan if plan is not None else []):
            v.fix(x)
        return FastHighs(inst.m, route="matrix").solve().objective

    for n, m in members.items():
        assert m.wait_and_see == pytest.approx(alone(n, None), rel=1e-9)
    for plan in (np.array([0.0]), np.array([800.0]), np.array([300.0])):
        for n in names + names[::-1]:
            value, _slope, departed = members[n].evaluate(plan)
            assert departed == 0.0
            assert value == pytest.approx(alone(n, plan), rel=1e-9), (n, plan)


def test_benders_pool_swaps_coefficients_columns_and_rows():
    """The pool on three hand-made LPs sharing the first stage x (max x + 2y [+ w/2], x ≤ 10):
    B changes a coefficient of the row they share (x + 2y ≤ 8 instead of x + y ≤ 8) and adds a
    column w and a row w + y ≤ 3; C loosens the shared row (≤ 12) and lacks B's column and row.
    Alone, by hand: A y = 8 → 16; B x = 8, w = 3 → 9.5 (x and y earn 1 per unit of the shared
    row; w needs y = 0); C x = 2, y = 10 → 22. At x̂ = 2: A y = 6 → 14; B y = 3, w = 0 → 8; C 22.
    Evaluated in any order."""
    import types

    import numpy as np
    import pyomo.environ as pyo
    from reebloc.solve.benders import Scenarios

    def lp(a, rhs, extra):
        m = pyo.ConcreteModel()
        m.x = pyo.Var(bounds=(0, 10))
        m.y = pyo.Var(bounds=(0, 10))
        if extra:
            m.w = pyo.Var(bounds=(0, 5))
            m.c2 = pyo.Constraint(expr=m.w + m.y <= 3)
        m.c = pyo.Constraint(expr=m.x + a * m.y <= rhs)
        m.obj = pyo.Objective(expr=m.x + 2 * m.y + (0.5 * m.w if extra else 0), sense=pyo.maximize)
        return types.SimpleNamespace(m=m)

    pool = Scenarios()
    members = {}
    for name, (a, rhs, extra) in {"A": (1, 8, False), "B": (2, 8, True), "C": (1, 12, False)}.items():
        inst = lp(a, rhs, extra)
        members[name] = pool.add(inst, [inst.m.x], name, master_rows=name == "A")
    pool.finish()
    assert len(members["B"].difference.coef) == 1                      # the shared row's y entry
    assert [m.wait_and_see for m in members.values()] == pytest.approx([16.0, 9.5, 22.0], abs=1e-9)
    for name in ["A", "B", "C", "B", "A", "C", "C", "A"]:
        value, slope, departed = members[name].evaluate(np.array([2.0]))
        assert departed == 0.0
        assert value == pytest.approx({"A": 14.0, "B": 8.0, "C": 22.0}[name], abs=1e-9), name
