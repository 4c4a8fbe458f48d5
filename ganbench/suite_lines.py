"""Where a key of a suite file is: the line an error message names.

A suite's errors name the dotted key they concern (``objectives[1].lr_d``,
``search.space.lr_g``); :func:`locate` finds its line in the file's text, best effort.
"""

from __future__ import annotations

import re


def locate(text: str, key: str | None) -> int | None:
    """Best-effort line number of dotted ``key`` in TOML ``text``: ``objectives[1].lr_d`` in the
    second ``[[objectives]]`` table, ``search.space.lr_g`` in ``[search.space]`` (or as ``space``
    in ``[search]``), ``train.steps`` in ``[train]``, ``seeds`` at the top."""
    if not key:
        return None
    lines = text.splitlines()
    parts = re.findall(r"([A-Za-z0-9_\-]+)(?:\[(\d+)\])?", key)
    if not any(index for _, index in parts):
        return _locate_dotted(lines, [name for name, _ in parts])
    nested = _locate_nested_array(lines, parts)
    if nested is not None:
        return nested
    start, end = 0, len(lines)
    headers = [i for i, ln in enumerate(lines) if ln.strip().startswith("[")]
    for depth, (name, index) in enumerate(parts):
        is_last = depth == len(parts) - 1
        if index:
            hits = [
                i for i in headers if start <= i < end and re.match(rf"\s*\[\[\s*{re.escape(name)}\s*\]\]", lines[i])
            ]
            if hits and int(index) < len(hits):
                start = hits[int(index)]
                end = next((h for h in headers if h > start), len(lines))
                if is_last:
                    return start + 1
                start += 1
                continue
        hdr = [i for i in headers if start <= i < end and re.match(rf"\s*\[\s*{re.escape(name)}\s*\]", lines[i])]
        if hdr and not is_last:
            start = hdr[0] + 1
            end = next((h for h in headers if h > hdr[0]), len(lines))
            continue
        top_end = next((h for h in headers if h >= start), end) if depth == 0 else end
        for i in range(start, min(end, top_end) if depth == 0 else end):
            if re.match(rf"\s*{re.escape(name)}\s*=", lines[i]):
                return i + 1
        if hdr:
            return hdr[0] + 1
        return None
    return None


def _locate_dotted(lines: list[str], names: list[str]) -> int | None:
    """The line of key ``a.b.c`` (no array index): under the longest table header that is a
    prefix of it (``[a.b]`` then ``c = ``; ``[a.b.c]`` itself), else ``a = `` before any header."""
    if not names:
        return None
    headers = [i for i, ln in enumerate(lines) if ln.strip().startswith("[")]

    def assignment(name: str, start: int, stop: int) -> int | None:
        pattern = rf"\s*[\"']?{re.escape(name)}[\"']?\s*="
        return next((i + 1 for i in range(start, stop) if re.match(pattern, lines[i])), None)

    for depth in range(len(names), 0, -1):
        dotted = r"\s*\.\s*".join(rf"[\"']?{re.escape(n)}[\"']?" for n in names[:depth])
        header = next((i for i in headers if re.match(rf"\s*\[\s*{dotted}\s*\](?!\])", lines[i])), None)
        if header is None:
            continue
        if depth == len(names):
            return header + 1
        stop = next((h for h in headers if h > header), len(lines))
        return assignment(names[depth], header + 1, stop) or header + 1
    return assignment(names[0], 0, headers[0] if headers else len(lines))


def _locate_nested_array(lines: list[str], parts: list[tuple[str, str]]) -> int | None:
    """The line of ``a.b[i]`` or ``a.b[i].c``: the i-th ``[[a.b]]`` table, then ``c = `` in it
    (its header when ``c`` is not there). None when the key has no such form or no such table."""
    first = next(depth for depth, (_, index) in enumerate(parts) if index)
    if first == 0:
        return None
    dotted = r"\s*\.\s*".join(re.escape(name) for name, _ in parts[: first + 1])
    hits = [i for i, ln in enumerate(lines) if re.match(rf"\s*\[\[\s*{dotted}\s*\]\]", ln)]
    index = int(parts[first][1])
    if index >= len(hits):
        return None
    start = hits[index]
    if first == len(parts) - 1:
        return start + 1
    stop = next((i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("[")), len(lines))
    name = parts[first + 1][0]
    pattern = rf"\s*[\"']?{re.escape(name)}[\"']?\s*="
    return next((i + 1 for i in range(start + 1, stop) if re.match(pattern, lines[i])), start + 1)
