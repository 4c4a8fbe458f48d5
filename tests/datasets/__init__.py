"""Datasets (``ganbench/datasets/``): toy, image and local-file datasets."""
