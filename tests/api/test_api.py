"""ganbench from Python: a run's typed outcomes, its results as frames, the same files as the
command line, and a registry of each call's own."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

import ganbench
from ganbench.errors import ConfigError
from ganbench.status import Status
from ganbench.training.signals import WORKER
from tests.helpers.plugins import BAD_OBJECTIVES, OBJECTIVE_FILE
from tests.helpers.project import ROOT
from tests.helpers.runs import TIMING, TINY_SUITE, snapshot

QUICK = ROOT / "suites" / "quick.toml"


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    """suites/quick.toml run by ``ganbench run`` (in this process) and by :func:`ganbench.run`."""
    from ganbench.cli import main

    out = tmp_path_factory.mktemp("quick")
    code = main(["run", str(QUICK), "--out", str(out / "cli"), "--jobs", "1"])
    assert code == 0
    result = ganbench.run(str(QUICK), out=out / "api", jobs=1, progress=False)
    return out / "cli" / "quick", out / "api" / "quick", result


def _without_timing(path):
    frame = pd.read_csv(path)
    return frame.drop(columns=[c for c in frame.columns if c in TIMING])


def test_the_cli_and_the_api_write_the_same_result_files(quick_runs):
    cli, api, _ = quick_runs
    assert len(snapshot(api)) == 10 and snapshot(cli) == snapshot(api)  # histories and final metrics
    assert (cli / "suite.json").read_bytes() == (api / "suite.json").read_bytes()
    pd.testing.assert_frame_equal(_without_timing(cli / "summary.csv"), _without_timing(api / "summary.csv"))
    for trial in sorted(p for p in api.iterdir() if p.is_dir()):
        assert (cli / trial.name / "config.json").read_bytes() == (trial / "config.json").read_bytes()
        samples = sorted((trial / "samples").iterdir())
        assert len(samples) == 3
        for sample in samples:
            assert np.array_equal(np.load(cli / trial.name / "samples" / sample.name), np.load(sample))


def test_a_run_returns_each_trial_s_outcome_typed(quick_runs):
    _, api, result = quick_runs
    assert result.suite == "quick" and result.path == api and not result.interrupted and result.failed == []
    dirs = sorted(p.name for p in api.iterdir() if p.is_dir())
    assert sorted(o.trial for o in result.outcomes) == dirs == sorted(result.trials)
    for outcome in result.outcomes:
        config = json.loads((api / outcome.trial / "config.json").read_text())
        assert isinstance(outcome, ganbench.TrialOutcome) and outcome.status is Status.COMPLETE
        assert (outcome.dataset, outcome.objective, outcome.seed) == (
            config["dataset"]["label"],
            config["objective"]["label"],
            config["seed"],
        )
        assert outcome.node is None and outcome.name == f"ring/{outcome.objective}/seed {outcome.seed}"
    assert result.summary_file == api / "summary.csv" and result.trained == 10


def test_the_frame_has_one_row_per_trial_as_summary_csv(quick_runs):
    _, api, result = quick_runs
    frame = result.results().frame()
    assert list(frame["suite"].unique()) == ["quick"] and len(frame) == 10
    summary = pd.read_csv(api / "summary.csv")
    ours = frame.drop(columns="suite").sort_values("trial").reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, summary, check_dtype=False)
    assert frame.equals(ganbench.load_results(api).frame())


def test_the_history_is_every_figure_of_history_jsonl(quick_runs):
    _, api, _ = quick_runs
    history = ganbench.load_results(api).history()
    assert list(history.columns) == ["suite", "trial", "dataset", "objective", "seed", "step", "output", "value"]
    expected = []
    for trial in sorted(p for p in api.iterdir() if p.is_dir()):
        config = json.loads((trial / "config.json").read_text())
        for line in (trial / "history.jsonl").read_text().splitlines():
            record = json.loads(line)
            for output, value in record.items():
                if output != "step":
                    who = (config["dataset"]["label"], config["objective"]["label"], config["seed"])
                    expected.append(("quick", trial.name, *who, record["step"], output, float(value)))
    want = pd.DataFrame(expected, columns=history.columns).sort_values(["trial", "step", "output"])
    got = history.sort_values(["trial", "step", "output"])
    assert len(got) == len(want) > 10 * 3 * 5
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
    curve = history[(history.output == "wasserstein") & (history.objective == "hinge") & (history.seed == 0)]
    assert list(curve.step) == [0, 30, 60]


def test_a_report_of_loaded_results_goes_to_the_suite_directory(quick_runs, tmp_path):
    _, api, result = quick_runs
    paths = ganbench.report(result, formats=("md", "latex"), out=tmp_path / "paper", figures=False)
    assert sorted(p.name for p in paths) == ["report.md", "report.tex"]
    assert "hinge" in (tmp_path / "paper" / "report.md").read_text()
    copy = shutil.copytree(api, tmp_path / "quick")
    (path,) = ganbench.report(ganbench.load_results(copy, ganbench.load_plugins()), figures=False)
    assert path == copy / "report" / "report.md"
    assert path.read_text().replace(str(copy), str(api)) == (tmp_path / "paper" / "report.md").read_text()


def _plugin_dir(tmp_path, name, body):
    directory = tmp_path / name
    directory.mkdir()
    (directory / f"{name}.py").write_text(body)
    return directory


def test_two_runs_with_different_plugin_directories_share_no_registration(tmp_path):
    first = _plugin_dir(tmp_path, "first", OBJECTIVE_FILE.format(name="doubled-first"))
    second = _plugin_dir(tmp_path, "second", OBJECTIVE_FILE.format(name="doubled-second"))
    suite = tmp_path / "tiny.toml"
    suite.write_text(TINY_SUITE.replace('name = "nonsaturating"', 'name = "doubled-first"'))
    worker_before, threads_before = dict(WORKER), torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        loaded = ganbench.load_suite(suite, ganbench.load_plugins(first))
        result = ganbench.run(loaded, out=tmp_path / "one", jobs=1, threads=1, progress=False)
        assert [(o.objective, o.status) for o in result.outcomes] == [("doubled-first", Status.COMPLETE)]
        assert dict(WORKER) == worker_before and torch.get_num_threads() == 2  # nothing of the run stays
        for registry in (ganbench.load_plugins(second), None):
            with pytest.raises(ConfigError, match="unknown objective 'doubled-first'"):
                ganbench.run(suite, out=tmp_path / "two", jobs=1, progress=False, registry=registry)
        assert not (tmp_path / "two").exists()
    finally:
        torch.set_num_threads(threads_before)


def test_a_failed_trial_is_listed_with_its_message_and_a_progress_object_follows_the_run(tmp_path):
    plugins = _plugin_dir(tmp_path, "bad", BAD_OBJECTIVES)
    suite = tmp_path / "tiny.toml"
    suite.write_text(TINY_SUITE.replace('name = "nonsaturating"', 'name = "raises"'))

    class Follow(ganbench.Progress):
        def __init__(self):
            self.calls = []

        def start(self, total):
            self.calls.append(("start", total))

        def step(self, text, outcome=None):
            self.calls.append(("step", outcome))

    follow = Follow()
    result = ganbench.run(suite, out=tmp_path / "out", jobs=1, progress=follow, registry=ganbench.load_plugins(plugins))
    (failed,) = result.failed
    assert failed.status is Status.ERROR and "generator loss exploded on purpose" in failed.message
    assert follow.calls == [("start", 1), ("step", failed)]
    assert (tmp_path / "out" / "tiny" / failed.trial / "error.txt").is_file()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"executor_options": {"ray_address": "auto"}}, "name the executor they belong to"),
        ({"executor": "ray", "executor_options": {"address": "auto"}}, "takes no option 'address' .*ray_address"),
        ({"executor": "nope"}, "unknown executor 'nope'"),
        ({"vectorize": 0}, "vectorize 0: expected 'auto', 'off' or a group size"),
        ({"jobs": 0}, "jobs 0: expected an integer from 1 to 1024"),
    ],
)
def test_bad_options_are_one_line_errors_before_anything_is_written(tmp_path, tiny_suite, options, message):
    with pytest.raises(ConfigError, match=message):
        ganbench.run(tiny_suite, out=tmp_path / "out", progress=False, **options)
    assert not (tmp_path / "out").exists()
