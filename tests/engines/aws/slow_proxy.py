"""An HTTP proxy on 127.0.0.1 that forwards every call to the emulator, holding writes a while.

Writes are slow enough that a batch of them is in flight at any moment, so a signal sent during
an apply lands mid-batch; reads pass at once (unless told otherwise), to keep the plan short.
The proxy keeps a log of every call (when it arrived, whether its answer reached the client)
and the largest number of writes it held at once.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}
_WRITE_VERBS = ("Create", "Put", "Update", "Delete", "Tag", "Untag", "Set", "Attach", "Detach")
_QUERY_ACTION = re.compile(rb"(?:^|&)Action=(\w+)")
_CBOR_OPERATION = re.compile(r"/operation/(\w+)$")


@dataclass
class Call:
    operation: str
    write: bool
    arrived: float  # time.monotonic() when the proxy received it
    answered: bool = False  # the whole answer was written back to the client


class SlowProxy:
    def __init__(self, upstream: str, *, write_delay: float, read_delay: float = 0) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.hostname is None or parsed.port is None:
            raise ValueError(f"upstream must be http://host:port, not {upstream}")
        self.upstream_host, self.upstream_port = parsed.hostname, parsed.port
        self.write_delay = write_delay
        self.read_delay = read_delay
        self.calls: list[Call] = []
        self.most_concurrent_writes = 0
        self._writes_in_flight = 0
        self.lock = threading.Lock()
        # Set on exit: a request still held then is dropped, never forwarded late, so a
        # write held past its test cannot reach the emulator during the next test.
        self.closed = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def snapshot(self) -> list[Call]:
        with self.lock:
            return list(self.calls)

    def writes(self) -> int:
        return sum(call.write for call in self.snapshot())

    def __enter__(self) -> SlowProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.closed.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _operation(method: str, path: str, headers: http.client.HTTPMessage, body: bytes) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    action = _QUERY_ACTION.search(body)
    if action:
        return action.group(1).decode()
    operation = _CBOR_OPERATION.search(path)
    if operation:
        return operation.group(1)
    return f"{method} {path.split('?', maxsplit=1)[0]}"  # rest-json (EventBridge Scheduler)


def _handler_for(proxy: SlowProxy) -> type[BaseHTTPRequestHandler]:
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
            """Silent: the tests read the call log instead."""

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            operation = _operation(self.command, self.path, self.headers, body)
            write = (
                operation.startswith(_WRITE_VERBS)
                or self.command in {"PUT", "DELETE"}
                or (self.command == "POST" and operation.startswith("POST "))
            )
            call = Call(operation, write, time.monotonic())
            with proxy.lock:
                proxy.calls.append(call)
                if write:
                    proxy._writes_in_flight += 1
                    proxy.most_concurrent_writes = max(
                        proxy.most_concurrent_writes, proxy._writes_in_flight
                    )
            try:
                if proxy.closed.wait(proxy.write_delay if write else proxy.read_delay):
                    return
                self._answer(call, *self._forward(body))
            finally:
                if write:
                    with proxy.lock:
                        proxy._writes_in_flight -= 1

        def _answer(
            self, call: Call, status: int, headers: list[tuple[str, str]], payload: bytes
        ) -> None:
            try:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
            except OSError:
                return  # the client went away before its answer: ``answered`` stays False
            call.answered = True

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

    return Handler
