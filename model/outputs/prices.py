"""Reported prices: a price only where there is a market, and the defined one where the dual is not
unique (docs/model.md § Reported prices).

The balance dual p[n,c,t] of a node with no market (nothing made, used, traded, stocked or demanded
there) is any number the solver leaves: it is not written. Where a node exports everything it makes
and imports nothing, the dual splits arbitrarily between p and the rule of origin's dual μ ≥ 0
(docs/model.md § Notes for users); the producer's price there is p + μ — the export netback, equal
to destination price − freight − wedges on every arc that carries flow — and that is what is
reported. A price of 0 is written only where free disposal makes it 0 (``price_note``
``free_disposal``). Where only clean material has a market at the node (the China-touched class is
not made, traded or used there), the clean price is the node's price (``price_note`` ``clean_only``).
"""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.solve.solver import balance_prices

TOL = 1e-7
ZERO_USD = 1e-6


def _rule_duals(m, duals, name: str) -> dict:
    """μ[n,c,t] ≥ 0 of a rule-of-origin row, $/kg (the dual undone of its weight)."""
    if not hasattr(m, name) or not len(getattr(m, name)):
        return {}
    return {k: abs(v) for k, v in balance_prices(m, duals, name).items()}


def _imports(m) -> tuple[dict, dict]:
    """(touched imports, clean imports) into (n, c, t), t."""
    touched, clean = {}, {}
    cl = set(m.ACT_clean)
    for (o, d, c, t) in m.AT:
        q = m.flow[o, d, c, t].value or 0.0
        qc = (m.flow_clean[o, d, c, t].value or 0.0) if (o, d, c, t) in cl else 0.0
        touched[d, c, t] = touched.get((d, c, t), 0.0) + max(0.0, q - qc)
        clean[d, c, t] = clean.get((d, c, t), 0.0) + qc
    return touched, clean


def markets(inst) -> set:
    """(n, c, t) with a market: material made, used, traded, stocked, disposed of or drawn as a
    substitute there (> TOL), or a reference demand > 0."""
    from reebloc.outputs.tables import live_classes
    m = inst.m
    touched, clean = live_classes(inst)
    out = touched | clean
    for (n, s, c, t) in m.DT:
        if pyo.value(m.demand_ref_t[n, s, c, t]) > TOL:
            out.add((n, c, t))
    for (n, s, c, x, t) in m.SUBT:
        if (m.sub_use[n, s, c, x, t].value or 0.0) > TOL:
            out.add((n, x, t))
    for (p, t) in m.STK:
        sp = inst.pi.stockpiles[p]
        if max(m.buy[p, t].value or 0.0, m.release[p, t].value or 0.0, m.stock[p, t].value or 0.0) > TOL:
            out.add((sp.node, sp.commodity, t))
    for k in m.NCT:
        if (m.dispose[k].value or 0.0) > TOL:
            out.add(k)
    return out


def reported_prices(inst, duals) -> dict:
    """(n, c, t) → (price $/kg, clean price $/kg or None, note) for every node–commodity–year with a
    market; note is '' , 'free_disposal' or 'clean_only'."""
    from reebloc.outputs.tables import live_classes
    m = inst.m
    raw = balance_prices(m, duals)
    raw_clean = balance_prices(m, duals, "balance_clean")
    mu = _rule_duals(m, duals, "origin_rule")
    mu_clean = _rule_duals(m, duals, "origin_rule_clean")
    imp_t, imp_c = _imports(m)
    live_t, live_c = live_classes(inst)
    down = {k: (m.downgrade[k].value or 0.0) for k in m.NCT_clean}
    disposed = {k for k in m.NCT if (m.dispose[k].value or 0.0) > TOL}
    out = {}
    for key in sorted(markets(inst)):
        if key not in raw and key not in raw_clean:
            continue
        p = raw.get(key)
        if p is not None and key in mu and imp_t.get(key, 0.0) <= TOL and down.get(key, 0.0) <= TOL:
            p += mu[key]                       # the exporter's netback: the split p / μ is arbitrary
        pc = raw_clean.get(key)
        if pc is not None and key in mu_clean and imp_c.get(key, 0.0) <= TOL:
            pc += mu_clean[key]
        note = ""
        if p is None or (key not in live_t and key in live_c):
            p, note = pc, "clean_only"         # no China-touched market here: the clean price is the price
        if key in disposed and abs(p) <= ZERO_USD:
            note = "free_disposal"
        out[key] = (p, pc, note)
    return out




def wedge_prices(m, duals) -> dict:
    """P[n,c,t] for the price-dependent wedges (reebloc.solve.wedges): the balance duals, plus
    P[("export", n, c, t)] = p + μ, the exporter's price of what it ships — the netback, which is
    the customs value an ad valorem tariff or a landed-price levy applies to, and which is defined
    where the dual alone is split arbitrarily with the rule of origin. Duals only (no primal
    values), so the wedge loop reads no solution into Pyomo."""
    out = balance_prices(m, duals)
    for (n, c, t), mu in _rule_duals(m, duals, "origin_rule").items():
        if (n, c, t) in out:
            out["export", n, c, t] = out[n, c, t] + mu
    return out
