"""What :func:`ganbench.run` returns: each trained trial's outcome, typed, and the run as a whole."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from ganbench.status import Status

if TYPE_CHECKING:
    from ganbench.results.collection import Results
    from ganbench.results.reader import SuiteResults


@dataclasses.dataclass(frozen=True)
class TrialOutcome:
    """What became of one trial that this run trained (or found locked, or interrupted)."""

    trial: str  # the trial's id: its directory's name
    dataset: str  # the dataset's label
    objective: str  # the objective's label
    seed: int
    status: Status
    message: str = ""  # why it diverged, failed or was locked; '' when it completed
    node: str | None = None  # where it ran, for executors that say (Ray: the node's address)
    name: str = ""  # how progress lines name it: 'ring/hinge/seed 0', or a search's configuration


@dataclasses.dataclass
class RunResult:
    """A run of a suite: where its results are, what each trial it trained became, and whether
    it was interrupted (checkpoints written: running it again resumes)."""

    suite: str  # the suite's name
    path: Path  # the suite's results directory (results/NAME)
    outcomes: list[TrialOutcome]  # the trials this run trained, as they finished
    trials: list[str]  # the ids of the suite's current trials (a search's: the tuned ones)
    interrupted: bool = False
    trained: int = 0  # trials this run set out to train (finished ones are skipped)
    wall_time: float = 0.0  # seconds
    _loaded: SuiteResults | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def failed(self) -> list[TrialOutcome]:
        """The trials whose plugin raised (status error: each has an ``error.txt``)."""
        return [o for o in self.outcomes if o.status is Status.ERROR]

    @property
    def summary_file(self) -> Path:
        from ganbench.results.reader import SUMMARY_FILE

        return self.path / SUMMARY_FILE

    def results(self) -> Results:
        """The suite's current trials, as this run left them in its results directory."""
        from ganbench.results.collection import Results
        from ganbench.results.reader import load_suite_results

        loaded = self._loaded if self._loaded is not None else load_suite_results(self.path)
        return Results([loaded.select(self.trials)])
