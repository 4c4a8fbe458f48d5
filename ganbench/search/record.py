"""``search.json``: a search's configurations, their scores, the selection and its rule.

SKELETON (the format is agreed; the code is being written). Written atomically into the
suite's results directory when phase 1 starts (configurations, no scores), and again when
the selection is made. Format 1::

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
