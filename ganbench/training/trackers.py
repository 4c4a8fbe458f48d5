"""The run's loggers, as a process that trains a group of trials calls them.

The loggers travel as names and options (:class:`~ganbench.loggers.specs.LoggerSpec`, in
the engine's options) and are built here from this process's own registry, once per
group. Whatever a logger does, it never changes a trial: it is called after the history
record, the samples and the final record are written, it gets read-only copies of them,
and an exception it raises (or one raised building it) becomes one warning line in the
trial's logs, naming the logger, after which that trial goes on without it. Calls are
serialised: a logger is never called from two threads at once.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ganbench.components import restore
from ganbench.loggers.base import LoggedTrial, Logger
from ganbench.loggers.specs import LoggerSpec
from ganbench.registry import Registry
from ganbench.training.member import Member


def warning(member: Member, logger: str, exc: BaseException) -> str:
    """The one line a failing logger leaves in the trial's logs."""
    text = str(exc).strip().splitlines()
    reason = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return f"{member.name}: warning: logger '{logger}' failed ({reason}); the trial goes on without it"


class Trackers:
    """The loggers of one group of trials (none: every call returns at once)."""

    def __init__(self, specs: Sequence[LoggerSpec], registry: Registry | None, directory: str | None) -> None:
        self.specs = tuple(specs)
        self.registry = registry
        self.directory = Path(directory) if directory else None
        self.loggers: list[tuple[str, Logger]] = []
        self.trials: dict[Member, LoggedTrial] = {}
        self.off: set[tuple[Member, str]] = set()
        self.lock = threading.Lock()

    def start(self, members: Sequence[Member]) -> None:
        """Build the loggers; one that cannot be built is a warning for each of ``members``."""
        for spec in self.specs:
            try:
                assert self.registry is not None
                logger = restore(self.registry.get("loggers", spec.name), spec.params)
                validate = getattr(logger, "validate", None)
                if validate is not None:  # its library may be missing where the trials train
                    validate()
                self.loggers.append((spec.name, logger))
            except Exception as exc:
                for m in members:
                    m.logs.append(warning(m, spec.name, exc))

    def evaluation(self, m: Member, step: int, record: Mapping[str, Any], samples: np.ndarray | None) -> None:
        """Tell every logger of ``m``'s evaluation at ``step``: its history record, its snapshot."""
        if not self.loggers:
            return
        values = types.MappingProxyType({k: v for k, v in record.items() if k != "step"})
        if samples is not None and samples.flags.writeable:
            samples = samples.copy()
            samples.setflags(write=False)
        self._each(m, lambda logger, trial: logger.evaluation(trial, step=step, values=values, samples=samples))

    def outcome(self, m: Member, final: Mapping[str, Any]) -> None:
        """Tell every logger how ``m`` ended (its final record)."""
        if not self.loggers:
            return
        record = types.MappingProxyType(dict(final))
        self._each(m, lambda logger, trial: logger.outcome(trial, record))

    def close(self) -> None:
        """Close every logger; one that raises is a warning for each trial it was still logging."""
        with self.lock:
            for name, logger in self.loggers:
                try:
                    logger.close()
                except Exception as exc:
                    for m in self.trials:
                        if (m, name) not in self.off:
                            m.logs.append(warning(m, name, exc))
            self.loggers = []

    def _each(self, m: Member, call: Callable[[Logger, LoggedTrial], None]) -> None:
        with self.lock:
            trial = self._trial(m)
            for name, logger in self.loggers:
                if (m, name) in self.off:
                    continue
                try:
                    call(logger, trial)
                except Exception as exc:
                    self.off.add((m, name))
                    m.logs.append(warning(m, name, exc))

    def _trial(self, m: Member) -> LoggedTrial:
        if m not in self.trials:
            directory = self.directory or m.td.path.parent.absolute()
            config = types.MappingProxyType(m.trial.to_json())
            self.trials[m] = LoggedTrial(m.td.path.name, m.trial.describe(), config, directory)
        return self.trials[m]
