"""Plugins that tests write: a plugin file registering one objective (its name filled in), a
minimal installed distribution that declares it through an entry point, and objectives that fail."""

from __future__ import annotations

import textwrap

OBJECTIVE_FILE = textwrap.dedent(
    """
    import dataclasses
    from typing import ClassVar
    import ganbench

    @dataclasses.dataclass(frozen=True)
    class Doubled(ganbench.Objective):
        name: ClassVar[str] = "{name}"
        family: ClassVar[str] = "test"

        def critic_loss(self, real, fake):
            return 2 * (ganbench.mean(fake) - ganbench.mean(real))

        def generator_loss(self, real, fake):
            return -ganbench.mean(fake)

        def estimate(self, real, fake):
            return ganbench.mean(real) - ganbench.mean(fake)

    @ganbench.hookimpl
    def register_objectives(register):
        register(Doubled)
    """
)


def write_dist(root, dist_name, module, body, version="1.2.3"):
    """A minimal installed distribution: a module and a *.dist-info with an entry point."""
    (root / f"{module}.py").write_text(body)
    info = root / f"{dist_name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[ganbench]\n{module} = {module}\n")


#: a plugin with two objectives: "explodes" (its critic loss is NaN) and "raises" (its generator
#: loss raises)
BAD_OBJECTIVES = textwrap.dedent(
    """
    import dataclasses
    from typing import ClassVar
    import ganbench

    @dataclasses.dataclass(frozen=True)
    class Explodes(ganbench.Objective):
        name: ClassVar[str] = "explodes"

        def critic_loss(self, real, fake):
            return ganbench.mean(fake) - ganbench.mean(real) + (real.sum() * 0 + float("nan"))

        def generator_loss(self, real, fake):
            return -ganbench.mean(fake)

        def estimate(self, real, fake):
            return ganbench.mean(real) - ganbench.mean(fake)

    @dataclasses.dataclass(frozen=True)
    class Raises(Explodes):
        name: ClassVar[str] = "raises"

        def critic_loss(self, real, fake):
            return ganbench.mean(fake) - ganbench.mean(real)

        def generator_loss(self, real, fake):
            raise RuntimeError("generator loss exploded on purpose")

    @ganbench.hookimpl
    def register_objectives(register):
        register(Explodes)
        register(Raises)
    """
)
