"""``ganbench run --log tensorboard``: TensorBoard's own reader finds, for every trial, every figure of
history.jsonl at every evaluation step with its value, the samples written at that step as an image,
the configuration as hyperparameters, and how the trial ended."""

from __future__ import annotations

import io

import numpy as np
import pytest

from ganbench.grid import tile
from ganbench.loggers.base import flat_config
from ganbench.loggers.pictures import PLOT_PIXELS, picture
from tests.loggers.runs import same, trials, write_suite

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The suite run once with --log tensorboard: its results directory and stderr."""
    from ganbench.cli import main

    work = tmp_path_factory.mktemp("tensorboard")
    suite = write_suite(work)
    code = main(
        ["run", str(suite), "--out", str(work / "out"), "--jobs", "1", "--vectorize", "2", "--log", "tensorboard"]
    )
    assert code == 0
    return work / "out" / "watched"


def events(directory):
    acc = event_accumulator.EventAccumulator(
        str(directory), size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0}
    )
    acc.Reload()
    return acc


def test_every_figure_of_every_evaluation_is_a_scalar_with_the_value_of_the_history(run):
    found = trials(run)
    assert len(found) == 2
    for trial_id, (_, history) in found.items():
        acc = events(run / "tensorboard" / trial_id)
        figures = set(history[0]) - {"step"}
        assert {"loss_d", "loss_g", "modes_captured", "wasserstein", "estimate"} <= figures
        assert figures <= set(acc.Tags()["scalars"])
        for key in figures:
            logged = {e.step: e.value for e in acc.Scalars(key)}
            assert sorted(logged) == [r["step"] for r in history] == [0, 10, 20]
            for record in history:  # TensorBoard keeps scalars in single precision
                assert same(logged[record["step"]], float(np.float32(record[key]))), (key, record["step"])


def test_the_samples_of_every_evaluation_are_an_image(run):
    from matplotlib.image import imread

    for trial_id in trials(run):
        images = events(run / "tensorboard" / trial_id).Images("samples")
        assert [e.step for e in images] == [0, 10, 20]
        for event in images:
            written = np.load(run / trial_id / "samples" / f"step_{event.step:09d}.npy")
            decoded = (imread(io.BytesIO(event.encoded_image_string), format="png")[:, :, :3] * 255).round()
            assert (event.width, event.height) == (PLOT_PIXELS, PLOT_PIXELS)
            assert np.array_equal(decoded.astype(np.uint8), picture(written))


def test_the_configuration_is_the_trials_hyperparameters_and_its_outcome_is_text(run):
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

    for trial_id, (config, _) in trials(run).items():
        acc = events(run / "tensorboard" / trial_id)
        content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
        hparams = HParamsPluginData.FromString(content).session_start_info.hparams
        flat = flat_config(config)
        assert flat["objective.hyper.lr_g"] == config["objective"]["hyper"]["lr_g"]
        assert hparams["objective.hyper.lr_g"].number_value == flat["objective.hyper.lr_g"]
        assert hparams["seed"].number_value == config["seed"]
        assert hparams["dataset.name"].string_value == "ring"
        assert {"trial", "outcome"} <= {tag.removesuffix("/text_summary") for tag in acc.Tags()["tensors"]}


def test_images_are_a_grid_and_two_dimensional_samples_a_scatter_plot():
    rng = np.random.default_rng(0)
    grey = rng.uniform(-1, 1, (70, 1, 4, 5))
    grid = picture(grey)
    assert np.array_equal(grid, np.repeat(tile(grey[:64])[:, :, None], 3, axis=2))  # an 8 × 8 grid of 64
    colour = rng.uniform(-1, 1, (9, 3, 4, 4))
    assert np.array_equal(picture(colour), tile(colour))
    points = rng.normal(size=(200, 2))
    plot = picture(points)
    assert plot.shape == (PLOT_PIXELS, PLOT_PIXELS, 3) and plot.dtype == np.uint8
    assert not np.array_equal(plot, picture(points + 5.0 * np.eye(2)[0] * (points[:, :1] > 0)))
    assert picture(rng.normal(size=(5, 2, 3))) is None  # no picture of a shape it cannot draw


def test_a_configuration_is_flattened_by_key_and_by_index():
    config = {"seed": 3, "objective": {"hyper": {"lr_g": 1e-3, "betas": [0.5, 0.9]}}, "metrics": [{"name": "modes"}]}
    assert flat_config(config) == {
        "seed": 3,
        "objective.hyper.lr_g": 1e-3,
        "objective.hyper.betas": "[0.5, 0.9]",
        "metrics.0.name": "modes",
    }
