"""The report's numbers checked against the data, not against the report's own code: this test
reads the fixture's trial directories itself (config.json, final.json, history.jsonl, DONE),
computes the means, standard deviations, t-intervals (scipy), ranks and Friedman statistics
(scipy) independently, and compares them with what `ganbench report` printed."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tests.helpers.report import FIXTURE, fixture_report

#: a failed or diverged run ranks last in its seed
WORST = -math.inf


def _trials() -> list[dict]:
    out = []
    for directory in sorted(p for p in FIXTURE.iterdir() if (p / "config.json").is_file()):
        config = json.loads((directory / "config.json").read_text())
        final = json.loads((directory / "final.json").read_text()) if (directory / "final.json").is_file() else {}
        history = [json.loads(line) for line in (directory / "history.jsonl").read_text().splitlines() if line]
        status = final.get("status")
        if status in ("complete", "diverged") and not (directory / "DONE").is_file():
            status = "unfinished"
        out.append(
            {
                "dataset": config["dataset"]["label"],
                "objective": config["objective"]["label"],
                "seed": config["seed"],
                "n_critic": config["objective"]["hyper"]["n_critic"],
                "status": status,
                "metrics": final.get("metrics", {}),
                "history": history,
            }
        )
    return out


TRIALS = _trials()
OUTPUTS = json.loads((FIXTURE / "suite.json").read_text())["metric_outputs"]
HEADLINE = {m: d for m, d in OUTPUTS.items() if d in ("max", "min")}
ARROW = {"max": "↑", "min": "↓"}


def _tables(md: str) -> list[tuple[list[str], list[list[str]]]]:
    """(headers, rows) of every Markdown table, cells stripped."""
    tables, block = [], []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            block.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
        elif block:
            tables.append((block[0], block[2:]))
            block = []
    return tables


def _section(md: str, dataset: str) -> str:
    return md.split(f"## Dataset: {dataset}", 1)[1].split("\n## ")[0]


def _table(md: str, dataset: str, first_headers: list[str], contains: str) -> tuple[list[str], list[list[str]]]:
    for headers, rows in _tables(_section(md, dataset)):
        if headers[: len(first_headers)] == first_headers and contains in headers:
            return headers, rows
    raise AssertionError(f"no table {first_headers} with {contains} for {dataset}")


def _close(printed: str, value: float) -> None:
    """``printed`` is ``value`` rounded to the decimals it shows."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert float(printed) == pytest.approx(value, abs=0.5 * 10**-decimals + 1e-12), (printed, value)


@pytest.fixture(scope="module")
def report() -> tuple[str, list[dict]]:
    _, paths = fixture_report()
    summary = json.loads((Path(paths["md"]).parent / "data" / "summary.json").read_text())
    return paths["md"].read_text(), summary


@pytest.mark.parametrize("dataset", ["ring", "grid"])
@pytest.mark.parametrize("metric", sorted(HEADLINE))
def test_means_and_spreads_are_the_datas(report, dataset, metric):
    md, summary = report
    headers, rows = _table(md, dataset, ["objective", "runs"], f"{metric} {ARROW[HEADLINE[metric]]}")
    col = headers.index(f"{metric} {ARROW[HEADLINE[metric]]}")
    for row in rows:
        objective = row[0]
        done = sorted(
            (
                t
                for t in TRIALS
                if t["dataset"] == dataset and t["objective"] == objective and t["status"] == "complete"
            ),
            key=lambda t: t["seed"],
        )
        values = np.array([t["metrics"][metric] for t in done])
        mean_sd, seeds = re.fullmatch(r"\**(.+?)\**(?: \((.*)\))?", row[col]).groups()
        mean, sd = mean_sd.split(" ± ")
        _close(mean, values.mean())
        _close(sd, values.std(ddof=1))
        for shown, value in zip(seeds.split(", "), values, strict=True):
            _close(shown, value)
        if np.ptp(values) == 0:  # no spread: the interval is the value
            lo = hi = values[0]
        else:
            lo, hi = stats.t.interval(0.95, values.size - 1, loc=values.mean(), scale=stats.sem(values))
        [exported] = [
            r
            for r in summary
            if (r["dataset"], r["objective"], r["column"], r["role"]) == (dataset, objective, metric, "headline")
        ]
        assert (exported["ci_low"], exported["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)


def _scores(dataset: str, metric: str, objectives: list[str]) -> np.ndarray:
    """Seeds × objectives, higher is better, on the seeds where every objective has a final state."""
    by_seed: dict[int, dict[str, float]] = defaultdict(dict)
    for t in TRIALS:
        if t["dataset"] != dataset or t["status"] not in ("complete", "diverged", "error"):
            continue
        value = t["metrics"].get(metric, math.nan) if t["status"] == "complete" else math.nan
        value = WORST if not math.isfinite(value) else (value if HEADLINE[metric] == "max" else -value)
        by_seed[t["seed"]][t["objective"]] = value
    return np.array([[row[o] for o in objectives] for _, row in sorted(by_seed.items()) if len(row) == len(objectives)])


@pytest.mark.parametrize("dataset", ["ring", "grid"])
def test_ranks_and_friedman_statistics_are_the_datas(report, dataset):
    md, _ = report
    statistics = md.split(f"### {dataset}: statistics", 1)[1].split("\n### ")[0]
    (friedman_headers, friedman_rows), (rank_headers, rank_rows) = _tables(statistics)[:2]
    assert friedman_headers[:3] == ["metric", "seeds", "χ²_F"] and rank_headers[0] == "objective"
    objectives = [r[0] for r in rank_rows]
    for metric, direction in HEADLINE.items():
        scores = _scores(dataset, metric, objectives)
        mean_ranks = stats.rankdata(-scores, axis=1).mean(axis=0)
        col = rank_headers.index(f"{metric} {ARROW[direction]}")
        for i, row in enumerate(rank_rows):
            _close(row[col], mean_ranks[i])
        [printed] = [r for r in friedman_rows if r[0] == f"{metric} {ARROW[direction]}"]
        assert int(printed[1]) == scores.shape[0]
        ranked = stats.rankdata(-scores, axis=1)
        if np.all(ranked == ranked[:, :1]):
            continue  # every seed ties: no statistic
        reference = stats.friedmanchisquare(*scores.T)
        assert float(printed[2]) == pytest.approx(reference.statistic, rel=5e-3)
        _close(printed[4], reference.pvalue)


def test_the_equal_budget_table_reads_the_history(report):
    md, _ = report
    headers, rows = _table(md, "grid", ["objective", "step × n_critic"], "energy ↓")
    col = headers.index("energy ↓")
    for row in rows:
        step, n_critic = (int(x.replace(",", "")) for x in row[1].split(" (")[0].split(" × "))
        done = sorted(
            (t for t in TRIALS if t["dataset"] == "grid" and t["objective"] == row[0] and t["status"] == "complete"),
            key=lambda t: t["seed"],
        )
        assert {t["n_critic"] for t in done} == {n_critic}
        values = [next(r["energy"] for r in t["history"] if r["step"] == step) for t in done]
        mean = re.fullmatch(r"\**(.+?)\**(?: \(.*\))?", row[col]).group(1).split(" ± ")[0]
        _close(mean, float(np.mean(values)))
