"""What share of a suite's time the ``divergences`` metric would cost at the final evaluation.

    python benchmarks/divergence_share.py                                  # suites/mixtures.toml, the ring, seed 0
    python benchmarks/divergence_share.py --dataset grid --seeds 2

The suite's trials for the first ``--seeds`` seeds on one dataset train as ganbench trains
them (one vectorised group per group key, on the CPU, one torch thread), timed from start to end with the
suite's own metrics and evaluations. Then the ``divergences`` metric with its default options
(eleven critics, batches of 256, the suite's critic architecture, the suite's evaluation
samples) is timed ``--repeats`` times at a final evaluation of that dataset, on the dataset's
own samples against a copy shifted by 0.1. Its budget is convergence-driven (up to
``max_steps`` updates), so its cost depends on how soon the critics settle for that pair: a
generator that misses modes makes KL-type critics stop early (diverging) or run to
``max_steps``.
The share printed is n·t_metric / (t_train + n·t_metric): the fraction of the suite's time
the metric would take if every one of its n trials were judged once, at the end.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from ganbench.metrics.base import Evaluation
from ganbench.metrics.divergences import Divergences
from ganbench.plugins import load_plugins
from ganbench.suite import load_suite
from ganbench.training import EngineOptions, train_trials
from ganbench.training.evaluate import eval_seed
from ganbench.training.grouping import group_key

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", type=Path, default=ROOT / "suites" / "mixtures.toml")
    parser.add_argument("--dataset", default="ring", help="the dataset label whose trials are timed")
    parser.add_argument("--seeds", type=int, default=1, help="how many of the suite's seeds")
    parser.add_argument("--repeats", type=int, default=2, help="timings of the metric (the median is used)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = load_plugins(None)
    suite = load_suite(args.suite, registry)
    seeds = sorted({t.seed for t in suite.trials})[: args.seeds]
    trials = [t for t in suite.trials if t.dataset.label == args.dataset and t.seed in seeds]
    if not trials:
        raise SystemExit(f"{args.suite}: no trials on dataset '{args.dataset}'")

    with tempfile.TemporaryDirectory() as tmp:
        groups: dict[str, list] = {}
        for t in trials:
            groups.setdefault(group_key(t, registry), []).append(t)
        t0 = time.perf_counter()
        results = [
            result
            for group in groups.values()
            for result in train_trials(group, [str(Path(tmp) / t.id) for t in group], "cpu", registry, EngineOptions())
        ]
        t_train = time.perf_counter() - t0
    bad = [str(r["status"]) for r in results if str(r["status"]) != "complete"]
    if bad:
        raise SystemExit(f"training did not complete: {bad}")

    trial = trials[0]
    parts = trial.instantiate(registry)
    n = trial.train.eval_samples
    g = torch.Generator().manual_seed(0)
    real = parts.dataset.sample(n, generator=g).float()
    fake = parts.dataset.sample(n, generator=g).float() + 0.1
    metric = Divergences().resolve(registry, "benchmark")
    at = Evaluation(trial.train.steps, True, eval_seed(trial.seed, trial.train.steps), parts.model)
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        metric.compute(real=real, fake=fake, dataset=parts.dataset, evaluation=at)
        times.append(time.perf_counter() - t0)
    t_metric = statistics.median(times)
    k = len(trials)
    share = k * t_metric / (t_train + k * t_metric)
    print(f"{args.suite.name}, dataset {args.dataset}, seeds {seeds}: {k} trials, {trial.train.steps} steps each")
    print(f"training ({len(groups)} groups, 1 thread, the suite's own metrics): {t_train:8.1f} s")
    print(
        f"divergences metric, once per trial ({len(metric.objectives)} critics, up to {metric.max_steps} steps, "
        f"{n} samples): {t_metric:6.1f} s × {k} = {k * t_metric:.1f} s"
    )
    print(f"share of the suite's time: {share:.1%}")


if __name__ == "__main__":
    main()
