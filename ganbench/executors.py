"""Where trials run. An executor offers ``submit(fn, *args) -> Future`` and ``shutdown()``."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable
from typing import Any, ClassVar

from ganbench.hookspecs import Register, hookimpl


class Executor:
    """Base class of executors; built with ``cls(jobs=N, setup=fn)``.

    ``setup`` must run once in every worker before any trial (it loads plugins
    and pins torch threads); trials are pure functions of picklable arguments.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, jobs: int, setup: Callable[[], None]) -> None:
        self.jobs = jobs
        self.setup = setup

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        raise NotImplementedError

    def shutdown(self, cancel: bool = False) -> None:
        """Release workers; with ``cancel`` drop trials not yet started."""

    def interrupt(self) -> None:
        """Ask running trials to checkpoint and stop (the user pressed Ctrl-C).

        In-process trials see the SIGINT themselves; executors with workers elsewhere
        forward it."""


class InlineExecutor(Executor):
    """Runs each trial in this process when its result is first awaited, in submission order."""

    name: ClassVar[str] = "inline"
    description: ClassVar[str] = "in this process, one trial at a time"

    def __init__(self, jobs: int, setup: Callable[[], None]) -> None:
        super().__init__(jobs, setup)
        setup()

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        return _LazyFuture(fn, args)


class _LazyFuture(cf.Future):  # type: ignore[type-arg]
    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__()
        self._call = (fn, args)

    def result(self, timeout: float | None = None) -> Any:
        if not self.done():
            fn, args = self._call
            try:
                self.set_result(fn(*args))
            except BaseException as exc:  # re-raised below, as a Future would
                if not isinstance(exc, Exception):
                    raise
                self.set_exception(exc)
        return super().result(timeout)


class ProcessExecutor(Executor):
    """A local pool of ``jobs`` worker processes (spawned, so CUDA and threads stay sane)."""

    name: ClassVar[str] = "process"
    description: ClassVar[str] = "a local pool of worker processes"

    def __init__(self, jobs: int, setup: Callable[[], None]) -> None:
        super().__init__(jobs, setup)
        self.pool = cf.ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=setup
        )

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        return self.pool.submit(fn, *args)

    def shutdown(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=True, cancel_futures=cancel)

    def interrupt(self) -> None:
        for proc in list(getattr(self.pool, "_processes", {}).values()):
            with contextlib.suppress(ProcessLookupError, AttributeError):
                os.kill(proc.pid, signal.SIGINT)


@hookimpl
def register_executors(register: Register) -> None:
    register(InlineExecutor)
    register(ProcessExecutor)
