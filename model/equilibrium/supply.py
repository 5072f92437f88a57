"""Supply: facility activity, capacity and operating cost (docs/model.md § Equations)."""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.equilibrium.investment import built_capacity


def define_supply(m, ix) -> None:
    """Variables act[f,t] ≥ 0 (t of main output per year) and, for facilities with a rising
    marginal cost in steps form, tranches act_step[f,t,k]. Outside China a processor's clean
    activity act_clean[f,t] ≤ act[f,t] turns clean inputs into clean output.

    Equation: docs/model.md § Equations, row “capacity, rising cost”.
    """
    m.FT = pyo.Set(dimen=2, initialize=ix.fac_t, ordered=True)
    m.capacity_t = pyo.Param(m.FT, mutable=True, initialize=0.0)
    m.cost_usd_per_kg = pyo.Param(m.FT, mutable=True, initialize=0.0)
    m.act = pyo.Var(m.FT, within=pyo.NonNegativeReals)
    m.capacity = pyo.Constraint(m.FT, rule=lambda m, f, t: capacity_rule(m, f, t, ix))
    # origin classes: the clean part of a non-China processor's activity (docs/model.md § Origin classes)
    m.FT_clean = pyo.Set(dimen=2, initialize=ix.clean_fac_t, ordered=True)
    m.act_clean = pyo.Var(m.FT_clean, within=pyo.NonNegativeReals)
    m.clean_share = pyo.Constraint(m.FT_clean, rule=lambda m, f, t: m.act_clean[f, t] <= m.act[f, t])
    sl = [(f, t) for f, t in ix.fac_t if f in ix.sloped]
    m.FT_sloped = pyo.Set(dimen=2, initialize=sl, ordered=True)
    m.slope_usd_per_kg_per_t = pyo.Param(m.FT_sloped, mutable=True, initialize=0.0)
    if not ix.linear:
        m.K_supply = pyo.RangeSet(0, ix.steps - 1)
        m.act_step = pyo.Var(m.FT_sloped, m.K_supply, within=pyo.NonNegativeReals)
        m.tranche_sum = pyo.Constraint(m.FT_sloped, rule=tranche_sum_rule)
        m.tranche_width = pyo.Constraint(m.FT_sloped, m.K_supply, rule=tranche_width_rule)


def capacity_rule(m, f, t, ix=None):
    """act[f,t] (+ Σ_g act[f@g,t], the plant's other grades, grades.py) ≤ capacity_t[f,t] + built
    capacity online at t (investment.py; 0 for an operating facility); dual = scarcity rent ($/kg,
    weighted). A grade sibling has no row of its own: it shares its plant's."""
    if ix is None:
        return m.act[f, t] <= m.capacity_t[f, t]
    if f in ix.grade_base:
        return pyo.Constraint.Skip
    added = built_capacity(m, ix, f, t)
    grades = sum(m.act[g, t] for g in ix.grade_group.get(f, []))
    return m.act[f, t] + grades <= m.capacity_t[f, t] + added


def tranche_sum_rule(m, f, t):
    """act[f,t] = Σ_k act_step[f,t,k]."""
    return m.act[f, t] == sum(m.act_step[f, t, k] for k in m.K_supply)


def tranche_width_rule(m, f, t, k):
    """act_step[f,t,k] ≤ capacity_t[f,t] / K."""
    return m.act_step[f, t, k] <= m.capacity_t[f, t] / len(m.K_supply)


class Quad(tuple):
    """A quadratic term coef·x², kept apart so the weight multiplies the coefficient
    (Pyomo's standard repn cannot expand param × (param × x × x))."""

    def __new__(cls, coef, var):
        return super().__new__(cls, (coef, var))


def supply_cost(m):
    """Operating cost of tree node t, k$: Σ_f c·act (+ the rising part: steps Σ_k (c + s(k+½)w)·act_step
    with w = cap/K, or the exact QP term ½ s act²)."""
    out = {}
    sloped = set(m.FT_sloped)
    for f, t in m.FT:
        c = m.cost_usd_per_kg[f, t]
        if (f, t) not in sloped:
            term = c * m.act[f, t]
        elif hasattr(m, "act_step"):
            K = len(m.K_supply)
            w = m.capacity_t[f, t] / K
            term = sum((c + m.slope_usd_per_kg_per_t[f, t] * (k + 0.5) * w) * m.act_step[f, t, k]
                       for k in m.K_supply)
        else:
            out.setdefault(t, []).append(c * m.act[f, t])
            term = Quad(0.5 * m.slope_usd_per_kg_per_t[f, t], m.act[f, t])
        out.setdefault(t, []).append(term)
    return out


def facility_terms(m, ix):
    """(node, commodity, t, coef, touched expr or None, clean expr or None) for every facility
    output (coef > 0) and input (coef < 0).

    China: all touched. Outside China, a mine's output is clean; a processor's activity splits into
    a clean part act_clean (clean inputs → clean output) and the rest (touched inputs → touched output).
    """
    node_of = ix.facilities["node"].to_dict()
    proc_of = ix.facilities["process"].to_dict()
    clean_ft = set(ix.clean_fac_t)
    for f, t in ix.fac_t:
        n = node_of[f]
        clean_only = ix.makes_clean_only(f)
        for c, k in ix.by_process.get(proc_of[f], []):
            if (f, t) in clean_ft:
                yield n, c, t, k, k * (m.act[f, t] - m.act_clean[f, t]), k * m.act_clean[f, t]
            elif clean_only:
                yield n, c, t, k, None, k * m.act[f, t]
            else:
                yield n, c, t, k, k * m.act[f, t], None
