"""Speed of the leader search (issue 17): runs/baseline.yaml (one scenario, 2025–2035) with the
strategic-China overlay runs/overlays/strategic-china.yaml (export taxes per year on three commodities:
33 coordinates). Prints wall time, evaluations, HiGHS re-solves, the time inside HiGHS and in
reading the payoff, and the payoff after each sweep. Run from the repository root:

    python bench/strategy.py                       # the overlay's own search options
    python bench/strategy.py --sweeps 1 --grid 5   # cheaper searches
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=str(ROOT / "runs" / "baseline.yaml"))
    ap.add_argument("--overlay", default=str(ROOT / "runs" / "overlays" / "strategic-china.yaml"))
    ap.add_argument("--sweeps", type=int, default=None)
    ap.add_argument("--grid", type=int, default=None)
    ap.add_argument("--no-refine", action="store_true")
    a = ap.parse_args()

    from reebloc.equilibrium import create_model
    from reebloc.inputs.config import apply_overlay, apply_overrides, load_config
    from reebloc.inputs.dataset import load_dataset
    from reebloc.solve.solver import make_solver
    from reebloc.strategy import Leader

    t0 = time.perf_counter()
    r = apply_overlay(load_config(a.config), a.overlay)
    over = {}
    if a.sweeps:
        over["strategy.search.max_sweeps"] = a.sweeps
    if a.grid:
        over["strategy.search.grid_points"] = a.grid
    if a.no_refine:
        over["strategy.search.refine"] = False
    if over:
        r = apply_overrides(r, over)
    data = load_dataset(r.data_dir, r.config.year_list)
    inst = create_model(r.config, data, where=r.path)
    solver = make_solver(inst, r.config.solver, fast=True)
    t_build = time.perf_counter() - t0
    leader = Leader(inst, solver)
    res = leader.search()
    wall = time.perf_counter() - t0
    print(f"config {Path(a.config).name} + {Path(a.overlay).name}: {len(res.coordinates)} coordinates, "
          f"{inst.m.nvariables()} variables, {inst.m.nconstraints()} constraints")
    print(f"build (load, model, FastHighs) {t_build:.2f} s; search {res.seconds:.2f} s; wall {wall:.2f} s")
    print(f"evaluations {res.evaluations}, HiGHS solves {res.solves}, sweeps {res.sweeps}, converged {res.converged}")
    print(f"inside HiGHS {res.highs_seconds:.2f} s ({res.highs_seconds / res.solves * 1000:.1f} ms a solve), "
          f"payoff reading {res.payoff_seconds:.2f} s, rest (param pushes, wedges, search) "
          f"{res.seconds - res.highs_seconds - res.payoff_seconds:.2f} s")
    last = {}
    for h in res.history:
        last[h["sweep"]] = h
    for s, h in sorted(last.items()):
        print(f"after sweep {s}: payoff {h['payoff_usd'] / 1e9:.4f} bn USD, evaluations {h['evaluations']}")
    print(f"reference (no instrument) {res.reference.payoff_usd / 1e9:.4f} bn USD; best {res.parts.payoff_usd / 1e9:.4f}")


if __name__ == "__main__":
    main()
