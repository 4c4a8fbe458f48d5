"""Adaptive search: Optuna's TPE sampler, asked a round of configurations at a time.

The ``optuna`` method of the ``[search]`` table (the ``ganbench[optuna]`` extra). A search of
``budget`` configurations runs in rounds of ``per_round``: the run asks a round
(:meth:`AdaptiveSearch.ask`), trains it (one vectorised group where the configurations share
their critic-step count), and tells each configuration's selection score
(:meth:`AdaptiveSearch.tell`) before it asks the next round. Within a round the trials still
running count for TPE as if they had scored the worst value seen so far (Optuna's constant liar),
so one round's configurations spread out instead of piling onto the same point.

Configuration index = Optuna trial number. Index 0 is always the objective's defaults
(``{key: defaults[key]}`` for every dimension): it is the study's first trial, enqueued with those
values. When every default lies inside its dimension's distribution it is an ordinary observation
for TPE; when one does not (a default outside a range or among no choice), trial 0 carries no
parameters and is told as failed, so TPE never models a point outside its space (its score is
kept in the trial's user attributes all the same).

The study lives in an Optuna journal file, which needs no server; several studies (one per
dataset and objective) share one file. A search that was killed resumes from it: :meth:`ask`
returns the trials the study already holds, unchanged, and completes a trial that the kill left
half-drawn. Every draw is seeded: trial ``i`` is sampled by a sampler seeded from (seed, study
name, ``i``) and, where a parameter is drawn on its own, (seed, study name, ``i``, key), hashed
with SHA-256. A draw therefore depends only on its seed and on the trials before it, so a resumed
search proposes exactly what an uninterrupted one does, given the same tells (a seed per round
would not survive a kill in the middle of a round: the sampler's state after the first draws of
the round would be lost).

The first round is drawn at random (TPE's start-up trials); TPE models the scores from the
second round on (or after 10 finished trials when rounds are larger).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ganbench.errors import ConfigError

if TYPE_CHECKING:
    import optuna

    from ganbench.search.dimensions import Dimension

#: TPE's start-up (random) trials: Optuna's default, or one round if rounds are smaller
STARTUP_TRIALS = 10
#: the trial user attribute that keeps the score told (None for a failed configuration)
SCORE_ATTR = "ganbench_score"
#: the study user attribute that keeps what the study was made for (refused if it changes)
SETUP_ATTR = "ganbench_setup"


def require_optuna(key: str = "search.method") -> None:
    """A one-line :class:`ConfigError` naming ``key`` when optuna cannot be imported."""
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise ConfigError(f"{key}: 'optuna' needs the optuna extra: pip install 'ganbench[optuna]'", key) from None


def stable_seed(*parts: object) -> int:
    """A seed in [0, 2**32) from ``parts`` (SHA-256 of their reprs; the same in every process)."""
    digest = hashlib.sha256("\x00".join(repr(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _canonical(value: Any) -> Any:
    """``value`` with lists and tuples alike (a suite's ``[0.5, 0.999]`` is a default's ``(0.5, 0.999)``)."""
    if isinstance(value, list | tuple):
        return tuple(_canonical(item) for item in value)
    return value


class AdaptiveSearch:
    """One study (``study``, e.g. ``"ring/hinge"``) of the journal file ``journal``."""

    def __init__(
        self,
        journal: Path,
        study: str,
        dimensions: Sequence[Dimension],
        defaults: Mapping[str, Any],
        budget: int,
        per_round: int,
        seed: int,
        direction: Literal["min", "max"],
    ) -> None:
        require_optuna()
        import optuna
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        if budget < 1 or per_round < 1:
            raise ValueError(f"study {study}: budget ({budget}) and per_round ({per_round}) must be at least 1")
        if direction not in ("min", "max"):
            raise ValueError(f"study {study}: direction must be 'min' or 'max', not {direction!r}")
        missing = [dim.key for dim in dimensions if dim.key not in defaults]
        if missing:
            raise ValueError(f"study {study}: no default for {', '.join(missing)}")
        seen: set[str] = set()
        for dim in dimensions:
            if dim.kind == "tie" and dim.tie not in seen:
                raise ValueError(f"study {study}: {dim.key} is tied to {dim.tie!r}, which is no dimension before it")
            seen.add(dim.key)
        self.study_name = study
        self.dimensions = tuple(dimensions)
        self.defaults = {dim.key: defaults[dim.key] for dim in self.dimensions}
        self.budget = budget
        self.per_round = per_round
        self.seed = seed
        self._sampled = [dim for dim in self.dimensions if dim.kind != "tie"]
        self._distributions = {dim.key: _distribution(dim) for dim in self._sampled}
        self._default_params = self._internal(self.defaults)

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        journal.parent.mkdir(parents=True, exist_ok=True)
        self._storage = JournalStorage(JournalFileBackend(str(journal)))
        self._study = optuna.create_study(
            storage=self._storage,
            study_name=study,
            direction="minimize" if direction == "min" else "maximize",
            sampler=self._sampler(0),
            load_if_exists=True,
        )
        setup = json.dumps(
            {
                "direction": direction,
                "seed": seed,
                "per_round": per_round,
                "defaults": self.defaults,
                "dimensions": [
                    [dim.key, dim.kind, dim.low, dim.high, list(dim.choices), dim.tie, dim.integer]
                    for dim in self.dimensions
                ],
            },
            sort_keys=True,
            default=repr,
        )
        stored = self._study.user_attrs.get(SETUP_ATTR)
        if stored is None:
            self._study.set_user_attr(SETUP_ATTR, setup)
        elif stored != setup:
            raise ValueError(
                f"{journal}: study {study} was made for another search (space, defaults, seed, per_round "
                "or direction); use a new results directory"
            )

    def rounds(self) -> int:
        return math.ceil(self.budget / self.per_round)

    def indices(self, round: int) -> range:
        """The configuration indices of round ``round``."""
        return range(round * self.per_round, min((round + 1) * self.per_round, self.budget))

    def ask(self, round: int) -> list[tuple[int, dict[str, Any]]]:
        """(configuration index, values) for every index of round ``round``; the trials the study
        already holds come back unchanged, the others are drawn (all of the round before any of it
        is told)."""
        import optuna
        from optuna.trial import TrialState

        if not 0 <= round < self.rounds():
            raise ValueError(f"study {self.study_name}: no round {round} (rounds 0 to {self.rounds() - 1})")
        trials = self._study.get_trials(deepcopy=False)
        start = round * self.per_round
        untold = [t.number for t in trials[:start] if not t.state.is_finished()]
        if len(trials) < start or untold:
            missing = untold or list(range(len(trials), start))
            raise ValueError(f"study {self.study_name}: round {round} asked before configurations {missing} were told")
        out = []
        for index in self.indices(round):
            if index < len(trials) and trials[index].state != TrialState.WAITING:
                frozen = trials[index]
                if not set(self._params_of(index)) <= frozen.params.keys() and not frozen.state.is_finished():
                    # a kill left it half-drawn: draw the rest as the uninterrupted search did
                    study = optuna.load_study(study_name=self.study_name, storage=self._storage)
                    self._draw(study, optuna.Trial(study, frozen._trial_id), index)
                    frozen = self._storage.get_trial(frozen._trial_id)
                params = frozen.params
            else:
                if index == 0 and not trials:
                    self._study.enqueue_trial(self._default_params or {})
                trial = self._study.ask()
                if trial.number != index:
                    raise RuntimeError(
                        f"study {self.study_name}: trial {trial.number} created for configuration {index}"
                    )
                params = self._draw(self._study, trial, index)
            out.append((index, self._values(index, params)))
        return out

    def tell(self, index: int, score: float | None) -> None:
        """Configuration ``index`` scored ``score``; ``None`` (or NaN, ±inf): it diverged or failed.
        Telling a finished configuration the same score again does nothing; another is a ValueError."""
        from optuna.trial import TrialState

        trials = self._study.get_trials(deepcopy=False)
        if not 0 <= index < len(trials) or trials[index].state == TrialState.WAITING:
            raise ValueError(f"study {self.study_name}: configuration {index} was never asked")
        value = float(score) if score is not None and math.isfinite(score) else None
        frozen = trials[index]
        if frozen.state.is_finished():
            told = frozen.user_attrs.get(SCORE_ATTR)
            if told != value:
                raise ValueError(f"study {self.study_name}: configuration {index} was told {told}, now {value}")
            return
        self._storage.set_trial_user_attr(frozen._trial_id, SCORE_ATTR, value)
        if value is None or (index == 0 and self._default_params is None):
            self._study.tell(index, state=TrialState.FAIL)
        else:
            self._study.tell(index, value)

    def _params_of(self, index: int) -> list[str]:
        """The Optuna parameters that trial ``index`` holds once drawn."""
        if index == 0:
            return list(self._default_params or {})
        return list(self._distributions)

    def _sampler(self, *parts: object) -> optuna.samplers.TPESampler:
        import optuna

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(
                seed=stable_seed(self.seed, self.study_name, *parts),
                constant_liar=True,
                n_startup_trials=min(STARTUP_TRIALS, self.per_round),
            )

    def _draw(self, study: optuna.Study, trial: optuna.Trial, index: int) -> dict[str, Any]:
        """Trial ``index``'s parameters: the joint (multivariate) draw by the sampler seeded for
        the trial, each parameter drawn on its own by a sampler seeded for the trial and the key."""
        study.sampler = self._sampler(index)
        if index == 0:
            for dim in self._sampled:
                if dim.key in self._params_of(0):
                    _suggest(trial, dim)  # the enqueued default
            return dict(trial.params)
        trial.relative_params  # noqa: B018  (the joint draw, now, by the trial's own sampler)
        for dim in self._sampled:
            study.sampler = self._sampler(index, dim.key)
            _suggest(trial, dim)
        study.sampler = self._sampler(index)
        return dict(trial.params)

    def _internal(self, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """``values`` as Optuna parameters (a choice as its index), or None if one lies outside."""
        params: dict[str, Any] = {}
        for dim in self._sampled:
            value = values[dim.key]
            if dim.kind == "choice":
                matches = [i for i, choice in enumerate(dim.choices) if _canonical(choice) == _canonical(value)]
                if not matches:
                    return None
                params[dim.key] = matches[0]
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                return None
            if dim.integer and value != int(value):
                return None
            low, high = _bounds(dim)
            if not low <= value <= high:
                return None
            params[dim.key] = int(value) if dim.integer else float(value)
        return params

    def _values(self, index: int, params: Mapping[str, Any]) -> dict[str, Any]:
        """The configuration of trial ``index``: choices by value, ties copied from their targets."""
        if index == 0:
            return copy.deepcopy(self.defaults)
        values: dict[str, Any] = {}
        for dim in self.dimensions:
            if dim.kind == "tie":
                assert dim.tie is not None
                values[dim.key] = copy.deepcopy(values[dim.tie])
            elif dim.kind == "choice":
                values[dim.key] = copy.deepcopy(dim.choices[params[dim.key]])
            else:
                values[dim.key] = params[dim.key]
        return values


def _bounds(dim: Dimension) -> tuple[float, float]:
    """The range of a uniform or log dimension (its integers' range for an integer one)."""
    if dim.kind not in ("uniform", "log") or dim.low is None or dim.high is None:
        raise ValueError(f"{dim.key}: a {dim.kind} dimension without a range")
    if dim.integer:
        return math.ceil(dim.low), math.floor(dim.high)
    return float(dim.low), float(dim.high)


def _distribution(dim: Dimension) -> optuna.distributions.BaseDistribution:
    """The Optuna distribution of a uniform, log or choice dimension (a choice over its indices)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if dim.kind == "choice":
        if not dim.choices:
            raise ValueError(f"{dim.key}: an empty choice")
        return CategoricalDistribution(list(range(len(dim.choices))))
    low, high = _bounds(dim)
    if dim.integer:
        return IntDistribution(int(low), int(high), log=dim.kind == "log")
    return FloatDistribution(low, high, log=dim.kind == "log")


def _suggest(trial: optuna.Trial, dim: Dimension) -> Any:
    """Draw (or read back, if fixed or already drawn) ``dim``'s parameter of ``trial``."""
    if dim.kind == "choice":
        return trial.suggest_categorical(dim.key, list(range(len(dim.choices))))
    low, high = _bounds(dim)
    if dim.integer:
        return trial.suggest_int(dim.key, int(low), int(high), log=dim.kind == "log")
    return trial.suggest_float(dim.key, low, high, log=dim.kind == "log")
