"""Trial ids: ``<dataset label>-<objective label>-s<seed>-<hash>``, the name of a trial's directory.

The hash is the first 10 hex digits of the SHA-256 of the resolved trial's canonical JSON
(sorted keys, no spaces), so a rerun of the same trial lands in the same directory and
any change of a parameter makes a new one. The readable prefix is for people; only
:func:`parse_trial_id` reads it back (for trials a suite lists that have no directory yet).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

_ID = re.compile(r"^(?P<prefix>.+)-s(?P<seed>\d+)-(?P<digest>[0-9a-f]{10})$")


def trial_id(trial: Mapping[str, Any]) -> str:
    """The id of a resolved trial given as plain data (:meth:`ganbench.trial.Trial.to_json`)."""
    digest = hashlib.sha256(json.dumps(trial, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f"{trial['dataset']['label']}-{trial['objective']['label']}-s{trial['seed']}-{digest[:10]}"


class ParsedId(NamedTuple):
    prefix: str  # '<dataset label>-<objective label>': labels may contain '-', so not split further
    seed: int | None


def parse_trial_id(text: str) -> ParsedId:
    """The readable parts of a trial id; an unrecognised name is all prefix, with no seed."""
    match = _ID.match(text)
    return ParsedId(match["prefix"], int(match["seed"])) if match else ParsedId(text, None)
