"""Validity tables: what AWS accepts, what it rejects, and the message that names the field."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ecs_scheduler.errors import EcsSchedulerError
from ecs_scheduler.expressions import (
    AtExpression,
    CronExpression,
    DayOfMonthRule,
    DayOfWeekRule,
    ExpressionError,
    RateExpression,
    parse,
)

ALL_MINUTES = tuple(range(60))
ALL_HOURS = tuple(range(24))
ALL_MONTHS = tuple(range(1, 13))
ALL_YEARS = tuple(range(1970, 2200))


def cron(text: str) -> CronExpression:
    expression = parse(text)
    assert isinstance(expression, CronExpression)
    assert expression.text == text
    return expression


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", ALL_MINUTES),
        ("0", (0,)),
        ("59", (59,)),
        ("07", (7,)),
        ("0,15,30,45", (0, 15, 30, 45)),
        ("10-13", (10, 11, 12, 13)),
        ("0/15", (0, 15, 30, 45)),
        ("1/10", (1, 11, 21, 31, 41, 51)),  # the AWS reference's own example
        ("*/20", (0, 20, 40)),
        ("5-40/5", (5, 10, 15, 20, 25, 30, 35, 40)),
        ("55-5", (0, 1, 2, 3, 4, 5, 55, 56, 57, 58, 59)),
        ("50-10/5", (0, 5, 10, 50, 55)),
        ("1,5-7,50/5", (1, 5, 6, 7, 50, 55)),
        ("30,30", (30,)),
    ],
)
def test_minutes_field(field: str, expected: tuple[int, ...]) -> None:
    assert cron(f"cron({field} * * * ? *)").minutes == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", ALL_HOURS),
        ("23", (23,)),
        ("9-17", tuple(range(9, 18))),
        ("20-2", (0, 1, 2, 20, 21, 22, 23)),
        ("22-2/2", (0, 2, 22)),
        ("*/6", (0, 6, 12, 18)),
        ("6/6", (6, 12, 18)),
        ("9,18", (9, 18)),
    ],
)
def test_hours_field(field: str, expected: tuple[int, ...]) -> None:
    assert cron(f"cron(0 {field} * * ? *)").hours == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", ALL_MONTHS),
        ("JAN", (1,)),
        ("dec", (12,)),
        ("Jan,Jul", (1, 7)),
        ("JAN-MAR", (1, 2, 3)),
        ("NOV-FEB", (1, 2, 11, 12)),
        ("1-12/3", (1, 4, 7, 10)),
        ("*/4", (1, 5, 9)),
        ("MAR/3", (3, 6, 9, 12)),
        ("2-MAY", (2, 3, 4, 5)),
    ],
)
def test_month_field(field: str, expected: tuple[int, ...]) -> None:
    assert cron(f"cron(0 0 1 {field} ? *)").months == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", ALL_YEARS),
        ("1970", (1970,)),
        ("2199", (2199,)),
        ("2026-2028", (2026, 2027, 2028)),
        ("2026/100", (2026, 2126)),
        ("*/100", (1970, 2070, 2170)),
        ("2030,2026", (2026, 2030)),
    ],
)
def test_year_field(field: str, expected: tuple[int, ...]) -> None:
    assert cron(f"cron(0 0 1 * ? {field})").years == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", DayOfMonthRule(days=tuple(range(1, 32)))),
        ("1", DayOfMonthRule(days=(1,))),
        ("1,15", DayOfMonthRule(days=(1, 15))),
        ("1-7", DayOfMonthRule(days=tuple(range(1, 8)))),
        ("28-3", DayOfMonthRule(days=(1, 2, 3, 28, 29, 30, 31))),
        ("1/10", DayOfMonthRule(days=(1, 11, 21, 31))),
        ("*/15", DayOfMonthRule(days=(1, 16, 31))),
        ("L", DayOfMonthRule(last_day=True)),
        ("l", DayOfMonthRule(last_day=True)),
        ("LW", DayOfMonthRule(last_weekday=True)),
        ("15W", DayOfMonthRule(nearest_weekday_to=15)),
        ("1W", DayOfMonthRule(nearest_weekday_to=1)),
        ("31W", DayOfMonthRule(nearest_weekday_to=31)),
    ],
)
def test_day_of_month_field(field: str, expected: DayOfMonthRule) -> None:
    assert cron(f"cron(0 0 {field} * ? *)").day_rule == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", DayOfWeekRule(weekdays=(1, 2, 3, 4, 5, 6, 7))),
        ("1", DayOfWeekRule(weekdays=(1,))),
        ("MON-FRI", DayOfWeekRule(weekdays=(2, 3, 4, 5, 6))),
        ("2-6", DayOfWeekRule(weekdays=(2, 3, 4, 5, 6))),
        ("mon,wed,fri", DayOfWeekRule(weekdays=(2, 4, 6))),
        ("FRI-MON", DayOfWeekRule(weekdays=(1, 2, 6, 7))),
        ("SAT,SUN", DayOfWeekRule(weekdays=(1, 7))),
        ("L", DayOfWeekRule(weekdays=(7,))),
        ("6L", DayOfWeekRule(last_of_weekday=6)),
        ("FRIL", DayOfWeekRule(last_of_weekday=6)),
        ("3#2", DayOfWeekRule(nth_weekday=(3, 2))),
        ("TUE#2", DayOfWeekRule(nth_weekday=(3, 2))),
        ("6#5", DayOfWeekRule(nth_weekday=(6, 5))),
    ],
)
def test_day_of_week_field(field: str, expected: DayOfWeekRule) -> None:
    assert cron(f"cron(0 0 ? * {field} *)").day_rule == expected


@pytest.mark.parametrize(
    "text",
    [
        # The examples of the AWS cron reference.
        "cron(0 10 * * ? *)",
        "cron(15 12 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0/10 * ? * MON-FRI *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 0 ? * 3#1 *)",
        # More forms AWS documents.
        "cron(0 12 L * ? *)",
        "cron(0 12 LW * ? *)",
        "cron(0 12 3W * ? *)",
        "cron(0 12 ? * 6L *)",
        "cron(0 12 ? * L *)",
        "cron(0 6 ? JAN,FEB,MAR MON *)",
        "cron(0 20-2 * * ? *)",
        "cron(0 0 1 1 ? 1970)",
        "cron(59 23 31 12 ? 2199)",
    ],
)
def test_valid_cron_expressions(text: str) -> None:
    assert cron(text).text == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "cron(0 0 * * ?)",
            "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got 5"
            " - AWS cron has a year field and no seconds field",
        ),
        ("cron(0 0 0 * * ? *)", "cron: expected 6 fields"),
        (
            "cron()",
            "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got 0",
        ),
        (
            "cron(0 0 ? * 8 *)",
            "cron field 5 (day-of-week): '8' is out of range 1-7 (1=SUN … 7=SAT)",
        ),
        ("cron(0 0 ? * 0 *)", "cron field 5 (day-of-week): '0' is out of range 1-7"),
        ("cron(60 0 * * ? *)", "cron field 1 (minutes): '60' is out of range 0-59"),
        ("cron(0 24 * * ? *)", "cron field 2 (hours): '24' is out of range 0-23"),
        ("cron(0 0 32 * ? *)", "cron field 3 (day-of-month): '32' is out of range 1-31"),
        ("cron(0 0 0 * ? *)", "cron field 3 (day-of-month): '0' is out of range 1-31"),
        ("cron(0 0 1 13 ? *)", "cron field 4 (month): '13' is out of range 1-12 (or JAN-DEC)"),
        ("cron(0 0 1 0 ? *)", "cron field 4 (month): '0' is out of range 1-12"),
        ("cron(0 0 1 * ? 1969)", "cron field 6 (year): '1969' is out of range 1970-2199"),
        ("cron(0 0 1 * ? 2200)", "cron field 6 (year): '2200' is out of range 1970-2199"),
        (
            "cron(0 0 * * * *)",
            "cron: exactly one of day-of-month and day-of-week must be '?' (got '*' and '*')",
        ),
        (
            "cron(0 0 ? * ? *)",
            "cron: exactly one of day-of-month and day-of-week must be '?' (got '?' and '?')",
        ),
        ("cron(0 0 1 * MON *)", "cron: exactly one of day-of-month and day-of-week must be '?'"),
        (
            "cron(? 0 * * ? *)",
            "cron field 1 (minutes): '?' is only allowed in day-of-month or day-of-week",
        ),
        ("cron(0 ? * * ? *)", "cron field 2 (hours): '?' is only allowed"),
        ("cron(0 0 * ? ? *)", "cron field 4 (month): '?' is only allowed"),
        ("cron(0 0 * * ? ?)", "cron field 6 (year): '?' is only allowed"),
        ("cron(0 0 1,? * ? *)", "cron field 3 (day-of-month): '?' must stand alone, not in '1,?'"),
        (
            "cron(L 0 * * ? *)",
            "cron field 1 (minutes): 'L' is only allowed in day-of-month or day-of-week",
        ),
        ("cron(0 L * * ? *)", "cron field 2 (hours): 'L' is only allowed"),
        ("cron(0 0 1 L ? *)", "cron field 4 (month): 'L' is only allowed"),
        ("cron(0 0 1 * ? L)", "cron field 6 (year): 'L' is only allowed"),
        ("cron(5W 0 * * ? *)", "cron field 1 (minutes): 'W' is only allowed in day-of-month"),
        ("cron(0 0 ? * 2W *)", "cron field 5 (day-of-week): 'W' is only allowed in day-of-month"),
        ("cron(0 0 1#2 * ? *)", "cron field 3 (day-of-month): '#' is only allowed in day-of-week"),
        ("cron(1#2 0 * * ? *)", "cron field 1 (minutes): '#' is only allowed in day-of-week"),
        (
            "cron(0 0 1-5W * ? *)",
            "cron field 3 (day-of-month): '1-5W': 'W' takes one day of the month",
        ),
        ("cron(0 0 1,15W * ? *)", "cron field 3 (day-of-month): '1,15W': 'W' takes one day"),
        ("cron(0 0 32W * ? *)", "cron field 3 (day-of-month): '32' is out of range 1-31"),
        ("cron(0 0 L,15 * ? *)", "cron field 3 (day-of-month): 'L,15': 'L' stands alone"),
        ("cron(0 0 L-3 * ? *)", "cron field 3 (day-of-month): 'L-3': 'L' stands alone"),
        (
            "cron(0 0 ? * 3#1,6#3 *)",
            "cron field 5 (day-of-week): '3#1,6#3': only one '#' expression",
        ),
        (
            "cron(0 0 ? * 3#6 *)",
            "cron field 5 (day-of-week): '3#6': the occurrence after '#' must be 1-5, not '6'",
        ),
        (
            "cron(0 0 ? * 3#0 *)",
            "cron field 5 (day-of-week): '3#0': the occurrence after '#' must be 1-5, not '0'",
        ),
        ("cron(0 0 ? * 8#1 *)", "cron field 5 (day-of-week): '8' is out of range 1-7"),
        ("cron(0 0 ? * 6L,2 *)", "cron field 5 (day-of-week): '6L,2': 'L' stands alone"),
        ("cron(0 0 ? * 8L *)", "cron field 5 (day-of-week): '8' is out of range 1-7"),
        ("cron(0 0 ? * */2 *)", "cron field 5 (day-of-week): '/' is not allowed in day-of-week"),
        (
            "cron(0/0 * * * ? *)",
            "cron field 1 (minutes): the increment in '0/0' must be 1-59, not 0",
        ),
        (
            "cron(0/60 * * * ? *)",
            "cron field 1 (minutes): the increment in '0/60' must be 1-59, not 60",
        ),
        (
            "cron(0 */24 * * ? *)",
            "cron field 2 (hours): the increment in '*/24' must be 1-23, not 24",
        ),
        (
            "cron(0/x * * * ? *)",
            "cron field 1 (minutes): the increment in '0/x' must be a whole number 1-59",
        ),
        (
            "cron(0/ * * * ? *)",
            "cron field 1 (minutes): the increment in '0/' must be a whole number",
        ),
        (
            "cron(1-2-3 * * * ? *)",
            "cron field 1 (minutes): '1-2-3' is not a value, range or increment",
        ),
        ("cron(*-5 * * * ? *)", "cron field 1 (minutes): '*-5' is not a valid range"),
        ("cron(1,,2 * * * ? *)", "cron field 1 (minutes): '1,,2' has an empty item"),
        ("cron(1, * * * ? *)", "cron field 1 (minutes): '1,' has an empty item"),
        ("cron(1-x * * * ? *)", "cron field 1 (minutes): 'x' in '1-x' is not a number 0-59"),
        ("cron(x * * * ? *)", "cron field 1 (minutes): 'x' is not a number 0-59"),
        ("cron(-1 * * * ? *)", "cron field 1 (minutes): '-1' is not a value, range or increment"),
        (
            "cron(0 0 1 JANUARY ? *)",
            "cron field 4 (month): 'JANUARY' is neither a month name (JAN-DEC) nor a number 1-12",
        ),
        (
            "cron(0 0 ? * MONDAY *)",
            "cron field 5 (day-of-week): 'MONDAY' is neither a day name (SUN-SAT) nor a number 1-7",
        ),
        ("cron(0 0 1 * ? 2030-2020)", "cron field 6 (year): the range '2030-2020' goes backwards"),
        # Only ASCII digits are numbers; str.isdigit() alone would take these.
        ("cron(0 \u00b2 * * ? *)", "cron field 2 (hours): '\u00b2' is not a number 0-23"),
        ("cron(0 0 \uff15 * ? *)", "cron field 3 (day-of-month): '\uff15' is not a number 1-31"),
        (
            "cron(0 0 1 * ? \u0662\u0660\u0662\u0666)",
            "cron field 6 (year): '\u0662\u0660\u0662\u0666' is not",
        ),
        ("cron(0 0 \uff11W * ? *)", "cron field 3 (day-of-month): '\uff11W': 'W' takes one day"),
        ("cron(0\u00a00 * * ? *)", "cron: expected 6 fields"),
    ],
)
def test_invalid_cron_expressions(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert str(caught.value).startswith(message)


def test_every_invalid_field_is_reported_at_once() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("cron(60 24 32 13 ? 2200)")
    assert caught.value.problems == (
        "cron field 1 (minutes): '60' is out of range 0-59",
        "cron field 2 (hours): '24' is out of range 0-23",
        "cron field 3 (day-of-month): '32' is out of range 1-31",
        "cron field 4 (month): '13' is out of range 1-12 (or JAN-DEC)",
        "cron field 6 (year): '2200' is out of range 1970-2199",
    )
    assert str(caught.value) == "; ".join(caught.value.problems)


def test_both_day_fields_given_are_still_checked_each_on_its_own() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("cron(0 0 32 1 W *)")
    assert caught.value.problems == (
        "cron field 3 (day-of-month): '32' is out of range 1-31",
        "cron field 5 (day-of-week): 'W' is only allowed in day-of-month, not in 'W'",
        "cron: exactly one of day-of-month and day-of-week must be '?' (got '32' and 'W')",
    )


def test_expression_error_is_the_projects_user_facing_error() -> None:
    assert issubclass(ExpressionError, EcsSchedulerError)


@pytest.mark.parametrize(
    ("text", "value", "unit", "interval"),
    [
        ("rate(1 minute)", 1, "minute", timedelta(minutes=1)),
        ("rate(5 minutes)", 5, "minute", timedelta(minutes=5)),
        ("rate(1 hour)", 1, "hour", timedelta(hours=1)),
        ("rate(12 hours)", 12, "hour", timedelta(hours=12)),
        ("rate(1 day)", 1, "day", timedelta(days=1)),
        ("rate(7 days)", 7, "day", timedelta(days=7)),
        ("rate(1440 minutes)", 1440, "minute", timedelta(days=1)),
        ("rate(84006 days)", 84006, "day", timedelta(days=84006)),
        # EventBridge Scheduler has no singular-for-1 rule: either form, any value.
        ("rate(1 minutes)", 1, "minute", timedelta(minutes=1)),
        ("rate(5 hour)", 5, "hour", timedelta(hours=5)),
        ("rate(1 hours)", 1, "hour", timedelta(hours=1)),
        ("rate(2 day)", 2, "day", timedelta(days=2)),
        ("rate(1 days)", 1, "day", timedelta(days=1)),
        ("rate(007 minutes)", 7, "minute", timedelta(minutes=7)),
    ],
)
def test_valid_rate_expressions(text: str, value: int, unit: str, interval: timedelta) -> None:
    expression = parse(text)
    assert expression == RateExpression(text=text, value=value, unit=unit)  # type: ignore[arg-type]
    assert isinstance(expression, RateExpression)
    assert expression.interval == interval


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rate(0 minutes)", "rate: the value must be a whole number of at least 1, not '0'"),
        ("rate(-5 minutes)", "rate: the value must be a whole number of at least 1, not '-5'"),
        ("rate(1.5 hours)", "rate: the value must be a whole number of at least 1, not '1.5'"),
        ("rate(5 weeks)", "rate: the unit must be minute(s), hour(s) or day(s), not 'weeks'"),
        ("rate(5 seconds)", "rate: the unit must be minute(s), hour(s) or day(s), not 'seconds'"),
        ("rate(5 Minutes)", "rate: the unit must be minute(s), hour(s) or day(s), not 'Minutes'"),
        (
            "rate(99999999999999 minutes)",
            "rate: 99999999999999 minutes is longer than the 230-year range schedules run in",
        ),
        ("rate(84007 days)", "rate: 84007 days is longer than the 230-year range"),
        (
            "rate(\uff15 minutes)",
            "rate: the value must be a whole number of at least 1, not '\uff15'",
        ),
        ("rate(5)", "rate: expected 'rate(value unit)'"),
        ("rate()", "rate: expected 'rate(value unit)'"),
        ("rate(5 minutes now)", "rate: expected 'rate(value unit)'"),
    ],
)
def test_invalid_rate_expressions(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert str(caught.value).startswith(message)


HUGE = "9" * 5000  # past the 4300 digits Python's int() accepts


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"cron({HUGE} * * * ? *)", "cron field 1 (minutes): '99999999999999999999999…'"),
        (f"cron(0 {HUGE}-3 * * ? *)", "cron field 2 (hours): '99999999999999999999999…' is out"),
        (f"cron(*/{HUGE} * * * ? *)", "cron field 1 (minutes): the increment in '*/9999"),
        (f"cron(0 0 ? * 2#{HUGE} *)", "cron field 5 (day-of-week): '2#999999999999999999999…'"),
        (f"cron(0 0 {HUGE}W * ? *)", "cron field 3 (day-of-month): '99999999999999999999999…'"),
        (f"cron(0 0 1 1 ? {HUGE})", "cron field 6 (year): '99999999999999999999999…' is out"),
        (f"rate({HUGE} minutes)", "rate: 99999999999999999999999… minutes is longer than"),
        (f"rate({HUGE} weeks)", "rate: the unit must be minute(s), hour(s) or day(s)"),
    ],
)
def test_numbers_of_any_length_are_expression_errors_with_a_short_message(
    text: str, message: str
) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert str(caught.value).startswith(message)
    assert len(str(caught.value)) < 300


def test_leading_zeros_of_any_length_keep_the_value() -> None:
    expression = parse(f"cron({'0' * 5000}5 * * * ? *)")
    assert isinstance(expression, CronExpression)
    assert expression.minutes == (5,)


def test_valid_at_expression_is_a_wall_time() -> None:
    expression = parse("at(2026-03-11T10:21:00)")
    assert expression == AtExpression(
        text="at(2026-03-11T10:21:00)", at=datetime(2026, 3, 11, 10, 21)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("at(2026-02-30T00:00:00)", "at: '2026-02-30T00:00:00' is not a real date and time"),
        ("at(2026-01-01T24:00:00)", "at: '2026-01-01T24:00:00' is not a real date and time"),
        ("at(2026-01-01T10:00)", "at: expected 'at(yyyy-mm-ddThh:mm:ss)'"),
        ("at(2026-01-01 10:00:00)", "at: expected 'at(yyyy-mm-ddThh:mm:ss)'"),
        ("at(2026-01-01T10:00:00Z)", "at: expected 'at(yyyy-mm-ddThh:mm:ss)'"),
        ("at(2026-01-01T10:00:00+01:00)", "at: expected 'at(yyyy-mm-ddThh:mm:ss)'"),
        ("at(26-01-01T10:00:00)", "at: expected 'at(yyyy-mm-ddThh:mm:ss)'"),
        ("at(\uff12026-01-01T10:00:00)", "at: expected 'at(yyyy-mm-ddThh:mm:ss)'"),
    ],
)
def test_invalid_at_expressions(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CRON(0 0 * * ? *)", "'CRON(' must be written in lower case: 'cron(...)'"),
        ("Rate(5 minutes)", "'Rate(' must be written in lower case: 'rate(...)'"),
        ("AT(2026-01-01T00:00:00)", "'AT(' must be written in lower case: 'at(...)'"),
        ("every(5 minutes)", "'every(...)' is not a schedule expression"),
        ("0 0 * * ? *", "'0 0 * * ? *' is not a schedule expression"),
        ("", "'' is not a schedule expression"),
        ("cron(0 0 * * ? *", "'cron(0 0 * * ? *' is not a schedule expression"),
        (
            " cron(0 0 * * ? *)",
            "' cron(0 0 * * ? *)' has white space before or after the expression",
        ),
        ("@daily", "'@daily' is not a schedule expression"),
    ],
)
def test_not_an_expression(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert str(caught.value).startswith(message)


def test_parsed_expressions_are_frozen_and_hashable() -> None:
    expression = cron("cron(0 6 ? * MON-FRI *)")
    assert hash(expression) == hash(parse("cron(0 6 ? * MON-FRI *)"))
    with pytest.raises(AttributeError):
        expression.minutes = (1,)  # type: ignore[misc]
