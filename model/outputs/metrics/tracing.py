"""Origin content traced through processing (proportional flow tracing).

The question: of the material a node has of a commodity, what share was *originally* produced
(mined, or made without rare-earth inputs) in a given set of origin nodes — by default China?
Japanese magnets made from Chinese oxide count as Chinese content; this is the quantity the US
defence sourcing rule (DFARS 252.225-7052) and China's extraterritorial export rule both test.

Model of the material balance (per run, scenario, year)
-------------------------------------------------------
* A **pool** is a (node, commodity) pair. Its supply comes from the node's own facilities'
  output of the commodity, from imports (``flows`` with that destination) and from stockpile
  releases. A node's supply to itself never appears in ``flows``; rows with
  ``origin == destination`` are ignored (local output is already counted through
  ``production``).
* Everything that leaves a pool — exports, process inputs at the node, demand served, stockpile
  purchases — carries the pool's mixed content (**proportional sharing**: no use is assumed to be
  fed preferentially from one source).
* A **facility** (one ``facility`` value of ``production``) with inputs (rows with negative
  ``quantity_t``) draws them from the pools of its own node. The content of its outputs is the
  input-weighted average content of its inputs. All its outputs (joint products) share that
  content. Default weights are **input tonnes**: a magnet plant consuming 0.30 t NdPr metal and
  0.01 t Dy/Tb oxide per tonne of magnet weighs the NdPr 30 times the Dy/Tb. This is the
  mass-based reading of origin rules and keeps the metric independent of prices. With
  ``input_weights="value"`` the weights are tonnes × the node's price of each input (the value
  share of inputs); in that mode a missing price for an input of a facility with several inputs
  is an error (with a single input the weights do not matter).
* A facility **without** inputs (a mine, a recycler whose feed is outside the model, a
  rare-earth-free magnet maker without rare-earth inputs), and any facility output of a
  commodity listed in ``primary_commodities`` (stage ``mine``), is primary: its content is 1 if
  its node is an origin node and 0 otherwise.
* A **stockpile** ((node, commodity), policies summed) is its own pool. Its stock at the start of
  a year (``stock_t - purchase_t + release_t``, i.e. no losses) carries the content of the
  stockpile at the end of the previous listed year of the same run and scenario; purchases carry
  the node's pool content; releases carry the mixed stockpile content. The stock held before the
  first year in the table takes ``initial_stock_content`` if given, otherwise the content of the
  node's pool in that first year.

This gives, per (run, scenario, year), a linear system ``x = W x + b``: each unknown (a pool or
a stockpile; facilities are substituted out, their output weighting the input pools) is a
weighted average of other unknowns (``W``, rows sum to at most 1) and of known primary contents
(``b``). It is solved with ``numpy.linalg.solve``; years of one run and scenario are solved in
order so that stockpile contents carry forward.

Undefined content. An unknown whose sources never lead back to primary output (a pool with no
supply that is nonetheless drawn from, a closed circulation of flows with no production behind
it, a stock of unknown content) has no defined content: it is reported as NaN and dropped by
:func:`reebloc.outputs.metrics.security.security_table`. Where such an undefined source is only *part* of a
pool's supply, it is left out and the remaining shares are renormalised (the content of the
traceable part). Neither occurs when the tables come from a balanced solution.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Quantities at or below this (tonnes) are treated as zero (solver noise).
TOL_T = 1e-9

TRACE_COLUMNS = ["run", "scenario", "year", "node", "commodity", "value"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _as_frame(df: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    if df is None or len(df) == 0:
        return _empty(columns)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"table is missing columns {missing}")
    return df


class _System:
    """Unknowns and their weighted sources for one (run, scenario, year)."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        # per unknown: list of (weight, target) where target is an int (unknown) or a float
        # constant (known content; NaN = undefined).
        self.sources: list[list[tuple[float, int | float]]] = []

    def var(self, key: tuple) -> int:
        i = self.index.get(key)
        if i is None:
            i = len(self.sources)
            self.index[key] = i
            self.sources.append([])
        return i

    def add(self, key: tuple, weight: float, target: int | float) -> None:
        if weight > TOL_T:
            self.sources[self.var(key)].append((float(weight), target))

    def solve(self) -> np.ndarray:
        n = len(self.sources)
        x = np.full(n, np.nan)
        if n == 0:
            return x
        # Which unknowns can reach a defined constant source?
        parents: list[list[int]] = [[] for _ in range(n)]
        seeds = []
        for i, srcs in enumerate(self.sources):
            for _, t in srcs:
                if isinstance(t, int):
                    parents[t].append(i)
                elif not np.isnan(t):
                    seeds.append(i)
        defined = np.zeros(n, dtype=bool)
        queue = deque(seeds)
        for s in seeds:
            defined[s] = True
        while queue:
            j = queue.popleft()
            for i in parents[j]:
                if not defined[i]:
                    defined[i] = True
                    queue.append(i)
        ids = np.flatnonzero(defined)
        if len(ids) == 0:
            return x
        pos = {int(i): k for k, i in enumerate(ids)}
        m = len(ids)
        a = np.eye(m)
        b = np.zeros(m)
        for k, i in enumerate(ids):
            kept = [
                (w, t)
                for w, t in self.sources[i]
                if (defined[t] if isinstance(t, int) else not np.isnan(t))
            ]
            total = sum(w for w, _ in kept)
            for w, t in kept:
                if isinstance(t, int):
                    a[k, pos[t]] -= w / total
                else:
                    b[k] += w / total * t
        x[ids] = np.clip(np.linalg.solve(a, b), 0.0, 1.0)
        return x


def trace_content(
    flows: pd.DataFrame,
    production: pd.DataFrame,
    stockpiles: pd.DataFrame | None = None,
    origin_nodes: Iterable[str] = ("CN",),
    primary_commodities: Iterable[str] = (),
    input_weights: str = "tonnes",
    prices: pd.DataFrame | None = None,
    initial_stock_content: float | None = None,
) -> pd.DataFrame:
    """Share of each (node, commodity) pool's supply originally produced in ``origin_nodes``.

    ``flows``: run, scenario, year, origin, destination, commodity, quantity_t.
    ``production``: run, scenario, year, facility, node, commodity, quantity_t (outputs
    positive, inputs negative). ``stockpiles`` (optional): run, scenario, year, node, commodity,
    purchase_t, release_t, stock_t (several policies at one node and commodity are summed).
    ``prices`` (only for ``input_weights="value"``): run, scenario, year, node, commodity,
    price_usd_per_kg.

    Returns columns run, scenario, year, node, commodity, value (0–1), one row per pool with
    positive supply (output + imports + stockpile release); value is NaN where the content is
    undefined (see the module docstring for the rules).
    """
    if input_weights not in ("tonnes", "value"):
        raise ValueError(f"input_weights must be 'tonnes' or 'value', not {input_weights!r}")
    origins = set(origin_nodes)
    primary = set(primary_commodities)
    key = ["run", "scenario", "year"]
    fl = _as_frame(flows, key + ["origin", "destination", "commodity", "quantity_t"])
    pr = _as_frame(production, key + ["facility", "node", "commodity", "quantity_t"])
    sp = _as_frame(stockpiles, key + ["node", "commodity", "purchase_t", "release_t", "stock_t"])
    fl = fl[(fl["origin"] != fl["destination"]) & (fl["quantity_t"] > TOL_T)]
    pr = pr[pr["quantity_t"].abs() > TOL_T]
    if len(sp):
        sp = sp.groupby(key + ["node", "commodity"], as_index=False)[
            ["purchase_t", "release_t", "stock_t"]
        ].sum()

    price_map: dict[tuple, float] = {}
    if input_weights == "value":
        pc = _as_frame(prices, key + ["node", "commodity", "price_usd_per_kg"])
        price_map = {
            tuple(r[:-1]): float(r[-1])
            for r in pc[key + ["node", "commodity", "price_usd_per_kg"]].itertuples(index=False)
        }

    # Bucket rows by (run, scenario) and year once, as plain tuples (fast at many scenarios).
    groups: dict[tuple, dict] = {}

    def bucket(rk, year):
        return groups.setdefault(rk, {}).setdefault(year, {"fl": [], "pr": {}, "sp": []})

    fl_cols = key + ["origin", "destination", "commodity", "quantity_t"]
    for run, scen, year, o, d, c, q in fl[fl_cols].itertuples(index=False):
        bucket((run, scen), year)["fl"].append((o, d, c, float(q)))
    pr_cols = key + ["facility", "node", "commodity", "quantity_t"]
    for run, scen, year, fac, n, c, q in pr[pr_cols].itertuples(index=False):
        bucket((run, scen), year)["pr"].setdefault(fac, []).append((n, c, float(q)))
    if len(sp):
        for run, scen, year, n, c, buy, rel, stock in sp[
            key + ["node", "commodity", "purchase_t", "release_t", "stock_t"]
        ].itertuples(index=False):
            bucket((run, scen), year)["sp"].append((n, c, float(buy), float(rel), float(stock)))

    out: list[tuple] = []
    for (run, scen), by_year in groups.items():
        carried: dict[tuple, float] = {}  # stockpile (node, commodity) -> content at end of year
        for year in sorted(by_year):
            parts = by_year[year]
            sysm = _System()
            supply: dict[tuple, float] = {}

            # Imports: pool (dest, c) <- pool (orig, c)
            for o, d, c, q in parts["fl"]:
                sysm.add(("pool", d, c), q, sysm.var(("pool", o, c)))
                supply[(d, c)] = supply.get((d, c), 0.0) + q

            # Facilities: an output's content is the weighted mean of the input pools' contents.
            # The facility is eliminated at once (its output is a source of the pool with
            # weight q split over the input pools), which keeps the dense system at the size
            # of the pools.
            for fac, rows in parts["pr"].items():
                node = rows[0][0]
                own = 1.0 if node in origins else 0.0
                ins = [(c, -q) for _, c, q in rows if q < 0]
                outs = [(c, q) for _, c, q in rows if q > 0]
                if input_weights == "value" and len(ins) > 1:
                    valued = []
                    for c, w in ins:
                        p = price_map.get((run, scen, year, node, c))
                        if p is None or not np.isfinite(p):
                            raise ValueError(
                                f"no price for input {c} at {node} ({run}, {scen}, {year})"
                            )
                        valued.append((c, w * max(p, 0.0)))
                    if sum(w for _, w in valued) > 0:  # all prices 0: fall back to tonnes
                        ins = valued
                total_in = sum(w for _, w in ins)
                mix = [(w / total_in, sysm.var(("pool", node, c))) for c, w in ins]
                for c, q in outs:
                    if not ins or c in primary:
                        sysm.add(("pool", node, c), q, own)
                    else:
                        for share, target in mix:
                            sysm.add(("pool", node, c), q * share, target)
                    supply[(node, c)] = supply.get((node, c), 0.0) + q

            # Stockpiles
            stock_keys = []
            for n, c, buy, rel, stock in parts["sp"]:
                skey = ("stock", n, c)
                start = max(stock - buy + rel, 0.0)
                if start > TOL_T:
                    if (n, c) in carried:
                        sysm.add(skey, start, carried[(n, c)])
                    elif initial_stock_content is not None:
                        sysm.add(skey, start, float(initial_stock_content))
                    else:
                        sysm.add(skey, start, sysm.var(("pool", n, c)))
                sysm.add(skey, buy, sysm.var(("pool", n, c)))
                if rel > TOL_T:
                    sysm.add(("pool", n, c), rel, sysm.var(skey))
                    supply[(n, c)] = supply.get((n, c), 0.0) + rel
                if start + buy > TOL_T:
                    stock_keys.append((n, c))

            x = sysm.solve()
            for (n, c), s in supply.items():
                if s > TOL_T:
                    out.append((run, scen, year, n, c, float(x[sysm.index[("pool", n, c)]])))
            new_carried = {}
            for n, c in stock_keys:
                i = sysm.index.get(("stock", n, c))
                new_carried[(n, c)] = float(x[i]) if i is not None else np.nan
            carried = new_carried

    if not out:
        return _empty(TRACE_COLUMNS)
    res = pd.DataFrame(out, columns=TRACE_COLUMNS)
    return res.sort_values(TRACE_COLUMNS[:5], kind="stable").reset_index(drop=True)
