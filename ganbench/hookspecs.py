"""The hooks a ganbench plugin can implement: one per kind of component of
:data:`ganbench.kinds.TABLE`, named ``register_<kind>`` by it.

Every hook hands the plugin a ``register`` callback; the plugin calls it once per
component class it provides.  Built-in components are registered through exactly these
hooks, so a third-party plugin is indistinguishable from a built-in one.  Each class is
checked as it registers (:mod:`ganbench.contracts`): a class that does not keep its
kind's contract is refused, with the reason, and the plugin's other classes stay.
``plugins/README.md`` has a worked example of every hook.
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
    critic's outputs on real and fake batches (no ``estimate`` for an objective that
    declares ``divergence = None``: it estimates no divergence), and
    ``describe_generator`` giving the generator loss as text.  Its ``hyper`` (default hyperparameters) is
    checked as it registers: a bad one fails the plugin, with the reason.
    """


@hookspec
def register_penalties(register: Register) -> None:
    """Register critic regularisers (gradient penalty, R1, ...).

    Call ``register(cls)`` with a subclass of :class:`ganbench.Penalty`: a
    callable ``penalty(critic, real, fake, draws)`` that any objective can add to
    its critic loss with ``penalty = "<name>"`` in a suite.  ``real`` and ``fake``
    are (K, B, *sample_shape) tensors of a vectorised group of K members, ``critic``
    maps such a tensor to (K, B) outputs, ``draws.uniform(*shape)`` and
    ``draws.normal(*shape)`` give (K, *shape) tensors from each member's own random
    stream; it returns each member's unweighted penalty, shape (K,).
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
    dataclass whose ``compute(self, *, real, fake, dataset)`` (keyword-only)
    returns a dict of floats, one per name in its ``outputs``, each declared
    ``"max"``, ``"min"`` (higher or lower is better) or ``""``.  A metric that counts
    covered modes declares ``coverage`` (a :class:`ganbench.Coverage`), from which
    the harness takes the ``all_modes_step`` figure and the progress text.  A metric
    that cannot measure some dataset says why in ``supports(dataset)``: a suite
    skips it there.
    """


@hookspec
def register_executors(register: Register) -> None:
    """Register executors: where trials run.

    Call ``register(cls)`` with a subclass of :class:`ganbench.Executor`, which
    is built with ``cls(jobs=N, setup=fn, **options)`` and offers ``submit(fn, *args)``
    returning a :class:`concurrent.futures.Future`, and ``shutdown()``. Its own
    ``ganbench run`` options, added by the classmethod ``add_options(parser)``, are the
    ``options`` it is built with.
    """


@hookspec
def register_loggers(register: Register) -> None:
    """Register loggers: where a run reports its trials as they train (TensorBoard, MLflow, ...).

    Call ``register(cls)`` with a subclass of :class:`ganbench.Logger`: a dataclass
    whose fields are its options, with ``evaluation(self, trial, *, step, values,
    samples)`` called at every evaluation of every trial (``trial`` a
    :class:`ganbench.LoggedTrial`: its id, name, configuration and the suite's results
    directory; ``values`` the history record's figures; ``samples`` the snapshot, a
    read-only numpy array, or None), and optionally ``outcome(self, trial, final)`` when
    the trial ends and ``close(self)``.  A run picks loggers with ``log = ["name"]`` in
    its suite or ``ganbench run --log name``.  A logger never changes a trial: one that
    raises is a warning naming it, and the trial goes on without it.
    """
