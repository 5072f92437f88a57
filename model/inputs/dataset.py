"""Data sets: a folder of tidy CSV tables (see docs/data.md), loaded and checked.

Every check stops at the first breach with one line naming the file, the data row (1-based,
header excluded) and the column.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import pandas as pd

from reebloc.errors import ReeblocError
from reebloc.inputs.files import MAX_TABLE_BYTES, check_regular, read_bytes, resolve

STR, INT, FLOAT, OPTSTR, OPTFLOAT = "str", "int", "float", "optstr", "optfloat"
STATUSES = ("operating", "committed", "announced", "speculative")
STAGES = ("mine", "separation", "metal", "magnet")
MAX_ABS = 1e15        # larger numbers are typos or stand-ins for infinity (HiGHS reads 1e20 as infinite)
YEAR_RANGE = (1000, 9999)


@dataclass(frozen=True)
class Spec:
    """Schema of one table: column types, key, references, bounds."""

    columns: dict[str, str]
    key: tuple[str, ...]
    refs: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (table, column)
    nonneg: tuple[str, ...] = ()
    checks: tuple[tuple[str, Callable[[float], bool], str], ...] = ()  # column, ok(value), expected
    required: bool = True
    cites: bool = True


def _in(values):
    return lambda v: v in values


SPECS: dict[str, Spec] = {
    "sources": Spec({"source_id": STR, "citation": STR, "url": OPTSTR, "note": OPTSTR},
                    ("source_id",), cites=False),
    "assumptions": Spec({"assumption_id": STR, "description": STR, "unit": STR, "central": FLOAT,
                         "low": FLOAT, "high": FLOAT, "note": OPTSTR}, ("assumption_id",), cites=False),
    "nodes": Spec({"node": STR, "name": STR, "source_id": STR}, ("node",),
                  checks=(("node", lambda v: "_" not in v, "an id without '_' (a payer is NODE_AGENCY, e.g. US_DoD)"),)),
    "commodities": Spec({"commodity": STR, "name": STR, "stage": STR, "source_id": STR}, ("commodity",),
                        checks=(("stage", _in(STAGES), f"one of {', '.join(STAGES)}"),)),
    "processes": Spec({"process": STR, "commodity": STR, "coefficient_t": FLOAT, "source_id": STR},
                      ("process", "commodity"), refs={"commodity": ("commodities", "commodity")},
                      checks=(("coefficient_t", lambda v: v != 0, "a non-zero number"),)),
    "facilities": Spec({"facility": STR, "node": STR, "process": STR, "owner": STR, "status": STR,
                        "start_year": INT, "end_year": INT, "source_id": STR}, ("facility",),
                       refs={"node": ("nodes", "node"), "process": ("processes", "process")},
                       checks=(("status", _in(STATUSES), f"one of {', '.join(STATUSES)}"),)),
    "capacity": Spec({"facility": STR, "year": INT, "capacity_t": FLOAT, "source_id": STR},
                     ("facility", "year"), refs={"facility": ("facilities", "facility")},
                     nonneg=("capacity_t",)),
    "costs": Spec({"facility": STR, "year": INT, "cost_usd_per_kg": FLOAT,
                   "slope_usd_per_kg_per_t": OPTFLOAT, "source_id": STR},
                  ("facility", "year"), refs={"facility": ("facilities", "facility")},
                  nonneg=("cost_usd_per_kg", "slope_usd_per_kg_per_t")),
    "demand": Spec({"node": STR, "segment": STR, "commodity": STR, "year": INT, "quantity_t": FLOAT,
                    "price_usd_per_kg": FLOAT, "elasticity": FLOAT, "voll_usd_per_kg": FLOAT,
                    "source_id": STR}, ("node", "segment", "commodity", "year"),
                   refs={"node": ("nodes", "node"), "commodity": ("commodities", "commodity")},
                   nonneg=("quantity_t", "price_usd_per_kg"),
                   checks=(("elasticity", lambda v: v <= 0, "<= 0"),
                           ("voll_usd_per_kg", lambda v: v > 0, "> 0"))),
    "routes": Spec({"origin": STR, "destination": STR, "commodity": STR, "freight_usd_per_kg": FLOAT,
                    "source_id": STR}, ("origin", "destination", "commodity"),
                   refs={"origin": ("nodes", "node"), "destination": ("nodes", "node"),
                         "commodity": ("commodities", "commodity")}, nonneg=("freight_usd_per_kg",)),
    "substitution": Spec({"segment": STR, "commodity": STR, "substitute": STR, "max_share": FLOAT,
                          "ratio_t_per_t": FLOAT, "source_id": STR}, ("segment", "commodity", "substitute"),
                         refs={"commodity": ("commodities", "commodity"),
                               "substitute": ("commodities", "commodity")},
                         checks=(("max_share", lambda v: 0 <= v <= 1, "between 0 and 1"),
                                 ("ratio_t_per_t", lambda v: v > 0, "> 0")), required=False),
    "projects": Spec({"project": STR, "node": STR, "process": STR, "owner": STR, "status": STR,
                      "max_capacity_t": FLOAT, "capacity_source_id": STR, "earliest_year": INT,
                      "lead_time_years": FLOAT, "ramp": STR, "capex_usd_per_t_yr": FLOAT,
                      "fixed_om_usd_per_t_yr": FLOAT, "capex_source_id": STR, "cost_usd_per_kg": FLOAT,
                      "cost_source_id": STR, "lifetime_years": FLOAT, "cost_of_capital_merchant": FLOAT,
                      "cost_of_capital_contracted": FLOAT, "finance_source_id": STR, "source_id": STR},
                     ("project",), refs={"node": ("nodes", "node"), "process": ("processes", "process")},
                     nonneg=("max_capacity_t", "capex_usd_per_t_yr", "fixed_om_usd_per_t_yr", "cost_usd_per_kg",
                             "lead_time_years"),
                     checks=(("status", _in(STATUSES[1:]), f"one of {', '.join(STATUSES[1:])}"),
                             ("lead_time_years", lambda v: v == int(v), "a whole number of years"),
                             ("lifetime_years", lambda v: v >= 1 and v == int(v), "a whole number of years >= 1"),
                             ("cost_of_capital_merchant", lambda v: 0 <= v < 1, "a rate from 0 to 1 (0.12 = 12%/yr)"),
                             ("cost_of_capital_contracted", lambda v: 0 <= v < 1, "a rate from 0 to 1 (0.08 = 8%/yr)"),
                             ("ramp", lambda v: parse_ramp(v) is not None,
                              "shares of nameplate by year online, space-separated, each 0-1, the last > 0 (e.g. '0.5 1')")),
                     required=False),
    "trade_reference": Spec({"origin": STR, "destination": STR, "commodity": STR, "year": INT,
                             "quantity_t": FLOAT, "tariff_in_force_pct": FLOAT, "source_id": STR},
                            ("origin", "destination", "commodity", "year"),
                            refs={"origin": ("nodes", "node"), "destination": ("nodes", "node"),
                                  "commodity": ("commodities", "commodity")},
                            nonneg=("quantity_t", "tariff_in_force_pct"), required=False),
    # (months: the months of the year the figure covers, "1-12" the whole year, "5-12" May-December)
    "observed": Spec({"metric": STR, "year": INT, "months": STR, "value": FLOAT, "low": FLOAT, "high": FLOAT,
                      "unit": STR, "source_id": STR}, ("metric", "year", "months"), required=False,
                     checks=(("months", lambda v: parse_months(v) is not None,
                              "first-last month of the year, e.g. 1-12 or 5-12"),)),
    # private stockholders (docs/model.md § Private storage)
    # (origin: the class of material held, touched or clean; docs/model.md § Origin classes)
    "storage": Spec({"node": STR, "commodity": STR, "origin": STR, "capacity_t": FLOAT, "initial_t": FLOAT,
                     "holding_cost_usd_per_kg_yr": FLOAT, "capacity_source_id": STR, "initial_source_id": STR,
                     "holding_source_id": STR}, ("node", "commodity"),
                    refs={"node": ("nodes", "node"), "commodity": ("commodities", "commodity")},
                    nonneg=("capacity_t", "initial_t", "holding_cost_usd_per_kg_yr"),
                    checks=(("origin", _in(("touched", "clean")), "touched or clean"),), required=False),
    # grades a plant may make besides its own process (docs/model.md § Magnet grades)
    # (max_share: the most of the plant's capacity the grade may use, 0-1)
    "grades": Spec({"facility": STR, "process": STR, "cost_premium_usd_per_kg": FLOAT, "source_id": STR,
                    "max_share": FLOAT, "max_share_source_id": STR},
                   ("facility", "process"), refs={"process": ("processes", "process")},
                   nonneg=("cost_premium_usd_per_kg",),
                   checks=(("max_share", lambda v: 0 < v <= 1, "a share of the plant's capacity in (0, 1]"),),
                   required=False),
}
YEAR_TABLES = ("capacity", "costs", "demand")


def parse_months(v: str) -> tuple[int, int] | None:
    """'5-12' → (5, 12): the first and last month of a window inside one year (None if malformed)."""
    parts = str(v).split("-")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        return None
    a, b = int(parts[0]), int(parts[1])
    return (a, b) if 1 <= a <= b <= 12 else None


def parse_ramp(text: str) -> list[float] | None:
    """'0.5 1' → [0.5, 1.0]: share of nameplate available in the 1st, 2nd, ... year online (the
    last share holds after); None if malformed."""
    try:
        vals = [float(x) for x in str(text).replace(";", " ").split()]
    except ValueError:
        return None
    if not vals or any(not (0 <= v <= 1) for v in vals) or vals[-1] <= 0:
        return None
    return vals


@dataclass(frozen=True)
class DataSet:
    """The loaded tables (filtered to the run's years) and the hashes of the files read."""

    folder: Path
    tables: dict[str, pd.DataFrame]
    hashes: dict[str, str]
    horizon: tuple[int, int]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def has(self, name: str) -> bool:
        return name in self.tables and not self.tables[name].empty

    def with_table(self, name: str, df: pd.DataFrame) -> "DataSet":
        tables = dict(self.tables)
        tables[name] = df
        return replace(self, tables=tables)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read(folder: Path, name: str, spec: Spec) -> pd.DataFrame | None:
    path = folder / f"{name}.csv"
    if not path.exists() and not path.is_symlink():
        if spec.required:
            raise ReeblocError(path, None, "required table is missing")
        return None
    try:       # regular files only: a folder, FIFO, device, dangling link or loop is one line
        text = read_bytes(path, "a CSV file", MAX_TABLE_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ReeblocError(path, None, f"not UTF-8 text (bad byte at offset {e.start})") from None
    if not text.strip():
        raise ReeblocError(path, None, f"empty file; expected a header row: {','.join(spec.columns)}")
    _check_widths(path, text)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ReeblocError(path, None, f"not a valid CSV table: {str(e).strip().splitlines()[-1]}") from None
    df.columns = [str(c).strip() for c in df.columns]
    twice = df.columns[df.columns.duplicated()]
    if len(twice):
        raise ReeblocError(path, f"column {twice[0]!r}", "appears twice in the header")
    for col in df.columns:
        if col not in spec.columns:
            close = difflib.get_close_matches(col, list(spec.columns), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; expected columns: {', '.join(spec.columns)}"
            raise ReeblocError(path, f"column {col!r}", f"unknown column{hint}")
    for col, typ in spec.columns.items():
        if col not in df.columns:
            if typ in (OPTSTR, OPTFLOAT):
                df[col] = ""
            else:
                raise ReeblocError(path, f"column {col!r}", "required column is missing")
    df = df[list(spec.columns)].copy()
    for col, typ in spec.columns.items():
        df[col] = _convert(df[col], typ, path, col)
    return df


def _check_widths(path: Path, text: str) -> None:
    """A data row with more fields than the header (a stray or trailing comma) would shift or
    drop values silently: name it. Blank lines are skipped, as the reader does."""
    width = None
    row = 0
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as e:          # e.g. a cell longer than csv.field_size_limit()
            where = f"row {row + 1}" if width is not None else "header"
            msg = str(e)
            if "field larger than field limit" in msg:
                msg = f"a cell longer than {csv.field_size_limit():,} characters (an unclosed quote?)"
            raise ReeblocError(path, where, f"not a valid CSV table: {msg}") from None
        if not fields:
            continue
        if width is None:
            width = len(fields)
            continue
        row += 1
        if len(fields) > width:
            raise ReeblocError(path, f"row {row}", f"{len(fields)} fields, but the header has {width} "
                               "(a stray comma, or a trailing one?)")


def _convert(s: pd.Series, typ: str, path: Path, col: str) -> pd.Series:
    s = s.astype(str).str.strip()
    if typ in (STR, OPTSTR):
        if typ == STR:
            bad = s[s == ""]
            if len(bad):
                raise ReeblocError(path, f"row {bad.index[0] + 1}, column {col!r}", "empty; a value is required")
        return s
    out = []
    for i, v in s.items():
        if v == "" and typ == OPTFLOAT:
            out.append(0.0)
            continue
        try:
            x = float(v)
        except ValueError:
            raise ReeblocError(path, f"row {i + 1}, column {col!r}",
                               f"expected a number, got {v!r}" if v else "empty; a number is required") from None
        if not math.isfinite(x):
            raise ReeblocError(path, f"row {i + 1}, column {col!r}", f"expected a finite number, got {v!r}")
        if typ == INT:
            if x != int(x) or not YEAR_RANGE[0] <= x <= YEAR_RANGE[1]:
                raise ReeblocError(path, f"row {i + 1}, column {col!r}",
                                   f"expected a whole year from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}, got {v!r}")
            x = int(x)
        elif abs(x) >= MAX_ABS:
            raise ReeblocError(path, f"row {i + 1}, column {col!r}",
                               f"expected a number smaller than {MAX_ABS:g} in size, got {v!r}")
        out.append(x)
    return pd.Series(out, index=s.index, dtype="int64" if typ == INT else "float64")


def _fail(folder: Path, name: str, row: int, col: str, msg: str) -> ReeblocError:
    return ReeblocError(folder / f"{name}.csv", f"row {row + 1}, column {col!r}", msg)


# Tables a data set cannot do without rows of: every other table names their ids, so an empty one
# would be blamed on the first table that refers to it (substitution.csv for an empty demand.csv).
NEED_ROWS = {
    "nodes": "expected at least one node",
    "commodities": "expected at least one commodity",
    "processes": "expected at least one process",
    "demand": "expected at least one row (its years set the data horizon)",
}


def load_dataset(folder: str | Path, years: list[int] | None = None) -> DataSet:
    """Load and check every table; keep rows of ``years`` (all when None)."""
    folder = Path(folder)
    if not folder.is_dir():
        if folder.is_symlink() and not folder.exists():
            resolve(folder)                    # a loop is named as such
            raise ReeblocError(folder, None, "data-set folder is a dangling symbolic link")
        raise ReeblocError(folder, None, "data-set folder not found" if not folder.exists()
                           else "is not a folder; expected a data-set folder of CSV tables")
    tables = {}
    for name, spec in SPECS.items():
        df = _read(folder, name, spec)
        if df is not None:
            tables[name] = df
    for name, why in NEED_ROWS.items():     # before the references into them are checked
        if name in tables and tables[name].empty:
            raise ReeblocError(folder / f"{name}.csv", None, f"no data rows (header only); {why}")
    for name, df in tables.items():
        spec = SPECS[name]
        dup = df.duplicated(list(spec.key), keep="first")
        if dup.any():
            i = int(dup.idxmax())
            key = ", ".join(f"{k}={df.at[i, k]}" for k in spec.key)
            raise _fail(folder, name, i, spec.key[-1], f"duplicate key ({key})")
        for col in spec.nonneg:
            neg = df[df[col] < 0]
            if len(neg):
                i = neg.index[0]
                raise _fail(folder, name, i, col, f"expected a value >= 0, got {df.at[i, col]:g}")
        for col, ok, expected in spec.checks:
            for i, v in df[col].items():
                if not ok(v):
                    raise _fail(folder, name, i, col, f"expected {expected}, got {v!r}")
        for col, (rtable, rcol) in spec.refs.items():
            known = set(tables[rtable][rcol]) if rtable in tables else set()
            for i, v in df[col].items():
                if v not in known:
                    close = difflib.get_close_matches(v, sorted(known), n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    raise _fail(folder, name, i, col, f"unknown {rcol} {v!r} (not in {rtable}.csv){hint}")
    _check_sources(folder, tables)
    _check_assumptions(folder, tables["assumptions"])
    _check_processes(folder, tables)
    _check_substitution(folder, tables)
    _check_projects(folder, tables, years)
    _check_grades(folder, tables)
    _check_demand_curves(folder, tables)
    _check_storage(folder, tables)
    _check_observed(folder, tables)
    horizon = _check_years(folder, tables, years)
    _check_series(folder, tables, years, horizon)
    _check_costs_cover_capacity(folder, tables, years, horizon)
    if years is not None:
        keep = set(years)
        for name in YEAR_TABLES:
            tables[name] = tables[name][tables[name]["year"].isin(keep)].reset_index(drop=True)
    hashes = {}
    for p in sorted(folder.glob("*.csv")):     # every CSV is hashed, so each must be a regular file
        check_regular(p, "a CSV file", MAX_TABLE_BYTES)
        hashes[p.name] = sha256(p)
    return DataSet(folder=folder.resolve(), tables=tables, hashes=hashes, horizon=horizon)


def _check_sources(folder: Path, tables: dict) -> None:
    known = set(tables["sources"]["source_id"]) | set(tables["assumptions"]["assumption_id"])
    for name, df in tables.items():
        if not SPECS[name].cites:
            continue
        for col in [c for c in df.columns if c.endswith("source_id")]:
            for i, v in df[col].items():
                if v not in known:
                    raise _fail(folder, name, i, col,
                                f"unknown source {v!r} (not in sources.csv or assumptions.csv)")


def _check_assumptions(folder: Path, df: pd.DataFrame) -> None:
    for i, r in df.iterrows():
        if not (r["low"] <= r["central"] <= r["high"]):
            raise _fail(folder, "assumptions", i, "central",
                        f"expected low <= central <= high, got {r['low']:g} <= {r['central']:g} <= {r['high']:g}")


def _check_processes(folder: Path, tables: dict) -> None:
    df = tables["processes"]
    for p, g in df.groupby("process", sort=False):
        if not (g["coefficient_t"] > 0).any():
            raise _fail(folder, "processes", g.index[0], "coefficient_t",
                        f"process {p!r} has no output (no positive coefficient)")


def _check_substitution(folder: Path, tables: dict) -> None:
    if "substitution" not in tables:
        return
    segments = set(tables["demand"]["segment"])
    df = tables["substitution"]
    for i, v in df["segment"].items():
        if v not in segments:
            raise _fail(folder, "substitution", i, "segment", f"unknown segment {v!r} (not in demand.csv)")
    for i, r in df.iterrows():
        if r["substitute"] == r["commodity"]:
            raise _fail(folder, "substitution", i, "substitute",
                        f"{r['substitute']!r} is the row's own commodity (segment {r['segment']}); "
                        "a substitute is another commodity")


def _check_demand_curves(folder: Path, tables: dict) -> None:
    """A demand row's curve needs a reference point below its VOLL (docs/data.md § demand.csv):
    VOLL at or below the reference price would make the row fixed demand valued below the price
    it is bought at; an elastic row (elasticity < 0) needs a reference price > 0, else its curve
    through (quantity_t, price_usd_per_kg) does not exist and the row became fixed demand."""
    for i, r in tables["demand"].iterrows():
        key = f"{r['node']}, {r['segment']}, {r['commodity']}, {r['year']}"
        if r["elasticity"] < 0 and r["price_usd_per_kg"] <= 0:
            raise _fail(folder, "demand", i, "price_usd_per_kg",
                        f"({key}): an elastic row (elasticity {r['elasticity']:g}) needs a reference price > 0, "
                        f"got {r['price_usd_per_kg']:g} (for fixed demand set elasticity 0)")
        if r["voll_usd_per_kg"] <= r["price_usd_per_kg"]:
            raise _fail(folder, "demand", i, "voll_usd_per_kg",
                        f"({key}): expected a value above price_usd_per_kg {r['price_usd_per_kg']:g}, "
                        f"got {r['voll_usd_per_kg']:g} (VOLL is the most buyers pay; the reference price is below it)")


def _check_storage(folder: Path, tables: dict) -> None:
    """The opening private stock fits in the storage (docs/data.md § storage.csv)."""
    if "storage" not in tables:
        return
    for i, r in tables["storage"].iterrows():
        if r["initial_t"] > r["capacity_t"]:
            raise _fail(folder, "storage", i, "initial_t",
                        f"({r['node']}, {r['commodity']}): {r['initial_t']:g} t exceeds capacity_t {r['capacity_t']:g}")


def _check_observed(folder: Path, tables: dict) -> None:
    """A calibration band is low <= high (docs/data.md § observed.csv)."""
    if "observed" not in tables:
        return
    for i, r in tables["observed"].iterrows():
        if r["low"] > r["high"]:
            raise _fail(folder, "observed", i, "low",
                        f"({r['metric']}, {r['year']}, months {r['months']}): expected low <= high, "
                        f"got low {r['low']:g} > high {r['high']:g}")


def _check_projects(folder: Path, tables: dict, years: list[int] | None) -> None:
    """A project is a new facility: its name must not be an operating facility's; its lead time
    must fit inside the data horizon (the span of demand years), else it could never come online.
    A run shorter than a lead time simply has no decision for that project."""
    if "projects" not in tables:
        return
    df = tables["projects"]
    facs = set(tables["facilities"]["facility"])
    for i, v in df["project"].items():
        if v in facs:
            raise _fail(folder, "projects", i, "project", f"{v!r} is also in facilities.csv; a project is a new facility")
    d = tables["demand"]
    if d.empty:
        return
    lo, hi = int(d["year"].min()), int(d["year"].max())
    for i, r in df.iterrows():
        if r["lead_time_years"] > hi - lo:
            raise _fail(folder, "projects", i, "lead_time_years",
                        f"lead time {r['lead_time_years']:g} years is longer than the data horizon "
                        f"{lo}-{hi} ({hi - lo} years): the project could never come online")


def _check_grades(folder: Path, tables: dict) -> None:
    """A grade row names a facility or project (a plant), a process other than the plant's own, and
    that process must make what the plant's own process makes or a substitute of it; a plant with a
    rising cost curve (slope) has one recipe."""
    if "grades" not in tables:
        return
    own = dict(zip(tables["facilities"]["facility"], tables["facilities"]["process"]))
    if "projects" in tables:
        own.update(zip(tables["projects"]["project"], tables["projects"]["process"]))
    sloped = set(tables["costs"].loc[tables["costs"]["slope_usd_per_kg_per_t"] > 0, "facility"])
    for i, r in tables["grades"].iterrows():
        f, p = r["facility"], r["process"]
        if f not in own:
            close = difflib.get_close_matches(f, sorted(own), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise _fail(folder, "grades", i, "facility", f"unknown facility {f!r} (not in facilities.csv or projects.csv){hint}")
        if p == own[f]:
            raise _fail(folder, "grades", i, "process", f"{p!r} is {f!r}'s own process; list only the other grades it can make")
        if f in sloped:
            raise _fail(folder, "grades", i, "facility", f"{f!r} has a rising cost (slope in costs.csv); a plant with grades needs a flat cost")


def _check_years(folder: Path, tables: dict, years: list[int] | None) -> tuple[int, int]:
    """The data's horizon is the span of demand years; every dated row must fall inside it,
    and the run's years must too."""
    d = tables["demand"]
    if d.empty:
        raise ReeblocError(folder / "demand.csv", None, "no demand rows")
    lo, hi = int(d["year"].min()), int(d["year"].max())
    for name in ("capacity", "costs"):
        df = tables[name]
        bad = df[(df["year"] < lo) | (df["year"] > hi)]
        if len(bad):
            i = bad.index[0]
            raise _fail(folder, name, i, "year", f"year {df.at[i, 'year']} outside the data horizon {lo}-{hi} (demand years)")
    f = tables["facilities"]
    for i, r in f.iterrows():
        if r["end_year"] < r["start_year"]:
            raise _fail(folder, "facilities", i, "end_year",
                        f"end_year {r['end_year']} is before start_year {r['start_year']}")
    if years is not None:
        missing = [y for y in years if y < lo or y > hi]
        if missing:
            raise ReeblocError(folder / "demand.csv", "year",
                               f"the run's years {min(years)}-{max(years)} are outside the data horizon {lo}-{hi}")
    return lo, hi


SERIES = {"capacity": ("facility",), "costs": ("facility",), "demand": ("node", "segment", "commodity")}


def _run_years(years: list[int] | None, horizon: tuple[int, int]) -> list[int]:
    return sorted(set(years)) if years is not None else list(range(horizon[0], horizon[1] + 1))


def _check_series(folder: Path, tables: dict, years: list[int] | None, horizon: tuple[int, int]) -> None:
    """A year-indexed series (a facility's capacity or cost rows, a demand row key) has a row for
    every run year between its first and last listed year: a missing row inside the span would
    silently be zero (no capacity, free production, no demand). Before its first and after its
    last listed year a series is absent (docs/data.md)."""
    run = _run_years(years, horizon)
    for name, key in SERIES.items():
        df = tables[name]
        for k, g in df.groupby(list(key), sort=True):
            k = k if isinstance(k, tuple) else (k,)
            listed = set(int(y) for y in g["year"])
            lo, hi = min(listed), max(listed)
            missing = [y for y in run if lo <= y <= hi and y not in listed]
            if missing:
                y = missing[0]
                before = max(v for v in listed if v < y)
                after = min(v for v in listed if v > y)
                what = ", ".join(f"{c}={v}" for c, v in zip(key, k))
                fix = {"capacity": "write capacity_t 0 for a year without capacity",
                       "costs": "give the year's cost_usd_per_kg",
                       "demand": "write quantity_t 0 for a year without demand"}[name]
                raise ReeblocError(folder / f"{name}.csv", what,
                                   f"no row for year {y}, between its rows for {before} and {after}; a series needs a "
                                   f"row for every year from its first ({lo}) to its last ({hi}), a missing one "
                                   f"would silently be zero ({fix})")


def _check_costs_cover_capacity(folder: Path, tables: dict, years: list[int] | None,
                                horizon: tuple[int, int]) -> None:
    """Every (facility, year) with capacity > 0 in a run year the facility operates in
    (start_year-end_year) has a cost row: without one it would produce at zero cost."""
    run = set(_run_years(years, horizon))
    cap = tables["capacity"]
    have = set(zip(tables["costs"]["facility"], tables["costs"]["year"]))
    life = {f: (a, b) for f, a, b in tables["facilities"][["facility", "start_year", "end_year"]].itertuples(index=False)}
    for f, y, q in cap[["facility", "year", "capacity_t"]].itertuples(index=False):
        a, b = life.get(f, (y, y))
        if q > 0 and y in run and a <= y <= b and (f, y) not in have:
            raise ReeblocError(folder / "costs.csv", f"facility={f}, year={y}",
                               f"no cost row, but capacity.csv gives {f} {q:g} t in {y}; every year with "
                               "capacity needs a cost (without one production would be free)")
