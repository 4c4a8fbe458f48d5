"""The configurations a method proposes for one objective: seeded random, Sobol or grid.

Every draw is seeded by the search's ``seed`` and a stable hash of the objective's label, so
an objective's configurations depend on nothing else in the suite: adding an objective, or
reordering them, changes no other objective's draws, and a rerun rebuilds the same list.
"""

from __future__ import annotations

import hashlib
import itertools
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.stats import qmc

from ganbench.components import plain
from ganbench.search.dimensions import Dimension, SearchSpec


def label_key(label: str) -> int:
    """A stable 64-bit number for ``label`` (the same in every process, unlike :func:`hash`)."""
    return int.from_bytes(hashlib.sha256(label.encode("utf-8")).digest()[:8], "big")


def generator(spec: SearchSpec, label: str) -> np.random.Generator:
    """The random generator of objective ``label``'s draws."""
    return np.random.default_rng(np.random.SeedSequence([spec.seed, label_key(label)]))


def _sobol(d: int, rng: np.random.Generator) -> qmc.Sobol:
    try:
        return qmc.Sobol(d, scramble=True, rng=rng)
    except TypeError:  # scipy < 1.15 names it seed
        return qmc.Sobol(d, scramble=True, seed=rng)


def sobol_balance_note(spec: SearchSpec) -> str | None:
    """A note when a Sobol search draws a number of points that loses Sobol's balance."""
    n = spec.budget - 1
    if spec.method != "sobol" or n < 1 or n & (n - 1) == 0:
        return None
    return (
        f"search: Sobol points are balanced when their number is a power of two; budget {spec.budget} "
        f"draws {n} besides the defaults (a budget of {2 ** (n.bit_length() - 1) + 1} or "
        f"{2 ** n.bit_length() + 1} keeps the balance)"
    )


def unit_points(spec: SearchSpec, label: str, d: int) -> np.ndarray:
    """The ``spec.budget - 1`` points in [0, 1)^d that a random or Sobol search maps to values."""
    n = spec.budget - 1
    rng = generator(spec, label)
    if spec.method == "random":
        return rng.random((n, d))
    if spec.method == "sobol":
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*balance properties of Sobol.*")
            return _sobol(d, rng).random(n)
    raise ValueError(f"method '{spec.method}' draws no unit points")


def grid_points(spec: SearchSpec, label: str, dims: Sequence[Dimension]) -> list[tuple[Any, ...]]:
    """The grid method's ``spec.budget - 1`` points: the whole Cartesian product of the
    dimensions' grids when that is its size, else a seeded subset in the product's order."""
    product = list(itertools.product(*(d.grid() for d in dims)))
    n = spec.budget - 1
    if n > len(product):
        raise ValueError(f"budget {spec.budget} exceeds the grid of '{label}' ({len(product)} points) + the defaults")
    if n == len(product):
        return product
    chosen = sorted(int(i) for i in generator(spec, label).choice(len(product), size=n, replace=False))
    return [product[i] for i in chosen]


def resolve_ties(config: dict[str, Any], dims: Sequence[Dimension]) -> dict[str, Any]:
    """``config`` with every tied key set to its target's value (targets come first in ``dims``)."""
    for d in dims:
        if d.kind == "tie":
            config[d.key] = config[str(d.tie)]
    return config


def configurations(spec: SearchSpec, label: str, defaults: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``spec.budget`` configurations of objective ``label`` (not for method "optuna"):
    configuration 0 is ``{key: defaults[key]}`` for every searched key; the others are drawn by
    the method, seeded by ``spec.seed`` and the label (so adding an objective changes no other's
    draws), ties resolved. The same spec gives the same list, always. Values are plain JSON
    data (a pair such as ``betas`` is a list), as a trial's ``config.json`` holds them."""
    if spec.method == "optuna":
        raise ValueError("method 'optuna' proposes its configurations adaptively (ganbench.search.adaptive)")
    dims = spec.spaces[label]
    free = [d for d in dims if d.kind != "tie"]
    configs = [{d.key: plain(defaults[d.key]) for d in dims}]
    if spec.budget <= 1:
        return configs
    if spec.method == "grid":
        rows: list[tuple[Any, ...]] = grid_points(spec, label, free)
    else:
        units = unit_points(spec, label, len(free))
        rows = [tuple(d.from_unit(u) for d, u in zip(free, row, strict=True)) for row in units]
    for row in rows:
        configs.append(resolve_ties({d.key: plain(v) for d, v in zip(free, row, strict=True)}, dims))
    return configs
