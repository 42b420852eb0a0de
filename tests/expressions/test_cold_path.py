"""The cold path (parse + first fire time) reads by hand what regular expressions read before.

Each property holds the hand-written reading to the regular expression it replaced, on
arbitrary text, and first_fire_time() to the first of fire_times().
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_scheduler.expressions import ExpressionError, fire_times, first_fire_time, parse
from ecs_scheduler.expressions.cron import (
    DAY_OF_MONTH,
    DAY_OF_WEEK,
    FIELDS,
    HOURS,
    MINUTES,
    MONTH,
    YEAR,
    _expand_item,
    _FieldError,
    _FieldSpec,
)
from ecs_scheduler.expressions.parsing import _call, _check_white_space

# What the parser matched with before reading these by hand.
OLD_CALL = re.compile(r"(?P<keyword>[A-Za-z]+)\((?P<body>.*)\)", re.DOTALL)
OLD_ITEM = re.compile(r"(?P<start>[^-/]+)(?:-(?P<end>[^-/]+))?(?:/(?P<step>.*))?")
OLD_WHITESPACE = " \t\n\r\f\v"
OLD_NOT_ONE_SPACE = re.compile(r"[\t\n\r\f\v]| {2}")


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="cronateA(x) \t\nü1", max_size=14))
def test_call_splits_exactly_as_the_regular_expression_did(text: str) -> None:
    match = OLD_CALL.fullmatch(text)
    expected = None if match is None else match.group("keyword", "body")
    assert _call(text) == expected


def _item_shape_error(spec_index: int, item: str) -> bool:
    try:
        _expand_item(FIELDS[spec_index], item)
    except _FieldError as problem:
        return "is not a value, range or increment" in str(problem)
    return False


# No line breaks: parse() refuses them before any field is read (test_white_space.py).
@settings(max_examples=800, deadline=None)
@given(
    spec_index=st.integers(0, len(FIELDS) - 1),
    item=st.text(alphabet="0123456789-/*LW#?MONJA", min_size=0, max_size=8),
)
def test_items_have_the_shape_the_regular_expression_took(spec_index: int, item: str) -> None:
    assert _item_shape_error(spec_index, item) == (OLD_ITEM.fullmatch(item) is None)


@pytest.mark.parametrize(
    ("spec", "item", "values"),
    [
        (MINUTES, "0/15", [0, 15, 30, 45]),
        (MINUTES, "*/20", [0, 20, 40]),
        (HOURS, "8-17/3", [8, 11, 14, 17]),
        (HOURS, "22-2", [0, 1, 2, 22, 23]),
        (HOURS, "20-3/2", [0, 2, 20, 22]),  # wraps, then sorted
        (DAY_OF_MONTH, "28-3/2", [1, 3, 28, 30]),
        (MONTH, "NOV-FEB", [1, 2, 11, 12]),
        (DAY_OF_WEEK, "FRI-MON", [1, 2, 6, 7]),
        (YEAR, "2190/4", [2190, 2194, 2198]),
        (MINUTES, "05", [5]),
        (MONTH, "jan-mar", [1, 2, 3]),
    ],
)
def test_items_expand_to_sorted_values(spec: _FieldSpec, item: str, values: list[int]) -> None:
    assert _expand_item(spec, item) == values


def _old_white_space_problem(body: str) -> bool:
    return body.strip(OLD_WHITESPACE) != body or OLD_NOT_ONE_SPACE.search(body) is not None


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet=" \t\n\r\f\v\xa0\u2028a1*?", max_size=8))
def test_white_space_is_refused_exactly_when_it_was(body: str) -> None:
    try:
        _check_white_space("cron", body)
    except ExpressionError:
        refused = True
    else:
        refused = False
    assert refused == _old_white_space_problem(body)


CRON = st.sampled_from(
    [
        "cron(0 6 ? * MON-FRI *)",
        "cron(0/15 * * * ? *)",
        "cron(30 2 * * ? *)",
        "cron(0 12 L * ? *)",
        "cron(0 12 15W * ? *)",
        "cron(0 12 ? * 6L *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 20-2 * * ? *)",
        "cron(0 0 29 2 ? 2028-2040)",
        "cron(30 2 * 3,10 ? *)",
        "rate(7 hours)",
        "at(2027-03-14T02:30:00)",
        "at(2027-11-07T01:30:00)",
    ]
)
ZONES = st.sampled_from(["UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"])
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2045, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(
    text=CRON,
    zone=ZONES,
    after=INSTANTS,
    start_days=st.none() | st.integers(-400, 400),
    length_days=st.none() | st.integers(0, 800),
)
def test_first_fire_time_is_the_first_of_fire_times(
    text: str, zone: str, after: datetime, start_days: int | None, length_days: int | None
) -> None:
    expression = parse(text)
    start_date = None if start_days is None else after + timedelta(days=start_days)
    end_date = None if length_days is None else after + timedelta(days=length_days)
    window = {"start_date": start_date, "end_date": end_date}
    expected = next(fire_times(expression, zone, after=after, **window), None)
    assert first_fire_time(expression, zone, after=after, **window) == expected
