"""The ``mlflow`` logger: one MLflow run per trial.

``ganbench run SUITE --log mlflow`` (``pip install "ganbench[mlflow]"``) records each trial
as a run of the experiment named after the suite: its configuration as parameters
(``objective.hyper.lr_g``, ...), every figure of the history record as a metric at every
evaluation step, each sample snapshot as artifacts (``samples/step_<N>.npy`` and a
picture, ``samples/step_<N>.png``), its final record as ``final.json`` and its status as a
tag. The store is ``tracking_uri`` where a suite sets it, else ``MLFLOW_TRACKING_URI``,
else a local SQLite store, ``results/<suite>/mlflow/mlflow.db``, with the artifacts beside it
in ``results/<suite>/mlflow/artifacts`` (``mlflow ui --backend-store-uri
sqlite:///results/<suite>/mlflow/mlflow.db`` shows it; MLflow no longer writes its plain
file store). The processes that train trials open the local store one at a time (a file
lock), so a fresh store's tables are created once. A trial that resumes after an
interruption goes on in its run (runs are tagged ``ganbench.trial = <id>``). Calls go
through :class:`mlflow.tracking.MlflowClient`, which keeps no global state, so trials and
threads never share an active run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import logging
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ganbench.components import param
from ganbench.grid import png_bytes
from ganbench.hookspecs import Register, hookimpl
from ganbench.io import FileLock
from ganbench.loggers.base import LoggedTrial, Logger, flat_config
from ganbench.loggers.pictures import picture

INSTALL_HINT = 'pip install "ganbench[mlflow]"'
#: the tag that names a run's trial
TRIAL_TAG = "ganbench.trial"
#: parameters per request (MLflow accepts at most 100 in one batch)
PARAMS_PER_BATCH = 100
#: how an outcome's status ends a run
RUN_STATUS = {"complete": "FINISHED", "diverged": "FINISHED", "error": "FAILED"}


def local_store(directory: Path) -> str:
    """The tracking URI of the default store, in the suite's results directory ``directory``."""
    return f"sqlite:///{(directory / 'mlflow' / 'mlflow.db').absolute()}"


@dataclasses.dataclass(frozen=True)
class MlflowLogger(Logger):
    name: ClassVar[str] = "mlflow"
    description: ClassVar[str] = (
        f"an MLflow run per trial: parameters, metrics per step, samples as artifacts ({INSTALL_HINT})"
    )

    tracking_uri: str = param(
        "", help="the MLflow store (default: $MLFLOW_TRACKING_URI, else <results>/<suite>/mlflow/mlflow.db)"
    )
    experiment: str = param("", help="the experiment the trials' runs belong to (default: the suite's name)")
    #: open runs, by trial id: (client, run id)
    runs: dict[str, tuple[Any, str]] = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    def validate(self) -> None:
        if importlib.util.find_spec("mlflow") is None:
            raise ValueError(f"logger 'mlflow' needs MLflow, which is not installed: {INSTALL_HINT}")

    def uri(self, trial: LoggedTrial) -> str:
        """The store ``trial``'s run goes to."""
        return self.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or local_store(trial.directory)

    def _run(self, trial: LoggedTrial) -> tuple[Any, str]:
        if trial.id in self.runs:
            return self.runs[trial.id]
        from mlflow.entities import Param
        from mlflow.tracking import MlflowClient

        uri, name = self.uri(trial), self.experiment or trial.suite
        if uri == local_store(trial.directory):
            store = trial.directory / "mlflow"
            store.mkdir(parents=True, exist_ok=True)
            with FileLock(store / ".lock"), _quiet():
                client = MlflowClient(tracking_uri=uri)
                experiment = _experiment(client, name, (store / "artifacts").absolute().as_uri())
        else:
            client = MlflowClient(tracking_uri=uri)
            experiment = _experiment(client, name, None)
        found = client.search_runs([experiment], filter_string=f"tags.`{TRIAL_TAG}` = '{trial.id}'", max_results=1)
        if found:  # the trial resumes: its run goes on
            run_id = found[0].info.run_id
            client.update_run(run_id, status="RUNNING")
        else:
            run_id = client.create_run(experiment, run_name=trial.name, tags={TRIAL_TAG: trial.id}).info.run_id
            params = [Param(k, str(v)) for k, v in flat_config(trial.config).items()]
            for i in range(0, len(params), PARAMS_PER_BATCH):
                client.log_batch(run_id, params=params[i : i + PARAMS_PER_BATCH])
        self.runs[trial.id] = (client, run_id)
        return client, run_id

    def evaluation(
        self, trial: LoggedTrial, *, step: int, values: Mapping[str, float], samples: np.ndarray | None
    ) -> None:
        from mlflow.entities import Metric

        client, run_id = self._run(trial)
        now = int(time.time() * 1000)
        client.log_batch(run_id, metrics=[Metric(k, float(v), now, step) for k, v in values.items()])
        if samples is None:
            return
        with tempfile.TemporaryDirectory(prefix="ganbench-mlflow-") as tmp:
            np.save(Path(tmp) / f"step_{step:09d}.npy", samples, allow_pickle=False)
            image = picture(samples)
            if image is not None:
                (Path(tmp) / f"step_{step:09d}.png").write_bytes(png_bytes(image))
            client.log_artifacts(run_id, tmp, artifact_path="samples")

    def outcome(self, trial: LoggedTrial, final: Mapping[str, Any]) -> None:
        client, run_id = self._run(trial)
        status = str(final.get("status"))
        client.set_tag(run_id, "ganbench.status", status)
        client.log_dict(run_id, dict(final), "final.json")
        client.set_terminated(run_id, RUN_STATUS.get(status, "FINISHED"))
        del self.runs[trial.id]

    def close(self) -> None:
        """Runs still open (their trials were interrupted, and resume later) end as KILLED."""
        while self.runs:
            client, run_id = self.runs.popitem()[1]
            client.set_terminated(run_id, "KILLED")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """MLflow says at INFO level that it creates a fresh store's tables: not on the run's terminal."""
    loggers = [logging.getLogger(name) for name in ("mlflow.store.db.utils", "alembic")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _experiment(client: Any, name: str, artifacts: str | None) -> str:
    """The id of experiment ``name``, created if it does not exist (by this process or another at
    once), its artifacts in ``artifacts`` (None: where the store puts them)."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    try:
        return str(client.create_experiment(name, artifact_location=artifacts))
    except MlflowException:  # another worker created it meanwhile
        again = client.get_experiment_by_name(name)
        if again is None:
            raise
        return str(again.experiment_id)


@hookimpl
def register_loggers(register: Register) -> None:
    register(MlflowLogger)
