"""What a cut-over leaves behind, and the commands that remove it: pure.

A cut-over retires only the replaced schedules and rules (``cutover.py``). The rest of the old
deployment (the role its targets used, their dead-letter queues, the alarms on those queues,
a schedule group left empty) is left alone: other things may use it, and a queue may still
hold failed invocations. :func:`leftovers` lists it with the aws CLI commands that remove it,
for the user to run once they have checked.

For a Terraform-managed source it also lists ``terraform state rm`` lines: the old Terraform
then forgets the retired schedule or rule and what is left alone, and the old module's block
can be deleted from its configuration without Terraform recreating the deleted schedule,
re-enabling the rule, or destroying a queue that still holds messages. The old
configuration's resource addresses are unknown here, so each line finds them by the
resource's ``id`` (``terraform state list -id=ID``: "Filters the results to include only
instances whose resource types have an attribute named "id" whose value equals the given id
string", Terraform CLI, state list). The ids are the hashicorp/aws provider's, as its import
sections give them and as ``tests/migration/v2_module.py`` checks with
hashicorp/aws 5.100.0: ``<group>/<name>`` (``aws_scheduler_schedule``), the group's name
(``aws_scheduler_schedule_group``), the rule's name (``aws_cloudwatch_event_rule`` on the
default bus, the only one a scheduled rule can be on), ``<rule>-<target id>``
(``aws_cloudwatch_event_target``), the role's name (``aws_iam_role``), ``<role>:<policy>``
(``aws_iam_role_policy``), the queue URL (``aws_sqs_queue`` and ``aws_sqs_queue_policy``) and
the alarm's name (``aws_cloudwatch_metric_alarm``). An ``aws_iam_role_policy_attachment``'s id
is made up by the provider and cannot be looked up this way.

A source is recognised as Terraform-managed (:func:`terraform_managed`) when its tags (a
schedule's are its group's, a rule's its own) say so:

- a ``ManagedBy`` tag (any spelling: ``managed_by``, ``managed-by``) whose value is
  ``terraform``, as a provider's ``default_tags`` commonly sets; or
- the tags the Terraform module v2 puts on every taggable resource (``ResourceOwner``,
  ``BillingEntity``, ``BillingDomain``, ``SecurityDomain``: the same naming-standard tags this
  project sets) without this project's ``ManagedBy: ecs-scheduler``.

The module v1 tagged nothing: its sources are recognised only when the caller says so
(``assume_terraform``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ecs_scheduler.migration.cutover import Retirement
from ecs_scheduler.naming import (
    MANAGED_BY_VALUE,
    TAG_BILLING_DOMAIN,
    TAG_BILLING_ENTITY,
    TAG_MANAGED_BY,
    TAG_RESOURCE_OWNER,
    TAG_SECURITY_DOMAIN,
)

MODULE_V2_TAGS = frozenset(
    {TAG_RESOURCE_OWNER, TAG_BILLING_ENTITY, TAG_BILLING_DOMAIN, TAG_SECURITY_DOMAIN}
)
_MANAGED_BY_KEY = re.compile(r"^managed[-_ ]?by$", re.IGNORECASE)


@dataclass(frozen=True)
class OldRole:
    name: str
    inline_policies: tuple[str, ...] = ()
    attached_policy_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class OldDeployment:
    """One replaced source and what its deployment holds besides it, as read live."""

    arn: str  # the replaced schedule or rule
    kind: Literal["schedule", "rule"]
    name: str
    container: str  # the schedule's group, or the rule's event bus
    tags: Mapping[str, str] = field(default_factory=dict)
    roles: tuple[OldRole, ...] = ()  # the targets' RoleArn
    queue_urls: tuple[str, ...] = ()  # the targets' DeadLetterConfig
    alarm_names: tuple[str, ...] = ()  # alarms on those queues
    group_emptied: bool = False  # every schedule of its group is replaced


@dataclass(frozen=True)
class Leftovers:
    commands: tuple[str, ...]  # aws CLI, in an order that works
    terraform_state_rm: tuple[str, ...]
    notes: tuple[str, ...]


def terraform_managed(tags: Mapping[str, str]) -> str | None:
    """Why a source with these tags is taken to be Terraform-managed, or None (module doc)."""
    for key, value in tags.items():
        if _MANAGED_BY_KEY.match(key) and value.lower() == "terraform":
            return f"tagged {key}: {value}"
    if tags.keys() >= MODULE_V2_TAGS and tags.get(TAG_MANAGED_BY) != MANAGED_BY_VALUE:
        names = ", ".join(sorted(MODULE_V2_TAGS))
        return f"tagged as the Terraform module v2 tags its resources ({names})"
    return None


def leftovers(
    deployments: Iterable[OldDeployment],
    retirements: Mapping[str, Retirement],
    *,
    assume_terraform: bool = False,
) -> Leftovers:
    """The commands that remove what the retirements (by ARN) leave of ``deployments``;
    a deployment whose retirement was refused, or that has none, is skipped."""
    commands: list[str] = []
    state_ids: dict[str, None] = {}
    notes: list[str] = []
    roles: dict[str, OldRole] = {}
    queues: dict[str, str] = {}  # URL -> region
    alarms: dict[str, list[str]] = {}  # region -> names
    for old in deployments:
        retirement = retirements.get(old.arn)
        if retirement is None or retirement.action == "refuse":
            continue
        region = old.arn.split(":")[3]
        if old.kind == "rule" and retirement.action == "disable":
            commands.extend(_rule_removal(old, region))
        for role in old.roles:
            roles.setdefault(role.name, role)
        queues.update(dict.fromkeys(old.queue_urls, region))
        for name in old.alarm_names:
            if name not in alarms.setdefault(region, []):
                alarms[region].append(name)
        group_removed = old.kind == "schedule" and old.group_emptied and old.container != "default"
        if group_removed:
            commands.append(
                f"aws scheduler delete-schedule-group --region {region} --name {_q(old.container)}"
            )
        reason = terraform_managed(old.tags) or ("assumed" if assume_terraform else None)
        if reason is None:
            continue
        notes.append(
            f"{old.arn} is taken to be Terraform-managed ({reason}): in the old configuration's "
            "directory, run the terraform state rm lines, then delete its resources from the "
            "configuration; otherwise its next apply recreates what was retired."
        )
        state_ids.update(dict.fromkeys(_state_ids(old, retirement, group_removed)))
    for role in roles.values():
        commands.extend(_role_removal(role))
    for url, region in queues.items():
        commands.append(f"aws sqs delete-queue --region {region} --queue-url {_q(url)}")
    for region, names in alarms.items():
        commands.append(
            f"aws cloudwatch delete-alarms --region {region} --alarm-names "
            + " ".join(_q(name) for name in names)
        )
    if roles:
        notes.append(
            "Remove a role only once nothing else uses it; DeleteRole needs its inline policies "
            "deleted and its managed policies detached first (IAM API Reference, DeleteRole)."
        )
    if queues:
        notes.append(
            "A dead-letter queue may still hold failed invocations of the old schedules: read "
            "or redrive them before deleting it (DeleteQueue deletes its messages)."
        )
    state_rm = tuple(
        f"terraform state list -id={_q(id_)} | while read -r address; do "
        'terraform state rm "$address"; done'
        for id_ in state_ids
    )
    return Leftovers(tuple(commands), state_rm, tuple(notes))


def _rule_removal(old: OldDeployment, region: str) -> list[str]:
    """A disabled rule's removal, its targets first ("Before you can delete the rule, you must
    remove all targets, using RemoveTargets": EventBridge API Reference, DeleteRule). A rule
    is disabled only when every target is replaced, so all of them go."""
    rule = f"--region {region} --rule {_q(old.name)}"
    return [
        f"aws events list-targets-by-rule {rule} --query 'Targets[].Id' --output text "
        f"| xargs aws events remove-targets {rule} --ids",
        f"aws events delete-rule --region {region} --name {_q(old.name)}",
    ]


def _role_removal(role: OldRole) -> list[str]:
    name = _q(role.name)
    return [
        *(
            f"aws iam delete-role-policy --role-name {name} --policy-name {_q(policy)}"
            for policy in role.inline_policies
        ),
        *(
            f"aws iam detach-role-policy --role-name {name} --policy-arn {_q(policy)}"
            for policy in role.attached_policy_arns
        ),
        f"aws iam delete-role --role-name {name}",
    ]


def _state_ids(old: OldDeployment, retirement: Retirement, group_removed: bool) -> list[str]:
    """The provider ids of what the old Terraform is to forget (module doc)."""
    if old.kind == "schedule":
        ids = [f"{old.container}/{old.name}"]
        if group_removed:
            ids.append(old.container)
    else:
        # The rule itself only when it is disabled: a rule that keeps other targets stays.
        ids = [old.name] if retirement.action != "remove-targets" else []
        ids.extend(f"{old.name}-{target}" for target in retirement.target_ids)
    for role in old.roles:
        ids.append(role.name)
        ids.extend(f"{role.name}:{policy}" for policy in role.inline_policies)
    return [*ids, *old.queue_urls, *old.alarm_names]


def _q(text: str) -> str:
    return shlex.quote(text)
