"""Synthetic run folders that follow the run-folder contract (docs/architecture.md) exactly.

Used by tests/test_reports.py to test reports without solving a model: each table has the
contract's columns, the manifest and summary have the contract's keys, and the summary's
figures are consistent with the tables (discounted, probability-weighted).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

YEARS = [2025, 2030]
SCENARIOS = {"no_controls": 0.6, "heavy_ban": 0.4}
NODES = ["CN", "US", "JP", "AU"]
COMMODITIES = {"reo": "mine", "ndpr_oxide": "separation", "ndfeb_magnet": "magnet"}
DISCOUNT_RATE = 0.05


def write_dataset(folder: Path, variant: bool = False) -> Path:
    """A tiny data set; ``variant`` changes a demand row, adds a facility and drops a route."""
    folder.mkdir(parents=True, exist_ok=True)
    t = {
        "sources": pd.DataFrame(
            [
                ["usgs_mcs_2025", "USGS, Mineral Commodity Summaries: Rare Earths, 2025", "https://pubs.usgs.gov/", "mine output"],
                ["iea_2024", "IEA, Global Critical Minerals Outlook, 2024", "https://www.iea.org/", "shares"],
            ],
            columns=["source_id", "citation", "url", "note"],
        ),
        "assumptions": pd.DataFrame(
            [
                ["asm_elasticity", "demand elasticity", "1", -0.3, -0.6, -0.1, "textbook"],
                ["asm_freight", "freight", "usd_per_kg", 0.5, 0.2, 1.0, "guess"],
                ["asm_unused", "not cited by any row", "1", 1.0, 0.0, 2.0, ""],
            ],
            columns=["assumption_id", "description", "unit", "central", "low", "high", "note"],
        ),
        "nodes": pd.DataFrame([[n, n, "usgs_mcs_2025"] for n in NODES], columns=["node", "name", "source_id"]),
        "commodities": pd.DataFrame([[c, c, s, "iea_2024"] for c, s in COMMODITIES.items()], columns=["commodity", "name", "stage", "source_id"]),
        "facilities": pd.DataFrame(
            [["cn_mine", "CN", "mining", "state", "operating", 2020, 2040, "usgs_mcs_2025"],
             ["us_mine", "US", "mining", "MP", "operating", 2020, 2040, "usgs_mcs_2025"]]
            + ([["au_sep", "AU", "separation", "Lynas", "committed", 2026, 2040, "iea_2024"]] if variant else []),
            columns=["facility", "node", "process", "owner", "status", "start_year", "end_year", "source_id"],
        ),
        "demand": pd.DataFrame(
            [[n, "ev", "ndfeb_magnet", y, (1200.0 if (variant and n == "US" and y == 2030) else 1000.0), 80.0, -0.3, 500.0, "asm_elasticity"]
             for n in NODES for y in YEARS],
            columns=["node", "segment", "commodity", "year", "quantity_t", "price_usd_per_kg", "elasticity", "voll_usd_per_kg", "source_id"],
        ),
        "routes": pd.DataFrame(
            [[o, d, "ndfeb_magnet", 0.5, "asm_freight"] for o in NODES for d in NODES if o != d and not (variant and o == "AU" and d == "JP")],
            columns=["origin", "destination", "commodity", "freight_usd_per_kg", "source_id"],
        ),
    }
    for name, df in t.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    return folder


def _sha(f: Path) -> str:
    return hashlib.sha256(f.read_bytes()).hexdigest()


def _grid(**dims):
    idx = pd.MultiIndex.from_product(list(dims.values()), names=list(dims))
    return idx.to_frame(index=False)


def write_run(out: Path, name: str, dataset: Path, seed: int, *, floor: float | None = None, bloc: bool = False,
              skip: tuple[str, ...] = ()) -> Path:
    """A run folder ``out/name`` with every contract table except those in ``skip``."""
    rng = np.random.default_rng(seed)
    run = out / name
    run.mkdir(parents=True, exist_ok=True)
    sc = list(SCENARIOS)
    cfg = {
        "name": name,
        "data": str(dataset),
        "years": YEARS,
        "discount_rate": DISCOUNT_RATE,
        "curves": {"kind": "steps", "steps": 4},
        "scenarios": [{"name": s, "probability": p} for s, p in SCENARIOS.items()],
        "policies": [{"name": "us_tariff", "kind": "tariff", "ad_valorem": 0.25, "destination": "US"}],
    }
    if floor is not None:
        cfg["policies"].append({"name": "mp_floor", "kind": "cfd", "floor_usd_per_kg": floor, "payer": "DoD"})
    if bloc:
        cfg["blocs"] = [{"name": "ALLY", "members": ["US", "JP", "AU"], "external_tariff": 0.1}]

    def tag(df):
        df.insert(0, "run", name)
        return df

    tables = {}
    g = _grid(scenario=sc, year=YEARS, origin=NODES, destination=NODES, commodity=["ndfeb_magnet"])
    g = g[g.origin != g.destination].reset_index(drop=True)
    tables["flows"] = tag(g.assign(quantity_t=rng.uniform(0, 500, len(g)).round(3), freight_usd=rng.uniform(0, 1e5, len(g)).round(2)))
    g = _grid(scenario=sc, year=YEARS, facility=["cn_mine", "us_mine"])
    g["node"] = g.facility.str[:2].str.upper()
    g["process"] = "mining"
    g["commodity"] = "reo"
    tables["production"] = tag(g.assign(quantity_t=rng.uniform(100, 900, len(g)).round(3), cost_usd=rng.uniform(1e5, 1e6, len(g)).round(2)))
    g = _grid(scenario=sc, year=YEARS, node=NODES, commodity=["ndpr_oxide", "ndfeb_magnet"])
    tables["prices"] = tag(g.assign(price_usd_per_kg=rng.uniform(50, 150, len(g)).round(4)))
    g = _grid(scenario=sc, year=YEARS, node=NODES, segment=["ev"], commodity=["ndfeb_magnet"])
    served = rng.uniform(600, 1000, len(g)).round(3)
    tables["demand"] = tag(g.assign(demand_t=1000.0, served_t=served, unserved_t=(1000.0 - served).round(3)))
    gov = [("US", "tariff", "us_tariff")] + ([("DoD", "cfd", "mp_floor")] if floor is not None else [])
    rows = [(s, y, p, i, pol, round(float(rng.uniform(-5e6, 2e7)), 2)) for s in sc for y in YEARS for p, i, pol in gov]
    tables["government"] = tag(pd.DataFrame(rows, columns=["scenario", "year", "payer", "instrument", "policy", "usd"]))
    g = _grid(scenario=sc, year=YEARS, node=NODES)
    w = g.assign(**{c: rng.uniform(-1e7, 5e7, len(g)).round(2) for c in ["consumer_surplus_usd", "producer_surplus_usd", "government_net_usd", "tariff_revenue_usd"]})
    w["total_usd"] = w[["consumer_surplus_usd", "producer_surplus_usd", "government_net_usd", "tariff_revenue_usd"]].sum(axis=1)
    tables["welfare"] = tag(w)
    g = _grid(scenario=sc, year=YEARS)
    tables["policies"] = tag(g.assign(policy="us_tariff", kind="tariff", constraint="wedge", shadow_price=rng.uniform(0, 10, len(g)).round(4), unit="usd_per_kg"))
    g = _grid(scenario=sc, year=YEARS)
    tables["stockpiles"] = tag(g.assign(policy="none", node="US", commodity="ndpr_oxide", purchase_t=0.0, release_t=0.0, stock_t=0.0))
    sec_nodes = NODES + (["ALLY"] if bloc else [])
    g = _grid(scenario=sc, year=YEARS, node=sec_nodes, commodity=["ndpr_oxide", "ndfeb_magnet"], metric=["china_content", "hhi"])
    tables["security"] = tag(g.assign(value=rng.uniform(0, 1, len(g)).round(6)))

    for tname, df in tables.items():
        if tname not in skip:
            df.to_csv(run / f"{tname}.csv", index=False)

    # summary consistent with the tables: discounted to the first year, expected over scenarios
    gv = tables["government"]
    disc = gv.usd / (1 + DISCOUNT_RATE) ** (gv.year - YEARS[0]) * gv.scenario.map(SCENARIOS)
    un = tables["demand"].groupby("scenario").unserved_t.sum()
    summary = {
        "run": name,
        "objective_kusd": round(float(rng.uniform(1e5, 2e5)), 3),
        "consumer_cost_usd_discounted": round(float(rng.uniform(1e7, 1e8)), 2),
        "unserved_t": {"expected": float(sum(SCENARIOS[s] * v for s, v in un.items())), "worst": float(un.max())},
        "scenarios": dict(SCENARIOS),
    }
    if "government" not in skip:
        summary["government_cost_usd_discounted"] = {k: float(v) for k, v in disc.groupby(gv.payer).sum().items()}
        summary["government_cost_by_instrument_usd_discounted"] = {k: float(v) for k, v in disc.groupby(gv.instrument).sum().items()}
    (run / "summary.json").write_text(json.dumps(summary, indent=2))
    manifest = {
        "run": name,
        "config": cfg,
        "config_files": [f"runs/{name}.yaml"],
        "overrides": [f"policies[mp_floor].floor_usd_per_kg: None -> {floor}"] if floor is not None else [],
        "inputs": {"path": str(dataset), "files": {f.name: _sha(f) for f in sorted(dataset.glob("*.csv"))}},
        "versions": {"reebloc": "0.1.0", "python": "3.11", "pyomo": "6.9", "highs": "1.8", "pandas": pd.__version__},
        "git_commit": "0756d01",
        "timings_s": {"load": 0.1, "build": 0.2, "solve": 0.3},
        "solver": {"status": "ok", "termination": "optimal", "objective_kusd": summary["objective_kusd"], "seconds": 0.3},
        "wedges": {"iterations": 3, "residual_usd_per_kg": 0.0, "converged": True},
        "scenarios": {s: {"probability": p, "diverges": 2027} for s, p in SCENARIOS.items()},
    }
    (run / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return run


def synthetic_runs(tmp: Path) -> dict[str, Path]:
    """Three runs: ``base``, ``floor110`` (a CfD floor, a bloc, a changed data set) and ``old``
    (made before government and security outputs existed, data-set folder deleted)."""
    d1 = write_dataset(tmp / "data" / "base")
    d2 = write_dataset(tmp / "data" / "variant", variant=True)
    d3 = write_dataset(tmp / "data" / "gone")
    runs = {
        "base": write_run(tmp / "out", "base", d1, seed=1),
        "floor110": write_run(tmp / "out", "floor110", d2, seed=2, floor=110.0, bloc=True),
        "old": write_run(tmp / "out", "old", d3, seed=3, skip=("government", "security", "policies", "stockpiles")),
    }
    for f in d3.glob("*.csv"):
        f.unlink()
    d3.rmdir()
    return runs
