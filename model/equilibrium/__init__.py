"""Pyomo model: ``create_model(cfg, data)`` calls one ``define_*`` per family, in order.

Every number that a sweep or the wedge iteration may change lives in a mutable Param whose
value comes from ``ModelInstance.param_values`` — so a variant with the same structure
(``structure_key``) is a re-solve, not a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from reebloc.equilibrium.balance import define_balance
from reebloc.equilibrium.demand import define_demand
from reebloc.equilibrium.grades import define_grade_limits, grade_values
from reebloc.equilibrium.gradual import curve_values, define_gradual_trade
from reebloc.equilibrium.index import Index, build_index
from reebloc.equilibrium.investment import define_investment, investment_values
from reebloc.equilibrium.objective import define_objective
from reebloc.equilibrium.policy import (cover_hull_values, define_controls, define_export_quotas, define_floors,
                                        define_offtake, define_stockpiles)
from reebloc.equilibrium.policyindex import PolicyIndex, build_policy_index
from reebloc.equilibrium.storage import define_private_storage, storage_values
from reebloc.equilibrium.supply import define_supply
from reebloc.equilibrium.trade import define_origin_rule, define_trade
from reebloc.equilibrium.values import compute_values
from reebloc.inputs.config import RunConfig
from reebloc.inputs.dataset import DataSet


@dataclass
class ModelInstance:
    m: pyo.ConcreteModel
    ix: Index
    pi: PolicyIndex
    cfg: RunConfig
    data: DataSet
    period_tables: dict = field(default_factory=dict)   # name -> table by period (runs that split years)

    def has_wedges(self) -> bool:
        """Price-dependent wedges (ad valorem tariffs, levies, CfD floors, offtakes) need the
        fixed-point loop of ``reebloc.solve.wedges``."""
        m = self.m
        return len(m.AT_wedge) + len(m.FLY) + len(m.OFT) > 0

    def param_values(self, cfg: RunConfig | None = None, data: DataSet | None = None) -> dict:
        """Value of every market and policy Param (not the price-dependent wedges) for a variant."""
        cfg = cfg or self.cfg
        data = data or self.data
        vals = compute_values(self.ix, cfg, data)
        vals.update(policy_values(self.ix, self.pi, cfg, data))
        vals.update(curve_values(self.ix, cfg, data))
        vals.update(storage_values(self.ix, data))
        for name, d in investment_values(self.ix, cfg, data).items():
            vals.setdefault(name, {}).update(d)
        grade_values(self.ix, data, vals)
        cover_hull_values(self.ix, self.pi, vals)
        out = ComponentMap()
        for name, d in vals.items():
            comp = getattr(self.m, name)
            for idx, v in d.items():
                out[comp[idx]] = float(v)
        return out

    def set_values(self, values: dict) -> None:
        for p, v in values.items():
            p.set_value(v)

    @staticmethod
    def structure_key(cfg: RunConfig, data: DataSet, where=None) -> tuple:
        ix = build_index(cfg, data)
        return ix.key() + build_policy_index(ix, cfg, where).key()


def policy_values(ix: Index, pi: PolicyIndex, cfg: RunConfig, data: DataSet) -> dict[str, dict]:
    """Policy Params: floor caps, offtake volumes, stockpile capacities, targets, control caps."""
    pols = {k: p for k, p in cfg.policies.items()}
    v: dict[str, dict] = {"floor_cap_t": {}, "offtake_volume_t": {}, "stock_capacity_t": {},
                          "stock_initial_t": {}, "stock_holding_usd_per_kg": {}, "stock_target_t": {},
                          "control_cap_t": {}}
    for (p, t) in pi.floor_years:
        if pols[p].volume_cap_t is not None:
            v["floor_cap_t"][p, t] = pols[p].volume_cap_t
    for (p, t) in pi.offtake_rows:
        if pols[p].volume_t is not None:
            v["offtake_volume_t"][p, t] = pols[p].volume_t
    dem = data["demand"]
    for (p, t) in pi.stock_rows:
        sp = pols[p]
        v["stock_capacity_t"][p, t] = sp.capacity_t
        v["stock_holding_usd_per_kg"][p, t] = sp.holding_cost_usd_per_kg_yr
        v["stock_initial_t"][p] = sp.initial_t
        if (p, t) in set(pi.target_rows):
            y = ix.tree.year[t]
            q = dem.loc[(dem["node"] == sp.node) & (dem["commodity"] == sp.commodity) & (dem["year"] == y),
                        "quantity_t"].sum()
            # never cut to capacity: a target above it is refused (checks.cover_target_problem)
            v["stock_target_t"][p, t] = sp.target_days / 365.0 * float(q)
    fresh = build_policy_index(ix, cfg, None)      # the variant's control costs and caps, same arcs
    v["friction_usd_per_kg"] = dict(fresh.friction)
    v["friction_touched_usd_per_kg"] = dict(fresh.friction_touched)
    v["tiebreak_usd_per_kg"] = {None: cfg.origin.tie_break_usd_per_kg}
    v["control_cap_t"] = {(cid, t): fresh.control_caps[cid, t] for (cid, t, arcs) in pi.controls if arcs}
    return v


OBJECTIVE_ONLY_PARAMS = ("tariff_usd_per_kg", "levy_usd_per_kg", "floor_subsidy_usd_per_kg",
                         "offtake_subsidy_usd_per_kg")


def create_model(cfg: RunConfig, data: DataSet, where=None) -> ModelInstance:
    """Build the Pyomo model for a resolved config and data set."""
    ix = build_index(cfg, data)
    pi = build_policy_index(ix, cfg, where)
    m = pyo.ConcreteModel(name=cfg.name)
    define_investment(m, ix)
    define_supply(m, ix)
    define_grade_limits(m, ix)
    define_trade(m, ix, pi)
    define_gradual_trade(m, ix)
    define_demand(m, ix)
    define_floors(m, ix, pi)
    define_offtake(m, ix, pi)
    define_stockpiles(m, ix, pi)
    define_private_storage(m, ix)
    define_controls(m, ix, pi)
    define_export_quotas(m, ix, pi)
    define_balance(m, ix, pi)
    define_origin_rule(m, ix, pi)
    define_objective(m, ix, [n for n in cfg.origin.tie_break_nodes if n in ix.nodes])
    # policy wedges enter the objective only (trade_cost, policy_terms): a wedge iteration
    # re-indexes the objective, not every row (FastHighs._ensure_index; tests/test_fastpath.py)
    m._fast_objective_only = OBJECTIVE_ONLY_PARAMS
    m._fast_objective_part = m._wedge_objective          # the objective's summand that holds them
    inst = ModelInstance(m=m, ix=ix, pi=pi, cfg=cfg, data=data)
    inst.set_values(inst.param_values())
    return inst
