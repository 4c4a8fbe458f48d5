"""Like-for-like context: which trials a report reads (the suite's current ones, or every
trial of its directory), what each objective was given (effective hyperparameters), the
data, model and budget, and where and how the trials ran (the environment each trial's
final.json records), with a warning where throughput was measured under concurrency."""

from __future__ import annotations

import collections
from collections.abc import Iterable
from typing import Any

from ganbench.report.fmt import safe_name
from ganbench.report.rendering.document import Block, Cell, Paragraph, Table
from ganbench.results.reader import SuiteResults
from ganbench.status import FINAL
from ganbench.text import plural

NOT_RECORDED = "not recorded"
#: (label, key of final.json's "environment", fallback key of final.json itself)
ENVIRONMENT = (
    ("ganbench", "ganbench", "ganbench_version"),
    ("torch", "torch", None),
    ("Python", "python", None),
    ("platform", "platform", None),
    ("CPU", "cpu", None),
    ("GPU", "gpu", None),
    ("device", "device", "device"),
    ("git commit", "git_commit", None),
    ("trials run at once (jobs)", "jobs", None),
    ("torch threads per worker", "threads", None),
    ("trials trained together (group size)", "group_size", None),
)


def others_note(suite: SuiteResults) -> str:
    """One line on the trials of the directory that the suite does not list ('' if none)."""
    if not suite.others:
        return ""
    held = (
        f"suite '{suite.name}': the directory also holds {plural(suite.others, 'trial')} that suite.json does not list"
    )
    if suite.all_trials:
        return f"{held} (earlier versions of the suite), included (--all-trials), told apart by their configuration"
    return f"{held} (earlier versions of the suite), left out; --all-trials includes them"


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in params.items())


def _hyper_cells(hyper: dict[str, Any]) -> list[str]:
    if not hyper:
        return [NOT_RECORDED] * 7
    betas = hyper.get("betas")
    penalty = hyper.get("penalty", "none")
    clip = hyper.get("clip") or 0
    return [
        str(hyper.get("n_critic", "?")),
        str(hyper.get("pack", 1)),  # absent: 1 (a trial records pack only when it packs)
        f"{hyper['lr_g']:g}" if "lr_g" in hyper else "?",
        f"{hyper['lr_d']:g}" if "lr_d" in hyper else "?",
        f"({betas[0]:g}, {betas[1]:g})" if betas else "?",
        "none" if penalty in (None, "none") else f"{penalty} × {hyper.get('penalty_weight', 0):g}",
        f"{clip:g}" if clip else "none",
    ]


def hyper_table(suite: SuiteResults) -> Table | None:
    """One row per objective (per distinct setting, when a dataset overrides one)."""
    rows, seen = [], set()
    for objective in suite.objectives:
        variants: dict[str, list[str]] = {}
        for t in suite.trials:
            if t.objective != objective or not t.config:
                continue
            obj = t.config.get("objective", {})
            cells = [*_hyper_cells(obj.get("hyper", {})), _params(obj.get("options", {})) or "–"]
            variants.setdefault("\0".join(cells), []).append(t.dataset)
        for joined, datasets in variants.items():
            label = objective if len(variants) == 1 else f"{objective} ({', '.join(dict.fromkeys(datasets))})"
            if label not in seen:
                seen.add(label)
                rows.append([Cell(label)] + [Cell(c) for c in joined.split("\0")])
    if not rows:
        return None
    return Table(
        ["objective", "n_critic", "pack", "lr_g", "lr_d", "Adam betas", "penalty × weight", "clip", "options"],
        rows,
        caption=(
            "Effective hyperparameters of each objective (its defaults and the suite's overrides, as trained): "
            "n_critic critic updates per generator step, pack samples per critic input (PacGAN), learning "
            "rates, Adam betas, the critic penalty and "
            "its weight, weight clipping."
        ),
        align="lrrrrllll",
        key=f"{safe_name(suite.name)}-hyper",
    )


def setup_text(suite: SuiteResults) -> list[str]:
    """The datasets, the model, the budget and the metrics, as stated in the resolved configs."""
    configs = [t.config for t in suite.trials if t.config]
    if not configs:
        return []
    lines = []
    for dataset in suite.datasets:
        ds = suite.dataset_config(dataset)
        if ds:
            name = ds.get("name", dataset)
            lines.append(f"Dataset {dataset}: {name} ({_params(ds.get('params', {})) or 'defaults'}).")
    for text in dict.fromkeys(_model_text(c) for c in configs):
        lines.append(text)
    for text in dict.fromkeys(_train_text(c) for c in configs):
        lines.append(text)
    return lines


def _model_text(config: dict[str, Any]) -> str:
    model = config.get("model", {})
    return f"Model: {model.get('name', '?')} ({_params(model.get('params', {})) or 'defaults'})."


def _train_text(config: dict[str, Any]) -> str:
    tr = config.get("train", {})
    metrics = "; ".join(f"{m['name']} ({_params(m.get('params', {}))})" for m in config.get("metrics", []))
    bits = [f"{tr['steps']:,} generator steps" if "steps" in tr else None]
    bits += [f"batch {tr['batch_size']}" if "batch_size" in tr else None]
    if "eval_every" in tr:
        bits.append(f"evaluated every {tr['eval_every']} steps on {tr.get('eval_samples', '?')} samples")
    text = "Training: " + ", ".join(b for b in bits if b) + "."
    return text + (f" Metrics: {metrics}." if metrics else "")


def _distinct(values: Iterable[Any]) -> str:
    counts = collections.Counter(NOT_RECORDED if v is None or v == "" else str(v) for v in values)
    if not counts:
        return NOT_RECORDED
    if len(counts) == 1:
        return next(iter(counts))
    return "; ".join(f"{v} ({plural(n, 'trial')})" for v, n in counts.most_common())


def _env_values(suite: SuiteResults, key: str, fallback: str | None) -> list[Any]:
    out = []
    for t in suite.trials:
        if t.status not in FINAL:
            continue
        env = t.final.get("environment") or {}
        value = env.get(key) if isinstance(env, dict) else None
        if value is None and fallback:
            value = t.final.get(fallback)
        if value is None and key == "gpu" and isinstance(env, dict) and "gpu" in env:
            value = "none"  # recorded: the machine had no GPU
        out.append(value)
    return out


def environment_table(suite: SuiteResults) -> Table:
    rows = [[Cell(label), Cell(_distinct(_env_values(suite, key, fb)))] for label, key, fb in ENVIRONMENT]
    dates = sorted(str(v) for v in _env_values(suite, "date", None) if v)
    span = NOT_RECORDED if not dates else dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
    rows.insert(8, [Cell("date (end of run, UTC)"), Cell(span)])
    return Table(
        ["", "value"],
        rows,
        caption="Where the trials ran, from each trial's final.json; differing values are listed with their counts.",
        align="ll",
        key=f"{safe_name(suite.name)}-environment",
    )


def concurrency_warning(suite: SuiteResults) -> Paragraph | None:
    """A warning when throughput was measured while other trials shared the machine, or when
    nobody recorded whether they did."""
    jobs = _env_values(suite, "jobs", None)
    groups = _env_values(suite, "group_size", None)
    if not jobs:
        return None
    busy = [j for j in jobs if isinstance(j, int | float) and j > 1]
    grouped = [g for g in groups if isinstance(g, int | float) and g > 1]
    if busy or grouped:
        what = []
        if busy:
            what.append(f"{len(busy)} of {len(jobs)} trials ran with up to {max(busy):g} trials at once (jobs)")
        if grouped:
            what.append(f"{len(grouped)} trained in groups of up to {max(grouped):g} as one vectorised program")
        return Paragraph(
            "Warning: throughput (steps_per_s, wall_time) was measured under concurrency: "
            + "; ".join(what)
            + ". Those figures are each trial's share of a busy machine; compare them only with runs made "
            "under the same concurrency, or rerun with --jobs 1 to measure an objective alone.",
            warning=True,
        )
    unknown = sum(j is None for j in jobs)
    if unknown:
        return Paragraph(
            f"Note: {'these results do' if unknown == len(jobs) else f'{unknown} of {len(jobs)} trials do'} not "
            "record how many trials ran at once; throughput (steps_per_s, wall_time) may have been measured while "
            "other trials shared the machine.",
            warning=True,
        )
    return None


def context_blocks(suite: SuiteResults) -> list[Block]:
    blocks: list[Block] = []
    hyper = hyper_table(suite)
    if hyper is not None:
        blocks.append(hyper)
    blocks += [Paragraph(line) for line in setup_text(suite)]
    blocks.append(environment_table(suite))
    warning = concurrency_warning(suite)
    if warning is not None:
        blocks.append(warning)
    return blocks
