"""``export terraform --import-existing``: an ``import`` block for every resource of the export
that already exists in AWS, so ``terraform plan`` adopts it ("N to import") instead of
failing to create it.

Import blocks must be in the root module and name the resource by its full address (Terraform
language, import block: ``to`` and ``id``; Terraform >= 1.5, which the export already
requires). They go to ``imports.tf`` (or ``imports.tf.json``) next to the export's ``main.tf``.
The ``id`` of each resource type is the one its hashicorp/aws import section documents:

- ``aws_scheduler_schedule_group``: the group's name;
- ``aws_scheduler_schedule``: ``<group name>/<schedule name>`` ("import schedules using the
  combination group_name/name");
- ``aws_iam_role``: the role's name;
- ``aws_iam_role_policy``: ``<role name>:<policy name>``;
- ``aws_sqs_queue``: the queue URL ("import SQS Queues using the queue url");
- ``aws_sqs_queue_policy``: the queue URL too;
- ``aws_cloudwatch_metric_alarm``: the alarm's name;
- ``aws_cloudwatch_event_rule``: the rule's name (a rule on the default event bus);
- ``aws_cloudwatch_event_target``: ``<rule name>/<target id>`` (a target of a rule on the
  default event bus; the provider's ``targetParseImportID`` in events/target.go);
- ``aws_iam_role_policies_exclusive`` and ``aws_iam_role_policy_attachments_exclusive`` (the
  export's guards on the role): the role's name.

``tests/engines/test_terraform_import_existing.py`` applies each of them with hashicorp/aws
5.100.0. A resource that another ecs-scheduler stack's tags claim is not imported (it is
listed instead), as apply never adopts one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ecs_scheduler.engines.terraform_module import TerraformExportError
from ecs_scheduler.engines.terraform_syntax import Attribute, Block, Reference, render_hcl
from ecs_scheduler.naming import TAG_STACK
from ecs_scheduler.resources import DesiredState, Resource, module_name

# The role guards the export adds next to each job's role (terraform_module.JobModule).
ROLE_GUARDS: Final = (
    "aws_iam_role_policies_exclusive",
    "aws_iam_role_policy_attachments_exclusive",
)


@dataclass(frozen=True)
class ExistingResource:
    """A resource of the desired state that exists in AWS, as the live read found it."""

    address: str
    tags: Mapping[str, str] = field(default_factory=dict)
    queue_url: str | None = None  # a queue's URL as SQS reports it


@dataclass(frozen=True)
class Imports:
    ids: dict[str, str]  # address -> import id, in the desired state's order
    skipped: tuple[str, ...]  # existing resources not imported, each with why


def import_ids(desired: DesiredState, existing: Iterable[ExistingResource]) -> Imports:
    """The import id of every resource of ``desired`` that exists (module doc)."""
    found = {resource.address: resource for resource in existing}
    queue_urls = {address: item.queue_url for address, item in found.items() if item.queue_url}
    ids: dict[str, str] = {}
    skipped: list[str] = []
    for resource in desired.resources.values():
        live = found.get(resource.address)
        if live is None:
            continue
        owner = live.tags.get(TAG_STACK)
        if owner is not None and owner != desired.stack:
            skipped.append(
                f"{resource.address}: {resource.aws_name} is tagged for stack {owner}, not "
                f"{desired.stack}: not imported."
            )
            continue
        ids[resource.address] = _import_id(desired, resource, queue_urls)
        if resource.type == "aws_iam_role":
            for guard in ROLE_GUARDS:
                ids[f"module.{module_name(resource.job)}.{guard}.{resource.name}"] = (
                    resource.aws_name
                )
    return Imports(ids, tuple(skipped))


def _import_id(desired: DesiredState, resource: Resource, queue_urls: Mapping[str, str]) -> str:
    if resource.type in ("aws_scheduler_schedule", "aws_cloudwatch_event_target"):
        return f"{_parent(desired, resource).aws_name}/{resource.aws_name}"
    if resource.type == "aws_iam_role_policy":
        return f"{_parent(desired, resource).aws_name}:{resource.aws_name}"
    if resource.type in ("aws_sqs_queue", "aws_sqs_queue_policy"):
        queue = resource if resource.type == "aws_sqs_queue" else _parent(desired, resource)
        url = queue_urls.get(queue.address)
        if url is None:
            raise TerraformExportError(f"{resource.address}: the queue's URL was not read.")
        return url
    return resource.aws_name


def _parent(desired: DesiredState, resource: Resource) -> Resource:
    """The resource ``resource`` lives inside: a schedule's group, a policy's role or queue,
    a target's rule."""
    parent = desired.resources.get(resource.parent or "")
    if parent is None:
        raise TerraformExportError(f"{resource.address} names no resource it belongs to.")
    return parent


def render_imports(imports: Imports, output_format: str = "hcl") -> str:
    """``imports.tf`` (``hcl``) or ``imports.tf.json`` (``json``)."""
    if output_format == "json":
        # In JSON syntax ``to`` is a string holding the address (Terraform JSON configuration
        # syntax: such arguments are parsed from the string as an expression).
        blocks = [{"to": address, "id": id_} for address, id_ in imports.ids.items()]
        return json.dumps({"import": blocks}, indent=2, ensure_ascii=False) + "\n"
    return render_hcl(
        [
            Block("import", (), (Attribute("to", Reference(address)), Attribute("id", id_)))
            for address, id_ in imports.ids.items()
        ]
    )


def write_imports(
    desired: DesiredState,
    existing: Iterable[ExistingResource],
    out_dir: Path,
    *,
    output_format: str = "hcl",
) -> tuple[Path, Imports]:
    """Write the import blocks next to the export's root ``main.tf``."""
    imports = import_ids(desired, existing)
    path = out_dir / ("imports.tf.json" if output_format == "json" else "imports.tf")
    try:
        path.write_text(render_imports(imports, output_format), encoding="utf-8")
    except OSError as error:
        raise TerraformExportError(f"Cannot write {path}: {error.strerror}.") from error
    return path, imports
