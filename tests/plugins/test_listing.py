"""`ganbench list objectives`: printed from the objectives' own declarations, equal to the README's
tables, and, for the f-GAN formulas, equal to the mathematics of Nowozin et al. (`tests/helpers/reference.py`)."""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest
from scipy import optimize, special

from tests.helpers import reference
from tests.helpers.project import ROOT

MARKER = "<!-- output of: ganbench list objectives --format md -->"


def markdown_tables(text: str) -> list[list[str]]:
    """Every block of consecutive lines that start with '|', in order."""
    tables: list[list[str]] = []
    previous = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous:
            tables.append([])
        if is_row:
            tables[-1].append(line)
        previous = is_row
    return tables


def cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]


@pytest.fixture
def listed(run_cli, monkeypatch) -> str:
    monkeypatch.setenv("GANBENCH_PLUGINS", "")  # the built-ins only, whatever else is installed
    code, out, err = run_cli("list", "objectives", "--format", "md")
    assert code == 0, err
    return out


# ------------------------------------------------------------------ the README is the command's output


def test_the_readme_objective_tables_are_what_ganbench_list_prints(listed):
    readme = (ROOT / "README.md").read_text()
    marked = [markdown_tables(part)[0] for part in readme.split(MARKER)[1:]]
    assert all(part.split(MARKER)[0].lstrip("\n").startswith("|") for part in readme.split(MARKER)[1:]), (
        "each marker must sit right above its table"
    )
    printed = markdown_tables(listed)
    assert len(printed) == 4  # the objectives, the f-GAN family's formulas, the options, the hyperparameters
    assert marked == printed, "README.md is out of date: paste `ganbench list objectives --format md` below each marker"


def test_the_listing_covers_every_objective_and_every_declared_formula(listed, registry):
    objectives, formulas, _options, _hyper = markdown_tables(listed)
    assert [cells(row)[0] for row in objectives[2:]] == list(registry.items["objectives"])  # registration order
    declaring = [name for name, cls in registry.items["objectives"].items() if cls.formulas()]
    assert [cells(row)[0] for row in formulas[2:]] == declaring
    assert set(declaring) == set(reference.F_TABLE)


# ------------------------------------------------------------------ one generator-loss text, every choice

PLUGIN = textwrap.dedent(
    """
    import dataclasses
    from typing import ClassVar, Literal
    import ganbench

    @dataclasses.dataclass(frozen=True)
    class Choosy(ganbench.Objective):
        name: ClassVar[str] = "choosy"
        hyper: ClassVar[dict] = {"n_critic": 3}
        loss: Literal["linear", "square", "cube"] = ganbench.param("square")
        verbose: bool = ganbench.param(False)  # an option the generator-loss text does not depend on

        def describe_generator(self):
            return {"linear": "-E D", "square": "E D²", "cube": "-E D³"}[self.loss]

        def critic_loss(self, real, fake):
            return ganbench.mean(fake) - ganbench.mean(real)

        def generator_loss(self, real, fake):
            return -ganbench.mean(fake)

        def estimate(self, real, fake):
            return ganbench.mean(real) - ganbench.mean(fake)

    @ganbench.hookimpl
    def register_objectives(register):
        register(Choosy)
    """
)


def test_the_generator_loss_is_listed_for_every_choice_of_an_option_that_changes_it(run_cli, tmp_path):
    (tmp_path / "choosy.py").write_text(PLUGIN)
    code, out, err = run_cli("list", "objectives", "--plugins-dir", tmp_path)
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith("choosy "))
    assert 'E D² [default]; -E D [loss = "linear"]; -E D³ [loss = "cube"]' in row
    assert "verbose" not in row
    assert "n_critic=3, lr_g=0.0002" in row


def test_an_f_gan_lists_both_generator_losses_from_its_one_description(listed, registry):
    row = next(cells(line) for line in listed.splitlines() if line.startswith("| hellinger "))
    cls = registry.get("objectives", "hellinger")
    assert row[4] == (
        'non-saturating: -E_q[1 - exp(-V)] [default]; saturating: -E_q[exp(V) - 1] [generator = "saturating"]'
    )
    assert cls(generator="saturating").describe_generator() == "saturating: -E_q[exp(V) - 1]"


# ------------------------------------------------------------------ the printed f-GAN formulas are right

FUNCTIONS = {"log", "exp", "sqrt", "tanh", "abs", "W"}


def to_python(text: str) -> str:
    """The table's notation as a Python expression: 'u log u' -> 'u * log(u)', '(√u - 1)²' ->
    '(sqrt(u) - 1) ** 2', '½|u - 1|' -> '0.5 * abs(u - 1)', 'W(e^(1-t))' -> 'W(exp(1 - t))'."""
    s = re.sub(r"\|([^|]*)\|", r"abs(\1)", text)
    s = s.replace("√", " sqrt ").replace("²", "**2").replace("½", "0.5 ").replace("e^(", "exp(").replace("^", "**")
    tokens = re.findall(r"\d+\.?\d*|\w+|\*\*|\S", s)

    def atom(token: str) -> bool:
        return token not in FUNCTIONS and (token[0].isalnum() or token[0] == "_")

    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in FUNCTIONS and i + 1 < len(tokens) and atom(tokens[i + 1]):  # 'log u', 'log 2', '√u'
            token, i = f"{token}({tokens[i + 1]})", i + 1
        if out and (atom(out[-1]) or out[-1].endswith(")")) and (atom(token) or token in FUNCTIONS or token == "("):
            out.append("*")  # implicit multiplication: 'u log u', '(u + 1) log(u + 1)', '2√(1 - t)'
        out.append(token)
        i += 1
    return " ".join(out)


def evaluate(text: str, var: str, values: np.ndarray) -> np.ndarray:
    namespace = {
        "log": np.log,
        "exp": np.exp,
        "sqrt": np.sqrt,
        "tanh": np.tanh,
        "abs": np.abs,
        "W": lambda x: special.lambertw(x).real,
        var: values,
    }
    return np.asarray(eval(to_python(text), namespace), dtype=float)  # the text of our own table, read in a test


def test_the_notation_reader():
    assert to_python("-(u + 1) log((1 + u)/2) + u log u") == "- ( u + 1 ) * log ( ( 1 + u ) / 2 ) + u * log(u)"
    assert to_python("2 - 2√(1 - t)") == "2 - 2 * sqrt ( 1 - t )"
    assert to_python("log 2 - log(1 + exp(-v))") == "log(2) - log ( 1 + exp ( - v ) )"
    assert to_python("½|u - 1|") == "0.5 * abs ( u - 1 )"


def conjugate(f, t: float) -> float:
    """f*(t) = sup over u > 0 of t·u - f(u), maximised numerically over log u (t·u - f(u) is concave in u)."""
    result = optimize.minimize_scalar(
        lambda s: -(t * np.exp(s) - f(np.exp(s))), bounds=(-30.0, 30.0), method="bounded", options={"xatol": 1e-11}
    )
    return float(-result.fun)


def test_the_printed_f_gan_formulas_are_those_of_nowozin_et_al(listed):
    """Each row's f(u) and g_f(v) equal the reference table's, and its f*(t) is the convex
    conjugate of the reference f, computed by numerical maximisation, on the range of g_f."""
    table = markdown_tables(listed)[1]
    headers = cells(table[0])
    u = np.array([0.05, 0.3, 0.9, 1.0, 1.7, 4.0, 20.0])
    v = np.array([-1.0, -0.3, 0.0, 0.2, 0.8, 1.5])
    for line in table[2:]:
        row = dict(zip(headers, cells(line), strict=True))
        ref = reference.F_TABLE[row["objective"]]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.testing.assert_allclose(evaluate(row["f(u)"], "u", u), ref.f(u), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(evaluate(row["g_f(v)"], "v", v), ref.g(v), rtol=1e-12, atol=1e-12)
            t = ref.g(v)
            expected = [conjugate(ref.f, ti) for ti in t]
            np.testing.assert_allclose(evaluate(row["f*(t)"], "t", t), expected, rtol=1e-6, atol=1e-8)
