"""Compile: index every mutable solver value (a *slot*) by the params it contains, with each
slot's value as a param polynomial (``reebloc.solve.fastpath.poly``) evaluated with numpy."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
from pyomo.core.base.param import ParamData
from pyomo.core.expr.visitor import identify_mutable_parameters

from reebloc.solve.fastpath.poly import evaluate, terms

# update item kinds
_COST, _COEF, _ROWB, _COLB, _OFFSET, _QUAD = range(6)


class Compiler:
    """Mixin of ``FastHighs``: builds the slot index (at construction on the Pyomo route, on the
    first param change on the matrix route)."""

    # ------------------------------------------------------------------ indexing
    def _pyomo_items(self) -> Iterable[tuple]:
        """Slots of the ``pyomo.contrib.solver`` route: its mutable helpers."""
        s = self._solver
        for con, helpers in s._mutable_helpers.items():
            row = self._con_map[con]
            for hlp in helpers:
                if hasattr(hlp, "pyomo_var_id"):  # linear coefficient
                    yield _COEF, row, self._var_map[hlp.pyomo_var_id], _poly(hlp.expr)
                else:
                    yield _ROWB, row, _poly(hlp.lower_expr), _poly(hlp.upper_expr)
        for v_id, (_v, hlp) in s._mutable_bounds.items():
            yield _COLB, self._var_map[v_id], _poly(hlp.lower_expr), _poly(hlp.upper_expr)
        mobj = getattr(s, "_mutable_objective", None)
        if mobj is not None:
            for hlp in mobj.linear_coefs:
                yield _COST, self._var_map[hlp.pyomo_var_id], -1, _poly(hlp.expr)
            c = mobj.constant.expr
            if not isinstance(c, (int, float)):
                yield _OFFSET, -1, -1, _poly(c)
            for hlp in mobj.quadratic_coefs:
                self._has_quadratic = True
                yield _QUAD, -1, -1, _poly(hlp.expr)

    def _index_items(self, items: Iterable[tuple] | None = None, current=None) -> None:
        """One *slot* per mutable solver value (a cost, a coefficient, one side of a bound).

        ``items``: (kind, pos, pos2, poly) for costs/coefficients/offsets, (kind, pos, lo, up)
        for bounds. Slots whose polynomial has ≤ 3 param factors per term are evaluated
        vectorised from the param-value array ``self._pv``; others one by one. ``current``
        (slot kinds/positions → the value the solver holds now) seeds the last-pushed values;
        without it they are the polynomials' values.
        """
        self._has_quadratic = getattr(self, "_has_quadratic", False)
        if items is None:
            items = self._pyomo_items()
        kinds, pos, pos2, partner = [], [], [], []
        coef, p1, p2, p3, t_ptr = [], [], [], [], [0]
        scalar: dict[int, list] = {}
        slot_params: list[list[ParamData]] = []
        params: list[ParamData] = []
        pindex: dict[int, int] = {}
        inf = self._inf

        def pidx(p) -> int:
            i = pindex.get(id(p))
            if i is None:
                i = pindex[id(p)] = len(params)
                params.append(p)
            return i

        def add(kind, a, b, poly, side_partner=-1):
            k = len(kinds)
            kinds.append(kind)
            pos.append(a)
            pos2.append(b)
            partner.append(side_partner)
            if poly is None:  # missing bound
                poly = [(-inf if side_partner == -2 else inf, ())]
            ps = []
            vector = True
            for _c, fs in poly:
                if len(fs) > 3:
                    vector = False
                for f in fs:
                    if isinstance(f, ParamData):
                        ps.append(f)
                    else:
                        vector = False
                        ps.extend(identify_mutable_parameters(f))
            slot_params.append(ps)
            for p in ps:
                pidx(p)
            if not vector or not poly:
                scalar[k] = poly
                poly = [(0.0, ())]
            for cc, tp in poly:
                coef.append(cc)
                p1.append(pidx(tp[0]) if len(tp) > 0 else -1)
                p2.append(pidx(tp[1]) if len(tp) > 1 else -1)
                p3.append(pidx(tp[2]) if len(tp) > 2 else -1)
            t_ptr.append(len(coef))
            return k

        for it in items:
            kind = it[0]
            if kind in (_ROWB, _COLB):
                k_lo = add(kind, it[1], -1, it[2], -2)
                k_up = add(kind, it[1], -1, it[3], -3)
                partner[k_lo], partner[k_up] = k_up, k_lo
            else:
                add(kind, it[1], it[2], it[3])

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
        if current is not None:
            self._last = current(self._kind, self._pos, self._pos2, self._partner)
        else:
            self._last = self._vector_values(self._all)
            for k, c in scalar.items():
                self._last[k] = evaluate(c)

    def _with_terms(self, slots: np.ndarray) -> tuple:
        """(slots, their term indices, start of each slot's terms) for vectorised evaluation."""
        first = self._t_ptr[slots]
        lengths = self._t_ptr[slots + 1] - first
        starts = np.cumsum(lengths) - lengths
        terms_ = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(starts - first, lengths)
        return slots, terms_, starts

    def _vector_values(self, touched: tuple) -> np.ndarray:
        _slots, T, starts = touched
        pv = self._pv
        tv = self._coef[T] * pv[self._p1[T]] * pv[self._p2[T]] * pv[self._p3[T]]
        return np.add.reduceat(tv, starts) if len(T) else tv

    @property
    def mutable_params(self) -> list[ParamData]:
        """The mutable params that appear in the solver model."""
        self._ensure_index()
        return list(self._params)

    def entries_for(self, param: ParamData) -> int:
        """How many solver values depend on ``param`` (0 if it is not in the model); the two
        sides of one bound count once."""
        self._ensure_index()
        i = self._pindex.get(id(param))
        if i is None:
            return 0
        slots = self._by_param[i]
        bounds = np.isin(self._kind[slots], (_ROWB, _COLB))
        return int((~bounds).sum() + len(np.unique(self._pos[slots][bounds])))

    def param_indices(self, params: Sequence[ParamData]) -> np.ndarray:
        """Positions of params in FastHighs' value array (-1: not in the solver model)."""
        self._ensure_index()
        return np.fromiter((self._pindex.get(id(p), -1) for p in params), dtype=np.int64, count=len(params))

    def _ensure_index(self, params=None) -> None:
        """The Pyomo route indexes at construction; the matrix route does it here, once."""


def _poly(e):
    """Polynomial of a helper's expression (None: a missing bound)."""
    if e is None:
        return None
    if isinstance(e, (int, float)):
        return [(float(e), ())]
    t = terms(e)
    return [(1.0, (e,))] if t is None else t


def _evaluate(poly) -> float:
    return evaluate(poly)
