"""The LaTeX report compiles with pdflatex (as CI installs it from apt) into a paper-ready PDF:
every reference resolves, no table runs past the margin, the fonts are Type 1 or TrueType
(not Type 3), the text copies as written, and each table snippet compiles on its own.

Skipped where pdflatex is not installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers.report import DEBIAN_TEX, fixture_report, latex_packages

pytestmark = pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="pdflatex is not installed; the LaTeX report is not compiled"
)


def _pdflatex(tex: Path, out: Path, runs: int = 2) -> str:
    for _ in range(runs):
        result = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"-output-directory={out}", tex.name],
            cwd=tex.parent,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout[-3000:]
    return (out / f"{tex.stem}.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    doc, paths = fixture_report()
    missing = [  # only known ones: an unknown name is a mistake in the preamble, and pdflatex says so
        name
        for name in latex_packages(paths["latex"].read_text())
        if name in DEBIAN_TEX and subprocess.run(["kpsewhich", f"{name}.sty"], capture_output=True).returncode != 0
    ]
    if missing:  # .ci/run installs them all
        debian = sorted({DEBIAN_TEX[name] for name in missing})
        pytest.skip(f"LaTeX packages {missing} are not installed (Debian: {' '.join(debian)}); not compiled")
    out = tmp_path_factory.mktemp("pdf")
    log = _pdflatex(paths["latex"], out)
    return doc, paths["latex"], out / "report.pdf", log


def test_the_latex_report_compiles_with_every_reference_resolved(compiled):
    doc, tex, pdf, log = compiled
    assert pdf.stat().st_size > 50_000
    assert "undefined" not in log.lower() and "Rerun to get" not in log
    source = tex.read_text()
    refs = set(re.findall(r"\\ref\{([^}]+)\}", source))
    labels = set(re.findall(r"\\label\{([^}]+)\}", source))
    assert refs and refs <= labels
    assert {f"fig:{f.name}" for f in doc.figures} <= labels
    assert {f"tab:{t.key}" for t in doc.tables if t.key} <= labels


def test_no_table_runs_past_the_margin(compiled):
    *_, log = compiled
    assert "Overfull \\hbox" not in log
    assert r"\resizebox" not in compiled[1].read_text()  # no table shrunk to fit


def test_figures_stay_in_their_section(compiled):
    source = compiled[1].read_text()
    assert r"\usepackage[section]{placeins}" in source
    for block in source.split(r"\FloatBarrier")[1:]:
        assert block.count(r"\section") + block.count(r"\subsection") <= 1


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) is not installed")
def test_fonts_are_outlines_not_type_3(compiled):
    fonts = subprocess.run(["pdffonts", str(compiled[2])], capture_output=True, text=True, check=True).stdout
    kinds = {line[37:55].strip() for line in fonts.splitlines()[2:]}
    assert kinds and "Type 3" not in kinds, fonts
    assert "LMRoman10-Regular" in fonts


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_text_copies_as_written(compiled):
    text = subprocess.run(["pdftotext", str(compiled[2]), "-"], capture_output=True, text=True, check=True).stdout
    assert "critical-difference" in text and "ﬀ" not in text


def test_a_table_snippet_compiles_on_its_own(tmp_path):
    _, paths = fixture_report()
    snippet = paths["latex"].parent / "tables" / "fixture-ring-headline.tex"
    doc = tmp_path / "paper.tex"
    doc.write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern,booktabs,array}\n"
        f"\\begin{{document}}\nAs Table~\\ref{{tab:fixture-ring-headline}} shows.\n\\input{{{snippet}}}\n"
        "\\end{document}\n"
    )
    log = _pdflatex(doc, tmp_path)
    assert "undefined" not in log.lower() and (tmp_path / "paper.pdf").stat().st_size > 5_000
