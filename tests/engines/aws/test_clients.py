"""The clients every engine call goes through: endpoint choice, retry mode, call counting."""

from __future__ import annotations

import pytest

from ecs_scheduler.engines.aws import AwsClients


def test_the_endpoint_falls_back_to_aws_endpoint_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")

    clients = AwsClients.create(region="eu-west-1")

    assert clients.endpoint_url == "http://127.0.0.1:4566"
    assert clients.scheduler.meta.endpoint_url == "http://127.0.0.1:4566"
    assert clients.region == "eu-west-1"
    assert clients.sqs.meta.region_name == "eu-west-1"


def test_an_explicit_endpoint_wins_and_retries_are_adaptive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")

    clients = AwsClients.create(region="us-east-1", endpoint_url="http://127.0.0.1:5000")

    assert clients.endpoint_url == "http://127.0.0.1:5000"
    retries = clients.iam.meta.config.retries
    assert retries["mode"] == "adaptive"
    # botocore's ``max_attempts`` counts retries; the first attempt comes on top.
    assert retries["total_max_attempts"] == 11


def test_api_calls_are_counted_by_operation(fresh_aws: str) -> None:
    clients = AwsClients.create(region="us-east-1", endpoint_url=fresh_aws)

    clients.sqs.list_queues()
    clients.sqs.list_queues()
    clients.scheduler.list_schedule_groups()

    assert clients.api_calls.total == 3
    assert clients.api_calls.calls["sqs.ListQueues"] == 2
    assert clients.api_calls.calls["scheduler.ListScheduleGroups"] == 1
