"""Multi-cut L-shaped method (Benders) on warm HiGHS models, over MPI ranks
(``reebloc run CFG --decompose benders``; docs/performance.md § Scenario decomposition).

Each scenario s keeps its LP in HiGHS — built once through the matrix route, the Pyomo model
then dropped — with its first stage x (given: ``decompose.first_stage_vars``) held by elastic rows

    x_j − d⁺_j + d⁻_j = x̂_j,    d± ≥ 0 at PENALTY k$ per unit in the objective,

so any plan x̂ gets a value W_s(x̂), exact where the branches can follow x̂ (PENALTY is far above
any first-stage shadow price), and the rows' duals λ_s are a supergradient of the concave W_s:
W_s(x) ≤ W_s(x̂) + λ_s·(x − x̂). A new plan changes only row bounds, so each re-solve is a warm
dual simplex (milliseconds against a cold solve's 0.35 s on the default data).

The master (rank 0) is  max Σ_s p_s θ_s  over the first stage's own rows and bounds, with
θ_s ≤ W*_s (the scenario's wait-and-see optimum) and one cut per scenario and iteration
(multi-cut). Its optimum bounds expected welfare from above; every evaluated plan the branches
can follow (elastic use ≤ FEASIBLE) bounds it from below. Separation points are stabilised
in-out (Ben-Ameur & Neto 2007): x_sep = α x_best + (1 − α) x_master, starting from the
probability-weighted wait-and-see plans, with α = 0 for the next iteration whenever no cut at
x_sep cuts off the master's point (a Kelley step, which always makes progress). Stops when
(bound − best)/|best| ≤ tol.
"""

from __future__ import annotations

import numpy as np

from reebloc.errors import ReeblocError

PENALTY = 1e6       # k$ per unit a scenario departs from the plan (elastic rows)
FEASIBLE = 1e-6     # total departure (units of the first stage) below which the branches follow a plan
ALPHA = 0.8         # in-out stabilisation: weight of the best plan in the separation point


def _highs():
    import highspy
    from pyomo.common.tee import capture_output
    with capture_output(capture_fd=True):          # HiGHS prints a banner on creation
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def _optimal(h, what: str) -> None:
    import highspy
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise ReeblocError(None, "decompose", f"{what}: HiGHS {h.modelStatusToString(status)}")


class Subproblem:
    """One scenario's LP kept in HiGHS with its first stage on elastic rows; ``evaluate(x̂)``."""

    def __init__(self, inst, first_stage: list, name: str, master_rows: bool = False):
        """``first_stage``: the scenario model's first-stage variables (``decompose.first_stage_vars``);
        ``master_rows``: also keep the first stage's own rows (``own_rows``, for the master: one
        scenario's are enough, the trunk's data being shared)."""
        from reebloc.solve.fastpath import FastHighs
        fs = first_stage
        f = FastHighs(inst.m, route="matrix")
        lp = f._lp
        if not lp.maximize:
            raise ReeblocError(None, "decompose", "the Benders cuts assume a welfare-maximising objective")
        idx = f.col_indices(fs).astype(np.int32)
        self.name = name
        self.names = [v.name for v in fs]
        self.lower, self.upper = lp.col_lower[idx].copy(), lp.col_upper[idx].copy()
        self.own_rows = _own_rows(lp, idx) if master_rows else None
        f.solve()
        self.wait_and_see = f.objective
        self.x_free = f.var_values(idx)
        h = self.h = f.highs
        n, nc, nr, inf = len(idx), h.getNumCol(), h.getNumRow(), h.getInfinity()
        h.addVars(2 * n, np.zeros(2 * n), np.full(2 * n, inf))
        self.slack = np.arange(nc, nc + 2 * n, dtype=np.int32)
        h.changeColsCost(2 * n, self.slack, np.full(2 * n, -PENALTY))
        j = np.arange(n, dtype=np.int32)
        h.addRows(n, self.x_free, self.x_free, 3 * n, 3 * j,
                  np.column_stack([idx, nc + j, nc + n + j]).ravel().astype(np.int32),
                  np.tile([1.0, -1.0, 1.0], n))
        self.rows = np.arange(nr, nr + n, dtype=np.int32)

    def evaluate(self, x: np.ndarray) -> tuple[float, np.ndarray, float]:
        """(W_s(x), λ_s, Σ d±): the scenario's welfare under plan x, its supergradient, and how far
        the scenario departs from x."""
        h = self.h
        h.changeRowsBounds(len(self.rows), self.rows, x, x)
        h.run()
        _optimal(h, f"scenario {self.name} under a plan")
        sol = h.getSolution()
        return (float(h.getInfo().objective_function_value), np.asarray(sol.row_dual)[self.rows],
                float(np.asarray(sol.col_value)[self.slack].sum()))


def _own_rows(lp, idx) -> list[tuple]:
    """Rows of the compiled LP whose every entry is a first-stage column: (lower, upper, columns
    as positions in ``idx``, values) — the first stage's own constraints, for the master."""
    A = lp.A.tocsr()
    pos = np.full(A.shape[1], -1, dtype=np.int64)
    pos[idx] = np.arange(len(idx))
    out = []
    for i in np.unique(A[:, idx].tocoo().row):
        cols = A.indices[A.indptr[i]:A.indptr[i + 1]]
        if (pos[cols] >= 0).all():
            out.append((lp.row_lower[i], lp.row_upper[i], pos[cols].astype(np.int32),
                        A.data[A.indptr[i]:A.indptr[i + 1]].copy()))
    return out


class Master:
    """max Σ p_s θ_s over the first stage's rows and bounds, θ_s = W*_s + η_s, η_s ≤ 0, and the
    cuts η_s − λ·x ≤ W − W*_s − λ·x̂ (η keeps the numbers near zero)."""

    def __init__(self, lower, upper, rows, probabilities, wait_and_see):
        import highspy
        h = self.h = _highs()
        self.n, self.S = len(lower), len(probabilities)
        self.ws = np.asarray(wait_and_see, dtype=float)
        self.base = float(np.dot(probabilities, self.ws))
        inf = h.getInfinity()
        h.addVars(self.n, np.asarray(lower, dtype=float), np.asarray(upper, dtype=float))
        h.addVars(self.S, np.full(self.S, -inf), np.zeros(self.S))
        h.changeColsCost(self.S, np.arange(self.n, self.n + self.S, dtype=np.int32), np.asarray(probabilities, dtype=float))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        for lo, up, cols, vals in rows:
            h.addRow(lo, up, len(cols), cols, vals)

    def solve(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(bound, x, θ). Warm dual simplex; should it end without a verdict (HiGHS "Unknown":
        numerical trouble among many steep cuts), again from scratch, then by interior point."""
        import highspy
        h = self.h
        h.run()
        for retry in ("cold", "ipm"):
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                break
            h.clearSolver()
            if retry == "ipm":
                h.setOptionValue("solver", "ipm")
            h.run()
            h.setOptionValue("solver", "choose")
        _optimal(h, "the L-shaped master")
        v = np.asarray(self.h.getSolution().col_value)
        return self.base + float(self.h.getInfo().objective_function_value), v[:self.n], self.ws + v[self.n:]

    def add_cut(self, s: int, value: float, grad: np.ndarray, at: np.ndarray) -> None:
        cols = np.r_[np.arange(self.n), self.n + s].astype(np.int32)
        self.h.addRow(-self.h.getInfinity(), value - self.ws[s] - float(grad @ at), self.n + 1, cols, np.r_[-grad, 1.0])


def lshaped(subs: dict[int, Subproblem], probabilities: list[float], comm, tol: float,
            max_iterations: int, verbose: bool = False) -> dict:
    """The cut loop on every rank (``subs``: this rank's scenarios by global position). Returns
    the best plan, its expected welfare, the master's bound, the gap and the iteration count."""
    from mpi4py import MPI
    S = len(probabilities)
    first = subs.get(0)
    ref = comm.bcast((first.names, first.lower, first.upper, first.own_rows) if first else None, root=0)
    ok = all(s.names == ref[0] and np.array_equal(s.lower, ref[1]) and np.array_equal(s.upper, ref[2])
             for s in subs.values())
    if not comm.allreduce(ok, op=MPI.LAND):
        raise ReeblocError(None, "scenarios", "the scenarios' first stages differ (variables or bounds): "
                           "the L-shaped method needs one first stage shared by every scenario")
    ws = np.zeros(S)
    core = np.zeros(len(ref[0]))
    for k, s in subs.items():
        ws[k] = s.wait_and_see
        core += probabilities[k] * s.x_free
    ws, core = comm.allreduce(ws, op=MPI.SUM), comm.allreduce(core, op=MPI.SUM)
    master = Master(ref[1], ref[2], ref[3], probabilities, ws) if comm.rank == 0 else None
    best, best_x, alpha, bound, it, gap = -np.inf, None, ALPHA, None, 0, np.inf
    while True:
        it += 1
        x = None
        if comm.rank == 0:
            bound, xm, theta = master.solve()
            x = xm if alpha == 0.0 else alpha * core + (1.0 - alpha) * xm
        x = comm.bcast(x, root=0)
        found = comm.gather([(k, *s.evaluate(x)) for k, s in subs.items()], root=0)
        done = None
        if comm.rank == 0:
            found = sorted(r for part in found for r in part)
            value = float(sum(probabilities[k] * w for k, w, _g, _d in found))
            departed = sum(d for _k, _w, _g, d in found)
            if departed <= FEASIBLE and value > best:
                best, best_x, core = value, x.copy(), x.copy()
            cuts_master_point = False
            for k, w, g, _d in found:
                master.add_cut(k, w, g, x)
                cuts_master_point |= theta[k] > w + float(g @ (xm - x)) + 1e-9 * max(1.0, abs(w))
            alpha = ALPHA if cuts_master_point else 0.0
            gap = (bound - best) / max(1.0, abs(best)) if best_x is not None else np.inf
            done = bool(gap <= tol or it >= max_iterations)
            if verbose:
                print(f"iteration {it}: bound {bound:.9e}  best {best:.9e}  gap {gap:.2e}  "
                      f"plan departs by {departed:.2e}", flush=True)
        if comm.bcast(done, root=0):
            break
    out = comm.bcast((best, best_x, bound, gap) if comm.rank == 0 else None, root=0)
    best, best_x, bound, gap = out
    if best_x is None:
        raise ReeblocError(None, "decompose", f"no plan the branches can follow after {it} L-shaped iterations")
    return {"objective_kusd": best, "bound_kusd": bound, "gap": gap, "iterations": it,
            "converged": bool(gap <= tol), "first_stage": dict(zip(ref[0], map(float, best_x)))}
