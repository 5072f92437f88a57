"""FastHighs: targeted param updates + warm re-solve agree with a fresh build + solve."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.common.factory import SolverFactory

from pyomo.common.collections import ComponentMap

from reebloc.solve.fastpath import FastHighs, NotOptimalError

RTOL = 1e-6


# ---------------------------------------------------------------- models
def transport(values: dict | None = None, n_src: int = 6, n_dst: int = 8, seed: int = 0):
    """Transport LP with mutable params in costs, rhs, matrix coefficients and var bounds."""
    rng = np.random.default_rng(seed)
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, n_src - 1)
    m.J = pyo.RangeSet(0, n_dst - 1)
    m.cap = pyo.Param(m.I, mutable=True, initialize={i: float(v) for i, v in enumerate(rng.uniform(60, 120, n_src))})
    m.dem = pyo.Param(m.J, mutable=True, initialize={j: float(v) for j, v in enumerate(rng.uniform(20, 50, n_dst))})
    m.c = pyo.Param(m.I, m.J, mutable=True,
                    initialize={(i, j): float(rng.uniform(1, 10)) for i in range(n_src) for j in range(n_dst)})
    m.loss = pyo.Param(m.I, mutable=True, initialize={i: float(v) for i, v in enumerate(rng.uniform(1.0, 1.1, n_src))})
    m.arc_ub = pyo.Param(m.I, m.J, mutable=True,
                         initialize={(i, j): float(rng.uniform(15, 40)) for i in range(n_src) for j in range(n_dst)})
    m.vll = pyo.Param(mutable=True, initialize=500.0)
    m.fixed_cost = pyo.Param(mutable=True, initialize=10.0)
    m.x = pyo.Var(m.I, m.J, bounds=lambda m, i, j: (0, m.arc_ub[i, j]))
    m.u = pyo.Var(m.J, within=pyo.NonNegativeReals)
    m.supply = pyo.Constraint(m.I, rule=lambda m, i: sum(m.loss[i] * m.x[i, j] for j in m.J) <= m.cap[i])
    m.demand = pyo.Constraint(m.J, rule=lambda m, j: sum(m.x[i, j] for i in m.I) + m.u[j] >= m.dem[j])
    m.obj = pyo.Objective(expr=sum(m.c[i, j] * m.x[i, j] for i in m.I for j in m.J)
                          + sum(m.vll * m.u[j] for j in m.J) + m.fixed_cost)
    if values:
        set_values(m, values)
    return m


def small_qp(values: dict | None = None, n_src: int = 3, n_dst: int = 4, seed: int = 1):
    """Strictly convex QP: linear demand curves and quadratic supply costs (mutable slopes)."""
    rng = np.random.default_rng(seed)
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, n_src - 1)
    m.J = pyo.RangeSet(0, n_dst - 1)
    m.a = pyo.Param(m.J, mutable=True, initialize={j: float(v) for j, v in enumerate(rng.uniform(80, 120, n_dst))})
    m.b = pyo.Param(m.J, mutable=True, initialize={j: float(v) for j, v in enumerate(rng.uniform(0.5, 2, n_dst))})
    m.c = pyo.Param(m.I, m.J, mutable=True,
                    initialize={(i, j): float(rng.uniform(1, 10)) for i in range(n_src) for j in range(n_dst)})
    m.q = pyo.Param(m.I, mutable=True, initialize={i: float(v) for i, v in enumerate(rng.uniform(0.05, 0.2, n_src))})
    m.cap = pyo.Param(m.I, mutable=True, initialize={i: float(v) for i, v in enumerate(rng.uniform(30, 60, n_src))})
    m.x = pyo.Var(m.I, m.J, within=pyo.NonNegativeReals)
    m.s = pyo.Var(m.I, within=pyo.NonNegativeReals)
    m.d = pyo.Var(m.J, within=pyo.NonNegativeReals)
    m.prod = pyo.Constraint(m.I, rule=lambda m, i: sum(m.x[i, j] for j in m.J) == m.s[i])
    m.capc = pyo.Constraint(m.I, rule=lambda m, i: m.s[i] <= m.cap[i])
    m.bal = pyo.Constraint(m.J, rule=lambda m, j: sum(m.x[i, j] for i in m.I) >= m.d[j])
    m.obj = pyo.Objective(
        expr=sum(m.c[i, j] * m.x[i, j] + 0.001 * m.x[i, j] ** 2 for i in m.I for j in m.J)
        + sum(m.q[i] * m.s[i] ** 2 for i in m.I)
        - sum(m.a[j] * m.d[j] - 0.5 * m.b[j] * m.d[j] ** 2 for j in m.J))
    if values:
        set_values(m, values)
    return m


# ---------------------------------------------------------------- helpers
def all_params(m):
    return [p for comp in m.component_objects(pyo.Param) for p in comp.values()]


def snapshot(m) -> dict:
    return {p.name: p.value for p in all_params(m)}


def set_values(m, values: dict) -> None:
    for p in all_params(m):
        if p.name in values:
            p.set_value(values[p.name])


def random_changes(m, rng, frac=0.3):
    out = ComponentMap()
    for p in all_params(m):
        if rng.random() < frac:
            out[p] = float(p.value) * rng.uniform(0.8, 1.25)
    return out


def fresh_solution(factory, values):
    """Build a new model with ``values`` and solve it with Pyomo's HiGHS interface."""
    m = factory(values)
    opt = SolverFactory("highs")
    res = opt.solve(m)
    assert res.termination_condition.name == "convergenceCriteriaSatisfied"
    variables = list(m.component_data_objects(pyo.Var))
    cons = list(m.component_data_objects(pyo.Constraint, active=True))
    duals = res.solution_loader.get_duals(cons)
    return (
        float(pyo.value(m.obj)),
        {v.name: v.value for v in variables},
        {c.name: duals[c] for c in cons},
    )


def fast_solution(fh: FastHighs):
    m = fh.model
    res = fh.solve()
    variables = list(m.component_data_objects(pyo.Var))
    cons = list(m.component_data_objects(pyo.Constraint, active=True))
    x = fh.var_values(variables)
    y = fh.duals(cons)
    return res.objective, dict(zip([v.name for v in variables], x)), dict(zip([c.name for c in cons], y))


def mismatches(a, b, rtol=RTOL) -> list[str]:
    """Names where the two solutions (objective, primal, dual) differ beyond ``rtol`` relative."""
    out = []
    obj_a, xa, ya = a
    obj_b, xb, yb = b
    scale = max(1.0, abs(obj_b))
    if abs(obj_a - obj_b) > rtol * scale:
        out.append(f"objective {obj_a} != {obj_b}")
    for kind, da, db in (("primal", xa, xb), ("dual", ya, yb)):
        assert da.keys() == db.keys()
        sc = max(1.0, max(abs(v) for v in db.values()))
        for k in db:
            if abs(da[k] - db[k]) > rtol * sc:
                out.append(f"{kind} {k}: {da[k]} != {db[k]}")
    return out


# ---------------------------------------------------------------- tests
ROUTES = ["pyomo", "auto"]   # "auto": the matrix route (LPs), the Pyomo interface for QPs


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("factory,n", [(transport, 12), (small_qp, 8)])
def test_resolve_matches_fresh_build(factory, n, route):
    rng = np.random.default_rng(42)
    m = factory()
    fh = FastHighs(m, {"threads": 1}, route=route)
    assert fh.route == ("matrix" if route == "auto" and factory is transport else "pyomo")
    base = snapshot(m)
    assert mismatches(fast_solution(fh), fresh_solution(factory, base)) == []
    for _ in range(n):
        changes = random_changes(m, rng)
        fh.set_params(changes)
        got = fast_solution(fh)
        want = fresh_solution(factory, snapshot(m))
        assert mismatches(got, want) == []
    # going back to the base values gives back the base solution
    fh.set_params([(p, base[p.name]) for p in all_params(m)])
    assert mismatches(fast_solution(fh), fresh_solution(factory, base)) == []


@pytest.mark.parametrize("route", ROUTES)
def test_stale_update_is_detected(route):
    """The comparison can fail: a param changed behind FastHighs' back is not pushed."""
    m = transport()
    fh = FastHighs(m, route=route)
    fh.solve()
    m.c[0, 0].set_value(0.01)  # cheapest arc now: changes the solution
    m.cap[1].set_value(float(m.cap[1].value) * 0.5)
    m.loss[2].set_value(1.3)
    stale = fast_solution(fh)
    want = fresh_solution(transport, snapshot(m))
    assert mismatches(stale, want) != []
    # refresh_all pushes the missed entries and the answers agree again
    assert fh.refresh_all() >= 3
    assert mismatches(fast_solution(fh), want) == []


@pytest.mark.parametrize("route", ROUTES)
def test_only_dependent_entries_are_pushed(route):
    m = transport()
    fh = FastHighs(m, route=route)
    fh.solve()
    assert fh.set_params([(m.c[0, 1], 3.3)]) == 1  # one objective coefficient
    assert fh.set_params([(m.c[0, 1], 3.3)]) == 0  # no change, nothing pushed
    assert fh.set_params([(m.loss[0], 1.05)]) == len(m.J)  # one row's coefficients
    assert fh.set_params([(m.arc_ub[1, 2], 22.0)]) == 1  # one column bound
    assert fh.set_params([(m.vll, 400.0)]) == len(m.J)
    assert fh.set_params([(m.fixed_cost, 0.0)]) == 1  # objective offset
    assert fh.entries_for(m.dem[3]) == 1
    res = fh.solve()
    assert res.pushed == 1 + len(m.J) + 1 + len(m.J) + 1


@pytest.mark.parametrize("route", ROUTES)
def test_not_optimal_raises_and_recovers(route):
    m2 = transport_nolostload()
    fh2 = FastHighs(m2, route=route)
    fh2.solve()
    good = [(p, p.value) for p in m2.dem.values()]
    fh2.set_params([(m2.dem[j], 1e4) for j in m2.J])
    with pytest.raises(NotOptimalError):
        fh2.solve()
    with pytest.raises(NotOptimalError):
        fh2.var_values([m2.x[0, 0]])
    fh2.set_params(good)
    fh2.solve()
    assert mismatches(fast_solution(fh2), fresh_solution(transport_nolostload, snapshot(m2))) == []


def transport_nolostload(values=None):
    m = transport(values)
    for j in m.J:
        m.u[j].setub(0)
    return m


@pytest.mark.parametrize("route", ROUTES)
def test_load_all_and_fixed_vars(route):
    m = transport()
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    m.x[0, 0].fix(5.0)
    fh = FastHighs(m, route=route)
    fh.solve()
    vals = fh.var_values([m.x[0, 0], m.x[0, 1]])
    assert vals[0] == 5.0
    duals = fh.load_all()
    assert m.x[0, 1].value == pytest.approx(vals[1])
    assert m.dual[m.demand[0]] == pytest.approx(duals[m.demand[0]])
    assert m.dual[m.demand[0]] == pytest.approx(fh.duals([m.demand[0]])[0])


def test_objective_only_params_appear_in_no_row_or_bound_of_a_rich_model():
    """The wedge components a model declares objective-only (the matrix route then indexes only
    the objective when they change) appear in no constraint and no variable bound: all-in (tariffs,
    a bloc with levies, floors, offtakes) under the October regime, on a short horizon."""
    import copy
    from pyomo.core.expr.visitor import identify_mutable_parameters
    from reebloc.equilibrium import OBJECTIVE_ONLY_PARAMS, create_model
    from reebloc.inputs.config import apply_overrides, load_config
    from reebloc.inputs.dataset import load_dataset
    from conftest import ROOT
    r = load_config(ROOT / "runs" / "library" / "all-in.yaml")
    sc = copy.deepcopy(r.raw["scenarios"]["october_back"])
    sc["probability"] = 1.0
    short = apply_overrides(r, {"years": {"start": 2025, "end": 2029}, "scenarios": {"october_back": sc},
                                "reference_scenario": None})
    inst = create_model(short.config, load_dataset(short.data_dir, short.config.year_list))
    m = inst.m
    for name in OBJECTIVE_ONLY_PARAMS:
        assert len(getattr(m, name)) > 0, f"{name} is empty in all-in: the check would be vacuous"
    found = set()
    for con in m.component_data_objects(pyo.Constraint, active=True):
        found |= {p.parent_component().name for p in identify_mutable_parameters(con.expr)}
    for v in m.component_data_objects(pyo.Var):
        for b in (v.lower, v.upper):
            if b is not None and not isinstance(b, (int, float)):
                found |= {p.parent_component().name for p in identify_mutable_parameters(b)}
    assert "block_width_t" in found              # the walk sees params in bounds
    assert not found & set(OBJECTIVE_ONLY_PARAMS)
    obj = next(m.component_data_objects(pyo.Objective, active=True))
    assert set(OBJECTIVE_ONLY_PARAMS) <= {p.parent_component().name for p in identify_mutable_parameters(obj.expr)}
    # the objective's wedge part holds every occurrence: after random wedges pushed through the
    # objective-part index, HiGHS's costs equal those of a fresh build at the same values
    rng = np.random.default_rng(3)
    changes = [(p, float(rng.uniform(-5, 20))) for name in OBJECTIVE_ONLY_PARAMS for p in getattr(m, name).values()]
    fh = FastHighs(m, route="matrix")
    fh.set_params(changes)
    assert fh._indexed == "objective"
    fresh = FastHighs(m, route="matrix")          # m's params now hold the new values
    a, b = np.asarray(fh.highs.getLp().col_cost_), np.asarray(fresh.highs.getLp().col_cost_)
    assert fh.n_cols == fresh.n_cols and np.allclose(a, b, rtol=1e-12, atol=1e-9)
    assert not np.allclose(a, np.asarray(FastHighs(create_model(short.config, inst.data).m, route="matrix")
                                         .highs.getLp().col_cost_))       # the wedges did move costs


def test_objective_only_index_then_a_row_change_gives_a_fresh_build():
    """A change of an objective-only param indexes the objective alone; a later change of a row
    param indexes everything, keeping what was pushed: both re-solves equal fresh builds."""
    def build(c1=1.0, rhs=4.0):
        m = pyo.ConcreteModel()
        m.c = pyo.Param([0, 1], mutable=True, initialize={0: 1.0, 1: c1})
        m.r = pyo.Param(mutable=True, initialize=rhs)
        m.x = pyo.Var([0, 1], bounds=(0, 3))
        m.cap = pyo.Constraint(expr=m.x[0] + m.x[1] <= m.r)
        m.obj = pyo.Objective(expr=m.c[0] * m.x[0] + m.c[1] * m.x[1], sense=pyo.maximize)
        m._fast_objective_only = ("c",)
        return m
    m = build()
    fh = FastHighs(m, route="matrix")
    assert fh.solve().objective == pytest.approx(4.0)
    fh.set_params([(m.c[1], 2.0)])
    assert fh._indexed == "objective"
    assert fh.solve().objective == pytest.approx(FastHighs(build(c1=2.0), route="matrix").solve().objective)  # 3*2+1
    fh.set_params([(m.r, 5.0)])
    assert fh._indexed is True
    assert fh.solve().objective == pytest.approx(2.0 * 3 + 1.0 * 2)
    assert fh.solve().objective == pytest.approx(FastHighs(build(c1=2.0, rhs=5.0), route="matrix").solve().objective)


@pytest.mark.parametrize("route", ["matrix", "pyomo"])
def test_time_limit_holds_per_solve_not_over_the_solvers_life(route):
    """HiGHS checks ``time_limit`` against the cumulative run time of its object: a persistent
    model whose re-solves add up to the limit would report every later solve as out of time (a
    leader search or a long wedge loop). The limit is re-armed per solve: many cold re-solves
    whose total far exceeds it all finish optimal."""
    m = transport(n_src=20, n_dst=30)
    limit = 0.2
    fh = FastHighs(m, {"time_limit": limit}, route=route)
    total, k = 0.0, 0
    while fh.highs.getRunTime() < 3 * limit and k < 20_000:
        fh.set_params([(m.c[k % 20, k % 30], 1.0 + (k % 7))])
        fh.reset_basis()
        assert fh.solve().optimal, (k, fh.highs.getRunTime())
        k += 1
    assert fh.highs.getRunTime() >= 3 * limit      # the solves did add up beyond the limit
