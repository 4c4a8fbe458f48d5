"""Executors bring their own ``ganbench run`` options (``Executor.add_options``): Ray's, and a
third-party executor's from a plugin file, listed by ``--help``, given to that executor only."""

from __future__ import annotations

import json
import textwrap

import pytest

import ganbench

ECHO = textwrap.dedent(
    """
    import json
    from pathlib import Path
    from typing import ClassVar

    import ganbench
    from ganbench.executors import InlineExecutor


    class Echo(InlineExecutor):
        name: ClassVar[str] = "echo"
        description: ClassVar[str] = "in this process, writing down the options it was given"
        options: ClassVar[tuple[str, ...]] = ("threads",)

        @classmethod
        def add_options(cls, parser):
            group = parser.add_argument_group("Echo (--executor echo)", "a test executor")
            group.add_argument("--echo-record", default=None, metavar="FILE", help="where to write its options")
            group.add_argument("--echo-level", type=int, default=3, help="a number (default 3)")

        def __init__(self, jobs, setup, echo_record=None, echo_level=3, threads=1):
            super().__init__(jobs, setup)
            got = {"level": echo_level, "threads": threads, "jobs": jobs}
            Path(echo_record).write_text(json.dumps(got))


    @ganbench.hookimpl
    def register_executors(register):
        register(Echo)
    """
)


@pytest.fixture
def echo_dir(tmp_path):
    directory = tmp_path / "plugins"
    directory.mkdir()
    (directory / "echo.py").write_text(ECHO)
    return directory


def _help(capsys, *args):
    from ganbench.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["run", "--help", *map(str, args)])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_ray_s_options_are_listed_by_run_help(capsys):
    text = _help(capsys)
    assert "Ray (--executor ray):" in text
    for flag in ("--ray-address ADDR", "--ray-storage {auto,shared,driver}", "--cpus-per-task N", "--gpus-per-task F"):
        assert flag in text
    assert "--echo-record" not in text


def test_a_plugin_executor_adds_its_options_to_run_help(capsys, echo_dir):
    text = _help(capsys, "--plugins-dir", echo_dir)
    assert "Echo (--executor echo):" in text and "--echo-record FILE" in text and "--echo-level" in text
    assert "--ray-address ADDR" in text


def test_a_plugin_executor_receives_the_values_of_its_options(run_cli, tiny_suite, tmp_path, echo_dir):
    record = tmp_path / "got.json"
    code, _, err = run_cli(
        "run", tiny_suite, "--out", tmp_path / "out", "--plugins-dir", echo_dir, "--executor", "echo",
        "--echo-record", record, "--echo-level", "5", "--threads", "2",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(record.read_text()) == {"level": 5, "threads": 2, "jobs": 1}


def test_from_python_its_options_not_given_take_their_defaults(tiny_suite, tmp_path, echo_dir):
    record = tmp_path / "got.json"
    registry = ganbench.load_plugins(echo_dir)
    options = {"echo_record": str(record)}
    ganbench.run(tiny_suite, out=tmp_path / "out", executor="echo", executor_options=options, registry=registry)
    assert json.loads(record.read_text()) == {"level": 3, "threads": 1, "jobs": 1}


@pytest.mark.parametrize("executor", [(), ("--executor", "process")])
def test_its_option_without_it_is_a_one_line_error(run_cli, tiny_suite, tmp_path, echo_dir, executor):
    args = ("run", tiny_suite, "--out", tmp_path / "out", "--plugins-dir", echo_dir, "--echo-level", "5", *executor)
    code, _, err = run_cli(*args)
    other = "not of --executor process" if executor else "add --executor echo"
    assert code == 2 and err.splitlines() == [f"ganbench: error: --echo-level is an option of --executor echo: {other}"]
    assert not (tmp_path / "out").exists()


def test_an_executor_whose_options_cannot_be_added_is_refused_alone(echo_dir):
    broken = ECHO.replace('name: ClassVar[str] = "echo"', 'name: ClassVar[str] = "broken"').replace(
        "group = parser", "raise RuntimeError('no options today')\n        group = parser"
    )
    (echo_dir / "broken.py").write_text(broken)
    registry = ganbench.load_plugins(echo_dir)
    assert "echo" in registry.items["executors"] and "broken" not in registry.items["executors"]
    assert any("add_options raised RuntimeError: no options today" in line for line in registry.problems())


def test_an_option_that_clashes_with_ganbench_run_s_is_a_one_line_error(run_cli, tiny_suite, tmp_path, echo_dir):
    (echo_dir / "echo.py").write_text(ECHO.replace('"--echo-level"', '"--jobs"'))
    code, _, err = run_cli("run", tiny_suite, "--plugins-dir", echo_dir, "--out", tmp_path / "out")
    assert code == 2 and err.splitlines()[-1] == (
        "ganbench: error: executor 'echo': argument --jobs: conflicting option string: --jobs"
    )


def test_plugin_files_are_loaded_once_when_run_reads_their_options_first(run_cli, tiny_suite, tmp_path, echo_dir):
    (echo_dir / "count.py").write_text(
        "from pathlib import Path\nimport ganbench\n\n"
        "with Path(__file__).with_suffix('.loads').open('a') as f:\n    f.write('x')\n\n\n"
        "@ganbench.hookimpl\ndef register_executors(register):\n    pass\n"
    )
    code, _, err = run_cli("run", tiny_suite, "--out", tmp_path / "out", "--plugins-dir", echo_dir, "--jobs", "1")
    assert code == 0, err
    assert (echo_dir / "count.loads").read_text() == "x"  # in this process: once, before parsing
