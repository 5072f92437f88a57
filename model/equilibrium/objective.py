"""Objective: discounted, probability-weighted welfare with policy wedges (docs/model.md § Equations).

max Σ_t w_t [ WTP_t − supply cost_t − capital charge_t − (freight + tariff + levy + friction)·flow_t
              + floor subsidy·cov_t + offtake subsidy·off_t − holding·stock_t ]   (k$)
with w_t = prob_t (1 + r)^−(y_t − y_0). Wedges make this the equilibrium with policies;
true welfare (transfers cancelling) is reported by reebloc.outputs.accounting.
"""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.equilibrium.balance import touched_tiebreak
from reebloc.equilibrium.demand import willingness_to_pay
from reebloc.equilibrium.investment import investment_cost
from reebloc.equilibrium.supply import Quad, supply_cost
from reebloc.equilibrium.trade import trade_cost


def define_objective(m, ix, tie_nodes=()) -> None:
    """Equation: docs/model.md § Equations, row “objective” (with the origin tie-break ε of
    § Origin classes, a cost that is not welfare and is left out of accounting)."""
    m.T = pyo.Set(initialize=range(len(ix.tree)), ordered=True)
    m.weight = pyo.Param(m.T, mutable=True, initialize=1.0)
    m.tiebreak_usd_per_kg = pyo.Param(mutable=True, initialize=0.0)
    wtp, sc, tc = willingness_to_pay(m), supply_cost(m), trade_cost(m)
    for t, terms in touched_tiebreak(m, ix, tie_nodes).items():
        tc.setdefault(t, []).extend(terms)
    for t, terms in investment_cost(m, ix).items():
        sc.setdefault(t, []).extend(terms)
    pol: dict[int, list] = {}
    for (p, f, t) in m.FLR:
        pol.setdefault(t, []).append(m.floor_subsidy_usd_per_kg[p, t] * m.cov[p, f, t])
    for (p, t) in m.OFT:
        pol.setdefault(t, []).append(m.offtake_subsidy_usd_per_kg[p, t] * m.off[p, t])
    for (p, t) in m.STK:
        pol.setdefault(t, []).append(-m.stock_holding_usd_per_kg[p, t] * m.stock[p, t])

    def weighted(t, terms, sign):
        lin = [x for x in terms if not isinstance(x, Quad)]
        quad = [(sign * m.weight[t] * c) * v ** 2 for c, v in (x for x in terms if isinstance(x, Quad))]
        return [sign * m.weight[t] * sum(lin)] + quad if lin else quad

    expr = []
    for t in m.T:
        expr += weighted(t, wtp.get(t, []) + pol.get(t, []), 1) + weighted(t, sc.get(t, []) + tc.get(t, []), -1)
    m.welfare = pyo.Objective(expr=sum(expr), sense=pyo.maximize)
