"""Node balances: the market-clearing rows whose duals are prices, one per origin class.

Material is *China-touched* (any stage in China) or *clean*. The touched balance is the
ordinary market: ordinary buyers and processors draw on it and its dual is the price in
``prices.csv``. The clean balance holds material with no Chinese stage; clean material may
always be used as touched (``downgrade``), so the clean price is never below the touched price
and the clean premium (their difference) is the dual value of the content rules and controls
that single clean material out. docs/model.md § Origin classes.
"""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.equilibrium.demand import own_use, substitutes_of
from reebloc.equilibrium.supply import facility_terms
from reebloc.equilibrium.trade import touched_flow


def define_balance(m, ix, pi) -> None:
    """For every node n, commodity c, tree node t, and each origin class:

    touched: Σ_f coef·act_touched + Σ_o flow_touched[o,n] + release + downgrade
             = Σ_d flow_touched[n,d] + Σ_ordinary segments own use + Σ ratio·sub_use (ordinary) + buy + dispose
             (+ psell − pbuy of a private holder of touched material on the left, storage.py)
    clean:   Σ_f coef·act_clean + Σ_o flow_clean[o,n]
             = Σ_d flow_clean[n,d] + Σ_rule segments (own use + ratio·sub_use) + downgrade
             (+ psell − pbuy of a private holder of clean material on the left)
    (coef < 0 for inputs). The dual (per weight) of each row is that class's price in $/kg.

    Equation: docs/model.md § Equations, row “balance”; § Origin classes.
    """
    touched: dict[tuple, list] = {}
    clean: dict[tuple, list] = {}

    def add(book, n, c, t, expr):
        book.setdefault((n, c, t), []).append(expr)

    for n, c, t, _k, tx, cx in facility_terms(m, ix):
        if tx is not None:
            add(touched, n, c, t, tx)
        if cx is not None:
            add(clean, n, c, t, cx)
    for (o, d, c, t) in m.AT:
        x = touched_flow(m, o, d, c, t)
        add(touched, d, c, t, x)
        add(touched, o, c, t, -x)
    for (o, d, c, t) in m.ACT_clean:
        add(clean, d, c, t, m.flow_clean[o, d, c, t])
        add(clean, o, c, t, -m.flow_clean[o, d, c, t])
    clean_rows = set(pi.clean_demand)
    for (n, s, c, t) in m.DT:
        add(clean if (n, s, c, t) in clean_rows else touched, n, c, t, -own_use(m, n, s, c, t))
    for (n, s, c, x, t) in m.SUBT:       # a content rule's segment is served clean, substitutes too
        add(clean if (n, s, c, t) in clean_rows else touched, n, x, t, -m.sub_ratio[n, s, c, x] * m.sub_use[n, s, c, x, t])
    for (p, t) in m.STK:
        sp = pi.stockpiles[p]
        add(touched, sp.node, sp.commodity, t, m.release[p, t] - m.buy[p, t])
    held_clean = set(ix.storage_clean)
    for (n, c, t) in m.PST:
        add(clean if (n, c) in held_clean else touched, n, c, t, m.psell[n, c, t] - m.pbuy[n, c, t])

    ckeys = sorted(clean)
    m.NCT_clean = pyo.Set(dimen=3, initialize=ckeys, ordered=True)
    m.downgrade = pyo.Var(m.NCT_clean, within=pyo.NonNegativeReals)
    for (n, c, t) in ckeys:
        add(touched, n, c, t, m.downgrade[n, c, t])
    m.balance_clean = pyo.Constraint(
        m.NCT_clean, rule=lambda m, n, c, t: sum(clean[n, c, t]) - m.downgrade[n, c, t] == 0)

    keys = sorted(touched)
    m.NCT = pyo.Set(dimen=3, initialize=keys, ordered=True)
    m.dispose = pyo.Var(m.NCT, within=pyo.NonNegativeReals)
    m.balance = pyo.Constraint(m.NCT, rule=lambda m, n, c, t: sum(touched[n, c, t]) - m.dispose[n, c, t] == 0)
    m.own_nonneg = pyo.Constraint(m.DT, rule=lambda m, n, s, c, t: own_use_rule(m, n, s, c, t))


def own_use_rule(m, n, s, c, t):
    """served − Σ_x sub_use ≥ 0 (substitutes cannot exceed what is served)."""
    if not substitutes_of(m, n, s, c):
        return pyo.Constraint.Skip
    return own_use(m, n, s, c, t) >= 0


OTHER_NODES = 0.01      # weight of clean output outside the tie-break nodes (touched_tiebreak)


def touched_tiebreak(m, ix, tie_nodes):
    """Per tree node t, k$ (a cost; negative = reward): −ε × (clean imports into ``tie_nodes`` +
    clean output of their processors) − ε·OTHER_NODES × clean output of every other processor.
    Among optima that differ only in which material is clean, this picks the one with the least
    China-touched supply at ``tie_nodes`` and, among those, the least touched output elsewhere (a
    reward 100 times smaller, so it never outweighs the first: on bloc-zone an equal reward
    everywhere moved the US's 2030 China content from 41% to 53%). It rewards a label, so it moves
    no touched (market) price, and a clean price by at most ε. (Until 2026-12-06 clean output
    elsewhere had no reward, and material with no Chinese stage made there could read touched.)"""
    out: dict[int, list] = {}
    eps = m.tiebreak_usd_per_kg
    tie = set(tie_nodes)
    node_of = ix.facilities["node"].to_dict()
    proc_of = ix.facilities["process"].to_dict()
    for f, t in ix.clean_fac_t:
        out_coef = sum(k for _, k in ix.by_process.get(proc_of[f], []) if k > 0)
        weight = 1.0 if node_of[f] in tie else OTHER_NODES
        out.setdefault(t, []).append(-eps * weight * out_coef * m.act_clean[f, t])
    for (o, d, c, t) in m.ACT_clean:
        if d in tie:
            out.setdefault(t, []).append(-eps * m.flow_clean[o, d, c, t])
    return out
