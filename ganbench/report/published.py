"""The "Published results" section: a paper's numbers (the suite's ``[published]``, kept in
``suite.json``) beside ganbench's, with a verdict from a stated test
(:mod:`ganbench.report.statistics.published`), and the differences of protocol that remain.

Per dataset one table, one row per (objective, budget, metric output). ganbench's value is read
from the trials' own final records. Trials of one (dataset, objective) that ran with different
configurations (another ``--steps``, another pack or learning rate in an earlier version of the
suite) are never pooled: each configuration is a row of its own, labelled by its budget and by
what else differs."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from ganbench.published import SPREAD_WORDS, UNSTATED, Published, Row, Value
from ganbench.report.fmt import NONE, decimals, fixed, per_seed, safe_name
from ganbench.report.metric_tables import STATUS_WORDS
from ganbench.report.rendering.document import Block, Bullets, Cell, Heading, Paragraph, Table
from ganbench.report.statistics import published as st
from ganbench.results.reader import SuiteResults, TrialResult
from ganbench.results.variants import labels
from ganbench.text import plural

#: how runs without final metrics count (stated in the report)
COUNTING_RULE = (
    "ganbench's value is the mean over its complete runs of the figure at the final evaluation; a run that "
    "diverged or failed has no final metrics, so it is left out of the mean and of ganbench's n, and the "
    "'ganbench n' column names every run left out"
)
Records = list[dict[str, Any]]


def override_note(suite: SuiteResults) -> Paragraph | None:
    """The ``--steps`` override the trials ran with, when they did."""
    given = suite.steps_override
    if not given:
        return None
    return Paragraph(
        f"These trials ran with ganbench run --steps {given['steps']}: {given['steps']:,} generator steps "
        f"each instead of the suite's {given['suite_steps']:,} (evaluation and checkpoint intervals capped to "
        "them).",
        warning=True,
    )


def _objective_label(t: TrialResult) -> str:
    """The suite's objective label of ``t`` (``--all-trials`` adds a configuration suffix to ``t.objective``)."""
    return str(t.config.get("objective", {}).get("label", t.objective)) if t.config else t.objective


def _budget_text(train: dict[str, Any]) -> str:
    return f"{train.get('steps', '?'):,} steps, batch {train.get('batch_size', '?')}"


def budgets(trials: Sequence[TrialResult]) -> list[tuple[str, list[TrialResult]]]:
    """The trials grouped by their whole configuration but the seed (budget, model, pack, every
    hyperparameter and option: trials of another ``--steps`` or of an earlier version of the
    suite are never pooled), each group labelled by its budget and, where two groups share one
    budget, by the other settings they differ in; fewest steps first. Trials without a config
    (never started) join the group when there is only one."""
    groups: dict[str, list[TrialResult]] = {}
    configs: dict[str, dict[str, Any]] = {}
    for t in trials:
        if t.config:
            config = {k: v for k, v in t.config.items() if k != "seed"}
            key = json.dumps(config, sort_keys=True)
            groups.setdefault(key, []).append(t)
            configs[key] = config
    names = {key: _budget_text(config.get("train", {})) for key, config in configs.items()}
    if len(set(names.values())) < len(names):
        suffixes = labels(configs)
        names = {key: f"{names[key]} ({suffixes[key]})" if suffixes[key] else names[key] for key in names}
    ordered = sorted(groups, key=lambda k: (configs[k].get("train", {}).get("steps", 0), names[k]))
    out = [(names[k], groups[k]) for k in ordered]
    if len(out) == 1:
        out[0][1].extend(t for t in trials if not t.config)
    return out


def _values(trials: Sequence[TrialResult], output: str) -> tuple[list[float], str]:
    """The output's final values over the complete runs (seed order), and the n cell: '3', '2 (1 diverged left out)'."""
    ok = sorted((t for t in trials if t.status == "complete"), key=lambda t: (t.seed is None, t.seed or 0))
    values = [v for v in (t.value(output) for t in ok) if math.isfinite(v)]
    left = [f"{sum(t.status == s for t in trials)} {STATUS_WORDS[s]}" for s in ("diverged", "error", "unfinished")]
    left = [x for x in left if not x.startswith("0 ")]
    no_value = len(ok) - len(values)
    if no_value:
        left.append(f"{no_value} without a value")
    return values, f"{len(values)}" + (f" ({', '.join(left)} left out)" if left else "")


def _row_cells(
    row: Row, budget: str, output: str, value: Value, trials: Sequence[TrialResult], alpha: float, rec: Records
) -> list[Cell]:
    values, n_cell = _values(trials, output)
    kind = value.kind
    ours_kind = kind or "sd"
    ours = sum(values) / len(values) if values else math.nan
    ours_spread = st.spread(values, ours_kind)
    result = st.compare(value.mean, value.spread, kind, row.n, values, alpha)
    d = decimals([value.mean, ours], [x for x in (value.spread, ours_spread) if x is not None])
    paper = fixed(value.mean, d) if value.spread is None else f"{fixed(value.mean, d)} ± {fixed(value.spread, d)}"
    if not values:
        mine = NONE
    elif len(values) == 1:
        mine = fixed(ours, d)
    else:
        mine = f"{fixed(ours, d)} ± {fixed(ours_spread, d)}"
    rec.append(
        {"objective": row.objective, "budget": budget, "output": output, "paper_mean": value.mean}
        | {"paper_spread": value.spread, "spread_kind": kind, "paper_n": row.n, "ganbench_mean": ours}
        | {"ganbench_spread": ours_spread, "ganbench_spread_kind": ours_kind, "ganbench_n": len(values)}
        | {"test": result.test, "p": result.p, "verdict": result.verdict}
    )
    return [
        Cell(row.objective),
        Cell(budget),
        Cell(output),
        Cell(paper),
        Cell(kind or f"none (ganbench: {ours_kind})"),
        Cell(UNSTATED if row.n is None else str(row.n)),
        Cell(mine, detail=per_seed(values, d) if len(values) > 1 else "", sort=ours if values else None),
        Cell(n_cell),
        Cell(result.test),
        Cell(result.verdict),
    ]


def dataset_table(
    suite: SuiteResults, published: Published, dataset: str, alpha: float, key: str, rec: Records
) -> Table:
    rows = []
    order = {output: i for i, output in enumerate(suite.outputs)}  # the suite's metric order
    for row in (r for r in published.rows if r.dataset == dataset):
        trials = [t for t in suite.trials if t.dataset == dataset and _objective_label(t) == row.objective]
        for budget, group in budgets(trials) or [(NONE, [])]:
            for output, value in sorted(row.values.items(), key=lambda kv: order.get(kv[0], len(order))):
                rows.append(_row_cells(row, budget, output, value, group, alpha, rec))
    return Table(
        ["objective", "budget", "metric", "paper", "spread", "paper n", "ganbench", "ganbench n", "test", "verdict"],
        rows,
        caption=(
            f"{dataset}: the published mean ± its spread (of the kind in 'spread') beside ganbench's mean ± the same "
            f"kind of spread over its complete runs at the final evaluation (per-seed values below); verdict at "
            f"α = {alpha:g}."
        ),
        align="lllrlrrrll",
        key=key,
    )


def _model_text(trials: Sequence[TrialResult]) -> str:
    models = dict.fromkeys(
        f"{m.get('name', '?')} ({', '.join(f'{k} = {v}' for k, v in m.get('params', {}).items()) or 'defaults'})"
        for m in (t.config.get("model", {}) for t in trials if t.config)
    )
    return "; ".join(models) or NONE


def differences(suite: SuiteResults, published: Published) -> list[str]:
    """The protocol differences: budget, model, and the suite's own list."""
    trials = [t for t in suite.trials if t.dataset in published.datasets()]
    ours = dict.fromkeys(_budget_text(t.config.get("train", {})) for t in trials if t.config)
    theirs = (
        f"{published.steps:,} steps" if published.steps is not None else "steps not given",
        f"batch {published.batch_size}" if published.batch_size is not None else "batch size not given",
    )
    items = [f"Budget: ganbench {' and '.join(ours) or NONE}; the paper {', '.join(theirs)}."]
    if suite.steps_override:
        given = suite.steps_override
        items.append(
            f"Budget override: these trials ran with ganbench run --steps {given['steps']}; the suite itself "
            f"gives {given['suite_steps']:,} steps."
        )
    items.append(f"Model: ganbench's {_model_text(trials)}.")
    return items + list(published.differences)


def blocks(suite: SuiteResults, level: int, prefix: str, alpha: float, data: dict[str, Records]) -> list[Block]:
    """The section (nothing for a suite without published numbers); its rows go to ``data["published"]``."""
    published = suite.published
    if published is None:
        return []
    spreads = sorted({v.kind for r in published.rows for v in r.values.values()})
    out: list[Block] = [
        Heading("Published results", level, anchor=f"{prefix}-published"),
        Paragraph(
            f"The paper's numbers: {published.source} ({plural(len(published.rows), 'published row')}; spreads: "
            + ", ".join(SPREAD_WORDS[k] for k in spreads)
            + "). The test: Welch's t-test on the two means with their n (a published standard error becomes a "
            "standard deviation by ·√n); where the paper gives no spread, a one-sample t-test of ganbench's runs "
            "against the published mean; where neither side has a spread, the means are 'identical' or 'differ', "
            f"with no p-value. Verdict: 'agrees' when p ≥ α = {alpha:g}, else 'differs'. {COUNTING_RULE}."
        ),
    ]
    rec: Records = []
    for dataset in published.datasets():
        before = len(rec)
        out.append(dataset_table(suite, published, dataset, alpha, f"{prefix}-published-{safe_name(dataset)}", rec))
        for r in rec[before:]:
            r |= {"suite": suite.name, "dataset": dataset}
    out += [Heading("Protocol differences", level + 1, anchor=f"{prefix}-published-protocol")]
    out.append(Bullets(differences(suite, published)))
    data.setdefault("published", []).extend(rec)
    return out
