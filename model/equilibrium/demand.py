"""Demand: served blocks of willingness to pay, unserved demand, substitutes (docs/model.md § Equations)."""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.equilibrium.supply import Quad


def define_demand(m, ix) -> None:
    """D = demand rows (node, segment, commodity). Blocks blk[d,t,k] ≤ width valued at wtp
    (inelastic rows: one block at VOLL; constant-elasticity rows: a VOLL tail and geometric price
    steps; linear rows: equal steps). Exact linear form (form: linear, demand: linear; elastic rows
    only): served q[d,t] ≤ qmax valued at a q − ½ b q².
    Substitution: sub_use[n,s,c,x,t] t of segment demand met by substitute x.

    Equation: docs/model.md § Equations, row “demand blocks, substitution”.
    """
    T = range(len(ix.tree))
    m.D = pyo.Set(dimen=3, initialize=ix.demand_keys, ordered=True)
    m.DT = pyo.Set(dimen=4, initialize=[d + (t,) for d in ix.demand_keys for t in T], ordered=True)
    m.demand_ref_t = pyo.Param(m.DT, mutable=True, initialize=0.0)
    # the part of the row valued at its VOLL (the whole of an inelastic row, the tail of a CES row):
    # what no price below VOLL rations; unserved below it is shortage (docs/model.md § Shortage)
    m.demand_tail_t = pyo.Param(m.DT, mutable=True, initialize=0.0)
    qp = [d for d in ix.demand_keys if d in ix.elastic and ix.demand_qp]
    blocks = [d + (t, k) for d in ix.demand_keys if d not in qp for t in T for k in range(ix.blocks(d))]
    m.DTK = pyo.Set(dimen=5, initialize=blocks, ordered=True)
    m.block_width_t = pyo.Param(m.DTK, mutable=True, initialize=0.0)
    m.block_wtp_usd_per_kg = pyo.Param(m.DTK, mutable=True, initialize=0.0)
    # linear steps only: 1 for a block priced below VOLL, 0 for a block of the VOLL tail
    # (sub_share_rule; a CES or inelastic row's tail is its block 0, known without a Param)
    m.DTK_steps = pyo.Set(dimen=5, initialize=[] if ix.demand == "ces" else blocks, ordered=True)
    m.block_priced = pyo.Param(m.DTK_steps, mutable=True, initialize=1.0)
    # 0 ≤ blk ≤ width as column bounds (a mutable bound: a re-solve, not a row per block)
    m.blk = pyo.Var(m.DTK, within=pyo.NonNegativeReals, bounds=block_bounds)
    # served[d,t] as an expression: blocks (or the QP quantity)
    m._tail_is_first = ix.demand == "ces"      # ces_curve: the tail, then priced steps (inelastic rows: one block)
    m._blocks_of, m._block_keys_of = {}, {}
    for (n, s, c, t, k) in m.DTK:
        m._blocks_of.setdefault((n, s, c, t), []).append(m.blk[n, s, c, t, k])
        m._block_keys_of.setdefault((n, s, c, t), []).append(k)
    m.DT_qp = pyo.Set(dimen=4, initialize=[d + (t,) for d in qp for t in T], ordered=True)
    m.demand_max_t = pyo.Param(m.DT_qp, mutable=True, initialize=0.0)
    m.demand_intercept = pyo.Param(m.DT_qp, mutable=True, initialize=0.0)
    m.demand_slope = pyo.Param(m.DT_qp, mutable=True, initialize=0.0)
    m.served_qp = pyo.Var(m.DT_qp, within=pyo.NonNegativeReals)
    m.qp_limit = pyo.Constraint(m.DT_qp, rule=qp_limit_rule)
    m.SUB = pyo.Set(dimen=4, initialize=ix.subs, ordered=True)
    m.SUBT = pyo.Set(dimen=5, initialize=[s + (t,) for s in ix.subs for t in T], ordered=True)
    m.sub_max_share = pyo.Param(m.SUB, mutable=True, initialize=0.0)
    m.sub_ratio = pyo.Param(m.SUB, mutable=True, initialize=1.0)
    m.sub_use = pyo.Var(m.SUBT, within=pyo.NonNegativeReals)
    m.sub_share = pyo.Constraint(m.SUBT, rule=sub_share_rule)


def served(m, n, s, c, t):
    """Total served quantity of a demand row, t: Σ_k blk (or the QP quantity)."""
    if (n, s, c, t) in m.DT_qp:
        return m.served_qp[n, s, c, t]
    return sum(m._blocks_of.get((n, s, c, t), []))


def block_bounds(m, n, s, c, t, k):
    """0 ≤ blk[d,t,k] ≤ block_width_t[d,t,k] (column bounds)."""
    return (0.0, m.block_width_t[n, s, c, t, k])


def qp_limit_rule(m, n, s, c, t):
    """served_qp[d,t] ≤ demand_max_t[d,t]."""
    return m.served_qp[n, s, c, t] <= m.demand_max_t[n, s, c, t]


def sub_share_rule(m, n, s, c, x, t):
    """sub_use[n,s,c,x,t] ≤ max_share × (served[n,s,c,t] + its unserved VOLL tail)
                         = max_share × (Σ_k priced_k blk_k + demand_tail_t):
    the segment's demand at the going price. A share of *served* would cut a substitute off with
    the commodity it replaces: with the commodity banned, nothing served, the substitute could
    serve nothing and the price would pass VOLL. Blocks are valued highest first, so at an optimum
    the tail is served before any priced block and this is max(served, tail). QP rows (exact
    linear demand, no tail): max_share × served."""
    share = m.sub_max_share[n, s, c, x]
    if (n, s, c, t) in m.DT_qp:
        return m.sub_use[n, s, c, x, t] <= share * m.served_qp[n, s, c, t]
    keys = m._block_keys_of.get((n, s, c, t), [])
    if m._tail_is_first:        # the VOLL tail is block 0 of an inelastic or CES row
        priced = sum(m.blk[n, s, c, t, k] for k in keys[1:])
    else:                       # linear steps may cap several blocks at VOLL
        priced = sum(m.block_priced[n, s, c, t, k] * m.blk[n, s, c, t, k] for k in keys)
    return m.sub_use[n, s, c, x, t] <= share * (priced + m.demand_tail_t[n, s, c, t])


def substitutes_of(m, n, s, c) -> list[str]:
    """Substitutes allowed for demand row (n, s, c)."""
    if not hasattr(m, "_subs_of"):
        m._subs_of = {}
        for (n2, s2, c2, x) in m.SUB:
            m._subs_of.setdefault((n2, s2, c2), []).append(x)
    return m._subs_of.get((n, s, c), [])


def own_use(m, n, s, c, t):
    """t of the row's own commodity drawn from the node: served − Σ_x sub_use."""
    return served(m, n, s, c, t) - sum(m.sub_use[n, s, c, x, t] for x in substitutes_of(m, n, s, c))


def willingness_to_pay(m):
    """Per tree node t, k$: Σ wtp·blk + Σ (a q − ½ b q²)."""
    out = {}
    for (n, s, c, t, k) in m.DTK:
        out.setdefault(t, []).append(m.block_wtp_usd_per_kg[n, s, c, t, k] * m.blk[n, s, c, t, k])
    for (n, s, c, t) in m.DT_qp:
        q = m.served_qp[n, s, c, t]
        out.setdefault(t, []).append(m.demand_intercept[n, s, c, t] * q)
        out.setdefault(t, []).append(Quad(-0.5 * m.demand_slope[n, s, c, t], q))
    return out
