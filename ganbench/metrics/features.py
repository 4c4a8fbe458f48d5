"""A feature space for image metrics: a small classifier trained on the data set itself.

No Inception weights exist offline, so Fréchet distance, KID, precision/recall
and density/coverage are measured in the penultimate layer (at most 128
dimensions) of a small CNN trained on the dataset's training split (the
"Fréchet LeNet distance" idea).  It is trained on first use and cached on disk:

    $GANBENCH_CACHE/classifiers/<dataset>-<hash>.pt      (default ~/.cache/ganbench,
                                                          or $XDG_CACHE_HOME/ganbench)

``<hash>`` is a SHA-256 of the training and test data, the labels and the
classifier configuration, so a changed data set or configuration trains a new
classifier and never reuses a stale one.  The file also records the test
accuracy, which every image metric reports next to its score.  Writes are
atomic (temporary file, fsync, rename) and guarded by a lock file, so two
processes that need the same classifier train it once.  Training uses an RNG of
its own: whether the classifier was trained or loaded never changes a trial.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganbench.datasets.base import Dataset
from ganbench.datasets.images import ImageDataset, Splits, to_unit_range
from ganbench.io import FileLock, atomic_write

#: bump when the architecture or training procedure changes, to invalidate old caches
FORMAT = 1
ENV_CACHE = "GANBENCH_CACHE"
MAX_FEATURES = 128
RECORD_KEYS = {"hash", "accuracy", "scale", "state"}
CHUNK = 2048


def cache_dir() -> Path:
    """``$GANBENCH_CACHE``, else ``$XDG_CACHE_HOME/ganbench``, else ``~/.cache/ganbench``."""
    explicit = os.environ.get(ENV_CACHE)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ganbench"


@dataclasses.dataclass(frozen=True)
class ClassifierConfig:
    """Everything that determines the trained classifier besides the data."""

    feature_dim: int
    width: int = 32
    epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-3
    dropout: float = 0.25
    seed: int = 0
    format: int = FORMAT

    @classmethod
    def for_dataset(cls, dataset: ImageDataset) -> ClassifierConfig:
        """≤ 128 features in all (128 / units per unit); about 400 optimiser steps, 2 to 40 epochs."""
        n = len(dataset.classifier_splits().train_x)
        epochs = max(2, min(40, math.ceil(400 * 64 / n)))
        return cls(feature_dim=MAX_FEATURES // dataset.units, epochs=epochs)


class FeatureNet(nn.Module):
    """conv-conv-pool-conv-pool, adaptive average pooling, a ``feature_dim`` layer, the class logits."""

    def __init__(self, channels: int, side: int, n_classes: int, cfg: ClassifierConfig) -> None:
        super().__init__()
        w = cfg.width
        pooled = max(1, min(4, side // 4))
        self.body = nn.Sequential(
            nn.Conv2d(channels, w, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(w, w, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2) if side >= 8 else nn.Identity(),
            nn.AdaptiveAvgPool2d(pooled),
            nn.Flatten(),
            nn.Linear(2 * w * pooled * pooled, cfg.feature_dim),
            nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(cfg.feature_dim, n_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))

    def features(self, x: Tensor) -> Tensor:
        return self.body(x)


class FeatureClassifier:
    """A trained :class:`FeatureNet` applied per unit: ``features`` and ``classify`` of (N, C, H, W) images."""

    def __init__(self, net: FeatureNet, units: int, accuracy: float, scale: float, path: Path | None) -> None:
        self.net = net.eval()
        self.units = units
        self.accuracy = accuracy
        self.scale = scale
        self.path = path
        # features of the last few inputs: an evaluation runs several metrics on the same samples
        self._memo: list[tuple[Tensor, tuple[object, ...], Tensor]] = []

    def _per_unit(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        return to_unit_range(x).float().reshape(n * self.units, c // self.units, h, w)

    @torch.no_grad()
    def features(self, x: Tensor) -> Tensor:
        """(N, units·feature_dim) features, at most 128 columns, scaled so that the training
        images' features have unit mean variance per dimension (scores of a sensible size)."""
        key = _key(x)
        for _tensor, held_key, feats in self._memo:
            if held_key == key:
                return feats
        units = self._per_unit(x.cpu())
        out = torch.cat([self.net.features(units[i : i + CHUNK]) for i in range(0, len(units), CHUNK)])
        feats = out.reshape(x.shape[0], -1) * self.scale
        # holding ``x`` keeps its storage alive, so its address cannot be reused by another tensor
        self._memo = [*self._memo[-3:], (x, key, feats)]
        return feats

    @torch.no_grad()
    def classify(self, x: Tensor) -> Tensor:
        """(N, units) predicted labels (one per unit)."""
        per_unit = self.features(x).reshape(x.shape[0] * self.units, -1) / self.scale
        return self.net.head(per_unit).argmax(1).reshape(x.shape[0], self.units)


def _key(x: Tensor) -> tuple[object, ...]:
    """Identity of a tensor's contents while it is alive: storage, view and version counter."""
    return (x.device, x.untyped_storage().data_ptr(), x.storage_offset(), x.shape, x.stride(), x._version, x.dtype)


def data_hash(splits: Splits, cfg: ClassifierConfig, n_classes: int) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"config": dataclasses.asdict(cfg), "classes": n_classes}, sort_keys=True).encode())
    for t in splits:
        t = t.contiguous()
        h.update(f"{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=16)
def _identity(dataset: ImageDataset) -> tuple[str, ClassifierConfig]:
    cfg = ClassifierConfig.for_dataset(dataset)
    return data_hash(dataset.classifier_splits(), cfg, dataset.n_classes), cfg


#: classifiers already loaded in this process, by cache file
_LOADED: dict[str, FeatureClassifier] = {}


def forget_loaded() -> None:
    """Forget every dataset and classifier loaded in this process, as a fresh process would start."""
    from ganbench.datasets import images

    _LOADED.clear()
    _identity.cache_clear()
    images._load.cache_clear()
    images._on_device.cache_clear()


def image_dataset(dataset: Dataset, metric: str) -> ImageDataset:
    if not isinstance(dataset, ImageDataset):
        raise ValueError(f"metric '{metric}' needs an image dataset with labels; '{dataset.name}' is not one")
    return dataset


def classifier_path(dataset: ImageDataset) -> Path:
    digest, _ = _identity(dataset)
    return cache_dir() / "classifiers" / f"{dataset.name}-{digest[:20]}.pt"


def classifier_for(dataset: ImageDataset) -> FeatureClassifier:
    """The dataset's feature classifier: from memory, else from the disk cache, else trained and cached."""
    digest, cfg = _identity(dataset)
    path = classifier_path(dataset)
    if str(path) in _LOADED:
        return _LOADED[str(path)]
    splits = dataset.classifier_splits()
    channels, side = int(splits.train_x.shape[1]), int(splits.train_x.shape[2])
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path.with_name(path.name + ".lock")):
        with torch.random.fork_rng(devices=[]):  # never touch the trial's random state
            torch.manual_seed(cfg.seed)
            net = FeatureNet(channels, side, dataset.n_classes, cfg)
        record = _read(path, digest)
        if record is None:
            _stderr(f"training the feature classifier for '{dataset.name}' (cached in {path})")
            accuracy = train_classifier(net, splits, cfg)
            scale = feature_scale(net, splits.train_x)
            record = {
                "hash": digest,
                "dataset": dataset.name,
                "config": dataclasses.asdict(cfg),
                "accuracy": accuracy,
                "scale": scale,
                "state": net.state_dict(),
            }
            buf = io.BytesIO()
            torch.save(record, buf)
            atomic_write(path, buf.getvalue())
        else:
            net.load_state_dict(record["state"])
        net.eval()
    clf = FeatureClassifier(net, dataset.units, float(record["accuracy"]), float(record["scale"]), path)
    _LOADED[str(path)] = clf
    return clf


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _read(path: Path, digest: str) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated or corrupted: retrain rather than trust it
        _stderr(f"warning: unreadable classifier cache {path} ({type(exc).__name__}); retraining")
        return None
    if not isinstance(record, dict) or record.get("hash") != digest or not RECORD_KEYS <= record.keys():
        return None
    return record


def train_classifier(net: FeatureNet, splits: Splits, cfg: ClassifierConfig) -> float:
    """Train ``net`` in place with Adam and cross-entropy; return its accuracy on the test split.

    Uses a forked RNG seeded with ``cfg.seed``: the caller's random state is untouched.
    """
    with torch.random.fork_rng(devices=[]), torch.enable_grad():  # metrics run under no_grad
        torch.manual_seed(cfg.seed)
        x, y = to_unit_range(splits.train_x).float(), splits.train_y
        opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
        g = torch.Generator().manual_seed(cfg.seed)
        net.train()
        for _ in range(cfg.epochs):
            perm = torch.randperm(len(x), generator=g)
            for i in range(0, len(x), cfg.batch_size):
                idx = perm[i : i + cfg.batch_size]
                loss = F.cross_entropy(net(x[idx]), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        net.eval()
    return accuracy(net, splits.test_x, splits.test_y)


@torch.no_grad()
def feature_scale(net: FeatureNet, x: Tensor) -> float:
    """1 / √(mean per-dimension variance) of the features of ``x``."""
    net.eval()
    x = to_unit_range(x).float()
    f = torch.cat([net.features(x[i : i + CHUNK]) for i in range(0, len(x), CHUNK)]).double()
    return float(1.0 / f.var(dim=0).mean().clamp(min=1e-12).sqrt())


@torch.no_grad()
def accuracy(net: nn.Module, x: Tensor, y: Tensor) -> float:
    net.eval()
    x = to_unit_range(x).float()
    correct = sum(int((net(x[i : i + CHUNK]).argmax(1) == y[i : i + CHUNK]).sum()) for i in range(0, len(x), CHUNK))
    return correct / max(1, len(x))
