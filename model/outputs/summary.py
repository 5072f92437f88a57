"""Headline figures of a run (summary.json): expected over scenarios, discounted to the first year.

Expected discounted value of a table column = Σ_rows prob(scenario) × (1 + r)^−(year − y0) × value.
"""

from __future__ import annotations

import pandas as pd

from reebloc.equilibrium import ModelInstance
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
    unserved = dem.groupby("scenario")["unserved_t"].sum() if not dem.empty else pd.Series(dtype=float)
    unserved = unserved.reindex(list(probs), fill_value=0.0)
    spend = dem.merge(prices, on=["run", "scenario", "year", "node", "commodity"], how="left")
    spend["usd"] = (spend["served_t"] - spend["served_by_substitutes_t"]) * spend["price_usd_per_kg"].fillna(0) * 1000
    out = {
        "run": cfg.name,
        "objective_kusd": info.objective_kusd,
        "solver_status": info.status,
        "discount_rate": r,
        "base_year": y0,
        "scenarios": probs,
        "government_cost_usd_discounted": expected_discounted(gov, "usd", "payer", probs, r, y0),
        "government_cost_by_instrument_usd_discounted": expected_discounted(gov, "usd", "instrument", probs, r, y0),
        "government_cost_by_policy_usd_discounted": expected_discounted(gov, "usd", "policy", probs, r, y0),
        "government_cost_usd_by_scenario": {
            s: {p: float(v) for p, v in g.groupby("payer")["usd"].sum().items()} for s, g in gov.groupby("scenario")},
        "consumer_cost_usd_discounted": expected_discounted(spend, "usd", "node", probs, r, y0),
        "welfare_total_usd_discounted": expected_discounted(wel, "total_usd", None, probs, r, y0),
        "unserved_t": {"expected": float(sum(probs[s] * unserved[s] for s in probs)),
                       "worst": float(unserved.max()) if len(unserved) else 0.0,
                       "worst_scenario": str(unserved.idxmax()) if len(unserved) else None,
                       "by_scenario": {s: float(v) for s, v in unserved.items()}},
    }
    sec = tables.get("security")
    if sec is not None and not sec.empty:
        try:
            from reebloc.outputs.metrics.security import summary_security
            out["security"] = summary_security(sec, probs)
        except (ImportError, KeyError, ValueError) as e:  # the metrics module reports its own gaps
            out["security"] = {"error": str(e)}
    return out
