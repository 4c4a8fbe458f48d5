"""Harness vs a plain PyTorch loop: generator steps per second, evaluation excluded.

    python benchmarks/throughput.py                 # ratio on the CPU (one torch thread)
    python benchmarks/throughput.py --device cuda   # the same on a GPU
    python benchmarks/throughput.py --suite suites/mixtures.toml   # also: suite wall time, --jobs 1 vs 2

Both sides train the same MLP (width 128, depth 3, latent 2) on the same ring of
8 Gaussians with the non-saturating objective, batch 256, Adam(2e-4, (0.5, 0.999)).
The plain loop below is written here, independently of ganbench.  Runs alternate
(plain, harness, plain, ...) and the median of each side is reported, so both
see the same machine load.
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
    from ganbench.results import TrialDir
    from ganbench.suite import load_suite
    from ganbench.train import train

    registry = load_plugins(None)
    with tempfile.TemporaryDirectory() as tmp:
        suite_file = Path(tmp) / "bench.toml"
        suite_file.write_text(SUITE.format(steps=steps))
        trial = load_suite(suite_file, registry).trials[0]
        final = train(trial, TrialDir(Path(tmp) / "trial"), device, registry, log=lambda _: None)
    return float(final["metrics"]["steps_per_s"])


def compare(steps: int, repeats: int, device: str) -> dict[str, float]:
    plain, ours = [], []
    plain_loop(20, device)  # warm up allocator and kernels
    harness(20, device)
    for _ in range(repeats):
        plain.append(plain_loop(steps, device))
        ours.append(harness(steps, device))
    p, h = statistics.median(plain), statistics.median(ours)
    return {"plain_steps_per_s": p, "harness_steps_per_s": h, "ratio": h / p}


def suite_wall_time(suite: str, jobs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ganbench", "run", suite, "--out", tmp, "--jobs", str(jobs), "--device", "cpu"],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--suite", default=None, help="also time this suite with --jobs 1 and --jobs 2")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    r = compare(args.steps, args.repeats, args.device)
    print(f"device {args.device}, {args.steps} steps × {args.repeats} alternating runs, batch {BATCH}")
    print(f"plain PyTorch loop : {r['plain_steps_per_s']:8.1f} generator steps/s")
    print(f"ganbench harness   : {r['harness_steps_per_s']:8.1f} generator steps/s")
    print(f"ratio harness/plain: {r['ratio']:.3f}  (target >= 0.95)")
    if args.suite:
        one, two = suite_wall_time(args.suite, 1), suite_wall_time(args.suite, 2)
        print(f"{args.suite}: --jobs 1 {one:.1f}s, --jobs 2 {two:.1f}s, speed-up {one / two:.2f}×")


if __name__ == "__main__":
    main()
