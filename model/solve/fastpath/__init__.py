"""Fast re-solve of a Pyomo LP / convex QP on a persistent HiGHS model.

``FastHighs`` builds the HiGHS model once, by one of two routes:

- ``route="pyomo"`` (default): Pyomo's ``pyomo.contrib.solver`` HiGHS interface, then every
  solver value whose expression contains a mutable ``Param`` is indexed at construction;
- ``route="matrix"`` (``"auto"``: matrix, or the Pyomo route for a QP): Pyomo's
  ``LinearStandardFormCompiler`` and one ``passModel`` (``matrix.py``), 3–5× faster to hand
  over; the param index is built on the first param change (``MatrixRoute._matrix_items``).

Either way every solver coefficient, bound and right-hand side that depends on a mutable
``Param`` is indexed by the params it contains (as polynomials compiled without recursion,
``poly.py``). ``set_params`` changes
param values and pushes to HiGHS *only* the entries that depend on the changed params (and
only when their value actually changed); ``solve`` runs HiGHS from its current basis (warm
start). Solutions are read straight from highspy's arrays by column / row index, never loaded
into every Pyomo variable unless ``load_all`` is asked for.

Why: Pyomo's persistent ``update_parameters`` re-evaluates and pushes every mutable entry and
its ``solve`` loads every value back; for a sweep where a variant changes a handful of params
that overhead dominates HiGHS's own warm re-solve time.

Param values are mirrored in a numpy array: change params through ``set_params`` /
``set_param_array`` (or call ``refresh_all`` after editing Pyomo params directly), otherwise the
solver keeps the old values — ``tests/test_fastpath.py`` shows such a stale update is caught.

Limits: the model's *structure* is frozen at construction (adding/removing/activating
components, fixing/unfixing variables, or changing a non-mutable value needs a new
``FastHighs``). Fixed variables are columns fixed at their build-time values (Pyomo route) or
constants folded into the bounds (matrix route). On the matrix route a constraint that had no
free variable at construction is not a row, so a param change cannot make it bind.

This module is generic: it depends on Pyomo, highspy and numpy only (plus the package's
error type).
"""

from __future__ import annotations

import time
from typing import Mapping


from reebloc.solve.fastpath.compile import Compiler
from reebloc.solve.fastpath.matrix import MatrixRoute, NotMatrixModel, compile_matrix, pass_model
from reebloc.solve.fastpath.result import FastResult, NotOptimalError
from reebloc.solve.fastpath.read import Reader
from reebloc.solve.fastpath.update import Updater

__all__ = ["FastHighs", "FastResult", "NotOptimalError"]


def _termination(status_name: str) -> str:
    if status_name == "kOptimal":
        return "optimal"
    if status_name == "kInfeasible":
        return "infeasible"
    if status_name in ("kUnbounded", "kUnboundedOrInfeasible"):
        return "unbounded" if status_name == "kUnbounded" else "infeasible_or_unbounded"
    if status_name in ("kTimeLimit", "kIterationLimit"):
        return "limit"
    return "other"

class FastHighs(MatrixRoute, Compiler, Updater, Reader):
    """Persistent HiGHS model over a Pyomo ConcreteModel with param-targeted updates.

    Parameters
    ----------
    model:
        a Pyomo ConcreteModel (LP or convex QP, one active objective).
    options:
        HiGHS options (``setOptionValue``), e.g. ``{"threads": 1}``. Output is silenced
        unless ``{"output_flag": True}`` is given.
    """

    def __init__(self, model, options: Mapping[str, object] | None = None, route: str = "pyomo"):
        t0 = time.perf_counter()
        self.model = model
        self.options = dict(options or {})
        self._has_quadratic = False
        self.route = None
        if route in ("auto", "matrix"):
            try:
                self._init_matrix(model)
            except NotMatrixModel:
                if route == "matrix":
                    raise
        if self.route is None:
            self._init_pyomo(model)
        self.highs.setOptionValue("output_flag", False)
        # HiGHS checks time_limit against the object's cumulative run time, so a persistent model
        # would fail every re-solve once its solves add up to the limit: the limit is re-armed per solve
        self.time_limit_s = self.options.get("time_limit")
        for k, v in self.options.items():
            if k != "time_limit":
                self.highs.setOptionValue(k, v)
        self.n_cols = self.highs.getNumCol()
        self.n_rows = self.highs.getNumRow()
        self._sol = None
        self._col_value = self._row_dual = self._col_dual = self._row_value = None
        self.last_result: FastResult | None = None
        self._pushed_pending = 0
        self.build_seconds = time.perf_counter() - t0

    def _init_pyomo(self, model) -> None:
        """The ``pyomo.contrib.solver`` HiGHS interface builds the model (QPs; the old path)."""
        from pyomo.contrib.solver.common.factory import SolverFactory
        solver = SolverFactory("highs")
        solver.config.load_solutions = False
        solver.config.raise_exception_on_nonoptimal_result = False
        solver.set_instance(model)
        self._solver = solver
        self.highs = solver._solver_model
        self._inf = self.highs.getInfinity()
        self._var_map: dict[int, int] = solver._pyomo_var_to_solver_var_map  # id(var) -> col
        self._con_map = solver._pyomo_con_to_solver_con_map  # con -> row
        self._columns = None
        self.route = "pyomo"
        self._index_items()
        self._indexed = True

    def _init_matrix(self, model) -> None:
        """Pyomo's standard-form compiler → one ``passModel`` (LPs); params indexed lazily."""
        import highspy
        from pyomo.core.base.objective import Objective
        from pyomo.common.tee import capture_output
        with capture_output(capture_fd=True):      # HiGHS prints a banner on creation
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        self._inf = h.getInfinity()
        lp = compile_matrix(model, self._inf)
        pass_model(h, lp)
        self.highs = h
        self._lp = lp
        self._solver = None
        self._columns = lp.columns
        self._objective = next(model.component_data_objects(Objective, active=True))
        self._var_map = {id(v): j for j, v in enumerate(lp.columns)}
        self._con_map = dict(zip(lp.rows, range(len(lp.rows))))
        self._indexed = False
        self.route = "matrix"

    def _ensure_index(self, params=None) -> None:
        """Matrix route: index the param-dependent values on the first param change. When every
        changed param belongs to a component the model declares objective-only
        (``model._fast_objective_only``: names of Param components that appear in no constraint
        and no bound, e.g. policy wedges), only the objective is indexed — only
        ``model._fast_objective_part`` if the model gives it (the summand of the objective that
        holds every occurrence of those params); any other change indexes everything (values
        HiGHS holds already are read back, so nothing pushed is lost)."""
        if self._indexed is True:
            return
        only = getattr(self.model, "_fast_objective_only", ())
        if params is not None and only and all(p.parent_component().name in only for p in params):
            if self._indexed != "objective":
                part = getattr(self.model, "_fast_objective_part", None)
                items = self._matrix_items(rows=False) if part is None else self._objective_part_items(part)
                self._index_items(items, current=self._current_values)
                self._indexed = "objective"
            return
        self._index_items(self._matrix_items(), current=self._current_values)
        self._indexed = True

    # ------------------------------------------------------------------ solve
    def _invalidate(self) -> None:
        self._sol = None
        self._col_value = self._row_dual = self._col_dual = self._row_value = None

    def solve(self, raise_on_failure: bool = True) -> FastResult:
        """Re-solve from the current basis. Raises ``NotOptimalError`` unless optimal."""
        import highspy

        h = self.highs
        self._invalidate()
        if self.time_limit_s is not None:      # per solve: HiGHS's clock counts every earlier run
            h.setOptionValue("time_limit", float(h.getRunTime()) + float(self.time_limit_s))
        t0 = time.perf_counter()
        h.run()
        secs = time.perf_counter() - t0
        status = h.getModelStatus()
        name = status.name if hasattr(status, "name") else str(status)
        info = h.getInfo()
        optimal = status == highspy.HighsModelStatus.kOptimal
        res = FastResult(
            status=h.modelStatusToString(status),
            optimal=optimal,
            termination=_termination(name),
            objective=float(info.objective_function_value) if optimal else None,
            seconds=secs,
            simplex_iterations=int(info.simplex_iteration_count),
            qp_iterations=int(getattr(info, "qp_iteration_count", 0) or 0),
            pushed=self._pushed_pending,
        )
        self._pushed_pending = 0
        self.last_result = res
        if not optimal:
            # drop the basis so the next variant starts clean
            h.clearSolver()
            if raise_on_failure:
                raise NotOptimalError(res.status, res)
        return res

    @property
    def objective(self) -> float:
        if self.last_result is None or not self.last_result.optimal:
            raise NotOptimalError("no optimal solution", self.last_result)
        return self.last_result.objective

