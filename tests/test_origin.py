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
