"""Bad input to the commands that read run folders back or write reports: compare, report,
findings, calibrate, sweep-report. One line naming the file (and column or option), exit 2, no
traceback; an earlier output is never replaced without --force."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reebloc.app.cli import main

CHAIN = Path(__file__).resolve().parent / "configs" / "chain.yaml"


def refused(capsys, *args) -> str:
    code = main(["-q", *args])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def chain_run(tmp_path_factory) -> Path:
    """A solved run folder of tests/configs/chain.yaml (read only: tests copy it)."""
    from reebloc.app.run import run
    return run(CHAIN, out=tmp_path_factory.mktemp("runs"))


def damaged(chain_run: Path, tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(chain_run, folder)
    m = folder / "manifest.json"      # a distinct run name, so that compare takes both
    m.write_text(m.read_text().replace('"run": "chain"', f'"run": "{name}"', 1))
    return folder


# ---------------------------------------------------------------- A4: tables of a run folder

TABLE_CASES = [
    # (table, how it is damaged, words expected)
    ("prices.csv", lambda t: "garbage,,,\n", ["prices.csv: missing column 'scenario'", "is this a reebloc run folder?"]),
    ("prices.csv", lambda t: t.replace("run,scenario,year,node,", "run,scenario,year,nod,", 1),
     ["prices.csv: missing column 'node' (is this a reebloc run folder?)"]),
    ("security.csv", lambda t: t.replace(",metric,", ",measure,", 1), ["security.csv: missing column 'metric'"]),
    ("prices.csv", lambda t: t.splitlines()[0] + "\n" + ",".join(["chain", "base", "2025", "US", "ndfeb_magnet", "dear"]
                                                                  + [""] * (t.splitlines()[0].count(",") - 5)) + "\n",
     ["prices.csv: row 1, column 'price_usd_per_kg': expected a number, got 'dear'"]),
]


@pytest.mark.parametrize("table,damage,words", TABLE_CASES, ids=[c[2][0] for c in TABLE_CASES])
def test_a_damaged_run_table_is_one_line(chain_run, tmp_path, capsys, table, damage, words):
    bad = damaged(chain_run, tmp_path, "bad")
    (bad / table).write_text(damage((bad / table).read_text()))
    for cmd in (["compare", str(chain_run), str(bad)],
                ["report", str(chain_run), str(bad), "--out", str(tmp_path / "r.html")],
                ["findings", str(bad)]):
        line = refused(capsys, *cmd)
        assert line.startswith(f"error: {bad / table}"), (cmd[0], line)
        for w in words:
            assert w in line, (cmd[0], w, line)
    assert not (tmp_path / "r.html").exists()


def test_findings_needs_a_manifest_and_reads_json_safely(chain_run, tmp_path, capsys):
    bad = damaged(chain_run, tmp_path, "bad")
    (bad / "summary.json").write_text("{not json")
    assert "summary.json: not valid JSON" in refused(capsys, "findings", str(bad))
    (bad / "summary.json").write_text("{}")
    assert "summary.json: run: missing" in refused(capsys, "findings", str(bad))
    (bad / "manifest.json").unlink()
    assert "manifest.json: not a run folder (no manifest.json)" in refused(capsys, "findings", str(bad))


def test_findings_on_a_run_with_no_investment_rows(chain_run, capsys):
    """A header-only investment.csv (nothing built) reads as numbers, not text."""
    assert main(["-q", "findings", str(chain_run), "--baseline", "chain"]) == 0, capsys.readouterr().err


# ---------------------------------------------------------------- D14: findings labels

@pytest.mark.parametrize("opt", ["--baseline", "--cfd", "--bloc"])
def test_findings_refuses_an_unknown_label(chain_run, capsys, opt):
    line = refused(capsys, "findings", str(chain_run), opt, "nosuch")
    assert line == f"error: {opt}: 'nosuch' is not one of the runs given (chain)"


def test_findings_default_labels_may_be_absent(chain_run, capsys):
    assert main(["-q", "findings", str(chain_run)]) == 0, capsys.readouterr().err


# ---------------------------------------------------------------- C6/C7: --force

def test_report_never_replaces_an_earlier_report_without_force(chain_run, tmp_path, capsys):
    out = tmp_path / "existing.html"
    out.write_text("keep")
    assert refused(capsys, "report", str(chain_run), "--out", str(out)) == \
        f"error: {out}: --out: exists; pass --force to replace it"
    assert out.read_text() == "keep"
    md_files = tmp_path / "r_files"        # a Markdown report's charts folder is an output too
    md_files.mkdir()
    assert "r_files: --out: exists" in refused(capsys, "report", str(chain_run), "--out", str(tmp_path / "r.md"))
    assert "is a folder" in refused(capsys, "report", str(chain_run), "--out", str(tmp_path))
    assert main(["-q", "report", str(chain_run), "--out", str(out), "--force"]) == 0
    assert out.read_text() != "keep"


def test_sweep_report_never_replaces_an_earlier_report_without_force(tmp_path, capsys, monkeypatch):
    import reebloc.sweep.api as api
    calls = []
    monkeypatch.setattr(api, "sweep_report", lambda d, out, force=False: calls.append(out) or out)
    out = tmp_path / "s.html"
    out.write_text("keep")
    line = refused(capsys, "sweep-report", str(tmp_path / "sweep"), "--out", str(out))
    assert line == f"error: {out}: --out: exists; pass --force to replace it" and not calls
    assert out.read_text() == "keep"
    assert main(["-q", "sweep-report", str(tmp_path / "sweep"), "--out", str(out), "--force"]) == 0
    assert calls == [out]


def test_calibrate_never_replaces_an_earlier_calibration_without_force(tmp_path, capsys, monkeypatch):
    import reebloc.app.run as R
    from reebloc.errors import ReeblocError
    earlier = tmp_path / "out" / "calibration" / "calibration.csv"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("keep")
    monkeypatch.setattr(R, "run_in_memory", lambda *a, **k: pytest.fail("solved before checking --out"))
    line = refused(capsys, "calibrate", str(CHAIN), "--out", str(tmp_path / "out"))
    assert line == (f"error: {earlier.parent}: --out: holds an earlier calibration; pass --force to replace it")
    assert earlier.read_text() == "keep"

    def solve(*a, **k):
        raise ReeblocError(None, None, "got past the check")
    monkeypatch.setattr(R, "run_in_memory", solve)
    assert "got past the check" in refused(capsys, "calibrate", str(CHAIN), "--out", str(tmp_path / "out"), "--force")


def test_documented_regenerations_pass_force():
    """Every documented command that rewrites a report or the calibration on purpose says --force."""
    root = Path(__file__).resolve().parent.parent
    text = "\n".join(p.read_text(encoding="utf-8") for p in [root / "README.md", *sorted((root / "docs").glob("*.md"))])
    assert "--out runs/out/reports/library.html --force" in text
    assert "--out runs/out/reports/library.html\n" not in text and "library.html`" not in text
    assert "reebloc calibrate runs/scenarios/brief_regimes.yaml --update-docs --force" in text
