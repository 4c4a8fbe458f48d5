"""Do two runs of a suite give the same results, timing aside? A check for refactorings.

    python benchmarks/compare_results.py results/quick /tmp/before/results/quick

Compares two result directories of one suite: the same trial ids; every trial's
``config.json``, ``history.jsonl`` and ``final.json`` equal but for the fields that time the
run (``steps_per_s``, ``samples_per_s``, ``train_time``, ``wall_time``,
``window_steps_per_s`` and the run's ``environment``); every sample snapshot byte-identical.
NaN equals NaN. Prints each difference and exits 1 if there is any, else prints a count of
what it compared and exits 0.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

#: fields that time a run or describe its machine: they differ between two identical runs
TIMING = frozenset({"steps_per_s", "samples_per_s", "train_time", "wall_time", "window_steps_per_s", "environment"})


def without_timing(value: Any) -> Any:
    """``value`` with every :data:`TIMING` field removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def same(a: Any, b: Any) -> bool:
    """Equal, NaN included, floats exactly."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _records(path: Path) -> list[Any]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [json.loads(path.read_text())]


def compare_trial(a: Path, b: Path) -> list[str]:
    """The differences between two directories of one trial."""
    problems = []
    for name in ("config.json", "history.jsonl", "final.json"):
        if not (a / name).exists() or not (b / name).exists():
            problems.append(f"{a.name}/{name}: missing on one side")
            continue
        ra, rb = without_timing(_records(a / name)), without_timing(_records(b / name))
        if not same(ra, rb):
            problems.append(f"{a.name}/{name}: differs")
    samples_a = sorted(p.name for p in (a / "samples").glob("*.npy"))
    samples_b = sorted(p.name for p in (b / "samples").glob("*.npy"))
    if samples_a != samples_b:
        problems.append(f"{a.name}/samples: {samples_a} vs {samples_b}")
    for name in set(samples_a) & set(samples_b):
        if (a / "samples" / name).read_bytes() != (b / "samples" / name).read_bytes():
            problems.append(f"{a.name}/samples/{name}: bytes differ")
    return problems


def compare(a: Path, b: Path) -> tuple[int, list[str]]:
    """(trials compared, differences) of two result directories of one suite."""
    ids_a = sorted(p.name for p in a.iterdir() if p.is_dir())
    ids_b = sorted(p.name for p in b.iterdir() if p.is_dir())
    if ids_a != ids_b:
        return 0, [
            f"trial ids differ: only in {a}: {sorted(set(ids_a) - set(ids_b))}, "
            f"only in {b}: {sorted(set(ids_b) - set(ids_a))}"
        ]
    problems = [p for name in ids_a for p in compare_trial(a / name, b / name)]
    return len(ids_a), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="one suite's result directory")
    parser.add_argument("b", type=Path, help="another run's result directory of the same suite")
    args = parser.parse_args(argv)
    n, problems = compare(args.a, args.b)
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"{n} trials: same ids, same config, history and final records (timing aside), identical samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
