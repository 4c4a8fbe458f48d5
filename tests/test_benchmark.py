"""pytest-benchmark benchmarks: the harness's training loop against a plain PyTorch loop.

They run once as ordinary tests by default (``--benchmark-disable``); measure with
``pytest tests/test_benchmark.py --benchmark-enable`` or ``python benchmarks/throughput.py``.
These are benchmarks, not tests, and assert nothing: a shared machine being slow is not a
failure, and whether the harness trains correctly is the other test files' business.
"""

from __future__ import annotations

import torch

from benchmarks.throughput import harness, plain_loop

STEPS = 200


def test_benchmark_plain_loop(benchmark):
    torch.set_num_threads(1)
    benchmark.pedantic(plain_loop, args=(STEPS, "cpu"), rounds=3, iterations=1)


def test_benchmark_harness(benchmark):
    torch.set_num_threads(1)
    benchmark.pedantic(harness, args=(STEPS, "cpu"), rounds=3, iterations=1)
