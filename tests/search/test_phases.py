"""A suite with a [search], run the way a user runs it: phase 1 on the search seeds, the
selection from those trials alone, phase 2 on the report seeds; and a kill -9 in the middle
of phase 1 followed by a rerun, which must end exactly as an uninterrupted run."""

from __future__ import annotations

import json
import math
import shutil
import signal
from pathlib import Path

import pytest

from tests.helpers.runs import SEARCH_SUITE, rerun, snapshot, start, wait_for_checkpoint

SEARCH_SEEDS = [1000]
REPORT_SEEDS = [0, 1]


def write_suite(tmp: Path) -> Path:
    path = tmp / "tune.toml"
    path.write_text(SEARCH_SUITE)
    return path


def read(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run of the search suite: its results directory."""
    tmp = tmp_path_factory.mktemp("search-reference")
    done = rerun(write_suite(tmp), tmp / "results")
    assert done.returncode == 0, done.stderr
    return tmp / "results" / "tune"


def configs(suite_dir: Path, ids: list[str]) -> list[dict]:
    return [read(suite_dir / tid / "config.json") for tid in ids]


def final_value(suite_dir: Path, tid: str, output: str) -> float:
    final = read(suite_dir / tid / "final.json")
    assert final["status"] == "complete", (tid, final)
    return float(final["metrics"][output])


def test_phase_1_trains_every_configuration_on_the_search_seeds_only(reference):
    record = read(reference / "search.json")
    assert record["rule"]["seeds"] == SEARCH_SEEDS and record["rule"]["report_seeds"] == REPORT_SEEDS
    for objective, entry in record["datasets"]["ring"].items():
        assert [c["index"] for c in entry["configurations"]] == [0, 1, 2]
        for c in entry["configurations"]:
            trials = configs(reference, c["trials"])
            assert [t["seed"] for t in trials] == SEARCH_SEEDS
            for t in trials:
                assert t["objective"]["label"] == objective
                assert t["objective"]["hyper"] == c["hyper"]
                assert t["objective"]["hyper"]["lr_g"] == c["values"]["lr_g"]


def test_configuration_0_is_the_defaults_and_the_tie_holds_in_every_trial(reference):
    from ganbench.plugins import load_plugins

    registry = load_plugins()
    record = read(reference / "search.json")
    for objective, entry in record["datasets"]["ring"].items():
        defaults = registry.get("objectives", objective).default_hyper().resolved()
        first = entry["configurations"][0]
        assert first["hyper"] == defaults and first["values"]["lr_g"] == defaults["lr_g"]
        drawn = [c["values"]["lr_g"] for c in entry["configurations"][1:]]
        assert len(set(drawn)) == 2 and all(1e-4 <= v <= 1e-2 for v in drawn)
    for trial_dir in reference.iterdir():
        if (trial_dir / "config.json").exists():
            hyper = read(trial_dir / "config.json")["objective"]["hyper"]
            assert hyper["lr_d"] == hyper["lr_g"], trial_dir.name


def test_selection_is_the_best_mean_over_the_search_seed_trials_alone(reference):
    """Scores recomputed here from the search-seed trials' final.json; the selected
    configuration is the lowest final wasserstein among them (the suite's convergence
    distance, lower is better)."""
    record = read(reference / "search.json")
    assert record["rule"]["output"] == "wasserstein" and record["rule"]["at"] == "final"
    for entry in record["datasets"]["ring"].values():
        expected = []
        for c in entry["configurations"]:
            search_seed_trials = [
                tid for tid in c["trials"] if read(reference / tid / "config.json")["seed"] in SEARCH_SEEDS
            ]
            values = [final_value(reference, tid, "wasserstein") for tid in search_seed_trials]
            expected.append(sum(values) / len(values))
            assert c["state"] == "scored" and math.isclose(c["score"], expected[-1], rel_tol=1e-12)
        assert entry["selected"] == min(range(len(expected)), key=lambda i: (expected[i], i))


def test_phase_2_trains_the_selection_and_the_defaults_on_the_report_seeds(reference):
    record = read(reference / "search.json")
    listed = read(reference / "suite.json")["trials"]
    tuned_all = []
    for objective in ("nonsaturating", "hinge"):  # the suite's order
        entry = record["datasets"]["ring"][objective]
        chosen = entry["configurations"][entry["selected"]]
        tuned = configs(reference, entry["tuned_trials"])
        default = configs(reference, entry["default_trials"])
        assert [t["seed"] for t in tuned] == REPORT_SEEDS == [t["seed"] for t in default]
        assert all(t["objective"]["hyper"] == chosen["hyper"] for t in tuned)
        assert all(t["objective"]["hyper"] == entry["configurations"][0]["hyper"] for t in default)
        for tid in entry["tuned_trials"] + entry["default_trials"]:
            assert (reference / tid / "DONE").exists()
        tuned_all += entry["tuned_trials"]
    assert listed == tuned_all  # suite.json's headline: the tuned trials, nothing else


def test_kill_9_in_phase_1_then_a_rerun_selects_and_ends_as_an_uninterrupted_run(reference, tmp_path):
    suite = write_suite(tmp_path)
    out = tmp_path / "results"
    proc = start(suite, out, "--jobs", "1")
    wait_for_checkpoint(out / "tune", proc, at_least=40)
    record = read(out / "tune" / "search.json")
    assert all(e["selected"] is None for e in record["datasets"]["ring"].values()), "phase 1 was over"
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    done = rerun(suite, out)
    assert done.returncode == 0, done.stderr
    assert read(out / "tune" / "search.json") == read(reference / "search.json")
    assert snapshot(out / "tune") == snapshot(reference)
    assert read(out / "tune" / "suite.json")["trials"] == read(reference / "suite.json")["trials"]


def test_a_rerun_of_a_finished_search_trains_nothing_and_selects_the_same(reference, tmp_path):
    copy = tmp_path / "results" / "tune"
    shutil.copytree(reference, copy)
    done = rerun(write_suite(tmp_path), tmp_path / "results")
    assert done.returncode == 0, done.stderr
    assert "0 trials run" in done.stdout
    assert read(copy / "search.json") == read(reference / "search.json")


def test_an_optuna_search_asks_in_rounds_keeps_its_study_in_the_results_and_reruns_the_same(tmp_path):
    pytest.importorskip("optuna")
    suite = tmp_path / "tune.toml"
    suite.write_text(
        SEARCH_SUITE.replace("steps = 120", "steps = 40")
        .replace('method = "random"', 'method = "optuna"\nper_round = 2')
        .replace("budget = 3", "budget = 3")
    )
    done = rerun(suite, tmp_path / "results")
    assert done.returncode == 0, done.stderr
    assert "round 1 of 2" in done.stderr and "round 2 of 2" in done.stderr
    suite_dir = tmp_path / "results" / "tune"
    assert (suite_dir / "search" / "optuna.journal").stat().st_size > 0
    record = read(suite_dir / "search.json")
    for objective, entry in record["datasets"]["ring"].items():
        assert [c["index"] for c in entry["configurations"]] == [0, 1, 2]
        assert entry["selected"] is not None and entry["tuned_trials"]
        for c in entry["configurations"][1:]:
            assert 1e-4 <= c["values"]["lr_g"] <= 1e-2 and c["values"]["lr_d"] == c["values"]["lr_g"]
        assert entry["configurations"][0]["hyper"]["lr_g"] == 2e-4, objective
    again = rerun(suite, tmp_path / "results")
    assert again.returncode == 0, again.stderr
    assert "0 trials run" in again.stdout
    assert read(suite_dir / "search.json") == record
