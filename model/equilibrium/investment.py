"""Investment: build decisions on the project pipeline (``projects.csv``).

A project j is a new facility (node, process) that the model may build: build[j,t] ≥ 0 t/yr of
nameplate decided at tree node t (year y_t), online from y_t + L_j along a ramp ρ_j. Builds on
trunk nodes are shared by every scenario (first stage); later builds are branch recourse that
cannot help before their lead time. Equations: docs/model.md § Investment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyomo.environ as pyo

from reebloc.errors import ReeblocError
from reebloc.inputs.dataset import parse_ramp
from reebloc.inputs.policies import Offtake, Outlay, PriceFloor

KUSD = 1000.0


@dataclass
class Projects:
    """Structure of the build options: rows of projects.csv, decision nodes, paths."""

    table: pd.DataFrame = field(default_factory=pd.DataFrame)         # indexed by project
    ramp: dict[str, list[float]] = field(default_factory=dict)
    lead: dict[str, int] = field(default_factory=dict)
    life: dict[str, int] = field(default_factory=dict)
    build_t: list[tuple[str, int]] = field(default_factory=list)      # (project, decision tree node)
    leaves: list[int] = field(default_factory=list)                   # tree nodes of the last year
    enabled: bool = True                                              # False: projects exist, no builds

    @property
    def build_t_set(self) -> set:
        if not hasattr(self, "_bts"):
            self._bts = set(self.build_t)
        return self._bts

    def key(self) -> tuple:
        return (self.enabled, tuple(self.build_t), tuple(sorted((j, tuple(r)) for j, r in self.ramp.items())),
                tuple(sorted(self.life.items())))

    def __bool__(self) -> bool:
        return bool(self.ramp)


def ancestors(tree, t: int) -> list[int]:
    """t, its parent, its parent's parent, ... (the path back to the first year)."""
    out = []
    while t is not None:
        out.append(t)
        t = tree.parent[t]
    return out


def build_projects(cfg, data, tree, years: list[int]) -> Projects:
    """Decision nodes of project j: y_t ≥ max(y0, E_j − L_j) and y_t + L_j ≤ last year (a build
    that could only come online after the horizon is no decision inside it); in a year split into
    periods, builds are decided at its start (the first period)."""
    if not data.has("projects"):
        return Projects()
    df = data["projects"].set_index("project")
    pr = Projects(table=df, enabled=cfg.investment.enabled)
    y0, y1 = years[0], years[-1]
    for j, r in df.iterrows():
        pr.ramp[j] = parse_ramp(r["ramp"])
        pr.lead[j] = int(r["lead_time_years"])
        pr.life[j] = int(r["lifetime_years"])
        first = max(y0, int(r["earliest_year"]) - pr.lead[j])
        if pr.enabled:
            pr.build_t += [(j, t) for t in range(len(tree)) if first <= tree.year[t] <= y1 - pr.lead[j]
                           and tree.period[t].first_month == 1]
    parents = set(tree.parent)
    pr.leaves = [t for t in range(len(tree)) if t not in parents]
    return pr


def ramp_share(ramp: list[float], k: int) -> float:
    """Share of nameplate available in the k-th year online (k = 0 the first); 0 before."""
    if k < 0:
        return 0.0
    return ramp[min(k, len(ramp) - 1)]


def define_investment(m, ix) -> None:
    """Variables build[j,t] ≥ 0 (t/yr of nameplate decided at tree node t) and the size limit
    Σ_{t' on the path to each leaf} build[j,t'] ≤ project_max_t[j].

    Equation: docs/model.md § Equations, row “investment”.
    """
    pr = ix.projects
    m.J = pyo.Set(initialize=list(pr.ramp), ordered=True)
    m.JT = pyo.Set(dimen=2, initialize=pr.build_t, ordered=True)
    m.project_max_t = pyo.Param(m.J, mutable=True, initialize=0.0)
    m.capital_charge_usd_per_kg = pyo.Param(m.J, mutable=True, initialize=0.0)
    m.build = pyo.Var(m.JT, within=pyo.NonNegativeReals)
    decided = {}
    for (j, t) in pr.build_t:
        decided.setdefault(j, set()).add(t)
    rows = [(j, leaf) for j in pr.ramp for leaf in pr.leaves if decided.get(j)]
    m.JL = pyo.Set(dimen=2, initialize=rows, ordered=True)

    def size_rule(m, j, leaf):
        """Σ_{t' ∈ path(leaf)} build[j,t'] ≤ project_max_t[j]."""
        terms = [m.build[j, t] for t in ancestors(ix.tree, leaf) if t in decided[j]]
        return sum(terms) <= m.project_max_t[j] if terms else pyo.Constraint.Skip
    m.build_limit = pyo.Constraint(m.JL, rule=size_rule)


def online(ix, j: str, t: int) -> list[tuple[int, float]]:
    """[(decision node t', ρ_j(y_t − y_t' − L_j))] of builds on the path to t that are online at t:
    from y_t' + L_j for life_j years (the years ``paying`` charges; the plant retires after them)."""
    pr, tree = ix.projects, ix.tree
    out = []
    for tp in ancestors(tree, t):
        if (j, tp) in pr.build_t_set:
            k = tree.year[t] - tree.year[tp] - pr.lead[j]
            s = ramp_share(pr.ramp[j], k) if k < pr.life[j] else 0.0
            if s > 0:
                out.append((tp, s))
    return out


def paying(ix, j: str, t: int) -> list[int]:
    """Decision nodes t' on the path to t whose capital charge falls in year y_t:
    y_t' + L_j ≤ y_t < y_t' + L_j + life_j (annuities only inside the horizon)."""
    pr, tree = ix.projects, ix.tree
    return [tp for tp in ancestors(tree, t) if (j, tp) in pr.build_t_set
            and 0 <= tree.year[t] - tree.year[tp] - pr.lead[j] < pr.life[j]]


def built_capacity(m, ix, f: str, t: int):
    """Capacity added by builds of project f online at t: Σ_{t'} ρ_f(y_t − y_t' − L_f)·build[f,t']
    (0 for an operating facility)."""
    if f not in ix.projects.ramp:
        return 0.0
    return sum(s * m.build[f, tp] for tp, s in online(ix, f, t))


def investment_cost(m, ix) -> dict[int, list]:
    """Capital charge of tree node t, k$: Σ_j capital_charge_usd_per_kg[j] × Σ_{t' paying} build[j,t']."""
    out: dict[int, list] = {}
    for j in ix.projects.ramp:
        for t in range(len(ix.tree)):
            tps = paying(ix, j, t)
            if tps:
                out.setdefault(t, []).append(m.capital_charge_usd_per_kg[j] * sum(m.build[j, tp] for tp in tps))
    return out


# ----------------------------------------------------------------------------- finance (values)
def crf(rate: float, life: int) -> float:
    """Capital recovery factor r / (1 − (1 + r)^−n) (1/n at r = 0)."""
    if rate <= 0:
        return 1.0 / life
    return rate / (1.0 - (1.0 + rate) ** -life)


def annuity_usd_per_t(capex: float, rate: float, lead: int, life: int) -> float:
    """Annual capital charge per t/yr of nameplate, paid in each of ``life`` years from going online:
    capex (1 + r)^L CRF(r, life) — capex spent at the decision, carried at r through construction,
    so the charges' present value at the decision is capex."""
    return capex * (1.0 + rate) ** lead * crf(rate, life)


@dataclass
class Finance:
    """A project's terms after policies: base rate, effective rate, capex after grants, and who pays what."""

    contracted: bool
    base_rate: float
    rate: float
    capex_usd_per_t: float
    grant_share: float
    charge_usd_per_t: float                                        # investor's annual charge incl. fixed O&M
    subsidy_usd_per_t: float                                       # annual rate subsidy (loan/equity), government
    grant_usd_per_t: float                                         # grant per t/yr built (cash, up front)
    by_policy: dict[str, tuple[str, str, float, float]] = field(default_factory=dict)
    financed_usd_per_t: dict[str, float] = field(default_factory=dict)  # policy -> $ it puts in per t/yr built
    # policy -> (payer, type, annual subsidy $/t, one-off $/t): a grant's cost is annual too (its annuity)


def project_finance(ix, cfg, where=None) -> dict[str, Finance]:
    """Terms of every project under the run's policies (docs/model.md § Investment, policies):
    - cost of capital: contracted rate if an enabled price floor or offtake covers the project, else merchant;
    - grant (outlay type grant with ``projects``): pays share g = min(1, amount / Σ capex·max) of capex
      (amount in real dollars: deflated from ``year`` when ``price_basis`` is nominal, the default);
      its cost to the government is the annuity it saves the investor, A(capex, r_base) − A(net, r_base)
      = g·A(capex, r_base) per t/yr per year paying;
    - loan / equity: finance share s = min(1, amount / Σ capex·max) of capex at the government's rate,
      effective rate r' = Σ s_k r_k + (1 − Σ s_k) r_base; subsidy = A(r_base) − A(r') per t/yr per year."""
    pr = ix.projects
    if not pr:
        return {}
    df = pr.table
    contracted = set()
    for p in cfg.policies.values():
        if isinstance(p, PriceFloor) and p.enabled:
            contracted |= set(p.facilities)
        if isinstance(p, Offtake) and p.enabled:
            contracted.add(p.facility)
    finance_of: dict[str, list] = {j: [] for j in pr.ramp}
    for name in sorted(cfg.policies):
        p = cfg.policies[name]
        if not isinstance(p, Outlay) or not p.projects or not p.enabled:
            continue
        for j in p.projects:
            if j not in pr.ramp:
                raise ReeblocError(where, f"policies.{name}.projects", f"unknown project {j!r} (not in projects.csv)")
        pool = sum(float(df.at[j, "capex_usd_per_t_yr"]) * float(df.at[j, "max_capacity_t"]) for j in p.projects)
        amount = p.amount_usd * (cfg.money.deflator(p.year) if p.price_basis == "nominal" else 1.0)   # real $
        share = min(1.0, amount / pool) if pool > 0 else 0.0
        for j in p.projects:
            finance_of[j].append((name, p, share))
    out = {}
    for j in pr.ramp:
        r = df.loc[j]
        is_c = j in contracted
        base = float(r["cost_of_capital_contracted"] if is_c else r["cost_of_capital_merchant"])
        capex, lead, life = float(r["capex_usd_per_t_yr"]), pr.lead[j], pr.life[j]
        grants = [(n, p, s) for n, p, s in finance_of[j] if p.type == "grant"]
        credit = [(n, p, s) for n, p, s in finance_of[j] if p.type != "grant"]
        g = min(1.0, sum(s for _, _, s in grants))
        net = capex * (1.0 - g)
        shares, rates = [], []
        for n, p, s in credit:
            if p.cost_of_capital is not None:
                rk = p.cost_of_capital
            elif p.type == "loan":
                rk = max(0.0, base - p.interest_subsidy_rate)
            else:
                rk = cfg.discount_rate
            shares.append(s)
            rates.append(min(rk, base))
        tot = sum(shares)
        if tot > 1.0:
            shares = [s / tot for s in shares]
            tot = 1.0
        rate = sum(s * rk for s, rk in zip(shares, rates)) + (1.0 - tot) * base
        a_base, a_eff = annuity_usd_per_t(net, base, lead, life), annuity_usd_per_t(net, rate, lead, life)
        fom = float(r["fixed_om_usd_per_t_yr"])
        fin = Finance(contracted=is_c, base_rate=base, rate=rate, capex_usd_per_t=net, grant_share=g,
                      charge_usd_per_t=a_eff + fom, subsidy_usd_per_t=a_base - a_eff, grant_usd_per_t=capex * g)
        weights = [s * (base - rk) for s, rk in zip(shares, rates)]
        wsum = sum(weights)
        for (n, p, _), wk in zip(credit, weights):
            fin.by_policy[n] = (p.payer, p.type, (a_base - a_eff) * wk / wsum if wsum > 0 else 0.0, 0.0)
        for (n, p, _), sk in zip(credit, shares):
            fin.financed_usd_per_t[n] = sk * net        # lent or invested: its share of the capex after grants
        # a grant is paid up front but costed as the investor gains from it, as the annuity it takes
        # off the charge: g·A(capex, r) per t/yr in each year the build pays charges inside the
        # horizon (a grant on a plant built anyway then moves no welfare; the cash is in
        # summary.json project_finance_budget_cost_usd)
        gsum = sum(s for _, _, s in grants)
        a_grant = annuity_usd_per_t(capex, base, lead, life) - a_base
        for n, p, s in grants:
            fin.by_policy[n] = (p.payer, p.type, a_grant * s / gsum if gsum > 0 else 0.0, 0.0)
            fin.financed_usd_per_t[n] = capex * g * s / gsum if gsum > 0 else 0.0   # the grant's cash
        out[j] = fin
    return out


def investment_values(ix, cfg, data, where=None) -> dict[str, dict]:
    """Params of the investment family: size limits, capital charges ($/kg per t/yr of nameplate
    per year = $ per t/yr ÷ 1000), and the projects' operating cost (``cost_usd_per_kg``)."""
    pr = ix.projects
    v: dict[str, dict] = {"project_max_t": {}, "capital_charge_usd_per_kg": {}, "cost_usd_per_kg": {}}
    if not pr:
        return v
    fin = project_finance(ix, cfg, where)
    for j in pr.ramp:
        v["project_max_t"][j] = float(pr.table.at[j, "max_capacity_t"])
        v["capital_charge_usd_per_kg"][j] = fin[j].charge_usd_per_t / KUSD
    for (f, t) in ix.fac_t:
        if f in pr.ramp:
            v["cost_usd_per_kg"][f, t] = float(pr.table.at[f, "cost_usd_per_kg"])
    return v
