"""What runs in a Ray worker: one task trains one group of trials, with its files in place
(``--ray-storage shared``) or in a scratch directory mirrored to the driver (``driver``)."""

from __future__ import annotations

import dataclasses
import pickle
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ganbench.errors import ConfigError
from ganbench.ray_storage import label
from ganbench.status import Status

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
    node = label(ray.util.get_node_ip_address(), context.get_node_id())
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
