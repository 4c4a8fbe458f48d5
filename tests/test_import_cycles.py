"""No import cycle among ganbench's modules, type-only (``if TYPE_CHECKING:``) imports included:
each layer imports only layers below it. Imports inside functions are left out (they run when
called, and are how a command defers torch)."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

PACKAGE = ROOT / "ganbench"


def modules() -> dict[str, tuple[ast.Module, bool]]:
    """Dotted name -> (parsed source, whether it is a package's __init__)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        out[name] = (ast.parse(path.read_text(encoding="utf-8")), is_package)
    return out


def imports(name: str, tree: ast.Module, is_package: bool, known: set[str]) -> set[str]:
    """The ganbench modules ``name`` imports outside functions: ``from ganbench import x`` is the
    submodule x where there is one, else the package itself."""

    def module(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    found: set[str | None] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Import):
                found.update(module(alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = name if is_package else name.rpartition(".")[0]
                    for _ in range(child.level - 1):
                        package = package.rpartition(".")[0]
                    base = f"{package}.{base}".rstrip(".")
                for alias in child.names:
                    full = f"{base}.{alias.name}"
                    found.add(full if full in known else module(base))
            visit(child)

    visit(tree)
    return {m for m in found if m is not None and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_sees_type_only_and_relative_imports():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import X\nfrom . import c\n")
    assert imports("p.a", tree, False, {"p", "p.a", "p.b", "p.c"}) == {"p.b", "p.c"}
    lazy = ast.parse("def f():\n    import p.b\n")
    assert imports("p.a", lazy, False, {"p", "p.a", "p.b"}) == set()


def test_no_module_of_the_package_is_part_of_an_import_cycle():
    parsed = modules()
    known = set(parsed)
    graph = {name: imports(name, tree, is_package, known) for name, (tree, is_package) in parsed.items()}
    assert len(graph) > 50 and "ganbench.registry" in graph["ganbench.plugins"]
    assert cycles(graph) == []
