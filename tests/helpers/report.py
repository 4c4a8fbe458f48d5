"""Helpers for report tests: the committed fixture, synthetic results, and readers that pull
the table cells back out of each format."""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np

from ganbench.results import TrialDir, atomic_write_json
from tests.helpers.project import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "report" / "fixture"


@functools.cache
def fixture_report() -> tuple[Any, dict[str, Path]]:
    """The committed fixture's report in every format, built once per test process (figures drawn
    once, in parallel): (the Document, format -> report file)."""
    from ganbench.plugins import load_plugins
    from ganbench.report import content
    from ganbench.report.commands import real_samples
    from ganbench.report.rendering import render
    from ganbench.results.reader import load_results

    registry = load_plugins(None)
    doc = content.build(load_results(FIXTURE, registry), real_samples=real_samples(registry))
    out = Path(tempfile.mkdtemp(prefix="ganbench-report-"))
    atexit.register(shutil.rmtree, out, True)
    paths = render.write(doc, list(render.FORMATS), out)
    return doc, dict(zip(render.FORMATS, paths, strict=True))


def copy_fixture(dest: Path, name: str = "fixture") -> Path:
    target = dest / name
    shutil.copytree(FIXTURE, target)
    return target


def write_trial(
    suite_dir: Path,
    dataset: str,
    objective: str,
    seed: int,
    metrics: dict[str, float],
    status: str = "complete",
    samples: dict[int, np.ndarray] | None = None,
    dataset_name: str | None = None,
    n_critic: int | None = None,
    history: list[dict[str, Any]] | None = None,
    convergence: dict[str, Any] | None = None,
) -> Path:
    """A synthetic finished trial, laid out as ``run_trial`` lays one out (``history``: the
    evaluations, default three with the final ``metrics``)."""
    digest = hashlib.sha256(f"{suite_dir.name}/{dataset}/{objective}/{seed}".encode()).hexdigest()[:10]
    td = TrialDir(suite_dir / f"{dataset}-{objective}-s{seed}-{digest}")
    hyper = {} if n_critic is None else {"n_critic": n_critic}
    config: dict[str, Any] = {
        "dataset": {"label": dataset, "name": dataset_name or dataset, "params": {}},
        "objective": {"label": objective, "name": objective, "options": {}, "hyper": hyper},
        "seed": seed,
        "suite": suite_dir.name,
        "metrics": [],
        "train": {"steps": 10},
    }
    atomic_write_json(td.config, config)
    if history is None:
        history = [{"step": s, **metrics, "train_time": 0.1 * s} for s in (0, 5, 10)]
    td.write_history(history)
    for step, x in (samples or {}).items():
        td.write_samples(step, x)
    td.finish({"status": status, "metrics": metrics, "convergence": convergence or {}})
    return td.path


#: what the trainer records in each final.json's "environment" (the committed fixture predates it)
ENVIRONMENT: dict[str, Any] = {
    "ganbench": "0.1.0",
    "torch": "2.13.0+cpu",
    "python": "3.11.7",
    "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
    "cpu": "Example CPU @ 2.10GHz",
    "gpu": None,
    "device": "cpu",
    "git_commit": "3381309e0c5d",
    "date": "2026-01-02T03:04:05Z",
    "jobs": 1,
    "threads": 1,
    "group_size": 1,
}


def add_environment(suite_dir: Path, **overrides: Any) -> None:
    """Give every trial with a final.json the environment record, with ``overrides``."""
    for final in suite_dir.glob("*/final.json"):
        data = json.loads(final.read_text())
        data["environment"] = {**ENVIRONMENT, **overrides}
        atomic_write_json(final, data)


def write_suite_json(suite_dir: Path, outputs: dict[str, str], coverage: list[dict[str, str]] | None = None) -> None:
    """suite.json as ``ganbench run`` writes it; ``coverage``: the metrics' coverage declarations."""
    trials = sorted(p.name for p in suite_dir.iterdir() if (p / "config.json").exists())
    meta: dict[str, Any] = {"name": suite_dir.name, "description": "", "source": "", "metric_outputs": outputs}
    meta["trials"] = trials
    if coverage is not None:
        meta["coverage"] = coverage
    atomic_write_json(suite_dir / "suite.json", meta)


# ------------------------------------------------------------------ reading tables back


def md_tables(text: str) -> list[list[list[str]]]:
    """Data rows of every GitHub table, cells stripped; a bold cell keeps its '**'."""
    tables, current, lines = [], [], text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|"):
            if re.match(r"^\|[-:| ]+\|$", line) or (i + 1 < len(lines) and re.match(r"^\|[-:| ]+\|$", lines[i + 1])):
                continue
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            current.append(cells)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


class _HTMLTables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.bold = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag == "td":
            self.cell, self.bold = [], "best" in (dict(attrs).get("class") or "")
        elif tag == "span" and self.cell is not None and dict(attrs).get("class") == "seeds":
            self.cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None:
            text = "".join(self.cell).strip()
            self.tables[-1][-1].append(f"**{text}**" if self.bold else text)
            self.cell = None
        if tag == "table":
            self.tables[-1] = [r for r in self.tables[-1] if r]

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def html_tables(text: str) -> list[list[list[str]]]:
    parser = _HTMLTables()
    parser.feed(text)
    return parser.tables


def tex_tables(text: str) -> list[list[list[str]]]:
    tables = []
    for body in re.findall(r"\\midrule\n(.*?)\\bottomrule", text, re.S):
        rows = []
        for line in body.strip().splitlines():
            cells = [c.strip() for c in line.rstrip().removesuffix(r"\\").split(" & ")]
            rows.append([f"**{c}**" if r"\textbf{" in c else c for c in cells])
        tables.append(rows)
    return tables


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?")


def numbers(tables: list[list[list[str]]]) -> list[list[list[list[str]]]]:
    """Every number of every cell, and whether the cell is bold, table by table."""
    return [[[NUMBER.findall(c) + (["best"] if c.startswith("**") else []) for c in row] for row in t] for t in tables]


def load_json(path: Path) -> Any:
    return json.loads(Path(path).read_text())


#: The Debian package that provides each LaTeX package the report may load; `.ci/run` installs
#: these so that CI compiles the report (tests/report/test_report_latex.py).
DEBIAN_TEX = {
    "inputenc": "texlive-latex-base",
    "textcomp": "texlive-latex-base",
    "array": "texlive-latex-base",
    "fontenc": "texlive-latex-base",
    "geometry": "texlive-latex-base",
    "graphicx": "texlive-latex-base",
    "hyperref": "texlive-latex-base",
    "booktabs": "texlive-latex-recommended",
    "caption": "texlive-latex-recommended",
    "placeins": "texlive-latex-extra",
    "lmodern": "lmodern",
}


def latex_packages(tex: str) -> list[str]:
    """The LaTeX packages a document loads with \\usepackage[...]{a,b}."""
    groups = re.findall(r"\\usepackage(?:\[[^\]]*\])?\{([^}]*)\}", tex)
    return [name.strip() for group in groups for name in group.split(",")]
