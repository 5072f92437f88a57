"""A run: resolve → load → build → solve → tables → one self-describing folder, written atomically.

``run()`` writes ``<out_root>/<name>/`` via a temporary folder renamed at the end, so a failed or
killed run leaves nothing half-written, and never overwrites an earlier run without ``force``.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pyomo.environ import value as pyo_value

import reebloc
from reebloc.equilibrium import ModelInstance, create_model
from reebloc.inputs.config import ResolvedConfig, apply_overlay, load_config
from reebloc.inputs.dataset import DataSet, load_dataset
from reebloc.errors import ReeblocError, SolverError
from reebloc.inputs.checks import check_against_data
from reebloc.outputs.health import check as check_health
from reebloc.solve.solver import make_solver
from reebloc.solve.stochastic import value_of_perfect_information, value_of_stochastic_solution
from reebloc.outputs.summary import summarize
from reebloc.outputs.tabulate import tabulate
from reebloc.solve.wedges import solve_equilibrium

log = logging.getLogger("reebloc.run")
DEFAULT_OUT = Path("runs/out")
FLOAT_FORMAT = "%.6f"


@dataclass
class RunResult:
    """Everything a run produced, in memory."""

    resolved: ResolvedConfig
    data: DataSet
    tables: dict[str, pd.DataFrame]
    summary: dict
    manifest: dict
    instance: ModelInstance | None = None
    timings: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.summary if name == "summary" else self.tables[name]


def package_versions() -> dict:
    import highspy
    import pyomo
    try:
        from importlib.metadata import version
        highs = version("highspy")
    except Exception:  # pragma: no cover - metadata missing
        highs = getattr(highspy, "__version__", "unknown")
    return {"reebloc": reebloc.__version__, "python": platform.python_version(), "pyomo": pyomo.version.version,
            "highspy": highs, "pandas": pd.__version__}


def git_commit() -> str | None:
    here = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def git_dirty() -> bool | None:
    """Whether the package's tracked source (model/, reports/) differs from ``git_commit()``: a run
    made on uncommitted code cannot be reproduced from its commit alone. None outside a checkout."""
    here = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(here.parent), "status", "--porcelain", "--untracked-files=no",
                              "--", str(here), str(here.parent / "reports")], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.stdout.strip()) if out.returncode == 0 else None


def solve_resolved(resolved: ResolvedConfig, data: DataSet | None = None, keep_instance: bool = False) -> RunResult:
    """Load (unless given), build, solve and tabulate; nothing is written."""
    cfg = resolved.config
    timings = {}
    t0 = time.perf_counter()
    if data is None:
        data = load_dataset(resolved.data_dir, cfg.year_list)
    check_against_data(resolved, data)        # every reference and payer, before building
    timings["load_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inst = create_model(cfg, data, where=resolved.path)
    timings["build_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    strategy = None
    if cfg.strategy is not None:          # China as a leader: search its best response (reebloc.strategy)
        from reebloc.strategy import play
        solver = make_solver(inst, cfg.solver, fast=True)
        strategy = play(inst, solver)
        wedge_report = strategy.wedge_report
        timings["strategy_s"] = strategy.seconds
    else:
        solver = make_solver(inst, cfg.solver)
        try:
            wedge_report = solve_equilibrium(inst, solver)
        except SolverError as e:
            raise diagnose_infeasible(resolved, data, inst, e) from None
    solver.load()
    timings["solve_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tables = tabulate(inst, solver.duals)
    if strategy is not None:
        tables["strategy"] = strategy.table
    fac_node = inst.ix.facilities["node"]
    floors = {name: (f.commodity, {fac_node[x] for x in f.facilities if x in fac_node.index})
              for name, f in inst.pi.floors.items()}
    health = check_health(tables, floors)
    summary = summarize(inst, tables, solver.info)
    if strategy is not None:
        summary["strategy"] = strategy.summary(inst)
    timings["tables_s"] = time.perf_counter() - t0
    if len(cfg.scenarios) > 1 and strategy is not None:
        summary["value_of_stochastic_solution"] = {
            "vss_usd": None, "note": "not computed with a strategic leader: the one-scenario model would not "
            "face the leader's schedule"}
    elif len(cfg.scenarios) > 1:
        t1 = time.perf_counter()
        stochastic_objective_kusd = solver.info.objective_kusd
        summary["value_of_stochastic_solution"] = value_of_stochastic_solution(inst, solver)
        timings["vss_s"] = time.perf_counter() - t1
        if cfg.evpi:
            t1 = time.perf_counter()
            summary["value_of_perfect_information"] = value_of_perfect_information(inst, stochastic_objective_kusd)
            timings["evpi_s"] = time.perf_counter() - t1
    manifest = {
        "run": cfg.name,
        "config": cfg.model_dump(mode="json"),
        "config_files": [str(p) for p in resolved.files],
        "overrides": resolved.overrides,
        "inputs": {"path": str(data.folder), "files": data.hashes},
        "versions": package_versions(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
        "solver": {"name": "highs", "status": solver.info.status, "termination": solver.info.termination,
                   "objective_kusd": solver.info.objective_kusd, "solves": solver.info.solves,
                   "seconds": round(solver.info.seconds, 4)},
        "wedges": wedge_report,
        "health": health or "ok",
        "scenarios": {s: {"probability": sc.probability, "diverges": sc.divergence_year()}
                      for s, sc in cfg.scenarios.items()},
        "model_size": {"variables": inst.m.nvariables(), "constraints": inst.m.nconstraints()},
    }
    return RunResult(resolved, data, tables, summary, manifest, inst if keep_instance else None, timings)


def diagnose_infeasible(resolved: ResolvedConfig, data: DataSet, inst: ModelInstance, err: SolverError) -> SolverError:
    """An infeasible model with stockpile cover targets: find the first (policy, year) whose
    target alone makes it infeasible, by re-solving with only that target in force, and name
    the policy, the file that set ``target_days`` and the year. Otherwise ``err`` unchanged."""
    rows = list(getattr(inst.m, "TGT", []))
    if "infeasible" not in err.status.lower() or not rows:
        return err
    from reebloc.inputs.checks import config_file_of
    cfg = resolved.config
    tree = inst.ix.tree
    for p, t in sorted(rows, key=lambda r: (tree.year[r[1]], r[0], r[1])):
        probe = create_model(cfg, data, where=resolved.path)
        for q, u in list(probe.m.TGT):
            if (q, u) != (p, t):
                probe.m.stock_target_t[q, u] = 0.0
        try:
            solve_equilibrium(probe, make_solver(probe, cfg.solver))
        except SolverError:
            sp = cfg.policies[p]
            need = float(pyo_value(inst.m.stock_target_t[p, t]))
            return SolverError(err.status, (
                f"infeasible: the cover target of stockpile policy {p!r} ({config_file_of(resolved, f'policies.{p}.target_days')}: "
                f"policies.{p}.target_days = {sp.target_days:g}) needs {need:,.1f} t of {sp.commodity} at {sp.node} in "
                f"{tree.year[t]}, more than the market can deliver by then; lower target_days, start it later "
                "(target_from) or raise initial_t"))
    return err


def check_config(resolved: ResolvedConfig) -> DataSet:
    """Everything ``reebloc validate`` checks, without solving: the data set (loaded for the
    run's years), every reference and payer of the config, and the policy index. Returns the data."""
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    check_against_data(resolved, data)                                  # references, payers, ids
    ModelInstance.structure_key(resolved.config, data, where=resolved.path)   # policy references
    return data


def check_all(configs: list[str | Path], out: str | Path | None = None, force: bool = False,
              overlay: str | Path | None = None, folders: bool = True) -> None:
    """Before the first solve of several configs: validate each (:func:`check_config`) and, with
    ``folders``, check that no two write the same run folder and that none would overwrite an
    existing one without ``force``. A typo in the ninth config is found before eight solves."""
    check_out_arg(out)
    root = Path(out) if out is not None else DEFAULT_OUT
    if folders:
        check_out_root(root)
    seen: dict[str, str] = {}
    quiet = logging.getLogger("reebloc.config")     # the override lines are logged once, by the run itself
    level = quiet.level
    quiet.setLevel(max(level, logging.WARNING))
    try:
        for cfg in configs:
            _check_one(cfg, root, force, overlay, folders, seen)
    finally:
        quiet.setLevel(level)


def _check_one(cfg, root: Path, force: bool, overlay, folders: bool, seen: dict[str, str]) -> None:
    resolved = load_config(cfg)
    if overlay is not None:
        resolved = apply_overlay(resolved, overlay)
    check_config(resolved)
    if folders:
        name = resolved.config.name
        if name in seen:
            raise ReeblocError(cfg, "name", f"run name {name!r} is also the name of {seen[name]}; "
                               "two runs would write the same folder")
        seen[name] = str(cfg)
        check_replaceable(run_folder(root, name), force)


def check_out_arg(out: str | Path | None) -> None:
    """``--out ""`` (or blanks) would write into the current folder: refused."""
    if out is not None and not str(out).strip():
        raise ReeblocError(None, "--out", f"empty ({str(out)!r}); expected a folder for run outputs "
                           f"(omit --out for the default {DEFAULT_OUT})")


def run_in_memory(config: str | Path | ResolvedConfig, data: DataSet | None = None) -> RunResult:
    resolved = config if isinstance(config, ResolvedConfig) else load_config(config)
    return solve_resolved(resolved, data)


def run(config_path: str | Path, out: str | Path | None = None, force: bool = False,
        overlay: str | Path | None = None) -> Path:
    """Run a config (with the top-level keys of ``overlay`` replacing its own, if given) and
    write ``<out>/<name>/``; returns the run folder."""
    t_all = time.perf_counter()
    t0 = time.perf_counter()
    resolved = load_config(config_path)
    if overlay is not None:
        resolved = apply_overlay(resolved, overlay)
    resolve_s = time.perf_counter() - t0
    check_out_arg(out)
    root = Path(out) if out is not None else DEFAULT_OUT
    check_out_root(root)
    final = run_folder(root, resolved.config.name)
    check_replaceable(final, force)
    result = solve_resolved(resolved)
    result.manifest["timings_s"] = {"resolve_s": round(resolve_s, 4), **result.manifest["timings_s"]}
    write_run(result, final, force, t_all)
    return final


def _run_one(cfg: str, out, force: bool) -> tuple[str, str | None, float, str | None]:
    """Worker of :func:`run_many`: (config, folder, seconds, error line)."""
    import logging as _logging
    _logging.getLogger("pyomo").setLevel(_logging.ERROR)
    t0 = time.perf_counter()
    try:
        return cfg, str(run(cfg, out=out, force=force)), time.perf_counter() - t0, None
    except ReeblocError as e:
        return cfg, None, time.perf_counter() - t0, e.line()


def run_many(configs: list[str | Path], out: str | Path | None = None, force: bool = False, workers: int = 2):
    """Run several configs in ``workers`` parallel processes; yields (config, folder, seconds, error)
    in the order given. Every config is resolved first, so a bad config, two configs with the same
    run name, or an existing folder without ``force`` stops everything before any solve. Each
    run is written atomically by :func:`run`, exactly as when run one after another."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    check_out_arg(out)
    root = Path(out) if out is not None else DEFAULT_OUT
    check_out_root(root)
    seen: dict[str, str] = {}
    for cfg in configs:
        name = load_config(cfg).config.name
        if name in seen:
            raise ReeblocError(cfg, "name", f"run name {name!r} is also the name of {seen[name]}; "
                               "two runs would write the same folder")
        seen[name] = str(cfg)
        check_replaceable(run_folder(root, name), force)
    with ProcessPoolExecutor(max_workers=min(workers, len(configs)), mp_context=mp.get_context("spawn")) as ex:
        futures = [ex.submit(_run_one, str(cfg), out, force) for cfg in configs]
        try:
            for f in futures:
                yield f.result()
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def run_folder(root: Path, name: str) -> Path:
    """``root/name``, refusing names that would escape ``root``."""
    root = root.resolve()
    final = (root / name).resolve()
    if final.parent != root:
        raise ReeblocError(None, "name", f"run name {name!r} would write outside {root}")
    return final


def check_out_root(root: Path) -> None:
    """Before any solve: the output root is a folder we can write in, or can be created.

    Refused with one line: a file, a path through a file (``--out file/sub``), a folder we
    cannot create files in (read-only, no permission). Probed by creating and removing an empty
    temporary folder, which also works for root on a read-only mount."""
    if root.exists() and not root.is_dir():
        raise ReeblocError(root, "--out", "is a file; expected a folder for run outputs")
    probe = root
    while not probe.exists():
        if probe.is_symlink():
            raise ReeblocError(probe, "--out", "is a dangling symbolic link; expected a folder")
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise ReeblocError(root, "--out", f"{probe} is a file, so no folder can be created under it")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".reebloc-probe-", dir=probe))
    except OSError as e:
        raise ReeblocError(root, "--out", f"cannot write in {probe} ({e.strerror}); nothing was solved") from None


RUN_FOLDER_FILES = ("manifest.json", "summary.json")


def is_run_folder(folder: Path) -> bool:
    """A folder reebloc wrote: ``manifest.json`` is a JSON object whose ``run`` is the folder's
    name and whose ``versions`` name reebloc, and ``summary.json`` exists. Anything else (a data
    set, a user's folder, a file) is never replaced by ``--force``."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    m = folder / "manifest.json"
    if not all((folder / f).is_file() for f in RUN_FOLDER_FILES):
        return False
    try:
        if m.stat().st_size > 50_000_000:
            return False
        manifest = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(manifest, dict) and manifest.get("run") == folder.name
            and isinstance(manifest.get("versions"), dict) and "reebloc" in manifest["versions"])


def check_replaceable(final: Path, force: bool) -> None:
    """An existing ``final`` is replaced only with ``--force`` and only if it is a run folder."""
    if not (final.exists() or final.is_symlink()):
        return
    if not force:
        raise ReeblocError(final, None, "run folder exists; use --force to replace it or --out to write elsewhere")
    if not is_run_folder(final):
        kind = "a folder" if final.is_dir() else "a file"
        raise ReeblocError(final, "--force", f"is {kind} that is not a reebloc run folder (no manifest written "
                           "by reebloc); not replaced. Choose another --out or run name")


def write_run(result: RunResult, final: Path, force: bool, t_start: float) -> None:
    try:
        _write_run(result, final, force, t_start)
    except OSError as e:     # full disk, a folder made read-only while solving, ...
        raise ReeblocError(final, None, f"cannot write the run folder ({e.strerror or e}); "
                           "nothing was replaced") from None


def _write_run(result: RunResult, final: Path, force: bool, t_start: float) -> None:
    def fill(tmp: Path) -> None:
        t0 = time.perf_counter()
        write_tables(result.tables, tmp)
        result.manifest["timings_s"]["write_s"] = round(time.perf_counter() - t0, 4)
        result.manifest["timings_s"]["total_s"] = round(time.perf_counter() - t_start, 4)
        dump_json(tmp / "summary.json", result.summary)
        dump_json(tmp / "manifest.json", result.manifest, sort_keys=False)   # keeps the config's own order
    write_folder(final, force, fill)


def write_folder(final: Path, force: bool, fill) -> None:
    """Write a run folder atomically: ``fill(tmp)`` writes every file into a temporary sibling,
    which then takes ``final``'s place (an existing ``final`` only with ``force`` and only if it
    is a run folder: ``RUN_FOLDER_FILES`` and a reebloc manifest naming it)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(final)
    tmp = _make_tmp(final)
    try:
        fill(tmp)
        if final.exists() or final.is_symlink():
            if not force:
                raise ReeblocError(final, None, "run folder appeared while running; not overwritten")
            check_replaceable(final, force)
            if _exchange(tmp, final):      # one atomic swap: final is never missing, even for a moment
                shutil.rmtree(tmp)           # tmp now holds the previous run
                return
            old = final.with_name(f".{final.name}.old-{os.getpid()}")   # restored by _remove_stale if killed here
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old)
        else:
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _make_tmp(final: Path) -> Path:
    """A new empty sibling ``.<name>.tmp-<pid>-<token>`` made by a plain ``mkdir``, so the run
    folder it becomes has the permissions of any folder the user makes (0777 less the umask;
    ``tempfile.mkdtemp`` would make it 0700, unreadable by colleagues on a shared machine)."""
    import secrets
    for _ in range(100):
        tmp = final.parent / f".{final.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(tmp, 0o777)
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary folder name", str(final.parent))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or file system does not support it (then two renames are used)."""
    import ctypes
    import sys
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """CSV tables, sorted by their keys at creation, floats fixed at 6 decimals: byte-stable."""
    for name, df in tables.items():
        _tidy_floats(df).to_csv(folder / f"{name}.csv", index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def _remove_stale(final: Path) -> None:
    """Clean up after runs of this name killed part-way (only ``.<name>.tmp-<pid>-*`` and
    ``.<name>.old-<pid>`` folders of dead processes in the output root; nothing else):
    a temporary folder is removed; an earlier run set aside for ``--force`` is put back if the
    new one never replaced it, else removed."""
    pattern = re.compile(rf"^\.{re.escape(final.name)}\.(tmp|old)-(\d+)(-.*)?$")
    for p in sorted(final.parent.iterdir()):
        m = pattern.match(p.name)
        if not m or not p.is_dir() or _alive(int(m.group(2))):
            continue
        if m.group(1) == "old" and not final.exists():
            os.replace(p, final)
        else:
            shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tidy_floats(df: pd.DataFrame) -> pd.DataFrame:
    """Round away solver noise (|x| < 1e-9) and negative zeros so tables compare byte for byte."""
    df = df.copy()
    for c in df.columns:
        if pd.api.types.is_float_dtype(df[c]):
            s = df[c].round(9)
            df[c] = s.where(s != 0, 0.0)
    return df


def dump_json(path: Path, obj, sort_keys: bool = True) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=sort_keys, default=_json_default) + "\n", encoding="utf-8")


def _json_default(o):
    if hasattr(o, "item"):
        return o.item()
    return str(o)
