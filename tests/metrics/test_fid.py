"""Standard FID (``fid-inception``): ganbench's value is pytorch-fid's own on the same images, read
by pytorch-fid from PNG files with its ``get_activations`` and ``calculate_frechet_distance``;
a missing weights file is one line, exit 2, naming the file and where it comes from."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch
from PIL import Image

from ganbench.components import build
from ganbench.datasets.images import Digits
from ganbench.metrics.fid import WEIGHTS_ENV, WEIGHTS_FILE, WEIGHTS_URL, InceptionFID, inception_network
from tests.helpers.fid import import_pytorch_fid, random_fid_weights

pfi = import_pytorch_fid()
from pytorch_fid.fid_score import calculate_frechet_distance, get_activations  # noqa: E402

IMAGE_SUITE = """
name = "fid"
seeds = 1
metrics = [{{ name = "fid-inception"{weights} }}]

[train]
steps = 2
batch_size = 8
eval_every = 2
eval_samples = 10

[model]
name = "dcgan"
width = 8

[[datasets]]
name = "digits"
size = 8

[[objectives]]
name = "nonsaturating"
"""


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    return random_fid_weights(tmp_path_factory.mktemp("fid") / WEIGHTS_FILE)


def reference_statistics(weights: Path, images: np.ndarray, folder: Path, side: str) -> tuple[np.ndarray, np.ndarray]:
    """pytorch-fid's statistics of 8-bit images, as its command line computes them: the images
    written as PNG files (grey ones in mode L), read back by ``get_activations``, their mean and
    covariance as ``calculate_activation_statistics`` takes them."""
    state = torch.load(weights, weights_only=True)
    with mock.patch.object(pfi, "load_state_dict_from_url", lambda *args, **kwargs: state):
        net = pfi.InceptionV3([pfi.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
    files = []
    for i, image in enumerate(images):
        files.append(folder / f"{side}_{i}.png")
        Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(files[-1])
    acts = get_activations(files, net, batch_size=len(files), dims=2048, device="cpu", num_workers=0)
    return np.mean(acts, axis=0), np.cov(acts, rowvar=False)


def _metric(weights: Path, **params) -> InceptionFID:
    return build(InceptionFID, {"weights": str(weights), **params}, "metrics[0]").resolve(None, "metrics[0]")


def images(n: int, channels: int, seed: int) -> tuple[torch.Tensor, np.ndarray, torch.Tensor, np.ndarray]:
    """Real images (8-bit, as in [-1, 1]) and generated ones, off the 8-bit grid and beyond
    [-1, 1] as a generator's are, each with the 8-bit file that holds it (rounded, clipped)."""
    rng = np.random.default_rng(seed)
    real_u8 = rng.integers(0, 256, (n, 8, 8, channels), dtype=np.uint8)
    fake_x = rng.uniform(-1.2, 0.6, (n, channels, 8, 8))
    fake_u8 = np.clip(np.round((np.clip(fake_x, -1, 1) + 1) / 2 * 255), 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)
    real = torch.tensor(real_u8.transpose(0, 3, 1, 2), dtype=torch.float32) / 127.5 - 1
    return real, real_u8, torch.tensor(fake_x, dtype=torch.float32), fake_u8


def test_ganbench_gives_pytorch_fid_the_statistics_it_computes_from_image_files(weights, tmp_path, monkeypatch):
    """The features (8-bit quantisation, grey to RGB, resizing, the network and its weights) and
    the statistics are pytorch-fid's, and the FID is what its calculate_frechet_distance returns.
    (Its value on 2048 features takes minutes here, in scipy's sqrtm: the slow test below.)"""
    from pytorch_fid import fid_score

    real, real_u8, fake, fake_u8 = images(2, 1, seed=0)
    calls = []

    def distance(mu1, sigma1, mu2, sigma2):
        calls.append((mu1, sigma1, mu2, sigma2))
        return 12.5

    monkeypatch.setattr(fid_score, "calculate_frechet_distance", distance)
    got = _metric(weights).compute(real=real, fake=fake, dataset=Digits())
    assert got == {"fid_inception": 12.5, "fid_inception_samples": 2.0}
    (given,) = calls
    expected = (
        *reference_statistics(weights, fake_u8, tmp_path, "fake"),
        *reference_statistics(weights, real_u8, tmp_path, "real"),
    )
    for ours, theirs in zip(given, expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-9)
    assert np.abs(given[0] - given[2]).max() > 1e-3  # the two sides differ: a check that can fail


@pytest.mark.slow
@pytest.mark.parametrize("channels", [1, 3])
def test_ganbench_fid_is_pytorch_fids_on_the_same_images(weights, tmp_path, channels):
    real, real_u8, fake, fake_u8 = images(10, channels, seed=channels)
    stats = (
        *reference_statistics(weights, fake_u8, tmp_path, "fake"),
        *reference_statistics(weights, real_u8, tmp_path, "real"),
    )
    expected = float(calculate_frechet_distance(*stats))
    got = _metric(weights).compute(real=real, fake=fake, dataset=Digits())
    assert got["fid_inception"] == pytest.approx(expected, rel=1e-5)
    assert got["fid_inception"] > 1.0
    assert got["fid_inception_samples"] == 10


def test_the_weights_are_the_files_and_recorded_by_hash(weights):
    metric = _metric(weights, samples=4)
    assert metric.weights_sha256 == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert metric.params()["weights_sha256"] == metric.weights_sha256  # in config.json, so in the trial id
    # the network's tensors are the file's (all but the classifier head, which FID does not use)
    net = inception_network(str(weights), metric.weights_sha256)
    saved = {k: v for k, v in torch.load(weights, weights_only=True).items() if not k.startswith("fc.")}
    loaded = list(net.state_dict().values())
    assert len(loaded) == len(saved)
    for key, tensor in saved.items():
        assert any(t.shape == tensor.shape and torch.equal(t, tensor) for t in loaded), key
    assert not any(p.requires_grad for p in net.parameters()) and not net.training


def test_a_given_hash_is_checked(weights, run_cli, tmp_path):
    suite = tmp_path / "fid.toml"
    suite.write_text(IMAGE_SUITE.format(weights=f', weights = "{weights}", weights_sha256 = "{"0" * 64}"'))
    code, _, err = run_cli("validate", suite)
    assert code == 2 and err.count("\n") == 1
    assert hashlib.sha256(weights.read_bytes()).hexdigest() in err


@pytest.mark.parametrize("given", ["param", "env", "neither"])
def test_missing_weights_are_one_line_naming_the_file_and_its_source(run_cli, tmp_path, monkeypatch, given):
    missing = tmp_path / "nowhere" / WEIGHTS_FILE
    monkeypatch.delenv(WEIGHTS_ENV, raising=False)
    if given == "env":
        monkeypatch.setenv(WEIGHTS_ENV, str(missing))
    suite = tmp_path / "fid.toml"
    suite.write_text(IMAGE_SUITE.format(weights=f', weights = "{missing}"' if given == "param" else ""))
    code, out, err = run_cli("validate", suite)
    assert code == 2, out
    assert err.count("\n") == 1
    assert WEIGHTS_FILE in err and WEIGHTS_URL in err and WEIGHTS_ENV in err
    assert (str(missing) in err) == (given != "neither")


def test_the_weights_from_the_environment(weights, run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv(WEIGHTS_ENV, str(weights))
    suite = tmp_path / "fid.toml"
    suite.write_text(IMAGE_SUITE.format(weights=""))
    code, out, err = run_cli("validate", suite)
    assert code == 0, err
    assert "suite 'fid'" in out


def test_a_suite_records_the_fid_s_extractor_weights_count_and_resize_in_its_report(
    weights, run_cli, tmp_path, monkeypatch
):
    from pytorch_fid import fid_score

    # the distance's value is not what this test checks (the tests above do): a quick stand-in
    monkeypatch.setattr(fid_score, "calculate_frechet_distance", lambda m1, s1, m2, s2: float(((m1 - m2) ** 2).sum()))
    suite = tmp_path / "fid.toml"
    suite.write_text(IMAGE_SUITE.format(weights=f', weights = "{weights}", samples = 6'))
    code, _, err = run_cli("run", suite, "--out", tmp_path / "out", "--jobs", "1")
    assert code == 0, err
    (trial,) = [p for p in (tmp_path / "out" / "fid").iterdir() if p.is_dir()]
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    config = json.loads((trial / "config.json").read_text())
    assert config["metrics"] == [
        {"name": "fid-inception", "params": {"weights": str(weights), "weights_sha256": digest, "samples": 6}}
        | {k: v for k, v in config["metrics"][0].items() if k == "provider"}
    ]
    final = json.loads((trial / "final.json").read_text())
    assert final["metrics"]["fid_inception_samples"] == 6 and final["metrics"]["fid_inception"] > 0
    report = tmp_path / "report.md"
    code, _, err = run_cli("report", tmp_path / "out" / "fid", "--out", report, "--no-figures")
    assert code == 0, err
    text = report.read_text()
    assert digest in text  # the metric's parameters
    assert "pool3 features (2048-d)" in text and WEIGHTS_FILE in text and "bilinear to 299×299" in text
    assert "fid_inception_samples" in text
