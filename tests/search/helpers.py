"""Objectives with numeric options to search, and a ``[search]`` table to start from."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, ClassVar, Literal

from ganbench.components import param
from ganbench.objectives.base import Objective
from ganbench.objectives.ipm import WassersteinClip, WassersteinGP
from ganbench.objectives.margin import Hinge
from ganbench.search.space import SearchSpec, parse_search


@dataclasses.dataclass(frozen=True)
class Knobs(Objective):
    """An objective with a penalty by default and options of every kind."""

    name: ClassVar[str] = "knobs"
    hyper: ClassVar[dict[str, Any]] = {"n_critic": 2, "penalty": "gp", "penalty_weight": 10.0}

    margin: float = param(1.0, min=0.0, max=5.0, exclusive_min=True, help="a margin")
    depth: int = param(3, min=1, max=20, help="an integer option")
    mode: Literal["a", "b"] = param("a", help="a literal option")

    def validate(self) -> None:
        if self.mode == "b" and self.margin > 2.0:
            raise ValueError(f"mode 'b' needs margin <= 2, got {self.margin}")


#: (label, class, [[objectives]] entry), as the suite loader passes them
OBJECTIVES: list[tuple[str, type, dict[str, Any]]] = [
    ("hinge", Hinge, {"name": "hinge"}),
    ("wgan-gp", WassersteinGP, {"name": "wgan-gp"}),
    ("wgan-clip", WassersteinClip, {"name": "wgan-clip"}),
    ("knobs", Knobs, {"name": "knobs"}),
]
OUTPUTS = {"wasserstein": "min", "modes": "max", "steps_per_s": ""}
REPORT_SEEDS = [0, 1, 2]

TABLE: dict[str, Any] = {
    "method": "random",
    "budget": 9,
    "space": {
        "lr_g": {"log": [1e-5, 1e-2]},
        "lr_d": {"tie": "lr_g"},
        "betas": {"choice": [[0.5, 0.999], [0.0, 0.9]]},
        "n_critic": {"choice": [1, 5]},
        "penalty_weight": {"log": [0.1, 100.0]},
    },
    "objectives": {"wgan-gp": {"n_critic": {"uniform": [1, 10]}, "clip": False}},
}


def table(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`TABLE` with top-level keys replaced (None removes one)."""
    out = copy.deepcopy(TABLE)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def spec(tbl: dict[str, Any] | None = None, objectives: Any = None) -> SearchSpec:
    return parse_search(
        TABLE if tbl is None else tbl,
        OBJECTIVES if objectives is None else objectives,
        REPORT_SEEDS,
        OUTPUTS,
        "wasserstein",
    )


def one(label: str, cls: type, space: dict[str, Any], **changes: Any) -> SearchSpec:
    """A spec of one objective searching ``space``."""
    return spec(table(space=space, objectives={}, **changes), [(label, cls, {"name": cls.name})])
