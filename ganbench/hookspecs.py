"""The hooks a ganbench plugin can implement.

Every hook hands the plugin a ``register`` callback; the plugin calls it once per
component it provides.  Built-in components are registered through exactly these
hooks, so a third-party plugin is indistinguishable from a built-in one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("ganbench")
hookimpl = pluggy.HookimplMarker("ganbench")

#: the callback every hook receives: call it once per component class the plugin provides
Register = Callable[[Any], None]


@hookspec
def register_objectives(register: Register) -> None:
    """Register GAN objectives.

    Call ``register(cls)`` with a subclass of :class:`ganbench.Objective`: a
    dataclass whose fields are its options, with ``critic_loss``,
    ``generator_loss`` and ``estimate`` written as pure tensor functions of the
    critic's outputs on real and fake batches, and ``describe_generator`` giving
    the generator loss as text.  Its ``hyper`` (default hyperparameters) is
    checked as it registers: a bad one fails the plugin, with the reason.
    """


@hookspec
def register_penalties(register: Register) -> None:
    """Register critic regularisers (gradient penalty, R1, ...).

    Call ``register(cls)`` with a subclass of :class:`ganbench.Penalty`: a
    callable ``penalty(critic, real, fake) -> scalar tensor`` that any objective
    can add to its critic loss with ``penalty = "<name>"`` in a suite.
    """


@hookspec
def register_datasets(register: Register) -> None:
    """Register datasets.

    Call ``register(cls)`` with a subclass of :class:`ganbench.Dataset`: a
    dataclass whose fields are the dataset's parameters, which samples batches
    and knows its modes.
    """


@hookspec
def register_models(register: Register) -> None:
    """Register generator/critic architectures.

    Call ``register(cls)`` with a subclass of :class:`ganbench.Model`: a
    dataclass whose fields are the architecture's parameters and whose
    ``build(dataset)`` returns a ``(generator, critic)`` pair of modules.
    """


@hookspec
def register_metrics(register: Register) -> None:
    """Register evaluation metrics.

    Call ``register(cls)`` with a subclass of :class:`ganbench.Metric`: a
    dataclass whose ``compute(fake, real, dataset)`` returns a dict of floats,
    one per name in its ``outputs``, each declared ``"max"`` or ``"min"``
    (higher or lower is better). A metric that needs a particular kind of
    dataset says so in ``supports(dataset)``, checked when a suite is validated.
    """


@hookspec
def register_executors(register: Register) -> None:
    """Register executors: where trials run.

    Call ``register(cls)`` with a subclass of :class:`ganbench.Executor`, which
    is built with ``cls(jobs=N, setup=fn)`` and offers ``submit(fn, *args)``
    returning a :class:`concurrent.futures.Future`, and ``shutdown()``.
    """
