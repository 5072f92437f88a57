"""Grades: a plant that can run more than one recipe (docs/model.md § Magnet grades).

A plant declares in ``grades.csv`` the processes it may run besides its own (e.g. a sintered-magnet
plant that can make the standard grade, the grain-boundary-diffused grade and the heavy-free grade).
Each extra grade g of plant f is a *grade sibling*, a facility named ``f@g`` with f's node, years and
origin class, running process g at f's unit cost plus the grade's premium. The siblings share f's
capacity:

    act[f,t] + Σ_g act[f@g,t] ≤ capacity_t[f,t] + built capacity of f at t

so the LP chooses the grade mix of every plant: it makes the grade whose inputs (Dy, Tb, NdPr metal)
at that node's prices plus premium cost least, and switches when a price crosses the threshold
where two grades cost the same. A grade may be limited to a share of the plant's capacity
(``max_share``; grain-boundary diffusion reaches only a few mm into a magnet, so thick magnets keep
their Dy in the bulk alloy):

    act[f@g,t] ≤ max_share[f@g] × (capacity_t[f,t] + built capacity of f at t)

Every other part of the model sees ordinary facilities.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from reebloc.equilibrium.investment import built_capacity

SEP = "@"


def sibling_name(facility: str, process: str) -> str:
    return f"{facility}{SEP}{process}"


def expand_grades(fac: pd.DataFrame, data) -> tuple[pd.DataFrame, dict[str, str]]:
    """(facilities with a row per grade sibling, {sibling: plant}). ``fac`` is indexed by facility
    (operating facilities and projects)."""
    if not data.has("grades"):
        return fac, {}
    base: dict[str, str] = {}
    rows = []
    for r in data["grades"].itertuples():
        if r.facility not in fac.index:
            continue
        name = sibling_name(r.facility, r.process)
        row = fac.loc[r.facility].copy()
        row["process"] = r.process
        row.name = name
        rows.append(row)
        base[name] = r.facility
    if not rows:
        return fac, {}
    return pd.concat([fac, pd.DataFrame(rows)]), base


def plant_of(ix, f: str) -> str:
    """The plant a facility (or grade sibling) belongs to."""
    return ix.grade_base.get(f, f)


def siblings(ix, f: str) -> list[str]:
    """A plant and its grade siblings: [f, f@g1, ...]."""
    return [f] + ix.grade_group.get(f, [])


def grade_values(ix, data, vals: dict) -> None:
    """cost_usd_per_kg[f@g,t] = cost_usd_per_kg[f,t] + premium(f,g) and grade_max_share[f@g,t];
    in place on ``vals``."""
    if not ix.grade_base or not data.has("grades"):
        return
    rows = {sibling_name(r.facility, r.process): (float(r.cost_premium_usd_per_kg), float(r.max_share))
            for r in data["grades"].itertuples()}
    cost = vals.setdefault("cost_usd_per_kg", {})
    cap = vals.setdefault("capacity_t", {})
    share = vals.setdefault("grade_max_share", {})
    for (f, t) in ix.fac_t:
        b = ix.grade_base.get(f)
        if b is not None:
            premium, share[f, t] = rows.get(f, (0.0, 1.0))
            cost[f, t] = cost.get((b, t), 0.0) + premium
            cap[f, t] = 0.0


def define_grade_limits(m, ix) -> None:
    """grade_limit[f@g,t]: act[f@g,t] ≤ max_share[f@g] × (capacity_t[f,t] + built capacity of f at t);
    dual = the rent of the grade's scarce share ($/kg, weighted). Every sibling has a row (a share of
    1 repeats the capacity row), so a sweep may change a share without rebuilding."""
    idx = [(g, t) for g, t in ix.fac_t if g in ix.grade_base]
    m.GT = pyo.Set(dimen=2, initialize=idx, ordered=True)
    m.grade_max_share = pyo.Param(m.GT, mutable=True, initialize=1.0)
    m.grade_limit = pyo.Constraint(m.GT, rule=lambda m, g, t: grade_limit_rule(m, g, t, ix))


def grade_limit_rule(m, g, t, ix):
    """act[f@g,t] ≤ max_share[f@g] × (capacity_t[f,t] + built capacity of f at t)."""
    f = ix.grade_base[g]
    return m.act[g, t] <= m.grade_max_share[g, t] * (m.capacity_t[f, t] + built_capacity(m, ix, f, t))
