"""High-dimensional synthetic data with known modes: VEEGAN's 1200-D mixture."""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal

import torch
from torch import Tensor

from ganbench.components import param
from ganbench.datasets.base import Dataset
from ganbench.hookspecs import Register, hookimpl

#: c_k of the ten modes, whose means are c_k·(1, …, 1): PacGAN's ``VEEGAN1200DPackingMixture``
VEEGAN_1200D_LEVELS = (-1.0, -0.5, 0.0, 0.5, -2.0, -2.5, 10.0, 0.25, -13.0, -5.5)
#: coordinates of a sample, and how many of them (the first) carry N(0, 1) noise
VEEGAN_1200D_DIM, VEEGAN_1200D_NOISY = 1200, 700


@dataclasses.dataclass(frozen=True)
class Veegan1200D(Dataset):
    """VEEGAN's 1200-D synthetic data (Srivastava et al. 2017), as PacGAN's code samples it:
    ten equally likely modes, mode k's mean c_k·(1, …, 1) with c = (-1, -0.5, 0, 0.5, -2, -2.5,
    10, 0.25, -13, -5.5), N(0, 1) noise on the first 700 coordinates and none on the other 500.
    ``mode_sigma`` is 1, the noise's standard deviation.

    High quality (VEEGAN: "within 10 standard deviations of the nearest mode") is read by the
    ``modes`` metric with this dataset's ``threshold`` (10 σ), in the distance ``norm``:

    - ``"max"`` (default): every coordinate lies within threshold·σ of the nearest mean's
      coordinate (the largest coordinate difference). Real samples are then of high quality
      but for a chance of 700·P(|N(0, 1)| > 10) ≈ 10⁻²⁰.
    - ``"euclidean"``: the Euclidean distance to the nearest mean is at most threshold·σ. A real
      sample lies √χ²₇₀₀ ≈ 26.5 σ from its mean, so no real sample is of high quality; a
      generator whose samples sit near the means without the noise scores best.

    The paper does not say which it means; PacGAN's own metric code measures a Euclidean
    distance in σ units (with a threshold of 3). In both readings the nearest mode is the
    nearest mean by Euclidean distance.
    """

    name: ClassVar[str] = "veegan-1200d"
    description: ClassVar[str] = "VEEGAN's 1200-D mixture: 10 modes c_k·1, N(0, 1) noise on the first 700 coordinates"

    threshold: float = param(
        10.0, min=0.0, exclusive_min=True, max=1e6, help="high quality within this many σ (VEEGAN)"
    )
    norm: Literal["max", "euclidean"] = param("max", help="distance the threshold is measured in")

    @property
    def shape(self) -> tuple[int, ...]:
        return (VEEGAN_1200D_DIM,)

    def mode_centers(self) -> Tensor:
        levels = torch.tensor(VEEGAN_1200D_LEVELS, dtype=torch.float32)
        return levels.unsqueeze(1).repeat(1, VEEGAN_1200D_DIM)

    @property
    def mode_sigma(self) -> float:
        return 1.0

    def quality_threshold(self) -> float:
        return float(self.threshold)

    def nearest_modes(self, samples: Tensor) -> tuple[Tensor, Tensor]:
        """Nearest mean by Euclidean distance; the distance from it in ``norm``, computed from the
        coordinate differences (exact at the threshold, unlike ``cdist``'s expanded form)."""
        x = samples.reshape(samples.shape[0], -1).double()
        c = self.mode_centers().double()
        nearest = torch.cdist(x, c).argmin(dim=1)
        diff = (x - c[nearest]).abs()
        distance = diff.amax(dim=1) if self.norm == "max" else diff.norm(dim=1)
        return nearest, distance

    def sample(self, n: int, generator: torch.Generator | None = None, device: str | torch.device = "cpu") -> Tensor:
        levels = torch.tensor(VEEGAN_1200D_LEVELS, dtype=torch.float32, device=device)
        idx = torch.randint(len(VEEGAN_1200D_LEVELS), (n,), generator=generator, device=device)
        noise = torch.randn((n, VEEGAN_1200D_NOISY), generator=generator, device=device)
        x = levels[idx].unsqueeze(1).repeat(1, VEEGAN_1200D_DIM)
        x[:, :VEEGAN_1200D_NOISY] += noise
        return x


@hookimpl
def register_datasets(register: Register) -> None:
    register(Veegan1200D)
