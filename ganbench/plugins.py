"""One plugin manager: built-in modules, the ``ganbench`` entry-point group, a plugins directory.

Every component is registered through the hooks in :mod:`ganbench.hookspecs`.
The registry remembers which plugin registered what, so a duplicate name is an
error that names both sources and ``ganbench plugins`` can say where each came from.

A directory of plugin files is loaded only when asked (``load_plugins(directory)``,
``ganbench --plugins-dir DIR``), never because it happens to exist: plugin files
are code, and running a command in a directory must not execute someone else's.
What a plugin registers is checked as it registers (an objective's ``hyper`` must be
valid), so a mistake is reported against the plugin, not against a user's suite.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import importlib.util
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from ganbench import hookspecs
from ganbench.components import suggest
from ganbench.errors import ConfigError, GanbenchError, PluginError

#: modules whose hook implementations provide the built-in components
BUILTIN_MODULES = (
    "ganbench.objectives.classic",
    "ganbench.objectives.margin",
    "ganbench.objectives.ipm",
    "ganbench.objectives.fgan",
    "ganbench.objectives.relativistic",
    "ganbench.penalties",
    "ganbench.datasets.mixtures",
    "ganbench.datasets.images",
    "ganbench.datasets.local",
    "ganbench.models.mlp",
    "ganbench.models.conv",
    "ganbench.metrics.modes",
    "ganbench.metrics.distances",
    "ganbench.metrics.images",
    "ganbench.metrics.divergences",
    "ganbench.executors",
)

ENTRY_POINT_GROUP = "ganbench"
#: comma-separated names of the external plugins (entry points, plugin files) allowed to load;
#: unset loads all, empty loads none
ENV_ALLOW = "GANBENCH_PLUGINS"

KINDS = ("objectives", "penalties", "datasets", "models", "metrics", "executors")
SINGULAR = {
    "objectives": "objective",
    "penalties": "penalty",
    "datasets": "dataset",
    "models": "model",
    "metrics": "metric",
    "executors": "executor",
}


@dataclasses.dataclass
class PluginInfo:
    name: str
    source: str
    registered: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    error: str | None = None


@dataclasses.dataclass
class Registry:
    """Everything the loaded plugins registered, by kind and name."""

    items: dict[str, dict[str, Any]] = dataclasses.field(default_factory=lambda: {k: {} for k in KINDS})
    owners: dict[tuple[str, str], PluginInfo] = dataclasses.field(default_factory=dict)
    plugins: list[PluginInfo] = dataclasses.field(default_factory=list)
    #: the directory whose plugin files were loaded (resolved), or None
    plugins_dir: Path | None = None

    def add(self, kind: str, obj: Any, plugin: PluginInfo) -> None:
        name = getattr(obj, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(
                f"plugin {plugin.name} ({plugin.source}) registered {SINGULAR[kind]} {obj!r} without a name"
            )
        if name in self.items[kind]:
            first = self.owners[(kind, name)]
            raise PluginError(
                f"{SINGULAR[kind]} '{name}' is registered twice: by {first.name} ({first.source}) "
                f"and by {plugin.name} ({plugin.source})"
            )
        self.items[kind][name] = obj
        self.owners[(kind, name)] = plugin
        plugin.registered.setdefault(kind, []).append(name)

    def get(self, kind: str, name: str, where: str = "") -> Any:
        try:
            return self.items[kind][name]
        except KeyError:
            prefix = f"{where}: " if where else ""
            failed = [p for p in self.plugins if p.error]
            note = "".join(f" (note: plugin {p.name} from {p.source} failed to load)" for p in failed[:3])
            if self.plugins_dir is None and Path("plugins").is_dir():
                note += " (note: ./plugins was not loaded: plugin files load only when asked, with --plugins-dir)"
            raise ConfigError(
                f"{prefix}unknown {SINGULAR[kind]} '{name}'{suggest(name, self.items[kind])}{note}", key=where or None
            ) from None

    def names(self, kind: str) -> list[str]:
        return sorted(self.items[kind])


def _allowed() -> set[str] | None:
    value = os.environ.get(ENV_ALLOW)
    if value is None:
        return None
    return {v.strip() for v in value.split(",") if v.strip()}


def _load_file(path: Path) -> ModuleType:
    module_name = f"ganbench_local_plugins.{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _error_line(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" at {Path(last[0].filename).name}:{last[0].lineno}" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _check(kind: str, obj: Any) -> None:
    """What registering checks besides a unique name: an objective's default hyperparameters."""
    if kind == "objectives":
        obj.default_hyper()  # builds Hyper from ``hyper``: a ConfigError names the objective and key


def load_plugins(plugins_dir: str | Path | None = None, extra: list[object] | None = None) -> Registry:
    """Load every plugin and collect what it registers.

    Built-in modules and the ``ganbench`` entry points always load (``GANBENCH_PLUGINS``
    restricts the external ones).  The ``*.py`` files of ``plugins_dir`` load only when it
    is given: no directory is loaded by default.  ``extra`` are plugin objects (modules or
    instances) registered in-process, as tests and embedding applications do.
    A plugin that fails to import or to register, or registers something invalid, is
    recorded with its error and what it registered is withdrawn; the rest keep working.
    A duplicate name is a :class:`PluginError`.
    """
    pm = pluggy.PluginManager("ganbench")
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    allowed = _allowed()
    loaded: list[tuple[object, PluginInfo]] = []

    def add(plugin: object, info: PluginInfo) -> None:
        try:
            pm.register(plugin, name=info.name)
        except Exception as exc:  # e.g. a hook implementation that matches no hookspec
            info.error = _error_line(exc)
        else:
            loaded.append((plugin, info))
        registry.plugins.append(info)

    for modname in BUILTIN_MODULES:
        add(importlib.import_module(modname), PluginInfo(modname, "built-in"))

    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if allowed is not None and ep.name not in allowed:
            continue
        dist = getattr(ep, "dist", None)
        source = f"distribution {dist.name} {dist.version}" if dist is not None else "entry point"
        info = PluginInfo(ep.name, source)
        try:
            plugin = ep.load()
        except Exception as exc:
            info.error = _error_line(exc)
            registry.plugins.append(info)
            continue
        add(plugin, info)

    if plugins_dir is not None:
        directory = Path(plugins_dir)
        if not directory.is_dir():
            raise ConfigError(f"plugins directory {directory}: no such directory")
        registry.plugins_dir = directory.resolve()
        for path in sorted(directory.glob("*.py")):
            if path.name.startswith("_") or (allowed is not None and path.stem not in allowed):
                continue
            info = PluginInfo(path.stem, f"file {path}")
            try:
                module = _load_file(path)
            except Exception as exc:
                info.error = _error_line(exc)
                registry.plugins.append(info)
                continue
            add(module, info)

    for i, plugin in enumerate(extra or []):
        add(plugin, PluginInfo(getattr(plugin, "__name__", f"{type(plugin).__name__}-{i}"), "in-process"))

    def fail(info: PluginInfo, error: str) -> None:
        info.error = error
        for k, names in info.registered.items():  # withdraw what it registered through other hooks
            for name in names:
                del registry.items[k][name], registry.owners[(k, name)]
        info.registered.clear()

    infos = {id(p): info for p, info in loaded}
    for kind in KINDS:
        hook = getattr(pm.hook, f"register_{kind}")
        for impl in hook.get_hookimpls():  # in registration order (pluggy *calls* them last-registered first)
            info = infos[id(impl.plugin)]
            if info.error:
                continue
            staged: list[Any] = []
            try:
                impl.function(register=staged.append)
            except Exception as exc:
                fail(info, f"register_{kind} raised {_error_line(exc)}")
                continue
            try:
                for obj in staged:
                    _check(kind, obj)
            except GanbenchError as exc:
                fail(info, f"register_{kind}: {exc}")
                continue
            except Exception as exc:
                fail(info, f"register_{kind}: {_error_line(exc)}")
                continue
            for obj in staged:
                registry.add(kind, obj, info)
    return registry
