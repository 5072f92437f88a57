"""Solved model → the run's tables: one list of builders shared by ``run`` and sweeps."""

from __future__ import annotations

from typing import Callable

import pandas as pd

from reebloc.outputs import tables as R
from reebloc.outputs.accounting import closing_stock_kusd, government_table, private_closing_kusd, welfare_table
from reebloc.equilibrium import ModelInstance
from reebloc.outputs.prices import reported_prices
from reebloc.solve.solver import balance_prices


def security(tables: dict, inst: ModelInstance) -> pd.DataFrame:
    """security.csv, with price rises against the reference (no-disruption) scenario."""
    from reebloc.outputs.metrics.security import security_table
    from reebloc.solve.stochastic import reference_scenario
    cfg = inst.cfg
    return security_table(tables, inst.data["commodities"], china_node=cfg.china_node,
                          baseline_scenario=reference_scenario(cfg) if len(cfg.scenarios) > 1 else None)


def closing_values(inst: ModelInstance, prices: dict, clean: dict) -> dict:
    """(policy, t) and (node, commodity, t) → k$: every stock left at the end, at the final price."""
    P = lambda n, c, t: prices.get((n, c, t), 0.0)  # noqa: E731
    Pc = lambda n, c, t: clean.get((n, c, t), P(n, c, t))  # noqa: E731
    return {**closing_stock_kusd(inst, P), **private_closing_kusd(inst, P, Pc)}


def table_builders(inst: ModelInstance, duals: dict) -> dict[str, Callable[[dict], pd.DataFrame]]:
    """name → builder(tables so far); ``security`` reads the others, so it comes last."""
    prices = balance_prices(inst.m, duals)
    clean = balance_prices(inst.m, duals, "balance_clean")
    return {
        "flows": lambda t: R.flows_table(inst),
        "production": lambda t: R.production_table(inst),
        "prices": lambda t: R.prices_table(inst, reported_prices(inst, duals)),
        "demand": lambda t: R.demand_table(inst),
        "government": lambda t: government_table(inst, prices),
        "welfare": lambda t: welfare_table(inst, prices, clean),
        "policies": lambda t: R.policies_table(inst, duals),
        "stockpiles": lambda t: R.stockpiles_table(inst, closing_values(inst, prices, clean)),
        "disposal": lambda t: R.disposal_table(inst),
        "substitutes": lambda t: R.substitutes_table(inst),
        "investment": lambda t: R.investment_table(inst),
        "security": lambda t: security(t, inst),
    }


class LazyTables(dict):
    """Tables built on first access (``[]``, ``get``): a sweep builds only what its outputs read."""

    def __init__(self, builders: dict):
        super().__init__()
        self._builders = builders

    def __missing__(self, key):
        if key not in self._builders:
            raise KeyError(key)
        value = self[key] = self._builders[key](self)
        return value

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key):
        return key in self._builders

    def build_all(self) -> "LazyTables":
        for k in self._builders:
            self[k]
        return self


def tabulate(inst: ModelInstance, duals: dict) -> dict[str, pd.DataFrame]:
    """Every table of a run; a run that splits years into periods adds each table by period as
    ``<name>_by_period`` (the period's amounts, columns ``period`` and ``length_years``)."""
    tables = dict(LazyTables(table_builders(inst, duals)).build_all())
    for name, df in inst.period_tables.items():
        tables[name + R.BY_PERIOD] = df
    return tables
