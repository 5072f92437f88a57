"""Index sets of the model: years, the scenario tree, facilities, arcs, demand rows.

The scenario tree is a fan: every scenario follows the *trunk* until its divergence year and
its own branch from then on. A tree node ``t`` is (branch, year); all scenarios mapped to the
same tree node share its decisions (non-anticipativity by construction).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from reebloc.equilibrium.grades import expand_grades
from reebloc.equilibrium.gradual import Curves, build_curves
from reebloc.equilibrium.investment import Projects, build_projects
from reebloc.equilibrium.storage import clean_storage_rows, storage_rows
from reebloc.inputs.config import RunConfig
from reebloc.inputs.dataset import DataSet
from reebloc.inputs.schema_base import Period

TRUNK = "trunk"


@dataclass
class Tree:
    """Tree nodes ``t`` = 0..n-1 with year, period, branch, probability, parent and scenarios.

    A node is one period of a branch: a whole year unless ``periods`` splits the year
    (docs/model.md § Periods); its parent is the previous period of the same scenario."""

    year: list[int] = field(default_factory=list)
    period: list[Period] = field(default_factory=list)
    branch: list[str] = field(default_factory=list)
    prob: list[float] = field(default_factory=list)
    parent: list[int | None] = field(default_factory=list)
    scenarios: list[list[str]] = field(default_factory=list)
    of: dict[tuple[str, int], int] = field(default_factory=dict)  # (scenario, year) -> t of the year's first period
    at: dict[tuple[str, str], int] = field(default_factory=dict)  # (scenario, period label) -> t

    @classmethod
    def build(cls, cfg: RunConfig) -> "Tree":
        tree = cls()
        ids: dict[tuple[str, str], int] = {}
        single = len(cfg.scenarios) == 1
        last: dict[str, int] = {}
        for per in cfg.period_list:
            y = per.year
            for s in sorted(cfg.scenarios):   # canonical order: the LP does not depend on YAML order
                sc = cfg.scenarios[s]
                d = sc.divergence_year()
                b = s if (single or (d is not None and y >= d)) else TRUNK
                key = (b, per.label)
                if key not in ids:
                    ids[key] = len(tree.year)
                    tree.year.append(y)
                    tree.period.append(per)
                    tree.branch.append(b)
                    tree.prob.append(0.0)
                    tree.scenarios.append([])
                    tree.parent.append(last.get(s))
                t = ids[key]
                tree.prob[t] += sc.probability
                tree.scenarios[t].append(s)
                tree.of.setdefault((s, y), t)
                tree.at[(s, per.label)] = t
                last[s] = t
        return tree

    def __len__(self) -> int:
        return len(self.year)

    @property
    def length(self) -> list[float]:
        """Length of each node's period, years (1 for a whole year)."""
        return [p.length_years for p in self.period]

    @property
    def split(self) -> bool:
        """Some year is split into shorter periods."""
        return any(not p.whole for p in self.period)


@dataclass
class Index:
    """Everything the model is indexed by, derived from config and data (its *structure*)."""

    years: list[int]
    tree: Tree
    nodes: list[str]
    commodities: list[str]
    coef: dict[tuple[str, str], float]              # (process, commodity) -> t per unit activity
    facilities: pd.DataFrame                        # facility, node, process, start_year, end_year
    fac_t: list[tuple[str, int]]                    # (facility, t) where the facility may run
    sloped: set[str]                                # facilities with a rising marginal cost
    arcs: list[tuple[str, str, str]]                # (origin, destination, commodity)
    demand_keys: list[tuple[str, str, str]]         # (node, segment, commodity)
    elastic: set[tuple[str, str, str]]
    subs: list[tuple[str, str, str, str]]           # (node, segment, commodity, substitute)
    steps: int
    linear: bool
    demand: str = "linear"                          # ces | linear (config curves.demand)
    demand_steps: int = 48                          # priced steps of a CES row (+ 1 tail block)
    demand_min_price_ratio: float = 0.25
    china: str = "CN"                               # the China node: every process there makes China-touched output
    clean_fac_t: list[tuple[str, int]] = field(default_factory=list)  # non-China processors: may run clean
    clean_arcs: list[tuple[str, str, str]] = field(default_factory=list)  # arcs that can carry clean material
    projects: Projects = field(default_factory=Projects)   # build options (investment.py)
    grade_base: dict[str, str] = field(default_factory=dict)   # grade sibling f@g -> plant f (grades.py)
    grade_group: dict[str, list[str]] = field(default_factory=dict)  # plant f -> its grade siblings
    curves: Curves = field(default_factory=Curves)         # arcs with calibrated trade costs (gradual.py)
    storage: list[tuple[str, str]] = field(default_factory=list)  # private holders (node, commodity), storage.py
    storage_clean: list[tuple[str, str]] = field(default_factory=list)  # those holding clean material

    @property
    def by_process(self) -> dict[str, list[tuple[str, float]]]:
        """process → [(commodity, coefficient_t)], inputs negative."""
        if not hasattr(self, "_by_process"):
            self._by_process = {}
            for (p, c), k in self.coef.items():
                self._by_process.setdefault(p, []).append((c, k))
        return self._by_process

    def key(self) -> tuple:
        """Hashable summary of the structure: two variants with the same key share a model
        (process coefficients are constants in the model, so they count as structure)."""
        return (tuple(self.years), tuple(self.tree.branch), tuple(p.label for p in self.tree.period), tuple(sorted(self.coef.items())),
                tuple(self.fac_t), tuple(sorted(self.sloped)), tuple(self.arcs),
                tuple(self.demand_keys), tuple(sorted(self.elastic)), tuple(self.subs),
                self.steps, self.linear, self.demand, self.demand_steps, self.china, tuple(self.clean_fac_t),
                tuple(self.clean_arcs), self.projects.key(), tuple(sorted(self.grade_base.items())), self.curves.key(),
                tuple(self.storage), tuple(self.storage_clean))

    @property
    def fac_t_set(self) -> set:
        if not hasattr(self, "_fac_t_set"):
            self._fac_t_set = set(self.fac_t)
        return self._fac_t_set

    @property
    def demand_qp(self) -> bool:
        """Elastic rows are exact linear QP terms (form: linear and demand: linear)."""
        return self.linear and self.demand == "linear"

    def blocks(self, d) -> int:
        """Blocks of demand row d: 1 if inelastic; CES: priced steps + the VOLL tail; linear: steps."""
        if d not in self.elastic:
            return 1
        return self.demand_steps + 1 if self.demand == "ces" else self.steps

    def makes_clean_only(self, f: str) -> bool:
        """A facility outside China with no inputs (a mine) makes only clean material."""
        return self.facilities.at[f, "node"] != self.china and not any(
            k < 0 for _, k in self.by_process.get(self.facilities.at[f, "process"], []))

    def makes_touched_only(self, f: str) -> bool:
        """Every process located in China makes China-touched material."""
        return self.facilities.at[f, "node"] == self.china


def build_index(cfg: RunConfig, data: DataSet) -> Index:
    tree = Tree.build(cfg)
    fac = data["facilities"].set_index("facility")
    years = cfg.year_list
    projects = build_projects(cfg, data, tree, years)
    if projects:   # a project is a facility that runs on built capacity only, from its first possible year online
        # (kept even if that is after the run, so that policies naming it stay valid)
        pj = projects.table
        never = years[-1] + 1        # investment disabled: the project is a facility that never runs
        first = {j: max(int(pj.at[j, "earliest_year"]), years[0] + projects.lead[j]) if projects.enabled else never
                 for j in projects.ramp}
        extra = pd.DataFrame({"node": pj["node"], "process": pj["process"], "owner": pj["owner"],
                              "status": pj["status"], "start_year": [first[j] for j in pj.index],
                              "end_year": years[-1], "source_id": pj["source_id"]}, index=pj.index)
        fac = pd.concat([fac, extra[fac.columns]])
    fac, grade_base = expand_grades(fac, data)
    fac_t = [(f, t) for f, r in fac.iterrows() for t in range(len(tree))
             if r["start_year"] <= tree.year[t] <= r["end_year"]]
    costs = data["costs"]
    sloped = set(costs.loc[costs["slope_usd_per_kg_per_t"] > 0, "facility"])
    coef = {(r.process, r.commodity): float(r.coefficient_t) for r in data["processes"].itertuples()}
    arcs = [(r.origin, r.destination, r.commodity) for r in data["routes"].itertuples()
            if r.origin != r.destination]
    dem = data["demand"]
    keys = sorted(set(zip(dem["node"], dem["segment"], dem["commodity"])))
    elastic = set(zip(*[dem.loc[dem["elasticity"] < 0, c] for c in ("node", "segment", "commodity")]))
    subs = []
    if data.has("substitution"):
        for r in data["substitution"].itertuples():
            subs += [(n, s, c, r.substitute) for (n, s, c) in keys if s == r.segment and c == r.commodity]
    nodes = list(data["nodes"]["node"])
    ix = Index(years=years, tree=tree, nodes=nodes,
               commodities=list(data["commodities"]["commodity"]), coef=coef,
               facilities=fac, fac_t=fac_t, sloped=sloped, arcs=arcs, demand_keys=keys,
               elastic=elastic, subs=sorted(subs), steps=cfg.curves.steps,
               linear=cfg.curves.form == "linear", demand=cfg.curves.demand,
               demand_steps=cfg.curves.demand_steps,
               demand_min_price_ratio=float(cfg.curves.demand_min_price_ratio),
               china=cfg.china_node, projects=projects, grade_base=grade_base)
    for sib, f in grade_base.items():
        ix.grade_group.setdefault(f, []).append(sib)
    ix.clean_fac_t = [(f, t) for f, t in fac_t if not ix.makes_touched_only(f) and not ix.makes_clean_only(f)]
    ix.clean_arcs = [a for a in arcs if a[0] != ix.china]
    ix.curves = build_curves(cfg, data, arcs)
    ix.storage = storage_rows(cfg, data)
    ix.storage_clean = clean_storage_rows(data, ix.storage)
    return ix
