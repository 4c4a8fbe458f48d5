"""`ganbench --help` and `--version` (and every subcommand's --help) start without importing
torch, pandas, scipy or matplotlib (each costs seconds); `validate` imports torch (the
components are torch modules) but not scipy or matplotlib; the commands that need them import
them when they run."""

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


def _heavy_imports(args: list[str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


COMMANDS = ("run", "validate", "list", "plugins", "new", "report", "compare")


@pytest.mark.parametrize("args", [["--version"], ["--help"], *([c, "--help"] for c in COMMANDS)])
def test_help_and_version_import_nothing_heavy(args):
    assert _heavy_imports(args) == "heavy modules:"


def test_validate_imports_neither_scipy_nor_matplotlib():
    from tests.helpers.project import ROOT

    assert _heavy_imports(["validate", str(ROOT / "suites" / "mixtures.toml")]) == "heavy modules: torch,pandas"


def test_the_public_api_is_still_importable_from_the_package():
    import ganbench

    assert ganbench.Objective.__module__ == "ganbench.objectives.base"
    assert ganbench.MAX == "max" and callable(ganbench.hookimpl)
    assert set(ganbench.__all__) <= set(dir(ganbench))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = ganbench.nope  # type: ignore[attr-defined]
