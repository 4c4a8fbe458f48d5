"""The ``ganbench`` command: run | validate | status | list | plugins | new | report | compare.

:mod:`~ganbench.cli.parser` builds the parser; the commands are grouped in
:mod:`~ganbench.cli.suites` (run, validate), :mod:`~ganbench.cli.components` (list, plugins,
new), :mod:`~ganbench.cli.reports` (report, compare) and :mod:`~ganbench.cli.status` (status).
``run``, ``report`` and ``compare`` call the Python API (:mod:`ganbench.api`) and print what it
returns. torch, pandas, scipy and matplotlib are imported by the commands that use them, not
here: ``ganbench --help`` and ``--version`` start without them (tests/cli/test_startup.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ganbench.cli.common import EXIT_INTERRUPTED, load_registry, one_line
from ganbench.cli.parser import build_parser
from ganbench.errors import GanbenchError
from ganbench.registry import Registry

__all__ = ["build_parser", "entry", "main"]


def run_registry(argv: Sequence[str]) -> Registry | None:
    """``ganbench run`` takes the options of every executor, and a plugin may bring an executor:
    when plugins besides the built-ins may load (``--plugins-dir``, an installed plugin), the
    registry is loaded before the run command's options are parsed (and then used by it);
    otherwise the built-in executors' options suffice, and ``run --help`` loads nothing heavy."""
    from ganbench.plugins import external_plugins_allowed

    if next((a for a in argv if not a.startswith("-")), None) != "run":
        return None
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--plugins-dir", action="append", default=None)
    known, _ = pre.parse_known_args(argv)
    if not known.plugins_dir and not external_plugins_allowed():
        return None
    return load_registry(known)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        registry = run_registry(argv)
        executors = None if registry is None else list(registry.items["executors"].values())
        args = build_parser(executors).parse_args(argv)
        if registry is not None:
            args.registry = registry
        return int(args.func(args))
    except GanbenchError as exc:
        print(f"ganbench: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def entry() -> None:
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
