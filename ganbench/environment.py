"""Where and how a run trained: recorded in every trial's final record, so a report can
say on what hardware, with which versions and under how much concurrency figures were taken."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import Any

from ganbench.version import __version__


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    """The commit of the ganbench source tree, if it is a git checkout (an editable install)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def run_environment(device: str, jobs: int, threads: int) -> dict[str, Any]:
    """Versions, hardware and concurrency of this run (``group_size`` and ``date`` are
    added per trial when it finishes)."""
    import torch

    # a driver that hands its trials to GPU machines may have none itself
    cuda = device.startswith("cuda") and torch.cuda.is_available()
    gpu = torch.cuda.get_device_name(torch.device(device)) if cuda else None
    return {
        "ganbench": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "gpu": gpu,
        "device": device,
        "git_commit": _git_commit(),
        "jobs": jobs,
        "threads": threads,
    }
