"""A suite trained into its results directory: every trial (a search: both phases), then
``summary.csv``. What ``ganbench run`` and :func:`ganbench.run` do, without printing a table."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from ganbench.registry import Registry
from ganbench.results import SuiteStore
from ganbench.runner.budget import with_steps
from ganbench.runner.options import RunOptions
from ganbench.runner.progress import Progress
from ganbench.runner.result import RunResult
from ganbench.runner.trainer import Trainer
from ganbench.suite import Suite


@contextlib.contextmanager
def restored_process_state() -> Iterator[None]:
    """A run sets this process's torch threads and the registry its in-process trials use
    (:func:`ganbench.training.signals.use_registry`); both are put back when it ends, so that
    nothing of one run (a notebook's first call) is inherited by the next, or by the caller."""
    import torch

    from ganbench.training.signals import WORKER

    threads = torch.get_num_threads()
    had = "registry" in WORKER
    previous = WORKER.get("registry")
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        if had:
            WORKER["registry"] = previous
        else:
            WORKER.pop("registry", None)


def run_suite(
    suite: Suite, source: str, out: str | Path, options: RunOptions, registry: Registry, progress: Progress
) -> RunResult:
    """Train ``suite`` into ``out``/NAME with ``registry``; ``source`` is the suite file as
    suite.json records it. Trials that finished before are skipped; when interrupted, what
    trained is checkpointed, no summary is written, and the result says so. With
    ``options.steps``, every trial trains that many steps instead of the suite's."""
    suite = with_steps(suite, options.steps)
    with restored_process_state():
        return _run(suite, source, out, options, registry, progress)


def _run(
    suite: Suite, source: str, out: str | Path, options: RunOptions, registry: Registry, progress: Progress
) -> RunResult:
    store = SuiteStore.under(out, suite.name)
    listed: list[str] = [] if suite.search else [t.id for t in suite.trials]
    loggers = suite.log if options.loggers is None else options.loggers
    override = suite.steps_override
    note = (
        f"; --steps {override.steps}: every trial trains {override.steps} steps "
        f"(the suite gives {override.suite_steps})"
        if override
        else ""
    )
    trainer = Trainer(
        options, registry, suite.name, store, lambda: store.write_suite(suite, source, listed), progress, loggers, note
    )
    for skip in suite.skipped:
        progress.line(f"ganbench: note: suite '{suite.name}' skips {skip.describe()}")
    t0 = time.perf_counter()
    if suite.search is None:
        done = trainer(suite.trials)
        current = [t.id for t in suite.trials]
    else:
        from ganbench.runner.search import run_search

        tuned = run_search(suite, store, trainer, progress)
        done = tuned is not None
        current = tuned or []
        if done:
            store.write_suite(suite, source, current)  # the headline: the tuned trials
    result = RunResult(suite.name, store.path, trainer.outcomes, current, not done, trainer.trained)
    if not done:
        return result
    trainer.close()
    result.wall_time = time.perf_counter() - t0
    result._loaded = store.write_summary(store.load(registry))
    return result
