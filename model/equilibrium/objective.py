"""Objective: discounted, probability-weighted welfare with policy wedges (docs/model.md § Equations).

max Σ_t w_t [ WTP_t − supply cost_t − capital charge_t − (freight + friction)·flow_t − holding·(stock_t + pstock_t) ]
  + Σ_t w_t [ floor subsidy·cov_t + offtake subsidy·off_t − (tariff + levy)·flow_t ]   (k$, the wedges)
with w_t = prob_t (1 + r)^−(y_t − y_0). Wedges make this the equilibrium with policies;
true welfare (transfers cancelling) is reported by reebloc.outputs.accounting.
"""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.equilibrium.balance import touched_tiebreak
from reebloc.equilibrium.demand import willingness_to_pay
from reebloc.equilibrium.investment import investment_cost
from reebloc.equilibrium.storage import holding_terms
from reebloc.equilibrium.supply import Quad, supply_cost
from reebloc.equilibrium.trade import trade_cost, wedge_cost


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
    # the price-dependent wedges (tariffs, levies, floor and offtake payments), kept as one part
    # of the objective: a wedge iteration re-reads only it (reebloc.solve.fastpath)
    paid: dict[int, list] = {}
    for (p, f, t) in m.FLR:
        paid.setdefault(t, []).append(m.floor_subsidy_usd_per_kg[p, t] * m.cov[p, f, t])
    for (p, t) in m.OFT:
        paid.setdefault(t, []).append(m.offtake_subsidy_usd_per_kg[p, t] * m.off[p, t])
    charged = wedge_cost(m)
    pol: dict[int, list] = {}
    for (p, t) in m.STK:
        pol.setdefault(t, []).append(-m.stock_holding_usd_per_kg[p, t] * m.stock[p, t])
    for t, terms in holding_terms(m).items():
        sc.setdefault(t, []).extend(terms)

    def weighted(t, terms, sign):
        lin = [x for x in terms if not isinstance(x, Quad)]
        quad = [(sign * m.weight[t] * c) * v ** 2 for c, v in (x for x in terms if isinstance(x, Quad))]
        return [sign * m.weight[t] * sum(lin)] + quad if lin else quad

    expr, wedges = [], []
    for t in m.T:
        expr += weighted(t, wtp.get(t, []) + pol.get(t, []), 1) + weighted(t, sc.get(t, []) + tc.get(t, []), -1)
        wedges += weighted(t, paid.get(t, []), 1) + weighted(t, charged.get(t, []), -1)
    m._wedge_objective = sum(wedges)
    m.welfare = pyo.Objective(expr=sum(expr) + m._wedge_objective, sense=pyo.maximize)
