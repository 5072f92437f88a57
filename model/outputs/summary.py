"""Headline figures of a run (summary.json): expected over scenarios, discounted to the first year.

Expected discounted value of a table column = Σ_rows prob(scenario) × (1 + r)^−(year − y0) × value.

National welfare is the yardstick (docs/model.md § Money; keys read by ``reebloc compare``):

- ``welfare_by_country_usd``: {node: {consumer_surplus_usd, producer_surplus_usd,
  government_net_usd, tariff_revenue_usd, total_usd}} from welfare.csv; Σ_nodes total_usd =
  ``welfare_total_usd_discounted``.
- ``us_welfare_usd``: total_usd of ``money.home`` (default US); ``home_node`` names it.
- ``us_budget_cost_usd``: Σ government.csv usd over the home node's payers (``US``, ``US_DoD``, …):
  fixed outlays at budget cost, project finance as the capital-charge subsidy on what is built
  inside the horizon (its budget-office figure is ``project_finance_budget_cost_usd``), tariff and
  levy revenue netted, the closing value of stockpiles (``stockpile_closing_value``) left out;
  ``us_budget_cost_range_usd`` {low, high}: the same with every outlay's expected loss at the
  ends of its ``expected_loss_range``.
- ``project_finance_budget_cost_usd``: {policy: usd} the budget office's figure for each
  project-finance outlay on what is built (a grant's cash, a loan's FCRA credit subsidy, equity's
  expected loss), booked at the build decision, expected and discounted — beside government.csv's
  capital-charge subsidy on what is built (not added to it); ``project_finance_budget_cost_range_usd``
  {low, high}: the same with each outlay's expected loss at the ends of its ``expected_loss_range``.
- ``closing_stock_value_usd``: {policy: usd} what each public stockpile still holds at the
  horizon's end, at the final period's price (stockpiles.csv ``closing_value_usd``), expected and
  discounted: reported; in its payer's welfare only with ``money.closing_stocks: market``; never
  in the budget cost.
- ``transfers_abroad_usd``: {node: usd} home-government payments landing at producers of other
  nodes (floor payments, offtake net of resale, outlays with a foreign ``recipient``);
  ``transfers_abroad_total_usd`` their sum.
- ``objective_kusd`` / ``optimisation_objective_kusd``: the LP objective (k$), which counts
  subsidy wedges as gains: an optimisation term, not welfare.
"""

from __future__ import annotations

import pandas as pd

from reebloc.equilibrium import ModelInstance
from reebloc.outputs.accounting import CLOSING, REVENUE_INSTRUMENTS
from reebloc.solve.solver import SolveInfo


def discount_weights(df: pd.DataFrame, probs: dict[str, float], rate: float, y0: int) -> pd.Series:
    return df["scenario"].map(probs) * (1 + rate) ** -(df["year"] - y0)


def expected_discounted(df: pd.DataFrame, col: str, by: str | None, probs, rate, y0):
    if df.empty:
        return {} if by else 0.0
    w = discount_weights(df, probs, rate, y0) * df[col]
    if by is None:
        return float(w.sum())
    return {k: float(v) for k, v in w.groupby(df[by]).sum().sort_index().items()}


def summarize(inst: ModelInstance, tables: dict[str, pd.DataFrame], info: SolveInfo) -> dict:
    cfg = inst.cfg
    probs = {s: sc.probability for s, sc in cfg.scenarios.items()}
    r, y0 = cfg.discount_rate, cfg.year_list[0]
    gov, dem, prices, wel = tables["government"], tables["demand"], tables["prices"], tables["welfare"]
    def by_scenario(col: str) -> dict:
        """Expected, worst and by-scenario tonnes of a demand.csv column summed over rows and years."""
        v = dem.groupby("scenario")[col].sum() if not dem.empty and col in dem else pd.Series(dtype=float)
        v = v.reindex(list(probs), fill_value=0.0)
        return {"expected": float(sum(probs[s] * v[s] for s in probs)),
                "worst": float(v.max()) if len(v) else 0.0,
                "worst_scenario": str(v.idxmax()) if len(v) else None,
                "by_scenario": {s: float(x) for s, x in v.items()}}

    spend = dem.merge(prices, on=["run", "scenario", "year", "node", "commodity"], how="left")
    spend["usd"] = (spend["served_t"] - spend["served_by_substitutes_t"]) * spend["price_usd_per_kg"].fillna(0) * 1000
    home = cfg.money.home
    at_home = gov["payer"].str.split("_").str[0] == home if not gov.empty else pd.Series(dtype=bool)
    cols = ["consumer_surplus_usd", "producer_surplus_usd", "government_net_usd", "tariff_revenue_usd", "total_usd"]
    by_country = {}
    for c in cols:
        for n, v in expected_discounted(wel, c, "node", probs, r, y0).items():
            by_country.setdefault(n, {})[c] = v
    abroad = gov[at_home & (gov["recipient"] != "") & (gov["recipient"] != home)] if not gov.empty else gov
    cash = gov["instrument"] != CLOSING if not gov.empty else pd.Series(dtype=bool)
    budget = expected_discounted(gov[at_home & cash], "usd", None, probs, r, y0) if not gov.empty else 0.0
    stocks = tables.get("stockpiles")
    public = stocks[stocks["holder"] == "public"] if stocks is not None and not stocks.empty else pd.DataFrame()
    rng = {}
    from reebloc.outputs.accounting import outlay_rows, project_finance_budget_costs
    central = outlay_rows(inst)
    for end in ("low", "high"):
        d = pd.DataFrame([(s, y, pay, u1 - u0) for (s, y, pay, _, _, u0, _), (*_, u1, _r) in
                          zip(central, outlay_rows(inst, end))], columns=["scenario", "year", "payer", "usd"])
        d = d[d["payer"].str.split("_").str[0] == home] if not d.empty else d
        rng[end] = budget + expected_discounted(d, "usd", None, probs, r, y0)
    # every payer and policy has its key, 0 where it paid nothing: a sweep output names one
    # (government_cost_usd_discounted.US) and must read 0, not miss, in a variant without payments
    zero_payers = dict.fromkeys(sorted(set(inst.ix.nodes) | set(cfg.payers)), 0.0)
    out = {
        "run": cfg.name,
        "home_node": home,
        "us_welfare_usd": by_country.get(home, {}).get("total_usd", 0.0),
        "us_budget_cost_usd": budget,
        "us_budget_cost_range_usd": rng,
        "project_finance_budget_cost_usd": project_finance_budget_costs(inst),
        "project_finance_budget_cost_range_usd": {end: project_finance_budget_costs(inst, end) for end in ("low", "high")},
        "closing_stock_value_usd": {**dict.fromkeys(sorted(inst.pi.stockpiles), 0.0),
                                    **expected_discounted(public, "closing_value_usd", "policy", probs, r, y0)},
        "transfers_abroad_usd": {**dict.fromkeys(sorted(n for n in inst.ix.nodes if n != home), 0.0),
                                 **expected_discounted(abroad, "usd", "recipient", probs, r, y0)},
        "transfers_abroad_total_usd": expected_discounted(abroad, "usd", None, probs, r, y0),
        "welfare_by_country_usd": by_country,
        "objective_kusd": info.objective_kusd,
        "optimisation_objective_kusd": info.objective_kusd,
        "solver_status": info.status,
        "discount_rate": r,
        "base_year": y0,
        "scenarios": probs,
        "government_cost_usd_discounted": {**zero_payers, **expected_discounted(gov, "usd", "payer", probs, r, y0)},
        "government_cost_by_instrument_usd_discounted": expected_discounted(gov, "usd", "instrument", probs, r, y0),
        "government_cost_by_policy_usd_discounted": {
            **dict.fromkeys(sorted(cfg.policies), 0.0), **expected_discounted(gov, "usd", "policy", probs, r, y0)},
        "government_cost_usd_by_scenario": {s: {**zero_payers, **{
            p: float(v) for p, v in gov[gov["scenario"] == s].groupby("payer")["usd"].sum().items()}} for s in probs},
        "consumer_cost_usd_discounted": expected_discounted(spend, "usd", "node", probs, r, y0),
        "welfare_total_usd_discounted": expected_discounted(wel, "total_usd", None, probs, r, y0),
        "unserved_t": by_scenario("unserved_t"),
        # unserved = shortage (demand valued at VOLL cut off: ban, cap) + priced out (given up as price rose)
        "shortage_t": by_scenario("shortage_t"),
        "priced_out_t": by_scenario("priced_out_t"),
    }
    inv = tables.get("investment")
    if inv is not None:
        out["investment"] = investment_summary(inst, inv, gov, probs, r, y0)
    sec = tables.get("security")
    if sec is not None and not sec.empty:
        try:
            from reebloc.outputs.metrics.security import summary_security
            out["security"] = summary_security(sec, probs)
        except (ImportError, KeyError, ValueError) as e:  # the metrics module reports its own gaps
            out["security"] = {"error": str(e)}
    return out


def process_stage(inst: ModelInstance) -> dict[str, str]:
    """process → stage of its main output (the output with the largest coefficient)."""
    stage = dict(zip(inst.data["commodities"]["commodity"], inst.data["commodities"]["stage"]))
    out = {}
    for p, coefs in inst.ix.by_process.items():
        c = max((x for x in coefs if x[1] > 0), key=lambda x: x[1])[0]
        out[p] = stage[c]
    return out


def investment_summary(inst: ModelInstance, inv: pd.DataFrame, gov: pd.DataFrame, probs, r, y0) -> dict:
    """Capacity built (expected over scenarios, t/yr online) in 2030 and 2035 by node and stage; the
    programme cost (every government's expected discounted spending, tariff and levy revenue and
    the closing value of stockpiles left out: revenue is not a cost of building) per t/yr of new ex-China capacity online in 2035, by
    stage (the whole programme's cost over each stage's new capacity, and over all stages together)."""
    stage = process_stage(inst)
    china = inst.cfg.china_node
    out: dict = {"capacity_built_t": {}, "capacity_built_by_scenario_t": {}}
    inv = inv.assign(stage=inv["process"].map(stage), p=inv["scenario"].map(probs))
    for y in (2030, 2035):
        d = inv[inv["year"] == y]
        by = (d["capacity_t"] * d["p"]).groupby([d["node"], d["stage"]]).sum()
        nested: dict = {}
        for (n, st), v in by.items():
            nested.setdefault(n, {})[st] = float(v)
        out["capacity_built_t"][str(y)] = nested
        out["capacity_built_by_scenario_t"][str(y)] = {
            s: {st: float(v) for st, v in g.groupby("stage")["capacity_t"].sum().items()} for s, g in d.groupby("scenario")}
    d = inv[(inv["year"] == 2035) & (inv["node"] != china)]
    new = (d["capacity_t"] * d["p"]).groupby(d["stage"]).sum()
    spend = gov[~gov["instrument"].isin((*REVENUE_INSTRUMENTS, CLOSING))] if not gov.empty else gov
    cost = float(expected_discounted(spend, "usd", None, probs, r, y0)) if not spend.empty else 0.0
    out["new_exchina_capacity_2035_t"] = {k: float(v) for k, v in new.items()}
    out["programme_cost_usd_discounted"] = cost
    out["programme_cost_per_t_yr_new_exchina_capacity_usd"] = {
        k: (cost / float(v) if v > 1e-6 else None) for k, v in new.items()}
    total = float(new.sum())
    out["programme_cost_per_t_yr_new_exchina_capacity_usd"]["all_stages"] = cost / total if total > 1e-6 else None
    out["capex_usd_expected"] = float((inv["capex_usd"] * inv["p"]).sum())
    return out
