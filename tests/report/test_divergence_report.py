"""The report's divergence matrix: its numbers are the trial files' numbers, its statistics are
the textbook ones, and its sentences follow from them."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from ganbench.metrics import divergences_report as report
from ganbench.metrics.divergences import key
from ganbench.results import TrialDir, atomic_write_json
from ganbench.results.reader import load_suite_results
from tests.helpers.report import copy_fixture, md_tables

COLUMNS = ["kl", "minimax", "wgan-gp", "hinge"]
#: rows: (label, objective name); "ns" trains with an objective that is not judged
ROWS = [("kl", "kl"), ("minimax", "minimax"), ("wgan-gp", "wgan-gp"), ("hinge", "hinge"), ("ns", "nonsaturating")]
SEEDS = (0, 1, 2)
MAX_STEPS = 400
#: with ``diverging``: the generator trained with "ns" misses a mode, and its KL critic grew
DIVERGING_CELL = ("ns", "kl")
#: with ``rising``: the critics of seeds 0 and 2 of this cell were still rising at max_steps
RISING_CELL, RISING_SEEDS = ("hinge", "wgan-gp"), (0, 2)


def write(
    suite_dir: Path, dataset: str, label: str, name: str, seed: int, metrics: dict[str, float], status: str = "complete"
) -> Path:
    digest = hashlib.sha256(f"{dataset}/{label}/{seed}".encode()).hexdigest()[:10]
    td = TrialDir(suite_dir / f"{dataset}-{label}-s{seed}-{digest}")
    config = {
        "dataset": {"label": dataset, "name": "ring", "params": {}},
        "objective": {"label": label, "name": name, "options": {}, "hyper": {}},
        "seed": seed,
        "suite": suite_dir.name,
        "metrics": [
            {"name": "modes", "params": {}},
            {"name": "divergences", "params": {"objectives": COLUMNS, "max_steps": MAX_STEPS}},
        ],
        "train": {"steps": 10},
    }
    atomic_write_json(td.config, config)
    td.write_history([{"step": 10, **metrics}])
    td.finish({"status": status, "metrics": metrics, "convergence": {}})
    return td.path


def values(rng: np.random.Generator, row: int, column: int, self_wins: bool) -> float:
    """A trial's estimate: columns agree on a base order of the rows, plus noise; with
    ``self_wins`` the row trained with the column's objective is made the lowest."""
    base = [3.0, 1.0, 4.0, 2.0, 5.0][row] * (1.0 + column)
    if self_wins and ROWS[row][1] == COLUMNS[column]:
        base = 0.1
    return base + 0.05 * rng.standard_normal()


def make_suite(tmp_path: Path, self_wins: bool = False, diverging: bool = False, rising: bool = False) -> Path:
    suite_dir = tmp_path / "div"
    suite_dir.mkdir()
    rng = np.random.default_rng(0)
    ids = []
    for i, (label, name) in enumerate(ROWS):
        for seed in SEEDS:
            metrics = {"modes_captured": 8.0, "estimate": 0.5 + 0.1 * seed + i, "ref:kl": 2.0 + seed}
            for j, c in enumerate(COLUMNS):
                metrics[key(c)] = values(rng, i, j, self_wins)
                metrics[key(c, "se")] = 0.01
                metrics[key(c, "change")] = 0.0
                metrics[key(c, "converged")] = 0.0 if (label, c, seed) == ("kl", "kl", 1) else 1.0
                metrics[key(c, "diverging")] = metrics[key(c, "rising")] = 0.0
                if rising and (label, c) == RISING_CELL and seed in RISING_SEEDS:
                    metrics[key(c, "converged")], metrics[key(c, "rising")] = 0.0, 1.0
                if diverging and (label, c) == DIVERGING_CELL:
                    metrics[key(c)] = 1e30 * (1 + seed)
                    metrics[key(c, "converged")], metrics[key(c, "diverging")] = 0.0, 1.0
            ids.append(write(suite_dir, "ring", label, name, seed, metrics).name)
    # a diverged run (no final divergences) stays out of the means
    ids.append(write(suite_dir, "ring", "kl", "kl", 3, {"estimate": 9.0, key("kl"): 1000.0}, status="diverged").name)
    meta = {"name": "div", "description": "", "source": "", "metric_outputs": {"modes_captured": "max"}, "trials": ids}
    atomic_write_json(suite_dir / "suite.json", meta)
    return suite_dir


def from_files(suite_dir: Path) -> dict[tuple[str, str], list[float]]:
    """Per (row label, column): the estimates of complete trials, read straight from final.json."""
    out: dict[tuple[str, str], list[float]] = {}
    for final in sorted(suite_dir.glob("*/final.json")):
        record = json.loads(final.read_text())
        config = json.loads((final.parent / "config.json").read_text())
        if record["status"] != "complete":
            continue
        for c in COLUMNS:
            out.setdefault((config["objective"]["label"], c), []).append(record["metrics"][f"div:{c}"])
    return out


def test_the_matrix_holds_the_mean_of_the_trial_files_ranked_within_each_column(tmp_path):
    suite_dir = make_suite(tmp_path)
    m = report.matrix(load_suite_results(suite_dir), "ring")
    assert m is not None and m.rows == [r for r, _ in ROWS] and m.columns == COLUMNS
    files = from_files(suite_dir)
    for i, (label, _) in enumerate(ROWS):
        for j, c in enumerate(COLUMNS):
            v = np.array(files[(label, c)])
            assert m.mean[i, j] == pytest.approx(v.mean(), rel=1e-12)
            t_low, t_high = stats.t.interval(0.95, v.size - 1, loc=v.mean(), scale=stats.sem(v))
            assert (m.low[i, j], m.high[i, j]) == pytest.approx((t_low, t_high), rel=1e-9)
    for j, _ in enumerate(COLUMNS):
        order = np.argsort([np.mean(files[(label, c)]) for label, _ in ROWS for c in [COLUMNS[j]]])
        assert [int(m.ranks[i, j]) for i in order] == [1, 2, 3, 4, 5]  # 1 = lowest divergence
    assert m.diagonal() == [(0, 0), (1, 1), (2, 2), (3, 3)]
    assert m.flagged[0, 0] == 1 and m.flagged.sum() == 1


def converged_from_files(suite_dir: Path, field: str = "converged") -> dict[tuple[str, str], tuple[int, int]]:
    """Per (row label, column): critics whose ``field`` is 1 and critics run, from final.json."""
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for final in sorted(suite_dir.glob("*/final.json")):
        record = json.loads(final.read_text())
        config = json.loads((final.parent / "config.json").read_text())
        if record["status"] != "complete":
            continue
        for c in COLUMNS:
            done, total = out.get((config["objective"]["label"], c), (0, 0))
            out[(config["objective"]["label"], c)] = (
                done + int(record["metrics"][f"div:{c}:{field}"] == 1.0),
                total + 1,
            )
    return out


def test_the_rendered_tables_show_the_ranks_compactly_and_the_means_behind_them(tmp_path, run_cli):
    suite_dir = make_suite(tmp_path)
    code, _, err = run_cli("report", suite_dir, "--out", tmp_path / "r.md")
    assert code == 0, err
    text = (tmp_path / "r.md").read_text()
    assert "ring: every generator judged by every divergence" in text
    assert (tmp_path / "r-figures" / "div-ring-divergences.png").stat().st_size > 1000
    tables = md_tables(text)
    ranks = next(t for t in tables if len(t) == len(ROWS) + 1 and len(t[0]) == 3 + len(COLUMNS))
    means = next(t for t in tables if len(t) == len(ROWS) and len(t[0]) == 1 + len(COLUMNS) + 1)
    files = from_files(suite_dir)
    m = report.matrix(load_suite_results(suite_dir), "ring")
    assert m is not None
    for i, (row, values_row) in enumerate(zip(ranks, means, strict=False)):
        assert row[0] == values_row[0] == ROWS[i][0] and row[1] == "3"
        for j, (cell, value) in enumerate(zip(row[3:], values_row[1 : 1 + len(COLUMNS)], strict=True)):
            mean = np.mean(files[(ROWS[i][0], COLUMNS[j])])
            assert value.startswith(f"{mean:.3g} [")
            rank = np.argsort(np.argsort([np.mean(files[(r, COLUMNS[j])]) for r, _ in ROWS]))[i] + 1
            bold = cell.startswith("**") and cell.endswith("**")
            first = (cell[2:-2] if bold else cell).split(" ")[0]  # the rank, * on the diagonal
            assert first.rstrip("*") == str(rank) and first.endswith("*") == (i == j)
            assert bold == (rank == 1)
        assert values_row[-1] == "3"  # the k-NN reference's mean over seeds 2, 3, 4
    assert ranks[0][3] == "3* nc 1"  # kl by kl: 3rd, the diagonal, one seed unconverged
    assert "nc 1/3" in means[0][1]


def test_the_count_of_converged_critics_is_the_trial_files_count(tmp_path, run_cli):
    suite_dir = make_suite(tmp_path, diverging=True, rising=True)
    counts = converged_from_files(suite_dir)
    done, total = sum(d for d, _ in counts.values()), sum(t for _, t in counts.values())
    diverging = sum(d for d, _ in converged_from_files(suite_dir, "diverging").values())
    rising = sum(d for d, _ in converged_from_files(suite_dir, "rising").values())
    # one unconverged kl critic, three diverging ones, two still rising
    assert (done, total, diverging, rising) == (60 - 1 - 3 - 2, 60, 3, 2)
    code, _, err = run_cli("report", suite_dir, "--out", tmp_path / "r.md")
    assert code == 0, err
    text = (tmp_path / "r.md").read_text()
    assert (
        f"{done} of {total} critics converged within max_steps ({MAX_STEPS} updates); {diverging} diverging "
        f"(support mismatch); {rising} still rising (most in wgan-gp {rising}; lower bounds, cells unranked); "
        f"{total - done - diverging - rising} otherwise still moved by more than a standard error" in text
    )
    ranks = next(t for t in md_tables(text) if len(t) == len(ROWS) + 1 and len(t[0]) == 3 + len(COLUMNS))
    for i, (label, _) in enumerate(ROWS):  # per objective trained with
        row_done = sum(counts[(label, c)][0] for c in COLUMNS)
        assert ranks[i][2] == f"{row_done}/{3 * len(COLUMNS)}"
    for j, c in enumerate(COLUMNS):  # per divergence judged by
        assert ranks[-1][3 + j] == f"{sum(counts[(r, c)][0] for r, _ in ROWS)}/{3 * len(ROWS)}"
    assert ranks[-1][2] == f"{done}/{total}"


def test_a_still_rising_cell_is_a_lower_bound_shown_as_such_and_not_ranked(tmp_path, run_cli):
    suite_dir = make_suite(tmp_path, rising=True)
    m = report.matrix(load_suite_results(suite_dir), "ring")
    assert m is not None
    i, j = [r for r, _ in ROWS].index(RISING_CELL[0]), COLUMNS.index(RISING_CELL[1])
    files = from_files(suite_dir)
    assert m.rising[i, j] == 2 and m.diverging[i, j] == 0 and m.flagged[i, j] == 2
    assert math.isnan(m.mean[i, j]) and math.isnan(m.ranks[i, j])
    assert m.bound[i, j] == pytest.approx(np.mean(files[RISING_CELL]), rel=1e-12)
    others = [np.mean(files[(r, RISING_CELL[1])]) for r, _ in ROWS if r != RISING_CELL[0]]
    assert [m.ranks[k, j] for k in range(len(ROWS)) if k != i] == list(stats.rankdata(others))
    code, _, err = run_cli("report", suite_dir, "--out", tmp_path / "r.md")
    assert code == 0, err
    tables = md_tables((tmp_path / "r.md").read_text())
    ranks = next(t for t in tables if len(t) == len(ROWS) + 1 and len(t[0]) == 3 + len(COLUMNS))
    means = next(t for t in tables if len(t) == len(ROWS) and len(t[0]) == 1 + len(COLUMNS) + 1)
    assert ranks[i][3 + j] == "rising 2"
    assert means[i][1 + j] == f"≥ {np.mean(files[RISING_CELL]):.3g} (unconverged (still rising) 2/3)"


def test_a_diverging_cell_is_named_ranked_last_and_averaged_into_nothing(tmp_path, run_cli):
    suite_dir = make_suite(tmp_path, diverging=True)
    m = report.matrix(load_suite_results(suite_dir), "ring")
    assert m is not None
    i, j = [r for r, _ in ROWS].index(DIVERGING_CELL[0]), COLUMNS.index(DIVERGING_CELL[1])
    assert m.diverging[i, j] == 3 and math.isnan(m.mean[i, j]) and math.isnan(m.low[i, j])
    assert m.ranks[i, j] == len(ROWS)  # last in its column
    files = from_files(suite_dir)
    others = [np.mean(files[(r, "kl")]) for r, _ in ROWS if r != "ns"]
    assert [m.ranks[k, j] for k in range(len(ROWS)) if k != i] == list(stats.rankdata(others))
    code, _, err = run_cli("report", suite_dir, "--out", tmp_path / "r.md")
    assert code == 0, err
    text = (tmp_path / "r.md").read_text()
    tables = md_tables(text)
    ranks = next(t for t in tables if len(t) == len(ROWS) + 1 and len(t[0]) == 3 + len(COLUMNS))
    means = next(t for t in tables if len(t) == len(ROWS) and len(t[0]) == 1 + len(COLUMNS) + 1)
    assert ranks[i][3 + j] == "diverging" and means[i][1 + j] == "diverging (support mismatch) 3/3"
    assert "e+30" not in text  # no mean, no interval of the diverging estimates anywhere
    assert "1 cells are diverging (support mismatch): ns by kl." in text


def test_kendalls_w_and_the_mean_spearman_correlation_are_the_textbook_ones(tmp_path):
    m = report.matrix(load_suite_results(make_suite(tmp_path)), "ring")
    assert m is not None
    a = report.agreement(m)
    assert a is not None
    ranks = np.argsort(np.argsort(m.mean, axis=0), axis=0) + 1.0  # no ties in these means
    n, k = ranks.shape  # n objectives ranked by k divergences (the raters)
    s = float(((ranks.sum(axis=1) - k * (n + 1) / 2) ** 2).sum())
    w = 12 * s / (k**2 * (n**3 - n))
    assert a.w == pytest.approx(w, rel=1e-12)
    assert a.spearman == pytest.approx((k * w - 1) / (k - 1), rel=1e-9)  # mean pairwise ρ from W
    assert a.w > 0.9 and a.p < 0.01  # the columns were made to agree


def test_the_self_preference_test_agrees_with_exact_enumeration(tmp_path):
    m = report.matrix(load_suite_results(make_suite(tmp_path, self_wins=True)), "ring")
    assert m is not None
    s = report.self_preference(m)
    assert s is not None and [r for _, _, r in s.pairs] == [1.0, 1.0, 1.0, 1.0]
    diag = m.diagonal()
    observed = np.mean([m.ranks[i, j] for i, j in diag])
    rows, cols = [i for i, _ in diag], [j for _, j in diag]
    perms = list(itertools.permutations(rows))
    exact = sum(np.mean([m.ranks[r, c] for r, c in zip(p, cols, strict=True)]) <= observed for p in perms) / len(perms)
    assert exact == pytest.approx(1 / 24)
    assert s.p == pytest.approx(exact, abs=0.01)
    text = " ".join(report.sentences(m))
    assert "Does training with X win under X? More often than chance" in text
    assert "4 rank first under their own divergence (kl, minimax, wgan-gp, hinge)" in text


def test_without_self_preference_the_sentence_says_so(tmp_path):
    m = report.matrix(load_suite_results(make_suite(tmp_path)), "ring")
    assert m is not None
    text = " ".join(report.sentences(m))
    assert "Do the divergences agree? Largely, yes: Kendall's W = " in text
    assert "No more than chance would give" in text  # the base order: kl 3rd, minimax 1st, ...
    assert f"59 of 60 critics converged within max_steps ({MAX_STEPS} updates)" in text


def test_the_gap_table_sets_each_training_critic_beside_a_fresh_one(tmp_path):
    suite_dir = make_suite(tmp_path)
    m = report.matrix(load_suite_results(suite_dir), "ring")
    assert m is not None
    table = report.gap_table(m)
    assert table is not None and [r[0].text for r in table.rows] == ["kl", "minimax", "wgan-gp", "hinge"]
    files = from_files(suite_dir)
    for i, row in enumerate(table.rows):
        own = np.mean([0.5 + 0.1 * s + i for s in SEEDS])
        fresh = np.mean(files[(ROWS[i][0], COLUMNS[i])])
        assert row[2].text == f"{own:.3g}" and row[3].text == f"{fresh:.3g}"
        assert row[4].text.startswith(f"{own - fresh:.3g} [")
        assert math.isclose(float(row[5].text.rstrip("%")), round(100 * own / fresh), abs_tol=0.5)


def test_a_suite_without_the_metric_has_no_divergence_section(tmp_path):
    suite = load_suite_results(copy_fixture(tmp_path))
    assert all(report.blocks(suite, d, 3, d) == [] for d in suite.datasets)
