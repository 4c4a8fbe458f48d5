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

import concurrent.futures as cf
import contextlib
import dataclasses
import os
import pickle
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ganbench.errors import ConfigError
from ganbench.executors import Executor
from ganbench.hookspecs import Register, hookimpl
from ganbench.status import Status

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


class RayExecutor(Executor):
    """Runs each group of trials as a Ray task (see the module's documentation)."""

    name: ClassVar[str] = "ray"
    description: ClassVar[str] = f"Ray tasks on a cluster or a local Ray instance ({INSTALL_HINT})"
    options: ClassVar[tuple[str, ...]] = ("ray_address", "ray_storage", "cpus_per_task", "gpus_per_task", "threads")

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
            f"ray: {where}: {_count(len(nodes), 'node')}, {_count(resources.get('CPU', 0), 'CPU')}, "
            f"{_count(resources.get('GPU', 0), 'GPU')}; each task (one group of trials) asks for "
            f"{_count(self.cpus, 'CPU')} and {_count(self.gpus, 'GPU')}",
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
                self.sink = _start_sink(self.ray)
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


def _count(n: float, unit: str) -> str:
    return f"{n:g} {unit}{'s' * (n != 1)}"


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


def nodes_not_seeing(ray: Any, directory: Path) -> list[str]:
    """The alive nodes on which ``directory`` does not hold a probe file the driver just wrote there."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    token = uuid.uuid4().hex
    probe = directory / f".ganbench-probe-{token}"
    probe.write_text(token)
    try:
        check = ray.remote(_sees)
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        refs = [
            check.options(
                num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)
            ).remote(str(probe), token)
            for n in nodes
        ]
        seen = ray.get(refs)
    finally:
        probe.unlink(missing_ok=True)
    return [_label(n["NodeManagerAddress"], n["NodeID"]) for n, ok in zip(nodes, seen, strict=True) if not ok]


def _sees(path: str, token: str) -> bool:
    try:
        return Path(path).read_text() == token
    except OSError:
        return False


def _label(ip: str, node_id: str) -> str:
    return f"{ip} ({node_id[:8]})"


def _start_sink(ray: Any) -> Any:
    """The actor that writes trial files on the driver's node (where the results directory is)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = ray.get_runtime_context().get_node_id()
    sink = (
        ray.remote(TrialSink)
        .options(
            num_cpus=0,
            max_concurrency=16,
            scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False),
            name=f"ganbench-sink-{uuid.uuid4().hex[:8]}",
        )
        .remote()
    )
    ray.get(sink.ready.remote())
    return sink


class TrialSink:
    """Holds the stored trial directories on the driver's node: hands out their files, applies
    the changes tasks send, and holds each trial's lock from a task's first fetch to its last
    change (across retries of the task), so no other ganbench run trains it meanwhile."""

    def __init__(self) -> None:
        from ganbench.locks import TrialLock

        self._lock_cls = TrialLock
        self.locks: dict[str, Any] = {}
        self.mutex = threading.Lock()

    def ready(self) -> bool:
        return True

    def fetch(self, path: str) -> dict[str, bytes] | None:
        """The stored files of the trial at ``path``, its lock now held; None if another run holds it."""
        from ganbench.results.mirror import read_tree

        with self.mutex:
            if path not in self.locks:
                Path(path).mkdir(parents=True, exist_ok=True)
                lock = self._lock_cls(Path(path)).__enter__()
                if not lock.acquired:
                    lock.__exit__(None, None, None)
                    return None
                self.locks[path] = lock
        return read_tree(Path(path))

    def put(self, path: str, change: Any, release: bool = False) -> None:
        from ganbench.results.mirror import apply

        apply(Path(path), change)
        if release:
            with self.mutex:
                lock = self.locks.pop(path, None)
            if lock is not None:
                lock.__exit__(None, None, None)


# ---------------------------------------------------------------------------- in a Ray worker

#: what a worker process set up once: the setup it ran, its environment records
_READY: dict[Any, Any] = {}


def _environment(device: str, jobs: int, threads: int, node: str) -> dict[str, Any]:
    """This node's versions and hardware (:func:`ganbench.environment.run_environment`), once per worker."""
    from ganbench.environment import run_environment

    key = ("environment", device, jobs, threads)
    if key not in _READY:
        _READY[key] = {**run_environment(device, jobs, threads), "node": node}
    return dict(_READY[key])


def ganbench_group(
    trials: Sequence[Any], paths: Sequence[str], device: str, options: Any, setup: Any, storage: str, sink: Any
) -> list[dict[str, Any]]:
    """One Ray task: set the worker up (once per worker process), then train the group with
    its files in place (``shared``) or in a scratch directory mirrored to the driver."""
    import ray

    from ganbench.training import run_group

    context = ray.get_runtime_context()
    node = _label(ray.util.get_node_ip_address(), context.get_node_id())
    key = pickle.dumps(setup)
    try:
        if _READY.get("setup") != key:
            setup()
            _READY["setup"] = key
        if storage == "shared" and not Path(paths[0]).parent.is_dir():
            raise ConfigError(
                f"{Path(paths[0]).parent} does not exist on this node: the results directory is not shared; "
                "use --ray-storage driver"
            )
    except Exception as exc:  # a node that cannot run ganbench trials as asked: say which and why
        message = f"on node {node}: {type(exc).__name__}: {exc}"
        return [{"status": Status.ERROR, "message": message, "logs": [], "node": node} for _ in trials]
    env = dict(options.environment or {})
    if env:  # the hardware and versions of the node the trials train on, not the driver's
        env.update(_environment(device, env.get("jobs", 1), env.get("threads", 1), node))
    options = dataclasses.replace(options, environment=env or None)
    if storage == "shared":
        results = run_group(trials, paths, device, options)
    else:
        results = _run_mirrored(trials, paths, device, options, sink)
    return [{**r, "node": node} for r in results]


def _run_mirrored(
    trials: Sequence[Any], paths: Sequence[str], device: str, options: Any, sink: Any
) -> list[dict[str, Any]]:
    """Train in a scratch directory on this node, sending each trial's files to the driver's
    copy at every checkpoint and when the trial's attempt ends."""
    import ray

    from ganbench.results.mirror import Mirror
    from ganbench.training import run_group

    scratch = Path(tempfile.mkdtemp(prefix="ganbench-ray-"))
    try:
        mirrors: dict[str, tuple[str, Mirror]] = {}
        results: dict[str, dict[str, Any]] = {}
        for path in paths:
            files = ray.get(sink.fetch.remote(path))
            if files is None:
                results[path] = {"status": Status.LOCKED, "message": "another ganbench run is training it", "logs": []}
                continue
            mirror = Mirror(scratch / Path(path).name)
            mirror.load(files)
            mirrors[str(mirror.path)] = (path, mirror)

        def send(td: Any) -> None:
            path, mirror = mirrors[str(td.path)]
            change = mirror.changes()
            if change:
                ray.get(sink.put.remote(path, change))

        run = [(t, p) for t, p in zip(trials, paths, strict=True) if p not in results]
        local = [str(scratch / Path(p).name) for _, p in run]
        done = run_group([t for t, _ in run], local, device, dataclasses.replace(options, on_checkpoint=send))
        for (_, path), result in zip(run, done, strict=True):
            results[path] = result
        for path, mirror in mirrors.values():
            ray.get(sink.put.remote(path, mirror.changes(), release=True))
        return [results[p] for p in paths]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@hookimpl
def register_executors(register: Register) -> None:
    register(RayExecutor)
