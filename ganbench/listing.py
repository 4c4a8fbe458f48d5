"""What ``ganbench list`` prints: tables of the registered components, from their own declarations.

Nothing here is written twice: an objective's generator loss is its ``describe_generator``,
its defaults are its validated ``hyper``, and its formulas (the f-GANs' f, g_f and f*) are its
``formulas()``.  The README's objective tables are this module's Markdown output, and a test
keeps the two equal.
"""

from __future__ import annotations

import json
import typing
from typing import Any, Literal

from tabulate import tabulate

from ganbench.components import param_table
from ganbench.objectives.base import Hyper, Objective
from ganbench.plugins import SINGULAR, Registry

OBJECTIVE_HEADERS = ["objective", "family", "divergence", "reports", "generator loss", "defaults", "reference"]


def option_choices(cls: type[Any]) -> list[tuple[str, Any]]:
    """(option, value) for every value of every option with finitely many values (a Literal or a bool)."""
    hints = typing.get_type_hints(cls)
    choices = []
    for field in cls.param_fields():
        tp = hints[field.name]
        if typing.get_origin(tp) is Literal:
            values: tuple[Any, ...] = typing.get_args(tp)
        elif tp is bool:
            values = (False, True)
        else:
            continue
        choices += [(field.name, value) for value in values]
    return choices


def generator_text(cls: type[Objective]) -> str:
    """The generator loss with the default options and, when an option changes it, the loss for
    each other value of that option, marked with the setting that selects it."""
    default = cls()
    text = default.describe_generator()
    alternatives = []
    for option, value in option_choices(cls):
        if value == getattr(default, option):
            continue
        other = cls(**{option: value}).describe_generator()
        if other != text:
            alternatives.append(f"{other} [{option} = {json.dumps(value)}]")
    return "; ".join([f"{text} [default]", *alternatives]) if alternatives else text


def hyper_text(hyper: Hyper) -> str:
    text = (
        f"n_critic={hyper.n_critic}, lr_g={hyper.lr_g:g}, lr_d={hyper.lr_d:g}, "
        f"betas=({hyper.betas[0]:g}, {hyper.betas[1]:g})"
    )
    if hyper.penalty_name is not None:
        text += f", penalty={hyper.penalty}×{hyper.penalty_weight:g}"
    if hyper.clip:
        text += f", clip={hyper.clip:g}"
    return text


def _render(headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    """A plain-text table, or a compact GitHub Markdown one (as the README's tables are written)."""
    if not markdown:
        return str(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))

    def line(cells: list[str]) -> str:  # a literal '|' (as in ½∫|p - q|) would end a cell
        return "| " + " | ".join(" ".join(c.split()).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(headers), "|" + "---|" * len(headers), *map(line, rows)])


def tables(registry: Registry, kind: str, markdown: bool = False) -> list[tuple[str, str]]:
    """(caption, table) pairs for one kind of component, in registration order; the first
    table, the kind's own, has an empty caption."""
    classes = list(registry.items[kind].items())
    if kind != "objectives":
        rows = []
        for name, cls in classes:
            params = param_table(cls) if hasattr(cls, "param_fields") else []
            defaults = ", ".join(f"{p}={json.dumps(d)}" for p, _, d, _ in params)
            rows.append([name, getattr(cls, "description", ""), defaults])
        headers = [SINGULAR[kind], "description", "parameters (defaults)"]
        if kind == "penalties":  # the weight a suite gets when it gives none
            headers.append("default weight")
            for row, (_, cls) in zip(rows, classes, strict=True):
                row.append(f"{cls.default_weight:g}")
        if kind == "models":  # whether its trials can train together as one vectorised group
            headers.append("vectorises")
            for row, (_, cls) in zip(rows, classes, strict=True):
                row.append("yes" if cls.vectorizes else "no (trials train one at a time)")
        return [("", _render(headers, rows, markdown))]

    rows = [
        [
            name,
            cls.family,
            cls.divergence,
            cls.reports,
            generator_text(cls),
            hyper_text(cls.default_hyper()),
            cls.reference,
        ]
        for name, cls in classes
    ]
    out = [("", _render(OBJECTIVE_HEADERS, rows, markdown))]
    # objectives that declare formulas: one table per family and set of formulas
    groups: dict[tuple[str, tuple[str, ...]], list[list[str]]] = {}
    for name, cls in classes:
        formulas = cls.formulas()
        if formulas:
            groups.setdefault((cls.family, tuple(formulas)), []).append([name, *formulas.values()])
    for (family, headings), formula_rows in groups.items():
        caption = f"formulas of the {family} family" if family else "formulas"
        out.append((caption, _render(["objective", *headings], formula_rows, markdown)))
    return out
