"""`ganbench list KIND` shows every option of every component, with its type, default, bounds and
help, plugins' components included, and, for metrics, the outputs and coverage they declare."""

from __future__ import annotations

import textwrap

import pytest

from ganbench.config import Hyper
from ganbench.kinds import KINDS
from ganbench.listing import bounds_text, option_rows

PLUGIN = textwrap.dedent(
    """
    import dataclasses
    from typing import ClassVar, Literal
    import ganbench

    @dataclasses.dataclass(frozen=True)
    class Tunable(ganbench.Objective):
        name: ClassVar[str] = "tunable"
        tau: float = ganbench.param(0.1, min=0.0, exclusive_min=True, help="smoothing temperature")
        a: int = ganbench.param(-1, min=-10, max=10, help="coding of fakes")
        mode: Literal["x", "y"] = ganbench.param("x", help="which variant")

        def critic_loss(self, real, fake):
            return ganbench.mean(fake) - ganbench.mean(real)

        def generator_loss(self, real, fake):
            return -ganbench.mean(fake)

        def estimate(self, real, fake):
            return ganbench.mean(real) - ganbench.mean(fake)

    @ganbench.hookimpl
    def register_objectives(register):
        register(Tunable)
    """
)


def rows_of(out: str, first: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")[1:-1]] for line in out.splitlines() if line.startswith(f"| {first} ")]


def test_a_plugin_objectives_options_are_listed_with_default_bounds_and_help(run_cli, tmp_path):
    (tmp_path / "tunable.py").write_text(PLUGIN)
    code, out, err = run_cli("list", "objectives", "--plugins-dir", tmp_path, "--format", "md")
    assert code == 0, err
    options = rows_of(out, "tunable")[1:]  # the first row is the objective's own
    assert options == [
        ["tunable", "tau", "a number", "0.1", "> 0", "smoothing temperature"],
        ["tunable", "a", "an integer", "-1", "[-10, 10]", "coding of fakes"],
        ["tunable", "mode", "one of 'x', 'y'", '"x"', "", "which variant"],
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_every_option_of_every_builtin_component_is_listed(run_cli, registry, kind):
    code, out, _ = run_cli("list", kind, "--format", "md")
    assert code == 0
    for name, cls in registry.items[kind].items():
        for field in cls.param_fields() if hasattr(cls, "param_fields") else []:
            line = next(
                (ln for ln in out.splitlines() if f" | {field.name} | " in ln and name in ln.split("|")[1]), None
            )
            assert line is not None, f"{kind}: {name}.{field.name} is not listed"
            assert bounds_text(field.metadata) in line and field.metadata["help"] in line


def test_bounds_are_written_as_a_suite_may_set_them():
    assert bounds_text({"min": 0.0, "exclusive_min": True}) == "> 0"
    assert bounds_text({"min": 1, "max": 1000}) == "[1, 1000]"
    assert bounds_text({"min": 0.0, "max": 10.0, "exclusive_min": True}) == "(0, 10]"
    assert bounds_text({"max": 0.5}) == "≤ 0.5"
    assert bounds_text({"min": 0, "max": 2**31 - 1}) == "[0, 2147483647]"
    assert bounds_text({}) == ""


def test_components_with_the_same_option_share_a_row():
    rows = option_rows([("a", Hyper), ("b", Hyper)])
    assert [r[:2] for r in rows][:2] == [["a, b", "n_critic"], ["a, b", "lr_g"]]


def test_metrics_are_listed_with_their_outputs_and_coverage(run_cli):
    code, out, _ = run_cli("list", "metrics")
    assert code == 0
    modes = next(line for line in out.splitlines() if line.startswith("modes "))
    assert "modes_captured ↑, modes_total, hq_percent ↑, reverse_kl ↓; coverage: modes_captured of modes_total" in modes
    classes = next(line for line in out.splitlines() if line.startswith("class-modes "))
    assert "coverage: modes_covered of modes_total" in classes
