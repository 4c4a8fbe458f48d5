"""``ganbench.testing.check_logger``: the built-in loggers keep the contract; a logger that writes in a
trial's directory, changes the samples or the configuration, or raises, fails it, naming what it did;
a logger without ``evaluation`` or with another signature is refused as it registers."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

import ganbench
from ganbench.contracts import Refused, check
from ganbench.testing import check_logger


@pytest.mark.parametrize("name", ["tensorboard", "mlflow"])
def test_the_built_in_loggers_keep_the_contract(registry, name, tmp_path):
    pytest.importorskip(name)
    check_logger(registry.get("loggers", name), directory=tmp_path)
    assert any((tmp_path / name).iterdir())  # each wrote in a directory of its own


@dataclasses.dataclass(frozen=True)
class Quiet(ganbench.Logger):
    name: ClassVar[str] = "quiet"

    def evaluation(self, trial, *, step, values, samples):
        pass


@dataclasses.dataclass(frozen=True)
class IntoTheTrial(Quiet):
    name: ClassVar[str] = "into-the-trial"

    def evaluation(self, trial, *, step, values, samples):
        (trial.directory / trial.id / "extra.txt").write_text(str(step))


@dataclasses.dataclass(frozen=True)
class Rescaling(Quiet):
    name: ClassVar[str] = "rescaling"

    def evaluation(self, trial, *, step, values, samples):
        if samples is not None:
            samples.setflags(write=True)
            samples *= 2


@dataclasses.dataclass(frozen=True)
class Annotating(Quiet):
    name: ClassVar[str] = "annotating"

    def outcome(self, trial, final):
        trial.config["dataset"]["seen"] = True


@dataclasses.dataclass(frozen=True)
class Failing(Quiet):
    name: ClassVar[str] = "failing"

    def evaluation(self, trial, *, step, values, samples):
        if samples is not None and samples.ndim == 4:
            raise ValueError("cannot draw images")


def test_a_logger_that_only_watches_keeps_the_contract():
    check_logger(Quiet)


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (IntoTheTrial, "logger 'into-the-trial': it wrote in the trial directory of ring/minimax/seed 0"),
        (Rescaling, "logger 'rescaling': evaluation changed the samples it was given"),
        (Annotating, "logger 'annotating': it changed the configuration of ring/minimax/seed 0"),
        (Failing, "logger 'failing': evaluation of digits/minimax/seed 0 at step 10 raised ValueError"),
    ],
)
def test_a_logger_that_changes_what_it_watches_or_raises_fails_the_check(cls, message):
    with pytest.raises(AssertionError, match=message):
        check_logger(cls)


def test_a_logger_without_evaluation_or_with_positional_values_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Nothing(ganbench.Logger):
        name: ClassVar[str] = "nothing"

    @dataclasses.dataclass(frozen=True)
    class Positional(ganbench.Logger):
        name: ClassVar[str] = "positional"

        def evaluation(self, trial, step, values, samples):
            pass

    with pytest.raises(Refused, match=r"it does not define evaluation\(self, trial, \*, step, values, samples\)"):
        check("loggers", Nothing)
    with pytest.raises(Refused, match="does not match the expected"):
        check("loggers", Positional)
