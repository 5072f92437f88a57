"""Origin classes, hand-solved on a tiny chain (tests/data/origin, docs/model.md § Origin classes).

The fixture, one year, all demand fixed (elasticity 0, value of lost load $500/kg):

    cn_mine (CN)  reo       $2/kg      us_mine (US)  reo  $5/kg
    cn_mag  (CN)  magnet    $3/kg      my_mag  (MY)  magnet from reo, $3/kg
    freight $1/kg on every arc: CN→MY reo, US→MY reo, CN→US magnets, MY→US magnets
    demand: US ev 50 t, US defence 10 t, CN ev 100 t

Routes to a US magnet, $/kg delivered:
    CN ore, CN magnet          2 + 3 + 1      = 6   (China-touched)
    CN ore, MY magnet          2 + 1 + 3 + 1  = 7   (China-touched: mined in China)
    US ore, MY magnet          5 + 1 + 3 + 1  = 10  (clean: no stage in China)
"""

from __future__ import annotations

import pytest

from reebloc.app.cli import main
from reebloc.app.run import solve_resolved
from reebloc.inputs.config import apply_overrides, load_config
from reebloc.inputs.dataset import load_dataset
from tests.conftest import CONFIGS

BASE = load_config(CONFIGS / "origin.yaml")
DATA = load_dataset(BASE.data_dir, BASE.config.year_list)
DFARS = {"kind": "content_rule", "node": "US", "segments": ["defence"]}
BAN = {"kind": "ban", "commodities": ["ndfeb_magnet"], "destinations": ["US"], "years": {"start": 2025, "end": 2025}}
EXTRA = dict(BAN, exporter="third_countries", origin_class="china_touched")


def solve(policies=None, controls=None):
    changes = {"policies": policies or {}}
    if controls is not None:
        changes["scenarios"] = {"b": {"probability": 1.0, "export_controls": controls}}
    return solve_resolved(apply_overrides(BASE, changes), DATA)


def row(r, table, **sel):
    df = r.tables[table]
    for k, v in sel.items():
        df = df[df[k] == v]
    return df


def us_price(r):
    return float(row(r, "prices", node="US", commodity="ndfeb_magnet").price_usd_per_kg.iloc[0])


def flow(r, o, d, c="ndfeb_magnet"):
    f = row(r, "flows", origin=o, destination=d, commodity=c)
    return float(f.quantity_t.sum()), float(f.touched_t.sum())


def test_without_rules_all_us_magnets_come_from_china_and_no_clean_route_runs():
    r = solve()
    assert us_price(r) == pytest.approx(6.0)                    # 2 + 3 + 1
    assert flow(r, "CN", "US") == pytest.approx((60.0, 60.0))
    assert row(r, "production", facility="us_mine").quantity_t.sum() == pytest.approx(0.0)
    assert row(r, "prices", node="US", commodity="ndfeb_magnet").clean_premium_usd_per_kg.isna().all()


def test_content_rule_binds_chooses_the_clean_route_and_prices_the_clean_premium():
    """DFARS-like rule on US defence (10 t): defence is served by the only clean route, US ore
    made into magnets in MY, at 10 $/kg; the rest still comes from China at 6 $/kg. The clean
    premium (clean − touched price at US) is 10 − 6 = 4 $/kg, a dual of the clean balance."""
    r = solve({"dfars": DFARS})
    assert us_price(r) == pytest.approx(6.0)
    p = row(r, "prices", node="US", commodity="ndfeb_magnet")
    assert float(p.clean_premium_usd_per_kg.iloc[0]) == pytest.approx(4.0)
    assert flow(r, "MY", "US") == pytest.approx((10.0, 0.0))       # 10 t, none of it touched
    assert flow(r, "CN", "US") == pytest.approx((50.0, 50.0))
    assert flow(r, "US", "MY", "reo") == pytest.approx((10.0, 0.0))
    assert row(r, "production", facility="us_mine").quantity_t.sum() == pytest.approx(10.0)
    # the defence row is served in full (its VOLL, 500, is far above 10)
    d = row(r, "demand", node="US", segment="defence")
    assert float(d.served_t.iloc[0]) == pytest.approx(10.0)


def test_content_rule_covers_only_its_segments():
    """The rule on US ev (50 t) instead: 50 t clean via MY, defence (10 t) stays Chinese."""
    r = solve({"ev_rule": dict(DFARS, segments=["ev"])})
    assert flow(r, "MY", "US") == pytest.approx((50.0, 0.0))
    assert flow(r, "CN", "US") == pytest.approx((10.0, 10.0))
    assert row(r, "production", facility="us_mine").quantity_t.sum() == pytest.approx(50.0)
    r = solve({"dfars": dict(DFARS, enabled=False)})
    assert flow(r, "MY", "US") == pytest.approx((0.0, 0.0))


def test_china_ban_alone_reroutes_chinese_ore_through_a_third_country():
    """China bans its own magnet exports to the US: MY makes the magnets from Chinese ore
    (touched), US price 2 + 1 + 3 + 1 = 7."""
    r = solve(controls={"cn": BAN})
    assert us_price(r) == pytest.approx(7.0)
    assert flow(r, "MY", "US") == pytest.approx((60.0, 60.0))


def test_extraterritorial_ban_cuts_the_third_countrys_touched_exports():
    """Adding China's extraterritorial rule (third countries' China-touched magnets to the US
    banned): MY's touched exports fall from 60 t to 0; MY switches to US ore (clean), US price 10."""
    r = solve(controls={"cn": BAN, "xt": EXTRA})
    assert us_price(r) == pytest.approx(10.0)
    assert flow(r, "MY", "US") == pytest.approx((60.0, 0.0))
    assert flow(r, "CN", "MY", "reo")[0] == pytest.approx(0.0)
    assert flow(r, "US", "MY", "reo") == pytest.approx((60.0, 0.0))


def test_extraterritorial_licence_is_a_friction_on_touched_flows_only():
    """A $2/kg licence instead of a ban: touched route 7 + 2 = 9 < clean 10, so MY keeps using
    Chinese ore and the US price is 9."""
    r = solve(controls={"cn": BAN, "xt": dict(EXTRA, kind="licence", cost_usd_per_kg=2.0)})
    assert us_price(r) == pytest.approx(9.0)
    assert flow(r, "MY", "US") == pytest.approx((60.0, 60.0))
    r = solve(controls={"cn": BAN, "xt": dict(EXTRA, kind="licence", cost_usd_per_kg=5.0)})
    assert us_price(r) == pytest.approx(10.0)                   # 7 + 5 > 10: the clean route wins
    assert flow(r, "MY", "US") == pytest.approx((60.0, 0.0))


def test_any_stage_content_counts_chinese_ore_processed_abroad():
    """Under China's own ban the US buys MY magnets from Chinese ore: any-stage China content 1,
    mine-origin content 1 too; with the extraterritorial ban both are 0. Direct share is 0 in both."""
    for controls, expect in [({"cn": BAN}, 1.0), ({"cn": BAN, "xt": EXTRA}, 0.0)]:
        sec = row(solve(controls=controls), "security", node="US", commodity="ndfeb_magnet")
        v = sec.set_index("metric").value
        assert float(v["china_content"]) == pytest.approx(expect)
        assert float(v["direct_china_share"]) == pytest.approx(0.0)
        assert float(v["china_content"]) >= float(v["direct_china_share"]) - 1e-9


@pytest.mark.parametrize("change,words", [
    ({"policies": {"dfars": dict(DFARS, segments=["defense"])}},
     ["policies.dfars.segments", "unknown demand segment at US 'defense'", "did you mean"]),
    ({"scenarios": {"b": {"probability": 1.0, "export_controls": {"xt": dict(EXTRA, origin_class="touched")}}}},
     ["scenarios.b.export_controls.xt.origin_class", "china_touched"]),
    ({"scenarios": {"b": {"probability": 1.0, "export_controls": {"xt": dict(EXTRA, exporter=["MY", "XX"])}}}},
     ["scenarios.b.export_controls.xt.exporter", "unknown node 'XX'"]),
])
def test_bad_origin_input_is_one_clear_line(tmp_path, capsys, change, words):
    import yaml
    cfg = yaml.safe_load((CONFIGS / "origin.yaml").read_text())
    cfg["inputs"] = str((CONFIGS / cfg["inputs"]).resolve())
    cfg.update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = tmp_path / "out"
    code = main(["run", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("error: ") and "bad.yaml" in lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert not out.exists() or not any(out.iterdir())


def test_material_with_no_chinese_stage_is_clean_at_every_node(tmp_path):
    """Japan makes heavy-free magnets from Japanese NdPr metal (no Chinese stage) next to standard
    magnets with Chinese Dy/Tb. The heavy-free magnets are clean: China content 0 at Japan, not
    a node of origin.tie_break_nodes. (The preference for clean output applied at the US only, so
    the LP's vertex labelled them touched and Japan's content read 1.)"""
    from tests.conftest import csv_text as csv, solve_files
    files = {
        "nodes.csv": csv("node,name,source_id", ["CN,China,fx", "JP,Japan,fx"]),
        "commodities.csv": csv("commodity,name,stage,source_id", [
            "dy_oxide,Dy,separation,fx", "tb_oxide,Tb,separation,fx", "ndpr_metal,m,metal,fx",
            "ndfeb_magnet,mag,magnet,fx", "ndfeb_dyfree_magnet,free,magnet,fx"]),
        "processes.csv": csv("process,commodity,coefficient_t,source_id", [
            "dy_supply,dy_oxide,1,fx", "tb_supply,tb_oxide,1,fx", "metal_supply,ndpr_metal,1,fx",
            "magnet_std,ndpr_metal,-0.28,fx", "magnet_std,dy_oxide,-0.017,fx", "magnet_std,tb_oxide,-0.003,fx",
            "magnet_std,ndfeb_magnet,1,fx", "magnet_free,ndpr_metal,-0.29,fx", "magnet_free,ndfeb_dyfree_magnet,1,fx"]),
        "facilities.csv": csv("facility,node,process,owner,status,start_year,end_year,source_id", [
            "dy_src,CN,dy_supply,s,operating,2025,2025,fx", "tb_src,CN,tb_supply,s,operating,2025,2025,fx",
            "metal_src,JP,metal_supply,s,operating,2025,2025,fx", "plant,JP,magnet_std,m,operating,2025,2025,fx"]),
        "capacity.csv": csv("facility,year,capacity_t,source_id", [
            "dy_src,2025,100000,fx", "tb_src,2025,100000,fx", "metal_src,2025,100000,fx", "plant,2025,5000,fx"]),
        "costs.csv": csv("facility,year,cost_usd_per_kg,slope_usd_per_kg_per_t,source_id", [
            "dy_src,2025,200,,fx", "tb_src,2025,800,,fx", "metal_src,2025,50,,fx", "plant,2025,10,,fx"]),
        "demand.csv": csv("node,segment,commodity,year,quantity_t,price_usd_per_kg,elasticity,voll_usd_per_kg,source_id", [
            "JP,traction,ndfeb_magnet,2025,800,0,0,500,fx", "JP,pumps,ndfeb_magnet,2025,200,0,0,500,fx"]),
        "routes.csv": csv("origin,destination,commodity,freight_usd_per_kg,source_id", [
            "CN,JP,dy_oxide,1,fx", "CN,JP,tb_oxide,1,fx"]),
        "grades.csv": csv("facility,process,cost_premium_usd_per_kg,source_id,max_share,max_share_source_id", [
            "plant,magnet_free,4.0,fx,1,fx"]),
        "substitution.csv": csv("segment,commodity,substitute,max_share,ratio_t_per_t,source_id", [
            "pumps,ndfeb_magnet,ndfeb_dyfree_magnet,0.5,1,fx"]),
        "sources.csv": csv("source_id,citation,url,note", ["fx,fixture,,round numbers"]),
        "assumptions.csv": csv("assumption_id,description,unit,central,low,high,note", []),
    }
    res = solve_files(tmp_path, files, "name: g\nyears: {start: 2025, end: 2025}\ndiscount_rate: 0\nmoney: {home: JP}\n"
                      "trade: {gradual: false}\n")
    p = res.tables["production"]
    free = p[p.commodity == "ndfeb_dyfree_magnet"]
    assert free.quantity_t.sum() == pytest.approx(100.0, abs=1e-6) and free.touched_t.sum() == pytest.approx(0.0, abs=1e-9)
    sec = res.tables["security"]
    row = sec[(sec.node == "JP") & (sec.commodity == "ndfeb_dyfree_magnet") & (sec.metric == "china_content")]
    assert row.value.iloc[0] == pytest.approx(0.0, abs=1e-9)
    std = sec[(sec.node == "JP") & (sec.commodity == "ndfeb_magnet") & (sec.metric == "china_content")]
    assert std.value.iloc[0] == pytest.approx(1.0)        # Chinese Dy/Tb in every standard magnet


@pytest.mark.parametrize("us_ce", [False, True])
def test_a_content_rule_segment_takes_clean_substitutes_only(tmp_path, us_ce):
    """US motors (1,000 t NdPr, inelastic) under a content rule. China makes NdPr at $60 and Ce
    oxide (a 30% substitute at 2 t per t) at $10, +$2 freight each; a clean US backstop makes NdPr
    at $100. Chinese Ce cannot serve the rule's segment: 1,000 t of clean NdPr at $100 (it used
    to take 300 t through 600 t of Chinese Ce). With a clean US Ce plant at $20 (2 × 20 = 40 < 100)
    the substitute serves its 300 t again, clean."""
    from tests.conftest import csv_text as csv, solve_files
    fac = ["cn_sep,CN,separation,s,operating,2025,2025,fx", "cn_ce,CN,ce_sep,x,operating,2025,2025,fx",
           "us_bk,US,separation,x,operating,2025,2025,fx"] + (["us_ce,US,ce_sep,x,operating,2025,2025,fx"] if us_ce else [])
    files = {
        "nodes.csv": csv("node,name,source_id", ["CN,China,fx", "US,USA,fx"]),
        "commodities.csv": csv("commodity,name,stage,source_id", ["ndpr_oxide,o,separation,fx", "ce_oxide,ce,separation,fx"]),
        "processes.csv": csv("process,commodity,coefficient_t,source_id", ["separation,ndpr_oxide,1,fx", "ce_sep,ce_oxide,1,fx"]),
        "facilities.csv": csv("facility,node,process,owner,status,start_year,end_year,source_id", fac),
        "capacity.csv": csv("facility,year,capacity_t,source_id", [f"{f.split(',')[0]},2025,100000,fx" for f in fac]),
        "costs.csv": csv("facility,year,cost_usd_per_kg,slope_usd_per_kg_per_t,source_id",
                         ["cn_sep,2025,60,,fx", "cn_ce,2025,10,,fx", "us_bk,2025,100,,fx"] + (["us_ce,2025,20,,fx"] if us_ce else [])),
        "demand.csv": csv("node,segment,commodity,year,quantity_t,price_usd_per_kg,elasticity,voll_usd_per_kg,source_id",
                          ["US,motors,ndpr_oxide,2025,1000,0,0,500,fx"]),
        "routes.csv": csv("origin,destination,commodity,freight_usd_per_kg,source_id",
                          ["CN,US,ndpr_oxide,2,fx", "CN,US,ce_oxide,2,fx"]),
        "substitution.csv": csv("segment,commodity,substitute,max_share,ratio_t_per_t,source_id",
                                ["motors,ndpr_oxide,ce_oxide,0.3,2,fx"]),
        "sources.csv": csv("source_id,citation,url,note", ["fx,fixture,,round numbers"]),
        "assumptions.csv": csv("assumption_id,description,unit,central,low,high,note", []),
    }
    res = solve_files(tmp_path, files, "name: c\nyears: {start: 2025, end: 2025}\ndiscount_rate: 0\n"
                      "trade: {gradual: false}\n"
                      "policies: {dfars: {kind: content_rule, node: US, segments: [motors], commodities: [ndpr_oxide]}}\n")
    d = res.tables["demand"].iloc[0]
    assert d.served_t == pytest.approx(1000.0) and d.served_by_substitutes_t == pytest.approx(300.0 if us_ce else 0.0, abs=1e-6)
    f = res.tables["flows"]
    assert f[f.commodity == "ce_oxide"].quantity_t.sum() == pytest.approx(0.0, abs=1e-6)    # no Chinese Ce for motors
    p = res.tables["production"]
    assert p[p.facility == "us_bk"].quantity_t.sum() == pytest.approx(700.0 if us_ce else 1000.0, abs=1e-6)


def chain4(demand_rows: list[str], australia: bool = True) -> dict[str, str]:
    """A four-node magnet chain solved by hand: China makes oxide at $10/kg and magnets at +$5;
    Japan and the US make magnets at +$6 and +$8; Australia oxide at $14 (the only clean source;
    none with ``australia=False``); freight $1 (China → Japan magnets $0.5); ``demand_rows`` of
    demand.csv (node,segment,commodity,year,...)."""
    from tests.conftest import csv_text as csv
    files = {
        "nodes.csv": csv("node,name,source_id", ["CN,CN,fx", "JP,JP,fx", "US,US,fx", "AU,AU,fx"]),
        "commodities.csv": csv("commodity,name,stage,source_id",
                               ["ndfeb_magnet,magnet,magnet,fx", "ndpr_oxide,oxide,separation,fx"]),
        "processes.csv": csv("process,commodity,coefficient_t,source_id",
                             ["oxsrc,ndpr_oxide,1,fx", "magnet,ndpr_oxide,-1,fx", "magnet,ndfeb_magnet,1,fx"]),
        "facilities.csv": csv("facility,node,process,owner,status,start_year,end_year,source_id",
                              [f"{f},{n},{p},o,operating,2025,2025,fx" for f, n, p in
                               (("cn_ox", "CN", "oxsrc"), ("cn_mag", "CN", "magnet"), ("jp_mag", "JP", "magnet"),
                                ("us_mag", "US", "magnet"), ("au_ox", "AU", "oxsrc"))]),
        "capacity.csv": csv("facility,year,capacity_t,source_id",
                            [f"{f},2025,10000,fx" for f in ("cn_ox", "cn_mag", "jp_mag", "us_mag", "au_ox")]),
        "costs.csv": csv("facility,year,cost_usd_per_kg,slope_usd_per_kg_per_t,source_id",
                         ["cn_ox,2025,10,,fx", "cn_mag,2025,5,,fx", "jp_mag,2025,6,,fx", "us_mag,2025,8,,fx",
                          "au_ox,2025,14,,fx"]),
        "demand.csv": csv("node,segment,commodity,year,quantity_t,price_usd_per_kg,elasticity,voll_usd_per_kg,source_id",
                          demand_rows),
        "routes.csv": csv("origin,destination,commodity,freight_usd_per_kg,source_id",
                          ["CN,US,ndpr_oxide,1,fx", "CN,JP,ndpr_oxide,1,fx", "CN,US,ndfeb_magnet,1,fx",
                           "JP,US,ndfeb_magnet,1,fx", "CN,JP,ndfeb_magnet,0.5,fx", "AU,JP,ndpr_oxide,1,fx",
                           "AU,US,ndpr_oxide,1,fx"]),
        "sources.csv": "source_id,citation,url,note\nfx,hand case,,\n",
        "assumptions.csv": "assumption_id,description,unit,central,low,high,note\n",
    }
    if not australia:
        for name in ("facilities.csv", "capacity.csv", "costs.csv"):
            files[name] = "".join(x for x in files[name].splitlines(keepends=True) if not x.startswith("au_ox"))
    return files


def test_a_third_countrys_stockpile_cannot_launder_banned_magnets(tmp_path):
    """China makes oxide at $10 and magnets at +$5; Japan and the US make magnets at +$6 and +$8;
    freight $1 (China → Japan magnets $0.5). China bans oxide and magnet exports to the US. By
    hand the US buys Japanese magnets made from Chinese oxide: 10 + 1 + 6 + 1 = $18/kg. A Japanese
    magnet stockpile (release any) used to buy 100 t of Chinese magnets and release them the same
    year for export to the US at 15 + 0.5 + 1 = $16.5 (its release counted as made in Japan): a
    stockpile's release now serves only its own node's market."""
    from tests.conftest import solve_files
    files = chain4(["CN,ev,ndfeb_magnet,2025,1000,0,0,500,fx", "US,ev,ndfeb_magnet,2025,100,0,0,500,fx",
                    "JP,ev,ndfeb_magnet,2025,50,0,0,500,fx"])
    res = solve_files(tmp_path, files, "name: launder\nyears: {start: 2025, end: 2025}\ndiscount_rate: 0\n"
                      "scenarios:\n  s: {probability: 1.0, export_controls: {b: {exporter: CN, commodities: "
                      "[ndpr_oxide, ndfeb_magnet], destinations: [US], years: {start: 2025, end: 2025}, kind: ban}}}\n"
                      "policies:\n  jpst: {kind: stockpile, node: JP, commodity: ndfeb_magnet, capacity_t: 1000, "
                      "holding_cost_usd_per_kg_yr: 1.0, release: any, payer: JP}\n")
    p = res.tables["prices"]
    p = p[p.commodity == "ndfeb_magnet"].set_index("node")
    assert p.at["US", "price_usd_per_kg"] == pytest.approx(18.0, abs=1e-4)
    assert p.at["JP", "price_usd_per_kg"] == pytest.approx(15.5, abs=1e-4)     # Chinese magnets at home
    prod, f = res.tables["production"], res.tables["flows"]
    jp = prod[(prod.facility == "jp_mag") & (prod.commodity == "ndfeb_magnet")].quantity_t.sum()
    to_us = f[(f.origin == "JP") & (f.destination == "US")].quantity_t.sum()
    assert jp == pytest.approx(100.0, abs=1e-6) and to_us == pytest.approx(jp, abs=1e-6)   # made in Japan


@pytest.mark.parametrize("defence_only", [True, False])
def test_a_clean_shortage_shows_in_the_price(tmp_path, defence_only):
    """A content rule on US defence magnets (20 t, VOLL $500) with no clean source anywhere: the
    20 t are short and their buyers bid the clean price to $500. Alone at the node (no other US
    demand), the US price is that clean price ($500, note clean_only; it read $0 before). Beside
    100 t of unruled US demand served with Chinese magnets at $16, the clean premium is
    500 − 16 = $484 (it was left empty)."""
    from tests.conftest import solve_files
    rows = ["CN,ev,ndfeb_magnet,2025,1000,0,0,500,fx", "JP,ev,ndfeb_magnet,2025,50,0,0,500,fx",
            "US,defence,ndfeb_magnet,2025,20,0,0,500,fx"] + ([] if defence_only else ["US,ev,ndfeb_magnet,2025,100,0,0,500,fx"])
    res = solve_files(tmp_path, chain4(rows, australia=False),
                      "name: rule\nyears: {start: 2025, end: 2025}\ndiscount_rate: 0\n"
                      "policies:\n  r: {kind: content_rule, node: US, segments: [defence]}\n")
    d = res.tables["demand"].set_index(["node", "segment"])
    assert d.at[("US", "defence"), "shortage_t"] == pytest.approx(20.0)
    p = res.tables["prices"]
    us = p[(p.node == "US") & (p.commodity == "ndfeb_magnet")].iloc[0]
    if defence_only:
        assert us.price_usd_per_kg == pytest.approx(500.0) and us.price_note == "clean_only"
    else:
        assert us.price_usd_per_kg == pytest.approx(16.0) and us.clean_premium_usd_per_kg == pytest.approx(484.0)


def test_rules_and_controls_that_would_do_nothing_are_refused(tmp_path, capsys):
    """A content rule on a commodity its segments never demand, and an export control on a route
    that does not exist (US → Japan oxide), would do nothing: refused with one line. A
    node listed among the payers is accepted (a node is a payer anyway)."""
    from reebloc.app.cli import main
    from tests.conftest import CONFIGS, run_refused
    for base, body, says in (
            ("chain.yaml", "policies:\n  r: {kind: content_rule, node: US, segments: [defence], commodities: [reo]}",
             "policies.r.commodities: defence at US demand no reo"),
            ("two.yaml", "scenarios:\n  s: {probability: 1.0, export_controls: {b: {exporter: US, commodities: "
             "[ndpr_oxide], destinations: [JP], kind: ban, years: {start: 2025, end: 2026}}}}", "scenarios.s.export_controls.b: matches no route")):
        cfg, err = run_refused(tmp_path, capsys, body, base=base)
        assert err.startswith(f"error: {cfg}: {says}") and "\n" not in err, err
    cfg.write_text(f"base: {CONFIGS / 'two.yaml'}\nname: c\npayers: [US_DoD, JP]\n")
    assert main(["-q", "run", str(cfg), "--out", str(tmp_path / "out")]) == 0
