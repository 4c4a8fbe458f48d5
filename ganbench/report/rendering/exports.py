"""The numbers behind a report as CSV and JSON files beside it, so readers can make their own
tables and plots: one record per row, the same numbers the tables show (before rounding).

* ``summary``: per suite, dataset, objective and figure: n, mean, sd, the 95 % t-interval,
  per-seed values and seeds, the decimals shown, whether the table marks it (bold);
* ``budget``: the same at an equal budget of critic updates;
* ``ranks``: per dataset, metric and objective: mean rank and the Friedman test;
* ``curves``: every evaluation of every trial: step, critic updates, training time, metric, value;
* ``tuning`` (suites that ran a search): the rows of the tuning tables, and the expected best at
  every n (:mod:`ganbench.report.tuning`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from ganbench.io import atomic_write


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps([{k: _clean(v) for k, v in row.items()} for row in rows], indent=1, allow_nan=False) + "\n"


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Lists are written as JSON (``[8.0, 8.0, 1.0]``); missing numbers as empty cells."""
    fields = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        clean = {k: _clean(v) for k, v in row.items()}
        writer.writerow(
            {k: json.dumps(v) if isinstance(v, list) else ("" if v is None else v) for k, v in clean.items()}
        )
    return buf.getvalue()


def write(data: dict[str, list[dict[str, Any]]], directory: Path) -> list[Path]:
    """``NAME.csv`` and ``NAME.json`` in ``directory`` for each data set; returns the paths."""
    paths = []
    for name, rows in data.items():
        for suffix, text in ((".csv", to_csv(rows)), (".json", to_json(rows))):
            path = directory / f"{name}{suffix}"
            atomic_write(path, text.encode())
            paths.append(path)
    return paths
