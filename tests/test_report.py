"""`ganbench report`: every format from the committed fixture, the same numbers in each,
diverged, failed, unfinished and missing trials all accounted for."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import matplotlib.image
import numpy as np
import pytest

from ganbench.report import content, render
from ganbench.report.load import load_results
from tests.report_helpers import (
    FIXTURE,
    copy_fixture,
    html_tables,
    md_tables,
    numbers,
    tex_tables,
    write_suite_json,
    write_trial,
)


@pytest.fixture(scope="module")
def fixture_doc(registry):
    """The fixture's report, figures included, built once for the module."""
    return content.build(load_results(FIXTURE, registry), registry)


@pytest.fixture(scope="module")
def rendered(fixture_doc, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return {fmt: render.write(fixture_doc, fmt, out) for fmt in render.FORMATS}


def _decodes(png: bytes) -> tuple[int, int]:
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert image.ndim == 3 and image.std() > 0.01, "a blank figure"
    return image.shape[0], image.shape[1]


def test_the_fixture_holds_every_outcome(registry):
    [suite] = load_results(FIXTURE, registry)
    assert suite.counts() == {"complete": 16, "diverged": 1, "error": 1, "unfinished": 0, "missing": 0}
    assert suite.datasets == ["ring", "grid"] and suite.objectives == ["nonsaturating", "hinge", "wgan-gp"]
    assert sum(f.stat().st_size for f in FIXTURE.rglob("*") if f.is_file()) < 1_000_000


def test_every_format_is_written_with_its_figures(rendered, fixture_doc):
    names = {f.name for f in fixture_doc.figures}
    for dataset in ("ring", "grid"):
        for kind in ("cd", "samples", "curves-step", "curves-time", "modes", "throughput"):
            assert f"fixture-{dataset}-{kind}" in names
    for fig in fixture_doc.figures:
        _decodes(fig.png)
    md = rendered["md"].read_text()
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md):
        assert (rendered["md"].parent / link).is_file(), link
    assert len(re.findall(r"!\[", md)) == len(names)
    tex = rendered["latex"].read_text()
    assert tex.count(r"\includegraphics") == len(names)
    assert r"\usepackage{booktabs}" in tex and tex.count(r"\toprule") == tex.count(r"\bottomrule") > 0
    page = rendered["html"].read_text()
    assert page.count('src="data:image/png;base64,') == len(names)
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", page), "the page must not load anything"


def test_the_numbers_agree_across_formats(rendered):
    md = md_tables(rendered["md"].read_text())
    page = html_tables(rendered["html"].read_text())
    tex = tex_tables(rendered["latex"].read_text())
    assert len(md) == len(page) == len(tex) >= 5  # ranking, and per dataset a results and a statistics table
    assert numbers(md) == numbers(page) == numbers(tex)
    assert any("best" in cell for t in numbers(md) for row in t for cell in row)


def test_latex_rows_have_as_many_cells_as_headers(rendered):
    tex = rendered["latex"].read_text()
    for spec, header, body in re.findall(
        r"\\begin\{tabular\}\{(\w+)\}\n\\toprule\n(.*?)\n\\midrule\n(.*?)\\bottomrule", tex, re.S
    ):
        assert header.count(" & ") == len(spec) - 1
        for line in body.strip().splitlines():
            assert line.count(" & ") == len(spec) - 1, line
    assert "_" not in re.sub(r"\\_|\\includegraphics.*|%.*", "", tex).replace("\\_", "")


def test_diverged_and_failed_trials_are_counted_not_dropped(rendered):
    md = rendered["md"].read_text()
    ring = md.split("## Dataset: ring", 1)[1].split("## Dataset: grid")[0]
    grid = md.split("## Dataset: grid", 1)[1]
    assert re.search(r"\| nonsaturating +\| 2 ok, 1 failed", ring)
    assert re.search(r"\| wgan-gp +\| 2 ok, 1 diverged", grid)
    missing = md.split("## What is missing or failed", 1)[1].split("##")[0]
    assert "ring-nonsaturating-s1-b0f90f89ac" in missing and "failed" in missing
    assert "grid-wgan-gp-s2-6133a4747c" in missing and "diverged" in missing
    assert "injected failure" in missing


def test_a_failed_run_ranks_last_in_its_seed(registry):
    [suite] = load_results(FIXTURE, registry)
    scores, used, dropped = content.score_matrix(suite, "ring", "wasserstein", "min")
    assert used == [0, 1, 2] and dropped == []
    row = scores[used.index(1)]
    assert row[0] == -np.inf and np.isfinite(row[1:]).all()  # nonsaturating failed on seed 1
    test = content.rank_tests(suite, "ring", {"wasserstein": "min"}, 0.05)["wasserstein"]
    assert test.n_blocks == 3 and test.tested


def test_best_is_highlighted_by_direction(registry):
    [suite] = load_results(FIXTURE, registry)
    table = content.results_table(suite, "grid")
    col = table.headers.index("wasserstein ↓")
    means = [float(r[col].text.split()[0]) for r in table.rows]
    best = [r[col].best for r in table.rows]
    assert best == [m == min(means) for m in means]
    col = table.headers.index("modes_captured ↑")
    means = [float(r[col].text.split()[0]) for r in table.rows]
    assert [r[col].best for r in table.rows] == [m == max(means) for m in means]


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
    missing = md.split("## What is missing or failed", 1)[1].split("\n## ")[0]
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
    doc = content.build(load_results(suite_dir, registry), registry)
    names = [f.name for f in doc.figures]
    assert "images-digits-images" in names and "images-digits-samples" not in names
    h, w = _decodes(next(f for f in doc.figures if f.name == "images-digits-images").png)
    assert h > 100 and w > 100


def test_not_enough_objectives_is_reported_not_raised(tmp_path, registry):
    suite_dir = tmp_path / "two"
    for objective in ("a", "b"):
        for seed in (0, 1, 2):
            write_trial(suite_dir, "ring", objective, seed, {"energy": seed + (objective == "b")})
    write_suite_json(suite_dir, {"energy": "min"})
    doc = content.build(load_results(suite_dir, registry), registry, figures=False)
    text = render.markdown(doc)
    assert "not enough data: the Friedman test needs at least 3 objectives (have 2)" in text
    ranking = md_tables(text)[0]
    assert [row[1] for row in ranking] == ["a", "b"]  # a has the lower energy on every seed
    assert ranking[0][2] == "**1.00**" and ranking[1][2] == "2.00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "/nonexistent/results"], "no such results directory"),
        (["report", "FIXTURE", "--alpha", "2"], "--alpha 2.0"),
        (["report", "FIXTURE", "--metric", "nope"], "--metric nope: not a headline metric"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, run_cli, tmp_path):
    args = [str(FIXTURE) if a == "FIXTURE" else a for a in args]
    code, _, err = run_cli(*args, "--out", tmp_path / "r")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_the_format_follows_the_out_suffix(run_cli, tmp_path):
    code, out, _ = run_cli("report", FIXTURE, "--out", tmp_path / "fixture.tex", "--no-figures")
    assert code == 0 and out.strip() == f"report: {tmp_path / 'fixture.tex'}"
    assert (tmp_path / "fixture.tex").read_text().startswith("% ganbench report")


#: The Debian package that provides each LaTeX package the report may load; `.ci/run` installs
#: these so that CI compiles the report (`test_the_latex_report_compiles`).
DEBIAN_TEX = {
    "inputenc": "texlive-latex-base",
    "fontenc": "texlive-latex-base",
    "geometry": "texlive-latex-base",
    "graphicx": "texlive-latex-base",
    "hyperref": "texlive-latex-base",
    "booktabs": "texlive-latex-recommended",
    "caption": "texlive-latex-recommended",
    "placeins": "texlive-latex-extra",
    "lmodern": "lmodern",
}


def latex_packages(tex: str) -> list[str]:
    """The LaTeX packages a document loads with \\usepackage[...]{a,b}."""
    groups = re.findall(r"\\usepackage(?:\[[^\]]*\])?\{([^}]*)\}", tex)
    return [name.strip() for group in groups for name in group.split(",")]


def test_ci_installs_every_latex_package_the_report_loads(rendered):
    from tests.conftest import ROOT

    used = latex_packages(rendered["latex"].read_text())
    assert {"geometry", "booktabs", "hyperref"} <= set(used)
    unknown = sorted(set(used) - set(DEBIAN_TEX))
    assert not unknown, f"add the Debian package providing {unknown} to DEBIAN_TEX and to .ci/run"
    ci = (ROOT / ".ci" / "run").read_text()
    assert all(re.search(rf"\b{package}\b", ci) for package in {DEBIAN_TEX[name] for name in used})


@pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="pdflatex is not installed; the LaTeX report is not compiled"
)
def test_the_latex_report_compiles(rendered, tmp_path):
    tex = rendered["latex"]
    missing = [  # only known ones: an unknown name is a mistake in the preamble, and pdflatex says so
        name
        for name in latex_packages(tex.read_text())
        if name in DEBIAN_TEX and subprocess.run(["kpsewhich", f"{name}.sty"], capture_output=True).returncode != 0
    ]
    if missing:
        debian = sorted({DEBIAN_TEX[name] for name in missing})
        pytest.skip(f"LaTeX packages {missing} are not installed (Debian: {' '.join(debian)}); not compiled")
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"-output-directory={tmp_path}", tex.name],
        cwd=tex.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "report.pdf").stat().st_size > 10_000
