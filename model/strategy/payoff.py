"""The leader's payoff, read from the follower's solution (docs/strategy.md § payoff).

Per tree node t (k$, then USD), with P the balance prices ($/kg):

    PS_L(t)  = Σ_{f at L} [Σ_c coef·act·P(L,c,t) − cost_f(t)]
               + Σ_{arcs L→d} (P(d,c,t) − P(L,c,t) − freight − tariff − levy − friction − τ)·flow
    tax_L(t) = Σ_{arcs L→d} τ·flow
    payoff   = Σ_t w_t [PS_L(t) + tax_L(t) − δ·Σ_{f not at L, process ∈ D} act(t)]

w_t = probability × discount (the objective's weight), δ the deterrence weight ($/kg, 0 for the
``surplus`` objective). PS_L and tax_L are the player's rows of ``welfare.csv``
(producer_surplus_usd) and ``government.csv`` (instrument export_tax), as
``tests/test_strategy.py`` checks; transfers from other governments' policies to facilities in
the player's node are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from reebloc.equilibrium import ModelInstance
from reebloc.outputs.tables import KUSD


@dataclass
class PayoffParts:
    """Expected discounted USD."""

    producer_surplus_usd: float
    export_tax_usd: float
    rival_output_t: float          # discounted, probability-weighted ex-player output of deterrence processes
    deterrence_usd: float

    @property
    def payoff_usd(self) -> float:
        return self.producer_surplus_usd + self.export_tax_usd - self.deterrence_usd


class LeaderPayoff:
    """Precomputed columns and rows so a payoff costs a few array reads per solve."""

    def __init__(self, inst: ModelInstance, fh, player: str, deterrence=None):
        m, ix = inst.m, inst.ix
        self.inst, self.fh, self.player = inst, fh, player
        fac = ix.facilities
        self.own = [(f, t) for (f, t) in m.FT if fac.at[f, "node"] == player]
        self.arcs = [(o, d, c, t) for (o, d, c, t) in m.AT if o == player]
        vars_ = [m.act[f, t] for (f, t) in self.own] + [m.flow[a] for a in self.arcs]
        if hasattr(m, "act_step"):
            vars_ += [m.act_step[f, t, k] for (f, t) in self.own if (f, t) in m.FT_sloped for k in m.K_supply]
        self.weight_usd = deterrence.weight_usd_per_kg if deterrence else 0.0
        procs = set(deterrence.processes) if deterrence else set()
        self.rivals = [(f, t) for (f, t) in m.FT if fac.at[f, "node"] != player and fac.at[f, "process"] in procs]
        vars_ += [m.act[f, t] for (f, t) in self.rivals]
        self.vars = vars_
        self.cols = fh.col_indices(vars_)
        keys = sorted({(player, c, t) for (f, t) in self.own for c, _ in ix.by_process[fac.at[f, "process"]]}
                      | {(o, c, t) for (o, d, c, t) in self.arcs} | {(d, c, t) for (o, d, c, t) in self.arcs})
        self.price_keys = [k for k in keys if k in m.balance]
        self.rows = fh.row_indices([m.balance[k] for k in self.price_keys])

    def prices(self) -> dict:
        m = self.inst.m
        duals = self.fh.duals(self.rows)
        out = {}
        for k, d in zip(self.price_keys, duals):
            w = pyo.value(m.weight[k[2]])
            out[k] = (-d / w) if w > 0 else 0.0
        return out

    def _constants(self):
        """Values that no candidate changes (weights, unit costs, tranche costs, freight, frictions)."""
        m, ix = self.inst.m, self.inst.ix
        fac = ix.facilities
        col = dict(zip(map(id, self.vars), self.cols))
        val = lambda p: float(pyo.value(p))  # noqa: E731
        self._own = []
        for (f, t) in self.own:
            proc = fac.at[f, "process"]
            sales = [(k, (self.player, c, t)) for c, k in ix.by_process[proc]]
            c0 = val(m.cost_usd_per_kg[f, t])
            steps = []
            if (f, t) in m.FT_sloped and hasattr(m, "act_step"):
                s_, K = val(m.slope_usd_per_kg_per_t[f, t]), len(m.K_supply)
                w = val(m.capacity_t[f, t]) / K
                steps = [(m.act_step[f, t, k], c0 + s_ * (k + 0.5) * w) for k in m.K_supply]
            quad = 0.5 * val(m.slope_usd_per_kg_per_t[f, t]) if (f, t) in m.FT_sloped and not steps else 0.0
            self._own.append((m.act[f, t], val(m.weight[t]), sales, c0, steps, quad))
        wedge_arcs, fric, xtax = set(m.AT_wedge), set(m.AT_friction), set(m.AT_xtax)
        self._arcs = []
        for a in self.arcs:
            o, d, c, t = a
            fixed = val(m.freight_usd_per_kg[o, d, c]) + (val(m.friction_usd_per_kg[a]) if a in fric else 0.0)
            wedges = (m.tariff_usd_per_kg[a], m.levy_usd_per_kg[a]) if a in wedge_arcs else ()
            tax = m.export_tax_usd_per_kg[a] if a in xtax else None
            self._arcs.append((m.flow[a], val(m.weight[t]), (d, c, t), (o, c, t), fixed, wedges, tax))
        self._rivals = [(m.act[f, t], val(m.weight[t])) for (f, t) in self.rivals]
        self._col = col

    def parts(self) -> PayoffParts:
        """Payoff of the last optimal solve of ``fh`` (the constants are read once)."""
        if not hasattr(self, "_own"):
            self._constants()
        src = self.vars if (self.cols < 0).any() else self.cols   # a fixed column is read from Pyomo
        vals = self.fh.var_values(src) if len(self.cols) else np.zeros(0)
        x = dict(zip(map(id, self.vars), vals.tolist()))
        P = self.prices()
        ps = tax = rival = 0.0
        for (act, w, sales, c0, steps, quad) in self._own:
            a = x[id(act)]
            if a == 0.0:
                continue
            cost = sum(x[id(v)] * cs for v, cs in steps) if steps else c0 * a + quad * a * a
            ps += w * (sum(k * a * P.get(key, 0.0) for k, key in sales) - cost)
        for (flow, w, dkey, okey, fixed, wedges, tparam) in self._arcs:
            q = x[id(flow)]
            if q == 0.0:
                continue
            tau = tparam._value if tparam is not None else 0.0
            wedge = fixed + sum(p._value for p in wedges) + tau
            ps += w * (P.get(dkey, 0.0) - P.get(okey, 0.0) - wedge) * q
            tax += w * tau * q
        for (act, w) in self._rivals:
            rival += w * x[id(act)]
        return PayoffParts(producer_surplus_usd=ps * KUSD, export_tax_usd=tax * KUSD, rival_output_t=rival,
                           deterrence_usd=self.weight_usd * rival * KUSD)

    def load(self) -> None:
        """Put the last solve's values of the leader's variables into Pyomo."""
        src = self.vars if (self.cols < 0).any() else self.cols
        for v, x in zip(self.vars, self.fh.var_values(src).tolist()):
            v.set_value(x, skip_validation=True)
