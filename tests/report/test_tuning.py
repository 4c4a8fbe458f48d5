"""The report's tuning section: its estimators against brute force and closed forms, and every
number of its tables recomputed here from the trial files of a real (tiny) run.

The run trains each configuration as a separately labelled objective of one suite (ns0, ns1,
... on search and report seeds alike); ``search.json`` is then written by hand, as the search's
coordinator would, naming those trials as the configurations, the tuned and the default trials
of two objectives, "nonsaturating" and "hinge". One configuration of each diverges or fails (the
test plugins "explodes" and "raises")."""

from __future__ import annotations

import itertools
import json
import math
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ganbench.errors import ConfigError
from ganbench.report import content, tuning
from ganbench.report.rendering.render import markdown
from ganbench.report.statistics.tuning import expected_best, kendall, ranks, wilson, within
from ganbench.results import atomic_write_json
from ganbench.results.reader import load_suite_results
from tests.helpers.plugins import BAD_OBJECTIVES
from tests.helpers.project import ganbench_exe
from tests.helpers.runs import env

# ------------------------------------------------------------------ the estimators


def brute_expected_best(scores: list[float], n: int, direction: str) -> tuple[float, float]:
    pick = max if direction == "max" else min
    bests = [pick(c) for c in itertools.combinations(scores, n)]
    return float(np.mean(bests)), float(np.std(bests))


@pytest.mark.parametrize("direction", ["min", "max"])
@pytest.mark.parametrize(
    "scores",
    [[3.0], [1.0, 2.0], [0.5, 0.5, 2.0, 1.0], [4.0, 1.0, 4.0, 3.0, 1.0, 2.5], [0.1, -2.0, 7.0, 7.0, 7.0, 0.0, 3.3]],
)
def test_expected_best_equals_enumeration_of_every_subset(scores, direction):
    for n in range(1, len(scores) + 1):
        mean, sd = expected_best(scores, n, direction)
        want_mean, want_sd = brute_expected_best(scores, n, direction)
        assert mean == pytest.approx(want_mean, rel=1e-12, abs=1e-12)
        assert sd == pytest.approx(want_sd, rel=1e-9, abs=1e-9)


def test_expected_best_is_stable_for_hundreds_of_configurations():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=300)
    assert expected_best(scores, 1, "max")[0] == pytest.approx(scores.mean(), rel=1e-12)
    assert expected_best(scores, 300, "max") == pytest.approx((scores.max(), 0.0), abs=1e-12)
    assert expected_best(scores, 300, "min") == pytest.approx((scores.min(), 0.0), abs=1e-12)
    means = [expected_best(scores, n, "max")[0] for n in range(1, 301)]
    assert np.all(np.diff(means) >= -1e-12)


def test_expected_best_refuses_what_it_cannot_estimate():
    with pytest.raises(ValueError):
        expected_best([1.0, 2.0], 3, "min")
    with pytest.raises(ValueError):
        expected_best([1.0, math.nan], 1, "min")


def closed_wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(0, 3), (1, 3), (3, 3), (7, 12), (20, 48), (1, 1)])
def test_wilson_matches_the_closed_formula(k, n):
    assert wilson(k, n) == pytest.approx(closed_wilson(k, n), abs=1e-12)


def test_ranks_put_missing_means_last_and_within_is_relative():
    assert ranks([0.3, math.nan, 0.1, 0.3], "min").tolist() == [2.5, 4.0, 1.0, 2.5]
    assert ranks([0.3, math.nan, 0.1], "max").tolist() == [1.0, 3.0, 2.0]
    assert within([1.0, 1.5, 1.51, math.nan, 0.5], 1.0, 0.5).tolist() == [True, True, False, False, True]
    assert kendall([1, 2, 3], [1, 2, 3])[0] == pytest.approx(1.0)


# ------------------------------------------------------------------ a real run and its search

SUITE = """
name = "tuned"
seeds = [0, 1, 2, 1000, 1001]
metrics = ["modes", "wasserstein"]

[train]
steps = 10
batch_size = 32
eval_every = 10
eval_samples = 100

[model]
name = "mlp"
width = 16
depth = 1

[[datasets]]
name = "ring"
modes = 2
sigma = 0.5
radius = 1.0
"""
#: objective -> its configurations' labels in the run (index 0 = the defaults), and each label's settings
SEARCH = {"nonsaturating": ["ns0", "ns1", "ns2", "x"], "hinge": ["h0", "h1", "h2", "r"]}
LABELS = {
    "ns0": ("nonsaturating", ""),
    "ns1": ("nonsaturating", "lr_g = 0.001"),
    "ns2": ("nonsaturating", "lr_g = 0.005"),
    "x": ("explodes", ""),
    "h0": ("hinge", ""),
    "h1": ("hinge", "lr_g = 0.001"),
    "h2": ("hinge", "lr_g = 0.00005"),
    "r": ("raises", ""),
}
SEARCH_SEEDS, REPORT_SEEDS = [1000, 1001], [0, 1, 2]
OUTPUT, TOLERANCE, BUDGET = "wasserstein", 0.05, 4


def _trials(suite_dir: Path) -> dict[tuple[str, int], str]:
    out = {}
    for p in suite_dir.iterdir():
        if (p / "config.json").exists():
            c = json.loads((p / "config.json").read_text())
            out[(c["objective"]["label"], c["seed"])] = p.name
    return out


def final(suite_dir: Path, tid: str) -> dict[str, Any]:
    """A trial's final.json, with the seed its config.json names."""
    seed = json.loads((suite_dir / tid / "config.json").read_text())["seed"]
    return {**json.loads((suite_dir / tid / "final.json").read_text()), "seed": seed}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tuning")
    (root / "plugins").mkdir()
    (root / "plugins" / "bad.py").write_text(BAD_OBJECTIVES)
    text = SUITE + "".join(
        f'\n[[objectives]]\nname = "{name}"\nlabel = "{label}"\n{extra}\n' for label, (name, extra) in LABELS.items()
    )
    (root / "tuned.toml").write_text(text)
    cmd = [*ganbench_exe(), "run", str(root / "tuned.toml"), "--out", str(root / "out")]
    subprocess.run([*cmd, "--plugins-dir", str(root / "plugins")], env=env(), capture_output=True, timeout=300)
    suite_dir = root / "out" / "tuned"
    ids = _trials(suite_dir)
    datasets: dict[str, Any] = {}
    for objective, labels in SEARCH.items():
        configs = []
        for i, label in enumerate(labels):
            trials = [ids[(label, s)] for s in SEARCH_SEEDS]
            finals = [final(suite_dir, t) for t in trials]
            states = {f["status"] for f in finals}
            state = "failed" if "error" in states else "diverged" if "diverged" in states else "scored"
            score = float(np.mean([f["metrics"][OUTPUT] for f in finals])) if state == "scored" else None
            hyper = json.loads((suite_dir / trials[0] / "config.json").read_text())["objective"]["hyper"]
            values = {"lr_g": hyper["lr_g"]}
            configs.append({"index": i, "values": values, "trials": trials, "score": score, "state": state})
        selected = min((c for c in configs if c["score"] is not None), key=lambda c: c["score"])["index"]
        datasets[objective] = {
            "configurations": configs,
            "selected": selected,
            "tuned_trials": [ids[(labels[selected], s)] for s in REPORT_SEEDS],
            "default_trials": [ids[(labels[0], s)] for s in REPORT_SEEDS],
        }
    rule = {
        "method": "random",
        "budget": BUDGET,
        "seed": 0,
        "seeds": SEARCH_SEEDS,
        "report_seeds": REPORT_SEEDS,
        "output": OUTPUT,
        "direction": "min",
        "at": "final",
        "tolerance": TOLERANCE,
        "per_round": 8,
        "spaces": {o: [{"key": "lr_g", "kind": "log", "low": 1e-5, "high": 1e-2}] for o in SEARCH},
    }
    meta = json.loads((suite_dir / "suite.json").read_text())
    meta["trials"] = [t for o in datasets.values() for t in o["tuned_trials"]]  # the headline: tuned trials
    atomic_write_json(suite_dir / "suite.json", meta)
    atomic_write_json(suite_dir / "search.json", {"format": 1, "rule": rule, "datasets": {"ring": datasets}})
    return suite_dir


def report_md(suite_dir: Path, draw: bool = False) -> str:
    doc = content.build([load_suite_results(suite_dir)], draw=draw, workers=1)
    return markdown(doc)


def md_tables(text: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """caption -> (headers, rows) of every Markdown table."""
    out = {}
    for m in re.finditer(r"((?:^\|.*\|\n)+)\n\*(?:Table \d+: )?(.*)\*$", text, re.M):
        lines = m.group(1).splitlines()
        split = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]
        out[m.group(2)] = (split[0], split[2:])
    return out


def table(text: str, phrase: str) -> dict[str, dict[str, str]]:
    """The table whose caption holds ``phrase``: row label -> header -> cell (headers made unique)."""
    found = [v for k, v in md_tables(text).items() if phrase in k]
    assert len(found) == 1, phrase
    headers, rows = found[0]
    seen: dict[str, int] = {}
    names = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        names.append(h if seen[h] == 1 else f"{h} {seen[h]}")
    return {r[0]: dict(zip(names, r, strict=True)) for r in rows}


def near(text: str, value: float) -> None:
    """``text`` is ``value`` as printed: equal within half a unit of its last printed digit."""
    digits = re.fullmatch(r"-?\d+(?:\.(\d+))?(?:e([-+]\d+))?", text.strip())
    assert digits, text
    unit = 10.0 ** -len(digits.group(1) or "") * (10.0 ** int(digits.group(2)) if digits.group(2) else 1.0)
    assert abs(float(text) - value) <= unit / 2 + 1e-12 * abs(value), (text, value)


def mean_sd(text: str, values: list[float]) -> None:
    """'mean ± sd (v1, v2, v3)': each figure as printed, the per-seed values in seed order."""
    main, _, detail = text.partition(" (")
    if len(values) == 1:
        near(main, values[0])
        return
    m, s = main.split(" ± ")
    near(m, float(np.mean(values)))
    near(s, float(np.std(values, ddof=1)))
    shown = detail.rstrip(")").split(", ")
    assert len(shown) == len(values), (text, values)
    for x, v in zip(shown, values, strict=True):
        near(x, v)


class Truth:
    """The numbers of the tuning tables, from the trial files alone."""

    def __init__(self, suite_dir: Path) -> None:
        self.dir = suite_dir
        self.search = json.loads((suite_dir / "search.json").read_text())["datasets"]["ring"]
        self.scores: dict[str, list[float | None]] = {}
        for objective, entry in self.search.items():
            self.scores[objective] = []
            for c in entry["configurations"]:
                finals = [final(suite_dir, t) for t in c["trials"]]
                ok = all(f["status"] == "complete" for f in finals)
                self.scores[objective].append(np.mean([f["metrics"][OUTPUT] for f in finals]) if ok else None)
        scored = [s for ss in self.scores.values() for s in ss if s is not None]
        self.best, self.worst = min(scored), max(scored)

    def metric(self, tids: list[str], key: str) -> list[float]:
        finals = sorted((final(self.dir, t) for t in tids), key=lambda f: f["seed"])
        return [f["metrics"][key] for f in finals if f["status"] == "complete"]


def test_the_run_has_what_the_tables_must_show(run):
    truth = Truth(run)
    assert None in truth.scores["nonsaturating"] and None in truth.scores["hinge"]
    statuses = {
        final(run, t)["status"] for e in truth.search.values() for c in e["configurations"] for t in c["trials"]
    }
    assert statuses == {"complete", "diverged", "error"}


def test_every_number_of_the_tuning_tables_is_recomputed_from_the_trial_files(run):
    text = report_md(run)
    truth = Truth(run)
    objectives = list(SEARCH)

    tuned = table(text, "after tuning: each objective's selected configuration")
    for o in objectives:
        entry = truth.search[o]
        row = tuned[o]
        assert (
            row["selected configuration"] == f"lr_g {entry['configurations'][entry['selected']]['values']['lr_g']:.2e}"
        )
        assert row["defaults"] == ("yes" if entry["selected"] == 0 else "no")
        for key in (OUTPUT, "modes_captured", "hq_percent", "reverse_kl"):
            header = next(h for h in row if h.split(" ")[0] == key)
            mean_sd(row[header], truth.metric(entry["tuned_trials"], key))

    vs = table(text, "at its defaults and after tuning, on the report seeds")
    before = [np.mean(truth.metric(truth.search[o]["default_trials"], OUTPUT)) for o in objectives]
    after = [np.mean(truth.metric(truth.search[o]["tuned_trials"], OUTPUT)) for o in objectives]
    rank_before = [1 + sum(b < x for b in before) + 0.5 * (sum(b == x for b in before) - 1) for x in before]
    rank_after = [1 + sum(a < x for a in after) + 0.5 * (sum(a == x for a in after) - 1) for x in after]
    for i, o in enumerate(objectives):
        near(vs[o][f"defaults: {OUTPUT}"], before[i])
        near(vs[o][f"tuned: {OUTPUT}"], after[i])
        assert float(vs[o]["rank"]) == rank_before[i] and float(vs[o]["rank 2"]) == rank_after[i]
    # two objectives: τ is +1 when the order is kept, -1 when it flips (p = 1 for n = 2)
    tau = 1.0 if (before[0] < before[1]) == (after[0] < after[1]) else -1.0
    if rank_before == rank_after:
        assert f"The ranking survives tuning (τ = {tau:.2f}, p = 1.000)." in text
    else:
        assert f"Tuning changes the ranking (τ = {tau:.2f}, p = 1.000): " in text

    best = table(text, "expected best wasserstein")
    for o in objectives:
        draws = [truth.worst if s is None else s for s in truth.scores[o]]
        assert best[o]["configurations"] == str(len(draws))
        for n in (1, BUDGET // 2, BUDGET):
            m, s = best[o][f"n = {n}"].split(" ± ")
            want_m, want_s = brute_expected_best(draws, n, "min")
            near(m, want_m)
            near(s, want_s)

    robust = table(text, "how often each objective works over its search")
    assert f"({truth.best:.3g})" in next(k for k in md_tables(text) if "how often each objective works" in k)
    for o in objectives:
        scores = truth.scores[o]
        bad = sum(s is None for s in scores)
        ok = sum(s is not None and abs(s - truth.best) <= TOLERANCE * abs(truth.best) for s in scores)
        assert robust[o]["diverged or failed"] == f"{bad}/{len(scores)} ({100 * bad / len(scores):.0f}%)"
        assert robust[o][f"within {TOLERANCE:g} of the best"] == f"{ok}/{len(scores)} ({100 * ok / len(scores):.0f}%)"

    success = table(text, "reaches full coverage")
    for o in objectives:
        for side, key in (("defaults", "default_trials"), ("tuned", "tuned_trials")):
            finals = [final(run, t) for t in truth.search[o][key]]
            full = [
                f["status"] == "complete" and f["metrics"]["modes_captured"] >= f["metrics"]["modes_total"]
                for f in finals
            ]
            k, n = sum(full), len(full)
            assert success[o][f"{side}: full coverage"] == f"{k}/{n} ({100 * k / n:.0f}%)"
            lo, hi = closed_wilson(k, n)
            assert success[o][f"{side}: 95% Wilson"] == f"[{lo:.2f}, {hi:.2f}]"
            mean_sd(success[o][f"{side}: mean modes_captured"], truth.metric(truth.search[o][key], "modes_captured"))


def test_the_section_draws_its_figures_and_reads_in_every_format(run, tmp_path):
    from ganbench.report.rendering import render

    doc = content.build([load_suite_results(run)], draw=True, workers=1, forms=("web", "screen"))
    names = {f.name for f in doc.figures}
    assert "tuned-ring-expected-best" in names
    assert {"tuned-ring-sensitivity-nonsaturating", "tuned-ring-sensitivity-hinge"} <= names
    md, html, tex = render.write(doc, ["md", "html", "latex"], tmp_path / "report")
    for path in (md, html, tex):
        assert "expected best" in path.read_text()
    assert r"Kendall's $\tau$" in tex.read_text()


def test_without_search_json_the_report_has_no_tuning_section(run, tmp_path):
    import shutil

    plain = tmp_path / "tuned"
    shutil.copytree(run, plain)
    (plain / "search.json").unlink()
    text = report_md(plain)
    headings = [line for line in text.splitlines() if line.startswith("##")]
    assert "### ring: statistics" in headings
    assert not [h for h in headings if "tuning" in h or "tuned" in h or "expected best" in h], headings
    assert "expected best" not in text and "Kendall's τ compares" not in text


def test_a_selection_the_record_explains_is_stated(run, tmp_path):
    import shutil

    copy = tmp_path / "tuned"
    shutil.copytree(run, copy)
    data = json.loads((copy / "search.json").read_text())
    data["datasets"]["ring"]["hinge"]["selected_reason"] = "no configuration scored"
    atomic_write_json(copy / "search.json", data)
    assert "Selected by default, not by score: hinge: no configuration scored." in report_md(copy)
    assert "Selected by default" not in report_md(run)


def test_search_trials_are_not_counted_as_earlier_versions_of_the_suite(run):
    suite = load_suite_results(run)
    assert suite.search is not None
    named = {t for e in suite.search["datasets"]["ring"].values() for c in e["configurations"] for t in c["trials"]}
    named |= {t for e in suite.search["datasets"]["ring"].values() for t in e["tuned_trials"] + e["default_trials"]}
    on_disk = {p.name for p in run.iterdir() if (p / "config.json").exists()}
    # the run trained every label on every seed: the trials search.json does not name are the others
    assert suite.others == len(on_disk - named) > 0


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(format=2), "format: expected 1, found 2"),
        (lambda d: d["rule"].update(direction="up"), "rule.direction"),
        (lambda d: d["datasets"]["ring"]["hinge"].update(tuned_trials="abc"), "datasets.ring.hinge.tuned_trials"),
        (lambda d: d["datasets"]["ring"]["hinge"]["configurations"][1].pop("index"), "configurations[1].index"),
    ],
)
def test_a_malformed_search_json_is_one_line_naming_the_file(run, tmp_path, change, problem):
    import shutil

    broken = tmp_path / "tuned"
    shutil.copytree(run, broken)
    data = json.loads((broken / "search.json").read_text())
    change(data)
    (broken / "search.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError) as err:
        load_suite_results(broken)
    assert str(broken / "search.json") in str(err.value) and problem in str(err.value)
    assert "\n" not in str(err.value)


def concordance_tau(a: list[float], b: list[float]) -> float:
    """Kendall's τ of two rankings without ties: (concordant − discordant) pairs over all pairs."""
    pairs = list(itertools.combinations(range(len(a)), 2))
    signs = [np.sign(a[i] - a[j]) * np.sign(b[i] - b[j]) for i, j in pairs]
    return float(sum(signs) / len(pairs))


def test_the_sentence_names_who_moves_when_tuning_changes_the_ranking():
    labels = ["minimax", "hinge", "wgan-gp", "lsgan", "nonsaturating"]
    before, after = [1.0, 5.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0, 5.0]
    tau, p = kendall(before, after)
    assert tau == pytest.approx(concordance_tau(before, after))
    text = tuning.ranking_sentence(labels, np.array(before), np.array(after), tau, p)
    assert text.startswith(f"Tuning changes the ranking (τ = {concordance_tau(before, after):.2f}, p = ")
    assert ": hinge moves from 5th to 2nd; wgan-gp moves from 2nd to 3rd;" in text
    assert "minimax" not in text
    same = tuning.ranking_sentence(labels, np.array(after), np.array(after), 1.0, 0.01)
    assert same == "The ranking survives tuning (τ = 1.00, p = 0.010)."


def test_with_the_best_evaluation_rule_the_search_is_scored_from_each_history(run, tmp_path):
    import shutil

    best = tmp_path / "tuned"
    shutil.copytree(run, best)
    data = json.loads((best / "search.json").read_text())
    data["rule"]["at"] = "best"
    atomic_write_json(best / "search.json", data)
    text = report_md(best)
    worst, scores = -math.inf, {}
    for objective, entry in data["datasets"]["ring"].items():
        scores[objective] = []
        for c in entry["configurations"]:
            finals = [final(best, t) for t in c["trials"]]
            if all(f["status"] == "complete" for f in finals):
                lows = []
                for t in c["trials"]:
                    history = [json.loads(x) for x in (best / t / "history.jsonl").read_text().splitlines()]
                    lows.append(min(r[OUTPUT] for r in history))
                scores[objective].append(float(np.mean(lows)))
                worst = max(worst, scores[objective][-1])
            else:
                scores[objective].append(None)
    table_ = table(text, "expected best wasserstein")
    for objective, ss in scores.items():
        draws = [worst if s is None else s for s in ss]
        for n in (1, BUDGET // 2, BUDGET):
            m, s = table_[objective][f"n = {n}"].split(" ± ")
            near(m, brute_expected_best(draws, n, "min")[0])
            near(s, brute_expected_best(draws, n, "min")[1])


def test_the_exported_data_holds_the_expected_best_at_every_n_and_exact_wilson_bounds(run):
    doc = content.build([load_suite_results(run)], draw=False, workers=1)
    truth = Truth(run)
    rows = doc.data["tuning"]
    for o in SEARCH:
        draws = [truth.worst if s is None else s for s in truth.scores[o]]
        curve = [r for r in rows if r["table"] == "expected best" and r["objective"] == o]
        assert [r["n"] for r in curve] == list(range(1, len(draws) + 1))
        for r in curve:
            assert (r["mean"], r["sd"]) == pytest.approx(brute_expected_best(draws, r["n"], "min"), abs=1e-12)
        for r in (r for r in rows if r["table"] == "success" and r["objective"] == o):
            tids = truth.search[o]["tuned_trials" if r["trials"] == "tuned" else "default_trials"]
            finals = [final(run, t) for t in tids]
            k = sum(f["metrics"]["modes_captured"] >= f["metrics"]["modes_total"] for f in finals)
            assert (r["successes"], r["n"]) == (k, len(finals))
            assert (r["wilson_low"], r["wilson_high"]) == pytest.approx(closed_wilson(k, len(finals)), abs=1e-12)
