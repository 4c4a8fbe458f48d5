"""A sample snapshot as one picture, as the loggers show it: a grid of images, or a scatter plot.

Image samples, shape (N, C, H, W) with C = 1 or 3 in [-1, 1], become a grid of the first
:data:`IMAGES_SHOWN` (:func:`ganbench.grid.tile`); vectors of two or more coordinates a
scatter plot of the first two; vectors of one a histogram. The plot is drawn with
matplotlib's Agg canvas directly (no pyplot), so it is safe in a background thread.
"""

from __future__ import annotations

import numpy as np

from ganbench.grid import tile

#: image samples shown in a grid (an 8 × 8 grid)
IMAGES_SHOWN = 64
#: the plot's size in pixels (width and height)
PLOT_PIXELS = 480


def picture(samples: np.ndarray) -> np.ndarray | None:
    """``samples`` as an RGB image, uint8 (H, W, 3); None for a shape with no picture."""
    x = np.asarray(samples)
    if x.ndim == 4 and x.shape[1] in (1, 3):
        grid = tile(x[:IMAGES_SHOWN])
        return np.repeat(grid[:, :, None], 3, axis=2) if grid.ndim == 2 else grid
    if x.ndim == 2 and x.shape[1] >= 1 and len(x):
        return _plot(x)
    return None


def _plot(x: np.ndarray) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 96
    fig = Figure(figsize=(PLOT_PIXELS / dpi, PLOT_PIXELS / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    finite = x[np.isfinite(x).all(axis=1)]
    if x.shape[1] == 1:
        ax.hist(finite[:, 0], bins=50)
        ax.set_xlabel("x")
    else:
        ax.scatter(finite[:, 0], finite[:, 1], s=2, alpha=0.5)
        ax.set_xlabel("x[0]")
        ax.set_ylabel("x[1]")
        if x.shape[1] > 2:
            ax.set_title(f"the first 2 of {x.shape[1]} coordinates")
    ax.set_title(ax.get_title() or f"{len(x)} samples")
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
