"""Files written whole and files locked: the one small I/O module that every layer may use.

It imports nothing of ganbench, so the results store, the trainer, the executors and a
metric's disk cache all write and lock through it without depending on one another.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path
from types import TracebackType

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that it appears whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp creates 0600; results are ordinary files
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


class FileLock:
    """An exclusive ``flock`` on the file ``path`` (created if missing, in an existing directory),
    held from entering the context to leaving it, and released by the system if the process dies.

    ``blocking=True`` waits until the lock is free; ``blocking=False`` tries once, and
    ``acquired`` then says whether it got the lock (the body runs either way)."""

    def __init__(self, path: Path, *, blocking: bool = True) -> None:
        self.path = Path(path)
        self.blocking = blocking
        self.fd: int | None = None
        self.acquired = False

    def __enter__(self) -> FileLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX if self.blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.acquired = True
        except BlockingIOError:
            self.acquired = False
        except BaseException:
            os.close(self.fd)
            self.fd = None
            raise
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self.fd is not None:
            if self.acquired:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class TrialLock(FileLock):
    """The lock of one trial's directory, ``<trial>/.lock``, taken without waiting, so two
    runners never train the same trial at once: ``acquired`` is False while another holds it."""

    def __init__(self, trial_path: Path) -> None:
        super().__init__(Path(trial_path) / ".lock", blocking=False)


def lock_held(path: Path) -> bool | None:
    """Whether a process holds an ``flock`` on the file ``path``, found WITHOUT taking it: a
    lock taken to test it, however briefly, would make a runner that tries the lock at that
    moment skip its trial. Read from the kernel's lock table (``/proc/locks``, Linux), which
    lists each lock by device and inode; None where that table cannot be read. False when
    the file does not exist. Only locks of processes on this machine (and in this process
    namespace) are listed: a trial trained on another machine of a shared file system is
    not seen as locked."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError:
        return None
    try:
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    key = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in table.splitlines():
        # "1: FLOCK  ADVISORY  WRITE 1185 fe:00:2146443 0 EOF"; a process waiting for the
        # lock has a line of its own, marked "->", and does not hold it
        fields = line.split()
        if "FLOCK" in fields and "->" not in fields and key in fields:
            return True
    return False
