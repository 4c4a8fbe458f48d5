"""``ganbench status``: the counts it prints are the ones the files say, on a finished suite, an
interrupted one and one being run; it never blocks the run; its estimate and a search's phase."""

from __future__ import annotations

import json
import re
import signal
import sys
import time
from pathlib import Path

import pytest

from ganbench.cli import main
from ganbench.io import TrialLock, lock_held
from ganbench.results.progress import suite_progress
from tests.helpers.runs import FAULTS_SUITE, kill_point, start, wait_for_checkpoint

if sys.platform != "linux":
    pytestmark = pytest.mark.skip("the lock table (/proc/locks) and signals are tested on Linux")

COUNTS = re.compile(
    r"^trials: (\d+) complete, (\d+) diverged, (\d+) failed, (\d+) running, (\d+) interrupted, (\d+) pending "
    r"\((\d+) listed\)$",
    re.M,
)


def printed_counts(text: str) -> tuple[int, ...]:
    found = COUNTS.findall(text)
    assert len(found) == 1, text
    return tuple(int(x) for x in found[0])


def counts_from_files(suite_dir: Path) -> tuple[int, ...]:
    """complete, diverged, failed, running (none: no process), interrupted, pending, listed —
    read from suite.json's list and each trial's DONE marker and final.json."""
    listed = json.loads((suite_dir / "suite.json").read_text())["trials"]
    complete = diverged = failed = interrupted = pending = 0
    for tid in listed:
        path = suite_dir / tid
        final = json.loads((path / "final.json").read_text()) if (path / "final.json").exists() else {}
        if final.get("status") == "error":
            failed += 1
        elif (path / "DONE").exists():
            complete += final["status"] == "complete"
            diverged += final["status"] == "diverged"
        elif path.is_dir():
            interrupted += 1
        else:
            pending += 1
    return complete, diverged, failed, 0, interrupted, pending, len(listed)


def status(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    code = main(["status", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def faults(tmp_path: Path, steps: int) -> Path:
    suite = tmp_path / "faults.toml"
    suite.write_text(FAULTS_SUITE.format(steps=steps))
    return suite


def test_the_lock_is_seen_held_without_being_taken(tmp_path):
    lock = tmp_path / ".lock"
    assert lock_held(lock) is False
    assert not lock.exists()  # testing a missing lock creates no file
    with TrialLock(tmp_path) as held:
        assert held.acquired
        assert lock_held(lock) is True
        with TrialLock(tmp_path) as other:  # the lock was not released or taken by the test
            assert not other.acquired
        assert lock_held(lock) is True
    assert lock_held(lock) is False
    with TrialLock(tmp_path) as again:  # nor left taken
        assert again.acquired


def test_a_finished_suite(tmp_path, tiny_suite, capsys):
    assert main(["run", str(tiny_suite), "--out", str(tmp_path / "out"), "--jobs", "1"]) == 0
    capsys.readouterr()
    out = status(capsys, tmp_path / "out")  # the results root: its one suite
    assert printed_counts(out) == counts_from_files(tmp_path / "out" / "tiny")
    assert printed_counts(out)[0] == 1
    assert "suite 'tiny'" in out
    assert "time left: none" in out


def test_a_run_going_on_is_reported_running_and_never_blocked(tmp_path, capsys):
    out_dir = tmp_path / "out"
    proc = start(faults(tmp_path, 400), out_dir, "--jobs", "1", "--vectorize", "off")
    suite_dir = out_dir / "faults"
    wait_for_checkpoint(suite_dir, proc, at_least=kill_point(400))
    seen = []
    while proc.poll() is None:
        seen.append(status(capsys, suite_dir))
        time.sleep(0.05)
    _, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    assert "another ganbench run" not in stderr  # no trial was skipped as locked
    # one trial at a time (--jobs 1, no groups): while it ran, status saw it running and showed
    # its last evaluation; then every trial completed
    assert all(printed_counts(text)[3] + printed_counts(text)[4] <= 1 for text in seen)
    running = [text for text in seen if printed_counts(text)[3] == 1]
    line = r"^running:\n  ring/(nonsaturating|hinge)/seed [01]: step \d+ of 400 \(\d+%\): .*wasserstein \S+"
    assert any(re.search(line, text, re.M) for text in running), seen[:3]
    final = status(capsys, suite_dir)
    assert printed_counts(final) == counts_from_files(suite_dir) == (4, 0, 0, 0, 0, 0, 4)


def test_an_interrupted_suite(tmp_path, capsys):
    out_dir = tmp_path / "out"
    proc = start(faults(tmp_path, 400), out_dir, "--jobs", "1", "--vectorize", "off")
    suite_dir = out_dir / "faults"
    wait_for_checkpoint(suite_dir, proc, at_least=kill_point(400))
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    assert proc.returncode == 130
    out = status(capsys, suite_dir)
    expected = counts_from_files(suite_dir)
    assert printed_counts(out) == expected
    assert expected[4] == 1 and expected[3] == 0  # the trial stopped mid-run; nothing runs now
    stopped = next(p for p in suite_dir.iterdir() if p.is_dir() and not (p / "DONE").exists())
    history = (stopped / "history.jsonl").read_text().splitlines() if (stopped / "history.jsonl").exists() else []
    last = f"step {json.loads(history[-1])['step']} of 400" if history else "no evaluation yet"
    assert re.search(rf"^interrupted .*:\n  ring/\S+/seed \d: {last}", out, re.M), out
    assert "nothing is running" in out


def _trial(suite_dir: Path, tid: str, *, steps: int = 100, final: dict | None = None, history=()) -> None:
    path = suite_dir / tid
    path.mkdir(parents=True)
    dataset, objective = tid.split("-")[:2]
    seed = int(tid.split("-s")[1].split("-")[0])
    config = {"dataset": {"label": dataset}, "objective": {"label": objective}, "seed": seed, "train": {"steps": steps}}
    (path / "config.json").write_text(json.dumps(config))
    (path / "history.jsonl").write_text("".join(json.dumps(r) + "\n" for r in history))
    if final is not None:
        (path / "final.json").write_text(json.dumps(final))
        if final["status"] != "error":
            (path / "DONE").write_text("")


def _search_dir(tmp_path: Path, selected: bool) -> Path:
    """A search over 3 configurations of ring/hinge on search seed 1000 (report seeds 0 and 1):
    configuration 0 complete (10 s), 1 interrupted at step 50 of 100 (4 s), 2 not started."""
    suite_dir = tmp_path / "tune"
    ids = [f"ring-hinge-s1000-{c}{c}{c}0000000" for c in "abc"]
    done = {
        "status": "complete",
        "step": 100,
        "metrics": {"wall_time": 10.0},
        "environment": {"jobs": 2, "date": "2026-01-01T00:00:00+00:00"},
    }
    _trial(suite_dir, ids[0], final=done)
    _trial(suite_dir, ids[1], history=[{"step": 50, "wall_time": 4.0, "wasserstein": 0.25}])
    with (suite_dir / ids[1] / "history.jsonl").open("a") as history:
        history.write('{"step": 60, "wall_ti')  # a line cut short
    entry: dict = {
        "configurations": [
            {"index": i, "values": {}, "trials": [tid], "score": None, "state": "pending"} for i, tid in enumerate(ids)
        ],
        "selected": None,
    }
    if selected:
        entry.update(selected=0, tuned_trials=["ring-hinge-s0-d000000000", "ring-hinge-s1-d100000000"])
        entry["default_trials"] = entry["tuned_trials"]
    rule = {"output": "wasserstein", "direction": "min", "budget": 3, "tolerance": 0.1, "seeds": [1000]}
    rule["report_seeds"] = [0, 1]
    search = {"format": 1, "rule": rule, "datasets": {"ring": {"hinge": entry}}}
    (suite_dir / "search.json").write_text(json.dumps(search))
    (suite_dir / "suite.json").write_text(json.dumps({"name": "tune", "trials": []}))
    return suite_dir


def test_a_search_in_phase_1_and_the_estimate(tmp_path, capsys):
    suite_dir = _search_dir(tmp_path, selected=False)
    out = status(capsys, suite_dir)
    assert "search: phase 1 of 2" in out
    assert "configurations: 1 done, 0 diverged, 0 failed, 2 pending (3 of 3 proposed)" in out
    assert "phase 2: at most 4 report trials" in out  # 2 report seeds × (selection + defaults)
    assert printed_counts(out) == (1, 0, 0, 0, 1, 1, 3)
    # the cut-short line is skipped: the last evaluation is step 50
    assert "ring/hinge/configuration 1/seed 1000: step 50 of 100 (50%): wasserstein 0.25" in out
    # machine time left: the interrupted trial's 50 steps at 4 s / 50 steps = 4 s, then the
    # pending trial and the 4 unlisted report trials at the complete trial's 10 s; ÷ its 2 jobs
    estimate = suite_progress(suite_dir).estimate()
    assert estimate is not None
    assert estimate.seconds == pytest.approx((4.0 + 5 * 10.0) / 2)
    assert (estimate.jobs, estimate.per_trial, estimate.trials_left) == (2, 10.0, 6)
    assert "nothing is running; a rerun would take about 27 s for 6 trials" in out


def test_a_search_in_phase_2_lists_its_report_trials(tmp_path, capsys):
    out = status(capsys, _search_dir(tmp_path, selected=True))
    assert "search: phase 2 of 2" in out
    assert printed_counts(out) == (1, 0, 0, 0, 1, 3, 5)
    assert "ring/hinge/defaults/seed 0" not in out  # pending trials are counted, not listed
    estimate = suite_progress(tmp_path / "tune").estimate()
    assert estimate is not None and estimate.seconds == pytest.approx((4.0 + 3 * 10.0) / 2)


def test_a_missing_directory_is_one_line_exit_2(tmp_path, capsys):
    assert main(["status", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere" in err
