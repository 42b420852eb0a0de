"""The embedded emulator serves calls with no per-call listing of moto's files or of a
service's methods, stops, and frees its port at once."""

from __future__ import annotations

import inspect
import socket
from collections.abc import Callable
from typing import Any

import moto.backends
import pytest

from ecs_scheduler.engines.aws import AwsClients
from ecs_scheduler.engines.aws.errors import EndpointError
from ecs_scheduler.local import Emulator
from tests.conftest import REGION

CALLS = 20


def _counting(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, port: int | None = None
) -> list[object]:
    """Record each call of ``owner.name`` (for ``connect``: those to ``port`` only)."""
    calls: list[object] = []
    original: Callable[..., Any] = getattr(owner, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        if port is None or (len(args) > 1 and isinstance(args[1], tuple) and args[1][1] == port):
            calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


def test_a_call_to_a_known_service_lists_neither_moto_nor_the_services_methods(
    emulator_clients: AwsClients, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator_clients.sqs.list_queues()  # the host and the response class have been seen
    listings = _counting(monkeypatch, moto.backends, "list_of_moto_modules")
    inspections = _counting(monkeypatch, inspect, "getmembers")

    for _ in range(CALLS):
        emulator_clients.sqs.list_queues()

    assert listings == []
    assert inspections == []


def test_a_stopped_emulator_answers_no_call() -> None:
    emulator = Emulator().start()
    clients = AwsClients.create(region=REGION, endpoint_url=emulator.endpoint_url)
    assert clients.sts.get_caller_identity()["Account"] == "123456789012"

    emulator.stop()

    with pytest.raises(EndpointError, match="Could not connect"):
        clients.sts.get_caller_identity()


def test_a_stopped_emulators_port_can_be_taken_again_at_once(free_port: int) -> None:
    """The connections it served linger on its port (TIME_WAIT), as `local --port` stopped
    by Ctrl-C and started again meets them."""
    first = Emulator(port=free_port).start()
    clients = AwsClients.create(region=REGION, endpoint_url=first.endpoint_url)
    clients.sts.get_caller_identity()
    first.stop()

    second = Emulator(port=free_port).start()
    try:
        assert clients.sts.get_caller_identity()["Account"] == "123456789012"
    finally:
        second.stop()


@pytest.fixture
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
