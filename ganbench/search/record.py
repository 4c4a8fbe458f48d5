"""``search.json``: a search's configurations, their scores, the selection and its rule.

Written atomically into the suite's results directory when phase 1 starts (the configurations,
state "pending"), after each round of an adaptive search, and when the selection is made.
Format 1::

    {
      "format": 1,
      "rule": {                       # SearchSpec.to_json(), plus what selection used
        "method": "sobol", "budget": 16, "seed": 0, "seeds": [1000], "report_seeds": [0, 1, 2],
        "output": "wasserstein", "direction": "min", "at": "final", "tolerance": 0.1,
        "per_round": 8,
        "spaces": {"<objective label>": [<Dimension.to_json()>, ...]}
      },
      "datasets": {
        "<dataset label>": {
          "<objective label>": {
            "configurations": [
              {
                "index": 0,                          # 0 = the objective's defaults
                "values": {"lr_g": 0.0002, ...},     # the searched keys' values
                "hyper": {...}, "options": {...},    # the full resolved hyper and options
                "trials": ["<trial id>", ...],       # one per search seed, in seed order
                "score": 0.0123 | null,              # mean over the search seeds; null: not scored
                "state": "scored" | "diverged" | "failed" | "pending"
              }, ...
            ],
            "selected": 3 | null,                    # the configuration index chosen
            "selected_reason": "best score" | "no configuration scored",
            "tuned_trials": ["<trial id>", ...],     # the selected configuration on the report seeds
            "default_trials": ["<trial id>", ...]    # configuration 0 on the report seeds
          }
        }
      }
    }

A configuration any of whose search-seed trials diverged or failed is not a candidate
(state "diverged"/"failed", score null). When every configuration of an objective
diverged or failed, the defaults (index 0) are selected and the record says so
("selected_reason": "no configuration scored").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ganbench.components import plain
from ganbench.results.files import atomic_write_json
from ganbench.search.plan import Candidate
from ganbench.search.selection import Score
from ganbench.search.space import SearchSpec

SEARCH_FILE = "search.json"
FORMAT = 1


def entry(
    candidates: Sequence[Candidate],
    trials: Mapping[int, Sequence[str]],
    scores: Mapping[int, Score],
    selected: int | None = None,
    tuned: Sequence[str] = (),
    defaults: Sequence[str] = (),
) -> dict[str, Any]:
    """One (dataset, objective)'s record: its configurations with their search-seed trials and
    scores, and once made, the selection and the report-seed trials."""
    configurations = []
    for c in candidates:
        s = scores.get(c.index, Score("pending"))
        configurations.append(
            {
                "index": c.index,
                "values": {k: plain(v) for k, v in c.values.items()},
                "hyper": c.objective.hyper.resolved(),
                "options": dict(c.objective.options),
                "trials": list(trials[c.index]),
                "score": s.value,
                "state": s.state,
            }
        )
    out: dict[str, Any] = {"configurations": configurations, "selected": selected}
    if selected is not None:
        reason = "best score" if scores.get(selected, Score("pending")).state == "scored" else "no configuration scored"
        out.update(selected_reason=reason, tuned_trials=list(tuned), default_trials=list(defaults))
    return out


def write(suite_dir: Path, spec: SearchSpec, report_seeds: Sequence[int], datasets: Mapping[str, Any]) -> Path:
    """Write ``search.json``: the rule and ``datasets`` ({dataset: {objective: entry(...)}})."""
    path = Path(suite_dir) / SEARCH_FILE
    rule = {**spec.to_json(), "report_seeds": list(report_seeds)}
    atomic_write_json(path, {"format": FORMAT, "rule": rule, "datasets": datasets})
    return path
