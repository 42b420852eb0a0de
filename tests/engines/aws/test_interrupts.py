"""Ctrl-C during apply and destroy: a real SIGINT to a real process, mid-batch, many times.

Like terraform, the first interrupt starts no new AWS call, lets the calls in flight finish,
says how many changes were made and exits 130 within seconds; a second one exits at once.
Writes go through a proxy that holds each one, so a batch is always in flight.
"""

from __future__ import annotations

import os
import random
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from ecs_scheduler import cli
from ecs_scheduler.engines.aws import apply, plan
from ecs_scheduler.loader import load
from ecs_scheduler.resources import DesiredState, build
from tests.conftest import REGION, REPO_ROOT, EmulatedAccount
from tests.engines.aws.slow_proxy import SlowProxy
from tests.prewarmed import Child, Prewarmed, devnull, shared

pytestmark = pytest.mark.slow

# A write is held long enough that the interrupt, sent at a random instant within a write's
# hold, finds calls in flight; and longer than the command takes to act on the signal (stop
# starting calls: 0.5 to 5 ms after the signal was sent, measured at load 5), so that no worker
# ends a held call and starts another before it has. Every write of a round pays it.
WRITE_DELAY_SECONDS = 0.05
PARALLELISM = 4
EXIT_WITHIN_SECONDS = 5.0
ITERATIONS = 10
# The rounds run in lanes at once, each on its own stack (its own names and tags: a plan reads
# only its stack's) through its own proxy (whose log holds only its lane's calls); they share
# the emulator. A lane's rounds follow one another, each starting where the last converged.
LANES = 2
_SUMMARY = re.compile(r"Interrupted: (\d+) of (\d+) changes applied; run (apply|destroy) again")


def _stack_config(account: EmulatedAccount, target: Path, stack: str = "reporting") -> Path:
    """The quickstart job with 20 schedules: a batch five times longer than the pool."""
    document = yaml.safe_load(account.configs["daily-report"].read_text(encoding="utf-8"))
    document["stack"] = stack
    job = document["jobs"]["daily-report"]
    job["additional_schedules"] = [
        {"name": f"every-{minutes}m", "schedule_expression": f"rate({minutes} minutes)"}
        for minutes in range(5, 24)
    ]
    target.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target


def _desired(config: Path) -> DesiredState:
    return build(load(config).stack)


@pytest.fixture(scope="module")
def python() -> Prewarmed:
    """Forks each command from a Python that imported the CLI once (see tests/prewarmed.py)."""
    return shared()


def _start(python: Prewarmed, code: str, args: list[str], logs: Path) -> tuple[Child, Path]:
    """``python -c code *args`` as a process of its own; output goes to a file, never a pipe."""
    log = logs / f"run-{time.monotonic_ns()}.log"
    with log.open("wb") as output, devnull() as nothing:
        child = python.start(
            args,
            code=code,
            stdin=nothing,
            stdout=nothing,
            stderr=output,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")},
        )
    return child, log


def _interrupt(child: Child) -> tuple[float, float]:
    """Send SIGINT and wait for the exit: (when the signal went, seconds until the exit)."""
    interrupted_at = time.monotonic()
    child.send_signal(signal.SIGINT)
    child.wait(timeout=30)
    return interrupted_at, time.monotonic() - interrupted_at


def _wait_for_calls(
    proxy: SlowProxy, child: Child, count: int, *, only_writes: bool = True
) -> None:
    """Return as the ``count``-th call (write) reaches the proxy: its hold has just begun."""
    deadline = time.monotonic() + 60
    while not proxy.wait_for_calls(count, only_writes=only_writes, timeout=0.1):
        assert child.poll() is None, "the command ended before making its calls"
        assert time.monotonic() < deadline, "the calls did not reach the proxy within 60 s"


def _wait_for_text(log: Path, child: Child, text: str) -> None:
    """Return once the command has written ``text`` to its log (stderr)."""
    deadline = time.monotonic() + 30
    while text not in log.read_text(encoding="utf-8"):
        assert child.poll() is None, f"the command ended before writing {text!r}"
        assert time.monotonic() < deadline, f"the command did not write {text!r} within 30 s"
        time.sleep(0.01)


_MAIN = "from ecs_scheduler.cli import main; main()"


def _cli(command: str, config: Path, endpoint: str) -> list[str]:
    """The arguments of ``python -c _MAIN``: the CLI's entry point."""
    return [
        command,
        "--auto-approve",
        "-c",
        str(config),
        "--endpoint-url",
        endpoint,
        "--parallelism",
        str(PARALLELISM),
    ]


def test_ctrl_c_mid_batch_stops_cleanly_every_time(
    python: Prewarmed, emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    with ThreadPoolExecutor(max_workers=LANES) as pool:
        lanes = [
            pool.submit(_interrupted_rounds, python, emulated_account, tmp_path, lane)
            for lane in range(LANES)
        ]
        for lane in lanes:
            lane.result()  # a lane's failed assertion is raised here


def _interrupted_rounds(
    python: Prewarmed, emulated_account: EmulatedAccount, tmp_path: Path, lane: int
) -> None:
    """One lane's share of the rounds; apply and destroy take turns, lane by lane too."""
    logs = tmp_path / f"lane-{lane}"
    logs.mkdir()
    config = _stack_config(emulated_account, logs / "stack.yaml", stack=f"reporting{lane}")
    desired = _desired(config)
    clients = emulated_account.clients
    first = lane % 2  # 0: the lane starts with apply, from nothing; 1: with destroy
    if first == 1:
        apply(plan(desired, clients), clients)  # everything, for its first destroy
    chance = random.Random(10 + lane)
    with SlowProxy(emulated_account.endpoint_url, write_delay=WRITE_DELAY_SECONDS) as proxy:
        for iteration in range(first, first + ITERATIONS // LANES):
            # Apply starts from nothing, destroy from everything; both have a long batch to do.
            command = "apply" if iteration % 2 == 0 else "destroy"
            before = len(proxy.snapshot())
            child, log = _start(python, _MAIN, _cli(command, config, proxy.endpoint_url), logs)
            try:
                _wait_for_calls(proxy, child, proxy.writes() + chance.randint(1, 12))
                time.sleep(chance.uniform(0, WRITE_DELAY_SECONDS))
                interrupted_at, took = _interrupt(child)
            finally:
                child.kill()
                child.wait()
            stderr = log.read_text(encoding="utf-8")

            assert child.returncode == 130, stderr
            assert took < EXIT_WITHIN_SECONDS, (took, stderr)
            assert "Interrupt received: starting no new AWS calls" in stderr
            summary = _SUMMARY.search(stderr)
            assert summary is not None, stderr
            assert summary[3] == command
            assert 0 <= int(summary[1]) < int(summary[2]), stderr
            calls = proxy.snapshot()[before:]
            # Each of the PARALLELISM workers had at most one call in flight when the signal
            # came (under load the proxy may log it late); any more is a call begun after it.
            after = [call.operation for call in calls if call.arrived >= interrupted_at]
            assert len(after) <= PARALLELISM, f"calls started after the interrupt: {after}"
            unanswered = [call.operation for call in calls if not call.answered]
            assert unanswered == [], f"the process left before these calls ended: {unanswered}"

            # Whatever the interrupt left behind, running again converges.
            destroy_all = command == "destroy"
            apply(plan(desired, clients, destroy_all=destroy_all), clients)
            again = plan(desired, clients, destroy_all=destroy_all)
            assert (again.changes, again.blocked) == ((), ()), again
        assert proxy.most_concurrent_writes <= PARALLELISM


def test_a_second_ctrl_c_exits_at_once(
    python: Prewarmed, emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    config = _stack_config(emulated_account, tmp_path / "stack.yaml")
    # Writes that take far longer than the test may wait: only the second interrupt ends it.
    with SlowProxy(emulated_account.endpoint_url, write_delay=30) as proxy:
        child, log = _start(python, _MAIN, _cli("apply", config, proxy.endpoint_url), tmp_path)
        try:
            _wait_for_calls(proxy, child, 1)
            child.send_signal(signal.SIGINT)
            _wait_for_text(log, child, "Interrupt received: starting no new AWS calls")
            # Handled, the first interrupt leaves the command waiting for the held write; one
            # that ended on it would be gone within milliseconds of its message.
            time.sleep(0.1)
            assert child.poll() is None, log.read_text(encoding="utf-8")
            _, took = _interrupt(child)
        finally:
            child.kill()
            child.wait()
    stderr = log.read_text(encoding="utf-8")

    assert child.returncode == 130, stderr
    assert took < 2, stderr
    assert "Two interrupts received: exiting now" in stderr


def test_ctrl_c_while_reading_changes_nothing(
    python: Prewarmed, emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    config = _stack_config(emulated_account, tmp_path / "stack.yaml")
    # Each read held 0.1 s: the plan reads in about ten steps, one after another, so the
    # interrupt, sent as the third read arrives, lands among its reads.
    with SlowProxy(emulated_account.endpoint_url, write_delay=0, read_delay=0.1) as proxy:
        child, log = _start(python, _MAIN, _cli("apply", config, proxy.endpoint_url), tmp_path)
        try:
            _wait_for_calls(proxy, child, 3, only_writes=False)
            _, took = _interrupt(child)
        finally:
            child.kill()
            child.wait()
        calls = proxy.snapshot()
    stderr = log.read_text(encoding="utf-8")

    assert child.returncode == 130, stderr
    assert took < EXIT_WITHIN_SECONDS, stderr
    assert stderr.rstrip().endswith("Interrupted while reading AWS: nothing was changed."), stderr
    assert not any(call.write for call in calls)
    assert all(call.answered for call in calls)


# Applies through the library, with Python's own SIGINT handling (KeyboardInterrupt).
_APPLY_IN_CHILD = """
import sys
from ecs_scheduler.engines.aws import ApplyInterruptedError, AwsClients, apply, plan
from ecs_scheduler.loader import load
from ecs_scheduler.resources import build

clients = AwsClients.create(region=sys.argv[3], endpoint_url=sys.argv[2])
pending = plan(build(load(sys.argv[1]).stack), clients)
try:
    apply(pending, clients)
except ApplyInterruptedError as stopped:
    print(stopped, file=sys.stderr)
    sys.exit(130)
"""


def test_ctrl_c_stops_a_library_apply_too(
    python: Prewarmed, emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    config = _stack_config(emulated_account, tmp_path / "stack.yaml")
    with SlowProxy(emulated_account.endpoint_url, write_delay=WRITE_DELAY_SECONDS) as proxy:
        args = [str(config), proxy.endpoint_url, REGION]
        child, log = _start(python, _APPLY_IN_CHILD, args, tmp_path)
        try:
            # At the first write: the library's 16 workers take the rest of a batch at once,
            # so a later signal (after 5 writes, it used to be) could come once the last
            # batch was already started, and the apply then ended with everything done.
            _wait_for_calls(proxy, child, 1)
            interrupted_at, took = _interrupt(child)
        finally:
            child.kill()
            child.wait()
        calls = proxy.snapshot()
    stderr = log.read_text(encoding="utf-8")

    assert child.returncode == 130, stderr
    assert took < EXIT_WITHIN_SECONDS, stderr
    summary = _SUMMARY.search(stderr)
    assert summary is not None, stderr
    assert int(summary[1]) < int(summary[2])
    # The library's default pool has 16 workers, each with at most one call in flight.
    assert len([call for call in calls if call.arrived >= interrupted_at]) <= 16
    assert all(call.answered for call in calls)


def test_ctrl_c_before_any_aws_call_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def interrupted(path: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "load_config", interrupted)
    with pytest.raises(SystemExit) as ended:
        cli.main(["plan", "-c", str(tmp_path / "stack.yaml")])

    assert ended.value.code == 130
    assert capsys.readouterr().err == "Interrupted.\n"
