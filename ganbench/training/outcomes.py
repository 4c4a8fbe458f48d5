"""How a member's attempt ends: its final record, written to its directory, and the result
the runner reports. Shared by the training schedule and the evaluation pipeline."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Mapping
from typing import Any

import torch

from ganbench.errors import TrialDiverged
from ganbench.io import atomic_write
from ganbench.loggers.specs import LoggerSpec
from ganbench.metrics.base import convergence
from ganbench.results import TrialDir
from ganbench.status import Status
from ganbench.training.member import Member, State
from ganbench.training.trackers import Trackers
from ganbench.trial import final_record

Result = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class EngineOptions:
    """How a group trains (never part of a trial's identity)."""

    dtype: torch.dtype = torch.float32
    #: the run's environment (:func:`ganbench.environment.run_environment`), recorded in final records
    environment: Mapping[str, Any] | None = None
    #: compute each evaluation's metrics in a background thread while training goes on
    #: (None: on accelerators, where the CPU would otherwise stall the device)
    overlap: bool | None = None
    #: threads that compute the metrics of one evaluation's members at once (a group's
    #: exact Wasserstein distances, say, are independent problems; ``ganbench run`` gives
    #: an accelerator's jobs their share of the CPUs, less one that feeds the device)
    metric_threads: int = 1
    #: called with a member's trial directory right after each checkpoint of it is written,
    #: when the directory holds that checkpoint with the history and samples up to its step:
    #: a consistent state to copy elsewhere (an executor whose workers have no shared storage
    #: sends it to the driver, so a lost machine loses at most one checkpoint interval)
    on_checkpoint: Callable[[TrialDir], None] | None = None
    #: the loggers every trial reports to (``--log``, a suite's ``log``), built where the trials train
    loggers: tuple[LoggerSpec, ...] = ()
    #: the suite's results directory, where loggers write by default (None: the trial directories' parent)
    log_dir: str | None = None


def last_metrics(record: dict[str, Any]) -> dict[str, Any]:
    """A history record's figures without its step: what a final record keeps."""
    return {k: v for k, v in record.items() if k != "step"}


class Outcomes:
    """Each member's result, keyed by the member, as its attempt ends (and its state then)."""

    def __init__(self, device: str, options: EngineOptions, trackers: Trackers | None = None) -> None:
        self.device = device
        self.options = options
        self.results: dict[Member, Result] = {}
        #: the loggers, told of each outcome once its final record is written
        self.trackers = trackers or Trackers((), None, None)

    def environment(self, group_size: int) -> dict[str, Any] | None:
        if self.options.environment is None:
            return None
        date = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        return {**self.options.environment, "group_size": group_size, "date": date}

    def fail(self, m: Member, exc: BaseException, trace: str, group_size: int) -> None:
        m.state = State.FAILED
        self.results[m] = write_failure(m.td, self.device, exc, trace, m.logs, self.environment(group_size))
        self.trackers.outcome(m, self.results[m]["final"])

    def diverge(self, m: Member, exc: TrialDiverged, group_size: int) -> None:
        good = m.history[-1] if m.history else {}
        final = final_record(
            Status.DIVERGED,
            step=exc.step,
            device=self.device,
            message=str(exc),
            metrics=last_metrics(good),
            last_good_step=good.get("step"),
            environment=self.environment(group_size),
        )
        m.td.finish(final)
        m.state = State.DIVERGED
        self.results[m] = {"status": Status.DIVERGED, "message": str(exc), "final": final, "logs": m.logs}
        self.trackers.outcome(m, final)

    def complete(self, m: Member, step: int, group_size: int) -> None:
        conv = m.trial.convergence
        final = final_record(
            Status.COMPLETE,
            step=step,
            device=self.device,
            metrics=last_metrics(m.history[-1]),
            convergence=convergence(m.history, m.parts.metrics, conv.distance, conv.window),
            environment=self.environment(group_size),
        )
        m.td.finish(final)
        m.state = State.DONE
        self.results[m] = {"status": Status.COMPLETE, "message": "", "final": final, "logs": m.logs}
        self.trackers.outcome(m, final)

    def interrupt(self, m: Member, step: int) -> None:
        message = f"interrupted at step {step}; checkpoint written"
        m.state = State.INTERRUPTED
        self.results[m] = {"status": Status.INTERRUPTED, "message": message, "logs": m.logs}


def write_failure(
    td: TrialDir, device: str, exc: BaseException, trace: str, logs: list[str], environment: dict[str, Any] | None
) -> Result:
    """A failed attempt: the traceback in ``error.txt``, an error record (no DONE marker, so
    a rerun retries it)."""
    atomic_write(td.error_file, trace.encode())
    message = f"{type(exc).__name__}: {exc}"
    final = final_record(Status.ERROR, device=device, message=message, metrics={}, environment=environment)
    td.write_final(final)
    return {
        "status": Status.ERROR,
        "message": f"{message} (traceback in {td.error_file})",
        "final": final,
        "logs": logs,
    }
