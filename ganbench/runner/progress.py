"""What a run shows while it trains: notes, and a progress bar or one line per finished trial.

:class:`Progress` is what :func:`ganbench.run` tells as it goes; this base class tells nothing
(``progress=False``). :class:`ConsoleProgress` (``progress=True``, and ``ganbench run``)
writes on stderr: a ``tqdm.auto`` bar on a terminal or in a notebook (a widget there), else
one plain line per finished trial, as a log file wants them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ganbench.status import Status

if TYPE_CHECKING:
    from ganbench.metrics import Metric
    from ganbench.runner.result import TrialOutcome


class Progress:
    """Silent: subclass it to follow a run (each method is called from the thread that called ``run``)."""

    def line(self, text: str) -> None:
        """A note: what the run is about to do, a search's selection, a trial's log message."""

    def start(self, total: int) -> None:
        """``total`` trials are about to train."""

    def step(self, text: str, outcome: TrialOutcome | None = None) -> None:
        """A trial finished (``text`` says which and how, as ``ganbench run`` prints it)."""

    def close(self) -> None:
        """The trials announced by :meth:`start` are done (or interrupted)."""


def in_notebook() -> bool:
    """Whether this is a Jupyter kernel, where ``tqdm.auto`` draws a widget (tqdm's own test)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class ConsoleProgress(Progress):
    """Notes on stderr; a progress bar on a terminal or in a notebook, plain lines otherwise."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = self.total = 0

    def start(self, total: int) -> None:
        self.done, self.total = 0, total
        if total and (sys.stderr.isatty() or in_notebook()):
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="trial", file=sys.stderr, dynamic_ncols=True)

    def line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    def step(self, text: str, outcome: TrialOutcome | None = None) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(text[:60])
            self.bar.update(1)
        else:
            self.line(f"[{self.done}/{self.total}] {text}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


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
