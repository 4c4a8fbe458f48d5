"""The HTML report in a real browser: headless Chromium loads it from a file, every image
decodes, nothing is logged as an error, no table overflows the page at 1280 px, the tables
sort and the figure selector switches.

Needs Debian's ``chromium`` (``.ci/run`` installs it when apt can); skipped otherwise."""

from __future__ import annotations

import io

import matplotlib.image
import numpy as np
import pytest

from tests.helpers.cdp import find_chromium, inspect_page
from tests.helpers.report import fixture_report

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y chromium); the HTML page is not browser-tested",
)

#: every table's box: [id, scrollWidth, clientWidth, right edge] of the scrolling box around it
WIDTHS = """JSON.stringify(Array.from(document.querySelectorAll("div.scroll")).map(
  d => [d.querySelector("table").id, d.scrollWidth, d.clientWidth, d.getBoundingClientRect().right]))"""
PAGE = "JSON.stringify([document.documentElement.scrollWidth, window.innerWidth])"
FIRST_COLUMN = """JSON.stringify(Array.from(document.querySelector("#tab-fixture-ring-headline").tBodies[0].rows)
  .map(r => r.cells[0].textContent))"""
CLICK = """(() => {{ const th = Array.from(document.querySelectorAll("#tab-fixture-ring-headline thead th"))
  .find(h => h.textContent.startsWith("{0}")); th.click(); return {1}; }})()"""
CHOICE = """(() => { const box = document.querySelector("div.choice");
  const shown = () => Array.from(box.querySelectorAll("figure")).map(f => !f.hidden);
  const before = shown(); box.querySelectorAll("button")[1].click();
  return JSON.stringify([before, shown(), box.querySelectorAll("button")[1].className]); })()"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    doc, paths = fixture_report()
    scripts = {
        "widths": WIDTHS,
        "page": PAGE,
        "order": FIRST_COLUMN,
        "sorted": CLICK.format("wasserstein", FIRST_COLUMN),
        "reversed": CLICK.format("wasserstein", FIRST_COLUMN),
        "choice": CHOICE,
    }
    assert CHROMIUM is not None
    return doc, inspect_page(CHROMIUM, paths["html"].as_uri(), tmp_path_factory.mktemp("profile"), scripts=scripts)


def test_the_html_report_loads_in_headless_chromium(page):
    import json

    doc, result = page
    assert result["title"] == "ganbench report: fixture"
    assert len(result["images"]) == len(doc.figures) + len(doc.animations)
    for complete, width, height in result["images"]:
        assert complete and width > 0 and height > 0
    assert result["errors"] == []
    shot = matplotlib.image.imread(io.BytesIO(result["screenshot"]), format="png")
    assert shot.shape[0] > 500 and shot.shape[1] > 500
    gray = shot[..., :3].mean(axis=-1)
    assert gray.std() > 0.05, "the screenshot is blank"
    assert np.mean(gray < 0.5) > 0.005, "no text or figure drawn"
    assert json.loads(result["values"]["page"])[0] <= 1280


def test_no_table_overflows_at_1280_px(page):
    import json

    _, result = page
    boxes = json.loads(result["values"]["widths"])
    assert len(boxes) >= 15
    assert any(ident == "tab-fixture-ring-headline" for ident, *_ in boxes)
    for ident, scroll_width, client_width, right in boxes:
        assert scroll_width <= client_width, f"{ident} overflows: {scroll_width} > {client_width} px"
        assert right <= 1280


def test_the_tables_sort_by_a_column(page):
    import json

    doc, result = page
    table = next(t for t in doc.tables if t.key == "fixture-ring-headline")
    col = table.headers.index("wasserstein ↓")
    by_mean = [r[0].text for r in sorted(table.rows, key=lambda r: r[col].sort)]
    assert json.loads(result["values"]["order"]) == [r[0].text for r in table.rows]
    assert json.loads(result["values"]["sorted"]) == by_mean
    assert json.loads(result["values"]["reversed"]) == by_mean[::-1]


def test_the_curve_selector_switches_the_x_axis(page):
    import json

    before, after, button = json.loads(page[1]["values"]["choice"])
    assert before == [True, False, False] and after == [False, True, False] and button == "on"
