"""pytest-benchmark benchmarks: the harness's training loop against a plain PyTorch loop.

They run once as ordinary tests by default (``--benchmark-disable``); measure with
``pytest tests/test_benchmark.py --benchmark-enable`` or ``python benchmarks/throughput.py``.
No assertion on speed: a shared machine being slow is not a failure.
"""

from __future__ import annotations

import torch

from benchmarks.throughput import harness, plain_loop

STEPS = 200


def test_benchmark_plain_loop(benchmark):
    torch.set_num_threads(1)
    rate = benchmark.pedantic(plain_loop, args=(STEPS, "cpu"), rounds=3, iterations=1)
    assert rate > 0


def test_benchmark_harness(benchmark):
    torch.set_num_threads(1)
    rate = benchmark.pedantic(harness, args=(STEPS, "cpu"), rounds=3, iterations=1)
    assert rate > 0
