"""The one reader of results: every trial of a suite directory, whatever its state.

A trial is *complete* or *diverged* (``final.json`` and the ``DONE`` marker), *error*
(``final.json`` says so; no marker is written for those, so a rerun retries them),
*unfinished* (a directory without a final state: running, interrupted or killed) or
*missing* (listed in ``suite.json``, no directory yet). ``summary.csv``, the table
printed after a run, reports and ``ganbench compare`` all read trials through here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ganbench.errors import ConfigError
from ganbench.published import Published, published_from_json
from ganbench.results.files import TrialDir
from ganbench.results.ids import parse_trial_id
from ganbench.results.search_file import read_search, referenced
from ganbench.results.variants import labels
from ganbench.status import FINAL, STORED, Status

SUITE_FILE = "suite.json"
SUMMARY_FILE = "summary.csv"
#: the first columns of a summary row, before the final metrics and convergence figures
ID_COLUMNS = ("trial", "dataset", "objective", "seed", "status", "device")


@dataclasses.dataclass
class TrialResult:
    """One trial as found on disk (or only listed in ``suite.json``)."""

    id: str
    dataset: str
    objective: str
    seed: int | None
    status: Status
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

    def row(self) -> dict[str, Any]:
        """The trial's summary row: identifying columns, status, final metrics, convergence figures."""
        row: dict[str, Any] = {
            "trial": self.id,
            "dataset": self.dataset,
            "objective": self.objective,
            "seed": self.seed,
            "status": str(self.status),
            "device": self.final.get("device", ""),
        }
        row.update(self.final.get("metrics", {}))
        row.update(self.final.get("convergence", {}))
        return row


@dataclasses.dataclass
class SuiteResults:
    """The trials of one suite directory, in the order its ``suite.json`` lists them (with
    ``all_trials``, the trials found but not listed, from earlier versions of the suite, come last)."""

    name: str
    path: Path
    description: str
    source: str
    trials: list[TrialResult]
    outputs: dict[str, str]  # metric output -> "max" | "min" | ""
    #: the coverage figures the suite's metrics declare, as plain data: {"covered": output,
    #: "total": output, "text": progress template} (:class:`ganbench.metrics.base.Coverage`)
    coverage: list[dict[str, str]] = dataclasses.field(default_factory=list)
    #: each metric output's (unit, meaning), as the suite's metrics document them
    output_docs: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    #: the report sections the suite's metrics bring ("package.module:function", :mod:`ganbench.report.sections`)
    sections: list[str] = dataclasses.field(default_factory=list)
    #: each objective's divergence, by objective name (not label)
    divergences: dict[str, str] = dataclasses.field(default_factory=dict)
    #: trials in the directory that the suite does not list (earlier versions of it), whether
    #: included (``all_trials``) or left out
    others: int = 0
    all_trials: bool = False
    #: the search record (``search.json``, :mod:`ganbench.search.record`), None without a search
    search: dict[str, Any] | None = None
    #: the paper's numbers the suite reproduces (its ``[published]``), None without them
    published: Published | None = None
    #: ``ganbench run --steps``: {"steps": N, "suite_steps": the suite's own}, None without it
    steps_override: dict[str, int] | None = None

    @property
    def coverage_totals(self) -> set[str]:
        """Outputs that only hold a coverage total (shown beside their count, not as a column)."""
        return {c["total"] for c in self.coverage}

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
        return {str(s): sum(t.status == s for t in self.trials) for s in STORED}

    def trial(self, tid: str) -> TrialResult:
        """Trial ``tid`` of this directory, listed in suite.json or not (a search's trials are
        named only by search.json); status missing when it has no directory."""
        found = next((t for t in self.trials if t.id == tid), None)
        if found is not None:
            return found
        read = read_trial(TrialDir(self.path / tid)) if (self.path / tid / "config.json").exists() else None
        if read is not None:
            return read
        _, seed = parse_trial_id(tid)
        where = self.path / tid if (self.path / tid).is_dir() else None
        return TrialResult(tid, "?", "?", seed, Status.UNFINISHED if where else Status.MISSING, where)

    def select(self, ids: Iterable[str]) -> SuiteResults:
        """The same results restricted to trials ``ids``, in that order."""
        by_id = {t.id: t for t in self.trials}
        return dataclasses.replace(self, trials=[by_id[i] for i in ids if i in by_id])

    def frame(self) -> pd.DataFrame:
        """One row per trial with a final state (complete, diverged or error): the layout
        of ``summary.csv``, and what the console table and reports are rendered from."""
        rows = [t.row() for t in self.trials if t.status in FINAL]
        return pd.DataFrame(rows, columns=None if rows else list(ID_COLUMNS))


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; {} if it is absent, unreadable or not an object
    (another runner may be rewriting an unfinished trial right now)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def trial_status(td: TrialDir) -> tuple[Status, dict[str, Any]]:
    """The state of one trial directory, and its final record ({} if none)."""
    final = read_json(td.final_file) if td.final_file.exists() else {}
    status = final.get("status")
    if status == Status.ERROR:
        return Status.ERROR, final
    if td.is_done() and status in (Status.COMPLETE, Status.DIVERGED):
        return Status(status), final
    return Status.UNFINISHED, final


def read_trial(td: TrialDir) -> TrialResult | None:
    """One trial directory as found (None when its config.json is unreadable)."""
    config = read_json(td.config)
    if not config:
        return None
    status, final = trial_status(td)
    return TrialResult(
        id=td.path.name,
        dataset=str(config["dataset"]["label"]),
        objective=str(config["objective"]["label"]),
        seed=int(config["seed"]),
        status=status,
        path=td.path,
        config=config,
        final=final,
    )


def trial_dirs(suite_dir: Path) -> Iterator[TrialDir]:
    """Every trial directory (one holding a ``config.json``) of a suite directory, by name."""
    for p in sorted(Path(suite_dir).iterdir()) if Path(suite_dir).is_dir() else []:
        if p.is_dir() and (p / "config.json").exists():
            yield TrialDir(p)


def _metric_classes(configs: list[dict[str, Any]], registry: Any) -> list[Any]:
    """The metric plugins the trials name, for results written without (parts of) suite.json."""
    classes: list[Any] = []
    if registry is None:
        return classes
    for config in configs:
        for metric in config.get("metrics", []):
            try:
                cls = registry.get("metrics", metric["name"])
            except Exception:
                continue
            if cls not in classes:
                classes.append(cls)
    return classes


def _output_docs(meta: dict[str, Any], classes: list[Any]) -> dict[str, tuple[str, str]]:
    """Each output's (unit, meaning) from suite.json, else from the metric plugins (before 0.3)."""
    listed = meta.get("output_docs")
    if isinstance(listed, dict):
        return {str(k): (str(v[0]), str(v[1])) for k, v in listed.items() if isinstance(v, list) and len(v) == 2}
    if not classes:
        return {}
    from ganbench.metrics.summary import output_docs

    return output_docs(classes)


def _sections(meta: dict[str, Any], classes: list[Any]) -> list[str]:
    listed = meta.get("report_sections")
    if isinstance(listed, list):
        return [str(s) for s in listed]
    return list(dict.fromkeys(str(s) for s in (getattr(c, "report_section", "") for c in classes) if s))


def _objective_divergences(meta: dict[str, Any], configs: list[dict[str, Any]], registry: Any) -> dict[str, str]:
    listed = meta.get("objective_divergences")
    if isinstance(listed, dict):
        return {str(k): str(v) for k, v in listed.items()}
    out: dict[str, str] = {}
    for name in dict.fromkeys(str(c["objective"]["name"]) for c in configs) if registry is not None else ():
        try:
            divergence = registry.get("objectives", name).divergence
            out[name] = "" if divergence is None else str(divergence)  # None: it estimates none
        except Exception:
            continue
    return out


def _directions(classes: list[Any]) -> dict[str, str]:
    outputs: dict[str, str] = {}
    for cls in classes:
        outputs.update(cls.outputs)
    return outputs


def _coverage(meta: dict[str, Any], classes: list[Any]) -> list[dict[str, str]]:
    """Coverage declarations from suite.json, else from the metric plugins (0.1.0 wrote none:
    its 'modes' metric's figures are what the built-in plugin declares)."""
    listed = meta.get("coverage")
    if isinstance(listed, list) and all(isinstance(c, dict) and {"covered", "total"} <= set(c) for c in listed):
        return [{str(k): str(v) for k, v in c.items()} for c in listed]
    declared = (getattr(cls, "coverage", None) for cls in classes)
    return [dataclasses.asdict(c) for c in declared if c is not None]


def is_suite_dir(path: Path) -> bool:
    return (path / SUITE_FILE).is_file() or any(True for _ in trial_dirs(path))


def load_suite_results(path: Path, registry: Any = None, all_trials: bool = False) -> SuiteResults:
    """The trials of one suite directory that its suite.json lists (the suite's current trials),
    found on disk or not; with ``all_trials``, also the other trials of the directory (earlier
    versions of the suite), each objective label followed by the settings its configuration
    differs in. ``registry`` is read only for results whose suite.json predates a field."""
    path = Path(path)
    meta = read_json(path / SUITE_FILE)
    trials: dict[str, TrialResult] = {}
    search = read_search(path)
    for td in trial_dirs(path):
        found = read_trial(td)
        if found is not None:
            trials[td.path.name] = found
    pairs = {f"{t.dataset}-{t.objective}": (t.dataset, t.objective) for t in trials.values()}
    listed = [str(x) for x in meta.get("trials", [])]
    for tid in listed:
        if tid in trials:
            continue
        prefix, seed = parse_trial_id(tid)
        dataset, objective = pairs.get(prefix, ("?", prefix))
        status = Status.UNFINISHED if (path / tid).is_dir() else Status.MISSING
        where = path / tid if status is Status.UNFINISHED else None
        trials[tid] = TrialResult(tid, dataset, objective, seed, status, where)
    order = {tid: i for i, tid in enumerate(listed)}
    ordered = sorted(trials.values(), key=lambda t: (order.get(t.id, len(order)), t.id))
    current = set(listed) if "trials" in meta else set(trials)  # without a list, every trial is the suite's
    # a search's other trials (its configurations, the defaults on the report seeds) are the
    # suite's too, though only search.json names them: not counted as earlier versions
    searched = set(referenced(search))
    others = sum(t.id not in current and t.id not in searched for t in ordered)
    if all_trials:
        _tell_apart(ordered)
    else:
        ordered = [t for t in ordered if t.id in current]
    # directions from suite.json, else from the metric plugins; order as the suite lists its metrics
    classes = _metric_classes([t.config for t in ordered if t.config], registry)
    from_plugins = _directions(classes)
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
        coverage=_coverage(meta, classes),
        output_docs=_output_docs(meta, classes),
        sections=_sections(meta, classes),
        divergences=_objective_divergences(meta, [t.config for t in ordered if t.config], registry),
        others=others,
        all_trials=all_trials,
        search=search,
        published=published_from_json(meta["published"], str(path / SUITE_FILE)) if "published" in meta else None,
        steps_override=_steps_override(meta),
    )


def _steps_override(meta: dict[str, Any]) -> dict[str, int] | None:
    given = meta.get("steps_override")
    if not isinstance(given, dict) or not all(isinstance(given.get(k), int) for k in ("steps", "suite_steps")):
        return None
    return {"steps": int(given["steps"]), "suite_steps": int(given["suite_steps"])}


def _tell_apart(trials: list[TrialResult]) -> None:
    """Label each objective's trials by the settings in which their configurations differ."""
    pairs: dict[tuple[str, str], dict[str, TrialResult]] = {}
    for t in trials:
        if t.config:
            pairs.setdefault((t.dataset, t.objective), {})[t.id] = t
    for group in pairs.values():
        for tid, suffix in labels({i: t.config for i, t in group.items()}).items():
            if suffix:
                group[tid].objective = f"{group[tid].objective} [{suffix}]"


def load_results(path: str | Path, registry: Any = None, all_trials: bool = False) -> list[SuiteResults]:
    """A suite directory (results/mixtures) or a results root holding several suites."""
    path = Path(path)
    if not path.is_dir():
        raise ConfigError(f"{path}: no such results directory")
    if is_suite_dir(path):
        return [load_suite_results(path, registry, all_trials)]
    suites = [
        load_suite_results(p, registry, all_trials) for p in sorted(path.iterdir()) if p.is_dir() and is_suite_dir(p)
    ]
    if not suites:
        raise ConfigError(f"{path}: no results here (expected trial directories or suite directories holding them)")
    return suites
