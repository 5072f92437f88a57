"""The HTML report in a real browser (headless Chromium): no horizontal page overflow, every chart
visible, every table inside the page (fits its box or scrolls inside it).

Skipped, with the reason, where no Chromium is installed (Debian: ``apt-get install -y chromium``;
``.ci/run`` installs it). The measuring is in ``tests/browser.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser  # noqa: E402
from reports_fixtures import make_runs  # noqa: E402

pytestmark = pytest.mark.skipif(browser.browser() is None,
                                reason="no Chromium installed (apt-get install -y chromium); browser checks skipped")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from reebloc.reports.api import report
    tmp = tmp_path_factory.mktemp("browser")
    runs = make_runs(tmp)
    return report([runs["floor"], runs["old"]], tmp / "report.html", baseline=runs["base"])


@pytest.mark.parametrize("width", [1280, 900])
def test_report_fits_the_page_and_shows_every_chart(page, width):
    m = browser.measure(page, width=width)
    assert m["viewport"] <= width
    assert browser.problems(m) == []
    drawn = {c["key"] for c in m["charts"] if c["svg"]}
    # every chart the runs have data for (the "old" run lacks government and security: said, not drawn)
    assert {"government_by_instrument", "china_content", "unserved_by_scenario", "prices", "welfare_by_node",
            "welfare_delta"} <= drawn
    assert [t["key"] for t in m["tables"]][:2] == ["scorecard", "headline"]


def test_the_check_can_fail(page, tmp_path):
    """The same page with tables that may not scroll and a chart forced wider than the page: the
    measurements report both."""
    text = page.read_text(encoding="utf-8")
    broken = text.replace(".scroll { overflow-x: auto;", ".scroll { overflow-x: visible;").replace(
        "figure svg { max-width: 100%;", "figure svg { min-width: 2400px;").replace(
        "figure { max-width: 100%; overflow-x: auto; }", "")
    bad = tmp_path / "broken.html"
    bad.write_text(broken, encoding="utf-8")
    found = browser.problems(browser.measure(bad, width=900))
    assert any(p.startswith("page overflows horizontally") for p in found), found
    assert any("is cut off" in p for p in found)
