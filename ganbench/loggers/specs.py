"""Which loggers a run uses: a suite's ``log`` key or ``ganbench run --log``, checked once.

Each entry names a registered logger, with its options in a table where it has some
(``log = ["tensorboard", { name = "mlflow", tracking_uri = "http://host:5000" }]``).
The options are validated as any component's (:func:`ganbench.components.build`), and a
logger whose library is missing says so here, before anything trains.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ganbench.components import build, coerce
from ganbench.errors import ConfigError
from ganbench.registry import Registry


@dataclasses.dataclass(frozen=True)
class LoggerSpec:
    """A logger as the engine's options carry it to the processes that train: its name and options."""

    name: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def split_names(text: str) -> list[str]:
    """``--log tensorboard,mlflow`` -> ['tensorboard', 'mlflow'] ('' names none)."""
    return [name.strip() for name in text.split(",") if name.strip()]


def logger_specs(value: Any, where: str, registry: Registry) -> tuple[LoggerSpec, ...]:
    """The loggers ``value`` lists (names, or tables with a name and options), each looked up in
    ``registry`` and its options checked; a one-line :class:`ConfigError` naming ``where`` else."""
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of logger names or tables, got {value!r}", key=where)
    specs: list[LoggerSpec] = []
    for i, entry in enumerate(value):
        at = where if where.startswith("--") else f"{where}[{i}]"  # '--log', or 'log[1]' of a suite
        entry = {"name": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, Mapping) or "name" not in entry:
            raise ConfigError(f"{at}: expected a logger name or a table with a name, got {entry!r}", key=at)
        name = coerce(entry["name"], str, f"{at}.name")
        cls = registry.get("loggers", name, at)
        logger = build(cls, {k: v for k, v in entry.items() if k != "name"}, at)
        if any(spec.name == name for spec in specs):
            raise ConfigError(f"{at}: logger '{name}' is listed twice", key=at)
        specs.append(LoggerSpec(name, logger.params()))
    return tuple(specs)
