"""What Ray costs on one machine: a suite run with ``--executor ray`` against ``--executor process``.

    python benchmarks/ray_overhead.py                        # suites/quick.toml, 3 runs a side
    python benchmarks/ray_overhead.py --repeat 5 --vectorize off --ray-storage driver
    python benchmarks/ray_overhead.py --per-task 30          # the cost of one task, training aside

``--per-task N`` times N round trips (submit, train, result) of one-trial tasks whose trial
trains one step of a tiny model, with warm workers, on a process pool of one and on a
local Ray instance of one CPU in each storage mode, alternating: the differences of the
medians are what Ray adds to each task, whatever the task trains.

Each run is a fresh ``ganbench run`` command into a fresh results directory, with the
same ``--jobs`` (default: one per core), alternating (process, ray, process, ...) so both
sides see the same machine load. For each side it prints the median of the command's
wall time (start-up included: for Ray, starting a local instance) and of the time the
command reports for running the trials (``N trials run in X s``: the executor already up,
for Ray its worker processes still to start), and their difference per trial.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(suite: str, executor: str, extra: list[str]) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory(prefix="ganbench-overhead-") as out:
        cmd = [sys.executable, "-m", "ganbench", "run", suite, "--out", out, "--executor", executor, *extra]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    match = re.search(r"(\d+) trials run in ([\d.]+)s", proc.stdout)
    assert match, proc.stdout[-500:]
    return wall, float(match[2]), int(match[1])


TINY = """
name = "tiny"
seeds = {seeds}
metrics = ["modes"]
[train]
steps = 1
batch_size = 16
eval_every = 1
eval_samples = 64
[model]
name = "mlp"
width = 8
depth = 1
[[datasets]]
name = "ring"
[[objectives]]
name = "nonsaturating"
"""


def per_task(n: int) -> None:
    import functools

    from ganbench.environment import run_environment
    from ganbench.executors import ProcessExecutor, init_worker
    from ganbench.executors_ray import RayExecutor
    from ganbench.plugins import load_plugins
    from ganbench.results import SuiteStore
    from ganbench.suite import load_suite
    from ganbench.training import EngineOptions, run_group

    registry = load_plugins(None)
    setup = functools.partial(init_worker, None, 1)
    with tempfile.TemporaryDirectory(prefix="ganbench-per-task-") as tmp:
        path = Path(tmp) / "tiny.toml"
        path.write_text(TINY.format(seeds=list(range(n + 1))))
        trials = load_suite(path, registry).trials
        options = EngineOptions(environment=run_environment("cpu", 1, 1))
        t0 = time.perf_counter()
        executors = {
            "process": ProcessExecutor(jobs=1, setup=setup),
            "ray shared": RayExecutor(jobs=1, setup=setup, ray_storage="shared"),
            "ray driver": RayExecutor(jobs=1, setup=setup, ray_storage="driver"),
        }
        print(f"executors up in {time.perf_counter() - t0:.1f}s (a local Ray instance of 1 CPU)", file=sys.stderr)
        times: dict[str, list[float]] = {k: [] for k in executors}
        for i, trial in enumerate(trials):
            for name, executor in executors.items():
                store = SuiteStore(Path(tmp) / name.replace(" ", "-"))
                store.path.mkdir(exist_ok=True)
                start = time.perf_counter()
                [result] = executor.submit(
                    run_group, [trial], [str(store.trial_dir(trial).path)], "cpu", options
                ).result()
                assert str(result["status"]) == "complete", result
                if i:  # the first round warms the workers up
                    times[name].append(time.perf_counter() - start)
        for executor in reversed(executors.values()):
            executor.shutdown()
    base = statistics.median(times["process"])
    print(f"one-trial tasks (1 training step, 2 evaluations, 2 checkpoints), {n} round trips each, warm workers")
    cores = len(os.sched_getaffinity(0))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {cores} cores (others' work included)")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"  {name:10s} median {1000 * med:7.1f} ms per task ({1000 * (med - base):+7.1f} ms vs process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default=str(ROOT / "suites" / "quick.toml"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--vectorize", default="auto")
    parser.add_argument("--ray-storage", default="auto")
    parser.add_argument("--per-task", type=int, default=0, metavar="N", help="time N one-trial tasks instead")
    args = parser.parse_args()
    if args.per_task:
        per_task(args.per_task)
        return
    common = ["--jobs", str(args.jobs), "--vectorize", args.vectorize]
    sides = {"process": common, "ray": [*common, "--ray-storage", args.ray_storage]}
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in sides}
    n = 0
    for i in range(args.repeat):
        for executor, extra in sides.items():
            wall, run, n = one_run(args.suite, executor, extra)
            times[executor].append((wall, run))
            print(f"run {i + 1} {executor:8s} command {wall:6.1f}s  trials {run:6.1f}s", file=sys.stderr)
    load = os.getloadavg()[0]
    print(f"{args.suite}: {n} trials, --jobs {args.jobs}, --vectorize {args.vectorize}, {args.repeat} runs a side")
    print(f"load average at the end: {load:.1f} on {len(os.sched_getaffinity(0))} cores (others' work included)")
    med = {k: (statistics.median(w for w, _ in v), statistics.median(r for _, r in v)) for k, v in times.items()}
    for k, (wall, run) in med.items():
        print(f"  {k:8s} median command {wall:6.1f}s   median trials {run:6.1f}s")
    dw, dr = med["ray"][0] - med["process"][0], med["ray"][1] - med["process"][1]
    print(
        f"  ray - process: command {dw:+.1f}s ({dw / n:+.2f}s per trial), trials {dr:+.1f}s ({dr / n:+.2f}s per trial)"
    )


if __name__ == "__main__":
    main()
