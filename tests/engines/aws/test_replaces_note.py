"""A replaced ARN that no longer exists is a note, not an error, and the plan no longer says
that cut-over is not performed: each existing replaced source is a retire change instead
(tests/engines/aws/test_cutover_apply.py)."""

from __future__ import annotations

from typing import Any

from ecs_scheduler.engines.aws import AwsClients, plan
from tests.engines.aws.conftest import DesiredFactory

JOB = "daily-report"
SCHEDULE = "arn:aws:scheduler:{region}:{account}:schedule/legacy/report"
RULE = "arn:aws:events:{region}:{account}:rule/report-nightly"


def test_each_replaced_arn_that_is_gone_gets_a_note_and_no_retirement(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    arns: list[str] = []

    def add_replaces(document: dict[str, Any]) -> None:
        cluster = (
            document["jobs"][JOB].get("ecs_cluster_arn") or document["defaults"]["ecs_cluster_arn"]
        )
        _, _, _, region, account, _ = cluster.split(":", 5)
        arns.extend(
            template.format(region=region, account=account) for template in (SCHEDULE, RULE)
        )
        document["jobs"][JOB]["replaces"] = arns

    result = plan(desired_from(JOB, add_replaces), clients)

    notes = [line for line in result.notes if "replaces" in line]
    assert notes == [
        f"job {JOB} replaces {arns[0]}, which no longer exists: nothing to retire.",
        f"job {JOB} replaces {arns[1]}, which no longer exists: nothing to retire.",
    ]
    assert not [line for line in result.notes if "not yet performed" in line]
    assert result.retirements == () and result.blocked == ()
    assert result.to_json()["notes"] == list(result.notes)
    assert result.to_json()["retirements"] == []


def test_a_job_without_replaces_gets_no_such_line(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    result = plan(desired_from(JOB), clients)
    assert not [line for line in result.notes if "replaces" in line]
    assert result.retirements == ()
