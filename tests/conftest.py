"""Fixtures only; what tests share besides fixtures is in ``tests/helpers/``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch

from ganbench.cli import main
from ganbench.plugins import Registry, load_plugins
from tests.helpers.runs import TINY_SUITE


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The built-in components only, whatever plugins are installed (ganbench-mmd, say)."""
    previous = os.environ.get("GANBENCH_PLUGINS")
    os.environ["GANBENCH_PLUGINS"] = ""
    try:
        return load_plugins(None)
    finally:
        if previous is None:
            del os.environ["GANBENCH_PLUGINS"]
        else:
            os.environ["GANBENCH_PLUGINS"] = previous


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Call the CLI in-process like a user would; returns (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def tiny_suite(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_SUITE)
    return path


@pytest.fixture(scope="session", autouse=True)
def feature_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Image metrics cache their classifiers in one directory per test session, never in ~/.cache.
    The workers of one pytest-xdist session share it (the cache is safe for concurrent processes),
    so each classifier is trained once per session."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.getbasetemp().parent / "ganbench-cache"
        path.mkdir(exist_ok=True)
    else:
        path = tmp_path_factory.mktemp("ganbench-cache")
    previous = os.environ.get("GANBENCH_CACHE")
    os.environ["GANBENCH_CACHE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("GANBENCH_CACHE", None)
    else:
        os.environ["GANBENCH_CACHE"] = previous


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Small convolutions run fastest on one thread, and this machine's cores are shared."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
