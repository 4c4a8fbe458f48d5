"""What a registered component class must be, checked as its plugin registers it.

A plugin's mistake is reported against that one component, with the class, its file and
what was expected, before any suite uses it: a non-class, a class of the wrong kind, a
missing ``name``, a missing method, a property written as a method, or a method whose
signature differs from the base class's (a metric's ``compute(self, real, fake, dataset)``
instead of the keyword-only ``compute(self, *, real, fake, dataset)`` would silently get
its arguments swapped by a positional call). :func:`check` raises :class:`Refused`.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ganbench import kinds
from ganbench.errors import GanbenchError
from ganbench.metrics.base import DIRECTIONS, Coverage, Metric

if TYPE_CHECKING:
    from ganbench.objectives.base import Objective


class Refused(GanbenchError):
    """A component that its plugin may not register; the message is one line with the reason."""


def where(cls: type) -> str:
    """'class Foo, file plugins/foo.py:12' (the module when the source file is unknown)."""
    try:
        path = inspect.getsourcefile(cls)
        line = _first_line(cls)
    except (OSError, TypeError):
        return f"class {cls.__qualname__}, module {cls.__module__}"
    return f"class {cls.__qualname__}, file {path}:{line}" if path else f"class {cls.__qualname__}"


@functools.lru_cache(maxsize=1024)
def _first_line(cls: type) -> int:
    """The line ``cls`` is defined on. Finding it parses the class's whole source file, and every
    load of the plugins checks every class, so each class is looked up once per process."""
    return inspect.getsourcelines(cls)[1]


def signature_text(name: str, fn: Callable[..., Any]) -> str:
    """``name(self, *, real, fake, dataset)``: the parameters without annotations."""
    parts: list[str] = []
    star = False
    for p in inspect.signature(fn).parameters.values():
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if p.kind is p.VAR_POSITIONAL:
            star = True
            parts.append(f"*{p.name}")
        elif p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        else:
            parts.append(p.name if p.default is p.empty else f"{p.name}={p.default!r}")
    return f"{name}({', '.join(parts)})"


def compatible(expected: Callable[..., Any], given: Callable[..., Any]) -> bool:
    """Whether ``given`` takes exactly the parameters of ``expected``: the same positional names in
    the same order, the same keyword-only names, a default wherever ``expected`` has one; extra
    parameters only with defaults (or as ``*args``/``**kwargs`` where ``expected`` has them)."""
    want = list(inspect.signature(expected).parameters.values())
    have = list(inspect.signature(given).parameters.values())
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    want_pos = [p for p in want if p.kind in positional]
    have_pos = [p for p in have if p.kind in positional]
    if [p.name for p in have_pos[: len(want_pos)]] != [p.name for p in want_pos]:
        return False
    if any(p.default is p.empty for p in have_pos[len(want_pos) :]):
        return False
    want_kw = {p.name: p for p in want if p.kind is p.KEYWORD_ONLY}
    have_kw = {p.name: p for p in have if p.kind is p.KEYWORD_ONLY}
    if set(want_kw) - set(have_kw):
        return False
    if any(have_kw[n].default is have_kw[n].empty for n in set(have_kw) - set(want_kw)):
        return False
    for params in (zip(want_pos, have_pos, strict=False), ((want_kw[n], have_kw[n]) for n in want_kw)):
        for w, h in params:
            if w.default is not w.empty and h.default is h.empty:
                return False
    for kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
        if any(p.kind is kind for p in want) and not any(p.kind is kind for p in have):
            return False
    return True


def _own(cls: type, base: type, attr: str) -> bool:
    """Whether ``cls`` (or a class between it and ``base``) defines ``attr`` itself."""
    return inspect.getattr_static(cls, attr, None) is not inspect.getattr_static(base, attr, None)


def check(kind: str, obj: Any) -> None:
    """Raise :class:`Refused` if ``obj`` may not be registered as a component of ``kind``
    (plural, as the registry names kinds: 'objectives'); the contract is the kind's row of
    :data:`ganbench.kinds.TABLE`."""
    row = kinds.get(kind)
    singular = row.singular
    base = row.base_class()
    if not inspect.isclass(obj):
        raise Refused(f"registered {obj!r} as a {singular}, which is not a class: register the class itself")
    at = where(obj)
    if not issubclass(obj, base):
        raise Refused(f"{at}: a {singular} must be a subclass of {row.public}")
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not name:
        raise Refused(f'{at}: a {singular} needs a name: name: ClassVar[str] = "my-{singular}"')
    at = f"{singular} '{name}' ({at})"
    if row.dataclass and "__dataclass_fields__" not in vars(obj):
        raise Refused(f"{at}: decorate it with @dataclasses.dataclass(frozen=True), so its options are fields")
    for attr in row.required:
        if not _own(obj, base, attr):
            expected = getattr(base, attr)
            text = f"@property {attr}" if isinstance(expected, property) else signature_text(attr, expected)
            raise Refused(f"{at}: it does not define {text}")
    for attr in row.properties:
        if _own(obj, base, attr) and not isinstance(inspect.getattr_static(obj, attr), property):
            raise Refused(f"{at}: {attr} must be a property (@property def {attr}(self)), not a method")
    for attr in row.signatures:
        if not _own(obj, base, attr):
            continue
        expected, given = getattr(base, attr), getattr(obj, attr)
        if not callable(given):
            raise Refused(f"{at}: {attr} must be a method {signature_text(attr, expected)}")
        if compatible(expected, given):
            continue
        raise Refused(
            f"{at}: {signature_text(attr, given)} does not match the expected {signature_text(attr, expected)}"
        )
    if row.declarations:
        kinds.resolve(row.declarations)(obj, at)


def objective_declarations(cls: type[Objective], at: str) -> None:
    """An objective writes ``estimate`` exactly when it names a divergence, declares a valid
    ``critic_range``, and its default hyperparameters are valid."""
    divergence = cls.divergence
    if divergence is not None and not isinstance(divergence, str):
        raise Refused(f"{at}: divergence must be a str (what estimate bounds) or None (it estimates none)")
    base: Any = kinds.get("objectives").base_class()
    own = _own(cls, base, "estimate")
    if divergence is not None and not own:
        raise Refused(
            f"{at}: it does not define {signature_text('estimate', base.estimate)}; an objective "
            "with no known divergence declares divergence: ClassVar[None] = None instead"
        )
    if divergence is None and own:
        raise Refused(f"{at}: it declares divergence = None (it estimates no divergence) but defines estimate")
    bounds = cls.critic_range
    if bounds is not None and not (
        isinstance(bounds, tuple)
        and len(bounds) == 2
        and all(isinstance(b, (int, float)) and math.isfinite(b) for b in bounds)
        and bounds[0] < bounds[1]
    ):
        raise Refused(f"{at}: critic_range must be None or (low, high), finite numbers with low < high")
    try:
        cls.default_hyper()
    except GanbenchError as exc:  # 'objective 'x': hyper.lr_g: must be > 0.0, got -0.0001'
        raise Refused(f"{at}: {str(exc).removeprefix(f'objective {cls.name!r}: ')}") from None


def metric_declarations(cls: type[Metric], at: str) -> None:
    """A metric's outputs, coverage and floor are declared as a report reads them."""
    outputs = cls.outputs
    if not isinstance(outputs, dict) or not outputs:
        raise Refused(f'{at}: declare its outputs: outputs: ClassVar[dict[str, str]] = {{"my_output": "min"}}')
    for output, direction in outputs.items():
        if not isinstance(output, str) or direction not in DIRECTIONS:
            raise Refused(
                f"{at}: outputs[{output!r}] = {direction!r}: each direction is 'max' (higher is better), "
                "'min' (lower is better) or '' (neither)"
            )
    coverage = cls.coverage
    if coverage is not None:
        if not isinstance(coverage, Coverage):
            raise Refused(f"{at}: coverage must be a ganbench.Coverage(covered=..., total=...) or None")
        for field in ("covered", "total"):
            if getattr(coverage, field) not in outputs:
                raise Refused(f"{at}: coverage.{field} '{getattr(coverage, field)}' is not one of its outputs")
        try:
            coverage.text.format(covered=1.0, total=2.0)
        except (KeyError, IndexError, ValueError) as exc:
            raise Refused(
                f"{at}: coverage.text {coverage.text!r} is not a template of {{covered}} and {{total}}: {exc}"
            ) from None
    floor = cls.floor
    if not isinstance(floor, dict) or any(k not in outputs for k in floor):
        raise Refused(f"{at}: floor must map some of its outputs to numbers, got {floor!r}")


def executor_declarations(cls: type, at: str) -> None:
    """An executor's own ``ganbench run`` options (``add_options``) can be added to a parser,
    and each is a long option (``--name``): positional and short options are ``ganbench run``'s."""
    scratch = argparse.ArgumentParser(add_help=False)
    try:
        cls.add_options(scratch)  # type: ignore[attr-defined]
        actions = list(scratch._actions)
    except Exception as exc:
        raise Refused(f"{at}: add_options raised {type(exc).__name__}: {exc}") from None
    for action in actions:
        if not action.option_strings or not all(o.startswith("--") for o in action.option_strings):
            raise Refused(f"{at}: add_options added {action.dest!r}, which is not a long option (--name)")
