"""Helpers to solve the hand-solvable two-region fixture with policies and data changes."""

from __future__ import annotations

from reebloc.inputs.config import apply_overrides, load_config
from reebloc.inputs.dataset import load_dataset
from reebloc.app.run import solve_resolved
from tests.conftest import CONFIGS

BASE = load_config(CONFIGS / "two.yaml")
DATA = load_dataset(BASE.data_dir, BASE.config.year_list)


def solve_two(policies: dict | None = None, cn_cost: float | None = None, mp_cost: float | None = None,
              scenarios: dict | None = None, extra: dict | None = None):
    changes = {"policies": policies or {}}
    if scenarios is not None:
        changes["scenarios"] = scenarios
    changes.update(extra or {})
    resolved = apply_overrides(BASE, changes)
    data = DATA
    costs = data["costs"].copy()
    if cn_cost is not None:
        costs.loc[costs.facility == "cn_sep", "cost_usd_per_kg"] = cn_cost
    if mp_cost is not None:
        costs.loc[costs.facility == "mp", "cost_usd_per_kg"] = mp_cost
    return solve_resolved(resolved, data.with_table("costs", costs))


def price(r, node, year=2025, scenario=None):
    p = r.tables["prices"]
    sel = (p.node == node) & (p.year == year)
    if scenario:
        sel &= p.scenario == scenario
    return float(p[sel].price_usd_per_kg.iloc[0])


def output(r, facility, year=2025, scenario=None):
    p = r.tables["production"]
    sel = (p.facility == facility) & (p.year == year) & (p.quantity_t > 0)
    if scenario:
        sel &= p.scenario == scenario
    return float(p[sel].quantity_t.sum())


def gov(r, instrument=None, policy=None, year=2025):
    g = r.tables["government"]
    sel = g.year == year
    if instrument:
        sel &= g.instrument == instrument
    if policy:
        sel &= g.policy == policy
    return float(g[sel].usd.sum())


def flow(r, o, d, year=2025):
    f = r.tables["flows"]
    return float(f[(f.origin == o) & (f.destination == d) & (f.year == year)].quantity_t.sum())
