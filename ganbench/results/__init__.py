"""The results store: one directory per trial, every file written atomically.

<root>/<suite>/<trial-id>/
    config.json      the fully resolved trial
    history.jsonl    one JSON object per evaluation
    final.json       status, final metrics and convergence figures
    samples/step_<N>.npy   generated samples at each evaluation
    checkpoint.pt    models, optimisers, RNG states and history so far
    error.txt        traceback, for trials whose plugin raised
    DONE             completion marker, written last
<root>/<suite>/suite.json    the suite's name, source, what reports need of its metrics and
                             objectives (directions, documentation, coverage, report sections,
                             divergences), and the ids of its current trials
<root>/<suite>/summary.csv   one row per finished current trial, rebuilt from the directories
<root>/<suite>/search.json   a search's rule, configurations, scores and selection (:mod:`ganbench.search.record`)

Modules: :mod:`.files` (one trial's files, atomic writes), :mod:`.ids` (trial ids),
:mod:`.reader` (the one reader: every trial and its state), :mod:`.store` (a suite's directory),
:mod:`.variants` (telling apart trials of earlier versions of a suite by their settings).
"""

from ganbench.results.files import MARKER, TrialDir, atomic_write, atomic_write_json
from ganbench.results.ids import parse_trial_id, trial_id
from ganbench.results.reader import SuiteResults, TrialResult, load_results, load_suite_results, trial_dirs
from ganbench.results.store import SuiteStore

__all__ = [
    "MARKER",
    "SuiteResults",
    "SuiteStore",
    "TrialDir",
    "TrialResult",
    "atomic_write",
    "atomic_write_json",
    "load_results",
    "load_suite_results",
    "parse_trial_id",
    "trial_dirs",
    "trial_id",
]
