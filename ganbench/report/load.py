"""Reading results directories for reports: every trial found or listed, whatever its state.

A trial is *complete* or *diverged* (final.json and the DONE marker), *error*
(final.json says so; ``run_trial`` writes no marker for those), *unfinished*
(a directory without a final state: still running, or interrupted) or *missing*
(listed in suite.json, no directory yet).  Reports count all five.
"""

from __future__ import annotations

import dataclasses
import json
import re
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ganbench.errors import ConfigError
from ganbench.plugins import Registry
from ganbench.results import TrialDir, trial_dirs

FINAL = ("complete", "diverged", "error")
STATUSES = (*FINAL, "unfinished", "missing")
_ID = re.compile(r"^(?P<prefix>.+)-s(?P<seed>\d+)-[0-9a-f]{10}$")


@dataclasses.dataclass
class Trial:
    id: str
    dataset: str
    objective: str
    seed: int | None
    status: str
    path: Path | None = None
    config: dict[str, Any] = dataclasses.field(default_factory=dict)
    final: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def message(self) -> str:
        return str(self.final.get("message", ""))

    @cached_property
    def history(self) -> list[dict[str, Any]]:
        return TrialDir(self.path).read_history() if self.path else []

    def sample_steps(self) -> list[int]:
        return TrialDir(self.path).sample_steps() if self.path else []

    def samples(self, step: int) -> np.ndarray:
        assert self.path is not None
        return TrialDir(self.path).read_samples(step)

    def value(self, column: str) -> float:
        """A final metric or convergence figure; NaN when absent (None, e.g. 'never', is NaN too)."""
        for section in ("metrics", "convergence"):
            v = self.final.get(section, {}).get(column)
            if v is not None:
                return float(v)
        return float("nan")


@dataclasses.dataclass
class SuiteResults:
    name: str
    path: Path
    description: str
    source: str
    trials: list[Trial]
    outputs: dict[str, str]  # metric output -> "max" | "min" | ""

    @property
    def datasets(self) -> list[str]:
        return list(dict.fromkeys(t.dataset for t in self.trials))

    @property
    def objectives(self) -> list[str]:
        return list(dict.fromkeys(t.objective for t in self.trials))

    def seeds(self, dataset: str | None = None) -> list[int]:
        return sorted({t.seed for t in self.trials if t.seed is not None and dataset in (None, t.dataset)})

    def dataset_config(self, dataset: str) -> dict[str, Any]:
        return next((t.config["dataset"] for t in self.trials if t.dataset == dataset and t.config), {})

    def counts(self) -> dict[str, int]:
        return {s: sum(t.status == s for t in self.trials) for s in STATUSES}

    def frame(self) -> pd.DataFrame:
        """One row per trial with a final state (complete, diverged or error), in
        the layout of :func:`ganbench.results.collect`."""
        rows = []
        for t in self.trials:
            if t.status not in FINAL:
                continue
            row: dict[str, Any] = {"trial": t.id, "dataset": t.dataset, "objective": t.objective}
            row.update({"seed": t.seed, "status": t.status})
            row.update(t.final.get("metrics", {}))
            row.update(t.final.get("convergence", {}))
            rows.append(row)
        return pd.DataFrame(rows, columns=None if rows else ["trial", "dataset", "objective", "seed", "status"])


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _status(td: TrialDir) -> tuple[str, dict[str, Any]]:
    final = _read_json(td.final_file) if td.final_file.exists() else {}
    status = final.get("status")
    if status == "error":
        return "error", final
    if td.is_done() and status in ("complete", "diverged"):
        return str(status), final
    return "unfinished", final


def _directions(configs: list[dict[str, Any]], registry: Registry | None) -> dict[str, str]:
    """Metric directions from the metric plugins, for results written without suite.json."""
    outputs: dict[str, str] = {}
    if registry is None:
        return outputs
    for config in configs:
        for metric in config.get("metrics", []):
            try:
                outputs.update(registry.get("metrics", metric["name"]).outputs)
            except Exception:
                continue
    return outputs


def is_suite_dir(path: Path) -> bool:
    return (path / "suite.json").is_file() or any(True for _ in trial_dirs(path))


def load_suite_results(path: Path, registry: Registry | None = None) -> SuiteResults:
    """Every trial of one suite directory: those on disk, and those suite.json lists but are not there."""
    path = Path(path)
    meta = _read_json(path / "suite.json")
    trials: dict[str, Trial] = {}
    for td in trial_dirs(path):
        config = _read_json(td.config)
        status, final = _status(td)
        if not config:
            continue
        trials[td.path.name] = Trial(
            id=td.path.name,
            dataset=str(config["dataset"]["label"]),
            objective=str(config["objective"]["label"]),
            seed=int(config["seed"]),
            status=status,
            path=td.path,
            config=config,
            final=final,
        )
    pairs = {f"{t.dataset}-{t.objective}": (t.dataset, t.objective) for t in trials.values()}
    listed = [str(x) for x in meta.get("trials", [])]
    for tid in listed:
        if tid in trials:
            continue
        match = _ID.match(tid)
        prefix, seed = (match["prefix"], int(match["seed"])) if match else (tid, None)
        dataset, objective = pairs.get(prefix, ("?", prefix))
        status = "unfinished" if (path / tid).is_dir() else "missing"
        trials[tid] = Trial(tid, dataset, objective, seed, status, path / tid if status == "unfinished" else None)
    order = {tid: i for i, tid in enumerate(listed)}
    ordered = sorted(trials.values(), key=lambda t: (order.get(t.id, len(order)), t.id))
    # directions from suite.json, else from the metric plugins; order as the suite lists its metrics
    from_plugins = _directions([t.config for t in ordered if t.config], registry)
    outputs = meta.get("metric_outputs")
    if not isinstance(outputs, dict):
        outputs = from_plugins
    outputs = {**{k: outputs[k] for k in from_plugins if k in outputs}, **outputs}
    name = str(meta.get("name") or next((t.config.get("suite") for t in ordered if t.config), None) or path.name)
    return SuiteResults(
        name=name,
        path=path,
        description=str(meta.get("description", "")),
        source=str(meta.get("source", "")),
        trials=ordered,
        outputs={str(k): str(v) for k, v in outputs.items()},
    )


def load_results(path: str | Path, registry: Registry | None = None) -> list[SuiteResults]:
    """A suite directory (results/mixtures) or a results root holding several suites."""
    path = Path(path)
    if not path.is_dir():
        raise ConfigError(f"{path}: no such results directory")
    if is_suite_dir(path):
        return [load_suite_results(path, registry)]
    suites = [load_suite_results(p, registry) for p in sorted(path.iterdir()) if p.is_dir() and is_suite_dir(p)]
    if not suites:
        raise ConfigError(f"{path}: no results here (expected trial directories or suite directories holding them)")
    return suites
