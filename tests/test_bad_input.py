"""One test per class of bad input: one line naming file and field, exit 2, no traceback,
no run folder left behind."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reebloc.app.cli import main



def assert_refused_by_validate_and_run(capsys, cfg, out, culprit, words):
    """``validate`` and ``run`` both exit 2 with one line blaming ``culprit`` and holding ``words``;
    nothing is written under ``out``."""
    for args in (["validate", str(cfg)], ["run", str(cfg), "--out", str(out)]):
        code, err = run_cli(capsys, *args)
        assert code == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {culprit}: "), err
        for w in words:
            assert w in lines[0], (w, lines[0])
    assert not out.exists()

def run_cli(capsys, *args):
    code = main(list(args))
    err = capsys.readouterr().err
    return code, err


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


DATA_CASES = [
    # (file, old, new, words expected in the one-line message)
    ("routes.csv", "CN,AU,reo", "CX,AU,reo", ["routes.csv", "row 1", "origin", "unknown node 'CX'"]),
    ("demand.csv", "CN,ev,ndfeb_magnet", "CN,ev,ndfeb_magnit", ["demand.csv", "commodity", "unknown commodity"]),
    ("facilities.csv", "cn_sep,CN,separation", "cn_sep,CN,separator", ["facilities.csv", "process", "unknown process"]),
    ("capacity.csv", "cn_mine,2025", "cn_mien,2025", ["capacity.csv", "facility", "unknown facility 'cn_mien'"]),
    ("capacity.csv", "cn_mine,2025,100000", "cn_mine,2025,-5", ["capacity.csv", "capacity_t", ">= 0"]),
    ("costs.csv", "cn_mine,2025,2", "cn_mine,2025,-2", ["costs.csv", "cost_usd_per_kg", ">= 0"]),
    ("demand.csv", "CN,ev,ndfeb_magnet,2025,20000", "CN,ev,ndfeb_magnet,2025,-1", ["demand.csv", "quantity_t", ">= 0"]),
    ("capacity.csv", "cn_mine,2026,100000", "cn_mine,2025,100000", ["capacity.csv", "duplicate key"]),
    ("capacity.csv", "cn_mine,2026,100000", "cn_mine,2062,100000", ["capacity.csv", "year", "2062", "outside"]),
    ("capacity.csv", "cn_mine,2025,100000,fixture", "cn_mine,2025,100000,nosuch", ["capacity.csv", "source_id", "unknown source 'nosuch'"]),
    ("capacity.csv", "cn_mine,2025,100000", "cn_mine,2025,lots", ["capacity.csv", "capacity_t", "expected a number"]),
    ("capacity.csv", "cn_mine,2025,100000", "cn_mine,2025,inf", ["capacity.csv", "capacity_t", "finite"]),
]


@pytest.mark.parametrize("fname,old,new,words", DATA_CASES, ids=[c[3][-1] for c in DATA_CASES])
def test_bad_data_is_one_clear_line(copy_dataset, tmp_path, capsys, fname, old, new, words):
    folder, cfg = copy_dataset("chain")
    edit(folder / fname, old, new)
    out = tmp_path / "out"
    code, err = run_cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_missing_table(copy_dataset, tmp_path, capsys):
    folder, cfg = copy_dataset("chain")
    (folder / "routes.csv").unlink()
    code, err = run_cli(capsys, "validate", str(cfg))
    assert code == 2 and "routes.csv" in err and "missing" in err


def test_unknown_column_suggests(copy_dataset, capsys):
    folder, cfg = copy_dataset("chain")
    edit(folder / "capacity.csv", "capacity_t", "capacity_tonnes")
    code, err = run_cli(capsys, "validate", str(cfg))
    assert code == 2 and "capacity_tonnes" in err and "did you mean 'capacity_t'" in err


CONFIG_CASES = [
    ("discount_rate: 0.05", "discount_rte: 0.05", ["discount_rte", "unknown key", "did you mean 'discount_rate'"]),
    ("discount_rate: 0.05", "discount_rate: lots", ["discount_rate", "number"]),
    ("discount_rate: 0.05", "discount_rate: yes", ["discount_rate", "expected a number, got true"]),
    ("years: {start: 2025, end: 2027}", "years: {start: 2025, end: 2024}", ["years", "before start"]),
    ("curves: {form: steps, steps: 10, demand: linear}", "curves: {form: stairs, steps: 10, demand: linear}", ["curves.form", "steps"]),
    ("discount_rate: 0.05", "discount_rate: 0.05\npolicies: {f: {kind: price_flor}}", ["policies.f.kind", "price_floor"]),
    ("discount_rate: 0.05", "discount_rate: 0.05\npolicies: {f: {kind: price_floor, facilities: [us_sep], commodity: ndpr_oxide, price_usd_per_kg: 110, reference_node: CN, upside_shar: 0.3}}",
     ["policies.f.upside_shar", "did you mean 'upside_share'"]),
    ("discount_rate: 0.05", "discount_rate: 0.05\npolicies: {f: {kind: price_floor, facilities: [us_sepp], commodity: ndpr_oxide, price_usd_per_kg: 110, reference_node: CN}}",
     ["policies.f.facilities", "unknown facility 'us_sepp'"]),
    ("discount_rate: 0.05", "discount_rate: 0.05\nscenarios: {a: {probability: 0.5}, b: {probability: 0.6}}", ["scenarios", "sum to 1.1"]),
    ("name: chain", "name: ../escape", ["name", "letters"]),
    ("years: {start: 2025, end: 2027}", "years: {start: 2025, end: 2031}", ["outside the data horizon"]),
    ("years: {start: 2025, end: 2027}", "years: {start: 2025, end: 2027", ["line", "invalid YAML"]),
    ("discount_rate: 0.05", "discount_rate: 0.05\nsolver: {options: {time_limt: 3}}", ["solver.options", "HiGHS rejects option 'time_limt'"]),
    ("discount_rate: 0.05", "discount_rate: 0.05\nperiods: {2025: [6, 5]}", ["periods.2025", "summing to 12", "[6, 5]"]),
    ("discount_rate: 0.05", "discount_rate: 0.05\nperiods: {2031: [6, 6]}", ["periods.2031", "not a year of the run"]),
    ("discount_rate: 0.05", "discount_rate: 0.05\npolicies: {t: {kind: tariff, ad_valorem: 0.1, years: {start: 2026, from_month: 5, end: 2027}}}",
     ["policies.t.years", "inside the period 2026", "split 2026"]),
]


@pytest.mark.parametrize("old,new,words", CONFIG_CASES, ids=[c[2][0] for c in CONFIG_CASES])
def test_bad_config_is_one_clear_line(copy_dataset, tmp_path, capsys, old, new, words):
    folder, cfg = copy_dataset("chain")
    edit(cfg, old, new)
    out = tmp_path / "out"
    code, err = run_cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert str(cfg) in lines[0] or "demand.csv" in lines[0], lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert not out.exists() or not any(out.iterdir())


def test_missing_config_file(tmp_path, capsys):
    code, err = run_cli(capsys, "run", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml" in err and "not found" in err


def test_base_cycle_is_an_error(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("base: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nname: b\n")
    code, err = run_cli(capsys, "validate", str(tmp_path / "a.yaml"))
    assert code == 2 and "cycle" in err and "a.yaml -> b.yaml -> a.yaml" in err


def test_existing_run_is_not_overwritten(copy_dataset, tmp_path, capsys):
    folder, cfg = copy_dataset("chain")
    out = tmp_path / "out"
    assert run_cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    marker = out / "chain" / "manifest.json"
    before = marker.read_text()
    code, err = run_cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 2 and "exists" in err and "--force" in err
    assert marker.read_text() == before
    assert run_cli(capsys, "run", str(cfg), "--out", str(out), "--force")[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["chain"]   # no temporary folders left


def test_out_pointing_at_a_file(copy_dataset, tmp_path, capsys):
    folder, cfg = copy_dataset("chain")
    f = tmp_path / "a_file"
    f.write_text("x")
    code, err = run_cli(capsys, "run", str(cfg), "--out", str(f))
    assert code == 2 and "a_file: --out: is a file" in err


def test_cli_subprocess_exit_code_and_no_traceback(copy_dataset, tmp_path):
    """The real console entry: exit 2, one line on stderr."""
    folder, cfg = copy_dataset("chain")
    edit(folder / "routes.csv", "CN,AU,reo", "CX,AU,reo")
    p = subprocess.run([sys.executable, "-m", "reebloc.app.cli", "validate", str(cfg)], capture_output=True, text=True)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_a_name_yaml_reads_as_a_boolean_names_the_file_that_set_it(tmp_path, capsys):
    """A policy named off in a child config is reported against the child, not its base."""
    from tests.conftest import CONFIGS
    cfg = tmp_path / "child.yaml"
    cfg.write_text(f"base: {CONFIGS / 'chain.yaml'}\nname: child\npolicies:\n"
                   "  off: {kind: outlay, type: grant, amount_usd: 1, year: 2025}\n")
    code, err = run_cli(capsys, "validate", str(cfg))
    last = err.strip().splitlines()[-1]
    assert code == 2 and last.startswith(f"error: {cfg}: policies: name false is not text"), last


# ---------------------------------------------------------------- silent zeros and cross-checks
# A year missing inside a series, or a row whose columns contradict each other, used to load
# and solve silently (a missing capacity row = no supply, a missing cost row = free production,
# a missing demand row = no demand, VOLL below the price = all shortage, ...).

GAP_CASES = [
    # (file, old, new, words expected in the one-line message)
    ("capacity.csv", "cn_mine,2026,100000,fixture\n", "",
     ["capacity.csv", "facility=cn_mine", "no row for year 2026"]),
    ("costs.csv", "cn_mine,2026,2,,fixture\n", "",
     ["costs.csv", "facility=cn_mine", "no row for year 2026"]),
    ("costs.csv", "cn_mine,2026,2,,fixture\ncn_mine,2027,2,,fixture\n", "",
     ["costs.csv", "facility=cn_mine, year=2026", "no cost row", "free"]),
    ("demand.csv", "US,ev,ndfeb_magnet,2026,8000,40,-0.5,200,asm_fixture_elasticity\n", "",
     ["demand.csv", "node=US, segment=ev, commodity=ndfeb_magnet", "no row for year 2026"]),
    ("demand.csv", "US,ev,ndfeb_magnet,2025,8000,40,-0.5,200", "US,ev,ndfeb_magnet,2025,8000,40,-0.5,40",
     ["demand.csv", "row 13", "column 'voll_usd_per_kg'", "US, ev, ndfeb_magnet, 2025", "above price_usd_per_kg 40"]),
    ("demand.csv", "US,ev,ndfeb_magnet,2025,8000,40,-0.5,200", "US,ev,ndfeb_magnet,2025,8000,0,-0.5,200",
     ["demand.csv", "row 13", "column 'price_usd_per_kg'", "US, ev, ndfeb_magnet, 2025", "elastic row", "> 0"]),
]


@pytest.mark.parametrize("fname,old,new,words", GAP_CASES, ids=[c[3][-1] for c in GAP_CASES])
def test_missing_year_or_contradictory_row_is_refused(copy_dataset, tmp_path, capsys, fname, old, new, words):
    folder, cfg = copy_dataset("chain")
    edit(folder / fname, old, new)
    out = tmp_path / "out"
    assert_refused_by_validate_and_run(capsys, cfg, out, folder / fname, words)


EXTRA_TABLES = [
    # (optional table added to the data set, its text, words expected)
    ("storage.csv", "node,commodity,origin,capacity_t,initial_t,holding_cost_usd_per_kg_yr,capacity_source_id,"
     "initial_source_id,holding_source_id\nUS,ndfeb_magnet,touched,100,500,1,fixture,fixture,fixture\n",
     ["storage.csv", "row 1, column 'initial_t'", "US, ndfeb_magnet", "500 t exceeds capacity_t 100"]),
    ("substitution.csv", "segment,commodity,substitute,max_share,ratio_t_per_t,source_id\n"
     "ev,ndfeb_magnet,ndfeb_magnet,0.5,1,fixture\n",
     ["substitution.csv", "row 1, column 'substitute'", "'ndfeb_magnet' is the row's own commodity"]),
    ("observed.csv", "metric,year,months,value,low,high,unit,source_id\n"
     "china_share_mine_output,2025,1-12,0.7,0.8,0.6,share,fixture\n",
     ["observed.csv", "row 1, column 'low'", "china_share_mine_output, 2025", "low 0.8 > high 0.6"]),
]


@pytest.mark.parametrize("fname,text,words", EXTRA_TABLES, ids=[c[0] for c in EXTRA_TABLES])
def test_optional_table_cross_checks(copy_dataset, tmp_path, capsys, fname, text, words):
    folder, cfg = copy_dataset("chain")
    (folder / fname).write_text(text)
    out = tmp_path / "out"
    assert_refused_by_validate_and_run(capsys, cfg, out, folder / fname, words)


def test_a_gap_outside_the_run_years_is_not_checked(copy_dataset, capsys):
    """Only the run's years must be complete: a 2026 gap does not concern a 2025 run."""
    folder, cfg = copy_dataset("chain")
    edit(folder / "capacity.csv", "cn_mine,2026,100000,fixture\n", "")
    edit(cfg, "years: {start: 2025, end: 2027}", "years: {start: 2025, end: 2025}")
    code, err = run_cli(capsys, "validate", str(cfg))
    assert code == 0, err


VALIDATE_CASES = [
    ("money: {home: USA}", ["money.home", "unknown node 'USA' (not in nodes.csv)", "did you mean 'US'?"]),
    ("policies: {g: {kind: outlay, type: grant, amount_usd: 1000, year: 2025, recipient: Lynas}}",
     ["policies.g.recipient", "unknown node 'Lynas' (not in nodes.csv)"]),
    # D15: outside the run is booked in the nearest run year (docs/model.md § Money); 1025 is a typo
    ("policies: {g: {kind: outlay, type: grant, amount_usd: 1000, year: 1025}}",
     ["policies.g.year", "1025 is not a plausible year (expected 1990-2100"]),
    # D16: a contracted input price for something the facility does not use was silently ignored
    ("policies: {o: {kind: offtake, facility: us_mag, commodity: ndfeb_magnet, share: 0.5, cost_plus_margin: 0.1, "
     "input_price_usd_per_kg: {ndpr_oxid: 60}}}",
     ["policies.o.input_price_usd_per_kg", "'ndpr_oxid' is not an input of facility 'us_mag'",
      "(process magnet uses dytb_oxide, ndpr_oxide)", "did you mean 'ndpr_oxide'?"]),
    ("policies: {o: {kind: offtake, facility: us_mag, commodity: ndfeb_magnet, share: 0.5, cost_plus_margin: 0.1, "
     "input_price_usd_per_kg: {reo: 5}}}",
     ["policies.o.input_price_usd_per_kg", "'reo' is not an input of facility 'us_mag'"]),
    # D17: a tariff with no rate was a silent 0% tariff
    ("policies: {t: {kind: tariff, origins: [CN], destinations: [US], commodities: [ndfeb_magnet]}}",
     ["policies.t: a tariff with no rate", "ad_valorem", "specific_usd_per_kg"]),
    # D18: a licence with neither friction nor cap did nothing
    ("scenarios: {calm: {probability: 0.5}, lic: {probability: 0.5, export_controls: {c: {exporter: CN, "
     "commodities: [ndfeb_magnet], years: {start: 2026, end: 2027}, kind: licence}}}}",
     ["scenarios.lic.export_controls.c", "kind licence needs cost_usd_per_kg", "cap_t or approval_rate"]),
]


@pytest.mark.parametrize("extra,words", VALIDATE_CASES, ids=[c[1][0] for c in VALIDATE_CASES])
def test_validate_checks_what_run_needs(copy_dataset, tmp_path, capsys, extra, words):
    """``validate`` refuses what would otherwise zero the home figures or fail after the solve."""
    folder, cfg = copy_dataset("chain")
    edit(cfg, "discount_rate: 0.05", f"discount_rate: 0.05\n{extra}")
    out = tmp_path / "out"
    assert_refused_by_validate_and_run(capsys, cfg, out, cfg, words)


def test_cross_checks_accept_what_is_meant(copy_dataset, capsys):
    """The D15-D18 checks leave alone: an outlay past the run (booked in its last year), a contracted
    price of a real input, a tariff or licence whose rate is 0 given explicitly, a licence with only
    a cap; and a reference scenario with controls (brief_regimes names one: not checked)."""
    folder, cfg = copy_dataset("chain")
    edit(cfg, "discount_rate: 0.05", "discount_rate: 0.05\n"
         "reference_scenario: lic\n"
         "scenarios: {calm: {probability: 0.5}, lic: {probability: 0.5, export_controls: {"
         "a: {exporter: CN, commodities: [ndfeb_magnet], years: {start: 2026, end: 2027}, kind: licence, cap_t: 10},"
         "b: {exporter: CN, commodities: [dytb_oxide], years: {start: 2026, end: 2027}, kind: licence, cost_usd_per_kg: 0}}}}\n"
         "policies:\n"
         "  g: {kind: outlay, type: grant, amount_usd: 1000, year: 2040}\n"
         "  o: {kind: offtake, facility: us_mag, commodity: ndfeb_magnet, share: 0.5, cost_plus_margin: 0.1, "
         "input_price_usd_per_kg: {ndpr_oxide: 60}}\n"
         "  t: {kind: tariff, origins: [CN], destinations: [US], ad_valorem: 0}\n")
    code, err = run_cli(capsys, "validate", str(cfg))
    assert code == 0, err


def test_header_only_demand_is_blamed_on_demand_csv(copy_dataset, capsys):
    """B5: with demand.csv reduced to its header, the error named substitution.csv ('unknown segment')."""
    folder, cfg = copy_dataset("chain")
    dem = folder / "demand.csv"
    dem.write_text(dem.read_text().splitlines()[0] + "\n")
    (folder / "substitution.csv").write_text("segment,commodity,substitute,max_share,ratio_t_per_t,source_id\n"
                                            "ev,ndfeb_magnet,ndpr_oxide,0.5,1,fixture\n")
    code, err = run_cli(capsys, "validate", str(cfg))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0] == f"error: {dem}: no data rows (header only); expected at least one row (its years set the data horizon)"


# ---------------------------------------------------------------- run folders and --out

def test_run_folder_respects_the_umask(copy_dataset, tmp_path, capsys):
    """A run folder gets the permissions of any mkdir (0777 less the umask), not mkdtemp's 0700."""
    import os
    import stat
    folder, cfg = copy_dataset("chain")
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        code, err = run_cli(capsys, "run", str(cfg), "--out", str(out))
        assert code == 0, err
        assert stat.S_IMODE((out / "chain").stat().st_mode) == 0o755
        code, err = run_cli(capsys, "run", str(cfg), "--out", str(out), "--force")   # a replaced one too
        assert code == 0, err
        assert stat.S_IMODE((out / "chain").stat().st_mode) == 0o755
    finally:
        os.umask(old)
    assert sorted(p.name for p in out.iterdir()) == ["chain"]


@pytest.mark.parametrize("value", ["", "  "])
def test_empty_out_is_refused(copy_dataset, tmp_path, capsys, monkeypatch, value):
    folder, cfg = copy_dataset("chain")
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    code, err = run_cli(capsys, "run", str(cfg), "--out", value)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: --out: empty"), err
    assert not any(here.iterdir())


def test_every_config_is_checked_before_the_first_solve(copy_dataset, tmp_path, capsys):
    """``run good.yaml bad.yaml``: the bad config is refused before the good one is solved."""
    folder, cfg = copy_dataset("chain")
    bad = tmp_path / "bad.yaml"
    bad.write_text(cfg.read_text().replace("name: chain", "name: bad").replace("discount_rate:", "discount_rte:"))
    out = tmp_path / "out"
    code, err = run_cli(capsys, "run", str(cfg), str(bad), "--out", str(out))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith(f"error: {bad}: discount_rte: unknown key"), lines[0]
    assert not out.exists()
    # a config whose data set fails a check is refused up front too
    edit(folder / "capacity.csv", "cn_mine,2026,100000,fixture\n", "")
    good = tmp_path / "good.yaml"
    good.write_text((tmp_path / "run.yaml").read_text().replace("name: chain", "name: good")
                    .replace("inputs: data", f"inputs: {DATA_CHAIN}"))
    code, err = run_cli(capsys, "run", str(good), str(cfg), "--out", str(out))
    assert code == 2 and "capacity.csv" in err and not out.exists(), err


def test_two_configs_with_one_name_are_refused_before_solving(copy_dataset, tmp_path, capsys):
    folder, cfg = copy_dataset("chain")
    twin = tmp_path / "twin.yaml"
    twin.write_text(cfg.read_text())
    out = tmp_path / "out"
    code, err = run_cli(capsys, "run", str(cfg), str(twin), "--out", str(out))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and f"{twin}: name: run name 'chain'" in lines[0], err
    assert not out.exists()


DATA_CHAIN = __import__("pathlib").Path(__file__).parent / "data" / "chain"


# ---------------------------------------------------------------- referee 3: silent no-ops
# Each of these loaded and solved, the input ignored (an empty destination list, a quota_t on a
# ban, a control outside the data horizon, a cover target above the stockpile's capacity, an
# exporter controlling its exports to itself). Reproductions: /tmp/referee3/bad/.

def _ctl(extra: str, exporter: str = "CN", kind: str = "ban", years: str = "{start: 2026, end: 2027}") -> str:
    return ("scenarios:\n  s:\n    probability: 1\n    export_controls:\n      c: {exporter: " + exporter
            + f", commodities: [ndfeb_magnet], years: {years}, kind: {kind}" + (f", {extra}" if extra else "") + "}\n")


REFEREE3_CASES = [
    # (base fixture, config lines, words expected in the one-line message)
    ("chain", _ctl("destinations: []"),
     ["scenarios.s.export_controls.c.destinations: at least one destination; use all for every destination"]),
    ("chain", _ctl("quota_t: 5"), ["scenarios.s.export_controls.c.quota_t: quota_t applies to kind quota, not ban"]),
    ("chain", _ctl("quota_t: 5", kind="licence"), ["export_controls.c.quota_t: quota_t applies to kind quota, not licence"]),
    ("chain", _ctl("quota_t: 5, share: 0.5"), ["export_controls.c.quota_t: quota_t applies to kind quota, not ban"]),
    ("chain", _ctl("quota_t: 5, share: 0.5", kind="quota"), ["export_controls.c.share: share applies to kind share, not quota"]),
    ("chain", _ctl("share: 0.5, cost_usd_per_kg: 3", kind="licence"), ["export_controls.c.share: share applies to kind share, not licence"]),
    ("chain", _ctl("cap_t: 5"), ["export_controls.c.cap_t: cap_t applies to kind licence, not ban"]),
    ("chain", _ctl("cost_usd_per_kg: 3"), ["export_controls.c.cost_usd_per_kg: cost_usd_per_kg (the per-kg friction of a licence) applies to kind licence, not ban"]),
    ("chain", _ctl("share: 0.5, reference_t: 100, cost_usd_per_kg: 3", kind="share"),
     ["export_controls.c.cost_usd_per_kg: cost_usd_per_kg", "applies to kind licence, not share"]),
    ("chain", _ctl("quota_t: 5, reference_t: 100", kind="quota"),
     ["export_controls.c.reference_t: reference_t applies to kind share or a licence with an approval_rate, not quota"]),
    ("chain", _ctl("cap_t: 5, reference_t: 100", kind="licence"),
     ["export_controls.c.reference_t: reference_t applies to kind share or a licence with an approval_rate, "
      "not a licence without one"]),
    ("chain", _ctl("", years="{start: 2030, end: 2031}"),
     ["scenarios.s.export_controls.c.years: control years 2030-2031 are outside the data set's horizon 2025-2027"]),
    ("chain", _ctl("", years="{start: 2026, end: 2030}"),       # partly inside: refused, as a policy is
     ["scenarios.s.export_controls.c.years: control years 2026-2030 are outside the data set's horizon 2025-2027"]),
    ("two", "policies:\n  s: {kind: stockpile, node: US, commodity: ndpr_oxide, capacity_t: 10, target_days: 365}\n",
     ["policies.s.target_days: a cover of 365 days of US's ndpr_oxide demand is 5,000.0 t in 2025, "
      "more than capacity_t (10.0 t); lower target_days or raise capacity_t"]),
    ("two", "policies:\n  s: {kind: stockpile, node: US, commodity: ndpr_oxide, capacity_t: 500, target_days: 60, "
     "target_from: 2026, years: {start: 2026, end: 2026}}\n",
     ["policies.s.target_days", "821.9 t in 2026, more than capacity_t (500.0 t)"]),
    ("chain", _ctl("destinations: [US]", exporter="US"),
     ["scenarios.s.export_controls.c.destinations: US is the exporter: an exporter cannot be its own destination "
      "(destinations: all means every other node)"]),
    ("chain", _ctl("destinations: [JP, CN]", exporter="[CN]"),
     ["export_controls.c.destinations: CN is the exporter: an exporter cannot be its own destination"]),
    # referee 5: a per-destination reference without 'others' left the other destinations uncapped
    ("chain", _ctl("share: 0.5, reference_t: {US: 100}", kind="share"),
     ["scenarios.s.export_controls.c.reference_t: no reference volume for AU, JP, which the control reaches; "
      "without 'others' their flows would be uncapped"]),
]


@pytest.mark.parametrize("base,extra,words", REFEREE3_CASES, ids=[c[2][0][:70] for c in REFEREE3_CASES])
def test_a_control_or_target_that_would_do_nothing_is_refused(tmp_path, capsys, base, extra, words):
    from tests.conftest import CONFIGS
    cfg = tmp_path / "child.yaml"
    cfg.write_text(f"base: {CONFIGS / (base + '.yaml')}\nname: child\n{extra}")
    assert_refused_by_validate_and_run(capsys, cfg, tmp_path / "out", cfg, words)


def test_referee3_checks_accept_what_is_meant(tmp_path, capsys):
    """Left alone: a null quota_t or a 0 cost on a ban (brief_regimes.yaml overrides merged controls
    that way), destinations: all from any exporter (every other node), an exporter among the
    destinations of a control with several exporters (the others ship to it), a control past a
    shorter run's years but inside the data horizon (as for policies), a cover target that fits,
    and one above capacity only in years every scenario is disrupted (relaxed there)."""
    from tests.conftest import CONFIGS
    cfg = tmp_path / "child.yaml"
    cfg.write_text(
        f"base: {CONFIGS / 'chain.yaml'}\nname: child\nyears: {{start: 2025, end: 2026}}\n"
        "scenarios:\n  s:\n    probability: 1\n    export_controls:\n"
        "      a: {exporter: CN, commodities: [ndfeb_magnet], years: {start: 2026, end: 2027}, kind: ban, "
        "quota_t: null, cost_usd_per_kg: 0}\n"
        "      b: {exporter: US, commodities: [ndpr_oxide], years: {start: 2026, end: 2026}, kind: quota, quota_t: 5}\n"
        "      c: {exporter: [CN, JP], commodities: [dytb_oxide], destinations: [JP, US], "
        "years: {start: 2026, end: 2026}, kind: licence, cost_usd_per_kg: 1}\n"
        "policies:\n"
        "  fits: {kind: stockpile, node: US, commodity: ndfeb_magnet, capacity_t: 1000, target_days: 30}\n"
        "  relaxed: {kind: stockpile, node: US, commodity: ndfeb_magnet, capacity_t: 10, target_days: 30, "
        "target_from: 2026}\n")
    code, err = run_cli(capsys, "validate", str(cfg))
    assert code == 0, err
