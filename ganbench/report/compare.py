"""``ganbench compare A B``: did a change help?  Per dataset, objective and metric, the
difference of means (B − A) and whether it is significant.

The runs of A and B are independent samples (a change to an objective changes
every trajectory, even at the same seed), so the tests are unpaired: Welch's t
(the default; usable from 2 seeds a side) or Mann–Whitney U (needs at least 4 seeds
a side to reach p < 0.05).  P-values are corrected with Holm's method over every
row of the comparison."""

from __future__ import annotations

import math

import numpy as np

from ganbench.report.console import ARROW
from ganbench.report.content import NONE, columns, fmt, fmt_p, runs
from ganbench.report.document import Cell, Document, Heading, Paragraph, Table
from ganbench.report.load import SuiteResults, Trial
from ganbench.report.stats import ALPHA, holm, two_sample

#: figures compared: every column of the report table with a direction, but the first-step
#: figure (which has 'never' values)
SKIP = {"all_modes_step"}


def _values(trials: list[Trial], column: str) -> np.ndarray:
    v = np.array([t.value(column) for t in trials if t.status == "complete"], dtype=float)
    return v[np.isfinite(v)]


def compare(a: SuiteResults, b: SuiteResults, test: str = "welch", alpha: float = ALPHA) -> Document:
    doc = Document(f"ganbench compare: {a.name} ({a.path}) → {b.name} ({b.path})")
    cols = {**columns(a), **columns(b)}
    cols = {k: d for k, d in cols.items() if d in ("max", "min") and k not in SKIP}
    datasets = [d for d in a.datasets if d in b.datasets]
    objectives = [o for o in a.objectives if o in b.objectives]
    only = sorted(
        {f"dataset {d} only in {s.name}" for s, o in ((a, b), (b, a)) for d in s.datasets if d not in o.datasets}
        | {
            f"objective {x} only in {s.name}"
            for s, o in ((a, b), (b, a))
            for x in s.objectives
            if x not in o.objectives
        }
    )
    test_name = {"welch": "Welch's t-test", "mannwhitney": "Mann–Whitney U test"}[test]
    doc.add(
        Paragraph(
            f"A = {a.path}, B = {b.path}. Δ = mean(B) − mean(A) over complete runs; 'change' reads Δ through the "
            f"metric's direction. p: two-sided {test_name} (unpaired); p (Holm): corrected over every row; "
            f"significant when p (Holm) < {alpha:g}."
        )
    )
    if only:
        doc.add(Paragraph("Not compared: " + "; ".join(only) + "."))
    rows: list[tuple[str, str, str, np.ndarray, np.ndarray, float, str]] = []
    for d in datasets:
        for o in objectives:
            ta = [t for t in a.trials if t.dataset == d and t.objective == o]
            tb = [t for t in b.trials if t.dataset == d and t.objective == o]
            for col in cols:
                x, y = _values(ta, col), _values(tb, col)
                p, note = two_sample(x, y, test)
                rows.append((d, o, col, x, y, p, note))
    adjusted = holm([r[5] for r in rows])
    n_tests = int(np.isfinite(adjusted).sum())
    significant = []
    for d in datasets:
        doc.add(Heading(f"Dataset: {d}", 2))
        counts = [
            [
                Cell(o),
                Cell(runs([t for t in a.trials if t.dataset == d and t.objective == o])),
                Cell(runs([t for t in b.trials if t.dataset == d and t.objective == o])),
            ]
            for o in objectives
        ]
        doc.add(Table(["objective", "runs A", "runs B"], counts, align="lll"))
        table_rows = []
        for (ds, o, col, x, y, p, note), p_adj in zip(rows, adjusted, strict=True):
            if ds != d:
                continue
            ma = float(x.mean()) if x.size else math.nan
            mb = float(y.mean()) if y.size else math.nan
            delta = mb - ma
            direction = cols[col]
            if not math.isfinite(delta) or delta == 0:
                change = NONE if not math.isfinite(delta) else "same"
            else:
                change = "better" if (delta > 0) == (direction == "max") else "worse"
            sig = bool(math.isfinite(p_adj) and p_adj < alpha)
            if sig:
                significant.append(f"{d}/{o}/{col}: {change} (Δ {fmt(delta)}, p (Holm) {fmt_p(p_adj)})")
            table_rows.append(
                [
                    Cell(o),
                    Cell(f"{col} {ARROW[direction]}"),
                    Cell(f"{fmt(ma)} (n={x.size})"),
                    Cell(f"{fmt(mb)} (n={y.size})"),
                    Cell(fmt(delta)),
                    Cell(change),
                    Cell(fmt_p(p) + (f" ({note})" if note else "") if math.isfinite(p) else note or NONE),
                    Cell(fmt_p(p_adj)),
                    Cell("yes" if sig else "no", best=sig),
                ]
            )
        doc.add(
            Table(
                ["objective", "metric", "A mean", "B mean", "Δ (B − A)", "change", "p", "p (Holm)", "significant"],
                table_rows,
                align="llrrrlrrl",
            )
        )
    verdict = (
        f"{len(significant)} significant difference(s) of {n_tests} tests: " + "; ".join(significant) + "."
        if significant
        else f"No significant difference in {n_tests} tests (Holm, α = {alpha:g})."
    )
    doc.blocks.insert(1, Paragraph(verdict))
    return doc
