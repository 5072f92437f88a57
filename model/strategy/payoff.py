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
from reebloc.outputs.tables import KUSD, facility_cost_kusd


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

    def parts(self) -> PayoffParts:
        """Payoff of the last optimal solve of ``fh``."""
        m, ix = self.inst.m, self.inst.ix
        src = self.vars if (self.cols < 0).any() else self.cols   # a fixed column is read from Pyomo
        vals = self.fh.var_values(src) if len(self.cols) else np.zeros(0)
        for v, x in zip(self.vars, vals):
            v.set_value(float(x), skip_validation=True)
        P = self.prices()
        fac = ix.facilities
        ps = tax = rival = 0.0
        for (f, t) in self.own:
            a = m.act[f, t].value or 0.0
            if a == 0.0:
                continue
            w = pyo.value(m.weight[t])
            proc = fac.at[f, "process"]
            sales = sum(k * a * P.get((self.player, c, t), 0.0) for c, k in ix.by_process[proc])
            ps += w * (sales - facility_cost_kusd(self.inst, f, t))
        wedge_arcs, fric, xtax = set(m.AT_wedge), set(m.AT_friction), set(m.AT_xtax)
        for a in self.arcs:
            q = m.flow[a].value or 0.0
            if q == 0.0:
                continue
            o, d, c, t = a
            w = pyo.value(m.weight[t])
            wedge = pyo.value(m.freight_usd_per_kg[o, d, c])
            if a in wedge_arcs:
                wedge += pyo.value(m.tariff_usd_per_kg[a]) + pyo.value(m.levy_usd_per_kg[a])
            if a in fric:
                wedge += pyo.value(m.friction_usd_per_kg[a])
            tau = pyo.value(m.export_tax_usd_per_kg[a]) if a in xtax else 0.0
            ps += w * (P.get((d, c, t), 0.0) - P.get((o, c, t), 0.0) - wedge - tau) * q
            tax += w * tau * q
        for (f, t) in self.rivals:
            rival += pyo.value(m.weight[t]) * (m.act[f, t].value or 0.0)
        return PayoffParts(producer_surplus_usd=ps * KUSD, export_tax_usd=tax * KUSD, rival_output_t=rival,
                           deterrence_usd=self.weight_usd * rival * KUSD)
