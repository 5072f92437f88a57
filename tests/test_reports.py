"""reports: compare and report (HTML, Markdown, Excel) over run folders.

Two small variants are solved for real (tests/reports_fixtures.py): ``base`` (the chain with a
Dy/Tb-ban scenario) and ``floor`` (tariff, price floor, bloc, one demand row changed), plus
``old``, a copy of ``base`` made "before" government.csv and security.csv existed, whose data-set
folder is gone. Numbers in every report format are checked against the run tables.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from reports_fixtures import CHANGED_DEMAND, make_runs  # noqa: E402

from reebloc.errors import ReeblocError  # noqa: E402
from reebloc.reports import compare, report  # noqa: E402
from reebloc.reports.api import build  # noqa: E402
from reebloc.reports.render import fmt  # noqa: E402

SECTIONS = ["scorecard", "charts", "headline", "government", "security", "unserved", "prices", "welfare", "investment",
            "differs", "provenance"]
CHARTS = ["government_by_instrument", "china_content", "unserved_by_scenario", "prices", "welfare_by_node", "welfare_delta"]
TABLES = [
    "scorecard", "headline", "government_by_instrument", "government_by_payer", "china_content", "china_content_by_scenario",
    "unserved_by_scenario", "prices", "welfare_by_node", "investment", "config_diff", "data_diff", "data_diff_rows",
    "datasets", "sources", "assumptions", "versions", "overrides",
]
UNITS = {"government_by_instrument": "usd", "government_by_payer": "usd", "china_content": "share",
         "unserved_by_scenario": "t", "prices": "usd_per_kg", "welfare_by_node": "usd"}


class ReportHTML(HTMLParser):
    """Sections, charts (with or without an inline SVG) and tables (cell text and data-value)."""

    def __init__(self, text: str):
        super().__init__()
        self.sections, self.charts, self.tables = [], {}, {}
        self._chart = self._table = self._row = self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
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
    return make_runs(tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def built(runs, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("out")
    order = [runs["floor"], runs["old"]]
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
    probs = summary(run)["scenarios"]
    return (df[value] * df["scenario"].map(probs)).groupby([df[k] for k in keys]).sum()


def nonzero(d: dict) -> dict:
    """The entries of a summary dict with a value (reports leave out rows that are 0 in every run)."""
    return {k: v for k, v in d.items() if v != 0.0}


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
    assert list(h.columns) == ["figure", "unit", "base", "floor", "old", "Δ floor", "Δ old"]
    s = summary(runs["floor"])
    assert s["government_cost_usd_discounted"], "the floor variant should cost a government something"
    for key, label in (("government_cost_usd_discounted", "payer"), ("government_cost_by_instrument_usd_discounted", "instrument"),
                       ("government_cost_by_policy_usd_discounted", "policy"), ("consumer_cost_usd_discounted", "node")):
        for k, usd in nonzero(s[key]).items():       # summary.json also lists payers that paid 0
            figure = f"{'Consumer' if label == 'node' else 'Government'} cost, discounted: {label} {k}"
            assert headline_row(h, figure)["floor"] == usd
            assert headline_row(h, figure)["base"] == summary(runs["base"])[key].get(k, 0.0)
    assert headline_row(h, "Government cost, discounted: total")["floor"] == pytest.approx(
        sum(s["government_cost_usd_discounted"].values()), rel=1e-15)
    for name in ("base", "floor", "old"):
        s = summary(runs[name])
        assert headline_row(h, "Unserved demand: expected")[name] == s["unserved_t"]["expected"]
        assert headline_row(h, "Unserved demand: worst scenario")[name] == s["unserved_t"]["worst"]
        assert headline_row(h, "Objective (optimisation term, not welfare)")[name] == s["objective_kusd"]
        assert headline_row(h, "Welfare, discounted: total")[name] == s["welfare_total_usd_discounted"]
    # old has no government.csv and no government summary keys: said, not zero
    payer = next(p for p, v in summary(runs["floor"])["government_cost_usd_discounted"].items() if v)
    row = headline_row(h, f"Government cost, discounted: payer {payer}")
    assert row["old"] == "not in this run" and row["Δ old"] == "—"
    assert row["Δ floor"] == pytest.approx(row["floor"] - row["base"], rel=1e-15)
    # China content of US magnets: the run's own expected and worst figures (summary.json)
    for name in ("base", "floor"):
        cc = summary(runs[name])["security"]["us_magnet_china_content"]
        for year, v in cc["expected"].items():
            assert headline_row(h, f"China content: US ndfeb_magnet {year} (expected)")[name] == pytest.approx(v, rel=1e-12)
            assert headline_row(h, f"China content: US ndfeb_magnet {year} (worst scenario)")[name] == cc["worst"][year]
    assert headline_row(h, "China content: US ndfeb_magnet 2025 (expected)")["old"] == "not in this run"
    assert headline_row(h, "China content: ally ndfeb_magnet 2025 (expected)")["base"] == "—"  # no bloc in base


def test_html_tables_equal_run_tables(html, runs):
    for by in ("instrument", "payer"):
        t = html.frame(f"government_by_{by}")
        assert len(t)
        for name in ("base", "floor"):
            got = t.assign(year=t.year.astype(int)).set_index(["year", by])[name]
            exp = expected_by(runs[name], "government", ["year", by], "usd")
            for k, v in exp.items():
                assert got[k] == pytest.approx(v, rel=1e-12)
            assert got.drop(index=exp.index, errors="ignore").eq(0).all()
        assert (t["old"] == "—").all()  # no government.csv in old
    u = html.frame("unserved_by_scenario").set_index("scenario")
    for name, run in runs.items():
        dem = table(run, "demand").groupby("scenario").unserved_t.sum()
        for sc, v in dem.items():
            assert u.at[sc, name] == v == summary(run)["unserved_t"]["by_scenario"][sc]
    cc = html.frame("china_content_by_scenario")
    for name in ("base", "floor"):
        sec = table(runs[name], "security")
        sec = sec[(sec.metric == "china_content") & (sec.node == "US") & (sec.commodity == "ndfeb_magnet")]
        mine = cc[(cc.run == name) & (cc.node == "US")]
        assert (mine.source == "security.csv").all()
        assert sorted(zip(mine.scenario, mine.year, mine.china_content)) == sorted(zip(sec.scenario, sec.year, sec.value))
    # the bloc's China content: members' values weighted by magnet demand served
    sec, dem = table(runs["floor"], "security"), table(runs["floor"], "demand")
    members = ["US", "JP", "AU"]
    m = sec[(sec.metric == "china_content") & sec.node.isin(members) & (sec.commodity == "ndfeb_magnet")].merge(
        dem.groupby(["scenario", "year", "node", "commodity"], as_index=False).served_t.sum())
    m = m[m.served_t > 0]
    exp = (m.value * m.served_t).groupby([m.scenario, m.year]).sum() / m.served_t.groupby([m.scenario, m.year]).sum()
    ally = cc[(cc.run == "floor") & (cc.node == "ally")].set_index(["scenario", "year"]).china_content
    assert len(ally) == len(exp)
    for k, v in exp.items():
        assert ally[(k[0], float(k[1]))] == pytest.approx(v, rel=1e-12)
    p = html.frame("prices")
    assert len(p)
    exp = expected_by(runs["floor"], "prices", ["year", "node", "commodity"], "price_usd_per_kg")
    for _, row in p.iterrows():
        assert row["floor"] == pytest.approx(exp[(int(row.year), row.node, row.commodity)], rel=1e-12)
    w = html.frame("welfare_by_node")
    exp = expected_by(runs["floor"], "welfare", ["node"], "total_usd")
    base = expected_by(runs["base"], "welfare", ["node"], "total_usd")
    for node, v in exp.items():
        total = w[(w.node == node) & (w.component == "total")].iloc[0]
        assert total["floor"] == pytest.approx(v, rel=1e-12)
        assert total["Δ floor"] == pytest.approx(v - base[node], rel=1e-9, abs=1e-6)


def test_html_what_differs_and_provenance(html, built, runs):
    cfg = html.frame("config_diff").set_index("key")
    assert cfg.at["policies.mp_floor.price_usd_per_kg", "floor"] == "110.0"
    assert cfg.at["policies.mp_floor.price_usd_per_kg", "base"] == "(absent)"
    assert cfg.at["name", "old"] == "old"
    assert "discount_rate" not in cfg.index  # identical keys are not listed
    dd = html.frame("data_diff")
    fl = dd[dd.run == "floor"].set_index("file")
    assert fl.at["demand.csv", "status"] == "changed" and fl.at["demand.csv", "rows_changed"] == 1
    assert (fl.drop(index="demand.csv").status == "same").all()
    rows = html.frame("data_diff_rows")
    ch = rows[rows.file == "demand.csv"].iloc[0]
    assert ch["column"] == "quantity_t" and float(ch["to"]) == float(ch["from"]) * CHANGED_DEMAND["factor"]
    assert f"year={CHANGED_DEMAND['year']}" in ch["key"]
    text = built["html"].read_text(encoding="utf-8")
    assert "old: data-set folder of old not found" in text
    ds = html.frame("datasets").set_index("run")
    assert ds.at["old", "found"].startswith("no") and ds.at["base", "found"] == "yes"
    data = Path(json.loads((runs["base"] / "manifest.json").read_text())["inputs"]["path"])
    src = html.frame("sources")
    assert set(src.source_id) == set(pd.read_csv(data / "sources.csv").source_id)
    asm = html.frame("assumptions")
    assert set(asm.assumption_id) == set(pd.read_csv(data / "assumptions.csv").assumption_id)
    v = html.frame("versions").set_index("key")
    man = json.loads((runs["floor"] / "manifest.json").read_text())
    for k, x in man["versions"].items():
        assert v.at[f"versions.{k}", "floor"] == str(x)
    assert v.at["solver.termination", "floor"] == man["solver"]["termination"]


# --------------------------------------------------------------------------- Markdown


def test_markdown_sections_charts_tables_and_numbers(built, runs):
    md = built["md"]
    text = md.read_text(encoding="utf-8")
    for sec in SECTIONS:
        assert f'<a id="section-{sec}"></a>' in text
    files = md.parent / f"{md.stem}_files"
    for c in CHARTS:
        assert f"]({files.name}/{c}.svg)" in text
        assert (files / f"{c}.svg").read_text().startswith("<svg")
    for t in TABLES:
        assert f'<a id="table-{t}"></a>' in text
    lines = {ln.split(" | ")[0].lstrip("| "): ln for ln in text.splitlines() if ln.startswith("| ")}
    s = summary(runs["floor"])
    for payer, usd in nonzero(s["government_cost_usd_discounted"]).items():
        assert f"| {fmt(usd)} |" in lines[f"Government cost, discounted: payer {payer}"]
    assert f"| {fmt(s['objective_kusd'])} |" in lines["Objective (optimisation term, not welfare)"]
    assert "not in this run" in lines["Government cost, discounted: total"]


def test_excel_one_sheet_per_table_with_units(built, runs):
    book = pd.read_excel(built["xlsx"], sheet_name=None)
    assert set(TABLES) | {"notes"} == set(book)
    for key, unit in UNITS.items():
        assert {f"base_{unit}", f"floor_{unit}", f"old_{unit}", f"Δ floor_{unit}"} <= set(book[key].columns), (key, list(book[key].columns))
    h = book["headline"].set_index("figure")
    s = summary(runs["floor"])
    for payer, usd in nonzero(s["government_cost_usd_discounted"]).items():
        # openpyxl writes 16 significant digits ("%.16g"; Excel itself keeps 15)
        assert h.at[f"Government cost, discounted: payer {payer}", "floor"] == pytest.approx(usd, rel=1e-15)
        assert h.at[f"Government cost, discounted: payer {payer}", "old"] == "not in this run"
    g = book["government_by_instrument"].set_index(["year", "instrument"])
    for k, v in expected_by(runs["floor"], "government", ["year", "instrument"], "usd").items():
        assert g.at[k, "floor_usd"] == pytest.approx(v, rel=1e-12)
    u = book["unserved_by_scenario"].set_index("scenario")
    for sc, v in table(runs["old"], "demand").groupby("scenario").unserved_t.sum().items():
        assert u.at[sc, "old_t"] == pytest.approx(v, rel=1e-15)
    notes = " ".join(book["notes"].note)
    assert "government.csv not in this run: old" in notes


def test_run_without_government_and_security_still_reports(runs, tmp_path):
    out = report([runs["old"]], tmp_path / "old.html")
    text = out.read_text(encoding="utf-8")
    page = ReportHTML(text)
    assert page.sections == SECTIONS
    assert page.charts["government_by_instrument"] is False and page.charts["china_content"] is False  # said, not drawn
    assert page.charts["unserved_by_scenario"] is True  # what the run has is still drawn
    assert "government.csv not in this run: old" in text and "security.csv not in this run: old" in text
    assert "data-set folder not found for: old" in text


def test_headline_computes_discounted_cost_when_summary_lacks_it(runs, tmp_path):
    """A run whose summary.json predates the government keys: the report discounts
    government.csv itself, and gets the run's own figures."""
    old = shutil.copytree(runs["floor"], tmp_path / "floor")
    s = summary(old)
    keys = ("government_cost_usd_discounted", "government_cost_by_instrument_usd_discounted")
    (old / "summary.json").write_text(json.dumps({k: v for k, v in s.items() if k not in keys}))
    h = next(t for t in build([old], charts=False).tables if t.key == "headline").df
    for key, label in zip(keys, ("payer", "instrument")):
        for k, usd in nonzero(s[key]).items():
            assert headline_row(h, f"Government cost, discounted: {label} {k}")["floor"] == pytest.approx(usd, rel=1e-12)


def test_compare_one_column_per_run(runs):
    text = compare([runs["base"], runs["floor"], runs["old"]])
    header = text.splitlines()[0].split()
    assert header == ["figure", "unit", "base", "floor", "old"]
    s = summary(runs["floor"])
    line = next(ln for ln in text.splitlines() if ln.startswith("Objective (optimisation term, not welfare)"))
    assert " $M " in line and fmt(s["objective_kusd"] / 1e3) in line      # kUSD shown in $M
    assert "old: not in this run: government.csv, security.csv" in text


def test_errors_are_one_line(runs, tmp_path):
    with pytest.raises(ReeblocError, match=r"report\.pdf: --out: unknown report format '\.pdf'"):
        report([runs["base"]], tmp_path / "report.pdf")
    with pytest.raises(ReeblocError, match="run folder not found"):
        compare([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReeblocError, match="no manifest.json"):
        compare([tmp_path / "empty"])
    with pytest.raises(ReeblocError, match="also the name of"):
        compare([runs["base"], runs["base"].parent / "base"])


def test_fmt_is_stable():
    assert fmt(1234567.891) == "1,234,568"
    assert fmt(12.5) == "12.50"
    assert fmt(0.123456) == "0.1235"
    assert fmt(math.nan) == "—" and fmt(2030) == "2030"


def test_investment_table_is_expected_capacity_by_project(runs, tmp_path):
    """Σ_s p_s capacity_t in the last year, by project (base: no controls 0.6, ban 0.4), and Δ."""
    from reebloc.reports import tables as tb
    from reebloc.reports.runs import load_run
    folders = {}
    for name, rows in (("base", [("no_controls", 2027, "p1", 100.0), ("ban", 2027, "p1", 300.0),
                                 ("ban", 2026, "p1", 50.0)]),
                       ("floor", [("no_controls", 2027, "p1", 100.0), ("ban", 2027, "p1", 100.0),
                                  ("ban", 2027, "p2", 40.0)])):
        f = tmp_path / name
        shutil.copytree(runs[name], f)
        pd.DataFrame([(name, sc, y, pr, "US", "sep_light", 0.0, cap, 0.0, 0.08) for sc, y, pr, cap in rows],
                     columns=["run", "scenario", "year", "project", "node", "process", "capacity_added_t",
                              "capacity_t", "capex_usd", "cost_of_capital"]).to_csv(f / "investment.csv", index=False)
        folders[name] = load_run(f)
    t = tb.investment_table([folders["base"], folders["floor"]], folders["base"]).df.set_index("project")
    assert t.loc["p1", "base"] == pytest.approx(0.6 * 100 + 0.4 * 300)
    assert t.loc["p1", "floor"] == pytest.approx(100.0)
    assert t.loc["p2", "base"] == 0.0 and t.loc["p2", "floor"] == pytest.approx(0.4 * 40)
    assert t.loc["p1", "Δ floor"] == pytest.approx(100.0 - 180.0)


def test_python_report_never_replaces_an_earlier_report_without_force(runs, tmp_path):
    """``reebloc.reports.api.report`` keeps the command line's rule: an existing report is
    refused (file and field named) and replaced only with ``force=True``."""
    from reebloc.errors import ReeblocError
    out = tmp_path / "old.md"
    report([runs["old"]], out)
    first = out.read_text(encoding="utf-8")
    out.write_text("earlier work\n", encoding="utf-8")
    with pytest.raises(ReeblocError, match="exists; pass --force"):
        report([runs["old"]], out)
    assert out.read_text(encoding="utf-8") == "earlier work\n"
    report([runs["old"]], out, force=True)
    assert out.read_text(encoding="utf-8").splitlines()[0] == first.splitlines()[0] != "earlier work"
