"""``--parallelism N`` bounds the AWS calls plan, apply and destroy make at once."""

from __future__ import annotations

import pytest

from tests.cli.runner import run_cli
from tests.conftest import EmulatedAccount
from tests.engines.aws.slow_proxy import SlowProxy

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("parallelism", [1, 3])
def test_apply_and_destroy_make_at_most_n_writes_at_once(
    emulated_account: EmulatedAccount, parallelism: int
) -> None:
    config = str(emulated_account.configs["multi-schedule"])
    # A write is held only long enough for the batch's other writes to arrive while it waits
    # (the three schedules reached the proxy within 2 ms of each other at load 6); apply and
    # destroy make 23 writes, one after another at --parallelism 1, each paying the delay.
    with SlowProxy(emulated_account.endpoint_url, write_delay=0.05) as proxy:
        for command in ("apply", "destroy"):
            result = run_cli(
                command,
                "--auto-approve",
                "--parallelism",
                str(parallelism),
                "-c",
                config,
                "--endpoint-url",
                proxy.endpoint_url,
            )
            assert result.returncode == 0, result.stderr

    # Three schedules are created together in one batch: with room for them, they overlap.
    assert proxy.most_concurrent_writes == parallelism
