"""The ``tensorboard`` logger: each trial's curves, samples and hyperparameters in TensorBoard.

``ganbench run SUITE --log tensorboard`` (``pip install "ganbench[tensorboard]"``) writes
each trial's event files to ``results/<suite>/tensorboard/<trial id>/`` (or ``dir``), and
``tensorboard --logdir results/<suite>/tensorboard`` shows them: a scalar per figure of the
history record (metric outputs, estimate, losses, timings) at every evaluation step, the
sample snapshot as an image (a grid of images, or a scatter plot of 2-D samples), the
trial's configuration as text and as hyperparameters (the HParams dashboard), and how it
ended. Writers are torch's :class:`torch.utils.tensorboard.SummaryWriter`.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ganbench.components import param
from ganbench.hookspecs import Register, hookimpl
from ganbench.loggers.base import LoggedTrial, Logger, flat_config
from ganbench.loggers.pictures import picture

INSTALL_HINT = 'pip install "ganbench[tensorboard]"'


@dataclasses.dataclass(frozen=True)
class TensorBoardLogger(Logger):
    name: ClassVar[str] = "tensorboard"
    description: ClassVar[str] = (
        f"TensorBoard event files per trial: every figure per step, the samples as an image, the hyperparameters "
        f"({INSTALL_HINT})"
    )

    dir: str = param("", help="root of the trials' event directories (default: <results>/<suite>/tensorboard)")
    #: open writers, by trial id
    writers: dict[str, Any] = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    def validate(self) -> None:
        if importlib.util.find_spec("tensorboard") is None:
            raise ValueError(f"logger 'tensorboard' needs TensorBoard, which is not installed: {INSTALL_HINT}")

    def directory(self, trial: LoggedTrial) -> Path:
        """Where ``trial``'s event files go."""
        return (Path(self.dir) if self.dir else trial.directory / "tensorboard") / trial.id

    def _writer(self, trial: LoggedTrial, metrics: Mapping[str, float]) -> Any:
        writer = self.writers.get(trial.id)
        if writer is None:
            from torch.utils.tensorboard import SummaryWriter
            from torch.utils.tensorboard.summary import hparams

            writer = SummaryWriter(log_dir=str(self.directory(trial)))
            self.writers[trial.id] = writer
            config = json.dumps(dict(trial.config), indent=2, sort_keys=True)
            writer.add_text("trial", f"{trial.name} ({trial.id})\n\n    " + config.replace("\n", "\n    "))
            events = writer.file_writer  # as SummaryWriter.add_hparams writes them, in this trial's own run
            assert events is not None
            for summary in hparams(flat_config(trial.config), dict.fromkeys(metrics, 0.0)):
                events.add_summary(summary)
        return writer

    def evaluation(
        self, trial: LoggedTrial, *, step: int, values: Mapping[str, float], samples: np.ndarray | None
    ) -> None:
        writer = self._writer(trial, values)
        for key, value in values.items():
            writer.add_scalar(key, value, step)
        image = picture(samples) if samples is not None else None
        if image is not None:
            writer.add_image("samples", image, step, dataformats="HWC")
        writer.flush()

    def outcome(self, trial: LoggedTrial, final: Mapping[str, Any]) -> None:
        writer = self._writer(trial, {})
        text = f"{final.get('status')} at step {final.get('step')}"
        if final.get("message"):
            text += f": {final['message']}"
        writer.add_text("outcome", text, final.get("step") or 0)
        self.writers.pop(trial.id).close()

    def close(self) -> None:
        while self.writers:
            self.writers.popitem()[1].close()


@hookimpl
def register_loggers(register: Register) -> None:
    register(TensorBoardLogger)
