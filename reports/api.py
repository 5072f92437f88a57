"""Public API: ``compare(run_dirs, baseline, fmt) -> str``, ``compare_frame`` / ``scorecard_frame``
(DataFrames) and ``report(run_dirs, out, baseline=None) -> Path``.

Both read run folders only (``docs/architecture.md``), so any run, old or new, can be reported.
"""

from __future__ import annotations

import sys

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reebloc.errors import check_report_out

from . import charts as ch
from . import differ, render
from . import scorecard as sc
from . import tables as tb
from .runs import ReeblocError, RunFolder, load_runs

FORMATS = {".html": render.html, ".md": render.markdown, ".xlsx": render.excel}


@dataclass
class Section:
    key: str
    title: str
    intro: str
    items: list  # Table | Chart, in reading order


@dataclass
class Report:
    title: str
    runs: list[RunFolder]
    baseline: RunFolder | None
    sections: list[Section]
    missing_notes: list[str] = field(default_factory=list)
    version: str = ""

    @property
    def tables(self) -> list[tb.Table]:
        return [it for s in self.sections for it in s.items if isinstance(it, tb.Table)]

    @property
    def charts(self) -> list[ch.Chart]:
        return [it for s in self.sections for it in s.items if isinstance(it, ch.Chart)]


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("reebloc")
    except Exception:  # pragma: no cover
        return "?"


def build(run_dirs: list[Path], baseline: Path | None = None, charts: bool = True) -> Report:
    """Read the runs and compute every table (and chart) of the report."""
    runs, base = load_runs(list(run_dirs), baseline)
    magnets = tb.magnet_commodities(runs)
    t: dict[str, tb.Table] = {}
    t["china_content"] = tb.china_content_expected(runs, magnets, base)
    t["china_content_by_scenario"] = tb.china_content_by_scenario(runs, magnets)
    t["prices"] = tb.prices_table(runs, base, magnets)
    t = {"headline": tb.headline(runs, base, t["china_content"], t["china_content_by_scenario"], t["prices"]), **t}
    t = {"scorecard": sc.scorecard(runs, base), **t}
    for x in tb.government_tables(runs, base):
        t[x.key] = x
    t["unserved_by_scenario"] = tb.unserved_table(runs, base)
    t["welfare_by_node"] = tb.welfare_table(runs, base)
    t["investment"] = tb.investment_table(runs, base)
    t["config_diff"] = differ.config_diff(runs)
    t["data_diff"], t["data_diff_rows"] = differ.dataset_diff(runs, base or runs[0])
    for x in differ.provenance(runs):
        t[x.key] = x
    c = ch.all_charts(t, with_baseline=base is not None) if charts else {}

    def items(*keys):
        """``t:<key>`` is a table, ``c:<key>`` a chart (absent charts are skipped)."""
        src = {"t": t, "c": c}
        return [src[k[0]][k[2:]] for k in keys if k[2:] in src[k[0]]]

    sections = [
        Section("scorecard", "Scorecard", "One row per variant: US budget cost and welfare in $M (expected, discounted), "
                "China content of US magnet supply in 2030 and 2035, and the worst case over scenarios"
                + (", with Δ against the baseline." if base is not None else "."), items("t:scorecard")),
        Section("charts", "Charts", "Government cost, China content, unserved demand, prices and welfare; "
                "the tables behind them follow.",
                items("c:government_by_instrument", "c:china_content", "c:unserved_by_scenario", "c:prices",
                      "c:welfare_by_node", "c:welfare_delta")),
        Section("headline", "Headline figures", "One column per run; discounted money is expected over scenarios.", items("t:headline")),
        Section("government", "Government cost", "Who pays, for which instrument, year by year.",
                items("t:government_by_instrument", "t:government_by_payer")),
        Section("security", "Supply security: China content", "China-origin material embedded in magnet supply, traced through processing.",
                items("t:china_content", "t:china_content_by_scenario")),
        Section("unserved", "Unserved demand", "Demand left unserved in each disruption scenario.",
                items("t:unserved_by_scenario")),
        Section("prices", "Prices", "Market prices (the duals of the node balances).", items("t:prices")),
        Section("welfare", "Welfare", "Consumer and producer surplus and government net by node (total = their sum); "
                "tariff revenue is the part of government net from tariffs and levies, not an addend.",
                items("t:welfare_by_node")),
        Section("investment", "Investment", "Which projects each run gets built, and how much of each is online "
                "by the end of the horizon.", items("t:investment")),
        Section("differs", "What differs between the runs", "Resolved configs key by key; data sets table by table.",
                items("t:config_diff", "t:data_diff", "t:data_diff_rows")),
        Section("provenance", "Provenance", "The data set, its sources, the assumptions in force and the software versions.",
                items("t:datasets", "t:sources", "t:assumptions", "t:versions", "t:overrides")),
    ]
    missing = differ.not_like_for_like(runs, base)
    missing += [f"{r.name}: {tb.NOT_IN_RUN}: {', '.join(r.missing)}" for r in runs if r.missing]
    title = "reebloc report: " + ", ".join(r.name for r in runs)
    return Report(title, runs, base, sections, missing, _version())


def compare_frame(runs: list[RunFolder], base: RunFolder | None = None) -> pd.DataFrame:
    """Headline figures in reader's units ($M, %, $/kg, t): ``figure``, ``unit``, one column per
    run and, with ``base``, ``Δ <run>`` columns (run − baseline; percentage points for shares)."""
    magnets = tb.magnet_commodities(runs)
    cc = tb.china_content_expected(runs, magnets, base)
    ccs = tb.china_content_by_scenario(runs, magnets)
    pr = tb.prices_table(runs, base, magnets)
    return sc.readable(tb.headline(runs, base, cc, ccs, pr))


def scorecard_frame(runs: list[RunFolder], base: RunFolder | None = None) -> pd.DataFrame:
    """The report's scorecard: one row per run ($M, %), Δ columns with ``base``."""
    return sc.scorecard_frame(runs, base)


CHARTS = ("china_content", "government_by_instrument", "prices", "unserved_by_scenario", "welfare_by_node", "welfare_delta")


def chart(runs: list[RunFolder], key: str, base: RunFolder | None = None) -> ch.Chart:
    """One standard chart of the report over ``runs`` (its table only is computed)."""
    import matplotlib
    if key not in CHARTS:
        raise ReeblocError(None, "chart", f"unknown chart {key!r}; expected one of {', '.join(CHARTS)}")
    magnets = tb.magnet_commodities(runs)
    with matplotlib.rc_context(ch.RC):
        if key == "china_content":
            return ch.china_content(tb.china_content_expected(runs, magnets, base))
        if key == "government_by_instrument":
            return ch.government_by_instrument(tb.government_tables(runs, base)[0])
        if key == "prices":
            return ch.prices(tb.prices_table(runs, base, magnets))
        if key == "unserved_by_scenario":
            return ch.unserved(tb.unserved_table(runs, base))
        return ch.welfare(tb.welfare_table(runs, base), delta=key == "welfare_delta")


COMPARE_FORMATS = ("table", "csv", "json")


def compare(run_dirs: list[Path], baseline: Path | None = None, fmt: str = "table") -> str:
    """Headline figures of run folders, one column per run (Δ columns with ``baseline``), as a
    terminal table, CSV or JSON (records). Money in $M, shares in %."""
    if fmt not in COMPARE_FORMATS:
        raise ReeblocError(None, "--format", f"unknown format {fmt!r}; expected one of {', '.join(COMPARE_FORMATS)}")
    runs, base = load_runs(list(run_dirs), baseline)
    df = compare_frame(runs, base)
    unlike = differ.not_like_for_like(runs, base)
    notes = unlike + [f"{r.name}: {tb.NOT_IN_RUN}: {', '.join(r.missing)}" for r in runs if r.missing]
    if fmt in ("csv", "json"):
        for line in unlike:              # the table itself goes to stdout, to be read by a program
            print(f"warning: {line}", file=sys.stderr)
    if fmt == "csv":
        return df.to_csv(index=False, lineterminator="\n").rstrip("\n")
    if fmt == "json":
        return df.to_json(orient="records", indent=2)
    text = render.terminal(tb.Table("headline", "Headline figures", df))
    if base is not None:
        text += f"\n\nΔ columns: run − {base.name} (baseline); for % rows in percentage points."
    if notes:
        text += "\n\n" + "\n".join(notes)
    return text


def report(run_dirs: list[Path], out: Path, baseline: Path | None = None, force: bool = False) -> Path:
    """Write the report of ``run_dirs`` to ``out`` (``.html``, ``.md`` or ``.xlsx``); returns ``out``.

    With ``baseline`` (added to the runs if not among them) every other run is also shown as a
    difference from it. A table a run lacks is reported as "not in this run". An existing
    report is replaced only with ``force``.
    """
    out = Path(out)
    check_report_out(out, force)
    writer = FORMATS.get(out.suffix.lower())
    if writer is None:
        raise ReeblocError(out, "--out", f"unknown report format '{out.suffix or out.name}'; use .html, .md or .xlsx")
    if not out.parent.exists():
        raise ReeblocError(out, "--out", f"folder {out.parent} does not exist")
    return writer(build(run_dirs, baseline, charts=writer is not render.excel), out)
