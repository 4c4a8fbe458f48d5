"""Figures of generated samples: 2-D points over the data's density, image mosaics, and
animations of training, every seed shown or a click away."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ganbench.grid import tile
from ganbench.report.figures.plotting import STATUS, Frame, Snapshots, blank_panel, colors_of, off_axis, place, style


def _points(ax: Any, snaps: Snapshots, step: int, frame: Frame, color: Any, note: bool = True) -> Any:
    blank_panel(ax)
    ax.set_xlim(frame.xlim)
    ax.set_ylim(frame.ylim)
    ax.set_aspect("equal")
    if frame.backdrop is not None:
        ax.imshow(
            frame.backdrop, extent=(*frame.xlim, *frame.ylim), origin="lower", cmap="Greys", alpha=0.55, aspect="auto"
        )
    if step not in snaps.samples:
        why = snaps.status if snaps.status != "complete" else "no snapshot"
        ax.text(0.5, 0.5, why, transform=ax.transAxes, ha="center", va="center", color="0.4")
        return None
    pts = snaps.samples[step]
    pts = pts[np.isfinite(pts).all(axis=1)]
    dots = ax.scatter(pts[:, 0], pts[:, 1], s=1.5, color=color, alpha=0.6, linewidths=0, rasterized=True)
    outside = off_axis(pts, frame.xlim, frame.ylim)
    if outside and note:
        ax.text(0.03, 0.03, f"{outside} off-axis", transform=ax.transAxes, fontsize=6, color="0.3")
    return dots


def sample_grid(rows: Sequence[Snapshots], steps: Sequence[int], frame: Frame, colors: Mapping[str, Any]) -> Any:
    """Rows objectives (one seed each), columns training steps, every panel on the same axes."""
    with style():
        fig, axes = plt.subplots(
            len(rows), len(steps), figsize=(1.7 * len(steps) + 0.6, 1.7 * len(rows)), squeeze=False
        )
        for r, snaps in enumerate(rows):
            for c, step in enumerate(steps):
                ax = axes[r][c]
                _points(ax, snaps, step, frame, colors_of(colors, snaps.objective))
                if r == 0:
                    ax.set_title(f"step {step}")
                if c == 0:
                    ax.set_ylabel(f"{snaps.objective}\n(seed {snaps.seed})")
        place(fig, left=0.5, right=0.05, top=0.3, bottom=0.05, gap_x=0.1, gap_y=0.1)
    return fig


def seeds_grid(rows: Sequence[Sequence[Snapshots]], frame: Frame, colors: Mapping[str, Any]) -> Any:
    """Rows objectives, columns seeds: each trial's last snapshot, so a collapsed seed is seen."""
    cols = max(len(r) for r in rows)
    with style():
        fig, axes = plt.subplots(len(rows), cols, figsize=(1.7 * cols + 0.6, 1.7 * len(rows)), squeeze=False)
        for r, trials in enumerate(rows):
            for c in range(cols):
                ax = axes[r][c]
                if c >= len(trials):
                    ax.axis("off")
                    continue
                snaps = trials[c]
                _points(ax, snaps, snaps.last, frame, colors_of(colors, snaps.objective))
                state = "" if snaps.status == "complete" else f" ({STATUS.get(snaps.status, snaps.status)})"
                ax.set_title(f"seed {snaps.seed}, step {snaps.last}{state}", fontsize=7)
                if c == 0:
                    ax.set_ylabel(snaps.objective)
        place(fig, left=0.35, right=0.05, top=0.25, bottom=0.05, gap_x=0.1, gap_y=0.3)
    return fig


def mosaic(images: np.ndarray, n: int = 6) -> np.ndarray:
    """(N, C, H, W) -> one (n·H, n·W, C) mosaic in [0, 1], white lines between the images, white
    cells where there are fewer than n·n (:func:`ganbench.grid.tile`). Images in [-1, 1] (tanh),
    0..255 or [0, 1] are told apart by their range; more than 3 channels: the first is shown."""
    x = np.nan_to_num(images[: n * n].astype(np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
    if x.min() >= 0:  # not tanh outputs in [-1, 1]: 0..255 or [0, 1]
        x = x / 127.5 - 1 if x.max() > 1.5 else 2 * x - 1
    if x.shape[1] not in (1, 3):
        x = x[:, :1]
    grid = tile(np.clip(x, -1, 1), cols=n, rows=n, fill=255, border=False) / 255.0
    return grid[..., None] if grid.ndim == 2 else grid


def _mosaic(ax: Any, images: np.ndarray) -> Any:
    grid = mosaic(images)
    image = grid.squeeze(-1) if grid.shape[-1] == 1 else grid
    return ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")


def image_grid(rows: Sequence[Sequence[Snapshots]]) -> Any:
    """Rows objectives, columns seeds: a mosaic of generated images at each trial's last snapshot."""
    cols = max(len(r) for r in rows)
    with style():
        fig, axes = plt.subplots(len(rows), cols, figsize=(2.3 * cols, 2.5 * len(rows)), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for r, trials in enumerate(rows):
            for c, snaps in enumerate(trials):
                _mosaic(axes[r][c], snaps.samples[snaps.last])
                axes[r][c].set_title(f"{snaps.objective}\nseed {snaps.seed}, step {snaps.last}", fontsize=8)
        place(fig, left=0.05, right=0.05, top=0.45, bottom=0.05, gap_x=0.15, gap_y=0.5)
    return fig


def animation(trials: Sequence[Snapshots], frame: Frame | None, color: Any, ms_per_frame: int = 400) -> bytes:
    """A GIF of one objective's samples over training, its seeds side by side.  The panels are
    drawn once; each frame restores that background and draws only the points (or the mosaic)
    and the step, then Pillow writes the frames."""
    from PIL import Image

    steps = sorted({s for t in trials for s in t.samples})
    with style():
        fig, axes = plt.subplots(1, len(trials), figsize=(2.2 * len(trials), 2.5), dpi=72, squeeze=False)
        title = fig.suptitle(" ", fontsize=9)
        artists: list[Any] = []
        for ax, snaps in zip(axes[0], trials, strict=True):
            first = min(snaps.samples)
            if frame is None:  # images
                ax.axis("off")
                artists.append(_mosaic(ax, snaps.samples[first]))
            else:
                artists.append(_points(ax, snaps, first, frame, color, note=False))
            ax.set_title(f"seed {snaps.seed}", fontsize=8)
        place(fig, left=0.1, right=0.1, top=0.5, bottom=0.1, gap_x=0.15)
        moving = [a for a in [*artists, title] if a is not None]
        for artist in moving:
            artist.set_animated(True)
        canvas: Any = fig.canvas  # Agg: copy_from_bbox, restore_region, buffer_rgba
        canvas.draw()
        background = canvas.copy_from_bbox(fig.bbox)
        frames = []
        for step in steps:
            for artist, snaps in zip(artists, trials, strict=True):
                have = [s for s in snaps.samples if s <= step]
                if artist is None or not have:
                    continue
                x = snaps.samples[max(have)]
                if frame is None:
                    mosaic = tile(x)
                    artist.set_data(mosaic.squeeze(-1) if mosaic.shape[-1] == 1 else mosaic)
                else:
                    artist.set_offsets(x[np.isfinite(x).all(axis=1)])
            title.set_text(f"{trials[0].objective}: step {step}")
            canvas.restore_region(background)
            for artist in moving:
                artist.axes.draw_artist(artist) if artist.axes is not None else fig.draw_artist(artist)
            frames.append(Image.frombuffer("RGBA", canvas.get_width_height(), bytes(canvas.buffer_rgba())).convert("P"))
        plt.close(fig)
    buf = io.BytesIO()
    frames[0].save(buf, format="gif", save_all=True, append_images=frames[1:], duration=ms_per_frame, loop=0)
    return buf.getvalue()
