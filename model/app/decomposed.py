"""``reebloc run CFG --decompose METHOD --np N``: the scenario decomposition of
``reebloc.solve.decompose`` under mpiexec (through this module's ``__main__``, which adds the table writer), stopped at the config's time limit, written as a run
folder (docs/performance.md § Scenario decomposition)."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reebloc.app.run import check_replaceable, dump_json, git_commit, git_dirty, package_versions, write_folder, write_tables
from reebloc.errors import ReeblocError
from reebloc.inputs.config import load_config
from reebloc.solve.decompose import available, divergence_year


def decompose_command(config_path, method: str, np_: int, report, verbose: bool = False,
                      tables=None) -> list[str]:
    """``mpiexec -n NP python -u -m reebloc.app.decomposed CONFIG METHOD REPORT [--verbose] [--tables DIR]``
    (``reebloc.solve.decompose.main`` with this module's table writer)."""
    mpiexec = shutil.which("mpiexec") or str(Path(sys.executable).parent / "mpiexec")
    return ([mpiexec, "-n", str(np_), sys.executable, "-u", "-m", "reebloc.app.decomposed",
             str(config_path), method, str(report)] + (["--verbose"] if verbose else [])
            + (["--tables", str(tables)] if tables is not None else []))


def table_writer(tables_dir: str):
    """The per-scenario callback of ``reebloc.solve.decompose``: the run's own tables of one
    scenario's model (scenario column = its name) as ``tables_dir/<table>/<position>.parquet``;
    ``security`` is left to ``gather_tables`` (its price rises need the reference scenario)."""
    from reebloc.outputs.tabulate import tabulate

    def write(inst, solver, position: int) -> None:
        for table, df in tabulate(inst, solver.duals).items():
            if table == "security":
                continue
            folder = Path(tables_dir) / table
            folder.mkdir(parents=True, exist_ok=True)
            df.to_parquet(folder / f"{position:06d}.parquet", index=False)
    return write


def gather_tables(folder: Path, resolved) -> dict:
    """The per-scenario tables the ranks wrote (``<table>/<position>.parquet``), concatenated in
    scenario order, and ``security`` computed from them (its price rises need the reference
    scenario): the tables of a run of the extensive form, one scenario after another."""
    import pandas as pd

    from reebloc.inputs.dataset import load_dataset
    from reebloc.outputs.metrics.security import security_table
    from reebloc.solve.stochastic import reference_scenario
    out = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        parts = [pd.read_parquet(f) for f in sorted(sub.glob("*.parquet"))]
        out[sub.name] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    cfg = resolved.config
    commodities = load_dataset(resolved.data_dir, cfg.year_list)["commodities"]
    out["security"] = security_table(out, commodities, china_node=cfg.china_node,
                                     baseline_scenario=reference_scenario(cfg))
    return out


def run_decomposed(config_path: str, method: str, np_: int = 1, out: str | None = None, force: bool = False,
                   tables: bool = True):
    """``reebloc run CFG --decompose METHOD --np N``: mpiexec -n N over this module, stopped at the
    config's ``solver.time_limit_s``; writes the run folder ``OUT/<name>.<method>/`` atomically:
    ``summary.json`` (expected welfare of the plan, the method's bound and gap, iterations,
    converged), ``first_stage.csv`` (variable, value), ``manifest.json`` (resolved config,
    versions, timings) and, unless ``tables`` is False, the run's result tables (``prices.csv``,
    ``flows.csv``, ...: each scenario re-solved under the plan, ``gather_tables``). Returns the folder."""
    t_start = time.perf_counter()
    if method not in ("ph", "lshaped", "benders"):
        raise ReeblocError(None, "--decompose", f"expected ph, lshaped or benders, got {method!r}")
    if np_ < 1:
        raise ReeblocError(None, "--np", f"expected a whole number ≥ 1, got {np_}")
    if not available():
        raise ReeblocError(None, "--decompose", "needs the optional extra: pip install -e '.[mpi]' "
                           "(mpi-sppy, mpi4py and an MPI library)")
    resolved = load_config(config_path)
    cfg = resolved.config
    divergence_year(cfg, resolved.path)
    root = Path(out) if out else Path("runs") / "out"
    final = root / f"{cfg.name}.{method}"
    check_replaceable(final, force)
    limit = float(cfg.solver.time_limit_s)
    with tempfile.TemporaryDirectory() as tmp:
        rep_path = Path(tmp) / "report.json"
        cmd = decompose_command(config_path, method, np_, rep_path, tables=Path(tmp) / "tables" if tables else None)
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                             env={**os.environ, "PYTHONWARNINGS": "ignore"})
        try:
            stdout, stderr = p.communicate(timeout=limit)
        except BaseException as exc:                  # the time limit, or Ctrl-C (the ranks are in their own session)
            os.killpg(p.pid, signal.SIGKILL)         # mpiexec and every rank
            p.communicate()
            if not isinstance(exc, subprocess.TimeoutExpired):
                raise
            raise ReeblocError(resolved.path, "solver.time_limit_s", f"the {method} decomposition did not finish "
                               f"within {limit:g} s; raise the limit (docs/performance.md § Scenario decomposition "
                               "gives times by scenario count)") from None
        if p.returncode != 0 or not rep_path.exists():
            lines = [ln for ln in (stderr or stdout).strip().splitlines() if ln.strip()]
            ours = [ln.split(": ", 1)[1] for ln in lines if re.match(r"rank \d+: ", ln)]   # decompose.main's line
            raise ReeblocError(None, "--decompose", ours[0] if ours else lines[-1] if lines
                               else f"mpiexec exited {p.returncode}")
        rep = json.loads(rep_path.read_text())
        t0 = time.perf_counter()
        tables = gather_tables(Path(tmp) / "tables", resolved) if (Path(tmp) / "tables").is_dir() else {}
        gather_s = time.perf_counter() - t0
    plan = rep.pop("first_stage")
    rep["config"] = str(config_path)
    manifest = {"run": final.name, "config": cfg.model_dump(mode="json"),
                "config_files": [str(f) for f in resolved.files], "overrides": resolved.overrides,
                "versions": package_versions(), "git_commit": git_commit(), "git_dirty": git_dirty(),
                "decomposition": {"method": method, "ranks": np_, "converged": rep["converged"]},
                "timings_s": {"decomposition_s": round(rep["seconds"], 4), "gather_tables_s": round(gather_s, 4),
                              "total_s": round(time.perf_counter() - t_start, 4)}}

    def fill(folder: Path) -> None:
        write_tables(tables, folder)
        with open(folder / "first_stage.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["variable", "value"])
            w.writerows(sorted(plan.items()))
        dump_json(folder / "summary.json", rep)
        dump_json(folder / "manifest.json", manifest, sort_keys=False)
    write_folder(final, force, fill)
    return final


if __name__ == "__main__":          # under mpiexec (decompose_command)
    from reebloc.solve.decompose import main
    main(sys.argv[1:], each_factory=table_writer)
