"""Image samples as a PNG grid, with nothing but the standard library and numpy.

    python -m ganbench.grid results/<suite>/<trial>/samples/step_<N>.npy grid.png [--cols 16] [--scale 4]

reads a snapshot of image samples, shape (N, C, H, W) in [-1, 1] (C = 1 grey,
C = 3 colour), and writes them as one PNG.
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(image: np.ndarray) -> bytes:
    """Encode a uint8 image of shape (H, W) (grey) or (H, W, 3) (RGB) as PNG."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected uint8 (H, W) or (H, W, 3), got {image.dtype} {image.shape}")
    height, width = image.shape[:2]
    colour = 2 if image.ndim == 3 else 0
    rows = image.reshape(height, -1)
    raw = b"".join(b"\x00" + rows[i].tobytes() for i in range(height))  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    )


def tile(
    samples: np.ndarray,
    cols: int | None = None,
    pad: int = 1,
    scale: int = 1,
    *,
    rows: int | None = None,
    fill: int = 128,
    border: bool = True,
) -> np.ndarray:
    """(N, C, H, W) floats in [-1, 1] -> one uint8 grid image, (H', W') or (H', W', 3): ``rows`` ×
    ``cols`` cells (default: a near-square grid of N), samples beyond them left out, empty cells
    and the ``pad`` lines between cells (and around them, with ``border``) of grey level ``fill``."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"expected samples of shape (N, 1 or 3, H, W), got {x.shape}")
    n, c, h, w = x.shape
    cols = cols or math.ceil(math.sqrt(n))
    rows = rows or math.ceil(n / cols)
    pixels = np.clip(np.round((x + 1.0) * 127.5), 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)
    if scale > 1:
        pixels = pixels.repeat(scale, axis=1).repeat(scale, axis=2)
        h, w = h * scale, w * scale
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), fill, dtype=np.uint8)
    for i in range(min(n, rows * cols)):
        r, q = divmod(i, cols)
        grid[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + q * (w + pad) : pad + q * (w + pad) + w] = pixels[i]
    if not border and pad:
        grid = grid[pad:-pad, pad:-pad]
    return grid[:, :, 0] if c == 1 else grid


def save_grid(samples: np.ndarray, path: str | Path, cols: int | None = None, scale: int = 1) -> Path:
    path = Path(path)
    path.write_bytes(png_bytes(tile(samples, cols=cols, scale=scale)))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganbench.grid", description=__doc__.splitlines()[0])
    parser.add_argument("samples", help="a samples/step_<N>.npy snapshot of image samples")
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--cols", type=int, default=None, help="images per row (default: a square)")
    parser.add_argument("--count", type=int, default=64, help="first N samples to show (default 64)")
    parser.add_argument("--scale", type=int, default=4, help="pixel magnification (default 4)")
    args = parser.parse_args(argv)
    samples = np.load(args.samples)[: args.count]
    try:
        print(save_grid(samples, args.out, cols=args.cols, scale=args.scale))
    except ValueError as exc:
        print(f"ganbench.grid: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
