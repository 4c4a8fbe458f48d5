"""Standard FID: the Fréchet Inception distance as the literature computes it, through pytorch-fid.

Nothing is re-implemented: the network is pytorch-fid's ``InceptionV3`` built with
``use_fid_inception=True`` (the TensorFlow FID Inception's structure), its features the
2048-d pool3 output (block 3), and the distance pytorch-fid's ``calculate_frechet_distance``
of the features' means and covariances (NumPy ``mean`` and ``cov`` in float64, as
pytorch-fid's ``calculate_activation_statistics``). The images go in as pytorch-fid reads
image files: quantised to 8 bits per channel (a PNG's values ``round((x + 1) / 2 · 255) / 255``
from ganbench's [-1, 1]), grey repeated to 3 channels (PIL's ``convert("RGB")``), then
resized by the network itself (``resize_input=True``): bilinear to 299×299,
``torch.nn.functional.interpolate(mode="bilinear", align_corners=False)``.

The weights are the file pytorch-fid downloads by default, which here is never downloaded:
the user gives its path (``weights = "..."`` or ``$GANBENCH_FID_WEIGHTS``), and its SHA-256
is recorded in the metric's parameters (so in every trial's ``config.json`` and id).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import torch
from torch import Tensor

from ganbench.components import param
from ganbench.datasets.base import Dataset
from ganbench.datasets.images import ImageDataset
from ganbench.errors import ConfigError
from ganbench.metrics.base import MIN, Metric

if TYPE_CHECKING:
    from ganbench.registry import Registry

WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{WEIGHTS_FILE}"
WEIGHTS_ENV = "GANBENCH_FID_WEIGHTS"
FEATURES = "pytorch-fid InceptionV3 (use_fid_inception=True), pool3 features (2048-d)"
RESIZE = "bilinear to 299×299 (torch interpolate, align_corners=False), as pytorch-fid's InceptionV3(resize_input=True)"
#: images per forward pass (pytorch-fid's default batch size)
BATCH = 50


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _local_weights(state_dict: dict[str, Tensor]) -> Iterator[None]:
    """pytorch-fid's ``fid_inception_v3`` fetches its weights with ``load_state_dict_from_url``:
    while building the network, that name returns the state dict read from the user's file."""
    import pytorch_fid.inception as inception

    fetch = inception.load_state_dict_from_url
    inception.load_state_dict_from_url = lambda *args, **kwargs: state_dict
    try:
        yield
    finally:
        inception.load_state_dict_from_url = fetch


_BUILDING = threading.Lock()


@functools.lru_cache(maxsize=2)
def inception_network(path: str, sha256: str) -> torch.nn.Module:
    """pytorch-fid's FID InceptionV3 with the weights of file ``path`` (of hash ``sha256``),
    in evaluation mode; built once per process and file."""
    from pytorch_fid.inception import InceptionV3

    state_dict = torch.load(path, map_location="cpu", weights_only=True)
    with _BUILDING, _local_weights(state_dict):
        net = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]], resize_input=True, normalize_input=True)
    return net.eval()


def as_image_files(x: Tensor) -> Tensor:
    """Images in [-1, 1], (N, C, H, W) with C = 1 or 3, as pytorch-fid reads them from 8-bit
    files: values k/255 in [0, 1], three channels."""
    quantised = torch.round((x.float().clamp(-1, 1) + 1) / 2 * 255) / 255
    return quantised.repeat(1, 3, 1, 1) if quantised.shape[1] == 1 else quantised


def activations(net: torch.nn.Module, x: Tensor) -> np.ndarray:
    """The (N, 2048) pool3 features of images ``x`` in [-1, 1], as pytorch-fid's ``get_activations``."""
    out = []
    with torch.no_grad():
        for batch in as_image_files(x).split(BATCH):
            out.append(net(batch)[0].squeeze(3).squeeze(2).numpy())
    return np.concatenate(out).astype(np.float64)


def frechet_inception_distance(net: torch.nn.Module, *, real: Tensor, fake: Tensor) -> float:
    from pytorch_fid.fid_score import calculate_frechet_distance

    a, b = activations(net, fake), activations(net, real)
    mu_a, sigma_a = np.mean(a, axis=0), np.cov(a, rowvar=False)
    mu_b, sigma_b = np.mean(b, axis=0), np.cov(b, rowvar=False)
    return float(calculate_frechet_distance(mu_a, sigma_a, mu_b, sigma_b))


def missing_weights(path: Path | None) -> str:
    where = f"the file {path} does not exist" if path is not None else f"no weights given (nor ${WEIGHTS_ENV})"
    return (
        f"metric 'fid-inception' needs pytorch-fid's FID Inception weights {WEIGHTS_FILE}: {where}; download it "
        f'from {WEIGHTS_URL} and give its path as weights = "..." or in ${WEIGHTS_ENV}'
    )


@dataclasses.dataclass(frozen=True)
class InceptionFID(Metric):
    """FID as papers report it, with pytorch-fid (see the module's documentation)."""

    name: ClassVar[str] = "fid-inception"
    description: ClassVar[str] = "standard FID: pytorch-fid's InceptionV3 and Fréchet distance (weights from a file)"
    outputs: ClassVar[dict[str, str]] = {"fid_inception": MIN, "fid_inception_samples": ""}
    output_docs: ClassVar[dict[str, tuple[str, str]]] = {
        "fid_inception": (
            "Inception features²",
            f"Fréchet Inception distance (Heusel et al. 2017) computed by pytorch-fid: {FEATURES}, weights "
            f"{WEIGHTS_FILE} (its SHA-256 in the metric's parameters, weights_sha256); images quantised to 8 bits, "
            f"grey repeated to 3 channels, resized {RESIZE}; as many real images, drawn from the training set",
        ),
        "fid_inception_samples": ("images", "generated images, and real ones, whose features fid_inception compares"),
    }

    weights: str = param("", help=f"path of pytorch-fid's {WEIGHTS_FILE} (default: ${WEIGHTS_ENV})")
    weights_sha256: str = param("", help="the weights file's SHA-256: recorded at validation; if given, checked")
    samples: int = param(10_000, min=2, max=1_000_000, help="generated images, and real ones (≤ train.eval_samples)")

    def weights_path(self) -> Path | None:
        given = self.weights or os.environ.get(WEIGHTS_ENV, "")
        return Path(given).expanduser() if given else None

    def supports(self, dataset: Dataset) -> str | None:
        if isinstance(dataset, ImageDataset):
            return None
        return f"metric '{self.name}' needs an image dataset; '{dataset.name}' is not one"

    def resolve(self, registry: Registry, where: str) -> InceptionFID:
        """Checks the weights file (present, of the given hash) and that pytorch-fid is installed;
        records the file's SHA-256."""
        path = self.weights_path()
        if path is None or not path.is_file():
            raise ConfigError(f"{where}: {missing_weights(path)}", key=where)
        digest = sha256_of(path)
        if self.weights_sha256 and self.weights_sha256 != digest:
            raise ConfigError(
                f"{where}: {path} has SHA-256 {digest}, not the weights_sha256 {self.weights_sha256} given", key=where
            )
        try:
            import pytorch_fid.inception  # noqa: F401  (torchvision with it)
        except ImportError:
            raise ConfigError(
                f"{where}: metric '{self.name}' needs the pytorch-fid package: pip install 'ganbench[fid]'", key=where
            ) from None
        except RuntimeError as exc:  # a torchvision built for another torch fails so
            raise ConfigError(
                f"{where}: metric '{self.name}' cannot import pytorch-fid ({str(exc).splitlines()[0]}): "
                "install the torchvision built for this torch",
                key=where,
            ) from None
        return dataclasses.replace(self, weights_sha256=digest)

    def compute(self, *, real: Tensor, fake: Tensor, dataset: Dataset) -> dict[str, float]:
        if fake.dim() != 4 or fake.shape[1] not in (1, 3):
            raise ValueError(f"metric '{self.name}' needs grey or RGB images (N, 1|3, H, W), got {tuple(fake.shape)}")
        path = self.weights_path()
        if path is None or not path.is_file():
            raise FileNotFoundError(missing_weights(path))
        n = min(self.samples, len(fake), len(real))
        net = inception_network(str(path), self.weights_sha256 or sha256_of(path))
        fid = frechet_inception_distance(net, real=real[:n], fake=fake[:n])
        return {"fid_inception": fid, "fid_inception_samples": float(n)}
