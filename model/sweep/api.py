"""Sweep API: ``run_sweep(path) -> folder`` and ``sweep_report(folder, out) -> file``."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from pathlib import Path

import pandas as pd

from reebloc.sweep.design import make_design, salib_problem
from reebloc.errors import ReeblocError
from reebloc.sweep.evaluators import EvaluatorFactory, preflight
from reebloc.sweep.runner import execute
from reebloc.sweep.spec import load_sweep
from reebloc.sweep.store import ChunkStore, atomic_write_text

DEFAULT_OUT = Path("runs/out/sweeps")


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": platform.python_version()}
    for pkg in ("reebloc", "pyomo", "highspy", "SALib", "pandas", "dask"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def input_hashes(rs) -> dict[str, str]:
    """SHA-256 of every input a variant reads: the base run config and the configs it inherits
    from, and every CSV table of its data set. A resume compares them (``ChunkStore.prepare``)."""
    if rs.base_path is None:
        return {}
    from reebloc.inputs.config import load_config
    from reebloc.inputs.dataset import sha256
    from reebloc.inputs.files import MAX_TABLE_BYTES, check_regular
    resolved = load_config(rs.base_path)
    out = {str(p): sha256(p) for p in resolved.files}
    folder = resolved.data_dir
    if folder.is_dir():
        for p in sorted(folder.glob("*.csv")):
            check_regular(p, "a CSV file", MAX_TABLE_BYTES)
            out[str(p)] = sha256(p)
    return out


def chunk_size_for(n: int, workers: int) -> int:
    """Small enough for a smooth progress bar and cheap kills, big enough to amortise dispatch."""
    return max(1, min(50, math.ceil(n / (max(workers, 1) * 8))))


def run_sweep(path: str | Path, scheduler=None, workers: int | None = None, resume: bool = True,
              out: str | Path | None = None, progress: bool = True) -> Path:
    """Run (or continue) the sweep defined in ``path``; returns ``<out>/<name>/``.

    ``scheduler``: a Dask scheduler address (or a ``dask.distributed.Client``); default: local
    processes, one per core (``workers``; 1 = in this process). ``resume``: keep finished chunks
    of an earlier, interrupted run of the same sweep (a changed sweep is refused); otherwise
    start afresh.
    """
    t0 = time.perf_counter()
    if workers is not None and workers < 1:
        raise ReeblocError(None, "workers", f"expected a whole number ≥ 1, got {workers}")
    rs = load_sweep(path)
    cfg = rs.config
    preflight(rs)              # every parameter against the base config and data: before writing anything
    design = make_design(cfg)
    n = len(design)
    workers = workers or os.cpu_count() or 1
    folder = (Path(out) if out is not None else DEFAULT_OUT) / cfg.name
    store = ChunkStore(folder)
    meta = {"name": cfg.name, "digest": rs.digest(), "n_variants": n,
            "chunk_size": cfg.chunk_size or chunk_size_for(n, workers), "sweep_file": str(rs.path),
            "inputs": input_hashes(rs)}
    new_dirs = [d for d in (folder, *folder.parents) if not d.exists()]
    store.prepare(meta, design, resume)
    cs = meta["chunk_size"]
    done = store.done()
    todo = [(cid, design.iloc[start:start + cs].reset_index(drop=True))
            for cid, start in enumerate(range(0, n, cs)) if cid not in done]
    factory = EvaluatorFactory(str(rs.path), meta["digest"], cfg.threads)
    t_run = time.perf_counter()
    try:
        stats = execute(factory, todo, store, total=n, scheduler=scheduler, workers=workers,
                        progress=progress, desc=cfg.name)
    except (ReeblocError, OSError) as e:
        # a mistake found on the first solved variant (an output), or a scheduler that cannot be
        # reached: leave no half-made folder, so the fixed sweep runs without --fresh. Chunks
        # resumed from an earlier run (or, after an OSError, written by this one) are kept.
        if not done and (isinstance(e, ReeblocError) or not store.done()):
            store.discard(new_dirs)
        raise
    run_s = time.perf_counter() - t_run
    manifest = {
        "sweep": cfg.name,
        "sweep_file": str(rs.path),
        "base": str(rs.base_path) if rs.base_path else None,
        "config": cfg.model_dump(mode="json"),
        "digest": meta["digest"],
        "design": {"kind": cfg.design.kind, "n": cfg.design.n, "levels": cfg.design.levels,
                   "seed": cfg.design.seed, "second_order": cfg.design.second_order},
        "problem": salib_problem(cfg),
        "parameters": [p.name for p in cfg.parameters],
        "outputs": [o.name for o in cfg.outputs],
        "n_variants": n,
        "chunk_size": cs,
        "chunks_resumed": len(done),
        "evaluated_this_run": stats["variants"],
        "executor": ({"kind": "dask", "scheduler": str(getattr(scheduler, "scheduler", scheduler))}
                     if scheduler is not None else {"kind": "processes" if workers > 1 else "in-process",
                                                    "workers": workers}),
        "timings_s": {"this_run_total": round(time.perf_counter() - t0, 3), "this_run_evaluate": round(run_s, 3),
                      "per_variant_wall": round(run_s / stats["variants"], 5) if stats["variants"] else None},
        "versions": _versions(),
    }
    df = store.consolidate(n, manifest, ensure_columns=[o.name for o in cfg.outputs])
    failed = int((df["status"] != "optimal").sum())
    manifest["failed"] = failed
    atomic_write_text(folder / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    return folder


def load_results(sweep_dir: str | Path) -> tuple[pd.DataFrame, dict]:
    """(results table, manifest) of a finished sweep."""
    d = Path(sweep_dir)
    return pd.read_parquet(d / "results.parquet"), json.loads((d / "manifest.json").read_text())


def sweep_report(sweep_dir: str | Path, out: str | Path, force: bool = False) -> Path:
    """Sensitivity indices, metamodel and charts of a finished sweep as .html, .md or .xlsx; an
    existing report is replaced only with ``force``."""
    from reebloc.errors import check_report_out
    from reebloc.sweep.analysis import write_report
    check_report_out(out, force)
    return write_report(Path(sweep_dir), Path(out))
