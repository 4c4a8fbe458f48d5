"""A :class:`Document` as one self-contained HTML page: figures embedded as data URIs, a few
lines of inline script (sortable tables, a selector for alternative figures), no network."""

from __future__ import annotations

import base64
import html
from itertools import groupby

from ganbench.report.rendering.document import (
    Animation,
    Block,
    Bullets,
    Cell,
    Document,
    Figure,
    Heading,
    Paragraph,
    Table,
)

LABEL = {"table": "Table", "figure": "Figure"}
PREFIX = {"table": "tab-", "figure": "fig-"}

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; max-width: 1200px;
       padding: 0 1em; color: #222; line-height: 1.45; background: #fff; }
h1, h2, h3 { line-height: 1.2; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.88em; }
th, td { padding: .3em .6em; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
thead th { border-bottom: 2px solid #444; text-align: left; cursor: pointer; }
thead th[data-dir="asc"]::after { content: " ▴"; } thead th[data-dir="desc"]::after { content: " ▾"; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
td.r .v { white-space: nowrap; }
td .seeds { display: block; font-size: .8em; color: #666; }
td.best .v { font-weight: 700; } td.best { background: #eaf4ea; }
caption { caption-side: bottom; text-align: left; font-size: .85em; color: #555; padding-top: .4em; }
figure { margin: 1.5em 0; }
figure img, details img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
p.warning { background: #fff4e0; border-left: 4px solid #e0a030; padding: .5em .8em; }
nav ul { columns: 2; }
div.scroll { overflow-x: auto; }
div.choice button { margin-right: .3em; border: 1px solid #bbb; background: #f6f6f6; padding: .2em .6em;
                    cursor: pointer; }
div.choice button.on { background: #444; color: #fff; }
div.choice figure[hidden] { display: none; }
"""

SCRIPT = """
document.querySelectorAll("table.sortable").forEach(table => table.querySelectorAll("thead th").forEach(
  (th, col) => th.addEventListener("click", () => {
  const body = table.tBodies[0];
  const dir = th.dataset.dir === "asc" ? "desc" : "asc";
  th.closest("tr").querySelectorAll("th").forEach(h => delete h.dataset.dir);
  th.dataset.dir = dir;
  const key = tr => { const c = tr.cells[col]; const v = parseFloat(c.dataset.v);
                      return Number.isNaN(v) ? c.textContent.trim() : v; };
  const rows = Array.from(body.rows).sort((a, b) => {
    const x = key(a), y = key(b);
    const c = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
    return dir === "asc" ? c : -c; });
  rows.forEach(r => body.appendChild(r));
})));
document.querySelectorAll("div.choice").forEach(box => {
  const buttons = box.querySelectorAll("button"), figs = box.querySelectorAll("figure");
  buttons.forEach((b, i) => b.addEventListener("click", () => {
    buttons.forEach((x, j) => x.classList.toggle("on", i === j));
    figs.forEach((f, j) => { f.hidden = i !== j; });
  }));
});
"""


def _text(doc: Document, text: str) -> str:
    return doc.resolve(text, lambda kind, key, n: f'<a href="#{PREFIX[kind]}{key}">{LABEL[kind]} {n}</a>', html.escape)


def _cell(c: Cell, align: str) -> str:
    cls = ("r" if align == "r" else "l") + (" best" if c.best else "")
    sort = f' data-v="{c.sort!r}"' if c.sort is not None else ""
    main = html.escape(c.text)
    main = f"<strong>{main}</strong>" if c.best and main else main
    detail = f'<span class="seeds">{html.escape(c.detail)}</span>' if c.detail else ""
    return f'<td class="{cls}"{sort}><span class="v">{main}</span>{detail}</td>'


def _table(doc: Document, t: Table, number: int | None) -> str:
    al = t.aligns()
    head = "".join(f'<th class="{a}">{html.escape(h)}</th>' for h, a in zip(t.headers, al, strict=True))
    body = "".join("<tr>" + "".join(_cell(c, a) for c, a in zip(row, al, strict=True)) + "</tr>" for row in t.rows)
    label = f"Table {number}: " if number else ""
    caption = f"<caption>{label}{_text(doc, t.caption)}</caption>" if t.caption or label else ""
    ident = f' id="tab-{html.escape(t.key)}"' if t.key else ""
    table = f'<table class="sortable"{ident}>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'<div class="scroll">{table}</div>'


def _figure(doc: Document, f: Figure, number: int, hidden: bool = False) -> str:
    data = base64.b64encode(f.files["screen"]).decode("ascii")
    caption = f"Figure {number}: {_text(doc, f.caption)}"
    return (
        f'<figure id="fig-{html.escape(f.name)}"{" hidden" if hidden else ""}>'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(f.caption)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _block(doc: Document, block: Block, numbers: dict[int, int]) -> str:
    if isinstance(block, Heading):
        anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
        return f"<h{block.level}{anchor}>{html.escape(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        cls = ' class="warning"' if block.warning else ""
        return f"<p{cls}>{_text(doc, block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{_text(doc, i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Table):
        return _table(doc, block, numbers.get(id(block)))
    if isinstance(block, Figure):
        return _figure(doc, block, numbers[id(block)])
    if isinstance(block, Animation):
        data = base64.b64encode(block.gif).decode("ascii")
        return (
            f"<details><summary>Animation: {html.escape(block.caption)}</summary>"
            f'<img src="data:image/gif;base64,{data}" alt="{html.escape(block.caption)}"></details>'
        )
    raise TypeError(f"not a block: {block!r}")


def html_page(doc: Document) -> str:
    numbers = doc.numbering()
    parts = []
    toc = [b for b in doc.blocks if isinstance(b, Heading) and b.level == 2 and b.anchor]
    if toc:
        items = "".join(f'<li><a href="#{html.escape(h.anchor)}">{html.escape(h.text)}</a></li>' for h in toc)
        parts.append(f"<nav><ul>{items}</ul></nav>")

    def key(b: Block) -> str:
        return b.group if isinstance(b, Figure) and b.group else f"\0{id(b)}"

    for group, run in groupby(doc.blocks, key=key):
        blocks = list(run)
        if group.startswith("\0") or len(blocks) == 1:
            parts += [_block(doc, b, numbers) for b in blocks]
            continue
        figs = [b for b in blocks if isinstance(b, Figure)]
        on = ' class="on"'
        buttons = "".join(
            f'<button type="button"{on if i == 0 else ""}>{html.escape(f.option or f.name)}</button>'
            for i, f in enumerate(figs)
        )
        body = "".join(_figure(doc, f, numbers[id(f)], hidden=i > 0) for i, f in enumerate(figs))
        parts.append(f'<div class="choice"><div>{buttons}</div>{body}</div>')
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(doc.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(doc.title)}</h1>\n{body}\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
