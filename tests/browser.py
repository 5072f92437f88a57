"""Render an HTML report in headless Chromium and measure it (used by tests/test_browser.py and to
take the screenshot in docs/img/: ``python tests/browser.py REPORT.html --screenshot OUT.png``).

A copy of the report gets a small script that, once the page has loaded, writes measurements into
the DOM (``<pre id="measure">JSON</pre>``); ``chromium --headless --dump-dom`` prints the DOM.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage",
         "--no-first-run", "--disable-extensions"]

MEASURE = """<script>
window.addEventListener('load', function () {
  var de = document.documentElement, vw = de.clientWidth;
  var res = {viewport: vw, pageWidth: Math.max(de.scrollWidth, document.body.scrollWidth), charts: [], tables: []};
  document.querySelectorAll('figure[data-chart]').forEach(function (f) {
    var svg = f.querySelector('svg'), r = svg ? svg.getBoundingClientRect() : null;
    res.charts.push({key: f.dataset.chart, svg: !!svg, width: r ? r.width : 0, height: r ? r.height : 0,
                     left: r ? r.left : 0, right: r ? r.right : 0,
                     visible: !!svg && getComputedStyle(svg).visibility !== 'hidden' && getComputedStyle(svg).display !== 'none'});
  });
  document.querySelectorAll('table[data-table]').forEach(function (t) {
    var box = t.parentElement, b = box.getBoundingClientRect();
    res.tables.push({key: t.dataset.table, boxRight: b.right, tableWidth: t.getBoundingClientRect().width,
                     boxWidth: b.width, overflowX: getComputedStyle(box).overflowX});
  });
  var pre = document.createElement('pre'); pre.id = 'measure'; pre.textContent = JSON.stringify(res);
  document.body.appendChild(pre);
});
</script>"""


def browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def measure(report: Path, width: int = 1280, height: int = 900) -> dict:
    """Load ``report`` (a copy with the measuring script) and return the measurements."""
    exe = browser()
    if exe is None:
        raise RuntimeError("no Chromium found")
    page = report.with_name(report.stem + ".measure.html")
    text = report.read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", MEASURE + "\n</body>"), encoding="utf-8")
    out = subprocess.run([exe, *FLAGS, f"--window-size={width},{height}", "--virtual-time-budget=10000",
                          "--dump-dom", page.resolve().as_uri()], capture_output=True, text=True, timeout=180)
    m = re.search(r'<pre id="measure">(.*?)</pre>', out.stdout, re.S)
    if not m:
        raise RuntimeError(f"no measurements in the DOM (exit {out.returncode}): {out.stderr[-2000:]}")
    import html
    return json.loads(html.unescape(m.group(1)))


def screenshot(report: Path, png: Path, width: int = 1280, height: int = 2400) -> Path:
    exe = browser()
    if exe is None:
        raise RuntimeError("no Chromium found")
    subprocess.run([exe, *FLAGS, f"--window-size={width},{height}", "--virtual-time-budget=10000",
                    f"--screenshot={png.resolve()}", report.resolve().as_uri()],
                   capture_output=True, text=True, timeout=180, check=True)
    return png


def problems(m: dict) -> list[str]:
    """What is wrong with a page: horizontal overflow, a chart not visible, a table that neither
    fits its box nor scrolls inside it."""
    out = []
    vw = m["viewport"]
    if m["pageWidth"] > vw:
        out.append(f"page overflows horizontally: {m['pageWidth']} px wide in a {vw} px viewport")
    for c in m["charts"]:
        if not (c["svg"] and c["visible"] and c["width"] > 50 and c["height"] > 50):
            out.append(f"chart {c['key']} not visible ({c})")
        elif c["right"] > vw + 0.5 or c["left"] < -0.5:
            out.append(f"chart {c['key']} is cut off ({c['left']:.0f}..{c['right']:.0f} px of {vw})")
    for t in m["tables"]:
        if t["boxRight"] > vw + 0.5:
            out.append(f"table {t['key']}: its box ends at {t['boxRight']:.0f} px, beyond the {vw} px page")
        if t["tableWidth"] > t["boxWidth"] + 0.5 and t["overflowX"] not in ("auto", "scroll"):
            out.append(f"table {t['key']} is wider than its box and does not scroll")
    return out


if __name__ == "__main__":  # pragma: no cover
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("report")
    p.add_argument("--screenshot", default=None)
    a = p.parse_args()
    m = measure(Path(a.report))
    print(json.dumps({"viewport": m["viewport"], "pageWidth": m["pageWidth"], "charts": len(m["charts"]),
                      "tables": len(m["tables"]), "problems": problems(m)}, indent=2))
    if a.screenshot:
        print(f"wrote {screenshot(Path(a.report), Path(a.screenshot))}")
    sys.exit(1 if problems(m) else 0)
