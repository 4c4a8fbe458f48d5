"""Writing a :class:`Document` in one or more formats from one set of drawn figures: GitHub
Markdown (written here) with its figures (150-dpi PNG) beside it, LaTeX with vector PDFs and 300-dpi PNGs
beside it, and a self-contained HTML page; every format also gets the exported data (CSV and
JSON), and LaTeX each table as a stand-alone snippet."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tabulate import tabulate

from ganbench.errors import ConfigError
from ganbench.io import atomic_write
from ganbench.report.rendering import exports
from ganbench.report.rendering.document import Animation, Bullets, Cell, Document, Figure, Heading, Paragraph, Table
from ganbench.report.rendering.html import html_page
from ganbench.report.rendering.latex import latex, snippet

FORMATS = {"md": ".md", "html": ".html", "latex": ".tex"}
#: figure forms each format needs (see :data:`ganbench.report.figures.plotting.DPI`); figures/NAME.png is the
#: sharpest PNG drawn, so a Markdown report written beside a LaTeX one shows the 300-dpi copy
FORMS = {"md": ("web",), "html": ("screen",), "latex": ("png", "pdf")}

__all__ = ["FORMATS", "FORMS", "companion", "forms", "html_page", "latex", "markdown", "output_paths", "write"]


def forms(formats: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(f for fmt in formats for f in FORMS[fmt]))


def output_paths(out: Path, fmt: str) -> tuple[Path, Path]:
    """(report file, figures directory) for ``--out``: a file with the format's suffix, whose
    companions go to ``NAME-figures/``, ``NAME-data/`` and ``NAME-tables/``; or a directory that
    receives ``report.<ext>``, ``figures/``, ``data/`` and ``tables/``."""
    return (
        (out, companion(out, "figures"))
        if out.suffix == FORMATS[fmt]
        else (out / f"report{FORMATS[fmt]}", out / "figures")
    )


def companion(out: Path, what: str) -> Path:
    """Where ``what`` (figures, data, tables) goes for ``--out``."""
    return out.with_name(f"{out.stem}-{what}") if out.suffix in FORMATS.values() else out / what


def write(doc: Document, formats: Sequence[str], out: Path) -> list[Path]:
    """Write ``doc`` in each format under ``out``; returns the report files' paths."""
    out = Path(out)
    if len(formats) > 1 and out.suffix in FORMATS.values():
        raise ConfigError(f"--out {out}: several formats need a directory, not a {out.suffix} file")
    paths = []
    figures_written = False
    for fmt in formats:
        report, figures = output_paths(out, fmt)
        if fmt == "html":
            atomic_write(report, html_page(doc).encode())
        else:
            if not figures_written:
                for fig in doc.figures:
                    atomic_write(figures / f"{fig.name}.png", fig.files.get("png") or fig.files["web"])
                    if "pdf" in fig.files:
                        atomic_write(figures / f"{fig.name}.pdf", fig.files["pdf"])
                for anim in doc.animations:
                    atomic_write(figures / f"{anim.name}.gif", anim.gif)
                figures_written = True
            rel = figures.relative_to(report.parent).as_posix()
            text = markdown(doc, rel) if fmt == "md" else latex(doc, rel)
            atomic_write(report, text.encode())
        if fmt == "latex":
            for table in doc.tables:
                if table.key:
                    atomic_write(companion(out, "tables") / f"{table.key}.tex", snippet(doc, table).encode())
        paths.append(report)
    exports.write(doc.data, companion(out, "data"))
    return paths


LABEL = {"table": "Table", "figure": "Figure"}


def _cell(c: Cell) -> str:
    text = c.text.replace("|", "\\|")
    main = f"**{text}**" if c.best and text else text
    detail = c.detail.replace("|", "\\|")
    return f"{main} ({detail})" if detail else main


def _text(doc: Document, text: str) -> str:
    return doc.resolve(text, lambda kind, key, n: f"{LABEL[kind]} {n}", lambda s: s)


def markdown(doc: Document, figures_dir: str = "figures") -> str:
    """``doc`` as GitHub Markdown, its figures as files in ``figures_dir`` beside it."""
    numbers = doc.numbering()
    out = [f"# {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Paragraph):
            text = _text(doc, block.text)
            out += [f"> {text}" if block.warning else text, ""]
        elif isinstance(block, Bullets):
            out += [f"- {_text(doc, item)}" for item in block.items] + [""]
        elif isinstance(block, Table):
            colalign = ["left" if a == "l" else "right" for a in block.aligns()]
            rows = [[_cell(c) for c in row] for row in block.rows]
            headers = [h.replace("|", "\\|") for h in block.headers]
            out += [tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True, colalign=colalign)]
            number = numbers.get(id(block))
            label = f"Table {number}: " if number else ""
            out += [f"\n*{label}{_text(doc, block.caption)}*" if block.caption or label else "", ""]
        elif isinstance(block, Figure):
            label = f"Figure {numbers[id(block)]}: {_text(doc, block.caption)}"
            vector = f" ([PDF]({figures_dir}/{block.name}.pdf))" if "pdf" in block.files else ""
            out += [f"![{label}]({figures_dir}/{block.name}.png)", "", f"*{label}*{vector}", ""]
        elif isinstance(block, Animation):
            out += [f"![{block.caption}]({figures_dir}/{block.name}.gif)", "", f"*Animation: {block.caption}*", ""]
    return "\n".join(out).rstrip() + "\n"
