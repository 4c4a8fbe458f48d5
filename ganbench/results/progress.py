"""Where a suite's run stands, read from its results directory alone: ``ganbench status``.

Nothing here writes or locks. Every file of the store is replaced whole (an atomic rename),
so a file is read either before or after a write; a history line that does not parse (a
file written by other means, or cut short) ends the history there instead of failing.

A trial is *complete*, *diverged* or *failed* (its final record says so), *running* (its
directory has no final state and a process holds its lock), *interrupted* (no final state
and no process holds its lock: stopped by Ctrl-C or killed; a rerun resumes it) or
*pending* (no directory yet). The lock is tested without taking it
(:func:`ganbench.io.lock_held`); where the kernel's lock table cannot be read, a trial
whose files changed in the last :data:`RECENT` seconds counts as running.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from ganbench.errors import ConfigError
from ganbench.io import lock_held
from ganbench.results.files import TrialDir
from ganbench.results.ids import parse_trial_id
from ganbench.results.reader import SuiteResults, TrialResult, is_suite_dir, load_suite_results, read_json
from ganbench.results.search_file import read_search, referenced
from ganbench.status import Status
from ganbench.text import plural

COMPLETE, DIVERGED, FAILED, RUNNING, INTERRUPTED, PENDING = (
    "complete",
    "diverged",
    "failed",
    "running",
    "interrupted",
    "pending",
)
#: the states, in the order ``ganbench status`` counts them
STATES = (COMPLETE, DIVERGED, FAILED, RUNNING, INTERRUPTED, PENDING)
#: without a readable lock table: seconds since a trial's last write within which it counts as running
RECENT = 600.0
#: history fields that are not metric values
NOT_METRICS = {"step", "loss_d", "loss_g", "steps_per_s", "samples_per_s", "window_steps_per_s", "train_time"}
NOT_METRICS |= {"wall_time"}
_STORED = {Status.COMPLETE: COMPLETE, Status.DIVERGED: DIVERGED, Status.ERROR: FAILED}


@dataclasses.dataclass(frozen=True)
class TrialState:
    """One trial as the store shows it now."""

    id: str
    name: str
    state: str
    steps: int | None = None  # steps it trains in all (train.steps)
    step: int | None = None  # its last evaluation's step (None: none yet)
    values: dict[str, float] = dataclasses.field(default_factory=dict)  # that evaluation's metric values
    #: seconds of machine time charged to it: in all (finished) or up to its last evaluation
    wall_time: float | None = None
    finished_at: str = ""  # the date its final record gives, for a finished trial
    jobs: int | None = None  # the jobs of the run that finished it, as its final record gives

    def rate(self) -> float | None:
        """Machine seconds per step so far (None before its first evaluation)."""
        return self.wall_time / self.step if self.wall_time and self.step else None


def read_history(path: Path) -> list[dict[str, Any]]:
    """A trial's history records, up to the first line that does not parse."""
    try:
        text = path.read_text()
    except OSError:
        return []
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            break
        if not isinstance(record, dict):
            break
        records.append(record)
    return records


def _newest_write(td: TrialDir) -> float:
    times = [p.stat().st_mtime for p in (td.history_file, td.checkpoint, td.config) if p.exists()]
    return max(times, default=0.0)


def is_running(td: TrialDir, now: float) -> bool:
    """Whether a process trains the unfinished trial ``td`` now: its lock is held (tested
    without taking it), or, where locks cannot be seen, its files changed in the last RECENT s."""
    held = lock_held(td.path / ".lock")
    if held is None:
        return now - _newest_write(td) < RECENT
    return held


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def trial_state(trial: TrialResult, name: str, now: float) -> TrialState:
    """The state of ``trial`` (as the reader found it), named ``name``."""
    if trial.path is None or trial.status is Status.MISSING:
        return TrialState(trial.id, name, PENDING)
    td = TrialDir(trial.path)
    config = trial.config or read_json(td.config)
    steps = config.get("train", {}).get("steps") if isinstance(config.get("train"), dict) else None
    steps = int(steps) if isinstance(steps, int) else None
    if trial.status in _STORED:
        metrics = trial.final.get("metrics", {})
        wall = _float(metrics.get("wall_time")) if isinstance(metrics, dict) else None
        environment = trial.final.get("environment")
        environment = environment if isinstance(environment, dict) else {}
        jobs = environment.get("jobs")
        step = trial.final.get("step")
        return TrialState(
            trial.id,
            name,
            _STORED[trial.status],
            steps,
            step if isinstance(step, int) else None,
            {},
            wall,
            str(environment.get("date", "")),
            jobs if isinstance(jobs, int) and jobs > 0 else None,
        )
    history = read_history(td.history_file)
    last = history[-1] if history else {}
    values = {k: v for k, v in last.items() if k not in NOT_METRICS and _float(v) is not None}
    step = last.get("step")
    return TrialState(
        trial.id,
        name,
        RUNNING if is_running(td, now) else INTERRUPTED,
        steps,
        step if isinstance(step, int) else None,
        values,
        _float(last.get("wall_time")),
    )


def default_name(trial: TrialResult) -> str:
    seed = "?" if trial.seed is None else trial.seed
    return f"{trial.dataset}/{trial.objective}/seed {seed}"


@dataclasses.dataclass(frozen=True)
class SearchStage:
    """Where a suite's search is: phase 1 (configurations on the search seeds) or phase 2
    (the selected configuration and the defaults on the report seeds, once every objective's
    selection is recorded)."""

    phase: int
    #: the configurations proposed so far, by state: done (every search-seed trial complete),
    #: diverged, failed (one of its trials diverged or failed) and pending
    configurations: dict[str, int]
    proposed: int  # configurations listed in search.json
    budget: int  # configurations in all (budget × dataset-objective pairs)
    #: phase 2's trials at most (the selection and the defaults on the report seeds), which
    #: are listed nowhere before the selection; None once listed
    report_at_most: int | None


@dataclasses.dataclass(frozen=True)
class Estimate:
    """Time left, as machine time left ÷ jobs: the running and interrupted trials' remaining
    steps at their own rate (machine seconds per step so far), each pending or unlisted trial
    at ``per_trial`` seconds (the mean machine time of the complete trials, else the running
    trials' projected total), over the ``jobs`` of the run (the last finished trial's record,
    else one per running trial)."""

    seconds: float
    per_trial: float
    per_trial_from: str
    jobs: int
    jobs_from: str
    trials_left: int


@dataclasses.dataclass(frozen=True)
class SuiteProgress:
    name: str
    path: Path
    trials: list[TrialState]
    search: SearchStage | None = None
    #: trials the run will train that no file lists yet (phase 2 before selection; an adaptive
    #: search's configurations not yet proposed), counted in the estimate, not in the states
    unlisted: int = 0
    others: int = 0  # trials of earlier versions of the suite in the directory, not counted

    def counts(self) -> dict[str, int]:
        return {s: sum(t.state == s for t in self.trials) for s in STATES}

    def with_state(self, state: str) -> list[TrialState]:
        return [t for t in self.trials if t.state == state]

    def estimate(self) -> Estimate | None:
        """The time left (see :class:`Estimate`); None before any trial finished or evaluated."""
        finished = [t.wall_time for t in self.with_state(COMPLETE) if t.wall_time]
        active = [t for t in self.trials if t.state in (RUNNING, INTERRUPTED)]
        if finished:
            per_trial, source = sum(finished) / len(finished), f"the mean of {plural(len(finished), 'complete trial')}"
        else:
            projected = [rate * t.steps for t in active if (rate := t.rate()) is not None and t.steps]
            if not projected:
                return None
            per_trial, source = sum(projected) / len(projected), "the running trials' projected totals"
        left = 0.0
        for t in active:
            rate = t.rate()
            if rate is not None and t.steps is not None and t.step is not None:
                left += rate * max(t.steps - t.step, 0)
            else:
                left += per_trial
        pending = len(self.with_state(PENDING)) + self.unlisted
        left += pending * per_trial
        recorded = sorted((t for t in self.trials if t.jobs is not None), key=lambda t: t.finished_at)
        jobs = recorded[-1].jobs if recorded else None
        if jobs is not None:
            jobs_from = "as the last finished trial ran"
        else:
            jobs, jobs_from = max(1, len(self.with_state(RUNNING))), "one per running trial"
        return Estimate(left / jobs, per_trial, source, jobs, jobs_from, len(active) + pending)


def suite_progress(path: Path, now: float | None = None) -> SuiteProgress:
    """Where the run of the suite whose results are in ``path`` stands."""
    now = time.time() if now is None else now
    results = load_suite_results(Path(path))
    search = read_search(Path(path))
    listed = {t.id for t in results.trials}
    if search is not None and listed and not listed <= set(referenced(search)):
        search = None  # a search.json left by an earlier version of the suite, which now has none
    if search is None:
        trials = [trial_state(t, default_name(t), now) for t in results.trials]
        return SuiteProgress(results.name, results.path, trials, others=results.others)
    return _search_progress(results, search, now)


def _search_progress(results: SuiteResults, search: dict[str, Any], now: float) -> SuiteProgress:
    names: dict[str, str] = {}
    config_trials: list[list[str]] = []
    selected = True
    rule = search["rule"]
    seeds = rule.get("seeds", [])
    report_seeds = rule.get("report_seeds", [])
    pairs = 0
    for dataset, objectives in search["datasets"].items():
        for label, entry in objectives.items():
            pairs += 1
            for c in entry["configurations"]:
                config_trials.append(list(c["trials"]))
                for tid in c["trials"]:
                    names.setdefault(tid, f"{dataset}/{label}/configuration {c['index']}/seed {_seed(tid)}")
            if entry.get("selected") is None:
                selected = False
                continue
            index = entry["selected"]
            for what, key in ((f"selected configuration {index}", "tuned_trials"), ("defaults", "default_trials")):
                for tid in entry.get(key, []):
                    what = "defaults" if index == 0 else what
                    names.setdefault(tid, f"{dataset}/{label}/{what}/seed {_seed(tid)}")
    states = {tid: trial_state(results.trial(tid), name, now) for tid, name in names.items()}
    configurations = dict.fromkeys(("done", DIVERGED, FAILED, PENDING), 0)
    for trial_ids in config_trials:
        configurations[_configuration_state([states[t].state for t in trial_ids])] += 1
    budget = int(rule["budget"]) * pairs
    per_config = len(seeds) if isinstance(seeds, list) and seeds else 1
    report_at_most = None if selected else 2 * len(report_seeds) * pairs
    unlisted = (budget - len(config_trials)) * per_config + (report_at_most or 0)
    stage = SearchStage(2 if selected else 1, configurations, len(config_trials), budget, report_at_most)
    return SuiteProgress(results.name, results.path, list(states.values()), stage, max(unlisted, 0), results.others)


def _configuration_state(states: list[str]) -> str:
    if FAILED in states:
        return FAILED
    if DIVERGED in states:
        return DIVERGED
    return "done" if all(s == COMPLETE for s in states) else PENDING


def _seed(tid: str) -> str:
    _, seed = parse_trial_id(tid)
    return "?" if seed is None else str(seed)


def progress_of(path: Path, now: float | None = None) -> list[SuiteProgress]:
    """Every suite under ``path``: a suite directory, or a results root holding several."""
    path = Path(path)
    if not path.is_dir():
        raise ConfigError(f"{path}: no such results directory")
    if is_suite_dir(path):
        return [suite_progress(path, now)]
    suites = [suite_progress(p, now) for p in sorted(path.iterdir()) if p.is_dir() and is_suite_dir(p)]
    if not suites:
        raise ConfigError(f"{path}: no results here (expected trial directories or suite directories holding them)")
    return suites
