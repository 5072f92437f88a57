"""Sweep files with mistakes: each is refused with one line on stderr naming the sweep file and
the key, exit 2, no traceback, and no sweep folder left behind (docs/sweeps.md § Mistakes)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import yaml

from reebloc.app.cli import main
from tests.conftest import CONFIGS

FLOOR = {"name": "floor", "path": "policies.us_floor.price_usd_per_kg", "change": "substitute",
         "low": 40, "high": 120}
FREIGHT = {"name": "freight", "table": "routes", "where": {}, "column": "freight_usd_per_kg",
           "change": "relative", "low": 0.5, "high": 2.0}
OBJ = {"name": "obj", "summary": "objective_kusd"}
PRICE = {"name": "p_us", "table": "prices", "where": {"node": "US", "commodity": "ndpr_oxide"},
         "column": "price_usd_per_kg", "agg": "mean"}


def sweep_file(tmp_path: Path, parameters=None, outputs=None, **extra) -> Path:
    base = tmp_path / "base.yaml"
    base.write_text(textwrap.dedent(f"""
        base: {CONFIGS / 'chain_ban.yaml'}
        name: chain_floor
        policies:
          us_floor: {{kind: price_floor, facilities: [us_sep], commodity: ndpr_oxide, price_usd_per_kg: 70,
                      reference_node: CN, payer: US}}
    """))
    cfg = {"name": "sw", "base": "base.yaml", "design": {"kind": "grid", "levels": 2},
           "parameters": parameters or [FLOOR], "outputs": outputs or [OBJ], **extra}
    f = tmp_path / "sw.yaml"
    f.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return f


def refused(capsys, sw: Path, *args, key: str | None = None) -> str:
    """Run ``reebloc sweep`` on ``sw``: exit 2, one line naming the sweep file (and ``key``), no
    sweep folder written."""
    out = sw.parent / "out"
    capsys.readouterr()
    code = main(["-q", "sweep", str(sw), "--out", str(out), "--workers", "1", *args])
    err = "\n".join(x for x in capsys.readouterr().err.replace("\r", "\n").splitlines()
                    if x.strip() and "variant/s" not in x)
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith(f"error: {sw}: "), err
    if key is not None:
        assert f": {key}: " in err, err
    assert not out.exists() or not any(out.iterdir()), sorted(out.rglob("*"))
    return err


def with_param(tmp_path, **change) -> Path:
    return sweep_file(tmp_path, [{**FLOOR, **change}])


# 1. non-numeric values and non-numeric or key columns
def test_values_must_be_numbers(tmp_path, capsys):
    sw = sweep_file(tmp_path, [{**{k: v for k, v in FLOOR.items() if k not in ("low", "high")},
                                "values": ["cheap", "dear"]}], design={"kind": "lhs", "n": 4, "seed": 1})
    err = refused(capsys, sw, key="parameters.0.values")
    assert "'cheap'" in err


@pytest.mark.parametrize("column,change,what", [("source_id", "substitute", "not a number"),
                                                 ("origin", "relative", "a key")])
def test_table_column_must_be_numeric_and_not_a_key(tmp_path, capsys, column, change, what):
    sw = sweep_file(tmp_path, [{**FREIGHT, "column": column, "change": change}])
    err = refused(capsys, sw, key="parameters.0.column")
    assert repr(column) in err and what in err and "freight_usd_per_kg" in err


# 2. a bad path is blamed on the sweep file, not on the base run config
@pytest.mark.parametrize("path,low,high,needle", [
    ("policies.us_flor.price_usd_per_kg", 40, 120, "did you mean 'us_floor'"),
    ("policies.us_floor.price_usd_kg", 40, 120, "did you mean 'price_usd_per_kg'"),
    ("discount_rat", 0.01, 0.05, "did you mean 'discount_rate'"),
    ("policies.us_floor", 40, 120, "not a single value"),
    ("scenarios.ban.export_controls.us_ban.commodities.0", 40, 120, "a list"),
    ("policies.us_floor.reference_node", 40, 120, "text"),
])
def test_bad_path_names_the_sweep_file(tmp_path, capsys, path, low, high, needle):
    err = refused(capsys, with_param(tmp_path, path=path, low=low, high=high), key="parameters.0.path")
    assert needle in err and path in err


@pytest.mark.parametrize("change,key,needle", [
    ({"low": -50}, "parameters.0.low", "greater than or equal to 0"),
    ({"path": "discount_rate", "low": 0.01, "high": 3}, "parameters.0.high", "less than or equal to 1"),
])
def test_value_refused_by_the_run_config(tmp_path, capsys, change, key, needle):
    err = refused(capsys, with_param(tmp_path, **change), key=key)
    assert needle in err


# 3. misspelt keys, a sweep as base, bad output names
def test_misspelt_top_level_key_is_named(tmp_path, capsys):
    sw = sweep_file(tmp_path)
    sw.write_text(sw.read_text().replace("design:", "desing:"))
    err = refused(capsys, sw, key="desing")
    assert "did you mean 'design'" in err


def test_base_that_is_a_sweep_file(tmp_path, capsys):
    other = sweep_file(tmp_path)
    sw = tmp_path / "sw2.yaml"
    sw.write_text(other.read_text().replace("base: base.yaml", "base: sw.yaml"))
    err = refused(capsys, sw, key="base")
    assert "is a sweep file" in err and "run config" in err


@pytest.mark.parametrize("change,key,needle", [
    ({"column": "price_usd_kg"}, "outputs.p_us.column", "'price_usd_kg' in result table prices; did you mean 'price_usd_per_kg'"),
    ({"where": {"nod": "US"}}, "outputs.p_us.where", "'nod' in result table prices; did you mean 'node'")])
def test_bad_output_column_is_named(tmp_path, capsys, change, key, needle):
    sw = sweep_file(tmp_path, outputs=[OBJ, {**PRICE, **change}])
    err = refused(capsys, sw, key=key)
    assert needle in err


# 4. an output whose where matches no row
def test_output_where_matching_nothing_is_refused(tmp_path, capsys):
    sw = sweep_file(tmp_path, outputs=[OBJ, {**PRICE, "where": {"node": "USA", "commodity": "ndpr_oxide"}}])
    err = refused(capsys, sw, key="outputs.p_us.where")
    assert "'USA'" in err and "did you mean 'US'" in err


# 5. --workers below 1
@pytest.mark.parametrize("n", ["0", "-2"])
def test_workers_below_one(tmp_path, capsys, n):
    sw = sweep_file(tmp_path)
    capsys.readouterr()
    assert main(["-q", "sweep", str(sw), "--out", str(tmp_path / "out"), "--workers", n]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: --workers: expected a whole number ≥ 1, got {n}"
    assert not (tmp_path / "out").exists()


# 6. a failed sweep leaves nothing behind, so the fixed file runs without --fresh
def test_fixed_sweep_runs_without_fresh(tmp_path, capsys):
    sw = sweep_file(tmp_path, outputs=[OBJ, {**PRICE, "column": "price"}])
    refused(capsys, sw)
    sw.write_text(sw.read_text().replace("column: price\n", "column: price_usd_per_kg\n"))
    assert main(["-q", "sweep", str(sw), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    assert (tmp_path / "out" / "sw" / "results.parquet").exists()


# 7. solver settings cannot be swept; table values keep the data's bounds
@pytest.mark.parametrize("path", ["solver.time_limit_s", "solver.threads"])
def test_solver_parameters_are_refused(tmp_path, capsys, path):
    err = refused(capsys, with_param(tmp_path, path=path, low=1, high=2), key="parameters.0.path")
    assert "solver" in err


def test_relative_change_outside_the_data_bounds(tmp_path, capsys):
    sw = sweep_file(tmp_path, [{**{k: v for k, v in FREIGHT.items() if k not in ("low", "high")},
                                "values": [-1.0, 1.0]}])
    err = refused(capsys, sw, key="parameters.0.values")
    assert "-1" in err and "freight_usd_per_kg" in err and ">= 0" in err


# 8. an empty range
def test_empty_range_is_refused(tmp_path, capsys):
    err = refused(capsys, with_param(tmp_path, low=100, high=100), key="parameters.0")
    assert "low" in err and "high" in err


def test_output_mistake_with_worker_processes(tmp_path):
    """The same refusal from worker processes: one line (no 'leaked semaphore' warning from the
    terminated workers after it), exit 2, no folder."""
    import subprocess
    import sys

    sw = sweep_file(tmp_path, outputs=[OBJ, {**PRICE, "where": {"node": "USA"}}],
                    design={"kind": "lhs", "n": 8, "seed": 1}, chunk_size=2)
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "reebloc.app.cli", "-q", "sweep", str(sw), "--out", str(out),
                        "--workers", "2"], capture_output=True, text=True, timeout=600)
    err = [x for x in p.stderr.replace("\r", "\n").splitlines() if x.strip() and "variant/s" not in x]
    assert p.returncode == 2 and len(err) == 1, p.stderr
    assert err[0].startswith(f"error: {sw}: outputs.p_us.where: ") and "'USA'" in err[0]
    assert not out.exists() or not any(out.iterdir())


WORKER_LOCKS = '''
import os, time
import multiprocessing.synchronize as syn
from multiprocessing import resource_tracker as rt

def worker():
    return os.getpid() != int(os.environ["SWEEP_PARENT_PID"])

def log(line):
    with open(os.environ["LOCK_LOG"], "a") as f:
        f.write(line + "\\n")

_init = syn.SemLock.__init__
def init(self, *a, **k):
    _init(self, *a, **k)
    if worker():
        log(f"made {os.getpid()}")
syn.SemLock.__init__ = init

_send = rt._resource_tracker._send
def send(cmd, name, rtype):
    _send(cmd, name, rtype)
    if worker():
        log(f"{cmd} {os.getpid()} {name}")
rt._resource_tracker._send = send

# the second worker to unlink a registered lock takes 2 s over it, so that the pool's own
# terminate() (sent once the first worker has exited) arrives in between
_unlink = syn.sem_unlink
def unlink(name):
    _unlink(name)
    if worker():
        try:
            os.close(os.open(os.environ["LOCK_LOG"] + ".first", os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            time.sleep(2)
syn.sem_unlink = unlink
'''


def test_output_mistake_while_workers_are_terminated_twice(tmp_path):
    """The race behind an intermittent 'leaked semaphore' warning after the error line: the
    sweep terminate()s its workers, the pool terminate()s the survivors again once one has exited,
    and a worker that was unregistering its multiprocessing lock died half-way (the lock unlinked,
    the tracker not told). Reproduced here by slowing the second worker's unlink by 2 s (it failed
    2 runs in 2 with the old SIGTERM handler). Workers now make their locks unlinked and
    unregistered, so there is nothing to leak: locks are made in workers, none is registered."""
    import subprocess
    import sys

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WORKER_LOCKS)
    sw = sweep_file(tmp_path, outputs=[OBJ, {**PRICE, "where": {"node": "USA"}}],
                    design={"kind": "lhs", "n": 8, "seed": 1}, chunk_size=2)
    out = tmp_path / "out"
    script = (f"import os; os.environ['SWEEP_PARENT_PID'] = str(os.getpid()); "
              f"import sys; from reebloc.app.cli import main; "
              f"sys.exit(main(['-q', 'sweep', {str(sw)!r}, '--out', {str(out)!r}, '--workers', '2']))")
    log = tmp_path / "locks.log"
    env = {**os.environ, "PYTHONPATH": str(site), "LOCK_LOG": str(log), "SWEEP_PARENT_PID": "0"}
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=env)
    err = [x for x in p.stderr.replace("\r", "\n").splitlines() if x.strip() and "variant/s" not in x]
    lines = log.read_text().splitlines()
    assert any(x.startswith("made ") for x in lines), lines      # a worker made a lock (Pyomo's)
    assert not [x for x in lines if x.startswith("REGISTER")], lines
    assert p.returncode == 2 and len(err) == 1, p.stderr
    assert err[0].startswith(f"error: {sw}: outputs.p_us.where: ")


def test_base_run_config_gets_the_runs_cross_checks(tmp_path, capsys):
    """The base run config is checked against its data as `reebloc run` checks it (here a cover
    target of 100 years' demand in a 1 t stockpile): one line naming the base file and the key,
    before any variant is solved."""
    sw = sweep_file(tmp_path)
    base = tmp_path / "base.yaml"
    base.write_text(base.read_text() + "  s: {kind: stockpile, node: US, commodity: ndfeb_magnet, capacity_t: 1,\n"
                    "      target_days: 36500, payer: US}\n")
    out = tmp_path / "out"
    capsys.readouterr()
    code = main(["-q", "sweep", str(sw), "--out", str(out), "--workers", "1"])
    err = [x for x in capsys.readouterr().err.replace("\r", "\n").splitlines() if x.strip() and "variant/s" not in x]
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"error: {base}: policies.s.target_days: a cover of 36500 days"), err
    assert not out.exists() or not any(out.iterdir())


def test_a_payer_that_pays_nothing_reads_zero(tmp_path):
    """An output on one policy's cost (`government_cost_by_policy_usd_discounted.us_floor`; the
    same for a payer's) when the first variant pays nothing (a floor of $1, under any price):
    the sweep runs, that variant reads 0 (summary.json lists every policy and payer), the $120
    floor a positive cost. It used to be refused ("no key") when the first variant paid nothing,
    and NaN otherwise."""
    import pandas as pd

    sw = sweep_file(tmp_path, [{**{k: v for k, v in FLOOR.items() if k not in ("low", "high")}, "values": [1, 120]}],
                    outputs=[{"name": "us_cost", "summary": "government_cost_by_policy_usd_discounted.us_floor"}],
                    design={"kind": "grid"})
    out = tmp_path / "out"
    assert main(["-q", "sweep", str(sw), "--out", str(out), "--workers", "1"]) == 0
    r = pd.read_parquet(out / "sw" / "results.parquet").set_index("floor")
    assert r.loc[1.0, "us_cost"] == 0.0 and r.loc[120.0, "us_cost"] > 1e6


def test_relative_change_of_a_zero_is_refused(tmp_path, capsys):
    """x × 0 = 0: a relative change of a value that is 0 in the base config (a tariff of $0/kg)
    or in every selected row (the elasticity of defence demand) would give every variant the
    same model and a sweep report reading "no effect"; refused, naming the key."""
    sw = sweep_file(tmp_path, [{"name": "tar", "path": "policies.t0.specific_usd_per_kg", "change": "relative",
                                "low": 0.5, "high": 2.0}])
    base = tmp_path / "base.yaml"
    base.write_text(base.read_text() + "  t0: {kind: tariff, origins: [CN], destinations: [US], specific_usd_per_kg: 0}\n")
    err = refused(capsys, sw, key="parameters.0.path")
    assert "policies.t0.specific_usd_per_kg is 0" in err and "absolute or substitute" in err
    sw = sweep_file(tmp_path, [{"name": "el", "table": "demand", "where": {"segment": "defence"},
                                "column": "elasticity", "change": "relative", "low": 0.5, "high": 2.0}])
    err = refused(capsys, sw, key="parameters.0.change")
    assert "demand.elasticity is 0 in every selected row" in err


def test_oat_from_listed_values_starts_at_no_change():
    """OAT over a relative change listed as values [0.8, 1.0, 1.2]: the base point is 1 (no
    change), not the first value listed; a list that does not span 1 starts at its first value."""
    from reebloc.sweep.spec import Parameter
    p = Parameter(name="c", table="costs", where={}, column="cost_usd_per_kg", change="relative", values=[0.8, 1.0, 1.2])
    assert p.default_reference() == 1.0
    assert Parameter(name="c", table="costs", where={}, column="cost_usd_per_kg", change="relative",
                     values=[1.1, 1.2]).default_reference() == 1.1
    assert Parameter(name="f", path="policies.x.price_usd_per_kg", change="substitute",
                     values=[90, 110]).default_reference() == 90


def test_absolute_change_of_a_field_left_at_its_default(tmp_path):
    """An absolute change of a field the base config leaves at its default (the US stockpile's
    initial_t, default 0) adds x to the default, as to a value written out: 1,000 t in store at
    the start are sold in the ban, a revenue the empty stockpile does not have. It used to be
    refused as "not set"."""
    import pandas as pd

    sw = sweep_file(tmp_path, [{"name": "init", "path": "policies.us_stock.initial_t", "change": "absolute",
                                "values": [0.0, 1000.0]}], design={"kind": "grid"},
                    outputs=[{"name": "cost", "summary": "government_cost_by_policy_usd_discounted.us_stock"}])
    out = tmp_path / "out"
    assert main(["-q", "sweep", str(sw), "--out", str(out), "--workers", "1"]) == 0
    r = pd.read_parquet(out / "sw" / "results.parquet").set_index("init")
    assert r.loc[1000.0, "cost"] < r.loc[0.0, "cost"] - 1e6
