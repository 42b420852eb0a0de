"""Faults: apply converges through throttles and 5xx, and after being killed at random points.

Everything runs against moto's server over HTTP: faults come from a real HTTP proxy in front of
it, kills are SIGKILLs of a real process applying through the library.
"""

from __future__ import annotations

import random
import signal
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import botocore.endpoint
import botocore.retries.bucket
import botocore.session
import pytest
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import ThrottledRetryableChecker

from ecs_scheduler.engines.aws import AwsClients, apply, plan
from ecs_scheduler.loader import loads
from ecs_scheduler.naming import TAG_STACK
from ecs_scheduler.resources import DesiredState, build
from tests.conftest import REGION, REPO_ROOT, EmulatedAccount
from tests.engines.aws.fault_proxy import FaultKind, FaultProxy
from tests.prewarmed import Prewarmed, shared

pytestmark = pytest.mark.slow

_THROTTLING_CODES = frozenset(ThrottledRetryableChecker._THROTTLED_ERROR_CODES)


_ACQUIRE_TOKEN = botocore.retries.bucket.TokenBucket._acquire


def _acquire_token_without_waiting(bucket: Any, amount: float, block: bool) -> bool:
    """TokenBucket._acquire, the wait for a token skipped: the bucket refills as if that
    much time had passed since its last refill (the rest is botocore's own code)."""
    bucket._refill()
    if block and amount > bucket._current_capacity:
        bucket._last_timestamp -= bucket._sleep_amount(amount)
    acquired: bool = _ACQUIRE_TOKEN(bucket, amount, block)
    return acquired


@pytest.fixture(autouse=True)
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore sleeps before each retry, a random part of 1 s, 2 s, 4 s... after a throttle
    (of 50 ms, 100 ms... after other errors: ExponentialBackoff in botocore.retries.standard;
    the sleep itself is in botocore.endpoint), and once throttled, adaptive mode's rate
    limiter makes each call wait for a token (ClientRateLimiter in botocore.retries.adaptive,
    TokenBucket in botocore.retries.bucket). These tests count attempts and check convergence,
    not waiting: each retry's sleep is recorded here instead of slept, and the token bucket
    moves on instead of waiting. Attempts, retry quotas and rates stay botocore's own."""
    requested: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=requested.append))
    monkeypatch.setattr(
        botocore.retries.bucket.TokenBucket, "_acquire", _acquire_token_without_waiting
    )
    return requested


def _stack_config(
    account: EmulatedAccount, target: Path, *, jobs: int, additional_schedules: int
) -> Path:
    """A stack of ``jobs`` copies of the quickstart job, each with more schedules."""
    document = yaml.safe_load(account.configs["daily-report"].read_text(encoding="utf-8"))
    template = document["jobs"].pop("daily-report")
    for index in range(jobs):
        job = dict(template)
        job["additional_schedules"] = [
            {"name": f"every-{minutes}m", "schedule_expression": f"rate({minutes} minutes)"}
            for minutes in range(5, 5 + additional_schedules)
        ]
        document["jobs"][f"report-{index}"] = job
    target.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target


def _desired(config: Path) -> DesiredState:
    return build(loads(config.read_text(encoding="utf-8"), str(config)).stack)


def _paginate(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _tags(pairs: list[dict[str, str]]) -> dict[str, str]:
    return {pair["Key"]: pair["Value"] for pair in pairs}


def _live_inventory(clients: AwsClients, stack: str) -> dict[str, Counter[str]]:
    """What exists and belongs to ``stack``, read with plain AWS calls (not the engine's)."""
    groups = [
        group["Name"]
        for group in _paginate(clients.scheduler, "list_schedule_groups", "ScheduleGroups")
        if _tags(clients.scheduler.list_tags_for_resource(ResourceArn=group["Arn"])["Tags"]).get(
            TAG_STACK
        )
        == stack
    ]
    schedules = Counter(
        f"{group}/{schedule['Name']}"
        for group in groups
        for schedule in _paginate(clients.scheduler, "list_schedules", "Schedules", GroupName=group)
    )
    roles = Counter(
        role["RoleName"]
        for role in _paginate(clients.iam, "list_roles", "Roles")
        if _tags(clients.iam.list_role_tags(RoleName=role["RoleName"])["Tags"]).get(TAG_STACK)
        == stack
    )
    queues = Counter(
        url.rsplit("/", 1)[1]
        for url in clients.sqs.list_queues().get("QueueUrls", [])
        if clients.sqs.list_queue_tags(QueueUrl=url).get("Tags", {}).get(TAG_STACK) == stack
    )
    alarms = Counter(
        alarm["AlarmName"]
        for alarm in _paginate(clients.cloudwatch, "describe_alarms", "MetricAlarms")
        if _tags(
            clients.cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        ).get(TAG_STACK)
        == stack
    )
    return {
        "groups": Counter(groups),
        "schedules": schedules,
        "roles": roles,
        "queues": queues,
        "alarms": alarms,
    }


def _model_inventory(desired: DesiredState) -> dict[str, Counter[str]]:
    by_type: dict[str, Counter[str]] = {
        kind: Counter() for kind in ("groups", "schedules", "roles", "queues", "alarms")
    }
    group_of = {
        resource.job: resource.aws_name
        for resource in desired.resources.values()
        if resource.type == "aws_scheduler_schedule_group"
    }
    for resource in desired.resources.values():
        if resource.type == "aws_scheduler_schedule_group":
            by_type["groups"][resource.aws_name] += 1
        elif resource.type == "aws_scheduler_schedule":
            by_type["schedules"][f"{group_of[resource.job]}/{resource.aws_name}"] += 1
        elif resource.type == "aws_iam_role":
            by_type["roles"][resource.aws_name] += 1
        elif resource.type == "aws_sqs_queue":
            by_type["queues"][resource.aws_name] += 1
        elif resource.type == "aws_cloudwatch_metric_alarm":
            by_type["alarms"][resource.aws_name] += 1
    return by_type


def _assert_converged(desired: DesiredState, clients: AwsClients) -> None:
    after = plan(desired, clients)
    assert after.changes == (), [change.to_json() for change in after.changes]
    assert after.blocked == ()
    assert _live_inventory(clients, desired.stack) == _model_inventory(desired)


# One cheap read per service the engine talks to, covering every wire protocol it meets:
# rest-json, query, json, smithy-rpc-v2-cbor and ec2.
_READ_PER_SERVICE: dict[str, tuple[str, dict[str, Any]]] = {
    "scheduler": ("list_schedule_groups", {}),
    "iam": ("list_roles", {}),
    "sqs": ("list_queues", {}),
    "cloudwatch": ("describe_alarms", {}),
    "ecs": ("list_clusters", {}),
    "ec2": ("describe_vpcs", {}),
    "kms": ("list_keys", {}),
    "sns": ("list_topics", {}),
}


@pytest.fixture(scope="module")
def botocore_session() -> botocore.session.Session:
    """One session for every fault: it reads each service's model once."""
    return botocore.session.get_session()


@pytest.mark.parametrize("fault", ["throttle", "unavailable", "lost_response"])
def test_every_injected_fault_is_one_botocore_retries(
    fresh_aws: str,
    fault: FaultKind,
    botocore_session: botocore.session.Session,
    backoffs: list[float],
) -> None:
    with FaultProxy(fresh_aws, rate=1.0, faults=(fault,)) as proxy:
        config = Config(retries={"mode": "standard", "max_attempts": 2})

        def attempt(service: str) -> dict[str, Any]:
            client = botocore_session.create_client(
                service, region_name=REGION, endpoint_url=proxy.endpoint_url, config=config
            )
            operation, arguments = _READ_PER_SERVICE[service]
            with pytest.raises(ClientError) as raised:
                getattr(client, operation)(**arguments)
            response: dict[str, Any] = raised.value.response
            return response

        with ThreadPoolExecutor(max_workers=len(_READ_PER_SERVICE)) as pool:
            responses = dict(
                zip(_READ_PER_SERVICE, pool.map(attempt, _READ_PER_SERVICE), strict=True)
            )

    assert len(backoffs) == 2 * len(_READ_PER_SERVICE), backoffs  # one before each retry
    for service, response in responses.items():
        code = response["Error"]["Code"]
        status = response["ResponseMetadata"]["HTTPStatusCode"]
        assert response["ResponseMetadata"]["RetryAttempts"] == 2, (service, response)
        if fault == "throttle":
            assert code in _THROTTLING_CODES, (service, code)
        else:
            assert status in {500, 503}, (service, status)


def test_apply_converges_through_throttles_and_server_errors(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    config = tmp_path / "stack.yaml"
    desired = _desired(_stack_config(emulated_account, config, jobs=1, additional_schedules=3))
    with FaultProxy(
        emulated_account.endpoint_url, rate=0.1, faults=("throttle", "unavailable")
    ) as proxy:
        faulty = AwsClients.create(region=REGION, endpoint_url=proxy.endpoint_url)
        apply(plan(desired, faulty), faulty)
        assert plan(desired, faulty).changes == ()

    assert sum(proxy.injected.values()) >= 3, proxy.injected
    assert {kind for _, kind in proxy.injected} == {"throttle", "unavailable"}, proxy.injected
    _assert_converged(desired, emulated_account.clients)


def test_apply_converges_when_responses_are_lost_after_the_call_took_effect(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    config = tmp_path / "stack.yaml"
    desired = _desired(_stack_config(emulated_account, config, jobs=2, additional_schedules=8))
    with FaultProxy(emulated_account.endpoint_url, rate=0.1, faults=("lost_response",)) as proxy:
        faulty = AwsClients.create(region=REGION, endpoint_url=proxy.endpoint_url)
        apply(plan(desired, faulty), faulty)

    assert sum(proxy.injected.values()) >= 5, proxy.injected
    _assert_converged(desired, emulated_account.clients)


# Applies ``argv[1]`` against ``argv[2]``, printing one line per change done, until killed.
_APPLY_IN_CHILD = """
import sys
from ecs_scheduler.engines.aws import AwsClients, apply, plan
from ecs_scheduler.loader import load
from ecs_scheduler.resources import build

desired = build(load(sys.argv[1]).stack)
clients = AwsClients.create(region=sys.argv[3], endpoint_url=sys.argv[2])
pending = plan(desired, clients)
print("changes", len(pending.changes), flush=True)
apply(pending, clients, progress=lambda change: print("done", change.address, flush=True))
print("applied", flush=True)
"""


@pytest.fixture(scope="module")
def python() -> Prewarmed:
    """Forks each applying process from a Python that imported the engine once."""
    return shared()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_apply_killed_at_a_random_point_converges_on_the_next_apply(
    python: Prewarmed, emulated_account: EmulatedAccount, tmp_path: Path, seed: int
) -> None:
    config = _stack_config(
        emulated_account, tmp_path / "stack.yaml", jobs=3, additional_schedules=12
    )
    desired = _desired(config)
    args = [str(config), emulated_account.endpoint_url, REGION]
    with python.piped(args, code=_APPLY_IN_CHILD, cwd=REPO_ROOT) as applying:
        child = applying.child
        first = applying.stdout.readline().split()
        assert first[:1] == ["changes"], applying.ended()
        total = int(first[1])
        kill_after = random.Random(seed).randrange(total)
        done = 0
        while done < kill_after:
            line = applying.stdout.readline()
            assert line.startswith("done"), (line, applying.ended())
            done += 1
        child.send_signal(signal.SIGKILL)
        rest, _ = applying.ended()
    assert child.returncode == -signal.SIGKILL
    assert "applied" not in rest.split()

    apply(plan(desired, emulated_account.clients), emulated_account.clients)
    _assert_converged(desired, emulated_account.clients)
