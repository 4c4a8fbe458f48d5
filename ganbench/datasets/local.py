"""Bring your own data: MNIST, Fashion-MNIST and CIFAR-10 read from a local ``data_root``.

The files are expected in torchvision's layout, so a directory that torchvision
has already filled works as it is::

    <data_root>/MNIST/raw/train-images-idx3-ubyte[.gz]      (and train-labels-idx1-ubyte,
    <data_root>/MNIST/raw/t10k-images-idx3-ubyte[.gz]        t10k-labels-idx1-ubyte)
    <data_root>/FashionMNIST/raw/...                         (the same four names)
    <data_root>/cifar-10-batches-py/data_batch_1 ... data_batch_5, test_batch

The readers are small and written here (no torchvision).  Missing files are a
:class:`~ganbench.errors.ConfigError` that lists every path expected; nothing is
ever downloaded.
"""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import importlib
import io
import math
import pickle
import struct
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from ganbench.components import param
from ganbench.datasets.images import DIGIT_NAMES, ImageDataset, Splits
from ganbench.errors import ConfigError
from ganbench.hookspecs import Register, hookimpl

# ---------------------------------------------------------------- IDX (MNIST's format)

#: IDX type byte -> big-endian numpy dtype
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (gzip'd when its name ends in .gz) into a native-endian array.

    Format: two zero bytes, a type byte, the number of dimensions, each dimension
    as a big-endian uint32, then the values in row-major order, big-endian.
    """
    path = Path(path)
    opener: Any = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise ConfigError(f"{path}: not an IDX file (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ConfigError(f"{path}: truncated IDX header")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(IDX_TYPES[data[2]])
    expected = math.prod(dims) * dtype.itemsize
    if len(data) - header != expected:
        raise ConfigError(f"{path}: IDX header promises {expected} bytes of data, file has {len(data) - header}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzip'd when the name ends in .gz); the inverse of :func:`read_idx`."""
    path = Path(path)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}
    code = codes[array.dtype.newbyteorder("=")]
    big = array.astype(np.dtype(IDX_TYPES[code]))
    payload = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + big.tobytes()
    if path.suffix == ".gz":
        payload = gzip.compress(payload)
    path.write_bytes(payload)


# ---------------------------------------------------------------- CIFAR python pickles


def _numpy_global(module: str, name: str) -> Any:
    """The numpy function a pickled array names, under numpy 2's module path or numpy 1's."""
    submodule = module.split(".")[-1]
    for prefix in ("numpy._core", "numpy.core"):
        try:
            return getattr(importlib.import_module(f"{prefix}.{submodule}"), name)
        except (ImportError, AttributeError):
            continue
    raise pickle.UnpicklingError(f"cannot find {module}.{name}")


class _CifarUnpickler(pickle.Unpickler):
    """Unpickles only what a CIFAR batch holds: dicts, lists, bytes and numpy arrays.

    A pickle can run arbitrary code; this one refuses every global but the few
    that rebuild a numpy array, so a tampered file cannot execute anything.
    """

    NUMPY: ClassVar[set[tuple[str, str]]] = {
        (f"numpy.{core}.{mod}", fn)
        for core in ("core", "_core")
        for mod, fn in (("multiarray", "_reconstruct"), ("numeric", "_frombuffer"))
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.NUMPY:
            return _numpy_global(module, name)
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        if (module, name) == ("_codecs", "encode"):
            return codecs.encode
        raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name} from a CIFAR batch")


def _safe_load(data: bytes) -> Any:
    return _CifarUnpickler(io.BytesIO(data), encoding="bytes").load()


def read_cifar_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch: (N, 3, 32, 32) uint8 images and (N,) int64 labels."""
    path = Path(path)
    try:
        batch = _safe_load(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a CIFAR python batch: {exc}") from None
    if not isinstance(batch, dict):
        raise ConfigError(f"{path}: not a CIFAR python batch (expected a dict)")
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise ConfigError(f"{path}: a CIFAR batch needs 'data' and 'labels', found {sorted(batch)}")
    data = np.asarray(batch["data"], dtype=np.uint8)
    labels = np.asarray(batch["labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ConfigError(f"{path}: expected data of shape (N, 3072) and N labels, got {data.shape} and {len(labels)}")
    return data.reshape(-1, 3, 32, 32), labels


# ---------------------------------------------------------------- the datasets

#: the class names of Fashion-MNIST's and CIFAR-10's labels 0 to 9 (MNIST's are DIGIT_NAMES)
FASHION_NAMES = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot")
CIFAR_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def _missing(root: Path, expected: list[Path], what: str, alternatives: bool) -> ConfigError:
    listed = "; ".join(f"{p}{' (or .gz)' if alternatives else ''}" for p in expected)
    return ConfigError(
        f"{what} not found under data_root '{root}': expected {listed}. ganbench never downloads data; "
        "put the files there (torchvision's layout) or set data_root"
    )


@dataclasses.dataclass(frozen=True)
class _LocalFiles(ImageDataset):
    """A dataset read from files the user provides: missing files fail validation, before any run."""

    def files(self) -> list[Path]:
        raise NotImplementedError

    def validate(self) -> None:
        try:
            self.files()
        except ConfigError as exc:
            raise ValueError(str(exc)) from None


@dataclasses.dataclass(frozen=True)
class _IdxDigits(_LocalFiles):
    """MNIST-format data (IDX files) from ``<data_root>/<folder>/raw``."""

    folder: ClassVar[str] = ""
    data_root: str = param("data", help="directory holding the torchvision layout")

    def raw_dir(self) -> Path:
        return Path(self.data_root).expanduser() / self.folder / "raw"

    def files(self) -> list[Path]:
        """The four IDX files, each the plain or the .gz one (whichever exists); raises if any is missing."""
        found: list[Path] = []
        missing: list[Path] = []
        for name in MNIST_FILES:
            plain = self.raw_dir() / name
            gz = plain.with_name(name + ".gz")
            path = plain if plain.is_file() else gz if gz.is_file() else None
            (found if path else missing).append(path or plain)
        if missing:
            raise _missing(Path(self.data_root), missing, f"{self.name}: {len(missing)} of 4 files", True)
        return found

    def load(self) -> Splits:
        train_x, train_y, test_x, test_y = (read_idx(p) for p in self.files())
        for x, y, split in ((train_x, train_y, "train"), (test_x, test_y, "t10k")):
            if x.ndim != 3 or y.ndim != 1 or len(x) != len(y) or x.dtype != np.uint8:
                raise ConfigError(
                    f"{self.raw_dir()}: {split} images must be uint8 (N, H, W) with N labels, "
                    f"got {x.dtype} {x.shape} and {y.shape}"
                )
        return Splits(
            torch.from_numpy(train_x.copy()).unsqueeze(1),
            torch.from_numpy(train_y.astype(np.int64)),
            torch.from_numpy(test_x.copy()).unsqueeze(1),
            torch.from_numpy(test_y.astype(np.int64)),
        )


@dataclasses.dataclass(frozen=True)
class MNIST(_IdxDigits):
    name: ClassVar[str] = "mnist"
    description: ClassVar[str] = "MNIST 28×28 digits read from data_root (torchvision layout, IDX files)"
    class_names: ClassVar[tuple[str, ...]] = DIGIT_NAMES
    folder: ClassVar[str] = "MNIST"


@dataclasses.dataclass(frozen=True)
class FashionMNIST(_IdxDigits):
    name: ClassVar[str] = "fashion-mnist"
    description: ClassVar[str] = "Fashion-MNIST 28×28 read from data_root (torchvision layout, IDX files)"
    class_names: ClassVar[tuple[str, ...]] = FASHION_NAMES
    folder: ClassVar[str] = "FashionMNIST"


CIFAR_FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")


@dataclasses.dataclass(frozen=True)
class CIFAR10(_LocalFiles):
    name: ClassVar[str] = "cifar10"
    description: ClassVar[str] = "CIFAR-10 32×32 RGB read from data_root (cifar-10-batches-py pickles)"
    class_names: ClassVar[tuple[str, ...]] = CIFAR_NAMES

    data_root: str = param("data", help="directory holding cifar-10-batches-py/")

    def files(self) -> list[Path]:
        folder = Path(self.data_root).expanduser() / "cifar-10-batches-py"
        paths = [folder / name for name in CIFAR_FILES]
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise _missing(Path(self.data_root), missing, f"cifar10: {len(missing)} of 6 files", False)
        return paths

    def load(self) -> Splits:
        batches = [read_cifar_batch(p) for p in self.files()]
        train_x = np.concatenate([b[0] for b in batches[:5]])
        train_y = np.concatenate([b[1] for b in batches[:5]])
        test_x, test_y = batches[5]
        return Splits(
            torch.from_numpy(train_x.copy()),
            torch.from_numpy(train_y),
            torch.from_numpy(test_x.copy()),
            torch.from_numpy(test_y),
        )


@hookimpl
def register_datasets(register: Register) -> None:
    register(MNIST)
    register(FashionMNIST)
    register(CIFAR10)
