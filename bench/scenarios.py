"""Scale of the stochastic LP: reebloc against HiGHS alone on the same LP.

For each size N (default 1, 10, 50, 200 scenarios of the default data set) two fresh
processes run one after the other:

1. reebloc: build the Pyomo model, hand it to HiGHS, solve, read the solution and build every
   table (what ``reebloc run`` does before writing, without the value of the stochastic
   solution). It then writes the LP it solved to an MPS file (not timed).
2. raw: highspy alone reads that MPS file and solves it with the same options (timed: the
   solve only).

and the bench prints one line per size::

    N=50 total/raw = 2.9  total 13.1 s  raw 4.5 s  peak 0.95 GB (raw 0.50 GB)  build 5.2 s ...

Run from the repository root:

    python bench/scenarios.py                  # 1, 10, 50, 200
    python bench/scenarios.py --sizes 1,10,50  # chosen sizes
    python bench/scenarios.py --route pyomo    # the old path (pyomo.contrib.solver hand-over)
    python bench/scenarios.py --sizes 1,10,50 --investment both   # with and without build decisions

Scenario k > 0 is a China export control drawn with a fixed seed: a ban, a quota or a licence
on heavy oxides or magnets, starting between 2027 and 2031; scenario 0 is no controls. All
diverge from the shared trunk in 2027, so 2025–2026 are first-stage years. This machine is
shared: compare ratios measured side by side in one run, not figures from different runs.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scenarios(n: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    out = {"no_controls": {"probability": 1.0 / n, "diverges": 2027}}
    for k in range(1, n):
        kind = rng.choice(["ban", "quota", "licence"])
        start = rng.randint(2027, 2031)
        ctl = {"exporter": "CN", "commodities": rng.choice([["dy_oxide", "tb_oxide"], ["ndfeb_magnet"], ["dy_oxide", "tb_oxide", "ndfeb_magnet"]]),
               "destinations": rng.choice(["all", ["US"], ["US", "JP", "EU"]]),
               "years": {"start": start, "end": 2035}, "kind": kind}
        if kind == "quota":
            ctl["quota_t"] = rng.choice([100, 1000, 10000])
        if kind == "licence":
            ctl["cost_usd_per_kg"] = rng.choice([3, 10, 30])
        out[f"s{k:03d}"] = {"probability": 1.0 / n, "diverges": 2027, "export_controls": {"c": ctl}}
    total = sum(s["probability"] for s in out.values())
    out["no_controls"]["probability"] += 1.0 - total
    return out


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def one(n: int, mps: str, route: str, investment: bool = True, time_limit_s: float = 3600.0) -> dict:
    """reebloc's own time for N scenarios (build → tables), then the LP written to ``mps``."""
    t_start = time.perf_counter()
    from reebloc.equilibrium import create_model
    from reebloc.inputs.config import apply_overrides, load_config
    from reebloc.inputs.dataset import load_dataset
    from reebloc.outputs.tabulate import tabulate
    from reebloc.solve.solver import make_solver
    from reebloc.solve.wedges import solve_equilibrium
    base = load_config(ROOT / "runs" / "baseline.yaml")
    resolved = apply_overrides(base, {"scenarios": scenarios(n), "investment": {"enabled": investment},
                                      "solver": {"time_limit_s": time_limit_s}})
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    t0 = time.perf_counter()
    inst = create_model(resolved.config, data)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    solver = make_solver(inst, resolved.config.solver, route=route)
    handover = time.perf_counter() - t0
    t0 = time.perf_counter()
    solve_equilibrium(inst, solver)
    solver.load()
    solve = time.perf_counter() - t0
    t0 = time.perf_counter()
    tables = tabulate(inst, solver.duals)
    tab = time.perf_counter() - t0
    total = time.perf_counter() - t_start
    peak = _peak_gb()
    highs = solver.fh.highs if hasattr(solver, "fh") else solver.opt._solver_model
    highs.writeModel(mps)
    return {"scenarios": n, "columns": highs.getNumCol(), "rows": highs.getNumRow(),
            "build_s": build, "handover_s": handover, "solve_s": solve, "tables_s": tab,
            "highs_s": solver.info.seconds,
            "total_s": total, "peak_gb": peak, "objective": solver.info.objective_kusd,
            "flows_rows": len(tables["flows"])}


def raw(mps: str, method: str = "auto", threads: int = 1) -> dict:
    """highspy alone on the MPS file: the solve time (reading the file is not counted)."""
    import highspy
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    if method != "auto":
        h.setOptionValue("solver", method)
    h.readModel(mps)
    t0 = time.perf_counter()
    h.run()
    secs = time.perf_counter() - t0
    info = h.getInfo()
    return {"raw_s": secs, "raw_peak_gb": _peak_gb(), "objective": info.objective_function_value,
            "status": h.modelStatusToString(h.getModelStatus()),
            "simplex_iterations": info.simplex_iteration_count, "ipm_iterations": info.ipm_iteration_count}


def _sub(args: list[str]) -> dict:
    p = subprocess.run([sys.executable, __file__] + args, capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"
        raise RuntimeError(last)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,50,200", help="comma-separated scenario counts")
    ap.add_argument("--route", default="matrix", choices=["matrix", "pyomo"])
    ap.add_argument("--methods", default="", help="also time highspy alone with these HiGHS "
                    "methods on the same LP, e.g. simplex,ipm,pdlp")
    ap.add_argument("--investment", default="on", choices=["on", "off", "both"],
                    help="build decisions on projects.csv (on, the default), without them (off), or both "
                    "side by side for each size")
    ap.add_argument("--time-limit", type=float, default=3600.0,
                    help="wall-clock limit of reebloc's solve, s (default 3600; runs use solver.time_limit_s, 600)")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--raw", help=argparse.SUPPRESS)
    ap.add_argument("--method", default="auto", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.one:
        print(json.dumps(one(int(a.one[0]), a.one[1], a.route, a.investment != "off", a.time_limit)))
        return
    if a.raw:
        print(json.dumps(raw(a.raw, a.method)))
        return
    legs = ["on", "off"] if a.investment == "both" else [a.investment]
    for n in [int(s) for s in a.sizes.split(",") if s.strip()]:
        for inv in legs:
            bench_one(n, a, inv)


def bench_one(n: int, a, inv: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mps = str(Path(tmp) / f"ef{n}.mps")
        try:
            r = _sub(["--one", str(n), mps, "--route", a.route, "--investment", inv, "--time-limit", str(a.time_limit)])
            w = _sub(["--raw", mps])
            extra = {m: _sub(["--raw", mps, "--method", m]) for m in a.methods.split(",") if m.strip()}
        except RuntimeError as exc:
            print(f"N={n} failed: {exc}", flush=True)
            return
    ratio = r["total_s"] / w["raw_s"]
    agree = abs(r["objective"] - w["objective"]) <= 1e-6 * max(1.0, abs(w["objective"]))
    print(f"N={n} investment {inv}: total/raw = {ratio:.2f}  total {r['total_s']:.1f} s  raw {w['raw_s']:.1f} s  "
          f"peak {r['peak_gb']:.2f} GB (raw {w['raw_peak_gb']:.2f} GB)  "
          f"[build {r['build_s']:.1f}, hand-over {r['handover_s']:.1f}, solve {r['solve_s']:.1f}, "
          f"tables {r['tables_s']:.1f} s; HiGHS in reebloc {r['highs_s']:.1f} s; {r['columns']:,} columns × {r['rows']:,} rows; "
          f"objectives {'agree' if agree else 'DIFFER'}; route {a.route}; HiGHS default ran "
          f"{w['simplex_iterations']} simplex / {w['ipm_iterations']} ipm iterations]", flush=True)
    for m, x in extra.items():
        rel = abs(x["objective"] - w["objective"]) / max(1.0, abs(w["objective"]))
        print(f"    raw[{m}] = {x['raw_s']:.1f} s  ({x['raw_s'] / w['raw_s']:.2f}× the default; "
              f"{x['status']}; objective off by {rel:.1e} relative)", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])
