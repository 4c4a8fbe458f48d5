"""What ``ganbench run`` shows while it trains: a progress bar, or one line per finished trial."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ganbench.status import Status

if TYPE_CHECKING:
    from ganbench.metrics import Metric


class Progress:
    """A progress bar on a terminal, plain lines otherwise."""

    def __init__(self, total: int) -> None:
        self.bar = None
        if sys.stderr.isatty() and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="trial", file=sys.stderr, dynamic_ncols=True)
        self.done, self.total = 0, total

    def line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    def step(self, text: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(text[:60])
            self.bar.update(1)
        else:
            self.line(f"[{self.done}/{self.total}] {text}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def outcome(result: dict[str, Any], metrics: Sequence[type[Metric]]) -> str:
    """'complete in 3.2s modes 8/8': the status, the training time and the metrics' progress texts."""
    from ganbench.metrics import summary

    final = result.get("final") or {}
    m = final.get("metrics", {})
    bits = [result["status"]]
    if "train_time" in m:
        bits.append(f"in {m['train_time']:.1f}s")
    progress = summary.progress(metrics, m)
    if progress:
        bits.append(progress)
    if result["status"] in (Status.DIVERGED, Status.ERROR, Status.LOCKED):
        bits.append(f"— {result['message']}")
    return " ".join(bits)
