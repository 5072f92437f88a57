"""Numerical health checks after each solve: each failure is a warning that names the row.

- mass balance: production + imports − exports − demand drawn − stockpile net − disposal = 0
  for every scenario, year, node and commodity (|residual| ≤ 1e-6 t);
- prices (balance duals) are ≥ 0 (free disposal makes a negative price impossible);
- payments whose sign is fixed by the instrument have that sign (tariff and levy revenue ≤ 0,
  outlays and purchases ≥ 0, resale and release ≤ 0);
- a price floor does not pay in a scenario and year in which its commodity is disposed of at a
  node of a covered plant: the contract covers output, and free disposal lets a covered plant
  make tonnes only to be paid for them (docs/model.md § Notes for users).
"""

from __future__ import annotations

import warnings

import pandas as pd

KEY = ["scenario", "year", "node", "commodity"]
TOL_T, TOL_PRICE, TOL_USD = 1e-6, 1e-6, 1e-3
# loans and guarantees are absent: a loan lent above the FCRA benchmark rate has a negative
# credit subsidy (the government expects to earn on it), a legitimate budget figure
NONNEG = ("offtake", "stockpile_purchase", "stockpile_holding", "equity", "grant")
NONPOS = ("tariff", "bloc_tariff", "bloc_levy", "offtake_resale", "offtake_own_use", "stockpile_release",
          "stockpile_closing_value")


class HealthWarning(UserWarning):
    """A solution that fails a numerical health check."""


def net_position(t: dict[str, pd.DataFrame]) -> pd.Series:
    """Residual of the node balance per (scenario, year, node, commodity), t."""
    parts = [t["production"].groupby(KEY).quantity_t.sum()]
    f = t["flows"]
    parts.append(f.rename(columns={"destination": "node"}).groupby(KEY).quantity_t.sum())
    parts.append(-f.rename(columns={"origin": "node"}).groupby(KEY).quantity_t.sum())
    d = t["demand"].assign(own=lambda x: x.served_t - x.served_by_substitutes_t)
    parts.append(-d.groupby(KEY).own.sum())
    s = t.get("stockpiles")
    if s is not None and not s.empty:
        parts.append((s.release_t - s.purchase_t).groupby([s[k] for k in KEY]).sum())
    parts.append(-t["disposal"].groupby(KEY).quantity_t.sum())
    sub = t.get("substitutes")
    if sub is not None and not sub.empty:
        parts.append(-sub.assign(commodity=sub.substitute).groupby(KEY).substitute_t.sum())
    return pd.concat(parts, axis=1).fillna(0).sum(axis=1)


def check(tables: dict[str, pd.DataFrame], floors: dict[str, tuple[str, set]] | None = None) -> list[str]:
    """Run every check; warn once per failed check (naming the first bad row); return messages.
    ``floors``: price floor policy → (commodity, nodes of its covered plants)."""
    msgs = []
    net = net_position(tables)
    bad = net[net.abs() > TOL_T]
    if len(bad):
        (s, y, n, c), v = bad.index[0], bad.iloc[0]
        msgs.append(f"mass balance off by {v:.3g} t at scenario {s}, year {y}, node {n}, commodity {c} "
                    f"({len(bad)} rows)")
    p = tables["prices"]
    neg = p[p.price_usd_per_kg < -TOL_PRICE]
    if len(neg):
        r = neg.iloc[0]
        msgs.append(f"negative price {r.price_usd_per_kg:.4g} $/kg at scenario {r.scenario}, year {r.year}, "
                    f"node {r.node}, commodity {r.commodity} ({len(neg)} rows)")
    g = tables["government"]
    wrong = g[(g.instrument.isin(NONNEG) & (g.usd < -TOL_USD)) | (g.instrument.isin(NONPOS) & (g.usd > TOL_USD))]
    if len(wrong):
        r = wrong.iloc[0]
        msgs.append(f"payment with the wrong sign: {r.instrument} {r.usd:.4g} USD for policy {r.policy}, "
                    f"payer {r.payer}, scenario {r.scenario}, year {r.year} ({len(wrong)} rows)")
    disp = tables.get("disposal")
    for pol, (c, nodes) in sorted((floors or {}).items()):
        if disp is None or disp.empty:
            break
        paid = g[(g.policy == pol) & (g.usd > TOL_USD)][["scenario", "year"]].drop_duplicates()
        thrown = disp[(disp.commodity == c) & disp.node.isin(nodes) & (disp.quantity_t > TOL_T)]
        both = thrown.merge(paid, on=["scenario", "year"])
        if len(both):
            r = both.iloc[0]
            msgs.append(f"price floor {pol} pays while {r.quantity_t:,.1f} t of {c} are disposed of at {r.node} "
                        f"(scenario {r.scenario}, year {r.year}; {len(both)} rows): covered output may be made "
                        "only to be paid for; read its payments and the price at its reference node with care")
    for m in msgs:
        warnings.warn(m, HealthWarning, stacklevel=2)
    return msgs
