"""Stopping cleanly on Ctrl-C, and the setup of a process that trains trials.

SIGINT sets a flag that training checks between steps, so an interrupted group stops at
a step boundary with consistent checkpoints. Worker processes of a pool ignore SIGINT
while idle (the parent forwards it while they train) and die with their parent.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import torch

from ganbench.registry import Registry


class _Stop:
    requested = False


STOP = _Stop()


def _request_stop(signum: int, frame: Any) -> None:
    STOP.requested = True


@contextlib.contextmanager
def stop_on_sigint() -> Iterator[None]:
    """While training: SIGINT requests a stop at the next step boundary."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    STOP.requested = False
    previous = signal.signal(signal.SIGINT, _request_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


#: what every trial-running process holds: the plugin registry
WORKER: dict[str, Any] = {}


def init_worker(plugins_dir: list[str] | None, threads: int) -> None:
    """Executor setup in a fresh worker process: load plugins (the parent's plugin
    directories, in order), pin torch threads."""
    from ganbench.plugins import load_plugins

    torch.set_num_threads(threads)
    warnings.filterwarnings("ignore", message=".*TF32.*")
    # The parent handles Ctrl-C and forwards it while a trial trains; an idle worker ignores it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    WORKER["registry"] = load_plugins(plugins_dir)


def use_registry(registry: Registry, threads: int) -> None:
    """Executor setup in this process, reusing an already loaded registry."""
    torch.set_num_threads(threads)
    WORKER["registry"] = registry


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker if the parent dies (say, by SIGKILL),
    so no orphan keeps training and holding a trial's lock."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent already died before prctl
            os._exit(1)
    except OSError:
        pass
