"""The command line for readers: --version, list, schema, compare formats, parallel runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from reebloc.app.cli import main

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "tests" / "configs"


def test_version(capsys):
    import reebloc
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"reebloc {reebloc.__version__}"


@pytest.mark.parametrize("what,table,column", [("nodes", "nodes", "node"), ("commodities", "commodities", "commodity"),
                                               ("facilities", "facilities", "facility"), ("segments", "demand", "segment"),
                                               ("payers", "nodes", "node")])
def test_list_prints_the_ids_of_a_data_set(capsys, what, table, column):
    import pandas as pd
    data = ROOT / "tests" / "data" / "chain"
    assert main(["list", what, "--inputs", str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()
    first_words = [ln.split()[0] for ln in lines[1:] if ln.strip() and not ln.startswith("A payer")]
    assert len(first_words) == len(set(first_words))
    assert set(first_words) == set(pd.read_csv(data / f"{table}.csv")[column])


def test_list_default_inputs_names_every_node(capsys, monkeypatch):
    import pandas as pd
    monkeypatch.chdir(ROOT)
    assert main(["list", "nodes"]) == 0
    printed = capsys.readouterr().out.split()
    nodes = pd.read_csv(ROOT / "inputs" / "default" / "nodes.csv")["node"]
    assert all(n in printed for n in nodes)


def test_list_bad_folder_is_one_line(capsys):
    assert main(["list", "nodes", "--inputs", "/nonexistent"]) == 2
    assert capsys.readouterr().err.strip() == "error: /nonexistent: data-set folder not found"


# ----------------------------------------------------------------------------- schema


def _schemas(tmp: Path) -> dict:
    assert main(["schema", "--out", str(tmp)]) == 0
    return {k: json.loads((tmp / f"{k}.schema.json").read_text()) for k in ("run", "sweep", "policy")}


def _as_json(path: Path):
    """A YAML config as an editor's language server sees it (keys as text)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8"))))


def test_schema_validates_every_config_under_runs(tmp_path):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra: pip install -e '.[test]'")
    s = _schemas(tmp_path)
    configs = sorted((ROOT / "runs").rglob("*.yaml"))
    assert len(configs) >= 12
    for f in configs:
        if "overlays" in f.relative_to(ROOT / "runs").parts:
            continue    # partial configs for --overlay; tests/test_strategy.py validates them applied
        kind = "sweep" if "sweeps" in f.relative_to(ROOT / "runs").parts else "run"
        errors = list(jsonschema.Draft202012Validator(s[kind]).iter_errors(_as_json(f)))
        assert not errors, f"{f}: {[e.message for e in errors]}"
    # and it can fail: a misspelt key, a policy of unknown kind, a complete config lacking a key
    v = jsonschema.Draft202012Validator(s["run"])
    assert not v.is_valid({"base": "x.yaml", "discount_rat": 0.1})
    assert not v.is_valid({"base": "x.yaml", "policies": {"p": {"kind": "subsidy"}}})
    assert not v.is_valid({"name": "a", "inputs": "d", "years": {"start": 2025, "end": 2030}})
    assert v.is_valid({"name": "a", "inputs": "d", "years": {"start": 2025, "end": 2030}, "discount_rate": 0.05,
                       "x-anchor": {"any": 1}})
    p = jsonschema.Draft202012Validator(s["policy"])
    assert p.is_valid({"kind": "tariff", "ad_valorem": 0.25})
    assert not p.is_valid({"kind": "tariff", "ad_valorem": -1})


def test_tracked_schemas_are_current(tmp_path):
    s = _schemas(tmp_path)
    for kind in s:
        tracked = ROOT / "docs" / "schema" / f"{kind}.schema.json"
        assert tracked.read_text() == (tmp_path / f"{kind}.schema.json").read_text(), \
            f"{tracked} is stale: run `reebloc schema --out docs/schema`"


def test_config_reference_is_current():
    from reebloc.app.configdoc import reference
    text = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    assert reference() in text, "docs/config.md key reference is stale: run `python -m reebloc.app.configdoc`"


def test_every_config_field_has_a_description():
    from reebloc.app.configdoc import undocumented
    assert undocumented() == []


# ----------------------------------------------------------------------------- compare


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    cfg = out / "tariff.yaml"
    cfg.write_text(f"base: {CONFIGS / 'two.yaml'}\nname: two_tariff\npolicies:\n  t: {{kind: tariff, origins: [CN], "
                   "destinations: [US], specific_usd_per_kg: 30}\n")
    assert main(["-q", "run", str(CONFIGS / "two.yaml"), str(cfg), "--out", str(out)]) == 0
    return out


def test_compare_csv_json_and_table(two_folders, capsys):
    base, var = two_folders / "two", two_folders / "two_tariff"
    assert main(["compare", str(base), str(var), "--baseline", str(base), "--format", "csv"]) == 0
    import io

    import pandas as pd
    df = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(df.columns) == ["figure", "unit", "two", "two_tariff", "Δ two_tariff"]
    g = df.set_index("figure").loc["Government cost, discounted: total"]
    assert g["unit"] == "$M" and g["two_tariff"] == pytest.approx(-240.0)     # 2 years × −$120M revenue
    assert main(["compare", str(base), str(var), "--baseline", str(base), "--format", "json"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert {r["figure"] for r in recs} == set(df["figure"])
    assert main(["compare", str(base), str(var), "--baseline", str(base)]) == 0
    text = capsys.readouterr().out
    assert "e-0" not in text and "e+0" not in text                 # no exponents
    assert "Objective (optimisation term, not welfare)" in text and "Objective (welfare)" not in text
    assert "Δ columns: run − two (baseline)" in text


def test_compare_says_when_runs_are_not_like_for_like(two_folders, capsys):
    """A variant on a shorter horizon at another discount rate: the comparison still prints, but
    says which settings differ (a Δ would mix them with the policy); like-for-like runs get no
    such line. In the report, the same line heads the page."""
    base = two_folders / "two"
    odd = two_folders / "odd.yaml"
    odd.write_text(f"base: {CONFIGS / 'two.yaml'}\nname: two_short\nyears: {{start: 2025, end: 2025}}\n"
                   "discount_rate: 0.05\n")
    assert main(["-q", "run", str(odd), "--out", str(two_folders)]) == 0
    capsys.readouterr()
    assert main(["compare", str(base), str(two_folders / "two_tariff"), "--baseline", str(base)]) == 0
    assert "not like for like" not in capsys.readouterr().out
    assert main(["compare", str(base), str(two_folders / "two_short"), "--baseline", str(base)]) == 0
    text = capsys.readouterr().out
    line = next(x for x in text.splitlines() if "not like for like" in x)
    assert "two_short differs from two" in line and "horizon" in line and "discount rate 0.05 (against 0)" in line
    assert main(["compare", str(base), str(two_folders / "two_short"), "--baseline", str(base), "--format", "csv"]) == 0
    io = capsys.readouterr()
    assert io.err.startswith("warning: not like for like: two_short") and "not like" not in io.out
    assert main(["-q", "report", str(base), str(two_folders / "two_short"), "--baseline", str(base),
                 "--out", str(two_folders / "rep.md")]) == 0
    assert "not like for like: two_short" in (two_folders / "rep.md").read_text()


# ----------------------------------------------------------------------------- parallel runs


def test_workers_give_the_same_tables_as_one_after_another(tmp_path, capsys):
    cfgs = [str(CONFIGS / "two.yaml"), str(CONFIGS / "chain.yaml")]
    assert main(["-q", "run", *cfgs, "--out", str(tmp_path / "w1")]) == 0
    assert main(["-q", "run", *cfgs, "--out", str(tmp_path / "w2"), "--workers", "2"]) == 0
    for name in ("two", "chain"):
        files = sorted(p.name for p in (tmp_path / "w1" / name).iterdir())
        assert files == sorted(p.name for p in (tmp_path / "w2" / name).iterdir())
        for f in files:
            if f.endswith(".csv") or f == "summary.json":
                assert (tmp_path / "w1" / name / f).read_bytes() == (tmp_path / "w2" / name / f).read_bytes(), f
    # the same safety: an existing folder stops everything before any solve
    capsys.readouterr()
    assert main(["run", *cfgs, "--out", str(tmp_path / "w2"), "--workers", "2"]) == 2
    assert "run folder exists; use --force" in capsys.readouterr().err


def test_workers_refuse_two_configs_with_one_name(tmp_path, capsys):
    twin = tmp_path / "twin.yaml"
    twin.write_text(f"base: {CONFIGS / 'two.yaml'}\n")
    assert main(["run", str(CONFIGS / "two.yaml"), str(twin), "--out", str(tmp_path), "--workers", "2"]) == 2
    assert "also the name of" in capsys.readouterr().err
    assert not any(tmp_path.glob("two*"))


def test_every_security_metric_is_defined_in_docs():
    from conftest import solved
    metrics = set(solved("chain").tables["security"]["metric"])
    assert metrics, "the chain fixture writes security rows"
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert all(f"| `{m}` |" in text for m in metrics), sorted(m for m in metrics if f"| `{m}` |" not in text)


def test_manifest_says_whether_the_source_was_committed(tmp_path, monkeypatch):
    """git_dirty: false on a clean checkout, true once a tracked file of the package changes
    (a run made on uncommitted code cannot be reproduced from git_commit alone)."""
    import shutil
    import subprocess

    from reebloc.app import run as runmod
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "model" / "app").mkdir(parents=True)
    (repo / "reports").mkdir()
    (repo / "model" / "x.py").write_text("a = 1\n")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True)
    monkeypatch.setattr(runmod, "__file__", str(repo / "model" / "app" / "run.py"))
    assert runmod.git_dirty() is False and runmod.git_commit()
    (repo / "model" / "x.py").write_text("a = 2\n")
    assert runmod.git_dirty() is True
