"""Clients made again in the same process read none of botocore's model files again."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.loaders import JSONFileLoader

from ecs_scheduler.engines.aws.clients import _SHARED_LOADER, AwsClients
from tests.conftest import REGION


def test_a_second_set_of_clients_reads_no_model_file(monkeypatch: pytest.MonkeyPatch) -> None:
    first = AwsClients.create(region=REGION, endpoint_url="http://127.0.0.1:9")
    assert first.sqs.meta.service_model.service_name == "sqs"
    assert first.scheduler.meta.service_model.service_name == "scheduler"
    read: list[str] = []
    original = JSONFileLoader.load_file

    def counting(self: JSONFileLoader, file_path: str) -> object:
        read.append(file_path)
        return original(self, file_path)

    monkeypatch.setattr(JSONFileLoader, "load_file", counting)

    second = AwsClients.create(region=REGION, endpoint_url="http://127.0.0.1:9")
    assert second.sqs.meta.service_model.service_name == "sqs"
    assert second.scheduler.meta.service_model.service_name == "scheduler"
    assert second.sqs is not first.sqs  # each set has clients of its own

    assert read == []


def test_the_shared_search_path_does_not_grow_with_each_session() -> None:
    AwsClients.create(region=REGION, endpoint_url="http://127.0.0.1:9")
    paths = list(_SHARED_LOADER.search_paths)

    for _ in range(3):
        AwsClients.create(region=REGION, endpoint_url="http://127.0.0.1:9")

    assert _SHARED_LOADER.search_paths == paths
    assert len(paths) == len(set(paths))


def test_a_users_own_model_directory_keeps_its_own_loader(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """AWS_DATA_PATH (botocore's data_path) is searched first, as a plain boto3 session does."""
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))

    clients = AwsClients.create(region=REGION, endpoint_url="http://127.0.0.1:9")

    loader = clients.sqs._loader
    assert loader is not _SHARED_LOADER
    assert loader.search_paths[0] == str(tmp_path)
