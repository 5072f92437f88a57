"""Trade: arcs origin → destination per commodity with freight and policy wedges (docs/model.md § Equations)."""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.equilibrium.gradual import adjustment_cost
from reebloc.equilibrium.supply import facility_terms


def define_trade(m, ix, pi) -> None:
    """flow[o,d,c,t] ≥ 0 on listed routes; wedge Params on the arcs that policies touch:
    tariff_usd_per_kg (tariffs and bloc rates, revenue to the importer), levy_usd_per_kg (bloc
    reference-price levy, revenue to the importer), friction_usd_per_kg (licence cost, a real cost),
    export_tax_usd_per_kg (the strategic leader's export tax, revenue to the exporter; reebloc.strategy),
    friction_touched_usd_per_kg (a licence on China-touched flows only). flow_clean ≤ flow is the
    clean part of a flow from outside China.

    Equation: docs/model.md § Equations, row “trade (arcs and wedges)”.
    """
    m.A = pyo.Set(dimen=3, initialize=ix.arcs, ordered=True)
    m.AT = pyo.Set(dimen=4, initialize=[a + (t,) for t in range(len(ix.tree)) for a in ix.arcs], ordered=True)
    m.freight_usd_per_kg = pyo.Param(m.A, mutable=True, initialize=0.0)
    m.flow = pyo.Var(m.AT, within=pyo.NonNegativeReals)
    m.AT_wedge = pyo.Set(dimen=4, initialize=pi.wedge_arcs, ordered=True)
    m.tariff_usd_per_kg = pyo.Param(m.AT_wedge, mutable=True, initialize=0.0)
    m.levy_usd_per_kg = pyo.Param(m.AT_wedge, mutable=True, initialize=0.0)
    # origin classes: the clean part of a flow from outside China (docs/model.md § Origin classes)
    m.ACT_clean = pyo.Set(dimen=4, initialize=[a + (t,) for t in range(len(ix.tree)) for a in ix.clean_arcs],
                          ordered=True)
    m.flow_clean = pyo.Var(m.ACT_clean, within=pyo.NonNegativeReals)
    m.clean_flow = pyo.Constraint(m.ACT_clean, rule=lambda m, o, d, c, t: m.flow_clean[o, d, c, t] <= m.flow[o, d, c, t])
    m.AT_friction = pyo.Set(dimen=4, initialize=pi.friction_arcs, ordered=True)
    m.friction_usd_per_kg = pyo.Param(m.AT_friction, mutable=True, initialize=0.0)
    m.AT_friction_touched = pyo.Set(dimen=4, initialize=pi.friction_touched_arcs, ordered=True)
    m.friction_touched_usd_per_kg = pyo.Param(m.AT_friction_touched, mutable=True, initialize=0.0)
    # the strategic leader's export tax (reebloc.strategy; empty without a strategy block)
    m.AT_xtax = pyo.Set(dimen=4, initialize=pi.xtax_arcs, ordered=True)
    m.export_tax_usd_per_kg = pyo.Param(m.AT_xtax, mutable=True, initialize=0.0)


def wedge_cost(m):
    """Per tree node t, k$: Σ_a (tariff + levy) × flow on the arcs policies touch (the
    price-dependent wedges; kept apart so a wedge iteration re-reads only these terms)."""
    out = {}
    for (o, d, c, t) in m.AT_wedge:
        out.setdefault(t, []).append((m.tariff_usd_per_kg[o, d, c, t] + m.levy_usd_per_kg[o, d, c, t])
                                     * m.flow[o, d, c, t])
    return out


def trade_cost(m):
    """Per tree node t, k$: Σ_a (freight + friction + export tax) × flow (+ the wedges of
    ``wedge_cost``) + Σ_a friction_touched × (flow − flow_clean) (China's extraterritorial
    licences) + Σ_(a,k) cost_k × step_k (calibrated trade costs on curve arcs,
    reebloc.equilibrium.gradual)."""
    out = {}
    fric = set(m.AT_friction)
    xtax = set(m.AT_xtax)
    for (o, d, c, t) in m.AT:
        per_kg = m.freight_usd_per_kg[o, d, c]
        if (o, d, c, t) in fric:
            per_kg = per_kg + m.friction_usd_per_kg[o, d, c, t]
        if (o, d, c, t) in xtax:
            per_kg = per_kg + m.export_tax_usd_per_kg[o, d, c, t]
        out.setdefault(t, []).append(per_kg * m.flow[o, d, c, t])
    for (o, d, c, t) in m.AT_friction_touched:
        out.setdefault(t, []).append(m.friction_touched_usd_per_kg[o, d, c, t] * touched_flow(m, o, d, c, t))
    for t, terms in adjustment_cost(m).items():       # calibrated trade costs (gradual.py)
        out.setdefault(t, []).extend(terms)
    return out


def define_origin_rule(m, ix, pi) -> None:
    """Rules of origin, per origin class: a node exports only what it makes, so goods cannot be
    re-exported through a third country to dodge a tariff, levy or control, nor relabelled from
    touched to clean on the way:
    Σ_d flow_touched[n,d,c,t] ≤ Σ_f coef⁺·act_touched[f,t] (f at n);
    Σ_d flow_clean[n,d,c,t] ≤ Σ_f coef⁺·act_clean[f,t] (f at n).
    A stockpile's (or private holder's) release serves its own node's market and is not an
    export: stocked goods keep no origin, so counting releases as made there let a third country's
    stockpile buy Chinese magnets and pass them on to a banned or tariffed destination (until
    2026-12-06: Σ release was on the right-hand side).

    Equation: docs/model.md § Equations, row “rules of origin”.
    """
    out: dict[tuple, list] = {}
    out_clean: dict[tuple, list] = {}
    for (o, d, c, t) in m.AT:
        out.setdefault((o, c, t), []).append(touched_flow(m, o, d, c, t))
    for (o, d, c, t) in m.ACT_clean:
        out_clean.setdefault((o, c, t), []).append(m.flow_clean[o, d, c, t])
    made: dict[tuple, list] = {}
    made_clean: dict[tuple, list] = {}
    for n, c, t, k, tx, cx in facility_terms(m, ix):
        if k > 0:
            if tx is not None:
                made.setdefault((n, c, t), []).append(tx)
            if cx is not None:
                made_clean.setdefault((n, c, t), []).append(cx)
    m.EXP = pyo.Set(dimen=3, initialize=sorted(out), ordered=True)
    m.origin_rule = pyo.Constraint(m.EXP, rule=lambda m, n, c, t: sum(out[n, c, t]) <= sum(made.get((n, c, t), [])))
    m.EXP_clean = pyo.Set(dimen=3, initialize=sorted(out_clean), ordered=True)
    m.origin_rule_clean = pyo.Constraint(
        m.EXP_clean, rule=lambda m, n, c, t: sum(out_clean[n, c, t]) <= sum(made_clean.get((n, c, t), [])))


def touched_flow(m, o, d, c, t):
    """China-touched part of an arc's flow, t: flow − flow_clean (all of it from China)."""
    if (o, d, c, t) in m.ACT_clean:
        return m.flow[o, d, c, t] - m.flow_clean[o, d, c, t]
    return m.flow[o, d, c, t]
