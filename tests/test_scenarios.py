"""Disruption scenarios, stockpiles and the extensive-form stochastic LP (docs/model.md § Scenario tree)."""

from __future__ import annotations

import pandas as pd
import pytest

from reebloc.inputs.config import apply_overrides, load_config
from reebloc.app.run import solve_resolved
from reebloc.errors import ReeblocError
from tests.conftest import CONFIGS

BAN = load_config(CONFIGS / "chain_ban.yaml")


def solve(p_ban: float, **changes):
    sc = BAN.raw["scenarios"]
    scen = {"no_controls": {"probability": 1 - p_ban}, "ban": {**sc["ban"], "probability": p_ban}}
    return solve_resolved(apply_overrides(BAN, {"scenarios": scen, **changes}))


@pytest.fixture(scope="module")
def likely_ban():
    return solve(0.7)


def test_first_stage_values_equal_across_scenarios(likely_ban):
    """Non-anticipativity: in 2025 (before the ban may start) every decision is the same."""
    t = likely_ban.tables
    for name, key in [("flows", ["origin", "destination", "commodity"]), ("production", ["facility", "commodity"]),
                      ("stockpiles", ["policy"])]:
        df = t[name][t[name].year == 2025]
        cols = [c for c in df.columns if c not in ("scenario", "run")]
        a = df[df.scenario == "ban"][cols].sort_values(key).reset_index(drop=True)
        b = df[df.scenario == "no_controls"][cols].sort_values(key).reset_index(drop=True)
        assert len(a) > 0
        pd.testing.assert_frame_equal(a, b)
    # after divergence the scenarios differ (the test would catch a tree that shares everything)
    f = t["flows"]
    us_imports = f[(f.origin == "CN") & (f.destination == "US") & (f.year == 2026)].groupby("scenario").quantity_t.sum()
    assert us_imports.get("ban", 0.0) == 0.0 and us_imports["no_controls"] > 0


def test_stockpile_drawn_only_in_disruption_and_cuts_unserved(likely_ban):
    s = likely_ban.tables["stockpiles"]
    bought = s[s.year == 2025].purchase_t.iloc[0]
    assert bought > 0
    assert s[s.scenario == "no_controls"].release_t.sum() == 0
    assert s[s.scenario == "ban"].release_t.sum() > 0
    without = solve(0.7, **{"policies.us_stock.enabled": False})
    def unserved(r):
        d = r.tables["demand"]
        return d[(d.scenario == "ban") & (d.node == "US")].unserved_t.sum()
    assert unserved(likely_ban) < unserved(without) - 1.0
    # the no-disruption scenario's demand is untouched by the stockpile policy in 2026+
    assert likely_ban.summary["unserved_t"]["by_scenario"]["no_controls"] == pytest.approx(0.0)


def test_negligible_probability_buys_no_stockpile_unless_a_target_forces_it():
    # issue 18: a probability of exactly 0 is refused (its rows carry no weight, so its prices are
    # noise); a ban at 1 in 10,000 is as good as never for the stockpile's expected benefit
    with pytest.raises(ReeblocError, match="probability 0 is not positive"):
        solve(0.0)
    r = solve(1e-4)
    assert r.tables["stockpiles"].purchase_t.sum() == pytest.approx(0.0)
    r = solve(1e-4, **{"policies.us_stock.target_days": 30})
    s = r.tables["stockpiles"]
    d = r.tables["demand"]
    need = 30 / 365 * d[(d.node == "US") & (d.year == 2025) & (d.scenario == "ban")].demand_t.sum()
    assert s[s.year == 2025].stock_t.iloc[0] == pytest.approx(need, rel=1e-6)
    pol = r.tables["policies"]
    assert (pol[(pol.constraint == "target_days")].shadow_price > 0).any()


@pytest.mark.parametrize("release", ["disruption", "any"])
def test_cover_target_is_held_in_normal_times_and_drawn_in_a_disruption(release):
    """Whatever the release rule: ``any`` allows releases in more years, never fewer, so its
    cover must not be locked in a ban that ``disruption`` may draw."""
    r = solve(0.7, **{"policies.us_stock.target_days": 30, "policies.us_stock.release": release})
    s = r.tables["stockpiles"].set_index(["scenario", "year"]).stock_t
    d = r.tables["demand"]
    need = {y: 30 / 365 * d[(d.node == "US") & (d.year == y) & (d.scenario == "no_controls")].demand_t.sum()
            for y in (2025, 2026, 2027)}
    for y in (2025, 2026, 2027):
        assert s["no_controls", y] >= need[y] - 1e-6
    assert s["ban", 2026] < need[2026] - 1.0 or s["ban", 2027] < need[2027] - 1.0
    rel = r.tables["stockpiles"]
    assert rel[rel.scenario == "ban"].release_t.sum() > 0


def test_expected_values_are_probability_weighted(likely_ban):
    s = likely_ban.summary
    by = s["unserved_t"]["by_scenario"]
    assert s["unserved_t"]["expected"] == pytest.approx(0.7 * by["ban"] + 0.3 * by["no_controls"])
    assert s["unserved_t"]["worst"] == pytest.approx(max(by.values()))
    sec = s["security"]["us_magnet_china_content"]
    st = likely_ban.tables["security"]
    for y in (2025, 2026, 2027):
        rows = st[(st.node == "US") & (st.commodity == "ndfeb_magnet") & (st.metric == "china_content") & (st.year == y)]
        vals = dict(zip(rows.scenario, rows.value))
        if len(vals) == 2:
            exp = sec["expected"][str(y)] if str(y) in sec["expected"] else sec["expected"][y]
            assert exp == pytest.approx(0.7 * vals["ban"] + 0.3 * vals["no_controls"])
    g = likely_ban.tables["government"]
    w = g.scenario.map({"ban": 0.7, "no_controls": 0.3}) * (1.05 ** -(g.year - 2025))
    assert sum(s["government_cost_usd_discounted"].values()) == pytest.approx((w * g.usd).sum(), abs=1e-3)


def test_value_of_stochastic_solution(likely_ban):
    v = likely_ban.summary["value_of_stochastic_solution"]
    assert v["first_stage_years"] == [2025]
    assert v["vss_usd"] > 0       # planning for the ban (stockpiling) beats the no-disruption plan
    assert v["vss_usd"] == pytest.approx(v["stochastic_objective_usd"] - v["no_disruption_plan_objective_usd"])


def control(kind, **kw):
    return {"exporter": "CN", "commodities": ["ndfeb_magnet"], "destinations": ["US"],
            "years": {"start": 2026, "end": 2027}, "kind": kind, **kw}


@pytest.mark.parametrize("ctl,cap", [(control("quota", quota_t=500), 500.0),
                                     (control("share", share=0.1, reference_t=4000), 400.0),
                                     (control("licence", cost_usd_per_kg=5, cap_t=300), 300.0)])
def test_export_control_caps(ctl, cap):
    scen = {"no_controls": {"probability": 0.5}, "ctl": {"probability": 0.5, "export_controls": {"c": ctl}}}
    r = solve_resolved(apply_overrides(BAN, {"scenarios": scen, "policies": {}}))
    f = r.tables["flows"]
    q = f[(f.scenario == "ctl") & (f.origin == "CN") & (f.destination == "US") & (f.commodity == "ndfeb_magnet")]
    assert q[q.year >= 2026].quantity_t.max() <= cap + 1e-6
    assert q[q.year == 2025].quantity_t.sum() > cap      # not before the control starts


def test_licence_quantities_by_destination():
    """Licences as quantities: approval 25% of a pre-control volume by destination (US 2,000 t,
    the others 1,200 t together) caps CN→US magnets at 0.25 × 2,000 = 500 t and CN→{AU, JP} at
    0.25 × 1,200 = 300 t in 2026–27; the $2/kg paperwork friction rides on every licensed kg."""
    ctl = control("licence", destinations="all", approval_rate=0.25, cost_usd_per_kg=2,
                  reference_t={"US": 2000, "others": 1200})
    scen = {"no_controls": {"probability": 0.5}, "ctl": {"probability": 0.5, "export_controls": {"c": ctl}}}
    r = solve_resolved(apply_overrides(BAN, {"scenarios": scen, "policies": {}}))
    f = r.tables["flows"]
    cn = f[(f.scenario == "ctl") & (f.origin == "CN") & (f.commodity == "ndfeb_magnet")]
    us = cn[cn.destination == "US"].groupby("year").quantity_t.sum()
    rest = cn[cn.destination != "US"].groupby("year").quantity_t.sum()
    assert us[2025] > 500 + 1                          # before the regime: more than the licences
    assert us.loc[2026:].max() <= 500 + 1e-6
    assert rest.reindex([2026, 2027], fill_value=0).max() <= 300 + 1e-6
    pol = r.tables["policies"]
    assert set(pol[pol.scenario == "ctl"].policy) >= {"ctl.c[US]", "ctl.c[others]"}
    # a binding US licence quota: US magnet price = China's + freight 1.5 + friction 2 + quota rent
    p = r.tables["prices"].set_index(["scenario", "year", "node", "commodity"]).price_usd_per_kg
    rent = pol[(pol.scenario == "ctl") & (pol.year == 2026) & (pol.policy == "ctl.c[US]")].shadow_price.iloc[0]
    assert rent > 0
    assert p["ctl", 2026, "US", "ndfeb_magnet"] == pytest.approx(p["ctl", 2026, "CN", "ndfeb_magnet"] + 1.5 + 2 + rent,
                                                                 abs=1e-4)


def test_ban_is_a_licence_with_approval_zero():
    ban = solve_resolved(apply_overrides(BAN, {"scenarios": {"ctl": {"probability": 1.0, "export_controls": {
        "c": control("ban")}}}, "policies": {}}))
    lic = solve_resolved(apply_overrides(BAN, {"scenarios": {"ctl": {"probability": 1.0, "export_controls": {
        "c": control("licence", approval_rate=0.0, reference_t={"US": 5000})}}}, "policies": {}}))
    assert lic.summary["objective_kusd"] == pytest.approx(ban.summary["objective_kusd"], rel=1e-9)


@pytest.mark.parametrize("bad,msg", [({"approval_rate": 0.5}, "needs reference_t"),
                                     ({"approval_rate": 0.5, "reference_t": 100, "cap_t": 5}, "not both"),
                                     ({"kind": "quota", "quota_t": 1, "approval_rate": 0.5, "reference_t": 1},
                                      "applies to kind licence")])
def test_licence_quantity_bad_fields(bad, msg):
    from pydantic import ValidationError
    from reebloc.inputs.scenarios import ExportControl
    with pytest.raises(ValidationError, match=msg):
        ExportControl(**{**control("licence"), **bad})


def test_licence_friction_is_a_price_wedge():
    scen = {"lic": {"probability": 1.0, "export_controls": {"c": control("licence", cost_usd_per_kg=5)}}}
    r = solve_resolved(apply_overrides(BAN, {"scenarios": scen, "policies": {}}))
    p = r.tables["prices"].set_index(["year", "node", "commodity"]).price_usd_per_kg
    f = r.tables["flows"]
    if ((f.origin == "CN") & (f.destination == "US") & (f.year == 2026) & (f.commodity == "ndfeb_magnet")).any():
        assert p[2026, "US", "ndfeb_magnet"] == pytest.approx(p[2026, "CN", "ndfeb_magnet"] + 1.5 + 5)
    else:
        assert p[2026, "US", "ndfeb_magnet"] <= p[2026, "CN", "ndfeb_magnet"] + 1.5 + 5 + 1e-6


def test_brief_regimes_are_expressible():
    """April 2025 licences (shared 2025-26 history), kept; the October 2025 expansion back after
    2026-11-10; a full ban — on the default data set's commodities."""
    from reebloc.equilibrium.index import TRUNK, build_index
    from reebloc.equilibrium.policyindex import build_policy_index
    from reebloc.inputs.dataset import load_dataset
    r = load_config(CONFIGS.parent.parent / "runs" / "scenarios" / "brief_regimes.yaml")
    cfg = r.config
    assert set(cfg.scenarios) == {"no_controls", "april_kept", "october_back", "full_ban"}
    assert {s.divergence_year() for s in cfg.scenarios.values()} == {2027}
    data = load_dataset(r.data_dir, cfg.year_list)
    ix = build_index(cfg, data)
    pi = build_policy_index(ix, cfg, r.path)
    tree = ix.tree
    # 2025 in three periods (January-April, May-June, July-December), 2026 in halves, on the trunk
    assert [p.label for p, b in zip(tree.period, tree.branch) if b == TRUNK] == [
        "2025-01", "2025-05", "2025-07", "2026-01", "2026-07"]
    t_jan, t_may = tree.at["full_ban", "2025-01"], tree.at["full_ban", "2025-05"]
    assert tree.of["full_ban", 2025] == t_jan and tree.length[t_may] == pytest.approx(2 / 12)
    assert tree.branch[t_may] == TRUNK and len(tree.scenarios[t_may]) == 4
    # the April licence friction applies on the shared trunk from May 2025, not before
    assert any(a[0] == "CN" and a[2] == "dy_oxide" and a[3] == t_may for a in pi.friction)
    assert not any(a[0] == "CN" and a[2] == "dy_oxide" and a[3] == t_jan for a in pi.friction)
    # licences as quantities (approval rate × pre-control volume, per year of the period): MP's Q1
    # concentrate shipments before its April stop; May-June the collapse of magnets to the US
    caps = lambda t: {cid.split(".", 1)[1]: cap for (cid, c_t), cap in pi.control_caps.items() if c_t == t}  # noqa: E731
    assert caps(t_jan) == pytest.approx({"mp_stops_china_2025": 29100})
    assert caps(t_may) == pytest.approx({"april_dy": 0.7 * 87, "april_tb": 0.7 * 70,
                                         "april_magnets_us_collapse": 0.25 * 10000,
                                         "april_magnets_others": 0.9 * 48152, "mp_stops_china": 0.0})
    assert caps(tree.at["full_ban", "2025-07"])["april_magnets_us"] == pytest.approx(0.73 * 10000)
    # from 2027 the ban caps China's magnet exports at zero only in the full-ban branch
    t_ban = tree.of["full_ban", 2027]
    caps = {cid: cap for (cid, t), cap in pi.control_caps.items() if t == t_ban}
    # ... and, by the extraterritorial rule as a ban, third countries' China-touched magnets and Dy/Tb
    assert caps == {"full_ban.heavy_and_magnet_ban": 0.0, "full_ban.extraterritorial_ban_magnets": 0.0,
                    "full_ban.extraterritorial_ban_heavies": 0.0}
    assert {"full_ban.extraterritorial_ban_magnets", "full_ban.extraterritorial_ban_heavies"} <= pi.touched_controls
    ban_arcs = {a[:3] for row, t, arcs in pi.controls if row == "full_ban.extraterritorial_ban_magnets" and t == t_ban
                for a in arcs}
    assert ("JP", "US", "ndfeb_magnet") in ban_arcs and not any(a[0] == "CN" for a in ban_arcs)
    t_oct = tree.of["october_back", 2027]
    assert {cid: cap for (cid, t), cap in pi.control_caps.items() if t == t_oct} == pytest.approx({
        "october_back.october_magnets": 0.5 * 55800, "october_back.october_heavies": 0.5 * 110,
        "october_back.april_dy_kept": 0.7 * 87, "october_back.april_tb_kept": 0.7 * 70,
        "october_back.april_magnets_us_kept": 0.73 * 10000, "october_back.april_magnets_others_kept": 0.9 * 48152})
    # the October extraterritorial rule: licence frictions on third countries' China-touched exports
    assert pi.friction_touched[("JP", "US", "ndfeb_magnet", t_oct)] == pytest.approx(3.0)
    assert pi.friction_touched[("MY", "JP", "dy_oxide", t_oct)] == pytest.approx(30.0)
    assert not any(a[0] == "CN" for a in pi.friction_touched)
    assert ("JP", "US", "ndfeb_magnet", tree.of["april_kept", 2027]) not in pi.friction_touched
    t_no = tree.of["no_controls", 2027]
    assert t_no not in pi.disrupted
