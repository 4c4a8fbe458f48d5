"""Properties every built-in objective must have, whatever its formula, are checked by the
contract kit a plugin's tests use (`ganbench.testing.check_objective`, run on every built-in in
`tests/plugins/test_kit_builtins.py`): finite losses and gradients for outputs in [-50, 50] and batches
of one, equality under `torch.func.vmap`, orientation, and each f-divergence at its optimum.
This module keeps what is particular to the built-ins: the README documents each of them."""

from __future__ import annotations

from tests.helpers.project import ROOT


def test_the_readme_documents_every_builtin_objective_and_penalty(registry):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("Objectives and their defaults", 1)[1].split("## Writing an objective plugin", 1)[0]
    tables = [line for line in section.splitlines() if line.startswith("| ")]
    for kind in ("objectives", "penalties"):
        for name in registry.names(kind):
            assert any(f"| {name} " in row or f" {name}," in row or f", {name} " in row for row in tables), name
