"""Value of the stochastic solution (VSS) and of perfect information (EVPI), docs/model.md § Notes.

VSS = W(stochastic plan) − W(plan made assuming no disruption), both evaluated over all
scenarios: solve the one-scenario no-disruption model, fix its first-stage decisions (every
variable at a tree node shared by two or more scenarios) in the extensive form, re-solve, and
compare expected objectives. Objectives are maximised, so VSS ≥ 0.

EVPI = Σ_s p_s W*_s − W(stochastic plan), W*_s the optimum of scenario s solved alone (its
first stage chosen knowing s: "wait and see"). EVPI ≥ 0; opt-in (``evpi: true``), one
deterministic solve per scenario.
"""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.equilibrium import create_model
from reebloc.equilibrium.index import TRUNK
from reebloc.equilibrium import ModelInstance
from reebloc.inputs.config import RunConfig
from reebloc.solve.solver import Solver, make_solver
from reebloc.solve.wedges import solve_equilibrium

# position of the tree-node index t in each variable's index tuple
T_POS = {"act": 1, "act_step": 1, "flow": 3, "blk": 3, "served_qp": 3, "sub_use": 4, "cov": 2, "off": 1,
         "stock": 1, "buy": 1, "release": 1, "dispose": 2, "build": 1,
         "act_clean": 1, "flow_clean": 3, "downgrade": 2, "trade_step": 3, "qualified": 3,
         "pstock": 2, "pbuy": 2, "psell": 2}


def reference_scenario(cfg: RunConfig) -> str | None:
    """The no-disruption scenario: ``reference_scenario`` if set, else the one without export
    controls (None if there is none)."""
    if cfg.reference_scenario is not None:
        return cfg.reference_scenario
    return next((s for s, sc in cfg.scenarios.items() if not sc.export_controls), None)


def value_of_stochastic_solution(inst: ModelInstance, solver: Solver) -> dict:
    """Run after the stochastic solve and after its tables are taken: fixes the first-stage
    variables of ``inst`` to the no-disruption plan and re-solves the same persistent model."""
    cfg, data = inst.cfg, inst.data
    stochastic_objective_kusd = solver.info.objective_kusd
    ref = reference_scenario(cfg)
    if ref is None or len(cfg.scenarios) < 2:
        return {"vss_usd": None, "note": "needs two or more scenarios, one of them the no-disruption reference"}
    det_cfg = _alone(cfg, ref)
    det = create_model(det_cfg, data)
    det_solver = make_solver(det, det_cfg.solver)
    tree = inst.ix.tree
    start = dict(getattr(inst, "wedge_prices", {}) or {})    # the stochastic solve's converged prices
    det_of = {per.label: t for t, per in enumerate(det.ix.tree.period)}    # period -> det node
    det_start = {(k[0], k[1], det_of[tree.period[k[2]].label]): v for k, v in start.items()
                 if len(k) == 3 and ref in tree.scenarios[k[2]]}   # warm start: the reference scenario's prices
    solve_equilibrium(det, det_solver, start=det_start)
    det_solver.load()
    shared = {t for t in range(len(tree)) if tree.branch[t] == TRUNK and len(tree.scenarios[t]) > 1}
    fixed = []
    for name, pos in T_POS.items():
        var = getattr(inst.m, name, None)
        if var is None:
            continue
        dvar = getattr(det.m, name)
        for idx in var:
            if idx[pos] in shared:
                didx = idx[:pos] + (det_of[tree.period[idx[pos]].label],) + idx[pos + 1:]
                fixed.append((var[idx], dvar[didx].value or 0.0))
    solver.fix_columns(fixed)     # bounds held in the solver; the Pyomo model is left as solved
    try:
        solve_equilibrium(inst, solver, start=start)
        eev = solver.info.objective_kusd
    finally:
        solver.restore_columns()
    return {"vss_usd": _clip(stochastic_objective_kusd - eev, stochastic_objective_kusd) * 1000.0,
            "stochastic_objective_usd": stochastic_objective_kusd * 1000.0,
            "no_disruption_plan_objective_usd": eev * 1000.0,
            "reference_scenario": ref, "first_stage_variables_fixed": len(fixed),
            "first_stage_years": sorted({tree.year[t] for t in shared})}


def _clip(value_kusd: float, scale_kusd: float) -> float:
    """A value ≥ 0 in theory, solved as a difference of two optima: −1e-9 relative of noise is 0."""
    return 0.0 if -1e-9 * max(1.0, abs(scale_kusd)) <= value_kusd < 0.0 else value_kusd


def _alone(cfg: RunConfig, name: str) -> RunConfig:
    """The run config with scenario ``name`` only, at probability 1."""
    return cfg.model_copy(update={"scenarios": {name: cfg.scenarios[name].model_copy(update={"probability": 1.0})},
                                  "reference_scenario": None})


def value_of_perfect_information(inst: ModelInstance, stochastic_objective_kusd: float) -> dict:
    """EVPI of a solved stochastic instance: each scenario solved alone (a model of its own, warm
    started from the stochastic solve's converged wedge prices for that scenario)."""
    cfg, data = inst.cfg, inst.data
    tree = inst.ix.tree
    start = dict(getattr(inst, "wedge_prices", {}) or {})
    alone_kusd: dict[str, float] = {}
    for name, sc in cfg.scenarios.items():
        det_cfg = _alone(cfg, name)
        det = create_model(det_cfg, data)
        det_solver = make_solver(det, det_cfg.solver)
        det_of = {per.label: t for t, per in enumerate(det.ix.tree.period)}
        det_start = {(k[0], k[1], det_of[tree.period[k[2]].label]): v for k, v in start.items()
                     if len(k) == 3 and name in tree.scenarios[k[2]]}
        solve_equilibrium(det, det_solver, start=det_start)
        alone_kusd[name] = det_solver.info.objective_kusd
    wait_and_see = sum(cfg.scenarios[s].probability * v for s, v in alone_kusd.items())
    return {"evpi_usd": _clip(wait_and_see - stochastic_objective_kusd, stochastic_objective_kusd) * 1000.0,
            "wait_and_see_objective_usd": wait_and_see * 1000.0,
            "stochastic_objective_usd": stochastic_objective_kusd * 1000.0,
            "scenario_alone_objective_usd": {s: v * 1000.0 for s, v in alone_kusd.items()},
            "units": "objective (docs/model.md § Notes for users)"}
