"""`ganbench compare A B`: a real improvement is flagged, noise is not."""

from __future__ import annotations

import numpy as np
import pytest

from tests.report_helpers import FIXTURE, copy_fixture, md_tables, write_suite_json, write_trial


def _suite(root, name, shift, seeds=6, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    suite_dir = root / name
    for objective in ("base", "changed", "other"):
        for seed in range(seeds):
            energy = 1.0 + 0.05 * rng.normal() - (shift if objective == "changed" else 0.0)
            write_trial(suite_dir, "ring", objective, seed, {"energy": energy, "steps_per_s": 100 + rng.normal()})
    write_suite_json(suite_dir, {"energy": "min"})
    return suite_dir


@pytest.mark.parametrize("test", ["welch", "mannwhitney"])
def test_a_real_improvement_is_significant_and_noise_is_not(tmp_path, run_cli, test):
    a = _suite(tmp_path, "a", shift=0.0, rng_seed=1)
    b = _suite(tmp_path, "b", shift=0.5, rng_seed=2)
    code, out, err = run_cli("compare", a, b, "--test", test)
    assert code == 0, err
    rows = {(r[0], r[1]): r for r in md_tables(out)[1]}
    changed = rows[("changed", "energy ↓")]
    assert changed[5] == "better" and changed[-1] == "**yes**"
    for objective in ("base", "other"):
        assert rows[(objective, "energy ↓")][-1] == "no"
        assert rows[(objective, "steps_per_s ↑")][-1] == "no"
    assert "1 significant difference(s)" in out


def test_a_suite_against_itself_differs_nowhere(run_cli):
    code, out, err = run_cli("compare", FIXTURE, FIXTURE)
    assert code == 0, err
    assert "No significant difference" in out
    runs = md_tables(out)[0]
    assert ["nonsaturating", "2 ok, 1 failed", "2 ok, 1 failed"] in runs  # failed runs are shown on both sides


def test_mann_whitney_says_when_three_seeds_cannot_reach_alpha(run_cli, tmp_path):
    code, out, _ = run_cli("compare", FIXTURE, FIXTURE, "--test", "mannwhitney", "--out", tmp_path / "c.html")
    assert code == 0 and "smallest attainable p is 0.1" in out
    assert (tmp_path / "c.html").read_text().startswith("<!DOCTYPE html>")


def test_a_root_with_several_suites_is_refused(tmp_path, run_cli):
    copy_fixture(tmp_path, "one")
    copy_fixture(tmp_path, "two")
    code, _, err = run_cli("compare", tmp_path, FIXTURE)
    assert code == 2 and "holds 2 suites" in err
