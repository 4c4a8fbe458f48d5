"""Reading a results directory's ``search.json`` (format: :mod:`ganbench.search.record`):
checked once, so a report can trust its shape. A malformed file is a one-line ConfigError
naming the file and the key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ganbench.errors import ConfigError

SEARCH_FILE = "search.json"
FORMAT = 1
STATES = ("scored", "diverged", "failed", "pending")


def _fail(path: Path, where: str, problem: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {problem}")


def _ids(path: Path, where: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise _fail(path, where, "expected a list of trial ids")


def _objective(path: Path, where: str, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise _fail(path, where, "expected an object")
    configs = entry.get("configurations")
    if not isinstance(configs, list):
        raise _fail(path, f"{where}.configurations", "expected a list")
    for i, c in enumerate(configs):
        at = f"{where}.configurations[{i}]"
        if not isinstance(c, dict):
            raise _fail(path, at, "expected an object")
        if not isinstance(c.get("index"), int) or isinstance(c.get("index"), bool):
            raise _fail(path, f"{at}.index", "expected an integer")
        if not isinstance(c.get("values", {}), dict):
            raise _fail(path, f"{at}.values", "expected an object")
        _ids(path, f"{at}.trials", c.get("trials"))
        if c.get("state", "pending") not in STATES:
            raise _fail(path, f"{at}.state", f"expected one of {', '.join(STATES)}")
    selected = entry.get("selected")
    if selected is not None and (not isinstance(selected, int) or isinstance(selected, bool)):
        raise _fail(path, f"{where}.selected", "expected a configuration index or null")
    for key in ("tuned_trials", "default_trials"):
        _ids(path, f"{where}.{key}", entry.get(key, []))


def _rule(path: Path, rule: Any) -> None:
    if not isinstance(rule, dict):
        raise _fail(path, "rule", "expected an object")
    if not isinstance(rule.get("output"), str):
        raise _fail(path, "rule.output", "expected a metric output name")
    if rule.get("direction") not in ("min", "max"):
        raise _fail(path, "rule.direction", "expected 'min' or 'max'")
    if rule.get("at", "final") not in ("final", "best"):
        raise _fail(path, "rule.at", "expected 'final' or 'best'")
    for key in ("budget", "tolerance"):
        value = rule.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise _fail(path, f"rule.{key}", "expected a non-negative number")
    if not isinstance(rule.get("spaces", {}), dict):
        raise _fail(path, "rule.spaces", "expected an object")


def read_search(suite_dir: Path) -> dict[str, Any] | None:
    """The directory's search record, checked; None when the suite ran without a search."""
    path = Path(suite_dir) / SEARCH_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not readable JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise _fail(path, "(top level)", "expected an object")
    if data.get("format") != FORMAT:
        raise _fail(path, "format", f"expected {FORMAT}, found {data.get('format')!r}")
    _rule(path, data.get("rule"))
    datasets = data.get("datasets")
    if not isinstance(datasets, dict):
        raise _fail(path, "datasets", "expected an object")
    for dataset, objectives in datasets.items():
        if not isinstance(objectives, dict):
            raise _fail(path, f"datasets.{dataset}", "expected an object")
        for label, entry in objectives.items():
            _objective(path, f"datasets.{dataset}.{label}", entry)
    return data


def referenced(search: dict[str, Any] | None) -> Iterator[str]:
    """Every trial id the record names (search, tuned and default trials)."""
    for objectives in (search or {}).get("datasets", {}).values():
        for entry in objectives.values():
            for c in entry["configurations"]:
                yield from c["trials"]
            yield from entry.get("tuned_trials", [])
            yield from entry.get("default_trials", [])
