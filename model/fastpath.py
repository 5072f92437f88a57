"""Fast re-solve of a Pyomo LP / convex QP on a persistent HiGHS model.

``FastHighs`` builds the HiGHS model once through Pyomo's ``pyomo.contrib.solver`` HiGHS
interface, then indexes every solver coefficient, bound and right-hand side whose Pyomo
expression contains a mutable ``Param`` by the params it contains. ``set_params`` changes
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
``FastHighs``). Fixed variables are columns fixed at their build-time values.

This module is generic: it depends on Pyomo, highspy and numpy only (plus the package's
error type).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
from pyomo.common.collections import ComponentMap
from pyomo.core.base.param import ParamData
from pyomo.core.expr.numvalue import value
from pyomo.core.expr.visitor import identify_mutable_parameters
from pyomo.core.staleflag import StaleFlagManager

from model.errors import SolverError

__all__ = ["FastHighs", "FastResult", "NotOptimalError"]


class NotOptimalError(SolverError):
    """HiGHS stopped without an optimal solution."""

    def __init__(self, status: str, result: "FastResult | None" = None):
        self.result = result
        super().__init__(status, "HiGHS did not reach an optimal solution")


@dataclass
class FastResult:
    """Outcome of one ``FastHighs.solve``."""

    status: str  # HiGHS model status string, e.g. "Optimal"
    optimal: bool
    termination: str  # pyomo-style: "optimal", "infeasible", "unbounded", "other"
    objective: float | None
    seconds: float
    simplex_iterations: int = 0
    qp_iterations: int = 0
    pushed: int = 0  # number of solver entries pushed before this solve
    extra: dict = field(default_factory=dict)


# update item kinds
_COST, _COEF, _ROWB, _COLB, _OFFSET, _QUAD = range(6)


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


class FastHighs:
    """Persistent HiGHS model over a Pyomo ConcreteModel with param-targeted updates.

    Parameters
    ----------
    model:
        a Pyomo ConcreteModel (LP or convex QP, one active objective).
    options:
        HiGHS options (``setOptionValue``), e.g. ``{"threads": 1}``. Output is silenced
        unless ``{"output_flag": True}`` is given.
    """

    def __init__(self, model, options: Mapping[str, object] | None = None):
        from pyomo.contrib.solver.common.factory import SolverFactory

        t0 = time.perf_counter()
        self.model = model
        solver = SolverFactory("highs")
        solver.config.load_solutions = False
        solver.config.raise_exception_on_nonoptimal_result = False
        solver.set_instance(model)
        self._solver = solver
        self.highs = solver._solver_model
        self.highs.setOptionValue("output_flag", False)
        self.options = dict(options or {})
        for k, v in self.options.items():
            self.highs.setOptionValue(k, v)
        self._inf = self.highs.getInfinity()
        self._var_map: dict[int, int] = solver._pyomo_var_to_solver_var_map  # id(var) -> col
        self._con_map = solver._pyomo_con_to_solver_con_map  # con -> row
        self.n_cols = self.highs.getNumCol()
        self.n_rows = self.highs.getNumRow()
        self._index_items()
        self._sol = None
        self._col_value = self._row_dual = self._col_dual = self._row_value = None
        self.last_result: FastResult | None = None
        self._pushed_pending = 0
        self.build_seconds = time.perf_counter() - t0

    # ------------------------------------------------------------------ indexing
    def _index_items(self) -> None:
        """One *slot* per mutable solver value (a cost, a coefficient, one side of a bound).

        Slots whose expression is c·p or c·p·q (params p, q) are evaluated vectorised from the
        param-value array ``self._pv``; others (sums, max/min, ...) one by one.
        """
        s = self._solver
        kinds, pos, pos2, partner = [], [], [], []
        coef, p1, p2, p3, t_ptr = [], [], [], [], [0]  # terms of every slot, slot k: t_ptr[k]:t_ptr[k+1]
        scalar: dict[int, object] = {}  # slot -> compiled/expr evaluated one by one
        slot_params: list[list[ParamData]] = []
        params: list[ParamData] = []
        pindex: dict[int, int] = {}

        def pidx(p) -> int:
            i = pindex.get(id(p))
            if i is None:
                i = pindex[id(p)] = len(params)
                params.append(p)
            return i

        def add(kind, a, b, e, side_partner=-1):
            k = len(kinds)
            kinds.append(kind)
            pos.append(a)
            pos2.append(b)
            partner.append(side_partner)
            c = _compile_or_expr(e)
            ps = [] if e is None or isinstance(e, (int, float)) else list(identify_mutable_parameters(e))
            slot_params.append(ps)
            for p in ps:
                pidx(p)
            if c is None:  # missing bound
                c = -self._inf if side_partner == -2 else self._inf
            if isinstance(c, float):
                terms = ((c, ()),)
            elif isinstance(c, _Compiled) and c.terms and all(len(tp) <= 3 for _, tp in c.terms):
                terms = c.terms
            else:
                terms = ((0.0, ()),)
                scalar[k] = c
            for cc, tp in terms:
                coef.append(cc)
                p1.append(pidx(tp[0]) if len(tp) > 0 else -1)
                p2.append(pidx(tp[1]) if len(tp) > 1 else -1)
                p3.append(pidx(tp[2]) if len(tp) > 2 else -1)
            t_ptr.append(len(coef))
            return k

        def add_bounds(kind, where, lo, up):
            k_lo = add(kind, where, -1, lo, -2)
            k_up = add(kind, where, -1, up, -3)
            partner[k_lo], partner[k_up] = k_up, k_lo
            kinds[k_lo] = kinds[k_up] = kind

        for con, helpers in s._mutable_helpers.items():
            row = self._con_map[con]
            for hlp in helpers:
                if hasattr(hlp, "pyomo_var_id"):  # linear coefficient
                    add(_COEF, row, self._var_map[hlp.pyomo_var_id], hlp.expr)
                else:
                    add_bounds(_ROWB, row, hlp.lower_expr, hlp.upper_expr)
        for v_id, (_v, hlp) in s._mutable_bounds.items():
            add_bounds(_COLB, self._var_map[v_id], hlp.lower_expr, hlp.upper_expr)
        mobj = getattr(s, "_mutable_objective", None)
        self._has_quadratic = False
        if mobj is not None:
            for hlp in mobj.linear_coefs:
                add(_COST, self._var_map[hlp.pyomo_var_id], -1, hlp.expr)
            if not _is_number(mobj.constant.expr):
                add(_OFFSET, -1, -1, mobj.constant.expr)
            for hlp in mobj.quadratic_coefs:
                self._has_quadratic = True
                add(_QUAD, -1, -1, hlp.expr)

        n_p = len(params)
        self._params = params
        self._pindex = pindex
        self._pv = np.array([float(p.value) for p in params] + [1.0])  # last slot: the constant 1
        sentinel = n_p
        self._kind = np.asarray(kinds, dtype=np.int8)
        self._pos = np.asarray(pos, dtype=np.int64)
        self._pos2 = np.asarray(pos2, dtype=np.int64)
        self._partner = np.asarray(partner, dtype=np.int64)
        self._coef = np.asarray(coef, dtype=float)
        self._p1, self._p2, self._p3 = (np.where(np.asarray(p, dtype=np.int64) < 0, sentinel, p).astype(np.int64)
                                        for p in (p1, p2, p3))
        self._t_ptr = np.asarray(t_ptr, dtype=np.int64)
        self._scalar = scalar
        self._is_scalar = np.zeros(len(kinds), dtype=bool)
        self._is_scalar[list(scalar)] = True
        # param -> slots (CSR)
        by_param: list[list[int]] = [[] for _ in range(n_p)]
        for k, ps in enumerate(slot_params):
            for p in ps:
                by_param[pindex[id(p)]].append(k)
        self._by_param = [np.asarray(sorted(set(b)), dtype=np.int64) for b in by_param]
        self._touch_cache: dict[bytes, tuple] = {}
        self.n_slots = len(kinds)
        self._all = self._with_terms(np.arange(self.n_slots))
        self._last = self._vector_values(self._all)
        for k, c in scalar.items():
            self._last[k] = _evaluate(c)

    def _with_terms(self, slots: np.ndarray) -> tuple:
        """(slots, their term indices, start of each slot's terms) for vectorised evaluation."""
        first = self._t_ptr[slots]
        lengths = self._t_ptr[slots + 1] - first
        starts = np.cumsum(lengths) - lengths
        terms = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(starts - first, lengths)
        return slots, terms, starts

    def _vector_values(self, touched: tuple) -> np.ndarray:
        _slots, T, starts = touched
        pv = self._pv
        tv = self._coef[T] * pv[self._p1[T]] * pv[self._p2[T]] * pv[self._p3[T]]
        return np.add.reduceat(tv, starts) if len(T) else tv

    @property
    def mutable_params(self) -> list[ParamData]:
        """The mutable params that appear in the solver model."""
        return list(self._params)

    def entries_for(self, param: ParamData) -> int:
        """How many solver values depend on ``param`` (0 if it is not in the model); the two
        sides of one bound count once."""
        i = self._pindex.get(id(param))
        if i is None:
            return 0
        slots = self._by_param[i]
        bounds = np.isin(self._kind[slots], (_ROWB, _COLB))
        return int((~bounds).sum() + len(np.unique(self._pos[slots][bounds])))

    def param_indices(self, params: Sequence[ParamData]) -> np.ndarray:
        """Positions of params in FastHighs' value array (-1: not in the solver model)."""
        return np.fromiter((self._pindex.get(id(p), -1) for p in params), dtype=np.int64, count=len(params))

    # ------------------------------------------------------------------ updates
    def set_params(self, changes) -> int:
        """Set param values and push only the dependent solver values. Returns the count pushed.

        ``changes``: a mapping ParamData -> value (a ``ComponentMap``, since ParamData is not
        hashable) or an iterable of ``(ParamData, value)`` pairs.
        """
        pairs = changes.items() if hasattr(changes, "items") else changes
        idx, vals = [], []
        get = self._pindex.get
        for p, v in pairs:
            i = get(id(p))
            if i is None:
                p.set_value(v)  # not in the solver model: keep Pyomo in step, nothing to push
            else:
                idx.append(i)
                vals.append(v)
        if not idx:
            return 0
        return self.set_param_array(np.asarray(idx, dtype=np.int64), np.asarray(vals, dtype=float))

    def set_param_array(self, idx: np.ndarray, values: np.ndarray) -> int:
        """Vectorised ``set_params``: ``idx`` from ``param_indices``, ``values`` the new values."""
        values = np.asarray(values, dtype=float)
        diff = self._pv[idx] != values
        if not diff.all():
            idx, values = idx[diff], values[diff]
        if len(idx) == 0:
            return 0
        self._pv[idx] = values
        params = self._params
        for i, v in zip(idx.tolist(), values.tolist()):
            params[i]._value = v  # mutable ParamData; same as set_value without re-validation
        key = idx.tobytes()
        touched = self._touch_cache.get(key)
        if touched is None:
            touched = self._with_terms(np.unique(np.concatenate([self._by_param[i] for i in idx])))
            if len(self._touch_cache) < 64:
                self._touch_cache[key] = touched
        return self._push(touched)

    def refresh_all(self) -> int:
        """Re-read every param from Pyomo and push what differs (after direct param edits)."""
        self._pv[:-1] = [float(p.value) for p in self._params]
        return self._push(self._all)

    def _push(self, touched: tuple) -> int:
        slots = touched[0]
        if len(slots) == 0:
            return 0
        new = self._vector_values(touched)
        sc = self._is_scalar[slots]
        if sc.any():
            for j in np.flatnonzero(sc):
                new[j] = _evaluate(self._scalar[int(slots[j])])
        ch = new != self._last[slots]
        if not ch.any():
            return 0
        C = slots[ch]
        self._last[C] = new[ch]
        kind = self._kind[C]
        h = self.highs
        n = 0
        m = kind == _COST
        if m.any():
            cols = self._pos[C[m]].astype(np.int32)
            h.changeColsCost(len(cols), cols, self._last[C[m]])
            n += len(cols)
        m = kind == _COEF
        if m.any():
            for r, c, v in zip(self._pos[C[m]].tolist(), self._pos2[C[m]].tolist(), self._last[C[m]].tolist()):
                h.changeCoeff(r, c, v)
            n += int(m.sum())
        for kb, fn in ((_ROWB, h.changeRowsBounds), (_COLB, h.changeColsBounds)):
            m = kind == kb
            if m.any():
                b = C[m]
                lo_first = self._partner[b] > b  # the lower side is added first
                lo = np.where(lo_first, b, self._partner[b])
                where, first = np.unique(self._pos[lo], return_index=True)
                lo = lo[first]
                up = self._partner[lo]
                fn(len(where), where.astype(np.int32), self._last[lo], self._last[up])
                n += len(where)
        m = kind == _OFFSET
        if m.any():
            h.changeObjectiveOffset(float(self._last[C[m]][0]))
            n += 1
        if (kind == _QUAD).any():
            self._push_hessian()
            n += int((kind == _QUAD).sum())
        self._pushed_pending += n
        self._invalidate()
        return n

    def _push_hessian(self) -> None:
        mobj = self._solver._mutable_objective
        for hlp in mobj.quadratic_coefs:
            v = value(hlp.expr)
            mobj.quad_coef_dict[(hlp.v1_id, hlp.v2_id)] = v
            mobj.previous_quad_coef_dict[(hlp.v1_id, hlp.v2_id)] = v
        mobj._build_and_pass_hessian()

    # ------------------------------------------------------------------ solve
    def _invalidate(self) -> None:
        self._sol = None
        self._col_value = self._row_dual = self._col_dual = self._row_value = None

    def solve(self, raise_on_failure: bool = True) -> FastResult:
        """Re-solve from the current basis. Raises ``NotOptimalError`` unless optimal."""
        import highspy

        h = self.highs
        self._invalidate()
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

    # ------------------------------------------------------------------ reading
    def _solution(self):
        if self.last_result is None or not self.last_result.optimal:
            raise NotOptimalError(
                self.last_result.status if self.last_result else "not solved", self.last_result
            )
        if self._sol is None:
            self._sol = self.highs.getSolution()
        return self._sol

    def col_values(self) -> list:
        if self._col_value is None:
            self._col_value = self._solution().col_value
        return self._col_value

    def row_duals(self) -> list:
        if self._row_dual is None:
            self._row_dual = self._solution().row_dual
        return self._row_dual

    def row_values(self) -> list:
        if self._row_value is None:
            self._row_value = self._solution().row_value
        return self._row_value

    def col_duals(self) -> list:
        if self._col_dual is None:
            self._col_dual = self._solution().col_dual
        return self._col_dual

    def col_index(self, var) -> int:
        """HiGHS column of a Pyomo VarData (-1 if not in the solver model, e.g. fixed)."""
        return self._var_map.get(id(var), -1)

    def row_index(self, con) -> int:
        return self._con_map[con]

    def col_indices(self, variables: Sequence) -> np.ndarray:
        return np.fromiter((self._var_map.get(id(v), -1) for v in variables), dtype=np.int64,
                           count=len(variables))

    def row_indices(self, constraints: Sequence) -> np.ndarray:
        return np.fromiter((self._con_map[c] for c in constraints), dtype=np.int64,
                           count=len(constraints))

    @staticmethod
    def _take(arr: list, idx: np.ndarray) -> np.ndarray:
        if len(idx) > len(arr) // 8:
            return np.asarray(arr, dtype=float)[idx]
        return np.fromiter((arr[i] for i in idx), dtype=float, count=len(idx))

    def var_values(self, variables) -> np.ndarray:
        """Primal values of ``variables`` (VarData list or column index array)."""
        if isinstance(variables, np.ndarray):
            idx = variables
            missing = None
        else:
            variables = list(variables)
            idx = self.col_indices(variables)
            missing = np.flatnonzero(idx < 0)
        if missing is not None and len(missing):
            out = self._take(self.col_values(), np.where(idx < 0, 0, idx))
            for i in missing:
                out[i] = value(variables[i])  # fixed variable: its value
            return out
        return self._take(self.col_values(), idx)

    def duals(self, constraints) -> np.ndarray:
        """Row duals of ``constraints`` (ConstraintData list or row index array), HiGHS sign."""
        idx = constraints if isinstance(constraints, np.ndarray) else self.row_indices(list(constraints))
        return self._take(self.row_duals(), idx)

    def reduced_costs(self, variables) -> np.ndarray:
        idx = variables if isinstance(variables, np.ndarray) else self.col_indices(list(variables))
        return self._take(self.col_duals(), idx)

    def load_all(self, duals: bool = True) -> ComponentMap | None:
        """Load every primal value into the Pyomo variables; if ``duals`` return (and, when the
        model has an IMPORT ``dual`` Suffix, store) the duals of every constraint."""
        cv = self.col_values()
        vars_ = self._solver._vars
        for v_id, col in self._var_map.items():
            vars_[v_id][0].set_value(cv[col], skip_validation=True)
        StaleFlagManager.mark_all_as_stale(delayed=True)
        if not duals:
            return None
        rd = self.row_duals()
        out = ComponentMap((c, rd[r]) for c, r in self._con_map.items())
        suffix = getattr(self.model, "dual", None)
        if suffix is not None and hasattr(suffix, "import_enabled") and suffix.import_enabled():
            for c, d in out.items():
                suffix[c] = d
        return out

    # ------------------------------------------------------------------ misc
    def reset_basis(self) -> None:
        """Forget the basis (next solve is cold)."""
        self.highs.clearSolver()
        self._invalidate()


def _is_number(x) -> bool:
    return isinstance(x, (int, float))


# ---------------------------------------------------------------- expression compilation
# A compiled expression is a tuple of terms (coef, (ParamData, ...)): value = Σ coef·Π params.
# Anything that is not such a polynomial with constant coefficients stays a Pyomo expression.
_MAX_TERMS = 64


class _Compiled:
    __slots__ = ("terms",)

    def __init__(self, terms):
        self.terms = terms


def _terms(e):
    if isinstance(e, (int, float)):
        return ((float(e), ()),)
    if isinstance(e, ParamData):
        if e.is_constant():
            return ((float(e.value), ()),)
        return ((1.0, (e,)),)
    if not getattr(e, "is_expression_type", lambda: False)():
        if getattr(e, "is_constant", lambda: False)():
            return ((float(value(e)), ()),)
        return None  # a (fixed) variable or something else: evaluate with Pyomo
    name = type(e).__name__
    args = e.args
    if name in ("NPV_ProductExpression", "ProductExpression", "MonomialTermExpression"):
        a, b = _terms(args[0]), _terms(args[1])
        if a is None or b is None or len(a) * len(b) > _MAX_TERMS:
            return None
        return tuple((ca * cb, pa + pb) for ca, pa in a for cb, pb in b)
    if name in ("NPV_NegationExpression", "NegationExpression"):
        a = _terms(args[0])
        return None if a is None else tuple((-c, p) for c, p in a)
    if name in ("NPV_SumExpression", "SumExpression", "LinearExpression"):
        out = []
        for arg in args:
            a = _terms(arg)
            if a is None:
                return None
            out.extend(a)
            if len(out) > _MAX_TERMS:
                return None
        return tuple(out)
    if name in ("NPV_DivisionExpression", "DivisionExpression"):
        a, b = _terms(args[0]), _terms(args[1])
        if a is None or b is None or len(b) != 1 or b[0][1] or b[0][0] == 0:
            return None
        return tuple((c / b[0][0], p) for c, p in a)
    return None


def _compile_or_expr(e):
    if e is None or isinstance(e, (int, float)):
        return None if e is None else float(e)
    t = _terms(e)
    return e if t is None else _Compiled(t)


def _evaluate(c) -> float:
    if isinstance(c, float):
        return c
    if isinstance(c, _Compiled):
        total = 0.0
        for coef, ps in c.terms:
            for p in ps:
                coef *= p._value
            total += coef
        return total
    return float(value(c))
