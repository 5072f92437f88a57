"""Scenario decomposition: reebloc's multi-cut L-shaped method on warm HiGHS models
(``benders``, ``reebloc.solve.benders``), and mpi-sppy's progressive hedging (``ph``) and
L-shaped method (``lshaped``).

The extensive form (``create_model`` over all scenarios) solves one LP. Decomposition solves
one LP per scenario instead — each scenario's own model, built by the same ``create_model``
with that scenario alone at probability 1 — and makes the first-stage decisions agree across
scenarios: PH by penalising disagreement until it vanishes, L-shaped and benders by cuts on a
master over the first stage. Expected welfare = Σ_s p_s W_s, which equals the extensive
form's objective when the first-stage decisions agree (trunk weights are the probability sums).

Two-stage only: every scenario must diverge from the trunk in the same year; the first stage
is the trunk's state, the variables of earlier years that enter a row of a later one
(``first_stage_vars``). Price-dependent wedges (ad valorem tariffs, CfDs,
levies, offtakes) need the wedge fixed point and are refused.

Run under MPI (``mpiexec -n N python -m reebloc.solve.decompose ...``; ``reebloc run CFG
--decompose ph --np N`` does that): scenarios are spread over the ranks. Optional extra:
``pip install -e '.[mpi]'`` (mpi-sppy, mpi4py and the MPICH wheel).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pyomo.environ as pyo

from reebloc.errors import ReeblocError

SOLVER = "appsi_highs"
GAP_TOL = 1e-6      # L-shaped is reported converged when its plan is this close to the bound, relative
LINK_TOL = 1e-3     # L-shaped: largest violation of a row holding a first-stage variable at convergence


def available() -> bool:
    """mpi-sppy and mpi4py are installed (the ``mpi`` extra)."""
    from importlib.util import find_spec
    return find_spec("mpisppy") is not None and find_spec("mpi4py") is not None


def divergence_year(cfg, where=None) -> int:
    years = {sc.divergence_year() for sc in cfg.scenarios.values()}
    if len(cfg.scenarios) < 2 or len(years) != 1 or None in years:
        raise ReeblocError(where, "scenarios", "decomposition needs two or more scenarios that all diverge "
                           f"from the trunk in the same year (two stages); got {sorted(map(str, years))}")
    return years.pop()


def t_position(var, n_nodes: int) -> int:
    """Position of the tree node in a variable's index: the project's table (``T_POS``) or, for a
    variable it does not list, the one integer position of its index."""
    from reebloc.solve.stochastic import T_POS
    if var.local_name in T_POS:
        return T_POS[var.local_name]
    idx = next(iter(var.keys()))
    idx = idx if isinstance(idx, tuple) else (idx,)
    ints = [j for j, x in enumerate(idx) if isinstance(x, int)]
    if len(ints) != 1:
        raise ReeblocError(None, var.local_name, "decomposition cannot tell which index is the tree node "
                           "(add the variable to T_POS in reebloc/solve/stochastic.py)")
    return ints[0]


def first_stage_vars(inst, first_year: int) -> list:
    """The first stage: every variable at a tree node before ``first_year`` that enters an active
    constraint together with a variable of a later node — the trunk's state carried into the
    branches (builds, stocks, qualified trade volumes and the flows that qualify them). The rest
    of the trunk meets the branches only through these: every scenario shares the trunk's data,
    so given the states each scenario's own trunk optimum is worth the same, and agreeing on the
    states alone gives the extensive form's optimum. Fixed order: component, index."""
    from pyomo.core.expr.visitor import identify_variables
    tree = inst.ix.tree
    early = {t for t in range(len(tree)) if tree.year[t] < first_year}
    trunk = set()
    for var in inst.m.component_objects(pyo.Var):
        if len(var) == 0 or not var.is_indexed():
            continue
        pos = t_position(var, len(tree))
        trunk.update(id(var[i]) for i in var.keys() if (i if isinstance(i, tuple) else (i,))[pos] in early)
    linking = set()
    for con in inst.m.component_data_objects(pyo.Constraint, active=True):
        ids = [id(v) for v in identify_variables(con.body, include_fixed=True)]   # same list in every scenario
        ours = [i for i in ids if i in trunk]
        if ours and len(ours) < len(ids):
            linking.update(ours)
    return [v for v in inst.m.component_data_objects(pyo.Var) if id(v) in linking]


def scenario_instance(cfg, data, name: str):
    from reebloc.equilibrium import create_model
    from reebloc.solve.wedges import wedge_values
    sc = cfg.scenarios[name].model_copy(update={"probability": 1.0})
    one = cfg.model_copy(update={"scenarios": {name: sc}, "reference_scenario": None})
    inst = create_model(one, data)
    if inst.has_wedges():
        raise ReeblocError(None, "policies", "decomposition does not iterate price-dependent wedges "
                           "(ad valorem tariffs, CfD floors, levies, offtakes): solve the extensive form")
    inst.set_values(wedge_values(inst, {}))
    return inst


def scenario_creator(name: str, cfg=None, data=None, first_year=None, objective_scale: float = 1.0):
    """mpi-sppy's scenario creator: scenario ``name``'s model with its first stage attached and
    its objective multiplied by ``objective_scale`` (see ``solve``)."""
    from mpisppy.utils import sputils
    inst = scenario_instance(cfg, data, name)
    m = inst.m
    if objective_scale != 1.0:
        obj = next(m.component_data_objects(pyo.Objective, active=True))
        obj.deactivate()
        m.scaled_objective = pyo.Objective(expr=objective_scale * obj.expr, sense=obj.sense)
    m.first_stage_cost = pyo.Expression(expr=0.0)      # reported by mpi-sppy only; not used here
    sputils.attach_root_node(m, m.first_stage_cost, first_stage_vars(inst, first_year))
    m._mpisppy_probability = cfg.scenarios[name].probability
    return m


def _wait_and_see(cfg, data, names) -> dict:
    """Each scenario's optimum alone (an upper bound on its welfare under any first stage)."""
    from reebloc.solve.fastpath import FastHighs
    out = {}
    for s in names:
        inst = scenario_instance(cfg, data, s)
        out[s] = FastHighs(inst.m, route="auto").solve().objective
    return out


def solve(config_path: str, method: str, max_iterations: int = 500, tol: float = 1e-8, rho: float = 0.01,
          verbose: bool = False, each=None) -> dict:
    """Decompose the run config's scenarios with ``method`` (``ph`` or ``lshaped``) on the MPI
    ranks of COMM_WORLD; every rank returns the same report. ``tol``: L-shaped stops when no
    scenario's value exceeds the master's estimate by more than ``tol`` relative to the scenario
    values and every row holding a first-stage variable holds within ``LINK_TOL``; PH's
    convergence threshold. ``verbose``:
    rank 0 prints one line per iteration (mpi-sppy's progress: L-shaped's master bound, PH's
    convergence). ``each(inst, solver, position)``: called with every scenario's model solved under
    the plan at the extensive form's prices (``evaluate_plan``), e.g. to write its tables."""
    from mpi4py import MPI

    from reebloc.inputs.config import load_config
    from reebloc.inputs.dataset import load_dataset
    comm = MPI.COMM_WORLD
    t0 = time.perf_counter()
    resolved = load_config(config_path)
    cfg = resolved.config
    first_year = divergence_year(cfg, resolved.path)
    data = load_dataset(resolved.data_dir, cfg.year_list)
    names = sorted(cfg.scenarios)
    kw = {"cfg": cfg, "data": data, "first_year": first_year}
    if method == "ph":
        from mpisppy.opt.ph import PH
        opts = {"solver_name": "highs", "PHIterLimit": max_iterations, "defaultPHrho": rho,
                "convthresh": tol, "verbose": False, "display_progress": verbose, "display_timing": False,
                "iter0_solver_options": {}, "iterk_solver_options": {}, "asynchronousPH": False,
                "subsolvedirectives": None, "display_convergence_detail": False, "smoothed": 0,
                "linearize_proximal_terms": False}
        algo = PH(opts, names, scenario_creator, scenario_creator_kwargs=kw, mpicomm=comm)
        conv, _obj, bound = algo.ph_main()        # bound: the trivial (wait-and-see) bound
        # the implementable plan: the consensus x̄ of the first stage
        s0 = next(iter(algo.local_scenarios.values()))
        first = [pyo.value(s0._mpisppy_model.xbars[k]) for k in s0._mpisppy_data.nonant_indices]
        iterations = algo._PHIter
        converged = conv is not None and conv < tol
    elif method == "lshaped":
        from mpisppy.opt.lshaped import LShapedMethod
        ws = _wait_and_see(cfg, data, [n for i, n in enumerate(names) if i % comm.size == comm.rank])
        ws = {k: v for d in comm.allgather(ws) for k, v in d.items()}
        # Pyomo's Benders subproblem is elastic: one slack z ≥ 0 bounds both the violation of every
        # row that holds a first-stage variable (t, k$ ...) and the scenario's value above the
        # master's estimate, and a cut is added while z > tol. The objective is scaled so that
        # z ≤ LINK_TOL means rows within LINK_TOL and values within tol relative.
        k = LINK_TOL / (tol * max([1.0] + [abs(w) for w in ws.values()]))
        kw["objective_scale"] = k
        if verbose and comm.rank == 0:
            print(f"objective scale: {k!r}", flush=True)     # the bench reads the master's bound with it
        # subproblems without presolve: when HiGHS's presolve solves one away it reports optimal with
        # no primal solution status, and Pyomo's wrapper then loads nothing (z has no value)
        opts = {"root_solver": SOLVER, "sp_solver": "highs", "sp_solver_options": {"presolve": "off"},
                "max_iter": max_iterations, "tol": LINK_TOL,
                "verbose": verbose, "valid_eta_lb": {s: -(abs(w) * 1.01 + 1.0) * k for s, w in ws.items()}}
        algo = LShapedMethod(opts, names, scenario_creator, scenario_creator_kwargs=kw, mpicomm=comm)
        algo.lshaped_algorithm()
        first = [pyo.value(v) for v in algo.root_vars]
        iterations = algo.iter + 1
        stopped = converged = iterations < max_iterations   # no cut violated by more than tol
        bound = algo._LShaped_bound / k               # the master's bound, in the objective's sense
    elif method == "benders":
        from reebloc.solve.benders import Scenarios, lshaped
        subs, pool = {}, Scenarios()
        for i, n in enumerate(names):
            if i % comm.size == comm.rank:
                inst = scenario_instance(cfg, data, n)
                subs[i] = pool.add(inst, first_stage_vars(inst, first_year), n, master_rows=i == 0)
                del inst                                  # its LP is kept in the pool, the Pyomo model goes
        pool.finish()
        rep = lshaped(subs, [cfg.scenarios[n].probability for n in names], comm, GAP_TOL, max_iterations, verbose)
        del subs, pool
        if each is not None:        # the plan's value is known; the tables need each scenario again
            value, _ = evaluate_plan(cfg, data, names, first_year, rep["first_stage"], comm, each)
            if abs(value - rep["objective_kusd"]) > 1e-6 * max(1.0, abs(value)):
                raise ReeblocError(None, "decompose", f"the plan's tables give expected welfare {value!r} k$, "
                                   f"the decomposition {rep['objective_kusd']!r} k$")
        return {"method": method, "ranks": comm.size, "scenarios": len(names), "first_stage_before": first_year,
                **rep, "seconds": time.perf_counter() - t0}
    else:
        raise ReeblocError(None, "--decompose", f"expected ph, lshaped or benders, got {method!r}")
    # evaluate the plan: every scenario (this rank's share) re-solved with the first stage fixed
    expected, plan = evaluate_plan(cfg, data, names, first_year, list(first), comm, each,
                                   context=f"{method} (iterations {iterations}, converged {converged})")
    bound = float(bound) if bound is not None else None
    gap = None if bound is None else (bound - expected) / max(1.0, abs(expected))
    info = {}
    if method == "lshaped":   # converged: the plan's welfare is within GAP_TOL of the master's bound
        converged = stopped and gap is not None and abs(gap) <= GAP_TOL
        wait_and_see = sum(cfg.scenarios[n].probability * w for n, w in ws.items())   # Σ p_s W*_s
        info = {"wait_and_see_kusd": wait_and_see, "evpi_usd": (wait_and_see - expected) * 1000.0}
    return {"method": method, "ranks": comm.size, "scenarios": len(names), "first_stage_before": first_year,
            "objective_kusd": expected, "bound_kusd": bound, **info,
            "gap": gap,
            "first_stage": plan, "iterations": iterations, "converged": bool(converged),
            "seconds": time.perf_counter() - t0}


def evaluate_plan(cfg, data, names, first_year, plan: dict[str, float] | list[float], comm, each=None,
                  context: str = "") -> tuple[float, dict]:
    """Σ_s p_s W_s(plan) over every scenario (this rank's share, then summed over ranks), each
    scenario's model re-solved with its first-stage variables held at ``plan`` (by name, or a list
    in ``first_stage_vars`` order; clipped to their bounds). Returns (expected welfare k$, the
    plan as held). With ``each``, also ``priced_solves``."""
    from mpi4py import MPI

    from reebloc.solve.fastpath import FastHighs
    held: dict[str, float] = {}
    exp_local = 0.0
    slopes: dict[int, np.ndarray] = {}
    if each is not None:
        import highspy
        # HiGHS keeps one thread scheduler per process, sized by the first model that ran (mpi-sppy's
        # and the wait-and-see models use HiGHS's default); a model asking another thread count
        # then refuses to run ("the scheduler has already been initialized"), so start afresh
        highspy.Highs.resetThreadScheduler(True)      # blocking: its workers stop first
    for i, name in enumerate(names):
        if i % comm.size != comm.rank:
            continue
        inst = scenario_instance(cfg, data, name)
        fs = first_stage_vars(inst, first_year)
        pairs = []
        for j, v in enumerate(fs):
            x = plan[v.name] if isinstance(plan, dict) else plan[j]
            x = min(max(x, v.lb if v.lb is not None else x), v.ub if v.ub is not None else x)
            pairs.append((v, x))
            held[v.name] = x
        if each is None:
            for v, x in pairs:
                v.fix(x)
            res = FastHighs(inst.m, route="auto").solve(raise_on_failure=False)
            ok, objective, status = res.optimal, res.objective, res.status
        else:
            ok, objective, status, slopes[i] = _held(inst, cfg, pairs)
        if not ok:
            raise ReeblocError(None, "decompose", f"scenario {name} with the first stage fixed at the "
                               f"plan{': ' + context if context else ''}: {status}")
        exp_local += cfg.scenarios[name].probability * objective
    held = {k: v for part in comm.allgather(held) for k, v in part.items()}
    expected = comm.allreduce(exp_local, op=MPI.SUM)
    if each is not None:
        priced_solves(cfg, data, names, first_year, held, slopes, comm, each)
    return expected, held


def _held(inst, cfg, pairs):
    """Solve ``inst`` with the first stage held at ``pairs`` (solver bounds): (optimal, welfare k$,
    status, λ = ∂W/∂x at the plan: the held columns' reduced costs)."""
    from reebloc.solve.solver import make_solver
    from reebloc.solve.wedges import solve_equilibrium
    solver = make_solver(inst, cfg.solver)
    solver.fix_columns(pairs)
    try:
        solve_equilibrium(inst, solver)
    except ReeblocError as e:
        return False, None, e.message, None
    return True, solver.info.objective_kusd, "optimal", np.asarray(solver.fh.reduced_costs([v for v, _ in pairs]))


def priced_solves(cfg, data, names, first_year, plan: dict[str, float], slopes: dict, comm, each) -> None:
    """Each scenario (this rank's share) solved under the plan at the extensive form's prices,
    then ``each(inst, solver, position)`` (the run writes its tables: ``reebloc.app.decomposed``).

    Holding the first stage at the plan fixes every quantity, but leaves the prices of the years
    before the divergence (the trunk) undetermined: in the extensive form the marginal tonne of a
    trunk year may go into the first-stage state (stock, capacity) at its expected value. So each
    scenario is solved with its first stage free and priced at that expected value instead:
    objective + Σ_j (λ̄_j − λ_s,j) x_j, λ_s = ∂W_s/∂x at the plan (the held columns' reduced costs,
    ``slopes``), λ̄ = Σ_s p_s λ_s, the non-anticipativity multipliers of the extensive form. The
    plan stays optimal and the trunk's duals are the extensive form's. Should the solver pick
    another optimal first stage, that scenario's tables come from the held solve instead (its
    trunk prices may then differ; ``reported`` in the log line)."""
    from mpi4py import MPI

    from reebloc.solve.solver import make_solver
    from reebloc.solve.wedges import solve_equilibrium
    local = sum((cfg.scenarios[names[i]].probability * lam for i, lam in slopes.items()), 0.0)
    mean = comm.allreduce(np.asarray(local, dtype=float), op=MPI.SUM)
    for i, name in enumerate(names):
        if i % comm.size != comm.rank:
            continue
        inst = scenario_instance(cfg, data, name)
        fs = first_stage_vars(inst, first_year)
        obj = next(inst.m.component_data_objects(pyo.Objective, active=True))
        mu = np.atleast_1d(mean) - slopes[i]
        obj.expr = obj.expr + sum(float(m) * v for m, v in zip(mu, fs) if m != 0.0)
        solver = make_solver(inst, cfg.solver)
        solve_equilibrium(inst, solver)
        solver.load()
        if any(abs((v.value or 0.0) - plan[v.name]) > 1e-6 * max(1.0, abs(plan[v.name])) for v in fs):
            solver.fix_columns([(v, plan[v.name]) for v in fs])     # another optimum: hold the plan
            solve_equilibrium(inst, solver)
            solver.load()
            print(f"scenario {name}: first stage moved under the non-anticipativity prices; "
                  "tables from the held plan (trunk prices may differ from the extensive form)", flush=True)
        each(inst, solver, i)


def main(argv: list[str], each_factory=None) -> None:
    """``python -m reebloc.solve.decompose CONFIG ph|lshaped|benders OUT.json [--verbose]`` under
    mpiexec; ``--tables DIR`` through ``python -m reebloc.app.decomposed`` (``each_factory(DIR)``
    gives the per-scenario callback)."""
    from mpi4py import MPI
    try:
        each = None
        if "--tables" in argv[3:]:
            if each_factory is None:
                raise ReeblocError(None, "--tables", "run python -m reebloc.app.decomposed for tables")
            each = each_factory(argv[argv.index("--tables") + 1])
        rep = solve(argv[0], argv[1], verbose="--verbose" in argv[3:], each=each)
    except BaseException as exc:      # one rank's error would leave the others waiting in a collective
        import traceback
        traceback.print_exc()
        print(f"rank {MPI.COMM_WORLD.rank}: {exc}", file=sys.stderr, flush=True)
        MPI.COMM_WORLD.Abort(1)
        sys.exit(1)             # Abort may return before the process is killed: write no report
    if MPI.COMM_WORLD.rank == 0:
        with open(argv[2], "w", encoding="utf-8") as f:
            json.dump(rep, f)


if __name__ == "__main__":
    main(sys.argv[1:])
