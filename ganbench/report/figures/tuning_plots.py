"""The tuning section's figures, from plain data: the expected best selection output against
the number of configurations tried (one curve and a ±1 sd band per objective), and each
objective's selection output against each searched hyperparameter."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from ganbench.report.figures.plotting import ARROW, style
from ganbench.text import value_text


def budget_curves(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]], colors: Mapping[str, Any], output: str, direction: str
) -> Any:
    """``curves``: objective -> (means, sds) for n = 1, 2, ...; None when there is no curve."""
    if not curves:
        return None
    with style():
        fig, ax = plt.subplots(figsize=(5.2, 3.4))
        for label, (mean, sd) in curves.items():
            n = np.arange(1, len(mean) + 1)
            color = colors.get(label)
            ax.plot(n, mean, marker="o", markersize=3, color=color, label=label)
            low, high = mean - sd, mean + sd
            # the best of n can be no better than the best configuration tried (the n = N point):
            # the band stops there, as Dodge et al. 2019 clip theirs to the observed range
            if direction == "min":
                low = np.maximum(low, mean[-1])
            else:
                high = np.minimum(high, mean[-1])
            ax.fill_between(n, low, high, color=color, alpha=0.15, linewidth=0)
        ax.set_xlabel("configurations tried (n)")
        ax.set_ylabel(f"expected best {output} {ARROW.get(direction, '')}".strip())
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig


def _positions(values: Sequence[Any], scale: str) -> tuple[np.ndarray, list[str]]:
    """x positions of the values, and the category names for a categorical axis ([] otherwise)."""
    if scale in ("log", "uniform"):
        return np.array([float(v) for v in values]), []
    names = list(dict.fromkeys(value_text(v) for v in values))
    return np.array([names.index(value_text(v)) for v in values], dtype=float), names


def sensitivity(
    label: str,
    keys: Sequence[str],
    scales: Sequence[str],
    values: Sequence[Mapping[str, Any]],
    scores: Sequence[float],
    failed: Sequence[bool],
    selected: int | None,
    output: str,
    direction: str,
    color: Any,
) -> Any:
    """One panel per searched key: each configuration's score (its search-seed mean) against its
    value; configurations that diverged or failed as red × on the top edge; the selected one ringed;
    a log y axis when the scores are positive and span more than a factor of 20."""
    shown = [k for k in keys if any(k in v for v in values)]
    if not shown:
        return None
    with style():
        fig, axes = plt.subplots(1, len(shown), figsize=(2.6 * len(shown) + 0.6, 2.8), squeeze=False, sharey=True)
        y = np.asarray(scores, dtype=float)
        for ax, key, scale in zip(axes[0], shown, [scales[keys.index(k)] for k in shown], strict=True):
            have = [i for i, v in enumerate(values) if key in v]
            x, names = _positions([values[i][key] for i in have], scale)
            ok = [j for j, i in enumerate(have) if not failed[i] and math.isfinite(y[i])]
            bad = [j for j, i in enumerate(have) if failed[i]]
            ax.scatter(x[ok], y[[have[j] for j in ok]], s=18, color=color, zorder=3)
            if bad:
                ax.scatter(
                    x[bad], [1.0] * len(bad), marker="x", s=30, color="red", transform=ax.get_xaxis_transform(),
                    clip_on=False, zorder=4,
                )  # fmt: skip
            if selected is not None and selected in have and not failed[selected]:
                j = have.index(selected)
                ax.scatter([x[j]], [y[selected]], s=90, facecolors="none", edgecolors="black", linewidths=1.4, zorder=5)
            if scale == "log":
                ax.set_xscale("log")
            if names:
                ax.set_xticks(range(len(names)), names, rotation=30 if max(map(len, names)) > 6 else 0)
                ax.set_xlim(-0.5, len(names) - 0.5)
            ax.set_xlabel(key)
        shown_y = y[np.isfinite(y)]
        if shown_y.size and shown_y.min() > 0 and shown_y.max() / shown_y.min() > 20:
            axes[0][0].set_yscale("log")  # one wild configuration would flatten the rest
        axes[0][0].set_ylabel(f"{output} {ARROW.get(direction, '')}".strip())
        fig.suptitle(label, fontsize=9)
        fig.tight_layout()
        return fig
