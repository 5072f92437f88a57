"""Private storage (issue 16): competitive stockholders next to the public stockpile, hand-solved
on tests/data/two (China $60/kg + $2 freight to the US; MP $80/kg for 1,000 t; a US backstop
$100/kg; US demand 5,000 t/yr, inelastic; discount rate 0). China bans oxide exports to the US
and Japan in 2026 (the second and last year), which is known in 2025.

By hand, without private holders: 2025 price 62, 2026 price 100 (the backstop is marginal). A
public stockpile of 1,000 t with holding cost $1/kg buys 1,000 t in 2025 and sells them in 2026:
it earns (100 − 62 − 1) × 1,000 t = $37M. With competitive private holders (room 10,000 t,
holding cost h): stocks are carried until the 2026 price is 62 + h, which then replaces MP and
the backstop in 2026 (62 + h < 80), so 5,000 t are carried in all. The stockpile earns
(62 + h − 62 − $1) per kg: $0 when h = $1 (its profit is gone), $1M when h = $2.
"""

from __future__ import annotations

import pandas as pd
import pytest

from reebloc.app.run import solve_resolved
from reebloc.inputs.config import apply_overrides
from tests.policy_helpers import BASE, DATA, gov, price

M = 1e6
BAN_2026 = {"ban": {"probability": 1.0, "export_controls": {
    "cn_ban": {"exporter": "CN", "commodities": ["ndpr_oxide"], "destinations": ["US", "JP"],
               "years": {"start": 2026, "end": 2026}, "kind": "ban"}}}}
VAULT = {"vault": {"kind": "stockpile", "node": "US", "commodity": "ndpr_oxide", "capacity_t": 1000,
                   "holding_cost_usd_per_kg_yr": 1.0, "release": "any", "payer": "US_DoD"}}


def storage(capacity_t=10_000.0, holding=1.0, initial_t=0.0, origin="touched"):
    return pd.DataFrame([{"node": "US", "commodity": "ndpr_oxide", "origin": origin,
                          "capacity_t": capacity_t, "initial_t": initial_t,
                          "holding_cost_usd_per_kg_yr": holding, "capacity_source_id": "fixture",
                          "initial_source_id": "fixture", "holding_source_id": "fixture"}])


def solve(policies=None, private=None, extra=None):
    changes = {"policies": policies or {}, "scenarios": BAN_2026, **(extra or {})}
    data = DATA if private is None else DATA.with_table("storage", private)
    return solve_resolved(apply_overrides(BASE, changes), data)


def vault_net_cost(r):
    """Purchases + holding − resale over both years, $ (negative: the stockpile made a profit)."""
    return sum(gov(r, ins, year=y) for ins in ("stockpile_purchase", "stockpile_holding", "stockpile_release")
               for y in (2025, 2026))


def private_rows(r):
    s = r.tables["stockpiles"]
    return s[s.holder == "private"].set_index("year")


def test_public_stockpile_alone_earns_the_whole_arbitrage():
    r = solve(VAULT)
    assert price(r, "US", 2025) == pytest.approx(62.0)
    assert price(r, "US", 2026) == pytest.approx(100.0)
    assert vault_net_cost(r) == pytest.approx(-37 * M)


def test_private_storage_removes_the_stockpiles_profit():
    r = solve(VAULT, storage(holding=1.0))
    assert price(r, "US", 2025) == pytest.approx(62.0)
    assert price(r, "US", 2026) == pytest.approx(63.0)          # 62 + h: the storage arbitrage condition
    s = r.tables["stockpiles"]
    carried = s[(s.year == 2025)].stock_t.sum()
    assert carried == pytest.approx(5000.0)                      # all 2026 demand from 2025 stocks
    assert vault_net_cost(r) == pytest.approx(0.0, abs=1.0)       # no profit left for the stockpile
    p = private_rows(r)
    assert p.loc[2026, "release_t"] == pytest.approx(p.loc[2025, "purchase_t"])
    # the private holders' margin is zero too: P·(sales − purchases) − h·stock
    margin = 63.0 * p.loc[2026, "release_t"] - 62.0 * p.loc[2025, "purchase_t"] - 1.0 * p.loc[2025, "stock_t"]
    assert margin == pytest.approx(0.0, abs=1e-6)


def test_stockpile_earns_only_its_holding_cost_advantage():
    r = solve(VAULT, storage(holding=2.0))
    assert price(r, "US", 2026) == pytest.approx(64.0)
    assert private_rows(r).loc[2025, "stock_t"] == pytest.approx(4000.0)
    assert vault_net_cost(r) == pytest.approx(-1 * M)             # (64 − 62 − 1) × 1,000 t


def test_private_holders_book_their_margin_in_producer_surplus():
    """Room 1,000 t, h = $1: the 2026 price stays 100 (backstop marginal), holders earn
    (100 − 62 − 1) × 1,000 t = $37M, booked as US producer surplus; welfare adds up."""
    r = solve(None, storage(capacity_t=1000.0))
    assert price(r, "US", 2026) == pytest.approx(100.0)
    w = r.tables["welfare"]
    without = solve(None, None).tables["welfare"]
    us = lambda df: df[df.node == "US"].producer_surplus_usd.sum()   # noqa: E731
    assert us(w) - us(without) == pytest.approx(37 * M)
    # consumers pay 100 in 2026 either way; storage uses 1,000 t fewer backstop tonnes: total welfare
    # rises by (100 − 63) × 1,000 t
    assert w.total_usd.sum() - without.total_usd.sum() == pytest.approx(37 * M)


def test_opening_stock_is_sold_where_it_is_worth_most_and_the_switch_turns_it_off():
    r = solve(None, storage(capacity_t=500.0, initial_t=500.0))
    p = private_rows(r)
    assert p.loc[2025, "stock_t"] == pytest.approx(500.0)        # kept for the ban year (100 > 62 + 1)
    assert p.loc[2026, "release_t"] == pytest.approx(500.0)
    off = solve(None, storage(capacity_t=500.0, initial_t=500.0), extra={"storage": {"private": False}})
    assert (off.tables["stockpiles"].holder == "private").sum() == 0


@pytest.mark.parametrize("row,words", [
    ("US,ndfeb_magnet,touched,-5,0,1,fixture,fixture,fixture", ["storage.csv", "capacity_t", ">= 0"]),
    ("XX,ndfeb_magnet,touched,5,0,1,fixture,fixture,fixture", ["storage.csv", "node", "unknown node 'XX'"]),
    ("US,ndfeb_magnet,touched,5,0,1,fixture,fixture,nosuch", ["storage.csv", "holding_source_id", "unknown source 'nosuch'"]),
    ("US,ndfeb_magnet,cleam,5,0,1,fixture,fixture,fixture", ["storage.csv", "origin", "touched or clean"]),
])
def test_bad_storage_table_is_one_clear_line(copy_dataset, tmp_path, capsys, row, words):
    from reebloc.app.cli import main
    folder, cfg = copy_dataset("chain")
    (folder / "storage.csv").write_text("node,commodity,origin,capacity_t,initial_t,holding_cost_usd_per_kg_yr,"
                                        "capacity_source_id,initial_source_id,holding_source_id\n" + row + "\n")
    out = tmp_path / "out"
    code = main(["run", str(cfg), "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: ")
    for w in words:
        assert w in err[0], (w, err[0])
    assert not out.exists() or not any(out.iterdir())


def test_sweep_path_into_a_block_left_at_its_defaults():
    """A sweep may set storage.private although the config never names the storage block; a
    misspelt key is still refused with its name."""
    from reebloc.errors import ReeblocError
    r = apply_overrides(BASE, {"storage.private": False})
    assert r.config.storage.private is False
    with pytest.raises(ReeblocError, match="privat"):
        apply_overrides(BASE, {"storage.privat": False})


def test_clean_holder_stores_only_clean_material():
    """A holder of clean material (origin clean) can buy only what has no Chinese stage: here MP's
    1,000 t ($80/kg; China's oxide at 62 is touched). By hand: carrying MP's 2025 output into the ban
    year costs 80 + h = 81 < 100, so MP runs at capacity in 2025 and all 1,000 t are stored; the 2026
    price stays 100 (the backstop is still marginal); the 2025 clean price is 100 − h = 99 (MP's
    capacity binds and earns the carry's rent), a clean premium of 99 − 62 = 37 over the touched
    price, which stays 62. A touched holder with the same room stores 5,000 t and the 2026 price
    falls to 63 (test_private_storage_removes_the_stockpiles_profit)."""
    r = solve(None, storage(holding=1.0, origin="clean"))
    p = private_rows(r)
    assert p.loc[2025, "purchase_t"] == pytest.approx(1000.0)
    assert p.loc[2026, "release_t"] == pytest.approx(1000.0)
    assert price(r, "US", 2025) == pytest.approx(62.0)
    assert price(r, "US", 2026) == pytest.approx(100.0)
    pr = r.tables["prices"]
    prem = pr[(pr.node == "US") & (pr.commodity == "ndpr_oxide") & (pr.year == 2025)].clean_premium_usd_per_kg.iloc[0]
    assert prem == pytest.approx(37.0)
    # the holders' margin at the clean price: 100 × 1,000 − 99 × 1,000 − 1 × 1,000 = 0
    w = r.tables["welfare"]
    without = solve(None, None).tables["welfare"]
    assert w.total_usd.sum() - without.total_usd.sum() == pytest.approx((100 - 81) * 1000 * 1e3)


# ------------------------------------------------------------------ closing stocks (money.closing_stocks)
COVER = {"vault": {"kind": "stockpile", "node": "US", "commodity": "ndpr_oxide", "capacity_t": 2000,
                   "holding_cost_usd_per_kg_yr": 1.0, "target_days": 73, "payer": "US_DoD"}}


def calm(policies, closing="none"):
    return solve_resolved(apply_overrides(BASE, {"policies": policies, "money": {"closing_stocks": closing}}), DATA)


@pytest.mark.parametrize("closing, welfare_change", [("market", -2 * M), ("none", -64 * M)])
def test_a_stock_held_to_the_end_keeps_its_market_value(closing, welfare_change):
    """No disruption: a cover target of 73 days of 5,000 t/yr holds 1,000 t in both years. China
    supplies at a constant $62/kg landed, so the US price stays 62 and no producer gains. By hand
    (discount rate 0): the stockpile pays 62 × 1,000 t + $1/kg × 1,000 t × 2 years = $64M, and
    still holds 1,000 t worth $62M at the 2026 price (reported either way). US (and world)
    welfare change: −$64M with the stock worthless at the end (the default, as the LP decides),
    −$2M with `closing_stocks: market`. The budget cost is the cash, $64M, either way."""
    r, base = calm(COVER, closing), calm({}, closing)
    assert price(r, "US", 2026) == pytest.approx(62.0)
    assert r.tables["stockpiles"].set_index("year").loc[2026, "stock_t"] == pytest.approx(1000.0)
    assert r.summary["us_welfare_usd"] - base.summary["us_welfare_usd"] == pytest.approx(welfare_change, abs=1.0)
    assert (r.summary["welfare_total_usd_discounted"] - base.summary["welfare_total_usd_discounted"]
            == pytest.approx(welfare_change, abs=1.0))
    assert r.summary["us_budget_cost_usd"] == pytest.approx(64 * M, abs=1.0)
    assert r.summary["closing_stock_value_usd"] == pytest.approx({"vault": 62 * M}, abs=1.0)
    assert r.tables["stockpiles"].set_index("year").loc[2026, "closing_value_usd"] == pytest.approx(62 * M, abs=1.0)
    counted = 62 * M if closing == "market" else 0.0
    assert gov(r, "stockpile_closing_value", year=2026) == pytest.approx(-counted, abs=1.0)


def test_a_cover_target_where_nothing_is_demanded_is_refused(tmp_path, capsys):
    """target_days at a node with no demand for the commodity is a cover of 0 t: it would do nothing."""
    from tests.conftest import run_refused
    cfg, err = run_refused(tmp_path, capsys, "policies:\n  v: {kind: stockpile, node: JP, commodity: ndpr_oxide, "
                           "capacity_t: 100, target_days: 30, payer: US}")
    assert err.startswith(f"error: {cfg}: policies.v.target_days: JP has no demand for ndpr_oxide"), err
