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
from reebloc.solve.wedges import rule_duals

TOL = 1e-7
ZERO_USD = 1e-6


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


def markets(inst, live: tuple[set, set] | None = None) -> set:
    """(n, c, t) with a market: material made, used, traded, stocked, disposed of or drawn as a
    substitute there (> TOL), or a reference demand > 0. ``live``: ``live_classes(inst)`` if known."""
    from reebloc.outputs.tables import live_classes
    m = inst.m
    touched, clean = live if live is not None else live_classes(inst)
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
    """(n, c, t) → (price $/kg, clean price $/kg or None, note, both classes live) for every
    node–commodity–year with a market; note is '', 'free_disposal' or 'clean_only'."""
    from reebloc.outputs.tables import live_classes
    m = inst.m
    raw = balance_prices(m, duals)
    raw_clean = balance_prices(m, duals, "balance_clean")
    mu = rule_duals(m, duals, "origin_rule")
    mu_clean = rule_duals(m, duals, "origin_rule_clean")
    imp_t, imp_c = _imports(m)
    live_t, live_c = live = live_classes(inst)
    down = {k: (m.downgrade[k].value or 0.0) for k in m.NCT_clean}
    disposed = {k for k in m.NCT if (m.dispose[k].value or 0.0) > TOL}
    # a content rule's demand is a clean market even where no clean tonne arrives (a clean shortage:
    # its buyers bid the clean price up to their VOLL)
    ruled = {(n, c, t) for (n, s, c, t) in inst.pi.clean_demand}
    out = {}
    for key in sorted(markets(inst, live)):
        if key not in raw and key not in raw_clean:
            continue
        p = raw.get(key)
        if p is not None and key in mu and imp_t.get(key, 0.0) <= TOL and down.get(key, 0.0) <= TOL:
            p += mu[key]                       # the exporter's netback: the split p / μ is arbitrary
        pc = raw_clean.get(key)
        if pc is not None and key in mu_clean and imp_c.get(key, 0.0) <= TOL:
            pc += mu_clean[key]
        note = ""
        clean_market = key in live_c or (key in ruled and pc is not None)
        if p is None or (key not in live_t and clean_market):
            p, note = pc, "clean_only"         # no China-touched market here: the clean price is the price
        if key in disposed and abs(p) <= ZERO_USD:
            note = "free_disposal"
        out[key] = (p, pc, note, key in live_t and clean_market)
    return out



