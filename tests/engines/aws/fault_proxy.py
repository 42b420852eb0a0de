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

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from email.message import Message
from typing import Literal

from tests.engines.aws.forwarding import ForwardingHandler, LoopbackServer, upstream_address

FaultKind = Literal["throttle", "unavailable", "lost_response"]
ALL_FAULTS: tuple[FaultKind, ...] = ("throttle", "unavailable", "lost_response")

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


class FaultProxy(LoopbackServer):
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
        self.rate = rate
        self.faults = tuple(faults)
        self.injected: Counter[tuple[str, FaultKind]] = Counter()  # (service, kind) -> count
        self.forwarded = 0
        self._calls = 0
        self._lock = threading.Lock()
        super().__init__(_handler_for(self, upstream_address(upstream)))

    def choose_fault(self, service: str) -> FaultKind | None:
        with self._lock:
            self._calls += 1
            if math.floor(self._calls * self.rate) == math.floor((self._calls - 1) * self.rate):
                self.forwarded += 1
                return None
            fault = self.faults[sum(self.injected.values()) % len(self.faults)]
            self.injected[(service, fault)] += 1
            return fault


def _handler_for(proxy: FaultProxy, upstream: tuple[str, int]) -> type[ForwardingHandler]:
    class Handler(ForwardingHandler):
        def handle_request(self, body: bytes) -> None:
            scope = _CREDENTIAL_SCOPE.search(self.headers.get("Authorization", ""))
            service = scope.group(1) if scope else "unknown"
            fault = proxy.choose_fault(service)
            if fault in (None, "lost_response"):
                status, headers, payload = self.forward(body)
                if fault is None:
                    self.answer(status, headers, payload)
                    return
            self.answer(*_error_response(fault or "unavailable", service, self.headers))

    Handler.upstream = upstream
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
