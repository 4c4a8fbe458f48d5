"""Property-based tests: random TOML documents and random bytes fed to `ganbench validate`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganbench.cli import main
from tests.helpers.project import ROOT

QUICK = tomllib.loads((ROOT / "suites" / "quick.toml").read_text())
#: inputs each property is tried on: 150 in the default run, a longer search in the slow run
EXAMPLES = [pytest.param(150, id="default"), pytest.param(1000, id="thorough", marks=pytest.mark.slow)]


def budget(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None)


keys = st.sampled_from(
    ["name", "seeds", "metrics", "train", "model", "datasets", "objectives", "steps", "sigma", "x", "", "é"]
) | st.text(min_size=1, max_size=8)
scalars = (
    st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=True)
    | st.booleans()
    | st.text(max_size=12)
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3), max_leaves=10
)


def toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(v), repr(v))
    if isinstance(v, str):
        return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in v) + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    assert isinstance(v, dict)
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


def toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml_value(k)


def document(d: dict) -> str:
    return "\n".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in d.items()) + "\n"


def validate(capsys, tmp_path: Path, data: bytes) -> tuple[int, str]:
    path = tmp_path / "suite.toml"
    path.write_bytes(data)
    code = main(["validate", str(path)])
    _, err = capsys.readouterr()
    return code, err


def assert_clean_failure(code: int, err: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("ganbench: error: ")


@pytest.mark.parametrize("examples", EXAMPLES)
def test_random_bytes_never_crash(capsys, tmp_path, examples):
    @budget(examples)
    @given(st.binary(max_size=300))
    def check(data):
        code, err = validate(capsys, tmp_path, data)
        assert_clean_failure(code, err)  # random bytes never make a suite with datasets and objectives

    check()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_random_toml_documents_never_crash(capsys, tmp_path, examples):
    @budget(examples)
    @given(st.dictionaries(keys, values, max_size=6))
    def check(doc):
        text = document(doc)
        code, err = validate(capsys, tmp_path, text.encode())
        if "datasets" not in doc or "objectives" not in doc:
            assert_clean_failure(code, err)
        else:
            assert code in (0, 2) and "Traceback" not in err

    check()


TYPED = {  # (section, key): a value of the right type, to be replaced by one of a wrong type
    ("train", "steps"): int,
    ("train", "batch_size"): int,
    ("train", "eval_every"): int,
    ("model", "width"): int,
    ("model", "depth"): int,
    ("model", "latent_dim"): int,
    ("datasets", "sigma"): float,
    ("datasets", "radius"): float,
    ("datasets", "modes"): int,
    ("objectives", "n_critic"): int,
    ("objectives", "lr_d"): float,
    ("objectives", "penalty_weight"): float,
}

wrong_values = st.one_of(
    st.text(max_size=5),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=1),
)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_a_value_of_the_wrong_type_is_always_rejected_naming_its_key(capsys, tmp_path, examples):
    @budget(examples)
    @given(st.sampled_from(sorted(TYPED)), wrong_values)
    def check(field, value):
        section, key = field
        doc = {
            k: (
                v.copy()
                if isinstance(v, dict)
                else [dict(x) for x in v]
                if isinstance(v, list) and v and isinstance(v[0], dict)
                else v
            )
            for k, v in QUICK.items()
        }
        target = doc[section][0] if isinstance(doc[section], list) else doc[section]
        target[key] = value
        text = "\n".join(
            f"{k} = {toml_value(v)}" for k, v in doc.items() if not isinstance(v, (dict, list)) or k == "metrics"
        )
        for k, v in doc.items():
            if isinstance(v, dict):
                text += f"\n[{k}]\n" + document(v)
            elif isinstance(v, list) and k != "metrics":
                for entry in v:
                    text += f"\n[[{k}]]\n" + document(entry)
        code, err = validate(capsys, tmp_path, text.encode())
        assert_clean_failure(code, err)
        assert f".{key}" in err or f"{key}:" in err

    check()
