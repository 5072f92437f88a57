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
    python bench/scenarios.py --sizes 50,200 --decompose benders --np 2   # decomposition against the extensive form

With ``--decompose benders|lshaped|ph`` (``--np``, default 2) each size instead writes the bench config
without the baseline's ad valorem tariffs (decomposition refuses price-dependent wedges), runs
``python -m reebloc.solve.decompose`` under ``mpiexec -n NP`` (what ``reebloc run CFG
--decompose METHOD --np NP`` runs), watched for wall time and the memory its processes hold
together and stopped at ``--decompose-limit`` seconds or ``--memory-limit`` GB, then the
extensive form on the same config, and prints one line: decomposed/EF (or where it stopped, with
L-shaped's master bound against the extensive form's optimum) and both peaks.

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


def bench_raw(n: int, investment: bool = True, time_limit_s: float = 3600.0, tariffs: bool = True) -> dict:
    """The bench's run config: runs/baseline.yaml with N scenarios (``tariffs=False``: without its
    ad valorem tariffs, which decomposition refuses — they need the wedge fixed point)."""
    import yaml
    raw = yaml.safe_load((ROOT / "runs" / "baseline.yaml").read_text(encoding="utf-8"))
    raw["name"] = f"bench-{n}"
    raw["inputs"] = str(ROOT / "inputs" / "default")
    raw["scenarios"] = scenarios(n)
    raw["investment"] = {"enabled": investment}
    raw["solver"] = {**raw.get("solver", {}), "time_limit_s": time_limit_s}
    if not tariffs:
        raw["policies"] = {k: v for k, v in raw["policies"].items() if v["kind"] != "tariff"}
    return raw


def one(cfg_path: str, mps: str, route: str) -> dict:
    """reebloc's own time for the bench config at ``cfg_path`` (build → tables), then the LP
    written to ``mps``."""
    t_start = time.perf_counter()
    from reebloc.equilibrium import create_model
    from reebloc.inputs.config import load_config
    from reebloc.inputs.dataset import load_dataset
    from reebloc.outputs.tabulate import tabulate
    from reebloc.solve.solver import make_solver
    from reebloc.solve.wedges import solve_equilibrium
    resolved = load_config(cfg_path)
    n = len(resolved.config.scenarios)
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
    ap.add_argument("--decompose", choices=["benders", "lshaped", "ph"], default=None,
                    help="instead: the extensive form against `reebloc run --decompose METHOD --np NP` on the "
                    "same config without ad valorem tariffs (decomposition refuses price-dependent wedges)")
    ap.add_argument("--np", type=int, default=2, help="MPI processes for --decompose (default 2)")
    ap.add_argument("--decompose-limit", type=float, default=1800.0,
                    help="stop the decomposition after this many seconds and report its progress (default 1800)")
    ap.add_argument("--memory-limit", type=float, default=18.0,
                    help="stop the decomposition when its processes hold this many GB together (default 18)")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--raw", help=argparse.SUPPRESS)
    ap.add_argument("--method", default="auto", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.one:
        print(json.dumps(one(a.one[0], a.one[1], a.route)))
        return
    if a.raw:
        print(json.dumps(raw(a.raw, a.method)))
        return
    legs = ["on", "off"] if a.investment == "both" else [a.investment]
    for n in [int(s) for s in a.sizes.split(",") if s.strip()]:
        for inv in legs:
            if a.decompose:
                bench_decomposed(n, a, inv)
            else:
                bench_one(n, a, inv)


def _write_config(tmp: str, n: int, a, inv: str, tariffs: bool = True) -> str:
    import yaml
    path = Path(tmp) / f"bench-{n}.yaml"
    path.write_text(yaml.safe_dump(bench_raw(n, inv != "off", a.time_limit, tariffs), sort_keys=False), encoding="utf-8")
    return str(path)


def bench_one(n: int, a, inv: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mps = str(Path(tmp) / f"ef{n}.mps")
        try:
            r = _sub(["--one", _write_config(tmp, n, a, inv), mps, "--route", a.route])
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


def decomposed(cfg_path: str, method: str, np_: int, limit_s: float, memory_gb: float) -> dict:
    """``python -m reebloc.solve.decompose`` under ``mpiexec -n np_`` (what ``reebloc run CFG
    --decompose METHOD --np NP`` runs), watched: wall time, the peak of the memory its processes
    hold together, L-shaped's iterations and master bound; stopped at ``limit_s`` or ``memory_gb``."""
    import os
    import threading

    import psutil

    from reebloc.app.decomposed import decompose_command
    out = str(Path(cfg_path).with_suffix(f".{method}.json"))
    cmd = decompose_command(cfg_path, method, np_, out, verbose=True)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(p.stdout), daemon=True)
    reader.start()
    peak, stopped = 0.0, None
    while p.poll() is None:
        try:
            procs = [psutil.Process(p.pid)] + psutil.Process(p.pid).children(recursive=True)
            held = sum(q.memory_info().rss for q in procs if q.is_running()) / 1024 ** 3
        except psutil.Error:
            held = 0.0
        peak = max(peak, held)
        wall = time.perf_counter() - t0
        if stopped is None and (wall > limit_s or held > memory_gb):
            stopped = f"time limit {limit_s:.0f} s" if wall > limit_s else f"memory limit {memory_gb:.0f} GB"
            for q in psutil.Process(p.pid).children(recursive=True):
                q.kill()
            p.kill()
        time.sleep(0.5)
    wall = time.perf_counter() - t0
    reader.join(timeout=5)
    iters = [ln for ln in lines if ln.startswith(("Current Iteration:", "iteration "))]
    scale = [float(ln.split(":", 1)[1]) for ln in lines if ln.startswith("objective scale:")]
    bound = None        # the master's bound on expected welfare
    if iters and iters[-1].startswith("iteration "):          # benders: "iteration k: bound B  best ..."
        bound = float(iters[-1].split("bound ", 1)[1].split()[0])
    elif iters and "Current Objective:" in iters[-1] and "-Inf" not in iters[-1]:   # mpi-sppy: scaled −welfare
        bound = -float(iters[-1].rsplit("Current Objective:", 1)[1]) / (scale[0] if scale else 1.0)
    rep = json.loads(Path(out).read_text()) if Path(out).exists() and stopped is None else None
    if rep is None and stopped is None:
        last = [ln.strip() for ln in lines if ln.strip()]
        stopped = f"failed: {last[-1] if last else p.returncode}"
    return {"wall_s": wall, "peak_gb": peak, "stopped": stopped, "iterations": len(iters),
            "master_bound": bound, "report": rep}


def bench_decomposed(n: int, a, inv: str) -> None:
    """One line: the decomposition against the extensive form (build → tables) on the same LP. The
    extensive form is skipped when the decomposition stopped before its first iteration."""
    head = f"N={n} {a.decompose} --np {a.np}: "
    with tempfile.TemporaryDirectory() as tmp:
        cfg = _write_config(tmp, n, a, inv, tariffs=False)
        d = decomposed(cfg, a.decompose, a.np, a.decompose_limit, a.memory_limit)
        if d["report"] is None and d["iterations"] == 0:
            print(head + f"stopped ({d['stopped']}) after {d['wall_s']:.1f} s before its first iteration; "
                  f"peak {d['peak_gb']:.2f} GB over {a.np} processes; extensive form not run", flush=True)
            return
        try:
            ef = _sub(["--one", cfg, str(Path(tmp) / "ef.mps"), "--route", a.route])
        except RuntimeError as exc:
            print(f"N={n} extensive form failed: {exc}", flush=True)
            return
    ef_txt = f"extensive form {ef['total_s']:.1f} s, peak {ef['peak_gb']:.2f} GB, objective {ef['objective']:.6e} k$"
    if d["report"] is not None:
        obj = d["report"]["objective_kusd"]
        rel = abs(obj - ef["objective"]) / max(1.0, abs(ef["objective"]))
        print(head + f"decomposed/EF = {d['wall_s'] / ef['total_s']:.2f}  decomposed {d['wall_s']:.1f} s, "
              f"peak {d['peak_gb']:.2f} GB over {a.np} processes, {d['report']['iterations']} iterations, "
              f"converged {d['report']['converged']}, gap to its bound {d['report']['gap']:.1e}, "
              f"objective off by {rel:.1e} relative; {ef_txt}", flush=True)
        return
    gap = ""
    if d["master_bound"] is not None:        # an upper bound on the optimum welfare
        gap = f", master bound {(d['master_bound'] - ef['objective']) / abs(ef['objective']):.2%} above the optimum"
    print(head + f"stopped ({d['stopped']}) after {d['wall_s']:.1f} s and {d['iterations']} iterations{gap}; "
          f"peak {d['peak_gb']:.2f} GB over {a.np} processes; {ef_txt}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])
