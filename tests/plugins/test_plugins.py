"""Plugin discovery through pluggy: in-process, plugin files, real entry points; sources; errors."""

from __future__ import annotations

import dataclasses
import inspect
from typing import ClassVar

import pytest
import torch

import ganbench
from ganbench import hookspecs
from ganbench.errors import ConfigError
from ganbench.kinds import KINDS
from ganbench.plugins import BUILTIN_MODULES, load_plugins
from tests.helpers.plugins import OBJECTIVE_FILE, write_dist

# ---- one in-process plugin that implements every hook, so each hook is exercised ----


@dataclasses.dataclass(frozen=True)
class ConstantPenalty(ganbench.Penalty):
    name: ClassVar[str] = "test-constant"

    def __call__(self, critic, real, fake, draws):
        return torch.zeros(())


@dataclasses.dataclass(frozen=True)
class Line(ganbench.Dataset):
    name: ClassVar[str] = "test-line"
    sigma: float = ganbench.param(0.1, min=0.0, exclusive_min=True)

    @property
    def shape(self):
        return (1,)

    def sample(self, n, generator=None, device="cpu"):
        return self.sigma * torch.randn((n, 1), generator=generator, device=device)

    def mode_centers(self):
        return torch.zeros(1, 1)

    @property
    def mode_sigma(self):
        return self.sigma


@dataclasses.dataclass(frozen=True)
class Linear(ganbench.Model):
    name: ClassVar[str] = "test-linear"

    @property
    def latent_shape(self):
        return (1,)

    def build(self, dataset):
        return torch.nn.Linear(1, 1), torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.Flatten(0))


@dataclasses.dataclass(frozen=True)
class MeanAbs(ganbench.Metric):
    name: ClassVar[str] = "test-meanabs"
    outputs: ClassVar[dict[str, str]] = {"meanabs": ganbench.MIN}

    def compute(self, *, real, fake, dataset):
        return {"meanabs": float(fake.abs().mean())}


class Serial(ganbench.Executor):
    name: ClassVar[str] = "test-serial"

    def submit(self, fn, *args):
        raise NotImplementedError("registered, never run")


@dataclasses.dataclass(frozen=True)
class Silent(ganbench.Logger):
    name: ClassVar[str] = "test-silent"

    def evaluation(self, trial, *, step, values, samples):
        pass


class EveryHook:
    @ganbench.hookimpl
    def register_objectives(self, register):
        ns = {}
        exec(OBJECTIVE_FILE.format(name="test-doubled"), ns)
        register(ns["Doubled"])

    @ganbench.hookimpl
    def register_penalties(self, register):
        register(ConstantPenalty)

    @ganbench.hookimpl
    def register_datasets(self, register):
        register(Line)

    @ganbench.hookimpl
    def register_models(self, register):
        register(Linear)

    @ganbench.hookimpl
    def register_metrics(self, register):
        register(MeanAbs)

    @ganbench.hookimpl
    def register_executors(self, register):
        register(Serial)

    @ganbench.hookimpl
    def register_loggers(self, register):
        register(Silent)


EXPECTED = {
    "objectives": "test-doubled",
    "penalties": "test-constant",
    "datasets": "test-line",
    "models": "test-linear",
    "metrics": "test-meanabs",
    "executors": "test-serial",
    "loggers": "test-silent",
}


def hook_names():
    return sorted(n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("register_"))


def test_every_hook_is_documented():
    for name in hook_names():
        doc = inspect.getdoc(getattr(hookspecs, name))
        assert doc and "register(" in doc, f"hook {name} has no documentation of its register callback"


def test_every_hook_is_exercised_by_this_test_module():
    assert hook_names() == sorted(f"register_{k}" for k in EXPECTED)
    assert set(EXPECTED) == set(KINDS)


def test_an_in_process_plugin_registers_through_every_hook():
    registry = load_plugins(None, extra=[EveryHook()])
    info = next(p for p in registry.plugins if p.source == "in-process")
    for kind, name in EXPECTED.items():
        assert name in registry.names(kind)
        assert info.registered[kind] == [name]


def test_builtins_are_registered_through_the_same_hooks():
    registry = load_plugins(None)
    builtin = [p for p in registry.plugins if p.source == "built-in"]
    registered = {name for p in builtin for names in p.registered.values() for name in names}
    assert {"minimax", "nonsaturating", "hinge", "wgan-gp", "lsgan", "ring", "grid", "spiral", "mlp"} <= registered


def test_a_file_in_the_plugins_directory_is_loaded(tmp_path):
    (tmp_path / "doubled.py").write_text(OBJECTIVE_FILE.format(name="doubled"))
    registry = load_plugins(tmp_path)
    assert "doubled" in registry.names("objectives")
    info = next(p for p in registry.plugins if p.name == "doubled")
    assert info.source == f"file {tmp_path / 'doubled.py'}"


def test_a_real_entry_point_is_loaded_with_its_distribution(tmp_path, monkeypatch):
    write_dist(tmp_path, "ganbench-doubled", "ganbench_doubled", OBJECTIVE_FILE.format(name="ep-doubled"))
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = load_plugins(None)
    assert "ep-doubled" in registry.names("objectives")
    info = next(p for p in registry.plugins if p.name == "ganbench_doubled")
    assert info.source == "distribution ganbench-doubled 1.2.3"


def test_the_environment_variable_restricts_external_plugins(tmp_path, monkeypatch):
    write_dist(tmp_path, "ganbench-doubled", "ganbench_doubled", OBJECTIVE_FILE.format(name="ep-doubled"))
    monkeypatch.syspath_prepend(str(tmp_path))
    plugdir = tmp_path / "plugins"
    plugdir.mkdir()
    (plugdir / "local.py").write_text(OBJECTIVE_FILE.format(name="local-doubled"))
    monkeypatch.setenv("GANBENCH_PLUGINS", "local")
    names = load_plugins(plugdir).names("objectives")
    assert "local-doubled" in names and "ep-doubled" not in names
    monkeypatch.setenv("GANBENCH_PLUGINS", "")
    names = load_plugins(plugdir).names("objectives")
    assert "local-doubled" not in names and "ep-doubled" not in names and "minimax" in names


def test_a_duplicate_name_is_refused_to_both_and_named_with_both_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_PLUGINS", "clash")  # whatever else is installed
    (tmp_path / "clash.py").write_text(OBJECTIVE_FILE.format(name="hinge"))
    registry = load_plugins(tmp_path)  # loading never fails: only a suite naming 'hinge' does
    clash = next(p for p in registry.plugins if p.name == "clash")
    assert clash.refused == ["objective 'hinge': already registered by ganbench.objectives.margin (built-in)"]
    with pytest.raises(ConfigError) as err:
        registry.get("objectives", "hinge", "objectives[0].name")
    assert str(err.value) == (
        "objectives[0].name: objective 'hinge' is registered by ganbench.objectives.margin (built-in) and by "
        f"clash (file {tmp_path / 'clash.py'}), so no suite may use it; "
        "load only one: GANBENCH_PLUGINS= leaves clash out"
    )
    assert "lsgan" in registry.names("objectives")  # the built-in's other objectives are untouched


def test_a_plugin_that_fails_to_import_is_recorded_and_the_rest_work(tmp_path):
    (tmp_path / "broken.py").write_text("import os\n\nimport definitely_not_a_module\n")
    (tmp_path / "fine.py").write_text(OBJECTIVE_FILE.format(name="fine"))
    registry = load_plugins(tmp_path)
    broken = next(p for p in registry.plugins if p.name == "broken")
    # the plugin's own file and line, not importlib's '<frozen importlib._bootstrap>'
    assert broken.error == (
        f"ModuleNotFoundError: No module named 'definitely_not_a_module' at {tmp_path / 'broken.py'}:3"
    )
    assert "fine" in registry.names("objectives")


def test_a_plugin_that_fails_deeper_down_is_reported_at_its_own_line(tmp_path):
    (tmp_path / "calls.py").write_text("import json\n\njson.loads('{')\n")  # raises inside the json module
    (tmp_path / "syntax.py").write_text("x = 1\ndef f(:\n")
    registry = load_plugins(tmp_path)
    errors = {p.name: p.error for p in registry.plugins if p.error}
    assert errors["calls"].startswith("JSONDecodeError") and errors["calls"].endswith(f"at {tmp_path / 'calls.py'}:3")
    assert errors["syntax"].startswith("SyntaxError") and errors["syntax"].endswith(f"at {tmp_path / 'syntax.py'}:2")


def test_a_plugin_whose_hook_raises_is_recorded_and_rolled_back(tmp_path):
    (tmp_path / "raises.py").write_text(
        OBJECTIVE_FILE.format(name="half")
        + "\n@ganbench.hookimpl\ndef register_metrics(register):\n    raise RuntimeError('boom')\n"
    )
    registry = load_plugins(tmp_path)
    info = next(p for p in registry.plugins if p.name == "raises")
    assert "RuntimeError: boom" in info.error
    assert "half" not in registry.names("objectives")


# ---- what a plugin registers is checked as it registers ----

TYPO_HYPER = OBJECTIVE_FILE.format(name="typo").replace(
    'family: ClassVar[str] = "test"', 'family: ClassVar[str] = "test"\n    hyper: ClassVar[dict] = {HYPER}'
)


@pytest.mark.parametrize(
    ("hyper", "reason"),
    [
        ('{"n_critc": 5}', "hyper: unknown key 'n_critc'; did you mean 'n_critic'?"),
        ('{"lr_g": -1e-4}', "hyper.lr_g: must be > 0.0, got -0.0001"),
        ('{"betas": (0.5,)}', "hyper.betas: expected a list of 2 a number/a number, got (0.5,)"),
        ('[("n_critic", 5)]', "hyper must be a dict, got [('n_critic', 5)]"),
    ],
)
def test_an_objective_with_a_bad_hyper_is_refused_alone(tmp_path, hyper, reason):
    (tmp_path / "typo.py").write_text(
        TYPO_HYPER.replace("{HYPER}", hyper)
        + "\n@ganbench.hookimpl\ndef register_models(register):\n    register(Doubled)\n"
    )
    (tmp_path / "fine.py").write_text(OBJECTIVE_FILE.format(name="fine"))
    registry = load_plugins(tmp_path)
    info = next(p for p in registry.plugins if p.name == "typo")
    where = f"class Doubled, file {tmp_path / 'typo.py'}:6"
    assert info.error is None  # each component is judged alone
    assert info.refused == [
        f"objective 'typo' ({where}): {reason}",
        f"{where}: a model must be a subclass of ganbench.Model",
    ]
    assert info.registered == {}
    assert "typo" not in registry.names("objectives") and "fine" in registry.names("objectives")


def test_a_bad_hyper_is_blamed_on_the_plugin_not_on_the_suite(tmp_path, run_cli):
    (tmp_path / "typo.py").write_text(TYPO_HYPER.replace("{HYPER}", '{"n_critc": 5}'))
    suite = tmp_path / "s.toml"
    suite.write_text('[[datasets]]\nname = "ring"\n\n[[objectives]]\nname = "typo"\n')
    code, _, err = run_cli("validate", suite, "--plugins-dir", tmp_path)
    assert code == 2
    warning, error = err.splitlines()
    reason = (
        f"objective 'typo' (class Doubled, file {tmp_path / 'typo.py'}:6): "
        "hyper: unknown key 'n_critc'; did you mean 'n_critic'?"
    )
    assert warning == f"ganbench: warning: plugin typo (file {tmp_path / 'typo.py'}) refused {reason}"
    assert error == (
        f"ganbench: error: {suite}:5: objectives[0].name: objective 'typo' was refused when plugin typo "
        f"(file {tmp_path / 'typo.py'}) registered it: {reason}"
    )


def test_a_typo_in_a_builtin_hyper_fails_that_builtin(monkeypatch):
    from ganbench.objectives.margin import Hinge

    monkeypatch.setattr(Hinge, "hyper", {"n_critic": 5, "beta": (0.0, 0.9)})
    registry = load_plugins(None)
    margin = next(p for p in registry.plugins if p.name == "ganbench.objectives.margin")
    (refused,) = margin.refused
    assert refused.startswith("objective 'hinge' (class Hinge, file ") and refused.endswith(
        "hyper: unknown key 'beta'; did you mean 'betas'?"
    )
    assert "hinge" not in registry.names("objectives") and "lsgan" in registry.names("objectives")


def test_every_builtin_registers_cleanly():
    registry = load_plugins(None)
    assert [(p.name, p.status()) for p in registry.plugins if p.status() != "ok"] == []
    assert {p.name for p in registry.plugins if p.source == "built-in"} == set(BUILTIN_MODULES)


def test_components_are_registered_in_the_order_their_plugins_load(tmp_path):
    (tmp_path / "clash.py").write_text(OBJECTIVE_FILE.format(name="hinge"))
    with pytest.raises(ConfigError, match=r"by ganbench\.objectives\.margin \(built-in\) and by clash \(file "):
        load_plugins(tmp_path).get("objectives", "hinge")
    assert list(load_plugins(None).items["objectives"])[:3] == ["minimax", "nonsaturating", "hinge"]


def test_ganbench_plugins_exits_with_status_3_when_a_plugin_failed_to_load(tmp_path, run_cli):
    (tmp_path / "fine.py").write_text(OBJECTIVE_FILE.format(name="fine"))
    code, _, _ = run_cli("plugins", "--plugins-dir", tmp_path)
    assert code == 0
    (tmp_path / "broken.py").write_text("raise ImportError('missing dependency xyz')\n")
    code, out, err = run_cli("plugins", "--plugins-dir", tmp_path)
    assert code == 3 and "broken" in out
    assert err == "ganbench plugins: 1 plugin(s) failed to load: broken\n"
