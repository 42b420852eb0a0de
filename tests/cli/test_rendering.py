"""What the CLI prints: user values as written, diffs people can read, logs without a terminal.

The render functions are called directly on real plans, with pytest capturing stdout and
stderr (so there is no terminal, as in CI logs).
"""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from ecs_scheduler import cli
from ecs_scheduler.engines.aws import Change, Plan
from ecs_scheduler.engines.aws.planner import Action
from tests.cli.runner import run_cli
from tests.conftest import EXAMPLES_DIR

SCHEDULE = 'module.nightly.aws_scheduler_schedule.ecs["[daily]"]'
ROLE = "module.nightly.aws_iam_role.scheduler"
HOSTILE = "[/bold] runs [daily] for team:b:prod :thumbs_up: [red]not red[/red]"


def printed(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


def one_change(action: Action, diff: dict[str, tuple[Any, Any]], reason: str = "x") -> Plan:
    return Plan(stack="s", changes=(Change(SCHEDULE, action, reason, diff),), blocked=())


# ------------------------------------------------------------------ user values print as written


def test_markup_and_emoji_codes_in_user_values_print_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = Plan(
        stack="s",
        changes=(
            Change(SCHEDULE, "create", f"not in AWS {HOSTILE}", {"Description": (None, HOSTILE)}),
            Change(
                SCHEDULE,
                "update",
                "differs from the config",
                {"Description": ("[daily]", HOSTILE), "tags": ({"t": "a:b:c"}, {"t": HOSTILE})},
            ),
        ),
        blocked=(f"{ROLE}: role {HOSTILE} is left alone",),
        skipped=(f"{SCHEDULE}: {HOSTILE}",),
    )

    cli.render_plan(plan)

    out, err = printed(capsys)
    assert json.dumps(HOSTILE) in out
    assert SCHEDULE in out
    assert out.count(HOSTILE) >= 4  # reason, created value, updated value, skipped
    assert '"[daily]"' in out and '"a:b:c"' in out
    assert HOSTILE in err
    assert "🅱" not in out + err and "👍" not in out + err


def test_outputs_print_values_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    cli.render_outputs({"[job]": {"role_name": HOSTILE, "schedule_names": {"x:b:y": "[z]"}}})
    out, _ = printed(capsys)
    assert "[job]" in out and HOSTILE in out and "x:b:y: [z]" in out


def test_paths_and_warnings_print_as_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "[red]team:b:prod[bold]"
    folder.mkdir()
    config = folder / "ecs-scheduler.yaml"
    one_time = (EXAMPLES_DIR / "one-time.yaml").read_text()
    config.write_text(one_time.replace("at(2030-03-01T02:30:00)", "at(2020-03-01T02:30:00)"))

    cli.validate(config=config)
    cli.report_files([config])

    out, err = printed(capsys)
    assert "warning: " in err and str(config) in err and "will not fire again" in err
    assert out.count(str(config)) == 2


# ------------------------------------------------------------------ diffs people can read


def test_a_tag_change_is_shown_key_by_key(capsys: pytest.CaptureFixture[str]) -> None:
    shared = {f"Key{index}": "v" * 50 for index in range(5)}
    old = {**shared, "Team": "a", "Gone": "old"}
    new = {**shared, "Team": "b", "Added": "new"}

    cli.render_plan(one_change("update", {"tags": (old, new)}))

    lines = printed(capsys)[0].splitlines()
    assert '      ~ tags.Team: "a" → "b"' in lines
    assert '      + tags.Added = "new"' in lines
    assert '      - tags.Gone = "old"' in lines
    assert not any("Key0" in line for line in lines)  # unchanged keys are not repeated
    assert max(len(line) for line in lines) < 120


def test_a_created_resource_lists_its_tags_one_per_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli.render_plan(one_change("create", {"tags": (None, {"Team": "a", "Env": "prod"})}))
    lines = printed(capsys)[0].splitlines()
    assert '      + tags.Env = "prod"' in lines and '      + tags.Team = "a"' in lines


def test_extra_role_policies_are_said_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    change = Change(
        ROLE,
        "update",
        "differs from the config",
        {"ManagedPolicyArns": ([admin], None), "OtherInlinePolicies": (["added-by-hand"], None)},
    )
    cli.render_change(change)
    out = printed(capsys)[0]
    assert "extra inline policy added-by-hand will be removed" in out
    assert f"managed policy {admin} will be detached" in out
    assert "OtherInlinePolicies" not in out and "ManagedPolicyArns" not in out


def test_secret_looking_environment_values_are_masked_in_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    overrides = [
        {
            "name": "app",
            "environment": [
                {"name": "DB_PASSWORD", "value": "hunter2"},
                {"name": "api_token", "value": "tok-123"},
                {"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalr"},
                {"name": "SIGNING_KEY", "value": "k-456"},
                {"name": "SYNC_MODE", "value": "light"},
            ],
        }
    ]
    field = "Target.Input.containerOverrides"
    plan = Plan(
        stack="s",
        changes=(
            Change(SCHEDULE, "create", "not in AWS", {field: (None, overrides)}),
            Change(SCHEDULE, "update", "differs", {field: (overrides, overrides[:0])}),
        ),
        blocked=(),
    )
    cli.render_plan(plan)
    out = printed(capsys)[0]
    for secret in ("hunter2", "tok-123", "wJalr", "k-456"):
        assert secret not in out
    assert out.count(cli.MASKED) == 8
    assert '"light"' in out
    # --json is the exact record, for machines: nothing is masked there.
    assert "hunter2" in json.dumps(plan.to_json())


# ------------------------------------------------------------------ destroy, logs, outputs


def test_destroy_with_nothing_to_destroy_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    cli.render_destroy_plan(Plan(stack="s", changes=(), blocked=()))
    out = printed(capsys)[0]
    assert "Nothing to destroy." in out and "No changes" not in out


def test_apply_without_a_terminal_logs_one_line_per_change(
    capsys: pytest.CaptureFixture[str],
) -> None:
    changes = [
        Change(SCHEDULE, "create", "", {}),
        Change(ROLE, "replace", "", {}),
        Change("module.old.aws_sqs_queue.dlq", "delete", "", {}),
    ]
    with cli.progress_bar(len(changes)) as advance:
        for change in changes:
            advance(change)
    assert printed(capsys)[0].splitlines() == [
        f"{SCHEDULE}: created",
        f"{ROLE}: replaced",
        "module.old.aws_sqs_queue.dlq: destroyed",
    ]


def test_a_long_read_without_a_terminal_logs_a_line_every_few_seconds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = [100.0]
    with cli.read_progress(clock=lambda: now[0]) as report:
        for done in range(0, 601):
            now[0] += 0.02  # 600 jobs in 12 s
            report(done, 600)
    lines = printed(capsys)[1].splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("reading live state: ") and lines[0].endswith(
        "of 600 jobs read (5 s)"
    )


def test_a_read_on_a_terminal_shows_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Console(force_terminal=True, width=100, record=True)
    monkeypatch.setattr(cli, "err", terminal)
    with cli.read_progress() as report:
        report(0, 600)
        report(300, 600)
    assert "reading live state" in terminal.export_text()


def test_outputs_without_a_terminal_are_not_wrapped(capsys: pytest.CaptureFixture[str]) -> None:
    arn = "arn:aws:scheduler:us-east-1:123456789012:schedule/" + "g" * 64 + "/" + "s" * 64
    cli.render_outputs({"nightly": {"schedule_arns": {"": arn, "evening": arn + "-2"}}})
    lines = printed(capsys)[0].splitlines()
    assert f"  schedule_arns (primary): {arn}" in lines
    assert f"  schedule_arns evening: {arn}-2" in lines


def test_outputs_of_a_stack_not_deployed_say_so_per_job(
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty: dict[str, Any] = {"role_arn": None, "schedule_arns": {}, "dlq_url": None}
    cli.render_outputs({"nightly": empty, "hourly": {**empty, "role_arn": "arn:aws:iam::1:role/r"}})
    out = printed(capsys)[0]
    assert "nightly: nothing is deployed" in out
    assert "hourly: nothing is deployed" not in out and "None" not in out


# ------------------------------------------------------------------ JSON


def test_json_is_streamed_plainly_without_rich(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = {
        "changes": [
            {"address": f"module.job{index}.x", "diff": {"Description": ["[bold]", HOSTILE]}}
            for index in range(3000)
        ]
    }
    expected = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    target = tmp_path / "plan.json"
    with target.open("w", encoding="utf-8") as stdout:
        monkeypatch.setattr(sys, "stdout", stdout)
        tracemalloc.start()
        try:
            cli.print_json(data)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert target.read_text(encoding="utf-8") == expected
    # Rich's print_json holds the text many times over, styled; streaming holds a chunk.
    assert peak < len(expected) // 10, (peak, len(expected))


def test_errors_print_as_written(tmp_path: Path) -> None:
    missing = tmp_path / "team:b:prod [bold]x.yaml"
    result = run_cli("validate", "-c", str(missing))
    assert result.returncode == 1
    assert str(missing) in result.stderr and "🅱" not in result.stderr
