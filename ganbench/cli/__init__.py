"""The ``ganbench`` command: run | validate | list | plugins | new | report | compare.

:mod:`~ganbench.cli.parser` builds the parser; the commands are grouped in
:mod:`~ganbench.cli.suites` (run, validate), :mod:`~ganbench.cli.components` (list, plugins,
new) and :mod:`~ganbench.cli.reports` (report, compare). torch, pandas, scipy and matplotlib
are imported by the commands that use them, not here: ``ganbench --help`` and ``--version``
start without them (tests/cli/test_startup.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ganbench.cli.common import EXIT_INTERRUPTED, one_line
from ganbench.cli.parser import build_parser
from ganbench.errors import GanbenchError

__all__ = ["build_parser", "entry", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
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
