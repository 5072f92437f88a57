"""The scorecard (one row per variant, money in $M, shares in %) and readable headline figures.

Scorecard columns (definitions in ``docs/metrics.md`` and ``docs/reports.md``):

* **US budget cost, $M**: ``summary.json`` ``us_budget_cost_usd`` (what US agencies pay net of
  revenue, outlays at expected loss) where the run has it, else the expected discounted government
  cost of every US payer (``US`` or ``US_<agency>``, ``government_cost_usd_discounted`` or computed
  from ``government.csv``), ÷ 10⁶.
* **US welfare, $M**: expected discounted US welfare: ``summary.json`` ``us_welfare_usd`` (or
  ``welfare_by_country_usd``) where the run has it, else
  Σ p_s (1 + r)^−(y − y0) ``welfare.csv`` ``total_usd`` at node US, ÷ 10⁶. Its Δ against the
  baseline is the US welfare change.
* **China content 2030 / 2035, %**: expected share of China-origin material in US supply of the
  headline magnet (``security.csv`` ``china_content``, US, ``ndfeb_magnet``) × 100.
* **Worst-case shortage, %**: the largest ``shortage_share`` of US magnet demand over scenarios
  and years × 100 (demand valued at its VOLL that got nothing; ``unserved_share`` for runs made
  before unserved was split into shortage and priced-out demand).
* **Worst-case price, $/kg**: the highest US magnet price over scenarios and years (``prices.csv``).

Δ columns are run − baseline: $M for money, percentage points (pp) for shares, % for the price.
"""

from __future__ import annotations

import math

import pandas as pd

from .runs import RunFolder
from .tables import Table, base_year, discount_rate, discounted_government

NODE = "US"
MAGNET = "ndfeb_magnet"
YEARS = (2030, 2035)

# headline units -> (readable unit, factor)
READABLE = {"usd": ("$M", 1e-6), "kusd": ("$M", 1e-3), "share": ("%", 100.0), "usd_per_kg": ("$/kg", 1.0), "t": ("t", 1.0)}


def _us_payer(p: str) -> bool:
    return p == NODE or p.startswith(NODE + "_")


def us_budget_usd(r: RunFolder) -> float:
    """``summary.json`` ``us_budget_cost_usd`` (outlays at expected loss; docs/model.md § Money), else
    the discounted government cost of the US payers."""
    v = r.summary.get("us_budget_cost_usd")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    figs, _ = discounted_government(r, "payer")
    if figs is None:
        return math.nan
    return float(sum(v for k, v in figs.items() if _us_payer(str(k))))


def _summary_welfare(r: RunFolder) -> float | None:
    """A national-welfare figure for the US in summary.json, if the run has one (``us_welfare_usd``
    when the home node is the US, else ``welfare_by_country_usd`` or any ``*welfare*`` mapping)."""
    v = r.summary.get("us_welfare_usd")
    if isinstance(v, (int, float)) and not isinstance(v, bool) and r.summary.get("home_node", NODE) == NODE:
        return float(v)
    for key in sorted(r.summary):
        v = r.summary[key]
        if "welfare" in key and isinstance(v, dict):
            x = v.get(NODE)
            if isinstance(x, dict):
                x = x.get("total_usd", x.get("total"))
            if isinstance(x, (int, float)) and not isinstance(x, bool):
                return float(x)
    return None


def us_welfare_usd(r: RunFolder) -> float:
    got = _summary_welfare(r)
    if got is not None:
        return got
    w = r.table("welfare")
    if w is None:
        return math.nan
    w = w[w["node"] == NODE]
    if w.empty:
        return 0.0
    rate, y0 = discount_rate(r), base_year(r, w)
    p = w["scenario"].map(lambda s: r.probabilities.get(s, 0.0)).astype(float)
    return float((w["total_usd"] * p * (1.0 + rate) ** -(w["year"] - y0)).sum())


def china_content(r: RunFolder, year: int) -> float:
    s = (r.summary.get("security") or {}).get("us_magnet_china_content") if isinstance(r.summary.get("security"), dict) else None
    if isinstance(s, dict) and isinstance(s.get("expected"), dict):
        v = s["expected"].get(str(year), s["expected"].get(year))
        if isinstance(v, (int, float)):
            return float(v)
    sec = r.table("security")
    if sec is None:
        return math.nan
    d = sec[(sec["metric"] == "china_content") & (sec["node"] == NODE) & (sec["commodity"] == MAGNET) & (sec["year"] == year)]
    if d.empty:
        return math.nan
    p = d["scenario"].map(lambda s: r.probabilities.get(s, 0.0)).astype(float)
    return float((d["value"] * p).sum() / p.sum()) if p.sum() > 0 else math.nan


def worst_shortage(r: RunFolder) -> float:
    sec = r.table("security")
    if sec is not None:
        metric = "shortage_share" if (sec["metric"] == "shortage_share").any() else "unserved_share"
        d = sec[(sec["metric"] == metric) & (sec["node"] == NODE) & (sec["commodity"] == MAGNET)]
        if len(d):
            return float(d["value"].max())
    dem = r.table("demand")
    if dem is None:
        return math.nan
    col = "shortage_t" if "shortage_t" in dem.columns else "unserved_t"
    d = dem[(dem["node"] == NODE) & (dem["commodity"] == MAGNET)].groupby(["scenario", "year"])[["demand_t", col]].sum()
    d = d[d["demand_t"] > 0]
    return float((d[col] / d["demand_t"]).max()) if len(d) else 0.0


def worst_price(r: RunFolder) -> float:
    p = r.table("prices")
    if p is None:
        return math.nan
    d = p[(p["node"] == NODE) & (p["commodity"] == MAGNET)]
    return float(d["price_usd_per_kg"].max()) if len(d) else math.nan


COLUMNS = {
    "budget": "US budget cost, $M",
    "welfare": "US welfare, $M",
    "cc2030": "China content 2030, %",
    "cc2035": "China content 2035, %",
    "shortage": "Worst-case shortage, %",
    "price": "Worst-case price, $/kg",
}
DELTAS = {
    "budget": "Δ US budget cost, $M",
    "welfare": "Δ US welfare (change), $M",
    "cc2030": "Δ China content 2030, pp",
    "cc2035": "Δ China content 2035, pp",
    "shortage": "Δ worst-case shortage, pp",
    "price": "Δ worst-case price, %",
}


def scorecard_frame(runs: list[RunFolder], base: RunFolder | None) -> pd.DataFrame:
    """One row per run: the scorecard columns, and with a baseline the Δ columns."""
    rows = []
    for r in runs:
        rows.append({
            "variant": r.name,
            COLUMNS["budget"]: us_budget_usd(r) / 1e6,
            COLUMNS["welfare"]: us_welfare_usd(r) / 1e6,
            COLUMNS["cc2030"]: china_content(r, YEARS[0]) * 100,
            COLUMNS["cc2035"]: china_content(r, YEARS[1]) * 100,
            COLUMNS["shortage"]: worst_shortage(r) * 100,
            COLUMNS["price"]: worst_price(r),
        })
    df = pd.DataFrame(rows, columns=["variant", *COLUMNS.values()])
    if base is not None and len(df):
        b = df[df["variant"] == base.name].iloc[0]
        for k, col in COLUMNS.items():
            if k == "price":
                df[DELTAS[k]] = (df[col] / b[col] - 1.0) * 100 if b[col] else math.nan
            else:
                df[DELTAS[k]] = df[col] - b[col]
    return df


def scorecard(runs: list[RunFolder], base: RunFolder | None) -> Table:
    df = scorecard_frame(runs, base)
    notes = [
        f"Money: expected over scenarios, discounted to each run's base year, $M. China content: share of "
        f"China-origin material in {NODE} supply of {MAGNET} (expected), %. Worst case: the highest value over "
        f"scenarios and years ({NODE} {MAGNET} unserved share of demand; {NODE} {MAGNET} price).",
        "US budget cost = summary.json us_budget_cost_usd (US agencies' payments net of revenue, outlays at "
        "expected loss). US welfare = summary.json us_welfare_usd: consumer + producer surplus + government net "
        "(tariff revenue included in government net, not added again) at node US. Older runs without these keys: computed from government.csv and "
        "welfare.csv. Definitions in docs/metrics.md.",
    ]
    if base is not None:
        notes.append(f"Δ columns: run − baseline ({base.name}); shares in percentage points, the price in %.")
    return Table("scorecard", "Scorecard", df, unit=None, value_cols=[c for c in df.columns if c != "variant"], notes=notes)


def readable(t: Table) -> pd.DataFrame:
    """The headline table in reader's units: money in $M, shares in %, Δ columns likewise
    (percentage points for shares)."""
    df = t.df.copy()
    vals = [c for c in df.columns if c not in ("figure", "unit")]
    for i, u in df["unit"].items():
        unit, f = READABLE.get(u, (u, 1.0))
        df.at[i, "unit"] = unit
        for c in vals:
            v = df.at[i, c]
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, float) and math.isnan(v)):
                df.at[i, c] = v * f
    return df


__all__ = ["scorecard", "scorecard_frame", "readable"]
