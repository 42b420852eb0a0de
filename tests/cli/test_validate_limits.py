"""`validate` refuses what AWS would refuse halfway through an apply: one line, exit 1."""

from __future__ import annotations

from pathlib import Path

import yaml

from ecs_scheduler.naming import NamingParts, job_names
from tests.cli.runner import run_cli
from tests.model.factories import BASE_JOB

LONG_REGION = "euw1" + "x" * 40


def write_stack(tmp_path: Path, jobs: dict[str, dict[str, object]]) -> Path:
    path = tmp_path / "ecs-scheduler.yaml"
    document = {
        "stack": "reporting",
        "jobs": {key: {**BASE_JOB, **own} for key, own in jobs.items()},
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_validate_refuses_two_jobs_sharing_a_shortened_name(tmp_path: Path) -> None:
    parts = NamingParts("acme", "analytics", "internal", LONG_REGION, "reporting", "j")
    head, other = job_names(parts, [""]).schedule_group.split("-reporting_")
    entity, domain, security, region = head.split("-")
    path = write_stack(
        tmp_path,
        {
            "j": {"aws_region_short_code": LONG_REGION},
            other: {
                "billing_entity": entity,
                "billing_domain": domain,
                "security_domain": security,
                "aws_region_short_code": region,
            },
        },
    )
    result = run_cli("validate", "-c", str(path))
    assert result.returncode == 1, result.stdout
    assert f"job 'j' and job {other!r} get the same AWS name" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_refuses_a_wildcard_role_at_its_line(tmp_path: Path) -> None:
    path = write_stack(
        tmp_path, {"report": {"task_role_arn": "arn:aws:iam::123456789012:role/*/admin"}}
    )
    result = run_cli("validate", "-c", str(path))
    assert result.returncode == 1, result.stdout
    assert "jobs.report.task_role_arn: 'arn:aws:iam::123456789012:role/*/admin' holds a " in (
        result.stderr
    )
