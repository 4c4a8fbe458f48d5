"""The table of component kinds (ganbench/kinds.py): every row has all that ganbench needs of a
kind (a documented hook, a public base class, a contract, a kit check, a template, listing
columns), and the registry, the loader and the command line take their kinds from it."""

from __future__ import annotations

import inspect
from importlib import resources

import pytest

import ganbench
from ganbench import hookspecs, kinds, listing, testing
from ganbench.kinds import HOOKS, KINDS, SCAFFOLDED, SINGULAR, TABLE

#: the kinds ``ganbench new`` does not write: an executor is built by ``ganbench run``, not a suite
NOT_SCAFFOLDED = {"executors"}

ROWS = [pytest.param(kind, id=kind.plural) for kind in TABLE]


def test_the_names_are_those_of_the_table():
    assert KINDS == ("objectives", "penalties", "datasets", "models", "metrics", "executors", "loggers")
    assert SINGULAR["penalties"] == "penalty" and SINGULAR["objectives"] == "objective"
    assert HOOKS == tuple(f"register_{kind}" for kind in KINDS)
    assert kinds.get("penalty") is kinds.get("penalties")
    assert [kinds.get(k).article for k in ("objective", "dataset")] == ["an objective", "a dataset"]


def test_the_hookspecs_are_exactly_the_tables_hooks():
    specs = {n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("register_")}
    assert specs == set(HOOKS)


@pytest.mark.parametrize("kind", ROWS)
def test_every_kind_has_a_documented_hook(kind):
    doc = inspect.getdoc(getattr(hookspecs, kind.hook))
    assert doc and "register(" in doc and kind.public in doc


@pytest.mark.parametrize("kind", ROWS)
def test_every_kind_has_a_public_base_class_with_what_its_contract_names(kind):
    base = kind.base_class()
    assert getattr(ganbench, base.__name__) is base and kind.public == f"ganbench.{base.__name__}"
    assert base.__name__ in ganbench.__all__
    for attr in (*kind.required, *kind.signatures, *kind.properties):
        assert hasattr(base, attr), f"{kind.public} has no {attr}"
    for attr in kind.properties:
        assert isinstance(inspect.getattr_static(base, attr), property)
    if kind.declarations:
        assert callable(kinds.resolve(kind.declarations))


@pytest.mark.parametrize("kind", ROWS)
def test_every_kind_but_the_executors_has_a_kit_check_a_template_and_a_suite_line(kind):
    if kind.plural in NOT_SCAFFOLDED:
        assert not (kind.kit or kind.template or kind.use)
        return
    assert kind.kit in testing.__all__ and callable(getattr(testing, kind.kit))
    assert (resources.files("ganbench.scaffold") / "templates" / f"{kind.template}.tmpl").is_file()
    assert "{name}" in kind.use
    assert SCAFFOLDED[kind.singular] is kind


@pytest.mark.parametrize("kind", ROWS)
def test_every_kind_has_a_listing(kind, registry):
    assert all(column in listing.COLUMNS for column in kind.columns)
    assert all(table in listing.TABLES for table in kind.tables)
    (caption, table), *_ = listing.tables(registry, kind.plural)
    assert caption == ""
    assert table.split()[0] == kind.singular
    assert all(name in table for name in registry.names(kind.plural))


def test_the_command_lines_choices_come_from_the_table():
    from ganbench.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    choices = {
        command: next(a.choices for a in commands[command]._actions if a.dest == "kind") for command in ("list", "new")
    }
    assert tuple(choices["list"]) == KINDS
    assert tuple(choices["new"]) == tuple(SCAFFOLDED)
    assert set(SCAFFOLDED) == {k.singular for k in TABLE if k.plural not in NOT_SCAFFOLDED}


def test_the_loader_calls_each_kinds_hook(registry):
    builtin = {kind for info in registry.plugins for kind in info.registered}
    assert builtin == set(KINDS)
