"""The package's shape, as a specification: layers point down, no import cycles, small modules.

Every import of a ganbench module counts here, wherever it stands: at the top, inside a function
(a lazy import is still a dependency) or under ``typing.TYPE_CHECKING`` (a type-only import is
still a dependency of the code's meaning). The graph is read from the source with :mod:`ast`, so
the test needs no import of the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ganbench"
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


MODULES = _modules()


def _target(name: str) -> str | None:
    """The ganbench module that ``name`` (a module, or a module's attribute) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """The ganbench modules that ``module`` imports, anywhere in its source."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            names = [f"{origin}.{alias.name}" for alias in node.names] or [origin]
            names = [n if n.rpartition(".")[0] in MODULES or n in MODULES else origin for n in names]
        else:
            continue
        for name in names:
            target = _target(name) if name.startswith("ganbench") else None
            if target and target != module:
                found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
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
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_the_import_reader_sees_lazy_relative_and_type_only_imports(tmp_path):
    graph_of_registry = GRAPH["ganbench.registry"]
    assert "ganbench.errors" in graph_of_registry
    # every module of the package is a node, and the reader resolves `from x import name`
    assert "ganbench.plugins" in GRAPH and "ganbench.registry" in GRAPH["ganbench.plugins"]


def test_no_import_cycles():
    found = cycles(GRAPH)
    assert not found, "import cycles (type-only and lazy imports included):\n" + "\n".join(
        " <-> ".join(c) for c in found
    )


def _importers(prefix: str) -> dict[str, set[str]]:
    return {m: deps for m, deps in GRAPH.items() if m == prefix or m.startswith(prefix + ".")}


def _offending(prefix: str, allowed) -> list[str]:
    return sorted(f"{m} imports {d}" for m, deps in _importers(prefix).items() for d in deps if not allowed(d))


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("ganbench.training", "ganbench.plugins"),
        ("ganbench.training", "ganbench.report"),
        ("ganbench.training", "ganbench.cli"),
        ("ganbench.metrics", "ganbench.training"),
        ("ganbench.metrics", "ganbench.results"),
        ("ganbench.metrics", "ganbench.plugins"),
        ("ganbench.objectives", "ganbench.training"),
        ("ganbench.results", "ganbench.plugins"),
        ("ganbench.results", "ganbench.training"),
        ("ganbench.report", "ganbench.plugins"),
        ("ganbench.report", "ganbench.training"),
        ("ganbench.registry", "ganbench.plugins"),
    ],
)
def test_layers_point_down(layer, forbidden):
    assert not _offending(layer, lambda d: not _in(d, forbidden))


def test_the_trainer_reaches_metrics_only_through_their_base_class():
    bad = _offending("ganbench.training", lambda d: not _in(d, "ganbench.metrics") or d == "ganbench.metrics.base")
    assert not bad


def test_the_core_names_no_builtin_metric():
    """The report and the trainer work with any metric: none of them imports a particular one."""
    builtin_metrics = {m for m in MODULES if _in(m, "ganbench.metrics")} - {
        "ganbench.metrics",
        "ganbench.metrics.base",
        "ganbench.metrics.summary",
    }
    for layer in ("ganbench.report", "ganbench.training", "ganbench.results"):
        assert not _offending(layer, lambda d: d not in builtin_metrics), layer


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_400_lines(module):
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(PACKAGE.parent)} has {lines} lines"
