"""Trade: arcs origin → destination per commodity with freight and policy wedges (DESIGN §2–§3)."""

from __future__ import annotations

import pyomo.environ as pyo


def define_trade(m, ix, pi) -> None:
    """flow[o,d,c,t] ≥ 0 on listed routes; wedge Params on the arcs that policies touch:
    tariff_usd_per_kg (tariffs and bloc rates, revenue to the importer), levy_usd_per_kg (bloc
    reference-price levy, revenue to the importer), friction_usd_per_kg (licence cost, a real cost),
    export_tax_usd_per_kg (the strategic leader's export tax, revenue to the exporter; reebloc.strategy).

    Equation: docs/model.md § Equations, row “trade (arcs and wedges)”.
    """
    m.A = pyo.Set(dimen=3, initialize=ix.arcs, ordered=True)
    m.AT = pyo.Set(dimen=4, initialize=[a + (t,) for t in range(len(ix.tree)) for a in ix.arcs], ordered=True)
    m.freight_usd_per_kg = pyo.Param(m.A, mutable=True, initialize=0.0)
    m.flow = pyo.Var(m.AT, within=pyo.NonNegativeReals)
    m.AT_wedge = pyo.Set(dimen=4, initialize=pi.wedge_arcs, ordered=True)
    m.tariff_usd_per_kg = pyo.Param(m.AT_wedge, mutable=True, initialize=0.0)
    m.levy_usd_per_kg = pyo.Param(m.AT_wedge, mutable=True, initialize=0.0)
    m.AT_friction = pyo.Set(dimen=4, initialize=pi.friction_arcs, ordered=True)
    m.friction_usd_per_kg = pyo.Param(m.AT_friction, mutable=True, initialize=0.0)
    # the strategic leader's export tax (reebloc.strategy; empty without a strategy block)
    m.AT_xtax = pyo.Set(dimen=4, initialize=pi.xtax_arcs, ordered=True)
    m.export_tax_usd_per_kg = pyo.Param(m.AT_xtax, mutable=True, initialize=0.0)


def trade_cost(m):
    """Per tree node t, k$: Σ_a (freight + tariff + levy + friction + export tax) × flow."""
    out = {}
    wedge = set(m.AT_wedge)
    fric = set(m.AT_friction)
    xtax = set(m.AT_xtax)
    for (o, d, c, t) in m.AT:
        per_kg = m.freight_usd_per_kg[o, d, c]
        if (o, d, c, t) in wedge:
            per_kg = per_kg + m.tariff_usd_per_kg[o, d, c, t] + m.levy_usd_per_kg[o, d, c, t]
        if (o, d, c, t) in fric:
            per_kg = per_kg + m.friction_usd_per_kg[o, d, c, t]
        if (o, d, c, t) in xtax:
            per_kg = per_kg + m.export_tax_usd_per_kg[o, d, c, t]
        out.setdefault(t, []).append(per_kg * m.flow[o, d, c, t])
    return out


def define_origin_rule(m, ix, pi) -> None:
    """Rules of origin: a node exports only what it makes (or releases from its stockpiles), so
    goods cannot be re-exported through a third country to dodge a tariff, levy or control:
    Σ_d flow[n,d,c,t] ≤ Σ_f coef⁺·act[f,t] (f at n) + Σ release.

    Equation: docs/model.md § Equations, row “rules of origin”.
    """
    out = {}
    for (o, d, c, t) in m.AT:
        out.setdefault((o, c, t), []).append(m.flow[o, d, c, t])
    made: dict[tuple, list] = {}
    node_of = ix.facilities["node"].to_dict()
    proc_of = ix.facilities["process"].to_dict()
    for f, t in ix.fac_t:
        for c, k in ix.by_process.get(proc_of[f], []):
            if k > 0:
                made.setdefault((node_of[f], c, t), []).append(k * m.act[f, t])
    for (p, t) in m.STK:
        sp = pi.stockpiles[p]
        made.setdefault((sp.node, sp.commodity, t), []).append(m.release[p, t])
    keys = sorted(out)
    m.EXP = pyo.Set(dimen=3, initialize=keys, ordered=True)
    m.origin_rule = pyo.Constraint(m.EXP, rule=lambda m, n, c, t: sum(out[n, c, t]) <= sum(made.get((n, c, t), [])))
