"""A report as a list of format-neutral blocks.

The numbers are formatted once, into the cells of these blocks; every renderer
(Markdown, HTML, LaTeX) only lays the same strings out, so the formats cannot
disagree."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class Heading:
    text: str
    level: int = 2
    anchor: str = ""


@dataclasses.dataclass
class Paragraph:
    text: str


@dataclasses.dataclass
class Bullets:
    items: list[str]


@dataclasses.dataclass
class Cell:
    text: str
    best: bool = False


@dataclasses.dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    align: str = ""  # one character per column, "l" or "r"; default: first two left, the rest right

    def aligns(self) -> str:
        if self.align:
            return self.align
        n = len(self.headers)
        return ("ll" + "r" * n)[:n] if n > 1 else "l"


@dataclasses.dataclass
class Figure:
    name: str  # unique file stem, e.g. "ring-samples"
    png: bytes
    caption: str


Block = Heading | Paragraph | Bullets | Table | Figure


@dataclasses.dataclass
class Document:
    title: str
    blocks: list[Block] = dataclasses.field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]
