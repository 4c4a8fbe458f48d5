"""``ganbench new KIND NAME``: a working starting point for a plugin.

By default one file, ``<plugins dir>/<module>.py``, loaded with ``--plugins-dir``. With a
package directory: a pip-installable package (``pyproject.toml`` with the ``ganbench``
entry point, the module, a README, and a test that runs ganbench's contract kit). The
generated code passes its own test unchanged; the templates are in ``templates/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ganbench.errors import ConfigError
from ganbench.kinds import SCAFFOLDED, Kind

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Names:
    """Every spelling of one plugin's name: 'my-loss', my_loss, MyLoss, ganbench_my_loss, ganbench-my-loss."""

    kind: str
    name: str
    #: an objective with no known divergence (``--no-divergence``): ``divergence = None``, no estimate
    no_divergence: bool = False

    @property
    def module_template(self) -> str:
        """The template of the component's module."""
        return "objective_no_divergence.py" if self.no_divergence else self.row.template

    @property
    def test_template(self) -> str:
        """The template of the package's test: an objective's also runs the estimate's checks."""
        return "test_objective.py" if self.kind == "objective" else "test.py"

    @property
    def row(self) -> Kind:
        """The kind's row of :data:`ganbench.kinds.TABLE`."""
        return SCAFFOLDED[self.kind]

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")

    @property
    def cls(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("-"))

    @property
    def package(self) -> str:
        return f"ganbench_{self.module}"

    @property
    def dist(self) -> str:
        return f"ganbench-{self.name}"

    def fill(self, text: str) -> str:
        for key, value in (
            ("__KINDS__", self.row.plural),
            ("__KIND__", self.kind),
            ("__CHECK__", self.row.kit),
            ("__USE__", self.use),
            ("__PROVENANCE__", self.provenance),
            ("__DIST__", self.dist),
            ("__PACKAGE__", self.package),
            ("__MODULE__", self.module),
            ("__CLASS__", self.cls),
            ("__NAME__", self.name),
        ):
            text = text.replace(key, value)
        return text

    @property
    def provenance(self) -> str:
        """What trials record of the package (a logger only watches them: none records it)."""
        if self.kind == "logger":
            return "A logger is part of no trial: a new version of it leaves every trial and its id as they are."
        return (
            "Every trial records this package's name and version:\na new version makes new trials, so bump "
            "`version` in `pyproject.toml` when the code changes."
        )

    @property
    def use(self) -> str:
        """How a suite uses it: '[[objectives]] name = "my-loss"'."""
        return self.row.use.format(name=self.name)


def template(name: str) -> str:
    return (resources.files("ganbench.scaffold") / "templates" / f"{name}.tmpl").read_text(encoding="utf-8")


def check_name(kind: str, name: str, no_divergence: bool = False) -> Names:
    if no_divergence and kind != "objective":
        raise ConfigError(f"ganbench new {kind}: --no-divergence is for an objective, not a {kind}")
    if kind not in SCAFFOLDED:
        raise ConfigError(f"ganbench new: unknown kind '{kind}'; choose from: {', '.join(SCAFFOLDED)}")
    if not _NAME.match(name):
        raise ConfigError(
            f"ganbench new {kind}: '{name}' is not a plugin name: lower-case letters and digits, "
            "words joined by '-', starting with a letter (my-loss)"
        )
    return Names(kind, name, no_divergence)


def write_file(names: Names, directory: Path) -> list[Path]:
    """``directory/<module>.py``: the component as a plugin file."""
    path = directory / f"{names.module}.py"
    _refuse_existing([path])
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(names.fill(template(names.module_template)), encoding="utf-8")
    return [path]


def write_package(names: Names, root: Path) -> list[Path]:
    """A pip-installable package in ``root``: pyproject.toml, README.md, the module, its test."""
    files = {
        root / "pyproject.toml": template("pyproject.toml"),
        root / "README.md": template("README.md"),
        root / names.package / "__init__.py": template(names.module_template),
        root / "tests" / f"test_{names.module}.py": template(names.test_template),
    }
    _refuse_existing(list(files))
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(names.fill(text), encoding="utf-8")
    return list(files)


def _refuse_existing(paths: list[Path]) -> None:
    existing = [str(p) for p in paths if p.exists()]
    if existing:
        raise ConfigError(f"ganbench new: {', '.join(existing)} already exists; nothing written")
