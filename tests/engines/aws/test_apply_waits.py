"""Apply's waiting thread hears of every change that ends, once, whatever interrupts it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any

import pytest

from ecs_scheduler.engines.aws import applier
from ecs_scheduler.engines.aws.clients import CallGuard


@dataclass(frozen=True)
class Made:
    """The one field of a change the waiting thread reads."""

    address: str


def changes(count: int) -> list[Any]:
    return [Made(f"aws_x.y[{index:04d}]") for index in range(count)]


def test_each_change_that_ends_is_reported_once_and_returned_in_address_order() -> None:
    batch = changes(300)
    reported: list[Any] = []
    with ThreadPoolExecutor(max_workers=16) as pool:
        done = applier._run(
            pool, batch, lambda change: None, reported.append, CallGuard(None, None)
        )
    assert done == batch
    assert sorted(reported, key=lambda change: change.address) == batch


def test_a_change_whose_end_a_ctrl_c_took_from_the_queue_still_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C raised just after the waiting thread took a finished change from the queue
    (before it recorded it): the change was made, so it is among those reported as done."""

    class InterruptedOnce(SimpleQueue[Any]):
        interrupted = False

        def get(self, block: bool = True, timeout: float | None = None) -> Any:
            item = super().get(block, timeout)
            if not InterruptedOnce.interrupted:
                InterruptedOnce.interrupted = True
                raise KeyboardInterrupt
            return item

    monkeypatch.setattr(applier, "SimpleQueue", InterruptedOnce)
    batch = changes(2)
    both_begun = threading.Barrier(len(batch), timeout=10)  # none is dropped as not begun
    stopped: list[applier._StoppedError] = []

    def wait_for_the_batch() -> None:
        with ThreadPoolExecutor(max_workers=len(batch)) as pool:
            try:
                applier._run(pool, batch, lambda _: both_begun.wait(), None, CallGuard(None, None))
            except applier._StoppedError as error:
                stopped.append(error)

    # On a thread of its own, so that a wait that never ends fails the test instead.
    waiting = threading.Thread(target=wait_for_the_batch, daemon=True)
    waiting.start()
    waiting.join(timeout=30)

    assert InterruptedOnce.interrupted
    assert stopped, "the waiting thread did not end"
    assert sorted(stopped[0].done, key=lambda change: change.address) == batch
