"""Lay a :class:`Document` out as GitHub Markdown, a self-contained HTML page, or LaTeX (booktabs).

Markdown and LaTeX refer to figures as PNG files written beside the report;
HTML embeds them as base64 data URIs, so the page opens from a file with no
server and no network."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from tabulate import tabulate

from ganbench.report.document import Bullets, Document, Figure, Heading, Paragraph, Table
from ganbench.results import atomic_write

FORMATS = {"md": ".md", "html": ".html", "latex": ".tex"}


# ------------------------------------------------------------------ Markdown


def _md_cell(text: str, best: bool = False) -> str:
    text = text.replace("|", "\\|")
    return f"**{text}**" if best and text else text


def markdown(doc: Document, figures_dir: str = "figures") -> str:
    out = [f"# {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Paragraph):
            out += [block.text, ""]
        elif isinstance(block, Bullets):
            out += [f"- {item}" for item in block.items] + [""]
        elif isinstance(block, Table):
            colalign = ["left" if a == "l" else "right" for a in block.aligns()]
            rows = [[_md_cell(c.text, c.best) for c in row] for row in block.rows]
            headers = [_md_cell(h) for h in block.headers]
            out += [tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True, colalign=colalign)]
            out += [f"\n*{block.caption}*" if block.caption else "", ""]
        elif isinstance(block, Figure):
            out += [f"![{block.caption}]({figures_dir}/{block.name}.png)", "", f"*{block.caption}*", ""]
    return "\n".join(out).rstrip() + "\n"


# ------------------------------------------------------------------ HTML

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; max-width: 1200px;
       padding: 0 1em; color: #222; line-height: 1.45; background: #fff; }
h1, h2, h3 { line-height: 1.2; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { padding: .3em .7em; border-bottom: 1px solid #e4e4e4; white-space: nowrap; }
thead th { border-bottom: 2px solid #444; text-align: left; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: 700; background: #eaf4ea; }
caption { caption-side: bottom; text-align: left; font-size: .85em; color: #555; padding-top: .4em; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
nav ul { columns: 2; }
div.scroll { overflow-x: auto; }
"""


def _html_table(t: Table) -> str:
    al = t.aligns()
    head = "".join(
        f'<th class="{"r" if a == "r" else "l"}">{html.escape(h)}</th>' for h, a in zip(t.headers, al, strict=True)
    )
    body = []
    for row in t.rows:
        cells = []
        for c, a in zip(row, al, strict=True):
            cls = ("r" if a == "r" else "l") + (" best" if c.best else "")
            text = html.escape(c.text)
            cells.append(f'<td class="{cls}">{f"<strong>{text}</strong>" if c.best else text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"<caption>{html.escape(t.caption)}</caption>" if t.caption else ""
    table = f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def html_page(doc: Document) -> str:
    parts = []
    toc = [b for b in doc.blocks if isinstance(b, Heading) and b.level == 2 and b.anchor]
    if toc:
        items = "".join(f'<li><a href="#{html.escape(h.anchor)}">{html.escape(h.text)}</a></li>' for h in toc)
        parts.append(f"<nav><ul>{items}</ul></nav>")
    for block in doc.blocks:
        if isinstance(block, Heading):
            anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
            parts.append(f"<h{block.level}{anchor}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, Bullets):
            parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Table):
            parts.append(_html_table(block))
        elif isinstance(block, Figure):
            data = base64.b64encode(block.png).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(block.caption)}">'
                f"<figcaption>{html.escape(block.caption)}</figcaption></figure>"
            )
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(doc.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(doc.title)}</h1>\n{body}\n</body>\n</html>\n"
    )


# ------------------------------------------------------------------ LaTeX

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_TEX_UNICODE = {
    "↑": r"$\uparrow$",
    "↓": r"$\downarrow$",
    "–": "--",
    "—": "---",
    "±": r"$\pm$",
    "×": r"$\times$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "≠": r"$\neq$",
    "α": r"$\alpha$",
    "σ": r"$\sigma$",
    "χ²": r"$\chi^2$",
    "χ": r"$\chi$",
    "²": r"\textsuperscript{2}",
    "‖": r"$\Vert$",
    "…": r"\ldots{}",
    "“": "``",
    "”": "''",
    "’": "'",
    "·": r"$\cdot$",
    "−": "-",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "Š": r"\v{S}",
    "š": r"\v{s}",
}
_TEX_RE = re.compile("|".join(re.escape(k) for k in sorted({**_TEX_SPECIAL, **_TEX_UNICODE}, key=len, reverse=True)))


def tex_escape(text: str) -> str:
    table = {**_TEX_SPECIAL, **_TEX_UNICODE}
    return _TEX_RE.sub(lambda m: table[m.group(0)], text)


def _tex_table(t: Table) -> list[str]:
    cols = t.aligns()
    lines = [
        r"\begin{table}[htbp]",
        r"\centering\small",
        r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%",
        rf"\begin{{tabular}}{{{cols}}}",
        r"\toprule",
        " & ".join(tex_escape(h) for h in t.headers) + r" \\",
        r"\midrule",
    ]
    for row in t.rows:
        cells = [rf"\textbf{{{tex_escape(c.text)}}}" if c.best else tex_escape(c.text) for c in row]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}}"]
    if t.caption:
        lines.append(rf"\caption*{{{tex_escape(t.caption)}}}")
    lines += [r"\end{table}", ""]
    return lines


def latex(doc: Document, figures_dir: str = "figures") -> str:
    out = [
        "% ganbench report: pdflatex this file with the figures directory beside it",
        r"\documentclass[10pt]{article}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{booktabs}",
        r"\usepackage{graphicx}",
        r"\usepackage{caption}",
        r"\usepackage[hidelinks]{hyperref}",
        rf"\title{{{tex_escape(doc.title)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
    ]
    commands = {2: "section*", 3: "subsection*", 4: "subsubsection*"}
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += [rf"\{commands.get(block.level, 'paragraph*')}{{{tex_escape(block.text)}}}", ""]
        elif isinstance(block, Paragraph):
            out += [tex_escape(block.text), ""]
        elif isinstance(block, Bullets):
            out += [r"\begin{itemize}"] + [rf"\item {tex_escape(i)}" for i in block.items] + [r"\end{itemize}", ""]
        elif isinstance(block, Table):
            out += _tex_table(block)
        elif isinstance(block, Figure):
            out += [
                r"\begin{figure}[htbp]",
                r"\centering",
                rf"\includegraphics[width=\linewidth,height=0.8\textheight,keepaspectratio]{{{figures_dir}/{block.name}.png}}",
                rf"\caption*{{{tex_escape(block.caption)}}}",
                r"\end{figure}",
                "",
            ]
    out += [r"\end{document}", ""]
    return "\n".join(out)


# ------------------------------------------------------------------ writing


def output_paths(out: Path, fmt: str) -> tuple[Path, Path]:
    """(report file, figures directory) for ``--out``: a file with the format's suffix,
    or a directory that receives ``report.<ext>`` and ``figures/``."""
    suffix = FORMATS[fmt]
    if out.suffix == suffix:
        return out, out.with_name(out.stem + "-figures")
    return out / f"report{suffix}", out / "figures"


def write(doc: Document, fmt: str, out: Path) -> Path:
    """Write ``doc`` in ``fmt`` under ``out``; returns the report file's path."""
    report, figures = output_paths(Path(out), fmt)
    if fmt == "html":
        atomic_write(report, html_page(doc).encode())
        return report
    rel = figures.name
    for fig in doc.figures:
        atomic_write(figures / f"{fig.name}.png", fig.png)
    text = markdown(doc, rel) if fmt == "md" else latex(doc, rel)
    atomic_write(report, text.encode())
    return report
