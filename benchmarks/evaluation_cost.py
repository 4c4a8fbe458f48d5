"""Where a finished suite's evaluation time goes: each metric recomputed from the samples on disk.

    ganbench run suites/mixtures.toml --out /tmp/mix          # any finished run with snapshots
    python benchmarks/evaluation_cost.py /tmp/mix/mixtures     # one torch thread, nothing else running
    python benchmarks/evaluation_cost.py /tmp/mix/mixtures --assignment   # and scipy's exact solver on W1

Every evaluation of every complete trial is measured again: the generated samples are the
snapshot the run kept (``snapshot_samples`` must cover ``eval_samples``), the real samples are
drawn again from the trial's evaluation seed, exactly as training drew them, and each metric's
``compute`` is timed. Every recomputed value must equal the one in the trial's history (the
script stops if one does not: its timings would be of something else). It prints, per metric,
the calls, the seconds and their share of the trials' summed wall time (``final.json``), next
to the share the run itself spent outside training steps. Timings here run alone on a core;
during the suite the other jobs shared the machine, so the run's own share can be higher.
``--assignment`` also solves each exact-Wasserstein problem with
``scipy.optimize.linear_sum_assignment`` (the same optimum, another exact algorithm) and
prints its seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from pathlib import Path

import pandas as pd
import torch

from ganbench.metrics.base import Evaluation
from ganbench.metrics.distances import Wasserstein
from ganbench.plugins import Registry, load_plugins
from ganbench.results import TrialDir
from ganbench.training.evaluate import eval_seed, evaluation_inputs
from ganbench.trial import Trial

#: recomputed and recorded values must agree to this relative tolerance
RTOL = 1e-9


@dataclasses.dataclass
class Cost:
    """What one run's evaluations cost, recomputed."""

    trials: int
    wall: float  # the trials' summed wall time (final.json)
    train: float  # ... of which training steps
    seconds: dict[str, float]  # per metric, summed over every evaluation
    calls: dict[str, int]
    assignment: float | None  # scipy's solver on the exact-Wasserstein problems, if asked

    def table(self) -> pd.DataFrame:
        rows = [
            {"metric": name, "calls": self.calls[name], "seconds": s, "share of trial time": s / self.wall}
            for name, s in self.seconds.items()
        ]
        return pd.DataFrame(rows)


def recompute(root: Path, registry: Registry, assignment: bool = False) -> Cost:
    """Recompute and time every metric of every evaluation of the complete trials under ``root``."""
    seconds: dict[str, float] = {}
    calls: dict[str, int] = {}
    wall = train = 0.0
    lsa = 0.0 if assignment else None
    # complete trials only: a diverged trial's record stops at its last good evaluation
    finals = {p: TrialDir(p).read_final() for p in sorted(root.iterdir()) if TrialDir(p).is_done()}
    complete = {p: f["metrics"] for p, f in finals.items() if f["status"] == "complete"}
    if not complete:
        raise SystemExit(f"{root}: no complete trials")
    for path, final in complete.items():
        td = TrialDir(path)
        trial = Trial.from_json(json.loads(td.config.read_text()))
        parts = trial.instantiate(registry)
        wall, train = wall + final["wall_time"], train + final["train_time"]
        n = trial.train.eval_samples
        for record in td.read_history():
            step = int(record["step"])
            fake = torch.from_numpy(td.read_samples(step))
            if len(fake) < n:
                raise SystemExit(f"{path}: the snapshot at step {step} has {len(fake)} samples, evaluation used {n}")
            seed = eval_seed(trial.seed, step)
            real = evaluation_inputs(parts, n, torch.Generator().manual_seed(seed))[1].to(fake.dtype)
            at = Evaluation(step, step == trial.train.steps, seed, parts.model)
            for metric in parts.metrics:
                if not metric.due(at):
                    continue
                extra = {"evaluation": at} if metric.uses_evaluation else {}
                t0 = time.perf_counter()
                values = metric.compute(real=real, fake=fake, dataset=parts.dataset, **extra)
                seconds[metric.name] = seconds.get(metric.name, 0.0) + time.perf_counter() - t0
                calls[metric.name] = calls.get(metric.name, 0) + 1
                for key, value in values.items():
                    if not math.isclose(float(value), record[key], rel_tol=RTOL, abs_tol=1e-12):
                        raise SystemExit(
                            f"{path.name}, step {step}: {key} recomputes to {float(value)!r}, "
                            f"the history has {record[key]!r}"
                        )
                if lsa is not None and isinstance(metric, Wasserstein):
                    lsa += _assignment_seconds(fake, real, metric)
    return Cost(len(complete), wall, train, seconds, calls, lsa)


def _assignment_seconds(fake: torch.Tensor, real: torch.Tensor, metric: Wasserstein) -> float:
    from scipy.optimize import linear_sum_assignment

    n, p = min(metric.samples, len(fake), len(real)), metric.p
    cost = torch.cdist(fake[:n].double(), real[:n].double()).pow(p).numpy()
    t0 = time.perf_counter()
    linear_sum_assignment(cost)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a suite's results directory (RESULTS/SUITE_NAME)")
    parser.add_argument("--assignment", action="store_true", help="also time scipy's assignment solver on W1")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cost = recompute(args.results, load_plugins(None), args.assignment)
    print(
        f"{args.results}: {cost.trials} complete trials, "
        f"summed wall time {cost.wall:.1f} s, training {cost.train:.1f} s"
    )
    outside = cost.wall - cost.train
    print(f"outside training steps during the run: {outside:.1f} s ({outside / cost.wall:.1%} of trial time)")
    print(cost.table().to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    if cost.assignment is not None:
        print(f"wasserstein by scipy.optimize.linear_sum_assignment instead: {cost.assignment:.1f} s")


if __name__ == "__main__":
    main()
