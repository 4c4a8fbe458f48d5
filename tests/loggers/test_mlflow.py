"""``log = ["mlflow"]``: MLflow's own client finds a run per trial with its configuration as parameters,
the history's figures as metric histories with the values of history.jsonl, the samples of every
evaluation as artifacts and the trial's outcome; the store is local by default, or the one named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ganbench.loggers.base import flat_config
from ganbench.loggers.to_mlflow import TRIAL_TAG, local_store
from tests.loggers.runs import same, trials, write_suite

mlflow = pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The suite (``log = ["mlflow"]``) run once: its results directory."""
    from ganbench.cli import main

    work = tmp_path_factory.mktemp("mlflow")
    suite = write_suite(work, 'log = ["mlflow"]')
    assert main(["run", str(suite), "--out", str(work / "out"), "--jobs", "1", "--vectorize", "2"]) == 0
    return work / "out" / "watched"


def runs_of(uri: str, experiment: str) -> dict[str, object]:
    """The runs of ``experiment`` in the store at ``uri``, by the trial id they are tagged with."""
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment} in {uri}"
    return {r.data.tags[TRIAL_TAG]: r for r in client.search_runs([found.experiment_id])}


def test_every_trial_is_a_run_with_its_configuration_as_parameters(run):
    runs = runs_of(local_store(run), "watched")
    found = trials(run)
    assert set(runs) == set(found) and len(runs) == 2
    for trial_id, (config, _) in found.items():
        params = runs[trial_id].data.params
        assert params == {k: str(v) for k, v in flat_config(config).items()}
        assert params["objective.hyper.lr_g"] == str(config["objective"]["hyper"]["lr_g"])
        assert params["seed"] == str(config["seed"])
        assert runs[trial_id].info.status == "FINISHED"
        assert runs[trial_id].data.tags["ganbench.status"] == "complete"


def test_every_figure_has_the_metric_history_of_history_jsonl(run):
    client = mlflow.tracking.MlflowClient(tracking_uri=local_store(run))
    runs = runs_of(local_store(run), "watched")
    for trial_id, (_, history) in trials(run).items():
        for key in set(history[0]) - {"step"}:
            logged = {m.step: m.value for m in client.get_metric_history(runs[trial_id].info.run_id, key)}
            assert sorted(logged) == [r["step"] for r in history] == [0, 10, 20]
            for record in history:
                assert same(logged[record["step"]], record[key]), (key, record["step"])


def test_the_samples_of_every_evaluation_are_artifacts(run, tmp_path):
    client = mlflow.tracking.MlflowClient(tracking_uri=local_store(run))
    runs = runs_of(local_store(run), "watched")
    for trial_id in trials(run):
        run_id = runs[trial_id].info.run_id
        names = sorted(Path(a.path).name for a in client.list_artifacts(run_id, "samples"))
        steps = [f"step_{s:09d}" for s in (0, 10, 20)]
        assert names == sorted([f"{s}.npy" for s in steps] + [f"{s}.png" for s in steps])
        for step in steps:
            local = client.download_artifacts(run_id, f"samples/{step}.npy", str(tmp_path))
            assert np.array_equal(np.load(local), np.load(run / trial_id / "samples" / f"{step}.npy"))
        assert "final.json" in {a.path for a in client.list_artifacts(run_id)}


def test_a_suite_can_name_the_store_and_the_experiment(tmp_path, monkeypatch):
    from ganbench.cli import main

    monkeypatch.chdir(tmp_path)  # where MLflow puts the artifacts of a store that names no place for them
    store = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    suite = write_suite(tmp_path, f'log = [{{ name = "mlflow", tracking_uri = "{store}", experiment = "mine" }}]')
    suite.write_text(suite.read_text().replace("seeds = 2", "seeds = 1").replace("steps = 20", "steps = 10"))
    assert main(["run", str(suite), "--out", str(tmp_path / "out"), "--jobs", "1", "--vectorize", "2"]) == 0
    assert list(runs_of(store, "mine")) == list(trials(tmp_path / "out" / "watched"))
    assert not (tmp_path / "out" / "watched" / "mlflow").exists()
