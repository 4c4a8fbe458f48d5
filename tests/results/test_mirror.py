"""Trial directories that train in one place and are stored in another: the trainer's
checkpoint hook (``EngineOptions.on_checkpoint``) and :mod:`ganbench.results.mirror`,
which together let a trial train in a scratch directory while its stored copy stays
consistent and resumable at every checkpoint. No Ray here: the executor that uses them
is tested in ``test_ray.py``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import torch

from ganbench.results import SuiteStore, TrialDir
from ganbench.results.mirror import Change, Mirror, apply, read_tree
from ganbench.status import Status
from ganbench.suite import load_suite
from ganbench.training import EngineOptions, train_trials
from tests.helpers.runs import TIMING

SUITE = textwrap.dedent(
    """
    name = "mirror"
    seeds = [0, 1]
    metrics = ["modes"]
    [train]
    steps = 12
    batch_size = 32
    eval_every = 6
    eval_samples = 64
    checkpoint_every = 4
    [model]
    name = "mlp"
    width = 16
    depth = 1
    [[datasets]]
    name = "ring"
    [[objectives]]
    name = "nonsaturating"
    """
)


@pytest.fixture
def trials(tmp_path, registry):
    (tmp_path / "mirror.toml").write_text(SUITE)
    return load_suite(tmp_path / "mirror.toml", registry).trials


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_the_checkpoint_hook_sees_each_checkpoint_of_each_member_as_written(tmp_path, trials, registry):
    seen: list[tuple[str, int, list[int]]] = []

    def hook(td: TrialDir) -> None:
        ck = torch.load(td.checkpoint, weights_only=True)
        # the directory is consistent with its checkpoint (compared as JSON text: NaN losses at step 0)
        assert json.dumps(ck["history"], sort_keys=True) == json.dumps(lines(td.history_file), sort_keys=True)
        seen.append((td.path.name, ck["step"], [r["step"] for r in ck["history"]]))

    paths = [str(tmp_path / "out" / t.id) for t in trials]
    results = train_trials(trials, paths, "cpu", registry, EngineOptions(on_checkpoint=hook))
    assert [r["status"] for r in results] == [Status.COMPLETE, Status.COMPLETE]
    # checkpoints every 4 steps, at the end, and of the untrained networks; evaluations every 6
    expected = [(0, [0]), (4, [0]), (8, [0, 6]), (12, [0, 6, 12])]
    for t in trials:
        assert [(step, hist) for name, step, hist in seen if name == t.id] == expected
    assert [name for name, _, _ in seen[:2]] == [trials[0].id, trials[1].id]  # a group: both at each boundary


def test_a_mirrored_trial_is_stored_exactly_as_if_it_trained_there(tmp_path, trials, registry):
    """Train in scratch directories, sending changes at every checkpoint and at the end: the
    stored copies hold the same files, byte for byte, as the scratch ones."""
    stored = [tmp_path / "stored" / t.id for t in trials]
    mirrors = {}
    for path in stored:
        mirror = Mirror(tmp_path / "scratch" / path.name)
        mirror.load(read_tree(path))
        mirrors[str(mirror.path)] = (path, mirror)
    copies: list[dict[str, bytes]] = []

    def send(td: TrialDir) -> None:
        path, mirror = mirrors[str(td.path)]
        apply(path, mirror.changes())
        copies.append(read_tree(path))

    scratch = [str(tmp_path / "scratch" / p.name) for p in stored]
    train_trials(trials, scratch, "cpu", registry, EngineOptions(on_checkpoint=send))
    for path, mirror in mirrors.values():
        apply(path, mirror.changes())
        assert read_tree(path) == read_tree(mirror.path)
        assert set(read_tree(path)) >= {"config.json", "history.jsonl", "final.json", "checkpoint.pt", "DONE"}
        assert not (path / ".lock").exists()  # locks are never copied
    # at each checkpoint the stored copy is resumable: a checkpoint, and no DONE before the end
    assert all("checkpoint.pt" in c and "DONE" not in c for c in copies)
    loaded = SuiteStore(tmp_path / "stored").load()
    assert [t.status for t in loaded.trials] == [Status.COMPLETE, Status.COMPLETE]


def test_a_retry_elsewhere_resumes_from_the_stored_copy(tmp_path, trials, registry):
    """A node lost after the checkpoint at step 8: a fresh scratch directory filled from the
    stored copy resumes at step 8 and ends exactly as an uninterrupted run (timing aside)."""
    straight = [str(tmp_path / "straight" / t.id) for t in trials]
    train_trials(trials, straight, "cpu", registry, EngineOptions())

    stored = tmp_path / "stored" / trials[0].id
    first = Mirror(tmp_path / "node-a" / trials[0].id)
    first.load(read_tree(stored))

    class Lost(Exception):
        pass

    def send_then_die(td: TrialDir) -> None:
        apply(stored, first.changes())
        if torch.load(td.checkpoint, weights_only=True)["step"] == 8:
            raise Lost  # the node dies right after sending its step-8 checkpoint

    with pytest.raises(Lost):
        train_trials(trials[:1], [str(first.path)], "cpu", registry, EngineOptions(on_checkpoint=send_then_die))
    assert torch.load(stored / "checkpoint.pt", weights_only=True)["step"] == 8

    second = Mirror(tmp_path / "node-b" / trials[0].id)
    second.load(read_tree(stored))
    [result] = train_trials(trials[:1], [str(second.path)], "cpu", registry, EngineOptions())
    apply(stored, second.changes())
    assert result["status"] is Status.COMPLETE
    assert "resuming from step 8" in " ".join(result["logs"])

    def untimed(path: Path) -> list[dict]:
        return [{k: v for k, v in r.items() if k not in TIMING} for r in lines(path / "history.jsonl")]

    assert untimed(stored) == untimed(Path(straight[0]))
    assert (stored / "DONE").exists()


def test_changes_carry_removals_and_only_what_changed(tmp_path):
    stored = tmp_path / "stored"
    apply(stored, Change(written={"final.json": b'{"status": "error"}', "error.txt": b"trace", "a/b.npy": b"1"}))
    mirror = Mirror(tmp_path / "scratch")
    mirror.load(read_tree(stored))
    assert not mirror.changes()  # nothing changed since it was loaded
    (mirror.path / "error.txt").unlink()  # a new attempt supersedes the failed one
    (mirror.path / "a" / "c.npy").write_bytes(b"2")
    (mirror.path / ".lock").write_bytes(b"")
    (mirror.path / ".history.jsonl.x1.tmp").write_bytes(b"half a write")
    change = mirror.changes()
    assert change.written == {"a/c.npy": b"2"} and change.removed == ["error.txt"]
    apply(stored, change)
    assert read_tree(stored) == {"a/b.npy": b"1", "a/c.npy": b"2", "final.json": b'{"status": "error"}'}


def test_the_marker_is_written_last(tmp_path, monkeypatch):
    order: list[str] = []
    from ganbench.results import mirror

    real = mirror.atomic_write
    monkeypatch.setattr(mirror, "atomic_write", lambda path, data: (order.append(path.name), real(path, data)))
    apply(tmp_path, Change(written={"DONE": b"", "final.json": b"{}", "history.jsonl": b"", "z.npy": b""}))
    assert order[-1] == "DONE" and sorted(order) == ["DONE", "final.json", "history.jsonl", "z.npy"]


@pytest.mark.parametrize("name", ["../escape.json", "/etc/passwd", ".lock", "samples/.x.npy.abc.tmp"])
def test_a_change_cannot_write_outside_its_trial_or_its_lock(tmp_path, name):
    with pytest.raises(ValueError, match="is not a file of trial directory"):
        apply(tmp_path / "trial", Change(written={name: b"x"}))
