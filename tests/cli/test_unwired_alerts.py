"""`plan` and `apply` refuse task-failure alerts EventBridge could not deliver, with exit 1 and
the statement to add, unless --allow-unwired-alerts; through the real entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli.runner import run_cli
from tests.conftest import EmulatedAccount

pytestmark = pytest.mark.slow


def _config_alerting_a_bare_topic(account: EmulatedAccount, directory: Path) -> Path:
    """The daily-report example whose task failures go to a topic with the default policy."""
    topic = account.clients.sns.create_topic(Name="bare-alerts")["TopicArn"]
    document = yaml.safe_load(account.configs["daily-report"].read_text(encoding="utf-8"))
    document["jobs"]["daily-report"]["task_failure_actions"] = [topic]
    config = directory / "ecs-scheduler.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return config


@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"]])
def test_unwired_alerts_are_refused_with_the_statement_to_add(
    emulated_account: EmulatedAccount, tmp_path: Path, command: list[str]
) -> None:
    config = _config_alerting_a_bare_topic(emulated_account, tmp_path)
    args = ["-c", str(config), "--endpoint-url", emulated_account.endpoint_url]

    refused = run_cli(*command, *args)

    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert '"Principal":{"Service":"events.amazonaws.com"}' in refused.stderr
    assert '"Action":"sns:Publish"' in refused.stderr
    assert "--allow-unwired-alerts" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert emulated_account.clients.events.list_rules()["Rules"] == []


def test_allow_unwired_alerts_applies_and_warns(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    config = _config_alerting_a_bare_topic(emulated_account, tmp_path)
    args = ["-c", str(config), "--endpoint-url", emulated_account.endpoint_url]

    applied = run_cli("apply", "--auto-approve", "--allow-unwired-alerts", *args)

    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "warning:" in applied.stderr
    assert '"Action":"sns:Publish"' in applied.stderr
    [rule] = emulated_account.clients.events.list_rules()["Rules"]
    assert rule["Name"].endswith("-task-failed")
