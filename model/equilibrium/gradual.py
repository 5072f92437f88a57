"""Gradual trade: calibrated, rising marginal trade costs around reference flows, in steps.

Paris, Drogué & Anania (2011), "Calibrating spatial models of trade", Economic Modelling 28.
On a *calibrated arc* (o, d, c) — one with a row in ``trade_reference.csv`` — a flow x costs,
at the margin, on top of freight and policy wedges (docs/model.md § Gradual trade):

    τ(x) = τ0 + (P/σ)(x/q0 − 1)        for 0 ≤ x ≤ q0 (1 + σ·cap)
    τ(x) = τ0 + cap·P                  beyond (a supplier may grow without limit at that premium)

q0 = the reference flow (2025, scaled by the destination's reference demand of later years);
P = the destination's reference price of c (demand.csv); σ = the trade elasticity
(assumption ``asm_trade_elasticity``): a wedge w moves the flow by Δx/q0 = −σ·w/P while prices
stay put; cap·P = the largest premium a buyer pays to keep or add a supplier (``asm_trade_premium_cap``);
τ0 = −rate·P/(1 + rate), the tariff in force on the arc in the reference year (``tariff_in_force_pct``), so
that the reference flow is an equilibrium under the tariffs it was observed with.

A *new arc* — an arc of c into a destination with reference rows for c or for another commodity
of c's stage (the magnet grades are close substitutes), but none of its own — starts
at no premium and rises to cap·P at σ·cap·q_new, q_new = ``asm_trade_new_arc_share`` × the
destination's reference imports:  τ(x) = min(cap·P, (P/σ)·x/q_new).

Supplier qualification (``asm_trade_qualification_growth``, g): a buyer needs time to qualify
more tonnes from a supplier, so a curve arc's flow may grow by at most g a year over last year's
flow, plus g × its reference flow (a new arc's q_new): flow_t ≤ (1 + g)·flow_{t−1} + g·q0_t,
and flow ≤ (1 + g)·q0 in the first year. The limit binds when a disruption asks for more than
qualification can deliver (2025: the April licences; 2027: a ban), never at the reference flows.

The curve is a staircase of STEPS segments (fixed count: a change of σ, cap or q0 is a re-solve,
not a rebuild); each segment is priced at its midpoint. The steps are 1% of q0 from 0.4 q0 to q0 and 2% below; above q0, 1-5% of the way to the cap: a tariff of a few percent moves the flow by about the right amount
(docs/model.md § Gradual trade gives the accuracy).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.environ as pyo

# breakpoints of the lower side as x/q0 (0 → 1) and of the upper side as a fraction u of the way
# to the cap: x/q0 = 1 + σ·cap·u
LOWER = tuple(round(0.02 * i, 2) for i in range(20)) + tuple(round(0.4 + 0.01 * i, 2) for i in range(61))  # 2%, then 1% from 0.4
UPPER = tuple(round(0.01 * i, 2) for i in range(10)) + tuple(round(0.1 + 0.05 * i, 2) for i in range(19))  # … 1.0
STEPS = (len(LOWER) - 1) + (len(UPPER) - 1) + 1        # lower, upper, and the flat tail
from reebloc.inputs.config import TRADE_ASSUMPTIONS as ASSUMPTIONS     # noqa: E402  (config key -> assumption id)


@dataclass
class Curves:
    """Calibrated and new arcs with their reference flows (the structure: which arcs have curves)."""

    arcs: list[tuple[str, str, str]] = field(default_factory=list)        # (o, d, c) with a curve
    reference: dict[tuple[str, str, str], float] = field(default_factory=dict)   # q0 in the reference year, t
    rate: dict[tuple[str, str, str], float] = field(default_factory=dict)         # tariff in force there, share
    family: dict[tuple[str, str], str] = field(default_factory=dict)   # (d, c) -> the referenced commodity of c's stage
    year: int = 2025

    def key(self) -> tuple:
        return tuple(self.arcs)

    def __bool__(self) -> bool:
        return bool(self.arcs)


def build_curves(cfg, data, arcs) -> Curves:
    """Arcs with a curve: calibrated (a row in trade_reference.csv) or new (another arc of the
    same commodity into a destination that has rows). None if the data set has no reference
    table or ``trade.gradual`` is off."""
    if not cfg.trade.gradual or not data.has("trade_reference"):
        return Curves()
    ref = data["trade_reference"]
    year = int(ref["year"].min())
    ref = ref[ref["year"] == year]
    cv = Curves(year=year)
    stage = dict(zip(data["commodities"]["commodity"], data["commodities"]["stage"]))
    # the reference commodity of each (destination, stage): other commodities of that stage (magnet
    # grades) into the destination are close substitutes and get curves too, as new arcs
    fam = {(r.destination, stage[r.commodity]): r.commodity for r in ref.itertuples()}
    for r in ref.itertuples():
        cv.reference[r.origin, r.destination, r.commodity] = float(r.quantity_t)
        cv.rate[r.origin, r.destination, r.commodity] = float(r.tariff_in_force_pct) / 100.0
    cv.arcs = [a for a in arcs if (a[1], stage[a[2]]) in fam]
    cv.family = {(d, c): fam[d, stage[c]] for (_, d, c) in cv.arcs}
    return cv


def curve_parameters(cfg, data) -> tuple[float, float, float, float]:
    """(σ, cap, new-arc share, qualification growth g): the config's values, else the assumptions'
    central values (TRADE_ASSUMPTIONS)."""
    t = cfg.trade
    asm = data["assumptions"].set_index("assumption_id")["central"] if data.has("assumptions") else {}

    def pick(name):
        v = getattr(t, name)
        return float(v) if v is not None else float(asm[ASSUMPTIONS[name]])
    return pick("elasticity"), pick("premium_cap"), pick("new_arc_share"), pick("qualification_growth")


def segments(q0: float, price: float, sigma: float, cap: float, tau0: float,
             new: bool) -> list[tuple[float, float]]:
    """STEPS (width t, cost $/kg) pairs of one arc-year's staircase; the tail's width is None."""
    out: list[tuple[float, float]] = []
    if new:
        out += [(0.0, 0.0)] * (len(LOWER) - 1)
        span = sigma * cap * q0
        for lo, hi in zip(UPPER, UPPER[1:]):
            out.append(((hi - lo) * span, price * cap * (lo + hi) / 2))
    else:
        for lo, hi in zip(LOWER, LOWER[1:]):
            out.append(((hi - lo) * q0, tau0 + price * ((lo + hi) / 2 - 1) / sigma))
        span = sigma * cap * q0
        for lo, hi in zip(UPPER, UPPER[1:]):
            out.append(((hi - lo) * span, tau0 + price * cap * (lo + hi) / 2))
    out.append((None, (0.0 if new else tau0) + price * cap))
    return out


def curve_values(ix, cfg, data) -> dict[str, dict]:
    """trade_step_width_t and trade_step_cost_usd_per_kg for every (o, d, c, t, k)."""
    cv = ix.curves
    v: dict[str, dict] = {"trade_step_width_t": {}, "trade_step_cost_usd_per_kg": {},
                          "trade_ramp_growth": {}, "trade_ramp_base_t": {}}
    if not cv:
        return v
    sigma, cap, share, g = curve_parameters(cfg, data)
    L = ix.tree.length
    dem = data["demand"]
    qty = dem.groupby(["node", "commodity", "year"])["quantity_t"].sum()
    val = (dem["quantity_t"] * dem["price_usd_per_kg"]).groupby([dem["node"], dem["commodity"], dem["year"]]).sum()
    imports: dict[tuple[str, str], float] = {}
    for (o, d, c), q in cv.reference.items():
        imports[d, c] = imports.get((d, c), 0.0) + q
    for t, y in enumerate(ix.tree.year):
        for (o, d, c) in cv.arcs:
            cr = cv.family[d, c]       # demand growth, price and imports of the referenced commodity
            q_ref_year = float(qty.get((d, cr, cv.year), 0.0))
            growth = float(qty.get((d, cr, y), 0.0)) / q_ref_year if q_ref_year > 0 else 1.0
            q_y = float(qty.get((d, cr, y), 0.0))
            price = float(val.get((d, cr, y), 0.0)) / q_y if q_y > 0 else 0.0
            new = (o, d, c) not in cv.reference
            q0 = (share * imports[d, cr] if new else cv.reference[o, d, c]) * growth
            rate = cv.rate.get((o, d, c), 0.0)
            tau0 = -rate * price / (1.0 + rate)
            parent = ix.tree.parent[t]
            gap = (L[t] + (1.0 if parent is None else L[parent])) / 2   # years between period centres
            v["trade_ramp_growth"][t] = g * gap
            v["trade_ramp_base_t"][o, d, c, t] = (1.0 + g * gap) * q0 if parent is None else g * gap * q0
            for k, (w, cost) in enumerate(segments(max(q0, 1e-6), price, sigma, cap, tau0, new)):
                if w is not None:
                    v["trade_step_width_t"][o, d, c, t, k] = w
                v["trade_step_cost_usd_per_kg"][o, d, c, t, k] = cost
    return v


def define_gradual_trade(m, ix) -> None:
    """On curve arcs: flow[o,d,c,t] = Σ_k step[o,d,c,t,k]; step[k] ≤ width[k] (the tail unbounded);
    Σ_k cost[k]·step[k] enters the trade cost (k$).

    Equation: docs/model.md § Gradual trade.
    """
    T = range(len(ix.tree))
    arcs = ix.curves.arcs
    m.ATK = pyo.Set(dimen=5, initialize=[a + (t, k) for t in T for a in arcs for k in range(STEPS)], ordered=True)
    m.ATK_bounded = pyo.Set(dimen=5, initialize=[a + (t, k) for t in T for a in arcs for k in range(STEPS - 1)],
                            ordered=True)
    m.trade_step_width_t = pyo.Param(m.ATK_bounded, mutable=True, initialize=0.0)
    m.trade_step_cost_usd_per_kg = pyo.Param(m.ATK, mutable=True, initialize=0.0)
    # step ≤ width as column bounds (mutable: a re-solve, not a row per step); the tail is unbounded
    m.trade_step = pyo.Var(m.ATK, within=pyo.NonNegativeReals, bounds=step_bounds)
    m.AT_curve = pyo.Set(dimen=4, initialize=[a + (t,) for t in T for a in arcs], ordered=True)
    m.trade_steps_sum = pyo.Constraint(m.AT_curve, rule=steps_sum_rule)
    m.trade_ramp_growth = pyo.Param(T, mutable=True, initialize=0.0)
    m.trade_ramp_base_t = pyo.Param(m.AT_curve, mutable=True, initialize=0.0)
    m.qualified = pyo.Var(m.AT_curve, within=pyo.NonNegativeReals)
    m.trade_ramp = pyo.Constraint(m.AT_curve, rule=lambda m, o, d, c, t: ramp_rule(m, ix, o, d, c, t))
    m.trade_qualified = pyo.Constraint(m.AT_curve, rule=lambda m, o, d, c, t: m.flow[o, d, c, t] <= m.qualified[o, d, c, t])


def ramp_rule(m, ix, o, d, c, t):
    """Supplier qualification: flow[a,t] ≤ qualified[a,t] (``trade_qualified``), and the qualified
    volume grows with what buyers take: qualified[a,t] ≤ qualified[a,parent(t)] + gΔ·(flow[a,parent(t)]
    + q0[a,t]); at the root qualified[a,t] ≤ (1 + gΔ)·q0[a,t] (trade_ramp_growth holds gΔ;
    trade_ramp_base_t gΔ·q0, or (1 + gΔ)·q0 at the root), with Δ the years between the centres of
    the two periods (1 between whole years; the reference flow is a whole year's). While flows
    rise, qualified = flow and this is flow[a,t] ≤ (1 + gΔ)·flow[a,parent] + gΔ·q0; a supplier stays
    qualified when its flow falls (a licence cut), so it may return to that volume at once. The
    dual is the value of a faster qualification, $/kg."""
    parent = ix.tree.parent[t]
    if parent is None:
        return m.qualified[o, d, c, t] <= m.trade_ramp_base_t[o, d, c, t]
    return (m.qualified[o, d, c, t] - m.qualified[o, d, c, parent] - m.trade_ramp_growth[t] * m.flow[o, d, c, parent]
            <= m.trade_ramp_base_t[o, d, c, t])


def step_bounds(m, o, d, c, t, k):
    """0 ≤ step[o,d,c,t,k] ≤ trade_step_width_t[o,d,c,t,k] (column bounds; the tail k = STEPS−1 has none)."""
    return (0.0, m.trade_step_width_t[o, d, c, t, k] if k < STEPS - 1 else None)


def steps_sum_rule(m, o, d, c, t):
    """flow[o,d,c,t] = Σ_k step[o,d,c,t,k]."""
    return m.flow[o, d, c, t] == sum(m.trade_step[o, d, c, t, k] for k in range(STEPS))


def adjustment_cost(m):
    """Per tree node t, k$: Σ_(a,k) cost[a,t,k]·step[a,t,k] (the calibrated trade cost)."""
    out: dict[int, list] = {}
    for (o, d, c, t, k) in m.ATK:
        out.setdefault(t, []).append(m.trade_step_cost_usd_per_kg[o, d, c, t, k] * m.trade_step[o, d, c, t, k])
    return out


def adjustment_kusd(m) -> dict[tuple, float]:
    """(o, d, c, t) → solved calibrated trade cost on the arc, k$ (for accounting and flows.csv)."""
    out: dict[tuple, float] = {}
    for (o, d, c, t, k) in m.ATK:
        x = m.trade_step[o, d, c, t, k].value or 0.0
        if x:
            out[o, d, c, t] = out.get((o, d, c, t), 0.0) + pyo.value(m.trade_step_cost_usd_per_kg[o, d, c, t, k]) * x
    return out
