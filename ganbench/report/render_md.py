"""A :class:`Document` as GitHub Markdown, with the figures as files beside it."""

from __future__ import annotations

from tabulate import tabulate

from ganbench.report.document import Animation, Bullets, Cell, Document, Figure, Heading, Paragraph, Table

LABEL = {"table": "Table", "figure": "Figure"}


def _cell(c: Cell) -> str:
    text = c.text.replace("|", "\\|")
    main = f"**{text}**" if c.best and text else text
    detail = c.detail.replace("|", "\\|")
    return f"{main} ({detail})" if detail else main


def _text(doc: Document, text: str) -> str:
    return doc.resolve(text, lambda kind, key, n: f"{LABEL[kind]} {n}", lambda s: s)


def markdown(doc: Document, figures_dir: str = "figures") -> str:
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
