"""API calls and wall time of apply, and of the no-op plan after it, for N schedules.

Run: ``python benchmarks/plan_apply.py --schedules 1000`` (N up to 10,000). The script starts
the embedded emulator in a process of its own (so the server does not share this process's
interpreter lock with the engine's threads), creates the prerequisites, and writes a config
of N schedules: jobs of ``--schedules-per-job`` schedules each (one primary plus additional
schedules), every job also owning its group, role, policy, queue, queue policy and alarms.

The same config is then applied from empty twice, on an emptied emulator each time: with the
engine's default concurrency and with ``max_workers=1`` as the sequential baseline. For each
run it reports the plan from empty, the apply and the no-op plan that follows: wall time,
API calls (counted by a botocore ``before-call`` hook, by operation) and the ratios of the
baseline to the default. ``--latency-ms`` adds a simulated network round trip to every request
(the emulator is on loopback and CPU-bound, where a thread pool gains little; a real region is
tens of milliseconds away). This is a benchmark, not a test: it never fails on time.
"""

from __future__ import annotations

import argparse
import inspect
import math
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from ecs_scheduler.engines.aws import AwsClients, Plan, apply, plan
from ecs_scheduler.loader import load
from ecs_scheduler.local import (
    provision_prerequisites,
    reset_emulator,
    use_emulator_credentials,
    write_demo_config,
)
from ecs_scheduler.resources import DesiredState, build

REPO_ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = REPO_ROOT / "examples" / "daily-report.yaml"
REGION = "us-east-1"
MAX_SCHEDULES = 10_000
DEFAULT_WORKERS: int = inspect.signature(apply).parameters["max_workers"].default

_SERVE_EMULATOR = """
import sys
from ecs_scheduler.local import Emulator

with Emulator() as emulator:
    print(emulator.endpoint_url, flush=True)
    sys.stdin.read()
"""


@contextmanager
def emulator_process() -> Iterator[str]:
    """The emulator in a child process; it stops when its stdin closes."""
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVE_EMULATOR],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        yield child.stdout.readline().strip()
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def write_config(source: Path, target: Path, schedules: int, per_job: int) -> Path:
    """The quickstart job, copied into enough jobs to hold ``schedules`` schedules."""
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    template = document["jobs"].pop("daily-report")
    jobs = math.ceil(schedules / per_job)
    for index in range(jobs):
        count = min(per_job, schedules - index * per_job)
        job = dict(template)
        job["additional_schedules"] = [
            {"name": f"s{number:04d}", "schedule_expression": f"rate({number + 1} minutes)"}
            for number in range(1, count)
        ]
        document["jobs"][f"job-{index:03d}"] = job
    target.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target


@dataclass(frozen=True)
class Phase:
    seconds: float
    calls: Counter[str]
    changes: int

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())


@dataclass(frozen=True)
class Run:
    workers: int
    resources: int
    initial_plan: Phase
    apply: Phase
    noop_plan: Phase


def measure(endpoint_url: str, config_dir: Path, args: argparse.Namespace, workers: int) -> Run:
    reset_emulator(endpoint_url)
    clients = AwsClients.create(
        region=REGION, endpoint_url=endpoint_url, max_pool_connections=max(workers, 10)
    )
    if args.latency_ms:
        add_round_trip_latency(clients, args.latency_ms / 1000)
    prereqs = provision_prerequisites(clients, name="bench")
    quickstart = write_demo_config(prereqs, QUICKSTART, config_dir / "quickstart.yaml")
    config = write_config(
        quickstart, config_dir / f"bench-{workers}.yaml", args.schedules, args.schedules_per_job
    )
    desired = build(load(config).stack)

    # Untimed: the first plan of a process pays for imports, model loading and connections,
    # which would otherwise count against whichever run comes first.
    plan(desired, clients, max_workers=workers)
    initial, pending = timed_plan(desired, clients, workers)
    applied = timed_apply(pending, clients, workers)
    noop, _ = timed_plan(desired, clients, workers)
    return Run(workers, len(desired.resources), initial, applied, noop)


def add_round_trip_latency(clients: AwsClients, seconds: float) -> None:
    """Wait ``seconds`` before each HTTP request, as a network to a real region would."""

    def wait(**_: object) -> None:
        time.sleep(seconds)

    for service in ("scheduler", "iam", "sqs", "cloudwatch", "ecs", "ec2", "kms", "sns", "sts"):
        getattr(clients, service).meta.events.register("before-send", wait)


def timed_plan(desired: DesiredState, clients: AwsClients, workers: int) -> tuple[Phase, Plan]:
    before = Counter(clients.api_calls.calls)
    started = time.perf_counter()
    made = plan(desired, clients, max_workers=workers)
    seconds = time.perf_counter() - started
    return Phase(seconds, Counter(clients.api_calls.calls) - before, len(made.changes)), made


def timed_apply(pending: Plan, clients: AwsClients, workers: int) -> Phase:
    before = Counter(clients.api_calls.calls)
    started = time.perf_counter()
    apply(pending, clients, max_workers=workers)
    seconds = time.perf_counter() - started
    return Phase(seconds, Counter(clients.api_calls.calls) - before, len(pending.changes))


def report(
    desired_schedules: int, latency_ms: float, concurrent: Run, sequential: Run, top: int
) -> None:
    print(
        f"\n{desired_schedules} schedules in {concurrent.resources} resources; "
        f"default max_workers={concurrent.workers} vs sequential max_workers=1; "
        f"simulated latency {latency_ms:g} ms\n"
    )
    header = (
        f"{'phase':<14}{'workers':>8}{'changes':>9}{'API calls':>11}{'wall s':>9}{'calls/s':>9}"
    )
    print(header)
    print("-" * len(header))
    for name in ("initial_plan", "apply", "noop_plan"):
        for run in (concurrent, sequential):
            phase: Phase = getattr(run, name)
            rate = phase.total_calls / phase.seconds if phase.seconds else float("inf")
            print(
                f"{name:<14}{run.workers:>8}{phase.changes:>9}{phase.total_calls:>11}"
                f"{phase.seconds:>9.2f}{rate:>9.0f}"
            )
    print("\nsequential / default (higher means the default is faster):")
    for name in ("apply", "noop_plan"):
        fast: Phase = getattr(concurrent, name)
        slow: Phase = getattr(sequential, name)
        print(
            f"  {name:<10} wall time x{slow.seconds / fast.seconds:.2f}   "
            f"API calls x{slow.total_calls / max(fast.total_calls, 1):.2f}"
        )
    if concurrent.noop_plan.changes or sequential.noop_plan.changes:
        print(
            "\nNOTE: the plan after apply was not empty "
            f"({concurrent.noop_plan.changes} / {sequential.noop_plan.changes} changes)."
        )
    for name in ("apply", "noop_plan"):
        calls: Counter[str] = getattr(concurrent, name).calls
        listed = ", ".join(f"{operation} {count}" for operation, count in calls.most_common(top))
        print(f"\n{name} API calls by operation: {listed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schedules", type=int, default=1000, help="N, 1 to 10,000")
    parser.add_argument("--schedules-per-job", type=int, default=100)
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="simulated network round trip added to every request (the emulator answers in "
        "well under a millisecond of network time; a real region is tens of milliseconds away)",
    )
    parser.add_argument("--top", type=int, default=8, help="operations listed per phase")
    args = parser.parse_args()
    if not 1 <= args.schedules <= MAX_SCHEDULES:
        parser.error(f"--schedules must be between 1 and {MAX_SCHEDULES}")
    if args.schedules_per_job < 1:
        parser.error("--schedules-per-job must be at least 1")

    use_emulator_credentials()
    with emulator_process() as endpoint_url, tempfile.TemporaryDirectory() as config_dir:
        print(f"emulator: {endpoint_url}")
        concurrent = measure(endpoint_url, Path(config_dir), args, DEFAULT_WORKERS)
        sequential = measure(endpoint_url, Path(config_dir), args, 1)
    report(args.schedules, args.latency_ms, concurrent, sequential, args.top)


if __name__ == "__main__":
    main()
