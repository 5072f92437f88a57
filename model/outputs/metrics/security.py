"""Supply-security metrics from a run's tidy tables (definitions with units: docs/metrics.md).

Pure pandas/numpy post-processing of the run tables; no Pyomo. :func:`security_table` builds
``security.csv`` (run, scenario, year, node, commodity, metric, value) and
:func:`summary_security` the expected / worst-scenario headline figures for ``summary.json``.

Material balance assumed of the tables (per run, scenario, year, node n, commodity c)::

    local output(n, c) + imports(n, c) + stockpile release(n, c)
        = exports(n, c) + process inputs(n, c) + demand served(n, c) + stockpile purchase(n, c)

* local output = sum of positive ``production.quantity_t`` at n; process inputs = minus the sum
  of the negative ones;
* imports / exports = ``flows`` into / out of n; a node's supply to itself is not a flow (rows
  with ``origin == destination``, if any, are ignored);
* demand served = sum of ``demand.served_t`` over segments;
* stockpile purchase / release = ``stockpiles`` summed over policies (the table is optional).

Other uses (a ``disposal`` table of surplus joint products; substitutes counted in
``demand.served_by_substitutes_t``) are further outflows of a pool. They change no metric
below except the apparent-consumption fallback of ``stockpile_cover_days``, which leaves them
out.

Metrics (``metric`` column):

``direct_china_share``
    share of n's supply of c (local output + imports) whose *immediate* origin is the China
    node: imports from it, plus local output when n is the China node itself. Stockpile releases
    are inventory, not an origin, and are left out of this share, of ``hhi`` and of
    ``top_share``.
``china_content``
    any-stage China content, from the LP's origin classes: the China-touched share of n's supply
    of c (local output + imports), where material is China-touched if any stage (mine,
    separation, metal, magnet) was in China (``touched_t`` in ``flows.csv`` and
    ``production.csv``). It is ≥ ``direct_china_share`` by construction: imports from China
    and output in China are touched. Where optima differ only in which material is clean, the
    run's tie-break (``origin`` in the config, docs/model.md § Origin classes) makes it the least
    China-touched share among them.
``china_mine_content``
    mine-origin China content: the share of material *mined* in China embedded in n's supply of
    c, traced proportionally through processing and trade
    (:mod:`reebloc.outputs.metrics.tracing`; process inputs weighted by tonnes). A magnet made
    in China from Myanmar ore scores 0 here and 1 on ``china_content``.
``hhi``, ``top_share``
    Herfindahl–Hirschman index Σ sᵢ² (0–1) over immediate origins of n's supply of c, local
    output counting as origin n; and the largest sᵢ.
``unserved_t``, ``unserved_share``
    unserved tonnes summed over segments, and unserved / demand (only where demand > 0).
``shortage_t``, ``shortage_share``, ``priced_out_t``
    unserved split in two (``demand.csv``, docs/model.md § Shortage and priced-out demand):
    shortage = demand valued at its VOLL that got nothing (a physical cut: ban, cap); priced out =
    demand given up along the priced curve because the price rose; shortage + priced out =
    unserved. Security statements use shortage.
``stockpile_cover_days``
    stock_t / (annual net imports / 365) (IEA convention), where a stockpile row exists and
    stock_t > 0. Net imports are the same year's imports − exports. If they are <= 0 the
    denominator is the year's demand for c at n (``demand_t`` summed over segments) instead; if
    that is 0 too, apparent consumption (process inputs + demand served); if all are 0 there is
    no row.
``price_rise_pct``
    100 × (price / baseline price − 1), against the same run, year, node and commodity in
    ``baseline_scenario`` (rows only where the baseline price is > 0; the baseline scenario
    itself gives 0).
``net_import_reliance``
    USGS: (imports − exports + stock change) / apparent consumption, with apparent consumption =
    local output + imports − exports + stock change, and stock change = release − purchase (a
    drawdown adds to consumption). Negative for a net exporter (USGS prints "E"). Rows only
    where apparent consumption > 0.

Rows whose value is undefined (no supply, no demand, no baseline) are omitted, never written as
NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reebloc.outputs.metrics.tracing import TOL_T, trace_content

SECURITY_COLUMNS = ["run", "scenario", "year", "node", "commodity", "metric", "value"]
KEY = ["run", "scenario", "year"]
POOL = KEY + ["node", "commodity"]

#: Node and commodity of the headline figures of :func:`summary_security`.
HEADLINE_NODE = "US"
HEADLINE_COMMODITY = "ndfeb_magnet"

_REQUIRED = {
    "flows": KEY + ["origin", "destination", "commodity", "quantity_t"],
    "production": KEY + ["facility", "node", "commodity", "quantity_t"],
    "demand": KEY + ["node", "segment", "commodity", "demand_t", "served_t", "unserved_t"],
    "prices": KEY + ["node", "commodity", "price_usd_per_kg"],
    "stockpiles": KEY + ["node", "commodity", "purchase_t", "release_t", "stock_t"],
}


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    cols = _REQUIRED[name]
    df = tables.get(name)
    if df is None or len(df) == 0:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c.endswith(("_t", "_kg")) else "object") for c in cols}
        )
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{name} table is missing columns {missing}")
    return df


def _sum(df: pd.DataFrame, by: list[str], col: str, name: str) -> pd.Series:
    if len(df) == 0:
        return pd.Series(dtype="float64", name=name, index=pd.MultiIndex.from_tuples([], names=by))
    return df.groupby(by, sort=False)[col].sum().rename(name)


def _rows(values: pd.Series, metric: str) -> pd.DataFrame:
    """Series indexed by POOL -> tidy rows (NaN and infinite values dropped)."""
    v = values.replace([np.inf, -np.inf], np.nan).dropna()
    if len(v) == 0:
        return pd.DataFrame(columns=SECURITY_COLUMNS)
    df = v.rename("value").reset_index()
    df["metric"] = metric
    return df[SECURITY_COLUMNS]


def balances(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per (run, scenario, year, node, commodity): the terms of the material balance.

    Columns: output_t, inputs_t, imports_t, exports_t, served_t, demand_t, unserved_t,
    shortage_t, priced_out_t, purchase_t, release_t, stock_t (zeros where a table has no row).
    """
    fl = _table(tables, "flows")
    fl = fl[fl["origin"] != fl["destination"]]
    pr = _table(tables, "production")
    dm = _table(tables, "demand")
    sp = _table(tables, "stockpiles")
    q = pr["quantity_t"]
    parts = [
        _sum(pr[q > 0], POOL, "quantity_t", "output_t"),
        -_sum(pr[q < 0], POOL, "quantity_t", "inputs_t"),
        _sum(fl.rename(columns={"destination": "node"}), POOL, "quantity_t", "imports_t"),
        _sum(fl.rename(columns={"origin": "node"}), POOL, "quantity_t", "exports_t"),
        _sum(dm, POOL, "served_t", "served_t"),
        _sum(dm, POOL, "demand_t", "demand_t"),
        _sum(dm, POOL, "unserved_t", "unserved_t"),
        _sum(dm, POOL, "shortage_t", "shortage_t") if "shortage_t" in dm.columns else pd.Series(dtype=float),
        _sum(dm, POOL, "priced_out_t", "priced_out_t") if "priced_out_t" in dm.columns else pd.Series(dtype=float),
        _sum(sp, POOL, "purchase_t", "purchase_t"),
        _sum(sp, POOL, "release_t", "release_t"),
        _sum(sp, POOL, "stock_t", "stock_t"),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        cols = ["output_t", "inputs_t", "imports_t", "exports_t", "served_t", "demand_t",
                "unserved_t", "shortage_t", "priced_out_t", "purchase_t", "release_t", "stock_t"]
        return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_tuples([], names=POOL))
    bal = pd.concat(parts, axis=1).fillna(0.0)
    for col in ["output_t", "inputs_t", "imports_t", "exports_t", "served_t", "demand_t",
                "unserved_t", "shortage_t", "priced_out_t", "purchase_t", "release_t", "stock_t"]:
        if col not in bal.columns:
            bal[col] = 0.0
    bal.index = bal.index.set_names(POOL)
    return bal


def _origin_shares(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Supply (local output + imports) by immediate origin: POOL + origin, quantity_t, share."""
    fl = _table(tables, "flows")
    fl = fl[(fl["origin"] != fl["destination"]) & (fl["quantity_t"] > TOL_T)]
    pr = _table(tables, "production")
    pr = pr[pr["quantity_t"] > TOL_T]
    imp = fl.rename(columns={"destination": "node"})[POOL + ["origin", "quantity_t"]]
    loc = pr[POOL + ["quantity_t"]].copy()
    loc["origin"] = loc["node"]
    src = pd.concat([imp, loc[POOL + ["origin", "quantity_t"]]], ignore_index=True)
    if len(src) == 0:
        return pd.DataFrame(columns=POOL + ["origin", "quantity_t", "share"])
    src = src.groupby(POOL + ["origin"], as_index=False, sort=False)["quantity_t"].sum()
    total = src.groupby(POOL, sort=False)["quantity_t"].transform("sum")
    src["share"] = src["quantity_t"] / total
    return src[total > TOL_T]


def any_stage_content(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """China-touched share of (local output + imports) per POOL, from the ``touched_t`` columns
    of flows and production (empty if the tables predate origin classes)."""
    fl = _table(tables, "flows")
    pr = _table(tables, "production")
    if "touched_t" not in fl.columns or "touched_t" not in pr.columns:
        return pd.Series(dtype=float)
    fl = fl[fl["origin"] != fl["destination"]].rename(columns={"destination": "node"})
    pr = pr[pr["quantity_t"] > 0]
    both = pd.concat([fl[POOL + ["quantity_t", "touched_t"]], pr[POOL + ["quantity_t", "touched_t"]]],
                     ignore_index=True)
    if len(both) == 0:
        return pd.Series(dtype=float)
    g = both.groupby(POOL, sort=False)[["quantity_t", "touched_t"]].sum()
    g = g[g["quantity_t"] > TOL_T]
    return (g["touched_t"] / g["quantity_t"]).clip(0.0, 1.0)


def security_table(
    tables: dict[str, pd.DataFrame],
    commodities: pd.DataFrame,
    china_node: str = "CN",
    baseline_scenario: str | None = None,
) -> pd.DataFrame:
    """Security metrics per run, scenario, year, node and commodity (tidy, long format).

    ``tables`` holds the run tables ``flows``, ``production``, ``demand``, ``prices`` and
    optionally ``stockpiles`` (columns as in ``docs/architecture.md``; a missing or empty table
    yields no rows for the metrics that need it). ``commodities`` is the data set's
    ``commodities.csv`` (commodity, stage): facility output of a ``stage == "mine"`` commodity is
    primary material for the China-content tracing (content 1 if mined at ``china_node``, else 0),
    as is the output of any facility without inputs. ``baseline_scenario`` names the
    no-disruption scenario for ``price_rise_pct`` (no such rows when None).

    Returns columns run, scenario, year, node, commodity, metric, value; metric definitions are
    in the module docstring.
    """
    out: list[pd.DataFrame] = []

    # Immediate origins: direct China share, HHI, top share.
    src = _origin_shares(tables)
    if len(src):
        src = src.assign(
            cn=src["share"].where(src["origin"] == china_node, 0.0), sq=src["share"] ** 2
        )
        g = src.groupby(POOL, sort=False)
        out.append(_rows(g["cn"].sum(), "direct_china_share"))
        out.append(_rows(g["sq"].sum(), "hhi"))
        out.append(_rows(g["share"].max(), "top_share"))

    # Traced China content.
    primary: set[str] = set()
    if commodities is not None and len(commodities):
        primary = set(commodities.loc[commodities["stage"] == "mine", "commodity"])
    traced = trace_content(
        _table(tables, "flows"),
        _table(tables, "production"),
        _table(tables, "stockpiles"),
        origin_nodes=[china_node],
        primary_commodities=primary,
    )
    if len(traced):
        out.append(_rows(traced.set_index(POOL)["value"], "china_mine_content"))
    touched = any_stage_content(tables)
    if len(touched):
        out.append(_rows(touched, "china_content"))

    bal = balances(tables)
    if len(bal):
        dm = _table(tables, "demand")
        if len(dm):
            has_demand = dm.groupby(POOL, sort=False).size().rename("n")
            b = bal.loc[bal.index.intersection(has_demand.index)]
            out.append(_rows(b["unserved_t"], "unserved_t"))
            d = b[b["demand_t"] > TOL_T]
            out.append(_rows(d["unserved_t"] / d["demand_t"], "unserved_share"))
            if "shortage_t" in dm.columns:
                out.append(_rows(b["shortage_t"], "shortage_t"))
                out.append(_rows(d["shortage_t"] / d["demand_t"], "shortage_share"))
                out.append(_rows(b["priced_out_t"], "priced_out_t"))

        # Stockpile cover (IEA days of net imports; fallbacks in the module docstring).
        sp = _table(tables, "stockpiles")
        if len(sp):
            s = bal[bal["stock_t"] > TOL_T]
            net = s["imports_t"] - s["exports_t"]
            consumption = s["inputs_t"] + s["served_t"]
            denom = net.where(net > TOL_T, s["demand_t"].where(s["demand_t"] > TOL_T, consumption))
            denom = denom.where(denom > TOL_T)
            out.append(_rows(s["stock_t"] / (denom / 365.0), "stockpile_cover_days"))

        # Net import reliance (USGS).
        stock_change = bal["release_t"] - bal["purchase_t"]
        net_imports = bal["imports_t"] - bal["exports_t"] + stock_change
        apparent = bal["output_t"] + net_imports
        ok = apparent > TOL_T
        out.append(_rows(net_imports[ok] / apparent[ok], "net_import_reliance"))

    # Price rise against the no-disruption scenario.
    if baseline_scenario is not None:
        pc = _table(tables, "prices")
        if len(pc):
            base = pc[pc["scenario"] == baseline_scenario][
                ["run", "year", "node", "commodity", "price_usd_per_kg"]
            ].rename(columns={"price_usd_per_kg": "base"})
            m = pc.merge(base, on=["run", "year", "node", "commodity"], how="inner")
            m = m[m["base"] > 0]
            rise = 100.0 * (m["price_usd_per_kg"] / m["base"] - 1.0)
            rise.index = pd.MultiIndex.from_frame(m[POOL])
            out.append(_rows(rise, "price_rise_pct"))

    out = [o for o in out if len(o)]
    if not out:
        return pd.DataFrame(columns=SECURITY_COLUMNS)
    res = pd.concat(out, ignore_index=True)
    res["value"] = res["value"].astype(float)
    return res.sort_values(SECURITY_COLUMNS[:6], kind="stable").reset_index(drop=True)


def _jsonable(v: float) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


def _expected_worst(
    values: pd.DataFrame, probs: dict[str, float], scenarios: list[str], fill_missing: float | None
) -> dict:
    """values: columns scenario, year, value (one row per scenario and year)."""
    res = {"expected": {}, "worst": {}, "worst_scenario": {}}
    if fill_missing is None:
        res["probability_covered"] = {}
    years = sorted({int(y) for y in values["year"]}) if len(values) else []
    for year in years:
        v = values[values["year"] == year].set_index("scenario")["value"]
        if fill_missing is not None:
            v = v.reindex(scenarios, fill_value=fill_missing)
        v = v.dropna()
        if len(v) == 0:
            continue
        p = np.array([probs[s] for s in v.index], dtype=float)
        covered = p.sum()
        expected = float((p * v.values).sum() / covered) if covered > 0 else np.nan
        worst = v.idxmax()
        res["expected"][year] = _jsonable(expected)
        res["worst"][year] = _jsonable(float(v[worst]))
        res["worst_scenario"][year] = str(worst)
        if fill_missing is None:
            res["probability_covered"][year] = float(covered)
    return res


def summary_security(security: pd.DataFrame, probabilities: dict[str, float]) -> dict:
    """Expected (probability-weighted) and worst-scenario headline security figures.

    ``security`` is the output of :func:`security_table` for one run; ``probabilities`` maps each
    of its scenarios to its probability (they should sum to 1; a scenario of the table missing
    from it is an error).

    Returns a JSON-ready dict (years as int keys)::

        {"us_magnet_china_content": {"expected": {year: v}, "worst": {year: v},
                                     "worst_scenario": {year: name},
                                     "probability_covered": {year: p}},
         "us_magnet_unserved_t":    {"expected": ..., "worst": ..., "worst_scenario": ...},
         "total_unserved_t":        {"expected": ..., "worst": ..., "worst_scenario": ...,
                                     "all_years": {"expected": v, "worst": v,
                                                   "worst_scenario": name}},
         "us_magnet_shortage_t", "us_magnet_priced_out_t": as us_magnet_unserved_t,
         "total_shortage_t", "total_priced_out_t": as total_unserved_t}

    (the shortage and priced-out keys only where ``security`` has those metrics).

    "Worst" is the scenario with the highest value (most China content, most unserved). The
    US-magnet rows use node ``US`` and commodity ``ndfeb_magnet``. Unserved tonnes missing for a
    scenario (no demand row) count as 0. China content is undefined for a scenario in which the
    US has no magnet supply; the expectation is then taken over the scenarios where it is
    defined, renormalising their probabilities, and ``probability_covered`` says how much
    probability that was (1.0 = all scenarios). ``total_unserved_t`` sums ``unserved_t`` over all
    nodes and commodities with demand; ``all_years`` over the years as well (undiscounted
    tonnes).
    """
    runs = security["run"].unique() if len(security) else []
    if len(runs) > 1:
        raise ValueError(f"summary_security takes one run, got {sorted(map(str, runs))}")
    scenarios = sorted({str(s) for s in security["scenario"]}) if len(security) else []
    missing = [s for s in scenarios if s not in probabilities]
    if missing:
        raise ValueError(f"no probability for scenarios {missing}")
    probs = {s: float(probabilities[s]) for s in scenarios}

    sec = security.assign(scenario=security["scenario"].astype(str))
    us = sec[(sec["node"] == HEADLINE_NODE) & (sec["commodity"] == HEADLINE_COMMODITY)]
    cols = ["scenario", "year", "value"]
    cc = us[us["metric"] == "china_content"][cols]
    def totals(metric: str) -> dict:
        tot = sec[sec["metric"] == metric].groupby(["scenario", "year"], as_index=False)["value"].sum()
        total = _expected_worst(tot, probs, scenarios, fill_missing=0.0)
        per_scen = pd.Series(
            {s: float(tot.loc[tot["scenario"] == s, "value"].sum()) for s in scenarios}, dtype=float
        )
        if len(per_scen):
            p = np.array([probs[s] for s in per_scen.index])
            worst = per_scen.idxmax()
            total["all_years"] = {
                "expected": _jsonable(
                    float((p * per_scen.values).sum() / p.sum()) if p.sum() > 0 else np.nan
                ),
                "worst": _jsonable(float(per_scen[worst])),
                "worst_scenario": str(worst),
            }
        return total

    out = {
        "us_magnet_china_content": _expected_worst(cc, probs, scenarios, fill_missing=None),
        "us_magnet_unserved_t": _expected_worst(us[us["metric"] == "unserved_t"][cols], probs, scenarios,
                                                fill_missing=0.0),
        "total_unserved_t": totals("unserved_t"),
    }
    if (sec["metric"] == "shortage_t").any() or (sec["metric"] == "priced_out_t").any():
        for metric in ("shortage_t", "priced_out_t"):
            out[f"us_magnet_{metric}"] = _expected_worst(us[us["metric"] == metric][cols], probs, scenarios,
                                                         fill_missing=0.0)
            out[f"total_{metric}"] = totals(metric)
    return out
