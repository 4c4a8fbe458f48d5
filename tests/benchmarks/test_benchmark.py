"""pytest-benchmark benchmarks: the harness against a plain PyTorch loop, and a vectorised
group of trials against one trial alone.

They run once as ordinary tests by default (``--benchmark-disable``); measure with
``pytest -n 0 tests/benchmarks/test_benchmark.py --benchmark-enable`` or ``python benchmarks/throughput.py``
(``--vectorize`` for groups). These are benchmarks, not tests, and assert nothing: a shared
machine being slow is not a failure, and whether the harness trains correctly is the other
test files' business.
"""

from __future__ import annotations

import pytest

from benchmarks.throughput import group_rate, harness, plain_loop

STEPS = 200


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    yield


def test_benchmark_plain_loop(benchmark):
    benchmark.pedantic(plain_loop, args=(STEPS, "cpu"), rounds=3, iterations=1)


def test_benchmark_harness(benchmark):
    benchmark.pedantic(harness, args=(STEPS, "cpu"), rounds=3, iterations=1)


@pytest.mark.parametrize("k", [1, 16])
def test_benchmark_vectorized_group(benchmark, k):
    """A group of K trials at batch 64 (the issue's target: ≥ 2× the solo rate at K = 16)."""
    benchmark.pedantic(group_rate, args=(k, 64, "cpu", 0.2), rounds=3, iterations=1)
