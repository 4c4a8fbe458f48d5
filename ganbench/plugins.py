"""One plugin manager: built-in modules, the ``ganbench`` entry-point group, plugin directories.

Every component is registered through the hooks in :mod:`ganbench.hookspecs`.
The registry remembers which plugin registered what and which code that was (its
*provider*: the ganbench version, a distribution's name and version, or a plugin
file's SHA-256), so ``ganbench plugins`` can say where each component came from and
every trial records the code that produced it.

A plugin's mistakes are its own. A plugin that fails to import, or whose hook raises,
is marked failed and what it registered is withdrawn. A component that fails its
contract (:mod:`ganbench.contracts`) is refused alone, with the reason, and the plugin's
other components stay. A name registered twice is refused to *both* plugins: no suite
may use it (the message names both sources and the ``GANBENCH_PLUGINS`` remedy), and
everything else works. A plugin that implements no hook, or a function that looks like
a hook but is not one (a typo, a missing ``@hookimpl``), is reported with a warning.

A directory of plugin files is loaded only when asked (``load_plugins(directory)``,
``ganbench --plugins-dir DIR``, repeatable), never because it happens to exist: plugin
files are code, and running a command in a directory must not execute someone else's.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import importlib.util
import inspect
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from ganbench import hookspecs, kinds
from ganbench.errors import ConfigError, GanbenchError
from ganbench.kinds import HOOKS, KINDS
from ganbench.providers import distribution_provider, file_provider
from ganbench.registry import BUILTIN, IN_PROCESS, PluginInfo, Registry
from ganbench.version import __version__

#: modules of the built-in executors: light, so that ``ganbench run --help`` lists their options quickly
EXECUTOR_MODULES = ("ganbench.executors", "ganbench.executors_ray")
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
    "ganbench.datasets.highdim",
    "ganbench.datasets.stacked",
    "ganbench.models.mlp",
    "ganbench.models.conv",
    "ganbench.models.pacgan",
    "ganbench.metrics.modes",
    "ganbench.metrics.distances",
    "ganbench.metrics.images",
    "ganbench.metrics.divergences",
    *EXECUTOR_MODULES,
    "ganbench.loggers.to_tensorboard",
    "ganbench.loggers.to_mlflow",
)

ENTRY_POINT_GROUP = "ganbench"
#: comma-separated names of the external plugins (entry points, plugin files) allowed to load;
#: unset loads all, empty loads none
ENV_ALLOW = "GANBENCH_PLUGINS"


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


def _error_line(exc: BaseException, own: Path | None = None) -> str:
    """'ModuleNotFoundError: No module named 'x' at plugins/broken.py:3': the error, and where in
    the plugin's own code it happened (``own``: its file, or its package's directory), else the
    innermost frame that is a file (never ``<frozen importlib._bootstrap>``, where every failed
    import ends); a syntax error is reported at its own file and line."""
    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" at {exc.filename}:{exc.lineno}"
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
        if own is not None:
            mine = [f for f in frames if own in (p := Path(f.filename).resolve(), *p.parents)]
            frames = mine or frames
        if frames:
            where = f" at {frames[-1].filename}:{frames[-1].lineno}"
    return f"{type(exc).__name__}: {exc}{where}"


def _package_dir(module: str) -> Path | None:
    """Where an entry point's top-level package lives, without importing it (None if unknown)."""
    try:
        spec = importlib.util.find_spec(module.partition(":")[0].split(".")[0])
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    origin = Path(spec.origin)
    return origin.parent if origin.name == "__init__.py" else origin


def hook_warnings(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    """Functions of ``plugin`` that pluggy will never call: a hook implementation that matches no
    hook (what ``PluginManager.check_pending`` reports), a hook without ``@hookimpl``, a name
    close to a hook's; and, when it implements no hook at all, that it registers nothing."""
    warnings: list[str] = []
    implemented = False
    for attr in sorted(dir(plugin)):
        if attr.startswith("_"):
            continue
        try:
            value = inspect.getattr_static(plugin, attr)
        except AttributeError:
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if not inspect.isroutine(value):
            continue
        marked = pm.parse_hookimpl_opts(plugin, attr) is not None
        close = difflib.get_close_matches(attr, HOOKS, n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]}?)" if close else ""
        if marked and attr in HOOKS:
            implemented = True
        elif marked:
            warnings.append(f"{attr} is marked @hookimpl but is not a ganbench hook{hint}, so it is never called")
        elif attr in HOOKS:
            warnings.append(f"{attr} is not marked @ganbench.hookimpl, so it is never called")
        elif close:
            warnings.append(f"{attr} is not a ganbench hook{hint}, so it is never called")
    if not implemented:
        warnings.insert(0, f"implements no ganbench hook ({', '.join(HOOKS)}), so it registers nothing")
    return warnings


def _directories(plugins_dir: str | Path | Sequence[str | Path] | None) -> dict[Path, Path]:
    """Each directory once, resolved -> as given, in order."""
    if plugins_dir is None:
        return {}
    given = [plugins_dir] if isinstance(plugins_dir, (str, Path)) else list(plugins_dir)
    out: dict[Path, Path] = {}
    for d in given:
        directory = Path(d)
        if not directory.is_dir():
            raise ConfigError(f"plugins directory {directory}: no such directory")
        out.setdefault(directory.resolve(), directory)
    return out


def builtin_executors() -> list[Any]:
    """The built-in executor classes, without loading any other plugin (nor torch)."""
    found: list[Any] = []
    for modname in EXECUTOR_MODULES:
        importlib.import_module(modname).register_executors(register=found.append)
    return found


def external_plugins_allowed() -> bool:
    """Whether some installed plugin (a ``ganbench`` entry point) may load, as ``GANBENCH_PLUGINS`` allows."""
    allowed = _allowed()
    return any(allowed is None or ep.name in allowed for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def load_plugins(
    plugins_dir: str | Path | Sequence[str | Path] | None = None, extra: list[object] | None = None
) -> Registry:
    """Load every plugin and collect what it registers.

    Built-in modules and the ``ganbench`` entry points always load (``GANBENCH_PLUGINS``
    restricts the external ones).  The ``*.py`` files of ``plugins_dir`` (a directory or
    several, in order) load only when given: no directory is loaded by default.  ``extra``
    are plugin objects (modules or instances) registered in-process, as tests and embedding
    applications do.  Nothing a plugin does makes this raise: see the module's docstring.
    """
    pm = pluggy.PluginManager("ganbench")
    pm.add_hookspecs(hookspecs)
    registry = Registry()
    allowed = _allowed()
    loaded: list[tuple[object, PluginInfo]] = []

    def add(plugin: object, info: PluginInfo) -> None:
        registry.plugins.append(info)
        try:
            pm.register(plugin, name=info.name)
        except Exception as exc:  # e.g. a hook implementation whose arguments match no hookspec
            info.error = _error_line(exc)
            return
        loaded.append((plugin, info))
        info.warnings = hook_warnings(pm, plugin)

    for modname in BUILTIN_MODULES:
        add(importlib.import_module(modname), PluginInfo(modname, BUILTIN, {"ganbench": __version__}))

    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if allowed is not None and ep.name not in allowed:
            continue
        dist = getattr(ep, "dist", None)
        if dist is not None:
            info = PluginInfo(ep.name, f"distribution {dist.name} {dist.version}")
        else:
            info = PluginInfo(ep.name, "entry point", {"entry_point": ep.value})
        try:
            plugin = ep.load()
            if dist is not None:
                info.provider = distribution_provider(dist, plugin)
        except Exception as exc:
            info.error = _error_line(exc, _package_dir(ep.value))
            registry.plugins.append(info)
            continue
        if "sha256" in info.provider:
            info.source += " (editable)"
        add(plugin, info)

    directories = _directories(plugins_dir)
    registry.plugins_dir = tuple(directories)
    files: dict[str, Path] = {}
    for directory in directories.values():
        for path in sorted(directory.glob("*.py")):
            if path.name.startswith("_") or (allowed is not None and path.stem not in allowed):
                continue
            info = PluginInfo(path.stem, f"file {path}", file_provider(path))
            if path.stem in files:
                info.error = f"a plugin file named {path.name} is already loaded from {files[path.stem].parent}"
                registry.plugins.append(info)
                continue
            files[path.stem] = path
            try:
                module = _load_file(path)
            except Exception as exc:
                info.error = _error_line(exc, path.resolve())
                registry.plugins.append(info)
                continue
            add(module, info)

    for i, plugin in enumerate(extra or []):
        name = getattr(plugin, "__name__", f"{type(plugin).__name__}-{i}")
        add(plugin, PluginInfo(name, IN_PROCESS, {IN_PROCESS: name}))

    staged: dict[int, dict[str, list[Any]]] = {}
    infos = {id(p): info for p, info in loaded}
    for kind in KINDS:  # first call every hook: a plugin whose hook raises registers nothing at all
        hook_name = kinds.get(kind).hook
        hook = getattr(pm.hook, hook_name)
        for impl in hook.get_hookimpls():  # in registration order (pluggy *calls* them last-registered first)
            info = infos[id(impl.plugin)]
            if info.error:
                continue
            objs: list[Any] = []
            try:
                impl.function(register=objs.append)
            except Exception as exc:
                info.error = f"{hook_name} raised {_error_line(exc)}"
                continue
            staged.setdefault(id(info), {})[kind] = objs
    from ganbench.contracts import check  # imports the torch-backed base classes: only when registering

    for kind in KINDS:
        for _, info in loaded:
            if info.error:
                continue
            for obj in staged.get(id(info), {}).get(kind, []):
                try:
                    check(kind, obj)
                except GanbenchError as exc:
                    _refuse(registry, info, kind, obj, f"{exc}")
                except Exception as exc:
                    _refuse(registry, info, kind, obj, f"checking it raised {_error_line(exc)}")
                else:
                    registry.add(kind, obj, info)
    return registry


def _refuse(registry: Registry, info: PluginInfo, kind: str, obj: Any, reason: str) -> None:
    info.refused.append(reason)
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name and (kind, name) not in registry.refused:
        registry.refused[(kind, name)] = (info, reason)
