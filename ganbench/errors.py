"""Exceptions that the command line turns into one-line messages and exit codes."""

from __future__ import annotations


class GanbenchError(Exception):
    """Base of every error that ganbench reports as a one-line message."""

    exit_code = 2


class ConfigError(GanbenchError):
    """A suite, option or parameter is invalid (exit status 2).

    ``key`` is the dotted path of the offending key (``objectives[1].n_critic``)
    when there is one, so the message can point at its line in the suite file.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class TrialDiverged(Exception):
    """A loss or a parameter became NaN or infinite during training."""

    def __init__(self, step: int, what: str) -> None:
        super().__init__(f"{what} became non-finite at step {step}")
        self.step = step
        self.what = what
