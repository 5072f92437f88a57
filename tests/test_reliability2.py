"""Issue 18, reliability round two: one test per class of attack. Each reproduces the attack and
asserts one line on stderr, exit 2, no traceback, nothing lost (existing folders byte-identical)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from reebloc.app.cli import main
from tests.conftest import CONFIGS


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(capsys, *args) -> str:
    capsys.readouterr()          # earlier output (progress bars of a finished sweep) is not ours
    code = main(["-q", *args])
    # a sweep's tqdm bar is not an error line (it is drawn before the error): leave it out
    err = "\n".join(x for x in capsys.readouterr().err.replace("\r", "\n").splitlines()
                    if x.strip() and "variant/s" not in x)
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


def chain_cfg(tmp_path, extra: str = "", name: str = "chain") -> Path:
    data = tmp_path / "data"
    if not data.exists():
        shutil.copytree(CONFIGS.parent / "data" / "chain", data)
    f = tmp_path / f"{name}.yaml"
    f.write_text(f"base: {CONFIGS / 'chain.yaml'}\ninputs: {data}\nname: {name}\n{extra}")
    return f


# 1. data loss under --force
def test_class1_force_never_replaces_a_folder_that_is_not_a_run(tmp_path, capsys):
    cfg = chain_cfg(tmp_path, name="data")          # the run's name is its own data set's folder
    before = snapshot(tmp_path / "data")
    err = refused(capsys, "run", str(cfg), "--out", str(tmp_path), "--force")
    assert "not a reebloc run folder" in err
    assert snapshot(tmp_path / "data") == before
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "data").write_text("precious\n")       # a file of the same name
    refused(capsys, "run", str(cfg), "--out", str(tmp_path / "out"), "--force")
    assert (tmp_path / "out" / "data").read_text() == "precious\n"
    # a real run folder is replaced
    assert main(["-q", "run", str(cfg), "--out", str(tmp_path / "o2")]) == 0
    assert main(["-q", "run", str(cfg), "--out", str(tmp_path / "o2"), "--force"]) == 0


# 2. sweep resume with changed inputs
def test_class2_sweep_resume_refuses_changed_inputs(tmp_path, capsys):
    cfg = chain_cfg(tmp_path)
    sw = tmp_path / "sw.yaml"
    sw.write_text(f"name: s\nbase: {cfg}\ndesign: {{kind: grid, levels: 2}}\n"
                  "parameters: [{name: dr, path: discount_rate, change: substitute, low: 0.03, high: 0.05}]\n"
                  "outputs: [{name: obj, summary: objective_kusd}]\n")
    out = tmp_path / "sweeps"
    assert main(["-q", "sweep", str(sw), "--out", str(out), "--workers", "1"]) == 0
    costs = tmp_path / "data" / "costs.csv"
    costs.write_text(costs.read_text().replace("cn_mine,2025,2,", "cn_mine,2025,2.5,"))
    before = snapshot(out)
    err = refused(capsys, "sweep", str(sw), "--out", str(out), "--workers", "1")
    assert "costs.csv" in err and "changed since this sweep started" in err
    assert snapshot(out) == before
    assert main(["-q", "sweep", str(sw), "--out", str(out), "--workers", "1", "--fresh"]) == 0


# 3. injection in reports: XLSX formulas, Markdown HTML, mathtext, evaluator imports
HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "<img src=x onerror=alert(1)>", "$\\frac{a}{b}$"]


def test_class3_reports_from_hostile_names_are_inert(tmp_path, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    extra = ("description: '=cmd|calc'\nscenarios:\n  '" + HOSTILE[0].replace("'", "''") + "': {probability: 0.5}\n"
             "  '<script>alert(1)</script> $x^2$': {probability: 0.5}\n")
    cfg = chain_cfg(tmp_path, extra)
    assert main(["-q", "run", str(cfg), "--out", str(tmp_path / "out")]) == 0
    run = str(tmp_path / "out" / "chain")
    assert main(["-q", "report", run, "--out", str(tmp_path / "r.xlsx")]) == 0
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert cells and all(c.data_type != "f" for c in cells)
    assert any(isinstance(c.value, str) and c.value.startswith("'=") for c in cells)
    assert main(["-q", "report", run, "--out", str(tmp_path / "r.md")]) == 0
    md = (tmp_path / "r.md").read_text()
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert main(["-q", "report", run, "--out", str(tmp_path / "r.html")]) == 0   # mathtext off: no crash


def test_class3_evaluator_allow_list(tmp_path, capsys, monkeypatch):
    marker = tmp_path / "imported"
    (tmp_path / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\ndef make(rs, threads=1): pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sw = tmp_path / "sw.yaml"
    sw.write_text("name: s\nevaluator: 'evil:make'\ndesign: {kind: grid, levels: 2}\n"
                  "parameters: [{name: x1, path: a, low: 0, high: 1}]\noutputs: [{name: y, summary: y}]\n")
    err = refused(capsys, "sweep", str(sw), "--out", str(tmp_path / "o"), "--workers", "1")
    assert "not an allowed evaluator" in err and "REEBLOC_EVALUATORS" in err
    assert not marker.exists()
    monkeypatch.setenv("REEBLOC_EVALUATORS", "nosuchmodule_xyz:make")
    sw.write_text(sw.read_text().replace("evil:make", "nosuchmodule_xyz:make"))
    err = refused(capsys, "sweep", str(sw), "--out", str(tmp_path / "o"), "--workers", "1")
    assert "cannot import module" in err


# 4. unbounded work
def test_class4_bounded_work(tmp_path, capsys):
    bomb = tmp_path / "bomb.yaml"
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb.write_text("\n".join(lines) + "\n")
    assert "expands to more than" in refused(capsys, "validate", str(bomb))
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: x\nv: " + "[" * 600 + "]" * 600 + "\n")
    assert "nested more than" in refused(capsys, "validate", str(deep))
    for extra, key in [("solver: {threads: 100000}", "solver.threads"),
                       ("policies: {o: {kind: outlay, type: loan, amount_usd: 1, year: 2025, term_years: 100000000}}",
                        "term_years")]:
        assert key in refused(capsys, "validate", str(chain_cfg(tmp_path, extra)))
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert "FIFO" in refused(capsys, "validate", str(fifo))
    assert "device" in refused(capsys, "validate", "/dev/zero")
    (tmp_path / "data" / "junk.csv").mkdir()
    assert "is a folder" in refused(capsys, "validate", str(chain_cfg(tmp_path)))


def test_class4_design_sizes_are_bounded(tmp_path, capsys):
    sw = tmp_path / "sw.yaml"
    sw.write_text("name: s\nevaluator: ishigami\ndesign: {kind: grid, levels: 1000}\n"
                  "parameters: [{name: a, path: a, low: 0, high: 1}, {name: b, path: b, low: 0, high: 1},"
                  " {name: c, path: c, low: 0, high: 1}]\noutputs: [{name: y, summary: y}]\n")
    assert "at most 1,000,000" in refused(capsys, "sweep", str(sw), "--out", str(tmp_path / "o"))


# 5. wrong numbers with exit 0
def test_class5_zero_probability_and_non_finite_money_are_refused(tmp_path, capsys):
    cfg = chain_cfg(tmp_path, "scenarios: {a: {probability: 1.0}, b: {probability: 0}}")
    assert "scenarios.b.probability" in refused(capsys, "run", str(cfg), "--out", str(tmp_path / "o"))
    cfg = chain_cfg(tmp_path, "policies: {o: {kind: outlay, type: grant, amount_usd: 1e308, year: 2025, payer: US}}")
    assert "amount_usd" in refused(capsys, "run", str(cfg), "--out", str(tmp_path / "o"))
    cfg = chain_cfg(tmp_path, "china_node: XX")
    assert "china_node" in refused(capsys, "validate", str(cfg))
    assert not (tmp_path / "o").exists()


# 6. verify checks summary.json
def test_class6_verify_catches_a_tampered_summary(tmp_path, capsys):
    cfg = chain_cfg(tmp_path)
    assert main(["-q", "run", str(cfg), "--out", str(tmp_path / "o")]) == 0
    s = tmp_path / "o" / "chain" / "summary.json"
    s.write_text(s.read_text().replace('"objective_kusd": ', '"objective_kusd": 1', 1))
    assert main(["-q", "verify", str(tmp_path / "o" / "chain")]) == 1
    assert "summary summary.json: differs at objective_kusd" in capsys.readouterr().out


# 7. tracebacks instead of one line
def test_class7_one_line_for_broken_files_and_folders(tmp_path, capsys):
    loop = tmp_path / "loop.yaml"
    os.symlink(tmp_path / "loop2.yaml", loop)
    os.symlink(loop, tmp_path / "loop2.yaml")
    assert "symbolic link loop" in refused(capsys, "validate", str(loop))
    cfg = chain_cfg(tmp_path)
    (tmp_path / "file").write_text("x")
    refused(capsys, "run", str(cfg), "--out", str(tmp_path / "file" / "sub"))
    big = tmp_path / "data" / "nodes.csv"
    keep = big.read_text()
    big.write_text(keep + "ZZ," + "a" * 140_000 + ",fixture\n")
    assert "nodes.csv" in refused(capsys, "validate", str(cfg))
    big.write_text(keep)
    assert main(["-q", "run", str(cfg), "--out", str(tmp_path / "o")]) == 0
    run = tmp_path / "o" / "chain"
    before = snapshot(run)
    (run / "manifest.json").write_text("[]")
    for cmd in (["verify", str(run)], ["report", str(run), "--out", str(tmp_path / "r.html")]):
        assert "expected a JSON object" in refused(capsys, *cmd)
    assert "report" and refused(capsys, "report", str(run), "--out", str(tmp_path / "nodir" / "x" / "r.docx"))
    assert snapshot(run).keys() == before.keys()


def test_class7_read_only_out_is_refused_before_solving(tmp_path, capsys, monkeypatch):
    import reebloc.app.run as R
    cfg = chain_cfg(tmp_path)

    def no_write(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(R.tempfile, "mkdtemp", no_write)
    monkeypatch.setattr(R, "solve_resolved", lambda *a, **k: pytest.fail("solved before checking --out"))
    assert "cannot write" in refused(capsys, "run", str(cfg), "--out", str(tmp_path / "ro"))


# 8. validation before solving, naming the file that set the key
def test_class8_validation_names_the_setting_file_with_suggestions(tmp_path, capsys):
    stock = "{kind: stockpile, node: US, commodity: ndfeb_magnet, capacity_t: 10, payer: US_Dod}"
    cfg = chain_cfg(tmp_path, f"payers: [US_DoD]\npolicies: {{s: {stock}}}")
    err = refused(capsys, "validate", str(cfg))
    assert str(cfg) in err and "policies.s.payer" in err and "did you mean 'US_DoD'" in err
    cfg = chain_cfg(tmp_path, "policies: {t: {kind: tariff, ad_valorem: 50}}")
    assert "allow_above_100pct" in refused(capsys, "validate", str(cfg))
    cfg = chain_cfg(tmp_path, "policies: {t: {kind: tariff, ad_valorem: 0.1, years: {start: 2025, end: 2053}}}")
    assert "policies.t.years" in refused(capsys, "validate", str(cfg))
    cfg = chain_cfg(tmp_path, "years: {end: 2024}")
    assert refused(capsys, "validate", str(cfg)).startswith(f"error: {cfg}: years")
    cfg = chain_cfg(tmp_path, "policies: {s: {kind: stockpile, node: USA, commodity: ndfeb_magnet, capacity_t: 1}}")
    assert "did you mean 'US'" in refused(capsys, "validate", str(cfg))
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secretHASH:19000:0:99999:7:::\n")
    err = refused(capsys, "validate", str(chain_cfg(tmp_path, f"base: {secret}")))
    assert "secretHASH" not in err
    cfg = chain_cfg(tmp_path, "policies: {s: {kind: stockpile, node: US, commodity: ndfeb_magnet, "
                    "capacity_t: 900000, target_days: 36500, payer: US}}")
    err = refused(capsys, "run", str(cfg), "--out", str(tmp_path / "o"))
    assert "policies.s.target_days" in err and str(cfg) in err and "2025" in err
