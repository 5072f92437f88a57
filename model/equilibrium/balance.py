"""Node balances: the market-clearing rows whose duals are prices (DESIGN §2)."""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.equilibrium.demand import own_use, substitutes_of


def define_balance(m, ix, pi) -> None:
    """For every node n, commodity c, tree node t:
    Σ_f coef⁺·act + Σ_o flow[o,n] + release = Σ_f |coef⁻|·act + Σ_d flow[n,d] + Σ_segments own use
    + Σ ratio·sub_use + buy + dispose. The dual (per weight) is the price in $/kg.

    Equation: docs/model.md § Equations, row “balance”.
    """
    T = range(len(ix.tree))
    terms: dict[tuple, list] = {}

    def add(n, c, t, expr):
        terms.setdefault((n, c, t), []).append(expr)

    node_of = ix.facilities["node"].to_dict()
    proc_of = ix.facilities["process"].to_dict()
    for f, t in ix.fac_t:
        for c, k in ix.by_process.get(proc_of[f], []):
            add(node_of[f], c, t, k * m.act[f, t])
    for (o, d, c, t) in m.AT:
        add(d, c, t, m.flow[o, d, c, t])
        add(o, c, t, -m.flow[o, d, c, t])
    for (n, s, c, t) in m.DT:
        add(n, c, t, -own_use(m, n, s, c, t))
    for (n, s, c, x, t) in m.SUBT:
        add(n, x, t, -m.sub_ratio[n, s, c, x] * m.sub_use[n, s, c, x, t])
    for (p, t) in m.STK:
        sp = pi.stockpiles[p]
        add(sp.node, sp.commodity, t, m.release[p, t] - m.buy[p, t])
    keys = sorted(terms)
    m.NCT = pyo.Set(dimen=3, initialize=keys, ordered=True)
    m.dispose = pyo.Var(m.NCT, within=pyo.NonNegativeReals)
    m.balance = pyo.Constraint(m.NCT, rule=lambda m, n, c, t: sum(terms[n, c, t]) - m.dispose[n, c, t] == 0)
    m.own_nonneg = pyo.Constraint(m.DT, rule=lambda m, n, s, c, t: own_use_rule(m, n, s, c, t))


def own_use_rule(m, n, s, c, t):
    """served − Σ_x sub_use ≥ 0 (substitutes cannot exceed what is served)."""
    if not substitutes_of(m, n, s, c):
        return pyo.Constraint.Skip
    return own_use(m, n, s, c, t) >= 0
