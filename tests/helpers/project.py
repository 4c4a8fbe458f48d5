"""The checkout under test and its ``ganbench`` command, run as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ganbench_exe() -> list[str]:
    exe = shutil.which("ganbench", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "ganbench"]


def run_subprocess(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), full_env.get("PYTHONPATH", "")]))
    return subprocess.run(
        [*ganbench_exe(), *map(str, args)], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )
