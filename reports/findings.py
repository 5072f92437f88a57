"""docs/findings.md from run folders: the policy library's story in numbers (issue 8).

Everything in the generated file is computed from the run folders given (``summary.json``,
``manifest.json``, ``security.csv``, ``prices.csv``, ``production.csv``); nothing is typed by hand
except the fixed wording around the numbers. Numbers are rounded to fixed precision so that
regenerating from the same folders is byte-identical.

    python -m reebloc.reports.findings runs/out/library-* --out docs/findings.md
    python -m reebloc.reports.findings runs/out/library-* --out docs/findings.md --check   # exit 1 if stale

Definitions (also printed in the file):

- China content of US magnet supply: ``security.csv`` rows node=US, commodity=ndfeb_magnet,
  metric=china_content. Expected = probability-weighted over the scenarios where it is defined
  (renormalised, as ``reebloc.outputs.metrics.security.summary_security``); worst = the scenario with the
  highest value that year.
- Government cost: ``summary.json`` ``government_cost_usd_discounted`` (expected, discounted to
  the base year; positive = cost, negative = revenue), by payer.
- Unserved demand (§3): ``summary.json`` ``shortage_t`` and ``unserved_t`` (all nodes and
  commodities, tonnes summed over the years, undiscounted): expected and worst scenario; and the US
  magnet part from ``security.csv`` (metric=shortage_t, priced_out_t). Shortage is the security
  measure; unserved = shortage + priced out.
- National welfare (§4): ``summary.json`` ``welfare_by_country_usd`` (consumer surplus, producer
  surplus, government net incl. tariff revenue, per country, expected, discounted), as changes
  against the baseline run; US budget cost ``us_budget_cost_usd`` (and ``us_budget_cost_range_usd``),
  transfers abroad ``transfers_abroad_total_usd``; supply secured = US magnet unserved tonnes avoided
  in the baseline's worst scenario (``security.csv``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reebloc.errors import ReeblocError

THRESHOLD = 0.5                 # "China content below 50%"
SHORT_RUN_YEARS = 2             # the brief: "at least 2-3 years"
QUICK_SUPPLY_YEARS = 3          # "quickly": the first three years the bloc is in force
QUICK_SUPPLY_TOLERANCE = 0.10   # a bloc "adds supply quickly" if members' NdPr output rises > 10%
SUBSIDY_EFFECT_TOLERANCE = 0.10  # a subsidy "yields stable supply" if worst-case US shortage falls > 10%
WELFARE_TIE_SHARE = 0.10        # §4: CfD and bloc tie on US welfare when they differ by < 10% of the larger budget change

LIBRARY_ORDER = ["baseline", "mp-dod", "lynas-dod", "usare-commerce", "vault", "bloc-zone", "us-alone",
                 "substitutes", "all-in"]
GROUPS = {"domestic build-out": ["mp-dod", "usare-commerce"], "partner sourcing": ["lynas-dod", "bloc-zone"],
          "substitutes": ["substitutes"]}
SINGLE_FIRM = ["mp-dod", "lynas-dod", "usare-commerce"]
NODE, MAGNET, NDPR = "US", "ndfeb_magnet", "ndpr_oxide"
CHINA = "CN"


@dataclass
class RunData:
    label: str
    folder: Path
    summary: dict
    manifest: dict
    security: pd.DataFrame
    prices: pd.DataFrame
    production: pd.DataFrame
    _tables: dict = field(default_factory=dict, repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """``<name>.csv`` of the run folder, read once; a table without the columns findings reads
        is one line naming the file and the column."""
        if name not in self._tables:
            self._tables[name] = _table(self.folder, name)
        return self._tables[name]

    @property
    def probs(self) -> dict[str, float]:
        return {str(k): float(v) for k, v in self.summary["scenarios"].items()}

    @property
    def years(self) -> list[int]:
        y = self.manifest["config"]["years"]
        return list(range(int(y["start"]), int(y["end"]) + 1))


def label_of(name: str) -> str:
    return name.removeprefix("library-")


# Columns findings reads beyond those every report needs (reebloc.reports.runs.REQUIRED_COLUMNS).
FINDINGS_COLUMNS = {"prices": ("clean_premium_usd_per_kg",)}


def _table(folder: Path, name: str) -> pd.DataFrame:
    from reebloc.reports.runs import REQUIRED_COLUMNS, read_run_table
    required = REQUIRED_COLUMNS.get(name, ()) + FINDINGS_COLUMNS.get(name, ())
    return read_run_table(folder / f"{name}.csv", required, keep_default_na=True)   # pandas' defaults


def _check_run_json(folder: Path, summary: dict, manifest: dict) -> None:
    """The summary and manifest keys every section reads: one line naming the file and key."""
    if not isinstance(summary.get("run"), str):
        raise ReeblocError(folder / "summary.json", "run", "missing or not text (is this a reebloc run folder?)")
    sc = summary.get("scenarios")
    if not isinstance(sc, dict) or not sc or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                     for v in sc.values()):
        raise ReeblocError(folder / "summary.json", "scenarios",
                           "expected scenario: probability (is this a reebloc run folder?)")
    cfg = manifest.get("config")
    years = cfg.get("years") if isinstance(cfg, dict) else None
    if not isinstance(years, dict) or not all(isinstance(years.get(k), int) and not isinstance(years.get(k), bool)
                                              for k in ("start", "end")):
        raise ReeblocError(folder / "manifest.json", "config.years",
                           "expected start and end years (is this a reebloc run folder?)")


def load_run(folder: str | Path) -> RunData:
    from reebloc.reports.runs import _read_json
    folder = Path(folder)
    if not folder.is_dir():
        raise ReeblocError(folder, None, "run folder not found")
    if not (folder / "manifest.json").exists():
        raise ReeblocError(folder / "manifest.json", None, "not a run folder (no manifest.json); run `reebloc run` first")
    for f in ("summary.json", "security.csv", "prices.csv", "production.csv"):
        if not (folder / f).exists():
            raise ReeblocError(folder, None, f"not a run folder: {f} missing")
    summary = _read_json(folder / "summary.json")
    manifest = _read_json(folder / "manifest.json")
    _check_run_json(folder, summary, manifest)
    sec = _table(folder, "security")
    sec = sec[(sec["node"] == NODE) & (sec["commodity"] == MAGNET)]
    return RunData(label_of(summary["run"]), folder, summary, manifest, sec,
                   _table(folder, "prices"), _table(folder, "production"))


def order_runs(runs: list[RunData]) -> list[RunData]:
    rank = {k: i for i, k in enumerate(LIBRARY_ORDER)}
    labels = [r.label for r in runs]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise ReeblocError(None, "runs", f"run names given twice: {', '.join(dup)}")
    return sorted(runs, key=lambda r: (rank.get(r.label, len(rank)), r.label))


# ---------------------------------------------------------------- computations

def expected_worst(run: RunData, metric: str) -> pd.DataFrame:
    """Per year: expected (renormalised over scenarios with a value), worst value and scenario."""
    df = run.security[run.security["metric"] == metric][["scenario", "year", "value"]].copy()
    df["scenario"] = df["scenario"].astype(str)
    df["p"] = df["scenario"].map(run.probs)
    rows = []
    for y in run.years:
        g = df[df["year"] == y].dropna(subset=["value"])
        if g.empty or g["p"].sum() <= 0:
            rows.append((y, float("nan"), float("nan"), ""))
            continue
        g = g.sort_values(["value", "scenario"], ascending=[False, True], kind="stable")
        rows.append((y, float((g["p"] * g["value"]).sum() / g["p"].sum()), float(g["value"].iloc[0]),
                     str(g["scenario"].iloc[0])))
    return pd.DataFrame(rows, columns=["year", "expected", "worst", "worst_scenario"]).set_index("year")


def first_below(series: pd.Series, thr: float = THRESHOLD) -> int | None:
    for y, v in series.items():
        if pd.notna(v) and round(v, 6) < thr:
            return int(y)
    return None


def stays_below_from(series: pd.Series, thr: float = THRESHOLD) -> int | None:
    """First year from which every later year is below ``thr`` (None: never)."""
    out = None
    for y, v in series.items():
        if pd.notna(v) and round(v, 6) < thr:
            out = int(y) if out is None else out
        else:
            out = None
    return out


def us_payer(payer: str) -> bool:
    return payer.split("_", 1)[0] == NODE


def gov_costs(run: RunData) -> dict[str, float]:
    """Payers with a cost or revenue (summary.json also lists the payers that paid nothing, as 0)."""
    return {str(k): float(v) for k, v in run.summary.get("government_cost_usd_discounted", {}).items() if v != 0}


def us_unserved(run: RunData, metric: str = "unserved_t") -> dict:
    """US magnet unserved tonnes (or ``shortage_t``, ``priced_out_t``) summed over the years:
    expected and worst scenario."""
    df = run.security[run.security["metric"] == metric]
    per = df.groupby(df["scenario"].astype(str))["value"].sum().reindex(list(run.probs), fill_value=0.0)
    exp = float(sum(run.probs[s] * per[s] for s in run.probs))
    worst = per.sort_values(ascending=False, kind="stable")
    return {"expected": exp, "worst": float(worst.iloc[0]), "worst_scenario": str(worst.index[0])}


def expected_by_year(run: RunData, df: pd.DataFrame, col: str) -> pd.Series:
    probs = run.probs
    if df.empty:
        return pd.Series(0.0, index=run.years)
    w = df["scenario"].astype(str).map(probs).astype(float) * df[col].astype(float)
    return w.groupby(df["year"]).sum().reindex(run.years, fill_value=0.0)


def price_stats(run: RunData, node: str, commodity: str, years: list[int]) -> dict:
    p = run.prices[(run.prices["node"] == node) & (run.prices["commodity"] == commodity)
                   & (run.prices["year"].isin(years))]
    exp = expected_by_year(run, p, "price_usd_per_kg").reindex(years)
    return {"min": float(p["price_usd_per_kg"].min()), "max": float(p["price_usd_per_kg"].max()),
            "expected_mean": float(exp.mean())}


def member_output(run: RunData, members: list[str], commodity: str) -> pd.Series:
    p = run.production[(run.production["node"].isin(members)) & (run.production["commodity"] == commodity)
                       & (run.production["quantity_t"] > 0)]
    return expected_by_year(run, p, "quantity_t")


def bloc_of(run: RunData) -> tuple[str, dict] | None:
    for name, pol in run.manifest["config"].get("policies", {}).items():
        if pol.get("kind") == "bloc" and pol.get("enabled", True):
            return name, pol
    return None


def floor_policies(run: RunData) -> list[str]:
    pols = run.manifest["config"].get("policies", {})
    names = [n for n, p in pols.items() if p.get("kind") == "price_floor"]
    # the Q4 2025 payment of the same floor is booked as an outlay named <floor>_q4_2025
    return names + [n for n in pols if any(n.startswith(f + "_") and pols[n].get("kind") == "outlay"
                                              for f in names)]


def floor_price(run: RunData, commodity: str = NDPR) -> float | None:
    for p in run.manifest["config"].get("policies", {}).values():
        if p.get("kind") == "price_floor" and p.get("commodity") == commodity:
            return float(p["price_usd_per_kg"])
    return None


def share_at_or_above(run: RunData, node: str, commodity: str, years: list[int], level: float) -> float:
    """Probability-weighted share of years in which the price is at least ``level`` (−$0.5/kg)."""
    p = run.prices[(run.prices["node"] == node) & (run.prices["commodity"] == commodity)
                   & (run.prices["year"].isin(years))]
    if p.empty or not years:
        return 0.0
    hit = (p["price_usd_per_kg"] >= level - 0.5).astype(float)
    return float((p["scenario"].astype(str).map(run.probs).astype(float) * hit).sum() / len(years))


def fingerprint(runs: list[RunData]) -> tuple[str, str]:
    """Short hashes of the input data files and of the resolved configs (run name, policies,
    scenarios, years), so a stale findings file can be told from a changed model."""
    inputs = sorted({(k, v) for r in runs for k, v in r.manifest["inputs"]["files"].items()})
    h_in = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:12]
    cfgs = [json.dumps(r.manifest["config"], sort_keys=True) for r in runs]
    h_cfg = hashlib.sha256("\n".join(cfgs).encode()).hexdigest()[:12]
    return h_in, h_cfg


def need(run: RunData, key: str):
    if key not in run.summary:
        raise ReeblocError(run.folder / "summary.json", key,
                           "missing: the run was made by an older reebloc; re-run it (reebloc run ... --force)")
    return run.summary[key]


def welfare_change(run: RunData, base: RunData) -> dict[str, dict[str, float]]:
    """Per country: welfare components of ``run`` minus those of ``base`` (expected, discounted)."""
    a, b = need(run, "welfare_by_country_usd"), need(base, "welfare_by_country_usd")
    cols = ("consumer_surplus_usd", "producer_surplus_usd", "government_net_usd", "tariff_revenue_usd", "total_usd")
    return {n: {c: a.get(n, {}).get(c, 0.0) - b.get(n, {}).get(c, 0.0) for c in cols} for n in sorted(set(a) | set(b))}


def abroad_change(d: dict[str, dict[str, float]]) -> float:
    return sum(v["total_usd"] for n, v in d.items() if n != NODE)


def budget(run: RunData) -> float:
    return float(need(run, "us_budget_cost_usd"))


def budget_range(run: RunData) -> tuple[float, float]:
    r = need(run, "us_budget_cost_range_usd")
    return float(r["low"]), float(r["high"])


def budget_txt(run: RunData, base: RunData | None = None) -> str:
    """US budget cost, $M, with its range; against ``base`` (Δ) when given: every run carries the
    tariffs in force, whose revenue is in each run's budget."""
    b0 = budget(base) if base is not None else 0.0
    lo, hi = (x - b0 for x in budget_range(run))
    signed = base is not None
    return musd(budget(run) - b0, signed) + ("" if round(lo / 1e6, 1) == round(hi / 1e6, 1)
                                             else f" ({musd(lo, signed)}–{musd(hi, signed)})")


def transfers_abroad(run: RunData) -> float:
    return float(need(run, "transfers_abroad_total_usd"))


def worst_scenario(run: RunData) -> str:
    return us_unserved(run)["worst_scenario"]


def us_unserved_in(run: RunData, scenario: str) -> float:
    """US magnet unserved tonnes summed over the years in one scenario."""
    df = run.security[(run.security["metric"] == "unserved_t") & (run.security["scenario"].astype(str) == scenario)]
    return float(df["value"].sum())


# ---------------------------------------------------------------- formatting

def musd(v: float | None, signed: bool = False) -> str:
    if v is None or pd.isna(v):
        return "–"
    x = round(v / 1e6, 1)
    if x == 0:
        x = 0.0
    return f"{x:+,.1f}" if signed else f"{x:,.1f}"


def tonnes(v: float | None, signed: bool = False) -> str:
    if v is None or pd.isna(v):
        return "–"
    x = round(v)
    if x == 0:
        x = 0
    return f"{x:+,d}" if signed else f"{x:,d}"


def pct(v: float | None, digits: int = 1) -> str:
    if v is None or pd.isna(v):
        return "–"
    x = round(100 * v, digits)
    if x == 0:
        x = 0.0
    return f"{x:.{digits}f}%"


def usd_kg(v: float) -> str:
    x = round(v, 1)
    return f"${0.0 if x == 0 else x:.1f}/kg"


def money(v: float | None, signed: bool = False) -> str:
    """$1,234.5M (in running text)."""
    s = musd(v, signed)
    if s == "–":
        return s
    sign = s[0] if s[0] in "+-" else ""
    return f"{sign}${s.lstrip('+-')}M"


def welfare_verdict(uc: float, ub: float, budget_c: float, budget_b: float, cfd: str, bloc: str) -> str:
    """§4's verdict on US welfare changes ``uc`` (CfD) and ``ub`` (bloc), USD: a tie when they differ
    by less than WELFARE_TIE_SHARE of the larger of the two US budget changes."""
    better = cfd if uc > ub else bloc
    scale = max(abs(budget_c), abs(budget_b))
    if abs(uc - ub) < WELFARE_TIE_SHARE * scale:
        return (f"a difference of {money(abs(uc - ub))}, less than {pct(WELFARE_TIE_SHARE, 0)} of the larger "
                f"budget change ({money(scale)}): on US welfare the two are a tie (`{better}` ahead), a "
                "ranking a change of data can reverse")
    return f"so `{better}` is the cheaper of the two for the US"


def year_or(y: int | None, last: int) -> str:
    return str(y) if y is not None else f"not by {last}"


def names(labels: list[str]) -> str:
    return ", ".join(f"`{x}`" for x in labels) if labels else "none"


# ---------------------------------------------------------------- the document

def render(runs: list[RunData], baseline: str = "baseline", cfd: str = "mp-dod", bloc: str = "bloc-zone",
           previous: pd.DataFrame | None = None) -> str:
    """docs/findings.md from the library's run folders; ``previous`` (a headline file of the previous
    release, ``read_headlines``) adds § 9, what moved."""
    all_runs = runs
    strategic = [r for r in runs if r.summary.get("strategy")]      # runs against a strategic China (issue 17)
    runs = order_runs([r for r in runs if not r.summary.get("strategy")])
    by = {r.label: r for r in runs}
    base = by.get(baseline)
    first = runs[0]
    y0, y_last = first.years[0], first.years[-1]
    h_in, h_cfg = fingerprint(runs)
    out: list[str] = []
    w = out.append
    w("# Findings: the policy library in numbers")
    w("")
    w("Generated by `reebloc findings` from the run folders of `runs/library/*.yaml`; do not "
      "edit by hand. Regenerate with")
    w("")
    w("    reebloc run runs/library/*.yaml --force")
    if previous is None:
        w("    reebloc findings runs/out/library-* --out docs/findings.md")
    else:
        w("    cp docs/findings-headlines.csv docs/findings-previous.csv     # at a new release only")
        w("    reebloc findings runs/out/library-* --previous docs/findings-previous.csv \\")
        w("        --headlines docs/findings-headlines.csv --out docs/findings.md")
    w("")
    w(f"Runs: {names([r.label for r in runs])}; years {y0}–{y_last}; scenarios "
      + ", ".join(f"{s} ({p:.2f})" for s, p in first.probs.items())
      + f". Input data fingerprint `{h_in}`, configs fingerprint `{h_cfg}`. The default data set is an "
        "assumption-laden calibration (`docs/calibration.md`); the numbers move with it.")
    w("")

    # 1. China content
    cc = {r.label: expected_worst(r, "china_content") for r in runs}
    w(f"## 1. When does China content of US magnet supply fall below {pct(THRESHOLD, 0)}?")
    w("")
    w("China content of the NdFeB magnets reaching US demand (traced through the chain, "
      "`security.csv`, node US, ndfeb_magnet). *Expected*: probability-weighted over the scenarios; "
      "*worst*: the scenario with the most China content that year. \"First below\" is the first year "
      f"under {pct(THRESHOLD, 0)}; \"below from\" the first year from which it stays under to {y_last}. "
      "Shares are rounded to whole percent: the traced content can move by a few tenths between "
      "equally good LP solutions.")
    w("")
    shown = sorted({y for y in (y0, 2028, 2030, y_last) if y0 <= y <= y_last})   # each year once (a short run)
    w("| variant | first below (expected) | below from (expected) | first below (worst) | "
      + " | ".join(f"expected {y}" for y in shown) + f" | worst {y_last} |")
    w("|---|---|---|---|" + "---:|" * (len(shown) + 1))
    fb = {}
    for r in runs:
        t = cc[r.label]
        fb[r.label] = first_below(t["expected"])
        get = lambda y, col="expected": t[col].get(y, float("nan"))  # noqa: E731
        w(f"| {r.label} | {year_or(fb[r.label], y_last)} | {year_or(stays_below_from(t['expected']), y_last)} | "
          f"{year_or(first_below(t['worst']), y_last)} | " + " | ".join(pct(get(y), 0) for y in shown) + " | "
          f"{pct(get(y_last, 'worst'), 0)} ({t['worst_scenario'].get(y_last, '')}) |")
    w("")
    w("Expected China content by year:")
    w("")
    w("| variant | " + " | ".join(str(y) for y in first.years) + " |")
    w("|---|" + "---:|" * len(first.years))
    for r in runs:
        t = cc[r.label]
        w(f"| {r.label} | " + " | ".join(pct(t['expected'].get(y), 0) for y in first.years) + " |")
    w("")

    # 2. government cost
    payers = sorted({p for r in runs for p in gov_costs(r)}, key=lambda p: (not us_payer(p), p))
    w("## 2. Government cost by payer (expected, discounted, $M)")
    w("")
    w(f"`summary.json` `government_cost_usd_discounted`, discounted to {y0} at "
      f"{pct(first.summary.get('discount_rate', 0), 0)}; positive = cost, negative = revenue (tariffs, "
      "levies, resale). `US_*` payers are US agencies; other nodes are partner governments collecting "
      "bloc levies and tariffs.")
    w("")
    w("| variant | " + " | ".join(payers) + " | US total | all governments |")
    w("|---|" + "---:|" * (len(payers) + 2))
    for r in runs:
        g = gov_costs(r)
        us_tot = sum(v for p, v in g.items() if us_payer(p))
        w(f"| {r.label} | " + " | ".join(musd(g[p]) if p in g else "–" for p in payers)
          + f" | {musd(us_tot)} | {musd(sum(g.values()))} |")
    w("")

    # 3. unserved demand
    w("## 3. Unserved demand: shortage and priced-out demand (tonnes over the horizon, undiscounted)")
    w("")
    w("Unserved = **shortage** + **priced out** (`demand.csv`, docs/model.md § Shortage and priced-out "
      "demand). Shortage is demand valued at its value of lost load that got nothing: buyers who would "
      "pay any price up to it, cut off by a ban or a cap — the security measure. Priced out is demand given "
      "up along the demand curve because the price rose. All nodes and commodities (`summary.json` "
      "`shortage_t`, `unserved_t`) and the US magnet part (`security.csv`). Differences are against the "
      "baseline run.")
    w("")
    w("| variant | expected shortage, all | worst shortage, all | expected unserved, all | "
      "expected shortage, US magnets | worst shortage, US magnets | worst scenario (US) | "
      "worst priced out, US magnets | Δ worst US shortage vs baseline |")
    w("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    us_sh = {r.label: us_unserved(r, "shortage_t") for r in runs}
    for r in runs:
        u, sh = r.summary["unserved_t"], r.summary.get("shortage_t") or {}
        po = us_unserved(r, "priced_out_t")
        d = us_sh[r.label]["worst"] - us_sh[baseline]["worst"] if base else None
        w(f"| {r.label} | {tonnes(sh.get('expected'))} | {tonnes(sh.get('worst'))} | {tonnes(u['expected'])} | "
          f"{tonnes(us_sh[r.label]['expected'])} | {tonnes(us_sh[r.label]['worst'])} | "
          f"{us_sh[r.label]['worst_scenario']} | {tonnes(po['worst'])} | {tonnes(d, signed=True)} |")
    w("")

    # 4. bloc versus CfD, on national welfare
    fl = floor_price(by[cfd]) if cfd in by else None
    fl_txt = f"${fl:g}/kg" if fl is not None else "the"
    w(f"## 4. The same {fl_txt} NdPr floor, bloc or CfD: US welfare and the US budget")
    w("")
    if base is None:
        w(f"Needs the run `{baseline}`.")
        w("")
    else:
        w("National welfare is the yardstick (docs/model.md § Money): per country, consumer surplus + "
          "producer surplus + government net (tariff and levy revenue included), expected over the "
          f"scenarios and discounted to {y0}, as the change against `{baseline}` (`summary.json` "
          "`welfare_by_country_usd`). The US budget cost is what US agencies pay net of revenue, with "
          "equity at expected loss and loans at their credit-subsidy cost (`us_budget_cost_usd`); "
          "transfers abroad are US payments landing at foreign producers (`transfers_abroad_usd`). "
          "The LP objective is not welfare and is not used here.")
        w("")
    if base is not None and cfd in by and bloc in by:
        rc, rb = by[cfd], by[bloc]
        bl = bloc_of(rb)
        bl_name, bl_pol = bl if bl else ("", {"members": [NODE], "years": None})
        members = list(bl_pol["members"])
        ref = (bl_pol.get("reference_price_usd_per_kg") or {}).get(NDPR)
        yrs = bl_pol.get("years") or {"start": y0, "end": y_last}
        act = [y for y in range(int(yrs["start"]), int(yrs["end"]) + 1) if y in first.years] or first.years[-1:]
        w(f"`{cfd}` pays MP a contract for difference on a {fl_txt} NdPr floor out of the budget; "
          f"`{bloc}` sets the zone's NdPr oxide reference price at "
          f"{'$%g/kg' % ref if ref is not None else '(none)'} and enforces it by levies on outsiders "
          f"(members {', '.join(members)}, in force {act[0]}–{act[-1]}). Changes against `{baseline}`, $M:")
        w("")
        w("| | CfD (`" + cfd + "`) | bloc (`" + bloc + "`) |")
        w("|---|---:|---:|")
        dc, db = welfare_change(rc, base), welfare_change(rb, base)
        rows = []
        for col, lab in (("consumer_surplus_usd", "US consumer surplus"), ("producer_surplus_usd", "US producer surplus"),
                         ("government_net_usd", "US government net (revenue − payments)"),
                         ("tariff_revenue_usd", "of which tariff and levy revenue"),
                         ("total_usd", "**US welfare**")):
            rows.append((f"{lab}, Δ", musd(dc[NODE][col], True), musd(db[NODE][col], True)))
        rows.append(("US budget cost, Δ (expected loss; range)", budget_txt(rc, base), budget_txt(rb, base)))
        rows.append(("transfers abroad (US payments to foreign producers)", musd(transfers_abroad(rc)),
                     musd(transfers_abroad(rb))))
        rows.append(("welfare abroad, Δ (all other countries)", musd(abroad_change(dc), True),
                     musd(abroad_change(db), True)))
        for n in sorted({n for d in (dc, db) for n in d if n != NODE}):
            if max(abs(dc.get(n, {}).get("total_usd", 0.0)), abs(db.get(n, {}).get("total_usd", 0.0))) >= 0.5e6:
                rows.append((f"· {n} welfare, Δ", musd(dc.get(n, {}).get("total_usd", 0.0), True),
                             musd(db.get(n, {}).get("total_usd", 0.0), True)))
        rows.append(("world welfare, Δ", musd(sum(v["total_usd"] for v in dc.values()), True),
                     musd(sum(v["total_usd"] for v in db.values()), True)))
        level = ref if ref is not None else fl
        if level is not None:
            rows.append((f"US NdPr oxide price at or above ${level:g}/kg, share of scenario-years {act[0]}–{act[-1]}",
                         pct(share_at_or_above(rc, NODE, NDPR, act, level)),
                         pct(share_at_or_above(rb, NODE, NDPR, act, level))))
        for com, lab in ((NDPR, "NdPr oxide"), (MAGNET, "magnet")):
            for y in (act[0], act[-1]):
                pc, pb = price_stats(rc, NODE, com, [y]), price_stats(rb, NODE, com, [y])
                rows.append((f"US {lab} price {y}, expected", usd_kg(pc["expected_mean"]), usd_kg(pb["expected_mean"])))
        for lab, a, b in rows:
            w(f"| {lab} | {a} | {b} |")
        w("")
        uc, ub = dc[NODE]["total_usd"], db[NODE]["total_usd"]
        verdict = welfare_verdict(uc, ub, budget(rc) - budget(base), budget(rb) - budget(base), cfd, bloc)
        w(f"Computed: US welfare changes by {money(uc, True)} under the CfD and by {money(ub, True)} under the bloc, "
          f"{verdict}. Against the baseline the US budget pays "
          f"{money(budget(rc) - budget(base), True)} under the CfD and {money(budget(rb) - budget(base), True)} "
          "under the bloc (negative: more levy and tariff revenue); under the bloc "
          f"US consumers carry the cost instead ({money(db[NODE]['consumer_surplus_usd'], True)} of consumer "
          f"surplus against {money(dc[NODE]['consumer_surplus_usd'], True)} under the CfD). The CfD covers MP's "
          "NdPr only, the bloc every member's trade in oxide, metal and magnets.")
        if level is not None:
            w("")
            sh = share_at_or_above(rb, NODE, NDPR, act, level)
            w(f"Inside the zone the NdPr oxide price reaches the ${level:g}/kg reference in {pct(sh)} of "
              f"scenario-years: a levy on imports can only lift the price where the zone imports NdPr oxide; "
              "where members' own output covers their use, the reference price does not bind and producers "
              "get no floor (the CfD pays MP the floor whatever the market price).")
        w("")
    elif base is not None:
        w(f"The side-by-side comparison needs the runs `{cfd}` and `{bloc}`.")
        w("")
    if base is not None:
        ws = worst_scenario(base)
        w(f"**Every variant on national welfare and the budget** (changes against `{baseline}`, expected, "
          f"discounted, $M). Supply secured = US magnet unserved demand avoided in the baseline's worst "
          f"scenario (`{ws}`), tonnes over {y0}–{y_last}; budget cost per tonne = Δ US budget cost / supply "
          "secured (– where none is secured or the budget gains).")
        w("")
        w("| variant | US welfare Δ | US budget cost Δ | budget cost range Δ | transfers abroad | welfare abroad Δ "
          "| largest gain abroad | supply secured, worst scenario (t) | budget cost per tonne secured ($/kg) |")
        w("|---|---:|---:|---:|---:|---:|---|---:|---:|")
        for r in runs:
            if r.label == baseline:
                continue
            d = welfare_change(r, base)
            ab = {n: v["total_usd"] for n, v in d.items() if n != NODE}
            top = max(sorted(ab), key=lambda n: ab[n]) if ab else None
            top_txt = f"{top} {musd(ab[top], True)}" if top is not None and ab[top] > 0.5e6 else "–"
            sec = us_unserved_in(base, ws) - us_unserved_in(r, ws)
            db_ = budget(r) - budget(base)
            per = db_ / (sec * 1000) if sec > 0.5 and db_ > 0 else None
            lo, hi = (x - budget(base) for x in budget_range(r))
            w(f"| {r.label} | {musd(d[NODE]['total_usd'], True)} | {musd(db_, True)} | {musd(lo, True)}–{musd(hi, True)} | "
              f"{musd(transfers_abroad(r))} | {musd(abroad_change(d), True)} | {top_txt} | {tonnes(sec, True)} | "
              f"{'–' if per is None else f'{per:,.1f}'} |")
        w("")

    # 5. the brief's conclusions
    w("## 5. The brief's conclusions against the numbers")
    w("")
    # C1
    short = [y0 + k for k in range(SHORT_RUN_YEARS)]
    w(f"**\"Domestic build-out, partner sourcing and substitutes each need at least 2–3 years; in the short "
      f"run the US stays dependent on Chinese supply.\"** Test: expected China content stays at or above "
      f"{pct(THRESHOLD, 0)} in {short[0]}–{short[-1]} (at least {SHORT_RUN_YEARS} years).")
    w("")
    for grp, labels in GROUPS.items():
        have = [x for x in labels if x in by]
        if not have:
            continue
        parts = []
        for x in have:
            yrs_dep = (fb[x] - y0) if fb[x] is not None else None
            ok = yrs_dep is None or yrs_dep >= SHORT_RUN_YEARS
            parts.append(f"`{x}`: first below {year_or(fb[x], y_last)}"
                         + (f" ({yrs_dep} year{'s' if yrs_dep != 1 else ''} after {y0})" if yrs_dep is not None else "")
                         + f" — {'agrees' if ok else 'disagrees'}")
        w(f"- {grp}: " + "; ".join(parts) + ".")
    agree = [r.label for r in runs if fb[r.label] is None or fb[r.label] - y0 >= SHORT_RUN_YEARS]
    disagree = [r.label for r in runs if r.label not in agree]
    never = [r.label for r in runs if fb[r.label] is None]
    w(f"- All variants: at or above {pct(THRESHOLD, 0)} through {short[-1]} in {len(agree)} of {len(runs)} "
      f"({names(agree)}); below earlier in {names(disagree)}. Never below {pct(THRESHOLD, 0)} in expectation "
      f"by {y_last}: {names(never)}.")
    w("")
    # C2
    if base is not None and bloc in by:
        rb = by[bloc]
        bl = bloc_of(rb)
        members = list(bl[1]["members"]) if bl else [NODE]
        yrs = (bl[1].get("years") if bl else None) or {"start": y0, "end": y_last}
        act = [y for y in range(int(yrs["start"]), int(yrs["end"]) + 1) if y in first.years] or first.years[-1:]
        quick = act[:QUICK_SUPPLY_YEARS]
        stab = []
        for com, lab in ((NDPR, "NdPr oxide"), (MAGNET, "magnet")):
            ps_b, ps_0 = price_stats(rb, NODE, com, act), price_stats(base, NODE, com, act)
            spread_b, spread_0 = ps_b["max"] - ps_b["min"], ps_0["max"] - ps_0["min"]
            higher_min = ps_b["min"] > ps_0["min"] + 0.5
            narrower = spread_b < spread_0 - 0.5
            stab.append((lab, ps_b, ps_0, spread_b, spread_0, higher_min or narrower, higher_min, narrower))
        out_b = member_output(rb, members, NDPR).reindex(quick)
        out_0 = member_output(base, members, NDPR).reindex(quick)
        mag_b = member_output(rb, members, MAGNET).reindex(quick)
        mag_0 = member_output(base, members, MAGNET).reindex(quick)
        rise = (out_b.sum() - out_0.sum()) / out_0.sum() if out_0.sum() > 0 else float("nan")
        rise_m = (mag_b.sum() - mag_0.sum()) / mag_0.sum() if mag_0.sum() > 0 else float("nan")
        adds = rise > QUICK_SUPPLY_TOLERANCE
        w("**\"A bloc with coordinated tariffs keeps prices stable for investors but does not add supply "
          "quickly.\"**")
        w("")
        for lab, ps_b, ps_0, spread_b, spread_0, ok, higher_min, narrower in stab:
            why = ("higher floor" if higher_min else "") + (" and " if higher_min and narrower else "") + \
                ("narrower spread" if narrower else "")
            w(f"- {lab} prices: the US price over all scenarios and years {act[0]}–{act[-1]} ranges "
              f"{usd_kg(ps_b['min'])}–{usd_kg(ps_b['max'])} under `{bloc}` (spread {usd_kg(spread_b)}) against "
              f"{usd_kg(ps_0['min'])}–{usd_kg(ps_0['max'])} in the baseline (spread {usd_kg(spread_0)}): "
              + (f"agrees (more stable: {why})." if ok else "disagrees (neither a higher minimum nor a narrower spread)."))
        adds_m = rise_m > QUICK_SUPPLY_TOLERANCE
        us_b = member_output(rb, [NODE], MAGNET).reindex(quick).sum()
        us_0 = member_output(base, [NODE], MAGNET).reindex(quick).sum()
        w(f"- Supply, expected, {quick[0]}–{quick[-1]} (the bloc's first {QUICK_SUPPLY_YEARS} years; \"quickly\" = "
          f"more than {pct(QUICK_SUPPLY_TOLERANCE, 0)} above the baseline): members' ({', '.join(members)}) "
          f"NdPr oxide output {tonnes(out_b.sum())} t against {tonnes(out_0.sum())} t ({pct(rise, 1)}): "
          f"{'disagrees (adds oxide supply quickly)' if adds else 'agrees (no quick oxide supply response)'}; "
          f"members' magnet output {tonnes(mag_b.sum())} t against {tonnes(mag_0.sum())} t ({pct(rise_m, 1)}), "
          f"of which US plants {tonnes(us_b)} t against {tonnes(us_0)} t: "
          f"{'disagrees (adds magnet supply quickly, from member capacity already in the data that the bloc price makes worth running)' if adds_m else 'agrees (no quick magnet supply response)'}.")
        if fb.get(bloc) is not None and fb.get(baseline) != fb.get(bloc):
            w(f"- China content of US magnets falls below {pct(THRESHOLD, 0)} in {fb[bloc]} under the bloc "
              f"(baseline: {year_or(fb.get(baseline), y_last)}): members' magnets replace Chinese ones at the "
              "higher zone price.")
        w("")
    # C3
    firms = [x for x in SINGLE_FIRM if x in by]
    if base is not None and firms:
        w("**\"Whether big subsidies to single firms yield stable supply is uncertain.\"** Test: does the "
          f"deal cut the worst-scenario US magnet shortage (§3) by more than {pct(SUBSIDY_EFFECT_TOLERANCE, 0)} "
          "against the baseline?")
        w("")
        b_w = us_sh[baseline]["worst"]          # shortage: the security measure (§3)
        b_e = us_sh[baseline]["expected"]
        for x in firms:
            g = sum(v for p, v in gov_costs(by[x]).items() if us_payer(p)) - \
                sum(v for p, v in gov_costs(base).items() if us_payer(p))      # Δ: tariff revenue is in both
            dw, de = us_sh[x]["worst"] - b_w, us_sh[x]["expected"] - b_e
            rel = -dw / b_w if b_w > 0 else 0.0
            verdict = ("disagrees: supply in the worst case improves markedly" if rel > SUBSIDY_EFFECT_TOLERANCE
                       else "agrees: little or no effect on worst-case supply")
            w(f"- `{x}`: US government cost {money(g, True)} against the baseline; worst-scenario US magnet shortage "
              f"{tonnes(dw, True)} t ({pct(-rel)}), expected {tonnes(de, True)} t; China content first below "
              f"{pct(THRESHOLD, 0)} {year_or(fb[x], y_last)} (baseline {year_or(fb.get(baseline), y_last)}) — {verdict}.")
        w("")
    out += origin_section(runs, baseline)
    out += investment_section(runs, baseline)
    out += stocks_section(runs, baseline)
    if previous is not None:
        out += moved_section(headline_table(all_runs, baseline), previous)
    w("## Reading these numbers")
    w("")
    w("- China content is any-stage: the China-touched share of US magnet supply, from the LP's origin "
      "classes (docs/model.md § Origin classes). Where routes tie in cost, the least China-touched "
      "optimum is taken, so the figure is well defined.")
    w("- China content falls when China's exports are cut (the `october_back` and `full_ban` scenarios) "
      "because supply is lost, not replaced: read it with the unserved-demand table.")
    w("- Unserved demand is the reference quantity less what is served (`docs/data.md`); security "
      "statements use its shortage part, not the demand priced out by higher prices (§3).")
    w("- Government costs are expected values over the four export-control scenarios. Grants, loans and "
      "equity act through investment (§7): they lower a project's capital cost, floors and offtakes its "
      "hurdle rate and its revenue risk. Assumptions behind each variant: `docs/policy-library.md`.")
    w("")
    if strategic:
        out += strategic_section(runs, strategic, baseline)
    return "\n".join(out)



# ---------------------------------------------------------------- § origin (issue 13)

def expected_metric(run: RunData, metric: str, y: int) -> float:
    """Expected value of a US-magnet security metric in year y (renormalised over scenarios with a value)."""
    return float(expected_worst(run, metric).loc[y, "expected"]) if y in run.years else float("nan")


def weights(run: RunData) -> pd.Series:
    """(scenario, year) → probability × discount factor to the first year."""
    r = float(run.summary.get("discount_rate", 0.0))
    y0 = run.years[0]
    return pd.Series({(s, y): p * (1 + r) ** -(y - y0) for s, p in run.probs.items() for y in run.years})


def discounted_usd(run: RunData, g: pd.DataFrame) -> float:
    """Σ probability × discount factor × usd over government.csv rows ``g``."""
    w = weights(run)
    return float(sum(w.get((s, y), 0.0) * v for s, y, v in zip(g["scenario"], g["year"], g["usd"])))


def us_tariff_revenue(run: RunData) -> float:
    """Expected, discounted US tariff and bloc-tariff revenue, USD (government.csv, revenue > 0)."""
    if not (run.folder / "government.csv").exists():
        return 0.0
    g = run.table("government")
    return -discounted_usd(run, g[g["instrument"].isin(["tariff", "bloc_tariff"]) & g["payer"].astype(str).map(us_payer).astype(bool)])


def clean_premium(run: RunData) -> tuple[float, int]:
    """Mean US magnet clean premium over the scenario-years where both classes trade, and their count."""
    p = run.prices
    p = p[(p["node"] == NODE) & (p["commodity"] == MAGNET)]["clean_premium_usd_per_kg"].dropna()
    return (float(p.mean()), int(len(p))) if len(p) else (float("nan"), 0)


def expected_by_scenario_year(run: RunData, df: pd.DataFrame, col: str) -> pd.Series:
    """Per year: probability-weighted mean of df[col] over scenarios (df has scenario, year)."""
    d = df.assign(p=df["scenario"].astype(str).map(run.probs))
    return d.groupby("year").apply(lambda g: float((g["p"] * g[col]).sum() / g["p"].sum()), include_groups=False)


def us_magnet_price(run: RunData, node: str = NODE) -> pd.Series:
    p = run.prices
    return expected_by_scenario_year(run, p[(p["node"] == node) & (p["commodity"] == MAGNET)], "price_usd_per_kg")


def cn_us_magnet_flow(run: RunData) -> pd.Series:
    f = run.table("flows")
    f = f[(f["origin"] == CHINA) & (f["destination"] == NODE) & (f["commodity"] == MAGNET)]
    full = pd.DataFrame([(s, y) for s in run.probs for y in run.years], columns=["scenario", "year"])
    f = full.merge(f.groupby(["scenario", "year"], as_index=False)["quantity_t"].sum(), how="left").fillna(0.0)
    return expected_by_scenario_year(run, f, "quantity_t")


def origin_section(runs: list[RunData], baseline: str, tariff_variant: str = "us-alone") -> list[str]:
    """§ 6: any-stage China content, the clean premium, tariff revenue and pass-through."""
    by = {r.label: r for r in runs}
    out: list[str] = []
    w = out.append
    y_mid = runs[0].years[min(5, len(runs[0].years) - 1)]
    w("## 6. Origin: any-stage China content, the clean premium, tariffs")
    w("")
    w(f"China content (`china_content`) counts a magnet as Chinese if any stage — mine, separation, metal, "
      f"magnet — was in China (docs/model.md § Origin classes); `china_mine_content` traces only the mine; "
      f"`direct_china_share` is the share bought from China itself. Expected values for US magnets in {y_mid}. "
      "The clean premium is the clean minus the China-touched US magnet price, averaged over the "
      "scenario-years where both classes trade (where a content rule binds); US tariff revenue is expected "
      "and discounted.")
    w("")
    w(f"| variant | any-stage {y_mid} | mine-origin {y_mid} | direct {y_mid} | clean premium, $/kg (scenario-years) "
      "| US tariff revenue, $M |")
    w("|---|---:|---:|---:|---:|---:|")
    for r in runs:
        prem, n = clean_premium(r)
        prem_txt = f"{usd_kg(prem)} ({n})" if n else "– (0)"
        w(f"| {r.label} | {pct(expected_metric(r, 'china_content', y_mid), 0)} | "
          f"{pct(expected_metric(r, 'china_mine_content', y_mid), 0)} | "
          f"{pct(expected_metric(r, 'direct_china_share', y_mid), 0)} | {prem_txt} | "
          f"{musd(us_tariff_revenue(r))} |")
    w("")
    tv, base = by.get(tariff_variant), by.get(baseline)
    if tv is None or base is None or not (tv.folder / "flows.csv").exists():
        return out
    years = [y for y in tv.years if y >= 2027]
    dp = (us_magnet_price(tv) - us_magnet_price(base)).loc[years]
    wedge = (0.25 * us_magnet_price(tv, CHINA)).loc[years]
    dx = (cn_us_magnet_flow(tv) - cn_us_magnet_flow(base)).loc[years]
    x0 = cn_us_magnet_flow(base).loc[years]
    dr = us_tariff_revenue(tv) - us_tariff_revenue(base)
    w(f"**Tariff response in `{tariff_variant}`** (a hypothetical 25% Section 232 tariff on Chinese magnets from 2027 "
      "on top of the tariffs in force, against the baseline; expected over scenarios, 2027–"
      f"{years[-1]}): US imports of Chinese magnets {pct(float(dx.sum() / x0.sum()), 0)} "
      f"({tonnes(float(dx.mean()), True)} t/yr on average); the US magnet price +{usd_kg(float(dp.mean()))} "
      f"on a tariff of {usd_kg(float(wedge.mean()))}, a pass-through of {pct(float(dp.sum() / wedge.sum()), 0)}; "
      f"US tariff revenue {money(dr, True)} over the horizon against the baseline (expected, discounted). With gradual trade "
      "(docs/model.md § Gradual trade) the tariff shifts part of the trade, not all of it: buyers keep qualified "
      "Chinese suppliers until the premium to switch exceeds the tariff.")
    w("")
    return out


STRATEGIC_PREFIX = "strategic-"


def us_welfare(run: RunData) -> float | None:
    v = run.summary.get("us_welfare_usd")
    return float(v) if isinstance(v, (int, float)) else None


def mean_instrument(run: RunData, instrument: str) -> float | None:
    """Mean over the years of the leader's chosen value of one instrument (strategy.csv)."""
    f = run.folder / "strategy.csv"
    if not f.exists():
        return None
    df = pd.read_csv(f)
    df = df[df["instrument"] == instrument]
    return float(df["value"].mean()) if len(df) else None


def render_strategic(runs: list[RunData], baseline: str = "baseline") -> str:
    """docs/findings-strategic.md: the strategic-China section alone, with the runs' fingerprints
    (its runs take minutes each, so it is not regenerated by the test suite)."""
    strategic = [r for r in runs if r.summary.get("strategy")]
    exo = order_runs([r for r in runs if not r.summary.get("strategy")])
    if not strategic or not exo:
        raise ReeblocError(None, None, "--strategic-only needs library runs and runs with a strategy block "
                                       "(reebloc run runs/library/*.yaml --overlay runs/overlays/strategic-china.yaml)")
    h_in, h_cfg = fingerprint(exo + strategic)
    sweeps = sorted({int(r.manifest["config"]["strategy"]["search"]["max_sweeps"]) for r in strategic})
    out = ["# Findings against a strategic China", "",
           "Generated by `reebloc findings --strategic-only` from the library runs and the same variants run "
           "against a strategic China:", "",
           "    reebloc run runs/library/*.yaml --force",
           "    reebloc run runs/library/*.yaml --overlay runs/overlays/strategic-china-quick.yaml --force",
           "    reebloc findings runs/out/library-* runs/out/strategic-library-* --strategic-only "
           "--out docs/findings-strategic.md", "",
           f"Runs: {', '.join(f'`{r.label}`' for r in strategic)}; leader search cut at "
           f"{' / '.join(str(x) for x in sweeps)} sweep(s) (`strategy.search.max_sweeps`). Input data fingerprint "
           f"`{h_in}`, configs fingerprint `{h_cfg}`. Not checked by the test suite (minutes per run); "
           "`docs/findings.md` is.", "",
           f"The search converged (gain of a sweep below `min_gain_usd`) in "
           f"{sum(bool(r.summary['strategy'].get('converged')) for r in strategic)} of {len(strategic)} runs. "
           "Each best response is a local optimum of a coordinate search; where it stopped before converging, "
           "China's payoff could rise further (on runs/baseline.yaml sweeps 4 and 5 added 0.6%, "
           "docs/performance.md), so differences between variants of a few hundred $M in China's payoff, or "
           "in a deal's value that follows from it, are within the search's reach.", ""]
    out += search_reach(strategic, baseline)
    return "\n".join(out + strategic_section(exo, strategic, baseline))


def by_variant(strategic: list[RunData]) -> dict[str, RunData]:
    """Strategic runs keyed by their library variant (``strategic-library-mp-dod`` → ``mp-dod``)."""
    return {r.label.removeprefix(STRATEGIC_PREFIX).removeprefix("library-"): r for r in strategic}


def search_reach(strategic: list[RunData], baseline: str) -> list[str]:
    """Variants where China earns less than against the baseline at competitive prices (the deal
    hurts it) but more at its best response: a deal that raises the worth of China's market power,
    or a better local optimum than the baseline's; listed so the reader can judge the search's reach."""
    by = by_variant(strategic)
    if baseline not in by:
        return []
    b = by[baseline].summary["strategy"]
    if "reference_payoff_usd_discounted" not in b:
        return []
    odd = []
    for x, r in by.items():
        st = r.summary["strategy"]
        if "reference_payoff_usd_discounted" not in st:
            continue
        d_ref = st["reference_payoff_usd_discounted"] - b["reference_payoff_usd_discounted"]
        d_best = st["payoff_usd_discounted"] - b["payoff_usd_discounted"]
        if x != baseline and d_ref < 0 and d_best > 1e8:
            odd.append(f"`{x}` (competitive {musd(d_ref, True)}, best response {musd(d_best, True)})")
    if not odd:
        return []
    return [f"Deals that lower China's payoff at competitive prices but raise it at its best response, $M against "
            f"the baseline: {'; '.join(odd)}. Either the deal makes China's market power worth more (demand for "
            "its exports less elastic) or the search stopped in a worse local optimum against the baseline; an "
            "unconverged search cannot tell the two apart, so read China's payoff differences with an error of "
            "that size.", ""]


def strategic_section(runs: list[RunData], strategic: list[RunData], baseline: str) -> list[str]:
    """§ Which deals survive a China that fights back? Each variant against China's best response
    (runs/overlays/strategic-china.yaml) next to the same variant under the exogenous scenarios."""
    exo = {r.label: r for r in runs}
    strat = by_variant(strategic)
    labels = [x for x in LIBRARY_ORDER if x in strat and x in exo] + sorted(
        x for x in strat if x in exo and x not in LIBRARY_ORDER)
    out: list[str] = []
    w = out.append
    w("## Which deals survive a China that fights back?")
    w("")
    if baseline not in strat or baseline not in exo:
        w(f"(needs the `{baseline}` run under both regimes: no comparison.)")
        w("")
        return out
    bs, be = strat[baseline], exo[baseline]
    st = bs.summary["strategy"]
    w("Each variant is solved twice: under the four exogenous export-control scenarios (the library runs "
      "above) and against a **strategic China** (`reebloc run runs/library/<v>.yaml --overlay "
      "runs/overlays/strategic-china.yaml`, or `strategic-china-quick.yaml`, the same with the search cut at 3 "
      "sweeps): one scenario in which China, as a Stackelberg leader, sets an export tax "
      "(or subsidy) each year on magnets, Dy/Tb oxide and NdPr oxide to maximise its producer surplus plus "
      "tax revenue, and everyone else — including the variant's policies and investment — answers as the "
      "competitive equilibrium (`docs/strategy.md`; a local optimum of a coordinate search). *Value of the "
      "deal* = the variant's US national welfare (`summary.json` `us_welfare_usd`, expected, discounted) "
      "less the baseline's under the same regime; *worst-case shortage* = US magnet unserved demand in the "
      "worst scenario, summed over the years, less the baseline's. A deal **survives** if its value to the "
      "US stays positive against the strategic China.")
    w("")
    w(f"Against the baseline China's best response earns it {money(st['payoff_usd_discounted'])} (producer "
      f"surplus + export-tax revenue, discounted), {money(st['gain_over_reference_usd_discounted'], True)} "
      f"over selling at competitive prices; its mean magnet tax is "
      f"{usd_kg(mean_instrument(bs, 'magnet_tax') or 0.0)}, Dy tax "
      f"{usd_kg(mean_instrument(bs, 'dy_tax') or 0.0)} and Tb tax "
      f"{usd_kg(mean_instrument(bs, 'tb_tax') or 0.0)}; search converged: "
      f"{'yes' if st.get('converged') else 'no'} after {st['evaluations']} evaluations.")
    w("")
    w("| variant | value of the deal, exogenous ($M) | value against strategic China ($M) | worst-case US magnet "
      "shortage vs baseline, exogenous (t) | … against strategic China (t) | China's payoff vs baseline ($M) "
      "| China's mean magnet tax | survives? |")
    w("|---|---:|---:|---:|---:|---:|---:|---|")
    ue_b, us_b = us_welfare(be), us_welfare(bs)
    sh_e_b, sh_s_b = us_unserved(be)["worst"], us_unserved(bs)["worst"]
    pay_b = st["payoff_usd_discounted"]
    verdicts = {}
    for x in labels:
        if x == baseline:
            continue
        e, s_ = exo[x], strat[x]
        ve = None if ue_b is None or us_welfare(e) is None else us_welfare(e) - ue_b
        vs = None if us_b is None or us_welfare(s_) is None else us_welfare(s_) - us_b
        de = us_unserved(e)["worst"] - sh_e_b
        ds = us_unserved(s_)["worst"] - sh_s_b
        dp = s_.summary["strategy"]["payoff_usd_discounted"] - pay_b
        ok = vs is not None and vs > 0
        verdicts[x] = (ok, ve, vs)
        w(f"| {x} | {musd(ve, True)} | {musd(vs, True)} | {tonnes(de, True)} | {tonnes(ds, True)} | "
          f"{musd(dp, True)} | {usd_kg(mean_instrument(s_, 'magnet_tax') or 0.0)} | {'yes' if ok else 'no'} |")
    w("")
    surv = [x for x, (ok, _, _) in verdicts.items() if ok]
    lost = [x for x, (ok, _, _) in verdicts.items() if not ok]
    gain = [x for x, (ok, ve, vs) in verdicts.items() if ve is not None and vs is not None and vs > ve]
    w(f"- Deals that survive a China that fights back: {names(surv)}; deals that do not: {names(lost)}.")
    w(f"- Deals worth more to the US against a strategic China than under the exogenous scenarios (insurance "
      f"against a leader that prices up): {names(gain)}.")
    neg = tot = 0
    for r in strategic:
        f = r.folder / "strategy.csv"
        if f.exists():
            v = pd.read_csv(f)["value"]
            neg += int((v < -0.005).sum())
            tot += len(v)
    w(f"- Instrument-years in which China subsidises exports (a price cut) rather than taxing them: {neg} of {tot} "
      "across these runs. With a producer-surplus objective China uses its market power to raise prices; a "
      "floor's value as insurance against predation needs a China that weighs rival capacity "
      "(`objective: deterrence`), not run here.")
    w("")
    return out


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("runs", nargs="+", help="run folders (e.g. runs/out/library-*)")
    ap.add_argument("--out", default="-", help="output file (default: stdout)")
    ap.add_argument("--baseline", default=None,
                    help="label of the baseline run (name without 'library-'; default baseline)")
    ap.add_argument("--cfd", default=None, help="label of the CfD run for the bloc comparison (default mp-dod)")
    ap.add_argument("--bloc", default=None, help="label of the bloc run for the bloc comparison (default bloc-zone)")
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if --out differs from the result")
    ap.add_argument("--headlines", default=None, metavar="FILE",
                    help="also write the headline figures (one row per variant and figure) to this CSV")
    ap.add_argument("--previous", default=None, metavar="FILE",
                    help="the previous release's headline CSV: adds the section on what moved")
    ap.add_argument("--strategic-only", action="store_true",
                    help="only the section on a strategic China (docs/findings-strategic.md): needs the library "
                         "runs and the same variants run with --overlay runs/overlays/strategic-china*.yaml")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="reebloc findings",
                                 description="docs/findings.md from policy-library run folders")
    add_arguments(ap)
    return run_args(ap.parse_args(argv))


LABEL_DEFAULTS = {"baseline": "baseline", "cfd": "mp-dod", "bloc": "bloc-zone"}


def check_labels(a: argparse.Namespace, runs: list[RunData]) -> None:
    """A label given on the command line names one of the runs (a typo would only blank the
    sections that need it); a label left at its default may be absent (the section says so).
    Fills the defaults into ``a``."""
    labels = sorted({r.label for r in runs if not r.summary.get("strategy")})
    for key, default in LABEL_DEFAULTS.items():
        given = getattr(a, key, None)
        if given is None:
            setattr(a, key, default)
            continue
        if key != "baseline" and getattr(a, "strategic_only", False):
            continue
        if given not in labels:
            raise ReeblocError(None, f"--{key}", f"'{given}' is not one of the runs given "
                                                 f"({', '.join(labels) or 'none without a strategy block'})")


def run_args(a: argparse.Namespace) -> int:
    try:
        runs = [load_run(p) for p in a.runs]
        check_labels(a, runs)
        previous = read_headlines(a.previous) if getattr(a, "previous", None) else None
        text = (render_strategic(runs, baseline=a.baseline) if a.strategic_only
                else render(runs, baseline=a.baseline, cfd=a.cfd, bloc=a.bloc, previous=previous))
        heads = headline_table(runs, a.baseline) if getattr(a, "headlines", None) else None
    except ReeblocError as e:
        print(f"error: {e.line()}", file=sys.stderr)
        return 2
    if a.check:
        if a.out == "-":
            print("error: --check needs --out FILE", file=sys.stderr)
            return 2
        old = Path(a.out).read_text(encoding="utf-8") if Path(a.out).exists() else None
        if old != text:
            print(f"{a.out}: differs from a fresh regeneration", file=sys.stderr)
            return 1
        if heads is not None and _headline_csv(heads) != _read_text(a.headlines):
            print(f"{a.headlines}: differs from a fresh regeneration", file=sys.stderr)
            return 1
        print(f"{a.out}: up to date")
        return 0
    if heads is not None:
        Path(a.headlines).parent.mkdir(parents=True, exist_ok=True)
        Path(a.headlines).write_text(_headline_csv(heads), encoding="utf-8")
        print(f"wrote {a.headlines}")
    if a.out == "-":
        sys.stdout.write(text)
    else:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(text, encoding="utf-8")
        print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ---------------------------------------------------------------- § investment (issue 12)

STAGES = ["mine", "separation", "metal", "magnet"]
REVENUE = ("tariff", "bloc_tariff", "bloc_levy")     # government revenue, not programme spending


def exchina_capacity(run: RunData, year: int) -> dict[str, float]:
    """Expected new ex-China capacity online in ``year`` (t/yr) by stage (summary.json investment)."""
    built = need(run, "investment")["capacity_built_t"].get(str(year), {})
    out: dict[str, float] = {}
    for node, stages in built.items():
        if node != CHINA:
            for st, v in stages.items():
                out[st] = out.get(st, 0.0) + float(v)
    return out


def programme_cost(run: RunData) -> float:
    """Every government's expected, discounted spending (tariff and levy revenue left out), USD."""
    g = run.table("government")
    return discounted_usd(run, g[~g["instrument"].isin(REVENUE)])


def projects_2035(run: RunData) -> pd.Series:
    """Expected capacity online in 2035 by project (t/yr), ex-China."""
    inv = run.table("investment")
    inv = inv[(inv["year"] == run.years[-1]) & (inv["node"] != CHINA)]
    p = inv["scenario"].astype(str).map(run.probs).astype(float)    # float even with no rows
    return (inv["capacity_t"] * p).groupby(inv["project"]).sum()


def first_online(run: RunData, project: str) -> int | None:
    inv = run.table("investment")
    inv = inv[(inv["project"] == project) & (inv["capacity_t"] > 1e-6)]
    return int(inv["year"].min()) if len(inv) else None


def investment_section(runs: list[RunData], baseline: str) -> list[str]:
    """§ 7: capacity each variant gets built by 2030 and 2035, and what it costs per tonne."""
    by = {r.label: r for r in runs}
    if not all("investment" in r.summary for r in runs):
        return []
    base = by.get(baseline)
    out: list[str] = []
    w = out.append
    y_end = runs[0].years[-1]
    years = [y for y in (2030, y_end) if y in runs[0].years]
    stages = [st for st in STAGES if any(exchina_capacity(r, y).get(st, 0.0) > 0.5 for r in runs for y in years)]
    w("## 7. Investment: what each variant gets built, and at what cost per tonne")
    w("")
    w("Projects (`projects.csv`) are built by the model when their expected discounted margin covers the "
      "annualised capex at their cost of capital (docs/model.md § Investment): builds before 2027 are "
      "shared by every scenario, later ones respond to the scenario. New ex-China capacity online (t/yr, "
      "expected over scenarios) by stage; the programme cost is every government's expected discounted "
      "spending, tariff and levy revenue left out; the cost per tonne is the variant's extra programme "
      f"cost over the baseline divided by its extra ex-China capacity in {y_end} at the stage named.")
    w("")
    head = " | ".join(f"{st} {y}" for y in years for st in stages)
    w(f"| variant | {head} | programme cost, $M | Δ programme cost vs baseline, $M | $ per t/yr of extra capacity | VSS, $M |")
    w("|---|" + "---:|" * (len(years) * len(stages) + 4))
    base_cost = programme_cost(base) if base is not None else 0.0
    base_end = exchina_capacity(base, y_end) if base is not None else {}
    for r in runs:
        cap = {y: exchina_capacity(r, y) for y in years}
        cells = [tonnes(cap[y].get(st, 0.0)) for y in years for st in stages]
        cost = programme_cost(r)
        vss = (r.summary.get("value_of_stochastic_solution") or {}).get("vss_usd")
        if base is not None and r.label != baseline:
            dc = cost - base_cost
            per = [(st, dc / (cap[y_end].get(st, 0.0) - base_end.get(st, 0.0)))
                   for st in stages if cap[y_end].get(st, 0.0) - base_end.get(st, 0.0) > 1.0 and dc > 0]
            per_txt = "; ".join(f"${v:,.0f} ({st})" for st, v in per) or "–"
            dc_txt = musd(dc, True)
        else:
            per_txt, dc_txt = "–", "–"
        w(f"| {r.label} | " + " | ".join(cells) + f" | {musd(cost)} | {dc_txt} | {per_txt} | "
          f"{musd(vss) if vss is not None else '–'} |")
    w("")
    if base is None:
        return out
    w(f"Projects whose expected ex-China capacity in {y_end} differs from the baseline's by more than "
      f"1 t/yr (first year online in any scenario):")
    w("")
    b = projects_2035(base)
    for r in runs:
        if r.label == baseline:
            continue
        d = projects_2035(r).subtract(b, fill_value=0.0)
        d = d[d.abs() > 1.0].sort_values(ascending=False)
        if d.empty:
            w(f"- `{r.label}`: the same projects as the baseline.")
            continue
        parts = []
        for proj, v in d.items():
            y = first_online(r if v > 0 else base, proj)
            parts.append(f"{proj} {tonnes(v, True)} t/yr" + (f" (from {y})" if y else ""))
        w(f"- `{r.label}`: " + "; ".join(parts) + ".")
    w("")
    return out


# ---------------------------------------------------------------- § stocks (issue 16)

STOCK_INSTRUMENTS = ("stockpile_purchase", "stockpile_holding", "stockpile_release", "stockpile_closing_value")


def us_stocks(run: RunData, holder: str) -> pd.DataFrame:
    """stockpiles.csv rows of US magnets held by ``holder`` (public | private)."""
    if not (run.folder / "stockpiles.csv").exists():
        return pd.DataFrame(columns=["scenario", "year", "purchase_t", "release_t", "stock_t"])
    s = run.table("stockpiles")
    if "holder" not in s.columns:
        s = s.assign(holder="public")
    return s[(s["holder"] == holder) & (s["node"] == NODE) & (s["commodity"] == MAGNET)]


def stock_years(run: RunData, holder: str, years: list[int]) -> float:
    """Expected stock summed over ``years``, t·yr."""
    return float(expected_by_year(run, us_stocks(run, holder), "stock_t").reindex(years, fill_value=0.0).sum())


def released_in(run: RunData, holder: str, scenario: str) -> float:
    s = us_stocks(run, holder)
    return float(s.loc[s["scenario"].astype(str) == scenario, "release_t"].sum())


def stockpile_net_cost(run: RunData) -> float:
    """Expected, discounted purchases + holding − resale of every public stockpile (− the stock
    left at the horizon's end at the final price, where ``money.closing_stocks: market`` counts
    it), USD."""
    if not (run.folder / "government.csv").exists():
        return 0.0
    g = run.table("government")
    return discounted_usd(run, g[g["instrument"].isin(STOCK_INSTRUMENTS)])


def stocks_section(runs: list[RunData], baseline: str) -> list[str]:
    """§ 8: public stockpiles valued against the private stocks the market holds anyway."""
    by = {r.label: r for r in runs}
    base = by.get(baseline)
    if base is None or us_stocks(base, "private").empty:
        return []
    public = [r for r in runs if not us_stocks(r, "public").empty]
    shown = [base] + public
    later = [y for y in base.years if y >= 2027]
    if not later:               # the section compares stocks after 2026: a shorter run has none
        return []
    trunk_end = max(y for y in base.years if y < 2027) if any(y < 2027 for y in base.years) else base.years[0]
    base_short = us_unserved(base, "shortage_t")
    worst, sh0 = base_short["worst_scenario"], base_short["worst"]
    out: list[str] = []
    w = out.append
    w("## 8. Stocks: public stockpiles against what the market stores anyway")
    w("")
    w("Private stockholders (`storage.csv`: 30 days of 2025 demand of magnets in the US, EU, Japan and "
      "Korea and of the Dy/Tb oxide in it in the US, EU and Japan, held at the start of 2025; holding cost "
      "5% of value a year on top of the real discount rate) carry stocks while the expected discounted "
      "price covers today's price plus the holding cost (docs/model.md § Private storage). A public "
      "stockpile is therefore measured against the stocks the market would hold anyway. US NdFeB magnets; "
      f"stocks in t·yr are expected stocks summed over {later[0]}–{later[-1]}.")
    w("")
    w(f"| variant | private stock end-{trunk_end}, t | private stock, t·yr | public stock, t·yr | "
      f"released in `{worst}`, private / public, t | Δ worst US shortage vs baseline, t | "
      "stockpile net cost, $M | its closing stock at the final price, $M | US welfare Δ vs baseline, $M | world welfare Δ vs baseline, $M |")
    w("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for r in shown:
        s = us_stocks(r, "private")
        end = expected_by_year(r, s, "stock_t").get(trunk_end, 0.0)
        dw = us_unserved(r, "shortage_t")["worst"] - sh0
        wc = welfare_change(r, base)
        uw, ww = wc[NODE]["total_usd"], sum(v["total_usd"] for v in wc.values())
        w(f"| {r.label} | {tonnes(end)} | {tonnes(stock_years(r, 'private', later))} | "
          f"{tonnes(stock_years(r, 'public', later))} | {tonnes(released_in(r, 'private', worst))} / "
          f"{tonnes(released_in(r, 'public', worst))} | {tonnes(dw, True)} | {musd(stockpile_net_cost(r))} | "
          f"{musd(sum((r.summary.get('closing_stock_value_usd') or {}).values()))} | "
          f"{musd(uw, True) if r.label != baseline else '–'} | {musd(ww, True) if r.label != baseline else '–'} |")
    w("")
    p0 = stock_years(base, "private", later)
    for r in public:
        pub = stock_years(r, "public", later)
        crowd = p0 - stock_years(r, "private", later)
        share = crowd / pub if pub > 0 else float("nan")
        w(f"- `{r.label}`: the public stock displaces {tonnes(crowd)} t·yr of private US magnet stocks "
          f"({pct(share)} of its own {tonnes(pub)} t·yr); its stockpile trades cost {musd(stockpile_net_cost(r), True)} "
          "net (a negative cost is a trading profit: it buys cheap in normal years and sells in disruptions, "
          "an arbitrage private holders leave only where their room or their higher holding cost stops them).")
    w("- The stockpile's value to the world (all countries' welfare) falls as private room grows: "
      "`runs/sweeps/private_storage_vault.yaml` against `private_storage_baseline.yaml` (docs/sweeps.md). "
      "Its value to the US alone is a small difference of large numbers that moves with the split of "
      "rents across countries; read it with the world figure.")
    w("")
    return out


# ---------------------------------------------------------------- § what moved (issue 15)

# The headline figures kept release to release (docs/findings-headlines.csv), compared with the
# previous release's file (docs/findings-previous.csv) in the last section of docs/findings.md.
# figure -> (label, unit, decimals of the comparison)
HEADLINES = {
    "china_content_first_below_50": ("China content of US magnets first below 50% (expected)", "year", 0),
    "china_content_2030_expected": ("China content of US magnets, 2030, expected", "%", 0),
    "us_government_cost_musd": ("US government cost, expected, discounted", "$M", 1),
    "us_welfare_change_musd": ("US welfare, Δ against the baseline", "$M", 1),
    "world_welfare_change_musd": ("World welfare, Δ against the baseline", "$M", 1),
    "us_magnet_shortage_expected_t": ("US magnet shortage, expected, over the horizon", "t", 0),
    "us_magnet_shortage_worst_t": ("US magnet shortage, worst scenario, over the horizon", "t", 0),
    "us_ndpr_price_2030_usd_per_kg": ("US NdPr oxide price, 2030, expected", "$/kg", 1),
    "new_exchina_separation_2030_t": ("New ex-China separation capacity online in 2030, expected", "t/yr", 0),
}
HEADLINE_COLUMNS = ["variant", "figure", "unit", "value", "input_fingerprint"]
MOVED_TOLERANCE = 0.01      # § What moved lists a figure that moved by more than 1% of its previous value


def headline_table(runs: list[RunData], baseline: str = "baseline") -> pd.DataFrame:
    """One row per (variant, figure of ``HEADLINES``): the numbers a release is judged by, rounded
    as compared (a year is NaN when China content never falls below 50%)."""
    runs = order_runs([r for r in runs if not r.summary.get("strategy")])
    by = {r.label: r for r in runs}
    base = by.get(baseline)
    h_in, _ = fingerprint(runs)
    rows = []
    for r in runs:
        cc = expected_worst(r, "china_content")["expected"]
        sh = us_unserved(r, "shortage_t")
        price = expected_by_year(r, _us_prices(r, NDPR), "price_usd_per_kg")
        v = {
            "china_content_first_below_50": first_below(cc),
            "china_content_2030_expected": 100.0 * float(cc.get(2030, float("nan"))),
            "us_government_cost_musd": sum(x for p, x in gov_costs(r).items() if us_payer(p)) / 1e6,
            "us_welfare_change_musd": (us_welfare(r) - us_welfare(base)) / 1e6
            if base is not None and us_welfare(r) is not None and us_welfare(base) is not None else None,
            "world_welfare_change_musd": sum(d["total_usd"] for d in welfare_change(r, base).values()) / 1e6
            if base is not None else None,
            "us_magnet_shortage_expected_t": sh["expected"],
            "us_magnet_shortage_worst_t": sh["worst"],
            "us_ndpr_price_2030_usd_per_kg": float(price.get(2030, float("nan"))),
            "new_exchina_separation_2030_t": exchina_capacity(r, 2030).get("separation", 0.0),
        }
        for fig, (_lab, unit, dec) in HEADLINES.items():
            x = v[fig]
            x = float("nan") if x is None else round(float(x), dec)
            rows.append((r.label, fig, unit, x, h_in))
    return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)


def _us_prices(run: RunData, commodity: str) -> pd.DataFrame:
    p = run.table("prices")
    return p[(p["node"] == NODE) & (p["commodity"] == commodity)]


def _headline_csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\n")


def _read_text(path: str | Path) -> str | None:
    p = Path(path)
    return p.read_text(encoding="utf-8") if p.is_file() else None


def read_headlines(path: str | Path) -> pd.DataFrame:
    """A headline file written by ``--headlines`` (the previous release's, for § What moved)."""
    path = Path(path)
    if not path.is_file():
        raise ReeblocError(path, None, "no such headline file (written by `reebloc findings --headlines FILE`)")
    try:
        df = pd.read_csv(path)
    except Exception as e:     # noqa: BLE001 - any parse error is the user's file
        raise ReeblocError(path, None, f"not a readable CSV: {e}") from None
    missing = [c for c in HEADLINE_COLUMNS if c not in df.columns]
    if missing:
        raise ReeblocError(path, missing[0], f"expected the columns {', '.join(HEADLINE_COLUMNS)}")
    return df


def _fmt_headline(x: float, unit: str, dec: int, signed: bool = False) -> str:
    if pd.isna(x):
        return "never" if unit == "year" and not signed else "–"
    if unit == "year":
        return f"{x:+.0f}" if signed else f"{x:.0f}"
    s = f"{x:+,.{dec}f}" if signed else f"{x:,.{dec}f}"
    return s + (" pts" if unit == "%" and signed else "%" if unit == "%" else "")


def moved_section(now: pd.DataFrame, previous: pd.DataFrame) -> list[str]:
    """§ What moved: every headline figure whose rounded value differs from the previous release's."""
    out = ["## 9. What moved against the previous release", ""]
    w = out.append
    prev_fp = ", ".join(f"`{x}`" for x in sorted(set(previous["input_fingerprint"].astype(str))))
    w("The headline figures of this page (`docs/findings-headlines.csv`, written by `reebloc findings "
      "--headlines`) against those of the previous release (`docs/findings-previous.csv`, input data "
      f"fingerprint {prev_fp}; this release `{now['input_fingerprint'].iloc[0]}`). A figure is listed "
      f"when it moved by more than {pct(MOVED_TOLERANCE, 1)} of its previous value (a year: when it changed); why "
      "it moved is in the release's note and `docs/model.md`.")
    w("")
    key = ["variant", "figure"]
    m = now.merge(previous[key + ["value"]], on=key, how="left", suffixes=("", "_previous"))
    lines = []
    for fig, (lab, unit, dec) in HEADLINES.items():
        for r in m[m["figure"] == fig].itertuples():
            a, b = r.value_previous, r.value
            if pd.isna(a) and pd.isna(b):
                continue
            if not pd.isna(a) and not pd.isna(b) and (round(a - b, dec) == 0 or (
                    unit != "year" and abs(b - a) <= MOVED_TOLERANCE * abs(a))):
                continue
            d = "–" if pd.isna(a) or pd.isna(b) else _fmt_headline(b - a, unit, dec, signed=True)
            lines.append(f"| {lab} ({unit}) | {r.variant} | {_fmt_headline(a, unit, dec)} | "
                         f"{_fmt_headline(b, unit, dec)} | {d} |")
    if not lines:
        w("No headline figure moved.")
        w("")
        return out
    w("| figure | variant | previous | now | Δ |")
    w("|---|---|---:|---:|---:|")
    out += lines
    w("")
    return out
