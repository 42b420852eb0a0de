"""Sample "ECS Task State Change" events, for checking the task-failure pattern.

``DOCUMENTED_EVENT`` is the example of the Amazon ECS Developer Guide, "Amazon ECS task state
change events" (awsdocs/amazon-ecs-developer-guide, doc_source/ecs_cwe_events.md), as
published: a running Fargate task. The stopped variants change only what ECS changes when a
task stops, with the fields of the ECS API Reference's Task (``stopCode``, ``stoppedReason``,
``stoppingAt``, ``stoppedAt``, ``executionStoppedAt``) and Container (``exitCode``,
``reason``) objects, which the event's ``detail`` resembles.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

DOCUMENTED_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "3317b2af-7005-947d-b652-f55e762e571a",
    "detail-type": "ECS Task State Change",
    "source": "aws.ecs",
    "account": "111122223333",
    "time": "2020-01-23T17:57:58Z",
    "region": "us-west-2",
    "resources": [
        "arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb40f1f4fe4a2971f76ae5a47ad"
    ],
    "detail": {
        "attachments": [
            {
                "id": "1789bcae-ddfb-4d10-8ebe-8ac87ddba5b8",
                "type": "eni",
                "status": "ATTACHED",
                "details": [
                    {"name": "subnetId", "value": "subnet-abcd1234"},
                    {"name": "networkInterfaceId", "value": "eni-abcd1234"},
                    {"name": "macAddress", "value": "0a:98:eb:a7:29:ba"},
                    {"name": "privateIPv4Address", "value": "10.0.0.139"},
                ],
            }
        ],
        "availabilityZone": "us-west-2c",
        "clusterArn": "arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster",
        "containers": [
            {
                "containerArn": (
                    "arn:aws:ecs:us-west-2:111122223333:container/"
                    "cf159fd6-3e3f-4a9e-84f9-66cbe726af01"
                ),
                "lastStatus": "RUNNING",
                "name": "FargateApp",
                "image": "111122223333.dkr.ecr.us-west-2.amazonaws.com/hello-repository:latest",
                "imageDigest": (
                    "sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6"
                ),
                "runtimeId": "ad64cbc71c7fb31c55507ec24c9f77947132b03d48d9961115cf24f3b7307e1e",
                "taskArn": (
                    "arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/"
                    "c13b4cb40f1f4fe4a2971f76ae5a47ad"
                ),
                "networkInterfaces": [
                    {
                        "attachmentId": "1789bcae-ddfb-4d10-8ebe-8ac87ddba5b8",
                        "privateIpv4Address": "10.0.0.139",
                    }
                ],
                "cpu": "0",
            }
        ],
        "createdAt": "2020-01-23T17:57:34.402Z",
        "launchType": "FARGATE",
        "cpu": "256",
        "memory": "512",
        "desiredStatus": "RUNNING",
        "group": "family:sample-fargate",
        "lastStatus": "RUNNING",
        "overrides": {"containerOverrides": [{"name": "FargateApp"}]},
        "connectivity": "CONNECTED",
        "connectivityAt": "2020-01-23T17:57:38.453Z",
        "pullStartedAt": "2020-01-23T17:57:52.103Z",
        "startedAt": "2020-01-23T17:57:58.103Z",
        "pullStoppedAt": "2020-01-23T17:57:55.103Z",
        "updatedAt": "2020-01-23T17:57:58.103Z",
        "taskArn": (
            "arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb40f1f4fe4a2971f76ae5a47ad"
        ),
        "taskDefinitionArn": "arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1",
        "version": 4,
        "platformVersion": "1.3.0",
    },
}

CLUSTER_ARN = DOCUMENTED_EVENT["detail"]["clusterArn"]
STOPPED_AT = "2020-01-23T17:59:02.871Z"


def stopped_event(
    *,
    group: str,
    stop_code: str,
    stopped_reason: str,
    exit_codes: Sequence[int | None] = (0,),
    cluster_arn: str = CLUSTER_ARN,
    started: bool = True,
) -> dict[str, Any]:
    """The documented event after its task stopped: one container per exit code (None: the
    container has no ``exitCode``), named FargateApp, then sidecar-1, sidecar-2…"""
    event = copy.deepcopy(DOCUMENTED_EVENT)
    detail: dict[str, Any] = event["detail"]
    template: Mapping[str, Any] = detail["containers"][0]
    detail["containers"] = [
        _stopped_container(template, index, exit_code) for index, exit_code in enumerate(exit_codes)
    ]
    detail.update(
        group=group,
        clusterArn=cluster_arn,
        lastStatus="STOPPED",
        desiredStatus="STOPPED",
        stopCode=stop_code,
        stoppedReason=stopped_reason,
        stoppingAt="2020-01-23T17:59:01.104Z",
        executionStoppedAt="2020-01-23T17:59:02.015Z",
        stoppedAt=STOPPED_AT,
        updatedAt=STOPPED_AT,
        connectivity="DISCONNECTED",
        version=6,
    )
    if not started:
        for never_reached in ("startedAt", "pullStartedAt", "pullStoppedAt", "connectivityAt"):
            del detail[never_reached]
    event["time"] = "2020-01-23T17:59:03Z"
    return event


def _stopped_container(
    template: Mapping[str, Any], index: int, exit_code: int | None
) -> dict[str, Any]:
    container = {**copy.deepcopy(dict(template)), "lastStatus": "STOPPED"}
    if index:
        container["name"] = f"sidecar-{index}"
    if exit_code is not None:
        container["exitCode"] = exit_code
    return container
