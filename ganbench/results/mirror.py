"""A trial directory kept in two places: where it trains and where it is stored.

When the results directory lives only on the machine that drives a run, a trial that
trains on another machine works in a scratch copy of its directory there. A
:class:`Mirror` fills the scratch copy from the stored one and then gives, on each
call of :meth:`Mirror.changes`, what changed since: files written (whole) and files
removed. :func:`apply` brings the stored copy up to date with such a change, every file
written atomically, removals first and the completion marker last, so the stored
directory is at every moment one the results store reads correctly: a reader never sees
``DONE`` before ``final.json``, and a resume never sees a checkpoint newer than its files
allow. The lock file and temporary files of interrupted writes are never copied.

Nothing here knows how the bytes travel (the Ray executor sends them to the driver).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ganbench.io import atomic_write
from ganbench.results.files import MARKER

#: files of a trial directory that are never copied: its lock, and temporary files of writes in progress
_SKIP = (".lock",)


@dataclasses.dataclass
class Change:
    """Files to write (relative path → content) and relative paths to remove."""

    written: dict[str, bytes] = dataclasses.field(default_factory=dict)
    removed: list[str] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.written or self.removed)


def _copied(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name not in _SKIP and not (name.startswith(".") and name.endswith(".tmp"))


def _stamps(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every copied file under ``root`` with its (inode, mtime in ns, size): a file replaced by an
    atomic write gets a new inode, so a rewrite is seen even within the clock's resolution."""
    out: dict[str, tuple[int, int, int]] = {}
    if not root.is_dir():
        return out
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if _copied(rel) and path.is_file():
            st = path.stat()
            out[rel] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def read_tree(root: Path) -> dict[str, bytes]:
    """The copied files of a stored trial directory (none if it does not exist)."""
    return {rel: (root / rel).read_bytes() for rel in sorted(_stamps(root))}


def apply(root: Path, change: Change) -> None:
    """Bring the stored directory ``root`` up to date: removals, then writes, ``DONE`` last."""
    for rel in change.removed:
        _safe(root, rel).unlink(missing_ok=True)
    for rel in sorted(change.written, key=lambda r: r == MARKER):
        atomic_write(_safe(root, rel), change.written[rel])


def _safe(root: Path, rel: str) -> Path:
    """``root / rel``, refusing a path that would leave ``root``."""
    path = (root / rel).resolve()
    if not path.is_relative_to(root.resolve()) or not _copied(rel):
        raise ValueError(f"{rel!r} is not a file of trial directory {root}")
    return path


class Mirror:
    """The scratch copy of one trial directory, and what changed in it since it was last sent."""

    def __init__(self, scratch: Path) -> None:
        self.path = Path(scratch)
        self.sent: dict[str, tuple[int, int, int]] = {}

    def load(self, files: dict[str, bytes]) -> None:
        """Fill the (empty) scratch copy with a stored directory's files."""
        self.path.mkdir(parents=True, exist_ok=True)
        for rel, data in files.items():
            path = _safe(self.path, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        self.sent = _stamps(self.path)

    def changes(self) -> Change:
        """Files written or replaced, and files removed, since the last call (or :meth:`load`)."""
        now = _stamps(self.path)
        change = Change(removed=sorted(set(self.sent) - set(now)))
        for rel in sorted(now):
            if self.sent.get(rel) != now[rel]:
                try:
                    change.written[rel] = (self.path / rel).read_bytes()
                except FileNotFoundError:  # removed since it was listed
                    change.removed.append(rel)
                    del now[rel]
        self.sent = now
        return change
