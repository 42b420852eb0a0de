"""A run builds only the command it names, and that command behaves as in the whole app.

``main`` hands click a root group holding just the named command (building every command
costs more than validating a file). Its help, its usage errors and the root's options must
read exactly as they do when the group holds every command.
"""

from __future__ import annotations

from typing import Any

import pytest

from ecs_scheduler import cli
from tests.cli.test_usage_errors import run


def command_paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group of commands under ``group``, as the words that name it."""
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if hasattr(command, "commands"):
            paths.extend(command_paths(command, (*prefix, name)))
    return paths


# A run that names no command gets the root group with every command. Built once: click
# commands are made to be invoked again and again, and building them all is most of the cost
# of a run.
WHOLE_APP = cli.command_line()
EVERY_COMMAND = command_paths(WHOLE_APP)
SUFFIXES = [["--help"], ["-h"], ["--nope"], ["--debug", "--help"], ["extra-argument"]]


def whole_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """``run`` with the root group holding every command, as before it held only one."""
    with monkeypatch.context() as patch:
        patch.setattr(cli, "command_line", lambda args: WHOLE_APP)
        return run(capsys, *args)


@pytest.mark.parametrize("path", EVERY_COMMAND, ids=" ".join)
@pytest.mark.parametrize("suffix", SUFFIXES, ids=" ".join)
def test_a_command_helps_and_refuses_as_in_the_whole_app(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    path: tuple[str, ...],
    suffix: list[str],
) -> None:
    for before in ([], ["--debug"]):
        args = [*before, *path, *suffix]
        assert run(capsys, *args) == whole_app(monkeypatch, capsys, *args), args


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["-h", "validate"],
        ["--version"],
        ["--version", "validate"],
        ["frobnicate"],
        ["validat"],
        ["--debug"],
        ["--nope", "validate"],
        ["--", "validate"],
        ["export", "pulumi"],
    ],
    ids=repr,
)
def test_a_run_without_one_known_command_first_reads_as_in_the_whole_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert run(capsys, *args) == whole_app(monkeypatch, capsys, *args)


def test_only_the_named_command_is_built() -> None:
    assert set(cli.command_line(["validate", "-c", "x.yaml"]).commands) == {"validate"}
    assert set(cli.command_line(["--debug", "next"]).commands) == {"next"}
    export = cli.command_line(["export", "terraform"]).commands
    assert set(export) == {"export"}
    assert {"terraform", "cloudformation"} <= set(export["export"].commands)


@pytest.mark.parametrize(
    "args", [[], ["--help"], ["-h", "validate"], ["frobnicate"], ["--", "validate"]], ids=repr
)
def test_every_command_is_built_when_the_run_names_none_first(args: list[str]) -> None:
    assert set(cli.command_line(args).commands) == {path[0] for path in EVERY_COMMAND}
