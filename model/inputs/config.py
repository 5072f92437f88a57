"""Run configs: YAML → validated, inherited, logged (Calliope-style overrides).

A config may name a ``base`` config (path relative to itself); the base is loaded recursively
and this file's keys override it (dicts merge key by key, everything else is replaced). Every
override is logged as ``key: old -> new``. A cycle of bases is an error. Unknown keys are errors
that name the key, the file that set it and the closest valid key.
"""

from __future__ import annotations

import copy
import difflib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from reebloc.errors import ReeblocError
from reebloc.inputs.policies import POLICY_CLASSES, Policy
from reebloc.inputs.scenarios import ExportControl, Scenario
from reebloc.inputs.strategy import Instrument, Strategy
from reebloc.inputs.schema_base import MAX_RUN_YEARS, MAX_THREADS, FieldError, Num, Period, Strict, YearSpan

log = logging.getLogger("reebloc.config")

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
SAFE_KEY = re.compile(r"^[A-Za-z0-9_. -]{1,64}$")     # keys echoed in errors; others are described


class Curves(Strict):
    """How elastic demand and sloped supply enter the model (docs/model.md § Demand curves).

    ``demand: ces`` (default): constant-elasticity demand q = q₀ (p/p₀)^ε per row, cut into
    ``demand_steps`` geometric price steps between ``demand_min_price_ratio`` × p₀ and the row's
    VOLL, plus a tail at VOLL (an LP whatever ``form`` says). ``demand: linear``: the linear
    curve through (q₀, p₀) with point elasticity ε, falling to zero at p₀ (1 + 1/|ε|) — the
    textbook form, in ``steps`` equal blocks, or exact with ``form: linear``. ``form`` also
    sets the rising supply costs: ``steps`` (LP) or ``linear`` (exact convex QP; small cases)."""

    form: Literal["steps", "linear"] = Field(
        default="steps", description="steps: linear curves (rising supply cost, linear demand) as stair steps "
        "(an LP); linear: exact linear curves (a convex QP; small cases only)")
    steps: int = Field(default=10, ge=1, le=1000, description="number of steps per linear curve (form: steps): "
                       "supply tranches and, with demand: linear, demand blocks")
    demand: Literal["ces", "linear"] = Field(
        default="ces", description="ces: constant-elasticity demand in geometric price steps with a tail at "
        "VOLL (keeps demand at any price); linear: the textbook linear curve (zero at p0 (1 + 1/|e|))")
    demand_steps: int = Field(default=48, ge=2, le=1000, description="priced steps per constant-elasticity "
                              "row (demand: ces); 48 steps: price within 3.9% of the closed form "
                              "(docs/model.md § Demand curves)")
    demand_min_price_ratio: Num = Field(default=0.25, gt=0, lt=1, description="lowest priced step of a "
                                        "constant-elasticity row, as a share of its reference price (demand "
                                        "beyond q0 (ratio)^e is not modelled)")


class SolverOptions(Strict):
    name: Literal["highs"] = Field(default="highs", description="the solver (HiGHS, through highspy)")
    threads: int = Field(default=1, ge=1, le=MAX_THREADS, description="HiGHS threads")
    time_limit_s: Num = Field(default=600.0, gt=0, le=7 * 86400, description="wall-clock limit of one solve (s); with `--decompose`, of the whole decomposition")
    method: Literal["auto", "simplex", "ipm", "pdlp"] = Field(
        default="auto", description="HiGHS algorithm: simplex (dual simplex), ipm (interior point), pdlp "
        "(first-order, low accuracy); auto = HiGHS's own choice, which is dual simplex on this model's "
        "LPs, the fastest measured on them (docs/performance.md: 4.4x faster than interior point at 50 "
        "scenarios), and the QP solver for `curves.form: linear`. `options: {solver: ...}` overrides it")
    options: dict[str, Any] = Field(default_factory=dict, description="HiGHS options, passed as they are "
                                    "(checked by HiGHS: an unknown option or wrong type is an error)")

    @field_validator("options")
    @classmethod
    def _scalar_options(cls, v: dict) -> dict:
        # HiGHS options are single values; a list or mapping would fail inside highspy with a traceback
        for k, x in v.items():
            if not isinstance(x, (bool, int, float, str)):
                raise ValueError(f"option {k!r}: expected a single number, text or true/false, "
                                 f"got a {'list' if isinstance(x, list) else type(x).__name__}")
        # HiGHS itself says whether it knows the option and accepts the value
        import highspy
        from pyomo.common.tee import capture_output
        with capture_output(capture_fd=True):      # the HiGHS banner is printed at C level
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
        for k, x in v.items():
            if h.setOptionValue(k, x) != highspy.HighsStatus.kOk:
                raise ValueError(f"HiGHS rejects option {k!r} = {x!r} (unknown option or wrong type)")
        return v


    def highs_options(self) -> dict:
        """HiGHS options of a solve: threads, time limit, algorithm, then ``options`` as given."""
        method = {} if self.method == "auto" else {"solver": self.method}
        return {"threads": self.threads, "time_limit": float(self.time_limit_s), **method, **self.options}


TRADE_ASSUMPTIONS = {"elasticity": "asm_trade_elasticity", "premium_cap": "asm_trade_premium_cap",
                     "qualification_growth": "asm_trade_qualification_growth",
                     "new_arc_share": "asm_trade_new_arc_share"}


class TradeOptions(Strict):
    """Gradual trade (docs/model.md § Gradual trade): calibrated, rising marginal trade costs
    around the reference flows of ``trade_reference.csv`` (Paris, Drogué & Anania 2011). Values
    left empty take the central value of their assumption in ``assumptions.csv``."""

    gradual: bool = Field(default=True, description="rising trade costs on the arcs of trade_reference.csv "
                          "(false: all-or-nothing trade at freight + wedges)")
    elasticity: Num | None = Field(default=None, gt=0, le=50, description="trade elasticity σ: a wedge w "
                                      "moves a reference flow by −σ·w/P (default: asm_trade_elasticity)")
    premium_cap: Num | None = Field(default=None, gt=0, le=2, description="largest premium over the "
                                       "reference price a buyer pays to keep or add a supplier, share of P "
                                       "(default: asm_trade_premium_cap)")
    qualification_growth: Num | None = Field(default=None, ge=0, le=50, description="supplier qualification: "
                                             "a curve arc's qualified volume may grow by g × (last year's flow + "
                                             "its reference flow), from (1 + g) × the reference in the first "
                                             "year; flow ≤ qualified, and qualification is kept when a flow falls "
                                             "(default: asm_trade_qualification_growth)")
    new_arc_share: Num | None = Field(default=None, gt=0, le=1, description="reference flow of an arc with "
                                         "no observed trade, share of the destination's reference imports "
                                         "(default: asm_trade_new_arc_share)")


class WedgeOptions(Strict):
    """Fixed-point iteration for price-dependent wedges (ad valorem tariffs, CfDs, levies)."""

    max_iterations: int = Field(default=50, ge=1, le=10_000, description="iterations before the loop stops unconverged")
    tolerance_usd_per_kg: Num = Field(default=0.01, gt=0, description="converged when the estimated distance of "
                                      "every wedge to its fixed point is at most this ($/kg): the last change, times "
                                      "ρ/(1 − ρ) when the changes shrink by a ratio ρ (manifest wedges.error_estimate_usd_per_kg)")
    damping: Num = Field(default=1.0, gt=0, le=1, description="weight of the new iterate at the start (1: no damping); halved, down to 1/8 of it, whenever the largest wedge change grows")


class OriginOptions(Strict):
    """Origin classes: material is *China-touched* if any stage (mine, separation, metal, magnet)
    was in China, else *clean*. Where several optima differ only in which material is clean,
    the model takes the least China-touched one within a preference of ``tie_break_usd_per_kg``
    on every tonne of China-touched output and on China-touched supply to ``tie_break_nodes``
    (docs/model.md § Origin classes)."""

    tie_break_usd_per_kg: Num = Field(default=0.001, ge=0, le=1,
                                      description="$/kg preference for clean material among equal-cost solutions")
    tie_break_nodes: list[str] = Field(default_factory=lambda: ["US"],
                                       description="nodes whose China-touched imports are minimised among ties "
                                       "(clean output is preferred at every node)")


class InvestmentOptions(Strict):
    """Build decisions on the projects of ``projects.csv`` (docs/model.md § Investment).
    ``enabled: false`` keeps only the operating facilities (no build options)."""

    enabled: bool = Field(default=True, description="false: no build decisions; only operating facilities run")


class StorageOptions(Strict):
    """Private inventories (docs/model.md § Private storage): competitive stockholders with the
    capacities and holding costs of ``storage.csv``, next to the public stockpiles."""

    private: bool = Field(default=True, description="false: no private stockholders (storage.csv is ignored); "
                          "only the stockpile policies store")


class MoneyOptions(Strict):
    """Prices and budget accounting (docs/model.md § Money). Model prices and costs are real, in
    dollars of ``price_year``; ``discount_rate`` is a real rate. A nominal amount x in year y is
    x / (1 + inflation_rate)^(y − price_year) in real terms. Loans are costed at
    ``credit_discount_rate`` (a nominal Treasury rate, as the Federal Credit Reform Act does)."""

    price_year: int = Field(default=2025, ge=1900, le=2200, description="model prices are real dollars of this year")
    inflation_rate: Num = Field(default=0.025, ge=-0.2, le=0.5, description="annual inflation deflating nominal "
                                "contracts and outlays (assumption 0.025, range 0.02-0.03)")
    credit_discount_rate: Num = Field(default=0.043, ge=0, le=0.5, description="nominal Treasury rate discounting "
                                      "loans' credit-subsidy cost, FCRA (assumption 0.043, range 0.035-0.05)")
    home: str = Field(default="US", description="the node whose welfare and budget are the yardstick")
    closing_stocks: Literal["none", "market"] = Field(default="none", description=(
        "value of the stocks held at the horizon's end in welfare: 'none' (default) leaves them "
        "worthless, as the LP's decisions take them, and only reports their value at the final "
        "period's price (stockpiles.csv closing_value_usd, summary.json closing_stock_value_usd); "
        "'market' adds that value to its holder's welfare (government.csv stockpile_closing_value for "
        "a public stockpile; never in the budget cost): an ex-post bound, since decisions ignore it "
        "(docs/model.md § Money)"))

    def deflator(self, year: int) -> float:
        """Real value of one nominal dollar of ``year``: (1 + π)^−(year − price_year)."""
        return (1 + self.inflation_rate) ** -(year - self.price_year)


class RunConfig(Strict):
    name: str = Field(description="run name; names the output folder runs/out/<name>/ (letters, digits, _ - .)")
    description: str = Field(default="", description="free text, kept in the manifest and reports")
    base: str | None = Field(default=None, description="config file this one inherits and overrides "
                             "(path relative to this file; mappings merge key by key)")
    inputs: str = Field(description="data-set folder (path relative to the file that sets it), e.g. ../inputs/default")
    years: YearSpan = Field(description="modelled years, inclusive: {start: 2025, end: 2035}")
    periods: dict[int, list[int]] = Field(default_factory=dict, description=(
        "years split into shorter periods: {year: [months of each period]}, the months summing to 12, "
        "e.g. {2025: [4, 2, 6]} for January-April, May-June and July-December; every per-year "
        "quantity of a period is weighted by its length (docs/model.md § Periods). Default: whole years"))
    discount_rate: Num = Field(ge=0, le=1, description="real annual discount rate of money figures "
                               "(share, e.g. 0.05); discounts to years.start")
    curves: Curves = Field(default_factory=Curves, description="how demand and supply curves enter the model")
    scenarios: dict[str, Scenario] = Field(default_factory=lambda: {"base": Scenario(probability=1.0)},
                                           description="disruption scenarios by name; probabilities sum to 1")
    policies: dict[str, Policy] = Field(default_factory=dict, description="policy instruments by name, "
                                        "each with a kind (tables below)")
    solver: SolverOptions = Field(default_factory=SolverOptions, description="solver settings")
    wedges: WedgeOptions = Field(default_factory=WedgeOptions, description="fixed-point loop of price-dependent wedges")
    investment: InvestmentOptions = Field(default_factory=InvestmentOptions, description="build decisions on "
                                          "projects.csv (docs/model.md § Investment)")
    china_node: str = Field(default="CN", description="node whose material counts as China-origin in the "
                            "security metrics (china_content)")
    payers: list[str] = Field(default_factory=list, description=(
        "agencies that may pay for instruments, as NODE_AGENCY (e.g. US_DoD); a node's own name "
        "(US) is always a payer. A payer not in this list or the nodes is refused"))
    strategy: Strategy | None = Field(default=None, description="China as a Stackelberg leader (docs/strategy.md)")
    money: MoneyOptions = Field(default_factory=MoneyOptions, description="real and nominal dollars, loan "
                                "discounting, the home node (docs/model.md § Money)")
    trade: TradeOptions = Field(default_factory=TradeOptions, description="gradual trade: calibrated rising "
                                "trade costs (docs/model.md § Gradual trade)")
    origin: OriginOptions = Field(default_factory=OriginOptions, description="origin classes (China-touched / "
                                  "clean) and their tie-break")
    storage: StorageOptions = Field(default_factory=StorageOptions, description="private inventories "
                                    "(competitive stockholders of storage.csv)")
    reference_scenario: str | None = Field(
        default=None, description="the scenario price rises and VSS are measured against (usually the calm one: "
        "controls every scenario shares, such as licences in force, may stay); default: one without controls")
    evpi: bool = Field(default=False, description="also report the expected value of perfect information "
                       "(summary.json: value_of_perfect_information): each scenario solved alone, first stage "
                       "chosen knowing it; one more solve per scenario, so off by default")

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        if not NAME_RE.match(v) or v in (".", ".."):
            raise ValueError("letters, digits, '_', '-', '.' only (it names the output folder)")
        return v

    @field_validator("years")
    @classmethod
    def _horizon(cls, v: YearSpan) -> YearSpan:
        if v.end - v.start + 1 > MAX_RUN_YEARS:
            raise ValueError(f"{v.end - v.start + 1} years; a run may span at most {MAX_RUN_YEARS} years")
        return v

    @field_validator("periods")
    @classmethod
    def _periods(cls, v: dict[int, list[int]]) -> dict[int, list[int]]:
        for y, parts in v.items():
            if not parts or any(m < 1 for m in parts) or sum(parts) != 12:
                raise FieldError(f"periods.{y}", f"months of each period of {y}: whole numbers ≥ 1 summing "
                                 f"to 12, e.g. [6, 6]; got {parts}")
        return v

    @field_validator("payers")
    @classmethod
    def _payer_names(cls, v: list[str]) -> list[str]:
        for p in v:     # a node's own name is a payer anyway: listing it is allowed
            if not re.match(r"^[A-Za-z0-9]+(_[A-Za-z0-9_]+)?$", p):
                raise ValueError(f"payer {p!r}: expected NODE_AGENCY (e.g. US_DoD) or a node")
        lower = {}
        for p in v:
            if p.lower() in lower:
                raise ValueError(f"payers {lower[p.lower()]!r} and {p!r} differ only in case; keep one")
            lower[p.lower()] = p
        return v

    @field_validator("scenarios")
    @classmethod
    def _probabilities(cls, scenarios):
        if not scenarios:
            raise ValueError("at least one scenario is needed")
        total = sum(s.probability for s in scenarios.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"scenario probabilities sum to {total:g}, expected 1")
        for sname, s in scenarios.items():
            d = s.divergence_year()
            for cname, c in s.export_controls.items():
                if d is None or c.years.start >= d or len(scenarios) == 1:
                    continue
                # before divergence a control is history shared by every scenario still on the trunk
                for other, o in scenarios.items():
                    od = o.divergence_year()
                    if other != sname and (od is None or od > c.years.start):
                        oc = o.export_controls.get(cname)
                        if oc is None or oc.model_dump() != c.model_dump():
                            raise ValueError(
                                f"scenario {sname}: control {cname} starts {c.years.start}, before the scenario "
                                f"diverges ({d}); a control in force before divergence must appear identically "
                                f"in every scenario ({other} differs)")
        return scenarios

    @model_validator(mode="after")
    def _reference(self):
        if self.reference_scenario is not None and self.reference_scenario not in self.scenarios:
            raise ValueError(f"reference_scenario {self.reference_scenario!r} is not one of the scenarios "
                             f"({', '.join(self.scenarios)})")
        return self

    @model_validator(mode="after")
    def _evpi(self):
        if self.evpi and len(self.scenarios) < 2:
            raise FieldError("evpi", "needs two or more scenarios (with one, perfect information is worth 0)")
        if self.evpi and self.strategy is not None:
            raise FieldError("evpi", "not computed with a strategy block: a scenario solved alone would not face "
                             "the leader's schedule; drop evpi or the strategy")
        return self

    @model_validator(mode="after")
    def _period_bounds(self):
        """A period is wholly inside or outside every instrument's span (no half-active period)."""
        for y in self.periods:
            if not self.years.covers(y):
                raise FieldError(f"periods.{y}", f"{y} is not a year of the run ({self.years.start}-{self.years.end})")
        spans = [(f"policies.{k}.years", p.years) for k, p in self.policies.items()
                 if getattr(p, "years", None) is not None]
        spans += [(f"scenarios.{s}.export_controls.{k}.years", c.years) for s, sc in self.scenarios.items()
                  for k, c in sc.export_controls.items()]
        periods = self.period_list
        for where, span in spans:
            for p in periods:
                if span.straddles(p):
                    raise FieldError(where, (
                        f"the span {span.start}-{span.from_month:02d} to {span.end}-{span.to_month:02d} starts or ends "
                        f"inside the period {p.label} (months {p.first_month}-{p.last_month} of {p.year}); split "
                        f"{p.year} so that a period starts there, e.g. periods: {{{p.year}: [...]}}"))
        return self

    @property
    def year_list(self) -> list[int]:
        return self.years.years()

    @property
    def period_list(self) -> list[Period]:
        """The run's periods in time order (whole years unless ``periods`` splits them)."""
        out = []
        for y in self.year_list:
            first = 1
            for months in self.periods.get(y, [12]):
                out.append(Period(y, first, first + months - 1))
                first += months
        return out


@dataclass
class ResolvedConfig:
    """A validated config with where it came from."""

    config: RunConfig
    path: Path
    files: list[Path]
    raw: dict
    overrides: list[str] = field(default_factory=list)
    origins: dict[str, Path] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return resolve_inputs(self.config.inputs, self.origins.get("inputs", self.path))


def resolve_inputs(inputs: str, origin: Path) -> Path:
    from reebloc.inputs.files import resolve
    p = Path(inputs)
    return p if p.is_absolute() else resolve(origin.parent / p, origin, "inputs")


# ---------------------------------------------------------------- loading and inheritance

MAX_YAML_DEPTH = 40            # nesting levels; the library's configs use at most 6
MAX_YAML_NODES = 200_000       # values after expanding aliases (an alias bomb expands to billions)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping (PyYAML keeps the last silently)
    and nesting deeper than ``MAX_YAML_DEPTH`` (checked while composing, before Python's stack
    could overflow). Merge keys (``<<: *anchor``) may still be overridden by explicit keys."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                try:
                    dup = key in seen
                except TypeError:       # unhashable key: the constructor reports it
                    continue
                if dup:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, f"duplicate key {key!r}",
                        key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node, memo: dict) -> int:
    """Number of values ``node`` stands for once every alias is expanded (memoised per node, so
    this is linear in the document even when the expansion is exponential)."""
    got = memo.get(id(node))
    if got is not None:
        return got
    memo[id(node)] = MAX_YAML_NODES + 1       # a node reached again while being sized: a cycle
    if isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_expanded_size(c, memo) for c in node.value)
    elif isinstance(node, yaml.MappingNode):
        n = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    else:
        n = 1
    n = min(n, MAX_YAML_NODES + 1)
    memo[id(node)] = n
    return n


def read_yaml(path: Path) -> dict:
    """Safe-load a YAML mapping; errors name the file and line. Bounded work: only a regular
    file of at most ``MAX_CONFIG_BYTES``, nesting at most ``MAX_YAML_DEPTH`` levels, at most
    ``MAX_YAML_NODES`` values once aliases are expanded."""
    from reebloc.inputs.files import MAX_CONFIG_BYTES, read_bytes
    raw = read_bytes(Path(path), "a YAML file", MAX_CONFIG_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ReeblocError(path, None, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    loader = _UniqueKeyLoader(text)            # a SafeLoader: no object construction
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_YAML_NODES:
            raise ReeblocError(path, None, f"YAML expands to more than {MAX_YAML_NODES:,} values "
                               "(aliases referring to aliases?); refused")
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "yaml"
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ReeblocError(path, where, f"invalid YAML: {problem}") from None
    finally:
        loader.dispose()
    if data is None:
        raise ReeblocError(path, None, "empty file, expected a YAML mapping")
    if not isinstance(data, dict):
        raise ReeblocError(path, None, f"expected a YAML mapping at top level, got {type(data).__name__}")
    return data


def _merge(base: dict, over: dict, origins: dict, src: Path, log_lines: list, prefix="") -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v, origins, src, log_lines, key + ".")
        else:
            if key != "base":
                old = _short(out[k]) if k in out else "(not set)"
                same = k in out and type(out[k]) is type(v) and out[k] == v
                log_lines.append(f"{key}: {old} (restated, unchanged)" if same else f"{key}: {old} -> {_short(v)}")
            out[k] = copy.deepcopy(v)
            _mark(origins, key, v, src)
    return out


def _mark(origins: dict, key: str, v: Any, src: Path) -> None:
    origins[key] = src
    if isinstance(v, dict):
        for k, sub in v.items():
            _mark(origins, f"{key}.{k}", sub, src)


def _short(v: Any) -> str:
    s = yaml.safe_dump(v, default_flow_style=True, width=10**6).strip()
    if s.endswith("\n..."):
        s = s[:-4]
    s = s.removesuffix("...").strip()
    return s if len(s) <= 80 else s[:77] + "..."


def _load_raw(path: Path, stack: tuple[Path, ...], origins: dict, log_lines: list) -> tuple[dict, list[Path]]:
    from reebloc.inputs.files import resolve
    path = resolve(path, stack[-1] if stack else None, "base" if stack else None)
    if path in stack:
        chain = " -> ".join(p.name for p in stack + (path,))
        raise ReeblocError(stack[-1], "base", f"inheritance cycle: {chain}")
    # top-level keys starting "x-" hold YAML anchors for reuse (as in docker compose); not config
    data = {k: v for k, v in read_yaml(path).items() if not str(k).startswith("x-")}
    if data and not any(str(k) in RunConfig.model_fields for k in data):
        # e.g. base: /etc/passwd. Its keys are not echoed: they may be somebody's secrets
        raise ReeblocError(path, None, f"not a reebloc run config (none of its {len(data)} top-level "
                           f"key(s) is a config key: {', '.join(RunConfig.model_fields)})")
    base = data.get("base")
    if base is None:
        for k, v in data.items():
            _mark(origins, k, v, path)
        return data, [path]
    if not isinstance(base, str):
        raise ReeblocError(path, "base", f"expected a path to a config file, got {base!r}")
    base_path = resolve(path.parent / base, path, "base")
    if not base_path.exists():
        raise ReeblocError(path, "base", f"base config {base} not found (looked at {base_path})")
    parent, files = _load_raw(base_path, stack + (path,), origins, log_lines)
    parent = {k: v for k, v in parent.items() if k != "base"}
    merged = _merge(parent, data, origins, path, log_lines)
    return merged, files + [path]


def load_config(path: str | Path) -> ResolvedConfig:
    """Read, inherit and validate a run config. Raises ReeblocError on any user mistake."""
    path = Path(path)
    origins: dict[str, Path] = {}
    log_lines: list[str] = []
    raw, files = _load_raw(path, (), origins, log_lines)
    for line in log_lines:
        log.info("override %s", line)
    cfg = validate_config(raw, path, origins, files)
    return ResolvedConfig(config=cfg, path=files[-1], files=files, raw=raw,
                          overrides=log_lines, origins=origins)


def validate_config(raw: dict, path: Path, origins: dict | None = None,
                    files: list[Path] | None = None) -> RunConfig:
    origins = origins or {}
    try:
        return RunConfig.model_validate(raw)
    except ValidationError as e:
        raise _config_error(e, raw, path, origins, files or []) from None


def apply_overrides(resolved: ResolvedConfig, changes: dict[str, Any]) -> ResolvedConfig:
    """Return a copy with dotted-path values replaced (used by sweeps), validated again."""
    raw = copy.deepcopy(resolved.raw)
    for dotted, value in changes.items():
        node = raw
        parts = dotted.split(".")
        for p in parts[:-1]:
            if node.get(p) is None:          # a block left at its defaults: validation names unknown keys
                node[p] = {}
            if not isinstance(node.get(p), dict):
                raise ReeblocError(resolved.path, dotted, f"no such config path (at '{p}')")
            node = node[p]
        node[parts[-1]] = value
    cfg = validate_config(raw, resolved.path, resolved.origins, resolved.files)
    return ResolvedConfig(config=cfg, path=resolved.path, files=resolved.files, raw=raw,
                          overrides=resolved.overrides + [f"{k}: -> {_short(v)}" for k, v in changes.items()],
                          origins=resolved.origins)


def nest(changes: dict[str, Any]) -> dict:
    """``{"a.b": 1, "a.c": 2}`` → ``{"a": {"b": 1, "c": 2}}`` (dotted keys become nested mappings)."""
    out: dict = {}
    for dotted, value in changes.items():
        node = out
        parts = str(dotted).split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ReeblocError(None, dotted, f"override sets both '{p}' and a key inside it")
        node[parts[-1]] = value
    return out


def override_config(resolved: ResolvedConfig, changes: dict[str, Any], source: str = "python") -> ResolvedConfig:
    """Apply overrides exactly as a config file with ``base:`` would: mappings merge key by key,
    everything else is replaced, each change is logged as ``key: old -> new`` (prefixed with
    ``source``, e.g. ``python``) and the result is validated again.

    ``changes`` maps dotted paths (``policies.mp_floor.price_usd_per_kg``) or top-level keys
    (``years``) to values; nested mappings are merged, not replaced.
    """
    if not changes:
        return resolved
    origins = dict(resolved.origins)
    lines: list[str] = []
    src = Path(f"<{source}>")
    raw = _merge(resolved.raw, nest(changes), origins, src, lines)
    for line in lines:
        log.info("override (%s) %s", source, line)
    cfg = validate_config(raw, resolved.path, origins, resolved.files)
    return ResolvedConfig(config=cfg, path=resolved.path, files=resolved.files, raw=raw,
                          overrides=resolved.overrides + [f"{line} ({source})" for line in lines], origins=origins)


def apply_overlay(resolved: ResolvedConfig, path: str | Path) -> ResolvedConfig:
    """A copy with the top-level keys of the overlay file ``path`` *replacing* the config's (no
    merging: an overlay's ``scenarios`` replaces every scenario). ``{name}`` in the overlay's
    ``name`` stands for the config's name. Used to play a policy variant against a strategic
    China (``reebloc run CONFIG --overlay runs/overlays/strategic-china.yaml``; docs/strategy.md)."""
    path = Path(path)
    over = {k: v for k, v in read_yaml(path).items() if not str(k).startswith("x-")}
    for k in ("base", "inputs"):
        if k in over:
            raise ReeblocError(path, k, "an overlay cannot set base or inputs; it replaces keys of the config it is "
                               "applied to")
    if isinstance(over.get("name"), str):
        over["name"] = over["name"].replace("{name}", resolved.config.name)
    raw = copy.deepcopy(resolved.raw)
    origins = {k: v for k, v in resolved.origins.items() if k.split(".")[0] not in over}
    lines = []
    for k, v in over.items():
        lines.append(f"{k}: {_short(raw[k]) if k in raw else '(not set)'} -> {_short(v)} (overlay {path.name})")
        raw[k] = copy.deepcopy(v)
        _mark(origins, k, v, path.resolve())
    cfg = validate_config(raw, path, origins)
    return ResolvedConfig(config=cfg, path=resolved.path, files=resolved.files + [path.resolve()], raw=raw,
                          overrides=resolved.overrides + lines, origins=origins)


# ---------------------------------------------------------------- error messages

def _fields_at(loc: tuple, raw: dict) -> list[str]:
    """Valid keys of the schema block that contains ``loc[-1]`` (for 'did you mean')."""
    from pydantic import BaseModel
    model: Any = RunConfig
    node: Any = raw
    i = 0
    parts = list(loc[:-1])
    while i < len(parts):
        p = parts[i]
        if model is RunConfig and p == "policies" and i + 1 < len(parts):
            kind = (node.get("policies", {}).get(parts[i + 1]) or {}).get("kind") if isinstance(node, dict) else None
            model = POLICY_CLASSES.get(kind)
            node = node["policies"][parts[i + 1]]
            i += 2
            if i < len(parts) and parts[i] == kind:
                i += 1
            continue
        if model is RunConfig and p == "scenarios" and i + 1 < len(parts):
            model, node, i = Scenario, node["scenarios"][parts[i + 1]], i + 2
            continue
        if model is Strategy and p == "instruments" and i + 1 < len(parts):
            model, node, i = Instrument, node["instruments"][parts[i + 1]], i + 2
            continue
        if model is Scenario and p == "export_controls" and i + 1 < len(parts):
            model, node, i = ExportControl, node["export_controls"][parts[i + 1]], i + 2
            continue
        if model is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        f = model.model_fields.get(p)
        if f is None:
            return []
        ann = f.annotation
        sub = [a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        model = sub[0] if sub else None
        node = node.get(p, {}) if isinstance(node, dict) else {}
        i += 1
    if model is None:
        return []
    return [k for k in model.model_fields]


def _config_error(e: ValidationError, raw: dict, path: Path, origins: dict, files: list[Path] = ()) -> ReeblocError:
    errors = e.errors()
    # a misspelt key also shows as a missing one: name the misspelling first
    err = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
    cause = (err.get("ctx") or {}).get("error")
    sub = cause.field if isinstance(cause, FieldError) else None   # the key inside the block
    loc = tuple(str(p) for p in err["loc"])
    # drop the discriminator tag pydantic inserts for tagged unions (policies.<name>.<kind>.field)
    clean = []
    for i, p in enumerate(loc):
        if i >= 2 and loc[i - 2] == "policies" and p in POLICY_CLASSES:
            continue
        if i >= 1 and clean and clean[-1] in ("destinations", "origins", "commodities") and p in (
                "list[str]", "OutsideBloc", "literal['all']", "literal['*']"):
            continue
        clean.append(p)
    if sub:
        clean = clean + sub.split(".")
    dotted = ".".join(clean) or "(top level)"
    src = _origin_of(dotted, origins, files) or path
    typ = err["type"]
    if typ == "extra_forbidden" and not SAFE_KEY.match(clean[-1]):
        parent = ".".join(clean[:-1]) or "(top level)"
        return ReeblocError(src, parent, f"unknown key of {len(clean[-1])} characters (not shown: it is not a "
                            "key name; is this a reebloc config file?)")
    if typ == "extra_forbidden":
        valid = _fields_at(tuple(clean), raw)
        close = difflib.get_close_matches(clean[-1], valid, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else (f"; valid keys: {', '.join(valid)}" if valid else "")
        return ReeblocError(src, dotted, f"unknown key{hint}")
    if typ == "missing":
        return ReeblocError(src, dotted, "required key is missing")
    if clean and clean[-1] == "[key]":     # a name YAML did not read as text (no, off, 1, ...)
        # pydantic locates it by position: find the file that set the key itself
        key = ".".join(clean[:-2] + [str(err.get("input"))])
        src = (_origin_of(key, origins, files) if key in origins else None) or src
        return ReeblocError(src, ".".join(clean[:-2]) or "(top level)",
                            f"name {_short(err.get('input'))} is not text; quote it (YAML reads "
                            "yes/no/on/off/true/false as booleans and digits as numbers)")
    if typ == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return ReeblocError(src, dotted + ".kind",
                            f"unknown policy kind {ctx.get('tag')!r}; expected one of {', '.join(POLICY_CLASSES)}")
    if typ == "union_tag_not_found":
        return ReeblocError(src, dotted + ".kind", f"missing; expected one of {', '.join(POLICY_CLASSES)}")
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    if typ not in ("value_error", "assertion_error") and not isinstance(got, dict):
        msg = f"{msg} (got {_short(got)})"
    return ReeblocError(src, dotted, msg)


def _origin_of(dotted: str, origins: dict, files: list[Path] = ()) -> Path | None:
    """The file that set ``dotted``: its own origin (or its closest parent's), unless a later
    file in the inheritance chain set a key inside it. An error about ``years`` after a child set
    ``years: {end: ...}`` (or about the scenario probabilities after a child added a scenario)
    names the child, not the base that first defined the block."""
    parts = dotted.split(".")
    own = None
    for n in range(len(parts), 0, -1):
        k = ".".join(parts[:n])
        if k in origins:
            own = origins[k]
            break
    if own is None or not files:
        return own
    rank = {p: i for i, p in enumerate(files)}
    inside = [origins[k] for k in origins if k.startswith(dotted + ".")]
    return max([own, *inside], key=lambda p: rank.get(p, -1))
