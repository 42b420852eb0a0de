"""Next-fire throughput of ecs_scheduler.expressions against croniter and pyawscron.

Run: ``python benchmarks/expressions.py [sequential] [cold] [fresh]`` (default: all three).
One run measures every engine on a fixed corpus of expressions and time zones, on the cases
each engine supports, and prints fire times per second and the ratios. Three workloads:

- sequential: 1 iterator, N consecutive fire times (what ``next -n N`` does);
- cold: the first fire time after each of K different instants (what validation does);
- fresh: parse plus the first fire time of an expression never seen before, with every cache
  of ``ecs_scheduler.expressions`` cleared before each call, as in a fresh process (what
  ``validate`` and ``next`` do once per schedule).

croniter reads Unix cron, so each AWS expression carries its Unix spelling where one exists;
pyawscron reads AWS cron but only in UTC. Before timing, each peer's first fire times are
compared with ours; a case where they differ is reported and left out of the ratios.
Times are the CPU time of this process (``time.process_time``), the best of a few rounds: on a
machine shared with other work, wall time mostly measures who else is running, and it had
single cases swing by 5x from one run to the next.
This is a benchmark, not a test: it never fails on time.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from croniter import croniter
from pyawscron import AWSCron

import ecs_scheduler.expressions
from ecs_scheduler.expressions import fire_times, first_fire_time, parse


@dataclass(frozen=True)
class Case:
    aws: str
    unix: str | None  # croniter's spelling, when it has one


CORPUS = (
    Case("cron(0 6 ? * MON-FRI *)", "0 6 * * 1-5"),
    Case("cron(0/15 * * * ? *)", "*/15 * * * *"),
    Case("cron(0/5 8-17 ? * MON-FRI *)", "*/5 8-17 * * 1-5"),
    Case("cron(0 9,18 * * ? *)", "0 9,18 * * *"),
    Case("cron(30 2 * * ? *)", "30 2 * * *"),
    Case("cron(0 8 1 * ? *)", "0 8 1 * *"),
    Case("cron(0 12 L * ? *)", "0 12 L * *"),
    Case("cron(0 12 15W * ? *)", "0 12 15W * *"),
    Case("cron(0 12 LW * ? *)", None),
    Case("cron(0 12 ? * 6L *)", "0 12 * * L5"),
    Case("cron(0 9 ? * 2#1 *)", "0 9 * * 1#1"),
    Case("cron(0 20-2 * * ? *)", "0 20-2 * * *"),
    Case("cron(0 0 29 2 ? *)", "0 0 29 2 *"),
    Case("cron(* * * * ? *)", "* * * * *"),
)
ZONES = ("UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata")
START = datetime(2026, 1, 1, tzinfo=UTC)
SEQUENTIAL = 1000  # fire times per case and engine
COLD = 200  # distinct instants per case and engine
CHECKED = 40  # first fire times compared with ours before a peer's case counts
ROUNDS = 5  # best of
WORKLOADS = ("sequential", "cold", "fresh")


def ours_sequence(case: Case, zone: str, after: datetime) -> Iterator[datetime]:
    return fire_times(parse(case.aws), zone, after=after)


def croniter_sequence(case: Case, zone: str, after: datetime) -> Iterator[datetime]:
    assert case.unix is not None
    iterator = croniter(case.unix, after.astimezone(ZoneInfo(zone)))
    while True:
        yield iterator.get_next(datetime)


def pyawscron_sequence(case: Case, zone: str, after: datetime) -> Iterator[datetime]:
    cron = AWSCron(case.aws.removeprefix("cron(").removesuffix(")"))
    moment = after
    while True:
        # occurrence(t).next() is the first fire time after t; it does not advance itself.
        moment = cron.occurrence(moment).next()
        yield moment


def ours_first(case: Case, zone: str, after: datetime) -> datetime | None:
    return first_fire_time(parse(case.aws), zone, after=after)


def croniter_first(case: Case, zone: str, after: datetime) -> datetime | None:
    assert case.unix is not None
    result: datetime = croniter(case.unix, after.astimezone(ZoneInfo(zone))).get_next(datetime)
    return result


def pyawscron_first(case: Case, zone: str, after: datetime) -> datetime | None:
    result: datetime = (
        AWSCron(case.aws.removeprefix("cron(").removesuffix(")")).occurrence(after).next()
    )
    return result


@dataclass(frozen=True)
class Engine:
    name: str
    sequence: Callable[[Case, str, datetime], Iterator[datetime]]
    first: Callable[[Case, str, datetime], datetime | None]
    supports: Callable[[Case, str], bool]


ENGINES = (
    Engine("ecs_scheduler", ours_sequence, ours_first, lambda case, zone: True),
    Engine("croniter", croniter_sequence, croniter_first, lambda case, zone: case.unix is not None),
    Engine("pyawscron", pyawscron_sequence, pyawscron_first, lambda case, zone: zone == "UTC"),
)


def agrees_with_ours(engine: Engine, case: Case, zone: str) -> str:
    """'' when the engine's first fire times equal ours, else why the case is left out."""
    try:
        theirs = [t.astimezone(UTC) for t in islice(engine.sequence(case, zone, START), CHECKED)]
    except Exception as error:  # a peer's own parse error or crash: it does not support it
        return f"fails: {type(error).__name__}"
    ours = list(islice(ours_sequence(case, zone, START), CHECKED))
    if theirs != ours:
        index = next(i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b)
        return (
            f"differs at #{index + 1}:"
            f" ours {ours[index]:%Y-%m-%d %H:%M}Z, theirs {theirs[index]:%Y-%m-%d %H:%M}Z"
        )
    return ""


def best_rate(run: Callable[[], int]) -> float:
    """Fire times per CPU second, the best of ROUNDS runs."""
    rates = []
    for _ in range(ROUNDS):
        begun = time.process_time()
        produced = run()
        rates.append(produced / (time.process_time() - begun))
    return max(rates)


def sequential_rate(engine: Engine, case: Case, zone: str) -> float:
    # Sparse expressions run out of years (29 Feb: 43 fire times before 2200).
    available = sum(1 for _ in islice(ours_sequence(case, zone, START), SEQUENTIAL))
    count = available if engine.name != "pyawscron" else max(1, available // 10)

    def run() -> int:
        return sum(1 for _ in islice(engine.sequence(case, zone, START), count))

    return best_rate(run)


def _project_caches() -> list[Callable[[], None]]:
    """``cache_clear`` of every functools cache in the modules of ecs_scheduler.expressions."""
    clears = []
    for name, module in sorted(sys.modules.items()):
        if name.startswith(ecs_scheduler.expressions.__name__ + "."):
            for value in vars(module).values():
                clear = getattr(value, "cache_clear", None)
                if callable(clear) and getattr(value, "__module__", None) == name:
                    clears.append(clear)
    return clears


PROJECT_CACHES = _project_caches()
FRESH = 200  # calls per case and engine, each after clearing the project's caches


def fresh_rate(engine: Engine, case: Case, zone: str) -> float:
    """Parse + first fire time per second, every project cache cleared before each call.

    The clearing is timed with the calls (reading a CPU clock costs about as much as one
    call, so each round is timed whole): it counts against ecs_scheduler.
    """
    count = FRESH if engine.name != "pyawscron" else FRESH // 4
    clears = PROJECT_CACHES if engine.name == "ecs_scheduler" else []

    def run() -> int:
        for _ in range(count):
            for clear in clears:
                clear()
            engine.first(case, zone, START)
        return count

    return best_rate(run)


def cold_rate(engine: Engine, case: Case, zone: str) -> float:
    count = COLD if engine.name != "pyawscron" else COLD // 10
    instants = [START + timedelta(minutes=7919 * i, seconds=i % 60) for i in range(count)]

    def run() -> int:
        return sum(1 for instant in instants if engine.first(case, zone, instant) is not None)

    return best_rate(run)


def main() -> int:
    unknown = sorted(set(sys.argv[1:]) - set(WORKLOADS))
    if unknown:
        print(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
        return 2
    workloads = [w for w in WORKLOADS if w in sys.argv[1:]] or list(WORKLOADS)
    measures = {"sequential": sequential_rate, "cold": cold_rate, "fresh": fresh_rate}
    results: dict[tuple[str, str, str, str], float] = {}  # (engine, workload, aws, zone)
    excluded: list[str] = []
    for case in CORPUS:
        for zone in ZONES:
            for engine in ENGINES:
                if not engine.supports(case, zone):
                    continue
                if engine.name != "ecs_scheduler" and (why := agrees_with_ours(engine, case, zone)):
                    excluded.append(f"  {engine.name:10} {case.aws:30} {zone:20} {why}")
                    continue
                for workload in workloads:
                    results[engine.name, workload, case.aws, zone] = measures[workload](
                        engine, case, zone
                    )

    print(f"Python {sys.version.split()[0]}; fire times per CPU second, best of {ROUNDS};")
    print(
        f"sequential = up to {SEQUENTIAL} consecutive fire times,"
        f" cold = the first fire time after each of {COLD} instants,"
        f" fresh = parse + first fire time with the {len(PROJECT_CACHES)} caches of"
        " ecs_scheduler.expressions cleared before each call"
    )
    print(f"zones: {', '.join(ZONES)} (pyawscron: UTC only)\n")
    header = f"{'expression':30} {'workload':10} " + " ".join(f"{e.name:>14}" for e in ENGINES)
    print(header)
    print("-" * len(header))
    for case in CORPUS:
        for workload in workloads:
            cells = []
            for engine in ENGINES:
                rates = [
                    rate
                    for (name, kind, aws, _), rate in results.items()
                    if name == engine.name and kind == workload and aws == case.aws
                ]
                cells.append(
                    f"{statistics.geometric_mean(rates):>14,.0f}" if rates else f"{'-':>14}"
                )
            print(f"{case.aws:30} {workload:10} " + " ".join(cells))

    print(
        "\nRatios (ecs_scheduler / peer), geometric mean over the cases both support and agree on:"
    )
    for peer in ENGINES[1:]:
        for workload in workloads:
            ratios = {
                (aws, zone): results["ecs_scheduler", workload, aws, zone] / rate
                for (name, kind, aws, zone), rate in results.items()
                if name == peer.name and kind == workload
            }
            if ratios:
                slowest = min(ratios, key=ratios.__getitem__)
                print(
                    f"  vs {peer.name:10} {workload:10}"
                    f" x{statistics.geometric_mean(ratios.values()):7.1f}"
                    f"  (min x{ratios[slowest]:.1f} at {' '.join(slowest)},"
                    f" max x{max(ratios.values()):.1f}, {len(ratios)} cases)"
                )
    if excluded:
        print("\nLeft out (the peer fails or disagrees with ecs_scheduler):")
        print("\n".join(excluded))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
