"""An HTTP proxy on 127.0.0.1 that forwards to the emulator and makes a fraction of calls fail.

Each failure is shaped as the service's own protocol would send it, so botocore parses it
the way it parses AWS's: its retry modes treat HTTP 500/502/503/504 as transient and the
throttling codes (``Throttling``, ``ThrottlingException``, ... or HTTP 429) as throttles.

- ``throttle``: the call is not forwarded; the answer is the protocol's throttling error.
- ``unavailable``: the call is not forwarded; the answer is HTTP 503.
- ``lost_response``: the call *is* forwarded and done, but the answer is replaced by HTTP 500,
  as when a response is lost on the way back; the retry then meets the call's own effect.
"""

from __future__ import annotations

import http.client
import json
import math
import re
import threading
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal

FaultKind = Literal["throttle", "unavailable", "lost_response"]
ALL_FAULTS: tuple[FaultKind, ...] = ("throttle", "unavailable", "lost_response")

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


class FaultProxy:
    """Forwards to ``upstream``; exactly ``rate`` of the calls fail, evenly spread.

    The n-th call fails when ``floor(n * rate)`` steps up, and the failures take the kinds of
    ``faults`` in turn, so a run of N calls meets ``floor(N * rate)`` faults of every kind
    whatever the thread interleaving (which calls they hit still varies).
    """

    def __init__(
        self,
        upstream: str,
        *,
        rate: float,
        faults: Sequence[FaultKind] = ALL_FAULTS,
    ) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.hostname is None or parsed.port is None:
            raise ValueError(f"upstream must be http://host:port, not {upstream}")
        self.upstream_host, self.upstream_port = parsed.hostname, parsed.port
        self.rate = rate
        self.faults = tuple(faults)
        self.injected: Counter[tuple[str, FaultKind]] = Counter()  # (service, kind) -> count
        self.forwarded = 0
        self._calls = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def choose_fault(self, service: str) -> FaultKind | None:
        with self._lock:
            self._calls += 1
            if math.floor(self._calls * self.rate) == math.floor((self._calls - 1) * self.rate):
                self.forwarded += 1
                return None
            fault = self.faults[sum(self.injected.values()) % len(self.faults)]
            self.injected[(service, fault)] += 1
            return fault

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def do_PUT(self) -> None:
            self._handle()

        def do_DELETE(self) -> None:
            self._handle()

        def do_PATCH(self) -> None:
            self._handle()

        def log_message(self, format: str, *args: object) -> None:
            """Silent: the tests count faults instead of reading a log."""

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            scope = _CREDENTIAL_SCOPE.search(self.headers.get("Authorization", ""))
            service = scope.group(1) if scope else "unknown"
            fault = proxy.choose_fault(service)
            if fault in (None, "lost_response"):
                status, headers, payload = self._forward(body)
                if fault is None:
                    self._answer(status, headers, payload)
                    return
            status, headers, payload = _error_response(
                fault or "unavailable", service, self.headers
            )
            self._answer(status, headers, payload)

        def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            connection = http.client.HTTPConnection(
                proxy.upstream_host, proxy.upstream_port, timeout=60
            )
            try:
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() not in _HOP_BY_HOP
                }
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                kept = [
                    (name, value)
                    for name, value in response.getheaders()
                    if name.lower() not in _HOP_BY_HOP | {"content-length"}
                ]
                return response.status, kept, payload
            finally:
                connection.close()

        def _answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _error_response(
    fault: FaultKind, service: str, request_headers: Message
) -> tuple[int, list[tuple[str, str]], bytes]:
    """The error as the service's protocol carries it (botocore parses code and message)."""
    if fault == "throttle":
        status, message = 400, "Rate exceeded"
    elif fault == "unavailable":
        status, message = 503, "Service is unavailable, try again later"
    else:
        status, message = 500, "We encountered an internal error, please try again"
    request_id = "fault-proxy-request"
    content_type = request_headers.get("Content-Type", "")

    if request_headers.get("smithy-protocol") == "rpc-v2-cbor":
        code = "ThrottlingException" if fault == "throttle" else "InternalFailure"
        return (
            status,
            [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")],
            _cbor_text_map({"__type": code, "message": message}),
        )
    if request_headers.get("X-Amz-Target"):
        code = "ThrottlingException" if fault == "throttle" else "InternalFailure"
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, [("Content-Type", content_type or "application/x-amz-json-1.1")], body
    if content_type.startswith("application/x-www-form-urlencoded"):
        code = (
            "RequestLimitExceeded"
            if fault == "throttle" and service == "ec2"
            else "Throttling"
            if fault == "throttle"
            else "InternalFailure"
        )
        if service == "ec2":
            xml = (
                f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
                f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
            )
        else:
            xml = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
                "</ErrorResponse>"
            )
        return status, [("Content-Type", "text/xml")], xml.encode()
    # rest-json (EventBridge Scheduler): the code travels in a header, 429 for throttles.
    if fault == "throttle":
        status, code = 429, "ThrottlingException"
    else:
        code = "InternalServerException"
    return (
        status,
        [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)],
        json.dumps({"message": message}).encode(),
    )


def _cbor_text_map(values: dict[str, str]) -> bytes:
    """RFC 8949 encoding of a small map of text to text (all the error body needs)."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + length.to_bytes(2, "big")

    encoded = head(5, len(values))
    for key, value in values.items():
        for text in (key, value):
            raw = text.encode()
            encoded += head(3, len(raw)) + raw
    return encoded
