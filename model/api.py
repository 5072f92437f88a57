"""The Python API: ``reebloc.run``, ``reebloc.load``, ``reebloc.compare`` and :class:`Results`.

    import reebloc
    base = reebloc.run("runs/library/baseline.yaml")
    floor = reebloc.run("runs/library/mp-dod.yaml", policies__mp_floor__price_usd_per_kg=130)
    reebloc.compare([base, floor], baseline=base)        # a pandas DataFrame

Overrides given from Python are applied exactly like a config file that names the config as
its ``base:`` (mappings merge key by key, everything else is replaced) and each one is logged in
the manifest's ``overrides`` as ``key: old -> new (python)``. A keyword ``a__b__c=v`` is the
dotted path ``a.b.c``; ``overrides={"a.b.c": v}`` takes dotted paths directly.

Tables are the run-folder tables of ``docs/architecture.md`` (``flows``, ``production``,
``prices``, ``demand``, ``government``, ``welfare``, ``policies``, ``stockpiles``,
``substitutes``, ``disposal``, ``security``, and ``strategy`` when the run has a leader), each a DataFrame: ``res.prices``,
``res.table("prices")`` or ``res.tables["prices"]``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from reebloc.errors import ReeblocError

TABLES = ("flows", "production", "prices", "demand", "government", "welfare", "policies",
          "stockpiles", "substitutes", "disposal", "security", "strategy")


class Results:
    """One run: its tables as DataFrames, ``summary`` (summary.json), ``manifest`` (manifest.json),
    and ``plot_*`` helpers for the standard charts (matplotlib Figures).

    Made by :func:`run` (in memory; ``path`` is None until :meth:`save`) or :func:`load` (a run
    folder; tables are read when first used).
    """

    def __init__(self, summary: dict, manifest: dict, tables: dict[str, pd.DataFrame] | None = None,
                 path: Path | None = None, _result=None):
        self.summary = summary
        self.manifest = manifest
        self.path = Path(path) if path is not None else None
        self._tables: dict[str, pd.DataFrame] = dict(tables or {})
        self._result = _result          # the in-memory RunResult (for save)

    # ------------------------------------------------------------------ tables
    @property
    def name(self) -> str:
        return str(self.manifest.get("run") or self.summary.get("run") or (self.path.name if self.path else "run"))

    @property
    def table_names(self) -> list[str]:
        """Tables this run has (a run folder made before a table existed lacks it)."""
        if self.path is not None:
            return [t for t in TABLES if (self.path / f"{t}.csv").exists()]
        return [t for t in TABLES if t in self._tables]

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` as a DataFrame (a copy-safe view of the run's own table)."""
        if name not in self._tables:
            if name not in TABLES:
                raise ReeblocError(None, "table", f"unknown table {name!r}; expected one of {', '.join(TABLES)}")
            f = self.path / f"{name}.csv" if self.path is not None else None
            if f is None or not f.exists():
                raise ReeblocError(f or None, "table", f"{name} is not in this run ({self.name})")
            self._tables[name] = pd.read_csv(f, keep_default_na=False, na_values=[""])
        return self._tables[name]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {t: self.table(t) for t in self.table_names}

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES:
            return self.table(name)
        raise AttributeError(name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.table_names))

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "in memory"
        return f"<reebloc.Results {self.name} ({where}): {', '.join(self.table_names)}>"

    # ------------------------------------------------------------------ figures
    @property
    def overrides(self) -> list[str]:
        return list(self.manifest.get("overrides") or [])

    def headline(self) -> pd.DataFrame:
        """The headline figures of this run alone (as :func:`compare` gives for several)."""
        return compare([self])

    # ------------------------------------------------------------------ writing
    def save(self, out: str | Path | None = None, force: bool = False) -> Path:
        """Write the run folder ``<out>/<name>/`` (default ``runs/out``) atomically; returns it."""
        from reebloc.app.run import DEFAULT_OUT, check_out_root, check_replaceable, run_folder, write_run
        if self._result is None:
            raise ReeblocError(self.path, None, "already a run folder; copy the folder to keep it elsewhere")
        root = Path(out) if out is not None else DEFAULT_OUT
        check_out_root(root)
        final = run_folder(root, self.name)
        check_replaceable(final, force)
        write_run(self._result, final, force, time.perf_counter())
        self.path = final
        return final

    # ------------------------------------------------------------------ charts
    def _chart(self, key: str, others: tuple):
        from reebloc.reports.api import chart
        folders = [_folder(self)] + [_folder(o) for o in others]
        c = chart(folders, key)
        if c.fig is None:
            raise ReeblocError(self.path, key, f"nothing to draw: {c.note}")
        return c.fig

    def plot_china_content(self, *others):
        """China content of magnet supply by year (expected over scenarios) of this run and
        ``others`` (Results or run folders); a matplotlib Figure."""
        return self._chart("china_content", others)

    def plot_government_cost(self, *others):
        """Government cost by instrument per year (expected, undiscounted, $M), one panel per run; a Figure."""
        return self._chart("government_by_instrument", others)

    def plot_prices(self, *others):
        """Price paths of NdPr and magnets at China, the US and blocs ($/kg); a Figure."""
        return self._chart("prices", others)

    def plot_unserved(self, *others):
        """Unserved demand by scenario (t, all years); a Figure."""
        return self._chart("unserved_by_scenario", others)

    def plot_welfare(self, *others):
        """Welfare decomposition by node ($M), one panel per run; a Figure."""
        return self._chart("welfare_by_node", others)


def _folder(r):
    """A reports ``RunFolder`` for a Results object or a path."""
    from reebloc.reports.runs import RunFolder, load_run
    if isinstance(r, Results):
        if r.path is not None:
            return load_run(r.path)
        return RunFolder(path=Path(r.name), manifest=r.manifest, summary=r.summary,
                         _tables={t: r._tables.get(t) for t in TABLES})
    return load_run(r)


# ---------------------------------------------------------------------- functions


def _changes(overrides: dict | None, kw: dict) -> dict[str, Any]:
    out = dict(overrides or {})
    for k, v in kw.items():
        out[k.replace("__", ".")] = v
    return out


def resolve(config_or_path, overrides: dict | None = None, **kw):
    """The resolved config (``ResolvedConfig``) of a path or a mapping, overrides applied."""
    from reebloc.inputs.config import ResolvedConfig, load_config, override_config, validate_config
    changes = _changes(overrides, kw)
    if isinstance(config_or_path, ResolvedConfig):
        resolved = config_or_path
    elif isinstance(config_or_path, dict):
        raw = dict(config_or_path)
        if "base" in raw:         # a mapping naming a base file: the file, then this mapping on top
            resolved = override_config(load_config(Path(raw.pop("base"))), raw, source="python")
            return override_config(resolved, changes, source="python")
        where = Path.cwd() / "<python>"
        origins = {k: where for k in raw}
        resolved = ResolvedConfig(config=validate_config(raw, where, origins), path=where, files=[], raw=raw,
                                  overrides=[], origins=origins)
    else:
        resolved = load_config(config_or_path)
    return override_config(resolved, changes, source="python")


def run(config_or_path, *, out: str | Path | None = None, force: bool = False,
        overrides: dict | None = None, **kw) -> Results:
    """Solve a run config (a YAML path or a mapping) and return its :class:`Results`.

    ``out``: also write the run folder ``<out>/<name>/`` (as ``reebloc run --out``; an existing
    folder needs ``force=True``); by default nothing is written. ``overrides`` / keywords change
    the config as described in the module docstring, and are logged in ``manifest["overrides"]``.
    """
    from reebloc.app.run import solve_resolved
    t0 = time.perf_counter()
    resolved = resolve(config_or_path, overrides, **kw)
    resolve_s = time.perf_counter() - t0
    if out is not None:       # refuse before solving, as the CLI does
        from reebloc.app.run import check_out_root, check_replaceable, run_folder
        check_out_root(Path(out))
        check_replaceable(run_folder(Path(out), resolved.config.name), force)
    result = solve_resolved(resolved)
    result.manifest["timings_s"] = {"resolve_s": round(resolve_s, 4), **result.manifest["timings_s"]}
    from reebloc.app.run import _json_default
    as_written = json.loads(json.dumps(result.summary, default=_json_default))  # year keys as text, as load() reads them
    res = Results(as_written, result.manifest, result.tables, _result=result)
    if out is not None:
        res.save(out, force=force)
    return res


def load(run_dir: str | Path) -> Results:
    """Open a run folder written by ``reebloc run`` (tables are read when first used)."""
    path = Path(run_dir)
    if not path.is_dir():
        raise ReeblocError(path, None, "run folder not found")
    man = path / "manifest.json"
    if not man.exists():
        raise ReeblocError(man, None, "not a run folder (no manifest.json); run `reebloc run` first")
    summ = path / "summary.json"
    try:
        manifest = json.loads(man.read_text(encoding="utf-8"))
        summary = json.loads(summ.read_text(encoding="utf-8")) if summ.exists() else {}
    except json.JSONDecodeError as e:
        raise ReeblocError(path, None, f"not valid JSON ({e.msg}, line {e.lineno})") from None
    return Results(summary, manifest, path=path)


def compare(runs: Iterable, baseline=None, scorecard: bool = False) -> pd.DataFrame:
    """Headline figures side by side: one row per figure (``figure``, ``unit``), one column per
    run, and with ``baseline`` a ``Δ <run>`` column per other run (run − baseline).

    ``runs``: :class:`Results` or run-folder paths. Money is in $M, shares in %, as in
    ``reebloc compare``. ``scorecard=True`` gives the report's scorecard instead (one row per run).
    """
    from reebloc.reports.api import compare_frame, scorecard_frame
    runs = list(runs)
    folders = [_folder(r) for r in runs]
    base = None
    if baseline is not None:
        base = next((f for f, r in zip(folders, runs) if r is baseline), None)
        if base is None and not isinstance(baseline, Results):
            base = next((f for f in folders if f.path.resolve() == Path(baseline).resolve()), None)
        if base is None:
            base = _folder(baseline)
            folders = [base] + [f for f in folders if f.name != base.name]
        else:
            folders = [base] + [f for f in folders if f is not base]
    return (scorecard_frame if scorecard else compare_frame)(folders, base)
