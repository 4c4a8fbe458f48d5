"""PacGAN's networks for its 2-D experiments (Lin, Khetan, Fanti & Oh, NeurIPS 2018).

As the authors' code builds them (github.com/fjxmlzn/PacGAN,
``synthetic_data_experiments/2DRing_GAN&PacGAN/pacgan_task.py``, on Blocks):

- generator: z (``latent_dim``, N(0, I)) -> ``g_depth`` hidden layers of ``g_width`` units,
  each Linear without bias -> batch norm -> ReLU, then Linear with bias to the sample;
- critic: ``d_depth`` maxout layers (Blocks' ``LinearMaxout``: a Linear layer to
  ``d_width``·``pieces`` outputs, unit u the maximum of outputs u·pieces … u·pieces + pieces - 1),
  then Linear(``d_width`` -> 1);
- ``init = "normal"``: every Linear weight N(0, ``init_std``) and every bias 0, batch norm's
  scale 1 and shift 0 (Blocks does not push the initialisation to batch norm);
  ``init = "torch"``: PyTorch's default initialisation of ``nn.Linear``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import ClassVar, Literal

import torch
from torch import Tensor, nn

from ganbench.components import param
from ganbench.datasets.base import Dataset
from ganbench.hookspecs import Register, hookimpl
from ganbench.models.base import Model
from ganbench.models.mlp import FlatCritic, ShapedGenerator, stacked_linear

#: the variance's stabiliser in batch norm: Blocks' ``BatchNormalization`` default, which the authors keep
BN_EPSILON = 1e-4


def batch_norm(x: Tensor, weight: Tensor, bias: Tensor, dim: int) -> Tensor:
    """Batch norm by the batch's own statistics: ``x`` centred on its mean over ``dim`` (the
    batch), divided by √(biased variance + ε), then scaled by ``weight`` and shifted by ``bias``."""
    centred = x - x.mean(dim, keepdim=True)
    variance = centred.square().mean(dim, keepdim=True)
    return centred / (variance + BN_EPSILON).sqrt() * weight + bias


class BatchNorm(nn.Module):
    """Batch norm over the batch dimension that always normalises by the batch's own statistics
    and keeps no running statistics (no buffers). A batch of one sample gives ``bias``."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width))

    def forward(self, x: Tensor) -> Tensor:
        return batch_norm(x, self.weight, self.bias, 0)


class Maxout(nn.Module):
    """A maxout layer: ``linear`` to width·pieces outputs, unit u the maximum of its ``pieces``
    consecutive outputs (Blocks' ``LinearMaxout`` layout)."""

    def __init__(self, n_in: int, width: int, pieces: int) -> None:
        super().__init__()
        self.pieces = pieces
        self.linear = nn.Linear(n_in, width * pieces)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x).unflatten(-1, (-1, self.pieces)).amax(-1)


def _stacked(body: nn.Sequential, params: Mapping[str, Tensor], x: Tensor) -> Tensor:
    """``body`` for K members at once: x (K, B, n), params stacked (K, ...) under the module's
    own names. Batch norm normalises each member's batch (dimension 1) on its own."""
    for i, layer in enumerate(body):
        name = f"body.{i}"
        if isinstance(layer, nn.Linear):
            weight = params[f"{name}.weight"]
            bias = params.get(f"{name}.bias")
            x = stacked_linear(x, weight, weight.new_zeros(weight.shape[:2]) if bias is None else bias)
        elif isinstance(layer, Maxout):
            x = stacked_linear(x, params[f"{name}.linear.weight"], params[f"{name}.linear.bias"])
            x = x.unflatten(-1, (-1, layer.pieces)).amax(-1)
        elif isinstance(layer, BatchNorm):
            x = batch_norm(x, params[f"{name}.weight"].unsqueeze(1), params[f"{name}.bias"].unsqueeze(1), 1)
        else:
            x = layer(x)  # ReLU
    return x


@dataclasses.dataclass(frozen=True)
class PacGANMLP(Model):
    """PacGAN's 2-D generator (an MLP with batch norm) and maxout critic; see the module docstring.

    The critic flattens its input and is built for ``dataset.shape`` alone, so a packed view of
    a dataset (m samples side by side) gets a critic of m times the input width.

    Batch norm and vectorisation. ganbench runs batch norm by one rule (that of ``dcgan`` and
    of ``ganbench.training.evaluate``): every forward pass, in training and at evaluation,
    normalises each member's batch by that batch's own statistics; running statistics are
    never read. The evaluation samples of this generator are therefore normalised by the
    statistics of the evaluation batch itself (``train.eval_samples`` latents, in chunks of
    8,192). Running statistics would be dead state, so this batch norm keeps none: the model
    has no buffers, its batched pass (``forward_stacked``) applies to both networks, and it
    vectorises exactly: on the CPU a trial gives the same numbers, bit for bit, in any group
    as alone, and ``eval()`` mode changes nothing. The authors' code differs here: it
    generates the samples it scores (its ``GraphLogger``, outside Blocks' training-mode
    context) with population statistics, moving averages (weight 0.05 per step) of the
    minibatch means and standard deviations, which is a protocol difference.
    ``g_norm = "none"`` drops batch norm and gives the hidden layers a bias instead.
    """

    name: ClassVar[str] = "pacgan-mlp"
    description: ClassVar[str] = "PacGAN's 2-D nets: batch-norm MLP generator, maxout critic, N(0, 0.02) init"

    latent_dim: int = param(2, min=1, max=65_536, help="size of the Gaussian latent z")
    g_width: int = param(400, min=1, max=65_536, help="generator hidden units per layer")
    g_depth: int = param(4, min=0, max=64, help="generator hidden layers")
    g_norm: Literal["batch", "none"] = param("batch", help="batch norm after each generator hidden layer")
    d_width: int = param(200, min=1, max=65_536, help="maxout units per critic layer")
    d_depth: int = param(3, min=0, max=64, help="critic maxout layers")
    pieces: int = param(5, min=1, max=64, help="linear pieces per maxout unit")
    init: Literal["normal", "torch"] = param("normal", help="weights N(0, init_std) and zero biases, or torch's")
    init_std: float = param(0.02, min=0.0, exclusive_min=True, max=10.0, help="standard deviation of init=normal")

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.latent_dim,)

    def generator_body(self, n_out: int) -> nn.Sequential:
        layers: list[nn.Module] = []
        n_in = self.latent_dim
        for _ in range(self.g_depth):
            batch = self.g_norm == "batch"
            layers += [nn.Linear(n_in, self.g_width, bias=not batch), *([BatchNorm(self.g_width)] if batch else [])]
            layers.append(nn.ReLU())
            n_in = self.g_width
        layers.append(nn.Linear(n_in, n_out))
        return nn.Sequential(*layers)

    def critic_body(self, n_in: int) -> nn.Sequential:
        layers: list[nn.Module] = []
        for _ in range(self.d_depth):
            layers.append(Maxout(n_in, self.d_width, self.pieces))
            n_in = self.d_width
        layers.append(nn.Linear(n_in, 1))
        return nn.Sequential(*layers)

    def build(self, dataset: Dataset) -> tuple[nn.Module, nn.Module]:
        shape = tuple(dataset.shape)
        n = math.prod(shape)
        gen = ShapedGenerator(self.generator_body(n), shape, _stacked)
        critic = FlatCritic(self.critic_body(n), _stacked)
        if self.init == "normal":
            for net in (gen, critic):
                for module in net.modules():
                    if isinstance(module, nn.Linear):
                        nn.init.normal_(module.weight, 0.0, self.init_std)
                        if module.bias is not None:
                            nn.init.zeros_(module.bias)
        return gen, critic


@hookimpl
def register_models(register: Register) -> None:
    register(PacGANMLP)
