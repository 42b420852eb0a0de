"""``export terraform --import-existing`` on the emulator, with the local terraform and
hashicorp/aws: a stack made by ``ecs-scheduler apply`` is exported with import blocks to an
empty Terraform state; ``terraform plan`` imports every resource and creates none; after
``terraform apply`` the plan is empty. Skipped where terraform or the provider is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ecs_scheduler.engines.aws import AwsClients, apply, plan
from ecs_scheduler.engines.aws.existing import read_existing
from ecs_scheduler.engines.terraform import export_terraform
from ecs_scheduler.engines.terraform_imports import (
    ExistingResource,
    import_ids,
    render_imports,
    write_imports,
)
from ecs_scheduler.loader import loads
from ecs_scheduler.local import provision_prerequisites, write_demo_config
from ecs_scheduler.resources import build
from tests.conftest import EXAMPLES_DIR
from tests.engines.terraform_root import own_emulator, terraform_root
from tests.engines.test_terraform import without_task_tags

pytestmark = pytest.mark.slow
__all__ = ["own_emulator"]  # the fixture, used by name
STACK = "imported"  # not one the other Terraform tests of the session apply


def test_terraform_imports_what_apply_made_and_then_has_nothing_to_change(
    own_emulator: str, tmp_path: Path
) -> None:
    clients = AwsClients.create(region="us-east-1", endpoint_url=own_emulator)
    prereqs = provision_prerequisites(clients)
    config = write_demo_config(prereqs, EXAMPLES_DIR / "daily-report.yaml", tmp_path / "c.yaml")
    document = yaml.safe_load(without_task_tags(config.read_text(encoding="utf-8")))
    document["stack"] = STACK
    for job in document["jobs"].values():  # a task-failure rule with a target to import
        job["task_failure_actions"] = [prereqs.sns_topic_arn]
    desired = build(loads(yaml.safe_dump(document, sort_keys=False), "c.yaml").stack)
    assert any(r.type == "aws_cloudwatch_event_target" for r in desired.resources.values())
    apply(plan(desired, clients), clients)

    root = tmp_path / "export"
    export_terraform(desired, root)
    path, imports = write_imports(desired, read_existing(desired, clients), root)
    assert path == root / "imports.tf" and imports.skipped == ()
    # Every resource exists, plus the two guards on each job's role.
    roles = [r for r in desired.resources.values() if r.type == "aws_iam_role"]
    assert len(imports.ids) == len(desired.resources) + 2 * len(roles)
    terraform = terraform_root(root, own_emulator)

    # apply prints the plan it carries out: one terraform run (a provider start, a read of
    # every resource) instead of a plan and then an apply that plans again.
    completed = terraform.run("apply", "-auto-approve", "-no-color")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    summary = re.search(
        r"Plan: (\d+) to import, (\d+) to add, (\d+) to change, (\d+) to destroy", completed.stdout
    )
    assert summary is not None, completed.stdout
    assert summary.groups() == (str(len(imports.ids)), "0", "0", "0"), completed.stdout
    assert f"Resources: {len(imports.ids)} imported, 0 added, 0 changed" in completed.stdout
    completed = terraform.run("plan", "-detailed-exitcode", "-no-color")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # And the AWS engine still owns what Terraform now manages too.
    assert not plan(desired, clients).changes


def test_nothing_exists_nothing_is_imported_and_another_stack_s_resource_is_listed() -> None:
    desired = build(
        loads(
            without_task_tags((EXAMPLES_DIR / "daily-report.yaml").read_text()), "daily-report.yaml"
        ).stack
    )
    assert import_ids(desired, []).ids == {}
    assert render_imports(import_ids(desired, [])) == "\n"
    [group] = [r for r in desired.resources.values() if r.type == "aws_scheduler_schedule_group"]
    [schedule] = [r for r in desired.resources.values() if r.type == "aws_scheduler_schedule"]
    [queue] = [r for r in desired.resources.values() if r.type == "aws_sqs_queue"]
    [queue_policy] = [r for r in desired.resources.values() if r.type == "aws_sqs_queue_policy"]
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
    imports = import_ids(
        desired,
        [
            ExistingResource(group.address, {"ecs-scheduler:stack": "another"}),
            ExistingResource(schedule.address),
            ExistingResource(queue.address, queue_url=url),
            ExistingResource(queue_policy.address),
        ],
    )
    assert imports.ids == {
        schedule.address: f"{group.aws_name}/{schedule.aws_name}",
        queue.address: url,
        queue_policy.address: url,
    }
    assert imports.skipped == (
        f"{group.address}: {group.aws_name} is tagged for stack another, not "
        f"{desired.stack}: not imported.",
    )
    hcl = render_imports(imports)
    assert (
        f'import {{\n  to = {schedule.address}\n  id = "{group.aws_name}/{schedule.aws_name}"\n}}'
        in hcl
    )
