"""The independent critics of one generator trained as one batched program vs one by one.

    python benchmarks/critics.py                         # the mixtures model (width 128, depth 3), CPU
    python benchmarks/critics.py --width 64 --depth 2    # suites/divergences.toml's model

Both sides train the same critics (the ``divergences`` metric's default eleven objectives,
each with its own penalty and clipping) on the same samples of the ring for the same steps,
through :func:`ganbench.stacking.critics.judge` (on the CPU, where the metric runs): once all
together, once each alone, runs alternating; the medians are printed with their ratio. The
batched program saves per-critic Python and kernel-launch overhead, not arithmetic, so the
gain is largest for small critics.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from ganbench.metrics.divergences import Divergences
from ganbench.plugins import load_plugins
from ganbench.stacking.critics import Panel, judge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--steps", type=int, default=200, help="critic updates per run")
    parser.add_argument("--samples", type=int, default=10_000, help="evaluation samples (half held out)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    registry = load_plugins(None)
    ring = registry.get("datasets", "ring")()
    model = registry.get("models", "mlp")(width=args.width, depth=args.depth)
    # a fixed budget: one check, at the end, so that no critic stops early on either side
    metric = Divergences(max_steps=args.steps, check_every=args.steps, window=1).resolve(registry, "benchmark")
    judges = metric._judges
    assert judges is not None
    g = torch.Generator().manual_seed(0)
    real, fake = ring.sample(args.samples, generator=g), 1.05 * ring.sample(args.samples, generator=g)
    half = args.samples // 2
    train, held = (real[:half], fake[:half]), (real[half:], fake[half:])
    settings = metric.critic_settings()

    def build() -> torch.nn.Module:
        return model.build(ring)[1]

    def together() -> None:
        judge(Panel(build, judges, settings, seed=0), train, held)

    def apart() -> None:
        for j in judges:
            judge(Panel(build, [j], settings, seed=0), train, held)

    times: dict[str, list[float]] = {"together": [], "apart": []}
    for _ in range(args.repeats):
        for name, fn in (("apart", apart), ("together", together)):
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    a, b = statistics.median(times["apart"]), statistics.median(times["together"])
    print(
        f"{len(judges)} critics, MLP width {args.width} depth {args.depth}, {args.steps} steps of batch "
        f"{settings.batch_size}, {args.threads} thread(s), {args.repeats} alternating runs each"
    )
    print(f"one by one : {a:7.2f} s")
    print(f"batched    : {b:7.2f} s")
    print(f"speed-up   : {a / b:7.2f}x")


if __name__ == "__main__":
    main()
