"""Plan under permissions scoped to the stack's names: schedule groups of others are not read,
and one whose tags may not be read is reported instead of aborting the plan.

AccessDenied comes from a real HTTP proxy in front of the emulator that answers
ListTagsForResource (``GET /tags/<arn>``) as EventBridge Scheduler's rest-json protocol does
for a caller without the permission.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ecs_scheduler.engines.aws import AwsClients, plan
from tests.conftest import REGION, EmulatedAccount
from tests.engines.aws.conftest import DesiredFactory

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


@contextmanager
def denying_tag_reads(
    upstream: str, denied: Callable[[str], bool], seen: list[str]
) -> Iterator[str]:
    """A proxy to ``upstream`` that records every tag read's ARN and denies those ``denied``."""
    target = urllib.parse.urlsplit(upstream)

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

        def log_message(self, format: str, *args: object) -> None:
            """Silent."""

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            if self.command == "GET" and path.startswith("/tags/arn:aws:scheduler:"):
                arn = path.removeprefix("/tags/")
                seen.append(arn)
                if denied(arn):
                    self._answer(
                        403,
                        [
                            ("Content-Type", "application/json"),
                            ("x-amzn-ErrorType", "AccessDeniedException"),
                        ],
                        b'{"message": "not authorized to perform scheduler:ListTagsForResource"}',
                    )
                    return
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
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
                self._answer(response.status, kept, payload)
            finally:
                connection.close()

        def _answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_plan_reads_only_groups_that_could_be_the_stacks_and_reports_denied_ones(
    prerequisites: EmulatedAccount, clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    others = clients.scheduler.create_schedule_group(Name="payments-nightly")["ScheduleGroupArn"]
    # Named as the naming standard would name a job of this stack: its tags must be read.
    lookalike_name = f"acme-analytics-internal-use1-{desired.stack}_audit"
    lookalike = clients.scheduler.create_schedule_group(Name=lookalike_name)["ScheduleGroupArn"]
    seen: list[str] = []

    # The permissions the docs advise: tags only of groups named like the stack's.
    with denying_tag_reads(
        prerequisites.endpoint_url, lambda arn: arn in {others, lookalike}, seen
    ) as endpoint:
        scoped = AwsClients.create(region=REGION, endpoint_url=endpoint)
        planned = plan(desired, scoped)

    assert others not in seen
    assert lookalike in seen
    assert planned.notes == (
        f"schedule group {lookalike_name}: its tags could not be read (AccessDeniedException), "
        "so it is taken as not this stack's; if it is, grant scheduler:ListTagsForResource on "
        "it.",
    )
    assert planned.blocked == ()
    assert planned.summary()["create"] == len(desired.resources)
