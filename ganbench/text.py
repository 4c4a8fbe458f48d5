"""Small text helpers shared by every layer (counts in words)."""

from __future__ import annotations


def plural(n: float, word: str, suffix: str = "s") -> str:
    """``n`` and ``word``, with ``suffix`` unless ``n`` is 1: ``plural(2, "trial")`` is '2 trials'."""
    return (
        f"{n:g} {word}{'' if n == 1 else suffix}" if isinstance(n, float) else f"{n} {word}{'' if n == 1 else suffix}"
    )
