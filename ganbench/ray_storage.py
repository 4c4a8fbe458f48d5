"""Where a Ray run's trial files live: whether every node sees the results directory (a probe
file), and, when not, the actor on the driver's node that holds the trials' files and locks
(``--ray-storage driver``; see :mod:`ganbench.executors_ray`)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any


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
    return [label(n["NodeManagerAddress"], n["NodeID"]) for n, ok in zip(nodes, seen, strict=True) if not ok]


def _sees(path: str, token: str) -> bool:
    try:
        return Path(path).read_text() == token
    except OSError:
        return False


def label(ip: str, node_id: str) -> str:
    return f"{ip} ({node_id[:8]})"


def start_sink(ray: Any) -> Any:
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
        from ganbench.io import TrialLock

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
