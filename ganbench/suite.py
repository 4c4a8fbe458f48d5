"""TOML suite file -> validated suite with every trial fully resolved.

Validation happens here, once: every component named is looked up, every parameter
checked against its type and bounds, every default made explicit. The result is a
list of typed :class:`~ganbench.trial.Trial` objects.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganbench.components import build, coerce, suggest
from ganbench.config import Convergence, Hyper, Train
from ganbench.errors import ConfigError
from ganbench.loggers.specs import LoggerSpec, logger_specs
from ganbench.metrics.base import Coverage, Metric
from ganbench.metrics.summary import output_docs, report_sections
from ganbench.published import Published, parse_published
from ganbench.registry import Registry
from ganbench.suite_lines import locate
from ganbench.trial import ComponentSpec, DatasetSpec, ObjectiveSpec, Trial

if TYPE_CHECKING:
    from ganbench.search.plan import SearchPlan

DEFAULT_METRICS = ("modes", "energy", "wasserstein")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOP_KEYS = (
    "name",
    "description",
    "seeds",
    "metrics",
    "train",
    "model",
    "datasets",
    "objectives",
    "convergence",
    "search",
    "log",
    "published",
)


@dataclasses.dataclass(frozen=True)
class Skip:
    """A suite-level metric left out on one dataset, which it cannot measure."""

    dataset: str  # the dataset's label
    metric: str
    reason: str

    def describe(self) -> str:
        return f"metric '{self.metric}' on dataset '{self.dataset}': {self.reason}"


@dataclasses.dataclass(frozen=True)
class StepsOverride:
    """``--steps``: the steps every trial trains, and the steps the suite file gives."""

    steps: int
    suite_steps: int


@dataclasses.dataclass
class Suite:
    name: str
    path: Path
    description: str
    seeds: list[int]
    trials: list[Trial]
    metric_outputs: dict[str, str]
    #: the (dataset, metric) pairs left out: suite-level metrics that a dataset does not support
    skipped: list[Skip] = dataclasses.field(default_factory=list)
    #: the coverage figures its metrics declare (what a report draws as mode coverage), in order
    coverage: list[Coverage] = dataclasses.field(default_factory=list)
    #: what reports print of each metric output: (unit, meaning) (:func:`ganbench.metrics.summary.output_docs`)
    output_docs: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    #: the report sections its metrics bring (``Metric.report_section``), in order
    report_sections: list[str] = dataclasses.field(default_factory=list)
    #: each objective's divergence (by objective name), as reports name it
    divergences: dict[str, str] = dataclasses.field(default_factory=dict)
    #: the suite's ``[search]``, resolved (None without one): ``trials`` are then the defaults
    #: on the report seeds, and ``ganbench run`` trains the search's two phases
    search: SearchPlan | None = None
    registry: Registry | None = dataclasses.field(default=None, repr=False, compare=False)  # it was loaded with
    #: the loggers its trials report to as they train (its ``log``; not part of any trial)
    log: tuple[LoggerSpec, ...] = ()
    #: the paper's numbers the suite reproduces (its ``[published]``; :mod:`ganbench.published`)
    published: Published | None = None
    #: ``ganbench run --steps N``: every trial trains N steps instead of the suite's (None: the suite's)
    steps_override: StepsOverride | None = None

    def count(self, what: str) -> int:
        """How many distinct datasets or objectives (by label) the suite's trials use."""
        return len({getattr(t, what).label for t in self.trials})


def load_suite(path: str | Path, registry: Registry) -> Suite:
    """Read and validate a suite file; every error is a one-line :class:`ConfigError`
    that names the file, the key and (where it can be found) the line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such suite file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a suite file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
        line = f":{m.group(1)}" if m else ""
        raise ConfigError(f"{path}{line}: invalid TOML: {msg}") from None
    try:
        return _resolve(doc, path, registry)
    except ConfigError as exc:
        lineno = locate(text, exc.key)
        raise ConfigError(f"{path}{f':{lineno}' if lineno else ''}: {exc}", key=exc.key) from None


def _table(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: expected a table ([{key}]), got {value!r}", key=key)
    return value


def _entries(doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = doc.get(key)
    if value is None:
        raise ConfigError(f"{key}: missing; add at least one [[{key}]] table with a name", key=key)
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{key}: expected one or more [[{key}]] tables, got {value!r}", key=key)
    for i, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{key}[{i}]: expected a table with a name, got {entry!r}", key=f"{key}[{i}]")
    return value


def _name(entry: Mapping[str, Any], where: str) -> str:
    if "name" not in entry:
        raise ConfigError(f"{where}: missing key 'name'", key=where)
    return coerce(entry["name"], str, f"{where}.name")


def _label(entry: Mapping[str, Any], default: str, where: str, section: str, seen: dict[str, int]) -> str:
    """The entry's label (its name unless given): a safe directory-name part, unique in its section."""
    label = coerce(entry.get("label", default), str, f"{where}.label")
    if not _SLUG.match(label):
        raise ConfigError(
            f"{where}.label: '{label}' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            key=f"{where}.label",
        )
    if label in seen:
        raise ConfigError(
            f"{where}: {section[:-1]} label '{label}' is already used by {section}[{seen[label]}]; "
            "give each entry a distinct 'label'",
            key=f"{where}.name",
        )
    seen[label] = len(seen)
    return label


def _seeds(doc: Mapping[str, Any]) -> list[int]:
    value = doc.get("seeds", 3)
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= 1000:
            raise ConfigError(f"seeds: a seed count must be between 1 and 1000, got {value}", key="seeds")
        return list(range(value))
    seeds = coerce(value, list[int], "seeds")
    if not seeds or len(seeds) > 1000:
        raise ConfigError("seeds: give between 1 and 1000 seeds", key="seeds")
    for s in seeds:
        if not 0 <= s < 2**31:
            raise ConfigError(f"seeds: each seed must be in [0, 2^31), got {s}", key="seeds")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"seeds: duplicate seeds in {seeds}", key="seeds")
    return seeds


def _resolve(doc: Mapping[str, Any], path: Path, registry: Registry) -> Suite:
    for key in doc:
        if key not in _TOP_KEYS:
            raise ConfigError(f"{key}: unknown key{suggest(key, _TOP_KEYS)}", key=key)
    name = coerce(doc.get("name", path.stem), str, "name")
    if not _SLUG.match(name) or ".." in name:
        raise ConfigError(
            f"name: '{name}' must be 1-64 letters, digits, '.', '_' or '-' (it names a results directory)", key="name"
        )
    description = coerce(doc.get("description", ""), str, "description")
    seeds = _seeds(doc)
    train = build(Train, _table(doc, "train"), "train")
    convergence = build(Convergence, _table(doc, "convergence"), "convergence")

    model_entry = dict(_table(doc, "model")) or {"name": "mlp"}
    model_cls = registry.get("models", _name(model_entry, "model"), "model.name")
    model = build(model_cls, {k: v for k, v in model_entry.items() if k != "name"}, "model")

    explicit = "metrics" in doc
    suite_metrics = _metrics(doc.get("metrics", list(DEFAULT_METRICS)), "metrics", registry)

    datasets: list[tuple[DatasetSpec, list[_BuiltMetric]]] = []
    skipped: list[Skip] = []
    used: dict[str, set[str]] = {m.spec.name: set() for m in suite_metrics}
    first_reason: dict[str, str] = {}
    seen: dict[str, int] = {}
    for i, entry in enumerate(_entries(doc, "datasets")):
        where = f"datasets[{i}]"
        dname = _name(entry, where)
        cls = registry.get("datasets", dname, f"{where}.name")
        ds = build(cls, {k: v for k, v in entry.items() if k not in ("name", "label", "metrics")}, where)
        label = _label(entry, dname, where, "datasets", seen)
        own = _metrics(entry.get("metrics", []), f"{where}.metrics", registry)
        for j, metric in enumerate(own):
            problem = metric.instance.supports(ds)
            if problem:
                raise ConfigError(f"{where}.metrics[{j}]: {problem}", key=f"{where}.metrics")
        applied = []
        for metric in suite_metrics:
            if any(m.spec.name == metric.spec.name for m in own):
                continue  # the dataset's own entry for this metric replaces the suite's
            problem = metric.instance.supports(ds)
            if problem:
                skipped.append(Skip(label, metric.spec.name, problem))
                first_reason.setdefault(metric.spec.name, problem)
            else:
                applied.append(metric)
                used[metric.spec.name].add(label)
        datasets.append((DatasetSpec(dname, label, ds.params(), registry.provider("datasets", dname)), applied + own))
    if explicit:
        for i, metric in enumerate(suite_metrics):
            if not used[metric.spec.name] and metric.spec.name in first_reason:
                raise ConfigError(
                    f"metrics[{i}]: metric '{metric.spec.name}' applies to none of the suite's datasets: "
                    f"{first_reason[metric.spec.name]}",
                    key="metrics",
                )

    outputs: dict[str, str] = {}
    coverage: list[Coverage] = []
    for _, metrics in datasets:
        for metric in metrics:
            outputs.update(type(metric.instance).outputs)
            declared = type(metric.instance).coverage
            if declared is not None and declared not in coverage:
                coverage.append(declared)
    metric_classes = list(dict.fromkeys(type(m.instance) for _, metrics in datasets for m in metrics))
    if "distance" not in _table(doc, "convergence") and convergence.distance not in outputs:
        fallback = next((k for k, d in outputs.items() if d == "min"), "")
        convergence = dataclasses.replace(convergence, distance=fallback)
    if convergence.distance and convergence.distance not in outputs:
        raise ConfigError(
            f"convergence.distance: '{convergence.distance}' is not an output of the suite's metrics"
            f"{suggest(convergence.distance, outputs)}",
            key="convergence.distance",
        )

    hyper_keys = {f.name for f in Hyper.param_fields()}
    objectives: list[ObjectiveSpec] = []
    searched: list[tuple[ObjectiveSpec, type, Mapping[str, Any]]] = []
    seen = {}
    for i, entry in enumerate(_entries(doc, "objectives")):
        where = f"objectives[{i}]"
        oname = _name(entry, where)
        cls = registry.get("objectives", oname, f"{where}.name")
        option_keys = {f.name for f in cls.param_fields()}
        for key in entry:
            if key not in hyper_keys | option_keys | {"name", "label"}:
                raise ConfigError(
                    f"{where}: unknown key '{key}' for objective '{oname}'"
                    f"{suggest(key, hyper_keys | option_keys | {'label'})}",
                    key=f"{where}.{key}",
                )
        options = build(cls, {k: v for k, v in entry.items() if k in option_keys}, where)
        given = {**cls.hyper, **{k: v for k, v in entry.items() if k in hyper_keys}}
        hyper = build(Hyper, given, where)
        if hyper.penalty_name is not None:
            penalty_cls = registry.get("penalties", hyper.penalty_name, f"{where}.penalty")
            if "penalty_weight" not in given:  # the penalty's own default weight, not 0
                hyper = dataclasses.replace(hyper, penalty_weight=float(penalty_cls.default_weight))
        elif "penalty_weight" in entry:
            raise ConfigError(
                f'{where}.penalty_weight: set without a penalty; add penalty = "<name>" '
                f"(ganbench list penalties) or remove penalty_weight",
                key=f"{where}.penalty_weight",
            )
        if hyper.pack > train.eval_samples:
            raise ConfigError(
                f"{where}.pack: {hyper.pack} is more than train.eval_samples ({train.eval_samples}): "
                "the critic's estimate needs at least one pack of evaluation samples",
                key=f"{where}.pack",
            )
        label = _label(entry, oname, where, "objectives", seen)
        penalty_provider = None if hyper.penalty_name is None else registry.provider("penalties", hyper.penalty_name)
        objectives.append(
            ObjectiveSpec(
                oname, label, options.params(), hyper, registry.provider("objectives", oname), penalty_provider
            )
        )
        searched.append((objectives[-1], cls, entry))

    model_spec = ComponentSpec(model_cls.name, model.params(), registry.provider("models", model_cls.name))
    trials = [
        Trial(name, seed, ds_spec, obj_spec, model_spec, train, tuple(m.spec for m in metrics), convergence)
        for ds_spec, metrics in datasets
        for obj_spec in objectives
        for seed in seeds
    ]
    divergences = {o.name: str(registry.get("objectives", o.name).divergence or "") for o in objectives}
    search = None
    if "search" in doc:
        from ganbench.search.plan import build_plan

        search = build_plan(_table(doc, "search"), searched, seeds, outputs, convergence.distance)
    published = None
    if "published" in doc:
        measured = {spec.label: {o for m in metrics for o in type(m.instance).outputs} for spec, metrics in datasets}
        published = parse_published(_table(doc, "published"), measured, [o.label for o in objectives])
    return Suite(
        name,
        path,
        description,
        seeds,
        trials,
        outputs,
        skipped,
        coverage,
        output_docs=output_docs(metric_classes),
        report_sections=report_sections(metric_classes),
        divergences=divergences,
        search=search,
        registry=registry,
        log=logger_specs(doc.get("log", []), "log", registry),
        published=published,
    )


@dataclasses.dataclass(frozen=True)
class _BuiltMetric:
    spec: ComponentSpec
    instance: Metric


def _metrics(value: Any, key: str, registry: Registry) -> list[_BuiltMetric]:
    """A list of metric names or ``{ name = ..., param = ... }`` tables, validated."""
    if not isinstance(value, list):
        raise ConfigError(f"{key}: expected a list of metric names or tables, got {value!r}", key=key)
    out: list[_BuiltMetric] = []
    for i, entry in enumerate(value):
        where = f"{key}[{i}]"
        entry = {"name": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: expected a metric name or a table, got {entry!r}", key=key)
        mname = _name(entry, where)
        cls = registry.get("metrics", mname, key)
        metric = build(cls, {k: v for k, v in entry.items() if k != "name"}, where).resolve(registry, where)
        if any(m.spec.name == mname for m in out):
            raise ConfigError(f"{where}: metric '{mname}' is listed twice", key=key)
        out.append(_BuiltMetric(ComponentSpec(mname, metric.params(), registry.provider("metrics", mname)), metric))
    return out
