"""Write a built report as HTML, Markdown or Excel, or as a terminal table."""

from __future__ import annotations

import math
import numbers
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import pandas as pd

from reebloc.errors import escape_workbook, md_text

from .charts import Chart
from .tables import NOT_IN_RUN, Table
from .template import HTML


def fmt(v) -> str:
    """The one number format used in HTML, Markdown and terminal tables (NaN: "—"): thousands
    separators at ≥ 1,000, two decimals at ≥ 1, at most four decimals below (never exponents;
    |v| < 0.00005 prints as 0)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        v = float(v)
        a = abs(v)
        if a == 0:
            return "0"
        if a >= 1000:
            return f"{v:,.0f}"
        if a >= 1:
            return f"{v:,.2f}"
        if a < 5e-5:           # below the last digit shown: solver noise, not a figure
            return "0"
        return f"{v:.4f}".rstrip("0").rstrip(".")
    return str(v)


def _is_num(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _cells(t: Table) -> tuple[list[dict], list[list[dict]]]:
    cols = [{"name": c, "delta": str(c).startswith("Δ ")} for c in t.df.columns]
    rows = []
    for rec in t.df.itertuples(index=False):
        row = []
        for c, v in zip(t.df.columns, rec):
            num = _is_num(v) and not (isinstance(v, float) and math.isnan(v))
            isna = (isinstance(v, float) and math.isnan(v)) or v == NOT_IN_RUN
            cls = "num" if _is_num(v) else ""
            if isna:
                cls += " na"
            if str(c).startswith("Δ "):
                cls += " delta"
            row.append({"text": fmt(v), "value": repr(float(v)) if num else None, "cls": cls.strip()})
        rows.append(row)
    return cols, rows


def html(report, out: Path) -> Path:
    items_by_section = []
    for s in report.sections:
        items = []
        for it in s.items:
            if isinstance(it, Chart):
                items.append({"kind": "chart", "key": it.key, "title": it.title, "svg": it.svg() if it.fig else None, "note": it.note})
            else:
                cols, rows = _cells(it)
                items.append({"kind": "table", "key": it.key, "title": it.title, "unit": it.unit, "columns": cols, "rows": rows,
                              "notes": it.notes, "empty_note": "; ".join(n for n in it.notes if "not in this run" in n)})
        items_by_section.append({"key": s.key, "title": s.title, "intro": s.intro, "entries": items})
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    text = env.from_string(HTML).render(
        title=report.title,
        runs=[{"name": r.name, "path": str(r.path)} for r in report.runs],
        baseline=report.baseline.name if report.baseline else None,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        version=report.version,
        missing=report.missing_notes,
        sections=items_by_section,
    )
    out.write_text(text, encoding="utf-8")
    return out


def _md_table(t: Table) -> str:
    if not len(t.df):
        return ""
    head = "| " + " | ".join(md_text(c).replace("|", "\\|") for c in t.df.columns) + " |"
    sep = "|" + "|".join("---:" if _is_num_col(t.df[c]) else "---" for c in t.df.columns) + "|"
    body = [
        "| " + " | ".join(md_text(fmt(v)).replace("|", "\\|") for v in rec) + " |"
        for rec in t.df.itertuples(index=False)
    ]
    return "\n".join([head, sep, *body])


def _is_num_col(s: pd.Series) -> bool:
    """Numeric, or a column of numbers with "not in this run" markers (the headline)."""
    return pd.api.types.is_numeric_dtype(s) or any(_is_num(v) for v in s)


def markdown(report, out: Path) -> Path:
    files = out.parent / f"{out.stem}_files"
    files.mkdir(parents=True, exist_ok=True)
    # every text that can come from inputs goes through md_text: HTML in names is shown, not run
    lines = [f"# {md_text(report.title)}", ""]
    lines.append("Runs: " + "; ".join(f"**{md_text(r.name)}** (`{md_text(r.path)}`)" for r in report.runs) + ".")
    if report.baseline:
        lines.append(f"Baseline: **{md_text(report.baseline.name)}**; Δ columns are run − baseline.")
    lines += [""] + [f"> {md_text(m)}" for m in report.missing_notes] + [""]
    for i, s in enumerate(report.sections, 1):
        lines += [f'<a id="section-{s.key}"></a>', "", f"## {i}. {md_text(s.title)}", ""]
        if s.intro:
            lines += [md_text(s.intro), ""]
        for it in s.items:
            if isinstance(it, Chart):
                lines += [f'<a id="chart-{it.key}"></a>', ""]
                if it.fig is None:
                    lines += [f"**{md_text(it.title)}**: {md_text(it.note)}", ""]
                    continue
                (files / f"{it.key}.svg").write_text(it.svg(), encoding="utf-8")
                lines += [f"![{md_text(it.title).replace(']', ')')}]({files.name}/{it.key}.svg)", ""]
            else:
                unit = f" ({md_text(it.unit)})" if it.unit else ""
                lines += [f'<a id="table-{it.key}"></a>', "", f"### {md_text(it.title)}{unit}", ""]
                body = _md_table(it)
                lines += [body if body else "_No rows._", ""]
                lines += [f"_{md_text(n)}_  " for n in it.notes] + [""]
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


def excel_frame(t: Table) -> pd.DataFrame:
    """The table with units in its headers: value column ``c`` becomes ``c_<unit>``."""
    df = t.df.copy()
    if t.unit:
        df = df.rename(columns={c: f"{c}_{t.unit}" for c in t.value_cols if c in df.columns and not str(c).endswith(f"_{t.unit}")})
    return df


def excel(report, out: Path) -> Path:
    notes = []
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        for t in report.tables:
            df = excel_frame(t)
            if not len(df) and t.notes:
                df = pd.DataFrame({"note": t.notes})
            df.to_excel(xw, sheet_name=t.key[:31], index=False)
            notes += [{"sheet": t.key[:31], "note": n} for n in t.notes]
        notes += [{"sheet": "(all)", "note": m} for m in report.missing_notes]
        pd.DataFrame(notes, columns=["sheet", "note"]).to_excel(xw, sheet_name="notes", index=False)
        escape_workbook(xw.book)      # no text cell is ever a formula
        for ws in xw.book.worksheets:
            for col in ws.columns:
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col[:200])
                ws.column_dimensions[col[0].column_letter].width = min(60, max(9, width + 2))
            ws.freeze_panes = "A2"
    return out


def terminal(t: Table) -> str:
    """A plain-text table (for ``reebloc compare``)."""
    header = [str(c) for c in t.df.columns]
    rows = [[fmt(v) for v in rec] for rec in t.df.itertuples(index=False)]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    num = [_is_num_col(t.df[c]) for c in t.df.columns]

    def line(cells):
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, num)).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]
    return "\n".join(out)
