"""Solution → tidy tables keyed by run, scenario, year (docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from reebloc.equilibrium.gradual import adjustment_kusd
from reebloc.equilibrium import ModelInstance
from reebloc.equilibrium.demand import served, substitutes_of

TOL = 1e-7
BY_PERIOD = "_by_period"   # suffix of a table by period (runs that split years): flows_by_period
KUSD = 1000.0  # t × $/kg = k$


def _expand(inst: ModelInstance, t: int):
    """(scenario, year, period label) triples sharing tree node t."""
    per = inst.ix.tree.period[t]
    return [(s, per.year, per.label) for s in inst.ix.tree.scenarios[t]]


@dataclass(frozen=True)
class Spec:
    """How a table's columns add up over the periods of a year (docs/model.md § Periods).

    ``rates``: per-year rates (t/yr, $/yr) in the model, reported as the period's amount (× L) and
    summed to the year; ``sums``: amounts already (one-off builds, payments), summed; ``levels``:
    stocks at the end of a period, the year's last; any other number is a length-weighted mean
    (prices, shadow prices); other columns take the year's last value."""

    keys: tuple[str, ...]
    sort: tuple[str, ...]
    rates: tuple[str, ...] = ()
    sums: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()


SPECS = {
    "flows": Spec(("origin", "destination", "commodity"), ("origin", "destination", "commodity"),
                  rates=("quantity_t", "touched_t", "freight_usd", "trade_cost_usd")),
    "production": Spec(("facility", "node", "process", "commodity"), ("facility", "commodity"),
                       rates=("quantity_t", "touched_t", "cost_usd")),
    "prices": Spec(("node", "commodity"), ("node", "commodity")),
    "demand": Spec(("node", "segment", "commodity"), ("node", "segment", "commodity"),
                   rates=("demand_t", "served_t", "unserved_t", "shortage_t", "priced_out_t",
                          "served_by_substitutes_t")),
    "stockpiles": Spec(("policy", "holder", "node", "commodity"), ("policy", "node", "commodity"),
                       rates=("purchase_t", "release_t"), levels=("stock_t",), sums=("closing_value_usd",)),
    "policies": Spec(("policy", "kind", "constraint", "unit"), ("policy", "constraint")),
    "disposal": Spec(("node", "commodity"), ("node", "commodity"), rates=("quantity_t",)),
    "substitutes": Spec(("node", "segment", "commodity", "substitute"), ("node", "segment", "commodity", "substitute"),
                        rates=("replaced_t", "substitute_t")),
    "investment": Spec(("project", "node", "process"), ("project",), sums=("capacity_added_t", "capex_usd")),
    "government": Spec(("payer", "instrument", "policy", "recipient"), ("payer", "instrument", "policy"),
                       sums=("usd",)),
    "welfare": Spec(("node",), ("node",), rates=("consumer_surplus_usd", "producer_surplus_usd",
                                                 "government_net_usd", "tariff_revenue_usd", "total_usd")),
}


def _frame(inst: ModelInstance, name: str, rows: list, columns: list[str]) -> pd.DataFrame:
    """Rows (scenario, year, period, *columns) → the table by year. A run with whole years only
    returns it as is; a run that splits years keeps the table by period (the period's amounts,
    ``inst.period_tables[name]``, written as ``<name>`` + ``BY_PERIOD``) and returns it summed to years."""
    spec = SPECS[name]
    df = pd.DataFrame(rows, columns=["scenario", "year", "period"] + columns)
    df.insert(0, "run", inst.cfg.name)
    tree = inst.ix.tree
    if not tree.split:
        df = df.drop(columns="period")
        return df.sort_values(["scenario", "year", *spec.sort], kind="stable").reset_index(drop=True)
    length = {p.label: p.length_years for p in tree.period}
    df.insert(4, "length_years", df["period"].map(length).astype(float))
    for c in spec.rates:
        df[c] = df[c] * df["length_years"]
    df = df.sort_values(["scenario", "period", *spec.sort], kind="stable").reset_index(drop=True)
    inst.period_tables[name] = df
    return aggregate(df, name)


def aggregate(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """A table by period (rows of one or more periods per year) → by year, per ``SPECS[name]``:
    amounts summed, stocks at the last period, other numbers length-weighted means."""
    spec = SPECS[name]
    keys = ["run", "scenario", "year", *spec.keys]
    if df.empty:
        return df.drop(columns=["period", "length_years"]).reset_index(drop=True)
    df = df.sort_values(["scenario", "period"], kind="stable")
    g = df.groupby(keys, sort=False, dropna=False)
    out = g[list(spec.rates + spec.sums)].sum() if spec.rates + spec.sums else g.size().to_frame("_n")[[]]
    rest = [c for c in df.columns if c not in keys and c not in ("period", "length_years")
            and c not in spec.rates + spec.sums]
    for c in rest:
        if c in spec.levels or not pd.api.types.is_numeric_dtype(df[c]):
            out[c] = g[c].last() if c in spec.levels else g[c].agg(lambda x: x.iloc[-1])
        else:
            w = df["length_years"].where(df[c].notna(), 0.0)
            num = (df[c].fillna(0.0) * w).groupby([df[k] for k in keys], sort=False, dropna=False).sum()
            den = w.groupby([df[k] for k in keys], sort=False, dropna=False).sum()
            out[c] = (num / den.where(den > 0)).values
    out = out.reset_index()
    cols = [c for c in df.columns if c not in ("period", "length_years")]
    return out[cols].sort_values(["scenario", "year", *spec.sort], kind="stable").reset_index(drop=True)


def flows_table(inst: ModelInstance) -> pd.DataFrame:
    """One row per arc with flow; ``touched_t`` is its China-touched part (any stage in China);
    ``trade_cost_usd`` the calibrated trade cost of gradual trade (docs/model.md § Gradual trade)."""
    m, rows = inst.m, []
    adj = adjustment_kusd(m)
    for (o, d, c, t) in m.AT:
        q = m.flow[o, d, c, t].value or 0.0
        if q > TOL:
            fr = q * pyo.value(m.freight_usd_per_kg[o, d, c]) * KUSD
            cl = (m.flow_clean[o, d, c, t].value or 0.0) if (o, d, c, t) in m.ACT_clean else 0.0
            touched = min(q, max(0.0, q - cl))
            tc = adj.get((o, d, c, t), 0.0) * KUSD
            rows += [(s, y, pl, o, d, c, q, touched, fr, tc) for s, y, pl in _expand(inst, t)]
    return _frame(inst, "flows", rows, ["origin", "destination", "commodity", "quantity_t", "touched_t", "freight_usd",
                         "trade_cost_usd"])


def facility_cost_kusd(inst: ModelInstance, f: str, t: int) -> float:
    """True operating cost of a facility in a tree node, k$ (steps or QP form as modelled)."""
    m = inst.m
    c, a = pyo.value(m.cost_usd_per_kg[f, t]), m.act[f, t].value or 0.0
    if (f, t) not in m.FT_sloped:
        return c * a
    s = pyo.value(m.slope_usd_per_kg_per_t[f, t])
    if hasattr(m, "act_step"):
        w = pyo.value(m.capacity_t[f, t]) / len(m.K_supply)
        return sum((c + s * (k + 0.5) * w) * (m.act_step[f, t, k].value or 0.0) for k in m.K_supply)
    return c * a + 0.5 * s * a * a


def production_table(inst: ModelInstance) -> pd.DataFrame:
    m, ix, rows = inst.m, inst.ix, []
    fac = ix.facilities
    for (f, t) in m.FT:
        a = m.act[f, t].value or 0.0
        if a <= TOL:
            continue
        proc, node = fac.at[f, "process"], fac.at[f, "node"]
        coefs = ix.by_process[proc]
        out_total = sum(k for _, k in coefs if k > 0)
        cost = facility_cost_kusd(inst, f, t) * KUSD
        if ix.makes_clean_only(f):
            touched_a = 0.0
        elif (f, t) in m.FT_clean:
            touched_a = min(a, max(0.0, a - (m.act_clean[f, t].value or 0.0)))
        else:
            touched_a = a
        for c, k in coefs:
            share = k / out_total if k > 0 else 0.0
            rows += [(s, y, pl, f, node, proc, c, k * a, k * touched_a, cost * share) for s, y, pl in _expand(inst, t)]
    return _frame(inst, "production", rows, ["facility", "node", "process", "commodity", "quantity_t", "touched_t", "cost_usd"])


def live_classes(inst: ModelInstance) -> tuple[set, set]:
    """(n, c, t) where China-touched, and where clean, material is made, traded or used (> TOL).
    Read from the variables' values (the terms of ``facility_terms``, without building them)."""
    m, ix = inst.m, inst.ix
    touched, clean = set(), set()
    node_of = ix.facilities["node"].to_dict()
    proc_of = ix.facilities["process"].to_dict()
    clean_ft = set(ix.clean_fac_t)
    for f, t in ix.fac_t:
        a = m.act[f, t].value or 0.0
        if abs(a) <= TOL:
            continue
        ac = (m.act_clean[f, t].value or 0.0) if (f, t) in clean_ft else 0.0
        n, clean_only = node_of[f], ix.makes_clean_only(f)
        for c, k in ix.by_process.get(proc_of[f], []):
            if (f, t) in clean_ft:
                tx, cx = k * (a - ac), k * ac
            elif clean_only:
                tx, cx = 0.0, k * a
            else:
                tx, cx = k * a, 0.0
            if abs(tx) > TOL:
                touched.add((n, c, t))
            if abs(cx) > TOL:
                clean.add((n, c, t))
    cl = set(m.ACT_clean)
    for (o, d, c, t) in m.AT:
        q = m.flow[o, d, c, t].value or 0.0
        qc = (m.flow_clean[o, d, c, t].value or 0.0) if (o, d, c, t) in cl else 0.0
        for book, x in ((touched, q - qc), (clean, qc)):
            if x > TOL:
                book.update({(o, c, t), (d, c, t)})
    rule = set(inst.pi.clean_demand)
    for (n, s, c, t) in m.DT:
        if pyo.value(served(m, n, s, c, t)) > TOL:
            (clean if (n, s, c, t) in rule else touched).add((n, c, t))
    return touched, clean


def prices_table(inst: ModelInstance, reported: dict) -> pd.DataFrame:
    """Price where the node has a market (``reebloc.outputs.prices.reported_prices``: none where
    nothing is made, used, traded or demanded), and the clean premium = clean price − market price
    ($/kg, ≥ 0) where both classes have a market at the node; empty otherwise, since a class with
    no market there has no unique price. ``price_note``: free_disposal (a 0 made by free disposal),
    clean_only (no China-touched market: the clean price)."""
    rows = []
    for (n, c, t), (p, cp, note, both) in reported.items():
        prem = round(max(0.0, cp - p), 6) if cp is not None and not note and both else None
        rows += [(s, y, pl, n, c, p, prem, note) for s, y, pl in _expand(inst, t)]
    return _frame(inst, "prices", rows, ["node", "commodity", "price_usd_per_kg", "clean_premium_usd_per_kg", "price_note"])


def demand_table(inst: ModelInstance) -> pd.DataFrame:
    """Per demand row: demand_t (reference quantity), served_t, unserved_t = max(0, demand − served),
    split into shortage_t = min(unserved, max(0, tail − served)) — buyers who value the good at
    the row's VOLL (the whole of an inelastic row, the tail of a CES row) and got nothing: they
    would pay any price up to VOLL, so only a physical cut (ban, cap) leaves them unserved and the
    price then sits at VOLL — and priced_out_t = unserved − shortage, demand given up along the
    priced curve because the price rose (docs/model.md § Shortage and priced-out demand)."""
    m, rows = inst.m, []
    for (n, sg, c, t) in m.DT:
        ref = pyo.value(m.demand_ref_t[n, sg, c, t])
        q = pyo.value(served(m, n, sg, c, t))
        subs = sum(m.sub_use[n, sg, c, x, t].value or 0.0 for x in substitutes_of(m, n, sg, c))
        if ref <= TOL and q <= TOL:
            continue
        unserved = max(0.0, ref - q)
        tail = pyo.value(m.demand_tail_t[n, sg, c, t])
        short = min(unserved, max(0.0, tail - q))
        short = 0.0 if short <= TOL else short
        rows += [(s, y, pl, n, sg, c, ref, q, unserved, short, unserved - short, subs) for s, y, pl in _expand(inst, t)]
    return _frame(inst, "demand", rows, ["node", "segment", "commodity", "demand_t", "served_t", "unserved_t", "shortage_t",
                         "priced_out_t", "served_by_substitutes_t"])


PRIVATE_HOLDER = "private"
"""``policy`` of a private stockholder's rows in stockpiles.csv (storage.csv; holder ``private``)."""


def stockpiles_table(inst: ModelInstance, closing: dict | None = None) -> pd.DataFrame:
    """Public stockpiles (holder ``public``, one row per policy) and private stockholders (holder
    ``private``, policy ``private``, one row per node and commodity of storage.csv), t;
    ``closing_value_usd``: the stock left at the end of a scenario's last period at that period's
    price (``closing``: (policy, t) and (node, commodity, t) → k$), 0 in other periods."""
    m, pi, rows = inst.m, inst.pi, []
    closing = closing or {}
    for (p, t) in m.STK:
        sp = pi.stockpiles[p]
        vals = (m.buy[p, t].value or 0.0, m.release[p, t].value or 0.0, m.stock[p, t].value or 0.0,
                closing.get((p, t), 0.0) * KUSD)
        rows += [(s, y, pl, p, "public", sp.node, sp.commodity) + vals for s, y, pl in _expand(inst, t)]
    for (n, c, t) in m.PST:
        vals = (m.pbuy[n, c, t].value or 0.0, m.psell[n, c, t].value or 0.0, m.pstock[n, c, t].value or 0.0,
                closing.get((n, c, t), 0.0) * KUSD)
        rows += [(s, y, pl, PRIVATE_HOLDER, PRIVATE_HOLDER, n, c) + vals for s, y, pl in _expand(inst, t)]
    return _frame(inst, "stockpiles", rows, ["policy", "holder", "node", "commodity", "purchase_t", "release_t",
                                             "stock_t", "closing_value_usd"])


def policies_table(inst: ModelInstance, duals: dict) -> pd.DataFrame:
    """Shadow prices of policy constraints, next to the policy's name ($/kg per t of room)."""
    m, rows = inst.m, []

    def add(policy, kind, cname, con, t, unit="usd_per_kg"):
        w = pyo.value(m.weight[t])
        val = abs(duals.get(con, 0.0)) / w if w > 0 else 0.0
        rows.extend((s, y, pl, policy, kind, cname, val, unit) for s, y, pl in _expand(inst, t))

    for (p, t) in m.FLY_cap:
        add(p, "price_floor", "volume_cap", m.floor_cap[p, t], t)
    for (p, t) in m.TGT:
        add(p, "stockpile", "target_days", m.stock_target[p, t], t)
    for (p, t) in m.STK:
        add(p, "stockpile", "capacity", m.stock_limit[p, t], t)
    for (cid, t) in m.CTL:
        if (cid, t) in m.control:
            add(cid, "export_control", "cap", m.control[cid, t], t)
    return _frame(inst, "policies", rows, ["policy", "kind", "constraint", "shadow_price", "unit"])


def disposal_table(inst: ModelInstance) -> pd.DataFrame:
    """Free disposal of surplus joint products (only at a zero price)."""
    m, rows = inst.m, []
    for (n, c, t) in m.NCT:
        q = m.dispose[n, c, t].value or 0.0
        if q > TOL:
            rows += [(s, y, pl, n, c, q) for s, y, pl in _expand(inst, t)]
    return _frame(inst, "disposal", rows, ["node", "commodity", "quantity_t"])


def substitutes_table(inst: ModelInstance) -> pd.DataFrame:
    """Demand met by substitutes: replaced_t of the segment's commodity, substitute_t drawn."""
    m, rows = inst.m, []
    for (n, sg, c, x, t) in m.SUBT:
        q = m.sub_use[n, sg, c, x, t].value or 0.0
        if q > TOL:
            ratio = pyo.value(m.sub_ratio[n, sg, c, x])
            rows += [(s, y, pl, n, sg, c, x, q, q * ratio) for s, y, pl in _expand(inst, t)]
    return _frame(inst, "substitutes", rows, ["node", "segment", "commodity", "substitute", "replaced_t", "substitute_t"])


def investment_table(inst: ModelInstance) -> pd.DataFrame:
    """Builds per project and year: capacity_added_t (nameplate decided that year, online after the
    lead time), capacity_t (built capacity online that year, along the ramp), capex_usd (overnight
    capex of that year's decision, before grants), cost_of_capital (the project's rate after policies)."""
    from reebloc.equilibrium.investment import online, project_finance
    m, ix, rows = inst.m, inst.ix, []
    pr = ix.projects
    if pr:
        fin = project_finance(ix, inst.cfg)
        for j in pr.ramp:
            node, proc = pr.table.at[j, "node"], pr.table.at[j, "process"]
            capex = float(pr.table.at[j, "capex_usd_per_t_yr"])
            for t in range(len(ix.tree)):
                added = (m.build[j, t].value or 0.0) if (j, t) in pr.build_t_set else 0.0
                cap = sum(s * (m.build[j, tp].value or 0.0) for tp, s in online(ix, j, t))
                if added <= TOL and cap <= TOL:
                    continue
                rows += [(s, y, pl, j, node, proc, max(added, 0.0), cap, max(added, 0.0) * capex, fin[j].rate)
                         for s, y, pl in _expand(inst, t)]
    return _frame(inst, "investment", rows, ["project", "node", "process", "capacity_added_t", "capacity_t", "capex_usd",
                         "cost_of_capital"])
