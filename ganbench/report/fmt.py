"""How a report writes numbers: fixed decimals per column, p-values, per-seed lists."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

NONE = "–"
#: significant digits of a column's largest mean
SIGNIFICANT = 3
MAX_DECIMALS = 4


def fmt(x: float | None, large: float = 1e5) -> str:
    """A lone figure, three significant digits (as the console table writes them); scientific
    notation below 0.001 and from ``large``."""
    if x is None or not math.isfinite(x):
        return NONE
    if x != 0 and (abs(x) >= large or abs(x) < 1e-3):
        return f"{x:.2e}"
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"


def fmt_p(p: float) -> str:
    if not math.isfinite(p):
        return NONE
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _digits(x: float) -> int:
    """Digits before the decimal point (negative for leading zeros after it): 123 -> 3, 0.05 -> -1."""
    return math.floor(math.log10(abs(x))) + 1


def decimals(means: Iterable[float], sds: Iterable[float] = ()) -> int | None:
    """Decimals for a whole column: :data:`SIGNIFICANT` digits of its largest mean, and at least
    one significant digit of its smallest nonzero standard deviation, at most :data:`MAX_DECIMALS`.
    None: the column needs scientific notation (largest mean below 0.001 or from a million)."""
    m = [abs(x) for x in means if x is not None and math.isfinite(x)]
    s = [abs(x) for x in sds if x is not None and math.isfinite(x) and x != 0]
    if not m:
        return 2
    top = max(m)
    if top == 0:
        return 2
    if top < 1e-3 or top >= 1e6:
        return None
    d = SIGNIFICANT - _digits(top)
    if s:
        d = max(d, 1 - _digits(min(s)))
    return max(0, min(MAX_DECIMALS, d))


def fixed(x: float, d: int | None) -> str:
    if not math.isfinite(x):
        return NONE
    return f"{x:.2e}" if d is None else f"{x:.{d}f}"


def per_seed(values: Sequence[float], d: int | None) -> str:
    """'8, 8, 1': the values in seed order, integers as integers, else with the column's decimals."""
    if all(float(v).is_integer() and abs(v) < 1e6 for v in values):
        return ", ".join(str(int(v)) for v in values)
    return ", ".join(fixed(float(v), d) for v in values)


def sentence(text: str) -> str:
    """``text`` with its first letter capitalised (and the rest untouched)."""
    return text[:1].upper() + text[1:]


def safe_name(text: str) -> str:
    """``text`` as a file name, anchor and LaTeX label: letters, digits and ``._-`` kept, the rest ``_``."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)
