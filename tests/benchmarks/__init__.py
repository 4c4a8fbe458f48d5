"""The scripts in ``benchmarks/``: throughput benchmarks and the evaluation-cost script."""
