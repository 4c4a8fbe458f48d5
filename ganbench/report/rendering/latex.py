"""A :class:`Document` as LaTeX that pastes into a paper: numbered sections, tables and
figures with ``\\label``s, booktabs tables sized to the text width (a smaller font before a
wider page, long text wrapped), vector figures, Latin Modern Type 1 fonts, floats kept in
their section (placeins), and each table also as a stand-alone ``\\input``-able snippet."""

from __future__ import annotations

import re

from ganbench.report.rendering.document import Animation, Bullets, Cell, Document, Figure, Heading, Paragraph, Table

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
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
_GREEK = "αβγδεζηθικλμνξπρστυφχψω"
_GREEK_NAMES = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi chi psi"
    " omega"
)
_TEX_UNICODE = {
    **{g: rf"$\{n}$" for g, n in zip(_GREEK, _GREEK_NAMES.split(), strict=True)},
    "↑": r"$\uparrow$",
    "↓": r"$\downarrow$",
    "→": r"$\rightarrow$",
    "–": "--",
    "—": "---",
    "±": r"$\pm$",
    "×": r"$\times$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "≠": r"$\neq$",
    "≈": r"$\approx$",
    "Δ": r"$\Delta$",
    "Σ": r"$\Sigma$",
    "χ²": r"$\chi^2$",
    "²": r"\textsuperscript{2}",
    "³": r"\textsuperscript{3}",
    "⁶": r"\textsuperscript{6}",
    "√": r"$\surd$",
    "′": "'",
    "‖": r"$\Vert$",
    "…": r"\ldots{}",
    "“": "``",
    "”": "''",
    "’": "'",
    "·": r"$\cdot$",
    "−": "-",
    "▴": "",
    "▾": "",
}
_TABLE = {**_TEX_SPECIAL, **_TEX_UNICODE}
_TEX_RE = re.compile("|".join(re.escape(k) for k in sorted(_TABLE, key=len, reverse=True)))
#: characters pdflatex's utf8 + T1 set-up can typeset without a mapping (Latin-1 and Latin Extended-A)
_LATIN = 0x17F

PREAMBLE = r"""\documentclass[10pt,a4paper]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{textcomp}
\usepackage[margin=2cm]{geometry}
\usepackage{booktabs}
\usepackage{array}
\usepackage{graphicx}
\usepackage[font=small,labelfont=bf]{caption}
\captionsetup[table]{position=top}
\usepackage[section]{placeins}
\usepackage[hidelinks]{hyperref}
\ifdefined\pdfgentounicode\input{glyphtounicode}\pdfgentounicode=1\fi
"""
#: a table cell with a second, smaller line (the per-seed values)
CELL_MACRO = r"\providecommand{\gbcell}[2]{\begin{tabular}[t]{@{}r@{}}#1\\[-1pt]{\scriptsize #2}\end{tabular}}"
TEXTWIDTH_PT = 483.0  # A4 less 2 cm margins
SIZES = ((r"\small", 9.0), (r"\footnotesize", 8.0), (r"\scriptsize", 7.0))
SEP_PT = 8.0  # 2 × \tabcolsep of 4pt
WRAP_CHARS = 32  # a left-aligned column with longer text wraps (a p-column)


def tex_escape(text: str) -> str:
    out = _TEX_RE.sub(lambda m: _TABLE[m.group(0)], text)
    return "".join(c if ord(c) <= _LATIN else "?" for c in out)


def _ref(kind: str, key: str, number: int) -> str:
    return rf"{'Table' if kind == 'table' else 'Figure'}~\ref{{{'tab' if kind == 'table' else 'fig'}:{key}}}"


def _text(doc: Document, text: str) -> str:
    return doc.resolve(text, _ref, tex_escape)


def _cell(c: Cell) -> str:
    main = tex_escape(c.text)
    main = rf"\textbf{{{main}}}" if c.best and main else main
    return rf"\gbcell{{{main}}}{{{tex_escape(c.detail)}}}" if c.detail else main


def _layout(t: Table) -> tuple[str, str, bool]:
    """(font size command, column spec, whether to shrink to the width as a last resort)."""
    aligns = t.aligns()
    chars = [
        max([len(h)] + [max(len(row[i].text), 0.8 * len(row[i].detail)) for row in t.rows])
        for i, h in enumerate(t.headers)
    ]
    wrap = [i for i, a in enumerate(aligns) if a == "l" and chars[i] > WRAP_CHARS]
    for size, pt in SIZES:
        widths = [c * 0.5 * pt + SEP_PT for c in chars]
        fixed = sum(w for i, w in enumerate(widths) if i not in wrap)
        if not wrap and fixed <= TEXTWIDTH_PT:
            return size, aligns, False
        avail = TEXTWIDTH_PT - fixed - SEP_PT * len(wrap)
        if wrap and avail >= 80.0 * len(wrap):
            spec = "".join(
                rf">{{\raggedright\arraybackslash}}p{{{min(avail / len(wrap), widths[i]):.0f}pt}}" if i in wrap else a
                for i, a in enumerate(aligns)
            )
            return size, spec, False
    return SIZES[-1][0], aligns, True


def table_float(doc: Document, t: Table) -> list[str]:
    size, spec, shrink = _layout(t)
    lines = [r"\begin{table}[!htbp]", r"\centering", size, r"\setlength{\tabcolsep}{4pt}"]
    if t.caption:
        lines.append(rf"\caption{{{_text(doc, t.caption)}}}")
    if t.key:
        lines.append(rf"\label{{tab:{t.key}}}")
    if shrink:
        lines.append(r"\resizebox{\linewidth}{!}{%")
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", " & ".join(tex_escape(h) for h in t.headers) + r" \\"]
    lines.append(r"\midrule")
    lines += [" & ".join(_cell(c) for c in row) + r" \\" for row in t.rows]
    lines += [r"\bottomrule", r"\end{tabular}" + ("}" if shrink else ""), r"\end{table}"]
    return lines


def snippet(doc: Document, t: Table) -> str:
    """A table as a stand-alone file: ``\\input`` it in a document that loads booktabs and array."""
    head = [f"% ganbench table {t.key}: \\input this file; it needs \\usepackage{{booktabs,array}}", CELL_MACRO]
    return "\n".join(head + table_float(doc, t)) + "\n"


def latex(doc: Document, figures_dir: str = "figures") -> str:
    out = [
        "% ganbench report: pdflatex this file (twice, for the references) with its figures directory beside it",
        PREAMBLE.rstrip(),
        CELL_MACRO,
        rf"\title{{{tex_escape(doc.title)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
    ]
    commands = {2: "section", 3: "subsection", 4: "subsubsection"}
    for block in doc.blocks:
        if isinstance(block, Heading):
            label = rf"\label{{sec:{block.anchor}}}" if block.anchor else ""
            out += [r"\FloatBarrier", rf"\{commands.get(block.level, 'paragraph')}{{{tex_escape(block.text)}}}{label}"]
            out.append("")
        elif isinstance(block, Paragraph):
            text = _text(doc, block.text)
            if block.warning:
                text = rf"\noindent\fbox{{\parbox{{\dimexpr\linewidth-2\fboxsep-2\fboxrule}}{{{text}}}}}"
            out += [text, ""]
        elif isinstance(block, Bullets):
            out += [r"\begin{itemize}"] + [rf"\item {_text(doc, i)}" for i in block.items] + [r"\end{itemize}", ""]
        elif isinstance(block, Table):
            out += [*table_float(doc, block), ""]
        elif isinstance(block, Figure):
            form = "pdf" if "pdf" in block.files else "png"
            out += [
                r"\begin{figure}[!htbp]",
                r"\centering",
                rf"\includegraphics[width=\linewidth,height=0.75\textheight,keepaspectratio]{{{figures_dir}/{block.name}.{form}}}",
                rf"\caption{{{_text(doc, block.caption)}}}",
                rf"\label{{fig:{block.name}}}",
                r"\end{figure}",
                "",
            ]
        elif isinstance(block, Animation):
            path = tex_escape(f"{figures_dir}/{block.name}.gif")
            out += [rf"\noindent Animation (not in print: \texttt{{{path}}}): {tex_escape(block.caption)}", ""]
    out += [r"\FloatBarrier", r"\end{document}", ""]
    return "\n".join(out)
