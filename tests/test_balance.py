"""Mass balance for every node, commodity and year; joint products in the ratio of coefficients."""

from __future__ import annotations

import pytest

from reebloc.outputs.health import net_position

from tests.conftest import solved

KEY = ["scenario", "year", "node", "commodity"]


@pytest.mark.parametrize("name", ["transport", "spe3", "chain"])
def test_mass_balance(name):
    t = solved(name).tables
    net = net_position(t)
    assert len(net) > 0
    assert net.abs().max() < 1e-6, net[net.abs() >= 1e-6]


def test_disposal_only_at_zero_price():
    t = solved("chain").tables
    d = t["disposal"].merge(t["prices"], on=["run"] + KEY)
    assert not d.empty, "the chain fixture makes surplus Dy/Tb, so some disposal is expected"
    assert (d.price_usd_per_kg.abs() < 1e-6).all()


def test_joint_products_leave_in_coefficient_ratio():
    """Separation yields NdPr and Dy/Tb in the ratio 0.2 : 0.02 of its coefficients."""
    p = solved("chain").tables["production"]
    sep = p[p.process == "separation"].pivot_table(index=["scenario", "year", "facility"],
                                                   columns="commodity", values="quantity_t")
    assert len(sep) > 0
    assert (sep.ndpr_oxide / sep.dytb_oxide).to_numpy() == pytest.approx(10.0)
    assert (sep.ndpr_oxide / -sep.reo).to_numpy() == pytest.approx(0.2)


def test_mass_balance_catches_a_missing_term():
    """The check is not vacuous: dropping the flows breaks it."""
    t = dict(solved("chain").tables)
    t["flows"] = t["flows"].iloc[0:0]
    assert net_position(t).abs().max() > 1.0
