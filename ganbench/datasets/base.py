"""What a dataset is: a sampler that knows its modes."""

from __future__ import annotations

import dataclasses
import functools

import torch
from torch import Tensor

from ganbench.components import Component


@dataclasses.dataclass(frozen=True)
class Dataset(Component):
    """A data distribution. Subclasses are dataclasses whose fields are its parameters."""

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one sample (``(2,)`` for planar mixtures)."""
        raise NotImplementedError

    def sample(self, n: int, generator: torch.Generator | None = None, device: str | torch.device = "cpu") -> Tensor:
        """``n`` independent samples on ``device``; ``generator`` (on that device) or the global RNG."""
        raise NotImplementedError

    def mode_centers(self) -> Tensor | None:
        """Centres of the modes, shape (K, *shape), or None if the dataset has no discrete modes."""
        return None

    def mode_weights(self) -> Tensor | None:
        """Probability of each mode, shape (K,)."""
        modes = self.mode_centers()
        return None if modes is None else torch.full((modes.shape[0],), 1.0 / modes.shape[0])

    @property
    def mode_sigma(self) -> float:
        """Standard deviation of each mode (high-quality samples lie within a few of these)."""
        raise NotImplementedError

    def quality_threshold(self) -> float | None:
        """The dataset's own high-quality threshold, in units of ``mode_sigma``, where its source
        defines one (a sample that close to its nearest mode is of high quality), or None: the
        ``modes`` metric's own ``threshold`` applies."""
        return None

    def nearest_modes(self, samples: Tensor) -> tuple[Tensor, Tensor]:
        """Each sample's nearest mode, by Euclidean distance, and its distance from it as the
        high-quality threshold measures it: indices (N,) and float64 distances (N,) in data units,
        for ``samples`` (N, *shape). Default: the Euclidean distance."""
        centers = self.mode_centers()
        if centers is None:
            raise ValueError(f"dataset '{self.name}' has no discrete modes")
        x = samples.reshape(samples.shape[0], -1).double()
        c = centers.reshape(centers.shape[0], -1).double()
        distance, nearest = torch.cdist(x, c).min(dim=1)
        return nearest, distance


@dataclasses.dataclass(frozen=True)
class GaussianMixture(Dataset):
    """Equal-weight isotropic Gaussian mixture in the plane; subclasses place the means."""

    def means(self) -> Tensor:
        raise NotImplementedError

    @property
    def shape(self) -> tuple[int, ...]:
        return (int(self.means().shape[1]),)

    def mode_centers(self) -> Tensor:
        return self.means()

    @property
    def mode_sigma(self) -> float:
        return float(self.sigma)  # type: ignore[attr-defined]

    def sample(self, n: int, generator: torch.Generator | None = None, device: str | torch.device = "cpu") -> Tensor:
        means = _means_on(self, str(device))
        idx = torch.randint(means.shape[0], (n,), generator=generator, device=device)
        noise = torch.randn((n, means.shape[1]), generator=generator, device=device)
        return means[idx] + self.mode_sigma * noise


@functools.lru_cache(maxsize=64)
def _means_on(mixture: GaussianMixture, device: str) -> Tensor:
    """The mixture's means, computed and moved to ``device`` once (not at every training step)."""
    return mixture.means().to(device)
