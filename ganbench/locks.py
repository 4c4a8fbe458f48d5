"""A lock per trial directory, so two runners never train the same trial at once."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class TrialLock:
    """Non-blocking exclusive ``flock`` on ``<trial>/.lock``; released when the process exits."""

    def __init__(self, trial_path: Path) -> None:
        self.path = Path(trial_path) / ".lock"
        self.fd: int | None = None
        self.acquired = False

    def __enter__(self) -> TrialLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.acquired = True
        except BlockingIOError:
            self.acquired = False
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self.fd is not None:
            if self.acquired:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
