"""Private inventories: competitive stockholders next to the public stockpiles (docs/model.md § Private storage).

Rows come from ``storage.csv`` (node, commodity, capacity, opening stock, holding cost); the
config switch ``storage.private: false`` leaves them out. A private holder buys material of its
origin class (China-touched, or clean: no Chinese stage) on its node's market, carries it along
the scenario tree and sells it back in the same class, at the cost of holding (storage,
insurance, and the financing premium of private money over the real discount rate). In the
welfare-maximising LP this is the competitive, rational-expectations storage rule (Williams &
Wright 1991): stocks are carried from t to a child t' only while
w_t (P_t + h) = Σ_{t'} w_{t'} P_{t'}, so a public stockpile is valued against what the market
would store anyway.
"""

from __future__ import annotations

import pyomo.environ as pyo

from reebloc.inputs.config import RunConfig
from reebloc.inputs.dataset import DataSet


def storage_rows(cfg: RunConfig, data: DataSet) -> list[tuple[str, str]]:
    """(node, commodity) of every private holder: the rows of storage.csv with room, unless
    ``storage.private`` is false."""
    if not cfg.storage.private or not data.has("storage"):
        return []
    df = data["storage"]
    return sorted((r.node, r.commodity) for r in df.itertuples() if r.capacity_t > 0 or r.initial_t > 0)


def clean_storage_rows(data: DataSet, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Of the holders ``rows`` (:func:`storage_rows`), those that hold clean material (``origin``
    clean): their purchases and sales enter the node's clean balance (balance.py)."""
    if not rows:
        return []
    df = data["storage"]
    clean = {(r.node, r.commodity) for r in df.itertuples() if getattr(r, "origin", "touched") == "clean"}
    return [k for k in rows if k in clean]


def define_private_storage(m, ix) -> None:
    """pstock[n,c,t] = pstock[n,c,parent(t)] (or opening stock) + pbuy − psell ≤ capacity;
    holding cost h·pstock enters the objective as a true cost (objective.py).

    Equation: docs/model.md § Equations, row “private storage”.
    """
    rows = [(n, c, t) for (n, c) in ix.storage for t in range(len(ix.tree))]
    m.PST = pyo.Set(dimen=3, initialize=rows, ordered=True)
    m.pstock = pyo.Var(m.PST, within=pyo.NonNegativeReals)
    m.pbuy = pyo.Var(m.PST, within=pyo.NonNegativeReals)
    m.psell = pyo.Var(m.PST, within=pyo.NonNegativeReals)
    m.pstock_capacity_t = pyo.Param(m.PST, mutable=True, initialize=0.0)
    m.pstock_holding_usd_per_kg = pyo.Param(m.PST, mutable=True, initialize=0.0)
    m.PS = pyo.Set(dimen=2, initialize=ix.storage, ordered=True)
    m.pstock_initial_t = pyo.Param(m.PS, mutable=True, initialize=0.0)
    m.pstock_balance = pyo.Constraint(m.PST, rule=lambda m, n, c, t: pstock_balance_rule(m, ix, n, c, t))
    m.pstock_limit = pyo.Constraint(m.PST, rule=lambda m, n, c, t: m.pstock[n, c, t] <= m.pstock_capacity_t[n, c, t])


def pstock_balance_rule(m, ix, n, c, t):
    """pstock[t] = pstock[parent(t)] (opening stock at the root) + L_t (pbuy[t] − psell[t]):
    purchases and sales are per-year rates, L_t the period's length in years."""
    parent, L = ix.tree.parent[t], ix.tree.period[t].length_years
    prev = m.pstock_initial_t[n, c] if parent is None else m.pstock[n, c, parent]
    return m.pstock[n, c, t] == prev + L * (m.pbuy[n, c, t] - m.psell[n, c, t])


def storage_values(ix, data: DataSet) -> dict[str, dict]:
    """Params of the private holders from storage.csv (capacity and holding cost the same in
    every year)."""
    v: dict[str, dict] = {"pstock_capacity_t": {}, "pstock_holding_usd_per_kg": {}, "pstock_initial_t": {}}
    if not ix.storage:
        return v
    df = data["storage"].set_index(["node", "commodity"])
    for (n, c) in ix.storage:
        r = df.loc[(n, c)]
        v["pstock_initial_t"][n, c] = float(r["initial_t"])
        for t in range(len(ix.tree)):
            v["pstock_capacity_t"][n, c, t] = max(float(r["capacity_t"]), float(r["initial_t"]))
            v["pstock_holding_usd_per_kg"][n, c, t] = float(r["holding_cost_usd_per_kg_yr"])
    return v


def holding_terms(m) -> dict[int, list]:
    """Per tree node t, k$: h·pstock (a true cost: storage, insurance, financing premium)."""
    out: dict[int, list] = {}
    for (n, c, t) in m.PST:
        out.setdefault(t, []).append(m.pstock_holding_usd_per_kg[n, c, t] * m.pstock[n, c, t])
    return out
