"""Which device trials train on: ``--device`` checked once, in the command that runs them."""

from __future__ import annotations

from ganbench.errors import ConfigError


def resolve_device(requested: str = "auto") -> str:
    """'auto' -> cuda if available, then mps, then cpu. An explicit device must exist on this
    machine; anything else is a :class:`ConfigError` naming the option."""
    import torch

    mps = getattr(torch.backends, "mps", None)
    mps_ok = bool(mps is not None and mps.is_available())
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "mps" if mps_ok else "cpu"
    kind, _, index = requested.partition(":")
    if kind not in ("cpu", "cuda", "mps") or (index and not (kind == "cuda" and index.isdigit())):
        raise ConfigError(f"--device {requested}: choose auto, cpu, cuda, cuda:N or mps")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"--device {requested}: CUDA is not available on this machine")
    if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
        raise ConfigError(f"--device {requested}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    if kind == "mps" and not mps_ok:
        raise ConfigError(f"--device {requested}: MPS is not available on this machine")
    return requested
