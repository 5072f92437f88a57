"""Values of every mutable Param, computed from config and data (no Pyomo here).

A variant that keeps the structure (``Index.key``) only changes these values, so a sweep or the
wedge iteration re-solves instead of rebuilding.
"""

from __future__ import annotations

import math
from collections import defaultdict

from reebloc.equilibrium.index import Index
from reebloc.inputs.config import RunConfig
from reebloc.inputs.dataset import DataSet


def discount_weights(ix: Index, rate: float) -> list[float]:
    """w_t = prob_t × (1 + r)^−(y_t − y_0) × L_t: the weight of tree node t in the objective, L_t
    the length of its period in years (1 for a whole year; docs/model.md § Periods). Every
    variable is a per-year rate, so L_t turns it into the period's amount."""
    y0 = ix.years[0]
    return [p * (1 + rate) ** -(y - y0) * L for p, y, L in zip(ix.tree.prob, ix.tree.year, ix.tree.length)]


def demand_curve(q0: float, p0: float, e: float, voll: float, steps: int) -> tuple[list[float], list[float]]:
    """Blocks (width_t, wtp_usd_per_kg) of one demand row.

    Inelastic (e = 0): one block of width q0 valued at VOLL. Elastic: the linear inverse demand
    P(q) = p0 + b (q0 − q), b = p0 / (|e| q0), on [0, q0 (1 + |e|)], cut into ``steps`` equal
    blocks each valued at min(VOLL, P(midpoint)).
    """
    if e == 0 or q0 <= 0 or p0 <= 0:
        return [q0], [voll]
    b = p0 / (abs(e) * q0)
    qmax = q0 + p0 / b
    w = qmax / steps
    return [w] * steps, [min(voll, p0 + b * (q0 - (k + 0.5) * w)) for k in range(steps)]


def ces_curve(q0: float, p0: float, e: float, voll: float, steps: int,
              min_ratio: float = 0.25) -> tuple[list[float], list[float]]:
    """Blocks (width_t, wtp_usd_per_kg), highest value first, of a constant-elasticity row
    D(p) = q0 (p / p0)^e (e < 0): a tail of D(VOLL) t valued at VOLL, then ``steps`` price steps.

    Prices are cut geometrically on [p_min, VOLL], p_min = min_ratio × p0, with p0 itself a cut, so
    q0 is a block edge (served = q0 exactly while the price is within half a step of p0):
    n_hi = round(steps × ln(VOLL/p0) / ln(VOLL/p_min)) steps above p0 at ratio (VOLL/p0)^(1/n_hi),
    n_lo = steps − n_hi below at ratio (p0/p_min)^(1/n_lo). The block between cuts a < b holds
    D(a) − D(b) t valued at √(ab). Demand beyond D(p_min) is not modelled (no buyer below p_min).
    Inelastic rows (e = 0), or VOLL ≤ p0: one block of q0 at VOLL.
    """
    if e >= 0 or q0 <= 0 or p0 <= 0 or voll <= p0:
        return [q0] + [0.0] * (steps if e < 0 else 0), [voll] + [0.0] * (steps if e < 0 else 0)
    pmin = min_ratio * p0

    def D(p):
        return q0 * (p / p0) ** e

    n_hi = min(steps - 1, max(1, round(steps * math.log(voll / p0) / math.log(voll / pmin))))
    n_lo = steps - n_hi
    cuts = ([p0 * (voll / p0) ** (j / n_hi) for j in range(n_hi, 0, -1)]
            + [p0 * (pmin / p0) ** (j / n_lo) for j in range(0, n_lo + 1)])
    cuts[0] = voll
    widths, wtps = [D(voll)], [voll]
    for b, a in zip(cuts, cuts[1:]):
        widths.append(D(a) - D(b))
        wtps.append(math.sqrt(a * b))
    return widths, wtps


def step_error(widths: list[float], wtps: list[float], q0: float, p0: float, e: float, voll: float,
               min_ratio: float = 0.25, n: int = 4000) -> tuple[float, float]:
    """Accuracy of a CES step curve against its closed form on the priced range: (max over q in
    [D(VOLL), D(p_min)] of |P_step(q) / P(q) − 1|, max over p in [p_min, VOLL] of
    |D_step(p) / D(p) − 1|), with D_step(p) = Σ widths of blocks valued above p."""
    def D(p):
        return q0 * (p / p0) ** e

    edges = [0.0]
    for w in widths:
        edges.append(edges[-1] + w)
    qlo, qhi = D(voll), D(min_ratio * p0)
    price_err = 0.0
    for i in range(1, n):
        q = qlo + (qhi - qlo) * i / n
        k = next(k for k in range(len(widths)) if edges[k + 1] >= q)
        price_err = max(price_err, abs(wtps[k] / (p0 * (q / q0) ** (1 / e)) - 1))
    lo, hi = math.log(min_ratio * p0), math.log(voll)
    qty_err = 0.0
    for i in range(1, n):
        p = math.exp(lo + (hi - lo) * i / n)
        qty_err = max(qty_err, abs(sum(w for w, v in zip(widths, wtps) if v > p) / D(p) - 1))
    return price_err, qty_err


def linear_curve(q0: float, p0: float, e: float) -> tuple[float, float, float]:
    """(qmax_t, intercept a $/kg, slope b $/kg per t) of P(q) = a − b q through (q0, p0)."""
    b = p0 / (abs(e) * q0)
    return q0 + p0 / b, p0 + b * q0, b


def compute_values(ix: Index, cfg: RunConfig, data: DataSet) -> dict[str, dict]:
    """Market parameter values keyed by Param name then index (policy wedges: reebloc.solve.wedges)."""
    tree = ix.tree
    v: dict[str, dict] = defaultdict(dict)
    for t, w in enumerate(discount_weights(ix, cfg.discount_rate)):
        v["weight"][t] = w
    cap = {(r.facility, r.year): r.capacity_t for r in data["capacity"].itertuples()}
    cost = {(r.facility, r.year): (r.cost_usd_per_kg, r.slope_usd_per_kg_per_t) for r in data["costs"].itertuples()}
    for f, t in ix.fac_t:
        y = tree.year[t]
        v["capacity_t"][f, t] = cap.get((f, y), 0.0)
        c, s = cost.get((f, y), (0.0, 0.0))
        v["cost_usd_per_kg"][f, t] = c
        if f in ix.sloped:
            v["slope_usd_per_kg_per_t"][f, t] = s
    for r in data["routes"].itertuples():
        if r.origin != r.destination:
            v["freight_usd_per_kg"][r.origin, r.destination, r.commodity] = r.freight_usd_per_kg
    dem = {(r.node, r.segment, r.commodity, r.year): r for r in data["demand"].itertuples()}
    for d in ix.demand_keys:
        for t in range(len(tree)):
            r = dem.get(d + (tree.year[t],))
            q0, p0, e, voll = (r.quantity_t, r.price_usd_per_kg, r.elasticity, r.voll_usd_per_kg) if r else (0.0, 0.0, 0.0, 1.0)
            v["demand_ref_t"][d, t] = q0
            v["demand_tail_t"][d, t] = 0.0
            if d in ix.elastic and ix.demand_qp:
                qmax, a, b = linear_curve(q0, p0, e) if q0 > 0 and p0 > 0 and e < 0 else (0.0, 0.0, 0.0)
                v["demand_max_t"][d, t], v["demand_intercept"][d, t], v["demand_slope"][d, t] = qmax, a, b
                continue
            nblocks = ix.blocks(d)
            if d in ix.elastic and ix.demand == "ces":
                widths, wtps = ces_curve(q0, p0, e, voll, ix.demand_steps, ix.demand_min_price_ratio)
            else:
                widths, wtps = demand_curve(q0, p0, e, voll, nblocks)
            widths += [0.0] * (nblocks - len(widths))
            wtps += [0.0] * (nblocks - len(wtps))
            for k in range(nblocks):
                v["block_width_t"][d, t, k] = widths[k]
                v["block_wtp_usd_per_kg"][d, t, k] = wtps[k]
                if ix.demand != "ces":
                    v["block_priced"][d, t, k] = 0.0 if wtps[k] >= voll else 1.0
            v["demand_tail_t"][d, t] = sum(w for w, p in zip(widths, wtps) if p >= voll)
    if data.has("substitution"):
        sub = {(r.segment, r.commodity, r.substitute): r for r in data["substitution"].itertuples()}
        for (n, s, c, x) in ix.subs:
            r = sub[(s, c, x)]
            v["sub_max_share"][n, s, c, x] = r.max_share
            v["sub_ratio"][n, s, c, x] = r.ratio_t_per_t
    return v
