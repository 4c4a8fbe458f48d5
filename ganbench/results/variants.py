"""Telling apart trials of one dataset and objective that ran with different configurations.

A suite directory keeps the trials of earlier versions of its suite (a changed option makes
new trial ids; the old directories stay). When a reader asks for every trial, the trials
of one (dataset, objective) pair may then hold several configurations; :func:`tell_apart`
names each by the settings in which they differ, e.g. ``kl [generator = saturating]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: config keys that differ between trials of one configuration (or are the labels themselves)
_SAME = ("seed", "dataset.label", "objective.label")


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """A resolved trial's settings as dotted keys, values as text: {"objective.options.scale": "2.0"}."""
    out: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        elif name not in _SAME:
            out[name] = str(value)
    return out


def _short(keys: Iterable[str]) -> dict[str, str]:
    """Each dotted key by its last part, or whole where two keys share their last part."""
    keys = list(keys)
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: s if last.count(s) == 1 else k for k, s in zip(keys, last, strict=True)}


def labels(configs: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """For the configs of one (dataset, objective) pair (trial id -> config): each trial's
    suffix naming the settings its configuration differs in, "" where all agree."""
    flat = {tid: flatten(c) for tid, c in configs.items()}
    keys = sorted({k for f in flat.values() for k in f})
    differing = [k for k in keys if len({f.get(k, "–") for f in flat.values()}) > 1]
    short = _short(differing)
    return {
        tid: ", ".join(f"{short[k]} = {f.get(k, '–')}" for k in differing) if differing else ""
        for tid, f in flat.items()
    }
