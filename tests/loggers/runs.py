"""What the logger tests share: a suite, plugin loggers written as a user would, a trial's files read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: two seeds of a tiny suite: evaluations at steps 0, 10 and 20, 100 samples kept at each
SUITE = """
name = "watched"
seeds = 2
metrics = ["modes", "wasserstein"]
{log}

[train]
steps = 20
batch_size = 32
eval_every = 10
eval_samples = 200
snapshot_samples = 100

[model]
name = "mlp"
width = 16
depth = 1

[[datasets]]
name = "ring"

[[objectives]]
name = "nonsaturating"
"""

#: plugin loggers: 'broken' raises at every call, 'recorder' writes what it is told, with its process id,
#: 'picky' cannot start
PLUGINS = """
import dataclasses
import json
import os
from typing import ClassVar

import ganbench


@dataclasses.dataclass(frozen=True)
class Broken(ganbench.Logger):
    name: ClassVar[str] = "broken"
    description: ClassVar[str] = "raises at every call"

    def evaluation(self, trial, *, step, values, samples):
        raise RuntimeError(f"no tracker at step {step}\\nsecond line")

    def outcome(self, trial, final):
        raise RuntimeError("no tracker at the end")


@dataclasses.dataclass(frozen=True)
class Recorder(ganbench.Logger):
    name: ClassVar[str] = "recorder"
    description: ClassVar[str] = "writes every call as a JSON line, with the process id"

    def write(self, trial, record):
        path = trial.directory / "recorder" / f"{trial.id}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as f:
            f.write(json.dumps({"pid": os.getpid(), "trial": trial.name, **record}) + "\\n")

    def evaluation(self, trial, *, step, values, samples):
        shape = None if samples is None else list(samples.shape)
        self.write(trial, {"step": step, "keys": sorted(values), "samples": shape, "seed": trial.config["seed"]})

    def outcome(self, trial, final):
        self.write(trial, {"status": final["status"]})


@dataclasses.dataclass(frozen=True)
class Picky(ganbench.Logger):
    name: ClassVar[str] = "picky"
    description: ClassVar[str] = "cannot start anywhere"

    def validate(self):
        raise ValueError("logger 'picky' needs a tracker that is not here")

    def evaluation(self, trial, *, step, values, samples):
        pass


@ganbench.hookimpl
def register_loggers(register):
    register(Broken)
    register(Recorder)
    register(Picky)
"""


def write_suite(directory: Path, log: str = "") -> Path:
    path = directory / "watched.toml"
    path.write_text(SUITE.format(log=log))
    return path


def write_plugins(directory: Path) -> Path:
    plugins = directory / "plugins"
    plugins.mkdir(exist_ok=True)
    (plugins / "loggers.py").write_text(PLUGINS)
    return plugins


def trials(suite_dir: Path) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each trial's id -> (config, history records), read from its files."""
    out = {}
    for config in sorted(suite_dir.glob("*/config.json")):
        history = [json.loads(line) for line in config.with_name("history.jsonl").read_text().splitlines()]
        out[config.parent.name] = (json.loads(config.read_text()), history)
    return out


def same(a: float, b: float) -> bool:
    """Equal, NaN equal to NaN."""
    return a == b or (a != a and b != b)
