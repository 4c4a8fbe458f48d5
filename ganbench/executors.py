"""Where trials run. An executor offers ``submit(fn, *args) -> Future`` and ``shutdown()``."""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from ganbench.device import resolve_device
from ganbench.hookspecs import Register, hookimpl


class Executor:
    """Base class of executors; built with ``cls(jobs=N, setup=fn, **options)``.

    ``setup`` must run once in every worker before any trial (it loads plugins
    and pins torch threads); trials are pure functions of picklable arguments.
    An executor brings its own ``ganbench run`` options (:meth:`add_options`) and is
    built with their values as keyword arguments, named by their destinations
    (``--ray-address`` -> ``ray_address``); ``options`` names the general options it
    also takes (``threads``). An executor that has none is built with ``jobs`` and
    ``setup`` only.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    options: ClassVar[tuple[str, ...]] = ()
    #: whether trials run in this process: ``setup`` then hands them this process's registry
    #: rather than loading the plugins afresh, as a new worker process does
    in_process: ClassVar[bool] = False

    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        """Add this executor's options to the parser of ``ganbench run``, as pytest's
        ``pytest_addoption`` does: by convention in an argument group of its own
        (``parser.add_argument_group(...)``), each with a default (None unless given).
        Their values reach only this executor (``__init__`` and :meth:`resolve_device`
        take them as keyword arguments); one given with another executor is an error."""

    @classmethod
    def resolve_device(cls, requested: str, **options: Any) -> str:
        """The device trials will train on, from ``--device``: by default one of this machine's."""
        return resolve_device(requested)

    @classmethod
    def reserved_cpus(cls, **options: Any) -> float | None:
        """The CPUs this executor reserves for each task (a group of trials), None when it
        reserves none: the metric threads of a task on an accelerator stay within them."""
        return None

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


def own_options(cls: type[Executor]) -> list[argparse.Action]:
    """The options ``cls`` adds to ``ganbench run`` (:meth:`Executor.add_options`), as argparse actions."""
    parser = argparse.ArgumentParser(add_help=False)
    cls.add_options(parser)
    return list(parser._actions)


def takes(cls: type[Executor]) -> dict[str, Any]:
    """Every option ``cls`` is built with, by destination, with its default: its own options
    and the general ones it names in ``options`` (default None: ``ganbench run`` fills them in)."""
    own = {action.dest: action.default for action in own_options(cls)}
    return {**own, **{dest: None for dest in getattr(cls, "options", ()) if dest not in own}}


class InlineExecutor(Executor):
    """Runs each trial in this process when its result is first awaited, in submission order."""

    name: ClassVar[str] = "inline"
    description: ClassVar[str] = "in this process, one trial at a time"
    in_process: ClassVar[bool] = True

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


def init_worker(plugins_dir: Sequence[str] | None, threads: int) -> None:
    """The ``setup`` of a fresh worker process (a process pool's, a Ray worker's): pin torch
    threads, load the plugins (built-ins, entry points, and the parent's plugin directories,
    in order) and hand their registry to the trials this process trains. An idle worker
    ignores SIGINT (the parent forwards it while a trial trains) and dies with its parent."""
    import torch

    from ganbench.plugins import load_plugins
    from ganbench.training.signals import use_registry

    torch.set_num_threads(threads)
    warnings.filterwarnings("ignore", message=".*TF32.*")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    use_registry(load_plugins(plugins_dir), threads)


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


@hookimpl
def register_executors(register: Register) -> None:
    register(InlineExecutor)
    register(ProcessExecutor)
