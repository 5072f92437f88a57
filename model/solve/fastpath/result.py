"""The outcome of one HiGHS solve, and the error raised when it is not optimal."""

from __future__ import annotations

from dataclasses import dataclass, field

from reebloc.errors import SolverError


class NotOptimalError(SolverError):
    """HiGHS stopped without an optimal solution."""

    def __init__(self, status: str, result: "FastResult | None" = None):
        self.result = result
        super().__init__(status, "HiGHS stopped without an optimal solution")


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
