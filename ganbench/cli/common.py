"""What every command shares: exit statuses, the plugin registry, one-line messages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ganbench.errors import ConfigError
from ganbench.plugins import load_plugins
from ganbench.registry import Registry

EXIT_OK, EXIT_TRIALS_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
#: `ganbench plugins` when a plugin failed to load (import error, a hook that raised)
EXIT_PLUGIN_FAILED = 3


def load_registry(args: argparse.Namespace, warn: bool = True) -> Registry:
    """Built-ins, entry points and, only when ``--plugins-dir`` names some, directories of plugin files.
    Every plugin problem (a failure, a refused component, a hook never called) is a warning on stderr."""
    for directory in args.plugins_dir or []:
        if not Path(directory).is_dir():
            raise ConfigError(f"--plugins-dir {directory}: no such directory")
    registry = load_plugins(args.plugins_dir or None)
    if warn:
        warn_plugin_problems(registry)
    return registry


def warn_plugin_problems(registry: Registry) -> None:
    for line in registry.problems():
        print(f"ganbench: warning: {one_line(line)}", file=sys.stderr)


def one_line(text: str) -> str:
    """Escape control characters (from user-supplied keys and values) so a message stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
