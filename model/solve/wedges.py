"""Price-dependent policy wedges, resolved by damped fixed-point iteration (docs/model.md § Price-dependent wedges).

Given prices P[n,c,t] ($/kg):
- tariff[o,d,c,t]   = Σ specific + ad_valorem × P_base  (P_base = P[o,c,t], or a reference price)
- levy[o,d,c,t]     = max(0, P_ref_bloc − (P[o,c,t] + freight + every tariff on the arc))  on outsider → member arcs
- floor subsidy[p,t]= (F − P[ref,c,t])⁺ − share × (P[ref,c,t] − F)⁺
- offtake subsidy   = contract − P[node,c,t]; cost-plus contract = (unit cost + Σ inputs at own cost, or at P)
                      / output coef × (1 + margin)
- floors and fixed contract prices declared nominal are deflated to the model's real dollars
P_o on an arc is the exporter's price of what it ships (the transaction value customs applies an
ad valorem rate to): p + μ (balance dual + rule-of-origin dual, ``wedge_prices``: the netback,
defined even where p alone is not), plus, on an arc under a binding export cap, the cap's rent
λ (the exporter charges it: the rent is credited to the exporter), a licence's per-kg cost and
the strategic leader's export tax (``arc_price``). Floors, offtakes and inputs
valued at market read the same defined price, P[n,c,t] = p + μ where the rule of origin has a dual
(``producer_price``): where a node exports all it makes, p alone is any number down to 0.
Iterate: solve with wedges from P; recompute wedges from the new P; stop when no wedge moves
by more than the tolerance. Prices are damped: P ← (1 − α) P + α P_new.
"""

from __future__ import annotations

import logging
import warnings

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from reebloc.equilibrium import ModelInstance
from reebloc.equilibrium.policyindex import bloc_side, tariff_applies
from reebloc.inputs.policies import PriceFloor
from reebloc.solve.solver import Solver, balance_prices

log = logging.getLogger("reebloc.wedges")


class WedgeWarning(UserWarning):
    pass


def wedge_values(inst: ModelInstance, prices: dict) -> dict:
    """Value of every wedge Param for given prices."""
    m, ix, pi = inst.m, inst.ix, inst.pi
    tree = ix.tree
    out = ComponentMap()
    for (o, d, c, t) in m.AT_wedge:
        parts = arc_wedge_parts(inst, prices, o, d, c, t)
        out[m.tariff_usd_per_kg[o, d, c, t]] = sum(v for _, ins, v in parts if ins != "bloc_levy")
        out[m.levy_usd_per_kg[o, d, c, t]] = sum(v for _, ins, v in parts if ins == "bloc_levy")
    for (p, t) in m.FLY:
        fl: PriceFloor = pi.floors[p]
        pr = producer_price(prices, fl.reference_node, fl.commodity, t)
        out[m.floor_subsidy_usd_per_kg[p, t]] = floor_subsidy(floor_price_real(inst, p, t), pr, fl.upside_share)
    for (p, t) in m.OFT:
        out[m.offtake_subsidy_usd_per_kg[p, t]] = offtake_payment(inst, p, t, prices)
    return out


def offtake_payment(inst: ModelInstance, p: str, t: int, prices: dict) -> float:
    """$/kg of the covered volume from the buyer to the producer: C − P (settlement purchase), or
    (C − P)⁺ − upside_share·(P − C)⁺ (settlement floor)."""
    o = inst.pi.offtakes[p]
    c = offtake_contract_price(inst, p, t, prices)
    pr = producer_price(prices, inst.ix.facilities.at[o.facility, "node"], o.commodity, t)
    return floor_subsidy(c, pr, o.upside_share) if o.settlement == "floor" else c - pr


def producer_price(prices: dict, n: str, c: str, t: int) -> float:
    """The defined price of c at n, $/kg: p + μ where the rule of origin at (n, c, t) has a dual
    (``wedge_prices``' ``("export", n, c, t)``: the netback of what n makes, which p alone splits
    arbitrarily with μ where n exports all it makes), else the balance dual p; 0 if unknown."""
    return prices.get(("export", n, c, t), prices.get((n, c, t), 0.0))


def arc_wedge_parts(inst: ModelInstance, prices: dict, o: str, d: str, c: str, t: int) -> list:
    """[(policy, instrument, $/kg)] of the tariffs, bloc rates and levies on one arc."""
    pi, y, per = inst.pi, inst.ix.tree.year[t], inst.ix.tree.period[t]
    Po = arc_price(inst, prices, o, d, c, t)   # the exporter's price of what it ships (FOB)
    parts, refs = [], []
    for name, p in pi.tariffs.items():
        if p.active(per) and tariff_applies(p, o, d, c):
            base = (p.reference_price(c, y) or 0.0) if p.base == "reference" else Po
            parts.append((name, "tariff", p.specific_usd_per_kg + p.ad_valorem * base))
    for name, p in pi.blocs.items():
        side = bloc_side(p, o, d, c) if p.active(per) else None
        if side == "internal":
            parts.append((name, "bloc_tariff", p.internal_specific_usd_per_kg + p.internal_ad_valorem * Po))
        elif side == "external":
            parts.append((name, "bloc_tariff", p.external_specific_usd_per_kg + p.external_ad_valorem * Po))
            if p.reference_price(c, y) is not None:
                refs.append((name, p.reference_price(c, y)))
    # a levy tops the landed, duty-paid price up to the bloc's reference price: every tariff on
    # the arc (the member's own as well as the bloc's) counts towards it
    landed = Po + pyo.value(inst.m.freight_usd_per_kg[o, d, c]) + sum(v for _, _, v in parts)
    for name, ref in refs:
        levy = max(0.0, ref - landed)
        parts.append((name, "bloc_levy", levy))
        landed += levy
    return parts


def arc_price(inst: ModelInstance, prices: dict, o: str, d: str, c: str, t: int) -> float:
    """FOB price of c shipped o → d in t, $/kg: the exporter's netback p + μ, plus the rent λ of
    the export caps binding on the arc (``wedge_prices``' ``("rent", o, d, c, t)``), the per-kg
    cost of a licence on it and the strategic leader's export tax — what the importer pays on the
    exporter's side of the border, before freight."""
    m, a = inst.m, (o, d, c, t)
    return (producer_price(prices, o, c, t) + prices.get(("rent", *a), 0.0)
            + (pyo.value(m.friction_usd_per_kg[a]) if a in m.AT_friction else 0.0)
            + (pyo.value(m.export_tax_usd_per_kg[a]) if a in m.AT_xtax else 0.0))


def floor_subsidy(floor: float, ref_price: float, upside_share: float) -> float:
    """$/kg paid to (+) or clawed back from (−) the producer: (F − P)⁺ − share·(P − F)⁺."""
    return max(floor - ref_price, 0.0) - upside_share * max(ref_price - floor, 0.0)


def floor_price_real(inst: ModelInstance, p: str, t: int) -> float:
    """The floor F in the model's real dollars: F, or F × (1 + π)^−(year − price_year) for a
    nominal contract (docs/model.md § Money)."""
    fl = inst.pi.floors[p]
    if fl.price_basis == "nominal":
        return fl.price_usd_per_kg * inst.cfg.money.deflator(inst.ix.tree.year[t])
    return fl.price_usd_per_kg


def offtake_contract_price(inst: ModelInstance, p: str, t: int, prices: dict) -> float:
    """Contract price in real $/kg: fixed (deflated if nominal), or cost-plus
    (unit cost + Σ inputs × input value) / output coef × (1 + margin) + margin $/kg (deflated if
    nominal), inputs valued at cost
    (``input_valuation: cost``, :func:`own_input_cost`) or at market prices P (``market``)."""
    o = inst.pi.offtakes[p]
    defl = inst.cfg.money.deflator(inst.ix.tree.year[t]) if o.price_basis == "nominal" else 1.0
    if o.contract_price_usd_per_kg is not None:
        return o.contract_price_usd_per_kg * defl
    fac = inst.ix.facilities.loc[o.facility]
    out_coef = inst.ix.coef[(fac["process"], o.commodity)]
    unit = pyo.value(inst.m.cost_usd_per_kg[o.facility, t])
    inputs = 0.0
    for c, k in inst.ix.by_process[fac["process"]]:
        if k >= 0:
            continue
        if o.input_valuation == "market":
            v = producer_price(prices, fac["node"], c, t)
        elif c in o.input_price_usd_per_kg:
            v = o.input_price_usd_per_kg[c] * defl
        else:
            v = own_input_cost(inst, fac["owner"], c, t, fac["node"], prices)
        inputs += -k * v
    return (unit + inputs) / out_coef * (1 + (o.cost_plus_margin or 0.0)) + (o.cost_plus_margin_usd_per_kg or 0.0) * defl


def own_input_cost(inst: ModelInstance, owner: str, c: str, t: int, node: str, prices: dict, depth: int = 0) -> float:
    """The owner's own cost of commodity c, $/kg: the cheapest of its facilities making c in year t,
    (unit cost + Σ inputs at their own cost) / Σ output coefficients (the facility cost split over
    joint outputs in proportion to their coefficients, as production.csv splits it), or the market
    price P[node, c, t] where buying is cheaper; an input the owner does not make is bought at P."""
    ix, m = inst.ix, inst.m
    best = None
    if depth < 8:
        for f, row in ix.facilities.iterrows():
            if row.get("owner") != owner or (f, t) not in m.FT:
                continue
            coefs = ix.by_process[row["process"]]
            if not any(cc == c and k > 0 for cc, k in coefs):
                continue
            inputs = sum(-k * own_input_cost(inst, owner, cc, t, row["node"], prices, depth + 1)
                         for cc, k in coefs if k < 0)
            v = (pyo.value(m.cost_usd_per_kg[f, t]) + inputs) / sum(k for _, k in coefs if k > 0)
            best = v if best is None else min(best, v)
    market = producer_price(prices, node, c, t) if ((node, c, t) in prices or ("export", node, c, t) in prices) else None
    if best is None:
        return market or 0.0
    return best if market is None else min(best, market)


def wedge_prices(inst: ModelInstance, duals) -> dict:
    """P[n,c,t] for the price-dependent wedges (reebloc.solve.wedges): the balance duals, plus
    P[("export", n, c, t)] = p + μ, the exporter's price of what it ships — the netback, which is
    defined where the dual alone is split arbitrarily with the rule of origin — and
    P[("rent", o, d, c, t)] = Σ λ, the rents of the export caps binding on arc o → d (licences,
    quotas, bans; the strategic leader's quotas): with the netback, the customs value an ad valorem
    tariff or a landed-price levy applies to (``arc_price``). A cap on China-touched material alone
    (the extraterritorial rule) binds one origin class of the arc, and an arc's tariff is one
    rate for both classes: its rent is left out. Duals only (no primal values), so the wedge loop
    reads no solution into Pyomo."""
    m = inst.m
    out = balance_prices(m, duals)
    for (n, c, t), mu in rule_duals(m, duals, "origin_rule").items():
        if (n, c, t) in out:
            out["export", n, c, t] = out[n, c, t] + mu
    weight = None
    for name, rows, skip in (("control", inst.pi.controls, inst.pi.touched_controls),
                             ("export_quota", inst.pi.quotas, ())):
        comp = getattr(m, name, None)
        for row, t, arcs in rows:
            if comp is None or row in skip or (row, t) not in comp:
                continue
            if weight is None:
                weight = {k: pyo.value(m.weight[k]) for k in m.weight}
            lam = abs(duals.get(comp[row, t], 0.0)) / weight[t] if weight[t] > 0 else 0.0
            if lam > 0.0:
                for a in arcs:
                    key = ("rent", *a, t)
                    out[key] = out.get(key, 0.0) + lam
    return out


def rule_duals(m, duals, name: str) -> dict:
    """μ[n,c,t] ≥ 0 of a rule-of-origin row, $/kg (the dual undone of its weight)."""
    if not hasattr(m, name) or not len(getattr(m, name)):
        return {}
    return {k: abs(v) for k, v in balance_prices(m, duals, name).items()}


def has_wedges(inst: ModelInstance) -> bool:
    """Whether the model has price-dependent wedges (see ``ModelInstance.has_wedges``)."""
    return inst.has_wedges()


def remaining_error(residual: float, previous: float) -> float:
    """Distance to the fixed point estimated from the last two changes, $/kg: a contraction with
    ratio ρ = residual / previous < 1 has Σ_k residual ρ^k = residual ρ / (1 − ρ) left to go, so the
    estimate is max(residual, residual ρ / (1 − ρ)). A slow contraction (ρ = 0.83: 4.9 × the last
    change) is not called converged on a small step; with no ratio yet, or none below 1, the change."""
    if residual == 0.0 or not (0.0 < previous < float("inf")) or residual >= previous:
        return residual
    rho = residual / previous
    return max(residual, residual * rho / (1.0 - rho))


def solve_equilibrium(inst: ModelInstance, solver: Solver, start: dict | None = None) -> dict:
    """Solve, iterating wedges to a fixed point; returns a report for the manifest. ``start``:
    prices P[n,c,t] to take the first wedges from (a warm start, e.g. the converged prices of
    the same model before a change); default zero prices."""
    opts = inst.cfg.wedges
    report = {"iterations": 0, "residual_usd_per_kg": 0.0, "converged": True}
    # the first solve: wedges from the start prices, or from zero (specific parts only, floors fully paid)
    current = dict(start or {})
    inst.wedge_prices = current
    inst.set_values(wedge_values(inst, current))
    solver.solve()
    prices = wedge_prices(inst, solver.duals)
    if not has_wedges(inst):
        report["iterations"] = 1
        return report
    current = dict(prices)
    a, previous = opts.damping, float("inf")
    for it in range(1, opts.max_iterations + 1):
        target = wedge_values(inst, current)
        inst.wedge_prices = current
        inst.set_values(target)
        solver.solve()
        new = wedge_prices(inst, solver.duals)
        after = wedge_values(inst, new)
        residual = max((abs(after[p] - target[p]) for p in target), default=0.0)
        error = remaining_error(residual, previous)
        report.update(iterations=it + 1, residual_usd_per_kg=residual, error_estimate_usd_per_kg=error)
        if error <= opts.tolerance_usd_per_kg:
            return report
        if residual > previous:          # the iteration overshoots: damp it
            a = max(a / 2, opts.damping / 8)
        previous = residual
        current = {k: (1 - a) * current.get(k, 0.0) + a * new.get(k, 0.0) for k in current.keys() | new.keys()}
    report["converged"] = False
    msg = (f"policy wedges did not converge in {opts.max_iterations} iterations "
           f"(largest change {report['residual_usd_per_kg']:.4g} $/kg); results use the last iterate")
    warnings.warn(msg, WedgeWarning, stacklevel=2)
    log.warning(msg)
    return report
