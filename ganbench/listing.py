"""What ``ganbench list`` prints: tables of the registered components, from their own declarations.

Nothing here is written twice: an objective's generator loss is its ``describe_generator``,
its defaults are its validated ``hyper``, and its formulas (the f-GANs' f, g_f and f*) are its
``formulas()``.  The README's objective tables are this module's Markdown output, and a test
keeps the two equal.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from typing import Any, Literal

from tabulate import tabulate

from ganbench import kinds
from ganbench.components import param_table
from ganbench.kinds import Kind
from ganbench.objectives.base import Hyper, Objective
from ganbench.registry import Registry


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
    if hyper.pack > 1:
        text += f", pack={hyper.pack}"
    return text


def _render(headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    """A plain-text table, or a compact GitHub Markdown one (as the README's tables are written)."""
    if not markdown:
        return str(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))

    def line(cells: list[str]) -> str:  # a literal '|' (as in ½∫|p - q|) would end a cell
        return "| " + " | ".join(" ".join(c.split()).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(headers), "|" + "---|" * len(headers), *map(line, rows)])


def bounds_text(meta: typing.Mapping[str, Any]) -> str:
    """A parameter's bounds as a suite may set them: '> 0', '[1, 1000]', '(0, 10]', '≤ 1', ''."""
    lo, hi, open_lo = meta.get("min"), meta.get("max"), meta.get("exclusive_min")
    if lo is not None and hi is not None:
        return f"{'(' if open_lo else '['}{_number(lo)}, {_number(hi)}]"
    if lo is not None:
        return f"{'>' if open_lo else '≥'} {_number(lo)}"
    if hi is not None:
        return f"≤ {_number(hi)}"
    return ""


def _number(x: float) -> str:
    """2147483647, 1000000, 0.99999, 1e-12: whole numbers in full, others as Python writes them."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else repr(float(x))


def option_rows(classes: list[tuple[str, Any]]) -> list[list[str]]:
    """One row per option (name, type, default, bounds, help); components whose option is the
    same in every respect share a row, their names joined."""
    rows: dict[tuple[str, ...], list[str]] = {}
    for name, cls in classes:
        if not hasattr(cls, "param_fields"):
            continue
        meta = {f.name: f.metadata for f in cls.param_fields()}
        for option, type_text, default, help_text in param_table(cls):
            key = (option, type_text, json.dumps(default), bounds_text(meta[option]), help_text)
            rows.setdefault(key, []).append(name)
    return [[", ".join(names), *key] for key, names in rows.items()]


def outputs_text(cls: Any) -> str:
    """'modes_captured ↑, modes_total, reverse_kl ↓; coverage: modes_captured of modes_total'."""
    text = ", ".join(f"{k} {ARROWS[d]}".strip() for k, d in cls.outputs.items())
    if cls.coverage is not None:
        text += f"; coverage: {cls.coverage.covered} of {cls.coverage.total}"
    return text


ARROWS = {"max": "↑", "min": "↓", "": ""}
OPTION_HEADERS = ["option", "type", "default", "bounds", "help"]


def parameters_text(cls: Any) -> str:
    """'n_modes=8, radius=2.0': every option with its default."""
    params = param_table(cls) if hasattr(cls, "param_fields") else []
    return ", ".join(f"{p}={json.dumps(d)}" for p, _, d, _ in params)


#: each column a kind's table may have (:attr:`ganbench.kinds.Kind.columns`): the cell of one class
COLUMNS: dict[str, Callable[[Any], str]] = {
    "description": lambda cls: getattr(cls, "description", ""),
    "parameters (defaults)": parameters_text,
    "outputs": outputs_text,
    # the weight a suite gets when it gives none
    "default weight": lambda cls: f"{cls.default_weight:g}",
    # whether its trials can train together as one vectorised group
    "vectorises": lambda cls: "yes" if getattr(cls, "vectorizes", True) else "no (trials train one at a time)",
    "family": lambda cls: cls.family,
    "divergence": lambda cls: "none (estimates no divergence)" if cls.divergence is None else cls.divergence,
    "reports": lambda cls: cls.reports,
    "generator loss": generator_text,
    "defaults": lambda cls: hyper_text(cls.default_hyper()),
    "reference": lambda cls: cls.reference,
}

Classes = list[tuple[str, Any]]
Tables = list[tuple[str, str]]


def options_tables(kind: Kind, classes: Classes, markdown: bool) -> Tables:
    """Every option of the kind's components, each with its type, default, bounds and help."""
    options = option_rows(classes)
    if not options:
        return []
    return [(f"options of each {kind.singular}", _render([kind.singular, *OPTION_HEADERS], options, markdown))]


def formulas_tables(kind: Kind, classes: Classes, markdown: bool) -> Tables:
    """For the components that declare ``formulas()`` (the f-GANs' f, g_f and f*): one table
    per family and set of formulas."""
    groups: dict[tuple[str, tuple[str, ...]], list[list[str]]] = {}
    for name, cls in classes:
        formulas = cls.formulas()
        if formulas:
            groups.setdefault((cls.family, tuple(formulas)), []).append([name, *formulas.values()])
    out = []
    for (family, headings), formula_rows in groups.items():
        caption = f"formulas of the {family} family" if family else "formulas"
        out.append((caption, _render([kind.singular, *headings], formula_rows, markdown)))
    return out


def hyperparameters_tables(kind: Kind, classes: Classes, markdown: bool) -> Tables:
    """The hyperparameters every objective takes, with their bounds and help."""
    hyper = [row[1:] for row in option_rows([("", Hyper)])]
    caption = f"hyperparameters: every {kind.singular} takes these; its defaults are in the 'defaults' column"
    return [(caption, _render(["hyperparameter", *OPTION_HEADERS[1:]], hyper, markdown))]


#: each table a kind's listing may have after its own (:attr:`ganbench.kinds.Kind.tables`)
TABLES: dict[str, Callable[[Kind, Classes, bool], Tables]] = {
    "formulas": formulas_tables,
    "options": options_tables,
    "hyperparameters": hyperparameters_tables,
}


def tables(registry: Registry, kind: str, markdown: bool = False) -> Tables:
    """(caption, table) pairs for one kind of component (plural: 'objectives'), in registration
    order: first the kind's own table (its caption empty), one row per component with the
    columns of the kind's row in :data:`ganbench.kinds.TABLE`, then the further tables it names."""
    row = kinds.get(kind)
    classes = list(registry.items[kind].items())
    rows = [[name, *(COLUMNS[column](cls) for column in row.columns)] for name, cls in classes]
    out = [("", _render([row.singular, *row.columns], rows, markdown))]
    for table in row.tables:
        out += TABLES[table](row, classes, markdown)
    return out
