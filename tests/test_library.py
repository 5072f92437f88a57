"""The policy library (runs/library/*.yaml) and the findings generator (model/findings.py).

- every library config validates against the default data set (policy references included);
- each runs on a reduced horizon (2025-2027, one scenario: fast), with the wedge iteration converged;
- all-in is exactly the union of its five component variants;
- findings regenerate byte-identically from the same run folders, and from freshly solved ones,
  on a reduced horizon with all four scenarios (marked slow: ~30 s);
- the committed docs/findings.md equals a regeneration from fresh full-horizon runs: ~4 min on two
  cores, so it runs only with REEBLOC_FULL_FINDINGS=1 (also: `python -m model.findings ... --check`).
"""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path

import pytest
import yaml

from model.config import apply_overrides, load_config
from model.findings import main as findings_main
from model.findings import load_run, render
from model.run import run, solve_resolved, write_run

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
    from model.build import ModelInstance
    from model.dataset import load_dataset
    text = config(variant).read_text()
    raw = yaml.safe_load(text)
    assert raw["base"] == "../scenarios/brief_regimes.yaml"
    assert text.startswith("# Policy library: "), "each variant opens with its comment block"
    r = load_config(config(variant))
    assert set(r.config.scenarios) == {"no_controls", "april_kept", "october_back", "full_ban"}
    data = load_dataset(r.data_dir, r.config.year_list)
    ModelInstance.structure_key(r.config, data, where=r.path)   # facilities, nodes, commodities exist
    if variant not in ("baseline", "all-in"):
        assert "mgssi-2026" in text or "MARKET_DATA" in text, "cite the terms' sources"


def test_all_in_is_the_union_of_its_parts():
    union = {}
    for v in ALL_IN_PARTS:
        for k, p in load_config(config(v)).config.policies.items():
            assert k not in union, f"policy {k} in two parts"
            union[k] = p.model_dump()
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
def short_runs(tmp_path_factory):
    """Every variant on 2025-2027 with all four scenarios, written as run folders."""
    root = tmp_path_factory.mktemp("library")
    for v in VARIANTS:
        res = solve_resolved(apply_overrides(load_config(config(v)), SHORT))
        write_run(res, root / res.manifest["run"], False, time.perf_counter())
    return root


@pytest.mark.slow
def test_findings_regenerate_byte_identically(short_runs, tmp_path):
    folders = sorted(short_runs.iterdir())
    a = render([load_run(f) for f in folders])
    b = render([load_run(f) for f in reversed(folders)])
    assert a == b
    for v in VARIANTS:
        assert f"| {v} |" in a
    assert "not by 2027" in a or "first below" in a
    out = tmp_path / "findings.md"
    assert findings_main([str(f) for f in folders] + ["--out", str(out)]) == 0
    assert out.read_text() == a
    assert findings_main([str(f) for f in folders] + ["--out", str(out), "--check"]) == 0
    out.write_text(a.replace("bloc", "blok", 1))
    assert findings_main([str(f) for f in folders] + ["--out", str(out), "--check"]) == 1


@pytest.mark.slow
def test_findings_from_fresh_runs_match(short_runs, tmp_path):
    """Re-solving (two variants with wedges) into new folders gives the same findings text."""
    fresh = tmp_path / "fresh"
    for f in short_runs.iterdir():
        (fresh / f.name).mkdir(parents=True)
        for g in f.iterdir():
            (fresh / f.name / g.name).write_bytes(g.read_bytes())
    for v in ("mp-dod", "bloc-zone"):
        res = solve_resolved(apply_overrides(load_config(config(v)), SHORT))
        write_run(res, fresh / res.manifest["run"], True, time.perf_counter())
    assert render([load_run(f) for f in sorted(fresh.iterdir())]) == \
        render([load_run(f) for f in sorted(short_runs.iterdir())])


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("REEBLOC_FULL_FINDINGS") != "1",
                    reason="full-horizon library runs take ~4 min; set REEBLOC_FULL_FINDINGS=1")
def test_committed_findings_match_fresh_full_runs(tmp_path):
    folders = [run(config(v), out=tmp_path) for v in VARIANTS]
    fresh = render([load_run(f) for f in folders])
    committed = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    assert fresh == committed, ("docs/findings.md is stale: reebloc run runs/library/*.yaml --force && "
                                "python -m model.findings runs/out/library-* --out docs/findings.md")
