"""``ganbench compare A B``: did a change help?  Per dataset, objective and figure, the
difference of means (B − A), whether it is significant, and the smallest difference the
comparison could have detected.

Runs that share a seed on both sides are paired by it (a paired t-test, or the Wilcoxon
signed-rank test with ``--test rank``): the seed fixes the initialisation and the data
stream, so pairing removes that part of the spread.  Without shared seeds (or with
``--unpaired``) the sides are independent samples (Welch's t, or Mann–Whitney U).
P-values are Holm-corrected within two families: the quality figures, and the timing
figures (which measure the machine, not the objective)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ganbench.metrics.summary import ALL_MODES_STEP
from ganbench.report import context
from ganbench.report.columns import columns
from ganbench.report.console import ARROW
from ganbench.report.fmt import NONE, fmt, fmt_p
from ganbench.report.metric_tables import runs
from ganbench.report.rendering.document import Cell, Document, Heading, Paragraph, Table
from ganbench.report.statistics.describe import ALPHA, holm
from ganbench.report.statistics.twosample import NAMES, Outcome, compare_runs
from ganbench.report.throughput import TIMING
from ganbench.results.reader import SuiteResults, TrialResult
from ganbench.text import plural

#: figures not compared: the first-step figure (which has 'never' values)
SKIP = {ALL_MODES_STEP}
FAMILIES = ("quality", "timing")


def _values(trials: list[TrialResult], column: str) -> dict[int, float]:
    out = {}
    for t in trials:
        v = t.value(column) if t.status == "complete" else math.nan
        if math.isfinite(v) and t.seed is not None:
            out[t.seed] = v
    return out


def _change(delta: float, direction: str) -> str:
    if not math.isfinite(delta):
        return NONE
    if delta == 0:
        return "same"
    return "better" if (delta > 0) == (direction == "max") else "worse"


def _row(
    d: str, o: str, col: str, direction: str, x: dict[int, float], y: dict[int, float], r: Outcome
) -> dict[str, Any]:
    ma = float(np.mean(list(x.values()))) if x else math.nan
    mb = float(np.mean(list(y.values()))) if y else math.nan
    family = "timing" if col in TIMING else "quality"
    return {"dataset": d, "objective": o, "column": col, "direction": direction, "family": family}  | {
        "mean_a": ma, "n_a": len(x), "mean_b": mb, "n_b": len(y), "delta": mb - ma,
        "paired": r.paired, "n": r.n, "p": r.p, "note": r.note, "mde": r.mde,
    }  # fmt: skip


def compare(a: SuiteResults, b: SuiteResults, test: str = "t", alpha: float = ALPHA, paired: bool = True) -> Document:
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
    rows = []
    for d in datasets:
        for o in objectives:
            ta = [t for t in a.trials if t.dataset == d and t.objective == o]
            tb = [t for t in b.trials if t.dataset == d and t.objective == o]
            for col, direction in cols.items():
                x, y = _values(ta, col), _values(tb, col)
                rows.append(_row(d, o, col, direction, x, y, compare_runs(x, y, test, paired, alpha)))
    for family in FAMILIES:
        members = [r for r in rows if r["family"] == family]
        for r, p in zip(members, holm([r["p"] for r in members]), strict=True):
            r["p_holm"] = float(p)
            r["significant"] = bool(math.isfinite(p) and p < alpha)
            r["change"] = _change(r["delta"], r["direction"])
    doc.data["compare"] = rows

    used = sorted({NAMES[(test, r["paired"])] for r in rows if math.isfinite(r["p"])})
    doc.add(Paragraph(_verdict(rows, alpha)))
    doc.add(
        Paragraph(
            f"A = {a.path}, B = {b.path}. Δ = mean(B) − mean(A) over complete runs; 'change' reads Δ through the "
            f"figure's direction. Runs that share a seed on both sides are paired by seed"
            f"{' (disabled by --unpaired)' if not paired else ''}; tests used: {', '.join(used) or 'none'} "
            f"(two-sided). p (Holm): corrected within the quality figures and, separately, within the timing "
            f"figures ({', '.join(TIMING)}); significant when p (Holm) < {alpha:g}. MDE: the smallest |Δ| the "
            "t-test detects with 80% power at this spread and number of runs (non-central t): a change smaller "
            "than it can pass unnoticed."
        )
    )
    if only:
        doc.add(Paragraph("Not compared: " + "; ".join(only) + "."))
    for side, s in (("A", a), ("B", b)):
        others = context.others_note(s)
        if others:
            doc.add(Paragraph(f"{side}: {others}.", warning=not s.all_trials))
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
        for family in FAMILIES:
            members = [r for r in rows if r["dataset"] == d and r["family"] == family]
            if members:
                doc.add(_table(members, family, d))
    return doc


def _verdict(rows: list[dict[str, Any]], alpha: float) -> str:
    parts = []
    for family in FAMILIES:
        members = [r for r in rows if r["family"] == family]
        tested = sum(math.isfinite(r["p_holm"]) for r in members)
        sig = [r for r in members if r["significant"]]
        if not members:
            continue
        if sig:
            what = "; ".join(
                f"{r['dataset']}/{r['objective']}/{r['column']}: {r['change']} (Δ {fmt(r['delta'])}, "
                f"p (Holm) {fmt_p(r['p_holm'])})"
                for r in sig
            )
            parts.append(f"{family}: {plural(len(sig), 'significant difference')} of {tested} tests: {what}.")
        else:
            parts.append(f"{family}: no significant difference in {tested} tests (Holm, α = {alpha:g}).")
    return " ".join(parts) if parts else "Nothing to compare: no dataset and objective in common."


def _table(members: list[dict[str, Any]], family: str, dataset: str) -> Table:
    out = []
    for r in members:
        n = f"{r['n']} paired" if r["paired"] else f"{r['n_a']} vs {r['n_b']}"
        p = fmt_p(r["p"]) if math.isfinite(r["p"]) else (r["note"] or NONE)
        if math.isfinite(r["p"]) and r["note"]:
            p += f" ({r['note']})"
        out.append(
            [
                Cell(r["objective"]),
                Cell(f"{r['column']} {ARROW[r['direction']]}"),
                Cell(fmt(r["mean_a"])),
                Cell(fmt(r["mean_b"])),
                Cell(fmt(r["delta"])),
                Cell(n),
                Cell(p),
                Cell(fmt_p(r["p_holm"])),
                Cell(fmt(r["mde"])),
                Cell(r["change"] + (" (significant)" if r["significant"] else ""), best=r["significant"]),
            ]
        )
    headers = ["objective", "figure", "A mean", "B mean", "Δ (B − A)", "runs", "p", "p (Holm)", "MDE", "change"]
    caption = f"{dataset}: {family} figures" + (" (Holm family of their own)" if family == "timing" else "") + "."
    return Table(headers, out, caption=caption, align="llrrrlrrrl")
