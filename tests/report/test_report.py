"""`ganbench report`: every format from the committed fixture, drawn once, the same numbers in
each; diverged, failed, unfinished and missing trials all accounted for; the context a reader
needs (hyperparameters, environment, definitions); exports that round-trip to the tables."""

from __future__ import annotations

import io
import json
import re
import shutil

import matplotlib.image
import numpy as np
import pytest

from ganbench.report import content
from ganbench.report.commands import real_samples
from ganbench.report.rendering import render
from ganbench.results.reader import load_results
from tests.helpers.report import (
    DEBIAN_TEX,
    FIXTURE,
    add_environment,
    copy_fixture,
    fixture_report,
    html_tables,
    latex_packages,
    md_tables,
    numbers,
    tex_tables,
    write_suite_json,
    write_trial,
)

FIGURES = ("samples", "seeds", "curves-step", "curves-critic", "curves-time", "coverage", "final", "throughput")


@pytest.fixture(scope="module")
def fixture_doc():
    """The fixture's report, figures in every form (built once for all report tests)."""
    return fixture_report()[0]


@pytest.fixture(scope="module")
def rendered():
    return fixture_report()[1]


def _decodes(png: bytes) -> tuple[int, int]:
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert image.ndim == 3 and image.std() > 0.01, "a blank figure"
    return image.shape[0], image.shape[1]


def _section(md: str, heading: str) -> str:
    return md.split(heading, 1)[1].split("\n## ")[0]


def test_the_fixture_holds_every_outcome(registry):
    [suite] = load_results(FIXTURE, registry)
    assert suite.counts() == {"complete": 16, "diverged": 1, "error": 1, "unfinished": 0, "missing": 0}
    assert suite.datasets == ["ring", "grid"] and suite.objectives == ["nonsaturating", "hinge", "wgan-gp"]
    assert sum(f.stat().st_size for f in FIXTURE.rglob("*") if f.is_file()) < 1_000_000


def test_every_format_is_written_with_its_figures(rendered, fixture_doc):
    names = {f.name for f in fixture_doc.figures}
    assert names == {f"fixture-{d}-{kind}" for d in ("ring", "grid") for kind in FIGURES}
    for fig in fixture_doc.figures:
        _, w = _decodes(fig.files["png"])
        _, w_web = _decodes(fig.files["web"])
        _, w_screen = _decodes(fig.files["screen"])
        assert (w / w_web, w / w_screen) == pytest.approx((300 / 150, 300 / 110), rel=0.02)  # print, web, page
        raster = fig.name.endswith(("-samples", "-seeds"))  # pictures of points: no vector form
        assert raster or fig.files["pdf"].startswith(b"%PDF")
        assert not raster or "pdf" not in fig.files
    gifs = {a.name for a in fixture_doc.animations}
    assert gifs == {
        f"fixture-{d}-{o}-animation" for d in ("ring", "grid") for o in ("nonsaturating", "hinge", "wgan-gp")
    }
    for anim in fixture_doc.animations:
        assert anim.gif.startswith(b"GIF89a") and anim.gif.count(b"\x21\xf9") == 5  # a frame per snapshot
    md = rendered["md"].read_text()
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)|\[PDF\]\(([^)]+)\)", md):
        path = link[0] or link[1]
        assert (rendered["md"].parent / path).is_file(), path
    assert len(re.findall(r"!\[", md)) == len(names) + len(gifs)
    tex = rendered["latex"].read_text()
    included = dict(re.findall(r"\\includegraphics\[[^]]*\]\{figures/([^}]+)\.(pdf|png)\}", tex))
    assert included == {n: "png" if n.endswith(("-samples", "-seeds")) else "pdf" for n in names}
    page = rendered["html"].read_text()
    assert page.count('src="data:image/png;base64,') == len(names)
    assert page.count('src="data:image/gif;base64,') == len(gifs)
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", page), "the page must not load anything"


def test_the_numbers_agree_across_formats(rendered):
    md = md_tables(rendered["md"].read_text())
    page = html_tables(rendered["html"].read_text())
    tex = tex_tables(rendered["latex"].read_text())
    assert len(md) == len(page) == len(tex) >= 15
    assert numbers(md) == numbers(page) == numbers(tex)
    assert any("best" in cell for t in numbers(md) for row in t for cell in row)


def test_tables_and_figures_have_the_same_numbers_in_every_format(rendered, fixture_doc):
    n_tables = sum(1 for t in fixture_doc.tables if t.caption)
    md, page, tex = (rendered[f].read_text() for f in ("md", "html", "latex"))
    assert re.findall(r"\*Table (\d+):", md) == [str(i) for i in range(1, n_tables + 1)]
    assert re.findall(r"<caption>Table (\d+):", page) == [str(i) for i in range(1, n_tables + 1)]
    assert tex.count(r"\caption{") == n_tables + len(fixture_doc.figures)
    # a reference in the text names the same table in each format
    budget = fixture_doc.numbers()[("table", "fixture-ring-budget")]
    assert f"Table {budget}" in _section(md, "## Overall ranking")
    assert f'<a href="#tab-fixture-ring-budget">Table {budget}</a>' in page
    assert r"Table~\ref{tab:fixture-ring-budget}" in tex and r"\label{tab:fixture-ring-budget}" in tex


def test_latex_rows_have_as_many_cells_as_headers(rendered):
    tex = rendered["latex"].read_text()
    found = re.findall(r"\\begin\{tabular\}\{([^\n]+)\}\n\\toprule\n(.*?)\n\\midrule\n(.*?)\\bottomrule", tex, re.S)
    assert found
    for spec, header, body in found:
        columns = len(re.findall(r"[lrcp]", re.sub(r"p\{[^}]*\}", "p", re.sub(r">\{[^}]*\}", "", spec))))
        assert header.count(" & ") == columns - 1
        for line in body.strip().splitlines():
            assert line.count(" & ") == columns - 1, line
    assert "_" not in re.sub(r"\\_|\\(includegraphics|label|ref)\{[^}]*\}|\[[^]]*\]|%.*", "", tex)


def test_the_headline_table_is_compact_with_fixed_decimals(fixture_doc):
    heads = ["modes_captured ↑", "hq_percent ↑", "reverse_kl ↓", "energy ↓", "wasserstein ↓"]
    for table in (t for t in fixture_doc.tables if t.key.endswith("-headline")):
        assert table.headers == ["objective", "runs", *heads]
        for col in range(2, len(heads) + 2):
            places = {
                len(part.split(".")[1]) if "." in part else 0 for r in table.rows for part in r[col].text.split(" ± ")
            }
            assert len(places) == 1, (table.key, table.headers[col], places)
    secondary = next(t for t in fixture_doc.tables if t.key == "fixture-ring-secondary")
    assert secondary.headers == ["objective", "runs", "steps_per_s ↑", "all_modes_step ↓", "stability ↓"]


def test_each_cell_shows_mean_sd_and_every_seed(fixture_doc, registry):
    [suite] = load_results(FIXTURE, registry)
    table = next(t for t in fixture_doc.tables if t.key == "fixture-ring-headline")
    col = table.headers.index("wasserstein ↓")
    for row in table.rows:
        trials = sorted(
            (t for t in suite.trials if t.dataset == "ring" and t.objective == row[0].text and t.status == "complete"),
            key=lambda t: t.seed,
        )
        values = np.array([t.final["metrics"]["wasserstein"] for t in trials])
        assert row[col].text == f"{values.mean():.2f} ± {values.std(ddof=1):.2f}"
        assert row[col].detail == ", ".join(f"{v:.2f}" for v in values)


def test_diverged_and_failed_trials_are_counted_not_dropped(rendered):
    md = rendered["md"].read_text()
    ring = md.split("## Dataset: ring", 1)[1].split("## Dataset: grid")[0]
    grid = md.split("## Dataset: grid", 1)[1]
    assert re.search(r"\| nonsaturating +\| 2 ok, 1 failed", ring)
    assert re.search(r"\| wgan-gp +\| 2 ok, 1 diverged", grid)
    missing = _section(md, "## What is missing or failed")
    assert "ring-nonsaturating-s1-b0f90f89ac" in missing and "failed" in missing
    assert "grid-wgan-gp-s2-6133a4747c" in missing and "diverged" in missing
    assert "injected failure" in missing


def test_a_failed_run_ranks_last_in_its_seed(registry):
    from ganbench.report.statistics import ranking

    [suite] = load_results(FIXTURE, registry)
    scores, used, dropped = ranking.score_matrix(suite, "ring", "wasserstein", "min")
    assert used == [0, 1, 2] and dropped == []
    row = scores[used.index(1)]
    assert row[0] == -np.inf and np.isfinite(row[1:]).all()  # nonsaturating failed on seed 1
    test = ranking.rank_tests(suite, "ring", {"wasserstein": "min"}, 0.05)["wasserstein"]
    assert test.n_blocks == 3 and test.tested


def test_overlapping_seeds_are_not_bold(tmp_path, registry):
    suite_dir = tmp_path / "overlap"
    values = {"a": [8.0, 8.0, 1.0], "b": [7.0, 8.0, 6.0], "c": [1.0, 2.0, 1.5]}
    for objective, vals in values.items():
        for seed, v in enumerate(vals):
            write_trial(suite_dir, "ring", objective, seed, {"modes": v})
    write_suite_json(suite_dir, {"modes": "max"})
    doc = content.build(load_results(suite_dir, registry), draw=False)
    table = next(t for t in doc.tables if t.key.endswith("-headline"))
    # a (mean 5.67) is best, but b overlaps it completely; c is separated (Welch, Holm): a and b bold
    assert [r[2].best for r in table.rows] == [True, True, False]
    assert table.rows[0][2].text == "5.67 ± 4.04" and table.rows[0][2].detail == "8, 8, 1"
    close = tmp_path / "close"
    for objective, vals in {"a": [8.0, 8.0, 1.0], "b": [7.0, 8.0, 6.0], "c": [6.0, 2.0, 5.5]}.items():
        for seed, v in enumerate(vals):
            write_trial(close, "ring", objective, seed, {"modes": v})
    write_suite_json(close, {"modes": "max"})
    doc = content.build(load_results(close, registry), draw=False)
    table = next(t for t in doc.tables if t.key.endswith("-headline"))
    assert [r[2].best for r in table.rows] == [False, False, False]  # nothing separated: nothing bold


def test_the_configuration_and_environment_are_stated(rendered):
    md = rendered["md"].read_text()
    context = _section(md, "## Configuration and environment")
    hyper = md_tables(context)[0]
    assert [r[:3] for r in hyper] == [["nonsaturating", "1", "1"], ["hinge", "5", "1"], ["wgan-gp", "5", "1"]]
    assert hyper[2][4:7] == ["0.0001", "(0, 0.9)", "gp × 10"] and hyper[0][5] == "(0.5, 0.999)"
    assert "Dataset ring: ring (modes = 8, radius = 2.0, sigma = 0.02)." in context
    assert "Model: mlp (" in context and "width = 64" in context
    assert "400 generator steps, batch 64, evaluated every 100 steps on 300 samples" in context
    env = dict((r[0], r[1]) for r in md_tables(context)[1])
    assert env["torch"] == "not recorded" and env["device"] == "cpu"  # the fixture predates the record
    assert "do not record how many trials ran at once" in context


def test_a_recorded_environment_is_shown_and_concurrency_is_warned(tmp_path, run_cli):
    suite_dir = copy_fixture(tmp_path)
    add_environment(suite_dir)
    code, _, err = run_cli("report", suite_dir, "--out", tmp_path / "alone.md", "--no-figures")
    assert code == 0, err
    context = _section((tmp_path / "alone.md").read_text(), "## Configuration and environment")
    env = dict((r[0], r[1]) for r in md_tables(context)[1])
    assert env["torch"] == "2.13.0+cpu" and env["git commit"] == "3381309e0c5d" and env["GPU"] == "none"
    assert env["date (end of run, UTC)"] == "2026-01-02T03:04:05Z" and env["trials run at once (jobs)"] == "1"
    assert "Warning" not in context and "record how many" not in context
    for overrides, words in (({"jobs": 2}, "up to 2 trials at once"), ({"group_size": 8}, "groups of up to 8")):
        add_environment(suite_dir, **overrides)
        run_cli("report", suite_dir, "--out", tmp_path / "busy.md", "--no-figures")
        context = _section((tmp_path / "busy.md").read_text(), "## Configuration and environment")
        assert "Warning: throughput (steps_per_s, wall_time) was measured under concurrency" in context
        assert words in context


def test_every_column_is_defined_with_its_unit(rendered):
    md = rendered["md"].read_text()
    definitions = _section(md, "## Columns: definitions and units")
    headers = {h for t in re.findall(r"^\| objective .*$", md, re.M) for h in t.split("|")}
    shown = {h.strip() for h in headers if h.strip().endswith(("↑", "↓")) or h.strip() == "estimate"}
    for header in shown:
        assert re.search(rf"^- {re.escape(header)} \([^)]+\): \w", definitions, re.M), header
    assert "hq_percent ↑ (%)" in definitions and "reverse_kl ↓ (nats)" in definitions
    assert "not comparable across objectives" in definitions


def test_the_estimate_has_a_table_of_its_own(fixture_doc):
    table = next(t for t in fixture_doc.tables if t.key == "fixture-ring-estimate")
    assert [r[1].text for r in table.rows] == ["Jensen-Shannon", "total variation", "Wasserstein-1"]
    assert not any(c.best for r in table.rows for c in r)
    assert all("estimate" not in t.headers for t in fixture_doc.tables if t.key.endswith(("headline", "secondary")))


def test_the_equal_critic_budget_table_reads_the_histories(fixture_doc, registry):
    """n_critic is 1 for nonsaturating and 5 for the others, evaluated every 100 generator steps: the
    nearest common budget is 400 critic updates (step 400 × 1) against 500 (step 100 × 5)."""
    [suite] = load_results(FIXTURE, registry)
    table = next(t for t in fixture_doc.tables if t.key == "fixture-grid-budget")
    assert [(r[0].text, r[1].text, r[1].detail) for r in table.rows] == [
        ("nonsaturating", "400 × 1", "= 400"),
        ("hinge", "100 × 5", "= 500"),
        ("wgan-gp", "100 × 5", "= 500"),
    ]
    col = table.headers.index("wasserstein ↓")
    hinge = [t for t in suite.trials if t.dataset == "grid" and t.objective == "hinge"]
    at_100 = [
        next(r["wasserstein"] for r in t.history if r["step"] == 100) for t in sorted(hinge, key=lambda t: t.seed)
    ]
    assert table.rows[1][col].detail == ", ".join(f"{v:.2f}" for v in at_100)


def test_an_exact_critic_budget_is_matched_exactly(tmp_path, registry):
    suite_dir = tmp_path / "budget"
    for objective, nc in (("one", 1), ("five", 5), ("other", 1)):
        for seed in range(3):
            history = [
                {"step": s, "w": 10.0 / (1 + s * nc) + seed, "train_time": 0.01 * s} for s in range(0, 1001, 100)
            ]
            write_trial(suite_dir, "ring", objective, seed, {"w": history[-1]["w"]}, n_critic=nc, history=history)
    write_suite_json(suite_dir, {"w": "min"})
    doc = content.build(load_results(suite_dir, registry), draw=False)
    table = next(t for t in doc.tables if t.key.endswith("-budget"))
    assert [r[1].detail for r in table.rows] == ["= 1,000", "= 1,000", "= 1,000"]
    assert [r[2].text.split(" ± ")[0] for r in table.rows] == ["1.01"] * 3  # 10/(1+1000) + mean seed 1
    assert "where it had made 1,000 critic updates" in table.caption
    assert {(r["objective"], r["generator_step"]) for r in doc.data["budget"]} == {
        ("one", 1000),
        ("five", 200),
        ("other", 1000),
    }


def test_statistics_state_what_the_seeds_can_resolve(rendered):
    md = rendered["md"].read_text()
    stats_ring = md.split("### ring: statistics", 1)[1].split("###")[0]
    assert "the Nemenyi critical difference is 1.91 mean ranks, of a possible 2" in stats_ring
    assert "Seeds needed to separate the best from the worst mean rank" in stats_ring
    friedman = md_tables(stats_ring)[0]
    assert [r[0] for r in friedman] == ["modes_captured ↑", "hq_percent ↑", "reverse_kl ↓", "energy ↓", "wasserstein ↓"]
    assert all(float(r[5]) >= float(r[3]) for r in friedman if r[3] != "–")  # Holm never lowers a p-value
    assert "No critical-difference diagram for ring" in stats_ring + md.split("### ring: figures")[0]


def test_a_critical_difference_diagram_only_where_the_test_rejects(tmp_path, registry):
    suite_dir = tmp_path / "clear"
    rng = np.random.default_rng(4)
    for objective, level in (("best", 3.0), ("middle", 2.0), ("worst", 1.0)):
        for seed in range(8):
            write_trial(suite_dir, "ring", objective, seed, {"score": level + 0.01 * seed, "noise": rng.normal()})
    write_suite_json(suite_dir, {"score": "max", "noise": "max"})
    doc = content.build(load_results(suite_dir, registry), workers=1, real_samples=real_samples(registry))
    [cd] = [f for f in doc.figures if f.name.endswith("-cd")]
    assert "score" in cd.caption or "reject" in cd.caption
    [rank_test] = [r for r in doc.data["ranks"] if r["metric"] == "score" and r["objective"] == "best"]
    assert rank_test["rejects"] and rank_test["p_method"] == "exact"
    assert not next(r for r in doc.data["ranks"] if r["metric"] == "noise")["rejects"]


def test_figures_are_drawn_once_for_every_format(tmp_path, run_cli, monkeypatch):
    suite_dir = tmp_path / "small"
    rng = np.random.default_rng(0)
    for objective in ("a", "b", "c"):
        for seed in (0, 1):
            points = {s: rng.normal(size=(50, 2)).astype(np.float32) for s in (0, 5, 10)}
            write_trial(suite_dir, "ring", objective, seed, {"energy": rng.random()}, samples=points, n_critic=1)
    write_suite_json(suite_dir, {"energy": "min"})
    calls = []
    original = content.draw_all
    monkeypatch.setattr(
        content, "draw_all", lambda jobs, forms, workers: calls.append(forms) or original(jobs, forms, 1)
    )
    code, out, err = run_cli("report", suite_dir, "--format", "md,html,latex", "--out", tmp_path / "all")
    assert code == 0, err
    assert len(calls) == 1 and set(calls[0]) == {"screen", "web", "png", "pdf"}
    assert out.split() == [w for f in ("md", "html", "tex") for w in ("report:", str(tmp_path / "all" / f"report.{f}"))]
    assert (tmp_path / "all" / "figures" / "small-ring-curves-step.pdf").is_file()
    assert (tmp_path / "all" / "figures" / "small-ring-samples.png").is_file()
    assert (tmp_path / "all" / "tables" / "small-ring-headline.tex").is_file()
    assert (tmp_path / "all" / "data" / "summary.json").is_file()


def test_exports_round_trip_to_the_tables(rendered, fixture_doc):
    md = rendered["md"].read_text()
    data = rendered["md"].parent / "data"
    rows = json.loads((data / "summary.json").read_text())
    tables = {t.key: t for t in fixture_doc.tables}
    checked = 0
    for rec in rows:
        if rec["role"] not in ("headline", "secondary") or rec["n"] < 2:
            continue
        table = tables[f"fixture-{rec['dataset']}-{rec['role']}"]
        row = next(r for r in table.rows if r[0].text == rec["objective"])
        cell = row[next(i for i, h in enumerate(table.headers) if h.split(" ")[0] == rec["column"])]
        d = rec["decimals"]
        assert cell.text == f"{rec['mean']:.{d}f} ± {rec['sd']:.{d}f}"
        assert cell.best == rec["bold"]
        shown = f"{'**' + cell.text + '**' if cell.best else cell.text} ({cell.detail})"
        assert re.search(rf"\|\s*{re.escape(shown)}\s*\|", md), shown
        lo, hi = rec["ci_low"], rec["ci_high"]
        assert lo <= rec["mean"] <= hi and rec["interval"] == "95% t-interval of the mean"
        checked += 1
    assert checked > 30
    csv_text = (data / "summary.csv").read_text().splitlines()
    assert len(csv_text) == len(rows) + 1 and csv_text[0].startswith("suite,dataset,objective,column")
    curves = json.loads((data / "curves.json").read_text())
    hinge = [c for c in curves if c["dataset"] == "ring" and c["objective"] == "hinge" and c["metric"] == "wasserstein"]
    assert len(hinge) == 15 and {c["critic_updates"] for c in hinge} == {0, 500, 1000, 1500, 2000}
    ranks = json.loads((data / "ranks.json").read_text())
    rank_table = next(t for t in fixture_doc.tables if t.key == "fixture-grid-ranks")
    col = rank_table.headers.index("energy ↓")
    for row in rank_table.rows:
        rec = next(
            r for r in ranks if r["dataset"] == "grid" and r["metric"] == "energy" and r["objective"] == row[0].text
        )
        assert row[col].text == f"{rec['mean_rank']:.2f}"


def test_partial_results_say_what_is_missing(tmp_path, run_cli):
    suite_dir = copy_fixture(tmp_path)
    unfinished = next(suite_dir.glob("ring-hinge-s2-*"))
    (unfinished / "DONE").unlink()
    (unfinished / "final.json").unlink()
    gone = next(suite_dir.glob("grid-hinge-s0-*"))
    shutil.rmtree(gone)
    code, _, err = run_cli("report", suite_dir, "--out", tmp_path / "r.md", "--no-figures")
    assert code == 0, err
    assert "1 unfinished" in err and "1 missing" in err
    md = (tmp_path / "r.md").read_text()
    missing = _section(md, "## What is missing or failed")
    assert (
        f"{unfinished.name} (ring/hinge/seed 2): unfinished" in missing
        and "last evaluation at step 400 of 400" in missing
    )
    assert f"{gone.name}: missing" in missing
    assert re.search(r"\| hinge +\| 2 ok, 1 unfinished", md) and re.search(r"\| hinge +\| 2 ok, 1 missing", md)
    assert "Seeds 2 are left out of the tests" in md and "Seeds 0 are left out of the tests" in md


def test_results_without_suite_json_take_directions_from_the_plugins(tmp_path, registry):
    suite_dir = copy_fixture(tmp_path)
    (suite_dir / "suite.json").unlink()
    [suite] = load_results(suite_dir, registry)
    assert suite.outputs["wasserstein"] == "min" and suite.outputs["modes_captured"] == "max"
    assert list(content.headline(suite)) == ["modes_captured", "hq_percent", "reverse_kl", "energy", "wasserstein"]


def test_a_results_root_with_several_suites(tmp_path, run_cli):
    copy_fixture(tmp_path, "first")
    second = copy_fixture(tmp_path, "second")
    (second / "suite.json").write_text((second / "suite.json").read_text().replace('"fixture"', '"second"'))
    code, _, err = run_cli("report", tmp_path, "--out", tmp_path / "out", "--no-figures", "--format", "md")
    assert code == 0, err
    md = (tmp_path / "out" / "report.md").read_text()
    assert "## Suite: fixture" in md and "## Suite: second" in md
    assert md.count("### Dataset: ring") == 2


def test_image_samples_get_an_image_grid(tmp_path, registry):
    suite_dir = tmp_path / "images"
    rng = np.random.default_rng(0)
    for objective in ("a", "b", "c"):
        for seed in (0, 1):
            images = np.tanh(rng.normal(size=(40, 1, 8, 8))).astype(np.float32)
            write_trial(
                suite_dir,
                "digits",
                objective,
                seed,
                {"fid": float(rng.random())},
                samples={0: images * 0, 10: images},
                dataset_name="not-a-registered-dataset",
            )
    write_suite_json(suite_dir, {"fid": "min"})
    doc = content.build(load_results(suite_dir, registry), workers=1, real_samples=real_samples(registry))
    names = [f.name for f in doc.figures]
    assert "images-digits-images" in names and "images-digits-samples" not in names
    h, w = _decodes(next(f for f in doc.figures if f.name == "images-digits-images").files["png"])
    assert h > 100 and w > 100
    assert {a.name for a in doc.animations} == {f"images-digits-{o}-animation" for o in "abc"}


def test_not_enough_objectives_is_reported_not_raised(tmp_path, registry):
    suite_dir = tmp_path / "two"
    for objective in ("a", "b"):
        for seed in (0, 1, 2):
            write_trial(suite_dir, "ring", objective, seed, {"energy": seed + (objective == "b")})
    write_suite_json(suite_dir, {"energy": "min"})
    doc = content.build(load_results(suite_dir, registry), draw=False)
    text = render.markdown(doc)
    assert "not enough data: the Friedman test needs at least 3 objectives (have 2)" in text
    ranking = md_tables(text)[0]
    assert [row[1] for row in ranking] == ["a", "b"]  # a has the lower energy on every seed
    assert ranking[0][2] == "1.00" and ranking[1][2] == "2.00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "/nonexistent/results"], "no such results directory"),
        (["report", "FIXTURE", "--alpha", "2"], "--alpha 2.0"),
        (["report", "FIXTURE", "--metric", "nope"], "--metric nope: not a headline metric"),
        (["report", "FIXTURE", "--format", "md,pdf"], "--format md,pdf: choose md, html, latex"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, run_cli, tmp_path):
    args = [str(FIXTURE) if a == "FIXTURE" else a for a in args]
    code, _, err = run_cli(*args, "--out", tmp_path / "r")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_several_formats_need_a_directory(run_cli, tmp_path):
    code, _, err = run_cli("report", FIXTURE, "--format", "md,html", "--out", tmp_path / "r.md")
    assert code == 2 and "several formats need a directory" in err
    assert list(tmp_path.iterdir()) == []


def test_the_format_follows_the_out_suffix(run_cli, tmp_path):
    code, out, _ = run_cli("report", FIXTURE, "--out", tmp_path / "fixture.tex", "--no-figures")
    assert code == 0 and out.strip() == f"report: {tmp_path / 'fixture.tex'}"
    assert (tmp_path / "fixture.tex").read_text().startswith("% ganbench report")
    assert (tmp_path / "fixture-tables" / "fixture-ring-headline.tex").is_file()
    assert (tmp_path / "fixture-data" / "summary.csv").is_file()


def test_the_coverage_figure_has_a_panel_per_declared_coverage_output(tmp_path):
    """The figure follows the metrics' coverage declarations (suite.json's "coverage", from
    ``Metric.coverage``), whatever their outputs are called: one panel per declared count, the
    declared total as its dashed line; the counts are not drawn again among the final values."""
    from ganbench.report.figures import jobs as figures

    suite_dir = tmp_path / "cov"
    for objective, hits in (("a", (5, 6, 6)), ("b", (3, 6, 4))):
        for seed, hit in enumerate(hits):
            values = {"support_hit": hit, "support_size": 6, "cells_seen": 10 + hit, "cells": 20, "quality": 0.5}
            write_trial(suite_dir, "pts", objective, seed, values)
    outputs = {"support_hit": "max", "support_size": "", "cells_seen": "max", "cells": "", "quality": "max"}
    declared = [{"covered": "support_hit", "total": "support_size"}, {"covered": "cells_seen", "total": "cells"}]
    write_suite_json(suite_dir, outputs, coverage=declared)
    [suite] = load_results(suite_dir)
    job = figures.coverage_job(suite, "pts", {}, "cov-pts")
    assert job is not None and job.name == "cov-pts-coverage"
    panels, _ = job.args
    assert [(title, ref) for title, ref, _ in panels] == [("support_hit ↑ (of 6)", 6.0), ("cells_seen ↑ (of 20)", 20.0)]
    assert [b.values.tolist() for b in panels[0][2]] == [[5, 6, 6], [3, 6, 4]]
    heads = {"support_hit": "max", "cells_seen": "max", "quality": "max"}
    jobs = {j.name: j for j in figures.metric_jobs(suite, "pts", heads, {}, "cov-pts")}
    assert "cov-pts-coverage" in jobs
    assert [title for title, _, _ in jobs["cov-pts-final"].args[0]] == ["quality ↑"]
    suite.coverage = declared[1:]
    assert [title for title, _, _ in figures.coverage_job(suite, "pts", {}, "cov-pts").args[0]] == [
        "cells_seen ↑ (of 20)"
    ]
    suite.coverage = []
    assert figures.coverage_job(suite, "pts", {}, "cov-pts") is None


def test_ci_installs_every_latex_package_the_report_loads(rendered):
    from tests.helpers.project import ROOT

    used = latex_packages(rendered["latex"].read_text())
    assert {"geometry", "booktabs", "hyperref"} <= set(used)
    unknown = sorted(set(used) - set(DEBIAN_TEX))
    assert not unknown, f"add the Debian package providing {unknown} to DEBIAN_TEX and to .ci/run"
    ci = (ROOT / ".ci" / "run").read_text()
    assert all(re.search(rf"\b{package}\b", ci) for package in {DEBIAN_TEX[name] for name in used})
