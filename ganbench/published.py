"""A suite's ``[published]`` table: the numbers a paper published that the suite reproduces.

::

    [published]
    source = "Lin, Khetan, Fanti & Oh, PacGAN, NeurIPS 2018, Table 1"
    n = 10                      # runs behind each published mean (a row may override it);
                                # "unstated" where the paper does not say (only for figures without a spread)
    steps = 400000              # optional: the paper's generator steps and batch size
    batch_size = 100
    differences = ["D and G updated simultaneously in the authors' code; ganbench alternates"]
    [[published.results]]
    dataset = "ring"            # a dataset label of the suite
    objective = "gan"           # an objective label of the suite
    modes_captured = { mean = 6.3, se = 0.5 }   # a metric output: se, sd, or no spread
    hq_percent = { mean = 98.2 }

:func:`parse_published` checks it when the suite loads (every error a one-line
:class:`ConfigError` naming its key); the suite's ``suite.json`` keeps it as
:meth:`Published.to_json` writes it, and :func:`published_from_json` reads that back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

from ganbench.components import coerce, suggest
from ganbench.errors import ConfigError

#: the kinds of spread a published mean may carry: its standard error or the runs' standard deviation
SPREADS = ("se", "sd")
SPREAD_WORDS = {"se": "standard error", "sd": "standard deviation", "": "no spread published"}
_KEYS = ("source", "n", "steps", "batch_size", "differences", "results")
_ROW_KEYS = ("dataset", "objective", "n")
#: what ``n`` says when the paper does not state how many runs are behind its means
UNSTATED = "unstated"


@dataclasses.dataclass(frozen=True)
class Value:
    """One published figure: its mean, and its spread of kind ``kind`` ("se", "sd"; "" for none)."""

    mean: float
    spread: float | None = None
    kind: str = ""

    def to_json(self) -> dict[str, float]:
        return {"mean": self.mean} | ({self.kind: self.spread} if self.kind and self.spread is not None else {})


@dataclasses.dataclass(frozen=True)
class Row:
    """The published figures of one (dataset, objective) of the suite, each over ``n`` runs
    (None: the paper does not say how many; then no figure of the row has a spread)."""

    dataset: str
    objective: str
    n: int | None
    values: Mapping[str, Value]

    def to_json(self) -> dict[str, Any]:
        n = UNSTATED if self.n is None else self.n
        out: dict[str, Any] = {"dataset": self.dataset, "objective": self.objective, "n": n}
        return out | {output: v.to_json() for output, v in self.values.items()}


@dataclasses.dataclass(frozen=True)
class Published:
    source: str
    rows: tuple[Row, ...]
    steps: int | None = None  # the paper's generator steps
    batch_size: int | None = None  # the paper's batch size
    differences: tuple[str, ...] = ()  # protocol differences, one sentence each

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source}
        out |= {k: v for k, v in (("steps", self.steps), ("batch_size", self.batch_size)) if v is not None}
        return out | {"differences": list(self.differences), "results": [r.to_json() for r in self.rows]}

    def datasets(self) -> list[str]:
        return list(dict.fromkeys(r.dataset for r in self.rows))


def _count(table: Mapping[str, Any], key: str, where: str) -> int | None:
    if key not in table:
        return None
    return _positive(table, key, where)


def _runs(table: Mapping[str, Any], key: str, where: str) -> int | str | None:
    """``n``: a count of runs, or "unstated"."""
    if table.get(key) == UNSTATED:
        return UNSTATED
    return _count(table, key, where)


def _positive(table: Mapping[str, Any], key: str, where: str) -> int:
    value = coerce(table[key], int, f"{where}.{key}")
    if value < 1:
        raise ConfigError(f"{where}.{key}: must be >= 1, got {value}", key=f"{where}.{key}")
    return int(value)


def _value(given: Any, where: str) -> Value:
    if not isinstance(given, Mapping):
        raise ConfigError(
            f"{where}: expected a table {{ mean = x, se = y }}, {{ mean = x, sd = y }} or {{ mean = x }}, "
            f"got {given!r}",
            key=where,
        )
    if "mean" not in given:
        raise ConfigError(f"{where}: missing key 'mean'", key=where)
    spreads = [k for k in given if k != "mean"]
    for key in spreads:
        if key not in SPREADS:
            raise ConfigError(
                f"{where}.{key}: unknown spread; give se (standard error) or sd (standard deviation), or none",
                key=where,
            )
    if len(spreads) > 1:
        raise ConfigError(f"{where}: give one spread, se or sd, not both", key=where)
    mean = coerce(given["mean"], float, f"{where}.mean")
    if not spreads:
        return Value(mean)
    kind = spreads[0]
    spread = coerce(given[kind], float, f"{where}.{kind}")
    if spread < 0:
        raise ConfigError(f"{where}.{kind}: a spread must be >= 0, got {spread:g}", key=where)
    return Value(mean, spread, kind)


def _row(
    entry: Any,
    where: str,
    default_n: int | str | None,
    measured: Mapping[str, Collection[str]] | None,
    objectives: Collection[str] | None,
) -> Row:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: expected a table with dataset, objective and metric outputs", key=where)
    for key in ("dataset", "objective"):
        if key not in entry:
            raise ConfigError(f"{where}: missing key '{key}'", key=where)
    dataset = coerce(entry["dataset"], str, f"{where}.dataset")
    if measured is not None and dataset not in measured:
        raise ConfigError(
            f"{where}.dataset: '{dataset}' is not a dataset label of this suite{suggest(dataset, measured)}",
            key=f"{where}.dataset",
        )
    objective = coerce(entry["objective"], str, f"{where}.objective")
    if objectives is not None and objective not in objectives:
        raise ConfigError(
            f"{where}.objective: '{objective}' is not an objective label of this suite{suggest(objective, objectives)}",
            key=f"{where}.objective",
        )
    n = _runs(entry, "n", where) or default_n
    if n is None:
        raise ConfigError(
            f"{where}.n: missing; give n (the runs behind each published mean) in [published] or on this row, "
            f'or n = "{UNSTATED}" where the paper does not say',
            key=where,
        )
    values: dict[str, Value] = {}
    for key, given in entry.items():
        if key in _ROW_KEYS:
            continue
        at = f"{where}.{key}"
        if measured is not None and key not in measured[dataset]:
            everywhere = {o for outputs in measured.values() for o in outputs}
            problem = (
                f"not measured on dataset '{dataset}'"
                if key in everywhere
                else f"unknown metric output{suggest(key, measured[dataset])}"
            )
            raise ConfigError(f"{at}: {problem}", key=at)
        values[key] = _value(given, at)
        if n == UNSTATED and values[key].kind:
            raise ConfigError(
                f'{at}: a {SPREAD_WORDS[values[key].kind]} needs the paper\'s n, but n is "{UNSTATED}"', key=at
            )
    if not values:
        raise ConfigError(
            f"{where}: no metric output given (e.g. modes_captured = {{ mean = 6.3, se = 0.5 }})", key=where
        )
    return Row(dataset, objective, None if n == UNSTATED else int(n), values)


def parse_published(
    table: Mapping[str, Any],
    measured: Mapping[str, Collection[str]] | None = None,
    objectives: Collection[str] | None = None,
    where: str = "published",
) -> Published:
    """``[published]`` checked. ``measured``: each dataset label of the suite -> the metric outputs
    measured on it; ``objectives``: the suite's objective labels (None: labels not checked, as
    when reading back a suite.json)."""
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{where}.{key}: unknown key{suggest(key, _KEYS)}", key=f"{where}.{key}")
    if "source" not in table:
        raise ConfigError(f"{where}: missing key 'source' (the paper and table the numbers come from)", key=where)
    source = coerce(table["source"], str, f"{where}.source")
    default_n = _runs(table, "n", where)
    steps, batch_size = _count(table, "steps", where), _count(table, "batch_size", where)
    differences = tuple(coerce(table.get("differences", []), list[str], f"{where}.differences"))
    entries = table.get("results")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}.results: expected one or more [[{where}.results]] tables", key=where)
    rows = [_row(e, f"{where}.results[{i}]", default_n, measured, objectives) for i, e in enumerate(entries)]
    seen: dict[tuple[str, str, str], int] = {}
    for i, row in enumerate(rows):
        for output in row.values:
            pair = (row.dataset, row.objective, output)
            if pair in seen:
                at = f"{where}.results[{i}].{output}"
                raise ConfigError(
                    f"{at}: {row.dataset}/{row.objective} {output} is already given in {where}.results[{seen[pair]}]",
                    key=at,
                )
            seen[pair] = i
    return Published(source, tuple(rows), steps, batch_size, differences)


def published_from_json(data: Any, where: str) -> Published:
    """A published table as :meth:`Published.to_json` wrote it, checked (``where``: the file, for errors)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: published: expected an object")
    try:
        return parse_published(data)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
