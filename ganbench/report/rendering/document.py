"""A report as a list of format-neutral blocks.

The numbers are formatted once, into the cells of these blocks; every renderer
(Markdown, HTML, LaTeX) only lays the same strings out, so the formats cannot
disagree.  Tables and figures are numbered in document order, the same in every
format; a paragraph names one as ``{table:KEY}`` or ``{figure:NAME}``, which each
renderer turns into its own reference ("Table 3", a link, ``Table~\\ref{...}``)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

REF = re.compile(r"\{(table|figure):([A-Za-z0-9._-]+)\}")


@dataclasses.dataclass
class Heading:
    text: str
    level: int = 2
    anchor: str = ""


@dataclasses.dataclass
class Paragraph:
    text: str
    warning: bool = False  # a caveat the reader must not miss (shown highlighted)


@dataclasses.dataclass
class Bullets:
    items: list[str]


@dataclasses.dataclass
class Cell:
    text: str
    best: bool = False
    detail: str = ""  # a second, smaller line (e.g. the per-seed values)
    sort: float | None = None  # the value an HTML table sorts by (the mean), when numeric


@dataclasses.dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    align: str = ""  # one character per column, "l" or "r"; default: first two left, the rest right
    key: str = ""  # unique: the anchor, the LaTeX label tab:KEY and the stand-alone snippet's file name

    def aligns(self) -> str:
        if self.align:
            return self.align
        n = len(self.headers)
        return ("ll" + "r" * n)[:n] if n > 1 else "l"


@dataclasses.dataclass
class Figure:
    name: str  # unique file stem, e.g. "ring-samples"; also the LaTeX label fig:NAME
    caption: str
    files: dict[str, bytes]  # form -> bytes: "screen" (PNG for the page), "png" (300 dpi), "pdf"
    group: str = ""  # consecutive figures of one group are alternatives: HTML shows one, with a selector
    option: str = ""  # this figure's name in its group's selector


@dataclasses.dataclass
class Animation:
    name: str  # file stem of the GIF
    caption: str
    gif: bytes


Block = Heading | Paragraph | Bullets | Table | Figure | Animation


@dataclasses.dataclass
class Document:
    title: str
    blocks: list[Block] = dataclasses.field(default_factory=list)
    #: the numbers behind the tables and figures, name -> records, exported as CSV and JSON
    data: dict[str, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]

    @property
    def animations(self) -> list[Animation]:
        return [b for b in self.blocks if isinstance(b, Animation)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def numbering(self) -> dict[int, int]:
        """id(block) -> number: tables with a caption, and figures, counted separately in document order
        (LaTeX numbers exactly these)."""
        out: dict[int, int] = {}
        tables = [t for t in self.tables if t.caption]
        for items in (tables, self.figures):
            for i, block in enumerate(items, 1):
                out[id(block)] = i
        return out

    def number(self, block: Table | Figure) -> int | None:
        return self.numbering().get(id(block))

    def numbers(self) -> dict[tuple[str, str], int]:
        """(kind, key) -> number, for references: ("table", key) and ("figure", name)."""
        numbering = self.numbering()
        out = {("table", t.key): numbering[id(t)] for t in self.tables if t.key and id(t) in numbering}
        out.update({("figure", f.name): numbering[id(f)] for f in self.figures})
        return out

    def resolve(self, text: str, ref: Callable[[str, str, int], str], escape: Callable[[str], str]) -> str:
        """``text`` escaped for a format, each ``{table:KEY}`` / ``{figure:NAME}`` replaced by
        ``ref(kind, key, number)`` (unknown keys are left as written)."""
        numbers = self.numbers()
        out, pos = [], 0
        for m in REF.finditer(text):
            kind, key = m.group(1), m.group(2)
            if (kind, key) not in numbers:
                continue
            out += [escape(text[pos : m.start()]), ref(kind, key, numbers[(kind, key)])]
            pos = m.end()
        out.append(escape(text[pos:]))
        return "".join(out)
