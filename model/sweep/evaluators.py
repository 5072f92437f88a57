"""Evaluators: turn one variant's parameter values into output values.

A worker receives an ``EvaluatorFactory`` (small, picklable) and chunks of variants; it builds
the evaluator once (``get_evaluator`` caches it per process) and calls ``evaluate(x)`` per
variant. ``IshigamiEvaluator`` is a stand-in with known Sobol indices that exercises the same
machinery; ``ReeblocEvaluator`` builds the reebloc model once and re-solves each variant on a
persistent HiGHS model (``reebloc.solve.fastpath.FastHighs``), rebuilding only when a variant changes
the model's structure.
"""

from __future__ import annotations

import fnmatch
import importlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from reebloc.errors import ReeblocError
from reebloc.sweep.spec import Output, Parameter, ResolvedSweep, allowed_evaluators, load_sweep

log = logging.getLogger("reebloc.sweep")


class Evaluator(Protocol):
    def evaluate(self, x: dict[str, Any]) -> dict[str, float]: ...


@dataclass(frozen=True)
class EvaluatorFactory:
    """Picklable recipe of an evaluator: the sweep file and its digest."""

    sweep_path: str
    digest: str
    threads: int = 1

    def create(self) -> Evaluator:
        rs = load_sweep(self.sweep_path)
        kind = rs.config.evaluator
        if kind == "reebloc":
            return ReeblocEvaluator(rs, threads=self.threads)
        if kind == "ishigami":
            return IshigamiEvaluator(rs)
        if ":" in kind and kind in allowed_evaluators():      # the allow-list, checked again here
            mod, fn = kind.split(":", 1)
            try:
                factory = getattr(importlib.import_module(mod), fn)
            except ImportError as e:
                raise ReeblocError(rs.path, "evaluator", f"cannot import module {mod!r} ({e.msg})") from None
            except AttributeError:
                raise ReeblocError(rs.path, "evaluator", f"module {mod!r} has no {fn!r}") from None
            return factory(rs, threads=self.threads)
        raise ReeblocError(rs.path, "evaluator", f"unknown evaluator {kind!r}; expected reebloc, ishigami "
                           "or module:factory")


_CACHE: dict[tuple, Evaluator] = {}


class WorkerError(ReeblocError):
    """A ReeblocError raised in a worker process, picklable so it reaches the CLI as one line."""

    def __reduce__(self):
        return (WorkerError, (self.file, self.field, self.message))


def get_evaluator(factory: EvaluatorFactory) -> Evaluator:
    key = (factory.sweep_path, factory.digest, factory.threads)
    ev = _CACHE.get(key)
    if ev is None:
        _CACHE.clear()
        try:
            ev = factory.create()
        except ReeblocError as e:
            raise WorkerError(e.file, e.field, e.message) from None
        _CACHE[key] = ev
    return ev


def run_chunk(factory: EvaluatorFactory, chunk_id: int, rows: pd.DataFrame) -> pd.DataFrame:
    """Evaluate one chunk of design rows; one output row per variant, failures kept as status."""
    ev = get_evaluator(factory)
    names = [c for c in rows.columns if c != "variant"]
    out = []
    for rec in rows.to_dict("records"):
        x = {k: rec[k] for k in names}
        t0 = time.perf_counter()
        try:
            y = ev.evaluate(x)
            status = "optimal"
        except WorkerError:
            raise  # a mistake in the sweep file (an output that does not exist): stop the sweep
        except Exception as e:  # one bad variant must not sink the sweep; its status says why
            y = {}
            status = f"error: {type(e).__name__}: {e}"[:300]
        info = getattr(ev, "last_info", {}) or {}
        out.append({"variant": int(rec["variant"]), **x, **y, "status": status,
                    "seconds": time.perf_counter() - t0, **{f"info_{k}": v for k, v in info.items()}})
    df = pd.DataFrame(out)
    df["chunk"] = chunk_id
    return df


# ====================================================================== stand-in: Ishigami
class IshigamiEvaluator:
    """f = sin x1 + a sin² x2 + b x3⁴ sin x1 (parameters in order, x ∈ [−π, π]).

    Options (``evaluator_options``): ``a`` (7), ``b`` (0.1), ``delay_s`` (0; sleep per variant,
    for tests that must interrupt a sweep part-way)."""

    def __init__(self, rs: ResolvedSweep):
        o = rs.config.evaluator_options
        self.a, self.b = float(o.get("a", 7.0)), float(o.get("b", 0.1))
        self.delay = float(o.get("delay_s", 0.0))
        self.names = [p.name for p in rs.config.parameters]
        self.outputs = [out.name for out in rs.config.outputs]
        self.last_info = {}

    def evaluate(self, x):
        if self.delay:
            time.sleep(self.delay)
        x1, x2, x3 = (float(x[n]) for n in self.names[:3])
        y = math.sin(x1) + self.a * math.sin(x2) ** 2 + self.b * x3 ** 4 * math.sin(x1)
        return {name: y for name in self.outputs}

    @staticmethod
    def analytic(a: float = 7.0, b: float = 0.1) -> dict:
        pi = math.pi
        v1 = 0.5 * (1 + b * pi ** 4 / 5) ** 2
        v2 = a ** 2 / 8
        v13 = b ** 2 * pi ** 8 * (1 / 18 - 1 / 50)
        v = v1 + v2 + v13
        return {"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]}


# ====================================================================== reebloc
def select(df: pd.DataFrame, where: dict) -> np.ndarray:
    """Boolean mask of rows matching ``where`` (fnmatch wildcards on text; lists = any of)."""
    mask = np.ones(len(df), dtype=bool)
    for col, pat in where.items():
        if col not in df.columns:
            raise KeyError(f"no column {col!r} (columns: {', '.join(map(str, df.columns))})")
        s = df[col]
        if isinstance(pat, list):
            mask &= s.astype(str).isin([str(p) for p in pat]).to_numpy()
        elif isinstance(pat, str) and any(ch in pat for ch in "*?["):
            if pat != "*":
                mask &= s.astype(str).map(lambda v, p=pat: fnmatch.fnmatchcase(v, p)).to_numpy()
        else:
            mask &= (s.astype(str) == str(pat)).to_numpy()
    return mask


def aggregate(values: np.ndarray, agg: str) -> float:
    if agg == "count":
        return float(len(values))
    if len(values) == 0:
        return 0.0 if agg == "sum" else float("nan")
    return float({"sum": np.sum, "mean": np.mean, "min": np.min, "max": np.max,
                  "first": lambda v: v[0]}[agg](values))


def expected_aggregate(sel: pd.DataFrame, column: str, agg: str, probability: dict[str, float],
                       where: dict) -> float:
    """``agg`` (sum or mean) of ``column`` over the rows ``sel`` of a table with a ``scenario``
    column, as an expectation over scenarios given those ``where`` admits (total probability P):
    sum = Σ_s p_s Σ_{rows of s} v / P (a scenario without rows adds 0: flows, stocks);
    mean = Σ_s p_s mean_s / Σ_{s with rows} p_s (a price is reported only where there is a market)."""
    names = list(probability)
    admitted = float(np.dot(select(pd.DataFrame({"scenario": names}), {k: v for k, v in where.items() if k == "scenario"}),
                            [probability[s] for s in names]))
    if len(sel) == 0 or admitted <= 0:
        return aggregate(np.zeros(0), agg)
    v = sel[column].to_numpy(dtype=float)
    p = sel["scenario"].astype(str).map(probability).to_numpy(dtype=float)
    if agg == "sum":
        return float((p * v).sum() / admitted)
    per = pd.Series(v).groupby(sel["scenario"].astype(str).to_numpy()).mean()
    w = per.index.map(probability).to_numpy(dtype=float)
    return float((per.to_numpy() * w).sum() / w.sum())


def changed(base, x, change: str):
    if change == "relative":
        return base * x
    if change == "absolute":
        return base + x
    return x


def _matches(value: str, pat) -> bool:
    """``value`` matches one ``where`` entry (as ``select``: wildcards in text, else equality)."""
    if isinstance(pat, str) and any(ch in pat for ch in "*?["):
        return fnmatch.fnmatchcase(value, pat)
    return value == str(pat)


def _hint(name: str, candidates) -> str:
    import difflib
    close = difflib.get_close_matches(str(name), sorted(map(str, candidates)), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _path_hint(tree: dict, dotted: str) -> str:
    """'; did you mean …?' for the first part of a dotted key that ``tree`` lacks, from its level."""
    node, done = tree, []
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return ""
        if part not in node:
            from reebloc.inputs.checks import did_you_mean      # (also catches a slip of case: us / US)
            hint = did_you_mean(part, node)
            return hint.replace("'", "'" + ".".join(done) + ("." if done else ""), 1) if hint else ""
        done.append(part)
        node = node[part]
    return ""


def _num(v) -> str:
    return repr(v) if isinstance(v, bool) else f"{v:g}"


# ====================================================================== sweep targets, checked up front
# Config paths a variant cannot change: the evaluator keeps one model and one HiGHS per worker.
UNSWEEPABLE = {
    "solver": "solver settings are not applied per variant (each worker keeps one HiGHS model; its "
              "threads are the sweep's 'threads'); set them in the base run config",
    "inputs": "the data set cannot be swept; change its tables with table/where/column",
    "years": "the years shape the model; make one base run config per horizon",
    "name": "the run name is not a model input", "description": "not a model input",
    "base": "the base of a run config cannot be swept; make one sweep per base",
}
# mappings of the run config whose keys are names the user chose (a missing one is a typo)
NAMED_BLOCKS = {"policies": "policy", "scenarios": "scenario", "payers": "payer",
                "strategy.instruments": "instrument"}


def _xs(p: Parameter) -> list[tuple[str, Any]]:
    """(sweep key, x) of the values a parameter's design can reach: every listed value, or the ends of
    the range (every change is monotone in x, so bounds hold in between)."""
    if p.values is not None:
        return [("values", v) for v in p.values]
    k = "assumption" if p.assumption else None
    return [(k or "low", p.low), (k or "high", p.high)]


def check_targets(rs: ResolvedSweep, resolved, data) -> dict[str, np.ndarray]:
    """Check every parameter against the base run config and data set before anything is written:
    the path or table/column exists, is a number that may change, and every value the design can
    reach passes the same checks as the config or data loader. Returns the selected rows of each
    table parameter. Errors name the sweep file and the parameter's key."""
    masks = {}
    for i, p in enumerate(rs.config.parameters):
        if p.path is not None:
            _check_path(rs, i, p, resolved)
        else:
            masks[p.name] = _check_table(rs, i, p, data)
    return masks


def _check_path(rs: ResolvedSweep, i: int, p: Parameter, resolved) -> None:
    from reebloc.inputs.config import apply_overrides

    field, base_file = f"parameters.{i}.path", resolved.path
    parts = p.path.split(".")
    if parts[0] in UNSWEEPABLE:
        raise ReeblocError(rs.path, field, f"{p.path} cannot be a sweep parameter: {UNSWEEPABLE[parts[0]]}")
    node: Any = resolved.raw
    for j, part in enumerate(parts):
        at = ".".join(parts[:j])
        if isinstance(node, list):
            raise ReeblocError(rs.path, field, f"{p.path}: {at} is a list in the base run config {base_file}; "
                               "a sweep path names one value through mappings")
        if not isinstance(node, dict):
            raise ReeblocError(rs.path, field, f"{p.path}: {at} is a single value in the base run config "
                               f"{base_file}, with no key {part!r}")
        if part not in node:
            what = NAMED_BLOCKS.get(at) or ("export control" if at.endswith(".export_controls") else None)
            if what and j < len(parts) - 1:
                raise ReeblocError(rs.path, field, f"{p.path}: no {what} {part!r} in the base run config "
                                   f"{base_file}{_hint(part, node)}")
            node = None  # a key left at its default: the run config's validation below names a typo
            break
        node = node[part]
    else:
        if isinstance(node, (dict, list)):
            kind = "a block of keys" if isinstance(node, dict) else "a list"
            raise ReeblocError(rs.path, field, f"{p.path} is {kind} in the base run config {base_file}, not "
                               "a single value; name a number inside it")
        if isinstance(node, str):
            raise ReeblocError(rs.path, field, f"{p.path} is text ({node!r}) in the base run config "
                               f"{base_file}; a sweep parameter changes a number")
    if node is None and p.change != "substitute":
        try:                      # a key left at its default: the default is the base value
            node = base_value(resolved, p.path)
        except KeyError:
            raise ReeblocError(rs.path, field, f"{p.path!r} is not set in the base config and has no numeric "
                               f"default (needed for a {p.change} change)") from None
    if p.change == "relative" and isinstance(node, (int, float)) and node == 0:
        raise ReeblocError(rs.path, field, f"{p.path} is 0 in the base run config {base_file}, so a relative "
                           "change (x × 0) leaves it 0 in every variant; use change: absolute or substitute")
    for key, x in _xs(p):
        new = changed(None if p.change == "substitute" else node, x, p.change)
        try:
            apply_overrides(resolved, {p.path: new})
        except ReeblocError as e:
            if e.field != p.path or e.message.startswith("unknown key"):
                where = "" if e.field == p.path else f"{e.field}: "
                raise ReeblocError(rs.path, field, f"{p.path}: {where}{e.message}") from None
            raise ReeblocError(rs.path, f"parameters.{i}.{key}",
                               f"x = {_num(x)} sets {p.path} to {_num(new)}: {e.message}") from None


def _check_table(rs: ResolvedSweep, i: int, p: Parameter, data) -> np.ndarray:
    from reebloc.inputs.dataset import FLOAT, MAX_ABS, OPTFLOAT, SPECS

    field = f"parameters.{i}"
    if not data.has(p.table):
        raise ReeblocError(rs.path, field + ".table", f"no table {p.table!r} in the data set"
                           f"{_hint(p.table, [t for t in data.tables if data.has(t)])}")
    df = data[p.table]
    spec = SPECS.get(p.table)
    numeric = [c for c in df.columns if spec is None or (spec.columns.get(c) in (FLOAT, OPTFLOAT)
                                                         and c not in spec.key)]
    if p.column not in df.columns:
        raise ReeblocError(rs.path, field + ".column", f"no column {p.column!r} in {p.table}"
                           f"{_hint(p.column, numeric)}; numeric columns: {', '.join(numeric)}")
    if p.column not in numeric:
        what = "a key column" if spec is not None and p.column in spec.key else "not a number"
        raise ReeblocError(rs.path, field + ".column", f"{p.column!r} of {p.table} is {what}; a parameter "
                           f"changes a number; numeric columns: {', '.join(numeric)}")
    try:
        mask = select(df, p.where)
    except KeyError as e:
        raise ReeblocError(rs.path, field + ".where", str(e.args[0])) from None
    if not mask.any():
        raise ReeblocError(rs.path, field + ".where", f"selects no row of {p.table}")
    # every value the design reaches must pass the loader's checks of that column (docs/data.md)
    checks = [(lambda v: v >= 0, "a value >= 0")] if spec is not None and p.column in spec.nonneg else []
    checks += [(ok, expected) for col, ok, expected in (spec.checks if spec else ()) if col == p.column]
    checks.append((lambda v: abs(v) < MAX_ABS, f"a number smaller than {MAX_ABS:g} in size"))
    rows = np.flatnonzero(mask)
    base = df[p.column].to_numpy(dtype=float)[rows]
    if p.change == "relative" and not np.any(np.nan_to_num(base) != 0):
        raise ReeblocError(rs.path, field + ".change", f"{p.table}.{p.column} is 0 in every selected row, so a "
                           "relative change (x × 0) leaves it 0 in every variant; use change: absolute or substitute")
    for key, x in _xs(p):
        new = np.broadcast_to(np.asarray(changed(base, float(x), p.change), dtype=float), base.shape)
        for ok, expected in checks:
            for r, v in zip(rows, new):
                if not math.isnan(v) and not ok(v):
                    row = ", ".join(f"{k}={df[k].iat[r]}" for k in (spec.key if spec else ()))
                    raise ReeblocError(rs.path, f"{field}.{key}",
                                       f"x = {_num(x)} ({p.change}) makes {p.table}.{p.column} {v:g} "
                                       f"({row}); the data set requires {expected}")
    return mask


def moves_cover_targets(params: list[Parameter], cfg) -> bool:
    """Whether a variant can move a stockpile's cover target against its capacity: a parameter of
    a stockpile policy, of the demand table (the target is days of reference demand) or of the
    scenarios (export controls in force relax targets)."""
    from reebloc.inputs.policies import Stockpile
    stock = {n for n, pol in cfg.policies.items() if isinstance(pol, Stockpile)}
    if not stock:
        return False
    for p in params:
        if p.table == "demand":
            return True
        parts = (p.path or "").split(".")
        if parts[0] == "scenarios" or (parts[0] == "policies" and len(parts) > 1 and parts[1] in stock):
            return True
    return False


def preflight(rs: ResolvedSweep) -> None:
    """The checks a reebloc sweep can make before any variant is solved: the base run config
    against its data (``check_against_data``, as a run) and every parameter (``check_targets``).
    The outputs are checked on the first solved variant (``ReeblocEvaluator._check_output``); checks
    that combine parameters (a stockpile's cover target against its capacity) per variant
    (``ReeblocEvaluator._refuse_variant``)."""
    if rs.config.evaluator != "reebloc":
        return
    from reebloc.inputs.config import load_config
    from reebloc.inputs.dataset import load_dataset
    from reebloc.inputs.checks import check_against_data
    resolved = load_config(rs.base_path)
    data = load_dataset(resolved.data_dir, resolved.config.year_list)
    check_against_data(resolved, data)      # the base run config, as `reebloc run` checks it
    check_targets(rs, resolved, data)


def base_value(resolved, dotted: str):
    """The base run config's value at ``dotted``: as written, else the validated config's default
    (e.g. a policy's ``upside_share`` left at 0). KeyError if neither is a number."""
    try:
        return get_path(resolved.raw, dotted)
    except KeyError:
        v = get_path(resolved.config.model_dump(), dotted)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise KeyError(dotted) from None
        return v


def get_path(raw: dict, dotted: str):
    node = raw
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


class ReeblocEvaluator:
    """Build once, re-solve per variant.

    Per variant: apply the config overrides (``apply_overrides``) and table changes
    (``DataSet.with_table``); if the structure (``ModelInstance.structure_key`` plus the process
    coefficients, which are constants in the model) differs from the current model, rebuild;
    otherwise recompute the Param values and push only those that changed to HiGHS, then solve
    (through ``solve_equilibrium`` so price-dependent wedges iterate as in a run).

    Affine fast mode: at start each parameter is probed at three points; when every parameter
    moves a disjoint set of Params affinely and never the structure, a variant's Param values are
    ``v0 + slope·(x − ref)`` (numpy) instead of a full ``param_values`` recomputation. The first
    variant is checked against the full computation; a mismatch switches to the general mode.
    """

    def __init__(self, rs: ResolvedSweep, threads: int = 1, mode: str = "auto"):
        from reebloc.inputs.config import load_config
        from reebloc.inputs.dataset import load_dataset

        self.rs = rs
        self.params: list[Parameter] = list(rs.config.parameters)
        self.outputs: list[Output] = list(rs.config.outputs)
        self.threads = threads
        self.resolved = load_config(rs.base_path)
        self.where = self.resolved.path
        self.base_cfg = self.resolved.config
        self.base_data = load_dataset(self.resolved.data_dir, self.base_cfg.year_list)
        self.ref = {p.name: p.default_reference() for p in self.params}
        self._check_targets()
        self._cover = moves_cover_targets(self.params, self.base_cfg)
        self.last_info: dict = {}
        self.stats = {"rebuilds": 0, "variants": 0}
        self._build(self.base_cfg, self.base_data)
        self.base_key = self.key
        self.fast = None
        if mode in ("auto", "fast"):
            self._probe()
            if mode == "fast" and self.fast is None:
                raise ReeblocError(rs.path, "parameters", "affine fast mode not applicable")
        self._verified = False
        self._outputs_checked = False

    # ------------------------------------------------------------ targets and variants
    def _check_targets(self) -> None:
        self._masks = check_targets(self.rs, self.resolved, self.base_data)

    def variant(self, x: dict):
        """(ResolvedConfig, DataSet) of a variant."""
        from reebloc.inputs.config import apply_overrides

        over = {}
        data = self.base_data
        for p in self.params:
            v = x[p.name]
            if p.path is not None:
                base = None if p.change == "substitute" else base_value(self.resolved, p.path)
                new = changed(base, v, p.change)
                over[p.path] = new.item() if hasattr(new, "item") else new
            else:
                df = data[p.table].copy()
                m = self._masks[p.name]
                col = df[p.column].astype(float)
                vals = col.to_numpy().copy()
                vals[m] = changed(vals[m], float(v), p.change)
                df[p.column] = vals
                data = data.with_table(p.table, df)
        resolved = apply_overrides(self.resolved, over) if over else self.resolved
        return resolved, data

    def _structure(self, cfg, data) -> tuple:
        from reebloc.equilibrium import ModelInstance
        return ModelInstance.structure_key(cfg, data, self.where)   # includes process coefficients

    # ------------------------------------------------------------ model
    def _build(self, cfg, data) -> None:
        from reebloc.equilibrium import create_model
        from reebloc.solve.fastpath import FastHighs
        from reebloc.solve.solver import FastSolver

        self.inst = inst = create_model(cfg, data, where=self.where)
        self.fh = FastHighs(inst.m, {"threads": self.threads})
        inst.set_values = self.fh.set_params  # every Param change (wedges too) goes through FastHighs
        self.solver = FastSolver(self.inst.m, fh=self.fh)
        self.key = inst.ix.key() + inst.pi.key()
        if getattr(self, "fast", None) is not None:
            self.fast = None  # the affine map refers to the old model's Params
        self._compile_outputs()
        self.stats["rebuilds"] += 1

    def _compile_outputs(self) -> None:
        """Which outputs need the tables: every one but the objective. Prices are read from the
        prices table, not straight from the balance duals: a price is reported only where the node
        has a market, as the netback where the dual is split with a rule of origin
        (reebloc.outputs.prices), and a raw dual would disagree with the run's prices.csv."""
        self._need_tables = any(o.summary != "objective_kusd" for o in self.outputs)

    # ------------------------------------------------------------ affine fast mode
    def _probe(self) -> None:
        inst = self.inst
        base = inst.param_values(self.base_cfg, self.base_data)
        plist = list(base.keys())
        v0 = np.fromiter((base[p] for p in plist), dtype=float, count=len(plist))
        used = np.zeros(len(plist), dtype=bool)
        maps = []
        for p in self.params:
            if p.values is not None and not all(isinstance(v, (int, float)) for v in p.values):
                return
            lo, hi = (p.low, p.high) if p.low is not None else (min(p.values), max(p.values))
            ref = float(self.ref[p.name])
            if hi == lo:
                maps.append((p.name, np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), ref))
                continue
            mid = lo + 0.381966 * (hi - lo)
            arrs = []
            for xv in (lo, hi, mid):
                r, d = self.variant({**self.ref, p.name: xv})
                if self._structure(r.config, d) != self.base_key:
                    return
                vals = inst.param_values(r.config, d)
                arrs.append(np.fromiter((vals[q] for q in plist), dtype=float, count=len(plist)))
            a_lo, a_hi, a_mid = arrs
            S = np.flatnonzero((a_lo != v0) | (a_hi != v0) | (a_mid != v0))
            slope = (a_hi[S] - a_lo[S]) / (hi - lo)
            pred_mid = a_lo[S] + slope * (mid - lo)
            pred_ref = a_lo[S] + slope * (ref - lo)
            tol = 1e-9 * (1 + np.abs(a_mid[S]))
            if np.any(np.abs(pred_mid - a_mid[S]) > tol) or np.any(np.abs(pred_ref - v0[S]) > 1e-9 * (1 + np.abs(v0[S]))):
                log.info("sweep: parameter %s is not affine in the model params; general mode", p.name)
                return
            if used[S].any():
                log.info("sweep: parameters overlap on model params; general mode")
                return
            used[S] = True
            maps.append((p.name, S, v0[S], slope, ref))
        fast_maps = []
        for name, S, v0s, slope, ref in maps:
            idx = self.fh.param_indices([plist[i] for i in S])
            inside = idx >= 0
            outside = [plist[i] for i in S[~inside]]
            fast_maps.append((name, idx[inside], v0s[inside], slope[inside], ref,
                              outside, v0s[~inside], slope[~inside]))
        self.fast = {"plist": plist, "maps": maps, "fast_maps": fast_maps,
                     "config_params": [p for p in self.params if p.path is not None]}

    def _fast_changes(self, x: dict) -> list:
        """(ParamData, value) pairs of a variant (used to verify the affine map)."""
        plist = self.fast["plist"]
        out = []
        for name, S, v0, slope, ref in self.fast["maps"]:
            if len(S):
                vals = v0 + slope * (float(x[name]) - ref)
                out.extend(zip([plist[i] for i in S], vals.tolist()))
        return out

    def _fast_push(self, x: dict) -> int:
        idx_all, val_all = [], []
        for name, idx, v0, slope, ref, outside, v0o, slopeo in self.fast["fast_maps"]:
            dx = float(x[name]) - ref
            if len(idx):
                idx_all.append(idx)
                val_all.append(v0 + slope * dx)
            for p, v in zip(outside, (v0o + slopeo * dx).tolist()):
                p.set_value(v)
        if not idx_all:
            return 0
        return self.fh.set_param_array(np.concatenate(idx_all), np.concatenate(val_all))

    # ------------------------------------------------------------ evaluate
    def evaluate(self, x: dict) -> dict:
        from reebloc.equilibrium.policyindex import build_policy_index
        from reebloc.solve.wedges import has_wedges, solve_equilibrium

        self.stats["variants"] += 1
        rebuilt = False
        inst = self.inst
        built = self.variant(x) if self._cover else None
        if built is not None:
            self._refuse_variant(*built)
        if self.fast is not None and self.key == self.base_key:
            if built is not None:
                resolved, data = built
            elif self.fast["config_params"] or self._need_tables or not self._verified:
                resolved, data = self.variant(x)
            else:
                resolved, data = self.resolved, self.base_data
            if not self._verified:
                changes = self._fast_changes(x)
                self._verified = True
                full = inst.param_values(resolved.config, data)
                pred = dict((id(p), v) for p, v in changes)
                bad = [p for p in full.keys()
                       if abs(pred.get(id(p), self._base_value(p)) - full[p]) > 1e-9 * (1 + abs(full[p]))]
                if bad:
                    log.warning("sweep: affine fast mode disagrees on %d params; general mode", len(bad))
                    self.fast = None
                    return self.evaluate_general(x, resolved, data)
            if self.fast["config_params"]:
                inst.cfg = resolved.config
                if has_wedges(inst):
                    inst.pi = build_policy_index(inst.ix, inst.cfg, self.where)
            inst.data = data
            self._fast_push(x)
        else:
            resolved, data = built or self.variant(x)
            return self.evaluate_general(x, resolved, data)
        report = self._solve()
        self.last_info = {"rebuilt": rebuilt, "solves": self.solver.info.solves,
                          "wedges_converged": bool(report.get("converged", True))}
        return self._outputs()

    def _refuse_variant(self, resolved, data) -> None:
        """A variant whose parameters together break a check the run makes before solving (a cover
        target above its stockpile's capacity) is not solved: run_chunk records the reason as its
        status, and the sweep goes on (each value alone passed ``check_targets``)."""
        from reebloc.inputs.checks import cover_target_problem
        from reebloc.inputs.policies import Stockpile
        cfg = resolved.config
        for name, pol in cfg.policies.items():
            if isinstance(pol, Stockpile):
                problem = cover_target_problem(cfg, data, pol)
                if problem:
                    raise ReeblocError(None, f"policies.{name}.target_days", f"refused: {problem}")

    def _solve(self) -> dict:
        """``solve_equilibrium`` (wedge fixed point); a model without wedges is one solve."""
        from reebloc.solve.wedges import has_wedges, solve_equilibrium

        self.solver.reset()
        if not self.rs.config.warm_start:
            self.fh.reset_basis()
        if has_wedges(self.inst):
            return solve_equilibrium(self.inst, self.solver)
        self.solver.solve()
        return {"iterations": 1, "residual_usd_per_kg": 0.0, "converged": True}

    def _base_value(self, p):
        if not hasattr(self, "_base_vals"):
            self._base_vals = self.inst.param_values(self.base_cfg, self.base_data)
        return self._base_vals[p]

    def evaluate_general(self, x: dict, resolved, data) -> dict:
        from reebloc.equilibrium.policyindex import build_policy_index
        from reebloc.solve.wedges import solve_equilibrium

        cfg = resolved.config
        key = self._structure(cfg, data)
        rebuilt = key != self.key
        if rebuilt:
            self._build(cfg, data)
        else:
            inst = self.inst
            inst.cfg, inst.data = cfg, data
            inst.pi = build_policy_index(inst.ix, cfg, self.where)
            self.fh.set_params(inst.param_values(cfg, data))
        report = self._solve()
        self.last_info = {"rebuilt": rebuilt, "solves": self.solver.info.solves,
                          "wedges_converged": bool(report.get("converged", True))}
        return self._outputs()

    # ------------------------------------------------------------ outputs
    def _outputs(self) -> dict:
        out = {}
        tables = summary = None
        if self._need_tables:
            tables, summary = self.tables(lazy=True)
        for o in self.outputs:
            if o.summary == "objective_kusd" and summary is None:
                out[o.name] = self.fh.objective
            elif o.summary is not None:
                try:
                    v = get_path(summary, o.summary)
                except KeyError:
                    if not self._outputs_checked:  # the first variant decides: a typo stops the sweep
                        raise WorkerError(self.rs.path, f"outputs.{o.name}.summary",
                                          f"no key {o.summary!r} in summary.json{_path_hint(summary, o.summary)} "
                                          f"(top-level keys: {', '.join(summary)})") from None
                    v = None  # e.g. a payer without payments in this variant
                out[o.name] = float(v) if isinstance(v, (int, float)) else float("nan")
            else:
                df = tables.get(o.table)
                if df is None:  # (security is built when an output asks for it)
                    raise WorkerError(self.rs.path, f"outputs.{o.name}.table",
                                      f"no result table {o.table!r} (have {', '.join(tables._builders)})")
                if not self._outputs_checked:
                    self._check_output(o, df)
                sel = df[select(df, o.where)]
                if o.scenarios == "expected" and o.agg in ("sum", "mean") and "scenario" in sel.columns:
                    probability = {str(k): float(sc.probability) for k, sc in self.inst.cfg.scenarios.items()}
                    out[o.name] = expected_aggregate(sel, o.column, o.agg, probability, o.where)
                    continue
                vals = sel[o.column].to_numpy(dtype=float) if o.agg != "count" else np.zeros(len(sel))
                out[o.name] = aggregate(vals, o.agg)
        self._outputs_checked = True
        return out

    def _check_output(self, o: Output, df: pd.DataFrame) -> None:
        """On the first variant: the output's column and where columns exist, and its where selects
        rows. Rows of some tables (flows, investment) exist only where the solution has them, so an
        empty selection is refused when a where value matches nothing in the table nor any id of the
        inputs (a typo), or when the aggregate of no rows is undefined (not sum or count)."""
        key, cols = f"outputs.{o.name}", [str(c) for c in df.columns]
        numeric = [str(c) for c in df.select_dtypes("number").columns]
        for name, sub in [(o.column, "column")] + [(c, "where") for c in o.where]:
            if name is not None and name not in cols:
                raise WorkerError(self.rs.path, f"{key}.{sub}", f"no column {name!r} in result table {o.table}"
                                  f"{_hint(name, numeric if sub == 'column' else cols)} (columns: {', '.join(cols)})")
        if select(df, o.where).any():
            return
        known = self._known_ids()
        for col, pat in o.where.items():
            have = set(df[col].astype(str))
            for q in (pat if isinstance(pat, list) else [pat]):
                if not any(_matches(v, q) for v in have | known):
                    raise WorkerError(self.rs.path, f"{key}.where", f"{col}: {q!r} matches no row of result table "
                                      f"{o.table} and no id of the inputs{_hint(q, have or known)}")
        if o.agg not in ("sum", "count"):
            raise WorkerError(self.rs.path, f"{key}.where", f"{o.where} selects no row of result table {o.table} "
                              f"in the first variant: the {o.agg} of no rows is undefined (use agg: sum or count "
                              "if the rows exist only in some variants)")

    def _known_ids(self) -> set[str]:
        d, c = self.base_data, self.base_cfg
        ids = {str(y) for y in c.year_list} | set(map(str, c.scenarios)) | set(map(str, c.policies))
        for t, col in [("nodes", "node"), ("commodities", "commodity"), ("facilities", "facility"),
                       ("projects", "project"), ("processes", "process"), ("demand", "segment")]:
            if d.has(t):
                ids |= set(map(str, d[t][col]))
        return ids

    def tables(self, lazy: bool = False) -> tuple[dict, dict | None]:
        """The run's result tables and summary for the current solution (as ``reebloc.app.run``).

        ``lazy``: build only the tables that are read (and the summary only if a summary output
        other than ``objective_kusd`` is asked for; its ``security`` block only if a requested
        key lies under it) — tabulation is most of a variant's time when outputs need it.
        """
        from reebloc.outputs.summary import summarize
        from reebloc.outputs.tabulate import LazyTables, table_builders

        inst = self.inst
        self.fh.load_all(duals=False)
        builders = table_builders(inst, self.solver.duals)
        summary_keys = [o.summary for o in self.outputs if o.summary not in (None, "objective_kusd")]
        need_security = not lazy or any(k.split(".")[0] == "security" for k in summary_keys) or any(
            o.table == "security" for o in self.outputs)
        if not need_security:
            del builders["security"]
        tables = LazyTables(builders)
        if not lazy:
            tables.build_all()
        summary = summarize(inst, tables, self.solver.info) if (summary_keys or not lazy) else None
        return tables, summary


