"""Solving with HiGHS through ``pyomo.contrib.solver`` (persistent), and reading prices."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

from reebloc.inputs.config import SolverOptions
from reebloc.errors import SolverError


@dataclass
class SolveInfo:
    status: str = "not solved"
    termination: str = ""
    objective_kusd: float | None = None
    seconds: float = 0.0
    solves: int = 0
    extra: dict = field(default_factory=dict)


class Solver:
    """A persistent HiGHS solver bound to one Pyomo model: ``solve()`` after any Param change
    pushes the new values and re-solves from the previous basis."""

    def __init__(self, m: pyo.ConcreteModel, opts: SolverOptions):
        self.m = m
        self.opt = SolverFactory("highs")
        if not self.opt.available():
            raise SolverError("unavailable", "HiGHS (highspy) is not installed")
        self.config = dict(load_solutions=False, raise_exception_on_nonoptimal_result=False,
                           time_limit=opts.time_limit_s, threads=opts.threads)
        hopts = opts.highs_options()
        self.highs_options = {"output_flag": False, **{k: v for k, v in hopts.items() if k not in ("threads", "time_limit")}}
        self.info = SolveInfo()
        self._built = False

    def solve(self) -> SolveInfo:
        t0 = time.perf_counter()
        res = self.opt.solve(self.m, **self.config, solver_options=self.highs_options)
        self.info.seconds += time.perf_counter() - t0
        self.info.solves += 1
        self.info.termination = res.termination_condition.name
        ok = (res.termination_condition == TerminationCondition.convergenceCriteriaSatisfied
              and res.solution_status == SolutionStatus.optimal)
        self.info.status = "optimal" if ok else res.solution_status.name
        if not ok:
            raise SolverError(f"{res.termination_condition.name}/{res.solution_status.name}",
                              "HiGHS stopped without an optimal solution")
        res.solution_loader.load_vars()
        self.duals = res.solution_loader.get_duals()
        self.info.objective_kusd = float(res.incumbent_objective)
        return self.info

    def load(self) -> None:
        """Values are loaded by every solve."""

    def fix_columns(self, pairs) -> None:
        """Hold variables at values through their bounds; ``restore_columns`` undoes it."""
        self._bounds = getattr(self, "_bounds", [])
        for v, x in pairs:
            self._bounds.append((v, v.lb, v.ub))
            v.setlb(x)
            v.setub(x)

    def restore_columns(self) -> None:
        for v, lb, ub in getattr(self, "_bounds", []):
            v.setlb(lb)
            v.setub(ub)
        self._bounds = []


def balance_prices(m: pyo.ConcreteModel, duals: dict, rows: str = "balance") -> dict[tuple, float]:
    """P[n,c,t] in $/kg: the balance dual undone of its weight (probability × discount).
    ``rows="balance_clean"`` gives the clean-material price instead of the market (touched) one.
    Duals of a FastSolver are read as one array by row index."""
    comp = getattr(m, rows)
    idxs = list(comp.keys())
    if not idxs:
        return {}
    weight = {t: pyo.value(m.weight[t]) for t in m.weight}
    w = np.array([weight[i[2]] for i in idxs], dtype=float)
    if hasattr(duals, "array"):
        d = duals.array([comp[i] for i in idxs])
    else:
        d = np.array([duals.get(comp[i], 0.0) for i in idxs], dtype=float)
    p = np.divide(-d, w, out=np.zeros_like(w), where=w > 0)
    return dict(zip(idxs, p.tolist()))


class _RowDuals:
    """``duals.get(con, default)`` over HiGHS's row duals, without building a dict."""

    def __init__(self, fh):
        self.fh = fh

    def get(self, con, default=0.0):
        r = self.fh._con_map.get(con)
        return default if r is None else self.fh.row_duals()[r]

    def __getitem__(self, con):
        return self.fh.row_duals()[self.fh._con_map[con]]

    def array(self, cons) -> np.ndarray:
        """Duals of ``cons`` (0 for a constraint not in the solver model, e.g. skipped)."""
        get = self.fh._con_map.get
        idx = np.fromiter((get(c, -1) for c in cons), dtype=np.int64, count=len(cons))
        out = self.fh.duals(np.where(idx < 0, 0, idx))
        out[idx < 0] = 0.0
        return out


class FastSolver:
    """Same interface as ``Solver``, backed by ``reebloc.solve.fastpath.FastHighs``: a re-solve pushes
    only the coefficients that the changed Params touch. Worth its longer set-up when a run
    re-solves (policy wedges, the value of the stochastic solution) and in sweeps.
    Variable values reach Pyomo only on ``load()``."""

    def __init__(self, m: pyo.ConcreteModel, opts: SolverOptions | None = None, fh=None, route: str = "auto"):
        from reebloc.solve.fastpath import FastHighs
        self.m = m
        if fh is None:
            options = opts.highs_options() if opts else {}
            fh = FastHighs(m, options, route=route)
        self.fh = fh
        self.info = SolveInfo()
        self.duals = _RowDuals(fh)
        self._bounds: list = []

    def reset(self):
        self.info = SolveInfo()

    def solve(self) -> SolveInfo:
        res = self.fh.solve()            # raises NotOptimalError (a SolverError) unless optimal
        self.info.seconds += res.seconds
        self.info.solves += 1
        self.info.status = "optimal"
        self.info.termination = "convergenceCriteriaSatisfied"
        self.info.objective_kusd = res.objective
        return self.info

    def load(self) -> None:
        self.fh.load_all(duals=False)

    def fix_columns(self, pairs) -> None:
        """Hold variables at values (lb = ub) in HiGHS only; ``restore_columns`` undoes it."""
        cols = self.fh.col_indices([v for v, _ in pairs])
        keep = cols >= 0
        cols = cols[keep]
        vals = np.array([x for (_, x), k in zip(pairs, keep) if k], dtype=float)
        lp = self.fh.highs.getLp()
        lo, up = np.array(lp.col_lower_)[cols], np.array(lp.col_upper_)[cols]
        self._bounds.append((cols, lo, up))
        self.fh.highs.changeColsBounds(len(cols), cols.astype(np.int32), vals, vals)

    def restore_columns(self) -> None:
        while self._bounds:
            cols, lo, up = self._bounds.pop()
            self.fh.highs.changeColsBounds(len(cols), cols.astype(np.int32), lo, up)


ROUTE = "matrix"   # "pyomo": the old path (pyomo.contrib.solver), kept as the oracle of tests


def make_solver(inst, opts: SolverOptions, fast: bool = False, route: str | None = None):
    """The solver of a run.

    ``route="matrix"`` (default): the model is compiled by Pyomo's standard-form compiler and
    handed to HiGHS in one ``passModel`` (``FastHighs`` matrix route; quadratic models fall back
    to the Pyomo interface); price-dependent wedges, which enter the objective only, re-index the
    objective alone on their first change. A strategic leader's search (``fast``) keeps the Pyomo
    route, which indexes every param-dependent value at construction.
    ``route="pyomo"``: the old path, the persistent ``pyomo.contrib.solver`` interface for a
    single solve and FastHighs over it when the run re-solves.
    """
    route = route or ROUTE
    if route == "pyomo" and not (fast or inst.has_wedges() or len(inst.cfg.scenarios) > 1):
        return Solver(inst.m, opts)
    fh_route = "auto" if route == "matrix" and not fast else "pyomo"
    solver = FastSolver(inst.m, opts, route=fh_route)
    inst.set_values = solver.fh.set_params      # every Param change goes through FastHighs
    return solver
