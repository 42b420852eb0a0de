"""Help that reads right, and a profile named by the environment named in its error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from ecs_scheduler.cli import app
from tests.cli.runner import run_cli
from tests.conftest import EXAMPLES_DIR


def _command_paths() -> list[tuple[str, ...]]:
    """Every command of the CLI, as the words a user types (``("dlq", "list")``, …)."""
    paths: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda path: " ".join(path) or "main")
def test_help_shows_no_value_after_a_flag(path: tuple[str, ...]) -> None:
    """A flag takes no value, so its help row names none (typer 0.29 writes ``<bool>``)."""
    completed = run_cli(*path, "--help")

    assert completed.returncode == 0, completed.stderr
    assert "<bool>" not in completed.stdout
    assert "--help" in completed.stdout


def test_every_paragraph_of_help_is_wrapped_to_the_terminal() -> None:
    """No line of ``local -h`` ends after a word or two: the docstring's own line breaks
    are not kept inside a paragraph."""
    completed = run_cli("local", "--help")

    prose = completed.stdout.split("╭", 1)[0]
    lines = [line.strip() for line in prose.splitlines() if line.strip()]
    assert all(len(line) > 20 or line.endswith(".") for line in lines), lines


def test_a_profile_named_by_aws_profile_is_named_in_the_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_PROFILE", "nosuch")

    completed = run_cli("outputs", "-c", str(EXAMPLES_DIR / "daily-report.yaml"))

    assert completed.returncode == 1
    message = " ".join(completed.stderr.split())
    assert re.search(r"There is no AWS profile 'nosuch' \(from the environment\)", message)
    assert "None" not in message
