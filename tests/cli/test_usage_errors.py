"""Mistakes on the command line are usage errors: the usage line, ``Error: ...``, exit code 2.

Mistakes that only the stack file can reveal (a job it does not have, a region that disagrees
with its clusters) are the project's own errors: one line, exit code 1.
"""

from __future__ import annotations

import pytest

from ecs_scheduler.cli import main
from tests.conftest import EXAMPLES_DIR

CONFIG = str(EXAMPLES_DIR / "multi-schedule.yaml")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        main(list(args))
    captured = capsys.readouterr()
    code = ended.value.code
    assert isinstance(code, int)
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("args", "usage", "error"),
    [
        pytest.param(
            ["validate", CONFIG],
            "Usage: ecs-scheduler validate [OPTIONS]",
            f"Error: Got unexpected extra argument(s) ({CONFIG})",
            id="config-as-argument",
        ),
        pytest.param(
            ["plan", "--nope"],
            "Usage: ecs-scheduler plan [OPTIONS]",
            "Error: No such option: --nope",
            id="unknown-option",
        ),
        pytest.param(
            ["next", "-n", "0", "-c", CONFIG],
            "Usage: ecs-scheduler next [OPTIONS]",
            "Error: Invalid value for '-n' / '--count':",
            id="count-zero",
        ),
        pytest.param(
            ["next", "-n", "many", "-c", CONFIG],
            "Usage: ecs-scheduler next [OPTIONS]",
            "Error: Invalid value for '-n' / '--count':",
            id="count-not-a-number",
        ),
        pytest.param(
            ["export", "terraform", "-c", CONFIG],
            "Usage: ecs-scheduler export terraform [OPTIONS]",
            "Error: Missing option '--output-dir' / '-o'.",
            id="export-without-output-dir",
        ),
        pytest.param(
            ["export", "terraform", "-o", "out", "--format", "yaml", "-c", CONFIG],
            "Usage: ecs-scheduler export terraform [OPTIONS]",
            "Error: Invalid value for '--format':",
            id="unknown-export-format",
        ),
        pytest.param(
            ["frobnicate"],
            "Usage: ecs-scheduler [OPTIONS] COMMAND [ARGS]...",
            "Error: No such command 'frobnicate'.",
            id="unknown-command",
        ),
        pytest.param(
            ["export", "pulumi"],
            "Usage: ecs-scheduler export [OPTIONS] COMMAND [ARGS]...",
            "Error: No such command 'pulumi'.",
            id="unknown-export-engine",
        ),
        pytest.param(
            ["validate", "-c"],
            None,  # click's parser raises this one without the command's context: no usage line
            "Error: Option '-c' requires an argument.",
            id="option-without-value",
        ),
        pytest.param(
            ["next", "-c", CONFIG, "--from", "yesterday"],
            "Usage: ecs-scheduler next [OPTIONS]",
            "Error: Invalid value for '--from': 'yesterday' is not an ISO-8601 date-time",
            id="from-not-a-date",
        ),
        pytest.param(
            ["apply", "--parallelism", "0", "-c", CONFIG],
            "Usage: ecs-scheduler apply [OPTIONS]",
            "Error: Invalid value for '--parallelism':",
            id="parallelism-zero",
        ),
        pytest.param(
            ["plan", "--timeout", "soon", "-c", CONFIG],
            "Usage: ecs-scheduler plan [OPTIONS]",
            "Error: Invalid value for '--timeout'",
            id="timeout-not-a-number",
        ),
    ],
)
def test_a_usage_mistake_shows_the_usage_and_exits_2(
    capsys: pytest.CaptureFixture[str], args: list[str], usage: str | None, error: str
) -> None:
    code, out, err = run(capsys, *args)

    assert code == 2, err
    lines = err.splitlines()
    assert usage is None or lines[0].startswith(usage), err
    assert any(line.startswith(error) for line in lines), err
    assert "unexpected error" not in err
    assert out == ""


@pytest.mark.parametrize("args", [[], ["export"]], ids=["no-arguments", "export-alone"])
def test_a_command_group_without_a_command_shows_its_help_and_exits_2(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, out, err = run(capsys, *args)

    assert code == 2
    assert f"Usage: ecs-scheduler {' '.join(args)}".rstrip() in out
    assert "Commands" in out
    assert "unexpected error" not in err


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "plan", "-h")[0] == 0
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith("ecs-scheduler ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["next", "nightly", "-c", CONFIG], "no job 'nightly'"),
        (["next", "sync-orders/nightly", "-c", CONFIG], "no schedule 'nightly'"),
        (["plan", "--region", "eu-west-1", "-c", CONFIG], "--region eu-west-1 disagrees"),
    ],
    ids=["unknown-job", "unknown-schedule", "region-disagrees"],
)
def test_a_mistake_only_the_stack_file_reveals_is_one_line_and_exits_1(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, *args)

    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Usage:" not in err
