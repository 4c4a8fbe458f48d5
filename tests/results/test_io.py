"""ganbench.io: a file appears whole or not at all, and one lock file serves one holder at a time."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from ganbench import io
from ganbench.io import FileLock, TrialLock, atomic_write


def test_atomic_write_replaces_a_file_with_ordinary_permissions(tmp_path):
    target = tmp_path / "deep" / "final.json"
    atomic_write(target, b"first")
    atomic_write(target, b"second")
    umask = os.umask(0)
    os.umask(umask)
    assert target.read_bytes() == b"second"
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in target.parent.iterdir()] == ["final.json"]  # no temporary file left


def test_atomic_write_leaves_nothing_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "final.json"
    target.write_text("old")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(io.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        atomic_write(target, b"new contents")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["final.json"]


def test_a_lock_held_is_not_acquired_without_waiting_until_it_is_released(tmp_path):
    path = tmp_path / "cache.lock"
    with FileLock(path) as held:
        assert held.acquired
        with FileLock(path, blocking=False) as other:
            assert not other.acquired
    with FileLock(path, blocking=False) as other:
        assert other.acquired


def test_a_blocking_lock_waits_for_its_holder(tmp_path):
    path = tmp_path / "cache.lock"
    released = threading.Event()
    holder = FileLock(path).__enter__()

    def release_soon() -> None:
        time.sleep(0.2)
        released.set()
        holder.__exit__(None, None, None)

    thread = threading.Thread(target=release_soon)
    thread.start()
    with FileLock(path) as waiter:
        assert waiter.acquired and released.is_set()
    thread.join()


def test_a_trial_lock_is_the_trial_directorys_lock_file(tmp_path):
    with TrialLock(tmp_path) as first:
        assert first.acquired and first.path == tmp_path / ".lock"
        with TrialLock(tmp_path) as second:
            assert not second.acquired
    assert (tmp_path / ".lock").exists()


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip("flock behaviour is tested on Linux")
