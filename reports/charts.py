"""Charts (matplotlib Figures, no pyplot) drawn from the report tables, never from the run folders."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.figure import Figure  # no pyplot: no global figure registry, no backend switch

from reebloc.errors import PLAIN_TEXT_RC

from .tables import Table

# text stays text in SVG; names are plain text, never mathtext ($...$) or TeX
RC = {"svg.fonttype": "none", "svg.hashsalt": "reebloc", "font.size": 9, **PLAIN_TEXT_RC}
TAB10 = matplotlib.colormaps["tab10"].colors


def _subplots(*args, figsize, **kw):
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(*args, **kw)


@dataclass
class Chart:
    key: str
    title: str
    fig: object | None  # a matplotlib Figure, or None when there is nothing to draw
    note: str = ""

    def svg(self) -> str:
        buf = io.StringIO()
        with matplotlib.rc_context(RC):
            self.fig.savefig(buf, format="svg", metadata={"Date": None})
        text = buf.getvalue()
        # inline SVG: drop the XML prolog and doctype; make ids unique per chart
        text = text[text.index("<svg"):]
        return re.sub(r'(id="|url\(#|href="#)', lambda m: f"{m.group(1)}{self.key}-", text)


def _runs(t: Table) -> list[str]:
    return [c for c in t.value_cols if not c.startswith("Δ ")]


def _panels(n: int, width: float, height: float = 3.4, per_row: int = 3):
    """``n`` panels sharing the y axis, at most ``per_row`` to a row (so a chart over many runs
    stays legible at page width); spare axes hidden. Returns (fig, flat list of the n axes)."""
    cols = min(per_row, n)
    rows = (n + cols - 1) // cols
    fig, axes = _subplots(rows, cols, figsize=(max(4.5, width * cols), height * rows), sharey=True, squeeze=False)
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _empty(key: str, title: str, t: Table) -> Chart:
    return Chart(key, title, None, "No data to draw. " + " ".join(n for n in t.notes if "not in this run" in n))


def government_by_instrument(t: Table) -> Chart:
    key, title = "government_by_instrument", "Government cost by instrument per year (expected, undiscounted)"
    runs = [r for r in _runs(t) if t.df[r].notna().any()] if len(t.df) else []
    if not runs:
        return _empty(key, title, t)
    fig, panels = _panels(len(runs), 3.6)
    instruments = sorted(t.df["instrument"].unique())
    colors = dict(zip(instruments, TAB10 * 3))
    for ax, run in zip(panels, runs):
        piv = t.df.pivot_table(index="year", columns="instrument", values=run, aggfunc="sum").fillna(0.0) / 1e6
        x = np.arange(len(piv))
        pos = np.zeros(len(piv))
        neg = np.zeros(len(piv))
        for ins in piv.columns:
            v = piv[ins].to_numpy()
            ax.bar(x, v, bottom=np.where(v >= 0, pos, neg), color=colors[ins], label=ins)
            pos += np.where(v >= 0, v, 0)
            neg += np.where(v < 0, v, 0)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(run)
        ax.set_xticks(x, [str(int(y)) for y in piv.index], rotation=45)
    for ax in panels[::3]:
        ax.set_ylabel("million USD")
    handles, labels = [], []
    for ax in panels:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside lower center", ncol=min(6, len(labels)), frameon=False)
    fig.suptitle(title)
    return Chart(key, title, fig)


def china_content(t: Table) -> Chart:
    key, title = "china_content", "China content of magnet supply per variant (expected)"
    runs = [r for r in _runs(t) if t.df[r].notna().any()] if len(t.df) else []
    if not runs:
        return _empty(key, title, t)
    series = list(t.df.groupby(["node", "commodity"]).groups)
    fig, ax = _subplots(figsize=(8, 3.6))
    styles = ["-", "--", ":", "-."]
    for i, run in enumerate(runs):
        color = TAB10[i % 10]
        for j, (node, com) in enumerate(series):
            d = t.df[(t.df["node"] == node) & (t.df["commodity"] == com)].sort_values("year")
            ax.plot(d["year"], d[run], styles[j % 4], marker="o", ms=3, color=color, label=f"{run}: {node} {com}")
    ax.set_xticks(sorted(t.df["year"].unique()))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of China-origin material")
    ax.set_title(title)
    fig.legend(fontsize=7, frameon=False, loc="outside right center")
    return Chart(key, title, fig)


def unserved(t: Table) -> Chart:
    key, title = "unserved_by_scenario", "Unserved demand by scenario (t, all years)"
    runs = [r for r in _runs(t) if t.df[r].notna().any()] if len(t.df) else []
    if not runs:
        return _empty(key, title, t)
    fig, ax = _subplots(figsize=(7, 3.4))
    x = np.arange(len(t.df))
    w = 0.8 / len(runs)
    for i, run in enumerate(runs):
        ax.bar(x + (i - (len(runs) - 1) / 2) * w, t.df[run].fillna(0.0), w, label=run)
    ax.set_xticks(x, t.df["scenario"], rotation=20)
    ax.set_ylabel("t")
    ax.set_title(title)
    fig.legend(frameon=False, loc="outside right center")
    return Chart(key, title, fig)


def prices(t: Table) -> Chart:
    key, title = "prices", "Price paths (expected, $/kg)"
    runs = [r for r in _runs(t) if t.df[r].notna().any()] if len(t.df) else []
    if not runs:
        return _empty(key, title, t)
    series = list(t.df.groupby(["node", "commodity"]).groups)[:6]
    n = len(series)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = _subplots(rows, cols, figsize=(3.6 * cols, 2.8 * rows), squeeze=False)
    for ax, (node, com) in zip(axes.flat, series):
        d = t.df[(t.df["node"] == node) & (t.df["commodity"] == com)].sort_values("year")
        for run in runs:
            ax.plot(d["year"], d[run], marker="o", ms=3, label=run)
        ax.set_xticks(sorted(d["year"].unique()))
        ax.set_title(f"{node} {com}")
        ax.set_ylabel("$/kg")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes[0][0].legend(frameon=False, fontsize=7)
    fig.suptitle(title)
    return Chart(key, title, fig)


def welfare(t: Table, delta: bool = False) -> Chart:
    key = "welfare_delta" if delta else "welfare_by_node"
    title = "Welfare change against the baseline by node" if delta else "Welfare decomposition by node"
    cols = [c for c in t.value_cols if c.startswith("Δ ")] if delta else _runs(t)
    cols = [c for c in cols if c in t.df.columns and t.df[c].notna().any()] if len(t.df) else []
    if not cols:
        return _empty(key, title, t)
    parts = [c for c in t.df["component"].unique() if c != "total"]
    nodes = sorted(t.df["node"].unique())
    fig, panels = _panels(len(cols), 3.8)
    for ax, col in zip(panels, cols):
        piv = t.df.pivot_table(index="node", columns="component", values=col, aggfunc="sum").reindex(nodes).fillna(0.0) / 1e6
        pos = np.zeros(len(nodes))
        neg = np.zeros(len(nodes))
        for i, p in enumerate(parts):
            v = piv[p].to_numpy() if p in piv else np.zeros(len(nodes))
            ax.bar(nodes, v, bottom=np.where(v >= 0, pos, neg), color=TAB10[i % 10], label=p)
            pos += np.where(v >= 0, v, 0)
            neg += np.where(v < 0, v, 0)
        if "total" in piv:
            ax.plot(nodes, piv["total"].to_numpy(), "kD", ms=4, label="total")
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(col)
        ax.tick_params(axis="x", rotation=45)
    for ax in panels[::3]:
        ax.set_ylabel("million USD")
    h, lab = panels[0].get_legend_handles_labels()
    fig.legend(h, lab, loc="outside lower center", ncol=len(lab), frameon=False)
    fig.suptitle(title)
    return Chart(key, title, fig)


def all_charts(tables: dict[str, Table], with_baseline: bool) -> dict[str, Chart]:
    with matplotlib.rc_context(RC):
        return _all_charts(tables, with_baseline)


def _all_charts(tables: dict[str, Table], with_baseline: bool) -> dict[str, Chart]:
    charts = [
        government_by_instrument(tables["government_by_instrument"]),
        china_content(tables["china_content"]),
        unserved(tables["unserved_by_scenario"]),
        prices(tables["prices"]),
        welfare(tables["welfare_by_node"]),
    ]
    if with_baseline:
        charts.append(welfare(tables["welfare_by_node"], delta=True))
    return {c.key: c for c in charts}

