"""One region per stack, checked by the engine: a library caller gets an error, never a plan or
outputs read from clients of another region (where nothing of the stack can be found)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecs_scheduler.engines.aws import AwsClients, AwsEngineError, plan, read_outputs
from ecs_scheduler.engines.aws.operations import read_dead_letters
from ecs_scheduler.engines.aws.region import job_regions, stack_region
from ecs_scheduler.loader import load
from ecs_scheduler.resources import DesiredState, build
from tests.conftest import EXAMPLES_DIR


def desired_of(text: str, tmp_path: Path) -> DesiredState:
    path = tmp_path / "stack.yaml"
    path.write_text(text, encoding="utf-8")
    return build(load(path).stack)


def two_regions(tmp_path: Path) -> DesiredState:
    """The quickstart, plus the same job in eu-west-1 under another key."""
    text = (EXAMPLES_DIR / "daily-report.yaml").read_text(encoding="utf-8")
    job = text[text.index("  daily-report:\n") :]
    other = (
        job.replace("  daily-report:\n", "  eu-report:\n", 1)
        .replace("us-east-1", "eu-west-1")
        .replace("use1", "euw1")
    )
    return desired_of(text + other, tmp_path)


def test_each_job_has_the_region_of_its_cluster(tmp_path: Path) -> None:
    desired = two_regions(tmp_path)

    assert job_regions(desired) == {"daily-report": "us-east-1", "eu-report": "eu-west-1"}
    with pytest.raises(AwsEngineError, match=r"must share one region") as refused:
        stack_region(desired)
    assert "eu-west-1 (eu-report); us-east-1 (daily-report)" in str(refused.value)


def test_a_requested_region_must_be_the_clusters_region() -> None:
    desired = build(load(EXAMPLES_DIR / "daily-report.yaml").stack)

    assert stack_region(desired) == "us-east-1"
    assert stack_region(desired, "us-east-1") == "us-east-1"
    with pytest.raises(AwsEngineError, match=r"^--region eu-west-1 disagrees with the clusters'"):
        stack_region(desired, "eu-west-1")


def test_the_engine_refuses_clients_of_another_region_before_any_call(moto_endpoint: str) -> None:
    desired = build(load(EXAMPLES_DIR / "daily-report.yaml").stack)
    clients = AwsClients.create(region="eu-west-1", endpoint_url=moto_endpoint)

    for entry_point in (
        lambda: plan(desired, clients),
        lambda: read_outputs(desired, clients),
        lambda: read_dead_letters(desired, clients, "daily-report"),
    ):
        with pytest.raises(AwsEngineError, match=r"clients are for eu-west-1, but the clusters"):
            entry_point()
    assert clients.api_calls.total == 0
