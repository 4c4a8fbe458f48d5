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

from ganbench.components import restore
from ganbench.config import Convergence, Hyper, Train
from ganbench.datasets.base import Dataset
from ganbench.errors import ConfigError
from ganbench.kinds import SINGULAR
from ganbench.metrics.base import Metric
from ganbench.models.base import Model
from ganbench.objectives.base import Objective, Penalty
from ganbench.registry import Registry
from ganbench.results.ids import trial_id
from ganbench.status import FINAL, STORED, Status
from ganbench.version import __version__

__all__ = [
    "FINAL",
    "FORMAT",
    "STORED",
    "ComponentSpec",
    "DatasetSpec",
    "ObjectiveSpec",
    "Parts",
    "Provider",
    "Status",
    "Trial",
    "final_record",
    "provider_text",
]

#: version of the resolved-trial layout (``config.json``); part of every trial's hash.
#: 2: every component records its provider (format 1, ganbench 0.1.0, recorded none)
FORMAT = 2

#: the code that provides a component, as :meth:`ganbench.registry.Registry.provider` gives it:
#: ``{"ganbench": version}``, ``{"distribution": name, "version": version}`` or
#: ``{"file": name, "sha256": digest}``; None in trials resolved before providers were recorded
Provider = Mapping[str, str] | None


def _with_provider(data: dict[str, Any], provider: Provider, key: str = "provider") -> dict[str, Any]:
    if provider is not None:
        data[key] = dict(provider)
    return data


@dataclasses.dataclass(frozen=True)
class ComponentSpec:
    """A registered component by name, with every parameter (plain JSON data) and its provider."""

    name: str
    params: Mapping[str, Any]
    provider: Provider = None

    def to_json(self) -> dict[str, Any]:
        return _with_provider({"name": self.name, "params": dict(self.params)}, self.provider)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ComponentSpec:
        return cls(data["name"], dict(data["params"]), data.get("provider"))


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    name: str
    label: str
    params: Mapping[str, Any]
    provider: Provider = None

    def to_json(self) -> dict[str, Any]:
        return _with_provider({"name": self.name, "label": self.label, "params": dict(self.params)}, self.provider)


@dataclasses.dataclass(frozen=True)
class ObjectiveSpec:
    name: str
    label: str
    options: Mapping[str, Any]
    hyper: Hyper
    provider: Provider = None
    #: the provider of ``hyper.penalty`` (None without a penalty)
    penalty_provider: Provider = None

    def to_json(self) -> dict[str, Any]:
        data = {"name": self.name, "label": self.label, "options": dict(self.options), "hyper": self.hyper.resolved()}
        return _with_provider(_with_provider(data, self.provider), self.penalty_provider, "penalty_provider")


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
            dataset=DatasetSpec(ds["name"], ds["label"], dict(ds["params"]), ds.get("provider")),
            objective=ObjectiveSpec(
                obj["name"],
                obj["label"],
                dict(obj["options"]),
                restore(Hyper, obj["hyper"]),
                obj.get("provider"),
                obj.get("penalty_provider"),
            ),
            model=ComponentSpec.from_json(data["model"]),
            train=restore(Train, data["train"]),
            metrics=tuple(ComponentSpec.from_json(m) for m in data["metrics"]),
            convergence=restore(Convergence, data["convergence"]),
            format=int(data.get("format", FORMAT)),
        )

    @functools.cached_property
    def id(self) -> str:
        return trial_id(self.to_json())

    def describe(self) -> str:
        """'ring/minimax/seed 0', as progress lines and messages name a trial."""
        return f"{self.dataset.label}/{self.objective.label}/seed {self.seed}"

    def providers(self) -> list[tuple[str, str, Provider]]:
        """(kind, name, provider) of every component of the trial."""
        out: list[tuple[str, str, Provider]] = [
            ("datasets", self.dataset.name, self.dataset.provider),
            ("objectives", self.objective.name, self.objective.provider),
            ("models", self.model.name, self.model.provider),
        ]
        penalty = self.objective.hyper.penalty_name
        if penalty is not None:
            out.append(("penalties", penalty, self.objective.penalty_provider))
        return out + [("metrics", m.name, m.provider) for m in self.metrics]

    def instantiate(self, registry: Registry) -> Parts:
        """The trial's components, from the plugins in ``registry`` (no second validation).

        A component whose provider is no longer the one the trial recorded (a plugin file
        edited, a distribution upgraded since the suite was loaded) is a :class:`ConfigError`:
        its results would be filed under code that did not produce them."""
        for kind, name, provider in self.providers():
            registry.get(kind, name)
            if provider is not None and registry.provider(kind, name) != dict(provider):
                raise ConfigError(
                    f"{self.describe()}: {SINGULAR[kind]} '{name}' was resolved "
                    f"with {provider_text(provider)} but is now {provider_text(registry.provider(kind, name))}; "
                    "run the suite again to resolve its trials with the code now installed"
                )
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


def provider_text(provider: Provider) -> str:
    """'ganbench 0.1.0', 'distribution ganbench-mmd 0.1.0', 'file mmd.py (sha256 1a2b3c4d5e6f)'."""
    if not provider:
        return "an unrecorded provider"
    if "ganbench" in provider:
        return f"ganbench {provider['ganbench']}"
    if "distribution" in provider:
        return f"distribution {provider['distribution']} {provider.get('version', '')}".rstrip()
    if "file" in provider:
        return f"file {provider['file']} (sha256 {str(provider.get('sha256', ''))[:12]})"
    return ", ".join(f"{k} {v}" for k, v in provider.items())


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
