"""China as a Stackelberg leader: a derivative-free search over its export instruments, each
candidate answered by the competitive equilibrium (docs/strategy.md).

    max_x  payoff(x) = PS_L(y*(x)) + tax_L(y*(x)) − δ·rival output(y*(x))     (reebloc.strategy.payoff)
    s.t.   y*(x) solves the welfare LP with the leader's export tax / quota set to x,
           low_i ≤ x_i ≤ high_i

Method: coordinate search. A coordinate is one instrument in one year (``schedule: per_year``)
or in every year (``constant``). Per coordinate: evaluate a grid of ``grid_points`` values over
its range (the first sweep: [low, high]; later sweeps: ± two first-sweep grid steps around the
current value), then refine with bounded Brent (scipy.optimize.minimize_scalar) between the
best grid point's neighbours to ``tolerance``; keep the best value seen. Sweep over every
coordinate until a sweep gains less than ``min_gain_usd`` or ``max_sweeps`` is reached.
Every candidate is a warm re-solve of one persistent HiGHS model (``FastHighs.set_params``
pushes only the changed tax coefficients / quota right-hand sides), through
``solve_equilibrium`` so price-dependent policy wedges iterate as in a run.

Limits: a local optimum of a function that is piecewise smooth in x (kinks where a facility
enters or leaves, or a step of a stepwise curve is crossed); the grid decides which basin the
refinement starts in; coordinates interact through intertemporal links (stockpiles, capacity
built), which one coordinate at a time can miss.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pyomo.common.collections import ComponentMap

from reebloc.equilibrium import ModelInstance
from reebloc.equilibrium.policy import QUOTA_OFF_T
from reebloc.errors import ReeblocError, SolverError
from reebloc.solve.wedges import solve_equilibrium
from reebloc.strategy.payoff import LeaderPayoff, PayoffParts

log = logging.getLogger("reebloc.strategy")


@dataclass
class Coordinate:
    instrument: str
    kind: str
    commodity: str
    years: list[int]
    low: float
    high: float
    start: float


@dataclass
class StrategyResult:
    x: np.ndarray
    parts: PayoffParts
    reference: PayoffParts
    coordinates: list[Coordinate]
    evaluations: int
    solves: int
    seconds: float
    sweeps: int
    converged: bool
    highs_seconds: float
    payoff_seconds: float
    wedge_report: dict
    table: pd.DataFrame
    history: list = field(default_factory=list)

    def summary(self, inst: ModelInstance) -> dict:
        st = inst.cfg.strategy
        return {
            "player": st.player or inst.cfg.china_node,
            "objective": st.objective,
            "payoff_usd_discounted": float(self.parts.payoff_usd),
            "producer_surplus_usd_discounted": float(self.parts.producer_surplus_usd),
            "export_tax_usd_discounted": float(self.parts.export_tax_usd),
            "deterrence_usd_discounted": float(self.parts.deterrence_usd),
            "reference_payoff_usd_discounted": float(self.reference.payoff_usd),
            "gain_over_reference_usd_discounted": float(self.parts.payoff_usd - self.reference.payoff_usd),
            "evaluations": self.evaluations,
            "solves": self.solves,
            "search_seconds": round(self.seconds, 3),
            "highs_seconds": round(self.highs_seconds, 3),
            "sweeps": self.sweeps,
            "converged": self.converged,
            "coordinates": len(self.coordinates),
        }


class Leader:
    """The leader's problem on one model instance solved through ``FastSolver``."""

    def __init__(self, inst: ModelInstance, solver):
        st = inst.cfg.strategy
        if st is None:
            raise ValueError("the run config has no strategy block")
        self.inst, self.solver, self.fh = inst, solver, solver.fh
        self.st = st
        self.player = st.player or inst.cfg.china_node
        m, ix, pi = inst.m, inst.ix, inst.pi
        years = ix.years
        self.coords: list[Coordinate] = []
        coord_of: dict[tuple[str, int], int] = {}
        for name in sorted(st.instruments):
            ins = st.instruments[name]
            ys = [y for y in years if ins.years is None or ins.years.covers(y)]
            groups = [[y] for y in ys] if ins.schedule == "per_year" else [ys]
            for g in groups:
                for y in g:
                    coord_of[name, y] = len(self.coords)
                self.coords.append(Coordinate(name, ins.kind, ins.commodity, g, float(ins.low), float(ins.high),
                                              ins.start_value()))
        tyear = ix.tree.year
        # taxed arc-nodes -> coordinates adding to their tax; quota rows -> coordinate
        self.tax_params = [m.export_tax_usd_per_kg[a] for a in m.AT_xtax]
        self.tax_coords = [[coord_of[n, tyear[a[3]]] for n in pi.xtax_of[a]] for a in m.AT_xtax]
        self.quota_rows = list(m.XQ)
        self.quota_params = [m.export_quota_t[q] for q in self.quota_rows]
        self.quota_coord = [coord_of[q, tyear[t]] for (q, t) in self.quota_rows]
        self.quota_arcs = {(q, t): arcs for (q, t, arcs) in pi.quotas}
        det = st.deterrence if st.objective == "deterrence" else None
        self.payoff = LeaderPayoff(inst, self.fh, self.player, det)
        self.evaluations = 0
        self.solves = 0
        self.highs_seconds = 0.0       # inside HiGHS (warm re-solves)
        self.payoff_seconds = 0.0      # reading the payoff
        self.cache: dict[tuple, float] = {}
        self.history: list[dict] = []
        self.wedge_report: dict = {}
        # reference: no instrument in force; its exports scale the quota shares
        self.ref_exports = {}
        self.reference = self._solve_with(taxes=[0.0] * len(self.tax_params),
                                          quotas=[QUOTA_OFF_T] * len(self.quota_params))
        for (q, t), arcs in self.quota_arcs.items():
            self.ref_exports[q, t] = float(sum(self.fh.var_values([m.flow[a + (t,)] for a in arcs])))
        self.best_x = np.array([c.start for c in self.coords])
        self.best = -math.inf

    # ------------------------------------------------------------------ one candidate
    def values(self, x: np.ndarray) -> tuple[list[float], list[float]]:
        taxes = [float(sum(x[i] for i in cs)) for cs in self.tax_coords]
        quotas = [float(x[i]) * self.ref_exports[q] for i, q in zip(self.quota_coord, self.quota_rows)]
        return taxes, quotas

    def _solve_with(self, taxes, quotas) -> PayoffParts:
        cm = ComponentMap()
        for p, v in zip(self.tax_params, taxes):
            cm[p] = v
        for p, v in zip(self.quota_params, quotas):
            cm[p] = v
        self.fh.set_params(cm)
        self.solver.reset()
        self.wedge_report = solve_equilibrium(self.inst, self.solver)
        self.solves += self.solver.info.solves
        self.highs_seconds += self.solver.info.seconds
        t0 = time.perf_counter()
        parts = self.payoff.parts()
        self.payoff_seconds += time.perf_counter() - t0
        return parts

    def evaluate(self, x: np.ndarray) -> float:
        """Leader payoff (USD, expected discounted) at instruments x; −inf if the follower fails."""
        key = tuple(np.round(x, 9))
        if key in self.cache:
            return self.cache[key]
        self.evaluations += 1
        try:
            val = self._solve_with(*self.values(x)).payoff_usd
        except SolverError as e:           # e.g. a quota no feasible market meets
            log.info("strategy: candidate %s failed: %s", key, e)
            val = -math.inf
        self.cache[key] = val
        if val > self.best + self.eps(self.best):
            self.best, self.best_x = val, np.array(x, dtype=float)
        return val

    @staticmethod
    def eps(f: float) -> float:
        """Gain (USD) below which two payoffs count as equal: solver noise, not a better policy."""
        return 1.0 + 1e-9 * abs(f) if math.isfinite(f) else 0.0

    # ------------------------------------------------------------------ search
    def search(self) -> StrategyResult:
        opts = self.st.search
        t0 = time.perf_counter()
        x = self.best_x.copy()
        f = self.evaluate(x)
        for path in opts.start_from:             # multi-start: earlier runs' schedules
            xs = self.schedule_from(path)
            fs = self.evaluate(xs)
            if fs > f + self.eps(f):
                x, f = xs, fs
        sweeps, converged = 0, False
        for sweep in range(opts.max_sweeps):
            sweeps += 1
            f_start = f
            for i, c in enumerate(self.coords):
                if self.evaluations >= opts.max_evaluations or c.high == c.low:
                    continue
                step = (c.high - c.low) / (opts.grid_points - 1)
                lo, hi = (c.low, c.high) if sweep == 0 else (max(c.low, x[i] - 2 * step), min(c.high, x[i] + 2 * step))
                grid = sorted(set(np.linspace(lo, hi, opts.grid_points).tolist()) | {float(x[i])})
                vals = []
                for g in grid:
                    xx = x.copy()
                    xx[i] = g
                    vals.append(self.evaluate(xx))
                j = int(np.argmax(vals))
                bx, bf = grid[j], vals[j]
                if opts.refine and bf > -math.inf:
                    a, b = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
                    if b - a > opts.tolerance:
                        bx, bf = self._refine(x, i, a, b, bx, bf, opts.tolerance)
                if bf > f + self.eps(f):       # a flat direction keeps the current (neutral) value
                    x[i], f = bx, bf
                self.history.append({"sweep": sweep + 1, "coordinate": i, "instrument": c.instrument,
                                     "years": f"{c.years[0]}-{c.years[-1]}", "value": float(x[i]),
                                     "payoff_usd": float(f), "evaluations": self.evaluations})
            if f - f_start < opts.min_gain_usd:
                converged = True
                break
        # leave the model at the best response
        x = self.best_x.copy()
        parts = self._solve_with(*self.values(x))
        self.payoff.load()
        seconds = time.perf_counter() - t0
        return StrategyResult(x=x, parts=parts, reference=self.reference, coordinates=self.coords,
                              evaluations=self.evaluations, solves=self.solves, seconds=seconds, sweeps=sweeps,
                              converged=converged, highs_seconds=self.highs_seconds,
                              payoff_seconds=self.payoff_seconds, wedge_report=self.wedge_report, table=self.table(x),
                              history=self.history)

    def schedule_from(self, path: str) -> np.ndarray:
        """The coordinates at the schedule of an earlier run's strategy.csv (instrument, year,
        value), clipped to [low, high]; a coordinate the file lacks keeps its own start."""
        try:
            st = pd.read_csv(path)
            got = {(str(r.instrument), int(r.year)): float(r.value) for r in st.itertuples()}
        except (OSError, ValueError, AttributeError, pd.errors.ParserError) as e:
            raise ReeblocError(path, "strategy.search.start_from",
                               f"expected a strategy.csv (columns instrument, year, value): {e}") from None
        return np.array([min(max(got.get((c.instrument, c.years[0]), c.start), c.low), c.high) for c in self.coords])

    def _refine(self, x, i, a, b, bx, bf, tol):
        from scipy.optimize import minimize_scalar

        def neg(v):
            xx = x.copy()
            xx[i] = v
            val = self.evaluate(xx)
            return -val if val > -math.inf else 1e300

        res = minimize_scalar(neg, bounds=(a, b), method="bounded", options={"xatol": tol})
        if -res.fun > bf:
            return float(res.x), float(-res.fun)
        return bx, bf

    # ------------------------------------------------------------------ outputs
    def table(self, x: np.ndarray) -> pd.DataFrame:
        """strategy.csv: one row per instrument and year at the best response."""
        m, ix = self.inst.m, self.inst.ix
        tree = ix.tree
        L = tree.length   # per-year rates × period lengths: the year's tonnes
        rows = []
        for i, c in enumerate(self.coords):
            ins = self.st.instruments[c.instrument]
            dests = "all" if ins.destinations == "all" else " ".join(ins.destinations)
            arcs = [a for a in ix.arcs if a[0] == self.player and a[2] == c.commodity
                    and (ins.destinations == "all" or a[1] in ins.destinations)]
            for y in c.years:
                ts = [t for t in range(len(tree)) if tree.year[t] == y]
                exports = sum(tree.prob[t] * L[t] * (m.flow[a + (t,)].value or 0.0) for t in ts for a in arcs)
                ref = sum(tree.prob[t] * L[t] * self.ref_exports.get((c.instrument, t), 0.0) for t in ts)
                rows.append({
                    "run": self.inst.cfg.name, "player": self.player, "instrument": c.instrument, "kind": c.kind,
                    "commodity": c.commodity, "destinations": dests, "year": y, "value": float(x[i]),
                    "unit": "usd_per_kg" if c.kind == "export_tax" else "share_of_reference_exports",
                    "low": c.low, "high": c.high,
                    "at_bound": bool(abs(x[i] - c.low) < 1e-9 or abs(x[i] - c.high) < 1e-9),
                    "quota_t": float(x[i]) * ref if c.kind == "export_quota" else float("nan"),
                    "exports_t": float(exports),
                })
        return pd.DataFrame(rows, columns=["run", "player", "instrument", "kind", "commodity", "destinations",
                                           "year", "value", "unit", "low", "high", "at_bound", "quota_t",
                                           "exports_t"])


def play(inst: ModelInstance, solver) -> StrategyResult:
    """Search the leader's best response; leaves ``inst`` solved at it (values loaded by the caller)."""
    leader = Leader(inst, solver)
    res = leader.search()
    log.info("strategy: payoff %.4g USD (reference %.4g) after %d evaluations, %d solves, %.1f s",
             res.parts.payoff_usd, res.reference.payoff_usd, res.evaluations, res.solves, res.seconds)
    return res


