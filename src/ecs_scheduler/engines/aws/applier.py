"""Execute a plan: creates and updates in dependency order, deletes in reverse, concurrently.

Every write is idempotent so that an apply interrupted at any point converges when run again:
a create that finds its resource already there falls through to an update if the resource
carries this stack's ownership tags (an earlier, interrupted apply made it), a delete that
finds nothing left is done. AWS may change between plan and apply (the confirmation prompt
waits as long as the person takes): a create that meets a resource someone else made under
its name in the meantime, or a dead-letter queue that received messages, stops that job's
remaining changes and is reported in :attr:`ApplyResult.blocked`.

How each kind is written is its service module's (``registry``); this module orders the
changes, runs them concurrently and makes each one a create or an update.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from queue import Empty, SimpleQueue
from typing import Final

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws.adoption import check_still_adoptable
from ecs_scheduler.engines.aws.clients import AwsClients, CallGuard
from ecs_scheduler.engines.aws.errors import (
    ApplyInterruptedError,
    AwsEngineError,
    InterruptedByUserError,
)
from ecs_scheduler.engines.aws.planner import Change, Plan
from ecs_scheduler.engines.aws.registry import OPERATIONS
from ecs_scheduler.engines.aws.retire import (
    Clock,
    RetireChange,
    RetireStoppedError,
    Sleep,
    retire,
    system_clock,
)
from ecs_scheduler.engines.aws.service import (
    QUEUE,
    LiveResource,
    UnsafeNowError,
    WriteContext,
    error_code,
)
from ecs_scheduler.engines.aws.sqs import queue_messages
from ecs_scheduler.kinds import DEPENDENCY_ORDER
from ecs_scheduler.migration.leftovers import Leftovers
from ecs_scheduler.resources import DesiredState, Resource

# How often the thread waiting for a batch looks whether the user asked to stop.
_STOP_POLL_SECONDS: Final = 0.1


@dataclass(frozen=True)
class ApplyResult:
    applied: tuple[Change, ...]
    api_calls: int  # made by this apply, through ``clients``
    seconds: float
    # Changes not made because AWS changed since the plan, each with why; the rest of their
    # job was left as it was. Non-empty means the apply did not converge.
    blocked: tuple[str, ...] = ()
    # The replaced schedules and rules retired after their jobs' changes, and what their old
    # deployments leave behind (retire.py).
    retired: tuple[RetireChange, ...] = ()
    leftovers: Leftovers | None = None

    def summary(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "replace": 0, "delete": 0, "adopt": 0}
        for change in self.applied:
            counts[change.action] += 1
        return counts

    def __str__(self) -> str:
        counts = self.summary()
        adopted = f", {counts['adopt']} adopted" if counts["adopt"] else ""
        return (
            f"{counts['create']} created, {counts['update']} updated, "
            f"{counts['replace']} replaced, {counts['delete']} destroyed{adopted} "
            f"in {self.seconds:.1f} s ({self.api_calls} API calls)."
        )


def apply(
    plan: Plan,
    clients: AwsClients,
    *,
    force_delete_dlq_messages: bool = False,
    max_workers: int = 16,
    progress: Callable[[Change], None] | None = None,
    clock: Clock = system_clock,
    sleep: Sleep = time.sleep,
    on_wait: Callable[[RetireChange], None] | None = None,
) -> ApplyResult:
    """Make the changes of ``plan``; raise :class:`AwsEngineError` on the first failed phase.

    Then retire what the plan's jobs replace (``retire.py``), each job only if none of its
    changes was stopped; ``on_wait`` hears of each wait for a rule's hand-over instant, which
    ``clock`` and ``sleep`` time.

    Ctrl-C (a ``KeyboardInterrupt`` here, or ``clients.guard.stop()`` from a signal handler)
    starts no new call: changes not begun are dropped, calls in flight finish or time out, and
    :class:`ApplyInterruptedError` says how many changes were made.
    """
    full_queues = [change for change in plan.changes if change.deletes_messages]
    if full_queues and not force_delete_dlq_messages:
        described = ", ".join(
            f"{change.live.aws_name} ({change.deletes_messages} message(s))"
            for change in full_queues
            if change.live is not None
        )
        raise AwsEngineError(
            f"Refusing to apply: it would delete dead-letter queue(s) holding failed events: "
            f"{described}; read or redrive them first, or pass --force-delete-dlq-messages."
        )
    if plan.desired is None and any(change.desired is not None for change in plan.changes):
        raise AwsEngineError("This plan carries no desired state; create it with plan().")
    started = time.monotonic()
    calls_before = clients.api_calls.total
    writer = _Writer(clients, plan.desired, force_delete_dlq_messages=force_delete_dlq_messages)
    applied: list[Change] = []
    forward = [c for c in plan.changes if c.action != "delete"]
    # A replacement under a new name keeps the old resource until the new one is in place.
    backward = [
        c for c in plan.changes if c.action == "delete" or (c.action == "replace" and _renamed(c))
    ]
    guard = clients.guard
    total = len(plan.changes) + len(plan.pending_retirements)
    removing = False
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        try:
            for resource_type in DEPENDENCY_ORDER:
                batch = [c for c in forward if c.type == resource_type]
                done = _run(pool, batch, writer.converge, progress, guard)
                applied.extend(change for change in done if change.address not in writer.not_made)
            removing = True
            for resource_type in reversed(DEPENDENCY_ORDER):
                batch = [c for c in backward if c.type == resource_type]
                # A replacement was reported when its new resource was made: report deletes only.
                deletes_progress = _only_deletes(progress)
                done = _run(pool, batch, writer.remove_old, deletes_progress, guard)
                applied.extend(
                    change
                    for change in done
                    if change.action == "delete" and change.address not in writer.not_made
                )
        except _StoppedError as stopped:
            applied.extend(
                c
                for c in stopped.done
                if (not removing or c.action == "delete") and c.address not in writer.not_made
            )
            raise ApplyInterruptedError(len(applied), total) from None
    try:
        retired = retire(
            plan, clients, skip_jobs=writer.blocked_jobs, clock=clock, sleep=sleep, on_wait=on_wait
        )
    except RetireStoppedError as stopped:
        raise ApplyInterruptedError(len(applied) + stopped.done, total) from None
    return ApplyResult(
        applied=tuple(applied),
        api_calls=clients.api_calls.total - calls_before,
        seconds=time.monotonic() - started,
        blocked=tuple(sorted(writer.blocked)),
        retired=retired.done,
        leftovers=retired.leftovers,
    )


def _only_deletes(
    progress: Callable[[Change], None] | None,
) -> Callable[[Change], None] | None:
    if progress is None:
        return None

    def report(change: Change) -> None:
        if change.action == "delete":
            progress(change)

    return report


def _renamed(change: Change) -> bool:
    return (
        change.desired is not None
        and change.live is not None
        and change.desired.aws_name != change.live.aws_name
    )


class _StoppedError(Exception):
    """The user stopped the apply during a batch; ``done`` are its changes that were made."""

    def __init__(self, done: list[Change]) -> None:
        super().__init__("stopped")
        self.done = done


def _run(
    pool: ThreadPoolExecutor,
    changes: list[Change],
    action: Callable[[Change], None],
    progress: Callable[[Change], None] | None,
    guard: CallGuard,
) -> list[Change]:
    # Each change reports its end in ``completions``: waiting on the set of pending futures
    # (concurrent.futures.wait) visits every one of them each time one ends, n² steps for a
    # batch of n (an apply of 1,000 schedules spent a tenth of its CPU there).
    completions: SimpleQueue[Future[None]] = SimpleQueue()
    futures: dict[Future[None], Change] = {}
    for change in changes:
        future = pool.submit(action, change)
        futures[future] = change
        future.add_done_callback(completions.put)
    pending = set(futures)
    done: list[Change] = []
    failures: list[str] = []
    while pending:
        try:
            if guard.stopped:
                # Changes not begun are dropped; the running ones make no new call (the guard
                # refuses them) and end when their call in flight answers or times out.
                pending = {future for future in pending if not future.cancel()}
            try:
                finished = [completions.get(timeout=_STOP_POLL_SECONDS)]
            except Empty:
                # Also what a Ctrl-C took from the queue before it was handled below.
                finished = [future for future in pending if future.done()]
            for future in finished:
                if future not in pending:  # cancelled above
                    continue
                pending.discard(future)
                change = futures[future]
                error = future.exception()
                if error is None:
                    done.append(change)
                    if progress is not None:
                        progress(change)
                elif isinstance(error, InterruptedByUserError):
                    continue
                elif isinstance(error, ClientError | BotoCoreError | AwsEngineError):
                    failures.append(f"{change.address} ({change.action}): {_message(error)}")
                else:
                    raise error
        except KeyboardInterrupt:
            # Without a signal handler of the caller's, Ctrl-C lands here, on the waiting thread.
            guard.stop()
    if guard.stopped:
        raise _StoppedError(done)
    if failures:
        failures.sort()
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise AwsEngineError(f"Apply stopped: {failures[0]}{more}.")
    done.sort(key=lambda change: change.address)
    return done


def _message(error: BaseException) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', error)}"
    return str(error)


class _Writer:
    def __init__(
        self,
        clients: AwsClients,
        desired: DesiredState | None,
        *,
        force_delete_dlq_messages: bool = False,
    ):
        self.clients = clients
        self.desired = desired
        self.force_delete_dlq_messages = force_delete_dlq_messages
        self.blocked: list[str] = []
        self.not_made: set[str] = set()  # addresses of changes skipped or stopped
        self._blocked_jobs: set[str] = set()
        self._lock = threading.Lock()

    @property
    def blocked_jobs(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._blocked_jobs)

    # -- dispatch -------------------------------------------------------------------------

    def converge(self, change: Change) -> None:
        resource = change.desired
        assert resource is not None
        if self._job_blocked(change):
            return
        try:
            if change.action == "replace" and not _renamed(change):
                assert change.live is not None
                self._delete_checked(change.live)
            if change.action == "adopt":
                assert change.live is not None
                check_still_adoptable(self._context(), resource, change.live)
            if change.action in {"update", "adopt"}:
                self.update(resource, change.live)
            else:
                self.create(resource)
        except UnsafeNowError as stop:
            self._block(change, str(stop))

    def remove_old(self, change: Change) -> None:
        assert change.live is not None
        if self._job_blocked(change):
            return
        try:
            self._delete_checked(change.live)
        except UnsafeNowError as stop:
            self._block(change, str(stop))

    def _job_blocked(self, change: Change) -> bool:
        with self._lock:
            if change.job in self._blocked_jobs:
                self.not_made.add(change.address)
                return True
            return False

    def _block(self, change: Change, why: str) -> None:
        with self._lock:
            self._blocked_jobs.add(change.job)
            self.not_made.add(change.address)
            self.blocked.append(
                f"{change.address}: {why}; job {change.job} was left as it was from here on."
            )

    def _delete_checked(self, live: LiveResource) -> None:
        """Delete ``live``; a dead-letter queue only if it still holds no message."""
        if live.type == QUEUE and not self.force_delete_dlq_messages:
            messages = queue_messages(self.clients, live.queue_url)
            if messages:
                raise UnsafeNowError(
                    f"the dead-letter queue {live.aws_name} received {messages} message(s) "
                    "after the plan and is kept; read or redrive them, or pass "
                    "--force-delete-dlq-messages"
                )
        self.delete(live)

    def create(self, resource: Resource) -> None:
        OPERATIONS[resource.type].create(self._context(), resource)

    def update(self, resource: Resource, live: LiveResource | None) -> None:
        OPERATIONS[resource.type].update(self._context(), resource, live)

    def delete(self, live: LiveResource) -> None:
        operations = OPERATIONS[live.type]
        try:
            operations.delete(self.clients, live)
        except ClientError as error:
            if error_code(error) not in operations.not_found_codes:
                raise

    def _context(self) -> WriteContext:
        assert self.desired is not None
        return WriteContext(self.clients, self.desired)
