"""The README's Python API example, executed as a notebook would run it."""

from __future__ import annotations

import contextlib
import io
import re

import pandas as pd

from tests.helpers.project import ROOT


def example() -> str:
    match = re.search(r"<!-- example: api -->\s*```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert match, "README has no 'api' example"
    return match.group(1)


def test_the_python_api_example_runs_a_suite_gets_frames_and_writes_a_report(tmp_path, monkeypatch):
    """In a copy of the repository's suites/quick.toml, cut to one seed and 20 steps (the example
    as written trains 10 trials of 60 steps): a table per objective, curves, a report."""
    quick = (ROOT / "suites" / "quick.toml").read_text()
    for old, new in (("seeds = 2", "seeds = 1"), ("steps = 60", "steps = 20"), ("eval_every = 30", "eval_every = 10")):
        assert old in quick
        quick = quick.replace(old, new)
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "quick.toml").write_text(quick)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example(), "README.md (example: api)", "exec"), namespace)
    assert printed.getvalue().startswith("False []\n")
    frame = namespace["frame"]
    assert isinstance(frame, pd.DataFrame) and len(frame) == 5 and set(frame["status"]) == {"complete"}
    curves = namespace["curves"]
    assert isinstance(curves, pd.DataFrame) and list(curves.index) == [0, 10, 20]
    assert sorted(curves.columns) == ["hinge", "lsgan", "minimax", "nonsaturating", "wgan-gp"]
    report = tmp_path / "results" / "quick" / "report"
    assert "wgan-gp" in (report / "report.md").read_text()
    assert (report / "report.html").read_text().startswith("<!DOCTYPE html>")
