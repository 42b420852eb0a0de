"""What every test proxy on 127.0.0.1 shares: take a request, forward it upstream, answer.

Each proxy subclasses :class:`ForwardingHandler` and decides in ``handle_request`` what to do
with a call (forward it, delay it, fail it, deny it); :class:`LoopbackServer` runs the
handler on a free port until the ``with`` block ends.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar, Self

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}
Answer = tuple[int, list[tuple[str, str]], bytes]


def upstream_address(upstream: str) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(upstream)
    if parsed.hostname is None or parsed.port is None:
        raise ValueError(f"upstream must be http://host:port, not {upstream}")
    return parsed.hostname, parsed.port


class ForwardingHandler(BaseHTTPRequestHandler):
    """Every method goes to ``handle_request``; ``forward`` and ``answer`` do the HTTP work."""

    protocol_version = "HTTP/1.1"
    upstream: ClassVar[tuple[str, int]]

    def do_GET(self) -> None:
        self._read_and_handle()

    def do_POST(self) -> None:
        self._read_and_handle()

    def do_PUT(self) -> None:
        self._read_and_handle()

    def do_DELETE(self) -> None:
        self._read_and_handle()

    def do_PATCH(self) -> None:
        self._read_and_handle()

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the tests read what the proxies record instead."""

    def _read_and_handle(self) -> None:
        self.handle_request(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def handle_request(self, body: bytes) -> None:
        self.answer(*self.forward(body))

    def forward(self, body: bytes) -> Answer:
        """The upstream's answer to this request, without hop-by-hop headers."""
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() not in HOP_BY_HOP
            }
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            kept = [
                (name, value)
                for name, value in response.getheaders()
                if name.lower() not in HOP_BY_HOP | {"content-length"}
            ]
            return response.status, kept, payload
        finally:
            connection.close()

    def answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> bool:
        """Send the answer; False when the client went away before it."""
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            return False
        return True


class LoopbackServer:
    """``handler`` served on a free 127.0.0.1 port while the ``with`` block runs."""

    def __init__(self, handler: type[ForwardingHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # serve_forever looks for a shutdown request between polls, every 0.5 s by default;
        # leaving the ``with`` block then waits for the next one.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
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
