"""Figures and tables computed from run folders.

Every number here is read from a run table or ``summary.json`` (or is a probability-weighted sum
of run-table rows), so the report shows exactly what the run wrote. A table a run lacks makes
the run's column empty and adds a "not in this run" note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from .runs import ADDITIVE, RunFolder

NOT_IN_RUN = "not in this run"


@dataclass
class Table:
    """A table for the report.

    ``unit`` is the unit of the value columns (``value_cols``, by default the run columns), used
    in the Excel headers (``<column>_<unit>``) and in captions. ``notes`` are shown under it.
    """

    key: str
    title: str
    df: pd.DataFrame
    unit: str | None = None
    value_cols: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def missing_note(runs: list[RunFolder], table: str) -> list[str]:
    lacking = [r.name for r in runs if not r.has(table)]
    if not lacking:
        return []
    return [f"{table}.csv {NOT_IN_RUN}: {', '.join(lacking)} (made before this output existed)"]


# --------------------------------------------------------------------------- expected values


def expected(run: RunFolder, table: str, keys: list[str], value: str, df: pd.DataFrame | None = None) -> pd.Series | None:
    """Expected value over scenarios of ``value`` by ``keys``.

    Additive tables: Σ_s p_s × (sum of rows in s). Intensive ones (prices, shares): Σ p v / Σ p
    over the scenarios that have a row.
    """
    if df is None:
        df = run.table(table)
    if df is None:
        return None
    if df.empty:
        return pd.Series(dtype=float)
    p = df["scenario"].map(lambda s: run.probabilities.get(s, 0.0)).astype(float)
    if table in ADDITIVE:
        out = (df[value] * p).groupby([df[k] for k in keys]).sum()
    else:
        num = (df[value] * p).groupby([df[k] for k in keys]).sum()
        den = p.groupby([df[k] for k in keys]).sum()
        out = num / den.where(den > 0)
    return out


def wide(runs: list[RunFolder], per_run: dict[str, pd.Series | None], keys: list[str], table: str | None = None) -> pd.DataFrame:
    """Put one series per run side by side: key columns, then one column per run.

    For an additive ``table`` a run that has the table but no such row gets 0; a run without
    the table keeps NaN.
    """
    cols = {r.name: s for r in runs if (s := per_run.get(r.name)) is not None and len(s)}
    if not cols:
        return pd.DataFrame(columns=keys + [r.name for r in runs])
    df = pd.concat(cols, axis=1)
    df.index.names = keys
    df = df.reset_index()
    for r in runs:
        if r.name not in df.columns:
            df[r.name] = math.nan
        if table in ADDITIVE and r.has(table):
            df[r.name] = df[r.name].fillna(0.0)
    df = df[keys + [r.name for r in runs]]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def delta_name(run: str) -> str:
    return f"Δ {run}"


def add_deltas(df: pd.DataFrame, runs: list[RunFolder], base: RunFolder | None) -> list[str]:
    """Add a ``Δ <run>`` column (run − baseline) for each other run; returns the new columns."""
    if base is None or base.name not in df.columns:
        return []
    new = []
    for r in runs:
        if r is base or r.name not in df.columns:
            continue
        a = pd.to_numeric(df[r.name], errors="coerce")
        b = pd.to_numeric(df[base.name], errors="coerce")
        df[delta_name(r.name)] = a - b
        new.append(delta_name(r.name))
    return new


# --------------------------------------------------------------------------- focus sets


def _walk(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, path + (str(k),))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, path + (str(i),))
    yield path, obj


def blocs(r: RunFolder) -> dict[str, list[str]]:
    """Trade blocs in a run's config: {name: members} (a dict with ``members``; its ``name`` or key)."""
    out: dict[str, list[str]] = {}
    for path, obj in _walk(r.config):
        if isinstance(obj, dict) and isinstance(obj.get("members"), list) and obj.get("enabled", True):
            n = obj.get("name") or (path[-1] if path else None)
            if n:
                out[str(n)] = [str(m) for m in obj["members"]]
    return out


def focus_nodes(runs: list[RunFolder]) -> list[str]:
    """US, then every bloc named in any run."""
    names = ["US"]
    for r in runs:
        names += [b for b in blocs(r) if b not in names]
    return names


def magnet_commodities(runs: list[RunFolder]) -> list[str]:
    """Commodities at the ``magnet`` stage (data set ``commodities.csv``), else names with 'magnet'."""
    found: list[str] = []
    for r in runs:
        c = r.input_table("commodities")
        if c is not None and {"commodity", "stage"} <= set(c.columns):
            for x in c.loc[c["stage"] == "magnet", "commodity"]:
                if x not in found:
                    found.append(x)
    if not found:
        for r in runs:
            for t in ("security", "prices", "demand"):
                df = r.table(t)
                if df is not None and "commodity" in df.columns:
                    for x in sorted(df["commodity"].unique()):
                        if "magnet" in x.lower() and x not in found:
                            found.append(x)
    return found


BLOC_NOTE = ("Bloc rows not in security.csv are the members' China content weighted by their magnet "
             "demand served (demand.csv served_t), computed by the report.")


def _china_rows(r: RunFolder, magnets: list[str], nodes: list[str]) -> pd.DataFrame | None:
    """security.csv china_content rows of magnets at ``nodes``; a bloc the table lacks is
    aggregated from its members, weighted by served demand (marked ``computed``)."""
    sec = r.table("security")
    if sec is None:
        return None
    cc = sec[(sec["metric"] == "china_content") & sec["commodity"].isin(magnets)]
    rows = cc[cc["node"].isin(nodes)].assign(computed=False)
    dem = r.table("demand")
    parts = [rows]
    for bloc, members in blocs(r).items():
        if bloc not in nodes or bloc in set(cc["node"]) or dem is None:
            continue
        keys = ["scenario", "year", "node", "commodity"]
        served = dem[dem["node"].isin(members)].groupby(keys, as_index=False)["served_t"].sum()
        m = cc[cc["node"].isin(members)].merge(served, on=keys)
        m = m[m["served_t"] > 0]
        if m.empty:
            continue
        m = m.assign(w=m["value"] * m["served_t"])
        g = m.groupby(["run", "scenario", "year", "commodity"], as_index=False)[["w", "served_t"]].sum()
        parts.append(g.assign(node=bloc, metric="china_content", value=g["w"] / g["served_t"], computed=True)[list(rows.columns)])
    return pd.concat(parts, ignore_index=True)


def price_pairs(runs: list[RunFolder], magnets: list[str]) -> list[tuple[str, str]]:
    """(node, commodity) price series worth a headline: NdPr and magnets at CN, US and blocs."""
    pairs: set[tuple[str, str]] = set()
    for r in runs:
        df = r.table("prices")
        if df is not None:
            pairs |= set(zip(df["node"], df["commodity"]))
    nodes = ["CN"] + focus_nodes(runs)
    key = [(n, c) for (n, c) in sorted(pairs) if n in nodes and ("ndpr" in c.lower() or c in magnets)]
    return key or sorted(pairs)[:6]


# --------------------------------------------------------------------------- headline


def _summary_dict(r: RunFolder, key: str) -> dict[str, float] | None:
    v = r.summary.get(key)
    if isinstance(v, dict):
        return {str(k): float(x) for k, x in v.items() if isinstance(x, (int, float))}
    return None


def _nonzero_keys(per: dict[str, dict[str, float] | None]) -> list[str]:
    """Keys of the runs' summary dicts with a nonzero value in some run, sorted (summary.json
    lists every payer and policy, 0 where nothing was paid)."""
    return sorted({k for v in per.values() if v for k, x in v.items() if x != 0.0})


def _num(x) -> float:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else math.nan


def discount_rate(r: RunFolder) -> float:
    for path, obj in _walk(r.config):
        if path and path[-1] == "discount_rate" and isinstance(obj, (int, float)):
            return float(obj)
    return 0.0


def base_year(r: RunFolder, fallback: pd.DataFrame) -> int:
    """The year money is discounted to: summary ``base_year``, config ``years.start``, else the
    first year of the run's prices (or of ``fallback``)."""
    y = r.summary.get("base_year")
    if not isinstance(y, int):
        years = r.config.get("years")
        y = years.get("start") if isinstance(years, dict) else (min(years) if isinstance(years, list) and years else None)
    if isinstance(y, int):
        return y
    for df in (r.table("prices"), fallback):
        if df is not None and len(df):
            return int(df["year"].min())
    return 0


def discounted_government(r: RunFolder, by: str) -> tuple[dict[str, float] | None, bool]:
    """Discounted expected government cost by payer/instrument: summary.json, else computed.

    Returns (figures, computed) where ``computed`` says the summary lacked them and they were
    computed from ``government.csv`` with the config's discount rate and :func:`base_year`.
    """
    key = "government_cost_usd_discounted" if by == "payer" else "government_cost_by_instrument_usd_discounted"
    got = _summary_dict(r, key)
    if got is not None:
        return got, False
    gov = r.table("government")
    if gov is None:
        return None, False
    rate = discount_rate(r)
    y0 = base_year(r, gov)
    d = gov.assign(usd=gov["usd"] / (1.0 + rate) ** (gov["year"] - y0))
    s = expected(r, "government", [by], "usd", df=d)
    return ({str(k): float(v) for k, v in s.items()} if s is not None else {}), True


def unserved_summary(r: RunFolder) -> tuple[float, float]:
    """(expected, worst) unserved demand in t, all years: summary.json if it has the two
    numbers, else from demand.csv (sum over years; expected over scenarios; worst scenario)."""
    u = r.summary.get("unserved_t")
    if isinstance(u, dict) and all(isinstance(u.get(k), (int, float)) for k in ("expected", "worst")):
        return float(u["expected"]), float(u["worst"])
    by = unserved_by_scenario_run(r)
    if by is None or not len(by):
        return math.nan, math.nan
    exp = sum(r.probabilities.get(s, 0.0) * v for s, v in by.items())
    return float(exp), float(by.max())


def unserved_by_scenario_run(r: RunFolder) -> pd.Series | None:
    dem = r.table("demand")
    if dem is None:
        return None
    return dem.groupby("scenario")["unserved_t"].sum()


def headline(runs: list[RunFolder], base: RunFolder | None, china: Table, china_by_scenario: Table, prices: Table) -> Table:
    """Headline figures, one column per run. A cell is "not in this run" when the run lacks the
    output it comes from, and empty (NaN) when the run has the output but no such row.
    ``china``, ``china_by_scenario`` and ``prices`` are the section tables of the same runs."""
    rows: list[dict] = []
    notes: list[str] = []
    names = [r.name for r in runs]

    def add(figure: str, unit: str, values: dict[str, float | None]):
        rows.append({"figure": figure, "unit": unit, **{n: NOT_IN_RUN if values.get(n, math.nan) is None else values.get(n, math.nan) for n in names}})

    def key_or_none(r: RunFolder, key: str):
        return _num(r.summary[key]) if key in r.summary else None

    add("Objective (optimisation term, not welfare)", "kusd", {r.name: _num(r.summary.get("objective_kusd", (r.manifest.get("solver") or {}).get("objective_kusd"))) for r in runs})

    for by in ("payer", "instrument"):
        per = {}
        for r in runs:
            figs, computed = discounted_government(r, by)
            per[r.name] = figs
            if computed:
                notes.append(
                    f"{r.name}: government cost by {by} computed from government.csv "
                    f"(summary.json lacks it; discount rate {discount_rate(r):g}, base year {base_year(r, r.table('government'))})"
                )
        if by == "payer":
            add("Government cost, discounted: total", "usd", {n: (sum(v.values()) if v is not None else None) for n, v in per.items()})
        for k in _nonzero_keys(per):
            add(f"Government cost, discounted: {by} {k}", "usd", {n: (v.get(k, 0.0) if v is not None else None) for n, v in per.items()})

    by_policy = {r.name: _summary_dict(r, "government_cost_by_policy_usd_discounted") for r in runs}
    for k in _nonzero_keys(by_policy):
        add(f"Government cost, discounted: policy {k}", "usd",
            {n: (v.get(k, 0.0) if v is not None else None) for n, v in by_policy.items()})

    # consumer cost: one number, or {node: usd} (then a total and one row per node)
    cons = {r.name: r.summary.get("consumer_cost_usd_discounted") for r in runs}
    if any(isinstance(v, dict) for v in cons.values()):
        add("Consumer cost, discounted: total", "usd",
            {n: (sum(_num(x) for x in v.values()) if isinstance(v, dict) else (None if v is None else _num(v))) for n, v in cons.items()})
        for node in sorted({k for v in cons.values() if isinstance(v, dict) for k in v}):
            add(f"Consumer cost, discounted: node {node}", "usd",
                {n: (_num(v.get(node, 0.0)) if isinstance(v, dict) else None) for n, v in cons.items()})
    else:
        add("Consumer cost, discounted", "usd", {n: (None if v is None else _num(v)) for n, v in cons.items()})
    if any("welfare_total_usd_discounted" in r.summary for r in runs):
        add("Welfare, discounted: total", "usd", {r.name: key_or_none(r, "welfare_total_usd_discounted") for r in runs})
    # national welfare and budget keys of summary.json (docs/model.md § Money), where the runs have them
    home = next((str(r.summary["home_node"]) for r in runs if isinstance(r.summary.get("home_node"), str)), "US")
    for key, label in (("us_welfare_usd", f"National welfare, discounted: {home} (home)"),
                       ("us_budget_cost_usd", f"{home} budget cost, discounted (outlays at expected loss)"),
                       ("transfers_abroad_total_usd", f"{home} payments to foreign producers, discounted: total")):
        if any(key in r.summary for r in runs):
            add(label, "usd", {r.name: key_or_none(r, key) for r in runs})
    for key, label in (("us_budget_cost_range_usd", f"{home} budget cost, discounted: range"),
                       ("transfers_abroad_usd", f"{home} payments to foreign producers, discounted: to")):
        per = {r.name: _summary_dict(r, key) for r in runs}
        for k in sorted(_nonzero_keys(per), key=lambda k: ({"low": 0, "high": 1}.get(k, 2), k)):
            add(f"{label} {k}", "usd", {n: (v.get(k, 0.0) if v is not None else None) for n, v in per.items()})
    by_country = {r.name: r.summary.get("welfare_by_country_usd") for r in runs}
    nodes = sorted({k for v in by_country.values() if isinstance(v, dict) for k in v})
    for node in nodes:
        add(f"National welfare, discounted: {node}", "usd",
            {n: (_num((v.get(node) or {}).get("total_usd", math.nan)) if isinstance(v.get(node), dict) else 0.0)
             if isinstance(v, dict) else None for n, v in by_country.items()})

    unserved = {r.name: (unserved_summary(r) if (isinstance(r.summary.get("unserved_t"), dict) or r.has("demand")) else (None, None)) for r in runs}
    add("Unserved demand: expected", "t", {n: v[0] for n, v in unserved.items()})
    add("Unserved demand: worst scenario", "t", {n: v[1] for n, v in unserved.items()})
    for key, label in (("shortage_t", "Shortage (unserved at VOLL)"), ("priced_out_t", "Priced-out demand")):
        got = {r.name: r.summary.get(key) for r in runs}
        if any(isinstance(v, dict) for v in got.values()):
            add(f"{label}: expected", "t", {n: (_num(v.get("expected")) if isinstance(v, dict) else None)
                                             for n, v in got.items()})
            add(f"{label}: worst scenario", "t", {n: (_num(v.get("worst")) if isinstance(v, dict) else None)
                                                  for n, v in got.items()})

    cc = china.df.sort_values(["node", "commodity", "year"], kind="stable")
    worst = china_by_scenario.df.groupby(["run", "node", "commodity", "year"])["china_content"].max()
    for _, row in cc.iterrows():
        k = (row["node"], row["commodity"], row["year"])
        add(f"China content: {k[0]} {k[1]} {int(k[2])} (expected)", "share",
            {r.name: (row[r.name] if r.has("security") else None) for r in runs})
        add(f"China content: {k[0]} {k[1]} {int(k[2])} (worst scenario)", "share",
            {r.name: (float(worst.get((r.name, *k), math.nan)) if r.has("security") else None) for r in runs})

    pr = prices.df
    if len(pr):
        span = f"{int(pr['year'].min())}–{int(pr['year'].max())}"
        means = pr.groupby(["node", "commodity"])[names].mean()
        for (node, com), row in means.iterrows():
            add(f"Price: {node} {com}, mean {span} (expected)", "usd_per_kg",
                {r.name: (row[r.name] if r.has("prices") else None) for r in runs})

    df = pd.DataFrame(rows, columns=["figure", "unit", *names])
    value_cols = names + add_deltas(df, runs, base)
    if base is not None:
        notes.append(f"Δ columns: run − baseline ({base.name})")
    notes.append(
        "Discounted figures are from each run's summary.json; China content and prices are "
        "probability-weighted over scenarios from security.csv and prices.csv."
    )
    return Table("headline", "Headline figures", df, unit=None, value_cols=value_cols, notes=notes)


# --------------------------------------------------------------------------- section tables


def government_tables(runs: list[RunFolder], base: RunFolder | None) -> list[Table]:
    out = []
    for by, title in (("instrument", "Government cost by instrument and year"), ("payer", "Government cost by payer and year")):
        per = {r.name: expected(r, "government", ["year", by], "usd") for r in runs}
        df = wide(runs, per, ["year", by], "government")
        vc = [r.name for r in runs] + add_deltas(df, runs, base)
        out.append(
            Table(
                f"government_by_{by}",
                title,
                df,
                unit="usd",
                value_cols=vc,
                notes=["Expected over scenarios (probability-weighted), undiscounted; positive = cost to the payer."]
                + missing_note(runs, "government"),
            )
        )
    return out


def china_content_expected(runs: list[RunFolder], magnets: list[str], base: RunFolder | None = None) -> Table:
    nodes = focus_nodes(runs)
    per, computed = {}, False
    for r in runs:
        rows = _china_rows(r, magnets, nodes)
        computed |= rows is not None and bool(rows["computed"].any())
        per[r.name] = None if rows is None else expected(r, "security", ["year", "node", "commodity"], "value", df=rows)
    df = wide(runs, per, ["year", "node", "commodity"])
    vc = [r.name for r in runs] + add_deltas(df, runs, base)
    notes = [
        f"Share of China-origin material in supply of {', '.join(magnets) or 'magnets'} "
        f"at {', '.join(nodes)} (security.csv metric china_content), probability-weighted over the "
        "scenarios that have a row."
    ] + ([BLOC_NOTE] if computed else []) + missing_note(runs, "security")
    return Table("china_content", "China content of magnet supply by year", df, unit="share", value_cols=vc, notes=notes)


def china_content_by_scenario(runs: list[RunFolder], magnets: list[str]) -> Table:
    nodes = focus_nodes(runs)
    cols = ["run", "scenario", "year", "node", "commodity", "value", "computed"]
    parts = [rows[cols].assign(run=r.name) for r in runs if (rows := _china_rows(r, magnets, nodes)) is not None]
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    df = df.assign(source=df.pop("computed").map({True: "computed (bloc)", False: "security.csv"}))
    df = df.rename(columns={"value": "china_content"})
    notes = ["Rows as in security.csv" + (f"; {BLOC_NOTE}" if (df["source"] != "security.csv").any() else ".")]
    return Table("china_content_by_scenario", "China content by scenario", df, unit="share",
                 value_cols=["china_content"], notes=notes + missing_note(runs, "security"))


def unserved_table(runs: list[RunFolder], base: RunFolder | None) -> Table:
    per = {r.name: unserved_by_scenario_run(r) for r in runs}
    df = wide(runs, per, ["scenario"], "demand")
    vc = [r.name for r in runs] + add_deltas(df, runs, base)
    return Table(
        "unserved_by_scenario",
        "Unserved demand by scenario",
        df,
        unit="t",
        value_cols=vc,
        notes=["Sum of demand.csv unserved_t over years, nodes, segments and commodities."] + missing_note(runs, "demand"),
    )


def prices_table(runs: list[RunFolder], base: RunFolder | None, magnets: list[str]) -> Table:
    pairs = set(price_pairs(runs, magnets))
    per = {}
    for r in runs:
        p = r.table("prices")
        if p is None:
            per[r.name] = None
            continue
        sel = p[[(n, c) in pairs for n, c in zip(p["node"], p["commodity"])]]
        per[r.name] = expected(r, "prices", ["year", "node", "commodity"], "price_usd_per_kg", df=sel)
    df = wide(runs, per, ["year", "node", "commodity"])
    vc = [r.name for r in runs] + add_deltas(df, runs, base)
    return Table(
        "prices",
        "Prices",
        df,
        unit="usd_per_kg",
        value_cols=vc,
        notes=["Market prices (prices.csv), probability-weighted over scenarios."] + missing_note(runs, "prices"),
    )


WELFARE_PARTS = ["consumer_surplus_usd", "producer_surplus_usd", "government_net_usd", "tariff_revenue_usd", "total_usd"]


def welfare_table(runs: list[RunFolder], base: RunFolder | None) -> Table:
    per = {}
    for r in runs:
        w = r.table("welfare")
        if w is None:
            per[r.name] = None
            continue
        long = w.melt(id_vars=["scenario", "year", "node"], value_vars=[c for c in WELFARE_PARTS if c in w.columns], var_name="component", value_name="usd")
        long["component"] = long["component"].str.removesuffix("_usd").replace(
            "tariff_revenue", "of which tariff_revenue")      # part of government_net, not an addend
        per[r.name] = expected(r, "welfare", ["node", "component"], "usd", df=long)
    df = wide(runs, per, ["node", "component"], "welfare")
    vc = [r.name for r in runs] + add_deltas(df, runs, base)
    return Table(
        "welfare_by_node",
        "Welfare decomposition by node",
        df,
        unit="usd",
        value_cols=vc,
        notes=["welfare.csv, probability-weighted over scenarios, summed over years (undiscounted). total = "
               "consumer_surplus + producer_surplus + government_net; 'of which tariff_revenue' is the part of "
               "government_net from tariffs and levies."] + missing_note(runs, "welfare"),
    )


def investment_table(runs: list[RunFolder], base: RunFolder | None) -> Table:
    """Expected capacity of built projects online in each run's last year (t/yr), by project:
    Σ_s p_s capacity_t[s] (investment.csv); Δ against the baseline."""
    per, last = {}, {}
    for r in runs:
        inv = r.table("investment")
        if inv is None:
            per[r.name] = None
            continue
        if inv.empty:
            per[r.name] = pd.Series(dtype=float)
            continue
        y = int(inv["year"].max())
        last[r.name] = y
        d = inv[inv["year"] == y]
        p = d["scenario"].map(lambda sc: r.probabilities.get(sc, 0.0)).astype(float)
        per[r.name] = (d["capacity_t"] * p).groupby([d["project"], d["node"], d["process"]]).sum()
    keys = ["project", "node", "process"]
    df = wide(runs, per, keys)
    for r in runs:
        if per.get(r.name) is not None:
            df[r.name] = df[r.name].fillna(0.0)
    vc = [r.name for r in runs] + add_deltas(df, runs, base)
    years = sorted(set(last.values()))
    return Table(
        "investment",
        "Projects built: capacity online in the last year",
        df,
        unit="t_per_yr",
        value_cols=vc,
        notes=[f"investment.csv capacity_t in {', '.join(map(str, years)) or 'the last year'}, expected over "
               "scenarios (t/yr); builds before the scenarios diverge are shared, later ones respond to the "
               "scenario (docs/model.md § Investment)."] + missing_note(runs, "investment"),
    )
