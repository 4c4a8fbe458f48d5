"""The built-in executors' worker setup: a fresh worker process loads the parent's plugins."""

from __future__ import annotations

import functools
import signal

from ganbench.executors import ProcessExecutor, init_worker
from tests.helpers.project import ROOT


def worker_state() -> dict[str, object]:
    """What a trial in this worker would see: the registry, torch's threads, the SIGINT handler."""
    import torch

    from ganbench.training.signals import WORKER

    registry = WORKER["registry"]
    return {
        "objectives": registry.names("objectives"),
        "plugins_dir": [str(d) for d in registry.plugins_dir],
        "threads": torch.get_num_threads(),
        "sigint_ignored": signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
    }


def test_a_process_worker_loads_the_parents_plugin_directories_and_pins_threads():
    plugins = str((ROOT / "plugins").resolve())
    executor = ProcessExecutor(jobs=1, setup=functools.partial(init_worker, [plugins], 2))
    try:
        state = executor.submit(worker_state).result(timeout=300)
    finally:
        executor.shutdown()
    assert "lsgan-symmetric" in state["objectives"] and "minimax" in state["objectives"]
    assert state["plugins_dir"] == [plugins]
    assert state["threads"] == 2 and state["sigint_ignored"]
