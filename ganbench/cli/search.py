"""``ganbench run`` of a suite with a ``[search]``: the two phases, and what it prints of the selection."""

from __future__ import annotations

import sys

from ganbench.cli.training import Trainer
from ganbench.results import SuiteStore
from ganbench.search.phases import Search, Selection
from ganbench.suite import Suite
from ganbench.text import plural


def run_search(suite: Suite, store: SuiteStore, trainer: Trainer) -> list[str] | None:
    """Train both phases; the tuned trials' ids (the suite's headline), or None when interrupted."""
    assert suite.search is not None
    spec = suite.search.spec
    search = Search(suite.search, suite.trials, suite.seeds, store.path)
    print(
        f"search: {spec.method}, {plural(spec.budget, 'configuration')} per objective (the defaults first), "
        f"{plural(len(spec.seeds), 'search seed')}, selected by the {spec.at} {spec.output} "
        f"({'lower' if spec.direction == 'min' else 'higher'} is better); "
        f"report on {plural(len(suite.seeds), 'seed')}",
        file=sys.stderr,
    )
    if not search.phase1(trainer):
        return None
    selection = search.select()
    print_selection(selection, spec.output)
    if not search.phase2(selection, trainer):
        return None
    return [t.id for t in selection.tuned_trials()]


def print_selection(selection: Selection, output: str) -> None:
    for (dataset, objective), chosen in selection.selected.items():
        scores = selection.scores[dataset, objective]
        picked = scores[chosen.index]
        default = scores[0]
        values = ", ".join(f"{k} {_fmt(v)}" for k, v in chosen.values.items())
        if picked.state != "scored":
            what = "no configuration scored (every one diverged or failed): the defaults"
        elif chosen.index == 0:
            what = f"the defaults ({output} {picked.value:.4g})"
        else:
            base = f"{default.value:.4g}" if default.state == "scored" else default.state
            what = f"configuration {chosen.index} ({output} {picked.value:.4g}; defaults {base}): {values}"
        print(f"selected for {dataset}/{objective}: {what}", file=sys.stderr)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    return str(value)
