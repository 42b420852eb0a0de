"""The calendar's data: fire times, flexible windows, DST changes, concurrency forecast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ecs_scheduler.loader import load
from ecs_scheduler.operations.calendar import (
    Calendar,
    Event,
    Lane,
    build_calendar,
    concurrency,
    dst_changes,
    render_html,
)
from ecs_scheduler.resources import DesiredState, build
from tests.conftest import EXAMPLES_DIR

START = datetime(2026, 3, 25, tzinfo=UTC)


def multi_schedule() -> DesiredState:
    return build(load(EXAMPLES_DIR / "multi-schedule.yaml").stack)


def week(**durations: int) -> Calendar:
    return build_calendar(
        multi_schedule(),
        start=START,
        days=7,
        durations={job: (minutes, "option") for job, minutes in durations.items()},
    )


def test_every_fire_time_of_the_week_with_its_flexible_window() -> None:
    calendar = week()
    counts = {lane.label: len(lane.events) for lane in calendar.lanes}
    # Wed 25 to Tue 31 March: five weekdays, one weekend.
    assert counts == {"sync-orders": 5, "sync-orders/evening": 5, "sync-orders/weekend": 2}
    assert calendar.event_count == 12
    primary = calendar.lanes[0]
    assert primary.flexible_window_minutes == 15
    first = primary.events[0]
    assert first.fire_time == datetime(2026, 3, 25, 9, tzinfo=UTC)  # 09:00 GMT
    assert first.window_end == first.fire_time + timedelta(minutes=15)
    # After the clocks go forward, 09:00 London is 08:00 UTC.
    assert primary.events[-1].fire_time == datetime(2026, 3, 31, 8, tzinfo=UTC)
    assert primary.duration_source == "default"


def test_the_dst_change_is_found_to_the_minute() -> None:
    (change,) = week().dst_changes
    assert change.timezone == "Europe/London"
    assert change.at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert (change.offset_before, change.offset_after) == (timedelta(0), timedelta(hours=1))
    # Lord Howe Island moves by half an hour.
    (half,) = dst_changes(
        "Australia/Lord_Howe", datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC)
    )
    assert half.offset_before - half.offset_after == timedelta(minutes=30)


def test_long_runs_overlap_and_the_peak_is_when_they_do() -> None:
    calendar = week(**{"sync-orders": 600})
    (forecast,) = calendar.concurrency
    assert forecast.cluster.endswith(":cluster/batch")
    assert forecast.peak == 2
    # Wednesday's 09:00 run lasts until 19:15; the 18:00 run joins it.
    assert forecast.peak_at == datetime(2026, 3, 25, 18, tzinfo=UTC)
    assert week(**{"sync-orders": 60}).concurrency[0].peak == 1


def test_json_and_html_carry_the_same_events() -> None:
    calendar = week(**{"sync-orders": 600})
    document = calendar.to_json()
    assert document["events"] == 12
    assert document["dst_changes"] == [
        {
            "timezone": "Europe/London",
            "at": "2026-03-29T01:00:00Z",
            "offset_before": "+00:00",
            "offset_after": "+01:00",
        }
    ]
    (cluster,) = document["concurrency"].values()
    assert cluster["peak"] == 2 and cluster["peak_at"] == "2026-03-25T18:00:00Z"
    page = render_html(calendar)
    assert page.count('<rect class="event') == 12
    assert page.count('class="dst"') == 1
    assert page.count('class="peak"') == 1
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in page


runs = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(1, 600), st.integers(1, 3)), max_size=40
)


@given(runs)
def test_the_forecast_counts_what_overlaps(entries: list[tuple[int, int, int]]) -> None:
    lanes = [
        Lane(
            job=f"j{index}",
            schedule="",
            cluster="c",
            timezone="UTC",
            expression="rate(1 day)",
            enabled=True,
            task_count=count,
            flexible_window_minutes=0,
            duration_minutes=length,
            duration_source="option",
            events=(
                Event(
                    START + timedelta(minutes=offset),
                    START + timedelta(minutes=offset),
                    START + timedelta(minutes=offset + length),
                ),
            ),
            truncated=False,
        )
        for index, (offset, length, count) in enumerate(entries)
    ]
    forecast = concurrency(lanes, "c")
    # The peak equals the largest sum of task counts running at one instant.
    instants = {offset for offset, _, _ in entries}
    brute = max(
        (
            sum(count for offset, length, count in entries if offset <= at < offset + length)
            for at in instants
        ),
        default=0,
    )
    assert forecast.peak == brute
    assert all(count >= 0 for _, count in forecast.steps)
    assert not forecast.steps or forecast.steps[-1][1] == 0
