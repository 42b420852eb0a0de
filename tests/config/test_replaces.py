"""``replaces:`` names the Scheduler schedules and EventBridge rules a job takes over from:
only those two kinds of ARN, exact, in the cluster's partition, region and account."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ecs_scheduler.loader import ConfigError, loads
from tests.config.cases import appended

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SCHEDULE = "arn:aws:scheduler:us-east-1:123456789012:schedule/legacy/report-daily"
RULE = "arn:aws:events:us-east-1:123456789012:rule/report-nightly"
RULE_ON_BUS = "arn:aws:events:us-east-1:123456789012:rule/jobs-bus/report-nightly"
SHAPE = (
    "is not an EventBridge Scheduler schedule ARN "
    "(arn:<partition>:scheduler:<region>:<account>:schedule/<group>/<name>) or an "
    "EventBridge rule ARN (arn:<partition>:events:<region>:<account>:rule/[<bus>/]<name>)"
)


def replaces(*arns: str) -> str:
    return appended("    replaces:\n" + "".join(f"      - {arn}\n" for arn in arns))


def error_lines(text: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        loads(text, now=NOW)
    return str(raised.value).splitlines()


def test_schedule_and_rule_arns_are_kept_in_order() -> None:
    job = loads(replaces(SCHEDULE, RULE, RULE_ON_BUS), now=NOW).stack.jobs["report"]
    assert job.replaces == [SCHEDULE, RULE, RULE_ON_BUS]


def test_a_job_replaces_nothing_by_default() -> None:
    assert loads(appended(""), now=NOW).stack.jobs["report"].replaces == []


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        pytest.param(
            "arn:aws:scheduler:us-east-1:123456789012:schedule/report-daily",
            SHAPE,
            id="schedule-without-group",
        ),
        pytest.param(
            "arn:aws:scheduler:us-east-1:123456789012:schedule-group/legacy",
            SHAPE,
            id="schedule-group",
        ),
        pytest.param(
            "arn:aws:events:us-east-1:123456789012:event-bus/default", SHAPE, id="event-bus"
        ),
        pytest.param("arn:aws:ecs:us-east-1:123456789012:cluster/batch", SHAPE, id="cluster"),
        pytest.param("legacy/report-daily", SHAPE, id="not-an-arn"),
        pytest.param(
            "arn:aws:events:eu-west-1:123456789012:rule/report-nightly",
            "is in region eu-west-1, but ecs_cluster_arn is in region us-east-1",
            id="other-region",
        ),
        pytest.param(
            "arn:aws:scheduler:us-east-1:210987654321:schedule/legacy/report-daily",
            "is in account 210987654321, but ecs_cluster_arn is in account 123456789012",
            id="other-account",
        ),
        pytest.param(
            "arn:aws-cn:scheduler:us-east-1:123456789012:schedule/legacy/report-daily",
            "is in partition aws-cn, but ecs_cluster_arn is in aws",
            id="other-partition",
        ),
        pytest.param(
            "arn:aws:scheduler:us-east-1:123456789012:schedule/legacy/*",
            "holds a wildcard ('*' or '?')",
            id="wildcard",
        ),
    ],
)
def test_anything_else_is_refused_naming_the_entry(arn: str, message: str) -> None:
    lines = error_lines(replaces(RULE, arn))
    assert len(lines) == 1
    assert lines[0].startswith("ecs-scheduler.yaml:20:9: jobs.report.replaces[1]: ")
    assert f"'{arn}' {message}" in lines[0]
