"""The ``[search]`` table of a suite file: a space of dimensions, a method, a budget, a
selection rule and the search seeds; validated once, when the suite is loaded.

Every value and range is checked against the key's own declared type and bounds (the
:class:`~ganbench.config.Hyper` fields for hyperparameters, an objective's ``param`` fields
for its options), and every problem is a :class:`~ganbench.errors.ConfigError` whose message
starts with the dotted key (``search.space.lr_g``, ``search.objectives.hinge.n_critic``).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ganbench.components import build, check_bounds, coerce, describe_type, suggest
from ganbench.config import NO_PENALTY, Hyper
from ganbench.errors import ConfigError
from ganbench.search.adaptive import require_optuna
from ganbench.search.dimensions import FIRST_SEARCH_SEED, At, Dimension, Method, SearchSpec
from ganbench.search.methods import configurations, sobol_balance_note

__all__ = [
    "FIRST_SEARCH_SEED",
    "At",
    "Dimension",
    "Method",
    "SearchSpec",
    "apply",
    "configurations",
    "parse_search",
    "sobol_balance_note",
]

_KEYS = ("method", "budget", "seed", "seeds", "select", "at", "tolerance", "per_round", "space", "objectives")
_METHODS = ("random", "sobol", "grid", "optuna")
_KINDS = ("uniform", "log", "choice", "tie")
_SPEC_HELP = '{ uniform = [low, high] }, { log = [low, high] }, { choice = [...] } or { tie = "key" }'

#: a key's declared type and its field metadata (bounds)
Field = tuple[Any, Mapping[str, Any]]


def _error(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}", key=where)


def _int(table: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    where = f"search.{key}"
    value = coerce(table.get(key, default), int, where)
    if not low <= value <= high:
        raise _error(where, f"must be between {low} and {high}, got {value}")
    return int(value)


def _method(table: Mapping[str, Any]) -> Method:
    method = coerce(table.get("method", "random"), str, "search.method")
    if method not in _METHODS:
        raise _error("search.method", f"unknown method '{method}'{suggest(method, _METHODS)}")
    if method == "optuna":
        require_optuna("search.method")
    return typing.cast(Method, method)


def _search_seeds(value: Any, report_seeds: Sequence[int]) -> tuple[int, ...]:
    where = "search.seeds"
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= 1000:
            raise _error(where, f"a seed count must be between 1 and 1000, got {value}")
        seeds = list(range(FIRST_SEARCH_SEED, FIRST_SEARCH_SEED + value))
    else:
        seeds = coerce(value, list[int], where)
        if not seeds or len(seeds) > 1000:
            raise _error(where, "give between 1 and 1000 seeds")
        for s in seeds:
            if not 0 <= s < 2**31:
                raise _error(where, f"each seed must be in [0, 2^31), got {s}")
        repeated = sorted({s for s in seeds if seeds.count(s) > 1})
        if repeated:
            raise _error(where, f"duplicate search seeds {repeated}")
    overlap = sorted(set(seeds) & set(report_seeds))
    if overlap:
        raise _error(
            where,
            f"the search seeds overlap the report seeds {overlap}; selection and report need different seeds",
        )
    return tuple(seeds)


def _select(table: Mapping[str, Any], outputs: Mapping[str, str], default_output: str) -> tuple[str, str]:
    where = "search.select"
    output = coerce(table.get("select", default_output), str, where)
    selectable = [k for k, d in outputs.items() if d in ("min", "max")]
    if not output:
        raise _error(
            where, f"the suite has no convergence distance; name the output that selects{suggest('', selectable)}"
        )
    if output not in outputs:
        raise _error(where, f"'{output}' is not an output of the suite's metrics{suggest(output, selectable)}")
    if outputs[output] not in ("min", "max"):
        raise _error(where, f"'{output}' is neither lower- nor higher-is-better, so it cannot select")
    return output, outputs[output]


def _checked(value: Any, field: Field, where: str, key: str) -> Any:
    """``value`` coerced to the field's type and within its bounds; an error names ``key``."""
    try:
        value = coerce(value, field[0], where)
        check_bounds(value, field[1], where)
    except ConfigError as exc:
        raise ConfigError(str(exc), key=key) from None
    return value


def _dimension(key: str, spec: Any, field: Field, where: str) -> Dimension:
    """One ``key = { ... }`` entry of a space, checked against ``field``."""
    if not isinstance(spec, Mapping):
        raise _error(where, f"expected {_SPEC_HELP}, got {spec!r}")
    for name in spec:
        if name not in (*_KINDS, "points"):
            raise _error(where, f"unknown key '{name}'{suggest(name, (*_KINDS, 'points'))}")
    kinds = [k for k in _KINDS if k in spec]
    if len(kinds) != 1:
        raise _error(where, f"give exactly one of uniform, log, choice, tie, got {kinds or 'none'}")
    kind = kinds[0]
    if "points" in spec and kind not in ("uniform", "log"):
        raise _error(where, "points applies to uniform and log ranges only")
    value = spec[kind]
    if kind == "tie":
        return Dimension(key, "tie", tie=coerce(value, str, f"{where}.tie"))
    if kind == "choice":
        if not isinstance(value, list) or not value:
            raise _error(where, f"a choice needs a non-empty list of values, got {value!r}")
        choices = [_checked(v, field, f"{where}.choice[{j}]", where) for j, v in enumerate(value)]
        for j, c in enumerate(choices):
            if c in choices[:j]:
                raise _error(where, f"choice lists {value[j]!r} twice")
        return Dimension(key, "choice", choices=tuple(choices))
    tp, _ = field
    if tp not in (int, float):
        raise _error(where, f"a {kind} range needs a numeric key, and {key} is {describe_type(tp)}; use a choice")
    if not isinstance(value, list) or len(value) != 2:
        raise _error(where, f"{kind} takes [low, high], got {value!r}")
    if kind == "log":
        for v in value:
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v <= 0:
                raise _error(where, f"a log range must stay above 0, got [{value[0]!r}, {value[1]!r}]")
    low, high = (_checked(v, field, f"{where}.{kind}[{j}]", where) for j, v in enumerate(value))
    if low > high:
        raise _error(where, f"low {low!r} is above high {high!r}")
    points = _checked(spec.get("points", 3), (int, {"min": 2, "max": 1000}), f"{where}.points", where)
    return Dimension(key, typing.cast(Literal["uniform", "log"], kind), low, high, integer=tp is int, points=points)


def _fields(cls: type, penalised: bool) -> dict[str, Field]:
    """Every key objective class ``cls`` can search: the hyperparameters (``penalty_weight``
    only with a penalty) and its own options."""
    hints = typing.get_type_hints(Hyper)
    out: dict[str, Field] = {f.name: (hints[f.name], f.metadata) for f in Hyper.param_fields()}
    if not penalised:
        del out["penalty_weight"]
    own = typing.get_type_hints(cls)
    out.update({f.name: (own[f.name], f.metadata) for f in cls.param_fields()})  # type: ignore[attr-defined]
    return out


def _ordered(dims: dict[str, tuple[Dimension, str]], fields: Mapping[str, Field], label: str) -> tuple[Dimension, ...]:
    """Free dimensions in written order, then ties, each after its target; ties checked."""
    free = [d for d, _ in dims.values() if d.kind != "tie"]
    ties = [(d, where) for d, where in dims.values() if d.kind == "tie"]
    for d, where in ties:
        target = str(d.tie)
        if target not in dims:
            raise _error(where, f"ties to '{target}', which is not searched for objective '{label}'")
        if fields[target][0] != fields[d.key][0]:
            raise _error(
                where,
                f"ties {d.key} ({describe_type(fields[d.key][0])}) to {target} "
                f"({describe_type(fields[target][0])}); a tie needs keys of one type",
            )
        chain = [d.key]
        root = dims[target][0]
        while root.kind == "tie":
            if root.key in chain:
                raise _error(where, f"the ties form a cycle: {' -> '.join([*chain, root.key])}")
            chain.append(root.key)
            root = dims[str(root.tie)][0]
        values = root.choices if root.kind == "choice" else (root.low, root.high)
        try:
            for v in values:
                check_bounds(v, fields[d.key][1], d.key)
        except ConfigError as exc:
            raise _error(where, f"ties to '{root.key}', whose values do not all fit: {exc}") from None
    placed = [d.key for d in free]
    pending = list(ties)
    while pending:
        ready = [(d, w) for d, w in pending if d.tie in placed]
        placed += [d.key for d, _ in ready]
        free += [d for d, _ in ready]
        pending = [(d, w) for d, w in pending if d.key not in placed]
    return tuple(free)


def _spaces(
    table: Mapping[str, Any], objectives: Sequence[tuple[str, type, Mapping[str, Any]]]
) -> dict[str, tuple[Dimension, ...]]:
    space = table.get("space", {})
    overrides = table.get("objectives", {})
    for name, value in (("space", space), ("objectives", overrides)):
        if not isinstance(value, Mapping):
            raise _error(f"search.{name}", f"expected a table ([search.{name}]), got {value!r}")
    labels = [label for label, _, _ in objectives]
    for label, value in overrides.items():
        if label not in labels:
            raise _error(f"search.objectives.{label}", f"no objective has the label '{label}'{suggest(label, labels)}")
        if not isinstance(value, Mapping):
            raise _error(f"search.objectives.{label}", f"expected a table, got {value!r}")

    def searched(label: str, key: str) -> bool:
        return overrides.get(label, {}).get(key, key in space) is not False

    fields = {}
    for label, cls, entry in objectives:
        resolved = {**getattr(cls, "hyper", {}), **entry}.get("penalty", NO_PENALTY)
        fields[label] = _fields(cls, resolved != NO_PENALTY or searched(label, "penalty"))
    known = {k for f in fields.values() for k in f}
    for key, spec in space.items():
        if key not in known:
            why = (
                "no objective of the suite has a penalty"
                if key == "penalty_weight"
                else "no objective of the suite has it"
            )
            raise _error(f"search.space.{key}", f"unknown hyperparameter or option ({why}){suggest(key, known)}")
        if spec is False:
            raise _error(f"search.space.{key}", "false (not searched) belongs under [search.objectives.<label>]")

    spaces = {}
    for i, (label, _, entry) in enumerate(objectives):
        own = fields[label]
        written: dict[str, tuple[Any, str]] = {k: (v, f"search.space.{k}") for k, v in space.items() if k in own}
        for key, spec in overrides.get(label, {}).items():
            where = f"search.objectives.{label}.{key}"
            if key not in own:
                why = "has no penalty" if key == "penalty_weight" else f"has no hyperparameter or option '{key}'"
                raise _error(where, f"objective '{label}' {why}{suggest(key, own)}")
            if spec is False:
                written.pop(key, None)
            else:
                written[key] = (spec, where)
        dims: dict[str, tuple[Dimension, str]] = {}
        for key, (spec, where) in written.items():
            if key in entry:
                raise _error(
                    where,
                    f"{key} is both fixed in objectives[{i}] ('{label}') and searched; remove one, "
                    f"or set {key} = false under [search.objectives.{label}]",
                )
            dims[key] = (_dimension(key, spec, own[key], where), where)
        if not dims:
            raise _error("search", f"nothing is searched for objective '{label}'; every objective gets the budget")
        spaces[label] = _ordered(dims, own, label)
    return spaces


def parse_search(
    table: Mapping[str, Any],
    objectives: Sequence[tuple[str, type, Mapping[str, Any]]],
    report_seeds: Sequence[int],
    outputs: Mapping[str, str],
    default_output: str,
) -> SearchSpec:
    """Validate the ``[search]`` table. ``objectives``: (label, objective class, its [[objectives]]
    entry) in suite order; ``outputs``: metric output -> "min"/"max"/""; ``default_output``: the
    suite's convergence distance. Every problem is a ConfigError naming its key (e.g.
    ``search.space.lr_g``, ``search.objectives.hinge.n_critic``)."""
    if not isinstance(table, Mapping):
        raise _error("search", f"expected a table ([search]), got {table!r}")
    for key in table:
        if key not in _KEYS:
            raise _error(f"search.{key}", f"unknown key{suggest(key, _KEYS)}")
    method = _method(table)
    if "budget" not in table:
        raise _error("search.budget", "missing; give the configurations per objective (configuration 0 = the defaults)")
    budget = _int(table, "budget", 1, 1, 100_000)
    seed = _int(table, "seed", 0, 0, 2**32 - 1)
    seeds = _search_seeds(table.get("seeds", 1), report_seeds)
    output, direction = _select(table, outputs, default_output)
    at = coerce(table.get("at", "final"), Literal["final", "best"], "search.at")
    tolerance = coerce(table.get("tolerance", 0.1), float, "search.tolerance")
    if tolerance < 0:
        raise _error("search.tolerance", f"must be >= 0, got {tolerance}")
    per_round = _int(table, "per_round", 8, 1, 10_000)
    spaces = _spaces(table, objectives)
    if method == "grid":
        for label, dims in spaces.items():
            size = math.prod(len(d.grid()) for d in dims if d.kind != "tie")
            if budget - 1 > size:
                raise _error(
                    "search.budget",
                    f"{budget} is more than the grid of objective '{label}' holds: {size} points + the defaults "
                    f"= {size + 1}; lower the budget or give more points",
                )
    return SearchSpec(
        method,
        budget,
        seed,
        seeds,
        output,
        typing.cast(Literal["min", "max"], direction),
        typing.cast(At, at),
        tolerance,
        per_round,
        spaces,
        tuple(report_seeds),
    )


def apply(objective: Any, cls: type, config: Mapping[str, Any], where: str) -> Any:
    """``objective`` (an :class:`~ganbench.trial.ObjectiveSpec`) with ``config``'s values set:
    hyperparameter keys into its ``hyper``, option keys into its ``options``, each validated
    (types, bounds, the class's ``validate``) as a suite file's value would be."""
    hyper_keys = {f.name for f in Hyper.param_fields()}
    option_keys = {f.name for f in cls.param_fields()}  # type: ignore[attr-defined]
    for key in config:
        if key not in hyper_keys | option_keys:
            raise ConfigError(
                f"{where}: unknown key '{key}'{suggest(key, hyper_keys | option_keys)}", key=f"{where}.{key}"
            )
    hyper = build(Hyper, {**objective.hyper.params(), **{k: v for k, v in config.items() if k in hyper_keys}}, where)
    given = {**objective.options, **{k: v for k, v in config.items() if k in option_keys}}
    options: Any = build(cls, given, where)  # type: ignore[type-var]
    return dataclasses.replace(objective, hyper=hyper, options=options.params())
