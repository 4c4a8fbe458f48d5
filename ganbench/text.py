"""Small text helpers shared by every layer (counts in words, searched values)."""

from __future__ import annotations

from typing import Any


def plural(n: float, word: str, suffix: str = "s") -> str:
    """``n`` and ``word``, with ``suffix`` unless ``n`` is 1: ``plural(2, "trial")`` is '2 trials'."""
    return (
        f"{n:g} {word}{'' if n == 1 else suffix}" if isinstance(n, float) else f"{n} {word}{'' if n == 1 else suffix}"
    )


def value_text(value: Any) -> str:
    """A searched value as runs and reports write it: 3.20e-04, 5, (0.5, 0.999), true."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2e}" if value != 0 and (abs(value) < 1e-2 or abs(value) >= 1e4) else f"{value:.3g}"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(value_text(v) for v in value) + ")"
    return str(value)
