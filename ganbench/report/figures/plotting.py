"""What every report figure shares: matplotlib's Agg backend, one style, one colour per
objective (:func:`palette`), the data a figure is drawn from, and saving a figure in the
forms a report needs (PNGs at 110, 150 and 300 dpi, a vector PDF).

Figures are drawn from plain data (arrays, not results directories), so they can be
drawn in worker processes."""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no GUI toolkit

import matplotlib.pyplot as plt
import numpy as np

STYLE: Any = {
    "figure.dpi": 100,
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "pdf.fonttype": 42,  # TrueType in PDFs: text stays text (searchable, copyable)
    "svg.fonttype": "none",
}
ARROW = {"max": "↑", "min": "↓", "": ""}
STATUS = {"error": "failed", "diverged": "diverged", "unfinished": "unfinished"}
#: resolution of each raster form: "screen" is embedded in the HTML page, "web" shown by Markdown, "png" the
#: print-quality copy beside a LaTeX report (with the vector "pdf")
DPI = {"screen": 110, "web": 150, "png": 300}
FORMS = ("screen", "web", "png", "pdf")


@contextmanager
def style() -> Iterator[None]:
    with matplotlib.rc_context(STYLE):
        yield


def save(fig: Any, forms: Sequence[str]) -> dict[str, bytes]:
    """The figure in each requested form (see :data:`FORMS`), then closed.  The tight frame is
    measured once, and each raster form is drawn once: a lower resolution is resampled from a
    higher one already drawn."""
    bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.05)
    out: dict[str, bytes] = {}
    for form in [f for f in ("png", "pdf", "web", "screen") if f in forms]:
        source = next((f for f in ("png", "web") if f in out), None)
        if form in ("web", "screen") and source is not None:
            out[form] = _resample(out[source], DPI[form] / DPI[source])
            continue
        buf = io.BytesIO()
        if form == "pdf":
            fig.savefig(buf, format="pdf", bbox_inches=bbox)
        else:
            fig.savefig(buf, format="png", dpi=DPI[form], bbox_inches=bbox)
        out[form] = buf.getvalue()
    plt.close(fig)
    return out


def place(
    fig: Any, left: float, right: float, top: float, bottom: float, gap_x: float = 0.0, gap_y: float = 0.0
) -> None:
    """Margins and gaps between panels in inches: a fixed layout, where ``tight_layout`` would
    measure every label (a third of a figure's drawing time).  The saved figure is cropped to its
    content anyway, so generous margins cost nothing."""
    width, height = fig.get_size_inches()
    grid = fig.axes[0].get_subplotspec().get_gridspec() if fig.axes else None
    rows, cols = grid.get_geometry() if grid is not None else (1, 1)
    axis_w = max(1e-3, (width - left - right - gap_x * (cols - 1)) / cols)
    axis_h = max(1e-3, (height - top - bottom - gap_y * (rows - 1)) / rows)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        wspace=gap_x / axis_w,
        hspace=gap_y / axis_h,
    )


def _resample(png: bytes, scale: float) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, format="png")
    return buf.getvalue()


def palette(objectives: Sequence[str]) -> dict[str, tuple[float, ...]]:
    cmap = plt.get_cmap("tab10" if len(objectives) <= 10 else "tab20")
    return {o: tuple(float(c) for c in cmap(i % cmap.N)) for i, o in enumerate(objectives)}


@dataclasses.dataclass
class Series:
    """One trial's evaluations: x in generator steps, critic updates and training seconds."""

    objective: str
    seed: int | None
    status: str
    step: np.ndarray
    critic: np.ndarray | None  # step × critic updates per generator step; None if not recorded
    time: np.ndarray
    values: dict[str, np.ndarray]

    def x(self, axis: str) -> np.ndarray | None:
        return {"step": self.step, "critic": self.critic, "time": self.time}[axis]


@dataclasses.dataclass
class Bar:
    """One objective in a bar panel: complete runs' values, diverged runs' last values, failures."""

    objective: str
    values: np.ndarray
    diverged: list[float]
    failed: int


def pick(steps: Sequence[int], n: int) -> list[int]:
    """At most ``n`` of ``steps``, evenly spread, first and last included."""
    steps = sorted(set(steps))
    if len(steps) <= n:
        return steps
    idx = np.unique(np.round(np.linspace(0, len(steps) - 1, n)).astype(int))
    return [steps[i] for i in idx]


def focus_limits(first: Sequence[float], later: Sequence[float]) -> tuple[float, float] | None:
    """y-limits that frame the values after the first evaluation when the first ones (the
    untrained generator) would crush them into a sliver; None when the full range reads well."""
    a = np.asarray([v for v in first if math.isfinite(v)], dtype=float)
    b = np.asarray([v for v in later if math.isfinite(v)], dtype=float)
    if a.size == 0 or b.size == 0:
        return None
    lo, hi = float(b.min()), float(b.max())
    full = max(hi, float(a.max())) - min(lo, float(a.min()))
    if full <= 0 or (hi - lo) > 0.5 * full:
        return None
    pad = 0.08 * (hi - lo) if hi > lo else 0.05 * max(abs(hi), 1e-9)
    return lo - pad, hi + pad


def square_frame(points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """Equal x and y spans framing the central 99 % of ``points`` (N, 2), with a margin."""
    lo, hi = np.percentile(points, 0.5, axis=0), np.percentile(points, 99.5, axis=0)
    center, half = (lo + hi) / 2, float(np.max(hi - lo)) / 2 * 1.25 + 1e-9
    return (center[0] - half, center[0] + half), (center[1] - half, center[1] + half)


def off_axis(pts: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float]) -> int:
    return int(np.sum((pts[:, 0] < xlim[0]) | (pts[:, 0] > xlim[1]) | (pts[:, 1] < ylim[0]) | (pts[:, 1] > ylim[1])))


def density(real: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float]) -> np.ndarray:
    counts, _, _ = np.histogram2d(real[:, 0], real[:, 1], bins=120, range=[xlim, ylim])
    return np.log1p(counts.T)


def blank_panel(ax: Any) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(True)


def colors_of(colors: Mapping[str, Sequence[float]], objective: str) -> tuple[float, ...]:
    return tuple(colors.get(objective, (0.3, 0.3, 0.3, 1.0)))


@dataclasses.dataclass
class Snapshots:
    """One trial's sample snapshots, step -> array (N, 2) points or (N, C, H, W) images."""

    objective: str
    seed: int | None
    status: str
    samples: dict[int, np.ndarray]

    @property
    def last(self) -> int:
        return max(self.samples)


@dataclasses.dataclass
class Frame:
    """The shared axes of every 2-D sample panel of a dataset, and the data's log-density behind them."""

    xlim: tuple[float, float]
    ylim: tuple[float, float]
    backdrop: np.ndarray | None  # log-density image over the frame, or None without the dataset plugin
