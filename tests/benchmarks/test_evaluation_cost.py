"""``benchmarks/evaluation_cost.py`` times a finished run's metrics by recomputing them from
its sample snapshots. The real samples of an evaluation come again from the trial's
evaluation seed, so every recomputed value equals the history's; a value that does not
stops the script rather than time something else."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.evaluation_cost import recompute


@pytest.fixture
def finished(tiny_suite, run_cli, tmp_path):
    code, _, err = run_cli("run", tiny_suite, "--out", tmp_path / "results", "--jobs", "1")
    assert code == 0, err
    return tmp_path / "results" / "tiny"


def test_every_evaluation_is_recomputed_and_matches_the_history(finished, registry):
    cost = recompute(finished, registry, assignment=True)
    (trial,) = [p for p in finished.iterdir() if p.is_dir()]
    final = json.loads((trial / "final.json").read_text())["metrics"]
    assert cost.trials == 1
    assert cost.calls == {"modes": 3, "energy": 3, "wasserstein": 3}  # steps 0, 10 and 20
    assert (cost.wall, cost.train) == (final["wall_time"], final["train_time"])
    assert cost.assignment is not None and cost.assignment > 0
    table = cost.table()
    assert list(table["metric"]) == ["modes", "energy", "wasserstein"]
    assert table["share of trial time"].tolist() == pytest.approx(
        [cost.seconds[m] / cost.wall for m in table["metric"]]
    )


def test_a_value_that_does_not_recompute_stops_the_script(finished, registry):
    (trial,) = [p for p in finished.iterdir() if p.is_dir()]
    history = trial / "history.jsonl"
    records = [json.loads(line) for line in history.read_text().splitlines()]
    records[1]["wasserstein"] *= 1 + 1e-6
    history.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(SystemExit, match="step 10: wasserstein recomputes to"):
        recompute(finished, registry)


def test_a_snapshot_smaller_than_the_evaluation_stops_the_script(finished, registry):
    (trial,) = [p for p in finished.iterdir() if p.is_dir()]
    snapshot = trial / "samples" / "step_000000010.npy"
    np.save(snapshot, np.load(snapshot)[:100])
    with pytest.raises(SystemExit, match="step 10 has 100 samples, evaluation used 200"):
        recompute(finished, registry)


def test_only_complete_trials_count(finished, registry):
    """A diverged trial's record stops at its last good evaluation: its time would be short."""
    (trial,) = [p for p in finished.iterdir() if p.is_dir()]
    final = json.loads((trial / "final.json").read_text())
    (trial / "final.json").write_text(json.dumps({**final, "status": "diverged"}))
    with pytest.raises(SystemExit, match="no complete trials"):
        recompute(finished, registry)
