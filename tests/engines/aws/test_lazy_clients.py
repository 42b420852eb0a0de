"""Clients are made on first use, once, however many threads ask at the same time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from ecs_scheduler.engines.aws import AwsClients


def test_a_client_is_made_on_first_use_only_once_across_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[str] = []
    lock = threading.Lock()
    make = boto3.session.Session.client

    def counting(self: boto3.session.Session, service: str, **kwargs: Any) -> Any:
        with lock:
            made.append(service)
        return make(self, service, **kwargs)

    monkeypatch.setattr(boto3.session.Session, "client", counting)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    clients = AwsClients.create(region="us-east-1", endpoint_url="http://127.0.0.1:9")
    assert made == []

    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(lambda _: clients.sqs, range(32)))

    assert made == ["sqs"]
    assert all(client is seen[0] for client in seen)
    assert clients.sqs.meta.region_name == "us-east-1"
    assert clients.iam is clients.iam
    assert made == ["sqs", "iam"]
