"""Update: set param values and push only the dependent solver values to HiGHS."""

from __future__ import annotations

import numpy as np
from pyomo.core.expr.numvalue import value

from reebloc.solve.fastpath.compile import _COEF, _COLB, _COST, _OFFSET, _QUAD, _ROWB, _evaluate


class Updater:
    """Mixin of ``FastHighs``: ``set_params`` / ``set_param_array`` / ``refresh_all``."""

    # ------------------------------------------------------------------ updates
    def set_params(self, changes) -> int:
        """Set param values and push only the dependent solver values. Returns the count pushed.

        ``changes``: a mapping ParamData -> value (a ``ComponentMap``, since ParamData is not
        hashable) or an iterable of ``(ParamData, value)`` pairs.
        """
        pairs = list(changes.items() if hasattr(changes, "items") else changes)
        if not pairs:
            return 0
        self._ensure_index([p for p, _ in pairs])
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
        self._ensure_index()
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

