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
from dataclasses import dataclass
from types import TracebackType

from tests.engines.aws.forwarding import ForwardingHandler, LoopbackServer, upstream_address

_WRITE_VERBS = ("Create", "Put", "Update", "Delete", "Tag", "Untag", "Set", "Attach", "Detach")
_QUERY_ACTION = re.compile(rb"(?:^|&)Action=(\w+)")
_CBOR_OPERATION = re.compile(r"/operation/(\w+)$")


@dataclass
class Call:
    operation: str
    write: bool
    arrived: float  # time.monotonic() when the proxy received it
    answered: bool = False  # the whole answer was written back to the client


class SlowProxy(LoopbackServer):
    def __init__(self, upstream: str, *, write_delay: float, read_delay: float = 0) -> None:
        self.write_delay = write_delay
        self.read_delay = read_delay
        self.calls: list[Call] = []
        self.most_concurrent_writes = 0
        self._writes_in_flight = 0
        self.lock = threading.Lock()
        # Notified at each call's arrival: a test waits for calls without polling the log.
        self._arrival = threading.Condition(self.lock)
        # Set on exit: a request still held then is dropped, never forwarded late, so a
        # write held past its test cannot reach the emulator during the next test.
        self.closed = threading.Event()
        super().__init__(_handler_for(self, upstream_address(upstream)))

    def snapshot(self) -> list[Call]:
        with self.lock:
            return list(self.calls)

    def writes(self) -> int:
        return sum(call.write for call in self.snapshot())

    def wait_for_calls(self, count: int, *, only_writes: bool, timeout: float) -> bool:
        """Whether ``count`` calls (writes, with ``only_writes``) have arrived, waiting up to
        ``timeout`` seconds for them; it returns as the last of them arrives."""
        with self._arrival:
            return self._arrival.wait_for(
                lambda: sum(call.write or not only_writes for call in self.calls) >= count, timeout
            )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.closed.set()
        super().__exit__(exc_type, exc, traceback)


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


def _handler_for(proxy: SlowProxy, upstream: tuple[str, int]) -> type[ForwardingHandler]:
    class Handler(ForwardingHandler):
        def handle_request(self, body: bytes) -> None:
            operation = _operation(self.command, self.path, self.headers, body)
            write = (
                operation.startswith(_WRITE_VERBS)
                or self.command in {"PUT", "DELETE"}
                or (self.command == "POST" and operation.startswith("POST "))
            )
            call = Call(operation, write, time.monotonic())
            with proxy.lock:
                proxy.calls.append(call)
                proxy._arrival.notify_all()
                if write:
                    proxy._writes_in_flight += 1
                    proxy.most_concurrent_writes = max(
                        proxy.most_concurrent_writes, proxy._writes_in_flight
                    )
            try:
                if proxy.closed.wait(proxy.write_delay if write else proxy.read_delay):
                    return
                # ``answered`` stays False when the client went away before its answer.
                call.answered = self.answer(*self.forward(body))
            finally:
                if write:
                    with proxy.lock:
                        proxy._writes_in_flight -= 1

    Handler.upstream = upstream
    return Handler
