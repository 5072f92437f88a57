"""Calibration: the base year of a run next to the observed figures of ``observed.csv``.

``calibrate(config_path)`` solves the run in memory and returns one row per observed metric:
metric, observed, low, high, model, hit, explanation. ``write_page`` renders
``docs/calibration.md``; ``reebloc calibrate [config] [--out page]`` does both (exit 1 on a miss).

Each metric has one definition here (``METRICS``), computed from the run's tidy tables for the
calibration year (the ``year`` of the observed row) in the run's first scenario:

- shares of production are in tonnes of the stage's main commodity (output rows only);
- prices are the duals of the node balances;
- the US magnet import share is in tonnes (the observed ~84% is a share of import *value*;
  with landed prices within a few cents of each other the two agree to well under a point).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from reebloc.errors import ReeblocError
from reebloc.inputs.dataset import parse_months

COLUMNS = ["metric", "year", "months", "observed", "low", "high", "unit", "model", "hit", "explanation"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Metric:
    description: str
    compute: Callable[[dict, int, str], tuple[float, str]]  # tables, year, china node -> (value, detail)
    drivers: str  # what moves the model figure (used to explain a miss)


def _out(tables: dict, year: int) -> pd.DataFrame:
    p = tables["production"]
    return p[(p["year"] == year) & (p["quantity_t"] > 0)]


def _share(tables: dict, year: int, cn: str, commodities: list[str], exclude_process: tuple[str, ...] = ()):
    p = _out(tables, year)
    p = p[p["commodity"].isin(commodities) & ~p["process"].isin(exclude_process)]
    total = p["quantity_t"].sum()
    china = p.loc[p["node"] == cn, "quantity_t"].sum()
    return (china / total if total > 0 else float("nan")), china, total


def _mine_share(tables, year, cn):
    s, c, t = _share(tables, year, cn, ["reo_light", "reo_ionic"])
    return s, f"China {c:,.0f} t of {t:,.0f} t REO mined"


def _separation_share(tables, year, cn):
    s, c, t = _share(tables, year, cn, ["ndpr_oxide"])
    s2, c2, t2 = _share(tables, year, cn, ["ndpr_oxide"], exclude_process=("recycle", "new_supply_generic"))
    return s, (f"China {c:,.0f} t of {t:,.0f} t NdPr oxide (incl. recycled oxide); "
               f"primary separation only: {s2:.1%}")


MAGNETS = ["ndfeb_magnet", "ndfeb_dyfree_magnet"]     # every NdFeB grade (docs/model.md § Magnet grades)


def _magnet_share(tables, year, cn):
    s, c, t = _share(tables, year, cn, MAGNETS)
    return s, f"China {c:,.0f} t of {t:,.0f} t NdFeB"


def _ndpr_price(tables, year, cn):
    p = tables["prices"]
    row = p[(p["year"] == year) & (p["node"] == cn) & (p["commodity"] == "ndpr_oxide")]
    if row.empty:
        return float("nan"), "no NdPr oxide price at the China node"
    return float(row["price_usd_per_kg"].iloc[0]), "dual of China's NdPr oxide balance"


def _us_import_share(tables, year, cn):
    f = tables["flows"]
    f = f[(f["year"] == year) & (f["destination"] == "US") & f["commodity"].isin(MAGNETS)]
    total = f["quantity_t"].sum()
    china = f.loc[f["origin"] == cn, "quantity_t"].sum()
    others = ", ".join(f"{o} {q:,.0f} t" for o, q in f.groupby("origin")["quantity_t"].sum().items() if o != cn)
    return (china / total if total > 0 else float("nan")), f"imports {total:,.0f} t: China {china:,.0f} t; {others or 'no others'}"


def _facility_output(facility: str, commodity: str):
    def compute(tables, year, cn):
        p = _out(tables, year)
        q = p[(p["facility"] == facility) & (p["commodity"] == commodity)]["quantity_t"].sum()
        return float(q), f"{facility} output of {commodity}"
    return compute


def _node_mine_output(node: str):
    def compute(tables, year, cn):
        p = _out(tables, year)
        q = p[(p["node"] == node) & p["commodity"].isin(["reo_light", "reo_ionic"])]["quantity_t"].sum()
        return float(q), f"{node} mined REO"
    return compute


def _price_at(tables, year, node, commodity) -> float:
    p = tables["prices"]
    row = p[(p["year"] == year) & (p["node"] == node) & (p["commodity"] == commodity)]
    return float(row["price_usd_per_kg"].iloc[0]) if len(row) else float("nan")


def _price(node: str | None, commodity: str):
    """Dual of ``node``'s balance (None: the China node)."""
    def compute(tables, year, cn):
        n = node or cn
        return _price_at(tables, year, n, commodity), f"dual of {n}'s {commodity} balance"
    return compute


def _ratio(node: str, commodity: str):
    def compute(tables, year, cn):
        a, b = _price_at(tables, year, node, commodity), _price_at(tables, year, cn, commodity)
        return a / b if b > 0 else float("nan"), f"{node} ${a:,.1f}/kg over {cn} ${b:,.1f}/kg"
    return compute


def _premium(node: str, commodity: str):
    def compute(tables, year, cn):
        a, b = _price_at(tables, year, node, commodity), _price_at(tables, year, cn, commodity)
        return a - b, f"{node} ${a:,.1f}/kg less {cn} ${b:,.1f}/kg"
    return compute


def _flow(origin: str | None, destination: str | None, commodity: str | list[str]):
    """Σ flow origin → destination of ``commodity`` (None: the China node; a list: summed)."""
    comms = [commodity] if isinstance(commodity, str) else list(commodity)

    def compute(tables, year, cn):
        o, d = origin or cn, destination or cn
        f = tables["flows"]
        q = f[(f["year"] == year) & (f["origin"] == o) & (f["destination"] == d) & f["commodity"].isin(comms)]
        return float(q["quantity_t"].sum()), f"{' + '.join(comms)} shipped {o} → {d}"
    return compute


def _unserved(node: str, commodity: str):
    def compute(tables, year, cn):
        d = tables["demand"]
        d = d[(d["year"] == year) & (d["node"] == node) & (d["commodity"] == commodity)]
        return float(d["unserved_t"].sum()), (f"{node} {commodity} demand {d['demand_t'].sum():,.0f} t, "
                                               f"served {d['served_t'].sum():,.0f} t")
    return compute


def _shortage(node: str, commodity: str):
    def compute(tables, year, cn):
        d = tables["demand"]
        d = d[(d["year"] == year) & (d["node"] == node) & (d["commodity"] == commodity)]
        return float(d["shortage_t"].sum()), f"{node} {commodity} unserved {d['unserved_t'].sum():,.0f} t in all"
    return compute


METRICS: dict[str, Metric] = {
    "china_share_mine_output": Metric(
        "China's share of world mine output (t REO)", _mine_share,
        "mine capacities (China's quota, USGS country output) and whether every mine covers its cost at the "
        "concentrate price"),
    "china_share_separation": Metric(
        "China's share of NdPr oxide output (separation and recycling)", _separation_share,
        "ex-China separation capacities (MP, Lynas, Neo) and China's secondary supply: with fewer Chinese "
        "recycled tonnes or more ex-China separation the share falls"),
    "china_share_magnet_output": Metric(
        "China's share of NdFeB magnet output (t)", _magnet_share,
        "capacities of non-China magnet makers and whether they run (their cost against China's, "
        "asm_cost_magnet_incumbent_credit)"),
    "china_ndpr_price": Metric(
        "China NdPr oxide price ($/kg, ex-VAT)", _ndpr_price,
        "China's NdPr supply curve (mining quota, then the rising end-of-life / secondary curve cn_recycle_eol, "
        "asm_cost_recycle_eol_low to _high) cut by magnet demand"),
    "exchina_ndpr_price": Metric(
        "Ex-China NdPr oxide price ($/kg) at Japan, an importing node (an exporting node's price is not "
        "unique: docs/model.md, notes)", _price("JP", "ndpr_oxide"),
        "China's price plus freight when China exports NdPr oxide freely (not on the 2025 licence lists)"),
    "china_dy_price": Metric(
        "China Dy oxide price ($/kg)", _price(None, "dy_oxide"),
        "the magnet grade thresholds in China (asm_cost_magnet_gbd_premium, asm_cost_magnet_dyfree_premium, the "
        "grades' Dy and Tb contents), China's Dy and Tb output (joint products, d-dytb-split-ionic) and how much "
        "China's licence caps keep at home"),
    "china_tb_price": Metric(
        "China Tb oxide price ($/kg)", _price(None, "tb_oxide"),
        "the same grade thresholds: GBD magnets use mostly Tb, so the Tb price is what the GBD grade saves in Dy "
        "less its premium, per t of extra Tb"),
    "exchina_dy_price": Metric(
        "Ex-China (Japan) Dy oxide price ($/kg)", _price("JP", "dy_oxide"),
        "the Dy/Tb licence approval rate (runs/scenarios/brief_regimes.yaml) against ex-China magnet makers' "
        "need for Dy and their choice of GBD or heavy-free grades"),
    "exchina_tb_price": Metric(
        "Ex-China (Japan) Tb oxide price ($/kg)", _price("JP", "tb_oxide"),
        "the Dy/Tb licence approval rate against ex-China makers' need for Tb (the GBD grade)"),
    "china_magnet_price": Metric(
        "China NdFeB magnet price ($/kg)", _price(None, "ndfeb_magnet"),
        "magnet-making cost (asm_cost_magnet) plus NdPr metal and Dy/Tb content at China's prices"),
    "exchina_magnet_premium": Metric(
        "Ex-China (EU) magnet price over China's ($/kg)", _premium("EU", "ndfeb_magnet"),
        "the magnet licence approval rates (brief_regimes.yaml): the ex-China shortfall they leave, priced on "
        "the constant-elasticity demand curves (asm_demand_elasticity_<segment>)"),
    "us_magnet_imports_from_china": Metric(
        "US NdFeB magnet imports from China (t, every grade)", _flow(None, "US", MAGNETS),
        "the US magnet licence approval rate × the pre-control volume (brief_regimes.yaml)"),
    "us_magnet_shortfall": Metric(
        "US NdFeB demand not served (t)", _unserved("US", "ndfeb_magnet"),
        "the licensed Chinese tonnes, what Japan and others can divert to the US, and the demand elasticity"),
    "us_magnet_shortage": Metric(
        "US NdFeB shortage (t): buyers who would pay up to the value of lost load and got nothing (demand.csv "
        "shortage_t, docs/model.md § Shortage and priced-out demand)", _shortage("US", "ndfeb_magnet"),
        "physical caps on US supply (licences, bans) against what stocks and other suppliers can add"),
    "us_concentrate_to_china": Metric(
        "US light concentrate shipped to China (t REO)", _flow("US", None, "reo_light"),
        "the MP Materials stop of April 2025 (history control mp_stops_china in brief_regimes.yaml)"),
    "china_share_us_magnet_imports": Metric(
        "China's share of US NdFeB magnet imports (t)", _us_import_share,
        "the 2025 licence cap on China's magnets to the US (7,500 t) and the IEEPA tariffs: US demand is "
        "short at that cap, so US buyers take what Japan and others can add at the rising trade costs "
        "around their reference flows (trade_reference.csv), every magnet grade on a curve (docs/model.md "
        "§ Gradual trade); the observed ~84% is the share at the pre-control pace (2024 to Q1 2025, MFN "
        "tariffs only, no licences), which the curves reproduce under those conditions (tests/test_gradual.py)"),
    "mp_ndpr_output": Metric(
        "MP Materials NdPr oxide output (t)", _facility_output("us_mp_mountain_pass_sep", "ndpr_oxide"),
        "MP's 2025 separation capacity (d-mp-ndpr-2025) and its margin against selling concentrate to China "
        "(asm_cost_sep_exchina vs asm_cost_sep_cn)"),
    "us_mine_output": Metric(
        "US mine output (t REO)", _node_mine_output("US"),
        "Mountain Pass capacity and an outlet for concentrate MP does not separate: exports to China, or its own "
        "stockpile (a private holder of clean concentrate, carried while the expected price from 2027 covers the "
        "cost of carry)"),
}


def calibrate(config_path: str | Path, result=None) -> pd.DataFrame:
    """Solve ``config_path`` (unless ``result``, a RunResult, is given) and compare its base year
    with ``observed.csv`` of its data set. Columns: ``COLUMNS``."""
    if result is None:
        from reebloc.app.run import run_in_memory
        result = run_in_memory(config_path)
    data = result.data
    if not data.has("observed"):
        raise ReeblocError(data.folder / "observed.csv", None, "no observed figures to calibrate against")
    cfg = result.resolved.config
    cn = cfg.china_node
    scenario = next(iter(cfg.scenarios))
    tables = {k: v[v["scenario"] == scenario] if "scenario" in v.columns else v
              for k, v in result.tables.items() if isinstance(v, pd.DataFrame)}
    rows, windows = [], {}
    for r in data["observed"].itertuples():
        year = int(r.year)
        m = METRICS.get(r.metric)
        key = (year, parse_months(r.months))
        if key not in windows:          # several figures share a window: aggregate it once
            windows[key] = window_tables(tables, cfg, *key)
        window, why = windows[key]
        if year not in cfg.year_list:
            value, detail, hit = float("nan"), f"year {year} is not in the run", False
        elif m is None:
            value, detail, hit = float("nan"), "no model definition for this metric (model/app/calibrate.py)", False
        elif window is None:
            value, detail, hit = float("nan"), why, False
        else:
            value, detail = m.compute(window, year, cn)
            hit = bool(r.low <= value <= r.high)
        rows.append({"metric": r.metric, "year": year, "months": r.months, "observed": r.value, "low": r.low, "high": r.high,
                     "unit": r.unit, "model": value, "hit": hit,
                     "explanation": _explain(r, value, hit, detail, m)})
    return pd.DataFrame(rows, columns=COLUMNS)


def window_tables(tables: dict, cfg, year: int, months: tuple[int, int]) -> tuple[dict | None, str]:
    """The tables over months a-b of ``year``: the annual tables for the whole year, else the
    periods of the run that make up exactly those months, summed as ``tables.aggregate`` does
    for a year (amounts summed, prices length-weighted; each table when a metric first reads it).
    (None, why) if the run's periods do not."""
    from reebloc.outputs.tables import BY_PERIOD, aggregate
    from reebloc.outputs.tabulate import LazyTables
    a, b = months
    if (a, b) == (1, 12):
        return tables, ""
    pers = [p for p in cfg.period_list if p.year == year]
    inside = [p for p in pers if a <= p.first_month and p.last_month <= b]
    if sum(p.last_month - p.first_month + 1 for p in inside) != b - a + 1:
        cuts = ", ".join(f"{MONTHS[p.first_month - 1]}-{MONTHS[p.last_month - 1]}" for p in pers)
        return None, (f"the run's periods of {year} ({cuts}) do not make up {MONTHS[a - 1]}-{MONTHS[b - 1]}; "
                      f"split the year with periods (docs/model.md § Periods)")
    labels = {p.label for p in inside}

    def builder(name: str, v: pd.DataFrame):
        return lambda _: aggregate(v[(v["year"] == year) & v["period"].isin(labels)], name)
    return LazyTables({k[: -len(BY_PERIOD)]: builder(k[: -len(BY_PERIOD)], v) for k, v in tables.items()
                       if k.endswith(BY_PERIOD)}), ""


def window_label(year: int, months: str) -> str:
    """2025 and '1-12' → '2025'; 2025 and '5-12' → '2025 May-Dec'."""
    a, b = parse_months(months)
    return str(year) if (a, b) == (1, 12) else f"{year} {MONTHS[a - 1]}-{MONTHS[b - 1]}"


def _explain(r, value, hit, detail, m: Metric | None) -> str:
    if m is None or value != value:  # NaN
        return detail
    if hit:
        gap = value - r.value
        return f"hit ({detail}); {_fmt(abs(gap), r.unit)} {'above' if gap > 0 else 'below'} the observed figure"
    side = "above" if value > r.high else "below"
    edge = r.high if value > r.high else r.low
    return (f"MISS: {_fmt(abs(value - edge), r.unit)} {side} the band ({detail}). "
            f"The model figure is driven by {m.drivers}.")


def _fmt(v: float, unit: str) -> str:
    if unit == "share":
        return f"{v * 100:.1f} pts"
    if unit == "usd_per_kg":
        return f"${v:,.2f}/kg"
    if unit == "ratio":
        return f"{v:,.2f}×"
    return f"{v:,.0f} {unit}"


def _cell(v, unit):
    if v != v:
        return "n/a"
    if unit == "share":
        return f"{v:.1%}"
    if unit == "usd_per_kg":
        return f"{v:,.1f}"
    if unit == "ratio":
        return f"{v:,.2f}×"
    return f"{v:,.0f}"


# ----------------------------------------------------------------------------- extra context

def us_magnets_by_period(result, node: str = "US") -> list[str]:
    """Markdown lines: the US magnet market in each period of the split years (first scenario):
    imports by origin, demand unserved and shortage (t in the period), the US price."""
    cfg = result.resolved.config
    scenario, cn = next(iter(cfg.scenarios)), cfg.china_node
    split = {y for y in cfg.periods}
    f, d, p = (result.tables[f"{k}_by_period"] for k in ("flows", "demand", "prices"))
    f = f[(f.scenario == scenario) & (f.destination == node) & f.commodity.isin(MAGNETS) & f.year.isin(split)]
    d = d[(d.scenario == scenario) & (d.node == node) & d.commodity.isin(MAGNETS) & d.year.isin(split)]
    p = p[(p.scenario == scenario) & (p.node == node) & (p.commodity == "ndfeb_magnet") & p.year.isin(split)]
    lines = [f"## The {node} magnet market by period", "",
             f"From `flows_by_period.csv`, `demand_by_period.csv` and `prices_by_period.csv` ({scenario}): tonnes "
             "in the period, every NdFeB grade.", "",
             "| period | months | imports from China | from others | unserved | of which shortage | price $/kg |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for per in cfg.period_list:
        if per.year not in split:
            continue
        fp, dp, pp = f[f.period == per.label], d[d.period == per.label], p[p.period == per.label]
        china, others = fp[fp.origin == cn].quantity_t.sum(), fp[fp.origin != cn].quantity_t.sum()
        price = f"{pp.price_usd_per_kg.iloc[0]:,.1f}" if len(pp) else "n/a"
        lines.append(f"| {per.label} | {MONTHS[per.first_month - 1]}-{MONTHS[per.last_month - 1]} | {china:,.0f} | "
                     f"{others:,.0f} | {dp.unserved_t.sum():,.0f} | {dp.shortage_t.sum():,.0f} | {price} |")
    return lines + [""]


def context_figures(result, year: int = 2025) -> pd.DataFrame:
    """Other base-year figures worth a glance (not targets): model value next to a published one."""
    cn = result.resolved.config.china_node
    scenario = next(iter(result.resolved.config.scenarios))
    t = {k: v[(v["scenario"] == scenario) & (v["year"] == year)] for k, v in result.tables.items()
         if isinstance(v, pd.DataFrame) and "year" in v.columns}
    p = t["production"]
    out = p[p["quantity_t"] > 0]
    pr = t["prices"]

    def price(node, c):
        x = pr[(pr["node"] == node) & (pr["commodity"] == c)]["price_usd_per_kg"]
        return float(x.iloc[0]) if len(x) else float("nan")

    def prod(node, c):
        return float(out[(out["node"] == node) & (out["commodity"] == c)]["quantity_t"].sum())

    d = t["demand"]
    rows = [
        ("World mine output, t REO", out[out["commodity"].isin(["reo_light", "reo_ionic"])]["quantity_t"].sum(),
         "390,000 (2025, usgs-mcs-2026)"),
        ("China NdPr oxide output, t", prod(cn, "ndpr_oxide"), "~106,000 (2024, china-industry-2024)"),
        ("China Dy oxide output, t", prod(cn, "dy_oxide"), "~3,500 (2024, china-industry-2024)"),
        ("China Tb oxide output, t", prod(cn, "tb_oxide"), "~650 (2024, china-industry-2024)"),
        ("China NdFeB output, t (every grade)", sum(prod(cn, c) for c in MAGNETS), "~300,000 (2024)"),
        ("China heavy-free NdFeB output, t", prod(cn, "ndfeb_dyfree_magnet"), "no published figure"),
        ("China NdFeB exports, t", t["flows"][(t["flows"]["origin"] == cn) & t["flows"]["commodity"].isin(MAGNETS)]["quantity_t"].sum(),
         "58,152 (2024, china-customs-2024)"),
        ("China NdFeB price, $/kg", price(cn, "ndfeb_magnet"), "49-51 export unit value (2024)"),
        ("China Dy oxide price, $/kg", price(cn, "dy_oxide"), "260 (2024 average, usgs-mcs-2026)"),
        ("China Tb oxide price, $/kg", price(cn, "tb_oxide"), "810 (2024 average, usgs-mcs-2026)"),
        ("China light concentrate price, $/kg REO", price(cn, "reo_light"), "no published benchmark used"),
        ("Lynas NdPr output, t", float(out[(out["facility"] == "my_lynas_malaysia_sep") & (out["commodity"] == "ndpr_oxide")]["quantity_t"].sum()),
         "~6,559 (FY25)"),
        ("Unserved NdFeB demand, t", float(d["unserved_t"].sum()), "1,500 (2025 US shortage, d-us-shortfall-2025)"),
    ]
    return pd.DataFrame(rows, columns=["figure", "model", "published"])


# ----------------------------------------------------------------------------- page

def write_page(table: pd.DataFrame, out: str | Path, config_path: str | Path, result=None,
               seconds: float | None = None) -> Path:
    out = Path(out)
    lines = [
        "# Calibration of the default data set",
        "",
        f"Generated by `reebloc calibrate {config_path} --update-docs --force`. Do not edit by hand; "
        "the suite checks that this copy is current.",
        "",
        "The base year of the run is set beside the observed figures of `inputs/default/observed.csv`. "
        "A metric is a hit when the model figure lies inside the band [low, high]. Definitions are in "
        "`model/app/calibrate.py`: production shares in tonnes of the stage's main commodity, prices as "
        "duals of the China node's balance, the US import share in tonnes (observed: share of value).",
        "",
        "| metric | period | observed | band | model | hit |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for r in table.itertuples():
        lines.append(f"| {r.metric} | {window_label(r.year, r.months)} | {_cell(r.observed, r.unit)} | "
                     f"{_cell(r.low, r.unit)}–{_cell(r.high, r.unit)} | {_cell(r.model, r.unit)} | "
                     f"{'yes' if r.hit else '**no**'} |")
    n_hit = int(table["hit"].sum())
    lines += ["", f"**{n_hit} of {len(table)} metrics inside their bands.**", "", "## Explanations", ""]
    for r in table.itertuples():
        desc = METRICS[r.metric].description if r.metric in METRICS else r.metric
        lines.append(f"- **{r.metric}** — {desc}: {r.explanation}")
    lines += ["", "## How the base year comes about", "",
              "- **Mines** run at capacity: China's 270 kt quota (asm_cn_ionic_quota splits it into hard rock and "
              "ion-adsorption clays), USGS 2025 output elsewhere. Every mine covers its cost at the concentrate "
              "price, so the mine share is the USGS share.",
              "- **NdPr price.** China's quota binds, so China's NdPr comes from its supply curve beyond the quota: "
              "swarf recycling (asm_cost_recycle_swarf) and the rising end-of-life / off-quota curve `cn_recycle_eol` "
              "(cost rising linearly from asm_cost_recycle_eol_low to asm_cost_recycle_eol_high across its capacity). "
              "The price is where magnet demand cuts that curve; no facility is there to pin it. "
              "Concentrate is worth what a Chinese separator pays for it (P(NdPr) less asm_cost_sep_cn, per 4.5 t REO).",
              "- **2025 history** (runs/scenarios/brief_regimes.yaml): China licenses a share of pre-control exports "
              "(magnets to the US, magnets to others, Dy oxide, Tb oxide); the caps bind, so ex-China magnet and Dy/Tb prices "
              "carry licence rents over China's, US demand is cut (the shortage: unserved, priced out along the "
              "constant-elasticity demand curves of docs/model.md § Demand curves, whose elasticities are scaled to "
              "reproduce the observed ex-China magnet premium), and MP ships only its Q1 concentrate "
              "to China in January-April. 2025 is three periods (January-April before the licences bit, May-June "
              "the collapse, July-December) and 2026 two halves (docs/model.md § Periods): a figure observed over "
              "some months is compared with the periods that make up those months.",
              "- **Dy and Tb prices** are set by the magnet grades (docs/model.md § Magnet grades): where standard "
              "and grain-boundary-diffused (GBD) magnets are both made, the GBD premium (asm_cost_magnet_gbd_premium) "
              "equals the Dy it saves less the extra Tb it uses; where GBD and heavy-free magnets are both made, the "
              "heavy-free premium (asm_cost_magnet_dyfree_premium) plus its extra NdPr equals the GBD premium plus "
              "the GBD grade's Dy and Tb. Dy and Tb are joint products of separation (fixed shares by ore type), so "
              "the grade mix adjusts until their uses match China's output ratio. Outside China, where the Dy and Tb "
              "licences bind, GBD is at its share limit (asm_grade_gbd_max_share: thin magnets only), so the heavy rents "
              "absorb most of the ex-China magnet premium; bulk makers replacing Tb by Dy (magnet_ndfeb_dyonly, "
              "asm_cost_magnet_dyonly_premium) tie the two: P_Tb = 2 P_Dy + premium / 0.003. The ex-China price is the "
              "marginal (spot) buyer's.",
              "- **MP** separates up to its 2025 capacity because its cash separation cost (asm_cost_sep_exchina) "
              "is below China's plus the freight its concentrate would pay; after its April 2025 stop only its Q1 "
              "concentrate goes to China. MP keeps mining at capacity and stocks the rest on site (a private holder of "
              "clean concentrate, storage.csv, asm_private_conc_room_years): concentrate with no buyer in 2025-26 "
              "sells for more from 2027, when China may buy again and ex-China separation grows, and the expected "
              "price covers the cost of carry (docs/model.md § Private storage).",
              "- **Magnets.** Non-China incumbents (Japan, Korea, Vietnam, VAC, Narva) run at capacity; Japan's output "
              "beyond its own use goes to the US, China supplies the rest of US imports. New US magnet plants "
              "(MP Independence/10X, USA Rare Earth) cost more (asm_cost_magnet_new) and do not run without policy "
              "support — which is what the policy variants are for.",
              ""]
    if result is not None and "flows_by_period" in result.tables:
        lines += us_magnets_by_period(result)
    if result is not None:
        ctx = context_figures(result)
        lines += ["## Other base-year figures (not targets)", "", "| figure | model | published |", "|---|---:|---|"]
        for r in ctx.itertuples():
            lines.append(f"| {r.figure} | {r.model:,.1f} | {r.published} |")
        lines.append("")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


DOCS_PAGE = Path("docs/calibration.md")


def main(args) -> int:
    """CLI entry: ``reebloc calibrate [config] [--out ROOT] [--force] [--update-docs]``.

    Writes ``ROOT/calibration/`` (default ``runs/out``): ``calibration.md`` and ``calibration.csv``,
    refused before solving when they exist unless ``--force``; with ``--update-docs`` also the
    tracked ``docs/calibration.md`` (always rewritten: that is what the flag asks for). The page holds no date or
    timing, so it changes only when a figure does.
    """
    from reebloc.app.run import DEFAULT_OUT, check_out_arg, run_in_memory
    check_out_arg(args.out)
    folder = (Path(args.out) if args.out else DEFAULT_OUT) / "calibration"
    if folder.exists() and not folder.is_dir():
        raise ReeblocError(folder, "--out", "is a file; expected a folder")
    earlier = [f for f in (folder / "calibration.md", folder / "calibration.csv") if f.exists()]
    if earlier and not getattr(args, "force", False):     # checked before the solve
        raise ReeblocError(folder, "--out", "holds an earlier calibration; pass --force to replace it")
    t0 = time.perf_counter()
    result = run_in_memory(args.config)
    seconds = time.perf_counter() - t0
    table = calibrate(args.config, result=result)
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_page(table, folder / "calibration.md", args.config, result=result)]
    table.to_csv(folder / "calibration.csv", index=False, lineterminator="\n")
    written.append(folder / "calibration.csv")
    if getattr(args, "update_docs", False):
        written.append(write_page(table, DOCS_PAGE, args.config, result=result))
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(table[["metric", "year", "months", "observed", "low", "high", "model", "hit"]].to_string(index=False))
    print(f"{int(table['hit'].sum())}/{len(table)} hit in {seconds:.1f} s; wrote {', '.join(map(str, written))}")
    return 0 if bool(table["hit"].all()) else 1
