"""Known optima from textbooks: Dantzig's transport problem and Miranda–Fackler's 3-region
spatial price equilibrium (linear curves as a QP; stepwise curves approach the same prices)."""

from __future__ import annotations

import pytest

from reebloc.inputs.config import apply_overrides, load_config
from reebloc.app.run import solve_resolved
from tests.conftest import CONFIGS, solved


def price(result, node, commodity="good", year=2025):
    p = result.tables["prices"]
    row = p[(p.node == node) & (p.commodity == commodity) & (p.year == year)]
    assert len(row) == 1
    return float(row.price_usd_per_kg.iloc[0])


def test_transport_optimum_and_market_duals():
    """GAMS TRNSPORT: minimum freight 153.675 (k$); demand duals NY 0.225, Chicago 0.153, Topeka 0.126."""
    r = solved("transport")
    flows = r.tables["flows"]
    assert flows.freight_usd.sum() / 1000 == pytest.approx(153.675, abs=1e-6)
    for node, dual in {"new-york": 0.225, "chicago": 0.153, "topeka": 0.126}.items():
        assert price(r, node, "cases") == pytest.approx(dual, abs=1e-9)
    # plants have spare capacity in total (950 > 900): their supply duals are zero
    assert price(r, "seattle", "cases") == pytest.approx(0.0, abs=1e-9)
    assert price(r, "san-diego", "cases") == pytest.approx(0.0, abs=1e-9)
    # every market gets exactly its demand, no plant exceeds capacity
    into = flows.groupby("destination").quantity_t.sum()
    assert into.to_dict() == pytest.approx({"new-york": 325, "chicago": 300, "topeka": 275})
    out = flows.groupby("origin").quantity_t.sum()
    assert out["seattle"] <= 350 + 1e-9 and out["san-diego"] <= 600 + 1e-9


def net_exports(result):
    f = result.tables["flows"]
    ex = f.groupby("origin").quantity_t.sum()
    im = f.groupby("destination").quantity_t.sum()
    return {n: float(ex.get(n, 0) - im.get(n, 0)) for n in ("r1", "r2", "r3")}


def test_three_region_spatial_equilibrium_linear_qp():
    """Miranda & Fackler (2002): prices 24, 27, 30; net exports 6, 3, −9."""
    r = solved("spe3")
    assert [price(r, n) for n in ("r1", "r2", "r3")] == pytest.approx([24, 27, 30], abs=1e-4)
    assert list(net_exports(r).values()) == pytest.approx([6, 3, -9], abs=1e-4)
    # arbitrage: where trade flows, importer price = exporter price + freight
    for row in r.tables["flows"].itertuples():
        freight = row.freight_usd / row.quantity_t / 1000
        assert price(r, row.destination) == pytest.approx(price(r, row.origin) + freight, abs=1e-4)


@pytest.mark.parametrize("steps", [4, 16, 64])
def test_stepwise_curves_approach_linear_prices(steps):
    resolved = load_config(CONFIGS / "spe3_steps.yaml")
    r = solve_resolved(apply_overrides(resolved, {"curves.steps": steps}))
    err = max(abs(price(r, n) - p) for n, p in zip(("r1", "r2", "r3"), (24, 27, 30)))
    # the step error is at most the price change across one block: slope × width ≈ 3 × qmax/steps
    assert err <= 3 * 21 / steps + 1e-6


def test_stepwise_error_shrinks():
    errs = {}
    resolved = load_config(CONFIGS / "spe3_steps.yaml")
    for steps in (4, 32, 256):
        r = solve_resolved(apply_overrides(resolved, {"curves.steps": steps}))
        errs[steps] = max(abs(price(r, n) - p) for n, p in zip(("r1", "r2", "r3"), (24, 27, 30)))
    assert errs[256] < errs[32] < errs[4]
    assert errs[256] < 0.1
