"""Plan under permissions scoped to the stack's names: schedule groups of others are not read,
and one whose tags may not be read is reported instead of aborting the plan.

AccessDenied comes from a real HTTP proxy in front of the emulator that answers
ListTagsForResource (``GET /tags/<arn>``) as EventBridge Scheduler's rest-json protocol does
for a caller without the permission.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ecs_scheduler.engines.aws import AwsClients, plan
from tests.conftest import REGION, EmulatedAccount
from tests.engines.aws.conftest import DesiredFactory
from tests.engines.aws.forwarding import ForwardingHandler, LoopbackServer, upstream_address


@contextmanager
def denying_tag_reads(
    upstream: str, denied: Callable[[str], bool], seen: list[str]
) -> Iterator[str]:
    """A proxy to ``upstream`` that records every tag read's ARN and denies those ``denied``."""

    class Handler(ForwardingHandler):
        def handle_request(self, body: bytes) -> None:
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            if self.command == "GET" and path.startswith("/tags/arn:aws:scheduler:"):
                arn = path.removeprefix("/tags/")
                seen.append(arn)
                if denied(arn):
                    self.answer(
                        403,
                        [
                            ("Content-Type", "application/json"),
                            ("x-amzn-ErrorType", "AccessDeniedException"),
                        ],
                        b'{"message": "not authorized to perform scheduler:ListTagsForResource"}',
                    )
                    return
            self.answer(*self.forward(body))

    Handler.upstream = upstream_address(upstream)
    with LoopbackServer(Handler) as server:
        yield server.endpoint_url


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
