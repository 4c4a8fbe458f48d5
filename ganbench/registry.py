"""The registry: what the loaded plugins registered, by kind and name, and who registered it.

It knows nothing of how plugins are found or loaded (:mod:`ganbench.plugins` does that), so a
component base class, the trainer or a suite may depend on it without depending on plugin loading.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ganbench.components import suggest
from ganbench.errors import ConfigError
from ganbench.kinds import KINDS, SINGULAR

BUILTIN, IN_PROCESS = "built-in", "in-process"


@dataclasses.dataclass
class PluginInfo:
    """One plugin: where it came from, what it registered, and what went wrong."""

    name: str
    source: str
    #: the code it runs, as recorded in every trial that uses one of its components
    provider: dict[str, str] = dataclasses.field(default_factory=dict)
    registered: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    #: why the whole plugin failed (import error, a hook that raised); None if it loaded
    error: str | None = None
    #: one line per component refused, with the reason
    refused: list[str] = dataclasses.field(default_factory=list)
    #: hooks that are never called (typos, missing @hookimpl), or no hook at all
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def external(self) -> bool:
        """Whether ``GANBENCH_PLUGINS`` decides if it loads (an entry point or a plugin file)."""
        return self.source not in (BUILTIN, IN_PROCESS)

    def status(self) -> str:
        """'ok', or every failure, refusal and warning, as ``ganbench plugins`` shows them."""
        if self.error:
            return f"failed: {self.error}"
        notes = [f"refused {r}" for r in self.refused] + [f"warning: {w}" for w in self.warnings]
        return "; ".join(notes) or "ok"

    def problems(self) -> list[str]:
        """One line per problem, as every command prints them on stderr ('' if none)."""
        if self.error:
            return [f"plugin {self.name} ({self.source}) failed: {self.error}"]
        return [f"plugin {self.name} ({self.source}) refused {r}" for r in self.refused] + [
            f"plugin {self.name} ({self.source}): {w}" for w in self.warnings
        ]


@dataclasses.dataclass
class Registry:
    """Everything the loaded plugins registered, by kind and name."""

    items: dict[str, dict[str, Any]] = dataclasses.field(default_factory=lambda: {k: {} for k in KINDS})
    owners: dict[tuple[str, str], PluginInfo] = dataclasses.field(default_factory=dict)
    plugins: list[PluginInfo] = dataclasses.field(default_factory=list)
    #: the directories whose plugin files were loaded (resolved), in order; empty if none
    plugins_dir: tuple[Path, ...] = ()
    #: (kind, name) of a refused component -> the plugin that registered it and why
    refused: dict[tuple[str, str], tuple[PluginInfo, str]] = dataclasses.field(default_factory=dict)
    #: (kind, name) registered by more than one plugin -> those plugins, in load order
    conflicts: dict[tuple[str, str], list[PluginInfo]] = dataclasses.field(default_factory=dict)

    def add(self, kind: str, obj: Any, plugin: PluginInfo) -> None:
        """Register ``obj`` (already checked) under its name; a name taken already is a conflict."""
        name = obj.name
        key = (kind, name)
        if key in self.conflicts or name in self.items[kind]:
            owners = self.conflicts.setdefault(key, [self.owners[key]])
            others = ", ".join(f"{p.name} ({p.source})" for p in owners)
            plugin.refused.append(f"{SINGULAR[kind]} '{name}': already registered by {others}")
            owners.append(plugin)
            return
        self.items[kind][name] = obj
        self.owners[key] = plugin
        plugin.registered.setdefault(kind, []).append(name)

    def get(self, kind: str, name: str, where: str = "") -> Any:
        prefix = f"{where}: " if where else ""
        key = (kind, name)
        if key in self.conflicts:
            owners = self.conflicts[key]
            sources = " and by ".join(f"{p.name} ({p.source})" for p in owners)
            raise ConfigError(
                f"{prefix}{SINGULAR[kind]} '{name}' is registered by {sources}, so no suite may use it; "
                f"{self._remedy(owners)}",
                key=where or None,
            )
        if name in self.items[kind]:
            return self.items[kind][name]
        if key in self.refused:
            info, reason = self.refused[key]
            raise ConfigError(
                f"{prefix}{SINGULAR[kind]} '{name}' was refused when plugin {info.name} ({info.source}) "
                f"registered it: {reason}",
                key=where or None,
            )
        failed = [p for p in self.plugins if p.error]
        note = "".join(f" (note: plugin {p.name} from {p.source} failed to load)" for p in failed[:3])
        if not self.plugins_dir and Path("plugins").is_dir():
            note += " (note: ./plugins was not loaded: plugin files load only when asked, with --plugins-dir)"
        raise ConfigError(
            f"{prefix}unknown {SINGULAR[kind]} '{name}'{suggest(name, self.items[kind])}{note}", key=where or None
        )

    def _remedy(self, owners: list[PluginInfo]) -> str:
        """How to load only one of ``owners``: a GANBENCH_PLUGINS value that leaves the others out."""
        external = [p for p in self.plugins if p.external and not p.error]
        clashing = [p for p in owners if p.external]
        if not clashing:
            return "rename one of them"
        choices = []
        for keep in owners:
            left_out = {p.name for p in clashing if p is not keep}
            if not left_out:
                continue
            value = ",".join(p.name for p in external if p.name not in left_out)
            choices.append(f"GANBENCH_PLUGINS={value} leaves {', '.join(sorted(left_out))} out")
        return "load only one: " + "; or ".join(choices)

    def names(self, kind: str) -> list[str]:
        return sorted(self.items[kind])

    def provider(self, kind: str, name: str) -> dict[str, str]:
        """The code that provides component ``name``: what a trial records in its config."""
        return dict(self.owners[(kind, name)].provider)

    def problems(self) -> list[str]:
        """Every plugin problem, one line each (what every command prints on stderr)."""
        return [line for info in self.plugins for line in info.problems()]
