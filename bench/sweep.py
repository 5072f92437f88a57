"""Benchmark of the sweep fast path (issue 7).

Time per variant for
  (a) rebuild per variant: build the Pyomo model, solve it with Pyomo's HiGHS interface;
  (b) reebloc's sweep path: FastHighs on the persistent model (only the changed values pushed,
      warm re-solve, outputs read from HiGHS's arrays);
  (c) HiGHS directly: the same LP extracted once into a bare ``highspy.Highs``; per variant the
      same changes applied with changeColsCost / changeRowsBounds / changeColsBounds /
      changeCoeff, warm re-solve, the same outputs read;
on the default data set (runs/baseline.yaml, the parameters of runs/sweeps/baseline_lhs.yaml)
and on a synthetic transport LP of about 100k variables. Prints the ratios from one run.

    python bench/sweep.py                      # both instances
    python bench/sweep.py --only default --variants 60 --rebuilds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import highspy  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- (c) bare highspy replay
class LpRecorder:
    """Snapshots of the LP held by a Highs object; diffs between snapshots are 'the changes'."""

    def __init__(self, h: highspy.Highs):
        self.h = h

    def snapshot(self) -> dict:
        lp = self.h.getLp()
        a = lp.a_matrix_
        return {"cost": np.array(lp.col_cost_), "cl": np.array(lp.col_lower_), "cu": np.array(lp.col_upper_),
                "rl": np.array(lp.row_lower_), "ru": np.array(lp.row_upper_), "offset": lp.offset_,
                "start": np.array(a.start_), "index": np.array(a.index_), "value": np.array(a.value_),
                "colwise": a.format_ == highspy.MatrixFormat.kColwise}


def diff(prev: dict, new: dict) -> dict:
    d = {}
    c = np.flatnonzero(prev["cost"] != new["cost"])
    d["cost"] = (c.astype(np.int32), new["cost"][c])
    c = np.flatnonzero((prev["cl"] != new["cl"]) | (prev["cu"] != new["cu"]))
    d["colb"] = (c.astype(np.int32), new["cl"][c], new["cu"][c])
    r = np.flatnonzero((prev["rl"] != new["rl"]) | (prev["ru"] != new["ru"]))
    d["rowb"] = (r.astype(np.int32), new["rl"][r], new["ru"][r])
    if len(prev["value"]) == len(new["value"]) and np.array_equal(prev["index"], new["index"]):
        k = np.flatnonzero(prev["value"] != new["value"])
        outer = np.searchsorted(new["start"], k, side="right") - 1
        inner = new["index"][k]
        rows, cols = (inner, outer) if new["colwise"] else (outer, inner)
        d["coef"] = list(zip(rows.tolist(), cols.tolist(), new["value"][k].tolist()))
    else:
        raise RuntimeError("the matrix sparsity changed between variants")
    d["offset"] = new["offset"] if new["offset"] != prev["offset"] else None
    return d


def bare_highs(base: highspy.Highs) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.passModel(base.getLp())
    h.changeObjectiveSense(base.getObjectiveSense()[1] if isinstance(base.getObjectiveSense(), tuple)
                           else base.getObjectiveSense())
    return h


def apply_and_solve(h: highspy.Highs, d: dict, rows: np.ndarray) -> tuple[float, np.ndarray]:
    idx, v = d["cost"]
    if len(idx):
        h.changeColsCost(len(idx), idx, v)
    idx, lo, up = d["colb"]
    if len(idx):
        h.changeColsBounds(len(idx), idx, lo, up)
    idx, lo, up = d["rowb"]
    if len(idx):
        h.changeRowsBounds(len(idx), idx, lo, up)
    for r, c, val in d["coef"]:
        h.changeCoeff(r, c, val)
    if d["offset"] is not None:
        h.changeObjectiveOffset(d["offset"])
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(h.modelStatusToString(h.getModelStatus()))
    duals = h.getSolution().row_dual
    return h.getInfo().objective_function_value, np.fromiter((duals[i] for i in rows), float, len(rows))


# ---------------------------------------------------------------- default data set
def bench_default(n_variants: int, n_rebuilds: int) -> dict:
    from reebloc.equilibrium import create_model
    from reebloc.solve.solver import Solver, balance_prices
    from reebloc.sweep.design import make_design
    from reebloc.sweep.evaluators import ReeblocEvaluator
    from reebloc.sweep.spec import load_sweep
    from reebloc.solve.wedges import solve_equilibrium

    rs = load_sweep(ROOT / "runs/sweeps/baseline_lhs.yaml")
    X = make_design(rs.config)
    xs = [X.iloc[i].drop("variant").to_dict() for i in range(n_variants + 1)]
    t0 = time.perf_counter()
    ev = ReeblocEvaluator(rs)
    init_s = time.perf_counter() - t0
    price_rows = np.concatenate([r for r, _ in ev._price_rows.values()])

    # (b) the sweep path and (c) bare HiGHS, interleaved variant by variant so that both see the
    # same machine load; (c) starts from the LP after the first variant and gets, per variant,
    # exactly the entries that differ in the LP (b) solved (snapshots are taken outside the timers)
    rec = LpRecorder(ev.fh.highs)
    ev.evaluate(xs[0])  # warm the basis on a first variant, as a worker does
    prev = rec.snapshot()
    h = bare_highs(ev.fh.highs)
    h.run()
    t_b, t_c, t_run, obj_b, obj_c = [], [], [], [], []
    for x in xs[1:]:
        t = time.perf_counter()
        y = ev.evaluate(x)
        t_b.append(time.perf_counter() - t)
        t_run.append(ev.fh.last_result.seconds)
        obj_b.append(y["objective_kusd"])
        snap = rec.snapshot()
        d = diff(prev, snap)
        prev = snap
        t = time.perf_counter()
        obj, _duals = apply_and_solve(h, d, price_rows)
        t_c.append(time.perf_counter() - t)
        obj_c.append(obj)
    agree = max(abs(a - b) / max(1.0, abs(a)) for a, b in zip(obj_c, obj_b))

    # (a) rebuild per variant: build + Pyomo HiGHS solve (+ the wedge loop), prices read
    t_a = []
    for x in xs[1:1 + n_rebuilds]:
        t = time.perf_counter()
        resolved, data = ev.variant(x)
        inst = create_model(resolved.config, data, where=resolved.path)
        solver = Solver(inst.m, resolved.config.solver)
        solve_equilibrium(inst, solver)
        balance_prices(inst.m, solver.duals)
        t_a.append(time.perf_counter() - t)
    return {"instance": "default data (runs/baseline.yaml, 6 parameters of baseline_lhs)",
            "size": f"{ev.fh.n_cols} columns x {ev.fh.n_rows} rows",
            "init_s": init_s, "fast_mode": ev.fast is not None,
            "a": statistics.median(t_a), "b": statistics.median(t_b), "c": statistics.median(t_c),
            "b_mean": statistics.mean(t_b), "c_mean": statistics.mean(t_c), "b_run": statistics.median(t_run),
            "n": (len(t_a), len(t_b), len(t_c)), "objective_agreement": agree}


# ---------------------------------------------------------------- synthetic transport LP
def transport_model(n_src: int, n_dst: int, seed: int = 0):
    import pyomo.environ as pyo

    rng = np.random.default_rng(seed)
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, n_src - 1)
    m.J = pyo.RangeSet(0, n_dst - 1)
    cap = rng.uniform(80, 160, n_src)
    dem = rng.uniform(40, 80, n_dst) * cap.sum() / 60 / n_dst * 0.8
    xs, ys = rng.uniform(0, 100, (2, n_src)), rng.uniform(0, 100, (2, n_dst))
    dist = np.hypot(xs[0][:, None] - ys[0][None, :], xs[1][:, None] - ys[1][None, :])
    m.cap = pyo.Param(m.I, mutable=True, initialize=dict(enumerate(cap)))
    m.dem = pyo.Param(m.J, mutable=True, initialize=dict(enumerate(dem)))
    m.prod_cost = pyo.Param(m.I, mutable=True, initialize=dict(enumerate(rng.uniform(5, 15, n_src))))
    m.freight = pyo.Param(mutable=True, initialize=0.1)
    m.dist = pyo.Param(m.I, m.J, initialize=lambda m, i, j: float(dist[i, j]))
    m.x = pyo.Var(m.I, m.J, within=pyo.NonNegativeReals)
    m.supply = pyo.Constraint(m.I, rule=lambda m, i: sum(m.x[i, j] for j in m.J) <= m.cap[i])
    m.demand = pyo.Constraint(m.J, rule=lambda m, j: sum(m.x[i, j] for i in m.I) >= m.dem[j])
    m.obj = pyo.Objective(expr=sum((m.prod_cost[i] + m.freight * m.dist[i, j]) * m.x[i, j]
                                   for i in m.I for j in m.J))
    return m


def bench_synthetic(n_variants: int, n_rebuilds: int, n_src=300, n_dst=334) -> dict:
    import pyomo.environ as pyo
    from pyomo.contrib.solver.common.factory import SolverFactory

    from reebloc.solve.fastpath import FastHighs

    rng = np.random.default_rng(1)
    m = transport_model(n_src, n_dst)
    base = {"prod_cost": [m.prod_cost[i].value for i in m.I], "cap": [m.cap[i].value for i in m.I],
            "dem": [m.dem[j].value for j in m.J], "freight": m.freight.value}
    # a variant: regional cost shock on a third of the sources, demand growth, freight rate
    region = np.arange(n_src) < n_src // 3
    variants = [(rng.uniform(0.7, 1.4), rng.uniform(0.9, 1.1), rng.uniform(0.08, 0.14))
                for _ in range(n_variants + 1)]

    def values(m, v):
        shock, growth, fr = v
        out = [(m.prod_cost[i], base["prod_cost"][i] * (shock if region[i] else 1.0)) for i in m.I]
        out += [(m.dem[j], base["dem"][j] * growth) for j in m.J]
        out.append((m.freight, fr))
        return out

    t0 = time.perf_counter()
    fh = FastHighs(m, {"threads": 1})
    init_s = time.perf_counter() - t0
    dem_rows = fh.row_indices([m.demand[j] for j in m.J])
    rec = LpRecorder(fh.highs)
    fh.set_params(values(m, variants[0]))
    fh.solve()
    prev = rec.snapshot()
    h = bare_highs(fh.highs)
    h.run()
    pidx = None
    t_b, t_c, t_run, obj_b, obj_c = [], [], [], [], []
    for v in variants[1:]:
        pairs = values(m, v)
        if pidx is None:  # a sweep worker maps its parameters to FastHighs positions once
            pidx = fh.param_indices([p for p, _ in pairs])
        vals = np.fromiter((x for _, x in pairs), float, len(pairs))
        t = time.perf_counter()
        fh.set_param_array(pidx, vals)
        res = fh.solve()
        fh.duals(dem_rows)
        t_b.append(time.perf_counter() - t)
        t_run.append(res.seconds)
        obj_b.append(res.objective)
        snap = rec.snapshot()
        d = diff(prev, snap)
        prev = snap
        t = time.perf_counter()
        obj, _ = apply_and_solve(h, d, dem_rows)
        t_c.append(time.perf_counter() - t)
        obj_c.append(obj)
    agree = max(abs(a - b) / max(1.0, abs(a)) for a, b in zip(obj_c, obj_b))
    t_a = []
    for v in variants[1:1 + n_rebuilds]:
        t = time.perf_counter()
        m2 = transport_model(n_src, n_dst)
        for p, val in values(m2, v):
            p.set_value(val)
        opt = SolverFactory("highs")
        r = opt.solve(m2, threads=1, load_solutions=False)
        r.solution_loader.get_duals([m2.demand[j] for j in m2.J])
        t_a.append(time.perf_counter() - t)
    return {"instance": f"synthetic transport LP {n_src}x{n_dst}", "size": f"{fh.n_cols} columns x {fh.n_rows} rows",
            "init_s": init_s, "a": statistics.median(t_a), "b": statistics.median(t_b), "c": statistics.median(t_c),
            "b_mean": statistics.mean(t_b), "c_mean": statistics.mean(t_c), "b_run": statistics.median(t_run),
            "n": (len(t_a), len(t_b), len(t_c)), "objective_agreement": agree}


def report(r: dict) -> str:
    return (f"{r['instance']} — {r['size']}\n"
            f"  variants timed (a, b, c): {r['n']}; FastHighs/evaluator setup {r['init_s']:.2f} s"
            + (f"; affine fast mode: {r['fast_mode']}" if "fast_mode" in r else "") + "\n"
            f"  (a) rebuild per variant : {r['a'] * 1e3:9.1f} ms (median)\n"
            f"  (b) sweep fast path     : {r['b'] * 1e3:9.2f} ms (median; mean {r['b_mean'] * 1e3:.2f}; "
            f"of which HiGHS run {r['b_run'] * 1e3:.2f})\n"
            f"  (c) HiGHS directly      : {r['c'] * 1e3:9.2f} ms (median; mean {r['c_mean'] * 1e3:.2f})\n"
            f"  (b)/(c) = {r['b'] / r['c']:.2f}   (target <= 1.5)\n"
            f"  (a)/(b) = {r['a'] / r['b']:.0f}   (target >= 20)\n"
            f"  objectives (b) vs (c): max relative difference {r['objective_agreement']:.1e}\n")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["default", "synthetic"], default=None)
    ap.add_argument("--variants", type=int, default=60)
    ap.add_argument("--rebuilds", type=int, default=5)
    a = ap.parse_args(argv)
    if a.only in (None, "default"):
        print(report(bench_default(a.variants, a.rebuilds)), flush=True)
    if a.only in (None, "synthetic"):
        print(report(bench_synthetic(a.variants, max(2, a.rebuilds // 2))), flush=True)


if __name__ == "__main__":
    main()
