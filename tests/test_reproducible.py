"""Reproducibility and faults: byte-identical tables, verify, kills, non-optimal solves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings

import pandas as pd
import pytest

from reebloc.app.cli import main
from reebloc.outputs.health import HealthWarning, check
from tests.conftest import CONFIGS, ROOT, solved


def run_cli(capsys, *args):
    code = main(list(args))
    return code, capsys.readouterr()


def test_same_inputs_give_byte_identical_tables_across_processes(tmp_path):
    """Two processes with different hash seeds write the same bytes."""
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        p = subprocess.run([sys.executable, "-m", "reebloc.app.cli", "-q", "run", str(CONFIGS / "chain_ban.yaml"),
                            "--out", str(out)], capture_output=True, text=True, env=env, cwd=ROOT)
        assert p.returncode == 0, p.stderr
        outs.append(out / "chain_ban")
    csvs = sorted(f.name for f in outs[0].glob("*.csv"))
    assert len(csvs) >= 10
    for name in csvs:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_verify_reruns_and_detects_changed_inputs(copy_dataset, tmp_path, capsys):
    folder, cfg = copy_dataset("chain")
    out = tmp_path / "out"
    assert run_cli(capsys, "run", str(cfg), "--out", str(out))[0] == 0
    code, cap = run_cli(capsys, "verify", str(out / "chain"))
    assert code == 0 and "verified: identical" in cap.out
    # a changed input is named and the run is not reproduced
    text = (folder / "costs.csv").read_text().replace("cn_mine,2025,2,", "cn_mine,2025,2.5,")
    (folder / "costs.csv").write_text(text)
    code, cap = run_cli(capsys, "verify", str(out / "chain"))
    assert code == 1 and "input costs.csv: changed" in cap.out
    # a tampered table is caught
    (folder / "costs.csv").write_text(text.replace("cn_mine,2025,2.5,", "cn_mine,2025,2,"))
    prices = out / "chain" / "prices.csv"
    prices.write_text(prices.read_text().replace("30.000000", "31.000000", 1))
    code, cap = run_cli(capsys, "verify", str(out / "chain"))
    assert code == 1 and "table prices.csv: differs in 1 lines" in cap.out


def test_manifest_hashes_identify_inputs():
    r = solved("chain")
    files = r.manifest["inputs"]["files"]
    import hashlib
    for name, digest in files.items():
        assert hashlib.sha256((ROOT / "tests" / "data" / "chain" / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("delay", [0.5, 1.5, 2.5])
def test_sigkill_during_run_leaves_no_run_folder(tmp_path, delay):
    """Kill `reebloc run` at different points: either the finished folder or nothing at all; a
    later run cleans the dead process's temporary folder."""
    out = tmp_path / "out"
    p = subprocess.Popen([sys.executable, "-m", "reebloc.app.cli", "-q", "run", str(CONFIGS / "chain_ban.yaml"),
                          "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait()
    final = out / "chain_ban"
    if final.exists():   # it finished before the kill: then it is complete
        assert (final / "manifest.json").exists() and (final / "summary.json").exists()
        return
    code = main(["-q", "run", str(CONFIGS / "chain_ban.yaml"), "--out", str(out)])
    assert code == 0
    assert sorted(x.name for x in out.iterdir()) == ["chain_ban"]


def test_solver_without_optimum_is_reported_and_writes_nothing(copy_dataset, tmp_path, capsys):
    folder, cfg = copy_dataset("chain")
    cfg.write_text(cfg.read_text() + "solver: {options: {time_limit: 0.0}}\n")
    out = tmp_path / "out"
    code, cap = run_cli(capsys, "run", str(cfg), "--out", str(out))
    assert code == 2
    assert "HiGHS stopped without an optimal solution" in cap.err and "status: " in cap.err
    assert "Traceback" not in cap.err
    assert not out.exists() or not any(out.iterdir())


def test_health_check_names_the_bad_row():
    t = {k: v.copy() for k, v in solved("chain").tables.items()}
    assert check(t) == []
    t["prices"].loc[3, "price_usd_per_kg"] = -5.0
    t["flows"].loc[0, "quantity_t"] += 10.0
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        msgs = check(t)
    assert len(msgs) == 2 and all(issubclass(x.category, HealthWarning) for x in w)
    r = t["prices"].loc[3]
    assert f"node {r.node}, commodity {r.commodity}" in msgs[1] and "negative price" in msgs[1]
    assert "mass balance off by" in msgs[0]


def test_run_name_cannot_escape_output_folder(tmp_path):
    from reebloc.errors import ReeblocError
    from reebloc.app.run import run_folder
    with pytest.raises(ReeblocError):
        run_folder(tmp_path, "../elsewhere")
    assert run_folder(tmp_path, "ok-name") == (tmp_path / "ok-name").resolve()


def test_yaml_is_loaded_safely(tmp_path, capsys):
    cfg = tmp_path / "evil.yaml"
    cfg.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    code, cap = run_cli(capsys, "validate", str(cfg))
    assert code == 2 and "invalid YAML" in cap.err and "pwned" not in cap.out


def test_stale_cleanup_touches_only_dead_runs_of_the_same_name(tmp_path):
    """A dead run's temporary folder goes; a live one's, another name's and a look-alike name's stay;
    an earlier run set aside for --force by a killed process is put back."""
    from reebloc.app.run import _remove_stale
    final = tmp_path / "base"
    dead = 2 ** 22 + 12345          # beyond pid_max on this machine: never alive
    (tmp_path / f".base.tmp-{dead}-abc").mkdir()
    (tmp_path / f".base.tmp-{os.getpid()}-abc").mkdir()           # alive: this process
    (tmp_path / f".base.99.tmp-{dead}-abc").mkdir()                # run named "base.99"
    (tmp_path / f".other.tmp-{dead}-abc").mkdir()
    (tmp_path / f".base.old-{dead}").mkdir()
    (tmp_path / f".base.old-{dead}" / "manifest.json").write_text("{}")
    _remove_stale(final)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([f".base.tmp-{os.getpid()}-abc", f".base.99.tmp-{dead}-abc", f".other.tmp-{dead}-abc", "base"])
    assert (final / "manifest.json").exists()
