"""AWS cron expressions: ``cron(minutes hours day-of-month month day-of-week year)``.

Parsing turns each field into a sorted tuple of the values it allows, once; the two day
fields become a :class:`DayOfMonthRule` or :class:`DayOfWeekRule`, resolved per month into
the days that match (weekday lists cached; the other forms cost less to work out than to look up).

Semantics follow the AWS reference (and Quartz, which AWS cron derives from, where AWS is
silent): 1=SUN … 7=SAT; ``L`` alone in day-of-week is Saturday (the last day of the week);
ranges wrap in every cyclic field (``20-2`` hours, ``FRI-MON``, ``NOV-FEB``, ``28-3``) but
not in the year; ``a/n`` means a, a+n, … up to the field's maximum; a step must be between 1
and the field's span (59 for minutes, 23 for hours, 30 for day-of-month, 11 for month).
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from ecs_scheduler.expressions.errors import ExpressionError

FIRST_YEAR = 1970
LAST_YEAR = 2199

MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity: six exist
class _FieldSpec:
    position: int
    name: str
    low: int
    high: int
    names: tuple[str, ...]  # names[i] stands for low + i
    cyclic: bool
    wildcards: str
    # Every value in its plain spelling ('5', 'MON'), so a field's common tokens are one
    # lookup; other spellings ('05', 'mon') and mistakes take the general path.
    tokens: dict[str, int] = field(init=False)
    every_value: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        every_value = tuple(range(self.low, self.high + 1))
        tokens = {str(value): value for value in every_value}
        tokens.update({name: self.low + index for index, name in enumerate(self.names)})
        object.__setattr__(self, "tokens", tokens)
        object.__setattr__(self, "every_value", every_value)

    @property
    def label(self) -> str:
        return f"cron field {self.position} ({self.name})"

    @property
    def allowed_range(self) -> str:
        if self.name == "day-of-week":
            return "1-7 (1=SUN … 7=SAT)"
        if self.name == "month":
            return "1-12 (or JAN-DEC)"
        return f"{self.low}-{self.high}"


MINUTES = _FieldSpec(1, "minutes", 0, 59, (), True, ", - * /")
HOURS = _FieldSpec(2, "hours", 0, 23, (), True, ", - * /")
DAY_OF_MONTH = _FieldSpec(3, "day-of-month", 1, 31, (), True, ", - * ? / L W")
MONTH = _FieldSpec(4, "month", 1, 12, MONTH_NAMES, True, ", - * /")
DAY_OF_WEEK = _FieldSpec(5, "day-of-week", 1, 7, WEEKDAY_NAMES, True, ", - * ? L #")
YEAR = _FieldSpec(6, "year", FIRST_YEAR, LAST_YEAR, (), False, ", - * /")
FIELDS = (MINUTES, HOURS, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR)


@dataclass(frozen=True, slots=True)
class DayOfMonthRule:
    """Day-of-month given, day-of-week ``?``. At most one of the special forms is set."""

    days: tuple[int, ...] = ()
    last_day: bool = False  # L
    last_weekday: bool = False  # LW
    nearest_weekday_to: int | None = None  # nW

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        # Not cached: working a month out costs less than hashing the rule for a lookup.
        if self.days and self.days[-1] <= 28:  # in every month
            return self.days
        last = _month_length(year, month)
        if self.days:
            return self.days[: bisect_right(self.days, last)]
        if self.last_day:
            return (last,)
        if self.last_weekday:
            weekday = aws_weekday(year, month, last)
            return (last - {7: 1, 1: 2}.get(weekday, 0),)
        if self.nearest_weekday_to is not None:
            day = self.nearest_weekday_to
            if day > last:  # W never leaves its month, and this month has no such day
                return ()
            weekday = aws_weekday(year, month, day)
            if weekday == 7:  # Saturday: Friday before, unless that is last month
                day = day + 2 if day == 1 else day - 1
            elif weekday == 1:  # Sunday: Monday after, unless that is next month
                day = day - 2 if day == last else day + 1
            return (day,)
        return ()  # no day given: never (parse() always gives one)


@dataclass(frozen=True, slots=True)
class DayOfWeekRule:
    """Day-of-week given, day-of-month ``?``. Weekdays use AWS numbering, 1=SUN … 7=SAT."""

    weekdays: tuple[int, ...] = ()
    last_of_weekday: int | None = None  # nL: the last such weekday of the month
    nth_weekday: tuple[int, int] | None = None  # n#k: the k-th such weekday of the month

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        if self.last_of_weekday is not None:
            last = _month_length(year, month)
            last_weekday = aws_weekday(year, month, last)
            return (last - (last_weekday - self.last_of_weekday) % 7,)
        if self.nth_weekday is not None:
            weekday, occurrence = self.nth_weekday
            day = 1 + (weekday - aws_weekday(year, month, 1)) % 7 + 7 * (occurrence - 1)
            return (day,) if day <= _month_length(year, month) else ()
        return _weekdays_of_month(self.weekdays, year, month)


DayRule = DayOfMonthRule | DayOfWeekRule


@dataclass(frozen=True, slots=True)
class CronExpression:
    """A parsed, valid ``cron(...)``; every field is a sorted tuple of allowed values."""

    text: str
    fields: tuple[str, str, str, str, str, str]  # as written, for describe()
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: tuple[int, ...]
    years: tuple[int, ...]
    day_rule: DayRule


# Larger than every bound of a field, an increment or a rate; a longer number reads as this.
_BEYOND_EVERY_BOUND = 10**18
_DIGITS_BEYOND_EVERY_BOUND = len(str(_BEYOND_EVERY_BOUND))
_LONGEST_SHOWN = 24
LONGEST_EXPRESSION_SHOWN = 100


def ascii_number(text: str) -> int | None:
    """The value of an AWS number (ASCII digits only), or None when ``text`` is not one.

    str.isdigit() alone also takes '５' and '²'. Python's int() refuses more than 4300
    digits, and no bound here needs more than 18, so a longer number reads as
    ``_BEYOND_EVERY_BOUND``: every range check then rejects it.
    """
    if not (text.isdigit() and text.isascii()):
        return None
    if len(text) < _DIGITS_BEYOND_EVERY_BOUND:
        return int(text)
    significant = text.lstrip("0")
    if len(significant) >= _DIGITS_BEYOND_EVERY_BOUND:
        return _BEYOND_EVERY_BOUND
    return int(significant or "0")


def shown(text: str, longest: int = _LONGEST_SHOWN) -> str:
    """``text`` for a message: a very long token is cut, so the message stays readable."""
    if len(text) <= longest:
        return text
    return f"{text[: longest - 1]}…"


def aws_weekday(year: int, month: int, day: int) -> int:
    """AWS day-of-week number of a date: 1=SUN … 7=SAT."""
    return (date(year, month, day).weekday() + 1) % 7 + 1


_MONTH_LENGTHS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_length(year: int, month: int) -> int:
    # calendar.monthrange() also works out the first weekday, which is not needed here.
    return 29 if month == 2 and calendar.isleap(year) else _MONTH_LENGTHS[month - 1]


_DAYS_OF_LONGEST_MONTH = tuple(range(1, 32))


# Cached (by the weekdays, not the rule: a tuple hashes faster than a dataclass): a month's
# list is a sort, and first fire times from many instants ask for the same months again.
@lru_cache(maxsize=8192)
def _weekdays_of_month(weekdays: tuple[int, ...], year: int, month: int) -> tuple[int, ...]:
    first_weekday = aws_weekday(year, month, 1)
    month_days = _DAYS_OF_LONGEST_MONTH[: _month_length(year, month)]
    # Each wanted weekday first falls on day 1 + (weekday - first_weekday) % 7, then weekly.
    days: list[int] = []
    for weekday in weekdays:
        days += month_days[(weekday - first_weekday) % 7 :: 7]
    days.sort()
    return tuple(days)


# --- parsing -----------------------------------------------------------------------------

_SPECIAL_CHARACTERS = (
    ("?", "day-of-month or day-of-week"),
    ("L", "day-of-month or day-of-week"),
    ("W", "day-of-month"),
    ("#", "day-of-week"),
)


def _quoted(token: str, item: str) -> str:
    return f"'{shown(token)}'" if token == item else f"'{shown(token)}' in '{shown(item)}'"


def _value(spec: _FieldSpec, token: str, item: str) -> int:
    value = spec.tokens.get(token)
    if value is not None:
        return value
    number = ascii_number(token)
    if number is not None:
        if not spec.low <= number <= spec.high:
            raise _FieldError(f"'{shown(token)}' is out of range {spec.allowed_range}")
        return number
    if token.upper() in spec.names:
        return spec.low + spec.names.index(token.upper())
    for character, where in _SPECIAL_CHARACTERS:
        if character in token.upper():
            raise _FieldError(f"'{character}' is only allowed in {where}, not in '{shown(item)}'")
    if spec.names:
        kind = "month name" if spec is MONTH else "day name"
        raise _FieldError(
            f"{_quoted(token, item)} is neither a {kind} ({spec.names[0]}-{spec.names[-1]})"
            f" nor a number {spec.low}-{spec.high}"
        )
    raise _FieldError(f"{_quoted(token, item)} is not a number {spec.low}-{spec.high}")


class _FieldError(Exception):
    """One thing wrong with one field; turned into an ExpressionError naming the field."""


def _expand_item(spec: _FieldSpec, item: str) -> list[int]:
    """``start``, ``start-end``, ``start/step``, ``start-end/step`` or ``*/step``, sorted.

    Split by hand rather than by a regular expression: this runs for every field of every
    expression parsed, and a cold parse is what ``validate`` pays per schedule.
    """
    head, slash, step_token = item.partition("/")  # the step is the rest, '/' or not
    start_token, dash, end_token = head.partition("-")
    if not start_token or (dash and (not end_token or "-" in end_token)):
        raise _FieldError(f"'{shown(item)}' is not a value, range or increment")
    step = 1
    if slash:
        span = spec.high - spec.low
        step_value = ascii_number(step_token)
        if step_value is None:
            raise _FieldError(f"the increment in '{shown(item)}' must be a whole number 1-{span}")
        if not 1 <= step_value <= span:
            raise _FieldError(
                f"the increment in '{shown(item)}' must be 1-{span}, not {shown(step_token)}"
            )
        step = step_value
    if start_token == "*":
        if dash:
            raise _FieldError(f"'{shown(item)}' is not a valid range: '*' cannot start a range")
        return list(range(spec.low, spec.high + 1, step))
    start = _value(spec, start_token, item)
    if dash:
        end = _value(spec, end_token, item)
    elif slash:  # 'a/n' runs to the field's maximum
        end = spec.high
    else:
        end = start
    if start <= end:
        return list(range(start, end + 1, step))
    if not spec.cyclic:
        raise _FieldError(f"the range '{shown(item)}' goes backwards (years do not wrap around)")
    wrapped = [*range(start, spec.high + 1), *range(spec.low, end + 1)]
    return sorted(wrapped[::step])


def _expand(spec: _FieldSpec, text: str) -> tuple[int, ...]:
    """Values of a plain field (no ``?``, ``L``, ``W``, ``#``): a comma list of items."""
    # The commonest fields, one value ('0', 'MON') and '*', skip the general path.
    value = spec.tokens.get(text)
    if value is not None:
        return (value,)
    if text == "*":
        return spec.every_value
    if "/" in text and "/" not in spec.wildcards:
        raise _FieldError(f"'/' is not allowed in {spec.name} (allowed: {spec.wildcards})")
    if "," not in text and text:
        return tuple(_expand_item(spec, text))  # one item: sorted, no duplicates
    values: set[int] = set()
    for item in text.split(","):
        value = spec.tokens.get(item)
        if value is not None:
            values.add(value)
        elif not item:
            raise _FieldError(f"'{shown(text)}' has an empty item in its comma list")
        else:
            values.update(_expand_item(spec, item))
    return tuple(sorted(values))


_NEAREST_WEEKDAY = re.compile(r"([0-9]+)W", re.IGNORECASE)
_LAST_OF_WEEKDAY = re.compile(r"([0-9A-Z]+?)L", re.IGNORECASE)
_NTH_WEEKDAY = re.compile(r"([^#]+)#(.*)")


# The commonest day fields, '*' and 'L', parse to these shared (frozen) rules.
_EVERY_DAY_OF_MONTH = DayOfMonthRule(days=DAY_OF_MONTH.every_value)
_EVERY_DAY_OF_WEEK = DayOfWeekRule(weekdays=DAY_OF_WEEK.every_value)
_LAST_DAY_OF_MONTH = DayOfMonthRule(last_day=True)
_LAST_WEEKDAY_OF_MONTH = DayOfMonthRule(last_weekday=True)
_LAST_DAY_OF_WEEK = DayOfWeekRule(weekdays=(7,))


def _day_of_month_rule(text: str) -> DayOfMonthRule:
    if text == "*":
        return _EVERY_DAY_OF_MONTH
    upper = text.upper()
    if "L" not in upper and "W" not in upper:
        return DayOfMonthRule(days=_expand(DAY_OF_MONTH, text))
    if upper == "L":
        return _LAST_DAY_OF_MONTH
    if upper == "LW":
        return _LAST_WEEKDAY_OF_MONTH
    if "W" in upper:
        match = _NEAREST_WEEKDAY.fullmatch(text)
        if match is None:
            raise _FieldError(
                f"'{shown(text)}': 'W' takes one day of the month, as in '15W' or 'LW'"
                " (no ranges, lists or increments)"
            )
        return DayOfMonthRule(nearest_weekday_to=_value(DAY_OF_MONTH, match.group(1), text))
    raise _FieldError(  # an 'L' that does not stand alone
        f"'{shown(text)}': 'L' stands alone in day-of-month ('L' or 'LW'), not in a list or range"
    )


def _day_of_week_rule(text: str) -> DayOfWeekRule:
    if text == "*":
        return _EVERY_DAY_OF_WEEK
    upper = text.upper()
    if upper == "L":  # the last day of the week
        return _LAST_DAY_OF_WEEK
    if "#" in text:
        match = _NTH_WEEKDAY.fullmatch(text)
        if match is None or "," in text or "-" in text or "/" in text:
            raise _FieldError(
                f"'{shown(text)}': only one '#' expression is allowed, as in '6#3'"
                " (the third Friday); no lists or ranges with '#'"
            )
        weekday = _value(DAY_OF_WEEK, match.group(1), text)
        occurrence_text = match.group(2)
        occurrence = ascii_number(occurrence_text)
        if occurrence is None or not 1 <= occurrence <= 5:
            raise _FieldError(
                f"'{shown(text)}': the occurrence after '#' must be 1-5,"
                f" not '{shown(occurrence_text)}'"
            )
        return DayOfWeekRule(nth_weekday=(weekday, occurrence))
    if "L" in upper:
        match = _LAST_OF_WEEKDAY.fullmatch(text)
        if match is None or "," in text or "-" in text or "/" in text:
            raise _FieldError(
                f"'{shown(text)}': 'L' stands alone ('L' = Saturday) or follows one day"
                " ('6L' = the last Friday of the month); no lists or ranges with 'L'"
            )
        return DayOfWeekRule(last_of_weekday=_value(DAY_OF_WEEK, match.group(1), text))
    return DayOfWeekRule(weekdays=_expand(DAY_OF_WEEK, text))


def _field(spec: _FieldSpec, text: str, problems: list[str]) -> tuple[int, ...]:
    try:
        return _expand(spec, text)
    except _FieldError as problem:
        problems.append(f"{spec.label}: {problem}")
        return ()


def _one_day_rule(spec: _FieldSpec, text: str, problems: list[str]) -> DayRule | None:
    try:
        if spec is DAY_OF_WEEK:
            return _day_of_week_rule(text)
        return _day_of_month_rule(text)
    except _FieldError as problem:
        problems.append(f"{spec.label}: {problem}")
        return None


def _day_rule(day_of_month: str, day_of_week: str, problems: list[str]) -> DayRule | None:
    if (day_of_month == "?") == (day_of_week == "?"):
        # Each given day field is still checked on its own, so all its problems show at once.
        for spec, text in ((DAY_OF_MONTH, day_of_month), (DAY_OF_WEEK, day_of_week)):
            if text != "?":
                _one_day_rule(spec, text, problems)
        problems.append(
            "cron: exactly one of day-of-month and day-of-week must be '?'"
            f" (got '{day_of_month}' and '{day_of_week}')"
        )
        return None
    if day_of_month == "?":
        return _one_day_rule(DAY_OF_WEEK, day_of_week, problems)
    return _one_day_rule(DAY_OF_MONTH, day_of_month, problems)


def _field_order(problem: str) -> float:
    """Problems in the order of the fields; the rule about the two day fields after both."""
    if problem.startswith("cron field "):
        return int(problem[len("cron field ")])
    return DAY_OF_WEEK.position + 0.5


def parse_cron(text: str, body: str) -> CronExpression:
    """Parse the inside of ``cron(...)``; ``text`` is the whole expression, kept verbatim.

    ``parse()`` has checked the white space: the fields are separated by single spaces.
    """
    fields = body.split(" ") if body else []
    if len(fields) != 6:
        raise ExpressionError(
            "cron: expected 6 fields (minutes hours day-of-month month day-of-week year),"
            f" got {len(fields)}"
            + (" - AWS cron has a year field and no seconds field" if len(fields) == 5 else "")
        )
    minutes_text, hours_text, day_of_month, month_text, day_of_week, year_text = fields
    # A valid expression, the usual case, is read in one pass; an invalid one is read again
    # below, field by field, so that every field's problems are reported at once.
    day_fields = day_of_month + day_of_week
    if (day_of_month == "?") != (day_of_week == "?") and day_fields.count("?") == 1:
        try:
            return CronExpression(
                text=text,
                fields=(minutes_text, hours_text, day_of_month, month_text, day_of_week, year_text),
                minutes=_expand(MINUTES, minutes_text),
                hours=_expand(HOURS, hours_text),
                months=_expand(MONTH, month_text),
                years=_expand(YEAR, year_text),
                day_rule=(
                    _day_of_week_rule(day_of_week)
                    if day_of_month == "?"
                    else _day_of_month_rule(day_of_month)
                ),
            )
        except _FieldError:
            pass
    problems: list[str] = []
    minutes = _field(MINUTES, fields[0], problems)
    hours = _field(HOURS, fields[1], problems)
    misplaced_question_marks = [
        f"{spec.label}: '?' must stand alone, not in '{fields[spec.position - 1]}'"
        for spec in (DAY_OF_MONTH, DAY_OF_WEEK)
        if "?" in fields[spec.position - 1] and fields[spec.position - 1] != "?"
    ]
    problems.extend(misplaced_question_marks)
    day_rule = None if misplaced_question_marks else _day_rule(fields[2], fields[4], problems)
    months = _field(MONTH, fields[3], problems)
    years = _field(YEAR, fields[5], problems)
    if problems or day_rule is None:
        raise ExpressionError(*sorted(problems, key=_field_order))
    return CronExpression(
        text=text,
        fields=(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]),
        minutes=minutes,
        hours=hours,
        months=months,
        years=years,
        day_rule=day_rule,
    )
