"""Built-in generator/critic architectures, registered through the public hooks."""

from ganbench.models.base import Model

__all__ = ["Model"]
