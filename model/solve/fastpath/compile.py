"""Compile: index every mutable solver value (a *slot*) by the params it contains, and
compile Pyomo param expressions to polynomial terms evaluated with numpy."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from pyomo.core.base.param import ParamData
from pyomo.core.expr.numvalue import value
from pyomo.core.expr.visitor import identify_mutable_parameters

# update item kinds
_COST, _COEF, _ROWB, _COLB, _OFFSET, _QUAD = range(6)


class Compiler:
    """Mixin of ``FastHighs``: builds the slot index at construction."""

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

