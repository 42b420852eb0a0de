"""Until cut-over is wired in, a plan says plainly that each replaced schedule or rule keeps
running: nobody gets a double run without being told."""

from __future__ import annotations

from typing import Any

from ecs_scheduler.engines.aws import AwsClients, plan
from tests.engines.aws.conftest import DesiredFactory

JOB = "daily-report"
SCHEDULE = "arn:aws:scheduler:{region}:{account}:schedule/legacy/report"
RULE = "arn:aws:events:{region}:{account}:rule/report-nightly"


def test_each_replaced_arn_gets_a_plan_line_saying_it_keeps_running(
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
        f"job {JOB} replaces {arns[0]}: cut-over is not yet performed by this version; the old "
        "schedule keeps running, so the task may run twice until you delete it.",
        f"job {JOB} replaces {arns[1]}: cut-over is not yet performed by this version; the old "
        "rule keeps running, so the task may run twice until you disable it.",
    ]
    assert result.to_json()["notes"] == list(result.notes)


def test_a_job_without_replaces_gets_no_such_line(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    assert not [line for line in plan(desired_from(JOB), clients).notes if "replaces" in line]
