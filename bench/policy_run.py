"""A policy run with price-dependent wedges (tariffs): the matrix route against the old path.

The library's runs carry the US tariffs in force, so each one iterates its wedges to a fixed
point (several re-solves after param changes) and then solves once more for the value of the
stochastic solution. This bench runs the same config both ways, one after the other in one
process, and prints the ratio:

- ``pyomo``: the ``pyomo.contrib.solver`` hand-over, every param-dependent value indexed at
  construction (how wedge runs were solved before);
- ``matrix``: Pyomo's standard-form compiler and one ``passModel``; the first wedge change
  indexes the objective only (the wedge params enter nothing else; tests/test_fastpath.py).

Each leg times build (create_model), hand-over (make_solver), the wedge loop (solve_equilibrium)
and HiGHS's own time, and checks that the objectives agree. Run from the repository root:

    python bench/policy_run.py                                  # runs/scenarios/brief_regimes.yaml
    python bench/policy_run.py runs/library/all-in.yaml
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def leg(resolved, data, route: str) -> dict:
    from reebloc.equilibrium import create_model
    from reebloc.solve.solver import make_solver
    from reebloc.solve.wedges import solve_equilibrium
    t0 = time.perf_counter()
    inst = create_model(resolved.config, data)
    t1 = time.perf_counter()
    solver = make_solver(inst, resolved.config.solver, route=route)
    t2 = time.perf_counter()
    report = solve_equilibrium(inst, solver)
    t3 = time.perf_counter()
    return {"route": solver.fh.route, "build": t1 - t0, "handover": t2 - t1, "wedge_loop": t3 - t2,
            "highs": solver.info.seconds, "solves": solver.info.solves, "iterations": report["iterations"],
            "total": t3 - t0, "objective": solver.info.objective_kusd,
            "rows": solver.fh.n_rows, "columns": solver.fh.n_cols}


def main(argv: list[str]) -> int:
    from reebloc.inputs.config import load_config
    from reebloc.inputs.dataset import load_dataset
    cfg = Path(argv[0]) if argv else ROOT / "runs" / "scenarios" / "brief_regimes.yaml"
    resolved = load_config(cfg)
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    legs = {r: leg(resolved, data, r) for r in ("pyomo", "matrix")}
    for r, x in legs.items():
        print(f"{r:6s} {x['columns']:,} columns x {x['rows']:,} rows: build {x['build']:.1f} s, "
              f"hand-over {x['handover']:.1f} s, wedge loop {x['wedge_loop']:.1f} s "
              f"({x['iterations']} iterations, {x['solves']} solves, HiGHS {x['highs']:.1f} s), "
              f"total {x['total']:.1f} s")
    a, b = legs["pyomo"], legs["matrix"]
    rel = abs(a["objective"] - b["objective"]) / max(1.0, abs(a["objective"]))
    print(f"{cfg.name}: pyomo/matrix = {a['total'] / b['total']:.2f} (hand-over + wedge loop: "
          f"{(a['handover'] + a['wedge_loop']) / (b['handover'] + b['wedge_loop']):.2f}); "
          f"objectives agree to {rel:.1e}")
    return 0 if rel < 1e-8 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
