"""The operating commands through the real entry point, against the emulator over HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ecs_scheduler.engines.aws import operations
from tests.cli.runner import run_cli
from tests.conftest import EXAMPLES_DIR, EmulatedAccount
from tests.operations.deployed import Deployed, deploy_example, poll_quickly, tasks_never_stop

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _poll_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    poll_quickly(monkeypatch)


def aws_args(deployed: Deployed) -> list[str]:
    config = deployed.account.configs[deployed.example]
    return ["-c", str(config), "--endpoint-url", deployed.account.endpoint_url]


def test_dlq_list_show_redrive_purge(emulated_account: EmulatedAccount) -> None:
    deployed = deploy_example(emulated_account, "multi-schedule")
    throttled = deployed.put_dead_letter("sync-orders", "evening")
    denied = deployed.put_dead_letter("sync-orders", "weekend", error_code="ECS.AccessDenied")
    args = aws_args(deployed)

    listed = run_cli("dlq", "list", "sync-orders", *args)
    assert listed.returncode == 0, listed.stderr
    assert "2 message(s) in dead-letter queue" in listed.stdout
    assert "ECS.ThrottlingException — 1 message(s)" in listed.stdout
    assert "ECS.AccessDenied — 1 message(s)" in listed.stdout
    assert "sync-orders/weekend" in listed.stdout

    as_json = run_cli("dlq", "list", "sync-orders", "--json", *args)
    document = json.loads(as_json.stdout)
    assert document["count"] == 2
    assert document["by_error"] == {
        "ECS.AccessDenied": [denied],
        "ECS.ThrottlingException": [throttled],
    }
    assert {m["message_id"]: m["schedule"] for m in document["messages"]} == {
        throttled: "evening",
        denied: "weekend",
    }

    shown = run_cli("dlq", "show", "sync-orders", denied, "--json", *args)
    assert shown.returncode == 0, shown.stderr
    message = json.loads(shown.stdout)
    assert message["error_code"] == "ECS.AccessDenied"
    assert message["retry_attempts"] == 5
    assert message["scheduled_time"] == "2026-11-28T06:00:00Z"
    assert message["schedule_arn"] == deployed.outputs("sync-orders")["schedule_arns"]["weekend"]

    missing = run_cli("dlq", "show", "sync-orders", "no-such-id", *args)
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("No message no-such-id in dead-letter queue")

    dry = run_cli("dlq", "redrive", "sync-orders", "--dry-run", *args)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("would start") == 2
    assert deployed.running_tasks() == []

    redriven = run_cli("dlq", "redrive", "sync-orders", "--max", "1", "--json", *args)
    assert redriven.returncode == 0, redriven.stderr
    result = json.loads(redriven.stdout)
    assert result["started"] == 1
    assert result["outcomes"][0]["task_arns"] == deployed.running_tasks()
    assert deployed.visible_messages("sync-orders") == 1

    refused = run_cli("dlq", "purge", "sync-orders", *args, stdin="")
    assert refused.returncode == 1
    assert "--yes" in refused.stderr
    assert deployed.visible_messages("sync-orders") == 1
    purged = run_cli("dlq", "purge", "sync-orders", "--yes", *args)
    assert purged.returncode == 0, purged.stderr
    assert deployed.visible_messages("sync-orders") == 0


def test_redrive_of_a_message_whose_schedule_is_gone_exits_1(
    emulated_account: EmulatedAccount,
) -> None:
    deployed = deploy_example(emulated_account, "daily-report")
    arn = deployed.outputs("daily-report")["schedule_arns"][""]
    orphan = deployed.put_dead_letter("daily-report", schedule_arn=arn + "-removed")
    result = run_cli("dlq", "redrive", "daily-report", *aws_args(deployed))
    assert result.returncode == 1
    assert f"left {orphan}" in " ".join(result.stdout.split())
    assert "is no longer in the config" in result.stdout
    assert "1 message(s) were left in" in result.stderr
    assert deployed.visible_messages("daily-report") == 1


@pytest.mark.parametrize(
    ("verb", "extra"),
    [
        (["dlq", "list"], []),
        (["dlq", "redrive"], []),
        (["dlq", "purge"], ["--yes"]),
        (["run"], []),
    ],
)
def test_bad_input_is_one_sentence_and_exit_1(
    emulated_account: EmulatedAccount, verb: list[str], extra: list[str]
) -> None:
    config = emulated_account.configs["daily-report"]
    args = ["-c", str(config), "--endpoint-url", emulated_account.endpoint_url]
    unknown = run_cli(*verb, "nope", *extra, *args)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == ("No job 'nope' in stack reporting; its jobs: daily-report.")
    undeployed = run_cli(*verb, "daily-report", *extra, *args)
    assert undeployed.returncode == 1
    assert undeployed.stderr.strip() == (
        "Job daily-report of stack reporting is not deployed in us-east-1: run apply first."
    )


def test_run_waits_until_the_task_stops_and_prints_each_container(
    emulated_account: EmulatedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = deploy_example(emulated_account, "multi-schedule")
    cluster = emulated_account.prereqs.cluster_name
    args = ["run", "sync-orders/weekend", "--wait", "--timeout", "2m", *aws_args(deployed)]
    still_running = threading.Semaphore(0)  # released at each poll that finds the task running
    wait_for_tasks = operations.wait_for_tasks

    def counting_polls(*args: Any, sleep: Callable[[float], None], **kwargs: Any) -> Any:
        def between_polls(seconds: float) -> None:
            still_running.release()
            sleep(seconds)

        return wait_for_tasks(*args, sleep=between_polls, **kwargs)

    monkeypatch.setattr(operations, "wait_for_tasks", counting_polls)
    # In a thread of this process, polling every 0.02 s (the fixture above), not every 5 s.
    with tasks_never_stop(emulated_account.endpoint_url), ThreadPoolExecutor(1) as command:
        running = command.submit(run_cli, *args)
        for _ in range(5):
            if not still_running.acquire(timeout=60):
                pytest.fail(f"run --wait stopped polling: {running.result(timeout=0)}")
        (task_arn,) = deployed.running_tasks()
        assert not running.done()  # still waiting, five polls later: the task runs
        deployed.clients.ecs.stop_task(cluster=cluster, task=task_arn, reason="done by test")
        result = running.result(timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"started {task_arn}" in result.stdout
    assert f"succeeded {task_arn} — stopped: done by test" in result.stdout
    assert "app (essential): exit 0" in result.stdout


def test_run_json_and_a_disabled_or_unknown_schedule(emulated_account: EmulatedAccount) -> None:
    deployed = deploy_example(emulated_account, "multi-schedule")
    args = aws_args(deployed)
    started = run_cli("run", "sync-orders/evening", "--json", *args)
    assert started.returncode == 0, started.stderr
    document = json.loads(started.stdout)
    assert document == {
        "job": "sync-orders",
        "schedule": "evening",
        "enabled": True,
        "task_arns": deployed.running_tasks(),
        "group": "ecs-scheduler:orders-sync:sync-orders:evening",
        "waited": False,
        "succeeded": True,
        "tasks": [],
    }
    unknown = run_cli("run", "sync-orders/nightly", *args)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == (
        "Job sync-orders has no schedule 'nightly'; it has '', 'evening', 'weekend'."
    )
    bad_timeout = run_cli("run", "sync-orders", "--wait", "--timeout", "soon", *args)
    assert bad_timeout.returncode == 1
    assert "--timeout 'soon' is not a duration" in bad_timeout.stderr


def test_status_text_and_json(emulated_account: EmulatedAccount) -> None:
    config = emulated_account.configs["multi-schedule"]
    args = ["-c", str(config), "--endpoint-url", emulated_account.endpoint_url]
    before = run_cli("status", "--json", *args)
    assert before.returncode == 1
    assert (
        before.stderr.strip() == "Stack orders-sync is not deployed in us-east-1: run apply first."
    )
    (job,) = json.loads(before.stdout)["jobs"]
    assert job["deployed"] is False
    assert {row["state"] for row in job["schedules"]} == {"NOT DEPLOYED"}

    deployed = deploy_example(emulated_account, "multi-schedule")
    deployed.put_dead_letter("sync-orders")
    text = run_cli("status", "sync-orders/weekend", "--since", "7d", *args)
    assert text.returncode == 0, text.stderr
    assert "sync-orders/weekend  ENABLED  cron(0 12 ? * SAT,SUN *) Europe/London  next " in (
        text.stdout
    )
    assert "sync-orders/evening" not in text.stdout
    assert "visible" in text.stdout and ": 1 visible, oldest unknown" in text.stdout
    assert "InvocationAttemptCount 0" in text.stdout
    rule = deployed.task_failure_rules["sync-orders"]
    assert f"task failures: no data from rule {rule} (no task failed" in text.stdout
    document = json.loads(run_cli("status", "--json", *args).stdout)
    assert set(document) == {"stack", "window", "jobs"}
    (job,) = document["jobs"]
    assert set(job) == {
        "job",
        "deployed",
        "drift",
        "blocked",
        "schedule_group",
        "metrics",
        "dlq",
        "alarms",
        "task_failures",
        "schedules",
    }
    assert job["deployed"] is True and job["drift"] == []
    assert job["task_failures"] == {
        "alerts_enabled": True,
        "rule": rule,
        "failed_tasks": None,
        "undelivered_alerts": None,
    }
    assert job["dlq"]["visible_messages"] == 1
    assert set(job["schedules"][0]) == {
        "schedule",
        "name",
        "state",
        "configured_state",
        "expression",
        "timezone",
        "next_fire_time_utc",
        "next_fire_time_local",
    }
    bad = run_cli("status", "--since", "yesterday", *args)
    assert bad.returncode == 1
    assert bad.stderr.strip().startswith("--since 'yesterday' is not a duration")


def test_calendar_writes_the_page_and_the_same_data_as_json(tmp_path: Path) -> None:
    config = EXAMPLES_DIR / "multi-schedule.yaml"
    window = ["--from", "2026-03-25T00:00:00Z", "--days", "7"]
    page = tmp_path / "week.html"
    written = run_cli("calendar", "-c", str(config), "-o", str(page), *window)
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == (
        f"wrote {page}: 12 fire time(s), 1 DST change(s), peak tasks per cluster: batch 1"
    )
    assert page.read_text().count('<rect class="event') == 12
    longer = run_cli(
        "calendar", "-c", str(config), *window, "--duration", "sync-orders=600", "--json"
    )
    document = json.loads(longer.stdout)
    assert document["events"] == 12
    assert {lane["duration_source"] for lane in document["lanes"]} == {"option"}
    (forecast,) = document["concurrency"].values()
    assert forecast["peak"] == 2
    bad = run_cli("calendar", "-c", str(config), "--duration", "nope=5", "--json")
    assert bad.returncode == 1
    assert bad.stderr.strip().startswith("--duration 'nope=5': expected JOB=MINUTES")


def test_calendar_takes_expected_duration_minutes_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "ecs-scheduler.yaml"
    text = (EXAMPLES_DIR / "multi-schedule.yaml").read_text()
    config.write_text(
        text.replace(
            "    task_name: sync-orders\n",
            "    task_name: sync-orders\n    expected_duration_minutes: 600\n",
        )
    )
    result = run_cli(
        "calendar", "-c", str(config), "--from", "2026-03-25T00:00:00Z", "--days", "7", "--json"
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {lane["duration_minutes"] for lane in document["lanes"]} == {600}
    assert {lane["duration_source"] for lane in document["lanes"]} == {"config"}
    assert next(iter(document["concurrency"].values()))["peak"] == 2


def test_status_and_dlq_commands_say_when_the_queue_is_missing(
    emulated_account: EmulatedAccount,
) -> None:
    deployed = deploy_example(emulated_account, "daily-report")
    name = deployed.outputs("daily-report")["dlq_name"]
    deployed.clients.sqs.delete_queue(QueueUrl=deployed.queue_url("daily-report"))
    args = aws_args(deployed)
    status = run_cli("status", *args)
    assert status.returncode == 1
    assert f"DLQ {name}: missing" in status.stdout
    assert status.stderr.strip() == (
        f"Dead-letter queue {name} is missing: run plan to see what to repair."
    )
    for command in (["dlq", "list"], ["dlq", "redrive"], ["dlq", "purge", "--yes"]):
        result = run_cli(*command[:2], "daily-report", *command[2:], *args)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"Job daily-report has no dead-letter queue in AWS (expected {name}); "
            "run plan to see what is missing."
        )


def test_dead_letter_text_with_markup_and_emoji_codes_prints_verbatim(
    emulated_account: EmulatedAccount,
) -> None:
    deployed = deploy_example(emulated_account, "daily-report")
    odd = "ECS.[/bold][daily]:thumbs_up:"
    message_id = deployed.put_dead_letter("daily-report", error_code=odd)
    args = aws_args(deployed)

    listed = run_cli("dlq", "list", "daily-report", *args)
    assert listed.returncode == 0, listed.stderr
    assert f"{odd} — 1 message(s)" in listed.stdout
    assert f"{odd} while calling RunTask" in listed.stdout

    shown = run_cli("dlq", "show", "daily-report", message_id, *args)
    assert shown.returncode == 0, shown.stderr
    assert odd in shown.stdout
