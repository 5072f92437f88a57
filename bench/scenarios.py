"""Scale of the stochastic LP: the default data set with 1, 10, 50 and 200 scenarios.

Prints build and solve seconds and peak memory for each size, each in a fresh process so the
memory figure is that size's own. Run from the repository root:

    python bench/scenarios.py            # 1, 10, 50, 200
    python bench/scenarios.py 1 10       # chosen sizes

Scenario k > 0 is a China export control drawn with a fixed seed: a ban, a quota or a licence
on heavy oxides or magnets, starting between 2027 and 2031; scenario 0 is no controls. All
diverge from the shared trunk in 2027, so 2025–2026 are first-stage years.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scenarios(n: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    out = {"no_controls": {"probability": 1.0 / n, "diverges": 2027}}
    for k in range(1, n):
        kind = rng.choice(["ban", "quota", "licence"])
        start = rng.randint(2027, 2031)
        ctl = {"exporter": "CN", "commodities": rng.choice([["dytb_oxide"], ["ndfeb_magnet"], ["dytb_oxide", "ndfeb_magnet"]]),
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


def one(n: int) -> dict:
    from reebloc.equilibrium import create_model
    from reebloc.inputs.config import apply_overrides, load_config
    from reebloc.inputs.dataset import load_dataset
    from reebloc.solve.solver import Solver
    from reebloc.solve.wedges import solve_equilibrium
    base = load_config(ROOT / "runs" / "baseline.yaml")
    resolved = apply_overrides(base, {"scenarios": scenarios(n)})
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    t0 = time.perf_counter()
    inst = create_model(resolved.config, data)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    solver = Solver(inst.m, resolved.config.solver)
    solve_equilibrium(inst, solver)
    solve = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"scenarios": n, "variables": inst.m.nvariables(), "constraints": inst.m.nconstraints(),
            "build_s": round(build, 2), "solve_s": round(solve, 2), "peak_mb": round(peak_mb)}


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--one":
        print(json.dumps(one(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [1, 10, 50, 200]
    print(f"{'scenarios':>9} {'variables':>10} {'constraints':>11} {'build s':>8} {'solve s':>8} {'peak MB':>8}")
    for n in sizes:
        p = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, cwd=ROOT)
        if p.returncode != 0:
            print(f"{n:>9} failed: {p.stderr.strip().splitlines()[-1] if p.stderr else p.returncode}")
            continue
        r = json.loads(p.stdout.strip().splitlines()[-1])
        print(f"{r['scenarios']:>9} {r['variables']:>10} {r['constraints']:>11} {r['build_s']:>8} "
              f"{r['solve_s']:>8} {r['peak_mb']:>8}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])
