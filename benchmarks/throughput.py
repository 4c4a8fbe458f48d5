"""Harness vs a plain PyTorch loop, and a vectorised group vs trials trained one by one.

    python benchmarks/throughput.py                 # harness/plain ratio on the CPU (one torch thread)
    python benchmarks/throughput.py --device cuda   # the same on a GPU
    python benchmarks/throughput.py --vectorize     # a group of K trials vs K solo trials, K = 1, 4, 16, 64
    python benchmarks/throughput.py --suite suites/mixtures.toml   # suite wall time: --vectorize auto vs off

Both sides train the same MLP (width 128, depth 3, latent 2) on the same ring of
8 Gaussians with the non-saturating objective, batch 256, Adam(2e-4, (0.5, 0.999)).
The plain loop below is written here, independently of ganbench.  Runs alternate
(plain, harness, plain, ...) and the median of each side is reported, so both
see the same machine load. ``--vectorize`` times training steps of one vectorised
group of K trials (seeds 0..K-1) against one trial alone, alternating, at batch 64
and 256, and prints the aggregate trial-steps per second of each: K trials trained
one after another run at the solo rate.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
WIDTH, DEPTH, LATENT, BATCH = 128, 3, 2, 256

SUITE = f"""
name = "bench"
seeds = 1
metrics = ["modes"]
[train]
steps = {{steps}}
batch_size = {BATCH}
eval_every = {{steps}}
eval_samples = 100
snapshot_samples = 0
[model]
name = "mlp"
latent_dim = {LATENT}
width = {WIDTH}
depth = {DEPTH}
[[datasets]]
name = "ring"
[[objectives]]
name = "nonsaturating"
"""


def plain_loop(steps: int, device: str, seed: int = 0) -> float:
    """A plain GAN training loop; returns generator steps per second."""
    torch.manual_seed(seed)

    def mlp(n_in: int, n_out: int, act: type[nn.Module]) -> nn.Sequential:
        layers: list[nn.Module] = []
        for i in range(DEPTH):
            layers += [nn.Linear(n_in if i == 0 else WIDTH, WIDTH), act()]
        return nn.Sequential(*layers, nn.Linear(WIDTH, n_out))

    gen = mlp(LATENT, 2, nn.ReLU).to(device)
    disc = mlp(2, 1, nn.LeakyReLU).to(device)
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=2e-4, betas=(0.5, 0.999))
    angles = torch.arange(8, device=device) * (2 * math.pi / 8)
    means = 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    sync()
    start = time.perf_counter()
    for _ in range(steps):
        real = means[torch.randint(8, (BATCH,), device=device)] + 0.02 * torch.randn(BATCH, 2, device=device)
        fake = gen(torch.randn(BATCH, LATENT, device=device)).detach()
        loss_d = F.softplus(-disc(real)).mean() + F.softplus(disc(fake)).mean()
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = F.softplus(-disc(gen(torch.randn(BATCH, LATENT, device=device)))).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    sync()
    return steps / (time.perf_counter() - start)


def harness(steps: int, device: str) -> float:
    """One ganbench trial; returns the generator steps per second of its training loop."""
    from ganbench.plugins import load_plugins
    from ganbench.suite import load_suite
    from ganbench.training import EngineOptions, train_trials

    registry = load_plugins(None)
    with tempfile.TemporaryDirectory() as tmp:
        suite_file = Path(tmp) / "bench.toml"
        suite_file.write_text(SUITE.format(steps=steps))
        trial = load_suite(suite_file, registry).trials[0]
        (result,) = train_trials([trial], [str(Path(tmp) / "trial")], device, registry, EngineOptions())
    return float(result["final"]["metrics"]["steps_per_s"])


def group_rate(k: int, batch: int, device: str, seconds: float = 1.0, min_steps: int = 5) -> float:
    """Aggregate trial-steps per second of one vectorised group of ``k`` trials (training
    steps only, nothing written): the suite above with seeds 0..k-1 at ``batch``."""
    from ganbench.plugins import load_plugins
    from ganbench.suite import load_suite
    from ganbench.training.grouping import measure_rate

    registry = load_plugins(None)
    with tempfile.TemporaryDirectory() as tmp:
        suite_file = Path(tmp) / "bench.toml"
        text = SUITE.format(steps=100).replace("seeds = 1", f"seeds = {k}")
        suite_file.write_text(text.replace(f"batch_size = {BATCH}", f"batch_size = {batch}"))
        trials = load_suite(suite_file, registry).trials
    return measure_rate(trials, registry, device, seconds, min_steps)


def vectorized(ks: list[int], batches: list[int], repeats: int, device: str, seconds: float) -> None:
    print(f"device {device}, {torch.get_num_threads()} torch thread(s); trial-steps per second, median of {repeats}")
    print(f"{'batch':>6} {'K':>4} {'group of K':>12} {'K solo trials':>14} {'speed-up':>9}")
    for batch in batches:
        for k in ks:
            solo, group = [], []
            for _ in range(repeats):
                solo.append(group_rate(1, batch, device, seconds))
                group.append(group_rate(k, batch, device, seconds))
            s, g = statistics.median(solo), statistics.median(group)
            print(f"{batch:>6} {k:>4} {g:>12.1f} {s:>14.1f} {g / s:>8.2f}×", flush=True)


def compare(steps: int, repeats: int, device: str) -> dict[str, float]:
    plain, ours = [], []
    plain_loop(20, device)  # warm up allocator and kernels
    harness(20, device)
    for _ in range(repeats):
        plain.append(plain_loop(steps, device))
        ours.append(harness(steps, device))
    p, h = statistics.median(plain), statistics.median(ours)
    return {"plain_steps_per_s": p, "harness_steps_per_s": h, "ratio": h / p}


def suite_wall_time(suite: str, vectorize: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        command = [sys.executable, "-m", "ganbench", "run", suite, "--out", tmp, "--device", "cpu"]
        subprocess.run([*command, "--vectorize", vectorize], check=True, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--vectorize", action="store_true", help="a group of K trials vs K solo trials")
    parser.add_argument("--k", type=int, nargs="+", default=[1, 4, 16, 64], help="group sizes for --vectorize")
    parser.add_argument("--batch", type=int, nargs="+", default=[64, 256], help="batch sizes for --vectorize")
    parser.add_argument("--seconds", type=float, default=1.0, help="timing window per --vectorize measurement")
    parser.add_argument("--suite", default=None, help="also time this suite with --vectorize auto and off")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.vectorize:
        vectorized(args.k, args.batch, args.repeats, args.device, args.seconds)
    else:
        r = compare(args.steps, args.repeats, args.device)
        print(f"device {args.device}, {args.steps} steps × {args.repeats} alternating runs, batch {BATCH}")
        print(f"plain PyTorch loop : {r['plain_steps_per_s']:8.1f} generator steps/s")
        print(f"ganbench harness   : {r['harness_steps_per_s']:8.1f} generator steps/s")
        print(f"ratio harness/plain: {r['ratio']:.3f}  (target >= 0.95)")
    if args.suite:
        off, auto = suite_wall_time(args.suite, "off"), suite_wall_time(args.suite, "auto")
        print(
            f"{args.suite}: --vectorize off {off:.1f}s, --vectorize auto {auto:.1f}s, ratio off/auto {off / auto:.2f}"
        )


if __name__ == "__main__":
    main()
