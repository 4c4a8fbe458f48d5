"""Loggers in ``ganbench run``: a failing logger changes nothing of a trial and is one warning naming it;
loggers run where the trials train (worker processes); a name that is not a logger, or a logger whose
library is missing, is a one-line error before anything trains."""

from __future__ import annotations

import json
import os

import pytest

from tests.helpers.runs import snapshot
from tests.loggers.runs import trials, write_plugins, write_suite


def files(suite_dir):
    """Every file of every trial directory, by trial and name."""
    return {p.relative_to(suite_dir).as_posix(): p.read_bytes() for p in suite_dir.glob("*/**/*") if p.is_file()}


def test_a_logger_that_raises_leaves_the_results_as_a_run_without_it(run_cli, tmp_path):
    plugins = write_plugins(tmp_path)
    suite = write_suite(tmp_path)
    code, _, plain_err = run_cli(
        "run", suite, "--out", tmp_path / "plain", "--jobs", "1", "--vectorize", "2", "--plugins-dir", plugins
    )
    assert code == 0, plain_err
    code, _, err = run_cli(
        "run",
        suite,
        "--out",
        tmp_path / "logged",
        "--jobs",
        "1",
        "--vectorize",
        "2",
        "--plugins-dir",
        plugins,
        "--log",
        "broken",
    )
    assert code == 0, err
    plain, logged = tmp_path / "plain" / "watched", tmp_path / "logged" / "watched"
    assert snapshot(logged) == snapshot(plain)  # histories and final metrics, timing fields aside
    assert files(logged).keys() == files(plain).keys()  # the same trial ids, the same files
    for name in files(plain):
        if name.endswith(("config.json", ".npy", "DONE")):
            assert files(logged)[name] == files(plain)[name], name  # byte for byte
    warnings = [line for line in err.splitlines() if "logger 'broken'" in line]
    assert sorted(w.split(":")[0] for w in warnings) == sorted(trials(plain))  # one per trial, naming it
    assert all(
        w.endswith("warning: logger 'broken' failed (RuntimeError: no tracker at step 0); the trial goes on without it")
        for w in warnings
    )


def test_loggers_run_in_the_worker_processes_that_train(run_cli, tmp_path):
    plugins = write_plugins(tmp_path)
    suite = write_suite(tmp_path, 'log = ["recorder"]')
    out = tmp_path / "out"
    code, _, err = run_cli("run", suite, "--out", out, "--jobs", "2", "--vectorize", "off", "--plugins-dir", plugins)
    assert code == 0, err
    suite_dir = out / "watched"
    found = trials(suite_dir)
    assert len(found) == 2
    pids = set()
    for trial_id, (config, history) in found.items():
        calls = [json.loads(line) for line in (suite_dir / "recorder" / f"{trial_id}.jsonl").read_text().splitlines()]
        assert [c.get("step") for c in calls] == [r["step"] for r in history] + [None]
        assert [c["keys"] for c in calls[:-1]] == [sorted(set(r) - {"step"}) for r in history]
        assert all(c["samples"] == [100, 2] for c in calls[:-1]) and calls[-1]["status"] == "complete"
        assert all(c["seed"] == config["seed"] for c in calls[:-1])
        pids |= {c["pid"] for c in calls}
    assert os.getpid() not in pids  # the workers logged, not this process


def test_the_command_line_chooses_loggers_over_the_suites(run_cli, tmp_path):
    plugins = write_plugins(tmp_path)
    suite = write_suite(tmp_path, 'log = ["broken"]')
    suite.write_text(suite.read_text().replace("seeds = 2", "seeds = 1"))
    code, _, err = run_cli(
        "run", suite, "--out", tmp_path / "out", "--plugins-dir", plugins, "--log", "recorder", "--jobs", "1"
    )
    assert code == 0, err
    assert "logger 'broken'" not in err
    assert len(list((tmp_path / "out" / "watched" / "recorder").glob("*.jsonl"))) == 1


@pytest.mark.parametrize(
    ("log", "option", "message"),
    [
        ("", "tensorbord", "ganbench: error: --log: unknown logger 'tensorbord'; did you mean 'tensorboard'?"),
        ('log = ["mlfow"]', None, "watched.toml:5: log[0]: unknown logger 'mlfow'; did you mean 'mlflow'?"),
        ('log = ["mlflow", "mlflow"]', None, "watched.toml:5: log[1]: logger 'mlflow' is listed twice"),
        ('log = [{ name = "mlflow", uri = "x" }]', None, "log[0]: unknown key 'uri'"),
    ],
)
def test_a_name_that_is_not_a_logger_is_one_line_and_exit_2(run_cli, tmp_path, log, option, message):
    suite = write_suite(tmp_path, log)
    extra = ["--log", option] if option else []
    code, _, err = run_cli("run", suite, "--out", tmp_path / "out", *extra)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not (tmp_path / "out").exists()


def test_a_logger_whose_library_is_missing_names_the_pip_command(run_cli, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real(name, *a))
    code, _, err = run_cli("run", write_suite(tmp_path), "--out", tmp_path / "out", "--log", "tensorboard,mlflow")
    assert code == 2
    assert err.strip() == (
        "ganbench: error: --log: logger 'mlflow' needs MLflow, which is not installed: pip install \"ganbench[mlflow]\""
    )


def test_a_logger_that_cannot_start_where_the_trials_train_is_a_warning_for_each(tmp_path):
    from ganbench.loggers.specs import LoggerSpec
    from ganbench.plugins import load_plugins
    from ganbench.results import TrialDir
    from ganbench.training.member import Member
    from ganbench.training.trackers import Trackers

    registry = load_plugins(write_plugins(tmp_path))
    members = [Member(None, None, TrialDir(tmp_path / name)) for name in ("a-1", "b-2")]  # type: ignore[arg-type]
    trackers = Trackers([LoggerSpec("picky"), LoggerSpec("recorder")], registry, str(tmp_path))
    trackers.start(members)
    assert [m.logs for m in members] == [
        [
            f"{name}: warning: logger 'picky' failed (ValueError: logger 'picky' needs a tracker that is not here); "
            "the trial goes on without it"
        ]
        for name in ("a-1", "b-2")
    ]
    assert [name for name, _ in trackers.loggers] == ["recorder"]
