"""``parse()``: one entry point for ``cron()``, ``rate()`` and ``at()``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ecs_scheduler.expressions.cron import (
    FIRST_YEAR,
    LAST_YEAR,
    LONGEST_EXPRESSION_SHOWN,
    CronExpression,
    ascii_number,
    parse_cron,
    shown,
)
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

# 1970-01-01 to 2199-12-31: no two fire times of one schedule can be further apart.
_LONGEST_RATE = datetime(LAST_YEAR + 1, 1, 1) - datetime(FIRST_YEAR, 1, 1)

_RATE_BODY = re.compile(r"(?P<value>\S+)\s+(?P<unit>\S+)", re.ASCII)
_AT_BODY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")


def _parse_rate(text: str, body: str) -> RateExpression:
    match = _RATE_BODY.fullmatch(body)
    if match is None:
        raise ExpressionError(
            "rate: expected 'rate(value unit)', as in 'rate(5 minutes)',"
            f" got '{shown(text, LONGEST_EXPRESSION_SHOWN)}'"
        )
    value_text, unit_text = match.group("value", "unit")
    value = ascii_number(value_text)
    if value is None or value < 1:
        raise ExpressionError(
            f"rate: the value must be a whole number of at least 1, not '{shown(value_text)}'"
        )
    # EventBridge Scheduler takes minute|minutes|hour|hours|day|days with any value: unlike
    # EventBridge rules it has no singular-for-1 rule (its API reference and the Terraform
    # provider's own example, 'rate(1 hours)').
    singular = unit_text.removesuffix("s")
    if singular not in _UNIT_LENGTHS:
        raise ExpressionError(
            f"rate: the unit must be minute(s), hour(s) or day(s), not '{shown(unit_text)}'"
        )
    if value > _LONGEST_RATE // _UNIT_LENGTHS[singular]:
        raise ExpressionError(
            f"rate: {shown(value_text)} {unit_text} is longer than the"
            f" {_LONGEST_RATE.days // 365}-year range schedules run in, so it would never fire"
            " twice"
        )
    unit: RateUnit = "minute" if singular == "minute" else "hour" if singular == "hour" else "day"
    return RateExpression(text=text, value=value, unit=unit)


def _parse_at(text: str, body: str) -> AtExpression:
    if _AT_BODY.fullmatch(body) is None:
        raise ExpressionError(
            "at: expected 'at(yyyy-mm-ddThh:mm:ss)', as in 'at(2026-03-11T10:21:00)',"
            f" got '{shown(text, LONGEST_EXPRESSION_SHOWN)}'"
            " (no time zone offset: the schedule's time zone applies)"
        )
    try:
        moment = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise ExpressionError(f"at: '{body}' is not a real date and time") from None
    return AtExpression(text=text, at=moment)


_PARSERS: dict[str, Callable[[str, str], Expression]] = {
    "cron": parse_cron,
    "rate": _parse_rate,
    "at": _parse_at,
}


# White space, checked before anything else (docs/expressions.md, "White space", has the
# sources): AWS rejects ' rate(10 minutes)' and 'rate( 10 minutes )' (answers recorded from
# CreateSchedule in LocalStack's AWS-validated snapshot tests/aws/services/scheduler/
# test_scheduler.snapshot.json, 2025-01-26). Its grammar separates fields by "white space"
# and shows one space in every example; repeated spaces, tabs and line breaks are refused
# here as well, since a file that passes validate must not fail at apply.
_WHITESPACE = " \t\n\r\f\v"
_NOT_ONE_SPACE = re.compile(r"[\t\n\r\f\v]| {2}")


def _check_white_space(keyword: str, body: str) -> None:
    # The usual body passes at once: no tab or line break (they are not printable), no space
    # at either end, none doubled.
    if body.isprintable() and "  " not in body and body[:1] != " " and body[-1:] != " ":
        return
    inner = body.strip(_WHITESPACE)
    if inner != body:
        raise ExpressionError(
            f"{keyword}: no space directly inside the parentheses:"
            f" write '{shown(f'{keyword}({inner})', LONGEST_EXPRESSION_SHOWN)}'"
        )
    if _NOT_ONE_SPACE.search(body):
        fixed = " ".join(body.split())
        raise ExpressionError(
            f"{keyword}: separate the fields with exactly one space (no tabs, line breaks or"
            f" repeated spaces): write '{shown(f'{keyword}({fixed})', LONGEST_EXPRESSION_SHOWN)}'"
        )


def _call(text: str) -> tuple[str, str] | None:
    """``(keyword, body)`` of ``keyword(body)``, the keyword ASCII letters; else None."""
    keyword, parenthesis, rest = text.partition("(")
    if parenthesis and rest.endswith(")") and keyword.isalpha() and keyword.isascii():
        return keyword, rest[:-1]
    return None


def parse(text: str) -> Expression:
    """Parse and validate a schedule expression exactly as EventBridge Scheduler reads it."""
    call = _call(text)
    if call is None:  # which white space around the text always causes
        stripped = text.strip(_WHITESPACE)
        if stripped != text and _call(stripped):
            raise ExpressionError(
                f"'{shown(text, LONGEST_EXPRESSION_SHOWN)}' has white space before or after the"
                f" expression: write '{shown(stripped, LONGEST_EXPRESSION_SHOWN)}'"
            )
        raise ExpressionError(
            f"'{shown(text, LONGEST_EXPRESSION_SHOWN)}' is not a schedule expression:"
            " expected cron(...), rate(...) or at(...)"
        )
    keyword, body = call
    parser = _PARSERS.get(keyword)
    if parser is None:
        if keyword.lower() in _PARSERS:
            raise ExpressionError(
                f"'{keyword}(' must be written in lower case: '{keyword.lower()}(...)'"
            )
        raise ExpressionError(
            f"'{shown(keyword)}(...)' is not a schedule expression:"
            " expected cron(...), rate(...) or at(...)"
        )
    _check_white_space(keyword, body)
    return parser(text, body)
