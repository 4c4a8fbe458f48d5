"""``check_logger``: a logger that logs trials of every shape of sample and changes none of them."""

from __future__ import annotations

import copy
import json
import tempfile
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ganbench.loggers.base import LoggedTrial, Logger
from ganbench.testing.common import fail, instance

#: the trials the check logs: (name, sample shape)
SHAPES = (("ring/minimax/seed 0", (2,)), ("digits/minimax/seed 0", (1, 8, 8)), ("line/minimax/seed 1", (1,)))


def _config(name: str, seed: int) -> dict[str, Any]:
    dataset, objective, _ = name.split("/")
    return {
        "format": 1,
        "suite": "check",
        "seed": seed,
        "dataset": {"name": dataset, "label": dataset, "params": {"modes": 8}},
        "objective": {
            "name": objective,
            "label": objective,
            "options": {},
            "hyper": {"lr_g": 2e-4, "betas": [0.5, 0.9]},
        },
        "train": {"steps": 20, "eval_every": 10},
        "metrics": [{"name": "modes", "params": {}}],
    }


def _frozen(x: np.ndarray) -> np.ndarray:
    x.setflags(write=False)
    return x


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def check_logger(
    cls: type[Logger] | Logger, params: Mapping[str, Any] | None = None, *, directory: str | Path | None = None
) -> None:
    """Check logger ``cls`` built with ``params`` (or a logger instance), writing under
    ``directory`` (default: a temporary directory, removed after):

    - it registers (``evaluation(self, trial, *, step, values, samples)``, ``outcome(self,
      trial, final)``, ``close(self)``);
    - one instance logs three trials at once, of 2-D, image and 1-D samples, through
      evaluations at steps 0, 10 and 20 (the first without samples, the second with a
      non-finite figure), an outcome for two of them and ``close`` for the third, without raising;
    - it changes nothing it is given (the values and the final record arrive as read-only
      mappings, the samples as read-only arrays; the configuration's tables are checked after)
      and writes nothing in the trials' own directories (a logger writes in a directory of its own).
    """
    logger = instance("loggers", cls, params)
    what = f"logger '{logger.name}'"
    with tempfile.TemporaryDirectory(prefix="ganbench-check-logger-") as tmp:
        root = Path(directory) if directory is not None else Path(tmp)
        rng = np.random.default_rng(0)
        trials = []
        for seed, (name, shape) in enumerate(SHAPES):
            config = _config(name, seed)
            trial_dir = root / f"trial{seed}"
            trial_dir.mkdir(parents=True, exist_ok=True)
            (trial_dir / "config.json").write_text(json.dumps(config))
            trials.append((LoggedTrial(f"trial{seed}", name, types.MappingProxyType(config), root), shape))
        before = {t.id: _files(root / t.id) for t, _ in trials}
        given = [copy.deepcopy(dict(t.config)) for t, _ in trials]
        for step in (0, 10, 20):
            for trial, shape in trials:
                values = {"loss_d": float("nan") if step == 10 else 0.5 + step, "modes_captured": float(step // 10)}
                samples = None if step == 0 else _frozen(rng.uniform(-1, 1, (16, *shape)).astype(np.float32))
                kept = None if samples is None else samples.copy()
                try:
                    logger.evaluation(trial, step=step, values=types.MappingProxyType(values), samples=samples)
                except Exception as exc:
                    fail(what, f"evaluation of {trial.name} at step {step} raised {type(exc).__name__}: {exc}")
                if samples is not None and kept is not None and not np.array_equal(samples, kept):
                    fail(what, "evaluation changed the samples it was given")
        for (trial, _), status in zip(trials[:2], ("complete", "diverged"), strict=True):
            final = {"status": status, "step": 20, "message": "", "metrics": {"modes_captured": 2.0}}
            try:
                logger.outcome(trial, types.MappingProxyType(final))
            except Exception as exc:
                fail(what, f"outcome of {trial.name} raised {type(exc).__name__}: {exc}")
        try:
            logger.close()
        except Exception as exc:
            fail(what, f"close raised {type(exc).__name__}: {exc}")
        for (trial, _), config in zip(trials, given, strict=True):
            if dict(trial.config) != config:
                fail(what, f"it changed the configuration of {trial.name}")
            if _files(root / trial.id) != before[trial.id]:
                fail(what, f"it wrote in the trial directory of {trial.name}: write in a directory of its own")
