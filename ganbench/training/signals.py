"""Stopping cleanly on Ctrl-C, and the registry of the process that trains trials.

SIGINT sets a flag that training checks between steps, so an interrupted group stops at
a step boundary with consistent checkpoints. An executor's setup hands the process its
plugin registry (:func:`use_registry`; a fresh worker process loads it first, see
``ganbench.executors.init_worker``): the trainer never loads plugins itself.
"""

from __future__ import annotations

import contextlib
import signal
import threading
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


def use_registry(registry: Registry, threads: int) -> None:
    """Executor setup in this process, reusing an already loaded registry."""
    torch.set_num_threads(threads)
    WORKER["registry"] = registry
