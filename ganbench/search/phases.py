"""The two phases of a search, as ``ganbench run`` trains them.

Phase 1 trains every configuration of every objective on the search seeds (the adaptive
method in rounds: propose a round, train it, tell the scores). Each objective's
configuration is then selected on those trials alone (:mod:`ganbench.search.selection`),
and phase 2 trains the selected configuration and the defaults on the report seeds. Every
trial is an ordinary one, trained by the ``train`` callable the command gives (the same
store, resume, vectorised groups and executors as any suite), so a rerun after an
interruption rebuilds the same configurations, skips what finished and selects the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ganbench.search import record
from ganbench.search.plan import Candidate, SearchPlan, templates, with_objective
from ganbench.search.selection import Score, score
from ganbench.search.selection import select as best_index
from ganbench.trial import Trial

#: trains ``trials`` (skipping finished ones) under a title, naming each as given by id; False when interrupted
Train = Callable[[Sequence[Trial], str, Mapping[str, str]], bool]

Key = tuple[str, str]  # (dataset label, objective label)

#: where an adaptive search keeps its study, inside the suite's results directory
JOURNAL = Path("search") / "optuna.journal"


@dataclasses.dataclass
class Selection:
    """What the search chose, per (dataset, objective), and the report-seed trials."""

    selected: dict[Key, Candidate]
    scores: dict[Key, list[Score]]
    tuned: dict[Key, list[Trial]]
    defaults: dict[Key, list[Trial]]

    def tuned_trials(self) -> list[Trial]:
        return [t for trials in self.tuned.values() for t in trials]


def unique(trials: Sequence[Trial]) -> list[Trial]:
    """``trials`` without repeats (two configurations can resolve to the same trial)."""
    return list({t.id: t for t in trials}.values())


class Search:
    """One suite's search: its configurations per (dataset, objective) and their trials."""

    def __init__(self, plan: SearchPlan, suite_trials: Sequence[Trial], report_seeds: Sequence[int], suite_dir: Path):
        self.plan = plan
        self.spec = plan.spec
        self.report_seeds = list(report_seeds)
        self.suite_dir = Path(suite_dir)
        self.templates = templates(suite_trials)
        self.candidates: dict[Key, list[Candidate]] = {key: list(plan.candidates[key[1]]) for key in self.templates}

    def search_trials(self, key: Key, candidate: Candidate) -> list[Trial]:
        """A configuration's trials: on the search seeds, and only those."""
        return with_objective(self.templates[key], candidate.objective, self.spec.seeds)

    def _phase1(self, train: Train, pairs: Sequence[tuple[Key, Candidate]], title: str) -> bool:
        trials: list[Trial] = []
        names: dict[str, str] = {}
        for key, c in pairs:
            for t in self.search_trials(key, c):
                trials.append(t)
                names[t.id] = f"{key[0]}/{key[1]}/configuration {c.index}/seed {t.seed}"
        return train(unique(trials), title, names)

    def scores(self, key: Key) -> list[Score]:
        spec = self.spec
        return [
            score(self.suite_dir, [t.id for t in self.search_trials(key, c)], spec.output, spec.at, spec.direction)
            for c in self.candidates[key]
        ]

    def write(self, selection: Selection | None = None) -> None:
        """``search.json`` as things stand; with ``selection``, its scores and choice."""
        datasets: dict[str, dict[str, object]] = {}
        for key, candidates in self.candidates.items():
            trials = {c.index: [t.id for t in self.search_trials(key, c)] for c in candidates}
            known = selection.scores[key] if selection is not None else self.scores(key)
            scores = dict(zip((c.index for c in candidates), known, strict=True))
            if selection is None:
                entry = record.entry(candidates, trials, scores)
            else:
                entry = record.entry(
                    candidates,
                    trials,
                    scores,
                    selection.selected[key].index,
                    [t.id for t in selection.tuned[key]],
                    [t.id for t in selection.defaults[key]],
                )
            datasets.setdefault(key[0], {})[key[1]] = entry
        record.write(self.suite_dir, self.spec, self.report_seeds, datasets)

    def phase1(self, train: Train) -> bool:
        """Train every configuration on the search seeds; False when interrupted."""
        if self.plan.adaptive:
            return self._adaptive(train)
        self.write()
        pairs = [(key, c) for key, cs in self.candidates.items() for c in cs]
        return self._phase1(train, pairs, "phase 1 of 2: every configuration on the search seeds")

    def _adaptive(self, train: Train) -> bool:
        from ganbench.search.adaptive import AdaptiveSearch

        spec = self.spec
        studies = {
            key: AdaptiveSearch(
                self.suite_dir / JOURNAL,
                f"{key[0]}/{key[1]}",
                spec.spaces[key[1]],
                self.plan.default_values(key[1]),
                spec.budget,
                spec.per_round,
                spec.seed,
                spec.direction,
            )
            for key in self.templates
        }
        rounds = max(s.rounds() for s in studies.values())
        for r in range(rounds):
            fresh: dict[Key, list[Candidate]] = {}
            for key, study in studies.items():
                fresh[key] = [self.plan.candidate(key[1], i, values) for i, values in study.ask(r)]
                known = {c.index for c in self.candidates[key]}
                self.candidates[key] += [c for c in fresh[key] if c.index not in known]
            self.write()
            pairs = [(key, c) for key, cs in fresh.items() for c in cs]
            if not self._phase1(train, pairs, f"phase 1 of 2, round {r + 1} of {rounds}: the proposed configurations"):
                return False
            for key, study in studies.items():
                scores = dict(zip((c.index for c in self.candidates[key]), self.scores(key), strict=True))
                for c in fresh[key]:
                    study.tell(c.index, scores[c.index].value if scores[c.index].state == "scored" else None)
        return True

    def select(self) -> Selection:
        """Each objective's configuration, chosen on the search seeds; the report-seed trials."""
        selection = Selection({}, {}, {}, {})
        for key, candidates in self.candidates.items():
            scores = self.scores(key)
            index = best_index(scores, self.spec.direction)
            chosen = candidates[index] if index is not None else candidates[0]
            selection.selected[key] = chosen
            selection.scores[key] = scores
            template = self.templates[key]
            selection.tuned[key] = with_objective(template, chosen.objective, self.report_seeds)
            selection.defaults[key] = with_objective(template, candidates[0].objective, self.report_seeds)
        self.write(selection)
        return selection

    def phase2(self, selection: Selection, train: Train) -> bool:
        """Train the selected configurations and the defaults on the report seeds."""
        trials: list[Trial] = []
        names: dict[str, str] = {}
        for key in self.candidates:
            index = selection.selected[key].index
            for what, group in (("selected", selection.tuned[key]), ("defaults", selection.defaults[key])):
                for t in group:
                    trials.append(t)
                    label = "defaults" if index == 0 or what == "defaults" else f"selected configuration {index}"
                    names.setdefault(t.id, f"{key[0]}/{key[1]}/{label}/seed {t.seed}")
        return train(unique(trials), "phase 2 of 2: selected configurations and defaults on the report seeds", names)
