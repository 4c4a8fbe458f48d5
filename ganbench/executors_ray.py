"""The Ray executor: each vectorised group of trials is one Ray task, on a cluster or a local instance.

``ganbench run SUITE --executor ray`` (``pip install "ganbench[ray]"``) connects to the
cluster at ``--ray-address`` (``auto``, ``HOST:PORT``, or ``RAY_ADDRESS``), or starts a
local Ray instance with ``--jobs`` × ``--cpus-per-task`` CPUs. Ray is imported only
when this executor is used, so every other command works without it.

A task asks Ray for ``--cpus-per-task`` CPUs (default ``--threads``) and
``--gpus-per-task`` GPUs (default 0; fractions share a GPU). A task is a whole group, one
program on one device, so resources are per group, not per trial: with
``--vectorize off`` a task is one trial, and ``--gpus-per-task 0.25`` packs four on a GPU.

Results reach the driver's results directory in one of two ways (``--ray-storage``):

* ``shared``: every node sees the results directory at the same path (NFS, a cloud
  file system); workers write their trial directories there, with the atomic writes and
  per-trial locks of a local run;
* ``driver``: each task trains in a scratch directory on its node and sends the trial's
  files to the driver at every checkpoint and at the end (:mod:`ganbench.results.mirror`);
  an actor on the driver's node writes them and holds the trials' locks;
* ``auto`` (default): ``shared`` if every node alive at the start sees the suite's
  directory (a probe file the driver writes), else ``driver``.

A task whose worker or node dies is retried (:data:`RETRIES` times) and resumes its
trials from their last checkpoints, read from the results directory (``shared``) or
sent back by the driver (``driver``). Ctrl-C cancels tasks not yet started and asks
running ones to checkpoint and stop, as locally.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import functools
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from ganbench.errors import ConfigError
from ganbench.executors import Executor
from ganbench.hookspecs import Register, hookimpl
from ganbench.ray_storage import nodes_not_seeing, start_sink
from ganbench.ray_tasks import ganbench_group
from ganbench.text import plural

#: how often Ray reruns a task whose worker process or node died
RETRIES = 3
INSTALL_HINT = 'pip install "ganbench[ray]"'
STORAGE_MODES = ("auto", "shared", "driver")


def import_ray() -> Any:
    """``ray``, or a one-line :class:`ConfigError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError(f"--executor ray needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


def resources(text: str, zero: bool = False) -> float:
    """A Ray resource amount: a fraction up to 1 or a whole number (as Ray accepts), above 0 unless ``zero``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not ((0 < value or (zero and value == 0)) and (value <= 1 or value.is_integer()) and value <= 1024):
        what = "0, a fraction up to 1" if zero else "a fraction above 0 up to 1"
        raise argparse.ArgumentTypeError(f"expected {what} or a whole number, got {text!r}")
    return value


class RayExecutor(Executor):
    """Runs each group of trials as a Ray task (see the module's documentation)."""

    name: ClassVar[str] = "ray"
    description: ClassVar[str] = f"Ray tasks on a cluster or a local Ray instance ({INSTALL_HINT})"
    options: ClassVar[tuple[str, ...]] = ("threads",)

    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        ray = parser.add_argument_group(
            "Ray (--executor ray)", "each task is one vectorised group of trials (one trial with --vectorize off)"
        )
        ray.add_argument(
            "--ray-address",
            default=None,
            metavar="ADDR",
            help="the cluster to use: auto (the one this node belongs to) or HEAD:PORT (default: $RAY_ADDRESS, "
            "else a local Ray instance with --jobs × --cpus-per-task CPUs)",
        )
        ray.add_argument(
            "--ray-storage",
            choices=STORAGE_MODES,
            default=None,
            help="shared: every node writes the results directory itself (it must see it at the same path); "
            "driver: trial files travel to the driver at every checkpoint; auto (default): shared if every node "
            "sees it",
        )
        ray.add_argument(
            "--cpus-per-task", type=resources, default=None, metavar="N", help="CPUs per task (default: --threads)"
        )
        ray.add_argument(
            "--gpus-per-task",
            type=functools.partial(resources, zero=True),
            default=None,
            metavar="F",
            help="GPUs per task (default 0: train on the CPU); a fraction shares a GPU: 0.25 runs four tasks on one",
        )

    @classmethod
    def reserved_cpus(cls, **options: Any) -> float | None:
        """``--cpus-per-task``, by default ``--threads``."""
        return float(options.get("cpus_per_task") or options.get("threads") or 1)

    @classmethod
    def resolve_device(cls, requested: str, **options: Any) -> str:
        """The device follows the resources a task asks for, not the driver's hardware: ``cuda``
        when tasks ask for GPUs (Ray then shows each task its own), else ``cpu``."""
        import_ray()
        gpus = options.get("gpus_per_task") or 0.0
        if gpus > 0:
            if requested not in ("auto", "cuda"):
                raise ConfigError(
                    f"--device {requested} with --gpus-per-task {gpus:g}: tasks train on the GPUs Ray gives them; "
                    "use --device cuda (or auto)"
                )
            return "cuda"
        if requested not in ("auto", "cpu"):
            raise ConfigError(
                f"--device {requested} with --executor ray needs --gpus-per-task (Ray shows a task a GPU only "
                "when it asks for one); without it tasks train on the CPU"
            )
        return "cpu"

    def __init__(
        self,
        jobs: int,
        setup: Callable[[], None],
        ray_address: str | None = None,
        ray_storage: str | None = None,
        cpus_per_task: float | None = None,
        gpus_per_task: float | None = None,
        threads: int = 1,
    ) -> None:
        super().__init__(jobs, setup)
        self.ray = ray = import_ray()
        self.storage_request = ray_storage or "auto"
        if self.storage_request not in STORAGE_MODES:
            raise ConfigError(f"--ray-storage {ray_storage}: choose {', '.join(STORAGE_MODES)}")
        self.cpus = float(cpus_per_task if cpus_per_task is not None else threads)
        self.gpus = float(gpus_per_task or 0.0)
        address = ray_address or os.environ.get("RAY_ADDRESS") or None
        self.owns = not ray.is_initialized()
        if self.owns:
            _connect(ray, address, num_cpus=jobs * self.cpus)
        self.storage: str | None = None
        self.sink: Any = None
        self.refs: list[Any] = []
        self.interrupted = False
        self.task = ray.remote(ganbench_group)
        try:
            self.describe(address)
        except BaseException:
            if self.owns:
                ray.shutdown()
            raise

    def describe(self, address: str | None) -> None:
        resources = self.ray.cluster_resources()
        nodes = [n for n in self.ray.nodes() if n.get("Alive")]
        where = f"cluster at {address}" if address else "this process's Ray instance"
        if self.owns and not address:
            where = "a local Ray instance"
        print(
            f"ray: {where}: {plural(len(nodes), 'node')}, {plural(resources.get('CPU', 0), 'CPU')}, "
            f"{plural(resources.get('GPU', 0), 'GPU')}; each task (one group of trials) asks for "
            f"{plural(self.cpus, 'CPU')} and {plural(self.gpus, 'GPU')}",
            file=sys.stderr,
        )
        need = {"CPU": self.cpus, "GPU": self.gpus}
        biggest = {k: max((n["Resources"].get(k, 0.0) for n in nodes), default=0.0) for k in need}
        for k, v in need.items():
            if v > biggest[k]:
                problem = f"--{k.lower()}s-per-task {v:g}: no node has {v:g} {k}s (the largest has {biggest[k]:g})"
                if self.owns and not address:  # a local instance never grows
                    raise ConfigError(f"{problem}; the tasks could never start")
                print(f"ray: warning: {problem}; tasks wait until such a node joins", file=sys.stderr)

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        from ganbench.training import run_group

        if fn is not run_group:
            raise TypeError("the ray executor runs ganbench.training.run_group(trials, paths, device, options)")
        trials, paths, device, options = args
        paths = [str(Path(p).absolute()) for p in paths]  # the same path on every node (symlinks kept)
        if self.storage is None:
            self.storage = self._choose_storage(Path(paths[0]).parent)
            if self.storage == "driver":
                self.sink = start_sink(self.ray)
        task = self.task.options(
            num_cpus=self.cpus, num_gpus=self.gpus, max_retries=RETRIES, retry_exceptions=False, name="ganbench_group"
        )
        ref = task.remote(trials, paths, device, options, self.setup, self.storage, self.sink)
        self.refs.append(ref)
        return ref.future()  # type: ignore[no-any-return]

    def _choose_storage(self, suite_dir: Path) -> str:
        if self.storage_request != "auto":
            print(f"ray: storage {self.storage_request} (--ray-storage)", file=sys.stderr)
            return self.storage_request
        blind = nodes_not_seeing(self.ray, suite_dir)
        if blind:
            print(
                f"ray: storage driver: {len(blind)} node(s) ({', '.join(blind[:3])}) do not see {suite_dir}; "
                "trial files travel through the driver",
                file=sys.stderr,
            )
            return "driver"
        print(f"ray: storage shared: every node sees {suite_dir}", file=sys.stderr)
        return "shared"

    def interrupt(self) -> None:
        """Cancel every unfinished task: queued ones never start, running ones get SIGINT
        (Ray's cancel), checkpoint at their next step boundary and return."""
        self.interrupted = True
        self._cancel()

    def _cancel(self) -> None:
        for ref in self.refs:
            with contextlib.suppress(Exception):
                self.ray.cancel(ref, force=False)

    def shutdown(self, cancel: bool = False) -> None:
        """Wait for the tasks (after an interrupt, until each has checkpointed and returned,
        repeating the cancel for tasks that were still setting up), then disconnect."""
        if cancel:
            self.interrupted = True
            self._cancel()
        pending = list(self.refs)
        last = time.monotonic()
        while pending:
            _, pending = self.ray.wait(pending, num_returns=len(pending), timeout=1.0)
            if pending and self.interrupted and time.monotonic() - last > 2.0:
                self._cancel()  # a task that was fetching files or loading plugins ignored the first one
                last = time.monotonic()
        if self.owns:
            self.ray.shutdown()


def _connect(ray: Any, address: str | None, num_cpus: float) -> None:
    """Connect to the cluster at ``address``, or start a local instance; one-line errors."""
    quiet = {"logging_level": "warning", "include_dashboard": False}
    if address is None:
        ray.init(num_cpus=num_cpus, **quiet)
        return
    if address.startswith("ray://"):
        raise ConfigError(
            f"--ray-address {address}: Ray Client addresses are not supported; run ganbench on a node of the "
            "cluster (one that ran `ray start`) with --ray-address auto or HEAD:PORT"
        )
    if address != "auto":
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host or "127.0.0.1", int(port)), timeout=5).close()
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"--ray-address {address}: no Ray head answers there ({exc}); start one with `ray start --head`"
            ) from None
    try:
        ray.init(address=address, logging_level="warning")
    except ConnectionError as exc:
        raise ConfigError(f"--ray-address {address}: {exc}") from None


@hookimpl
def register_executors(register: Register) -> None:
    register(RayExecutor)
