"""The calendar of a stack: every fire time in a window, DST changes, and how many tasks run.

Pure: it reads the schedules' CreateSchedule requests in the model (expression, time zone,
dates, flexible window, cluster, task count), and computes with the expressions layer.

The concurrency forecast is an upper bound: a task of a flexible schedule may start anywhere
in its window, so it counts from the fire time to the window's end plus the job's expected
duration.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from ecs_scheduler.config import Stack
from ecs_scheduler.expressions import fire_times, parse
from ecs_scheduler.operations.results import OperationError
from ecs_scheduler.resources import DesiredState

DEFAULT_DURATION_MINUTES: Final = 10
MAX_EVENTS_PER_LANE: Final = 2000
DurationSource = Literal["config", "option", "default"]


@dataclass(frozen=True)
class Event:
    fire_time: datetime  # UTC
    window_end: datetime  # the end of the flexible window (the fire time when there is none)
    run_end: datetime  # the latest the task may still run: window end + expected duration


@dataclass(frozen=True)
class Lane:
    job: str
    schedule: str  # "" for the primary schedule
    cluster: str
    timezone: str
    expression: str
    enabled: bool
    task_count: int
    flexible_window_minutes: int
    duration_minutes: int
    duration_source: DurationSource
    events: tuple[Event, ...]
    truncated: bool  # more than MAX_EVENTS_PER_LANE fire times: the rest are left out

    @property
    def label(self) -> str:
        return self.job if not self.schedule else f"{self.job}/{self.schedule}"


@dataclass(frozen=True)
class DstChange:
    timezone: str
    at: datetime  # UTC
    offset_before: timedelta
    offset_after: timedelta


@dataclass(frozen=True)
class Concurrency:
    cluster: str
    steps: tuple[tuple[datetime, int], ...]  # from each instant on, this many tasks
    peak: int
    peak_at: datetime | None


@dataclass(frozen=True)
class Calendar:
    stack: str
    start: datetime
    end: datetime
    lanes: tuple[Lane, ...]
    dst_changes: tuple[DstChange, ...]
    concurrency: tuple[Concurrency, ...] = field(default=())

    @property
    def event_count(self) -> int:
        return sum(len(lane.events) for lane in self.lanes)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "from": _iso(self.start),
            "to": _iso(self.end),
            "events": self.event_count,
            "lanes": [
                {
                    "job": lane.job,
                    "schedule": lane.schedule,
                    "cluster": lane.cluster,
                    "timezone": lane.timezone,
                    "expression": lane.expression,
                    "enabled": lane.enabled,
                    "task_count": lane.task_count,
                    "flexible_window_minutes": lane.flexible_window_minutes,
                    "duration_minutes": lane.duration_minutes,
                    "duration_source": lane.duration_source,
                    "truncated": lane.truncated,
                    "events": [
                        {
                            "fire_time": _iso(event.fire_time),
                            "window_end": _iso(event.window_end),
                            "run_end": _iso(event.run_end),
                        }
                        for event in lane.events
                    ],
                }
                for lane in self.lanes
            ],
            "dst_changes": [
                {
                    "timezone": change.timezone,
                    "at": _iso(change.at),
                    "offset_before": _offset(change.offset_before),
                    "offset_after": _offset(change.offset_after),
                }
                for change in self.dst_changes
            ],
            "concurrency": {
                forecast.cluster: {
                    "peak": forecast.peak,
                    "peak_at": _iso(forecast.peak_at),
                    "steps": [[_iso(at), count] for at, count in forecast.steps],
                }
                for forecast in self.concurrency
            },
        }


def expected_durations(
    stack: Stack, overrides: Sequence[str] = (), *, source: str = "the config"
) -> dict[str, tuple[int, DurationSource]]:
    """Each job's expected run time in minutes: its ``expected_duration_minutes``, replaced by
    a ``JOB=MINUTES`` of ``overrides`` (``--duration``); a job with neither is left out."""
    durations: dict[str, tuple[int, DurationSource]] = {
        name: (job.expected_duration_minutes, "config")
        for name, job in stack.jobs.items()
        if job.expected_duration_minutes is not None
    }
    for item in overrides:
        name, _, minutes = item.partition("=")
        if name not in stack.jobs or not minutes.isdigit() or int(minutes) < 1:
            raise OperationError(
                f"--duration {item!r}: expected JOB=MINUTES with a job of {source} "
                f"({', '.join(stack.jobs)}) and a whole number of minutes"
            )
        durations[name] = (int(minutes), "option")
    return durations


def build_calendar(
    desired: DesiredState,
    *,
    start: datetime,
    days: int,
    durations: Mapping[str, tuple[int, DurationSource]],
) -> Calendar:
    """Every schedule's fire times in ``[start, start + days)``; ``durations`` by job."""
    start = start.astimezone(UTC)
    end = start + timedelta(days=days)
    lanes: list[Lane] = []
    for resource in desired.resources.values():
        if resource.type != "aws_scheduler_schedule":
            continue
        properties = resource.properties
        window = properties.get("FlexibleTimeWindow", {}).get("MaximumWindowInMinutes", 0)
        duration, source = durations.get(resource.job, (DEFAULT_DURATION_MINUTES, "default"))
        timezone = str(properties.get("ScheduleExpressionTimezone", "UTC"))
        events: list[Event] = []
        truncated = False
        for fire_time in fire_times(
            parse(str(properties["ScheduleExpression"])),
            timezone,
            after=start - timedelta(microseconds=1),
            start_date=properties.get("StartDate"),
            end_date=properties.get("EndDate"),
        ):
            if fire_time >= end:
                break
            if len(events) == MAX_EVENTS_PER_LANE:
                truncated = True
                break
            window_end = fire_time + timedelta(minutes=window)
            events.append(Event(fire_time, window_end, window_end + timedelta(minutes=duration)))
        target = properties["Target"]
        lanes.append(
            Lane(
                job=resource.job,
                schedule=resource.key or "",
                cluster=str(target["Arn"]),
                timezone=timezone,
                expression=str(properties["ScheduleExpression"]),
                enabled=properties.get("State") == "ENABLED",
                task_count=int(target["EcsParameters"].get("TaskCount", 1)),
                flexible_window_minutes=int(window),
                duration_minutes=duration,
                duration_source=source,
                events=tuple(events),
                truncated=truncated,
            )
        )
    lanes.sort(key=lambda lane: (lane.job, lane.schedule))
    zones = sorted({lane.timezone for lane in lanes})
    changes = tuple(change for zone in zones for change in dst_changes(zone, start, end))
    clusters = sorted({lane.cluster for lane in lanes})
    return Calendar(
        stack=desired.stack,
        start=start,
        end=end,
        lanes=tuple(lanes),
        dst_changes=tuple(sorted(changes, key=lambda change: (change.at, change.timezone))),
        concurrency=tuple(
            concurrency([lane for lane in lanes if lane.cluster == cluster], cluster)
            for cluster in clusters
        ),
    )


def concurrency(lanes: list[Lane], cluster: str) -> Concurrency:
    """How many tasks may run at once on the cluster: a sweep over the enabled lanes' runs."""
    deltas: dict[datetime, int] = {}
    for lane in lanes:
        if not lane.enabled:
            continue
        for event in lane.events:
            deltas[event.fire_time] = deltas.get(event.fire_time, 0) + lane.task_count
            deltas[event.run_end] = deltas.get(event.run_end, 0) - lane.task_count
    steps: list[tuple[datetime, int]] = []
    running = 0
    peak, peak_at = 0, None
    for at in sorted(deltas):
        running += deltas[at]
        steps.append((at, running))
        if running > peak:
            peak, peak_at = running, at
    return Concurrency(cluster, tuple(steps), peak, peak_at)


def dst_changes(timezone: str, start: datetime, end: datetime) -> list[DstChange]:
    """The instants in ``[start, end)`` at which the zone's UTC offset changes."""
    zone = ZoneInfo(timezone)
    found: list[DstChange] = []
    hour = start.replace(minute=0, second=0, microsecond=0)
    before = hour.astimezone(zone).utcoffset()
    while hour < end:
        following = hour + timedelta(hours=1)
        after = following.astimezone(zone).utcoffset()
        if after != before and before is not None and after is not None:
            # Offsets change on a whole minute: the first minute of the hour with the new one.
            high = next(
                minute
                for minute in (hour + timedelta(minutes=m) for m in range(1, 61))
                if minute.astimezone(zone).utcoffset() != before
            )
            if start <= high < end:
                found.append(DstChange(timezone, high, before, after))
        before = after
        hour = following
    return found


# --------------------------------------------------------------------------- HTML page

_WIDTH: Final = 1200
_LABEL: Final = 260
_LANE: Final = 30
_CHART: Final = 90
_COLOURS: Final = {
    "event": "#1f6feb",
    "disabled": "#8b949e",
    "dst": "#bf8700",
    "load": "#2da44e",
    "peak": "#d1242f",
}


def render_html(calendar: Calendar) -> str:
    """One self-contained page: inline SVG and CSS, no script, no network access."""
    plot = _WIDTH - _LABEL - 20
    span = (calendar.end - calendar.start).total_seconds()

    def x(instant: datetime) -> float:
        seconds = (instant - calendar.start).total_seconds()
        return round(_LABEL + max(0.0, min(span, seconds)) / span * plot, 2)

    top = 40
    lanes_height = top + _LANE * len(calendar.lanes) + 10
    charts_top = lanes_height + 30
    height = charts_top + (_CHART + 40) * len(calendar.concurrency) + 10
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="calendar">'
    ]
    day = calendar.start
    while day < calendar.end:
        parts.append(
            f'<line class="day" x1="{x(day)}" y1="{top - 10}" x2="{x(day)}" y2="{height}"/>'
            f'<text class="axis" x="{x(day) + 3}" y="{top - 14}">{day:%a %d %b} UTC</text>'
        )
        day += timedelta(days=1)
    for index, lane in enumerate(calendar.lanes):
        y = top + index * _LANE
        state = "" if lane.enabled else " (disabled)"
        parts.append(
            f'<text class="lane" x="6" y="{y + 19}">{_text(lane.label)}{state}'
            f"<title>{_text(lane.expression)} {_text(lane.timezone)}</title></text>"
            f'<line class="lane-rule" x1="{_LABEL}" y1="{y + _LANE}" '
            f'x2="{_WIDTH - 20}" y2="{y + _LANE}"/>'
        )
        colour = _COLOURS["event" if lane.enabled else "disabled"]
        for event in lane.events:
            width = max(3.0, x(event.window_end) - x(event.fire_time))
            kind = "event flexible" if lane.flexible_window_minutes else "event"
            parts.append(
                f'<rect class="{kind}" data-lane="{_text(lane.label)}" x="{x(event.fire_time)}" '
                f'y="{y + 6}" width="{width:.2f}" height="{_LANE - 12}" fill="{colour}">'
                f"<title>{_text(lane.label)}: {event.fire_time:%Y-%m-%d %H:%M} UTC = "
                f"{event.fire_time.astimezone(ZoneInfo(lane.timezone)):%Y-%m-%d %H:%M %Z}"
                "</title></rect>"
            )
    for change in calendar.dst_changes:
        parts.append(
            f'<line class="dst" x1="{x(change.at)}" y1="{top}" x2="{x(change.at)}" '
            f'y2="{lanes_height}" stroke="{_COLOURS["dst"]}"/>'
            f'<text class="dst-label" x="{x(change.at) + 3}" y="{lanes_height + 12}">'
            f"{_text(change.timezone)} {_offset(change.offset_before)} → "
            f"{_offset(change.offset_after)}</text>"
        )
    for index, forecast in enumerate(calendar.concurrency):
        chart_top = charts_top + index * (_CHART + 40)
        scale = _CHART / max(1, forecast.peak)
        base = chart_top + _CHART
        points = [f"{_LABEL},{base}"]
        level = 0
        for at, count in forecast.steps:
            points.append(f"{x(at)},{base - level * scale:.2f}")
            points.append(f"{x(at)},{base - count * scale:.2f}")
            level = count
        points.append(f"{_WIDTH - 20},{base - level * scale:.2f}")
        cluster = forecast.cluster.rsplit("/", 1)[-1]
        parts.append(
            f'<text class="lane" x="6" y="{chart_top + 14}">tasks on {_text(cluster)}</text>'
            f'<text class="axis" x="6" y="{chart_top + 32}">peak {forecast.peak}</text>'
            f'<polyline class="load" points="{" ".join(points)}" fill="none" '
            f'stroke="{_COLOURS["load"]}"/>'
        )
        if forecast.peak_at is not None:
            parts.append(
                f'<rect class="peak" x="{x(forecast.peak_at) - 4}" '
                f'y="{base - forecast.peak * scale - 4}" width="8" height="8" '
                f'fill="{_COLOURS["peak"]}"><title>peak: {forecast.peak} task(s) at '
                f"{forecast.peak_at:%Y-%m-%d %H:%M} UTC</title></rect>"
            )
    parts.append("</svg>")
    title = f"ecs-scheduler calendar: {calendar.stack}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{_text(title)}</title><style>"
        "body{font:13px system-ui,sans-serif;margin:16px;color:#1f2328;background:#fff}"
        ".day{stroke:#d0d7de}.lane-rule{stroke:#eaeef2}.axis{fill:#57606a;font-size:11px}"
        ".lane{fill:#1f2328}.dst{stroke-width:2;stroke-dasharray:4 3}"
        ".dst-label{fill:#bf8700;font-size:11px}.load{stroke-width:2}"
        "</style></head><body>"
        f"<h1>{_text(title)}</h1>"
        f'<p id="summary">{calendar.event_count} fire time(s) from {_iso(calendar.start)} to '
        f"{_iso(calendar.end)}; {len(calendar.dst_changes)} DST change(s); a task counts from "
        "its fire time to the end of its flexible window plus its expected duration.</p>"
        + "".join(parts)
        + "</body></html>\n"
    )


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def _iso(instant: datetime | None) -> str | None:
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
