"""The boto3 clients the engine talks to, created once and shared by every worker thread."""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config


@dataclass
class ApiCallCounter:
    """Counts the API calls made through the clients, by ``service.Operation``."""

    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, model: Any, **_: Any) -> None:
        name = f"{model.service_model.service_name}.{model.name}"
        with self._lock:
            self.calls[name] += 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())


@dataclass(frozen=True)
class AwsClients:
    scheduler: Any
    iam: Any
    sqs: Any
    cloudwatch: Any
    ecs: Any
    ec2: Any
    kms: Any
    sns: Any
    sts: Any
    events: Any
    region: str
    endpoint_url: str | None
    api_calls: ApiCallCounter = field(default_factory=ApiCallCounter, compare=False)

    @classmethod
    def create(
        cls,
        *,
        region: str,
        profile: str | None = None,
        endpoint_url: str | None = None,
        max_pool_connections: int = 32,
    ) -> AwsClients:
        endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        session = boto3.session.Session(profile_name=profile, region_name=region)
        # Adaptive mode adds client-side rate limiting on top of retrying throttles and 5xx.
        config = Config(
            retries={"mode": "adaptive", "max_attempts": 10},
            max_pool_connections=max_pool_connections,
        )
        counter = ApiCallCounter()

        def client(service: str) -> Any:
            made = session.client(service, endpoint_url=endpoint, config=config)
            made.meta.events.register("before-call", counter.record)
            return made

        return cls(
            scheduler=client("scheduler"),
            iam=client("iam"),
            sqs=client("sqs"),
            cloudwatch=client("cloudwatch"),
            ecs=client("ecs"),
            ec2=client("ec2"),
            kms=client("kms"),
            sns=client("sns"),
            sts=client("sts"),
            events=client("events"),
            region=region,
            endpoint_url=endpoint,
            api_calls=counter,
        )
