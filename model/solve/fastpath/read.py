"""Read: solution values, duals and reduced costs by column / row index from highspy arrays."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from pyomo.common.collections import ComponentMap
from pyomo.core.expr.numvalue import value
from pyomo.core.staleflag import StaleFlagManager

from reebloc.solve.fastpath.result import NotOptimalError


class Reader:
    """Mixin of ``FastHighs``: reading the last optimal solution."""

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
        if self._columns is not None:
            for v, x in zip(self._columns, cv):
                v.set_value(x, skip_validation=True)
        else:
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


