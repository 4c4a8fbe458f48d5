"""``check_dataset``: shapes, dtype, devices, seeded determinism, modes consistent with samples."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

from ganbench.datasets.base import Dataset
from ganbench.testing.common import available_devices, fail, instance


def check_dataset(
    cls: type[Dataset] | Dataset,
    params: Mapping[str, Any] | None = None,
    *,
    n: int = 2000,
    devices: list[str] | None = None,
) -> None:
    """Check dataset ``cls`` built with ``params`` (or a dataset instance):

    - it registers (``shape`` and ``mode_sigma`` are properties, ``sample(self, n, generator=None,
      device="cpu")``);
    - ``sample(n)`` gives finite float32 tensors of shape (n, *shape) on the CPU, and one sample too;
    - with a seeded ``generator`` it is deterministic, different seeds give different samples, and
      torch's global random state is left alone;
    - on every other available device it samples there;
    - if it has modes (``mode_centers()``): centres of shape (M, *shape), weights that sum to 1,
      a positive ``mode_sigma``; the samples' nearest modes follow the weights, and their distance
      to it is that of a spread of ``mode_sigma`` per coordinate (the root mean square at most
      1.25·σ·√d).
    """
    ds = instance("datasets", cls, params)
    what = f"dataset '{ds.name}'"
    shape = ds.shape
    if not isinstance(shape, tuple) or not all(isinstance(s, int) and s > 0 for s in shape):
        fail(what, f"shape must be a tuple of positive ints, got {shape!r}")

    def seeded(seed: int, count: int = n, device: str = "cpu") -> torch.Tensor:
        return ds.sample(count, generator=torch.Generator(device).manual_seed(seed), device=device)

    state = torch.get_rng_state()
    x = seeded(0)
    if not torch.equal(torch.get_rng_state(), state):
        fail(what, "sample(n, generator=g) changed torch's global random state: draw from g only")
    if not isinstance(x, torch.Tensor) or x.shape != (n, *shape):
        fail(what, f"sample({n}) gave shape {getattr(x, 'shape', type(x))}, expected {(n, *shape)}")
    if x.dtype != torch.float32 or x.device.type != "cpu":
        fail(what, f"sample({n}) gave {x.dtype} on {x.device}, expected torch.float32 on the CPU")
    if not torch.isfinite(x).all():
        fail(what, "samples are not finite")
    if seeded(0, 1).shape != (1, *shape):
        fail(what, f"sample(1) gave shape {tuple(seeded(0, 1).shape)}, expected {(1, *shape)}")
    if not torch.equal(seeded(0), x):
        fail(what, "two draws with generators seeded alike differ: sample must draw from its generator only")
    if torch.equal(seeded(1), x):
        fail(what, "draws with generators seeded differently are equal")
    for device in available_devices() if devices is None else devices:
        y = seeded(0, device=device)
        if y.device.type != torch.device(device).type or y.shape != x.shape:
            fail(what, f"sample(n, device={device!r}) gave shape {tuple(y.shape)} on {y.device}")
    _check_modes(ds, what, x)


def _check_modes(ds: Dataset, what: str, x: torch.Tensor) -> None:
    centers = ds.mode_centers()
    if centers is None:
        return
    shape = ds.shape
    if centers.dim() != len(shape) + 1 or tuple(centers.shape[1:]) != shape or len(centers) < 1:
        fail(what, f"mode_centers() has shape {tuple(centers.shape)}, expected (M, {', '.join(map(str, shape))})")
    weights = ds.mode_weights()
    if weights is None or weights.shape != (len(centers),) or (weights < 0).any():
        fail(what, f"mode_weights() must be {len(centers)} non-negative numbers, got {weights}")
    if abs(float(weights.double().sum()) - 1.0) > 1e-6:
        fail(what, f"mode_weights() sum to {float(weights.sum())}, not 1")
    sigma = float(ds.mode_sigma)
    if not (math.isfinite(sigma) and sigma >= 0):
        fail(what, f"mode_sigma must be a finite number ≥ 0, got {sigma}")
    flat, c = x.reshape(len(x), -1).double(), centers.reshape(len(centers), -1).double()
    dist, nearest = torch.cdist(flat, c).min(dim=1)
    freq = torch.bincount(nearest, minlength=len(c)).double() / len(x)
    w = weights.double()
    tolerance = 0.3 * w + 5.0 * (w * (1 - w) / len(x)).sqrt() + 1.0 / len(x)
    worst = int(((freq - w).abs() - tolerance).argmax())
    if (freq - w).abs()[worst] > tolerance[worst]:
        fail(
            what,
            f"mode {worst} is the nearest mode of {float(freq[worst]):.3%} of the samples, but its weight is "
            f"{float(w[worst]):.3%}: samples and modes disagree",
        )
    rms = float(dist.square().mean().sqrt())
    bound = 1.25 * sigma * math.sqrt(flat.shape[1])
    if rms > bound + 1e-6:
        fail(
            what,
            f"samples lie {rms:.4g} (root mean square) from their nearest mode, more than 1.25·σ·√d = {bound:.4g} "
            f"for mode_sigma = {sigma:g}",
        )
