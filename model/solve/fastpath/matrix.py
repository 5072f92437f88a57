"""The matrix route: the Pyomo model compiled to sparse matrices and handed to HiGHS at once.

``compile_matrix(model)`` runs Pyomo's ``LinearStandardFormCompiler`` (mixed form: one row per
constraint side, the objective's sense kept), merges the two sides of ranged constraints into
one row, reads column bounds from the variables, and returns arrays ready for one
``highspy.passModel``. The Pyomo model stays the only definition of the equations: nothing
here knows a component by name.

Param dependence (which solver values a mutable Param touches) is not needed for one solve, so
``MatrixRoute._matrix_items`` finds it only when a re-solve first changes a param: it walks
the constraints, variable bounds and objective with the non-recursive compiler of
``reebloc.solve.fastpath.poly`` and yields every value that contains a mutable param.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyomo.core.base.objective import maximize

from reebloc.solve.fastpath.compile import _COEF, _COLB, _COST, _OFFSET, _ROWB
from reebloc.solve.fastpath.poly import NotLinear, evaluate, has_params, linear, terms


class NotMatrixModel(ValueError):
    """The model is not an LP the matrix route can compile (quadratic objective, integers)."""


@dataclass
class MatrixLP:
    columns: list            # VarData per column
    rows: list               # ConstraintData per row
    cost: np.ndarray
    offset: float
    maximize: bool
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    A: object                # scipy CSC (rows × columns)


def compile_matrix(model, inf: float) -> MatrixLP:
    """Pyomo ConcreteModel (LP, one active objective) → ``MatrixLP``."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
    from pyomo.core.base.var import Var
    # declaration order, as the Pyomo interface adds columns. A fixed variable becomes a column
    # with lower = upper = its value (as in the Pyomo interface): Pyomo 6.10's compiler
    # mis-aligns the objective row when it eliminates fixed variables itself
    order = list(model.component_data_objects(Var, descend_into=True))
    fixed = [(v, v.lower, v.upper) for v in order if v.fixed]
    for v, _lo, _up in fixed:
        x = v.value
        v.unfix()
        v.setlb(x)
        v.setub(x)
    try:
        sf = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None, column_order=order)
    except Exception as exc:  # nonlinear (quadratic) objective or constraint
        if "nonlinear" in str(exc) or "cannot be compiled" in str(exc):
            raise NotMatrixModel(str(exc)) from exc
        raise
    finally:
        for v, lo, up in fixed:
            v.setlb(lo)
            v.setub(up)
            v.fix()
    if len(sf.objectives) != 1:
        raise NotMatrixModel("the matrix route needs exactly one active objective")
    # keep every free variable as a column, in declaration order, as the Pyomo interface does
    # (same LP, same order: HiGHS then reaches the same vertex, duals included)
    columns = order
    assert sf.c.shape[1] == len(sf.columns) == sf.A.shape[1]
    n = len(columns)
    pos = {id(v): j for j, v in enumerate(columns)}
    at = np.fromiter((pos[id(v)] for v in sf.columns), dtype=np.int64, count=len(sf.columns))
    lo = np.empty(n)
    up = np.empty(n)
    held = {id(v): v.value for v, _lo, _up in fixed}
    for j, v in enumerate(columns):
        if not v.is_continuous():
            raise NotMatrixModel(f"{v.name} is not continuous")
        b = (held[id(v)], held[id(v)]) if id(v) in held else v.bounds
        lo[j] = -inf if b[0] is None else b[0]
        up[j] = inf if b[1] is None else b[1]
    rhs = np.asarray(sf.rhs, dtype=float)
    entries = sf.rows
    m = len(entries)
    sense = np.fromiter((r[1] for r in entries), dtype=np.int8, count=m)
    row_lo = np.where(sense == 0, rhs, np.where(sense < 0, rhs, -inf))
    row_up = np.where(sense > 0, rhs, np.where(sense == 0, rhs, inf))
    A = sf.A
    cons = [r[0] for r in entries]
    # a ranged constraint comes as two rows (upper side, then lower side): merge them
    dup = np.zeros(m, dtype=bool)
    if m > 1:
        same = np.fromiter((cons[i] is cons[i - 1] for i in range(1, m)), dtype=bool, count=m - 1)
        dup[1:] = same
    if dup.any():
        first = np.flatnonzero(dup) - 1
        row_lo[first] = row_lo[dup]
        keep = ~dup
        row_lo, row_up = row_lo[keep], row_up[keep]
        cons = [c for c, k in zip(cons, keep) if k]
        A = A.tocsr()[keep].tocsc()
    A = _widen(_scipy_csc(A), at, n)
    if not A.has_canonical_format:      # HiGHS refuses duplicate entries in a column
        A.sum_duplicates()
    c = np.zeros(n)
    if sf.c.shape[0]:
        c[at] = _scipy_csc(sf.c).toarray().ravel()
    return MatrixLP(columns=columns, rows=cons, cost=np.asarray(c, dtype=float),
                    offset=float(sf.c_offset[0]) if len(sf.c_offset) else 0.0,
                    maximize=sf.objectives[0].sense == maximize,
                    col_lower=lo, col_upper=up, row_lower=row_lo, row_upper=row_up, A=A)


def _widen(A, at, n):
    """CSC with its columns moved to positions ``at`` of ``n`` (empty columns elsewhere)."""
    import scipy.sparse as sp
    counts = np.zeros(n, dtype=np.int64)
    counts[at] = np.diff(A.indptr)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    if np.all(np.diff(at) > 0):
        return sp.csc_array((A.data, A.indices, indptr), shape=(A.shape[0], n))
    order = np.argsort(at, kind="stable")
    B = A[:, order]
    return sp.csc_array((B.data, B.indices, indptr), shape=(A.shape[0], n))


def _scipy_csc(M):
    import scipy.sparse as sp
    if isinstance(M, (sp.csc_array, sp.csc_matrix)):
        return M
    return sp.csc_array((M.data, M.indices, M.indptr), shape=tuple(M.shape))


def pass_model(h, lp: MatrixLP) -> None:
    """One ``passModel`` of the compiled LP into the Highs object ``h``."""
    import highspy
    hl = highspy.HighsLp()
    hl.num_col_ = len(lp.cost)
    hl.num_row_ = len(lp.row_lower)
    hl.col_cost_ = lp.cost
    hl.col_lower_ = lp.col_lower
    hl.col_upper_ = lp.col_upper
    hl.row_lower_ = lp.row_lower
    hl.row_upper_ = lp.row_upper
    hl.offset_ = lp.offset
    hl.sense_ = highspy.ObjSense.kMaximize if lp.maximize else highspy.ObjSense.kMinimize
    hl.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    hl.a_matrix_.start_ = lp.A.indptr.astype(np.int32)
    hl.a_matrix_.index_ = lp.A.indices.astype(np.int32)
    hl.a_matrix_.value_ = lp.A.data.astype(float)
    hl.a_matrix_.num_col_ = hl.num_col_
    hl.a_matrix_.num_row_ = hl.num_row_
    status = h.passModel(hl)
    if status != highspy.HighsStatus.kOk and status != highspy.HighsStatus.kWarning:
        bad_rows = int((lp.row_lower > lp.row_upper).sum())
        bad_cols = int((lp.col_lower > lp.col_upper).sum())
        raise RuntimeError(f"HiGHS passModel failed: {status} ({bad_rows} rows and {bad_cols} columns "
                           f"with lower > upper; {int(np.isnan(lp.A.data).sum())} NaN coefficients; "
                           f"{int((lp.row_lower == np.inf).sum() + (lp.row_upper == -np.inf).sum())} rows "
                           f"bounded by an infinite value; matrix {lp.A.shape}, {len(lp.cost)} columns, "
                           f"{len(lp.row_lower)} rows, has_sorted_indices {lp.A.has_sorted_indices})")


class MatrixRoute:
    """Mixin of ``FastHighs`` for the matrix route: the lazy param index."""

    def _matrix_items(self, rows: bool = True):
        """(kind, ...) items of every solver value that contains a mutable param (``rows=False``:
        of the objective only)."""
        var_map = self._var_map
        for row, con in enumerate(self._lp.rows if rows else ()):
            lb, body, ub = con.to_bounded_expression()
            const, lin = linear(body)
            for vid, (_v, q) in lin.items():
                if has_params(q):
                    col = var_map.get(vid)
                    if col is not None:
                        yield _COEF, row, col, q
            lo = _bound_poly(lb)
            up = _bound_poly(ub)
            if has_params(const) or (lo and has_params(lo)) or (up and has_params(up)):
                neg = [(-a, p) for a, p in const]
                yield _ROWB, row, (None if lo is None else lo + neg), (None if up is None else up + neg)
        for col, v in enumerate(self._lp.columns if rows else ()):
            if v.fixed:          # held at its value in HiGHS
                continue
            lo, up = v.lower, v.upper
            if (lo is not None and not lo.__class__ in (int, float)) or \
               (up is not None and not up.__class__ in (int, float)):
                plo, pup = _bound_poly(lo), _bound_poly(up)
                if (plo and has_params(plo)) or (pup and has_params(pup)):
                    yield _COLB, col, plo, pup
        obj = self._objective
        const, lin = linear(obj.expr)
        for vid, (_v, q) in lin.items():
            if has_params(q):
                col = var_map.get(vid)
                if col is not None:
                    yield _COST, col, -1, q
        if has_params(const):
            yield _OFFSET, -1, -1, const

    def _objective_part_items(self, part):
        """Cost items of the columns in ``part``, a summand of the objective that holds every
        occurrence of the changing params: cost_j = (HiGHS's cost_j now − part_j now) + part_j,
        the rest of the objective held at its value (it holds none of those params)."""
        const, lin = linear(part)
        if has_params(const):
            raise NotLinear("a param-dependent constant in the objective part")
        cost = np.asarray(self.highs.getLp().col_cost_)
        var_map = self._var_map
        for vid, (_v, q) in lin.items():
            col = var_map.get(vid)
            if col is not None and has_params(q):
                yield _COST, col, -1, [(float(cost[col]) - evaluate(q), ())] + list(q)

    def _current_values(self, kind, pos, pos2, partner) -> np.ndarray:
        """The value HiGHS holds now for each slot (lower/upper side by ``partner``)."""
        lp = self.highs.getLp()
        out = np.zeros(len(kind))
        col_cost = np.asarray(lp.col_cost_)
        cl, cu = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
        rl, ru = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
        is_lo = partner > np.arange(len(kind))
        m = kind == _COST
        out[m] = col_cost[pos[m]]
        for kb, lo_arr, up_arr in ((_ROWB, rl, ru), (_COLB, cl, cu)):
            m = kind == kb
            out[m & is_lo] = lo_arr[pos[m & is_lo]]
            out[m & ~is_lo] = up_arr[pos[m & ~is_lo]]
        m = kind == _OFFSET
        out[m] = float(lp.offset_)
        m = np.flatnonzero(kind == _COEF)
        if len(m):
            A = self._lp.A
            for k in m:
                r, c = int(pos[k]), int(pos2[k])
                seg = slice(A.indptr[c], A.indptr[c + 1])
                hit = np.flatnonzero(A.indices[seg] == r)
                out[k] = A.data[seg][hit[0]] if len(hit) else 0.0
        return out


def _bound_poly(b):
    if b is None:
        return None
    if b.__class__ in (int, float):
        return [(float(b), ())]
    t = terms(b)
    if t is None:
        raise NotLinear("a bound with a variable")
    return t
