"""A resolved trial: one (dataset, objective, model, seed, budget) run with every parameter
stated, typed; its JSON form (a trial's ``config.json``), its components, its outcome.

A suite file is validated once, when it is loaded (:func:`ganbench.suite.load_suite`),
into :class:`Trial` objects. From then on a trial travels as this typed value (or as its
JSON form, to another process or into its results directory) and is turned into live
components by :meth:`Trial.instantiate`, which trusts what the suite loader validated.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any

from ganbench import __version__
from ganbench.components import restore
from ganbench.config import Convergence, Hyper, Train
from ganbench.datasets.base import Dataset
from ganbench.metrics.base import Metric
from ganbench.models.base import Model
from ganbench.objectives.base import Objective, Penalty
from ganbench.plugins import Registry
from ganbench.results.ids import trial_id
from ganbench.status import FINAL, STORED, Status

__all__ = [
    "FINAL",
    "FORMAT",
    "STORED",
    "ComponentSpec",
    "DatasetSpec",
    "ObjectiveSpec",
    "Parts",
    "Status",
    "Trial",
    "final_record",
]

#: version of the resolved-trial layout (``config.json``); part of every trial's hash
FORMAT = 1


@dataclasses.dataclass(frozen=True)
class ComponentSpec:
    """A registered component by name, with every parameter (plain JSON data)."""

    name: str
    params: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "params": dict(self.params)}


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    name: str
    label: str
    params: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "params": dict(self.params)}


@dataclasses.dataclass(frozen=True)
class ObjectiveSpec:
    name: str
    label: str
    options: Mapping[str, Any]
    hyper: Hyper

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "options": dict(self.options), "hyper": self.hyper.params()}


@dataclasses.dataclass
class Parts:
    """A trial's live components."""

    dataset: Dataset
    objective: Objective
    hyper: Hyper
    penalty: Penalty | None
    model: Model
    metrics: list[Metric]


@dataclasses.dataclass(frozen=True)
class Trial:
    """One fully resolved trial. Its id (the results directory's name) is a stable hash of
    :meth:`to_json`, so the same trial in a rerun lands in the same directory."""

    suite: str
    seed: int
    dataset: DatasetSpec
    objective: ObjectiveSpec
    model: ComponentSpec
    train: Train
    metrics: tuple[ComponentSpec, ...]
    convergence: Convergence
    format: int = FORMAT

    def to_json(self) -> dict[str, Any]:
        """The trial as plain data: the contents of its ``config.json`` and the input of its hash."""
        return {
            "format": self.format,
            "suite": self.suite,
            "seed": self.seed,
            "dataset": self.dataset.to_json(),
            "objective": self.objective.to_json(),
            "model": self.model.to_json(),
            "train": self.train.params(),
            "metrics": [m.to_json() for m in self.metrics],
            "convergence": self.convergence.params(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trial:
        """The inverse of :meth:`to_json` (a ``config.json`` read back)."""
        ds, obj = data["dataset"], data["objective"]
        return cls(
            suite=data["suite"],
            seed=int(data["seed"]),
            dataset=DatasetSpec(ds["name"], ds["label"], dict(ds["params"])),
            objective=ObjectiveSpec(obj["name"], obj["label"], dict(obj["options"]), restore(Hyper, obj["hyper"])),
            model=ComponentSpec(data["model"]["name"], dict(data["model"]["params"])),
            train=restore(Train, data["train"]),
            metrics=tuple(ComponentSpec(m["name"], dict(m["params"])) for m in data["metrics"]),
            convergence=restore(Convergence, data["convergence"]),
            format=int(data.get("format", FORMAT)),
        )

    @functools.cached_property
    def id(self) -> str:
        return trial_id(self.to_json())

    def describe(self) -> str:
        """'ring/minimax/seed 0', as progress lines and messages name a trial."""
        return f"{self.dataset.label}/{self.objective.label}/seed {self.seed}"

    def instantiate(self, registry: Registry) -> Parts:
        """The trial's components, from the plugins in ``registry`` (no second validation)."""
        hyper = self.objective.hyper
        penalty = hyper.penalty_name
        return Parts(
            dataset=restore(registry.get("datasets", self.dataset.name), self.dataset.params),
            objective=restore(registry.get("objectives", self.objective.name), self.objective.options),
            hyper=hyper,
            penalty=None if penalty is None else restore(registry.get("penalties", penalty), {}),
            model=restore(registry.get("models", self.model.name), self.model.params),
            metrics=[
                restore(registry.get("metrics", m.name), m.params).resolve(registry, "metrics") for m in self.metrics
            ],
        )


def final_record(
    status: Status,
    *,
    device: str,
    metrics: Mapping[str, Any],
    step: int | None = None,
    convergence: Mapping[str, Any] | None = None,
    message: str | None = None,
    last_good_step: int | None = None,
    environment: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A trial's ``final.json``: status, device, final metrics; for a trial that trained to
    the end or diverged, also the step, the ganbench version and the convergence figures;
    a message for a diverged or failed one, and the last good step for a diverged one;
    where known, the run's environment (:func:`ganbench.environment.run_environment`)."""
    record: dict[str, Any] = {"status": str(status), "device": device, "metrics": dict(metrics)}
    if status is not Status.ERROR:
        record.update(step=step, ganbench_version=__version__, convergence=dict(convergence or {}))
    if message is not None:
        record["message"] = message
    if status is Status.DIVERGED:
        record["last_good_step"] = last_good_step
    if environment is not None:
        record["environment"] = dict(environment)
    return record
