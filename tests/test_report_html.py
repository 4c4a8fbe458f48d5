"""The HTML report in a real browser: headless Chromium loads it from a file, every image
decodes, nothing is logged as an error, and the page is not blank.

Needs Debian's ``chromium`` (``.ci/run`` installs it when apt can); skipped otherwise."""

from __future__ import annotations

import io

import matplotlib.image
import numpy as np
import pytest

from tests.cdp import find_chromium, inspect_page
from tests.report_helpers import FIXTURE

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y chromium); the HTML page is not browser-tested",
)


def test_the_html_report_loads_in_headless_chromium(tmp_path, run_cli):
    out = tmp_path / "report.html"
    code, _, err = run_cli("report", FIXTURE, "--out", out)
    assert code == 0, err
    assert CHROMIUM is not None
    page = inspect_page(CHROMIUM, out.resolve().as_uri(), tmp_path / "profile")
    assert page["title"] == "ganbench report: fixture"
    assert len(page["images"]) == 12  # six figures for each of two datasets
    for complete, width, height in page["images"]:
        assert complete and width > 0 and height > 0
    assert page["errors"] == []
    shot = matplotlib.image.imread(io.BytesIO(page["screenshot"]), format="png")
    assert shot.shape[0] > 500 and shot.shape[1] > 500
    gray = shot[..., :3].mean(axis=-1)
    assert gray.std() > 0.05, "the screenshot is blank"
    assert np.mean(gray < 0.5) > 0.005, "no text or figure drawn"
