"""The results store reads what earlier versions wrote, and a resolved trial round-trips.

``tests/fixtures/legacy/results`` was written by ganbench 0.1.0 (see its README): every
trial state, a ``suite.json`` and a ``summary.csv``. Reading it must not change.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import ganbench
from ganbench.plugins import load_plugins
from ganbench.providers import file_provider
from ganbench.results import SuiteStore, load_results, parse_trial_id, trial_id
from ganbench.status import Status
from ganbench.suite import load_suite
from ganbench.trial import Trial, final_record
from tests.helpers.project import ROOT

LEGACY = ROOT / "tests" / "fixtures" / "legacy"
RESULTS = LEGACY / "results"

EXPECTED = {
    "ring-nonsaturating-s0-4c29d6f013": Status.COMPLETE,
    "ring-nonsaturating-s1-9e1a4ca28b": Status.COMPLETE,
    "ring-nonsaturating-s2-1e8bde07e8": Status.UNFINISHED,
    "ring-wgan-gp-s0-e7f1bd5855": Status.COMPLETE,
    "ring-wgan-gp-s1-2aadce236e": Status.COMPLETE,
    "ring-wgan-gp-s2-479214255f": Status.MISSING,
    "ring-explodes-s0-55bdb8f5ec": Status.DIVERGED,
    "ring-explodes-s1-66aff2d8cf": Status.DIVERGED,
    "ring-explodes-s2-48cbe71364": Status.MISSING,
    "ring-raises-s0-723775d2e6": Status.ERROR,
    "ring-raises-s1-ffbdb8afcf": Status.ERROR,
    "ring-raises-s2-4086ae1dbc": Status.MISSING,
}


@pytest.fixture(scope="module")
def legacy_registry():
    return load_plugins(LEGACY / "plugins")


def test_every_state_of_a_legacy_results_directory_is_read(legacy_registry):
    (results,) = load_results(RESULTS, legacy_registry)
    assert results.name == "legacy"
    assert {t.id: t.status for t in results.trials} == EXPECTED
    assert [t.id for t in results.trials] == list(json.loads((RESULTS / "suite.json").read_text())["trials"])
    missing = next(t for t in results.trials if t.status is Status.MISSING and t.objective == "explodes")
    assert (missing.dataset, missing.seed, missing.path) == ("ring", 2, None)
    assert results.counts() == {"complete": 4, "diverged": 2, "error": 2, "unfinished": 1, "missing": 3}


def test_summary_rebuilt_from_a_legacy_directory_equals_the_one_it_was_written_with(tmp_path, legacy_registry):
    copy = tmp_path / "legacy"
    shutil.copytree(RESULTS, copy)
    (copy / "summary.csv").unlink()
    store = SuiteStore(copy)
    store.write_summary(store.load(legacy_registry))
    assert (copy / "summary.csv").read_bytes() == (RESULTS / "summary.csv").read_bytes()


def without_providers(config: dict) -> dict:
    """A resolved trial as ganbench 0.1.0 wrote it: layout format 1, no component providers."""
    out = {**config, "format": 1}
    for key in ("dataset", "objective", "model"):
        out[key] = {k: v for k, v in config[key].items() if k not in ("provider", "penalty_provider")}
    out["metrics"] = [{k: v for k, v in m.items() if k != "provider"} for m in config["metrics"]]
    return out


def test_the_same_suite_now_gives_new_trial_ids_because_trials_record_their_code(legacy_registry, tmp_path):
    """ganbench 0.1.0 recorded no provider; a resolved trial now records the code of each of its
    components (layout format 2): the ganbench version for a built-in, a distribution's name and
    version, a plugin file's SHA-256. The hash covers them, so the same suite resolves to new ids,
    and a rerun into the old directory trains every trial again instead of reusing results that
    no record ties to the code that produced them. Those results stay readable and reportable
    (the other tests of this module), and apart from the providers the trials are unchanged."""
    suite = load_suite(LEGACY / "legacy.toml", legacy_registry)
    assert [parse_trial_id(t.id) for t in suite.trials] == [parse_trial_id(i) for i in EXPECTED]
    assert set(t.id for t in suite.trials).isdisjoint(EXPECTED)
    copy = tmp_path / "legacy"
    shutil.copytree(RESULTS, copy)
    assert SuiteStore(copy).split_done(suite.trials) == (suite.trials, 0)
    for trial, old_id in zip(suite.trials, EXPECTED, strict=True):
        config = RESULTS / old_id / "config.json"
        if config.exists():
            assert without_providers(trial.to_json()) == json.loads(config.read_text())
        assert trial.objective.provider == (
            file_provider(LEGACY / "plugins" / "bad.py")
            if trial.objective.name in ("explodes", "raises")
            else {"ganbench": ganbench.__version__}
        )
        assert trial.model.provider == trial.dataset.provider == {"ganbench": ganbench.__version__}


def test_a_trial_round_trips_through_its_json_form(legacy_registry):
    for config in RESULTS.glob("*/config.json"):
        data = json.loads(config.read_text())
        trial = Trial.from_json(data)
        assert trial.to_json() == data
        assert trial.id == config.parent.name == trial_id(data)
        assert trial.objective.hyper.betas == tuple(data["objective"]["hyper"]["betas"])
        parts = trial.instantiate(legacy_registry)
        assert parts.objective.name == data["objective"]["name"]
        assert (parts.penalty is None) == (data["objective"]["hyper"]["penalty"] == "none")


def test_trial_ids_parse_back_into_their_readable_parts():
    assert parse_trial_id("grid-wgan-gp-fast-s12-0123456789") == ("grid-wgan-gp-fast", 12)
    assert parse_trial_id("not-a-trial") == ("not-a-trial", None)


def test_final_records_have_the_layout_of_each_outcome():
    done = final_record(Status.COMPLETE, device="cpu", step=5, metrics={"x": 1.0}, convergence={"stability": 0.1})
    assert set(done) == {"status", "step", "device", "ganbench_version", "metrics", "convergence"}
    bad = final_record(Status.DIVERGED, device="cpu", step=5, metrics={}, message="nan", last_good_step=None)
    assert set(bad) == set(done) | {"message", "last_good_step"} and bad["last_good_step"] is None
    err = final_record(Status.ERROR, device="cpu", metrics={}, message="boom")
    assert err == {"status": "error", "device": "cpu", "metrics": {}, "message": "boom"}
    for path in RESULTS.glob("*/final.json"):  # what 0.1.0 wrote for each outcome, rebuilt from its fields
        on_disk = json.loads(path.read_text())
        rebuilt = final_record(
            Status(on_disk["status"]),
            device=on_disk["device"],
            metrics=on_disk["metrics"],
            step=on_disk.get("step"),
            convergence=on_disk.get("convergence"),
            message=on_disk.get("message"),
            last_good_step=on_disk.get("last_good_step"),
        )
        assert rebuilt == on_disk


def test_console_table_and_report_read_the_same_trials(run_cli, tmp_path):
    copy = tmp_path / "legacy"
    shutil.copytree(RESULTS, copy)
    code, _, err = run_cli(
        "report", copy, "--no-figures", "--out", tmp_path / "r.md", "--plugins-dir", LEGACY / "plugins"
    )
    assert code == 0, err
    text = Path(tmp_path / "r.md").read_text()
    assert "3 missing" in text and "1 unfinished" in text
    from ganbench.report.console import console_tables

    (results,) = load_results(copy)
    table = console_tables(results)["ring"]
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in table.splitlines()[2:]}
    assert rows == {
        "nonsaturating": "2 ok",
        "wgan-gp": "2 ok",
        "explodes": "0 ok, 2 diverged",
        "raises": "0 ok, 2 error",
    }
