"""IAM: a job's execution role and its inline policy, read and written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from botocore.exceptions import ClientError

from ecs_scheduler.engines.aws.canonical import with_defaults
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.service import (
    ROLE,
    ROLE_POLICY,
    LiveResource,
    RecordedKind,
    ServiceOperations,
    WriteContext,
    as_json,
    error_code,
    is_owned,
    parsed_policy,
    retag,
    tag_list,
    tag_map,
)
from ecs_scheduler.naming import TAG_ROLE, is_role_policy_name
from ecs_scheduler.resources import Resource, address

# IAM answers a missing role or policy with NoSuchEntity (IAM API Reference, GetRole and
# DeleteRolePolicy, "Errors").
NOT_FOUND_CODES: Final = frozenset({"NoSuchEntity"})
# CreateRole without them: Path "defaults to a slash (/)", MaxSessionDuration "the default
# value of one hour" (IAM API Reference, CreateRole).
ROLE_DEFAULTS: Final[Mapping[str, Any]] = {"Path": "/", "MaxSessionDuration": 3600}

# -- reads --------------------------------------------------------------------------------


def read_role(
    clients: AwsClients, stack: str, job: str, name: str, policy: Resource | None
) -> list[LiveResource]:
    """The role of this name and the job's inline policy on it; nothing if there is none.

    ``policy`` is the inline policy the config wants, if any: the live one of that name, or
    else of this stack's and job's naming (the job's names changed), is reported as it.
    """
    iam = clients.iam
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return []
        raise
    tags = tag_map(role.get("Tags", []))
    if "Tags" not in role:
        tags = tag_map(iam.list_role_tags(RoleName=name)["Tags"])
    owned = is_owned(tags, stack, job)
    attached = sorted(
        attached["PolicyArn"]
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
        for attached in page["AttachedPolicies"]
    )
    inline_names = [
        policy_name
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=name)
        for policy_name in page["PolicyNames"]
    ]
    policy_name = policy.aws_name if policy is not None else None
    if policy_name is not None and policy_name not in inline_names:
        # The job's names changed: its policy, if any, still has the old one.
        policy_name = next(
            (other for other in inline_names if is_role_policy_name(other, stack, job)),
            policy_name,
        )
    properties: dict[str, Any] = {
        "Path": role.get("Path"),
        "AssumeRolePolicyDocument": parsed_policy(role.get("AssumeRolePolicyDocument")),
        "Description": role.get("Description"),
        "MaxSessionDuration": role.get("MaxSessionDuration"),
        "PermissionsBoundary": role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
        # Anything attached beyond the model's own inline policy widens the role: drift.
        "ManagedPolicyArns": attached,
        "OtherInlinePolicies": sorted(
            other for other in inline_names if policy_name is None or other != policy_name
        ),
    }
    role_address = address(job, ROLE, "scheduler")
    found = [LiveResource(role_address, job, ROLE, name, role["Arn"], properties, tags, owned)]
    own_policy_names = (
        [policy_name] if policy_name in inline_names else [] if policy_name else inline_names
    )
    for inline_name in [name for name in own_policy_names[:1] if name is not None]:
        document = iam.get_role_policy(RoleName=name, PolicyName=inline_name)
        found.append(
            LiveResource(
                address(job, ROLE_POLICY, "scheduler"),
                job,
                ROLE_POLICY,
                inline_name,
                role["Arn"],
                {"PolicyDocument": parsed_policy(document["PolicyDocument"])},
                owned=owned,
            )
        )
    return found


RECORDED: Final = (
    RecordedKind(
        ROLE,
        "scheduler",
        TAG_ROLE,
        "-scheduler",
        lambda clients, stack, job, name, wanted: read_role(
            clients, stack, job, name, wanted.get((ROLE_POLICY, "scheduler"))
        ),
        schedule_path=("Target", "RoleArn"),
    ),
)


def permissions_boundaries(resources: Iterable[Resource]) -> Iterable[str]:
    """The permissions boundaries of the desired roles, for preflight to check."""
    for resource in resources:
        if resource.type == ROLE and resource.properties.get("PermissionsBoundary"):
            yield str(resource.properties["PermissionsBoundary"])


# -- roles --------------------------------------------------------------------------------


def create_role(context: WriteContext, resource: Resource) -> None:
    properties = resource.properties
    request: dict[str, Any] = {
        "RoleName": resource.aws_name,
        "AssumeRolePolicyDocument": as_json(properties["AssumeRolePolicyDocument"]),
        "Tags": tag_list(resource.tags),
    }
    for optional in ("Description", "PermissionsBoundary", "Path", "MaxSessionDuration"):
        if properties.get(optional) is not None:
            request[optional] = properties[optional]
    iam = context.clients.iam
    try:
        iam.create_role(**request)
    except ClientError as error:
        if error_code(error) != "EntityAlreadyExists":
            raise
        # Only a role of ours is updated, so a permissions boundary is removed only from a
        # role this stack made and whose config sets none.
        tags = tag_map(iam.list_role_tags(RoleName=resource.aws_name)["Tags"])
        context.check_owned(resource, "IAM role", tags)
        update_role(context, resource, None)


def update_role(context: WriteContext, resource: Resource, live: LiveResource | None) -> None:
    iam = context.clients.iam
    name = resource.aws_name
    properties = resource.properties
    iam.update_assume_role_policy(
        RoleName=name, PolicyDocument=as_json(properties["AssumeRolePolicyDocument"])
    )
    iam.update_role(
        RoleName=name,
        Description=properties.get("Description", ""),
        MaxSessionDuration=properties.get(
            "MaxSessionDuration", ROLE_DEFAULTS["MaxSessionDuration"]
        ),
    )
    boundary = properties.get("PermissionsBoundary")
    if boundary is not None:
        iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
    elif live is None or live.properties.get("PermissionsBoundary"):
        try:
            iam.delete_role_permissions_boundary(RoleName=name)
        except ClientError as error:
            if error_code(error) not in NOT_FOUND_CODES:
                raise
    live_properties = live.properties if live is not None else {}
    for policy_arn in live_properties.get("ManagedPolicyArns", []):
        iam.detach_role_policy(RoleName=name, PolicyArn=policy_arn)
    for policy_name in live_properties.get("OtherInlinePolicies", []):
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    retag(
        live,
        resource,
        lambda keys: iam.untag_role(RoleName=name, TagKeys=keys),
        lambda: iam.tag_role(RoleName=name, Tags=tag_list(resource.tags)),
    )


def delete_role(clients: AwsClients, live: LiveResource) -> None:
    iam = clients.iam
    name = live.aws_name
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy_name in page["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        for attached in page["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    for page in iam.get_paginator("list_instance_profiles_for_role").paginate(RoleName=name):
        for profile in page["InstanceProfiles"]:
            iam.remove_role_from_instance_profile(
                InstanceProfileName=profile["InstanceProfileName"], RoleName=name
            )
    iam.delete_role(RoleName=name)


# -- the role's inline policy -------------------------------------------------------------


def put_role_policy(context: WriteContext, resource: Resource) -> None:
    role = context.parent(resource)
    context.clients.iam.put_role_policy(
        RoleName=role.aws_name,
        PolicyName=resource.aws_name,
        PolicyDocument=as_json(resource.properties["PolicyDocument"]),
    )


def delete_role_policy(clients: AwsClients, live: LiveResource) -> None:
    role_name = live.arn.rsplit("/", 1)[-1]
    clients.iam.delete_role_policy(RoleName=role_name, PolicyName=live.aws_name)


OPERATIONS: Final = {
    ROLE: ServiceOperations(
        create_role,
        update_role,
        delete_role,
        NOT_FOUND_CODES,
        canonical=lambda fields: with_defaults(fields, ROLE_DEFAULTS),
    ),
    ROLE_POLICY: ServiceOperations.by_put(put_role_policy, delete_role_policy, NOT_FOUND_CODES),
}
