"""Sweep configs (``runs/sweeps/<name>.yaml``): pydantic schema and loading.

A sweep names a base run config, a design, the uncertain parameters and the outputs to collect::

    name: floor_sensitivity
    base: ../baseline.yaml            # relative to this file
    design: {kind: lhs, n: 1000, seed: 7}
    parameters:
      - name: cn_cost
        table: costs                  # data-table selector (wildcards with fnmatch)
        where: {facility: "cn_*", year: "*"}
        column: cost_usd_per_kg
        change: relative              # new = base × x
        low: 0.8
        high: 1.2
      - name: floor
        path: policies.mp_floor.price_usd_per_kg    # config dotted path
        change: substitute            # new = x
        low: 90
        high: 130
      - name: quota_growth
        assumption: asm_cn_quota_growth   # low/high from the data set's assumptions.csv
        path: ...
    outputs:
      - {name: objective, summary: objective_kusd}
      - {name: cn_ndpr_2025, table: prices, where: {node: CN, commodity: ndpr_oxide, year: 2025},
         column: price_usd_per_kg, agg: mean}

``change``: ``relative`` multiplies the base value by x, ``absolute`` adds x, ``substitute``
replaces it by x. The design samples x in [low, high] (or takes ``values``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reebloc.errors import ReeblocError


MAX_VARIANTS = 1_000_000     # variants of one sweep (a million re-solves is days of work)
MAX_LEVELS = 1_000           # grid/oat/morris levels per parameter
MAX_PARAMETERS = 200
MAX_SWEEP_THREADS = 64


BUILTIN_EVALUATORS = ("reebloc", "ishigami")
EVALUATORS_ENV = "REEBLOC_EVALUATORS"


def allowed_evaluators() -> list[str]:
    """The built-in evaluators and the ``module:factory`` entries the person running reebloc
    allowed in the environment variable ``REEBLOC_EVALUATORS`` (comma-separated).

    Trust boundary: a sweep file is data and may come from anyone; naming ``module:factory`` in
    it imports and runs that module. So a sweep file alone can never choose code to import: the
    entry must also be in the allow-list, which is set outside the file (docs/sweeps.md)."""
    extra = [e.strip() for e in os.environ.get(EVALUATORS_ENV, "").split(",") if e.strip()]
    return list(BUILTIN_EVALUATORS) + extra


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Design(_Strict):
    kind: Literal["grid", "oat", "lhs", "sobol", "morris"] = Field(
        description="grid: full factorial; oat: one at a time; lhs: Latin hypercube; sobol: Saltelli "
        "sample for Sobol indices; morris: elementary effects")
    n: int | None = Field(default=None, ge=1, le=MAX_VARIANTS, description="lhs: variants; sobol: base samples N "
                          "(N·(k+2) variants); morris: trajectories (n·(k+1) variants)")
    levels: int = Field(default=4, ge=2, le=MAX_LEVELS, description="grid/oat points per parameter; morris grid levels")
    seed: int = Field(default=12345, description="random seed of the design")
    second_order: bool = Field(default=False, description="sobol: also second-order indices")

    @model_validator(mode="after")
    def _need_n(self):
        if self.kind in ("lhs", "sobol", "morris") and self.n is None:
            raise ValueError(f"design kind {self.kind} needs n")
        return self


class Parameter(_Strict):
    name: str = Field(description="parameter name (a column of the sweep's results)")
    path: str | None = Field(default=None, description="dotted config path, e.g. policies.mp_floor.price_usd_per_kg "
                             "(give path or table)")
    table: str | None = Field(default=None, description="data-set table to change, e.g. costs (give path or table)")
    where: dict[str, Any] = Field(default_factory=dict, description="table rows to change: {column: value or "
                                  "fnmatch pattern}")
    column: str | None = Field(default=None, description="table column to change, e.g. cost_usd_per_kg")
    change: Literal["relative", "absolute", "substitute"] = Field(
        default="relative", description="relative: new = base × x; absolute: new = base + x; substitute: new = x")
    low: float | None = Field(default=None, description="lowest x (in the unit of change)")
    high: float | None = Field(default=None, description="highest x")
    values: list[Any] | None = Field(default=None, description="explicit values of x (grid/oat) instead of low/high")
    assumption: str | None = Field(default=None, description="take low/high from assumptions.csv")
    reference: float | None = Field(default=None, description="the 'no change' point (oat base)")

    @field_validator("values")
    @classmethod
    def _numbers(cls, v):
        if v is None:
            return v
        for x in v:   # true/false are allowed (a switch such as storage.private)
            if not isinstance(x, (int, float)) or not math.isfinite(x):
                raise ValueError(f"expected numbers (or true/false), got {x!r}")
        if len(set(v)) < 2:
            raise ValueError(f"expected at least two different values, got {v}: a parameter that does not "
                             "vary belongs in the base run config")
        return v

    @field_validator("low", "high", "reference")
    @classmethod
    def _finite(cls, v):
        if v is not None and not math.isfinite(v):
            raise ValueError(f"expected a finite number, got {v}")
        return v

    @model_validator(mode="after")
    def _target(self):
        if (self.path is None) == (self.table is None):
            raise ValueError("give exactly one of 'path' (config) or 'table' (data selector)")
        if self.table is not None and self.column is None:
            raise ValueError("a table selector needs 'column'")
        if self.values is None and self.assumption is None and (self.low is None or self.high is None):
            raise ValueError("give low and high, values, or an assumption id")
        if self.low is not None and self.high is not None:
            check_range(self.low, self.high)
        return self

    def default_reference(self) -> float:
        if self.reference is not None:
            return self.reference
        neutral = {"relative": 1.0, "absolute": 0.0}.get(self.change)
        if self.values is not None and self.low is None:
            lo, hi = min(self.values), max(self.values)
            if neutral is not None and lo <= neutral <= hi:
                return neutral          # the "no change" point, listed or not (OAT base)
            return self.values[0]
        lo, hi = self.low, self.high
        if neutral is not None and lo <= neutral <= hi:
            return neutral
        return 0.5 * (lo + hi)


def check_range(low: float, high: float) -> None:
    if high < low:
        raise ValueError(f"high ({high}) is below low ({low})")
    if high == low:
        raise ValueError(f"low ({low}) must be below high ({high}): the range is empty (a parameter that "
                         "does not vary belongs in the base run config)")


class Output(_Strict):
    name: str = Field(description="output name (a column of the sweep's results)")
    summary: str | None = Field(default=None, description="dotted key of summary.json (give summary or table)")
    table: str | None = Field(default=None, description="run table to read, e.g. prices (give summary or table)")
    where: dict[str, Any] = Field(default_factory=dict, description="rows to keep: {column: value or fnmatch pattern}")
    column: str | None = Field(default=None, description="column to aggregate, e.g. price_usd_per_kg")
    agg: Literal["mean", "sum", "min", "max", "first", "count"] = Field(default="sum", description="aggregate "
                                                                        "over the rows kept")
    scenarios: Literal["expected", "rows"] = Field(
        default="expected", description="how a table's rows of different scenarios combine under sum and mean: "
        "expected — weighted by the scenarios' probabilities, given the scenarios 'where' admits (sum: "
        "Σ_s p_s Σ rows of s / P; mean: Σ_s p_s mean of s / Σ p_s over the scenarios with rows); rows — every "
        "row counts once. min, max, first and count always read the rows")

    @model_validator(mode="after")
    def _one(self):
        if (self.summary is None) == (self.table is None):
            raise ValueError("give exactly one of 'summary' or 'table'")
        if self.table is not None and self.column is None and self.agg != "count":
            raise ValueError("a table output needs 'column'")
        return self


class SweepConfig(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", description="sweep name; names the "
                      "folder runs/out/sweeps/<name>/")
    description: str = Field(default="", description="free text")
    base: str | None = Field(default=None, description="run config, relative to the sweep file")
    evaluator: str = Field(default="reebloc", description="reebloc | ishigami | module:factory")
    evaluator_options: dict[str, Any] = Field(default_factory=dict, description="options passed to the evaluator")
    design: Design = Field(description="the sampling design")
    parameters: list[Parameter] = Field(min_length=1, max_length=MAX_PARAMETERS, description="what varies")
    outputs: list[Output] = Field(min_length=1, description="what is recorded per variant")
    chunk_size: int | None = Field(default=None, ge=1, le=MAX_VARIANTS, description="variants per stored chunk; default: from "
                                   "the number of variants and workers")
    threads: int = Field(default=1, ge=1, le=MAX_SWEEP_THREADS, description="HiGHS threads per worker")
    warm_start: bool = Field(default=True, description="re-solve from the previous variant's basis; "
                             "false: cold start (same duals as a fresh run where prices are not unique)")

    @field_validator("evaluator")
    @classmethod
    def _allowed(cls, v: str) -> str:
        allowed = allowed_evaluators()
        if v not in allowed:
            import difflib
            close = difflib.get_close_matches(v, allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            extra = (f"; a module:factory evaluator must also be listed in the environment variable "
                     f"{EVALUATORS_ENV} (it imports code)") if ":" in v else ""
            raise ValueError(f"{v!r} is not an allowed evaluator; {hint}allowed: {', '.join(allowed)}{extra}")
        return v

    @model_validator(mode="after")
    def _names(self):
        for what, items in (("parameter", self.parameters), ("output", self.outputs)):
            names = [i.name for i in items]
            dup = {n for n in names if names.count(n) > 1}
            if dup:
                raise ValueError(f"duplicate {what} name(s): {', '.join(sorted(dup))}")
        clash = {p.name for p in self.parameters} & ({o.name for o in self.outputs} | {"variant", "status"})
        if clash:
            raise ValueError(f"names used twice or reserved: {', '.join(sorted(clash))}")
        if self.evaluator == "reebloc" and self.base is None:
            raise ValueError("the reebloc evaluator needs 'base' (a run config)")
        n = self.n_variants()
        if n > MAX_VARIANTS:
            raise ValueError(f"design.{'levels' if self.design.kind == 'grid' else 'n'}: the design has "
                             f"{n:,} variants; at most {MAX_VARIANTS:,} are allowed")
        return self

    def n_variants(self) -> int:
        """Variants the design makes, computed before sampling (an upper bound for oat)."""
        d, k = self.design, len(self.parameters)
        sizes = [len(p.values) if p.values is not None else d.levels for p in self.parameters]
        if d.kind == "grid":
            n = 1
            for m in sizes:
                n *= m
                if n > MAX_VARIANTS:
                    return n
            return n
        if d.kind == "oat":
            return 1 + sum(sizes)
        if d.kind == "lhs":
            return d.n
        if d.kind == "sobol":
            return d.n * ((2 * k + 2) if d.second_order else (k + 2))
        return d.n * (k + 1)


class ResolvedSweep(BaseModel):
    """A validated sweep with absolute paths and ranges filled in from assumptions."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    config: SweepConfig
    path: Path
    base_path: Path | None

    def digest(self) -> str:
        """Hash of everything that defines the variants (resume refuses a changed sweep)."""
        d = self.config.model_dump(mode="json", exclude={"description", "chunk_size", "threads", "warm_start"})
        d["base_path"] = str(self.base_path) if self.base_path else None
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def load_sweep(path: str | Path) -> ResolvedSweep:
    from reebloc.inputs.config import read_yaml
    path = Path(path).resolve()
    raw = read_yaml(path)      # safe, duplicate keys refused, errors name the line
    try:
        cfg = SweepConfig.model_validate(raw)
    except ValidationError as e:
        errors = e.errors()
        # a misspelt key also shows as a missing one: name the misspelling first
        err = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            valid = _fields_at(err["loc"][:-1])
            close = difflib.get_close_matches(str(err["loc"][-1]), valid, n=1, cutoff=0.5)
            msg = "unknown key" + (f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(valid)}")
        raise ReeblocError(path, loc, msg) from None
    base = (path.parent / cfg.base).resolve() if cfg.base else None
    if base is not None and not base.exists():
        raise ReeblocError(path, "base", f"run config {cfg.base} not found (looked at {base})")
    if base is not None and base.is_file():
        keys = read_yaml(base)
        sweep_only = set(SweepConfig.model_fields) - set(_run_config_fields())
        if sweep_only & set(map(str, keys)):
            raise ReeblocError(path, "base", f"{cfg.base} is a sweep file; base must be a run config "
                               "(the config every variant starts from)")
    rs = ResolvedSweep(config=cfg, path=path, base_path=base)
    if any(p.assumption for p in cfg.parameters):
        fill_assumptions(rs)
    return rs


def _fields_at(loc: tuple) -> list[str]:
    """Keys allowed in the block of the sweep file at ``loc`` (for 'did you mean')."""
    model: Any = SweepConfig
    for part in loc:
        if isinstance(part, int):
            continue
        f = model.model_fields.get(part)
        ann = f.annotation if f is not None else None
        subs = [a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not subs:
            return []
        model = subs[0]
    return list(model.model_fields)


def _run_config_fields() -> list[str]:
    from reebloc.inputs.config import RunConfig
    return list(RunConfig.model_fields)


def fill_assumptions(rs: ResolvedSweep) -> None:
    """Take low/high of ``assumption:`` parameters from the base data set's assumptions.csv.

    relative: low/central .. high/central; absolute: low−central .. high−central;
    substitute: low .. high.
    """
    import pandas as pd

    from reebloc.inputs.config import load_config

    if rs.base_path is None:
        raise ReeblocError(rs.path, "parameters", "assumption ranges need a base run config")
    resolved = load_config(rs.base_path)
    f = resolved.data_dir / "assumptions.csv"
    tab = pd.read_csv(f).set_index("assumption_id")
    for i, p in enumerate(rs.config.parameters):
        if not p.assumption:
            continue
        if p.assumption not in tab.index:
            raise ReeblocError(rs.path, f"parameters.{i}.assumption", f"{p.assumption!r} not in {f}")
        r = tab.loc[p.assumption]
        c, lo, hi = float(r["central"]), float(r["low"]), float(r["high"])
        if p.change == "relative":
            if c == 0:
                raise ReeblocError(rs.path, f"parameters.{i}", "relative change of an assumption with central 0")
            p.low, p.high = sorted((lo / c, hi / c))   # a negative central swaps them
        elif p.change == "absolute":
            p.low, p.high = lo - c, hi - c
        else:
            p.low, p.high = lo, hi
        try:
            check_range(p.low, p.high)
        except ValueError as e:
            raise ReeblocError(rs.path, f"parameters.{i}.assumption", f"{p.assumption!r} in {f}: {e}") from None
        if p.reference is None:
            p.reference = {"relative": 1.0, "absolute": 0.0}.get(p.change, c)
