"""Supply-security metrics and China-content tracing on hand-made tables (hand-computed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reebloc.outputs.metrics.security import SECURITY_COLUMNS, security_table, summary_security
from reebloc.outputs.metrics.tracing import trace_content

COMMODITIES = pd.DataFrame(
    {
        "commodity": ["reo", "ndpr_oxide", "dytb_oxide", "ndpr_metal", "ndfeb_magnet"],
        "stage": ["mine", "separation", "separation", "metal", "magnet"],
    }
)


# ---------------------------------------------------------------- helpers to build tables


def flows(*rows, run="r", scenario="base", year=2030):
    """rows: (origin, destination, commodity, quantity_t)."""
    return pd.DataFrame(
        [(run, scenario, year, o, d, c, float(q), 0.0) for o, d, c, q in rows],
        columns=["run", "scenario", "year", "origin", "destination", "commodity", "quantity_t",
                 "freight_usd"],
    )


def production(*rows, run="r", scenario="base", year=2030):
    """rows: (facility, node, commodity, quantity_t) — outputs positive, inputs negative."""
    return pd.DataFrame(
        [(run, scenario, year, f, n, f"p_{f}", c, float(q), 0.0) for f, n, c, q in rows],
        columns=["run", "scenario", "year", "facility", "node", "process", "commodity",
                 "quantity_t", "cost_usd"],
    )


def demand(*rows, run="r", scenario="base", year=2030):
    """rows: (node, segment, commodity, demand_t, served_t)."""
    return pd.DataFrame(
        [
            (run, scenario, year, n, s, c, float(d), float(v), float(d - v))
            for n, s, c, d, v in rows
        ],
        columns=["run", "scenario", "year", "node", "segment", "commodity", "demand_t", "served_t",
                 "unserved_t"],
    )


def prices(*rows, run="r", scenario="base", year=2030):
    """rows: (node, commodity, price)."""
    return pd.DataFrame(
        [(run, scenario, year, n, c, float(p)) for n, c, p in rows],
        columns=["run", "scenario", "year", "node", "commodity", "price_usd_per_kg"],
    )


def stockpiles(*rows, run="r", scenario="base", year=2030):
    """rows: (node, commodity, purchase_t, release_t, stock_t)."""
    return pd.DataFrame(
        [(run, scenario, year, "sp", n, c, float(b), float(r), float(s)) for n, c, b, r, s in rows],
        columns=["run", "scenario", "year", "policy", "node", "commodity", "purchase_t",
                 "release_t", "stock_t"],
    )


def cat(*frames):
    return pd.concat(frames, ignore_index=True)


def value(sec, node, commodity, metric, scenario=None, year=None):
    m = (sec["node"] == node) & (sec["commodity"] == commodity) & (sec["metric"] == metric)
    if scenario is not None:
        m &= sec["scenario"] == scenario
    if year is not None:
        m &= sec["year"] == year
    hit = sec.loc[m, "value"]
    assert len(hit) == 1, f"expected one {metric} row for {node}/{commodity}, got {len(hit)}"
    return float(hit.iloc[0])


def has(sec, node, commodity, metric):
    m = (sec["node"] == node) & (sec["commodity"] == commodity) & (sec["metric"] == metric)
    return bool(m.any())


# ---------------------------------------------------------------- tracing


def chain_tables():
    """Chinese oxide -> Japanese magnets -> US demand."""
    return {
        "production": production(
            ("cn_mine", "CN", "reo", 100),
            ("cn_sep", "CN", "reo", -100),
            ("cn_sep", "CN", "ndpr_oxide", 30),
            ("jp_mag", "JP", "ndpr_oxide", -30),
            ("jp_mag", "JP", "ndfeb_magnet", 100),
        ),
        "flows": flows(("CN", "JP", "ndpr_oxide", 30), ("JP", "US", "ndfeb_magnet", 100)),
        "demand": demand(("US", "ev", "ndfeb_magnet", 100, 100)),
        "prices": prices(("US", "ndfeb_magnet", 80)),
    }


def test_chain_china_oxide_japan_magnets_us_is_all_chinese_content_but_no_direct_share():
    sec = security_table(chain_tables(), COMMODITIES)
    assert list(sec.columns) == SECURITY_COLUMNS
    assert value(sec, "US", "ndfeb_magnet", "china_mine_content") == pytest.approx(1.0)
    assert value(sec, "US", "ndfeb_magnet", "direct_china_share") == pytest.approx(0.0)
    assert value(sec, "US", "ndfeb_magnet", "hhi") == pytest.approx(1.0)
    assert value(sec, "US", "ndfeb_magnet", "top_share") == pytest.approx(1.0)
    # Japan: its magnets are local output (direct China share 0) made from Chinese oxide.
    assert value(sec, "JP", "ndfeb_magnet", "direct_china_share") == pytest.approx(0.0)
    assert value(sec, "JP", "ndfeb_magnet", "china_mine_content") == pytest.approx(1.0)
    assert value(sec, "JP", "ndpr_oxide", "direct_china_share") == pytest.approx(1.0)
    # China's own output counts as Chinese.
    assert value(sec, "CN", "reo", "direct_china_share") == pytest.approx(1.0)
    assert value(sec, "CN", "ndpr_oxide", "china_mine_content") == pytest.approx(1.0)
    # US imports all its magnets and consumes them: net import reliance 1.
    assert value(sec, "US", "ndfeb_magnet", "net_import_reliance") == pytest.approx(1.0)
    assert value(sec, "US", "ndfeb_magnet", "unserved_t") == pytest.approx(0.0)
    assert not sec["value"].isna().any()


def mixed_tables():
    """JP magnet plant fed 60 t CN oxide and 40 t AU oxide; US imports 50 t magnets from JP and
    50 t from CN (made in China from Chinese oxide); JP keeps 50 t for its own demand."""
    return {
        "production": production(
            ("cn_mine", "CN", "reo", 200),
            ("cn_sep", "CN", "reo", -200),
            ("cn_sep", "CN", "ndpr_oxide", 110),
            ("cn_mag", "CN", "ndpr_oxide", -50),
            ("cn_mag", "CN", "ndfeb_magnet", 50),
            ("au_mine", "AU", "reo", 100),
            ("au_sep", "AU", "reo", -100),
            ("au_sep", "AU", "ndpr_oxide", 40),
            ("jp_mag", "JP", "ndpr_oxide", -100),
            ("jp_mag", "JP", "ndfeb_magnet", 100),
        ),
        "flows": flows(
            ("CN", "JP", "ndpr_oxide", 60),
            ("AU", "JP", "ndpr_oxide", 40),
            ("JP", "US", "ndfeb_magnet", 50),
            ("CN", "US", "ndfeb_magnet", 50),
        ),
        "demand": demand(
            ("US", "ev", "ndfeb_magnet", 60, 40),
            ("US", "wind", "ndfeb_magnet", 40, 40),
            ("JP", "ev", "ndfeb_magnet", 50, 50),
        ),
        "prices": prices(("US", "ndfeb_magnet", 80)),
    }


def test_mixed_feeds_give_hand_computed_shares():
    sec = security_table(mixed_tables(), COMMODITIES)
    # JP oxide pool: 60 CN + 40 AU.
    assert value(sec, "JP", "ndpr_oxide", "direct_china_share") == pytest.approx(0.6)
    assert value(sec, "JP", "ndpr_oxide", "china_mine_content") == pytest.approx(0.6)
    assert value(sec, "JP", "ndpr_oxide", "hhi") == pytest.approx(0.6**2 + 0.4**2)
    assert value(sec, "JP", "ndpr_oxide", "top_share") == pytest.approx(0.6)
    # JP magnets: made from that oxide.
    assert value(sec, "JP", "ndfeb_magnet", "china_mine_content") == pytest.approx(0.6)
    # US magnets: 0.5 x 0.6 (via JP) + 0.5 x 1.0 (from CN) = 0.8; direct share 0.5.
    assert value(sec, "US", "ndfeb_magnet", "china_mine_content") == pytest.approx(0.8)
    assert value(sec, "US", "ndfeb_magnet", "direct_china_share") == pytest.approx(0.5)
    assert value(sec, "US", "ndfeb_magnet", "hhi") == pytest.approx(0.5)
    assert value(sec, "US", "ndfeb_magnet", "top_share") == pytest.approx(0.5)
    # Australia's own oxide has no Chinese content.
    assert value(sec, "AU", "ndpr_oxide", "china_mine_content") == pytest.approx(0.0)
    # Unserved: 20 t of 100 t at US.
    assert value(sec, "US", "ndfeb_magnet", "unserved_t") == pytest.approx(20.0)
    assert value(sec, "US", "ndfeb_magnet", "unserved_share") == pytest.approx(0.2)
    assert value(sec, "JP", "ndfeb_magnet", "unserved_share") == pytest.approx(0.0)
    # Net import reliance: JP oxide imported entirely; JP magnets: output 100, exports 50 -> -1.
    assert value(sec, "JP", "ndpr_oxide", "net_import_reliance") == pytest.approx(1.0)
    assert value(sec, "JP", "ndfeb_magnet", "net_import_reliance") == pytest.approx(-1.0)
    # China: 110 oxide made, 60 exported: (0 - 60) / (110 - 60) = -1.2.
    assert value(sec, "CN", "ndpr_oxide", "net_import_reliance") == pytest.approx(-1.2)


def test_several_inputs_are_weighted_by_tonnes():
    """A magnet plant using 30 t Chinese NdPr metal and 1 t Australian Dy/Tb oxide."""
    t = {
        "production": production(
            ("cn_mine", "CN", "reo", 100),
            ("cn_metal", "CN", "reo", -100),
            ("cn_metal", "CN", "ndpr_metal", 30),
            ("au_mine", "AU", "reo", 10),
            ("au_sep", "AU", "reo", -10),
            ("au_sep", "AU", "dytb_oxide", 1),
            ("jp_mag", "JP", "ndpr_metal", -30),
            ("jp_mag", "JP", "dytb_oxide", -1),
            ("jp_mag", "JP", "ndfeb_magnet", 100),
        ),
        "flows": flows(("CN", "JP", "ndpr_metal", 30), ("AU", "JP", "dytb_oxide", 1)),
    }
    sec = security_table(t, COMMODITIES)
    assert value(sec, "JP", "ndfeb_magnet", "china_mine_content") == pytest.approx(30 / 31)
    # By value instead: NdPr metal $100/kg, Dy/Tb oxide $900/kg -> 3000 / (3000 + 900).
    p = prices(("JP", "ndpr_metal", 100), ("JP", "dytb_oxide", 900))
    traced = trace_content(t["flows"], t["production"], input_weights="value", prices=p)
    row = traced[(traced["node"] == "JP") & (traced["commodity"] == "ndfeb_magnet")]
    assert float(row["value"].iloc[0]) == pytest.approx(3000 / 3900)


def test_local_production_mixes_with_imports_and_reexports_pass_content_on():
    """JP makes 20 t oxide locally from its own ore, imports 60 t from CN and 20 t from AU, and
    re-exports 50 t of its pool to KR: KR gets JP's mixed content (0.6)."""
    t = {
        "production": production(
            ("cn_mine", "CN", "ndpr_oxide", 60),
            ("au_mine", "AU", "ndpr_oxide", 20),
            ("jp_mine", "JP", "ndpr_oxide", 20),
        ),
        "flows": flows(
            ("CN", "JP", "ndpr_oxide", 60), ("AU", "JP", "ndpr_oxide", 20),
            ("JP", "KR", "ndpr_oxide", 50),
        ),
    }
    sec = security_table(t, COMMODITIES)
    assert value(sec, "JP", "ndpr_oxide", "china_mine_content") == pytest.approx(0.6)
    assert value(sec, "KR", "ndpr_oxide", "china_mine_content") == pytest.approx(0.6)
    assert value(sec, "KR", "ndpr_oxide", "direct_china_share") == pytest.approx(0.0)
    # HHI at JP over origins CN 0.6, AU 0.2, JP 0.2.
    assert value(sec, "JP", "ndpr_oxide", "hhi") == pytest.approx(0.36 + 0.04 + 0.04)


def test_hhi_on_a_known_mix():
    """US magnets: 20 t local, 50 t from CN, 30 t from JP."""
    t = {
        "production": production(
            ("us_mag", "US", "ndfeb_magnet", 20),
            ("cn_mag", "CN", "ndfeb_magnet", 50),
            ("jp_mag", "JP", "ndfeb_magnet", 30),
        ),
        "flows": flows(("CN", "US", "ndfeb_magnet", 50), ("JP", "US", "ndfeb_magnet", 30)),
    }
    sec = security_table(t, COMMODITIES)
    assert value(sec, "US", "ndfeb_magnet", "hhi") == pytest.approx(0.2**2 + 0.5**2 + 0.3**2)
    assert value(sec, "US", "ndfeb_magnet", "top_share") == pytest.approx(0.5)
    assert value(sec, "US", "ndfeb_magnet", "direct_china_share") == pytest.approx(0.5)
    # Facilities without inputs are primary: US and JP magnets 0, CN 1.
    assert value(sec, "US", "ndfeb_magnet", "china_mine_content") == pytest.approx(0.5)
    assert value(sec, "US", "ndfeb_magnet", "net_import_reliance") == pytest.approx(0.8)


def test_self_flows_are_ignored():
    t = chain_tables()
    t["flows"] = cat(t["flows"], flows(("US", "US", "ndfeb_magnet", 999)))
    sec = security_table(t, COMMODITIES)
    assert value(sec, "US", "ndfeb_magnet", "direct_china_share") == pytest.approx(0.0)
    assert value(sec, "US", "ndfeb_magnet", "net_import_reliance") == pytest.approx(1.0)


# ---------------------------------------------------------------- stockpiles


def test_stockpile_content_is_carried_across_years_and_cover_days():
    """2030: US buys 10 t Chinese oxide into a stockpile. 2031 (disruption): it imports 10 t from
    AU only and releases the 10 t: its pool is half Chinese."""
    t = {
        "production": cat(
            production(("cn_mine", "CN", "ndpr_oxide", 365), year=2030),
            production(("au_mine", "AU", "ndpr_oxide", 10), year=2031),
        ),
        "flows": cat(
            flows(("CN", "US", "ndpr_oxide", 365), year=2030),
            flows(("AU", "US", "ndpr_oxide", 10), year=2031),
        ),
        "demand": cat(
            demand(("US", "ind", "ndpr_oxide", 355, 355), year=2030),
            demand(("US", "ind", "ndpr_oxide", 40, 20), year=2031),
        ),
        "stockpiles": cat(
            stockpiles(("US", "ndpr_oxide", 10, 0, 10), year=2030),
            stockpiles(("US", "ndpr_oxide", 0, 10, 0), year=2031),
        ),
    }
    sec = security_table(t, COMMODITIES)
    assert value(sec, "US", "ndpr_oxide", "china_mine_content", year=2030) == pytest.approx(1.0)
    assert value(sec, "US", "ndpr_oxide", "china_mine_content", year=2031) == pytest.approx(0.5)
    # Release is inventory, not an origin: direct share over the AU import only.
    assert value(sec, "US", "ndpr_oxide", "direct_china_share", year=2031) == pytest.approx(0.0)
    # Cover: 10 t / (365 t / 365 d) = 10 days; none when the stock is empty.
    assert value(sec, "US", "ndpr_oxide", "stockpile_cover_days", year=2030) == pytest.approx(10.0)
    assert not (
        (sec["metric"] == "stockpile_cover_days") & (sec["year"] == 2031)
    ).any()
    # USGS NIR with stock change: 2030 (365 - 10) / (365 - 10) = 1; 2031 (10 + 10) / 20 = 1.
    assert value(sec, "US", "ndpr_oxide", "net_import_reliance", year=2030) == pytest.approx(1.0)
    assert value(sec, "US", "ndpr_oxide", "net_import_reliance", year=2031) == pytest.approx(1.0)


def test_stockpile_cover_falls_back_to_demand_without_net_imports():
    t = {
        "production": production(("us_mine", "US", "ndpr_oxide", 400)),
        "flows": flows(("US", "JP", "ndpr_oxide", 100)),
        "demand": demand(("US", "ind", "ndpr_oxide", 73, 73)),
        "stockpiles": stockpiles(("US", "ndpr_oxide", 20, 0, 20)),
    }
    sec = security_table(t, COMMODITIES)
    assert value(sec, "US", "ndpr_oxide", "stockpile_cover_days") == pytest.approx(20 / (73 / 365))
    # Net exporter: NIR = (0 - 100 - 20) / (400 - 120) < 0.
    assert value(sec, "US", "ndpr_oxide", "net_import_reliance") == pytest.approx(-120 / 280)


# ---------------------------------------------------------------- scenarios


def two_scenarios():
    base = mixed_tables()
    # Ban: China exports nothing; JP magnets from AU oxide only; US gets 40 t from JP.
    ban = {
        "production": production(
            ("cn_mine", "CN", "reo", 200),
            ("cn_sep", "CN", "reo", -200),
            ("cn_sep", "CN", "ndpr_oxide", 110),
            ("au_mine", "AU", "reo", 100),
            ("au_sep", "AU", "reo", -100),
            ("au_sep", "AU", "ndpr_oxide", 40),
            ("jp_mag", "JP", "ndpr_oxide", -40),
            ("jp_mag", "JP", "ndfeb_magnet", 40),
            scenario="ban",
        ),
        "flows": flows(("AU", "JP", "ndpr_oxide", 40), ("JP", "US", "ndfeb_magnet", 40),
                       scenario="ban"),
        "demand": cat(
            demand(("US", "ev", "ndfeb_magnet", 60, 0), ("US", "wind", "ndfeb_magnet", 40, 40),
                   ("JP", "ev", "ndfeb_magnet", 50, 0), scenario="ban"),
        ),
        "prices": prices(("US", "ndfeb_magnet", 200), scenario="ban"),
    }
    return {k: cat(base[k], ban[k]) for k in base}


def test_price_rise_against_the_baseline_scenario():
    sec = security_table(two_scenarios(), COMMODITIES, baseline_scenario="base")
    rise = value(sec, "US", "ndfeb_magnet", "price_rise_pct", scenario="ban")
    assert rise == pytest.approx(150.0)  # $80/kg -> $200/kg
    assert value(sec, "US", "ndfeb_magnet", "price_rise_pct", scenario="base") == pytest.approx(0.0)
    assert not (security_table(two_scenarios(), COMMODITIES)["metric"] == "price_rise_pct").any()


def test_summary_expected_values_are_probability_weighted():
    sec = security_table(two_scenarios(), COMMODITIES, baseline_scenario="base")
    # these synthetic tables carry no origin classes (no touched_t), so the summary is fed the
    # traced (mine-origin) content under the headline metric's name: the test is the weighting
    assert not (sec["metric"] == "china_content").any()
    sec = sec.replace({"metric": {"china_mine_content": "china_content"}})
    probs = {"base": 0.7, "ban": 0.3}
    s = summary_security(sec, probs)
    cc = s["us_magnet_china_content"]
    # base 0.8, ban 0.0 (all Australian).
    assert value(sec, "US", "ndfeb_magnet", "china_content", scenario="ban") == pytest.approx(0.0)
    assert cc["expected"][2030] == pytest.approx(0.7 * 0.8 + 0.3 * 0.0)
    assert cc["worst"][2030] == pytest.approx(0.8)
    assert cc["worst_scenario"][2030] == "base"
    assert cc["probability_covered"][2030] == pytest.approx(1.0)
    un = s["us_magnet_unserved_t"]
    assert un["expected"][2030] == pytest.approx(0.7 * 20 + 0.3 * 60)
    assert un["worst"][2030] == pytest.approx(60)
    assert un["worst_scenario"][2030] == "ban"
    tot = s["total_unserved_t"]
    assert tot["expected"][2030] == pytest.approx(0.7 * 20 + 0.3 * (60 + 50))
    assert tot["worst"][2030] == pytest.approx(110)
    assert tot["all_years"]["expected"] == pytest.approx(tot["expected"][2030])
    # Generic check: every expected value equals sum_s p_s * value_s.
    for metric, key in (("china_content", "us_magnet_china_content"),
                        ("unserved_t", "us_magnet_unserved_t")):
        rows = sec[(sec["node"] == "US") & (sec["commodity"] == "ndfeb_magnet")
                   & (sec["metric"] == metric)]
        assert s[key]["expected"][2030] == pytest.approx(
            sum(probs[r.scenario] * r.value for r in rows.itertuples())
        )
    import json

    json.dumps(s)  # JSON-ready


def test_summary_rejects_unknown_scenarios_and_several_runs():
    sec = security_table(two_scenarios(), COMMODITIES)
    with pytest.raises(ValueError, match="ban"):
        summary_security(sec, {"base": 1.0})
    two = cat(sec, sec.assign(run="other"))
    with pytest.raises(ValueError, match="one run"):
        summary_security(two, {"base": 0.5, "ban": 0.5})


def test_empty_tables_give_an_empty_table():
    sec = security_table({"flows": flows(), "production": production()}, COMMODITIES)
    assert list(sec.columns) == SECURITY_COLUMNS
    assert len(sec) == 0


def test_undefined_content_is_not_reported():
    """A flow out of a node that has no supply of its own: content undefined -> only the
    traceable part counts (here nothing), so no china_content row for that pool."""
    t = {
        "production": production(("cn_mine", "CN", "reo", 10)),
        "flows": flows(("XX", "US", "ndpr_oxide", 5)),
    }
    sec = security_table(t, COMMODITIES)
    assert not has(sec, "US", "ndpr_oxide", "china_mine_content")
    assert value(sec, "US", "ndpr_oxide", "direct_china_share") == pytest.approx(0.0)
    assert not sec["value"].isna().any()


def test_circulation_without_production_has_no_content_and_initial_stock_can_be_set():
    """Oxide going round JP -> KR -> JP with nothing produced has no traceable origin."""
    t = {
        "production": production(("cn_mine", "CN", "reo", 10)),
        "flows": flows(("JP", "KR", "ndpr_oxide", 5), ("KR", "JP", "ndpr_oxide", 5)),
    }
    traced = trace_content(t["flows"], t["production"])
    content = traced.set_index(["node", "commodity"])["value"]
    assert np.isnan(content[("JP", "ndpr_oxide")]) and np.isnan(content[("KR", "ndpr_oxide")])
    assert content[("CN", "reo")] == 1.0
    sec = security_table(t, COMMODITIES)
    assert not has(sec, "JP", "ndpr_oxide", "china_mine_content")
    # A US stockpile released before anything else is known: its pre-horizon stock takes the
    # given content (here: bought from China before the model's first year).
    sp = stockpiles(("US", "ndpr_oxide", 0, 10, 0))
    flows_au = flows(("AU", "US", "ndpr_oxide", 30))
    prod_au = production(("au_mine", "AU", "ndpr_oxide", 30))
    assert trace_content(flows_au, prod_au, sp).query("node == 'US'")["value"].iloc[0] == 0.0
    traced = trace_content(flows_au, prod_au, sp, initial_stock_content=1.0)
    assert traced.query("node == 'US'")["value"].iloc[0] == pytest.approx(10 / 40)


# ---------------------------------------------------------------- property tests

NODES = ["CN", "US", "JP", "AU", "EU"]
CHAIN = ["reo", "ndpr_oxide", "ndpr_metal", "ndfeb_magnet"]


@st.composite
def balanced_network(draw, china_only: bool = False):
    """A random balanced four-stage chain with 1:1 coefficients.

    Each node mines some ore (only CN when ``china_only``); at each stage each node exports
    shares of its pool (after imports of the previous round arrive, exports are a share of local
    output so that the balance holds), processes a share of what remains into the next
    commodity, and serves the rest to demand.
    """
    n = len(NODES)
    frac = st.floats(0.0, 1.0, allow_nan=False)
    mined = [
        draw(st.floats(0.0, 100.0, allow_nan=False)) if (node == "CN" or not china_only) else 0.0
        for node in NODES
    ]
    if china_only:
        mined[0] = max(mined[0], 1.0)
    prod_rows, flow_rows, served = [], [], {}
    local = mined
    for k, c in enumerate(CHAIN):
        for i, node in enumerate(NODES):
            if local[i] > 0:
                fac = f"mine_{node}" if k == 0 else f"proc{k}_{node}"
                if k > 0:
                    prod_rows.append((fac, node, CHAIN[k - 1], -local[i]))
                prod_rows.append((fac, node, c, local[i]))
        imports = [0.0] * n
        exports = [0.0] * n
        for i in range(n):
            weights = [draw(frac) for _ in range(n)]
            share_out = draw(frac)
            total_w = sum(w for j, w in enumerate(weights) if j != i)
            if total_w <= 0 or local[i] <= 0:
                continue
            for j in range(n):
                if j != i and weights[j] > 0:
                    q = local[i] * share_out * weights[j] / total_w
                    if q > 1e-6:
                        flow_rows.append((NODES[i], NODES[j], c, q))
                        exports[i] += q
                        imports[j] += q
        nxt = []
        for i, node in enumerate(NODES):
            avail = local[i] + imports[i] - exports[i]
            p = draw(frac) if k < len(CHAIN) - 1 else 0.0
            proc = avail * p
            nxt.append(proc if proc > 1e-6 else 0.0)
            served[(node, c)] = avail - nxt[-1]
        local = nxt
    return production(*prod_rows), flows(*flow_rows), served, mined[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balanced_network())
def test_china_content_bounded_and_conserves_chinese_tonnes(net):
    prod, fl, served, cn_mined = net
    traced = trace_content(fl, prod, origin_nodes=["CN"])
    v = traced["value"]
    assert not v.isna().any()
    assert ((v >= -1e-12) & (v <= 1 + 1e-12)).all()
    # Proportional tracing conserves China-origin tonnes (1:1 coefficients): what is mined in
    # China ends up, in tonnes, in what is served somewhere.
    content = {(r.node, r.commodity): r.value for r in traced.itertuples()}
    embedded = sum(q * content.get(key, 0.0) for key, q in served.items())
    assert embedded == pytest.approx(cn_mined, rel=1e-7, abs=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balanced_network(china_only=True))
def test_china_content_is_one_everywhere_when_only_china_mines(net):
    prod, fl, _, _ = net
    sec = security_table({"production": prod, "flows": fl}, COMMODITIES)
    cc = sec[sec["metric"] == "china_mine_content"]["value"]
    assert len(cc) > 0
    np.testing.assert_allclose(cc.to_numpy(), 1.0, rtol=0, atol=1e-9)
