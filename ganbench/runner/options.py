"""How a run trains its trials (:class:`RunOptions`), checked and completed from what the caller gave."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ganbench.errors import ConfigError
from ganbench.registry import Registry

#: the general options of a run that an executor may ask for by naming them in its ``options``
GENERAL = ("threads",)


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """How trials train: the options of ``ganbench run`` (and of :func:`ganbench.run`)."""

    device: str = "auto"
    vectorize: str | int = "auto"
    jobs: int | None = None
    threads: int = 1
    executor: str | None = None  # None: inline for one job, process for more
    #: the executor's keyword arguments (its own options and the general ones it names), complete
    executor_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: the loggers every trial reports to as it trains (``--log``); None: the suite's ``log``
    loggers: tuple[Any, ...] | None = None
    #: ``--steps``: every trial trains this many generator steps instead of the suite's (None: the suite's)
    steps: int | None = None


def _check_vectorize(vectorize: str | int) -> None:
    if vectorize in ("auto", "off"):
        return
    if isinstance(vectorize, bool) or not isinstance(vectorize, int) or not 1 <= vectorize <= 1024:
        raise ConfigError(f"vectorize {vectorize!r}: expected 'auto', 'off' or a group size from 1 to 1024")


def _check_count(name: str, value: int | None, optional: bool) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1024:
        raise ConfigError(f"{name} {value!r}: expected an integer from 1 to 1024")


#: the most generator steps ``--steps`` takes (as a suite's ``train.steps``)
MAX_STEPS = 100_000_000


def _check_steps(steps: int | None) -> None:
    if steps is None:
        return
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ConfigError(f"steps {steps!r}: expected an integer from 1 to {MAX_STEPS}")


def run_options(
    registry: Registry,
    device: str = "auto",
    vectorize: str | int = "auto",
    jobs: int | None = None,
    threads: int = 1,
    executor: str | None = None,
    executor_options: Mapping[str, Any] | None = None,
    steps: int | None = None,
) -> RunOptions:
    """The options of a run, checked: ``executor_options`` are options the executor takes
    (its own, :meth:`ganbench.Executor.add_options`); those not given take their defaults,
    and the general ones it names (``threads``) come from this run. ``steps``: every trial's
    generator steps instead of the suite's (:mod:`ganbench.runner.budget`)."""
    from ganbench.executors import takes

    _check_vectorize(vectorize)
    _check_count("jobs", jobs, optional=True)
    _check_count("threads", threads, optional=False)
    _check_steps(steps)
    given = dict(executor_options or {})
    if executor is None:
        if given:
            raise ConfigError(f"executor_options {sorted(given)}: name the executor they belong to (executor=...)")
        return RunOptions(device, vectorize, jobs, threads, steps=steps)
    cls = registry.get("executors", executor, "--executor")
    wanted = takes(cls)
    unknown = sorted(set(given) - set(wanted))
    if unknown:
        offered = ", ".join(d for d in wanted if d not in GENERAL) or "none"
        raise ConfigError(
            f"executor_options: executor '{executor}' takes no option {unknown[0]!r} (it takes: {offered})"
        )
    general = {"threads": threads}
    kwargs = {dest: given.get(dest, general.get(dest, default)) for dest, default in wanted.items()}
    return RunOptions(device, vectorize, jobs, threads, executor, kwargs, steps=steps)
