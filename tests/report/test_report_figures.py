"""What the curve figures draw: every seed a thin line with its own values, each objective's
mean over seeds bold, and an axis framed past step 0 when the untrained generator's value
would crush the rest (the grid's HQ % at step 0 is about 94 %, later 0-15 %)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from ganbench.report.figures.metric_plots import bars, curves
from ganbench.report.figures.plotting import Bar, Series, focus_limits, palette

STEPS = np.array([0, 100, 200, 300])


def _series(objective: str, seed: int, hq: list[float], n_critic: int = 1) -> Series:
    return Series(
        objective=objective,
        seed=seed,
        status="complete",
        step=STEPS,
        critic=STEPS * n_critic,
        time=STEPS * 0.01,
        values={"hq_percent": np.array(hq, dtype=float)},
    )


RUNS = [
    _series("a", 0, [94.0, 3.0, 8.0, 12.0]),
    _series("a", 1, [94.0, 1.0, 4.0, 6.0]),
    _series("a", 2, [94.0, 2.0, 0.0, 15.0]),  # a seed unlike the others is drawn, not hidden
    _series("b", 0, [94.0, 5.0, 5.0, 5.0], n_critic=5),
    _series("b", 1, [94.0, 7.0, 9.0, 11.0], n_critic=5),
]


@pytest.fixture
def panel():
    fig = curves(RUNS, {"hq_percent": "max"}, ["a", "b"], palette(["a", "b"]), "step")
    yield fig.axes[0]
    plt.close(fig)


def test_every_seed_is_a_thin_line_and_each_mean_is_bold(panel):
    thin = [line for line in panel.get_lines() if line.get_linewidth() < 1]
    bold = [line for line in panel.get_lines() if line.get_linewidth() > 1.5]
    assert sorted(tuple(line.get_ydata()) for line in thin) == sorted(tuple(s.values["hq_percent"]) for s in RUNS)
    means = {line.get_label(): np.asarray(line.get_ydata()) for line in bold}
    assert set(means) == {"a", "b"}
    assert means["a"] == pytest.approx(np.mean([s.values["hq_percent"] for s in RUNS[:3]], axis=0))
    assert means["b"] == pytest.approx([94.0, 6.0, 7.0, 8.0])


def test_an_axis_crushed_by_step_0_is_framed_on_the_later_values(panel):
    low, high = panel.get_ylim()
    assert low < 0.0 and 15.0 < high < 20.0  # 0-15 % fills the panel; 94 % at step 0 is off scale
    assert any(t.get_text() == "step 0 off scale" for t in panel.texts)


def test_a_range_that_reads_well_is_left_alone():
    assert focus_limits([10.0, 12.0], [3.0, 8.0, 15.0]) is None  # later values span most of the range
    assert focus_limits([94.0], [0.0, 15.0]) == pytest.approx((-1.2, 16.2))


def test_the_x_axis_can_be_critic_updates():
    fig = curves(RUNS, {"hq_percent": "max"}, ["a", "b"], {}, "critic")
    try:
        ends = {
            line.get_label(): max(line.get_xdata()) for line in fig.axes[0].get_lines() if line.get_linewidth() > 1.5
        }
        assert ends == {"a": 300, "b": 1500}  # b makes 5 critic updates per generator step
        assert fig.axes[0].get_xlabel() == "critic updates"
    finally:
        plt.close(fig)


def test_bars_of_identical_seeds_draw_a_zero_interval():
    """Three seeds at 0.1: the interval is (0.1, 0.1) while their mean is 0.1 + 2e-17 (found on
    a real run, where every seed of an objective captured the same number of modes)."""
    same = np.array([0.1, 0.1, 0.1])
    assert same.mean() > 0.1
    fig = bars([("p", None, [Bar("a", same, [], 0), Bar("b", np.array([0.2, 0.4, 0.3]), [], 0)])], palette(["a", "b"]))
    try:  # matplotlib refused a negative error length here: 'yerr' must not contain negative values
        heights = [patch.get_height() for patch in fig.axes[0].patches]
        assert heights == pytest.approx([0.1, 0.3])
    finally:
        plt.close(fig)
