"""Providers: the code behind a component, as every trial records it.

A built-in is ``{"ganbench": version}``; a plugin file ``{"file": name, "sha256": digest of its
source}``; an installed distribution ``{"distribution": name, "version": version}``, with the
``sha256`` of its plugin's source too when it is installed in editable mode (``pip install -e``),
where the code can change without a new version. A trial's id hashes its components' providers,
so different code makes a different trial (README, "What invalidates a result").
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path
from types import ModuleType

__all__ = ["distribution_provider", "editable", "file_provider", "source_digest"]


def file_provider(path: Path) -> dict[str, str]:
    """A plugin file as a provider: its name and the SHA-256 of its source."""
    return {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def editable(dist: importlib.metadata.Distribution) -> bool:
    """Whether ``dist`` is installed in editable mode (``pip install -e``; PEP 610's direct_url.json)."""
    try:
        data = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        return False
    return bool(isinstance(data, dict) and data.get("dir_info", {}).get("editable"))


def source_digest(module: ModuleType) -> str | None:
    """SHA-256 of a module's source: every ``*.py`` file of a package (by relative path), or the
    module's file; None when it has no source on disk."""
    h = hashlib.sha256()
    paths = getattr(module, "__path__", None)
    if paths:
        roots = [Path(p) for p in paths]
        files = sorted((f.relative_to(root), f) for root in roots for f in root.rglob("*.py"))
    elif getattr(module, "__file__", None):
        path = Path(module.__file__ or "")
        files = [(Path(path.name), path)]
    else:
        return None
    for relative, path in files:
        h.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def distribution_provider(dist: importlib.metadata.Distribution, plugin: object) -> dict[str, str]:
    """An installed distribution as a provider: its name and version and, when it is installed in
    editable mode (its code can change without a new version), the SHA-256 of its plugin's source."""
    provider = {"distribution": dist.name, "version": dist.version}
    if isinstance(plugin, ModuleType) and editable(dist):
        digest = source_digest(plugin)
        if digest is not None:
            provider["sha256"] = digest
    return provider
