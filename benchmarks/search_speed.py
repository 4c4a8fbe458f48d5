"""A search of 64 configurations of one objective on the ring: ``--vectorize auto`` against
``--vectorize off``, back to back, on the same machine.

    python benchmarks/search_speed.py                  # on the CPU
    python benchmarks/search_speed.py --device cuda    # on a GPU (benchmarks/gpu_check.sh runs this)

The suite (written below) searches the non-saturating objective's learning rate (log scale,
lr_d tied to lr_g) and Adam's betas with a seeded random method: 64 configurations, the
defaults first, on one search seed, then the selected configuration and the defaults on one
report seed. Every configuration shares the critic-step count, so with vectorising they can
train as one group. The script prints each run's wall time, and the ratio,
and checks that both runs selected the same configuration (on the CPU the numbers are
identical in any grouping).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUITE = """
name = "search-speed"
seeds = [0]
metrics = ["modes", {{ name = "wasserstein", samples = 500 }}]

[train]
steps = {steps}
batch_size = {batch}
eval_every = {every}
eval_samples = 1000
snapshot_samples = 0

[model]
name = "mlp"
width = 128
depth = 3

[[datasets]]
name = "ring"

[[objectives]]
name = "nonsaturating"

[search]
method = "random"
budget = {budget}
seed = 0
seeds = [1000]

[search.space]
lr_g = {{ log = [1e-5, 1e-2] }}
lr_d = {{ tie = "lr_g" }}
betas = {{ choice = [[0.5, 0.999], [0.0, 0.9], [0.9, 0.999]] }}
"""


def run(suite: Path, out: Path, vectorize: str, device: str) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    command = [sys.executable, "-m", "ganbench", "run", str(suite), "--out", str(out), "--device", device]
    done = subprocess.run([*command, "--vectorize", vectorize], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"ganbench run --vectorize {vectorize} failed:\n{done.stderr[-2000:]}")
    record = json.loads((out / "search-speed" / "search.json").read_text())
    for line in done.stderr.splitlines():
        if line.startswith("phase 1 of 2"):
            print(f"  {line}", flush=True)  # how the configurations were grouped
    return elapsed, record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--budget", type=int, default=64)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    text = SUITE.format(steps=args.steps, batch=args.batch, every=args.steps // 2, budget=args.budget)
    with tempfile.TemporaryDirectory() as tmp:
        suite = Path(tmp) / "search-speed.toml"
        suite.write_text(text)
        times, selected = {}, {}
        for vectorize in ("off", "auto"):
            out = Path(tmp) / vectorize
            times[vectorize], record = run(suite, out, vectorize, args.device)
            selected[vectorize] = record["datasets"]["ring"]["nonsaturating"]["selected"]  # type: ignore[index]
            print(
                f"--vectorize {vectorize:4s}: {times[vectorize]:7.1f} s for {args.budget} configurations "
                f"x {args.steps} steps, batch {args.batch}, on {args.device} "
                f"(selected configuration {selected[vectorize]})",
                flush=True,
            )
        print(f"ratio off/auto: {times['off'] / times['auto']:.2f}")
        if args.device == "cpu" and selected["off"] != selected["auto"]:
            sys.exit("the two runs selected different configurations")


if __name__ == "__main__":
    main()
