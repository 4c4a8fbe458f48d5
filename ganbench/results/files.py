"""One trial's directory and its files, every one written atomically."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from ganbench.io import atomic_write

MARKER = "DONE"


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write(path, (json.dumps(obj, indent=2, sort_keys=True, allow_nan=True) + "\n").encode())


class TrialDir:
    """Paths and readers/writers of one trial's directory."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    config = property(lambda self: self.path / "config.json")
    history_file = property(lambda self: self.path / "history.jsonl")
    final_file = property(lambda self: self.path / "final.json")
    checkpoint = property(lambda self: self.path / "checkpoint.pt")
    error_file = property(lambda self: self.path / "error.txt")
    marker = property(lambda self: self.path / MARKER)
    samples_dir = property(lambda self: self.path / "samples")

    def is_done(self) -> bool:
        return self.marker.exists()

    def write_history(self, history: list[dict[str, Any]]) -> None:
        atomic_write(self.history_file, "".join(json.dumps(r, sort_keys=True) + "\n" for r in history).encode())

    def read_history(self) -> list[dict[str, Any]]:
        if not self.history_file.exists():
            return []
        return [json.loads(line) for line in self.history_file.read_text().splitlines() if line.strip()]

    def write_samples(self, step: int, samples: np.ndarray) -> None:
        buf = io.BytesIO()
        np.save(buf, samples, allow_pickle=False)
        atomic_write(self.samples_dir / f"step_{step:09d}.npy", buf.getvalue())

    def sample_steps(self) -> list[int]:
        return sorted(int(p.stem.split("_")[1]) for p in self.samples_dir.glob("step_*.npy"))

    def read_samples(self, step: int) -> np.ndarray:
        return np.load(self.samples_dir / f"step_{step:09d}.npy", allow_pickle=False)

    def write_config(self, config: dict[str, Any]) -> None:
        """The resolved trial (:meth:`ganbench.trial.Trial.to_json`)."""
        atomic_write_json(self.config, config)

    def write_final(self, final: dict[str, Any]) -> None:
        """final.json alone: a failed trial's record, which a rerun retries."""
        atomic_write_json(self.final_file, final)

    def finish(self, final: dict[str, Any]) -> None:
        """Write final.json then the completion marker, in that order."""
        self.write_final(final)
        atomic_write(self.marker, b"")

    def read_final(self) -> dict[str, Any]:
        return json.loads(self.final_file.read_text())
