"""`ganbench compare A B`: a real improvement is flagged, noise is not; runs on shared seeds are
paired; timing figures are a Holm family of their own; the minimum detectable effect is right."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ganbench.report.statistics.twosample import compare_runs, min_detectable
from tests.helpers.report import FIXTURE, copy_fixture, md_tables, write_suite_json, write_trial


def _suite(root, name, shift, seeds=6, rng_seed=0, seed_effect=None):
    """Three objectives; 'changed' is better by ``shift``; ``seed_effect`` (per seed) is shared by
    both sides of a comparison, as a seed's initialisation and data stream are."""
    rng = np.random.default_rng(rng_seed)
    suite_dir = root / name
    for objective in ("base", "changed", "other"):
        for seed in range(seeds):
            common = 0.0 if seed_effect is None else seed_effect[seed]
            energy = 1.0 + common + 0.05 * rng.normal() - (shift if objective == "changed" else 0.0)
            write_trial(suite_dir, "ring", objective, seed, {"energy": energy, "steps_per_s": 100 + rng.normal()})
    write_suite_json(suite_dir, {"energy": "min"})
    return suite_dir


def _rows(out: str) -> dict[tuple[str, str], list[str]]:
    return {(r[0], r[1]): r for t in md_tables(out)[1:] for r in t if len(r) == 10}


# ------------------------------------------------------------------ the tests, against scipy


def test_shared_seeds_are_paired_and_others_are_not():
    a = {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0}
    b = {0: 1.3, 1: 2.2, 2: 3.5, 3: 4.1}
    paired = compare_runs(a, b, "t")
    assert paired.paired and paired.n == 4
    assert paired.p == pytest.approx(stats.ttest_rel(list(b.values()), list(a.values())).pvalue)
    unpaired = compare_runs(a, b, "t", paired=False)
    assert not unpaired.paired
    assert unpaired.p == pytest.approx(stats.ttest_ind(list(a.values()), list(b.values()), equal_var=False).pvalue)
    assert paired.p < 0.05 < unpaired.p  # the seed effect hides the change unless paired
    rank = compare_runs(a, b, "rank")
    assert rank.p == pytest.approx(stats.wilcoxon([0.3, 0.2, 0.5, 0.1]).pvalue)
    assert "smallest attainable p is 0.12" in rank.note  # 4 pairs: 2 / 2^4
    other = compare_runs({0: 1.0, 1: 2.0, 2: 3.0}, {5: 1.0, 6: 2.5, 7: 3.5}, "rank")
    assert not other.paired
    assert other.p == pytest.approx(stats.mannwhitneyu([1, 2, 3], [1, 2.5, 3.5], alternative="two-sided").pvalue)


def test_degenerate_comparisons_say_why():
    assert compare_runs({0: 1.0, 1: 1.0}, {0: 1.0, 1: 1.0}).p == 1.0
    assert math.isnan(compare_runs({0: 1.0}, {1: 2.0, 2: 3.0}).p)
    assert "no finished run" in compare_runs({}, {1: 2.0}).note
    same_shift = compare_runs({0: 1.0, 1: 2.0}, {0: 1.5, 1: 2.5})
    assert math.isnan(same_shift.p) and "same difference" in same_shift.note


@pytest.mark.parametrize(("n", "paired"), [(10, True), (5, True), (6, False)])
def test_the_minimum_detectable_effect_has_80_percent_power(n, paired):
    """Simulated: a true difference equal to the MDE is detected about 80% of the time."""
    rng = np.random.default_rng(1)
    sd = 2.0
    se, df = (sd / math.sqrt(n), n - 1) if paired else (sd * math.sqrt(2 / n), 2 * n - 2)
    mde = min_detectable(se, df)
    reps = 20_000
    if paired:
        d = rng.normal(mde, sd, (reps, n))
        p = stats.ttest_1samp(d, 0.0, axis=1).pvalue
    else:
        x, y = rng.normal(0.0, sd, (reps, n)), rng.normal(mde, sd, (reps, n))
        p = stats.ttest_ind(x, y, axis=1).pvalue
    assert float(np.mean(p < 0.05)) == pytest.approx(0.80, abs=0.015)
    # Cohen's tables: a one-sample (paired) t-test at n = 10 needs d ≈ 0.99 for 80% power
    if paired and n == 10:
        assert mde / sd == pytest.approx(0.99, abs=0.01)


# ------------------------------------------------------------------ the command


@pytest.mark.parametrize(("test", "seeds"), [("t", 6), ("rank", 8)])  # signed ranks: p ≥ 2/2^n, Holm × 3
def test_a_real_improvement_is_significant_and_noise_is_not(tmp_path, run_cli, test, seeds):
    a = _suite(tmp_path, "a", shift=0.0, seeds=seeds, rng_seed=1)
    b = _suite(tmp_path, "b", shift=0.5, seeds=seeds, rng_seed=2)
    code, out, err = run_cli("compare", a, b, "--test", test)
    assert code == 0, err
    rows = _rows(out)
    changed = rows[("changed", "energy ↓")]
    assert changed[-1] == "**better (significant)**" and changed[5] == f"{seeds} paired"
    for objective in ("base", "other"):
        assert "significant" not in rows[(objective, "energy ↓")][-1]
        assert "significant" not in rows[(objective, "steps_per_s ↑")][-1]
    assert "quality: 1 significant difference of 3 tests" in out
    assert "timing: no significant difference in 3 tests" in out


def test_pairing_finds_a_change_that_the_seed_spread_hides(tmp_path, run_cli):
    seed_effect = np.random.default_rng(9).normal(0.0, 0.5, 4)  # seeds differ far more than the change
    a = _suite(tmp_path, "a", shift=0.0, seeds=4, rng_seed=1, seed_effect=seed_effect)
    b = _suite(tmp_path, "b", shift=0.2, seeds=4, rng_seed=2, seed_effect=seed_effect)
    _, paired, _ = run_cli("compare", a, b)
    _, unpaired, _ = run_cli("compare", a, b, "--unpaired")
    assert _rows(paired)[("changed", "energy ↓")][-1] == "**better (significant)**"
    row = _rows(unpaired)[("changed", "energy ↓")]
    assert row[-1] == "better" and row[5] == "4 vs 4"
    assert float(row[8]) > 0.2  # the unpaired MDE: a change of 0.2 is below what it can detect


def test_timing_figures_are_a_family_of_their_own(tmp_path, run_cli):
    a = _suite(tmp_path, "a", shift=0.0, rng_seed=1)
    b = _suite(tmp_path, "b", shift=0.0, rng_seed=2)
    _, out, _ = run_cli("compare", a, b)
    tables = md_tables(out)
    quality = [r for r in tables[1] if len(r) == 10]
    timing = [r for r in tables[2] if len(r) == 10]
    assert {r[1] for r in quality} == {"energy ↓"} and {r[1] for r in timing} == {"steps_per_s ↑"}
    for rows in (quality, timing):  # Holm over 3 tests each, not 6
        ps = [float(r[6].split()[0]) for r in rows]
        adjusted = [float(r[7]) for r in rows]
        order = np.argsort(ps)
        assert adjusted[order[0]] == pytest.approx(min(1.0, 3 * ps[order[0]]), abs=2.5e-3)  # p shown to 3 places


def test_the_first_step_at_full_coverage_is_not_compared(tmp_path, run_cli):
    """all_modes_step has 'never' (None) values, so it stays out of both Holm families, as the
    estimate does; the other convergence figure, stability, is a quality figure."""
    rng = np.random.default_rng(3)
    for name in ("a", "b"):
        suite_dir = tmp_path / name
        for seed in range(4):
            step = None if seed == 0 else int(rng.integers(100, 900))
            convergence = {"all_modes_step": step, "stability": 0.1 + 0.01 * rng.normal()}
            metrics = {"energy": 1.0 + 0.05 * rng.normal(), "steps_per_s": 100.0, "estimate": rng.normal()}
            write_trial(suite_dir, "ring", "base", seed, metrics, convergence=convergence)
        write_suite_json(suite_dir, {"energy": "min"})
    code, out, err = run_cli("compare", tmp_path / "a", tmp_path / "b")
    assert code == 0, err
    figures = {key[1] for key in _rows(out)}
    assert figures == {"energy ↓", "stability ↓", "steps_per_s ↑"}
    quality, timing = out.split("\n\n")[1].split(" timing: ")
    assert quality.endswith("2 tests.") or " of 2 tests:" in quality  # energy and stability only
    assert timing.startswith("no significant difference in 1 tests")


def test_the_same_directory_twice_is_one_line(run_cli, tmp_path):
    code, out, err = run_cli("compare", FIXTURE, FIXTURE, "--out", tmp_path / "c.md")
    assert code == 0, err
    assert out.strip().splitlines() == [f"A and B are the same directory ({FIXTURE.resolve()}): nothing to compare."]
    assert not (tmp_path / "c.md").exists()


def test_a_copy_of_a_suite_differs_nowhere_and_failed_runs_show_on_both_sides(tmp_path, run_cli):
    copy = copy_fixture(tmp_path)
    code, out, err = run_cli("compare", FIXTURE, copy, "--out", tmp_path / "c.html")
    assert code == 0, err
    assert "quality: no significant difference" in out
    runs = md_tables(out)[0]
    assert ["nonsaturating", "2 ok, 1 failed", "2 ok, 1 failed"] in runs
    assert (tmp_path / "c.html").read_text().startswith("<!DOCTYPE html>")


def test_the_rank_test_says_when_three_seeds_cannot_reach_alpha(run_cli, tmp_path):
    a = _suite(tmp_path, "a", shift=0.0, seeds=3, rng_seed=1)
    b = _suite(tmp_path, "b", shift=0.5, seeds=3, rng_seed=2)
    code, out, _ = run_cli("compare", a, b, "--test", "rank")
    assert code == 0 and "smallest attainable p is 0.25" in out  # 3 pairs: 2 / 2^3
    assert "quality: no significant difference" in out


def test_a_root_with_several_suites_is_refused(tmp_path, run_cli):
    copy_fixture(tmp_path, "one")
    copy_fixture(tmp_path, "two")
    code, _, err = run_cli("compare", tmp_path, FIXTURE)
    assert code == 2 and "holds 2 suites" in err
