"""Policy instruments in the model (docs/model.md § Equations, § Scenario tree): CfD floors, offtake, stockpiles, export controls.

Price-dependent payments enter as per-kg Params updated by the wedge iteration (reebloc.solve.wedges).
"""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.equilibrium.grades import siblings
from reebloc.equilibrium.trade import touched_flow


def plant_output(m, ix, f, c, t):
    """Output of commodity c by plant f at t over all its grades: Σ_g coef(process_g, c) × act[g,t]
    (grades.py; just coef × act[f,t] for a one-recipe facility)."""
    return sum(ix.coef.get((ix.facilities.at[g, "process"], c), 0.0) * m.act[g, t]
               for g in siblings(ix, f) if (g, t) in ix.fac_t_set)


def define_floors(m, ix, pi) -> None:
    """Covered output cov[p,f,t] ≤ coef × act[f,t]; Σ_f cov ≤ volume cap and ≥ the cap's hull
    share of output (``cover_hull_rule``). The producer earns
    floor_subsidy_usd_per_kg[p,t] = (F − P_ref)⁺ − share·(P_ref − F)⁺ on covered tonnes.

    Equation: docs/model.md § Equations, row “CfD floor”.
    """
    m.FLR = pyo.Set(dimen=3, initialize=pi.floor_rows, ordered=True)
    m.FLY = pyo.Set(dimen=2, initialize=pi.floor_years, ordered=True)
    m.floor_subsidy_usd_per_kg = pyo.Param(m.FLY, mutable=True, initialize=0.0)
    m.cov = pyo.Var(m.FLR, within=pyo.NonNegativeReals)
    m.floor_output = pyo.Constraint(m.FLR, rule=lambda m, p, f, t: floor_output_rule(m, ix, pi, p, f, t))
    capped = [(p, t) for (p, t) in pi.floor_years if pi.floors[p].volume_cap_t is not None]
    m.FLY_cap = pyo.Set(dimen=2, initialize=capped, ordered=True)
    m.floor_cap_t = pyo.Param(m.FLY_cap, mutable=True, initialize=0.0)
    m.floor_cap = pyo.Constraint(m.FLY_cap, rule=floor_cap_rule)
    m.floor_hull_share = pyo.Param(m.FLY_cap, mutable=True, initialize=1.0)
    m.floor_hull = pyo.Constraint(m.FLY_cap, rule=lambda m, p, t: cover_hull_rule(
        sum(m.cov[p2, f, t2] for (p2, f, t2) in m.FLR if p2 == p and t2 == t), m.floor_hull_share[p, t],
        sum(plant_output(m, ix, f, pi.floors[p].commodity, t) for (p2, f, t2) in m.FLR if p2 == p and t2 == t)))


def floor_output_rule(m, ix, pi, p, f, t):
    """cov[p,f,t] ≤ Σ_g coef(process_g, c) × act[g,t] over the plant's grades (== when uncapped:
    every tonne is covered)."""
    c = pi.floors[p].commodity
    out = plant_output(m, ix, f, c, t)
    if pi.floors[p].volume_cap_t is None:
        return m.cov[p, f, t] == out
    return m.cov[p, f, t] <= out


def cover_hull_rule(covered, share, output):
    """covered ≥ min(1, cap / M) × output, M the largest output the covered plants can reach
    (``cover_hull_values``). The contract covers min(output, cap) tonnes, a set that is not
    convex; with ``covered ≤ output`` and ``covered ≤ cap`` this row makes the LP hold its convex
    hull over output ∈ [0, M]: exact at no output and at M, and for a cap at or above M exact
    everywhere (every tonne covered, as without a cap). Without it a producer would declare no
    covered tonnes whenever the payment is negative (a clawback above the floor, a contract
    price below the market)."""
    return covered >= share * output


def floor_cap_rule(m, p, t):
    """Σ_f cov[p,f,t] ≤ floor_cap_t[p,t]; dual = value of cap room to the producers."""
    return sum(m.cov[p2, f, t2] for (p2, f, t2) in m.FLR if p2 == p and t2 == t) <= m.floor_cap_t[p, t]


def define_offtake(m, ix, pi) -> None:
    """Offtake volume off[p,t] = share × output (or ≤ volume_t, ≤ output and ≥ the volume's hull
    share of output, ``cover_hull_rule``); the producer earns
    offtake_subsidy_usd_per_kg[p,t] = contract price − market price on it.

    Equation: docs/model.md § Equations, row “offtake”.
    """
    m.OFT = pyo.Set(dimen=2, initialize=pi.offtake_rows, ordered=True)
    m.offtake_subsidy_usd_per_kg = pyo.Param(m.OFT, mutable=True, initialize=0.0)
    m.offtake_volume_t = pyo.Param(m.OFT, mutable=True, initialize=0.0)
    m.off = pyo.Var(m.OFT, within=pyo.NonNegativeReals)
    m.offtake_output = pyo.Constraint(m.OFT, rule=lambda m, p, t: offtake_rule(m, ix, pi, p, t))
    vol = [(p, t) for (p, t) in pi.offtake_rows if pi.offtakes[p].volume_t is not None]
    m.OFT_vol = pyo.Set(dimen=2, initialize=vol, ordered=True)
    m.offtake_cap = pyo.Constraint(m.OFT_vol, rule=lambda m, p, t: m.off[p, t] <= m.offtake_volume_t[p, t])
    m.offtake_hull_share = pyo.Param(m.OFT_vol, mutable=True, initialize=1.0)
    m.offtake_hull = pyo.Constraint(m.OFT_vol, rule=lambda m, p, t: cover_hull_rule(
        m.off[p, t], m.offtake_hull_share[p, t], plant_output(m, ix, pi.offtakes[p].facility, pi.offtakes[p].commodity, t)))


def offtake_rule(m, ix, pi, p, t):
    """off = share × output (share form) or off ≤ output (volume form); output = Σ over the plant's
    grades of coef × act (grades.py)."""
    o = pi.offtakes[p]
    out = plant_output(m, ix, o.facility, o.commodity, t)
    if o.share is not None:
        return m.off[p, t] == o.share * out
    return m.off[p, t] <= out


def define_stockpiles(m, ix, pi) -> None:
    """stock[p,t] = stock[p,parent(t)] (or initial_t) + buy[p,t] − release[p,t] ≤ capacity;
    release only where allowed; target: stock ≥ target_days/365 × reference demand.

    Equation: docs/model.md § Equations, row “stockpile”.
    """
    m.STK = pyo.Set(dimen=2, initialize=pi.stock_rows, ordered=True)
    m.stock = pyo.Var(m.STK, within=pyo.NonNegativeReals)
    m.buy = pyo.Var(m.STK, within=pyo.NonNegativeReals)
    m.release = pyo.Var(m.STK, within=pyo.NonNegativeReals)
    m.stock_capacity_t = pyo.Param(m.STK, mutable=True, initialize=0.0)
    m.stock_initial_t = pyo.Param(list(pi.stockpiles), mutable=True, initialize=0.0)
    m.stock_holding_usd_per_kg = pyo.Param(m.STK, mutable=True, initialize=0.0)
    m.stock_balance = pyo.Constraint(m.STK, rule=lambda m, p, t: stock_balance_rule(m, ix, p, t))
    m.stock_limit = pyo.Constraint(m.STK, rule=lambda m, p, t: m.stock[p, t] <= m.stock_capacity_t[p, t])
    closed = [(p, t) for (p, t) in pi.stock_rows if not pi.release_ok[p, t]]
    m.stock_no_release = pyo.Constraint(closed, rule=lambda m, p, t: m.release[p, t] == 0)
    inactive = [(p, t) for (p, t) in pi.stock_rows if not pi.stockpiles[p].active(ix.tree.period[t])]
    m.stock_no_buy = pyo.Constraint(inactive, rule=lambda m, p, t: m.buy[p, t] == 0)
    m.TGT = pyo.Set(dimen=2, initialize=pi.target_rows, ordered=True)
    m.stock_target_t = pyo.Param(m.TGT, mutable=True, initialize=0.0)
    m.stock_target = pyo.Constraint(m.TGT, rule=lambda m, p, t: m.stock[p, t] >= m.stock_target_t[p, t])


def stock_balance_rule(m, ix, p, t):
    """stock[p,t] = stock[p,parent] + L_t (buy − release): buy and release are per-year rates, L_t
    the period's length in years."""
    parent, L = ix.tree.parent[t], ix.tree.period[t].length_years
    prev = m.stock_initial_t[p] if parent is None else m.stock[p, parent]
    return m.stock[p, t] == prev + L * (m.buy[p, t] - m.release[p, t])


def define_controls(m, ix, pi) -> None:
    """Export controls with a cap, one row per control and destination group g:
    Σ_{a ∈ A(g)} flow[a,t] ≤ control_cap_t = r × R_g (licences as a quantity: approval rate r of the
    pre-control volume R_g; a ban is r = 0; a quota a fixed cap). The dual is the licence rent, $/kg.

    Equation: docs/model.md § Equations, row “export controls”.
    """
    rows = [(cid, t) for (cid, t, arcs) in pi.controls]
    m.CTL = pyo.Set(dimen=2, initialize=rows, ordered=True)
    m.control_cap_t = pyo.Param(m.CTL, mutable=True, initialize=0.0)
    arcs_of = {(cid, t): arcs for (cid, t, arcs) in pi.controls}
    touched = set(pi.touched_controls)
    m.control = pyo.Constraint(
        m.CTL, rule=lambda m, cid, t: control_rule(m, arcs_of[cid, t], cid, t, cid in touched))


def control_rule(m, arcs, cid, t, touched_only=False):
    """Σ_a flow[a,t] ≤ control_cap_t[cid,t]; for a control on China-touched material only
    (China's extraterritorial rule) Σ_a (flow − flow_clean)[a,t] ≤ cap."""
    if not arcs:
        return pyo.Constraint.Skip
    if touched_only:
        return sum(touched_flow(m, *a, t) for a in arcs) <= m.control_cap_t[cid, t]
    return sum(m.flow[a + (t,)] for a in arcs) <= m.control_cap_t[cid, t]


QUOTA_OFF_T = 1.0e9
"""Value of a strategic export quota that is not in force (t/yr): far above any flow."""


def define_export_quotas(m, ix, pi) -> None:
    """The strategic leader's export quotas: Σ_{arcs of q} flow ≤ export_quota_t[q,t]
    (``QUOTA_OFF_T`` until the leader sets it; reebloc.strategy).

    Equation: docs/model.md § Equations, row “strategic export policy”.
    """
    rows = [(q, t) for (q, t, arcs) in pi.quotas]
    m.XQ = pyo.Set(dimen=2, initialize=rows, ordered=True)
    m.export_quota_t = pyo.Param(m.XQ, mutable=True, initialize=QUOTA_OFF_T)
    arcs_of = {(q, t): arcs for (q, t, arcs) in pi.quotas}
    m.export_quota = pyo.Constraint(
        m.XQ, rule=lambda m, q, t: sum(m.flow[a + (t,)] for a in arcs_of[q, t]) <= m.export_quota_t[q, t])


def cover_hull_values(ix, pi, vals: dict) -> None:
    """floor_hull_share[p,t] and offtake_hull_share[p,t] = min(1, cap / M), M = Σ over the covered
    plants of max_g coef(process_g, c) × (capacity_t + the project's size limit): an upper bound on
    their output (``cover_hull_rule``). In place on ``vals`` (capacities from ``compute_values``
    and ``investment_values``)."""
    cap_t, proj = vals.get("capacity_t", {}), vals.get("project_max_t", {})

    def most(f, c, t):
        coef = max((ix.coef.get((ix.facilities.at[g, "process"], c), 0.0) for g in siblings(ix, f)
                    if (g, t) in ix.fac_t_set), default=0.0)
        return coef * (cap_t.get((f, t), 0.0) + proj.get(f, 0.0))

    def share(cap, M):
        return 1.0 if M <= 0 else min(1.0, cap / M)

    floors = vals.setdefault("floor_hull_share", {})
    for (p, t), cap in vals.get("floor_cap_t", {}).items():
        M = sum(most(f, pi.floors[p].commodity, t) for (p2, f, t2) in pi.floor_rows if p2 == p and t2 == t)
        floors[p, t] = share(cap, M)
    offtakes = vals.setdefault("offtake_hull_share", {})
    for (p, t), vol in vals.get("offtake_volume_t", {}).items():
        o = pi.offtakes[p]
        offtakes[p, t] = share(vol, most(o.facility, o.commodity, t))
