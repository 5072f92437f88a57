"""The matrix route (Pyomo's standard-form compiler → one HiGHS ``passModel``) against the old
path (the ``pyomo.contrib.solver`` hand-over), kept here only as this oracle; and deep
expressions compile without recursion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from reebloc.equilibrium import create_model
from reebloc.inputs.config import apply_overrides, load_config
from reebloc.inputs.dataset import load_dataset
from reebloc.outputs.tabulate import tabulate
from reebloc.solve.fastpath import FastHighs
from reebloc.solve.fastpath.poly import evaluate, linear, terms
from reebloc.solve.solver import make_solver
from reebloc.solve.wedges import solve_equilibrium

from conftest import ROOT

# four scenarios: none, a ban on heavy oxides to all, a magnet quota to the US, a licence
SCENARIOS = {
    "no_controls": {"probability": 0.4, "diverges": 2027},
    "ban": {"probability": 0.2, "diverges": 2027, "export_controls": {"c": {
        "exporter": "CN", "commodities": ["dy_oxide", "tb_oxide"], "destinations": "all",
        "years": {"start": 2027, "end": 2030}, "kind": "ban"}}},
    "quota": {"probability": 0.2, "diverges": 2027, "export_controls": {"c": {
        "exporter": "CN", "commodities": ["ndfeb_magnet"], "destinations": ["US"],
        "years": {"start": 2028, "end": 2030}, "kind": "quota", "quota_t": 1000}}},
    "licence": {"probability": 0.2, "diverges": 2027, "export_controls": {"c": {
        "exporter": "CN", "commodities": ["dy_oxide", "tb_oxide", "ndfeb_magnet"], "destinations": ["US", "JP", "EU"],
        "years": {"start": 2027, "end": 2030}, "kind": "licence", "cost_usd_per_kg": 10}}},
}
PRIMAL = ["flows", "production", "demand", "stockpiles", "disposal", "substitutes"]


@pytest.fixture(scope="module")
def both_routes():
    base = load_config(ROOT / "runs" / "baseline.yaml")
    # without the baseline's tariffs: a model with price-dependent wedges re-solves on the Pyomo route
    resolved = apply_overrides(base, {"scenarios": SCENARIOS, "years": {"start": 2025, "end": 2030}, "policies": {}})
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    out = {}
    for route in ("pyomo", "matrix"):
        inst = create_model(resolved.config, data)
        solver = make_solver(inst, resolved.config.solver, route=route)
        solve_equilibrium(inst, solver)
        solver.load()
        out[route] = (solver, inst, tabulate(inst, solver.duals))
    return out


def _same(a: pd.DataFrame, b: pd.DataFrame, name: str, rtol=1e-7, atol=1e-6):
    assert list(a.columns) == list(b.columns), name
    key = [c for c in a.columns if c == "year" or not pd.api.types.is_numeric_dtype(a[c])]
    num = [c for c in a.columns if c not in key]
    # tiny values at the TOL threshold may appear on one side only
    m = a.merge(b, on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
    for c in num:
        x, y = m[f"{c}_old"].fillna(0.0), m[f"{c}_new"].fillna(0.0)
        bad = ~np.isclose(x, y, rtol=rtol, atol=atol)
        assert not bad.any(), f"{name}.{c}: {m.loc[bad, key + [f'{c}_old', f'{c}_new']].head().to_string()}"


def test_matrix_route_is_used_and_objectives_agree(both_routes):
    old, new = both_routes["pyomo"][0], both_routes["matrix"][0]
    assert old.fh.route == "pyomo" and new.fh.route == "matrix"
    assert new.info.objective_kusd == pytest.approx(old.info.objective_kusd, rel=1e-9)


# Magnet grades (docs/model.md § Magnet grades) add a degenerate choice: where two grades cost the
# same at a node's prices, which plant makes which grade, and whether China ships Dy-bearing or
# heavy-free magnets, is free. Rows are compared by plant (grade siblings f@g folded into f) and
# magnet family; Dy and Tb oxide, whose use follows the grade mix, by family too.
FAMILY = {"ndfeb_dyfree_magnet": "ndfeb_magnet", "tb_oxide": "dy_oxide"}


def _families(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df
    df = df.copy()
    if "commodity" in df.columns:
        df["commodity"] = df["commodity"].replace(FAMILY)
    if "facility" in df.columns:
        df["facility"] = df["facility"].str.split("@").str[0]
    if "process" in df.columns:
        df = df.drop(columns=["process"])
    if "substitute" in df.columns:
        df["substitute"] = df["substitute"].replace(FAMILY)
    keys = [c for c in df.columns if c == "year" or not pd.api.types.is_numeric_dtype(df[c])]
    return df.groupby(keys, as_index=False).sum(numeric_only=True)


@pytest.mark.parametrize("table", PRIMAL)
def test_primal_tables_agree(both_routes, table):
    """The LP is degenerate in places (a substitute may serve one magnet segment or another at
    the same welfare), and the two routes hand HiGHS the same LP with columns in a different
    order, so HiGHS may stop at a different vertex of the same optimal face. Totals per
    scenario, year and commodity are the same; row by row, nearly all rows are."""
    a, b = _families(both_routes["pyomo"][2][table]), _families(both_routes["matrix"][2][table])
    if a.empty or b.empty:
        assert a.empty and b.empty, table
        return
    key = [c for c in ("scenario", "year", "commodity") if c in a.columns]
    # the China-touched / clean split of a flow is a labelling the LP leaves free where both
    # labels cost the same (origin classes); it is not compared row by row or in totals
    num = [c for c in a.columns if c not in key and pd.api.types.is_numeric_dtype(a[c])
           and not any(w in c for w in ("touched", "clean"))]
    _same(a.groupby(key)[num].sum().reset_index(), b.groupby(key)[num].sum().reset_index(), table,
          rtol=1e-6, atol=1e-3)
    rows = [c for c in a.columns if c == "year" or not pd.api.types.is_numeric_dtype(a[c])]
    m = a.merge(b, on=rows, how="outer", suffixes=("_old", "_new"))
    same = np.isclose(m[f"{num[0]}_old"].fillna(0), m[f"{num[0]}_new"].fillna(0), rtol=1e-6, atol=1e-3)
    # substitutes are where the degenerate choice lives (which segment a substitute serves)
    assert table == "substitutes" or same.mean() > 0.9, f"{table}: only {same.mean():.0%} of rows agree"


def test_prices_are_duals_of_the_same_lp(both_routes):
    """Prices may sit anywhere in a degenerate range (a node whose price is not pinned by a
    marginal unit); both routes' prices must be optimal duals of the same LP: the welfare is the
    same, and the prices agree wherever the old path's price is not degenerate in this case (the
    bulk of rows). Which nodes have a market (a price is written only there) follows the primal
    vertex: where the two magnet grades cost the same, whether a node makes or ships the heavy-free
    grade at all is the degenerate choice above, so its price row is written by one route and not
    the other; every other commodity has a market at the same nodes on both routes."""
    a, b = both_routes["pyomo"][2]["prices"], both_routes["matrix"][2]["prices"]
    key = ["scenario", "year", "node", "commodity"]
    m = a.merge(b, on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
    one_side = m[m["_merge"] != "both"]
    assert set(one_side["commodity"]) <= {"ndfeb_dyfree_magnet"}, one_side[key].head().to_string()
    assert len(one_side) < 0.1 * len(m)
    both = m[m["_merge"] == "both"]
    agree = np.isclose(both["price_usd_per_kg_old"], both["price_usd_per_kg_new"], rtol=1e-6, atol=1e-6)
    assert agree.mean() > 0.9, f"only {agree.mean():.0%} of prices agree"
    _same(both_routes["pyomo"][2]["welfare"], both_routes["matrix"][2]["welfare"], "welfare", rtol=1e-6, atol=1.0)


def _deep(m, depth):
    e = m.p[0]
    for i in range(1, depth):
        e = -(e + m.p[i % 7]) * 0.5     # nests: a negation of a product of a sum ...
    return e


def test_deep_expressions_compile_without_recursion():
    """The 200-scenario objective's constant is ~1,000 levels deep; 5,000 must work."""
    m = pyo.ConcreteModel()
    m.p = pyo.Param(range(7), mutable=True, initialize=lambda m, i: 1.0 + i)
    e = _deep(m, 5000)
    poly = terms(e)
    assert poly is not None and evaluate(poly) == pytest.approx(pyo.value(e))
    m.x = pyo.Var(bounds=(0, 1))
    const, lin = linear(e + 3 * m.p[2] * m.x)
    assert evaluate(const) == pytest.approx(pyo.value(e))
    assert evaluate(lin[id(m.x)][1]) == pytest.approx(9.0)


def test_fasthighs_with_a_deep_objective_constant():
    """Both routes build, solve and re-solve after a param change (no RecursionError)."""
    for route in ("pyomo", "matrix"):
        m = pyo.ConcreteModel()
        m.p = pyo.Param(range(7), mutable=True, initialize=lambda m, i: 1.0 + i)
        m.x = pyo.Var(bounds=(0, 4))
        m.c = pyo.Constraint(expr=m.x <= m.p[3])
        m.obj = pyo.Objective(expr=_deep(m, 3000) + m.p[1] * m.x, sense=pyo.maximize)
        fh = FastHighs(m, route=route)
        assert fh.route == route
        assert fh.solve().objective == pytest.approx(pyo.value(_deep(m, 3000)) + 2.0 * 4.0)
        fh.set_params([(m.p[3], 1.5)])
        fh.set_params([(m.p[1], 3.0)])
        assert fh.solve().objective == pytest.approx(pyo.value(_deep(m, 3000)) + 3.0 * 1.5)


def test_solver_method_reaches_highs_and_gives_the_same_optimum():
    """``solver.method`` picks HiGHS's algorithm; simplex and interior point agree on the optimum."""
    base = load_config(ROOT / "runs" / "baseline.yaml")
    objs = {}
    for method in ("auto", "simplex", "ipm"):
        resolved = apply_overrides(base, {"years": {"start": 2025, "end": 2027}, "solver": {"method": method},
                                          "policies": {}})      # one LP, no wedge iteration
        data = load_dataset(resolved.data_dir, resolved.config.year_list)
        inst = create_model(resolved.config, data)
        solver = make_solver(inst, resolved.config.solver)
        want = "choose" if method == "auto" else method
        assert solver.fh.highs.getOptionValue("solver")[1] == want
        solve_equilibrium(inst, solver)
        objs[method] = solver.info.objective_kusd
    assert objs["ipm"] == pytest.approx(objs["simplex"], rel=1e-6)
    assert objs["auto"] == pytest.approx(objs["simplex"], rel=1e-9)
