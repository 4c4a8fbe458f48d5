"""What a logger plugin is: it watches trials train, and never changes them.

A logger (``log = ["tensorboard"]`` in a suite, or ``ganbench run --log tensorboard``) is
called at every evaluation of every trial, wherever the trial trains (this process, a
worker process, a Ray task), and once more when the trial ends. Each process that trains
trials builds its loggers from its own registry, by name, once per group of trials it
trains, and closes them when the group is done. What it is given is read-only: the values
of the evaluation's history record, the sample snapshot written beside them (a numpy array
whose flags forbid writing), and the trial's configuration (its ``config.json``). A logger
that raises is a warning in the trial's logs, and the trial goes on without it
(:mod:`ganbench.training.trackers`); loggers are not part of a trial's identity.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ganbench.components import Component


@dataclasses.dataclass(frozen=True)
class LoggedTrial:
    """The trial a logger is told about."""

    #: its id, the name of its results directory
    id: str
    #: 'ring/minimax/seed 0', as progress lines name it
    name: str
    #: its configuration, as its ``config.json`` holds it
    config: Mapping[str, Any]
    #: the suite's results directory (``results/<suite>``): where a logger writes by default,
    #: in a directory of its own (the trial directories are the trials' alone)
    directory: Path

    @property
    def suite(self) -> str:
        return str(self.config.get("suite", self.directory.name))


class Logger(Component):
    """Base class of loggers: a dataclass whose fields are its options, set in a suite as
    ``log = [{ name = "mlflow", tracking_uri = "..." }]``.

    ``evaluation`` is called at every evaluation, in step order, after the history record
    and the sample snapshot are written; ``outcome`` when the trial completes, diverges or
    fails, with its final record; ``close`` when the process is done with the group of
    trials it trained (an interrupted trial gets no ``outcome``: it resumes later). One
    instance sees every trial of a group, so it keeps what it opens per trial id. Calls
    may come from a background thread, never two at once."""

    def evaluation(
        self, trial: LoggedTrial, *, step: int, values: Mapping[str, float], samples: np.ndarray | None
    ) -> None:
        """Record one evaluation: ``values`` are the history record's figures at ``step``
        (losses, timings, the metrics' outputs, the estimate), ``samples`` the snapshot of
        generated samples (None when the suite keeps none, ``snapshot_samples = 0``)."""
        raise NotImplementedError

    def outcome(self, trial: LoggedTrial, final: Mapping[str, Any]) -> None:
        """Record how the trial ended: its final record (``final.json``). Default: nothing."""

    def close(self) -> None:
        """Flush and release whatever is still open. Default: nothing."""


def flat_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, str | int | float | bool]:
    """A configuration as flat ``key: scalar`` pairs, as trackers take hyperparameters: nested
    tables joined by '.' (``objective.hyper.lr_g``), lists of tables by their index
    (``metrics.0.name``), lists of values as text (``[0.5, 0.999]``), None as ``None``."""
    flat: dict[str, str | int | float | bool] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flat_config(value, f"{name}."))
        elif isinstance(value, (list, tuple)) and any(isinstance(v, Mapping) for v in value):
            flat.update(flat_config({str(i): v for i, v in enumerate(value)}, f"{name}."))
        elif isinstance(value, (list, tuple)):
            flat[name] = "[" + ", ".join(map(str, value)) + "]"
        elif isinstance(value, (bool, int, float, str)):
            flat[name] = value
        else:
            flat[name] = str(value)
    return flat
