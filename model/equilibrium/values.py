"""Values of every mutable Param, computed from config and data (no Pyomo here).

A variant that keeps the structure (``Index.key``) only changes these values, so a sweep or the
wedge iteration re-solves instead of rebuilding.
"""

from __future__ import annotations

from collections import defaultdict

from reebloc.equilibrium.index import Index
from reebloc.inputs.config import RunConfig
from reebloc.inputs.dataset import DataSet


def discount_weights(ix: Index, rate: float) -> list[float]:
    """w_t = prob_t × (1 + r)^−(y_t − y_0): the weight of tree node t in the objective."""
    y0 = ix.years[0]
    return [p * (1 + rate) ** -(y - y0) for p, y in zip(ix.tree.prob, ix.tree.year)]


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
            if d in ix.elastic and ix.linear:
                qmax, a, b = linear_curve(q0, p0, e) if q0 > 0 and p0 > 0 and e < 0 else (0.0, 0.0, 0.0)
                v["demand_max_t"][d, t], v["demand_intercept"][d, t], v["demand_slope"][d, t] = qmax, a, b
                continue
            widths, wtps = demand_curve(q0, p0, e, voll, ix.steps if d in ix.elastic else 1)
            nblocks = ix.steps if d in ix.elastic else 1
            widths += [0.0] * (nblocks - len(widths))
            wtps += [0.0] * (nblocks - len(wtps))
            for k in range(nblocks):
                v["block_width_t"][d, t, k] = widths[k]
                v["block_wtp_usd_per_kg"][d, t, k] = wtps[k]
            v["demand_tail_t"][d, t] = sum(w for w, p in zip(widths, wtps) if p >= voll)
    if data.has("substitution"):
        sub = {(r.segment, r.commodity, r.substitute): r for r in data["substitution"].itertuples()}
        for (n, s, c, x) in ix.subs:
            r = sub[(s, c, x)]
            v["sub_max_share"][n, s, c, x] = r.max_share
            v["sub_ratio"][n, s, c, x] = r.ratio_t_per_t
    return v
