"""The command line is options and renderers over the library: one ``--debug`` read from the
context, the same connection options on every AWS command, the engine's rules as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecs_scheduler import validation
from ecs_scheduler.cli import command_line
from tests.cli.test_usage_errors import run
from tests.conftest import EXAMPLES_DIR, EmulatedAccount

CONFIG = str(EXAMPLES_DIR / "daily-report.yaml")
CONNECTION = {"--config", "--profile", "--region", "--endpoint-url", "--timeout"}
AWS_COMMANDS = [
    ("plan",),
    ("apply",),
    ("destroy",),
    ("outputs",),
    ("status",),
    ("dlq", "list"),
    ("dlq", "show"),
    ("dlq", "redrive"),
    ("dlq", "purge"),
]


def options_of(*path: str) -> set[str]:
    command: Any = command_line()
    for name in path:
        command = command.commands[name]
    return {opt for param in command.params for opt in param.opts}


@pytest.mark.parametrize("path", AWS_COMMANDS, ids=" ".join)
def test_every_aws_command_takes_the_same_connection_options(path: tuple[str, ...]) -> None:
    assert options_of(*path) >= CONNECTION | {"--debug"}


def test_run_keeps_its_own_timeout_and_the_other_connection_options() -> None:
    assert options_of("run") >= CONNECTION | {"--debug", "--wait"}


def test_every_command_offers_the_one_debug_option() -> None:
    root: Any = command_line()
    (debug,) = (param for param in root.params if param.name == "debug")

    def commands(group: Any) -> list[Any]:
        found = []
        for sub in group.commands.values():
            found.append(sub)
            found.extend(commands(sub) if hasattr(sub, "commands") else [])
        return found

    everywhere = commands(root)
    assert len(everywhere) > 15
    assert all(debug in command.params for command in everywhere)


@pytest.mark.parametrize(
    "args",
    [["validate", "--debug", "-c", CONFIG], ["--debug", "validate", "-c", CONFIG]],
    ids=["after-the-command", "before-the-command"],
)
def test_debug_shows_the_traceback_of_an_unexpected_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    def broken(path: Path) -> validation.ValidationReport:
        raise RuntimeError("a bug")

    monkeypatch.setattr(validation, "validate", broken)
    code, _, err = run(capsys, *args)
    assert code == 1
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().endswith("RuntimeError: a bug")


def test_without_debug_an_unexpected_error_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path) -> validation.ValidationReport:
        raise RuntimeError("a bug")

    monkeypatch.setattr(validation, "validate", broken)
    code, _, err = run(capsys, "validate", "-c", CONFIG)
    assert code == 1
    assert err.strip() == (
        "unexpected error: RuntimeError: a bug (run again with --debug for the traceback)"
    )


def test_debug_as_an_options_value_is_not_the_debug_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old entry point searched argv for ``--debug``; a file of that name turned it on."""
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "validate", "-c", "--debug")
    assert code == 1
    assert "Traceback" not in err
    assert "--debug" in err


@pytest.mark.slow
def test_destroy_removes_a_job_the_config_no_longer_has(
    capsys: pytest.CaptureFixture[str], emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    """The planner destroys a job of the config or of the live stack; the CLI once refused
    every job missing from the config, so a removed job could only go with the whole stack."""
    config = emulated_account.configs["daily-report"]
    endpoint = ["--endpoint-url", emulated_account.endpoint_url]
    applied = run(capsys, "apply", "--auto-approve", "-c", str(config), *endpoint)
    assert applied[0] == 0, applied[2]
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(
        config.read_text(encoding="utf-8").replace("  daily-report:\n", "  weekly-report:\n"),
        encoding="utf-8",
    )

    code, out, err = run(
        capsys, "destroy", "daily-report", "--auto-approve", "-c", str(renamed), *endpoint
    )

    assert code == 0, err
    assert "Destroy complete." in out
    assert "module.daily-report.aws_scheduler_schedule_group.ecs will be destroyed" in out
    groups = emulated_account.clients.scheduler.list_schedule_groups()["ScheduleGroups"]
    assert [group["Name"] for group in groups] == ["default"]


@pytest.mark.slow
def test_destroy_of_a_job_neither_configured_nor_live_is_the_planners_error(
    capsys: pytest.CaptureFixture[str], emulated_account: EmulatedAccount
) -> None:
    config = emulated_account.configs["daily-report"]
    code, _, err = run(
        capsys,
        "destroy",
        "nightly",
        "--auto-approve",
        "-c",
        str(config),
        "--endpoint-url",
        emulated_account.endpoint_url,
    )
    assert code == 1
    assert err.strip() == (
        "Cannot destroy nightly: no such job in the config or in the live stack reporting."
    )
