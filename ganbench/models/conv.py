"""Small DCGAN-style convolutional generator and critic for images.

Both adapt to the dataset's shape (C, H, W): square images whose side is
b·2^k with 3 ≤ b ≤ 7 (8 = 4·2, 16 = 4·4, 28 = 7·4, 32 = 4·8, 64 = 4·16) and
any number of channels.  The generator maps z to a (width·2^k)×b×b tensor,
doubles the resolution k times with 4×4 stride-2 transposed convolutions
(halving the channels), and ends with a 3×3 convolution and tanh (data lie in
[-1, 1]).  The critic mirrors it: a 3×3 convolution, k stride-2 4×4
convolutions (doubling the channels), a linear layer to one output per sample.

The critic has no batch normalisation: the harness passes real and fake batches
through it in one call, and gradient penalties need per-sample gradients.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal

from torch import Tensor, nn

from ganbench.components import param
from ganbench.datasets.base import Dataset
from ganbench.hookspecs import Register, hookimpl
from ganbench.models.base import Model


def factor_side(side: int) -> tuple[int, int]:
    """(b, k) with side = b·2^k, 3 ≤ b ≤ 7 and k ≥ 1; ValueError if there is none."""
    b, k = side, 0
    while b % 2 == 0 and b > 7:
        b, k = b // 2, k + 1
    if k == 0 or not 3 <= b <= 7:
        raise ValueError(f"dcgan needs a square image side of the form b·2^k with 3 ≤ b ≤ 7, k ≥ 1; got {side}")
    return b, k


class ConvGenerator(nn.Module):
    def __init__(self, latent_dim: int, channels: int, side: int, width: int, norm: str) -> None:
        super().__init__()
        b, k = factor_side(side)
        self.base = (width * 2**k, b)

        def block_norm(c: int) -> nn.Module:
            return nn.BatchNorm2d(c) if norm == "batch" else nn.Identity()

        self.project = nn.Linear(latent_dim, width * 2**k * b * b)
        layers: list[nn.Module] = [block_norm(width * 2**k), nn.ReLU()]
        for i in range(k, 0, -1):
            c_in, c_out = width * 2**i, width * 2 ** (i - 1)
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1), block_norm(c_out), nn.ReLU()]
        layers += [nn.Conv2d(width, channels, 3, padding=1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        c, b = self.base
        return self.body(self.project(z).view(z.shape[0], c, b, b))


class ConvCritic(nn.Module):
    def __init__(self, channels: int, side: int, width: int, norm: str) -> None:
        super().__init__()
        b, k = factor_side(side)

        def block_norm(c: int) -> nn.Module:
            return nn.GroupNorm(1, c) if norm == "layer" else nn.Identity()

        layers: list[nn.Module] = [nn.Conv2d(channels, width, 3, padding=1), nn.LeakyReLU(0.2)]
        for i in range(k):
            c_in, c_out = width * 2**i, width * 2 ** (i + 1)
            layers += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), block_norm(c_out), nn.LeakyReLU(0.2)]
        layers += [nn.Flatten(), nn.Linear(width * 2**k * b * b, 1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x).squeeze(-1)


@dataclasses.dataclass(frozen=True)
class DCGAN(Model):
    name: ClassVar[str] = "dcgan"
    description: ClassVar[str] = "small DCGAN-style conv nets for 8×8 to 64×64 images, any channel count"

    latent_dim: int = param(64, min=1, max=4096, help="size of the Gaussian latent z")
    width: int = param(32, min=1, max=1024, help="channels at full resolution (doubling per halving)")
    g_norm: Literal["batch", "none"] = param("batch", help="normalisation in the generator")
    d_norm: Literal["none", "layer"] = param("none", help="normalisation in the critic (never batch norm)")

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.latent_dim,)

    def build(self, dataset: Dataset) -> tuple[nn.Module, nn.Module]:
        shape = tuple(dataset.shape)
        if len(shape) != 3 or shape[1] != shape[2]:
            raise ValueError(f"dcgan needs square images of shape (C, H, H); dataset '{dataset.name}' has {shape}")
        channels, side = shape[0], shape[1]
        gen = ConvGenerator(self.latent_dim, channels, side, self.width, self.g_norm)
        critic = ConvCritic(channels, side, self.width, self.d_norm)
        return gen, critic


@hookimpl
def register_models(register: Register) -> None:
    register(DCGAN)
