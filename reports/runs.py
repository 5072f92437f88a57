"""Read run folders (manifest, summary, tidy tables) without touching the model.

A run folder is the contract in ``docs/architecture.md``. Reports must build for any run folder,
old or new: a table a run does not have is recorded in :attr:`RunFolder.missing` and the report
says "not in this run" instead of failing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from reebloc.errors import ReeblocError

# The run tables a report reads (docs/architecture.md); a run made before one existed lacks it.
TABLES = ("prices", "demand", "government", "welfare", "security")

# The columns a reader relies on, per run table (docs/architecture.md); other columns may be absent
# in a run made by an older reebloc. A table that lacks one of these is not a reebloc result table.
KEYS = ("scenario", "year")
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "prices": KEYS + ("node", "commodity", "price_usd_per_kg"),
    "demand": KEYS + ("node", "commodity", "demand_t", "served_t", "unserved_t"),
    "government": KEYS + ("payer", "instrument", "usd"),
    "welfare": KEYS + ("node", "total_usd"),
    "security": KEYS + ("run", "node", "commodity", "metric", "value"),
    "investment": KEYS + ("project", "node", "process", "capacity_t"),
    "production": KEYS + ("node", "commodity", "quantity_t"),
    "flows": KEYS + ("origin", "destination", "commodity", "quantity_t"),
    "stockpiles": KEYS + ("node", "commodity", "release_t", "stock_t"),
}
# Of those, the columns that hold numbers (a text cell there is a hand-edited or foreign file).
NUMERIC_COLUMNS = {"year", "price_usd_per_kg", "demand_t", "served_t", "unserved_t", "usd", "total_usd", "value",
                   "capacity_t", "quantity_t", "release_t", "stock_t", "clean_premium_usd_per_kg"}
NUMERIC_EXTRA = {"capacity_added_t", "capex_usd", "cost_of_capital", "purchase_t", "touched_t", "cost_usd",
                 "freight_usd", "trade_cost_usd", "shortage_t", "priced_out_t", "served_by_substitutes_t",
                 "consumer_surplus_usd", "producer_surplus_usd", "government_net_usd", "tariff_revenue_usd",
                 "shadow_price", "replaced_t", "substitute_t"}
NOT_A_RUN = "(is this a reebloc run folder?)"

# Tables whose values add up over scenarios (expected value = sum of probability × value, a row
# that is absent counts as zero); the others (prices, shares) are averaged over the scenarios
# that have a row.
ADDITIVE = {"demand", "government", "welfare"}


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise ReeblocError(path, None, "is not a file (a corrupted run folder?)")
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReeblocError(path, None, f"not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except UnicodeDecodeError as exc:
        raise ReeblocError(path, None, f"not UTF-8 text (bad byte at offset {exc.start})") from None
    except OSError as exc:
        raise ReeblocError(path, None, f"cannot be read ({exc.strerror})") from None
    if not isinstance(obj, dict):
        raise ReeblocError(path, None, f"expected a JSON object, got a {type(obj).__name__} (a corrupted run folder?)")
    return obj


@dataclass
class RunFolder:
    """One run folder: manifest and summary eagerly, tables lazily (``table(name)``)."""

    path: Path
    manifest: dict
    summary: dict
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return str(self.manifest.get("run") or self.summary.get("run") or self.path.name)

    def table(self, name: str) -> pd.DataFrame | None:
        """The table ``<name>.csv``, or None when the run does not have it."""
        if name not in self._tables:
            f = self.path / f"{name}.csv"
            if f.exists():
                df = _read_table(f, REQUIRED_COLUMNS.get(name, ()))
                for col in ("scenario", "node", "commodity", "payer", "instrument", "policy"):
                    if col in df.columns:
                        df[col] = df[col].astype(str)
                self._tables[name] = df
            else:
                self._tables[name] = None
        return self._tables[name]

    def has(self, name: str) -> bool:
        return self.table(name) is not None

    @property
    def missing(self) -> list[str]:
        return [f"{t}.csv" for t in TABLES if not self.has(t)]

    @property
    def config(self) -> dict:
        cfg = self.manifest.get("config")
        return cfg if isinstance(cfg, dict) else {}

    @cached_property
    def probabilities(self) -> dict[str, float]:
        """Scenario → probability: summary, then manifest, else equal weights over the tables."""
        probs: dict[str, float] = {}
        s = self.summary.get("scenarios")
        if isinstance(s, dict):
            for k, v in s.items():
                p = v.get("probability") if isinstance(v, dict) else v
                if isinstance(p, (int, float)):
                    probs[str(k)] = float(p)
        if not probs:
            m = self.manifest.get("scenarios")
            if isinstance(m, dict):
                for k, v in m.items():
                    p = v.get("probability") if isinstance(v, dict) else v
                    if isinstance(p, (int, float)):
                        probs[str(k)] = float(p)
        if not probs:
            names: set[str] = set()
            for t in TABLES:
                df = self.table(t)
                if df is not None and "scenario" in df.columns:
                    names |= set(df["scenario"].unique())
            names = names or {"base"}
            probs = {n: 1.0 / len(names) for n in sorted(names)}
        return probs

    @property
    def inputs_path(self) -> Path | None:
        p = (self.manifest.get("inputs") or {}).get("path")
        if not p:
            return None
        p = Path(p)
        if p.is_absolute():
            return p if p.exists() else None
        for root in [Path.cwd(), *self.path.resolve().parents]:
            if (root / p).is_dir():
                return root / p
        return None

    @property
    def input_hashes(self) -> dict[str, str]:
        files = (self.manifest.get("inputs") or {}).get("files")
        return dict(files) if isinstance(files, dict) else {}

    def input_table(self, name: str) -> pd.DataFrame | None:
        """A table of the run's data set (e.g. ``sources``), or None if the folder is gone."""
        folder = self.inputs_path
        if folder is None or not (folder / f"{name}.csv").exists():
            return None
        return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def check_columns(f: Path, df: pd.DataFrame, required: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """``df`` read from the run table ``f`` has every column in ``required``, and the number
    columns among them hold numbers; else one line naming the file and the column."""
    for col in required:
        if col not in df.columns:
            raise ReeblocError(f, None, f"missing column '{col}' {NOT_A_RUN}")
    for col in required:
        if col in NUMERIC_COLUMNS and len(df) and not pd.api.types.is_numeric_dtype(df[col]):
            bad = pd.to_numeric(df[col], errors="coerce").isna() & df[col].notna()
            i = int(bad.to_numpy().argmax()) if bad.any() else 0
            raise ReeblocError(f, f"row {i + 1}, column '{col}'",
                               f"expected a number, got {str(df[col].iloc[i])[:40]!r} {NOT_A_RUN}")
    if not len(df):         # a header-only table reads as text columns: arithmetic on them would fail
        df = df.astype({c: "float64" for c in df.columns if c in NUMERIC_COLUMNS | NUMERIC_EXTRA})
    return df


def read_run_table(f: Path, required: tuple[str, ...] | list[str] = (), **read_csv) -> pd.DataFrame:
    """A run table read with ``pd.read_csv(**read_csv)``, checked like :func:`_read_table`."""
    return _read_table(f, required, **read_csv)


def _read_table(f: Path, required: tuple[str, ...] | list[str] = (), **read_csv) -> pd.DataFrame:
    """A run table, or one line naming the file: a folder, empty, non-UTF-8 or unparsable file, or
    one without a ``required`` column. A table that does not end with a newline was cut short
    (reebloc always writes one): warned."""
    import warnings
    if not f.is_file():
        raise ReeblocError(f, None, "is not a file (a corrupted run folder?)")
    try:
        raw = f.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReeblocError(f, None, f"not UTF-8 text (bad byte at offset {exc.start})") from None
    except OSError as exc:
        raise ReeblocError(f, None, f"cannot be read ({exc.strerror})") from None
    if not text.strip():
        raise ReeblocError(f, None, "empty table (a corrupted run folder?)")
    if not text.endswith("\n"):
        warnings.warn(f"{f}: does not end with a newline; the table looks truncated")
    import io
    try:
        df = pd.read_csv(io.StringIO(text), **(read_csv or {"keep_default_na": False, "na_values": [""]}))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ReeblocError(f, None, f"not a valid CSV table ({str(exc).strip().splitlines()[-1]})") from None
    return check_columns(f, df, required)


def load_run(path: str | Path) -> RunFolder:
    """Open a run folder; a missing folder or manifest is a one-line :class:`ReeblocError`."""
    path = Path(path)
    if not path.is_dir():
        raise ReeblocError(path, None, "run folder not found")
    manifest_f = path / "manifest.json"
    if not manifest_f.exists():
        raise ReeblocError(manifest_f, None, "not a run folder (no manifest.json); run `reebloc run` first")
    manifest = _read_json(manifest_f)
    summary_f = path / "summary.json"
    summary = _read_json(summary_f) if summary_f.exists() else {}
    return RunFolder(path=path, manifest=manifest, summary=summary)


def load_runs(paths: list[str | Path], baseline: str | Path | None = None) -> tuple[list[RunFolder], RunFolder | None]:
    """Open the runs (baseline first, added if not listed); run names must be distinct."""
    if not paths and baseline is None:
        raise ReeblocError(None, "RUN_DIR", "name at least one run folder")
    ordered = [Path(p) for p in paths]
    base_run = None
    if baseline is not None:
        b = Path(baseline)
        ordered = [b] + [p for p in ordered if p.resolve() != b.resolve()]
    runs = [load_run(p) for p in ordered]
    if baseline is not None:
        base_run = runs[0]
    seen: dict[str, Path] = {}
    for r in runs:
        if r.name in seen:
            raise ReeblocError(r.path, "run", f"run name '{r.name}' is also the name of {seen[r.name]}; compare distinct runs")
        seen[r.name] = r.path
    return runs, base_run
