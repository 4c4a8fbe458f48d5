"""The traps a plugin author used to fall into, each shown gone, through the commands a user runs.

1. a metric's argument order; 3. an invalid registration or a name clash taking everything down;
4. a typo'd hook registering nothing silently; 5. edited plugin code reusing old results;
6. a repeated --plugins-dir; 7. a suite-level metric a dataset does not support;
8. a third-party coverage metric getting no convergence figure. (2, options in `ganbench list`:
tests/plugins/test_listing_options.py.)
"""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

import ganbench.plugins
import ganbench.providers
from ganbench.errors import ConfigError
from ganbench.plugins import load_plugins
from ganbench.suite import load_suite
from tests.helpers.plugins import OBJECTIVE_FILE, write_dist
from tests.helpers.runs import TINY_SUITE

HEADER = "import dataclasses\nfrom typing import ClassVar\nimport torch\nimport ganbench\n"


def plugin(directory, name, body):
    path = directory / f"{name}.py"
    path.write_text(HEADER + textwrap.dedent(body))
    return path


def class_line(path) -> int:
    """The line where the plugin file's (first) class begins: its decorator."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("@dataclasses"))


def suite_file(tmp_path, objective="nonsaturating", metrics='["modes", "energy", "wasserstein"]', extra=""):
    text = TINY_SUITE.replace('name = "nonsaturating"', f'name = "{objective}"').replace(
        'metrics = ["modes", "energy", "wasserstein"]', f"metrics = {metrics}"
    )
    path = tmp_path / "s.toml"
    path.write_text(text + extra)
    return path


# ------------------------------------------------------------------ 1. metric argument order

POSITIONAL_METRIC = """
@dataclasses.dataclass(frozen=True)
class RealNorm(ganbench.Metric):
    name: ClassVar[str] = "real-norm"
    outputs: ClassVar[dict] = {"real_norm": ""}

    def compute(self, real, fake, dataset):
        return {"real_norm": float(real.norm(dim=1).mean())}

@ganbench.hookimpl
def register_metrics(register):
    register(RealNorm)
"""


def test_a_metric_with_positional_arguments_is_refused_at_registration_naming_class_file_and_signature(
    tmp_path, run_cli
):
    path = plugin(tmp_path, "norms", POSITIONAL_METRIC)
    code, out, err = run_cli("plugins", "--plugins-dir", tmp_path)
    assert code == 0
    reason = (
        f"metric 'real-norm' (class RealNorm, file {path}:{class_line(path)}): compute(self, real, fake, dataset) "
        "does not match the expected compute(self, *, real, fake, dataset)"
    )
    assert f"refused {reason}" in out
    code, _, err = run_cli("validate", suite_file(tmp_path, metrics='["real-norm"]'), "--plugins-dir", tmp_path)
    assert code == 2
    assert err.splitlines() == [
        f"ganbench: warning: plugin norms (file {path}) refused {reason}",
        f"ganbench: error: {tmp_path / 's.toml'}:4: metrics: metric 'real-norm' was refused when plugin norms "
        f"(file {path}) registered it: {reason}",
    ]


def test_a_keyword_only_metric_gets_the_real_samples_as_real(tmp_path, run_cli):
    """On the ring (radius 2, σ 0.02) real samples lie at distance 2 from the origin; an untrained
    generator's do not. The trainer passes each by keyword, so the metric sees real as real."""
    plugin(tmp_path, "norms", POSITIONAL_METRIC.replace("compute(self, real, fake", "compute(self, *, real, fake"))
    suite = suite_file(tmp_path, metrics='["real-norm", "energy"]')
    code, _, err = run_cli("run", suite, "--out", tmp_path / "out", "--plugins-dir", tmp_path, "--jobs", "1")
    assert code == 0, err
    (history,) = [p for p in (tmp_path / "out" / "tiny").glob("*/history.jsonl")]
    norms = [json.loads(line)["real_norm"] for line in history.read_text().splitlines()]
    assert norms == pytest.approx([2.0] * 3, abs=0.01)


# ------------------------------------------------------------------ 3. invalid registrations stay local

MIXED = """
@dataclasses.dataclass(frozen=True)
class Nameless(ganbench.Metric):
    outputs: ClassVar[dict] = {"x": "min"}

    def compute(self, *, real, fake, dataset):
        return {"x": 0.0}

@ganbench.hookimpl
def register_metrics(register):
    register(Nameless)
    register(Nameless())
"""


def test_a_nonclass_and_a_nameless_class_are_refused_and_everything_else_works(tmp_path, run_cli):
    path = plugin(tmp_path, "mixed", MIXED)
    (tmp_path / "fine.py").write_text(OBJECTIVE_FILE.format(name="fine"))
    code, out, _ = run_cli("plugins", "--plugins-dir", tmp_path)
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("mixed "))
    assert (
        f"refused class Nameless, file {path}:{class_line(path)}: "
        'a metric needs a name: name: ClassVar[str] = "my-metric"' in row
    )
    assert "refused registered Nameless() as a metric, which is not a class: register the class itself" in row
    code, out, err = run_cli("validate", suite_file(tmp_path, objective="fine"), "--plugins-dir", tmp_path)
    assert code == 0, err
    assert "ok — 1 trial " in out and "ganbench: warning: plugin mixed" in err


def test_a_name_clash_with_a_builtin_fails_only_the_suites_that_use_it(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("GANBENCH_PLUGINS", "clash")  # whatever else is installed
    clash = tmp_path / "clash.py"
    clash.write_text(OBJECTIVE_FILE.format(name="hinge"))
    code, out, _ = run_cli("plugins", "--plugins-dir", tmp_path)
    assert code == 0 and "refused objective 'hinge': already registered by ganbench.objectives.margin" in out
    assert run_cli("validate", suite_file(tmp_path), "--plugins-dir", tmp_path)[0] == 0
    code, _, err = run_cli("validate", suite_file(tmp_path, objective="hinge"), "--plugins-dir", tmp_path)
    assert code == 2
    error = err.splitlines()[-1]
    assert (
        error.startswith("ganbench: error: ") and ":21: objectives[0].name: objective 'hinge' is registered by" in error
    )
    assert f"ganbench.objectives.margin (built-in) and by clash (file {clash})" in error
    assert error.endswith("load only one: GANBENCH_PLUGINS= leaves clash out")
    monkeypatch.setenv("GANBENCH_PLUGINS", "")  # the remedy the message gives
    assert run_cli("validate", suite_file(tmp_path, objective="hinge"), "--plugins-dir", tmp_path)[0] == 0


def test_two_external_plugins_with_one_name_get_a_remedy_for_each(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_PLUGINS", "ganbench_twin,other")
    write_dist(tmp_path, "ganbench-twin", "ganbench_twin", OBJECTIVE_FILE.format(name="twin"))
    monkeypatch.syspath_prepend(str(tmp_path))
    local = tmp_path / "local"
    local.mkdir()
    (local / "other.py").write_text(OBJECTIVE_FILE.format(name="twin"))
    try:
        with pytest.raises(ConfigError) as err:
            load_plugins(local).get("objectives", "twin")
    finally:
        sys.modules.pop("ganbench_twin", None)
    assert str(err.value).endswith(
        "load only one: GANBENCH_PLUGINS=ganbench_twin leaves other out; "
        "or GANBENCH_PLUGINS=other leaves ganbench_twin out"
    )


# ------------------------------------------------------------------ 4. hooks that are never called

TYPOS = """
@dataclasses.dataclass(frozen=True)
class Lost(ganbench.Objective):
    name: ClassVar[str] = "lost"

@ganbench.hookimpl
def register_objective(register):
    register(Lost)

def register_metrics(register):
    pass
"""


def test_a_typod_or_undecorated_hook_is_a_warning_not_a_silent_ok(tmp_path, run_cli):
    plugin(tmp_path, "typos", TYPOS)
    code, out, _ = run_cli("plugins", "--plugins-dir", tmp_path)
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("typos "))
    assert " ok " not in row and "warning: implements no ganbench hook" in row
    code, _, err = run_cli("list", "objectives", "--plugins-dir", tmp_path)  # every command warns
    assert code == 0
    warnings = [line.split("(file ", 1)[1].split("): ", 1)[1] for line in err.splitlines()]
    assert warnings == [
        "implements no ganbench hook (register_objectives, register_penalties, register_datasets, "
        "register_models, register_metrics, register_executors, register_loggers), so it registers nothing",
        "register_metrics is not marked @ganbench.hookimpl, so it is never called",
        "register_objective is marked @hookimpl but is not a ganbench hook (did you mean register_objectives?), "
        "so it is never called",
    ]


def test_an_unmarked_lookalike_is_named(tmp_path):
    plugin(
        tmp_path,
        "lookalike",
        OBJECTIVE_FILE.format(name="fine")
        .split("import ganbench", 1)[1]
        .replace("@ganbench.hookimpl\ndef register_objectives", "@ganbench.hookimpl\ndef register_objectives")
        + "\ndef register_dataset(register):\n    pass\n",
    )
    info = next(p for p in load_plugins(tmp_path).plugins if p.name == "lookalike")
    assert info.warnings == [
        "register_dataset is not a ganbench hook (did you mean register_datasets?), so it is never called"
    ]
    assert info.registered == {"objectives": ["fine"]}


# ------------------------------------------------------------------ 5. results record the code that made them


def test_editing_a_plugin_file_makes_a_new_trial_instead_of_reusing_results(tmp_path, run_cli):
    plugins_dir = tmp_path / "plugins"
    plugins_dir.mkdir()
    source = plugins_dir / "doubled.py"
    source.write_text(OBJECTIVE_FILE.format(name="doubled"))
    suite = suite_file(tmp_path, objective="doubled")
    args = ("run", suite, "--out", tmp_path / "out", "--plugins-dir", plugins_dir, "--jobs", "1")
    assert run_cli(*args)[0] == 0
    (first,) = (tmp_path / "out" / "tiny").glob("*/config.json")
    provider = json.loads(first.read_text())["objective"]["provider"]
    assert provider == ganbench.providers.file_provider(source) and provider["file"] == "doubled.py"

    code, _, err = run_cli(*args)  # unchanged: skipped
    assert code == 0 and "skipping 1 finished trial" in err
    source.write_text(source.read_text().replace("2 * (", "3 * ("))  # the loss edited
    code, _, err = run_cli(*args)
    assert code == 0 and "skipping" not in err and "running 1 trial" in err
    assert len(list((tmp_path / "out" / "tiny").glob("*/DONE"))) == 2


def test_a_new_distribution_version_or_ganbench_version_makes_new_trial_ids(tmp_path, monkeypatch, registry):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    write_dist(tmp_path / "a", "ganbench-versioned", "ganbench_versioned", OBJECTIVE_FILE.format(name="ep"), "1.0")
    write_dist(tmp_path / "b", "ganbench-versioned", "ganbench_versioned", OBJECTIVE_FILE.format(name="ep"), "1.1")
    suite = suite_file(tmp_path, objective="ep")
    ids = []
    for where in ("a", "b"):
        with monkeypatch.context() as m:
            m.syspath_prepend(str(tmp_path / where))
            ids.append(load_suite(suite, load_plugins(None)).trials[0].id)
            sys.modules.pop("ganbench_versioned", None)  # the next load imports the other copy
    assert ids[0] != ids[1]
    builtin = load_suite(suite_file(tmp_path), registry).trials[0]
    monkeypatch.setattr(ganbench.plugins, "__version__", "99.0")
    upgraded = load_suite(suite_file(tmp_path), load_plugins(None)).trials[0]
    assert upgraded.objective.provider == {"ganbench": "99.0"} and upgraded.id != builtin.id


def test_an_editable_distribution_records_its_source_so_an_edit_makes_new_trials(tmp_path, monkeypatch):
    """`pip install -e` lets the code change without a new version: such a distribution (PEP 610's
    direct_url.json says editable) also records the SHA-256 of its plugin's source."""
    write_dist(tmp_path, "ganbench-live", "ganbench_live", OBJECTIVE_FILE.format(name="live"))
    info = next(tmp_path.glob("*.dist-info"))
    (info / "direct_url.json").write_text('{"url": "file:///src/live", "dir_info": {"editable": true}}')
    monkeypatch.syspath_prepend(str(tmp_path))
    suite = suite_file(tmp_path, objective="live")
    ids = []
    try:
        for _ in range(2):
            registry = load_plugins(None)
            provider = registry.provider("objectives", "live")
            assert provider == {
                "distribution": "ganbench-live",
                "version": "1.2.3",
                "sha256": ganbench.providers.source_digest(sys.modules["ganbench_live"]),
            }
            ids.append(load_suite(suite, registry).trials[0].id)
            sys.modules.pop("ganbench_live")
            (tmp_path / "ganbench_live.py").write_text(OBJECTIVE_FILE.format(name="live").replace("2 * (", "3 * ("))
    finally:
        sys.modules.pop("ganbench_live", None)
    assert ids[0] != ids[1]


def test_a_trial_refuses_to_run_with_code_other_than_it_recorded(tmp_path):
    source = tmp_path / "doubled.py"
    source.write_text(OBJECTIVE_FILE.format(name="doubled"))
    trial = load_suite(suite_file(tmp_path, objective="doubled"), load_plugins(tmp_path)).trials[0]
    trial.instantiate(load_plugins(tmp_path))  # same code: fine
    source.write_text(source.read_text() + "\n# edited\n")
    with pytest.raises(ConfigError, match=r"objective 'doubled' was resolved with file doubled.py \(sha256 "):
        trial.instantiate(load_plugins(tmp_path))


# ------------------------------------------------------------------ 6. --plugins-dir more than once


def test_every_plugins_dir_given_is_loaded_in_order(tmp_path, run_cli):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    (one / "first.py").write_text(OBJECTIVE_FILE.format(name="first"))
    (two / "second.py").write_text(OBJECTIVE_FILE.format(name="second"))
    (two / "first.py").write_text(OBJECTIVE_FILE.format(name="shadow"))
    code, out, _ = run_cli("plugins", "--plugins-dir", one, "--plugins-dir", two)
    assert code == 3  # the second first.py is not loaded: a plugin that failed to load
    assert "objectives: first" in out and "objectives: second" in out and "shadow" not in out.split("plugins dir")[0]
    assert f"a plugin file named first.py is already loaded from {one}" in out
    assert out.splitlines()[-2:] == [
        f"plugins directory: {one} (loaded because --plugins-dir {one} was given)",
        f"plugins directory: {two} (loaded because --plugins-dir {two} was given)",
    ]


def test_workers_load_every_plugins_dir(tmp_path, run_cli):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    (one / "first.py").write_text(OBJECTIVE_FILE.format(name="first"))
    (two / "second.py").write_text(OBJECTIVE_FILE.format(name="second"))
    suite = suite_file(tmp_path, objective="first", extra='\n[[objectives]]\nname = "second"\n')
    args = ("run", suite, "--out", tmp_path / "out", "--plugins-dir", one, "--plugins-dir", two, "--jobs", "2")
    code, _, err = run_cli(*args)
    assert code == 0, err
    finals = [json.loads(p.read_text())["status"] for p in (tmp_path / "out" / "tiny").glob("*/final.json")]
    assert finals == ["complete", "complete"]


# ------------------------------------------------------------------ 7. metrics per dataset

PER_DATASET = """
[[datasets]]
name = "digits"
metrics = ["class-modes"]
"""


def test_suite_metrics_apply_where_supported_and_validate_lists_what_it_skips(tmp_path, run_cli, registry):
    suite = suite_file(tmp_path, metrics='["modes", "energy"]', extra=PER_DATASET)
    code, out, err = run_cli("validate", suite)
    assert code == 0, err
    assert out.splitlines()[1:] == [
        "  skips metric 'modes' on dataset 'digits': dataset 'digits' has no discrete modes for the 'modes' metric"
    ]
    loaded = load_suite(suite, registry)
    by_dataset = {t.dataset.name: [m.name for m in t.metrics] for t in loaded.trials}
    assert by_dataset == {"ring": ["modes", "energy"], "digits": ["energy", "class-modes"]}
    assert [(c.covered, c.total) for c in loaded.coverage] == [
        ("modes_captured", "modes_total"),
        ("modes_covered", "modes_total"),
    ]


def test_a_datasets_own_metric_that_cannot_measure_it_is_an_error(tmp_path, run_cli):
    suite = suite_file(tmp_path, extra='\n[[datasets]]\nname = "grid"\nmetrics = ["energy", "fd"]\n')
    code, _, err = run_cli("validate", suite)
    assert code == 2
    assert err.strip().endswith(
        ":25: datasets[1].metrics[1]: metric 'fd' needs an image dataset with labels; 'grid' is not one"
    )


def test_a_datasets_own_entry_replaces_the_suites_for_that_dataset(tmp_path, registry):
    extra = '\n[[datasets]]\nname = "grid"\nmetrics = [{ name = "energy", samples = 50 }]\n'
    suite = load_suite(suite_file(tmp_path, metrics='["energy"]', extra=extra), registry)
    params = {t.dataset.name: [m.params for m in t.metrics] for t in suite.trials}
    assert params == {"ring": [{"samples": 1000}], "grid": [{"samples": 50}]}


# ------------------------------------------------------------------ 8. a third-party coverage metric

HITS = """
@dataclasses.dataclass(frozen=True)
class Hits(ganbench.Metric):
    \"\"\"Modes hit by some sample within 0.5 of its centre.\"\"\"

    name: ClassVar[str] = "hits"
    outputs: ClassVar[dict] = {"hit": "max", "of": ""}
    coverage: ClassVar = ganbench.Coverage(covered="hit", total="of", text="hit {covered:.0f} of {total:.0f}")

    def compute(self, *, real, fake, dataset):
        near = torch.cdist(fake, dataset.mode_centers()).min(dim=0).values < 0.5
        return {"hit": float(near.sum()), "of": float(len(near))}

@ganbench.hookimpl
def register_metrics(register):
    register(Hits)
"""


def test_a_third_party_coverage_metric_gets_the_convergence_figure_and_the_progress_text(tmp_path, run_cli):
    plugin(tmp_path, "hits", HITS)
    suite = suite_file(tmp_path, metrics='["hits", "energy"]')
    code, out, err = run_cli("run", suite, "--out", tmp_path / "out", "--plugins-dir", tmp_path, "--jobs", "1")
    assert code == 0, err
    (final_file,) = (tmp_path / "out" / "tiny").glob("*/final.json")
    final = json.loads(final_file.read_text())
    history = [json.loads(line) for line in final_file.with_name("history.jsonl").read_text().splitlines()]
    full = [r["step"] for r in history if r["hit"] >= r["of"]]
    assert final["convergence"]["all_modes_step"] == (full[0] if full else None)
    assert f"hit {final['metrics']['hit']:.0f} of 8" in err
    assert "all_modes_step ↓" in out
