"""``ganbench list``, ``ganbench plugins`` and ``ganbench new``: the components, their plugins, a new one."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ganbench.cli.common import EXIT_OK, EXIT_PLUGIN_FAILED, load_registry, one_line
from ganbench.errors import ConfigError
from ganbench.kinds import KINDS
from ganbench.plugins import ENV_ALLOW, load_plugins


def cmd_list(args: argparse.Namespace) -> int:
    from ganbench.listing import tables

    registry = load_registry(args)
    kinds = [args.kind] if args.kind else list(KINDS)
    for kind in kinds:
        if len(kinds) > 1:
            print(f"\n{kind}:\n")
        for caption, table in tables(registry, kind, markdown=args.format == "md"):
            if caption:
                print(f"\n{caption}:\n")
            print(table)
    return EXIT_OK


def cmd_plugins(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    registry = load_registry(args, warn=False)  # the table shows every problem
    rows = []
    for info in registry.plugins:
        registered = "; ".join(f"{k}: {', '.join(v)}" for k, v in info.registered.items() if v)
        rows.append([info.name, info.source, one_line(info.status()), registered])
    print(tabulate(rows, headers=["plugin", "source", "status", "registers"], tablefmt="simple"))
    print()
    if registry.plugins_dir:
        shown: set[Path] = set()
        for given in args.plugins_dir:
            directory = Path(given).resolve()
            if directory not in shown:
                shown.add(directory)
                print(f"plugins directory: {directory} (loaded because --plugins-dir {given} was given)")
    else:
        here = " (./plugins exists here and was not loaded)" if Path("plugins").is_dir() else ""
        print(f"plugins directory: none; plugin files load only with --plugins-dir DIR{here}")
    allowed = os.environ.get(ENV_ALLOW)
    if allowed is not None:
        print(f"{ENV_ALLOW}={allowed}: only these external plugins may load")
    failed = [info.name for info in registry.plugins if info.error]
    if failed:
        print(f"ganbench plugins: {len(failed)} plugin(s) failed to load: {', '.join(failed)}", file=sys.stderr)
        return EXIT_PLUGIN_FAILED
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from ganbench import scaffold

    names = scaffold.check_name(args.kind, args.name, no_divergence=args.no_divergence)
    kinds = names.row.plural
    registry = load_plugins(None)
    if args.name in registry.items[kinds]:
        owner = registry.owners[(kinds, args.name)]
        raise ConfigError(
            f"ganbench new {args.kind}: '{args.name}' is already the name of {names.row.article} "
            f"({owner.name}, {owner.source}); choose another"
        )
    suite_line = names.use
    if args.package is not None:
        root = Path(args.package)
        files = scaffold.write_package(names, root)
        print(f"wrote {root}: " + ", ".join(str(f.relative_to(root)) for f in files))
        steps = [
            (f'pip install -e "{root}[test]"', f"registers the {args.kind} through its entry point; pytest"),
            (f"pytest {root}", "ganbench's contract kit on it"),
            ("ganbench run SUITE", f"a suite using it: {suite_line}"),
        ]
    else:
        directory = Path(args.dir)
        (path,) = scaffold.write_file(names, directory)
        print(f"wrote {path}: the {args.kind} '{args.name}'")
        steps = [
            (f"ganbench list {kinds} --plugins-dir {directory}", "it is listed, with its options"),
            (f"ganbench run SUITE --plugins-dir {directory}", f"a suite using it: {suite_line}"),
        ]
    width = max(len(command) for command, _ in steps)
    print("next:")
    for command, comment in steps:
        print(f"  {command.ljust(width)}  # {comment}")
    return EXIT_OK
