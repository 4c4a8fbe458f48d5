"""A run of a suite with a ``[search]``: the two phases, and what it tells of the selection."""

from __future__ import annotations

from ganbench.results import SuiteStore
from ganbench.runner.progress import Progress
from ganbench.runner.trainer import Trainer
from ganbench.search.dimensions import Dimension
from ganbench.search.methods import sobol_balance_note
from ganbench.search.phases import Search, Selection
from ganbench.suite import Suite
from ganbench.text import plural, value_text


def describe_search(suite: Suite) -> list[str]:
    """What a suite's search will train, in a few lines (``ganbench validate``, ``ganbench run``)."""
    assert suite.search is not None
    spec = suite.search.spec
    pairs = len({(t.dataset.label, t.objective.label) for t in suite.trials})
    lines = [
        f"search: {spec.method}, {plural(spec.budget, 'configuration')} per objective and dataset "
        f"(the defaults first) on {plural(len(spec.seeds), 'search seed')}: "
        f"{pairs * spec.budget * len(spec.seeds)} search trials; selected by the {spec.at} {spec.output} "
        f"({'lower' if spec.direction == 'min' else 'higher'} is better); then the selection and the defaults on "
        f"{plural(len(suite.seeds), 'report seed')}: at most {2 * len(suite.trials)} report trials"
    ]
    for label, dims in spec.spaces.items():
        lines.append(f"  {label}: " + ", ".join(_dimension(d) for d in dims))
    note = sobol_balance_note(spec)
    if note:
        lines.append(f"note: {note}")
    return lines


def _dimension(d: Dimension) -> str:
    if d.kind == "tie":
        return f"{d.key} = {d.tie}"
    if d.kind == "choice":
        return f"{d.key} in {{{', '.join(value_text(c) for c in d.choices)}}}"
    scale = "log " if d.kind == "log" else ""
    return f"{d.key} {scale}[{value_text(d.low)}, {value_text(d.high)}]{' (integers)' if d.integer else ''}"


def run_search(suite: Suite, store: SuiteStore, trainer: Trainer, progress: Progress) -> list[str] | None:
    """Train both phases; the tuned trials' ids (the suite's headline), or None when interrupted."""
    assert suite.search is not None
    for line in describe_search(suite):
        progress.line(line)
    search = Search(suite.search, suite.trials, suite.seeds, store.path)
    if not search.phase1(trainer):
        return None
    selection = search.select()
    for line in selection_lines(selection, suite.search.spec.output):
        progress.line(line)
    if not search.phase2(selection, trainer):
        return None
    return [t.id for t in selection.tuned_trials()]


def selection_lines(selection: Selection, output: str) -> list[str]:
    """'selected for ring/hinge: configuration 2 (wasserstein 0.05; defaults 0.1): lr_g 0.001', one per objective."""
    lines = []
    for (dataset, objective), chosen in selection.selected.items():
        scores = selection.scores[dataset, objective]
        picked = scores[chosen.index]
        default = scores[0]
        values = ", ".join(f"{k} {value_text(v)}" for k, v in chosen.values.items())
        if picked.state != "scored":
            what = "no configuration scored (every one diverged or failed): the defaults"
        elif chosen.index == 0:
            what = f"the defaults ({output} {picked.value:.4g})"
        else:
            base = f"{default.value:.4g}" if default.state == "scored" else default.state
            what = f"configuration {chosen.index} ({output} {picked.value:.4g}; defaults {base}): {values}"
        lines.append(f"selected for {dataset}/{objective}: {what}")
    return lines
