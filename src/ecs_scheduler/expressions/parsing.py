"""``parse()``: one entry point for ``cron()``, ``rate()`` and ``at()``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ecs_scheduler.expressions.cron import CronExpression, parse_cron
from ecs_scheduler.expressions.errors import ExpressionError

RateUnit = Literal["minute", "hour", "day"]
_UNIT_LENGTHS: dict[str, timedelta] = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
}


@dataclass(frozen=True, slots=True)
class RateExpression:
    """``rate(value unit)``: a fixed elapsed interval, whatever the clocks do."""

    text: str
    value: int
    unit: RateUnit

    @property
    def interval(self) -> timedelta:
        return self.value * _UNIT_LENGTHS[self.unit]


@dataclass(frozen=True, slots=True)
class AtExpression:
    """``at(yyyy-mm-ddThh:mm:ss)``: one wall-clock time in the schedule's time zone."""

    text: str
    at: datetime  # naive: a wall time, read in the schedule's time zone


Expression = CronExpression | RateExpression | AtExpression

_CALL = re.compile(r"(?P<keyword>[A-Za-z]+)\((?P<body>.*)\)", re.DOTALL)
_RATE_BODY = re.compile(r"(?P<value>\S+)\s+(?P<unit>\S+)")
_AT_BODY = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def _parse_rate(text: str, body: str) -> RateExpression:
    match = _RATE_BODY.fullmatch(body.strip())
    if match is None:
        raise ExpressionError(
            f"rate: expected 'rate(value unit)', as in 'rate(5 minutes)', got '{text}'"
        )
    value_text, unit_text = match.group("value", "unit")
    if not value_text.isdigit() or int(value_text) < 1:
        raise ExpressionError(
            f"rate: the value must be a whole number of at least 1, not '{value_text}'"
        )
    value = int(value_text)
    singular = unit_text.removesuffix("s")
    if singular not in _UNIT_LENGTHS:
        raise ExpressionError(
            f"rate: the unit must be minute(s), hour(s) or day(s), not '{unit_text}'"
        )
    expected = singular if value == 1 else f"{singular}s"
    if unit_text != expected:
        raise ExpressionError(
            f"rate: with the value {value} the unit must be '{expected}', not '{unit_text}'"
            " (singular for 1, plural otherwise)"
        )
    unit: RateUnit = "minute" if singular == "minute" else "hour" if singular == "hour" else "day"
    return RateExpression(text=text, value=value, unit=unit)


def _parse_at(text: str, body: str) -> AtExpression:
    if _AT_BODY.fullmatch(body) is None:
        raise ExpressionError(
            f"at: expected 'at(yyyy-mm-ddThh:mm:ss)', as in 'at(2026-03-11T10:21:00)', got '{text}'"
            " (no time zone offset: the schedule's time zone applies)"
        )
    try:
        moment = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise ExpressionError(f"at: '{body}' is not a real date and time") from None
    return AtExpression(text=text, at=moment)


def parse(text: str) -> Expression:
    """Parse and validate a schedule expression exactly as EventBridge Scheduler reads it."""
    match = _CALL.fullmatch(text)
    if match is None:
        raise ExpressionError(
            f"'{text}' is not a schedule expression: expected cron(...), rate(...) or at(...)"
        )
    keyword, body = match.group("keyword", "body")
    parsers: dict[str, Callable[[str, str], Expression]] = {
        "cron": parse_cron,
        "rate": _parse_rate,
        "at": _parse_at,
    }
    parser = parsers.get(keyword)
    if parser is None:
        if keyword.lower() in parsers:
            raise ExpressionError(
                f"'{keyword}(' must be written in lower case: '{keyword.lower()}(...)'"
            )
        raise ExpressionError(
            f"'{keyword}(...)' is not a schedule expression:"
            " expected cron(...), rate(...) or at(...)"
        )
    return parser(text, body)
