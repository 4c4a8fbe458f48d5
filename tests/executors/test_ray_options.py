"""``--executor ray`` and its options, checked before any Ray instance starts: one-line
errors with exit status 2 and nothing written, with or without Ray installed."""

from __future__ import annotations

import socket
import sys

import pytest

from ganbench.cli import build_parser
from ganbench.errors import ConfigError
from ganbench.executors_ray import RayExecutor


def one_line_error(code: int, err: str, *parts: str, after_plan: bool = False) -> None:
    """Exit 2 and one error line (after the line announcing the run, for errors found when connecting)."""
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 + after_plan and lines[-1].startswith("ganbench: error: "), err
    assert all(p in lines[-1] for p in parts), err


def test_without_ray_the_ray_executor_says_what_to_install(run_cli, tiny_suite, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails, as when it is not installed
    code, _, err = run_cli("run", tiny_suite, "--out", tmp_path / "out", "--executor", "ray")
    one_line_error(code, err, "--executor ray needs Ray", 'pip install "ganbench[ray]"')
    assert not (tmp_path / "out").exists()
    code, out, _ = run_cli("list", "executors")  # every other command works without it
    assert code == 0 and "ray " in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ray-address", "auto"], "--ray-address is an option of --executor ray: add --executor ray"),
        (["--executor", "process", "--gpus-per-task", "1"], "--gpus-per-task is an option of --executor ray: not of"),
        (["--executor", "inline", "--ray-storage", "driver"], "--ray-storage is an option of --executor ray"),
    ],
)
def test_ray_options_belong_to_the_ray_executor(run_cli, tiny_suite, tmp_path, args, message):
    code, _, err = run_cli("run", tiny_suite, "--out", tmp_path / "out", *args)
    one_line_error(code, err, message)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("option", "value", "ok"),
    [
        ("--gpus-per-task", "0.25", 0.25),
        ("--gpus-per-task", "0", 0.0),
        ("--gpus-per-task", "2", 2.0),
        ("--gpus-per-task", "1.5", None),  # Ray takes fractions only below one
        ("--gpus-per-task", "-1", None),
        ("--cpus-per-task", "0.5", 0.5),
        ("--cpus-per-task", "0", None),  # a task that reserves no CPU would oversubscribe the node
        ("--cpus-per-task", "four", None),
    ],
)
def test_resources_per_task_are_amounts_ray_accepts(option, value, ok, capsys):
    parser = build_parser()
    if ok is None:
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(["run", "s.toml", option, value])
        assert exit_.value.code == 2 and f"argument {option}" in capsys.readouterr().err
    else:
        args = parser.parse_args(["run", "s.toml", option, value])
        assert getattr(args, option[2:].replace("-", "_")) == ok


ray = pytest.importorskip("ray")


@pytest.mark.parametrize(
    ("requested", "gpus", "device"),
    [("auto", None, "cpu"), ("cpu", 0.0, "cpu"), ("auto", 0.25, "cuda"), ("cuda", 1.0, "cuda")],
)
def test_the_device_follows_the_resources_a_task_asks_for(requested, gpus, device):
    """Not the driver's hardware: a driver without a GPU can hand GPU tasks to a cluster."""
    assert RayExecutor.resolve_device(requested, gpus_per_task=gpus) == device


@pytest.mark.parametrize(
    ("requested", "gpus", "message"),
    [("cuda", None, "needs --gpus-per-task"), ("mps", None, "needs --gpus-per-task"), ("cuda:1", 1.0, "use --device")],
)
def test_a_device_ray_cannot_give_a_task_is_refused(requested, gpus, message):
    with pytest.raises(ConfigError, match=message):
        RayExecutor.resolve_device(requested, gpus_per_task=gpus)


def test_an_address_where_no_head_answers_fails_at_once(run_cli, tiny_suite, tmp_path):
    if ray.is_initialized():
        pytest.skip("this process is already connected to Ray")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = run_cli(
        "run", tiny_suite, "--out", tmp_path / "out", "--executor", "ray", "--ray-address", f"127.0.0.1:{port}"
    )
    one_line_error(code, err, f"127.0.0.1:{port}: no Ray head answers there", "ray start --head", after_plan=True)
    assert not (tmp_path / "out").exists()
    code, _, err = run_cli(
        "run", tiny_suite, "--out", tmp_path / "out", "--executor", "ray", "--ray-address", "ray://h:10001"
    )
    one_line_error(code, err, "Ray Client addresses are not supported", after_plan=True)
