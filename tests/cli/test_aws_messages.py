"""What apply, destroy and outputs print through the real entry point, without a terminal."""

from __future__ import annotations

import pytest

from tests.cli.runner import run_cli
from tests.conftest import EmulatedAccount

pytestmark = pytest.mark.slow


def test_apply_destroy_and_outputs_say_what_happened_in_logs(
    emulated_account: EmulatedAccount,
) -> None:
    args = ["-c", str(emulated_account.configs["daily-report"])]
    args += ["--endpoint-url", emulated_account.endpoint_url]
    group = "module.daily-report.aws_scheduler_schedule_group.ecs"

    before = run_cli("outputs", *args)
    assert before.returncode == 0, before.stderr
    assert "daily-report: nothing is deployed" in before.stdout
    assert "None" not in before.stdout

    applied = run_cli("apply", "--auto-approve", *args)
    assert applied.returncode == 0, applied.stderr
    # One line per change between the plan and the summary, in the order they finished.
    assert f"{group}: created" in applied.stdout.splitlines()
    assert "Apply complete." in applied.stdout

    outputs = run_cli("outputs", *args)
    assert outputs.returncode == 0, outputs.stderr
    arns = [line for line in outputs.stdout.splitlines() if line.startswith("  role_arn: ")]
    assert len(arns) == 1 and arns[0].endswith("-scheduler"), outputs.stdout

    destroyed = run_cli("destroy", "--auto-approve", *args)
    assert destroyed.returncode == 0, destroyed.stderr
    assert f"{group}: destroyed" in destroyed.stdout.splitlines()
    assert "Destroy complete. 9 destroyed in " in destroyed.stdout
    assert "Apply complete" not in destroyed.stdout

    again = run_cli("destroy", "--auto-approve", *args)
    assert again.returncode == 0, again.stderr
    assert "Nothing to destroy." in again.stdout and "No changes" not in again.stdout
