"""The kinds of component a plugin registers, in one table that the rest of ganbench reads.

A row says all that ganbench knows of one kind: its names, the hook that registers it, its
base class, the contract a registered class keeps (:mod:`ganbench.contracts`), the contract
kit's check (:mod:`ganbench.testing`), the template of ``ganbench new`` (:mod:`ganbench.scaffold`)
and the columns of ``ganbench list`` (:mod:`ganbench.listing`). The registry, the plugin
loader, the trial and the command line take the kinds and their names from here.

A new kind is a row here, its hook in :mod:`ganbench.hookspecs`, its base class and, for
``ganbench new``, its template and its kit check (``tests/plugins/test_kinds.py`` checks that each row
has them all).

This module imports nothing of ganbench, and no torch: the base classes and the declaration
checks are written as ``"module:name"`` paths, imported when asked for (:func:`resolve`).
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of component."""

    #: 'objectives': the registry's key, ``ganbench list``'s argument, the hook's suffix
    plural: str
    #: 'objective': how messages name one, and ``ganbench new``'s argument
    singular: str
    #: 'ganbench.objectives.base:Objective': the class every component of the kind subclasses
    base: str
    #: what a class must define itself (a method, or a property where ``properties`` says so)
    required: tuple[str, ...]
    #: methods whose signature, where a class defines them, must be the base class's
    signatures: tuple[str, ...]
    #: attributes that must be properties where a class defines them
    properties: tuple[str, ...] = ()
    #: whether its options are dataclass fields (a frozen dataclass), as a suite sets them
    dataclass: bool = True
    #: 'module:function' checking the class's own declarations, ``fn(cls, at)``; '' if none
    declarations: str = ""
    #: the contract kit's check, a function of :mod:`ganbench.testing`; '' if the kit has none
    kit: str = ""
    #: the template ``ganbench new`` fills (``scaffold/templates/<template>.tmpl``); '' if none
    template: str = ""
    #: how a suite uses one named ``{name}``, as ``ganbench new`` says it
    use: str = ""
    #: the columns of ``ganbench list``'s table after the name (:data:`ganbench.listing.COLUMNS`)
    columns: tuple[str, ...] = ("description", "parameters (defaults)")
    #: the tables ``ganbench list`` prints after that one (:data:`ganbench.listing.TABLES`)
    tables: tuple[str, ...] = ("options",)

    @property
    def hook(self) -> str:
        """'register_objectives': the hook of :mod:`ganbench.hookspecs` that registers the kind."""
        return f"register_{self.plural}"

    @property
    def article(self) -> str:
        """'an objective', 'a dataset'."""
        return f"{'an' if self.singular[0] in 'aeiou' else 'a'} {self.singular}"

    def base_class(self) -> type:
        """The base class itself, its module imported now (most import torch)."""
        cls = resolve(self.base)
        if not isinstance(cls, type):
            raise TypeError(f"{self.base} is not a class")
        return cls

    @property
    def public(self) -> str:
        """'ganbench.Objective': the base class as a plugin imports it."""
        return f"ganbench.{self.base.rpartition(':')[2]}"


TABLE: tuple[Kind, ...] = (
    Kind(
        "objectives",
        "objective",
        "ganbench.objectives.base:Objective",
        required=("critic_loss", "generator_loss"),  # and estimate, unless divergence = None
        signatures=("critic_loss", "generator_loss", "estimate", "describe_generator"),
        declarations="ganbench.contracts:objective_declarations",
        kit="check_objective",
        template="objective.py",
        use='[[objectives]] name = "{name}"',
        columns=("family", "divergence", "reports", "generator loss", "defaults", "reference"),
        tables=("formulas", "options", "hyperparameters"),
    ),
    Kind(
        "penalties",
        "penalty",
        "ganbench.objectives.base:Penalty",
        required=("__call__",),
        signatures=("__call__",),
        kit="check_penalty",
        template="penalty.py",
        use='penalty = "{name}" and penalty_weight = 1.0 in an [[objectives]] table',
        columns=("description", "parameters (defaults)", "default weight"),
    ),
    Kind(
        "datasets",
        "dataset",
        "ganbench.datasets.base:Dataset",
        required=("shape", "sample"),
        signatures=("sample", "mode_centers", "mode_weights"),
        properties=("shape", "mode_sigma"),
        kit="check_dataset",
        template="dataset.py",
        use='[[datasets]] name = "{name}"',
    ),
    Kind(
        "models",
        "model",
        "ganbench.models.base:Model",
        required=("latent_shape", "build"),
        signatures=("build",),
        properties=("latent_shape",),
        kit="check_model",
        template="model.py",
        use='[model] name = "{name}"',
        columns=("description", "parameters (defaults)", "vectorises"),
    ),
    Kind(
        "metrics",
        "metric",
        "ganbench.metrics.base:Metric",
        required=("compute",),
        signatures=("compute", "supports", "due", "resolve", "recorded"),
        declarations="ganbench.contracts:metric_declarations",
        kit="check_metric",
        template="metric.py",
        use='metrics = ["{name}"]',
        columns=("description", "parameters (defaults)", "outputs"),
    ),
    Kind(
        "executors",
        "executor",
        "ganbench.executors:Executor",
        required=("submit",),
        signatures=("__init__", "submit", "shutdown", "interrupt", "add_options", "resolve_device", "reserved_cpus"),
        declarations="ganbench.contracts:executor_declarations",
        dataclass=False,  # built with cls(jobs=N, setup=fn, **options), not from a suite's options
    ),
    Kind(
        "loggers",
        "logger",
        "ganbench.loggers.base:Logger",
        required=("evaluation",),
        signatures=("evaluation", "outcome", "close"),
        kit="check_logger",
        template="logger.py",
        use='log = ["{name}"]',
    ),
)

#: the kinds' plural names, in the order plugins register them and ``ganbench list`` prints them
KINDS = tuple(kind.plural for kind in TABLE)
#: plural -> singular: 'penalties' -> 'penalty'
SINGULAR = {kind.plural: kind.singular for kind in TABLE}
#: the hooks a plugin can implement
HOOKS = tuple(kind.hook for kind in TABLE)
#: the kinds ``ganbench new`` writes, by singular name
SCAFFOLDED = {kind.singular: kind for kind in TABLE if kind.template}

_BY_NAME = {name: kind for kind in TABLE for name in (kind.plural, kind.singular)}


def get(name: str) -> Kind:
    """The kind named ``name``, plural ('objectives') or singular ('objective')."""
    return _BY_NAME[name]


def resolve(path: str) -> Any:
    """What a ``'module:name'`` path names, its module imported now."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
