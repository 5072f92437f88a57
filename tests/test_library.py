"""The policy library (runs/library/*.yaml) and the findings generator (reports/findings.py).

- every library config validates against the default data set (policy references included);
- each runs on a reduced horizon (2025-2027, one scenario: fast), with the wedge iteration converged;
- all-in is exactly the union of its five component variants;
- the committed docs/findings.md equals a regeneration from fresh full-horizon runs of every
  variant (about a minute on two cores), and regeneration is byte-identical whatever the order.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from reebloc.inputs.config import apply_overrides, load_config
from reebloc.reports.findings import main as findings_main
from reebloc.reports.findings import headline_table, load_run, moved_section, read_headlines, render, welfare_verdict
from reebloc.app.run import run, solve_resolved

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "runs" / "library"
VARIANTS = ["baseline", "mp-dod", "lynas-dod", "usare-commerce", "vault", "bloc-zone", "us-alone",
            "substitutes", "all-in"]
ALL_IN_PARTS = ["mp-dod", "lynas-dod", "usare-commerce", "vault", "bloc-zone"]
SHORT = {"years": {"start": 2025, "end": 2027}}


def config(v: str) -> Path:
    return LIBRARY / f"{v}.yaml"


def test_library_holds_every_variant_once():
    assert sorted(p.stem for p in LIBRARY.glob("*.yaml")) == sorted(VARIANTS)
    names = [load_config(config(v)).config.name for v in VARIANTS]
    assert names == [f"library-{v}" for v in VARIANTS]


@pytest.mark.parametrize("variant", VARIANTS)
def test_config_validates_with_its_comment_block(variant):
    from reebloc.equilibrium import ModelInstance
    from reebloc.inputs.dataset import load_dataset
    text = config(variant).read_text()
    raw = yaml.safe_load(text)
    assert raw["base"] == "../scenarios/brief_regimes.yaml"
    assert text.startswith("# Policy library: "), "each variant opens with its comment block"
    r = load_config(config(variant))
    assert set(r.config.scenarios) == {"no_controls", "april_kept", "october_back", "full_ban"}
    data = load_dataset(r.data_dir, r.config.year_list)
    ModelInstance.structure_key(r.config, data, where=r.path)   # facilities, nodes, commodities exist
    if variant not in ("baseline", "all-in"):
        assert "mgssi-2026" in text or "sources.csv" in text, "cite the terms' sources"


def test_all_in_is_the_union_of_its_parts():
    """all-in = the baseline's policies (the tariffs in force) + each part's own instruments,
    with a part's changes to a baseline policy (bloc-zone ends Section 301 in 2026) kept."""
    base = {k: p.model_dump() for k, p in load_config(config("baseline")).config.policies.items()}
    union, owner = dict(base), {}
    for v in ALL_IN_PARTS:
        for k, p in load_config(config(v)).config.policies.items():
            if k in base and p.model_dump() == base[k]:
                continue
            assert k not in owner and (k in base or k not in union), f"policy {k} in two parts"
            union[k], owner[k] = p.model_dump(), v
    got = {k: p.model_dump() for k, p in load_config(config("all-in")).config.policies.items()}
    assert got == union


@pytest.mark.parametrize("variant", VARIANTS)
def test_runs_on_a_reduced_horizon(variant):
    """2025-2027 and the october_back scenario only; later-starting policies (10X offtake 2028,
    Niron expansion 2029) must simply drop out."""
    r = load_config(config(variant))
    sc = copy.deepcopy(r.raw["scenarios"]["october_back"])
    sc["probability"] = 1.0
    short = apply_overrides(r, {**SHORT, "scenarios": {"october_back": sc}, "reference_scenario": None})
    res = solve_resolved(short)
    assert res.manifest["solver"]["status"] == "optimal"
    assert res.manifest["wedges"]["converged"], res.manifest["wedges"]
    assert set(res.tables["prices"]["year"]) == {2025, 2026, 2027}
    if variant != "baseline":
        assert r.config.policies


# ---------------------------------------------------------------- findings

@pytest.fixture(scope="module")
def full_runs(tmp_path_factory):
    """Every variant over 2025-2035 with all four scenarios, solved afresh (two processes)."""
    from concurrent.futures import ProcessPoolExecutor
    root = tmp_path_factory.mktemp("library")
    with ProcessPoolExecutor(max_workers=2) as pool:
        folders = list(pool.map(run, [config(v) for v in VARIANTS], [root] * len(VARIANTS)))
    return folders


def test_committed_findings_match_fresh_full_runs(full_runs):
    """docs/findings.md is what the generator gives from fresh runs of the library, with § 9 against
    the previous release's headlines; docs/findings-headlines.csv holds this release's."""
    runs = [load_run(f) for f in full_runs]
    fresh = render(runs, previous=read_headlines(ROOT / "docs" / "findings-previous.csv"))
    committed = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    regen = ("reebloc run runs/library/*.yaml --force && reebloc findings runs/out/library-* --previous "
             "docs/findings-previous.csv --headlines docs/findings-headlines.csv --out docs/findings.md")
    assert fresh == committed, f"docs/findings.md is stale: {regen}"
    heads = headline_table(runs).to_csv(index=False, lineterminator="\n")
    assert heads == (ROOT / "docs" / "findings-headlines.csv").read_text(encoding="utf-8"), \
        f"docs/findings-headlines.csv is stale: {regen}"
    assert "## 9. What moved against the previous release" in committed


def test_findings_regenerate_byte_identically(full_runs, tmp_path):
    folders = sorted(full_runs)
    a = render([load_run(f) for f in folders])
    b = render([load_run(f) for f in reversed(folders)])
    assert a == b
    for v in VARIANTS:
        assert f"| {v} |" in a
    assert "## 7. Investment: what each variant gets built" in a
    assert "`lynas-dod`: my_lynas_malaysia_sep_exp +" in a      # the deal gets Lynas's Malaysian expansion built
    out = tmp_path / "findings.md"
    assert findings_main([str(f) for f in folders] + ["--out", str(out)]) == 0
    assert out.read_text() == a
    assert findings_main([str(f) for f in folders] + ["--out", str(out), "--check"]) == 0
    out.write_text(a.replace("bloc", "blok", 1))
    assert findings_main([str(f) for f in folders] + ["--out", str(out), "--check"]) == 1


def test_welfare_adds_up_and_budget_rows_match_the_summary(full_runs):
    """For every library run: Σ over countries of the (expected, discounted) welfare change against
    the baseline = the total welfare change; the government.csv rows, discounted and weighted by
    hand here, equal summary.json's totals by payer and the US budget cost."""
    import json
    import pandas as pd

    def disc(df, s, col):
        w = df["scenario"].map(s["scenarios"]) * (1 + s["discount_rate"]) ** -(df["year"] - s["base_year"])
        return w * df[col]

    base = None
    runs = {}
    for f in full_runs:
        s = json.loads((f / "summary.json").read_text())
        runs[s["run"]] = (f, s)
    base = runs["library-baseline"][1]
    for name, (f, s) in runs.items():
        by = s["welfare_by_country_usd"]
        assert sum(v["total_usd"] for v in by.values()) == pytest.approx(s["welfare_total_usd_discounted"], abs=1.0)
        d_countries = sum(by[n]["total_usd"] - base["welfare_by_country_usd"].get(n, {}).get("total_usd", 0.0)
                          for n in by)
        assert d_countries == pytest.approx(s["welfare_total_usd_discounted"] - base["welfare_total_usd_discounted"],
                                            abs=1.0), name
        for n, v in by.items():
            assert v["total_usd"] == pytest.approx(
                v["consumer_surplus_usd"] + v["producer_surplus_usd"] + v["government_net_usd"], abs=1.0)
        g = pd.read_csv(f / "government.csv", keep_default_na=False)
        if g.empty:
            assert s["us_budget_cost_usd"] == 0.0
            continue
        g["d"] = disc(g, s, "usd")
        for payer, total in s["government_cost_usd_discounted"].items():
            assert g[g.payer == payer].d.sum() == pytest.approx(total, abs=1.0), (name, payer)
        us = g[g.payer.str.split("_").str[0] == "US"]
        assert "stockpile_closing_value" not in set(g.instrument)     # closing stocks: reported, not counted
        assert us.d.sum() == pytest.approx(s["us_budget_cost_usd"], abs=1.0), name
        st = pd.read_csv(f / "stockpiles.csv")
        st = st[st.holder == "public"]
        closing = disc(st, s, "closing_value_usd").groupby(st.policy).sum().to_dict() if len(st) else {}
        assert closing == pytest.approx(s["closing_stock_value_usd"], abs=1.0), name
        abroad = us[(us.recipient != "") & (us.recipient != "US")]
        assert abroad.d.sum() == pytest.approx(s["transfers_abroad_total_usd"], abs=1.0), name
        # every government row is in welfare.csv: Σ government_net by node = − Σ discounted payments
        w = pd.read_csv(f / "welfare.csv")
        w["d"] = disc(w, s, "government_net_usd")
        payer_node = g.payer.str.split("_").str[0]
        for n, tot in g.d.groupby(payer_node).sum().items():
            assert w[w.node == n].d.sum() == pytest.approx(-tot, abs=1.0), (name, n)


def test_any_stage_content_is_at_least_the_direct_share(full_runs):
    """In every scenario-year of every library run, the US any-stage China content of magnets
    (China-touched share of supply) is at least the share bought directly from China: a magnet
    shipped from China is China-touched (docs/model.md § Origin classes)."""
    import pandas as pd
    checked = 0
    for f in full_runs:
        sec = pd.read_csv(f / "security.csv")
        sec = sec[(sec.node == "US") & (sec.commodity == "ndfeb_magnet")]
        wide = sec.pivot_table(index=["scenario", "year"], columns="metric", values="value")
        bad = wide[wide.china_content < wide.direct_china_share - 1e-6]
        assert bad.empty, (f.name, bad[["china_content", "direct_china_share"]])
        checked += len(wide)
    assert checked >= 9 * 4 * 11


def market_pairs(folder: Path) -> tuple[set, set]:
    """(pairs with a market, pairs with positive demand or production) per scenario, year, node,
    commodity, read from the run's tables: made, used, traded, stocked, disposed of, drawn as a
    substitute, or demanded."""
    import pandas as pd

    def read(name):
        p = folder / f"{name}.csv"
        return pd.read_csv(p) if p.exists() else pd.DataFrame()

    key = lambda df, n="node": set(zip(df["scenario"], df["year"], df[n], df["commodity"]))  # noqa: E731
    dem, pr, fl = read("demand"), read("production"), read("flows")
    st, dis, sub = read("stockpiles"), read("disposal"), read("substitutes")
    positive = key(dem[dem["demand_t"] > 0]) | key(pr[pr["quantity_t"] > 0])
    market = positive | key(pr[pr["quantity_t"] != 0]) | key(dem[dem["served_t"] > 0])
    market |= key(fl, "origin") | key(fl, "destination") | (key(dis) if len(dis) else set())
    if len(st):
        st = st[(st[["purchase_t", "release_t", "stock_t"]] > 0).any(axis=1)]
        market |= key(st)
    if len(sub):
        market |= set(zip(sub["scenario"], sub["year"], sub["node"], sub["substitute"]))
    return market, positive


def test_no_price_without_a_market_and_no_zero_price_where_there_is_one(full_runs):
    """Issue 14 part 5, on every library run: a price is written only for a node-commodity-year
    with a market; where there is positive demand or production there is a price, and it is 0
    only where free disposal makes it 0 (price_note = free_disposal, a disposal.csv row)."""
    import pandas as pd
    for f in full_runs:
        p = pd.read_csv(f / "prices.csv", keep_default_na=False, na_values=[""])
        market, positive = market_pairs(f)
        keys = list(zip(p["scenario"], p["year"], p["node"], p["commodity"]))
        assert p["price_usd_per_kg"].notna().all(), f.name
        stray = [k for k in keys if k not in market]
        assert not stray, (f.name, "price without a market", stray[:5])
        missing = positive - set(keys)
        assert not missing, (f.name, "market without a price", sorted(missing)[:5])
        zero = p[p["price_usd_per_kg"].abs() < 1e-6]
        assert (zero["price_note"] == "free_disposal").all(), (f.name, zero.head().to_dict("records"))
        dis = pd.read_csv(f / "disposal.csv") if (f / "disposal.csv").exists() else pd.DataFrame()
        disposed = set(zip(dis["scenario"], dis["year"], dis["node"], dis["commodity"])) if len(dis) else set()
        assert all(k in disposed for k in zip(zero["scenario"], zero["year"], zero["node"], zero["commodity"]))


def _heads(rows):
    return pd.DataFrame([(v, f, u, x, fp) for v, f, u, x, fp in rows],
                        columns=["variant", "figure", "unit", "value", "input_fingerprint"])


def test_what_moved_lists_changes_beyond_one_percent_and_any_year():
    """§ 9 by hand: a cost from 100.0 to 100.9 (0.9%) is left out, to 102.0 (2%) is listed with
    Δ +2.0; a year listed when it changes (2029 → never); an unchanged figure is not listed."""
    prev = _heads([("baseline", "us_government_cost_musd", "$M", 100.0, "aaa"),
                   ("mp-dod", "us_government_cost_musd", "$M", 100.0, "aaa"),
                   ("mp-dod", "china_content_first_below_50", "year", 2029.0, "aaa"),
                   ("baseline", "china_content_first_below_50", "year", 2030.0, "aaa")])
    now = _heads([("baseline", "us_government_cost_musd", "$M", 100.9, "bbb"),
                  ("mp-dod", "us_government_cost_musd", "$M", 102.0, "bbb"),
                  ("mp-dod", "china_content_first_below_50", "year", float("nan"), "bbb"),
                  ("baseline", "china_content_first_below_50", "year", 2030.0, "bbb")])
    text = "\n".join(moved_section(now, prev))
    assert "fingerprint `aaa`; this release `bbb`" in text
    assert "| US government cost, expected, discounted ($M) | mp-dod | 100.0 | 102.0 | +2.0 |" in text
    assert "| baseline | 100.0 | 100.9 |" not in text
    assert "| mp-dod | 2029 | never | – |" in text
    assert "| baseline | 2030 |" not in text
    same = "\n".join(moved_section(prev, prev))
    assert "No headline figure moved." in same


def test_bad_previous_headline_file_is_one_clear_line(full_runs, tmp_path, capsys):
    bad = tmp_path / "prev.csv"
    bad.write_text("variant,figure\nbaseline,x\n")
    code = findings_main([str(f) for f in full_runs] + ["--previous", str(bad), "--out", str(tmp_path / "f.md")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "prev.csv" in err[0] and "unit" in err[0]
    assert not (tmp_path / "f.md").exists()


def test_welfare_verdict_calls_a_tie_within_ten_percent_of_the_budget_change():
    """US welfare +75 (CfD) against +107 (bloc), budget changes +1,758 and −431 ($M): 32 < 175.8, a
    tie; +75 against +300: 225 > 175.8, the bloc wins outright."""
    m = 1e6
    tie = welfare_verdict(75 * m, 107 * m, 1758 * m, -431 * m, "mp-dod", "bloc-zone")
    assert "a tie (`bloc-zone` ahead)" in tie and "$32.0M" in tie
    win = welfare_verdict(75 * m, 300 * m, 1758 * m, -431 * m, "mp-dod", "bloc-zone")
    assert win == "so `bloc-zone` is the cheaper of the two for the US"


def test_findings_on_a_short_run_show_each_year_once(tmp_path):
    """The baseline cut to 2025-2026: § 1 lists each year it has once (it repeated 'expected
    2025' for the first and last year of a one-year run and showed 2028 and 2030 as blanks)."""
    cfg = tmp_path / "short.yaml"
    cfg.write_text(f"base: {LIBRARY / 'baseline.yaml'}\n"
                   "name: library-baseline\nyears: {start: 2025, end: 2026}\n")
    folder = run(cfg, out=tmp_path / "out")
    assert findings_main([str(folder), "--out", str(tmp_path / "f.md")]) == 0
    head = next(x for x in (tmp_path / "f.md").read_text().splitlines() if x.startswith("| variant | first below"))
    assert head.endswith("| expected 2025 | expected 2026 | worst 2026 |"), head
