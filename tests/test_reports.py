"""reports: compare and report (HTML, Markdown, Excel) over run folders.

The runs are synthetic run folders written to the run-folder contract (tests/reports_fixtures.py):
``base``, ``floor110`` (a CfD floor, a bloc, a changed data set) and ``old`` (made before
government.csv and security.csv existed; its data-set folder is gone).
"""

from __future__ import annotations

import json
import math
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from reports_fixtures import SCENARIOS, synthetic_runs  # noqa: E402

from model.errors import ReeblocError  # noqa: E402
from reports import compare, report  # noqa: E402
from reports.render import fmt  # noqa: E402

SECTIONS = ["headline", "government", "security", "unserved", "prices", "welfare", "differs", "provenance"]
CHARTS = ["government_by_instrument", "china_content", "unserved_by_scenario", "prices", "welfare_by_node", "welfare_delta"]
TABLES = [
    "headline", "government_by_instrument", "government_by_payer", "china_content", "china_content_by_scenario",
    "unserved_by_scenario", "prices", "welfare_by_node", "config_diff", "data_diff", "data_diff_rows",
    "datasets", "sources", "assumptions", "versions", "overrides",
]
UNITS = {"government_by_instrument": "usd", "government_by_payer": "usd", "china_content": "share",
         "unserved_by_scenario": "t", "prices": "usd_per_kg", "welfare_by_node": "usd"}


class ReportHTML(HTMLParser):
    """Sections, charts (with or without an inline SVG) and tables (cell text and data-value)."""

    def __init__(self, text: str):
        super().__init__()
        self.sections, self.charts, self.tables, self.tags = [], {}, {}, set()
        self._chart = self._table = self._row = self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        assert "src" not in a, f"external asset: {a}"
        if tag == "section":
            self.sections.append(a["data-section"])
        elif tag == "figure":
            self._chart = a["data-chart"]
            self.charts[self._chart] = False
        elif tag == "svg" and self._chart:
            self.charts[self._chart] = True
        elif tag == "table":
            self._table = a["data-table"]
            self.tables[self._table] = {"header": [], "rows": []}
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"text": "", "value": a.get("data-value"), "th": tag == "th"}

    def handle_endtag(self, tag):
        if tag == "figure":
            self._chart = None
        elif tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            t = self.tables[self._table]
            if all(c["th"] for c in self._row):
                t["header"] = [c["text"] for c in self._row]
            else:
                t["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data

    def frame(self, key: str) -> pd.DataFrame:
        """A table as a frame of floats (data-value) where numeric, else text."""
        t = self.tables[key]
        rows = [[float(c["value"]) if c["value"] is not None else c["text"] for c in r] for r in t["rows"]]
        return pd.DataFrame(rows, columns=t["header"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    return synthetic_runs(tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def built(runs, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("out")
    order = [runs["floor110"], runs["old"]]
    return {ext: report(order, out / f"report.{ext}", baseline=runs["base"]) for ext in ("html", "md", "xlsx")}


@pytest.fixture(scope="module")
def html(built) -> ReportHTML:
    return ReportHTML(built["html"].read_text(encoding="utf-8"))


def table(run: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(run / f"{name}.csv", keep_default_na=False, na_values=[""])


def summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())


def expected_by(run: Path, name: str, keys: list[str], value: str) -> pd.Series:
    df = table(run, name)
    return (df[value] * df["scenario"].map(SCENARIOS)).groupby([df[k] for k in keys]).sum()


def headline_row(frame: pd.DataFrame, figure: str) -> pd.Series:
    rows = frame[frame["figure"] == figure]
    assert len(rows) == 1, f"{figure!r} not in {list(frame['figure'])}"
    return rows.iloc[0]


# --------------------------------------------------------------------------- HTML


def test_html_has_every_section_chart_and_table(html, built):
    assert html.sections == SECTIONS
    assert set(html.charts) == set(CHARTS)
    assert all(html.charts.values()), f"charts without an inline SVG: {html.charts}"
    assert set(TABLES) <= set(html.tables)
    text = built["html"].read_text(encoding="utf-8")
    assert "<link" not in text and "<script" not in text and "<img" not in text  # one self-contained file
    assert not re.search(r"""(?:src|href)=["']https?:""", text)


def test_html_headline_equals_summary(html, runs):
    h = html.frame("headline")
    assert list(h.columns) == ["figure", "unit", "base", "floor110", "old", "Δ floor110", "Δ old"]
    for name in ("base", "floor110"):
        s = summary(runs[name])
        for payer, usd in s["government_cost_usd_discounted"].items():
            assert headline_row(h, f"Government cost, discounted: payer {payer}")[name] == usd
        for ins, usd in s["government_cost_by_instrument_usd_discounted"].items():
            assert headline_row(h, f"Government cost, discounted: instrument {ins}")[name] == usd
        assert headline_row(h, "Government cost, discounted: total")[name] == pytest.approx(sum(s["government_cost_usd_discounted"].values()), rel=1e-15)
    for name in ("base", "floor110", "old"):
        s = summary(runs[name])
        assert headline_row(h, "Consumer cost, discounted")[name] == s["consumer_cost_usd_discounted"]
        assert headline_row(h, "Unserved demand: expected")[name] == s["unserved_t"]["expected"]
        assert headline_row(h, "Unserved demand: worst scenario")[name] == s["unserved_t"]["worst"]
        assert headline_row(h, "Objective (welfare)")[name] == s["objective_kusd"]
    # the CfD exists only in floor110: 0 in base, "not in this run" in old (no government.csv)
    row = headline_row(h, "Government cost, discounted: payer DoD")
    assert row["base"] == 0.0 and row["old"] == "not in this run"
    assert row["Δ floor110"] == pytest.approx(row["floor110"] - row["base"], rel=1e-15)
    sec = table(runs["floor110"], "security")
    us = sec[(sec.metric == "china_content") & (sec.node == "US") & (sec.commodity == "ndfeb_magnet") & (sec.year == 2030)]
    assert headline_row(h, "China content: US ndfeb_magnet 2030 (expected)")["floor110"] == pytest.approx(
        (us.value * us.scenario.map(SCENARIOS)).sum(), rel=1e-12)
    assert headline_row(h, "China content: US ndfeb_magnet 2030 (worst scenario)")["floor110"] == us.value.max()
    assert headline_row(h, "China content: ALLY ndfeb_magnet 2030 (expected)")["old"] == "not in this run"


def test_html_tables_equal_run_tables(html, runs):
    for by in ("instrument", "payer"):
        t = html.frame(f"government_by_{by}")
        for name in ("base", "floor110"):
            exp = expected_by(runs[name], "government", ["year", by], "usd")
            got = t.set_index(["year", by])[name]
            got.index = got.index.set_levels([got.index.levels[0].astype(int), got.index.levels[1]])
            for k, v in exp.items():
                assert got[k] == pytest.approx(v, rel=1e-12)
        assert (t["old"] == "—").all()  # no government.csv in old
    u = html.frame("unserved_by_scenario").set_index("scenario")
    for name, run in runs.items():
        dem = table(run, "demand").groupby("scenario").unserved_t.sum()
        for s, v in dem.items():
            assert u.at[s, name] == v
    cc = html.frame("china_content_by_scenario")
    sec = table(runs["floor110"], "security")
    sec = sec[(sec.metric == "china_content") & sec.node.isin(["US", "ALLY"]) & (sec.commodity == "ndfeb_magnet")]
    mine = cc[cc.run == "floor110"]
    assert len(mine) == len(sec)
    assert sorted(mine.china_content) == sorted(sec.value)
    p = html.frame("prices")
    exp = expected_by(runs["base"], "prices", ["year", "node", "commodity"], "price_usd_per_kg")
    for _, row in p.iterrows():
        assert row["base"] == pytest.approx(exp[(int(row.year), row.node, row.commodity)], rel=1e-12)
    w = html.frame("welfare_by_node")
    exp = expected_by(runs["floor110"], "welfare", ["node"], "total_usd")
    for node, v in exp.items():
        total = w[(w.node == node) & (w.component == "total")].iloc[0]
        assert total["floor110"] == pytest.approx(v, rel=1e-12)
        base = expected_by(runs["base"], "welfare", ["node"], "total_usd")[node]
        assert total["Δ floor110"] == pytest.approx(v - base, rel=1e-9)


def test_html_what_differs_and_provenance(html, built, runs):
    cfg = html.frame("config_diff").set_index("key")
    assert cfg.at["policies[mp_floor].floor_usd_per_kg", "floor110"] == "110.0"
    assert cfg.at["policies[mp_floor].floor_usd_per_kg", "base"] == "(absent)"
    assert "discount_rate" not in cfg.index  # identical keys are not listed
    dd = html.frame("data_diff")
    fl = dd[dd.run == "floor110"].set_index("file")
    assert fl.at["demand.csv", "status"] == "changed" and fl.at["demand.csv", "rows_changed"] == 1
    assert fl.at["facilities.csv", "rows_added"] == 1 and fl.at["routes.csv", "rows_removed"] == 1
    assert fl.at["nodes.csv", "status"] == "same"
    rows = html.frame("data_diff_rows")
    ch = rows[(rows.file == "demand.csv")].iloc[0]
    assert (ch["column"], ch["from"], ch["to"]) == ("quantity_t", "1000.0", "1200.0")
    assert "old: data-set folder of old not found" in built["html"].read_text(encoding="utf-8")
    ds = html.frame("datasets").set_index("run")
    assert ds.at["old", "found"].startswith("no")
    src = html.frame("sources")
    data = Path(json.loads((runs["base"] / "manifest.json").read_text())["inputs"]["path"])
    assert set(src.source_id) == set(pd.read_csv(data / "sources.csv").source_id)
    asm = html.frame("assumptions").set_index(["data_set", "assumption_id"])
    assert set(asm.used_by.values) >= {"demand", "routes", "(unused)"}
    v = html.frame("versions").set_index("key")
    assert v.at["versions.pyomo", "base"] == "6.9" and v.at["solver.termination", "floor110"] == "optimal"


# --------------------------------------------------------------------------- Markdown


def test_markdown_sections_charts_tables_and_numbers(built, runs):
    md = built["md"]
    text = md.read_text(encoding="utf-8")
    for s in SECTIONS:
        assert f'<a id="section-{s}"></a>' in text
    files = md.parent / f"{md.stem}_files"
    for c in CHARTS:
        assert f"]({files.name}/{c}.svg)" in text
        assert (files / f"{c}.svg").read_text().startswith("<svg")
    for t in TABLES:
        assert f'<a id="table-{t}"></a>' in text
    lines = {ln.split(" | ")[0].lstrip("| "): ln for ln in text.splitlines() if ln.startswith("| ")}
    s = summary(runs["floor110"])
    for payer, usd in s["government_cost_usd_discounted"].items():
        assert f"| {fmt(usd)} |" in lines[f"Government cost, discounted: payer {payer}"]
    assert f"| {fmt(s['unserved_t']['worst'])} |" in lines["Unserved demand: worst scenario"]
    assert "not in this run" in lines["Government cost, discounted: total"]


# --------------------------------------------------------------------------- Excel


def test_excel_one_sheet_per_table_with_units(built, runs):
    book = pd.read_excel(built["xlsx"], sheet_name=None)
    assert set(TABLES) | {"notes"} == set(book)
    for key, unit in UNITS.items():
        runs_cols = [c for c in book[key].columns if c.endswith(f"_{unit}")]
        assert {f"base_{unit}", f"floor110_{unit}", f"old_{unit}", f"Δ floor110_{unit}"} <= set(runs_cols), (key, list(book[key].columns))
    h = book["headline"].set_index("figure")
    s = summary(runs["floor110"])
    for payer, usd in s["government_cost_usd_discounted"].items():
        # openpyxl writes 16 significant digits ("%.16g"; Excel itself keeps 15)
        assert h.at[f"Government cost, discounted: payer {payer}", "floor110"] == pytest.approx(usd, rel=1e-15)
    assert h.at["Government cost, discounted: payer DoD", "old"] == "not in this run"
    g = book["government_by_instrument"].set_index(["year", "instrument"])
    for k, v in expected_by(runs["floor110"], "government", ["year", "instrument"], "usd").items():
        assert g.at[k, "floor110_usd"] == pytest.approx(v, rel=1e-12)
    u = book["unserved_by_scenario"].set_index("scenario")
    for sc, v in table(runs["old"], "demand").groupby("scenario").unserved_t.sum().items():
        assert u.at[sc, "old_t"] == pytest.approx(v, rel=1e-15)
    notes = " ".join(book["notes"].note)
    assert "government.csv not in this run: old" in notes


# --------------------------------------------------------------------------- old runs, compare, errors


def test_run_without_government_and_security_still_reports(runs, tmp_path):
    for ext in ("html", "md", "xlsx"):
        out = report([runs["old"]], tmp_path / f"old.{ext}")
        assert out.exists()
    page = ReportHTML((tmp_path / "old.html").read_text(encoding="utf-8"))
    assert page.sections == SECTIONS
    assert page.charts["government_by_instrument"] is False  # said, not drawn
    text = (tmp_path / "old.html").read_text(encoding="utf-8")
    assert "government.csv not in this run: old" in text and "security.csv not in this run: old" in text
    assert page.charts["unserved_by_scenario"] is True  # what the run has is still drawn
    md = (tmp_path / "old.md").read_text(encoding="utf-8")
    assert "government.csv not in this run" in md
    assert "not in this run" in pd.read_excel(tmp_path / "old.xlsx", sheet_name="government_by_instrument").to_string()


def test_compare_one_column_per_run(runs):
    text = compare([runs["base"], runs["floor110"], runs["old"]])
    header = text.splitlines()[0].split()
    assert header == ["figure", "unit", "base", "floor110", "old"]
    s = summary(runs["base"])
    line = next(ln for ln in text.splitlines() if ln.startswith("Unserved demand: expected"))
    assert fmt(s["unserved_t"]["expected"]) in line
    assert "old: not in this run: government.csv" in text


def test_errors_are_one_line(runs, tmp_path):
    with pytest.raises(ReeblocError, match=r"report\.pdf: --out: unknown report format '\.pdf'"):
        report([runs["base"]], tmp_path / "report.pdf")
    with pytest.raises(ReeblocError, match="run folder not found"):
        compare([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReeblocError, match="no manifest.json"):
        compare([tmp_path / "empty"])


def test_fmt_is_stable():
    assert fmt(1234567.891) == "1,234,568"
    assert fmt(12.5) == "12.50"
    assert fmt(0.123456) == "0.1235"
    assert fmt(math.nan) == "—" and fmt(2030) == "2030"
