"""The embedded emulator serves a client's calls on one kept-open connection, with no per-call
listing of moto's files or of a service's methods, and still stops promptly."""

from __future__ import annotations

import http.client
import inspect
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import moto.backends
import pytest

from ecs_scheduler import local
from ecs_scheduler.engines.aws import AwsClients
from ecs_scheduler.engines.aws.errors import EndpointError
from ecs_scheduler.local import Emulator
from tests.conftest import REGION

CALLS = 20
# An unsigned-looking but well-formed STS call: moto reads the service and region from the
# credential scope of the Authorization header and checks no signature.
GET_CALLER_IDENTITY = b"Action=GetCallerIdentity&Version=2011-06-15"
STS_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, "
        "SignedHeaders=host, Signature=0"
    ),
}


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


def _port(endpoint_url: str) -> int:
    port = urllib.parse.urlsplit(endpoint_url).port
    assert port is not None
    return port


def test_a_clients_calls_share_one_connection_and_one_server_thread(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = AwsClients.create(region=REGION, endpoint_url=emulator.endpoint_url)
    clients.sts.get_caller_identity()  # the client exists and its connection is open
    connects = _counting(monkeypatch, socket.socket, "connect", _port(emulator.endpoint_url))
    threads_before = threading.active_count()

    for _ in range(CALLS):
        assert clients.sts.get_caller_identity()["Account"] == "123456789012"

    assert connects == []  # werkzeug alone closes after each answer: CALLS connections
    assert threading.active_count() <= threads_before


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


def _sts_call(connection: http.client.HTTPConnection, **headers: str) -> http.client.HTTPResponse:
    connection.request("POST", "/", body=GET_CALLER_IDENTITY, headers={**STS_HEADERS, **headers})
    response = connection.getresponse()
    assert response.status == 200
    assert b"<Account>123456789012</Account>" in response.read()
    return response


def test_the_connection_stays_open_unless_the_client_closes_it(emulator: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", _port(emulator.endpoint_url), timeout=10)
    try:
        first = _sts_call(connection)
        opened = connection.sock
        second = _sts_call(connection)
        assert not first.will_close and not second.will_close
        assert connection.sock is opened  # the second call went over the same socket
        last = _sts_call(connection, Connection="close")
        assert last.will_close
    finally:
        connection.close()


def test_a_chunked_request_is_answered_and_its_connection_closed(emulator: Emulator) -> None:
    """Its length is not known before the body is read: served as werkzeug serves it."""
    connection = http.client.HTTPConnection("127.0.0.1", _port(emulator.endpoint_url), timeout=10)
    try:
        connection.request(
            "POST", "/", body=iter([GET_CALLER_IDENTITY]), headers=STS_HEADERS, encode_chunked=True
        )
        response = connection.getresponse()
        assert response.status == 200
        assert b"<Account>123456789012</Account>" in response.read()
        assert response.will_close
    finally:
        connection.close()


def test_a_stopped_emulator_answers_no_connection_a_client_kept_open() -> None:
    emulator = Emulator().start()
    clients = AwsClients.create(region=REGION, endpoint_url=emulator.endpoint_url)
    assert clients.sts.get_caller_identity()["Account"] == "123456789012"

    emulator.stop()

    with pytest.raises(EndpointError, match="Could not connect"):
        clients.sts.get_caller_identity()


def test_a_connection_left_idle_is_closed_and_the_next_call_reconnects(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "_IDLE_CONNECTION_SECONDS", 0.2)
    clients = AwsClients.create(region=REGION, endpoint_url=emulator.endpoint_url)
    clients.sts.get_caller_identity()  # opens the connection, which then waits 0.2 s at most
    connects = _counting(monkeypatch, socket.socket, "connect", _port(emulator.endpoint_url))
    time.sleep(1)

    assert clients.sts.get_caller_identity()["Account"] == "123456789012"
    assert len(connects) == 1  # a new connection, not an error
    assert clients.api_calls.total == 2


def test_an_error_after_a_kept_open_request_closes_the_connection(emulator: Emulator) -> None:
    """A header line too long is answered by http.server itself, with "Connection: close",
    which a request kept open before must not take away."""
    connection = http.client.HTTPConnection("127.0.0.1", _port(emulator.endpoint_url), timeout=10)
    try:
        _sts_call(connection)
        connection.request("POST", "/", body=b"", headers={"X-Long": "x" * 70_000})
        response = connection.getresponse()
        assert response.status == 431
        assert response.will_close
    finally:
        connection.close()


def test_an_http_1_0_client_is_answered_and_its_connection_closed(emulator: Emulator) -> None:
    """HTTP/1.0 keeps a connection open only when the answer says so; this one never does."""
    with socket.create_connection(("127.0.0.1", _port(emulator.endpoint_url)), timeout=10) as raw:
        head = "".join(f"{name}: {value}\r\n" for name, value in STS_HEADERS.items())
        raw.sendall(
            f"POST / HTTP/1.0\r\nConnection: keep-alive\r\n{head}"
            f"Content-Length: {len(GET_CALLER_IDENTITY)}\r\n\r\n".encode()
            + GET_CALLER_IDENTITY
        )
        answer = b""
        while chunk := raw.recv(65536):  # ends only when the server closes the connection
            answer += chunk
    assert b"<Account>123456789012</Account>" in answer


def test_a_stopped_emulators_port_can_be_taken_again_at_once(free_port: int) -> None:
    """The connections it closed itself linger on its port (TIME_WAIT), as `local --port`
    stopped by Ctrl-C and started again meets them."""
    first = Emulator(port=free_port).start()
    clients = AwsClients.create(region=REGION, endpoint_url=first.endpoint_url)
    clients.sts.get_caller_identity()
    first.stop()  # closes the connection the clients keep open, before they do

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
