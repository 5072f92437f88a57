"""Analysis of a finished sweep: SALib indices, a regression metamodel, charts and a report.

- Sobol designs: first-order and total indices (S1, ST) with bootstrap confidence intervals.
- Morris designs: μ*, σ and the confidence interval of μ*.
- Every design: an OLS metamodel of each output on the parameters (statsmodels), with
  standardised coefficients (both sides z-scored, so β is "standard deviations of output per
  standard deviation of parameter"), HC3 heteroscedasticity-robust standard errors and R².
- Charts (matplotlib, Agg): a tornado of the standardised coefficients per output and an index
  chart (S1/ST or μ*) with error bars.
- ``write_report(sweep_dir, out)``: ``.html`` (self-contained, charts inlined), ``.md`` (charts
  written beside it) or ``.xlsx`` (one sheet per table, charts embedded).
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from reebloc.errors import ReeblocError


def _load(sweep_dir: Path) -> tuple[pd.DataFrame, dict]:
    f = sweep_dir / "results.parquet"
    if not f.exists():
        raise ReeblocError(sweep_dir, None, "no results.parquet: the sweep has not finished (rerun it)")
    return pd.read_parquet(f).sort_values("variant").reset_index(drop=True), json.loads(
        (sweep_dir / "manifest.json").read_text())


def _problem(manifest: dict) -> dict:
    p = manifest["problem"]
    return {"num_vars": p["num_vars"], "names": list(p["names"]), "bounds": [list(b) for b in p["bounds"]]}


def sensitivity(df: pd.DataFrame, manifest: dict) -> dict[str, pd.DataFrame]:
    """SALib indices per output (Sobol or Morris designs); {} for other designs."""
    kind = manifest["design"]["kind"]
    if kind not in ("sobol", "morris"):
        return {}
    problem = _problem(manifest)
    names = problem["names"]
    seed = manifest["design"].get("seed")
    out = {}
    df = df.sort_values("variant")
    for o in manifest["outputs"]:
        if o not in df:
            continue
        y = df[o].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            continue  # failed variants break the estimator's structure: report without indices
        if kind == "sobol":
            from SALib.analyze import sobol
            r = sobol.analyze(problem, y, calc_second_order=bool(manifest["design"].get("second_order")),
                              seed=seed, print_to_console=False)
            out[o] = pd.DataFrame({"parameter": names, "S1": r["S1"], "S1_conf": r["S1_conf"],
                                   "ST": r["ST"], "ST_conf": r["ST_conf"]})
            if "S2" in r:     # second order: one row per pair of parameters
                k = len(names)
                out[o].attrs["S2"] = pd.DataFrame(
                    [(names[i], names[j], r["S2"][i, j], r["S2_conf"][i, j]) for i in range(k) for j in range(i + 1, k)],
                    columns=["parameter", "with", "S2", "S2_conf"])
        else:
            from SALib.analyze import morris
            X = df[names].to_numpy(dtype=float)
            r = morris.analyze(problem, X, y, num_levels=manifest["design"]["levels"], seed=seed,
                               print_to_console=False)
            out[o] = pd.DataFrame({"parameter": names, "mu_star": r["mu_star"], "mu_star_conf": r["mu_star_conf"],
                                   "mu": r["mu"], "sigma": r["sigma"]})
    return out


def metamodel(df: pd.DataFrame, manifest: dict) -> dict[str, tuple[pd.DataFrame, dict]]:
    """Standardised OLS of each output on the parameters: (coefficients, fit statistics)."""
    import statsmodels.api as sm

    names = manifest["parameters"]
    ok = df[df["status"] == "optimal"]
    X = ok[names].apply(pd.to_numeric, errors="coerce")
    keep = [c for c in names if X[c].std(ddof=0) > 0]
    out = {}
    for o in manifest["outputs"]:
        if o not in ok:
            continue
        y = pd.to_numeric(ok[o], errors="coerce")
        good = y.notna() & X[keep].notna().all(axis=1)
        if good.sum() <= len(keep) + 1 or not keep:
            continue
        yy, XX = y[good], X.loc[good, keep]
        if yy.std(ddof=0) == 0:
            coefs = pd.DataFrame({"parameter": keep, "beta_std": 0.0, "se_hc3": 0.0, "p_value": 1.0})
            out[o] = (coefs, {"r2": float("nan"), "n": int(good.sum()), "note": "output constant"})
            continue
        z = (XX - XX.mean()) / XX.std(ddof=0)
        zy = (yy - yy.mean()) / yy.std(ddof=0)
        fit = sm.OLS(zy.to_numpy(), sm.add_constant(z.to_numpy(), has_constant="add")).fit(cov_type="HC3")
        coefs = pd.DataFrame({"parameter": keep, "beta_std": fit.params[1:], "se_hc3": fit.bse[1:],
                              "p_value": fit.pvalues[1:]})
        # also the unstandardised slope (output units per parameter unit)
        coefs["slope"] = coefs["beta_std"] * yy.std(ddof=0) / XX.std(ddof=0).to_numpy()
        out[o] = (coefs.sort_values("beta_std", key=np.abs, ascending=False).reset_index(drop=True),
                  {"r2": float(fit.rsquared), "r2_adj": float(fit.rsquared_adj), "n": int(good.sum())})
    return out


# ---------------------------------------------------------------- charts
def _fig_png(fig) -> bytes:
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _plain_text(draw):
    """Charts draw names as plain text: mathtext off while the figure is made and saved."""
    import functools

    @functools.wraps(draw)
    def wrapped(*args, **kw):
        import matplotlib

        from reebloc.errors import PLAIN_TEXT_RC
        with matplotlib.rc_context(PLAIN_TEXT_RC):
            return draw(*args, **kw)
    return wrapped


@_plain_text
def tornado_chart(coefs: pd.DataFrame, output: str, r2: float) -> bytes:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = coefs.iloc[::-1]
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(c) + 1.2))
    colors = ["#b2182b" if v > 0 else "#2166ac" for v in c["beta_std"]]
    ax.barh(c["parameter"], c["beta_std"], xerr=1.96 * c["se_hc3"], color=colors, capsize=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("standardised coefficient (σ of output per σ of parameter), 95% CI (HC3)")
    ax.set_title(f"{output}: OLS metamodel, R² = {r2:.3f}")
    return _fig_png(fig)


@_plain_text
def index_chart(idx: pd.DataFrame, output: str) -> bytes:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 0.5 * len(idx) + 1.4))
    y = np.arange(len(idx))
    if "S1" in idx:
        h = 0.38
        ax.barh(y + h / 2, idx["S1"], h, xerr=idx["S1_conf"], label="S1 (first order)", color="#4393c3", capsize=3)
        ax.barh(y - h / 2, idx["ST"], h, xerr=idx["ST_conf"], label="ST (total)", color="#d6604d", capsize=3)
        ax.set_xlabel("Sobol index (95% bootstrap CI)")
        ax.legend(loc="lower right")
    else:
        ax.barh(y, idx["mu_star"], xerr=idx["mu_star_conf"], color="#4393c3", capsize=3)
        ax.set_xlabel("Morris μ* (95% CI)")
    ax.set_yticks(y, idx["parameter"])
    ax.invert_yaxis()
    ax.set_title(output)
    return _fig_png(fig)


# ---------------------------------------------------------------- report
def analyse(sweep_dir: Path) -> dict:
    df, manifest = _load(sweep_dir)
    idx = sensitivity(df, manifest)
    meta = metamodel(df, manifest)
    charts = {}
    for o in manifest["outputs"]:
        if o in meta:
            charts[f"tornado_{o}"] = tornado_chart(meta[o][0], o, meta[o][1]["r2"])
        if o in idx:
            charts[f"indices_{o}"] = index_chart(idx[o], o)
    desc = df[[o for o in manifest["outputs"] if o in df]].apply(pd.to_numeric, errors="coerce").describe().T
    return {"results": df, "manifest": manifest, "indices": idx, "metamodel": meta, "charts": charts,
            "describe": desc}


def write_report(sweep_dir: Path, out: Path) -> Path:
    a = analyse(Path(sweep_dir))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".html":
        out.write_text(_html(a), encoding="utf-8")
    elif suffix == ".md":
        out.write_text(_markdown(a, out), encoding="utf-8")
    elif suffix == ".xlsx":
        _xlsx(a, out)
    else:
        raise ReeblocError(out, None, "report must end in .html, .md or .xlsx")
    return out


DESIGN_FIELDS = {"grid": ("levels",), "oat": ("levels",), "lhs": ("n", "seed"),
                 "sobol": ("n", "second_order", "seed"), "morris": ("n", "levels", "seed")}
"""The design settings each kind uses (the others are defaults it ignores)."""

CONF_NOTE = "*_conf: half-width of the 95% bootstrap confidence interval (SALib)"


def design_text(d: dict) -> str:
    """'sobol (n=256, second_order=False, seed=1)': only the settings the design's kind uses."""
    used = [f"{k}={d.get(k)}" for k in DESIGN_FIELDS.get(d["kind"], ("n", "levels", "seed")) if d.get(k) is not None]
    return f"{d['kind']} ({', '.join(used)})" if used else d["kind"]


def _header(a) -> list[tuple[str, str]]:
    m = a["manifest"]
    df = a["results"]
    d = m["design"]
    return [("sweep", m["sweep"]), ("base", str(m.get("base"))),
            ("design", design_text(d)),
            ("variants", f"{len(df)} ({int((df['status'] != 'optimal').sum())} failed)"),
            ("parameters", ", ".join(m["parameters"])), ("outputs", ", ".join(m["outputs"]))]


def _html(a) -> str:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Sweep {html.escape(a['manifest']['sweep'])}"
             "</title><style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:"
             "collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
             "th{background:#eee}</style></head><body>",
             f"<h1>Sweep {html.escape(a['manifest']['sweep'])}</h1><table>"]
    parts += [f"<tr><th>{html.escape(k)}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
              for k, v in _header(a)]
    parts.append("</table><h2>Outputs</h2>" + a["describe"].to_html(float_format=lambda v: f"{v:,.4g}"))
    for o in a["manifest"]["outputs"]:
        parts.append(f"<h2>{html.escape(o)}</h2>")
        if o in a["indices"]:
            parts.append(f"<h3>Sensitivity indices (SALib; {CONF_NOTE})</h3>" + a["indices"][o].to_html(
                index=False, float_format=lambda v: f"{v:.4f}"))
            parts.append(_img(a["charts"][f"indices_{o}"]))
            if "S2" in a["indices"][o].attrs:
                parts.append("<h3>Second-order indices S2 (SALib)</h3>" + a["indices"][o].attrs["S2"].to_html(
                    index=False, float_format=lambda v: f"{v:.4f}"))
        if o in a["metamodel"]:
            coefs, st = a["metamodel"][o]
            parts.append(f"<h3>OLS metamodel (standardised, HC3 robust SE): R² = {st['r2']:.4f}, n = {st['n']}</h3>")
            parts.append(coefs.to_html(index=False, float_format=lambda v: f"{v:.4g}"))
            parts.append(_img(a["charts"][f"tornado_{o}"]))
    parts.append("</body></html>")
    return "\n".join(parts)


def _img(png: bytes) -> str:
    return f"<img alt='chart' src='data:image/png;base64,{base64.b64encode(png).decode()}'/>"


def _md_table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    from reebloc.errors import md_text
    lines = ["| " + " | ".join(md_text(c).replace("|", "\\|") for c in cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else md_text(v).replace("|", "\\|")
                                       for v in r) + " |")
    return "\n".join(lines)


def _markdown(a, out: Path) -> str:
    img_dir = out.with_suffix("")
    img_dir = img_dir.parent / f"{img_dir.name}_files"   # the same folder name as the run report's
    img_dir.mkdir(parents=True, exist_ok=True)
    from reebloc.errors import md_text
    lines = [f"# Sweep {md_text(a['manifest']['sweep'])}", ""]
    lines += [f"- **{k}**: {md_text(v)}" for k, v in _header(a)]
    lines += ["", "## Outputs", "", _md_table(a["describe"].reset_index().rename(columns={"index": "output"})), ""]
    for o in a["manifest"]["outputs"]:
        lines += [f"## {md_text(o)}", ""]
        if o in a["indices"]:
            f = img_dir / f"indices_{o}.png"
            f.write_bytes(a["charts"][f"indices_{o}"])
            lines += ["### Sensitivity indices (SALib)", "", f"{CONF_NOTE}.", "", _md_table(a["indices"][o]), "",
                      f"![indices]({img_dir.name}/{f.name})", ""]
            if "S2" in a["indices"][o].attrs:
                lines += ["### Second-order indices S2 (SALib)", "", _md_table(a["indices"][o].attrs["S2"]), ""]
        if o in a["metamodel"]:
            coefs, st = a["metamodel"][o]
            f = img_dir / f"tornado_{o}.png"
            f.write_bytes(a["charts"][f"tornado_{o}"])
            lines += [f"### OLS metamodel (standardised, HC3): R² = {st['r2']:.4f}, n = {st['n']}", "",
                      _md_table(coefs), "", f"![tornado]({img_dir.name}/{f.name})", ""]
    return "\n".join(lines)


def _xlsx(a, out: Path) -> None:
    from openpyxl.drawing.image import Image

    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        notes = [("indices", CONF_NOTE)] if a["indices"] else []
        pd.DataFrame(_header(a) + notes, columns=["item", "value"]).to_excel(xw, sheet_name="sweep", index=False)
        a["describe"].to_excel(xw, sheet_name="outputs")
        rows = []
        for o, df in a["indices"].items():
            rows.append(df.assign(output=o))
        if rows:
            pd.concat(rows).to_excel(xw, sheet_name="indices", index=False)
        s2 = [df.attrs["S2"].assign(output=o) for o, df in a["indices"].items() if "S2" in df.attrs]
        if s2:
            pd.concat(s2).to_excel(xw, sheet_name="indices_s2", index=False)
        rows = []
        for o, (coefs, st) in a["metamodel"].items():
            rows.append(coefs.assign(output=o, r2=st["r2"], n=st["n"]))
        if rows:
            pd.concat(rows).to_excel(xw, sheet_name="metamodel", index=False)
        a["results"].to_excel(xw, sheet_name="results", index=False)
        from reebloc.errors import escape_workbook
        escape_workbook(xw.book)          # no text cell is ever a formula
        ws = xw.book.create_sheet("charts")
        row = 1
        for name, png in a["charts"].items():
            img = Image(io.BytesIO(png))
            ws.add_image(img, f"A{row}")
            row += int(img.height / 20) + 2
