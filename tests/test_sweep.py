"""Sweeps: designs, resumable store (SIGKILL), local processes, Dask, Sobol of Ishigami, and the
reebloc evaluator's re-solved answers against rebuilt ones."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from reebloc.errors import ReeblocError
from reebloc.sweep.api import run_sweep
from reebloc.sweep.design import make_design
from reebloc.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "tests" / "configs"

PI = float(np.pi)


def ishigami_yaml(tmp_path: Path, name="ish", design=None, delay=0.0, chunk_size=None) -> Path:
    cfg = {
        "name": name,
        "evaluator": "ishigami",
        "evaluator_options": {"a": 7.0, "b": 0.1, "delay_s": delay},
        "design": design or {"kind": "lhs", "n": 40, "seed": 3},
        "parameters": [{"name": f"x{i}", "path": f"x{i}", "change": "substitute", "low": -PI, "high": PI}
                       for i in (1, 2, 3)],
        "outputs": [{"name": "y", "summary": "y"}],
    }
    if chunk_size:
        cfg["chunk_size"] = chunk_size
    f = tmp_path / f"{name}.yaml"
    f.write_text(yaml.safe_dump(cfg))
    return f


def results(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "results.parquet")


# ---------------------------------------------------------------- designs and config
def test_designs_sizes_and_seed(tmp_path):
    f = ishigami_yaml(tmp_path)
    rs = load_sweep(f)
    for design, n in [({"kind": "grid", "levels": 3}, 27), ({"kind": "oat", "levels": 3}, 7),
                      ({"kind": "lhs", "n": 50, "seed": 1}, 50), ({"kind": "sobol", "n": 8, "seed": 1}, 40),
                      ({"kind": "morris", "n": 5, "levels": 4, "seed": 1}, 20)]:
        cfg = rs.config.model_copy(update={"design": type(rs.config.design).model_validate(design)})
        X = make_design(cfg)
        assert len(X) == n and list(X["variant"]) == list(range(n)), design
        assert X[["x1", "x2", "x3"]].min().min() >= -PI - 1e-12
        if design["kind"] in ("lhs", "sobol", "morris"):  # the seed fixes the design
            assert X.equals(make_design(cfg))


def test_sweep_config_errors(tmp_path):
    f = ishigami_yaml(tmp_path)
    raw = yaml.safe_load(f.read_text())
    raw["parameters"][0]["hihg"] = 3
    f.write_text(yaml.safe_dump(raw))
    with pytest.raises(ReeblocError, match="parameters.0.hihg"):
        load_sweep(f)


# ---------------------------------------------------------------- Sobol indices of Ishigami
def test_ishigami_sobol_indices_match_analytic(tmp_path):
    from reebloc.sweep.analysis import sensitivity
    from reebloc.sweep.evaluators import IshigamiEvaluator

    f = ishigami_yaml(tmp_path, design={"kind": "sobol", "n": 2048, "seed": 11}, chunk_size=2048)
    folder = run_sweep(f, workers=1, out=tmp_path / "out", progress=False)
    df = results(folder)
    assert len(df) == 2048 * 5 and (df["status"] == "optimal").all()
    manifest = json.loads((folder / "manifest.json").read_text())
    idx = sensitivity(df, manifest)["y"]
    exact = IshigamiEvaluator.analytic(7.0, 0.1)
    assert exact["S1"][0] == pytest.approx(0.3139, abs=1e-3) and exact["ST"][2] == pytest.approx(0.2437, abs=1e-3)
    for kind in ("S1", "ST"):
        for i, name in enumerate(["x1", "x2", "x3"]):
            row = idx.set_index("parameter").loc[name]
            assert abs(row[kind] - exact[kind][i]) <= row[f"{kind}_conf"], (kind, name, row[kind], exact[kind][i])


# ---------------------------------------------------------------- resumable after SIGKILL
def test_sigkill_then_resume_gives_exactly_all_rows(tmp_path):
    f = ishigami_yaml(tmp_path, name="killme", design={"kind": "lhs", "n": 120, "seed": 5}, delay=0.01,
                      chunk_size=4)
    out = tmp_path / "out"
    code = textwrap.dedent(f"""
        from reebloc.sweep.api import run_sweep
        run_sweep({str(f)!r}, workers=1, out={str(out)!r}, progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True)
    chunks = out / "killme" / "chunks"
    deadline = time.time() + 60
    while time.time() < deadline:
        n = len(list(chunks.glob("c-*.parquet"))) if chunks.exists() else 0
        if n >= 5:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # our own child's process group
    proc.wait(timeout=30)
    done_before = len(list(chunks.glob("c-*.parquet")))
    assert 5 <= done_before < 30, done_before
    assert not (out / "killme" / "results.parquet").exists()
    folder = run_sweep(f, workers=1, out=out, progress=False)
    df = results(folder)
    assert sorted(df["variant"]) == list(range(120))  # no duplicate, none lost
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["chunks_resumed"] == done_before
    assert manifest["evaluated_this_run"] == 120 - 4 * done_before
    # same answers as an uninterrupted sweep
    clean = results(run_sweep(f, workers=1, out=tmp_path / "clean", progress=False))
    pd.testing.assert_series_equal(df["y"], clean["y"])
    # a finished sweep rerun evaluates nothing
    again = json.loads((run_sweep(f, workers=1, out=out, progress=False) / "manifest.json").read_text())
    assert again["evaluated_this_run"] == 0


def test_changed_sweep_is_not_resumed(tmp_path):
    f = ishigami_yaml(tmp_path, design={"kind": "lhs", "n": 8, "seed": 1})
    run_sweep(f, workers=1, out=tmp_path / "out", progress=False)
    g = ishigami_yaml(tmp_path, design={"kind": "lhs", "n": 8, "seed": 2})
    with pytest.raises(ReeblocError, match="different sweep"):
        run_sweep(g, workers=1, out=tmp_path / "out", progress=False)
    folder = run_sweep(g, workers=1, out=tmp_path / "out", progress=False, resume=False)
    assert len(results(folder)) == 8


# ---------------------------------------------------------------- executors
def test_local_processes_and_dask_match_in_process(tmp_path):
    from dask.distributed import LocalCluster

    f = ishigami_yaml(tmp_path, design={"kind": "lhs", "n": 30, "seed": 9}, chunk_size=5)
    ref = results(run_sweep(f, workers=1, out=tmp_path / "a", progress=False))
    procs = results(run_sweep(f, workers=2, out=tmp_path / "b", progress=False))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        folder = run_sweep(f, scheduler=cluster.scheduler_address, out=tmp_path / "c", progress=False)
    dsk = results(folder)
    assert json.loads((folder / "manifest.json").read_text())["executor"]["kind"] == "dask"
    for df in (procs, dsk):
        assert list(df["variant"]) == list(range(30))
        np.testing.assert_allclose(df["y"], ref["y"], rtol=0, atol=0)
    assert (folder / "results.csv").exists()


# ---------------------------------------------------------------- reebloc: re-solved == rebuilt
def reebloc_sweep(tmp_path: Path) -> Path:
    base = tmp_path / "base.yaml"
    base.write_text(textwrap.dedent(f"""
        base: {CONFIGS / 'chain_ban.yaml'}
        name: chain_floor
        policies:
          us_floor: {{kind: price_floor, facilities: [us_sep], commodity: ndpr_oxide, price_usd_per_kg: 70,
                      reference_node: CN, payer: US}}
    """))
    cfg = {
        "name": "chain_sweep",
        "base": "base.yaml",
        "design": {"kind": "lhs", "n": 4, "seed": 4},
        "parameters": [
            {"name": "cn_cost", "table": "costs", "where": {"facility": "cn_*"}, "column": "cost_usd_per_kg",
             "change": "relative", "low": 0.7, "high": 1.4},
            {"name": "us_cap", "table": "capacity", "where": {"facility": "us_*", "year": "*"},
             "column": "capacity_t", "change": "relative", "low": 0.5, "high": 1.5},
            {"name": "freight", "table": "routes", "where": {}, "column": "freight_usd_per_kg",
             "change": "absolute", "low": 0.0, "high": 2.0},
            {"name": "floor", "path": "policies.us_floor.price_usd_per_kg", "change": "substitute",
             "low": 40, "high": 120},
            {"name": "stock", "path": "policies.us_stock.capacity_t", "change": "relative", "low": 0.2, "high": 1.0},
        ],
        "outputs": [
            {"name": "objective", "summary": "objective_kusd"},
            {"name": "p_us_ndpr", "table": "prices", "where": {"node": "US", "commodity": "ndpr_oxide"},
             "column": "price_usd_per_kg", "agg": "mean"},
            {"name": "welfare", "summary": "welfare_total_usd_discounted"},
            {"name": "us_flows", "table": "flows", "where": {"destination": "US"}, "column": "quantity_t",
             "agg": "sum"},
        ],
    }
    f = tmp_path / "sweep.yaml"
    f.write_text(yaml.safe_dump(cfg))
    return f


def rebuilt_outputs(ev, x: dict) -> dict:
    from reebloc.app.run import solve_resolved
    from reebloc.sweep.evaluators import expected_aggregate, select

    resolved, data = ev.variant(x)
    res = solve_resolved(resolved, data)
    out = {"objective": res.summary["objective_kusd"], "welfare": res.summary["welfare_total_usd_discounted"]}
    for name, table, where, col, agg in [("p_us_ndpr", "prices", {"node": "US", "commodity": "ndpr_oxide"},
                                          "price_usd_per_kg", "mean"),
                                         ("us_flows", "flows", {"destination": "US"}, "quantity_t", "sum")]:
        df = res.tables[table]
        probability = {k: sc.probability for k, sc in resolved.config.scenarios.items()}
        out[name] = expected_aggregate(df[select(df, where)], col, agg, probability, where)
    return out


@pytest.mark.parametrize("mode,warm", [("auto", True), ("auto", False), ("general", False)])
def test_reebloc_resolved_matches_rebuilt(tmp_path, mode, warm):
    """Re-solved variants agree with a fresh build + solve (``reebloc.app.run.solve_resolved``).

    This fixture is degenerate (tied costs, binding capacities): prices and even flows have
    alternative optima, so a warm start from another variant's basis may return another,
    equally optimal, answer. Warm: the objective (unique) must agree. Cold (``warm_start:
    false``): every output, prices and flows included, must agree with the fresh run.
    """
    from reebloc.sweep.evaluators import ReeblocEvaluator

    f = reebloc_sweep(tmp_path)
    raw = yaml.safe_load(f.read_text())
    raw["warm_start"] = warm
    f.write_text(yaml.safe_dump(raw))
    rs = load_sweep(f)
    ev = ReeblocEvaluator(rs, mode=mode)
    assert (ev.fast is not None) == (mode == "auto")  # these parameters are affine in the model Params
    X = make_design(rs.config)
    rng = np.random.default_rng(0)
    for i in rng.permutation(len(X)):
        x = X.iloc[i].drop("variant").to_dict()
        got, want = ev.evaluate(x), rebuilt_outputs(ev, x)
        for k in (want if not warm else ["objective"]):
            assert got[k] == pytest.approx(want[k], rel=1e-6, abs=1e-6), (k, x)
    assert ev.stats["rebuilds"] == 1  # one build per worker, every variant a re-solve


def test_reebloc_structure_change_rebuilds(tmp_path):
    from reebloc.sweep.evaluators import ReeblocEvaluator

    f = reebloc_sweep(tmp_path)
    raw = yaml.safe_load(f.read_text())
    raw["parameters"] = [
        {"name": "elasticity", "table": "demand", "where": {"segment": "ev"}, "column": "elasticity",
         "change": "substitute", "values": [-0.5, 0.0]},
        {"name": "cn_cost", "table": "costs", "where": {"facility": "cn_*"}, "column": "cost_usd_per_kg",
         "change": "relative", "low": 0.7, "high": 1.4}]
    raw["design"] = {"kind": "grid", "levels": 2}
    # prices at a demand step's edge are not unique: a warm start may return another valid dual
    # (same objective and flows); cold starts reproduce the fresh run's choice
    raw["warm_start"] = False
    f.write_text(yaml.safe_dump(raw))
    rs = load_sweep(f)
    ev = ReeblocEvaluator(rs)
    assert ev.fast is None  # elasticity moves demand blocks non-linearly and can change structure
    X = make_design(rs.config)
    assert len(X) == 4
    for i in range(len(X)):
        x = X.iloc[i].drop("variant").to_dict()
        got, want = ev.evaluate(x), rebuilt_outputs(ev, x)
        for k in want:
            assert got[k] == pytest.approx(want[k], rel=1e-6, abs=1e-6), (k, x)
    assert ev.stats["rebuilds"] >= 2  # elasticity 0 turns the elastic rows inelastic: a new model


# ---------------------------------------------------------------- report
def test_sweep_report_formats(tmp_path):
    from reebloc.sweep.api import sweep_report

    f = ishigami_yaml(tmp_path, design={"kind": "morris", "n": 10, "levels": 4, "seed": 2})
    folder = run_sweep(f, workers=1, out=tmp_path / "out", progress=False)
    for ext in ("html", "md", "xlsx"):
        out = sweep_report(folder, tmp_path / f"rep.{ext}")
        assert out.exists() and out.stat().st_size > 500
    text = (tmp_path / "rep.html").read_text()
    assert "mu_star" in text and "R²" in text and "data:image/png;base64" in text
    assert (tmp_path / "rep_files" / "tornado_y.png").exists()
    with pytest.raises(ReeblocError, match="rep.html.*exists; pass --force"):   # as on the command line
        sweep_report(folder, tmp_path / "rep.html")
    assert sweep_report(folder, tmp_path / "rep.html", force=True).stat().st_size > 500


def test_bad_selector_is_one_line_error(tmp_path):
    f = reebloc_sweep(tmp_path)
    raw = yaml.safe_load(f.read_text())
    raw["parameters"][0]["where"] = {"facility": "zz_*"}
    f.write_text(yaml.safe_dump(raw))
    with pytest.raises(ReeblocError, match=r"parameters.0.where: selects no row of costs"):
        run_sweep(f, workers=1, out=tmp_path / "out", progress=False)


def test_unknown_output_key_stops_the_sweep(tmp_path):
    f = reebloc_sweep(tmp_path)
    raw = yaml.safe_load(f.read_text())
    raw["outputs"][2]["summary"] = "welfare_totl_usd_discounted"
    raw["design"] = {"kind": "lhs", "n": 2, "seed": 1}
    f.write_text(yaml.safe_dump(raw))
    with pytest.raises(ReeblocError, match=r"outputs.welfare.summary: no key 'welfare_totl_usd_discounted' in "
                       r"summary.json; did you mean 'welfare_total_usd_discounted'\?"):
        run_sweep(f, workers=1, out=tmp_path / "out", progress=False)
    raw["outputs"][2]["summary"] = "government_cost_usd_discounted.us"      # a nested key: its level's keys
    f.write_text(yaml.safe_dump(raw))
    with pytest.raises(ReeblocError, match=r"did you mean 'government_cost_usd_discounted.US'\?"):
        run_sweep(f, workers=1, out=tmp_path / "out", progress=False)


def test_table_outputs_are_expectations_over_scenarios(tmp_path):
    """chain_ban: no_controls (p = 0.7) and a 2026-27 ban on the US (p = 0.3). The US magnet price
    in 2027 is $31.5 calm and $54 in the ban, so its expected value is 0.7·31.5 + 0.3·54 = 38.25
    (not the rows' mean, 42.75); US magnets served over the run are 26,400 t calm and 22,800 t in
    the ban, expected 0.7·26,400 + 0.3·22,800 = 25,320 t. A ``where`` on one scenario gives that
    scenario's value; ``scenarios: rows`` and max read the rows as they are."""
    us_2027 = {"node": "US", "commodity": "ndfeb_magnet", "year": 2027}
    us = {"node": "US", "commodity": "ndfeb_magnet"}
    price = {"table": "prices", "column": "price_usd_per_kg", "agg": "mean"}
    served = {"table": "demand", "column": "served_t", "agg": "sum"}
    spec = {"name": "expected", "base": str(CONFIGS / "chain_ban.yaml"), "design": {"kind": "grid"},
            "parameters": [{"name": "hold", "path": "policies.us_stock.holding_cost_usd_per_kg_yr",
                            "change": "substitute", "values": [1.0, 2.0]}],
            "outputs": [{"name": "p", "where": us_2027, **price},
                        {"name": "p_rows", "where": us_2027, "scenarios": "rows", **price},
                        {"name": "p_ban", "where": {**us_2027, "scenario": "ban"}, **price},
                        {"name": "p_max", "where": us_2027, **{**price, "agg": "max"}},
                        {"name": "served", "where": us, **served},
                        {"name": "served_rows", "where": us, "scenarios": "rows", **served},
                        {"name": "served_calm", "where": {**us, "scenario": ["no_controls"]}, **served},
                        {"name": "served_any", "where": {**us, "scenario": "*"}, **served}]}
    f = tmp_path / "expected.yaml"
    f.write_text(yaml.safe_dump(spec, sort_keys=False))
    row = pd.read_parquet(run_sweep(f, workers=1, out=tmp_path / "out", progress=False) / "results.parquet").iloc[0]
    assert row["p"] == pytest.approx(0.7 * 31.5 + 0.3 * 54.0, abs=1e-6)
    assert row["p_rows"] == pytest.approx((31.5 + 54.0) / 2, abs=1e-6)
    assert row["p_ban"] == pytest.approx(54.0, abs=1e-6) and row["p_max"] == pytest.approx(54.0, abs=1e-6)
    assert row["served"] == pytest.approx(0.7 * 26400 + 0.3 * 22800, abs=1e-3)
    assert row["served_rows"] == pytest.approx(26400 + 22800, abs=1e-3)
    assert row["served_calm"] == pytest.approx(26400, abs=1e-3)
    assert row["served_any"] == pytest.approx(row["served"], abs=1e-6)


# ---------------------------------------------------------------- checks that combine parameters
@pytest.mark.parametrize("mode", ["auto", "general"])
def test_a_variant_whose_cover_target_exceeds_capacity_is_refused_not_cut(tmp_path, mode):
    """chain_ban's US magnet stockpile with a 30-day cover: 30/365 × 8,400 t = 690.4 t. A capacity
    of 500 t cannot hold it; a run refuses that config, and so must the sweep's variant (the model
    used to cut the target to capacity in general mode and fail the LP in the affine fast mode).
    The variant is not solved, its status says why, and the other variants agree with runs."""
    from reebloc.sweep.evaluators import ReeblocEvaluator

    base = tmp_path / "base.yaml"
    base.write_text(f"base: {CONFIGS / 'chain_ban.yaml'}\nname: cover30\npolicies: {{us_stock: {{target_days: 30}}}}\n")
    spec = {"name": "cover", "base": str(base), "design": {"kind": "grid"},
            "parameters": [{"name": "cap", "path": "policies.us_stock.capacity_t", "change": "substitute",
                            "values": [500.0, 1000.0, 20000.0]}],
            "outputs": [{"name": "objective", "summary": "objective_kusd"}]}
    f = tmp_path / "cover.yaml"
    f.write_text(yaml.safe_dump(spec, sort_keys=False))
    ev = ReeblocEvaluator(load_sweep(f), mode=mode)
    with pytest.raises(ReeblocError) as e:
        ev.evaluate({"cap": 500.0})
    assert e.value.field == "policies.us_stock.target_days"
    assert "690.4 t in 2025, more than capacity_t (500.0 t)" in e.value.message
    for cap in (1000.0, 20000.0):
        x = {"cap": cap}
        resolved, data = ev.variant(x)
        from reebloc.app.run import solve_resolved
        want = solve_resolved(resolved, data).summary["objective_kusd"]
        assert ev.evaluate(x)["objective"] == pytest.approx(want, rel=1e-7)
    if mode == "auto":      # through the runner: the refused variant's status, the others solved
        df = results(run_sweep(f, workers=1, out=tmp_path / "out", progress=False)).set_index("cap")
        assert df.loc[500.0, "status"].startswith("error: ReeblocError: policies.us_stock.target_days: refused: a cover of 30 days")
        assert np.isnan(df.loc[500.0, "objective"])
        assert (df.loc[[1000.0, 20000.0], "status"] == "optimal").all()


def test_report_header_shows_only_the_design_settings_its_kind_uses():
    """A Sobol design has no levels and a grid no seed: the sweep report's header lists only
    what the design used (it printed levels=4 for Sobol and seed=12345 for a grid)."""
    from reebloc.sweep.analysis import design_text
    assert design_text({"kind": "sobol", "n": 256, "levels": 4, "seed": 7, "second_order": False}) == \
        "sobol (n=256, second_order=False, seed=7)"
    assert design_text({"kind": "grid", "n": None, "levels": 3, "seed": 12345}) == "grid (levels=3)"
    assert design_text({"kind": "morris", "n": 10, "levels": 4, "seed": 1}) == "morris (n=10, levels=4, seed=1)"


def test_second_order_sobol_indices_match_ishigami_and_are_reported(tmp_path):
    """Ishigami (a = 7, b = 0.1): the only interaction is x1·x3, S13 = ST3 − S3 = 0.2437 (S3 = 0);
    S12 = S23 = 0. With `second_order: true` the indices are estimated within their confidence
    half-widths, and the sweep report shows them (it computed and dropped them before)."""
    from reebloc.sweep.analysis import sensitivity
    from reebloc.app.cli import main

    f = ishigami_yaml(tmp_path, design={"kind": "sobol", "n": 1024, "seed": 11, "second_order": True}, chunk_size=8192)
    folder = run_sweep(f, workers=1, out=tmp_path / "out", progress=False)
    s2 = sensitivity(results(folder), json.loads((folder / "manifest.json").read_text()))["y"].attrs["S2"]
    s2 = s2.set_index(["parameter", "with"])
    for pair, exact in (("x1", "x3"), 0.2437), (("x1", "x2"), 0.0), (("x2", "x3"), 0.0):
        row = s2.loc[pair]
        assert abs(row["S2"] - exact) <= row["S2_conf"], (pair, row["S2"], row["S2_conf"])
    rep = tmp_path / "rep.md"
    assert main(["-q", "sweep-report", str(folder), "--out", str(rep)]) == 0
    text = rep.read_text()
    assert "### Second-order indices S2 (SALib)" in text and "| x1 | x3 |" in text
