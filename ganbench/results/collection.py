"""Results as a notebook wants them: one suite directory (or several, under a results root) as
pandas frames, one row per trial (:meth:`Results.frame`) or one row per figure of every
evaluation (:meth:`Results.history`). :func:`ganbench.load_results` returns one."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from ganbench.results.reader import ID_COLUMNS, SuiteResults, TrialResult, load_results

#: the columns of :meth:`Results.history`
HISTORY_COLUMNS = ("suite", "trial", "dataset", "objective", "seed", "step", "output", "value")


@dataclasses.dataclass
class Results:
    """The trials of one or more suites' results directories, in the order suite.json lists them."""

    suites: list[SuiteResults]

    @classmethod
    def load(cls, path: str | Path, registry: Any = None, all_trials: bool = False) -> Results:
        """A suite directory (results/NAME) or a results root holding several; ``all_trials``
        adds the trials of earlier versions of each suite (see ``ganbench report --all-trials``)."""
        return cls(load_results(path, registry, all_trials))

    @property
    def trials(self) -> list[TrialResult]:
        return [t for s in self.suites for t in s.trials]

    def __iter__(self) -> Iterator[TrialResult]:
        return iter(self.trials)

    def __len__(self) -> int:
        return len(self.trials)

    def frame(self) -> pd.DataFrame:
        """One row per trial, whatever its state (a missing or unfinished one has no figures):
        its suite, the columns of ``summary.csv`` (trial, dataset, objective, seed, status,
        device), then its final metrics and convergence figures (one it does not have, or whose
        value is none, such as an ``all_modes_step`` never reached, is NaN)."""
        rows = [
            {"suite": s.name, **{k: math.nan if v is None else v for k, v in t.row().items()}}
            for s in self.suites
            for t in s.trials
        ]
        return pd.DataFrame(rows, columns=None if rows else ["suite", *ID_COLUMNS])

    def history(self) -> pd.DataFrame:
        """Every figure of every evaluation, long: one row per (trial, step, output) with its
        value, in the order of each trial's ``history.jsonl`` (an absent figure, JSON null, is NaN)."""
        rows = []
        for s in self.suites:
            for t in s.trials:
                for record in t.history:
                    step = int(record["step"])
                    for output, value in record.items():
                        if output != "step" and (value is None or isinstance(value, (int, float))):
                            number = math.nan if value is None else float(value)
                            rows.append((s.name, t.id, t.dataset, t.objective, t.seed, step, output, number))
        return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
