"""A suite's results directory: where its trials live, its ``suite.json`` and its ``summary.csv``.

Everything that writes or finds a suite's files goes through :class:`SuiteStore`; the
trial directories themselves are :class:`~ganbench.results.files.TrialDir`, and the one
reader of what is there is :func:`~ganbench.results.reader.load_suite_results`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganbench.io import atomic_write
from ganbench.results.files import TrialDir, atomic_write_json
from ganbench.results.reader import SUITE_FILE, SUMMARY_FILE, SuiteResults, load_suite_results

if TYPE_CHECKING:
    from ganbench.suite import Suite
    from ganbench.trial import Trial


class SuiteStore:
    """The results of one suite under a results root: ``<root>/<suite name>/``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @classmethod
    def under(cls, root: str | Path, suite_name: str) -> SuiteStore:
        return cls(Path(root) / suite_name)

    @property
    def summary_file(self) -> Path:
        return self.path / SUMMARY_FILE

    def trial_dir(self, trial: Trial) -> TrialDir:
        return TrialDir(self.path / trial.id)

    def split_done(self, trials: Iterable[Trial]) -> tuple[list[Trial], int]:
        """The trials still to run, and how many are already complete or diverged."""
        todo, done = [], 0
        for trial in trials:
            if self.trial_dir(trial).is_done():
                done += 1
            else:
                todo.append(trial)
        return todo, done

    def write_suite(self, suite: Suite, source: str, trials: Sequence[str] | None = None) -> None:
        """``suite.json``: the suite's name, description, source file, and what a report needs
        of its components, so that reading results needs no plugins: metric directions and
        documentation, the coverage figures and report sections its metrics declare, each
        objective's divergence; the paper's numbers it reproduces (its ``[published]``) and a
        ``--steps`` override, when there are; and the ids of its trials (a report uses these, says which are
        missing, and how many other trials the directory holds): ``trials``, by default the
        suite's own (a search lists its tuned trials, once it has selected them)."""
        atomic_write_json(
            self.path / SUITE_FILE,
            {
                "name": suite.name,
                "description": suite.description,
                "source": source,
                "metric_outputs": suite.metric_outputs,
                "output_docs": {k: list(v) for k, v in suite.output_docs.items()},
                "coverage": [dataclasses.asdict(c) for c in suite.coverage],
                "report_sections": suite.report_sections,
                "objective_divergences": suite.divergences,
                "trials": list(trials) if trials is not None else [t.id for t in suite.trials],
            }
            | ({"published": suite.published.to_json()} if suite.published is not None else {})
            | ({"steps_override": dataclasses.asdict(suite.steps_override)} if suite.steps_override else {}),
        )

    def load(self, registry: Any = None) -> SuiteResults:
        return load_suite_results(self.path, registry)

    def write_summary(self, results: SuiteResults | None = None) -> SuiteResults:
        """Rebuild ``summary.csv`` from the trial directories (never the other way round):
        one row per trial with a final state, ordered by trial id."""
        results = results if results is not None else self.load()
        frame = results.frame()
        if not frame.empty:
            frame = frame.sort_values("trial", kind="stable")
            atomic_write(self.summary_file, frame.to_csv(index=False).encode())
        return results
