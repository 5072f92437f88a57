"""Solving with HiGHS through ``pyomo.contrib.solver`` (persistent), and reading prices."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

from model.config import SolverOptions
from model.errors import SolverError


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
        self.highs_options = {"output_flag": False, **opts.options}
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


def balance_prices(m: pyo.ConcreteModel, duals: dict) -> dict[tuple, float]:
    """P[n,c,t] in $/kg: the balance dual undone of its weight (probability × discount)."""
    out = {}
    for idx in m.balance:
        con = m.balance[idx]
        w = pyo.value(m.weight[idx[2]])
        d = duals.get(con, 0.0)
        out[idx] = (-d / w) if w > 0 else 0.0
    return out
