"""`ganbench --help` and `--version` start without importing torch, pandas, scipy or matplotlib
(each costs seconds); the commands that need them import them when they run."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "pandas", "scipy", "matplotlib")
PROBE = """
import sys
from ganbench.cli import main
try:
    main({args!r})
except SystemExit:
    pass
print("heavy modules:", ",".join(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["report", "--help"], ["compare", "--help"]])
def test_help_and_version_import_nothing_heavy(args):
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "heavy modules:"


def test_the_public_api_is_still_importable_from_the_package():
    import ganbench

    assert ganbench.Objective.__module__ == "ganbench.objectives.base"
    assert ganbench.MAX == "max" and callable(ganbench.hookimpl)
    assert set(ganbench.__all__) <= set(dir(ganbench))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = ganbench.nope  # type: ignore[attr-defined]
