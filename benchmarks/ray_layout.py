"""How a large study would be laid out as Ray tasks on N GPU nodes: ganbench's own planner, on paper.

    python benchmarks/ray_layout.py                     # 16 objectives x 5 datasets x 10 seeds, 1..16 GPUs
    python benchmarks/ray_layout.py --gpus 4 8 --tasks-per-gpu 4

Builds the 800-trial study (every built-in objective with its default hyperparameters, five
2-D datasets, ten seeds, one MLP) and asks :func:`ganbench.training.grouping.plan_groups`
how ``ganbench run STUDY --executor ray --device cuda --jobs J`` would group it, with J the
number of tasks the cluster runs at once (GPUs x tasks per GPU: ``--gpus-per-task 1/k``).
Nothing trains and no GPU is needed: on an accelerator ``--vectorize auto`` takes its
group size without measuring. For each J it prints the groups (Ray tasks), their sizes, and
the work (generator steps weighted by critic steps, as the planner weighs them) of the
busiest task slot when the tasks, largest first, go to whichever slot frees up first.
"""

from __future__ import annotations

import argparse
import heapq
import tempfile
from pathlib import Path

from ganbench.plugins import load_plugins
from ganbench.suite import load_suite
from ganbench.training.grouping import plan_groups, step_cost

DATASETS = """
[[datasets]]
name = "ring"
[[datasets]]
name = "ring"
label = "ring-25"
modes = 25
radius = 4.0
[[datasets]]
name = "grid"
[[datasets]]
name = "grid"
label = "grid-7"
side = 7
[[datasets]]
name = "spiral"
"""


def study(registry) -> list:  # type: ignore[no-untyped-def, type-arg]
    objectives = sorted(registry.names("objectives"))
    text = 'name = "study"\nseeds = 10\nmetrics = ["modes", "wasserstein"]\n'
    text += '[train]\nsteps = 5000\nbatch_size = 256\neval_every = 500\n[model]\nname = "mlp"\n'
    text += DATASETS + "".join(f'[[objectives]]\nname = "{o}"\n' for o in objectives)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "study.toml"
        path.write_text(text)
        return load_suite(path, registry).trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gpus", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--tasks-per-gpu", type=int, default=1)
    args = parser.parse_args()
    registry = load_plugins(None)
    trials = study(registry)
    work = sum(step_cost(t) for t in trials)
    n_critic = sorted({t.objective.hyper.n_critic for t in trials})
    print(f"{len(trials)} trials ({work} work units: Σ n_critic + 1 over trials; n_critic in {n_critic})")
    for gpus in args.gpus:
        jobs = gpus * args.tasks_per_gpu
        plan = plan_groups(trials, registry, "auto", "cuda", jobs)
        slots = [0] * jobs
        heapq.heapify(slots)
        for group in plan.groups:  # largest first, each to the slot that frees up first
            heapq.heappush(slots, heapq.heappop(slots) + sum(step_cost(t) for t in group))
        busiest = max(slots)
        print(
            f"{gpus:3d} GPU(s), --jobs {jobs:3d}: {len(plan.groups):3d} tasks, {plan.describe()}; "
            f"busiest slot {busiest} units = {busiest / (work / jobs):.2f} x an even share"
        )


if __name__ == "__main__":
    main()
